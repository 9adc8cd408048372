"""One what-if from demand to capacity and staffing to cost and back to the KPI targets.

A scenario is a frozen set of drivers. Evaluating it over a horizon gives, per month: demand
(active users, tickets, traffic, data), capacity (instances, storage), staffing (FTE needed by
Erlang C, FTE paid), cost per budget line, and the KPIs it implies against the plan's targets.

The base scenario takes the plan's growth assumptions and team sizes, and unit rates
calibrated so that the plan's own volumes over the first 12 months cost exactly the plan's
budget, line by line ($670,000). Change a driver and the costs move from there.
"""
from __future__ import annotations

import argparse
import json
import math
import sys
from collections.abc import Iterable, Mapping
from dataclasses import asdict, dataclass, fields, replace
from datetime import date
from functools import lru_cache
from typing import Any

import numpy as np
import pandas as pd

from analytics.measure import compare
from core.period import Period, add_months, month_start, today_in
from core.plan import Plan, PlanError, load_plan
from models.capacity import quarterly_to_monthly_pct, storage_needed_gb, units_needed
from models.staffing import agents_needed

CHANNELS = ("live_chat", "email", "phone")
HOURS_PER_FTE_WEEK = 40.0
WEEKS_PER_MONTH = 365.25 / 12 / 7
PHONE_HOURS = 12 * 7  # a week's hours with the phone line open (8:00-20:00); chat and email: all 168


class ScenarioError(ValueError):
    """An unknown driver or an impossible value."""


@dataclass(frozen=True)
class Base:
    """What the scenario starts from, measured in the warehouse (or set by hand in tests)."""

    start: date                      # first month of the horizon
    active_users: float              # monthly active users now
    tickets_per_user_month: float
    channel_share: tuple[float, float, float]  # live_chat, email, phone; sums to 1
    revenue_per_user_month_usd: float
    instances: float                 # the fleet now
    data_gb: float
    cpu_pct: float                   # fleet peak (p95) CPU now


@dataclass(frozen=True)
class Drivers:
    """Every assumption of a scenario; money in USD, shares and rates in percent."""

    user_growth_pct_per_quarter: float
    peak_traffic_growth_pct: float
    data_growth_pct_per_month: float
    feature_complexity_pct: float
    tickets_per_user_month: float
    revenue_per_user_month_usd: float
    aht_live_chat_min: float
    aht_email_min: float
    aht_phone_min: float
    service_level_goal_pct: float
    max_occupancy_pct: float
    shrinkage_pct: float
    staff_to_demand: bool            # False: pay the plan's team; True: hire what Erlang C needs
    support_fte_plan: float
    maintenance_fte: float
    support_cost_per_fte_usd: float  # a year
    maintenance_cost_per_fte_usd: float
    training_per_fte_usd: float
    cloud_usd_per_instance_month: float
    cloud_usd_per_gb_month: float
    reserved_share_pct: float
    reserved_discount_pct: float
    spot_share_pct: float
    spot_discount_pct: float
    monitoring_usd_per_instance_month: float
    security_usd_per_month: float
    payment_fee_pct_revenue: float
    communication_usd_per_user_month: float
    backup_usd_per_gb_month: float
    contingency_pct: float


# Allowed range of each numeric driver: values outside are impossible, not merely unusual.
LIMITS: dict[str, tuple[float, float]] = {
    "user_growth_pct_per_quarter": (-100, 1000), "data_growth_pct_per_month": (-100, 1000),
    "peak_traffic_growth_pct": (0, 1000), "feature_complexity_pct": (-100, 1000),
    "service_level_goal_pct": (1, 99.9), "max_occupancy_pct": (1, 100), "shrinkage_pct": (0, 95),
    "reserved_share_pct": (0, 100), "spot_share_pct": (0, 100), "reserved_discount_pct": (0, 100),
    "spot_discount_pct": (0, 100),
}


