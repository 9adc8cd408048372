"""The scorecard: every KPI of the plan for a period, against target and baseline.

The Overview page and `python -m analytics.scorecard` call the same functions.
"""
from __future__ import annotations

import argparse
import inspect
import json
import math
import sys
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime
from functools import cache, cached_property, partial
from typing import Callable

import duckdb
import pandas as pd

from analytics import cost, freshness, improvement, reliability, support
from analytics.measure import Columns, Measure, in_days, judge
from core.i18n import N_, _
from core import i18n
from core.period import Period, add_months, requested, today_in
from core.plan import Plan, PlanError, load_plan
from data.event_rollups import query_arrays as rolled
from data.snapshot import open_reader
from data.warehouse import data_through, local_midnight, query, query_arrays, query_events, side_by_side


@dataclass(frozen=True)
class KpiResult:
    kpi: str             # plan key, e.g. "uptime_pct"
    label: str
    area: str            # Reliability, Support, Cost, Improvement
    value: float | None  # None: no data in the period
    unit: str
    target: float
    baseline: float
    op: str              # the plan's comparison: ">", ">=", "<", "<="
    status: str          # "met", "improving", "off track" or "no data"
    n: int               # events behind the number
    n_label: str         # what n counts, e.g. "failures"
    definition: str      # how the number is counted (kpi-definitions.md)
    note: str = ""       # e.g. "lower bound: no failure in the period"
    is_lower_bound: bool = False  # the true value is more than `value` (MTBF with no failure)
    judged: float | None = None   # what the status judges when not `value` (uptime of several months: the worst month)
    interval: tuple[float, float] | None = None  # a mean's 90 % interval (measure.t_interval, wilson_interval)
    at: str = ""                  # "target" or "baseline": the value is within noise of that line (measure.judge)
    tolerance: float = 0.0        # the KPI's tolerance in plan.toml (used when there is no interval)
    coverage: str = ""            # how far the inputs reach when short of the period (counted to ..., stop before ...)

    @property
    def judged_value(self) -> float | None:
        """The value the status judges: `judged` when set, else `value`."""
        return self.value if self.judged is None else self.judged

    def as_json(self) -> dict:
        return {"kpi": self.kpi, "value": self.value, "unit": self.unit, "target": self.target,
                "baseline": self.baseline, "status": self.status, "n": self.n,
                "interval": None if self.interval is None else [_finite(v) for v in self.interval],
                "at": self.at or None, "tolerance": self.tolerance}


def _finite(value: float) -> float | None:
    """A bound as JSON allows it: an unbounded side (one record's interval of hours) is null."""
    return value if math.isfinite(value) else None




