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
from core.budget import budget_for, line_budget, month_of_plan_year
from core.period import Period, add_months, month_start, today_in
from core import i18n
from core.i18n import N_, _
from core.plan import Channel, Plan, PlanError, load_plan
from models.capacity import quarterly_to_monthly_pct, storage_needed_gb, units_needed
from models.staffing import (CHANNELS, HOURS_PER_WEEK, ChannelStaffing, agents_needed, channel_rules, fte_needed,
                             interval_agents, measured_week, open_hours_of_week)

WEEKS_PER_MONTH = 365.25 / 12 / 7


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
    # the measured week: per channel (CHANNELS' order), each hour of week's share of all tickets
    # (0 = Monday 00:00 local; all shares sum to 1). Empty: tickets spread evenly over open hours.
    hour_shares: tuple[tuple[float, ...], ...] = ()


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
            raise ScenarioError(_("driver {name} = {value} is impossible: it must lie in [{low}, {high}]").format(
                name=f.name, value=f"{value:g}", low=f"{low:g}", high=f"{high:g}"))
    if drivers.reserved_share_pct + drivers.spot_share_pct > 100:
        raise ScenarioError(_("reserved_share_pct + spot_share_pct must not exceed 100"))
    if min(drivers.aht_live_chat_min, drivers.aht_email_min, drivers.aht_phone_min) <= 0:
        raise ScenarioError(_("handling times must be above 0 minutes"))
    return drivers


def with_overrides(drivers: Drivers, overrides: dict[str, str | float]) -> Drivers:
    """Drivers with named values replaced; an unknown name or an impossible value is an error."""
    names = {f.name: f.type for f in fields(Drivers)}
    typed = {}
    for name, value in overrides.items():
        if name not in names:
            raise ScenarioError(_("unknown driver '{name}'; known: {known}").format(name=name,
                                                                                  known=", ".join(sorted(names))))
        typed[name] = _parse_value(name, value, names[name])
    return check(replace(drivers, **typed))


def to_stored(d: Drivers) -> dict[str, float | bool]:
    """The drivers as plain numbers and flags (numpy floats made plain), for a saved scenario; an
    impossible value is refused here, so that no scenario is saved that cannot be evaluated."""
    return {k: v if isinstance(v, bool) else float(v) for k, v in asdict(check(d)).items()}


def from_stored(stored: Mapping[str, Any], defaults: Drivers) -> tuple[Drivers, tuple[str, ...]]:
    """Drivers from a saved scenario's: a driver added to the model since the save takes its value
    from `defaults`, one the model no longer has is dropped, each named in the notes, so that old
    saves keep opening; an impossible value raises ScenarioError naming the driver."""
    known = {f.name for f in fields(Drivers)}
    notes = [_("driver {name} is no longer in the model and was left out").format(name=k)
             for k in sorted(set(stored) - known)]
    notes += [_("driver {name} did not exist when this was saved; it takes the base value").format(name=k)
              for k in sorted(known - set(stored))]
    return with_overrides(defaults, {k: v for k, v in stored.items() if k in known}), tuple(notes)


def _parse_value(name: str, value: str | float, kind: str) -> float | bool:
    if kind == "bool":
        if isinstance(value, bool):
            return value
        if str(value).lower() in ("true", "1", "yes", "false", "0", "no"):
            return str(value).lower() in ("true", "1", "yes")
        raise ScenarioError(_("driver {name} takes true or false, not '{value}'").format(name=name, value=value))
    try:
        return float(value)
    except (TypeError, ValueError):
        raise ScenarioError(_("driver {name} takes a number, not '{value}'").format(name=name, value=value)) from None


# --- demand, capacity and staffing -------------------------------------------------------

@lru_cache(maxsize=65536)
def _agents(traffic: float, aht_s: float, target_s: float, goal: float, occupancy: float) -> int:
    return agents_needed(traffic, aht_s, target_s, goal, occupancy)


