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

from core.plan import Capacity

BANDS = ("mean", "lower", "upper")


@dataclass(frozen=True)
class Growth:
    """Growth applied on top of a statistical forecast (percent; zero means none).

    monthly_pct compounds per month from the forecast's start; feature_pct is a flat uplift
    in resource needs; peak_pct applies inside the peak-season months (1-12).
    """

    monthly_pct: float = 0.0
    feature_pct: float = 0.0
    peak_pct: float = 0.0
    peak_months: tuple[int, ...] = ()


def quarterly_to_monthly_pct(quarterly_pct: float) -> float:
    """The monthly rate that compounds to a quarterly one: (1 + q)^(1/3) - 1."""
    return ((1.0 + quarterly_pct / 100.0) ** (1.0 / 3.0) - 1.0) * 100.0


def multiplier(ds: pd.Series, growth: Growth) -> np.ndarray:
    """The scenario's factor for each forecast timestamp."""
    stamps = pd.to_datetime(ds)
    months = (stamps - stamps.iloc[0]).dt.total_seconds().to_numpy() / (365.25 / 12 * 86400)
    factor = (1.0 + growth.monthly_pct / 100.0) ** months * (1.0 + growth.feature_pct / 100.0)
    peak = stamps.dt.month.isin(growth.peak_months).to_numpy()
    return factor * np.where(peak, 1.0 + growth.peak_pct / 100.0, 1.0)


def apply_growth(forecast: pd.DataFrame, growth: Growth) -> pd.DataFrame:
    """The forecast with every band scaled by the scenario's multiplier. (On arrays, one copy:
    each pandas operation deep-copies a forecast's attrs, its model scores, and a slider move
    reruns this for every service.)"""
    m = multiplier(forecast["ds"], growth)
    return forecast.assign(**{band: forecast[band].to_numpy(dtype=float) * m for band in BANDS})


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
    growth multiplier relative to the anchor's, at each timestamp of `ds`."""
    stamps = pd.Series([pd.Timestamp(anchor), *pd.to_datetime(ds)])
    m = multiplier(stamps, growth)
    return value * m[1:] / m[0]


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

def scenario_forecast(fit: pd.DataFrame, resource: str, cap: Capacity) -> pd.DataFrame:
    """A statistical forecast of `resource` with the scenario's growth for that resource on top."""
    return apply_growth(fit, growth_for(resource, cap))


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
    where it stands now (current_level), and the first day the scenario's forecast mean and upper
    bound reach the scale-up line. Output: headroom's columns and upper_at (missing: not in the horizon)."""
    rows, upper = [], {}
    for service_id, history, fit in services:
        grown = scenario_forecast(fit, resource, cap)
        rows.append({"service_id": service_id, "resource": resource, "current_pct": current_level(history),
                     "scale_up_at": first_crossing(grown, "mean", cap.scale_up_pct)})
        upper[service_id] = first_crossing(grown, "upper", cap.scale_up_pct)
    table = headroom(rows, today)
    return table.assign(upper_at=[upper[s] for s in table["service_id"]])