@dataclass(frozen=True)
class Inputs:
    """What every KPI over a span of time reads (see data/sql/ for each grain): the incidents and
    maintenance windows as frames, the daily, monthly and catalogue tables (TABLES) as Columns,
    each column converted once for every period asked (a trend's twelve months read the same rows)."""

    incidents: pd.DataFrame
    windows: pd.DataFrame
    first_response: Columns
    resolution: Columns
    survey: Columns
    self_service: Columns
    cost: Columns
    tasks: Columns
    staff: Columns
    certifications: Columns
    training: Columns
    observed: pd.DataFrame  # one row: first_at, last_at of any operational record (NaT: none)
    spans: pd.DataFrame | None = None  # covered_spans.sql: per table, first_at, through_at, last_imported_at ...
    has_rows: pd.DataFrame | None = None  # tables_with_rows.sql: table_name, has_rows

    @cached_property
    def counted(self) -> tuple[tuple[datetime, datetime] | None, str]:
        """The span uptime and MTBF count (reliability.counted_span) and where it comes from."""
        recorded = source_span(self.spans, "incidents")
        has = self.holds_rows("incidents")
        first, last = self.observed["first_at"].iloc[0], self.observed["last_at"].iloc[0]
        records = None if pd.isna(first) else (first.to_pydatetime(), last.to_pydatetime())
        return reliability.counted_span(recorded, has, records)

    def holds_rows(self, table: str) -> bool:
        """Whether the table holds any row (True when not loaded: nothing is known against it)."""
        if self.has_rows is None:
            return True
        row = self.has_rows[self.has_rows["table_name"] == table]
        return row.empty or bool(row["has_rows"].iloc[0])

    def missing(self, tables: Sequence[str]) -> list[str]:
        """The tables among `tables` with neither a row nor a recorded span: a KPI reading one has no
        data (an import of an empty export that declared its span says there were none: 0, not no data)."""
        recorded = set() if self.spans is None else set(self.spans["table_name"])
        return [t for t in tables if t not in recorded and not self.holds_rows(t)]

    @cached_property
    def outages(self) -> reliability.Timeline:
        """The incidents and maintenance windows as a Timeline, converted once for every period
        and KPI asked of these inputs (each month of a trend asks the span's: every KPI function
        clips to the period it is given, so the wider rows give the same numbers)."""
        span, _source = self.counted
        return reliability.timeline(self.incidents, self.windows, span or (NEVER, NEVER))

    @cached_property
    def observed_epochs(self) -> tuple[float, float]:
        """The counted span as epoch seconds (NaN: none), read once for every period asked."""
        span, _source = self.counted
        return (math.nan, math.nan) if span is None else (span[0].timestamp(), span[1].timestamp())

    def availability(self, start: datetime, end: datetime) -> reliability.Availability:
        """reliability.availability_of over these inputs (uptime and MTBF both ask; each asking is a
        lookup in the Timeline's coverages, so nothing is kept per span)."""
        return reliability.availability_of(self.outages, start, end)


NEVER = datetime.min.replace(tzinfo=UTC)  # an empty counted span: no hour of any period is counted


def source_span(spans: pd.DataFrame | None, table: str) -> tuple[datetime, datetime] | None:
    """[first_at, through_at) recorded for a table by its imports (covered_spans.sql); None: none
    recorded, or a snapshot (no first_at)."""
    if spans is None:
        return None
    row = spans[spans["table_name"] == table]
    if row.empty or pd.isna(row["first_at"].iloc[0]):
        return None
    return row["first_at"].iloc[0].to_pydatetime(), row["through_at"].iloc[0].to_pydatetime()


TABLES = ("first_response", "resolution", "survey", "self_service", "cost", "tasks", "staff", "certifications",
          "training")


# The incidents' columns the KPIs read; the pages' views read them all (times of acknowledgement
# and escalation, ids).
KPI_INCIDENT_COLUMNS = ("service_id", "severity", "impact", "started_at", "detected_at", "resolved_at",
                        "is_customer_facing")


def load_inputs(con, plan: Plan, span: Period, views: bool = True) -> Inputs:
    """Load the aggregates and small tables the KPIs of any period inside `span` need (side by
    side: the loads are independent); with `views`, every incident column the pages' views read."""
    start, end = local_midnight(span.start, plan.timezone), local_midnight(span.end, plan.timezone)
    s, tz = plan.settings, plan.timezone
    bounds = {"start": start, "end": end}
    loads = {
        # severity and impact arrive as categories (enums in the query), masked once per load (IncidentTimes)
        "incidents": partial(query_events, con, "incidents_in_window", () if views else KPI_INCIDENT_COLUMNS,
                             **bounds),
        "windows": partial(query_events, con, "maintenance_in_window", **bounds),
        # TABLES as numpy columns (Inputs keeps them as Columns): read column by column, never as frames
        "first_response": partial(rolled, con, "first_response_daily", tz=tz, priorities=list(s.high_priority),
                                  **bounds),
        "resolution": partial(rolled, con, "resolution_daily", tz=tz, **bounds),
        "survey": partial(rolled, con, "survey_daily", tz=tz, **bounds),
        "self_service": partial(rolled, con, "self_service_daily", tz=tz, **bounds),
        "cost": partial(query_arrays, con, "cost_monthly", infra_lines=list(s.infrastructure_cost_categories),
                        support_lines=list(s.support_cost_categories)),
        "tasks": partial(query_arrays, con, "routine_tasks"),
        "staff": partial(query_arrays, con, "staff"),
        "certifications": partial(query_arrays, con, "certifications"),
        "training": partial(query_arrays, con, "training_daily"),
        "observed": partial(query, con, "observed_span", tz=tz),
        "spans": partial(query, con, "covered_spans", tz=tz),
        "has_rows": partial(query, con, "tables_with_rows"),
    }
    return Inputs(**{name: Columns(v) if name in TABLES else v for name, v in side_by_side(loads).items()})


