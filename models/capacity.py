"""Capacity planning: a forecast under a growth scenario, threshold crossings, and the
instances (or storage) needed to stay under the scale-up trigger with the reserve kept.

Inputs are forecast frames in the contract of models.forecast (ds, mean, lower, upper);
nothing here fits a model, so every number can be checked by hand.
"""
from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import dataclass

import numpy as np
import pandas as pd

from core.i18n import N_, _
from core.plan import Capacity

BANDS = ("mean", "lower", "upper")
HISTORY_DAYS = 730  # what a capacity forecast fits on: two years give the fits their yearly shape
INTERVAL_PCT = 80   # the forecast interval every capacity view draws and judges


@dataclass(frozen=True)
class Growth:
    """Growth applied on top of a statistical forecast (percent; zero means none).

    monthly_pct compounds per month from where the measured history ends; feature_pct is the
    uplift in resource needs that new features bring over a year; peak_pct applies in the
    peak-season months (1-12), ramped in and out (season_factor).
    """

    monthly_pct: float = 0.0
    feature_pct: float = 0.0
    peak_pct: float = 0.0
    peak_months: tuple[int, ...] = ()


MONTH_SECONDS = 365.25 / 12 * 86400
FEATURE_RAMP_MONTHS = 12.0  # the plan's feature uplift is a year's features: it builds up over the plan year


def quarterly_to_monthly_pct(quarterly_pct: float) -> float:
    """The monthly rate that compounds to a quarterly one: (1 + q)^(1/3) - 1."""
    return ((1.0 + quarterly_pct / 100.0) ** (1.0 / 3.0) - 1.0) * 100.0


def season_factor(ds: pd.Series, peak_pct: float, peak_months: tuple[int, ...]) -> np.ndarray:
    """The peak-season factor at each timestamp, ramped instead of a step.

    Definition: the plan says "100% during peak seasons" (traffic_growth) and plan.toml names the
    peak months. Inside a peak month the factor is 1 + peak_pct / 100; over the month before the
    season it rises linearly from 1 at that month's first instant to the full uplift at the
    season's start, and over the month after the season it falls back the same way; elsewhere 1.
    The share of a ramp month passed is (t - month start) / the month's length, so 16 Oct 00:00
    before a November peak is 15/31 of the way up. (A month between two peak months takes the
    higher of its two ramps.)
    """
    stamps = pd.to_datetime(pd.Series(ds).reset_index(drop=True))
    into = stamps.dt.day - 1 + (stamps.dt.hour * 3600 + stamps.dt.minute * 60 + stamps.dt.second) / 86400.0
    share = (into / stamps.dt.days_in_month).to_numpy(dtype=float)
    month = stamps.dt.month.to_numpy()
    peak = set(peak_months)
    inside = np.isin(month, list(peak))
    before = np.isin(month % 12 + 1, list(peak)) & ~inside        # the next month is a peak month
    after = np.isin((month - 2) % 12 + 1, list(peak)) & ~inside   # the last month was one
    ramp = np.where(inside, 1.0, np.maximum(np.where(before, share, 0.0), np.where(after, 1.0 - share, 0.0)))
    return 1.0 + peak_pct / 100.0 * ramp


FACTORS = ("growth", "features", "season")
# Whose assumptions crossing_causes names (the plan's, or a scenario edited on the Capacity page).
PLAN_WHOSE, EDITED_WHOSE = N_("the plan's"), N_("the edited scenario's")


def growth_factors(anchor: pd.Timestamp, ds: pd.Series, growth: Growth) -> dict[str, np.ndarray]:
    """Each of the plan's assumptions as a factor at each timestamp of `ds`, relative to `anchor`
    (where the measured level stands): growth (1 + monthly_pct)^months since the anchor; features
    1 + feature_pct x months / 12, capped at the full uplift after a year; season
    season_factor(t) / season_factor(anchor), never below 1. The measured level already holds the
    season it is in, so the plan adds only the part of the season still to come; a level measured
    inside the peak is not cut after it (the plan states no off-peak level to fall back to, and
    capacity errs high). Months are 365.25 / 12 days; timestamps before the anchor count as it."""
    stamps = pd.to_datetime(pd.Series(ds).reset_index(drop=True))
    months = np.maximum((stamps - pd.Timestamp(anchor)).dt.total_seconds().to_numpy() / MONTH_SECONDS, 0.0)
    seasons = season_factor(pd.Series([pd.Timestamp(anchor), *stamps]), growth.peak_pct, growth.peak_months)
    return {"growth": (1.0 + growth.monthly_pct / 100.0) ** months,
            "features": 1.0 + growth.feature_pct / 100.0 * np.minimum(months / FEATURE_RAMP_MONTHS, 1.0),
            "season": np.maximum(seasons[1:] / seasons[0], 1.0)}


