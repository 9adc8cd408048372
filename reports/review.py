"""The monthly review's numbers: one month of the plan gathered from the same library functions the
pages and the scorecard CLI call (the KPIs, the SLA grids, plan adherence, the budget, capacity,
freshness), so that the review and the dashboard agree number for number.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

import duckdb
import pandas as pd

import core.budget
import models.budget
import models.capacity
from analytics import adherence, drilldown, freshness
from analytics.scorecard import Inputs, KpiResult, evaluate, load_inputs
from core import i18n
from core.i18n import N_, _
from core.period import Period, add_months
from core.plan import Plan
from data import event_rollups, params, warehouse

from ui.formatting import line_label

WORST_SERVICES = 5  # the review lists the services with the lowest uptime of the month, this many
CAPACITY_HORIZON_DAYS = 91  # the Capacity page's shortest horizon (3 months): what the month ahead must buy
# percent of capacity; the names stay English in the table and are translated where shown
CAPACITY_RESOURCES = {"cpu_pct": N_("CPU"), "memory_pct": N_("memory"), "disk_pct": N_("disk")}
# The tables a review reads beyond the KPIs' own (freshness.KPI_SOURCES): capacity and the budget.
REVIEW_TABLES = ("services", "utilisation_hourly", "costs_monthly", "backup_runs", "changes", "maintenance_windows")


class NoData(ValueError):
    """The month asked for holds no data the review could be built on."""


@dataclass(frozen=True)
class Review:
    """One month of the plan, as the review pack writes it. Frames name their columns below."""

    plan: Plan
    month: Period
    through: date | None          # the last local day with data (data.warehouse.data_through)
    today: date
    kpis: list[KpiResult]         # the scorecard of the month, in plan order
    previous: list[KpiResult]     # the scorecard of the month before
    services: pd.DataFrame        # service, uptime_pct, status, down_minutes, n_outages: worst first
    severity_sla: pd.DataFrame    # drilldown.severity_sla_rows of the month
    channel_sla: pd.DataFrame     # drilldown.channel_sla_rows of the month
    promises: dict[str, Any] | None  # analytics.adherence's JSON object (None: the plan has no schedules)
    budget: pd.DataFrame          # models.budget.projection with a label per line
    budget_year: models.budget.PlanYear  # its actuals: the months closed by the month's end (or today)
    capacity: pd.DataFrame        # service, resource, current_pct, scale_up_at, days: soonest first
    sources: list[str]            # freshness.source_line of every table the review reads


def month_of(text: str) -> Period:
    """'2026-10' -> the month of October 2026; anything else is a ValueError naming the value."""
    try:
        year, month = (int(part) for part in text.split("-"))
        if len(text) != 7:
            raise ValueError
        return Period.month(date(year, month, 1))
    except ValueError:
        raise ValueError(_("--month {value} is not a month YYYY-MM (e.g. 2026-10)").format(value=repr(text))) from None


def gather(con: duckdb.DuckDBPyConnection, plan: Plan, month: Period, through: date | None, today: date) -> Review:
    """Everything the review of `month` says (NoData when the warehouse holds nothing for it)."""
    if through is None or through < month.start:
        raise NoData(_("no data for {month}: the warehouse's data runs through {day}").format(
            month=f"{month.start:%Y-%m}", day=_("no day") if through is None else i18n.date_text(through)))
    previous = Period.month(month.start - timedelta(days=1))
    inputs = load_inputs(con, plan, Period(previous.start, month.end))  # both months from one load
    kpis = evaluate(inputs, plan, month)
    if all(r.value is None for r in kpis):
        raise NoData(_("no data for {month}: every KPI of the plan reads no data in that month").format(
            month=f"{month.start:%Y-%m}"))
    services = warehouse.query(con, "services")
    year = models.budget.PlanYear(core.budget.plan_year_start(plan, month.start), min(month.end, today))
    return Review(plan, month, through, today, kpis, evaluate(inputs, plan, previous),
                  worst_services(inputs, plan, month, services), severity_grid(inputs, plan, month),
                  channel_grid(con, plan, month), promises(con, plan, month, through),
                  budget(con, plan, year), year,
                  capacity_risks(con, plan, services, min(through, month.end - timedelta(days=1))),
                  source_lines(con, plan, today))


def worst_services(inputs: Inputs, plan: Plan, month: Period, services: pd.DataFrame) -> pd.DataFrame:
    """drilldown.uptime_by_service for the month, the WORST_SERVICES lowest first (most downtime on
    a tie), with the catalogue's name: service, uptime_pct, status, down_minutes, n_outages."""
    frame = drilldown.uptime_by_service(inputs.incidents, inputs.windows, plan, [month],
                                        list(services["service_id"]), inputs.outages)
    names = dict(zip(services["service_id"], services["name"]))
    frame = frame.assign(service=frame["service_id"].map(names).fillna(frame["service_id"]))
    frame = frame.sort_values(["uptime_pct", "down_minutes"], ascending=[True, False], na_position="last")
    return frame.head(WORST_SERVICES)[["service", "uptime_pct", "status", "down_minutes", "n_outages"]] \
        .reset_index(drop=True)