def _bounds(plan: Plan, period: Period) -> tuple[datetime, datetime]:
    return local_midnight(period.start, plan.timezone), local_midnight(period.end, plan.timezone)


UNOBSERVED_NOTE = N_("no incident data covers this period")


def _observed(i: Inputs, plan: Plan, p: Period) -> bool:
    """Whether the period overlaps the span the warehouse has records for. Uptime and MTBF are
    computed from the absence of incidents, so before the first record they are unknown."""
    first, last = i.observed_epochs
    start, end = _bounds(plan, p)
    return start.timestamp() < last and end.timestamp() > first  # none observed: NaN, never


def _uptime(i: Inputs, plan: Plan, p: Period) -> Measure:
    if not _observed(i, plan, p):
        return Measure(None, 0, _(UNOBSERVED_NOTE))
    a = i.availability(*_bounds(plan, p))
    note = _("{down} h unplanned down; {planned} h planned maintenance excluded").format(
        down=i18n.number(a.down_hours, 2), planned=i18n.number(a.planned_hours, 1))
    worst = worst_month(i.outages, plan, p)
    if worst is None:
        return Measure(a.uptime_pct, a.n_outages, note)
    month, pct = worst
    worst_words = _("{note}; judged by its worst month, {month}: {pct} %").format(
        note=note, month=i18n.date_text(month.start, "month"), pct=i18n.number(pct, 2))
    return Measure(a.uptime_pct, a.n_outages, worst_words, judged=pct)


def worst_month(outages: reliability.Timeline, plan: Plan, p: Period,
                service_id: str | None = None) -> tuple[Period, float] | None:
    """The month of `p` with the lowest uptime, and that uptime, when the plan judges uptime by
    month (setting uptime_judged_by): its target is monthly, so a period of several months meets
    it only when each month does, and one good month must not hide a bad one. None when judged
    by the period, for a period of one month, or when no month has an uptime."""
    months = p.months()
    if plan.settings.uptime_judged_by != "month" or len(months) < 2:
        return None
    uptimes = [(m, reliability.availability_of(outages, *_bounds(plan, m), service_id).uptime_pct) for m in months]
    known = [(m, pct) for m, pct in uptimes if pct is not None]
    return min(known, key=lambda mp: mp[1]) if known else None


def _mttr(i: Inputs, plan: Plan, p: Period) -> Measure:
    return reliability.mttr(i.outages.incidents, plan.settings.failure_severities, *_bounds(plan, p),
                            plan.settings.mttr_from)


def _mtbf(i: Inputs, plan: Plan, p: Period) -> Measure:
    if not _observed(i, plan, p):
        return Measure(None, 0, _(UNOBSERVED_NOTE))
    bounds = reliability.observed_part(i.outages, *_bounds(plan, p))  # the hours uptime counts
    down = i.availability(*bounds).down_hours
    # every failure started in the period counts, even one open past where the data runs through
    return reliability.mtbf(i.outages.incidents, plan.settings.failure_severities, *_bounds(plan, p), down,
                            plan.settings.mtbf_confidence_pct, counted=bounds)


def _days(i: Inputs, table: str, p: Period) -> Columns:
    return in_days(getattr(i, table), p.start, p.end)


def _months(i: Inputs, p: Period) -> Columns:
    return in_days(i.cost, p.start, p.end, "month")