def check(drivers: Drivers) -> Drivers:
    """Refuse impossible values: negatives where only amounts make sense, shares over 100 %."""
    for f in fields(drivers):
        value = getattr(drivers, f.name)
        if isinstance(value, bool):
            continue
        low, high = LIMITS.get(f.name, (0.0, math.inf))
        if not math.isfinite(value) or not low <= value <= high:
            raise ScenarioError(f"driver {f.name} = {value:g} is impossible: it must lie in [{low:g}, {high:g}]")
    if drivers.reserved_share_pct + drivers.spot_share_pct > 100:
        raise ScenarioError("reserved_share_pct + spot_share_pct must not exceed 100")
    if min(drivers.aht_live_chat_min, drivers.aht_email_min, drivers.aht_phone_min) <= 0:
        raise ScenarioError("handling times must be above 0 minutes")
    return drivers


def with_overrides(drivers: Drivers, overrides: dict[str, str | float]) -> Drivers:
    """Drivers with named values replaced; an unknown name or an impossible value is an error."""
    names = {f.name: f.type for f in fields(Drivers)}
    typed = {}
    for name, value in overrides.items():
        if name not in names:
            raise ScenarioError(f"unknown driver '{name}'; known: {', '.join(sorted(names))}")
        typed[name] = _parse_value(name, value, names[name])
    return check(replace(drivers, **typed))


def _parse_value(name: str, value: str | float, kind: str) -> float | bool:
    if kind == "bool":
        if isinstance(value, bool):
            return value
        if str(value).lower() in ("true", "1", "yes", "false", "0", "no"):
            return str(value).lower() in ("true", "1", "yes")
        raise ScenarioError(f"driver {name} takes true or false, not '{value}'")
    try:
        return float(value)
    except (TypeError, ValueError):
        raise ScenarioError(f"driver {name} takes a number, not '{value}'") from None


# --- demand, capacity and staffing -------------------------------------------------------

@lru_cache(maxsize=65536)
def _agents(traffic: float, aht_s: float, target_s: float, goal: float, occupancy: float) -> int:
    return agents_needed(traffic, aht_s, target_s, goal, occupancy)


def support_fte_needed(tickets: float, d: Drivers, base: Base, plan: Plan) -> float:
    """Tier-1 FTE for a month's tickets: Erlang C agents per hour of week for each channel's
    answer target (live chat and email around the clock, phone 12 hours a day), pooled, at
    least one agent in every hour of 24/7 cover, grossed up for shrinkage."""
    per_week = tickets / WEEKS_PER_MONTH
    aht = {"live_chat": d.aht_live_chat_min * 60, "email": d.aht_email_min * 60, "phone": d.aht_phone_min * 60}

    def agents_in_hour(phone_open: bool) -> int:
        agents = 0
        for share, channel in zip(base.channel_share, CHANNELS):
            open_hours = PHONE_HOURS if channel == "phone" else 168
            if channel == "phone" and not phone_open:
                continue
            traffic = round(per_week * share / open_hours * aht[channel] / 3600.0, 3)
            agents += _agents(traffic, aht[channel], plan.channel(channel).first_response_seconds,
                              d.service_level_goal_pct / 100, d.max_occupancy_pct / 100)
        return max(agents, 1)

    # Arrivals are spread evenly over a channel's open hours, so every hour of the same kind (phone
    # open or closed) needs the same agents: two Erlang look-ups instead of 168 (Monte Carlo speed).
    agent_hours = float(agents_in_hour(True) * PHONE_HOURS + agents_in_hour(False) * (168 - PHONE_HOURS))
    return agent_hours / (HOURS_PER_FTE_WEEK * (1 - d.shrinkage_pct / 100))


VOLUMES = ("month", "active_users", "tickets", "revenue_usd", "cpu_pct", "instances", "data_gb", "storage_gb",
           "support_fte_needed", "support_fte", "maintenance_fte")


def volumes(d: Drivers, base: Base, plan: Plan, months: int) -> pd.DataFrame:
    """Demand, capacity and staffing per month (no money yet).

    Output: month, active_users, tickets, revenue_usd, cpu_pct, instances, data_gb,
    storage_gb, support_fte_needed, support_fte, maintenance_fte.
    """
    return pd.DataFrame(_volume_columns(d, base, plan, months))