def _product(factors: dict[str, np.ndarray]) -> np.ndarray:
    return factors["growth"] * factors["features"] * factors["season"]


def multiplier(ds: pd.Series, growth: Growth, anchor: pd.Timestamp | None = None) -> np.ndarray:
    """The scenario's factor for each forecast timestamp, relative to `anchor` (default: the first
    timestamp) as growth_factors gives it."""
    stamps = pd.to_datetime(pd.Series(ds).reset_index(drop=True))
    return _product(growth_factors(stamps.iloc[0] if anchor is None else pd.Timestamp(anchor), stamps, growth))


def apply_growth(forecast: pd.DataFrame, growth: Growth, anchor: pd.Timestamp | None = None) -> pd.DataFrame:
    """The forecast with every band scaled by the scenario's multiplier, relative to `anchor`
    (where the measured history ends; default the forecast's first timestamp). (On arrays, one
    copy: each pandas operation deep-copies a forecast's attrs, its model scores, and a slider move
    reruns this for every service.)"""
    m = multiplier(forecast["ds"], growth, anchor)
    return forecast.assign(**{band: forecast[band].to_numpy(dtype=float) * m for band in BANDS})


def plan_scenario(history: pd.DataFrame, fit: pd.DataFrame, growth: Growth) -> pd.DataFrame:
    """The plan's (or a slider's) scenario drawn beside the measured forecast `fit`: the same fit,
    band by band, scaled by the scenario's assumptions relative to where `history` (ds, y) ends, so
    both leave from the same measured level and part as the assumptions build up. Output in the
    forecast contract (ds, mean, lower, upper), for crossings, monthly_plan and monthly_storage."""
    return apply_growth(fit, growth, pd.Timestamp(pd.to_datetime(history["ds"]).max()))


def measured_and_plan(history: pd.DataFrame, fit: pd.DataFrame, growth: Growth) -> pd.DataFrame:
    """The measured forecast (the default) and the scenario beside it (plan_scenario), from one
    history and one fit, for a chart and crossing_causes. Input: history (ds, y), fit (ds, mean,
    lower, upper). Output: the fit's columns plus plan_mean, plan_lower, plan_upper."""
    planned = plan_scenario(history, fit, growth)
    return fit.assign(**{f"plan_{band}": planned[band].to_numpy() for band in BANDS})


def crossing_causes(resource: str, growth: Growth, current: float | None, planned: pd.DataFrame,
                    history_end: pd.Timestamp, threshold: float, at: pd.Timestamp,
                    whose: str = PLAN_WHOSE) -> list[str]:
    """Why the plan's scenario (measured_and_plan's frame) reaches `threshold` at `at`, in words a
    planner reads; for a crossing on the forecast's first day above all.

    Definition: the measured level now (`current`, e.g. current_level) at or over the threshold:
    "already at or above 80 % today"; else the measured forecast's mean at `at` over it: "the
    measured forecast itself"; else each of the plan's assumptions whose factor at `at` lifts the
    line over the threshold, i.e. without which the plan line would stay under it (growth_factors:
    users or data growth, the feature uplift, the peak season); when none is needed on its own (any
    of them would do), all of those that lift the line; the largest factor first. Empty when the
    line does not reach it. (At a line's first crossing every assumption that lifts it is needed,
    since the line only just reaches the threshold there; on the forecast's first day the ramps
    have barely started, so a crossing there is measured, not assumed.)
    `growth` is the scenario drawn (growth_for(resource, plan.capacity) for the plan's); `whose`
    names it in the words.
    """
    i = int(np.argmax(pd.to_datetime(planned["ds"]).to_numpy() >= np.datetime64(pd.Timestamp(at))))
    measured = float(planned["mean"].iloc[i])
    f = {k: float(v[i]) for k, v in growth_factors(history_end, planned["ds"], growth).items()}
    words = _cause_words(resource, growth, whose)
    if current is not None and current >= threshold:
        return [_("already at or above {line} % today").format(line=f"{threshold:g}")]
    if measured >= threshold:
        return [_("the measured forecast itself")]
    total = measured * math.prod(f.values())
    if total < threshold:
        return []
    lifting = sorted((k for k in FACTORS if f[k] > 1.0), key=lambda k: -f[k])  # the largest first
    needed = [k for k in lifting if total / f[k] < threshold]
    return [words[k] for k in (needed or lifting)]