def support_fte_needed(tickets: float, d: Drivers, base: Base, plan: Plan) -> float:
    """Tier-1 FTE for a month's tickets: Erlang C agents per hour of week for each channel's answer
    target, pooled, at least one agent in every hour some channel is open, grossed up for shrinkage
    (models.staffing.interval_agents, fte_needed).

    With the measured week (base.hour_shares) each hour gets its own share of the tickets. Without
    it (the flat week) a channel's tickets are spread evenly over its open hours, so every open hour
    looks like the average one: Erlang C then staffs no hour for its real queue. Per interval, a busy
    hour needs more agents than the average hour would (waiting grows faster than traffic), and a
    quiet one fewer (none beyond the one on cover); the flat week misses both, so it is kept only
    where no tickets were measured."""
    return float(_fte_needed_months(np.array([tickets], dtype=float), d, base, plan)[0])


def _fte_needed_months(tickets: np.ndarray, d: Drivers, base: Base, plan: Plan) -> np.ndarray:
    """support_fte_needed for each month's tickets at once (one Erlang table look-up per channel
    for the whole horizon: Monte Carlo evaluates hundreds of scenarios)."""
    per_week = tickets / WEEKS_PER_MONTH
    rules = channel_rules(plan, {c: getattr(d, f"aht_{c}_min") for c in CHANNELS}, d.service_level_goal_pct,
                          d.max_occupancy_pct)
    is_open = _open_week(plan.channels)
    if base.hour_shares:
        week = _week(base.hour_shares)
        arrivals = {c: per_week[:, None] * week[i] for i, c in enumerate(CHANNELS)}
        agent_hours = interval_agents(arrivals, rules, is_open)[1].sum(axis=-1)
    else:
        agent_hours = np.array([_flat_week_agent_hours(w, base, rules, plan.channels) for w in per_week])
    return fte_needed(agent_hours, d.shrinkage_pct / 100, plan.staffing.hours_per_fte_week)


@lru_cache(maxsize=8)
def _week(hour_shares: tuple[tuple[float, ...], ...]) -> np.ndarray:
    return np.asarray(hour_shares, dtype=float)


@lru_cache(maxsize=8)
def _open_week(channels: tuple[Channel, ...]) -> dict[str, np.ndarray]:
    return {c.name: open_hours_of_week(c) for c in channels}


@lru_cache(maxsize=8)
def _hour_kinds(channels: tuple[Channel, ...]) -> tuple[tuple[tuple[bool, ...], int], ...]:
    """The week's hours grouped by which of CHANNELS are open: (open flags, hours a week)."""
    is_open = _open_week(channels)
    kinds: dict[tuple[bool, ...], int] = {}
    for hour in range(HOURS_PER_WEEK):
        key = tuple(bool(is_open[c][hour]) for c in CHANNELS)
        kinds[key] = kinds.get(key, 0) + 1
    return tuple(kinds.items())