# One entry per KPI key of plan.toml: how to compute it, what its n counts, and the
# analytics function whose docstring is its definition.
MEASURES: dict[str, tuple[Callable[[Inputs, Plan, Period], Measure], str, Callable]] = {
    "uptime_pct": (_uptime, N_("outages"), reliability.availability),
    "mttr_hours": (_mttr, N_("failures resolved"), reliability.mttr),
    "mtbf_hours": (_mtbf, N_("failures"), reliability.mtbf),
    "csat": (lambda i, _, p: support.csat(_days(i, "survey", p)), N_("survey responses"), support.csat),
    "first_response_hours": (lambda i, _, p: support.first_response_hours(_days(i, "first_response", p)),
                             N_("high-priority tickets"), support.first_response_hours),
    "fcr_pct": (lambda i, _, p: support.fcr_pct(_days(i, "resolution", p)), N_("tickets resolved"), support.fcr_pct),
    "kb_self_service_pct": (lambda i, _, p: support.kb_self_service_pct(_days(i, "self_service", p)),
                            N_("support issues"), support.kb_self_service_pct),
    "infra_cost_pct_revenue": (lambda i, _, p: cost.infra_cost_pct_revenue(_months(i, p)), N_("months"),
                               cost.infra_cost_pct_revenue),
    "support_cost_per_user_usd": (lambda i, _, p: cost.support_cost_per_user_usd(_months(i, p)), N_("months"),
                                  cost.support_cost_per_user_usd),
    "automation_pct": (lambda i, _, p: improvement.automation_pct(i.tasks, p.end), N_("routine tasks"),
                       improvement.automation_pct),
    "certification_pct": (lambda i, plan, p: improvement.certification_pct(
        i.staff, i.certifications, p.end, plan.settings.relevant_certifications), N_("team members"),
        improvement.certification_pct),
    "training_hours": (lambda i, plan, p: improvement.training_hours(
        i.staff, i.training, p.end, plan.settings.training_window_months), N_("team members"),
        improvement.training_hours),
}


@cache  # a docstring does not change while the process runs; every result of a trend asks
def definition(kpi: str) -> str:
    """The 'Definition:' paragraph of the KPI function's docstring, as one line."""
    doc = inspect.getdoc(MEASURES[kpi][2]) or ""
    text = doc.split("Definition:", 1)[-1].split("\n\n", 1)[0].split("Input:", 1)[0]
    return " ".join(text.split())


def evaluate(inputs: Inputs, plan: Plan, period: Period) -> list[KpiResult]:
    """Every KPI of the plan over `period` from loaded inputs, in plan order."""
    out = []
    for kpi in plan.kpis:
        compute, n_label, _function = MEASURES[kpi.key]
        missing = inputs.missing(freshness.KPI_SOURCES.get(kpi.key, ()))
        m = Measure(None, 0, _("no {tables} in the warehouse").format(
            tables=", ".join(freshness.table_words(t) for t in missing))) if missing else compute(inputs, plan, period)
        judged = m.value if m.judged is None else m.judged
        verdict = judge(judged, kpi, m.is_lower_bound, m.interval)
        out.append(KpiResult(kpi.key, kpi.label, kpi.area, m.value, kpi.unit, kpi.target, kpi.baseline, kpi.op,
                             verdict.status, m.n, _(n_label), _(definition(kpi.key)), m.note, m.is_lower_bound,
                             m.judged, m.interval, verdict.at, kpi.tolerance, coverage_note(inputs, plan, kpi.key, period)))
    return out


HOURS_COUNTED = ("uptime_pct", "mtbf_hours")  # KPIs that count the period's hours, clipped to the incident data


def coverage_note(inputs: Inputs, plan: Plan, kpi: str, period: Period) -> str:
    """What a KPI's tile says when its inputs do not reach over the whole period: the hours uptime
    and MTBF count ('counted to 26 Nov 2026 14:00, where the incident data runs through'), or the
    inputs that stop before the period ends ('inputs stop before the period ends: tickets run
    through 26 Nov 2026'). '' when nothing is short."""
    start, end = _bounds(plan, period)
    if kpi in HOURS_COUNTED:
        span, source = inputs.counted
        return reliability.clip_note(start, end, span, source, plan.timezone)
    if inputs.spans is None:
        return ""
    return freshness.stops_before(inputs.spans, freshness.KPI_SOURCES.get(kpi, ()), end, plan.timezone)


def scorecard(con, plan: Plan, period: Period) -> list[KpiResult]:
    """Every KPI of the plan over `period`, in plan order."""
    return evaluate(load_inputs(con, plan, period, views=False), plan, period)