def _cause_words(resource: str, growth: Growth, whose: str) -> dict[str, str]:
    """A scenario's assumptions, named in the plan's units (users a quarter, data a month), for
    crossing_causes. `whose` is a catalogue text (PLAN_WHOSE, EDITED_WHOSE): a translation places it."""
    quarterly = ((1.0 + growth.monthly_pct / 100.0) ** 3 - 1.0) * 100.0
    named = _(whose)
    grows = (_("{whose} +{pct} % data a month").format(whose=named, pct=f"{growth.monthly_pct:.3g}")
             if resource in STORAGE_RESOURCES
             else _("{whose} +{pct} % users a quarter").format(whose=named, pct=f"{quarterly:.3g}"))
    return {"growth": grows,
            "features": _("{whose} +{pct} % resource needs for new features").format(
                whose=named, pct=f"{growth.feature_pct:.3g}"),
            "season": _("{whose} +{pct} % peak-season uplift").format(whose=named, pct=f"{growth.peak_pct:.3g}")}


def first_crossing(frame: pd.DataFrame, column: str, threshold: float) -> pd.Timestamp | None:
    """The first timestamp at which `column` reaches the threshold (None: never in the horizon)."""
    hit = np.flatnonzero(frame[column].to_numpy(dtype=float) >= threshold)  # NaN never reaches it
    return None if not len(hit) else pd.Timestamp(frame["ds"].iloc[hit[0]])


def crossings(utilisation: pd.DataFrame, cap: Capacity) -> pd.DataFrame:
    """When the forecast mean and its upper bound first cross the monitor, scale-up and 100 %
    lines. Input: a utilisation forecast in percent. Output: threshold_pct, mean_at, upper_at."""
    rows = [{"threshold_pct": t, "mean_at": first_crossing(utilisation, "mean", t),
             "upper_at": first_crossing(utilisation, "upper", t)}
            for t in (cap.monitor_pct, cap.scale_up_pct, 100.0)]
    return pd.DataFrame(rows)


def units_needed(load: float, cap: Capacity) -> int:
    """Units (instances) for a load in unit-equivalents, so that the load plus the reserve stays
    at or under the scale-up trigger: ceil(load (1 + reserve) / scale_up)."""
    if load <= 0:
        return 0
    return math.ceil(round(load * (1 + cap.reserve_pct / 100.0) / (cap.scale_up_pct / 100.0), 9))


def monthly_plan(utilisation: pd.DataFrame, instances: int, cap: Capacity) -> pd.DataFrame:
    """Instances needed per month for a utilisation forecast (percent of today's fleet).

    The month's peak of the forecast's upper bound sets the load (instances x utilisation);
    a month whose mean stays under the scale-down line is a scale-down opportunity.
    Output: month, peak_upper_pct, mean_pct, instances_now, instances_needed, change, scale_down.
    """
    f = utilisation.assign(month=pd.to_datetime(utilisation["ds"]).dt.to_period("M").dt.to_timestamp())
    g = f.groupby("month").agg(peak_upper_pct=("upper", "max"), mean_pct=("mean", "mean")).reset_index()
    g["instances_now"] = instances
    g["instances_needed"] = [units_needed(instances * p / 100.0, cap) for p in g["peak_upper_pct"]]
    g["change"] = g["instances_needed"] - instances
    g["scale_down"] = g["mean_pct"] < cap.scale_down_pct
    return g


def storage_needed_gb(data_gb: float, cap: Capacity) -> float:
    """Storage to provision for a data volume, with the reserve kept under the scale-up line."""
    return data_gb * (1 + cap.reserve_pct / 100.0) / (cap.scale_up_pct / 100.0)


def headroom(rows: list[dict], today: pd.Timestamp) -> pd.DataFrame:
    """Services ranked by time to the scale-up threshold.

    Input: one dict per service and resource with service_id, resource, current_pct and
    scale_up_at (mean crossing, or None). Output sorted soonest first; never-crossing last.
    """
    frame = pd.DataFrame(rows, columns=["service_id", "resource", "current_pct", "scale_up_at"])
    frame["days_to_scale_up"] = [(pd.Timestamp(t) - today).days if t is not None and not pd.isna(t) else None
                                 for t in frame["scale_up_at"]]
    frame["_order"] = frame["days_to_scale_up"].fillna(math.inf)
    return frame.sort_values(["_order", "current_pct"], ascending=[True, False]).drop(columns="_order") \
        .reset_index(drop=True)