def _volume_columns(d: Drivers, base: Base, plan: Plan, months: int) -> dict[str, list]:
    """volumes as lists, one per column (each month from the one before it)."""
    growth = quarterly_to_monthly_pct(d.user_growth_pct_per_quarter) / 100
    cols: dict[str, list] = {name: [] for name in VOLUMES}
    for t in range(months):
        month = add_months(base.start, t)
        users = base.active_users * (1 + growth) ** t
        peak = 1 + d.peak_traffic_growth_pct / 100 if month.month in plan.capacity.peak_months else 1.0
        cpu = base.cpu_pct * (1 + growth) ** t * (1 + d.feature_complexity_pct / 100) * peak
        data_gb = base.data_gb * (1 + d.data_growth_pct_per_month / 100) ** t
        tickets = users * d.tickets_per_user_month
        needed = support_fte_needed(tickets, d, base, plan)
        row = {"month": month, "active_users": users, "tickets": tickets,
               "revenue_usd": users * d.revenue_per_user_month_usd, "cpu_pct": cpu,
               "instances": max(1, units_needed(base.instances * cpu / 100, plan.capacity)),
               "data_gb": data_gb, "storage_gb": storage_needed_gb(data_gb, plan.capacity),
               "support_fte_needed": needed, "support_fte": needed if d.staff_to_demand else d.support_fte_plan,
               "maintenance_fte": d.maintenance_fte}
        for name in VOLUMES:
            cols[name].append(row[name])
    return cols


# --- cost ---------------------------------------------------------------------------------

def _compute_factor(d: Drivers) -> float:
    """What an instance costs after reserved and spot discounts, as a share of on-demand."""
    return 1 - d.reserved_share_pct / 100 * d.reserved_discount_pct / 100 \
        - d.spot_share_pct / 100 * d.spot_discount_pct / 100


def _line_columns(c: Mapping[str, np.ndarray], d: Drivers) -> dict[str, np.ndarray]:
    """Cost per budget line per month (one column per line) from numpy columns of the volumes
    (COSTED) and the unit rates: Series arithmetic on twelve rows cost 4 ms a scenario, and
    Monte Carlo evaluates hundreds."""
    staff = c["support_fte"] + c["maintenance_fte"]
    lines = {
        "cloud_services": c["instances"] * d.cloud_usd_per_instance_month * _compute_factor(d)
        + c["storage_gb"] * d.cloud_usd_per_gb_month,
        "monitoring_tools": c["instances"] * d.monitoring_usd_per_instance_month,
        "security_tools": np.full(len(staff), d.security_usd_per_month),
        "support_team": c["support_fte"] * d.support_cost_per_fte_usd / 12,
        "maintenance_team": c["maintenance_fte"] * d.maintenance_cost_per_fte_usd / 12,
        "training_budget": staff * d.training_per_fte_usd / 12,
        "payment_processing": c["revenue_usd"] * d.payment_fee_pct_revenue / 100,
        "communication_services": c["active_users"] * d.communication_usd_per_user_month,
        "backup_storage": c["storage_gb"] * d.backup_usd_per_gb_month,
    }
    lines["contingency"] = _row_sum(lines.values()) * d.contingency_pct / 100
    return lines


def _row_sum(columns: Iterable[np.ndarray]) -> np.ndarray:
    """Each month's sum across columns, added as pandas adds a frame's rows (its columns stacked in
    one block, summed across it), so the totals are the frame's own to the last bit."""
    return np.stack(list(columns)).sum(axis=0)


def evaluate(d: Drivers, base: Base, plan: Plan, months: int = 12) -> pd.DataFrame:
    """Per month: volumes, cost per line, total, and the KPIs the scenario implies with their
    status against the plan's targets (support cost per user, infrastructure share of revenue,
    spend against the plan's monthly budget)."""
    return pd.DataFrame(_evaluate_columns(d, base, plan, months))


