"""Alerts: which of the plan's lines are crossed now, from what the pages already measure.

Each rule is a pure function of measured inputs (a scorecard, a budget projection, capacity
crossings, the sources' spans, SLA grids) to a list of Alert; `evaluate` runs them all and
`changes` says what a run found new or no longer finds against the alert log's open rows.
`measure` is the one loader: it reads the warehouse with the queries and functions of the
Overview, Budget, Reliability and Support pages, so those alerts and their pages agree number for
number. Capacity is the measured forecast (no scenario growth) fitted over the alert horizon: the
Capacity page draws the plan's scenario beside it over its own horizon, so its dates may differ.
"""
from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace
from datetime import date, timedelta
from urllib.parse import urlencode

import pandas as pd

from analytics import drilldown, freshness
from analytics.measure import OFF_TRACK
from analytics.scorecard import KpiResult, load_inputs, scorecard
from core import i18n
from core.budget import plan_year_start
from core.i18n import N_, _
from core.period import Period, add_months
from core.plan import Plan
from data import event_rollups
from data.params import channel_sla_params
from data.warehouse import local_midnight, query
from models import budget, capacity

KPI_OFF_TRACK, BUDGET_OVER, CAPACITY_CROSSING, DATA_STALE, SLA_BELOW_FLOOR = (
    "kpi_off_track", "budget_over", "capacity_crossing", "data_stale", "sla_below_floor")
RULES = (KPI_OFF_TRACK, BUDGET_OVER, CAPACITY_CROSSING, DATA_STALE, SLA_BELOW_FLOOR)
# The page each KPI area is explained on (shell/main.py's page files, as URL paths).
AREA_PAGES = {"Reliability": "reliability", "Support": "support", "Cost": "cost", "Improvement": "cost"}
# The resources a fleet is scaled for (percent of capacity); data volume in GB has no line to cross.
CAPACITY_RESOURCES = ("cpu_pct", "memory_pct", "requests_pct", "disk_pct")
RESOURCE_WORDS = {"cpu_pct": N_("cpu"), "memory_pct": N_("memory"), "requests_pct": N_("requests"),
                  "disk_pct": N_("disk")}


@dataclass(frozen=True)
class Alert:
    """One active alert: a rule broken by a subject (a KPI, a budget line, a service's resource,
    a table, an SLA). `value` and `threshold` are in `unit`; `detail` says the rest in words."""

    rule: str
    subject: str
    since: date       # when it began: the data's own day where it tells (stale data), else the day first found
    value: float | None
    threshold: float | None
    unit: str
    detail: str
    link: str         # the URL path of the page that explains it, with the period

    @property
    def key(self) -> tuple[str, str]:
        return self.rule, self.subject

    def as_json(self) -> dict:
        return {"rule": self.rule, "subject": self.subject, "since": self.since.isoformat(), "value": self.value,
                "threshold": self.threshold, "unit": self.unit, "detail": self.detail, "link": self.link}


def page_link(page: str, period: Period) -> str:
    """'/reliability?start=2026-08-01&end=2026-11-01': the page on the period (ui/periods' URL form)."""
    return f"/{page}?{urlencode({'start': period.start.isoformat(), 'end': period.end.isoformat()})}"


# ----------------------------------------------------------------------------- the rules

def kpi_alerts(results: Sequence[KpiResult], period: Period, today: date) -> list[Alert]:
    """Definition: a KPI is an alert when its status is off track (analytics.measure.judge): at or
    beyond its baseline, a difference within its tolerance or interval not counting. The threshold
    is the baseline it has not left."""
    return [Alert(KPI_OFF_TRACK, r.kpi, today, r.judged_value, r.baseline, r.unit,
                  _kpi_detail(r),
                  page_link(AREA_PAGES.get(r.area, ""), period))
            for r in results if r.status == OFF_TRACK]


def _kpi_detail(r: KpiResult) -> str:
    label = r.label  # English in results; the catalogue has the plan's labels
    return _("{kpi} off track: target {op} {target} {unit}, baseline {baseline} {unit}").format(
        kpi=_(label), op=r.op, target=f"{r.target:g}", baseline=f"{r.baseline:g}", unit=r.unit)


def budget_alerts(projection: pd.DataFrame, period: Period, today: date) -> list[Alert]:
    """Definition: a budget line is an alert when it is heading over budget (models.budget.projection's
    is_heading_over: the projected overrun beyond the plan's tolerance). Value: the projected year
    end; threshold: the line's annual budget.
    Input: models.budget.projection's frame (line, annual_usd, projected_usd, crosses_in, is_heading_over)."""
    over = projection[projection["is_heading_over"].astype(bool)]
    return [Alert(BUDGET_OVER, r.line, today, float(r.projected_usd), float(r.annual_usd), "USD",
                  _budget_detail(r.line, r.crosses_in),
                  page_link("budget", period))
            for r in over.itertuples()]