# --- resources, observed growth and the plan's line (the Capacity and Growth pages) ---------

LOAD_RESOURCES = ("cpu_pct", "memory_pct", "requests_pct")  # follow users, features and the peak season
STORAGE_RESOURCES = ("disk_pct", "data_gb")  # follow the data volume


def growth_for(resource: str, cap: Capacity) -> Growth:
    """A scenario's growth for one resource: load (CPU, memory, requests) grows with users
    (the quarterly rate compounded monthly), the feature-complexity uplift and the peak season;
    disk and data volume grow at the data rate a month."""
    if resource in LOAD_RESOURCES:
        return Growth(quarterly_to_monthly_pct(cap.user_growth_pct_per_quarter), cap.feature_complexity_pct,
                      cap.peak_traffic_growth_pct, cap.peak_months)
    if resource in STORAGE_RESOURCES:
        return Growth(monthly_pct=cap.data_growth_pct_per_month)
    raise ValueError(f"unknown resource {resource!r}")


def demand_growth(metric: str, cap: Capacity) -> Growth:
    """The plan's assumption for a demand series: users +x % a quarter; traffic with users and
    +y % in the peak months; tickets with users (the scenario model's tickets per user); data
    volume +z % a month."""
    users = quarterly_to_monthly_pct(cap.user_growth_pct_per_quarter)
    table = {"active_users": Growth(users), "tickets": Growth(users),
             "visits": Growth(users, peak_pct=cap.peak_traffic_growth_pct, peak_months=cap.peak_months),
             "data_gb": Growth(cap.data_growth_pct_per_month)}
    if metric not in table:
        raise ValueError(f"unknown demand series {metric!r}")
    return table[metric]


@dataclass(frozen=True)
class PlanRate:
    """The plan's growth rate for a demand series as the plan states it: pct per `per_months` months."""

    pct: float
    per_months: int  # 3: a quarter, 1: a month


# Which [capacity] rate each demand series follows, as demand_growth applies it: users, traffic and
# tickets grow with users (stated a quarter), data volume at the data rate (stated a month).
_PLAN_RATES = {"active_users": ("user_growth_pct_per_quarter", 3), "visits": ("user_growth_pct_per_quarter", 3),
               "tickets": ("user_growth_pct_per_quarter", 3), "data_gb": ("data_growth_pct_per_month", 1)}


def plan_rate(metric: str, cap: Capacity) -> PlanRate:
    """The plan's growth rate for a demand series, in the unit the plan states it."""
    if metric not in _PLAN_RATES:
        raise ValueError(f"unknown demand series {metric!r}")
    name, per_months = _PLAN_RATES[metric]
    return PlanRate(float(getattr(cap, name)), per_months)


def growth_verdict(observed_pct: float | None, plan_pct: float, band: tuple[float, float]) -> str:
    """How measured growth compares with the plan's (both per the same months): "unmeasurable"
    without a measure; "borne_out" when observed / plan lies in `band` (plan.toml settings
    growth_borne_out_ratio); else "slower" below it or "faster" above it. A plan of 0 % makes any
    measured growth "faster"."""
    if observed_pct is None:
        return "unmeasurable"
    ratio = observed_pct / plan_pct if plan_pct else math.inf
    if band[0] <= ratio <= band[1]:
        return "borne_out"
    return "slower" if ratio < band[0] else "faster"


def plan_line(anchor: pd.Timestamp, value: float, ds: pd.Series, growth: Growth) -> np.ndarray:
    """The plan's assumption drawn from the last actual: `value` at `anchor`, then scaled by the
    plan's factors relative to the anchor (growth_factors), at each timestamp of `ds`."""
    f = growth_factors(pd.Timestamp(anchor), ds, growth)
    return value * _product(f)


def _by_month(monthly: pd.DataFrame) -> pd.Series:
    return monthly.set_index(pd.to_datetime(monthly["ds"]).dt.to_period("M"))["y"].astype(float)