COSTED = ("active_users", "revenue_usd", "instances", "storage_gb", "support_fte", "maintenance_fte")


def _evaluate_columns(d: Drivers, base: Base, plan: Plan, months: int) -> dict[str, list | np.ndarray]:
    """evaluate's columns: the volumes as lists (the frame infers their types), the rest as arrays."""
    if months < 1:
        raise ScenarioError(f"a scenario needs at least one month, not {months}")
    v = _volume_columns(d, base, plan, months)
    c = {name: np.asarray(v[name], dtype=float) for name in COSTED}
    lines = _line_columns(c, d)
    out: dict[str, list | np.ndarray] = {**v, **lines}
    out["total_usd"] = _row_sum(lines.values())
    with np.errstate(divide="ignore", invalid="ignore"):  # no revenue: inf or NaN, as pandas divides
        out["support_cost_per_user_usd"] = lines["support_team"] / c["active_users"]
        out["infra_cost_pct_revenue"] = _row_sum(lines[n] for n in _infra(plan)) / c["revenue_usd"] * 100
    out["plan_budget_usd"] = np.full(months, plan.budget_total_usd / 12)
    for key in ("support_cost_per_user_usd", "infra_cost_pct_revenue"):
        kpi = plan.kpi(key)
        out[f"{key}_met"] = [compare(x, kpi.op, kpi.target) for x in out[key]]
    out["within_budget"] = np.cumsum(out["total_usd"]) <= np.cumsum(out["plan_budget_usd"]) + 0.005
    return out


def totals(d: Drivers, base: Base, plan: Plan, months: int = 12) -> dict:
    """annual(evaluate(d, ...)) without building the frame: the same numbers, for Monte Carlo and
    the tornado, which evaluate hundreds of scenarios (0.4 ms each; frame and sums took 10 ms)."""
    return annual(_evaluate_columns(d, base, plan, months), plan)


def annual(columns: pd.DataFrame | Mapping[str, Any], plan: Plan) -> dict:
    """The horizon's totals in the CLI's JSON shape, from evaluate's frame or its columns alike,
    summed as pandas sums a frame's columns (so both give the same numbers to the last bit)."""
    def col(name: str) -> np.ndarray:
        return np.asarray(columns[name], dtype=float)

    names = [b.name for b in plan.budget_lines]
    users, revenue = col("active_users").sum(), col("revenue_usd").sum()
    return {"lines_usd": {n: round(float(col(n).sum()), 2) for n in names},
            "total_usd": round(float(np.stack([col(n) for n in names]).sum()), 2),
            "support_cost_per_user_usd": float(col("support_team").sum() / users) if users else None,
            "infra_cost_pct_revenue": float(np.stack([col(n) for n in _infra(plan)]).sum() / revenue * 100)
            if revenue else None,
            "support_fte": float(col("support_fte").mean()),
            "support_fte_needed": float(col("support_fte_needed").mean()),
            "instances": int(max(columns["instances"]))}


def understaffed(totals: Mapping[str, Any]) -> bool:
    """Whether a scenario pays fewer support FTE, on average over its horizon, than Erlang C needs
    for its service goals: a support cost per user that meets its target then does so only by
    answering customers too late, and is not reported as plainly met."""
    return totals["support_fte"] < totals["support_fte_needed"] - 1e-9


def _infra(plan: Plan) -> tuple[str, ...]:
    """The budget lines the infrastructure cost share counts (settings infrastructure_cost_categories)."""
    return plan.settings.infrastructure_cost_categories


def first_month(frame: pd.DataFrame, column: str) -> date | None:
    """The first month in which a boolean column is true (a KPI target met), if any."""
    hit = frame.loc[frame[column].astype(bool), "month"]
    return None if hit.empty else hit.iloc[0]


# --- the base scenario ------------------------------------------------------------------

def _line(plan: Plan, name: str) -> float:
    return next(b.annual_usd for b in plan.budget_lines if b.name == name)