def _budget_detail(line: str, crosses_in: object) -> str:
    if pd.isna(crosses_in):
        return _("budget line {line} heading over: projected year end above its annual budget").format(line=line)
    return _("budget line {line} heading over: projected year end above its annual budget, passed in {month}").format(
        line=line, month=i18n.date_text(pd.Timestamp(crosses_in).date(), "month"))


def capacity_alerts(crossings: pd.DataFrame, scale_up_pct: float, within_days: int, through: date,
                    period: Period, today: date) -> list[Alert]:
    """Definition: a service's resource is an alert when its measured forecast (no scenario growth)
    reaches the plan's scale-up line within `within_days` (plan.toml alerts.capacity_within_days)
    of the last day of data. Value: the current level (mean of the last 7 days).
    Input: one row per service and resource: service_id, resource, current_pct, scale_up_at (the
    forecast mean's first day at or above the line; None or NaT: not in the horizon)."""
    out = []
    for r in crossings.itertuples():
        if r.scale_up_at is None or pd.isna(r.scale_up_at):
            continue
        days = (pd.Timestamp(r.scale_up_at).date() - through).days
        if days <= within_days:
            out.append(Alert(CAPACITY_CROSSING, f"{r.service_id} {r.resource}", today,
                             None if pd.isna(r.current_pct) else float(r.current_pct), scale_up_pct, "%",
                             _crossing_detail(r.service_id, r.resource, scale_up_pct, r.scale_up_at, days),
                             page_link("capacity", period)))
    return out


def _crossing_detail(service: str, resource: str, line: float, at: object, days: int) -> str:
    return _("{service} {resource} reaches the {line} % scale-up line on {day}, in {days} days").format(
        service=service, resource=resource_words(resource), line=f"{line:g}",
        day=i18n.date_text(pd.Timestamp(at).date()), days=max(days, 0))


def resource_words(resource: str) -> str:
    """'memory_pct' -> 'memory', in the language in use."""
    return _(RESOURCE_WORDS.get(resource, resource.removesuffix("_pct")))


def stale_alerts(found: Sequence[freshness.Source], today: date, tz: str, stale_after_days: int,
                 period: Period) -> list[Alert]:
    """Definition: a source is an alert when it is stale (analytics.freshness.is_stale: its data ends
    more than settings.stale_after_days before today). Since: the first day it was stale. Value:
    days since its last day of data; threshold: stale_after_days."""
    out = []
    for s in found:
        if freshness.is_stale(s, today, tz, stale_after_days):
            last = freshness.last_day(s.through_at, tz)
            out.append(Alert(DATA_STALE, s.table, last + timedelta(days=stale_after_days + 1),
                             float((today - last).days), float(stale_after_days), "days",
                             _("{source}: last data {day}").format(source=s.words, day=i18n.date_text(last)),
                             page_link("data", period)))
    return out


def sla_alerts(severity_sla: pd.DataFrame, channel_sla: pd.DataFrame, plan: Plan, period: Period,
               today: date) -> list[Alert]:
    """Definition: an SLA is an alert when its on-time share over the period is below its floor, with
    at least alerts.sla_min_records records behind it: a severity's response, resolution and
    escalation, and a channel's resolution, against alerts.sla_floor_pct; a channel's first response
    against staffing.service_level_goal_pct (the share its tier-1 staffing is sized to answer in time).
    Input: the `measure` and `on_time_pct`, `n` columns of analytics.drilldown.severity_sla_rows
    (with `severity`) and channel_sla_rows (with `channel`), one span."""
    rules = plan.alerts
    rows = [(r, "severity", r.severity, rules.sla_floor_pct, "reliability") for r in severity_sla.itertuples()]
    rows += [(r, "channel", r.channel, plan.staffing.service_level_goal_pct if r.measure == "first response"
              else rules.sla_floor_pct, "support") for r in channel_sla.itertuples()]
    out = []
    for r, kind, name, floor, page in rows:
        if r.n >= rules.sla_min_records and pd.notna(r.on_time_pct) and r.on_time_pct < floor:
            # the target named in the language in use (the grid's column was written when it was measured)
            target = drilldown.severity_target(plan, name, r.measure) if kind == "severity" else \
                drilldown.channel_target(plan, name, r.measure)
            out.append(Alert(SLA_BELOW_FLOOR, f"{kind} {name} {r.measure}", today, float(r.on_time_pct), floor, "%",
                             _("{sla} on time for {pct} % of {n}, floor {floor} %").format(
                                 sla=target, pct=i18n.number(r.on_time_pct), n=i18n.number(r.n), floor=f"{floor:g}"),
                             page_link(page, period)))
    return out


# ----------------------------------------------------------------------------- a run