def severity_grid(inputs: Inputs, plan: Plan, month: Period) -> pd.DataFrame:
    """The Reliability page's SLA grid for the month: measure, severity, target, on_time_pct, n."""
    sla = drilldown.severity_sla_by_span(inputs.outages.incidents, plan, [month])
    return drilldown.severity_sla_rows(sla, plan)


def channel_grid(con: duckdb.DuckDBPyConnection, plan: Plan, month: Period) -> pd.DataFrame:
    """The Support page's channel SLA grid for the month: measure, channel, target, on_time_pct, n."""
    start, end = (warehouse.local_midnight(d, plan.timezone) for d in (month.start, month.end))
    daily = event_rollups.query(con, "channel_sla_daily", tz=plan.timezone, start=start, end=end,
                                **params.channel_sla_params(plan))
    return drilldown.channel_sla_rows(drilldown.channel_sla_by_span(daily, [month]), plan)


def promises(con: duckdb.DuckDBPyConnection, plan: Plan, month: Period, through: date) -> dict[str, Any] | None:
    """python -m analytics.adherence's object for the month (None: the plan file has no schedules)."""
    if plan.adherence is None:
        return None
    return adherence.report(adherence.load(con, plan, month), plan, month,
                            adherence.data_until(through, plan.timezone))


def budget(con: duckdb.DuckDBPyConnection, plan: Plan, year: models.budget.PlanYear) -> pd.DataFrame:
    """The Budget page's projection for the plan year (actuals: its closed months; the run rate may
    look back into the year before): models.budget.projection plus label."""
    costs = warehouse.query(con, "costs_by_line_monthly", start_month=add_months(year.start, -12), end_month=year.end)
    table = models.budget.projection(costs, plan, year.start, year.as_of)
    return table.assign(label=[line_label(n) for n in table["line"]])


def capacity_risks(con: duckdb.DuckDBPyConnection, plan: Plan, services: pd.DataFrame, through: date) -> pd.DataFrame:
    """Per service and resource (CAPACITY_RESOURCES), the Capacity page's headroom under the plan's
    growth: the statistical forecast from the history up to `through`, the plan's growth applied,
    and the day its mean first reaches the scale-up line within CAPACITY_HORIZON_DAYS.
    Output: service, resource, current_pct, scale_up_at, days_to_scale_up (None: not within the
    horizon), soonest first."""
    from models import forecast  # statsmodels: only a review that asks for capacity pays its import

    tz, cap = plan.timezone, plan.capacity
    end = through + timedelta(days=1)
    daily = warehouse.query(con, "capacity_daily", tz=tz,
                            start=warehouse.local_midnight(end - timedelta(days=models.capacity.HISTORY_DAYS), tz),
                            end=warehouse.local_midnight(end, tz))
    names = dict(zip(services["service_id"], services["name"]))
    rows = []
    for service_id, found in daily.groupby("service_id", sort=True):
        for resource, label in CAPACITY_RESOURCES.items():
            history = pd.DataFrame({"ds": pd.to_datetime(found["day"]), "y": found[resource].astype(float)})
            fit = forecast.forecast(history, CAPACITY_HORIZON_DAYS, models.capacity.INTERVAL_PCT, freq="D")
            grown = models.capacity.apply_growth(fit, models.capacity.growth_for(resource, cap))
            rows.append({"service_id": names.get(service_id, service_id), "resource": label,
                         "current_pct": models.capacity.current_level(history),
                         "scale_up_at": models.capacity.first_crossing(grown, "mean", cap.scale_up_pct)})
    table = models.capacity.headroom(rows, pd.Timestamp(through))
    return table.rename(columns={"service_id": "service"})


def source_lines(con: duckdb.DuckDBPyConnection, plan: Plan, today: date) -> list[str]:
    """When each table the review reads was imported and what it covers (freshness.source_line)."""
    tables = tuple(dict.fromkeys([t for ts in freshness.KPI_SOURCES.values() for t in ts] + list(REVIEW_TABLES)))
    spans = warehouse.query(con, "covered_spans", tz=plan.timezone)
    days = plan.settings.stale_after_days
    return [freshness.source_line(s, today, plan.timezone, days) for s in freshness.sources(spans, tables)]