def base_drivers(plan: Plan, base: Base, cloud_storage_share_pct: float = 20.0) -> Drivers:
    """The plan as a scenario: its growth assumptions and teams, with unit rates calibrated so
    that the first 12 months of these volumes cost exactly the plan's budget lines."""
    c = plan.capacity
    draft = _draft(plan, base, Growth(c.user_growth_pct_per_quarter, c.data_growth_pct_per_month,
                                      c.peak_traffic_growth_pct, c.feature_complexity_pct))
    v = volumes(draft, base, plan, 12)
    cloud = _line(plan, "cloud_services")
    return check(replace(
        draft,
        cloud_usd_per_instance_month=cloud * (1 - cloud_storage_share_pct / 100) / v["instances"].sum(),
        cloud_usd_per_gb_month=cloud * cloud_storage_share_pct / 100 / v["storage_gb"].sum(),
        monitoring_usd_per_instance_month=_line(plan, "monitoring_tools") / v["instances"].sum(),
        payment_fee_pct_revenue=_line(plan, "payment_processing") / v["revenue_usd"].sum() * 100,
        communication_usd_per_user_month=_line(plan, "communication_services") / v["active_users"].sum(),
        backup_usd_per_gb_month=_line(plan, "backup_storage") / v["storage_gb"].sum()))


@dataclass(frozen=True)
class Growth:
    """How demand grows in a scenario, in the drivers' units (percent)."""

    user_growth_pct_per_quarter: float
    data_growth_pct_per_month: float
    peak_traffic_growth_pct: float
    feature_complexity_pct: float = 0.0


def _draft(plan: Plan, base: Base, growth: Growth) -> Drivers:
    """The plan's teams, handling times and service goals with `growth`; the plan's budget sets the
    team, training, security and contingency rates; the volume rates are left to calibrate."""
    support_fte = next(b.fte for b in plan.budget_lines if b.name == "support_team") or 1.0
    maintenance_fte = next(b.fte for b in plan.budget_lines if b.name == "maintenance_team") or 1.0
    return Drivers(
        user_growth_pct_per_quarter=growth.user_growth_pct_per_quarter,
        peak_traffic_growth_pct=growth.peak_traffic_growth_pct,
        data_growth_pct_per_month=growth.data_growth_pct_per_month, feature_complexity_pct=growth.feature_complexity_pct,
        tickets_per_user_month=base.tickets_per_user_month, revenue_per_user_month_usd=base.revenue_per_user_month_usd,
        aht_live_chat_min=8.0, aht_email_min=15.0, aht_phone_min=10.0, service_level_goal_pct=80.0,
        max_occupancy_pct=85.0, shrinkage_pct=30.0, staff_to_demand=False, support_fte_plan=support_fte,
        maintenance_fte=maintenance_fte, support_cost_per_fte_usd=_line(plan, "support_team") / support_fte,
        maintenance_cost_per_fte_usd=_line(plan, "maintenance_team") / maintenance_fte,
        training_per_fte_usd=_line(plan, "training_budget") / (support_fte + maintenance_fte),
        cloud_usd_per_instance_month=0.0, cloud_usd_per_gb_month=0.0, reserved_share_pct=0.0,
        reserved_discount_pct=40.0, spot_share_pct=0.0, spot_discount_pct=70.0,
        monitoring_usd_per_instance_month=0.0, security_usd_per_month=_line(plan, "security_tools") / 12,
        payment_fee_pct_revenue=0.0, communication_usd_per_user_month=0.0, backup_usd_per_gb_month=0.0,
        contingency_pct=_line(plan, "contingency") / (plan.budget_total_usd - _line(plan, "contingency")) * 100)


# --- the measured base ---------------------------------------------------------------------

BASES = ("measured", "plan")  # what a scenario starts from: the warehouse, or the plan's calibration


@dataclass(frozen=True)
class Spend:
    """The last closed months as the scorecard counts them (revenue recorded through each month's
    last day, month-end users): their mean month-end users and revenue, and each budget line's
    mean monthly spend. Frozen tuples, so it is a cache key."""

    months: tuple[date, ...]
    active_users: float
    revenue_usd: float
    lines_usd: tuple[tuple[str, float], ...]