def _flat_week_agent_hours(per_week: float, base: Base, rules: dict[str, ChannelStaffing],
                           channels: tuple[Channel, ...]) -> float:
    """Agent-hours a week on the flat week: each channel's share of the tickets spread evenly over
    its open hours. Every hour with the same channels open needs the same agents, so one Erlang
    look-up per such kind of hour instead of 168."""
    open_hours = {c: int(v.sum()) for c, v in _open_week(channels).items()}
    agent_hours = 0.0
    for key, hours in _hour_kinds(channels):
        agents = 0
        for share, channel, open_ in zip(base.channel_share, CHANNELS, key):
            if open_:
                r = rules[channel]
                traffic = round(per_week * share / open_hours[channel] * r.aht_s / 3600.0, 3)
                agents += _agents(traffic, r.aht_s, r.target_s, r.goal, r.max_occupancy)
        agent_hours += max(agents, 1 if any(key) else 0) * hours
    return agent_hours


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
    users_by_month = [base.active_users * (1 + growth) ** t for t in range(months)]
    needed_by_month = _fte_needed_months(np.array(users_by_month) * d.tickets_per_user_month, d, base, plan)
    for t, users in enumerate(users_by_month):
        month = add_months(base.start, t)
        peak = 1 + d.peak_traffic_growth_pct / 100 if month.month in plan.capacity.peak_months else 1.0
        cpu = base.cpu_pct * (1 + growth) ** t * (1 + d.feature_complexity_pct / 100) * peak
        data_gb = base.data_gb * (1 + d.data_growth_pct_per_month / 100) ** t
        tickets = users * d.tickets_per_user_month
        needed = float(needed_by_month[t])
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
    (COSTED) and the unit rates: Series arithmetic on twelve rows costs more than the sums, and
    Monte Carlo evaluates hundreds of scenarios."""
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
        raise ScenarioError(_("a scenario needs at least one month, not {months}").format(months=months))
    v = _volume_columns(d, base, plan, months)
    c = {name: np.asarray(v[name], dtype=float) for name in COSTED}
    lines = _line_columns(c, d)
    out: dict[str, list | np.ndarray] = {**v, **lines}
    out["total_usd"] = _row_sum(lines.values())
    with np.errstate(divide="ignore", invalid="ignore"):  # no revenue: inf or NaN, as pandas divides
        out["support_cost_per_user_usd"] = lines["support_team"] / c["active_users"]
        out["infra_cost_pct_revenue"] = _row_sum(lines[n] for n in _infra(plan)) / c["revenue_usd"] * 100
    out["plan_budget_usd"] = np.array([budget_for(plan, add_months(base.start, k), 1) for k in range(months)])
    for key in ("support_cost_per_user_usd", "infra_cost_pct_revenue"):
        kpi = plan.kpi(key)
        out[f"{key}_met"] = [compare(x, kpi.op, kpi.target) for x in out[key]]
    out["within_budget"] = np.cumsum(out["total_usd"]) <= np.cumsum(out["plan_budget_usd"]) + 0.005
    return out


def totals(d: Drivers, base: Base, plan: Plan, months: int = 12) -> dict:
    """annual(evaluate(d, ...)) without building the frame: the same numbers, for Monte Carlo and
    the tornado, which evaluate hundreds of scenarios (a frame and its sums cost far more than the numbers)."""
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
        aht_live_chat_min=plan.staffing.handling("live_chat"), aht_email_min=plan.staffing.handling("email"),
        aht_phone_min=plan.staffing.handling("phone"), service_level_goal_pct=plan.staffing.service_level_goal_pct,
        max_occupancy_pct=plan.staffing.max_occupancy_pct, shrinkage_pct=plan.staffing.shrinkage_pct,
        staff_to_demand=False, support_fte_plan=support_fte,
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
        raise ScenarioError(_("no closed month with costs, revenue and month-end users to start from"))
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
    peak_how = _("peak season as measured last year") if peak is not None else _("no peak season measured")
    growth = Growth(users, data, max(0.0, peak[1]) if peak is not None else 0.0)
    return growth, f"{_(USERS_HOW[users_how])}; {_(DATA_HOW[data_how])}; {peak_how}"


# How each measured rate was found, one whole clause per series and way (a translation moves its words).
USERS_HOW = {"forecast": N_("users as forecast"), "measured": N_("users as measured over the last year"),
             "plan": N_("users as the plan assumes (too little history)")}
DATA_HOW = {"forecast": N_("data as forecast"), "measured": N_("data as measured over the last year"),
            "plan": N_("data as the plan assumes (too little history)")}


def _measured_rate(complete: pd.DataFrame, column: str, per_months: int, planned: float) -> tuple[float, str]:
    """One series' growth per `per_months` months, and how it was found: "forecast", "measured" or
    "plan" (measured_growth words it)."""
    from models.capacity import observed_growth_pct

    history = _series(complete, column)
    rate = _forecast_rate(history, per_months)
    if rate is not None:
        return rate, "forecast"
    observed = observed_growth_pct(history, per_months) if len(history) else None
    if observed is not None:
        low, high = LIMITS["user_growth_pct_per_quarter"]
        return float(min(max(observed, low), high)), "measured"
    return planned, "plan"


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
        raise ScenarioError(_("the warehouse has no data for {measures} in the months it is measured over").format(
            measures=", ".join(missing)))
    tickets = m["n_tickets"]
    return Base(start=start, active_users=m["active_users"], tickets_per_user_month=tickets / m["user_months"],
                channel_share=(m["n_live_chat"] / tickets, m["n_email"] / tickets, m["n_phone"] / tickets),
                revenue_per_user_month_usd=m["revenue_usd"] / m["user_months"], instances=m["instances"],
                data_gb=m["data_gb"], cpu_pct=m["cpu_p95_pct"])


def hour_shares(profile: Mapping[str, np.ndarray]) -> tuple[tuple[float, ...], ...]:
    """Base.hour_shares from a weekly profile (models.staffing.weekly_profile): each channel's
    contacts in each hour of week over all contacts of the week; empty when there are none."""
    total = float(sum(profile[c].sum() for c in CHANNELS))
    if total <= 0:
        return ()
    return tuple(tuple(float(v) / total for v in profile[c]) for c in CHANNELS)


def base_note(window: Period, through: date | None) -> str:
    """Which months the base was measured over, and why those."""
    if window.stops_inside(through):
        return _("Base measured over {window}: the data runs through {day}, so {month} counts to that day").format(
            window=window.label(), day=i18n.date_text(through, "day_padded"), month=i18n.date_text(through, "month_name_long"))
    return _("Base measured over {window}: the last full months with data").format(window=window.label())


def starting_point(con: Any, plan: Plan, today: date, kind: str = "measured") -> tuple[Base, Drivers, str]:
    """What a scenario starts from, read from the warehouse `con` (the CLI's and the app's one
    path): the base, its drivers and a note saying which months and assumptions it took.

    `measured`: month 1 is the last closed months of the base window (data.baseline.base_window)
    as the scorecard counts them, spend per line included, and demand grows as measured_growth
    finds. `plan`: the plan's growth and a calibration that costs the plan's budget over 12 months.
    Either way the FTE Erlang C needs follow the window's measured hour-of-week profile
    (Base.hour_shares, support_fte_needed). ScenarioError when the warehouse lacks what the base needs."""
    from data.baseline import base_window, closed_months, measure_base, monthly_demand, spend_by_line
    from data.warehouse import data_through

    window = base_window(con, today)
    note = base_note(window, data_through(con))
    base = base_from_measures(measure_base(con, plan.timezone, today), month_start(today))
    base = replace(base, hour_shares=hour_shares(measured_week(con, plan, today)[0]))
    if kind == "plan":
        return base, base_drivers(plan, base), _("{note}; growth and unit costs as the plan assumes").format(note=note)
    if kind != "measured":
        raise ScenarioError(f"--base takes one of {', '.join(BASES)}, not '{kind}'")
    s = plan.settings
    closed = closed_months(con, window, list(s.infrastructure_cost_categories), list(s.support_cost_categories))
    lines = spend_by_line(con, list(closed["month"]))
    spend = Spend(tuple(closed["month"]), float(closed["active_users"].mean() if len(closed) else 0.0),
                  float(closed["revenue_usd"].mean() if len(closed) else 0.0), tuple(sorted(lines.items())))
    base = measured_base(base, spend)
    growth, how = measured_growth(monthly_demand(con, plan.timezone, add_months(window.end, -24), window.end), plan)
    months = ", ".join(i18n.date_text(pd.Timestamp(m).date(), "month") for m in spend.months)
    return base, measured_drivers(plan, base, spend, growth), _("{note}; month 1 at the closed months ({months}), "
                                                                "{how}").format(note=note, months=months, how=how)


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


# --- the horizon against the plan (the Scenarios page) ----------------------------------------

COST_KPIS = ("support_cost_per_user_usd", "infra_cost_pct_revenue")  # the KPIs a scenario's costs decide


def summary(frame: pd.DataFrame, plan: Plan, months: int) -> dict:
    """evaluate's frame over its horizon: annual's totals, the plan's budget for the same months
    (plan_total_usd, core.budget.budget_for), the lowest and highest monthly FTE Erlang C needs,
    and per cost KPI the first month its target is met and the first it is missed (None: never)."""
    out = dict(annual(frame, plan))
    out["plan_total_usd"] = budget_for(plan, frame["month"].iloc[0], months)
    out["fte_needed_low"] = float(frame["support_fte_needed"].min())
    out["fte_needed_high"] = float(frame["support_fte_needed"].max())
    for key in COST_KPIS:
        met = frame[f"{key}_met"].astype(bool)
        out[f"{key}_first_met"] = first_month(frame.assign(hit=met), "hit")
        out[f"{key}_first_missed"] = first_month(frame.assign(hit=~met), "hit")
    return out


def line_vs_plan(frame: pd.DataFrame, plan: Plan, months: int) -> pd.DataFrame:
    """Cost per budget line over the horizon against the line's budget for the same months (pro
    rata or by its monthly profile, core.budget.line_budget), and a last row "total" over all lines.
    Output: line, group, plan_usd, scenario_usd, difference_usd."""
    lines = annual(frame, plan)["lines_usd"]
    first = month_of_plan_year(plan, frame["month"].iloc[0])
    out = pd.DataFrame([{"line": b.name, "group": b.group, "plan_usd": line_budget(b, first, months),
                         "scenario_usd": lines[b.name]} for b in plan.budget_lines])
    out["difference_usd"] = out["scenario_usd"] - out["plan_usd"]
    total = pd.DataFrame([{"line": "total", "group": "", **out[["plan_usd", "scenario_usd", "difference_usd"]].sum()}])
    return pd.concat([out, total], ignore_index=True)


def compare_table(summaries: Mapping[str, Mapping[str, Any]], plan: Plan, start: date,
                  months: int) -> pd.DataFrame:
    """Scenarios side by side (summary of each, by name) over the horizon of `months` from `start`,
    against the plan: one row per budget line (the line's budget for those months, as line_vs_plan),
    the total (the plan's budget for them, core.budget.budget_for), each cost KPI (its
    target), peak instances, mean support FTE paid (the support_team line's FTE) and the peak
    month's FTE needed (these two have no plan number: NaN).
    Output: key (a line name, or total_usd, a KPI key, instances, support_fte, fte_needed_high),
    unit, plan, then one column per scenario."""
    first = month_of_plan_year(plan, start)
    rows = [(b.name, "USD", line_budget(b, first, months), lambda s, n=b.name: s["lines_usd"][n])
            for b in plan.budget_lines]
    rows += [("total_usd", "USD", budget_for(plan, start, months), lambda s: s["total_usd"])]
    rows += [(key, plan.kpi(key).unit, plan.kpi(key).target, lambda s, k=key: s[k]) for key in COST_KPIS]
    team = next((b.fte for b in plan.budget_lines if b.name == "support_team"), None)
    rows += [("instances", "instances", math.nan, lambda s: s["instances"]),
             ("support_fte", "FTE", math.nan if team is None else team, lambda s: s["support_fte"]),
             ("fte_needed_high", "FTE", math.nan, lambda s: s["fte_needed_high"])]
    return pd.DataFrame({"key": [r[0] for r in rows], "unit": [r[1] for r in rows], "plan": [r[2] for r in rows],
                         **{name: [r[3](s) for r in rows] for name, s in summaries.items()}})


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
              f"(plan ${budget_for(plan, base.start, args.months):,.0f}); peak instances {a['instances']}; "
              f"support FTE {a['support_fte']:.1f}")
        for name, usd in a["lines_usd"].items():
            print(f"  {name:24} ${usd:>12,.0f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