def trend(con, plan: Plan, end: date, months: int) -> pd.DataFrame:
    """Monthly KPI values for the `months` full months before `end`.

    Columns: kpi, month (date, first of month), value (float, NaN: no data), n, status.
    """
    span = trend_span(end, months)
    return monthly_results(load_inputs(con, plan, span, views=False), plan, span.months())


def trend_span(end: date, months: int) -> Period:
    """The `months` full months before the month of `end`: the months a trend draws."""
    return Period(add_months(end, -months), add_months(end, 0))


def monthly_results(inputs: Inputs, plan: Plan, months: Sequence[Period]) -> pd.DataFrame:
    """evaluate for each month, on inputs that hold them all (and may be filtered): the frame of
    trend. One load serves every month: each KPI clips to the month it is given."""
    rows = [{"kpi": r.kpi, "month": m.start, "value": r.value, "n": r.n, "status": r.status}
            for m in months for r in evaluate(inputs, plan, m)]
    frame = pd.DataFrame(rows, columns=["kpi", "month", "value", "n", "status"])
    frame["value"] = frame["value"].astype(float)
    return frame


def command_parser(prog: str, description: str) -> argparse.ArgumentParser:
    """The read-only commands' shared options (what open_command reads): --db, --start, --end, --plan."""
    parser = argparse.ArgumentParser(prog=prog, description=description)
    parser.add_argument("--db", required=True, help="DuckDB warehouse file")
    parser.add_argument("--start", type=date.fromisoformat, help="first day, YYYY-MM-DD (local)")
    parser.add_argument("--end", type=date.fromisoformat, help="day after the last, YYYY-MM-DD (exclusive)")
    parser.add_argument("--plan", default=None, help="plan file (default: $OPSPLAN_PLAN, else the repository's plan.toml)")
    return parser


def _parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = command_parser("python -m analytics.scorecard", "Every KPI of the plan against its target and baseline.")
    parser.add_argument("--json", action="store_true", help="print a JSON list, one object per KPI")
    return parser.parse_args(argv)


class CommandError(Exception):
    """A command-line problem: printed as 'error: ...', exit 2."""


def open_command(args: argparse.Namespace) -> tuple[Plan, duckdb.DuckDBPyConnection, date | None, Period]:
    """What a read-only command needs (the scorecard's and the adherence report's): the plan
    (--plan, else $OPSPLAN_PLAN), the warehouse's newest published version opened read-only
    (data.snapshot: it sees every import published, and never blocks one), the last day its data runs
    through, and the period asked for (--start/--end: core.period.requested)."""
    try:
        plan = load_plan(args.plan) if args.plan else load_plan()
        con = open_reader(args.db)
    except (PlanError, ValueError, OSError) as exc:
        raise CommandError(str(exc)) from None
    except Exception as exc:  # duckdb raises its own IOException for a missing or locked file
        raise CommandError(f"cannot open warehouse {args.db}: {exc}") from None
    through = data_through(con)
    try:
        period = requested(args.start, args.end, plan.settings.scorecard_months, today_in(plan.timezone), through)
    except ValueError as exc:
        raise CommandError(str(exc)) from None
    return plan, con, through, period


def main(argv: list[str] | None = None) -> int:
    args = _parse_args(argv)
    try:
        plan, con, through, period = open_command(args)
    except CommandError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    results = scorecard(con, plan, period)
    if period.stops_inside(through):
        print(f"note: the data runs through {through:%d %b %Y}; {period.label()} is counted to that day",
              file=sys.stderr)
    if args.json:
        print(json.dumps([r.as_json() for r in results], indent=2))
    else:
        print(f"{plan.name}: {period.label()}")
        for r in results:
            value = "no data" if r.value is None else f"{r.value:,.2f}"
            at = f" (at {r.at})" if r.at else ""
            print(f"{r.label:32} {value:>12} {r.unit:16} target {r.op} {r.target:g}  {r.status:10} n={r.n}{at}")
            if r.coverage:
                print(f"{'':32} {r.coverage}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