def measured_base(base: Base, spend: Spend) -> Base:
    """Month 1 at the closed months' level: their mean users, and revenue per user as their revenue
    over their user-months, so month 1's cost per user and infrastructure share are the scorecard's
    over those months (growth applies from there)."""
    if not spend.months or spend.active_users <= 0:
        raise ScenarioError("no closed month with costs, revenue and month-end users to start from")
    return replace(base, active_users=spend.active_users,
                   revenue_per_user_month_usd=spend.revenue_usd / spend.active_users)


def measured_drivers(plan: Plan, base: Base, spend: Spend, growth: Growth,
                     cloud_storage_share_pct: float = 20.0) -> Drivers:
    """The warehouse as a scenario: month 1 costs, line by line, what the closed months cost on
    average (unit rates calibrated on month 1's volumes), and demand grows as measured (`growth`).
    Teams are the plan's FTE, each paid what the measured spend implies."""
    draft = _draft(plan, base, growth)
    v = _volume_columns(draft, base, plan, 1)
    users, revenue, instances, storage = (v[k][0] for k in ("active_users", "revenue_usd", "instances", "storage_gb"))
    actual = dict(spend.lines_usd)
    spent = lambda name: actual.get(name, 0.0)  # noqa: E731 - a line with no spend recorded costs nothing
    others = sum(usd for name, usd in actual.items() if name != "contingency")
    staff = draft.support_fte_plan + draft.maintenance_fte
    return check(replace(
        draft,
        support_cost_per_fte_usd=spent("support_team") * 12 / draft.support_fte_plan,
        maintenance_cost_per_fte_usd=spent("maintenance_team") * 12 / draft.maintenance_fte,
        training_per_fte_usd=spent("training_budget") * 12 / staff,
        cloud_usd_per_instance_month=spent("cloud_services") * (1 - cloud_storage_share_pct / 100) / instances,
        cloud_usd_per_gb_month=spent("cloud_services") * cloud_storage_share_pct / 100 / storage,
        monitoring_usd_per_instance_month=spent("monitoring_tools") / instances,
        security_usd_per_month=spent("security_tools"),
        payment_fee_pct_revenue=spent("payment_processing") / revenue * 100 if revenue else 0.0,
        communication_usd_per_user_month=spent("communication_services") / users,
        backup_usd_per_gb_month=spent("backup_storage") / storage,
        contingency_pct=spent("contingency") / others * 100 if others else 0.0))


def measured_growth(monthly: pd.DataFrame, plan: Plan) -> tuple[Growth, str]:
    """Demand growth from the warehouse's monthly series (data.baseline.monthly_demand's columns:
    month, active_users, visits, data_gb, days_observed), and words saying how it was found.

    Users and data, each: the forecaster (models.forecast) over the complete months, 12 months
    ahead, as the compound rate from the last month to the forecast's twelfth (per quarter for
    users, per month for data); where the history is too short for the forecaster to test a model,
    the growth of the last 3 months over the same months a year earlier
    (models.capacity.observed_growth_pct); with neither, the plan's assumption. Peak traffic: the
    last complete peak season's visits over the months before it (models.capacity.peak_uplift_pct),
    else none."""
    from models.capacity import peak_uplift_pct

    complete = monthly[monthly["days_observed"] >= [_days_in(m) for m in monthly["month"]]]
    c = plan.capacity
    users, users_how = _measured_rate(complete, "active_users", 3, c.user_growth_pct_per_quarter)
    data, data_how = _measured_rate(complete, "data_gb", 1, c.data_growth_pct_per_month)
    peak = peak_uplift_pct(_series(complete, "visits"), c.peak_months) if len(complete) else None
    peak_how = "peak season as measured last year" if peak is not None else "no peak season measured"
    growth = Growth(users, data, max(0.0, peak[1]) if peak is not None else 0.0)
    return growth, f"users {users_how}; data {data_how}; {peak_how}"