@dataclass(frozen=True)
class Measured:
    """What the rules read, as the pages measure it."""

    results: tuple[KpiResult, ...]  # the scorecard of the period
    projection: pd.DataFrame        # models.budget.projection of the plan year holding today
    crossings: pd.DataFrame         # service_id, resource, current_pct, scale_up_at
    sources: tuple[freshness.Source, ...]  # every table a KPI reads
    severity_sla: pd.DataFrame      # drilldown.severity_sla_rows of the period
    channel_sla: pd.DataFrame       # drilldown.channel_sla_rows of the period
    through: date                   # the last day of data


def evaluate(m: Measured, plan: Plan, period: Period, today: date) -> list[Alert]:
    """Every rule on the measured inputs, in RULES order."""
    return [*kpi_alerts(m.results, period, today), *budget_alerts(m.projection, period, today),
            *capacity_alerts(m.crossings, plan.capacity.scale_up_pct, plan.alerts.capacity_within_days, m.through,
                             period, today),
            *stale_alerts(m.sources, today, plan.timezone, plan.settings.stale_after_days, period),
            *sla_alerts(m.severity_sla, m.channel_sla, plan, period, today)]


def with_first_seen(alerts: Iterable[Alert], first_seen: dict[tuple[str, str], date]) -> list[Alert]:
    """The alerts with `since` the day the log first saw them, where it did and that is earlier:
    a KPI off track for weeks says so, not 'since today'."""
    return [replace(a, since=min(a.since, first_seen[a.key])) if a.key in first_seen else a for a in alerts]


@dataclass(frozen=True)
class Changes:
    new: tuple[Alert, ...]                  # found now, not open in the log
    cleared: tuple[tuple[str, str], ...]    # open in the log, not found now
    still: tuple[Alert, ...]                # found now and open in the log


def changes(alerts: Sequence[Alert], open_keys: Iterable[tuple[str, str]]) -> Changes:
    """What a run changes against the log's open alerts (rule, subject): each alert is new once,
    and cleared once when a later run no longer finds it."""
    found = {a.key for a in alerts}
    logged = set(open_keys)
    return Changes(tuple(a for a in alerts if a.key not in logged), tuple(sorted(logged - found)),
                   tuple(a for a in alerts if a.key in logged))


# ----------------------------------------------------------------------------- the loader

def _capacity_crossings(con, plan: Plan, through: date) -> pd.DataFrame:
    """The measured forecast of every service's resources (as the Capacity page fits them) and its
    first day at the scale-up line, over the alert horizon."""
    from models import forecast  # statsmodels: only what fits forecasts imports it

    end = through + timedelta(days=1)
    daily = query(con, "capacity_daily", tz=plan.timezone,
                  start=local_midnight(end - timedelta(days=capacity.HISTORY_DAYS), plan.timezone),
                  end=local_midnight(end, plan.timezone))
    rows = []
    for service_id, days in daily.groupby("service_id", sort=True):
        for resource in CAPACITY_RESOURCES:
            history = pd.DataFrame({"ds": pd.to_datetime(days["day"]), "y": days[resource].astype(float)})
            fit = forecast.forecast(history, plan.alerts.capacity_within_days, capacity.INTERVAL_PCT, freq="D")
            rows.append({"service_id": str(service_id), "resource": resource,
                         "current_pct": capacity.current_level(history),
                         "scale_up_at": capacity.first_crossing(fit, "mean", plan.capacity.scale_up_pct)})
    return pd.DataFrame(rows, columns=["service_id", "resource", "current_pct", "scale_up_at"])


def _sla(con, plan: Plan, period: Period) -> tuple[pd.DataFrame, pd.DataFrame]:
    inputs = load_inputs(con, plan, period)
    severity = drilldown.severity_sla_rows(
        drilldown.severity_sla_by_span(inputs.outages.incidents, plan, [period]), plan)
    start, end = local_midnight(period.start, plan.timezone), local_midnight(period.end, plan.timezone)
    daily = event_rollups.query(con, "channel_sla_daily", tz=plan.timezone, start=start, end=end,
                                **channel_sla_params(plan))
    channel = drilldown.channel_sla_rows(drilldown.channel_sla_by_span(daily, [period]), plan)
    return severity, channel


def measure(con, plan: Plan, period: Period, today: date, through: date | None) -> Measured:
    """Everything the rules read, for `period` (the scorecard's and the SLAs') and `today`."""
    through = through or today
    year = plan_year_start(plan, today)
    costs = query(con, "costs_by_line_monthly", start_month=add_months(year, -12), end_month=add_months(year, 12))
    tables = sorted({t for ts in freshness.KPI_SOURCES.values() for t in ts})
    severity, channel = _sla(con, plan, period)
    return Measured(tuple(scorecard(con, plan, period)), budget.projection(costs, plan, year, today),
                    _capacity_crossings(con, plan, through),
                    tuple(freshness.sources(query(con, "covered_spans", tz=plan.timezone), tables)),
                    severity, channel, through)