def observed_growth_pct(monthly: pd.DataFrame, per_months: int, over_months: int = 12,
                        window: int = 3) -> float | None:
    """The growth the data shows, as a compound rate per `per_months` months: the mean of the last
    `window` months against the mean of the same months `over_months` earlier (the same season, so
    a sale month is compared with a sale month). Input: ds (months), y. None when either window
    is incomplete or the earlier one is not positive."""
    s = _by_month(monthly)
    last = s.index.max()
    recent = s.reindex(pd.period_range(last - window + 1, last, freq="M"))
    before = s.reindex(pd.period_range(last - over_months - window + 1, last - over_months, freq="M"))
    if recent.isna().any() or before.isna().any() or before.mean() <= 0:
        return None
    return float(((recent.mean() / before.mean()) ** (per_months / over_months) - 1.0) * 100.0)


def peak_uplift_pct(monthly: pd.DataFrame, peak_months: tuple[int, ...]) -> tuple[pd.Period, float] | None:
    """The last complete peak season against the months just before it: (its first month, the
    mean of the peak months over the mean of as many months before, minus 1, in %). Input: ds, y.
    None without a complete season and the months before it."""
    if not peak_months:
        return None
    s = _by_month(monthly)
    n = len(peak_months)
    for start in sorted((p for p in s.index if p.month == peak_months[0]), reverse=True):
        season = s.reindex(pd.period_range(start, start + n - 1, freq="M"))
        before = s.reindex(pd.period_range(start - n, start - 1, freq="M"))
        if not (season.isna().any() or before.isna().any()) and before.mean() > 0:
            return start, float((season.mean() / before.mean() - 1.0) * 100.0)
    return None


def current_level(history: pd.DataFrame, days: int = 7) -> float | None:
    """Where a daily series stands now: the mean of its last `days` values (columns ds, y)."""
    values = history.sort_values("ds")["y"].dropna().tail(days)
    return None if values.empty else float(values.mean())


def monthly_storage(forecast: pd.DataFrame, cap: Capacity) -> pd.DataFrame:
    """Storage to provision per month for a data-volume forecast (or a disk-use forecast in percent
    of today's volume): the month's peak upper bound with the reserve kept under the scale-up line.
    Output: month, peak_upper, mean, storage_needed (in the forecast's unit)."""
    f = forecast.assign(month=pd.to_datetime(forecast["ds"]).dt.to_period("M").dt.to_timestamp())
    g = f.groupby("month").agg(peak_upper=("upper", "max"), mean=("mean", "mean")).reset_index()
    g["storage_needed"] = [storage_needed_gb(v, cap) for v in g["peak_upper"]]
    return g


# --- a resource's plan and every service's headroom (the Capacity page) ---------------------

def plan_for(resource: str, grown: pd.DataFrame, instances: int,
             cap: Capacity) -> tuple[pd.DataFrame | None, pd.DataFrame]:
    """What a resource's scenario forecast asks for: (crossings, monthly plan). Disk (percent of
    the volume): its crossings and the storage to provision; data volume (GB, no percent line to
    cross): the storage only, crossings None; load (CPU, memory, requests): its crossings and the
    instances needed."""
    if resource == "data_gb":
        return None, monthly_storage(grown, cap)
    if resource == "disk_pct":
        return crossings(grown, cap), monthly_storage(grown, cap)
    if resource in LOAD_RESOURCES:
        return crossings(grown, cap), monthly_plan(grown, instances, cap)
    raise ValueError(f"unknown resource {resource!r}")


def headroom_table(resource: str, services: Iterable[tuple[str, pd.DataFrame, pd.DataFrame]], cap: Capacity,
                   today: pd.Timestamp) -> pd.DataFrame:
    """headroom over services, each given as (service_id, daily history (ds, y), statistical fit):
    where it stands now (current_level), and the first day the measured forecast's mean and upper
    bound reach the scale-up line (the ranking: measured first); plan_at, the first day the mean of
    the scenario `cap` describes (plan_scenario with growth_for(resource, cap)) reaches it, beside.
    Output: headroom's columns, upper_at and plan_at (missing: not in the horizon)."""
    growth = growth_for(resource, cap)
    rows, upper, planned = [], {}, {}
    for service_id, history, fit in services:
        rows.append({"service_id": service_id, "resource": resource, "current_pct": current_level(history),
                     "scale_up_at": first_crossing(fit, "mean", cap.scale_up_pct)})
        upper[service_id] = first_crossing(fit, "upper", cap.scale_up_pct)
        planned[service_id] = (first_crossing(plan_scenario(history, fit, growth), "mean", cap.scale_up_pct)
                               if len(history) else None)
    table = headroom(rows, today)
    return table.assign(upper_at=[upper[s] for s in table["service_id"]],
                        plan_at=[planned[s] for s in table["service_id"]])