def _measured_rate(complete: pd.DataFrame, column: str, per_months: int, planned: float) -> tuple[float, str]:
    """One series' growth per `per_months` months, and how it was found (measured_growth)."""
    from models.capacity import observed_growth_pct

    history = _series(complete, column)
    rate = _forecast_rate(history, per_months)
    if rate is not None:
        return rate, "as forecast"
    observed = observed_growth_pct(history, per_months) if len(history) else None
    if observed is not None:
        low, high = LIMITS["user_growth_pct_per_quarter"]
        return float(min(max(observed, low), high)), "as measured over the last year"
    return planned, "as the plan assumes (too little history)"


def _days_in(month: Any) -> int:
    first = pd.Timestamp(month)
    return int(first.days_in_month)


def _series(frame: pd.DataFrame, column: str) -> pd.DataFrame:
    return pd.DataFrame({"ds": pd.to_datetime(frame["month"]), "y": frame[column].astype(float)}).dropna()


def _forecast_rate(history: pd.DataFrame, per_months: int, horizon: int = 12) -> float | None:
    """The compound growth per `per_months` months from the last month of `history` (ds, y) to the
    forecast's `horizon`-th month, in %; None where the forecaster could test no model on the
    history (too short: it then repeats the last value), or the level is not positive."""
    from models.forecast import forecast

    if len(history) < 6 or history["y"].iloc[-1] <= 0:
        return None
    predicted = forecast(history, horizon, level=80)
    ahead = float(predicted["mean"].iloc[-1])
    if not predicted.attrs.get("scores") or ahead <= 0:
        return None
    low, high = LIMITS["user_growth_pct_per_quarter"]
    rate = ((ahead / history["y"].iloc[-1]) ** (per_months / horizon) - 1.0) * 100.0
    return float(min(max(rate, low), high))


# --- the command line ---------------------------------------------------------------------

def base_from_measures(m: dict[str, float | None], start: date) -> Base:
    """A Base from measured volumes (data.baseline.measure_base); refuses an empty warehouse."""
    needed = ("active_users", "user_months", "n_tickets", "revenue_usd", "instances", "data_gb", "cpu_p95_pct")
    missing = [k for k in needed if not m.get(k)]
    if missing:
        raise ScenarioError(f"the warehouse has no data for {', '.join(missing)} in the months it is measured over")
    tickets = m["n_tickets"]
    return Base(start=start, active_users=m["active_users"], tickets_per_user_month=tickets / m["user_months"],
                channel_share=(m["n_live_chat"] / tickets, m["n_email"] / tickets, m["n_phone"] / tickets),
                revenue_per_user_month_usd=m["revenue_usd"] / m["user_months"], instances=m["instances"],
                data_gb=m["data_gb"], cpu_pct=m["cpu_p95_pct"])


def base_note(window: Period, through: date | None) -> str:
    """Which months the base was measured over, and why those."""
    text = f"Base measured over {window.label()}"
    if window.stops_inside(through):
        return f"{text}: the data runs through {through:%d %b %Y}, so {through:%B} counts to that day"
    return f"{text}: the last full months with data"


def starting_point(con: Any, plan: Plan, today: date, kind: str = "measured") -> tuple[Base, Drivers, str]:
    """What a scenario starts from, read from the warehouse `con` (the CLI's and the app's one
    path): the base, its drivers and a note saying which months and assumptions it took.

    `measured`: month 1 is the last closed months of the base window (data.baseline.base_window)
    as the scorecard counts them, spend per line included, and demand grows as measured_growth
    finds. `plan`: the plan's growth and a calibration that costs the plan's budget over 12 months.
    ScenarioError when the warehouse lacks what the base needs."""
    from data.baseline import base_window, closed_months, measure_base, monthly_demand, spend_by_line
    from data.warehouse import data_through

    window = base_window(con, today)
    note = base_note(window, data_through(con))
    base = base_from_measures(measure_base(con, plan.timezone, today), month_start(today))
    if kind == "plan":
        return base, base_drivers(plan, base), f"{note}; growth and unit costs as the plan assumes"
    if kind != "measured":
        raise ScenarioError(f"--base takes one of {', '.join(BASES)}, not '{kind}'")
    s = plan.settings
    closed = closed_months(con, window, list(s.infrastructure_cost_categories), list(s.support_cost_categories))
    lines = spend_by_line(con, list(closed["month"]))
    spend = Spend(tuple(closed["month"]), float(closed["active_users"].mean() if len(closed) else 0.0),
                  float(closed["revenue_usd"].mean() if len(closed) else 0.0), tuple(sorted(lines.items())))
    base = measured_base(base, spend)
    growth, how = measured_growth(monthly_demand(con, plan.timezone, add_months(window.end, -24), window.end), plan)
    months = ", ".join(f"{m:%b %Y}" for m in spend.months)
    return base, measured_drivers(plan, base, spend, growth), f"{note}; month 1 at the closed months ({months}), {how}"


def _measure(db: str, plan: Plan, today: date, kind: str) -> tuple[Base, Drivers, str]:
    """starting_point on the newest published version of the warehouse file `db`, opened read-only
    at the command line's edge."""
    from data.snapshot import open_reader

    try:
        con = open_reader(db)
    except Exception as exc:  # duckdb's IOException for a missing or locked file
        raise ScenarioError(f"cannot open warehouse {db}: {exc}") from None
    try:
        return starting_point(con, plan, today, kind)
    finally:
        con.close()


def to_json(d: Drivers, frame: pd.DataFrame, plan: Plan) -> dict:
    """The evaluated scenario in the CLI's JSON shape."""
    months = json.loads(frame.assign(month=frame["month"].astype(str)).to_json(orient="records"))
    return {"drivers": asdict(d), "months": months, "annual": annual(frame, plan)}


def _parse_args(argv: list[str] | None) -> argparse.Namespace:
    p = argparse.ArgumentParser(prog="python -m models.scenario",
                                description="Evaluate a scenario from demand to capacity, staffing, cost and KPIs.")
    p.add_argument("--db", required=True, help="DuckDB warehouse file")
    p.add_argument("--base", choices=BASES, default="measured",
                   help="start from the warehouse's last closed months and measured growth (default), or from "
                        "the plan's assumptions calibrated to its budget")
    p.add_argument("--set", action="append", default=[], metavar="DRIVER=VALUE", help="override a driver")
    p.add_argument("--months", type=int, default=12, help="horizon in months (default 12)")
    p.add_argument("--json", action="store_true", help="print the evaluated scenario as JSON")
    return p.parse_args(argv)


def _overrides(pairs: list[str]) -> dict[str, str]:
    out = {}
    for pair in pairs:
        name, sep, value = pair.partition("=")
        if not sep or not name.strip():
            raise ScenarioError(f"--set takes DRIVER=VALUE, not '{pair}'")
        out[name.strip()] = value.strip()
    return out


def main(argv: list[str] | None = None) -> int:
    args = _parse_args(argv)
    try:
        if not 1 <= args.months <= 120:
            raise ScenarioError(f"--months must be between 1 and 120, not {args.months}")
        plan = load_plan()
        today = today_in(plan.timezone)
        base, start, note = _measure(args.db, plan, today, args.base)
        print(note, file=sys.stderr if args.json else sys.stdout)
        drivers = with_overrides(start, _overrides(args.set))
    except (ScenarioError, PlanError, OSError, ValueError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    frame = evaluate(drivers, base, plan, args.months)
    if args.json:
        print(json.dumps(to_json(drivers, frame, plan), indent=2, default=str))
    else:
        a = annual(frame, plan)
        print(f"{args.months} months from {base.start}: total ${a['total_usd']:,.0f} "
              f"(plan ${plan.budget_total_usd * args.months / 12:,.0f}); peak instances {a['instances']}; "
              f"support FTE {a['support_fte']:.1f}")
        for name, usd in a["lines_usd"].items():
            print(f"  {name:24} ${usd:>12,.0f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
