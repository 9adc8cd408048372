"""Drill-down views: the plan's KPI functions applied per month, service, severity and channel.

Pure compositions over small frames; this module adds no KPI formula. Every cell calls the
function of analytics.reliability, support, cost, monitoring or coherence that defines the
number, on a slice (a month, a service, the channels chosen), so a drill-down cell and the
scorecard cannot disagree. Filters are plain tuples; an empty tuple means "everything".

Functions that need outage arithmetic take an optional `outages` Timeline of the same incidents
and windows, so a page building several views converts them once.

A span is a Period; frames name it by `span` (a label), `start`, `end` (exclusive) and `is_month`
(False for a total over several months).
"""
from __future__ import annotations

import math
from dataclasses import replace
from datetime import date, datetime, timedelta
from collections.abc import Sequence

import numpy as np
import pandas as pd

from analytics import coherence, monitoring, reliability, support
from analytics.measure import Columns, Table, count_sums, in_days, ratio, status, total
from core import i18n
from core.budget import month_budget, month_of_plan_year
from core.i18n import N_, _
from core.period import Period, add_months
from core.plan import Plan, Severity, Threshold
from analytics.scorecard import Inputs, KpiResult, worst_month
from analytics.scorecard import load_inputs as load_all_inputs
from data.event_rollups import query as rolled
from data.params import sampled_thresholds
from data.warehouse import local_midnight

# Day x channel aggregates that replace scorecard inputs when a channel filter is set.
BY_CHANNEL = {"first_response": "first_response_daily",
              "resolution": "resolution_daily",
              "survey": "survey_daily_by_channel"}
WEEKDAYS = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")
# Keys in frames (a page shows them as _(key)); marked for the catalogue.
TIERS = (N_("tier 1 only"), N_("reached tier 2"), N_("reached tier 3"))
CHECK_COLUMNS = {"name": N_("check"), "plan_says": N_("plan says"), "data_says": N_("data says"), "gap": N_("gap"),
                 "why": N_("why")}


# ----------------------------------------------------------------------------- spans

def span_label(p: Period) -> str:
    """Short enough for a grid column: 'Oct 2026' (a calendar month), 'Aug-Oct 2026' (whole
    months), '01 Jan-26 Nov 2026' (any other span)."""
    last = p.end - timedelta(days=1)
    whole = p.start.day == 1 and p.end.day == 1
    if whole and p.end == add_months(p.start, 1):
        return i18n.date_text(p.start, "month")
    first = _short_day(p.start, whole) + ("" if p.start.year == last.year else " " + i18n.date_text(p.start, "year"))
    return f"{first}-{_short_day(last, whole)} {i18n.date_text(last, 'year')}"


def _short_day(day: date, month_only: bool) -> str:
    """'Jan' or '01 Jan' (the day two digits wide, so a grid's spans line up), months in the language in use."""
    month = i18n.date_text(day, "month_name")
    return month if month_only else f"{day:%d} {month}"


def is_month(p: Period) -> bool:
    """True when the span lies inside one calendar month (a month row, not a period total)."""
    return add_months(p.start, 1) >= p.end


def _span_columns(p: Period) -> dict:
    return {"span": span_label(p), "start": p.start, "end": p.end, "is_month": is_month(p)}


def _bounds(plan: Plan, p: Period) -> tuple[datetime, datetime]:
    return local_midnight(p.start, plan.timezone), local_midnight(p.end, plan.timezone)


# ----------------------------------------------------------------------------- filters

def scope_incidents(incidents: pd.DataFrame, services: Sequence[str] = (),
                    severities: Sequence[str] = ()) -> pd.DataFrame:
    """Incidents of the chosen services and severities (empty: all).

    With services chosen, each of them counts toward uptime, customer-facing or not: the
    uptime of a selection is the union of its own outages (system uptime, unfiltered, counts
    the customer-facing services only)."""
    rows = incidents
    if services:
        rows = rows[rows["service_id"].isin(list(services))].assign(is_customer_facing=True)
    if severities:
        rows = rows[rows["severity"].isin(list(severities))]
    return rows


def scope_windows(windows: pd.DataFrame, services: Sequence[str] = ()) -> pd.DataFrame:
    """Maintenance windows that apply to the chosen services: the global ones and their own."""
    if not services:
        return windows
    return windows[windows["service_id"].isna() | windows["service_id"].isin(list(services))]


def sum_channels(frame: pd.DataFrame, channels: Sequence[str] = (), keys: Sequence[str] = ("day",)) -> pd.DataFrame:
    """Rows of the chosen channels (empty: all), summed over channels per key: a day x channel
    aggregate becomes the daily aggregate a KPI function takes."""
    rows = frame[frame["channel"].isin(list(channels))] if channels else frame
    return rows.drop(columns="channel").groupby(list(keys), as_index=False).sum()


def load_inputs(con, plan: Plan, span: Period, services: Sequence[str] = (), severities: Sequence[str] = (),
                channels: Sequence[str] = ()) -> Inputs:
    """scorecard.load_inputs with the sidebar filters applied.

    Incidents and maintenance windows by service and severity; first response, resolution and
    surveys by channel (day x channel aggregates summed over the chosen channels). Self-service
    sessions have no channel and costs no service: they stay whole."""
    inputs = load_all_inputs(con, plan, span)
    inputs = replace(inputs, incidents=scope_incidents(inputs.incidents, services, severities),
                     windows=scope_windows(inputs.windows, services))
    if not channels:
        return inputs
    params = {"first_response": {"priorities": list(plan.settings.high_priority)}}
    start, end = (local_midnight(d, plan.timezone) for d in (span.start, span.end))
    return replace(inputs, **{field: Columns(sum_channels(rolled(con, name, tz=plan.timezone, start=start, end=end,
                                                                **params.get(field, {})), channels))
                              for field, name in BY_CHANNEL.items()})


# ----------------------------------------------------------------------------- reliability

def reliability_by_span(incidents: pd.DataFrame, windows: pd.DataFrame, plan: Plan,
                        spans: Sequence[Period], outages: reliability.Timeline | None = None) -> pd.DataFrame:
    """Uptime, recovery-time spread, MTBF with its interval, and MTTA per span.

    Output: span, start, end, is_month, uptime_pct, down_minutes, planned_hours, n_outages, mttr_hours,
    mttr_median_hours, mttr_p90_hours, n_resolved, mtbf_hours, mtbf_lower_hours, mtbf_upper_hours
    (None: unbounded), is_mtbf_lower_bound, n_failures, mtta_hours, n_acknowledged."""
    s = plan.settings
    rows, outages = [], outages or reliability.timeline(incidents, windows)  # converted once for every span
    times = outages.incidents
    for p in spans:
        start, end = reliability.observed_part(outages, *_bounds(plan, p))  # as uptime and MTBF count it
        a = reliability.availability_of(outages, start, end)
        d = reliability.duration_stats(times, s.failure_severities, start, end, s.mttr_from)
        b = reliability.mtbf(times, s.failure_severities, *_bounds(plan, p), a.down_hours, s.mtbf_confidence_pct,
                             counted=(start, end))  # every failure started in the span counts
        # mtbf's value is operating hours / failures (operating hours alone with none)
        lower, upper = (None, None) if b.value is None else reliability.mtbf_interval(  # None: no hours observed
            b.value * max(b.n, 1), b.n, s.mtbf_confidence_pct)
        t = reliability.mtta(times, start, end)
        rows.append({**_span_columns(p), "uptime_pct": a.uptime_pct, "down_minutes": a.down_hours * 60.0,
                     "planned_hours": a.planned_hours, "n_outages": a.n_outages, "mttr_hours": d["mean"],
                     "mttr_median_hours": d["median"], "mttr_p90_hours": d["p90"], "n_resolved": d["n"],
                     "mtbf_hours": b.value, "mtbf_lower_hours": lower, "mtbf_upper_hours": upper,
                     "is_mtbf_lower_bound": b.is_lower_bound, "n_failures": b.n, "mtta_hours": t.value,
                     "n_acknowledged": t.n})
    return pd.DataFrame(rows)


def uptime_by_service(incidents: pd.DataFrame, windows: pd.DataFrame, plan: Plan, spans: Sequence[Period],
                      service_ids: Sequence[str], outages: reliability.Timeline | None = None) -> pd.DataFrame:
    """Per-service uptime per span, with its status against the plan's uptime target (a span of
    several months judged by its worst month, as the scorecard judges it: scorecard.worst_month).

    Output: span, start, end, is_month, service_id, uptime_pct, status, down_minutes, planned_hours, n_outages."""
    kpi = plan.kpi("uptime_pct")
    rows, outages = [], outages or reliability.timeline(incidents, windows)
    for p in spans:
        start, end = _bounds(plan, p)
        for service_id in service_ids:
            a = reliability.availability_of(outages, start, end, service_id)
            worst = worst_month(outages, plan, p, service_id)
            rows.append({**_span_columns(p), "service_id": service_id, "uptime_pct": a.uptime_pct,
                         "status": status(a.uptime_pct if worst is None else worst[1], kpi),
                         "down_minutes": a.down_hours * 60.0, "planned_hours": a.planned_hours,
                         "n_outages": a.n_outages})
    return pd.DataFrame(rows)


def incidents_by_severity(incidents: reliability.Incidents, plan: Plan, spans: Sequence[Period],
                          severities: Sequence[str] = ()) -> pd.DataFrame:
    """Incidents started in each span, per severity (plan order; all when none chosen).

    Output: span, start, end, is_month, severity, n_incidents."""
    names = [s.name for s in plan.severities if not severities or s.name in severities]
    times = reliability.IncidentTimes.of(incidents)
    k = times.severity_index(names)  # each incident's position in `names`, -1: not chosen
    rows = []
    for p in spans:
        start, end = (moment.timestamp() for moment in _bounds(plan, p))
        chosen = k[(times.started >= start) & (times.started < end)]
        counts = np.bincount(chosen[chosen >= 0], minlength=len(names))
        rows += [{**_span_columns(p), "severity": name, "n_incidents": int(n)} for name, n in zip(names, counts)]
    return pd.DataFrame(rows, columns=["span", "start", "end", "is_month", "severity", "n_incidents"])


def plan_severities(plan: Plan, severities: Sequence[str] = ()) -> tuple[Severity, ...]:
    """The plan's severities, those chosen only when a filter is set."""
    return tuple(s for s in plan.severities if not severities or s.name in severities)


def severity_sla_by_span(incidents: reliability.Incidents, plan: Plan, spans: Sequence[Period],
                         severities: Sequence[str] = ()) -> pd.DataFrame:
    """reliability.severity_sla per span, with each severity's plan targets alongside.

    Output: span, start, end, is_month, severity, n, response_pct, resolution_pct, n_escalation_due,
    escalation_pct, response_target_minutes, resolution_target_minutes, escalation_after_minutes."""
    chosen = plan_severities(plan, severities)
    targets = {s.name: {"response_target_minutes": s.response_minutes, "resolution_target_minutes": s.resolution_minutes,
                        "escalation_after_minutes": s.escalation_after_minutes} for s in chosen}
    grace = plan.settings.escalation_immediate_minutes
    grids = reliability.severity_sla_spans(incidents, chosen, [_bounds(plan, p) for p in spans], grace)
    rows = [{**_span_columns(p), **row, **targets[row["severity"]]} for p, grid in zip(spans, grids) for row in grid]
    return pd.DataFrame(rows, columns=SLA_COLUMNS)


SLA_COLUMNS = ["span", "start", "end", "is_month", "severity", "n", "response_pct", "resolution_pct",
               "n_escalation_due", "escalation_pct", "response_target_minutes", "resolution_target_minutes",
               "escalation_after_minutes"]


SLA_MEASURES = (("response", "response_pct", "n"), ("resolution", "resolution_pct", "n"),
                ("escalation", "escalation_pct", "n_escalation_due"))


def severity_sla_rows(sla: pd.DataFrame, plan: Plan) -> pd.DataFrame:
    """severity_sla_by_span as one row per span, measure and severity, labelled with the plan's target.

    Output: span, measure, severity, target (e.g. 'response · critical: 15 min'), on_time_pct, n (incidents
    the share rests on: all detected, or those due for escalation)."""
    frames = [sla.assign(measure=measure, on_time_pct=sla[pct], n_on=sla[n],
                         target=[severity_target(plan, s, measure) for s in sla["severity"]])
              for measure, pct, n in SLA_MEASURES]
    out = pd.concat(frames, ignore_index=True)
    return out[["span", "measure", "severity", "target", "on_time_pct", "n_on"]].rename(columns={"n_on": "n"})


def severity_target(plan: Plan, severity: str, measure: str) -> str:
    """A severity's SLA named with the plan's target: 'response · critical: 15 min'."""
    label = severity_label(plan.severity(severity), measure, plan.settings.escalation_immediate_minutes)
    return f"{measure_words(measure)} · {label}"


def _elapsed_end(p: Period, as_of: date) -> date:
    """The part of a span that has passed by the start of `as_of` (today: unfinished)."""
    return min(max(as_of, p.start), p.end)


def error_budget_by_month(incidents: pd.DataFrame, windows: pd.DataFrame, plan: Plan, months: Sequence[Period],
                          as_of: date, outages: reliability.Timeline | None = None) -> pd.DataFrame:
    """reliability.error_budget per calendar month, with the burn so far for a month still running.

    Each span is widened to its whole calendar month: the budget is monthly. The allowance covers
    the month less its planned maintenance; the spend is the unplanned downtime before `as_of`
    (today, unfinished). Days to exhaustion are given for an open month only; every month says
    on which day, if any, its budget ran out.
    Output: span, start, end, is_month, allowed_minutes, spent_minutes, remaining_minutes, spent_pct,
    is_open, days_to_exhaustion, exhausted_on."""
    target = plan.kpi("uptime_pct").target
    rows, outages = [], outages or reliability.timeline(incidents, windows)
    for m in (Period.month(p.start) for p in months):
        passed = _elapsed_end(m, as_of)
        whole = reliability.availability_of(outages, *_bounds(plan, m))
        so_far = _down_hours(outages, plan, m.start, passed)
        budget = reliability.error_budget(replace(whole, down_hours=so_far), target, (passed - m.start).days * 24.0)
        is_open = passed < m.end
        rows.append({**_span_columns(m), "allowed_minutes": budget.allowed_minutes,
                     "spent_minutes": budget.spent_minutes, "remaining_minutes": budget.remaining_minutes,
                     "spent_pct": ratio(budget.spent_minutes, budget.allowed_minutes, 100.0), "is_open": is_open,
                     "days_to_exhaustion": budget.days_to_exhaustion if is_open else None,
                     "exhausted_on": _exhausted_on(outages, plan, m.start, passed, budget)})
    return pd.DataFrame(rows)


def _down_hours(outages: reliability.Timeline, plan: Plan, start: date, end: date) -> float:
    if end <= start:
        return 0.0
    return reliability.availability_of(outages, local_midnight(start, plan.timezone),
                                       local_midnight(end, plan.timezone)).down_hours


def _exhausted_on(outages: reliability.Timeline, plan: Plan, start: date, passed: date,
                  budget: reliability.ErrorBudget) -> date | None:
    """The first day by whose end the spend passed the allowance (None: it did not). The spend
    only grows with time, so a binary search needs a handful of availability runs, not one a day."""
    if budget.remaining_minutes >= 0:
        return None
    lo, hi = 1, (passed - start).days  # days counted from `start`; the spend over `hi` days is over
    while lo < hi:
        mid = (lo + hi) // 2
        spent = _down_hours(outages, plan, start, start + timedelta(days=mid)) * 60.0
        lo, hi = (lo, mid) if spent > budget.allowed_minutes else (mid + 1, hi)
    return start + timedelta(days=lo - 1)


def budget_burn(incidents: pd.DataFrame, windows: pd.DataFrame, plan: Plan, month: Period,
                as_of: date, outages: reliability.Timeline | None = None) -> pd.DataFrame:
    """Unplanned downtime spent from the start of the calendar month to the end of each passed
    day, against the month's allowance (reliability.error_budget at the uptime target).

    Output: day, spent_minutes (cumulative), allowed_minutes."""
    month = Period.month(month.start)
    target = plan.kpi("uptime_pct").target
    outages = outages or reliability.timeline(incidents, windows)
    whole = reliability.availability_of(outages, *_bounds(plan, month))
    allowed = reliability.error_budget(whole, target, 0.0).allowed_minutes
    days = pd.date_range(month.start, _elapsed_end(month, as_of), freq="D", inclusive="left").date
    spent = [_down_hours(outages, plan, month.start, d + timedelta(days=1)) * 60.0 for d in days]
    return pd.DataFrame({"day": list(days), "spent_minutes": spent, "allowed_minutes": allowed},
                        columns=["day", "spent_minutes", "allowed_minutes"])


def nominal_error_budget_minutes(plan: Plan, days: float = 30.0) -> float:
    """The plan's round figure: downtime allowed in `days` at the uptime target (43.2 min in 30 days
    at 99.9 %), before planned maintenance is taken out."""
    return coherence.error_budget_minutes(plan.kpi("uptime_pct").target, days)


def incident_timeline(record: pd.Series, plan: Plan) -> pd.DataFrame:
    """One incident's steps against its severity's targets, judged by reliability.severity_sla.

    Output: step, at, minutes_after_detection, target, due_at, outcome."""
    sev = plan.severity(record["severity"])
    detected = pd.Timestamp(record["detected_at"])
    one = pd.DataFrame([record]).reset_index(drop=True)
    sla = reliability.severity_sla(one, (sev,), detected.to_pydatetime(),
                                   (detected + pd.Timedelta(seconds=1)).to_pydatetime(),
                                   plan.settings.escalation_immediate_minutes).iloc[0]
    due = sev.escalation_after_minutes or plan.settings.escalation_immediate_minutes
    steps = [("started", "started_at", None, _("impact began")),
             ("detected", "detected_at", None, _("clock starts")),
             ("acknowledged", "acknowledged_at", sev.response_minutes, _outcome(sla["response_pct"])),
             ("escalated", "escalated_at", due, _escalation_outcome(sla, record)),
             ("resolved", "resolved_at", sev.resolution_minutes, _outcome(sla["resolution_pct"]))]
    rows = [{"step": step, "at": record[col],
             "minutes_after_detection": None if pd.isna(record[col])
             else (pd.Timestamp(record[col]) - detected).total_seconds() / 60.0,
             "target": None if target is None else _("within {time}").format(time=_minutes_text(target)),
             "due_at": None if target is None else detected + pd.Timedelta(minutes=target), "outcome": outcome}
            for step, col, target, outcome in steps]
    out = pd.DataFrame(rows)
    for col in ("at", "due_at"):
        out[col] = pd.to_datetime(out[col], utc=True)
    return out


def _outcome(pct: float | None) -> str:
    return _("within target") if pct == 100.0 else _("missed")


def _escalation_outcome(sla: pd.Series, record: pd.Series) -> str:
    if not sla["n_escalation_due"]:
        return _("not needed: resolved before the escalation point")
    if sla["escalation_pct"] == 100.0:
        return _("on time")
    return _("late") if pd.notna(record["escalated_at"]) else _("never escalated")


def _minutes_text(minutes: float) -> str:
    """15 -> '15 min', 240 -> '4 h', 4320 -> '72 h' (the plan's own wording)."""
    if minutes >= 60 and minutes % 60 == 0:
        return _("{n} h").format(n=f"{minutes / 60:g}")
    return _("{n} min").format(n=f"{minutes:g}")


# The SLA grids' measures and the plan's severities in a reader's words (in frames they stay keys).
SLA_MEASURE_WORDS = {"response": N_("response"), "resolution": N_("resolution"), "escalation": N_("escalation"),
                     "first response": N_("first response")}
SEVERITY_WORDS = {"critical": N_("critical"), "high": N_("high"), "medium": N_("medium"), "low": N_("low"),
                  "info": N_("info")}


def measure_words(measure: str) -> str:
    return _(SLA_MEASURE_WORDS.get(measure, measure))


def severity_words(name: str) -> str:
    return _(SEVERITY_WORDS.get(name, name))


def severity_label(s: Severity, measure: str = "response", grace_minutes: float = 5.0) -> str:
    """The severity and its plan target for one measure: 'critical: 15 min' (response),
    'critical: 1 h' (resolution), 'critical: at once, 5 min grace' / 'high: after 2 h' (escalation)."""
    name = severity_words(s.name)
    if measure == "response":
        return f"{name}: {_minutes_text(s.response_minutes)}"
    if measure == "resolution":
        return f"{name}: {_minutes_text(s.resolution_minutes)}"
    if not s.escalation_after_minutes:
        return _("{severity}: at once, {grace} grace").format(severity=name, grace=_minutes_text(grace_minutes))
    return _("{severity}: after {time}").format(severity=name, time=_minutes_text(s.escalation_after_minutes))


# ----------------------------------------------------------------------------- support

def channel_label(plan: Plan, name: str, measure: str = "response") -> str:
    """The channel and its plan target for first response ('Live chat: 2 min') or resolution
    ('Live chat: 30 min, simple issues'; 'Phone: no target')."""
    c = plan.channel(name)
    label = _(c.label)
    if measure == "response":
        return f"{label}: {_minutes_text(c.first_response_seconds / 60.0)}"
    if not c.resolution_minutes:
        return _("{channel}: no target").format(channel=label)
    if c.resolution_simple_only:
        return _("{channel}: {time}, simple issues").format(channel=label, time=_minutes_text(c.resolution_minutes))
    return f"{label}: {_minutes_text(c.resolution_minutes)}"


CHANNEL_MEASURES = {"first response": "response", "resolution": "resolution"}  # grid label -> channel_label's measure


def channel_target(plan: Plan, channel: str, label: str) -> str:
    """A channel's SLA named with the plan's target: 'first response · Live chat: 2 min' (`label`:
    "first response" or "resolution", as the grid's measure column says)."""
    return f"{measure_words(label)} · {channel_label(plan, channel, CHANNEL_MEASURES[label])}"


def channel_sla_by_span(channel_daily: pd.DataFrame, spans: Sequence[Period],
                        channels: Sequence[str] = ()) -> pd.DataFrame:
    """support.channel_sla per span for the chosen channels (empty: all).

    Output: span, start, end, is_month, channel, n_tickets, response_pct, n_resolution_applicable, resolution_pct."""
    rows = channel_daily[channel_daily["channel"].isin(list(channels))] if channels else channel_daily
    # records, one frame at the end: a frame per span, assigned and concatenated, cost more than the sums
    records = [{**_span_columns(p), **row} for p in spans
               for row in support.channel_sla_rows(in_days(rows, p.start, p.end))]
    return pd.DataFrame(records, columns=["span", "start", "end", "is_month", "channel", "n_tickets", "response_pct",
                                          "n_resolution_applicable", "resolution_pct"])


def channel_sla_rows(sla: pd.DataFrame, plan: Plan) -> pd.DataFrame:
    """channel_sla_by_span as one row per span, measure and channel, labelled with the plan's target.

    Output: span, measure, channel, target (e.g. 'first response · Live chat: 2 min'), on_time_pct, n."""
    frames = [sla.assign(measure=label, on_time_pct=sla[pct], n_on=sla[n],
                         target=[channel_target(plan, c, label) for c in sla["channel"]])
              for label, pct, n in (("first response", "response_pct", "n_tickets"),
                                    ("resolution", "resolution_pct", "n_resolution_applicable"))]
    out = pd.concat(frames, ignore_index=True)
    return out[["span", "measure", "channel", "target", "on_time_pct", "n_on"]].rename(columns={"n_on": "n"})


def top2_pct(survey_daily: Table) -> float | None:
    """Share of survey responses scoring 4 or 5, in percent (support.csat reports it as text)."""
    return ratio(total(survey_daily["n_top2"]), total(survey_daily["n_responses"]), 100.0)


def csat_by_span(survey_daily: pd.DataFrame, spans: Sequence[Period]) -> pd.DataFrame:
    """support.csat and support.csat_interval per span, with the share of 4-5 scores.

    Output: span, start, end, is_month, n_responses, csat, lower, upper, top2_pct."""
    rows, survey = [], Columns(survey_daily)  # converted once for every span
    for p in spans:
        days = in_days(survey, p.start, p.end)
        m, ci = support.csat(days), support.csat_interval(days)
        rows.append({**_span_columns(p), "n_responses": m.n, "csat": m.value,
                     "lower": ci[0] if ci else None, "upper": ci[1] if ci else None, "top2_pct": top2_pct(days)})
    return pd.DataFrame(rows)


def _chosen(frame: pd.DataFrame, channels: Sequence[str]) -> pd.DataFrame:
    return frame[frame["channel"].isin(list(channels))] if channels else frame


def tiers_by_month(ticket_times: pd.DataFrame, channels: Sequence[str] = ()) -> pd.DataFrame:
    """Tickets created per month by the highest support tier they reached.

    Input: ticket_times_monthly.sql rows. Output: month, tier, n_tickets, share_pct."""
    chosen = _chosen(ticket_times, channels)
    # per month by codes: on a few dozen rows, pandas' groupby, melt and keyed sort cost more than the sums
    months, codes = np.unique(chosen["month"].to_numpy(dtype="datetime64[us]"), return_inverse=True)
    n, tier2, tier3 = (count_sums(codes, chosen[c], len(months)) for c in ("n_tickets", "n_tier2", "n_tier3"))
    counts = (n - tier2 - tier3, tier2, tier3)
    rows = [{"month": month, "tier": tier, "n_tickets": int(counts[k][i]),
             "share_pct": ratio(float(counts[k][i]), float(n[i]), 100.0)}
            for i, month in enumerate(months) for k, tier in enumerate(TIERS)]
    return pd.DataFrame(rows, columns=["month", "tier", "n_tickets", "share_pct"])


def volume_by_month(ticket_times: pd.DataFrame, channels: Sequence[str] = ()) -> pd.DataFrame:
    """Tickets created per month and channel. Output: month, channel, n_tickets."""
    return _chosen(ticket_times, channels).groupby(["month", "channel"], as_index=False)["n_tickets"].sum()


def high_priority_times(rows: pd.DataFrame) -> pd.DataFrame:
    """high_priority_response_monthly.sql rows with each month's short label (span) first."""
    labels = [span_label(Period.month(m)) for m in pd.to_datetime(rows["month"]).dt.date]
    return rows.assign(span=labels)[["span", *rows.columns]]


def hour_of_week(shape: pd.DataFrame, period: Period, channels: Sequence[str] = ()) -> pd.DataFrame:
    """Tickets per hour of an average week of the period: a full 7 x 24 grid.

    Input: ticket_hour_of_week.sql rows (hour_of_week 0 = Monday 00:00 local).
    Output: weekday (Mon..Sun), hour (0-23), tickets_per_week."""
    counts = _chosen(shape, channels).groupby("hour_of_week")["n_tickets"].sum()
    hours = pd.RangeIndex(7 * 24)
    per_week = counts.reindex(hours, fill_value=0) / (period.days / 7.0)
    return pd.DataFrame({"weekday": [WEEKDAYS[h // 24] for h in hours], "hour": hours % 24,
                         "tickets_per_week": per_week.to_numpy(dtype=float)})


def channel_times(times: pd.DataFrame, plan: Plan, channels: Sequence[str] = ()) -> pd.DataFrame:
    """First-response and resolution percentiles per month and channel beside the channel targets.

    Input: channel_times_monthly.sql rows. Output: month, channel, n_tickets, response_median_minutes,
    response_p90_minutes, response_target_minutes, resolution_median_minutes, resolution_p90_minutes,
    resolution_target_minutes (None: the plan sets none)."""
    out = _chosen(times, channels).copy()
    out["response_target_minutes"] = out["channel"].map(lambda c: plan.channel(c).first_response_seconds / 60.0)
    out["resolution_target_minutes"] = out["channel"].map(lambda c: plan.channel(c).resolution_minutes or None)
    return out[["month", "channel", "n_tickets", "response_median_minutes", "response_p90_minutes",
                "response_target_minutes", "resolution_median_minutes", "resolution_p90_minutes",
                "resolution_target_minutes"]].reset_index(drop=True)


# ----------------------------------------------------------------------------- monitoring

UNIT_SUFFIXES = {"_pct": "%", "_ms": "ms", "_per_hour": N_("per hour"), "_per_s": N_("per s"), "_s": "s",
                 "_minutes": N_("min")}


def threshold_label(t: Threshold) -> str:
    """'cpu_pct > 80 %', the plan's threshold in words."""
    unit = next((u for suffix, u in UNIT_SUFFIXES.items() if t.metric.endswith(suffix)), "")
    return f"{t.metric} {t.op} {t.value:g}" + (f" {_(unit)}" if unit else "")


def threshold_hours(hours_monthly: pd.DataFrame, plan: Plan, services: Sequence[str] = ()) -> pd.DataFrame:
    """threshold_hours_monthly.sql rows for the chosen services, with each metric's plan threshold.

    Output: service_id, month, metric, threshold, group, level, hours_observed, hours_beyond,
    beyond_pct, hours_suppressed."""
    rows = hours_monthly[hours_monthly["service_id"].isin(list(services))] if services else hours_monthly
    limits = {t.metric: t for t in sampled_thresholds(plan)}
    out = rows.assign(threshold=rows["metric"].map(lambda m: threshold_label(limits[m])),
                      group=rows["metric"].map(lambda m: limits[m].group),
                      level=rows["metric"].map(lambda m: limits[m].level))
    out["beyond_pct"] = [ratio(float(b), float(o), 100.0) for b, o in zip(out["hours_beyond"], out["hours_observed"])]
    return out[["service_id", "month", "metric", "threshold", "group", "level", "hours_observed", "hours_beyond",
                "beyond_pct", "hours_suppressed"]].reset_index(drop=True)


def threshold_totals(hours: pd.DataFrame) -> pd.DataFrame:
    """threshold_hours summed over the months, per service and metric.

    Output: service_id, metric, threshold, group, level, hours_observed, hours_beyond, beyond_pct,
    hours_suppressed."""
    keys = ["service_id", "metric", "threshold", "group", "level"]
    sums = hours.groupby(keys, as_index=False, sort=False)[["hours_observed", "hours_beyond",
                                                           "hours_suppressed"]].sum()
    sums["beyond_pct"] = [ratio(float(b), float(o), 100.0) for b, o in zip(sums["hours_beyond"],
                                                                            sums["hours_observed"])]
    return sums[keys + ["hours_observed", "hours_beyond", "beyond_pct", "hours_suppressed"]]


def threshold_summary(totals: pd.DataFrame, plan: Plan) -> dict[str, float]:
    """The monitoring headline from threshold_totals: hours beyond and suppressed (summed over
    services and metrics), how many of the plan's sampled thresholds were broken at all."""
    return {"hours_beyond": float(totals["hours_beyond"].sum()),
            "hours_suppressed": float(totals["hours_suppressed"].sum()),
            "n_breached": int(totals.loc[totals["hours_beyond"] > 0, "metric"].nunique()),
            "n_thresholds": len(sampled_thresholds(plan))}


def thresholds_by_hours(totals: pd.DataFrame) -> list[str]:
    """Threshold labels, the one with the most hours beyond first."""
    return list(totals.groupby("threshold", sort=False)["hours_beyond"].sum().sort_values(ascending=False,
                                                                                          kind="stable").index)


def alert_days(plan: Plan, period: Period) -> tuple[date, date]:
    """The days of business data the period's alerts need: the period and the averaging days before it."""
    return period.start - timedelta(days=plan.settings.business_average_days), period.end


def alerts_in_period(business_daily: pd.DataFrame, survey_daily: pd.DataFrame, plan: Plan,
                     period: Period) -> pd.DataFrame:
    """monitoring.business_alerts for the days of the period, with each alert's plan level.

    Output: day, alert, group, level, value, threshold."""
    alerts = monitoring.business_alerts(business_daily, survey_daily, plan)
    alerts = in_days(alerts, period.start, period.end).reset_index(drop=True)
    by_metric = {t.metric: t for t in plan.thresholds}
    alerts["group"] = alerts["alert"].map(lambda a: by_metric[a].group)
    alerts["level"] = alerts["alert"].map(lambda a: by_metric[a].level)
    alerts["day"] = pd.to_datetime(alerts["day"]).dt.date
    return alerts[["day", "alert", "group", "level", "value", "threshold"]]


# ----------------------------------------------------------------------------- cost

def budget_by_line(costs_by_line: pd.DataFrame, plan: Plan, months: Sequence[Period]) -> pd.DataFrame:
    """Actual spend per budget line and month against the line's budget for that month: the annual
    budget pro rata (1/12), or by the line's monthly profile.

    A month without a row for a line has no data (NaN), not zero spend.
    Output: month, line, group, actual_usd, budget_usd, variance_usd, variance_pct."""
    # a lookup, not a merge: months x lines are a few dozen rows, where a merge's overhead dominates
    actual = dict(zip(zip(pd.to_datetime(costs_by_line["month"]).dt.date, costs_by_line["line"]),
                      costs_by_line["amount_usd"].astype(float)))
    grid = pd.DataFrame([{"month": m.start, "line": b.name, "group": b.group,
                          "actual_usd": actual.get((m.start, b.name), math.nan),
                          "budget_usd": month_budget(b, month_of_plan_year(plan, m.start))}
                         for m in months for b in plan.budget_lines],
                        columns=["month", "line", "group", "actual_usd", "budget_usd"])
    return _with_variance(grid)


def _with_variance(frame: pd.DataFrame) -> pd.DataFrame:
    out = frame.copy()
    out["variance_usd"] = out["actual_usd"] - out["budget_usd"]
    out["variance_pct"] = [None if pd.isna(v) else ratio(v, b, 100.0) for v, b in
                           zip(out["variance_usd"], out["budget_usd"])]
    return out


def budget_summary(by_line: pd.DataFrame) -> pd.DataFrame:
    """budget_by_line summed over the months with data, per line (plan order).

    Output: line, group, months, actual_usd, budget_usd, variance_usd, variance_pct."""
    # in plain Python: a few dozen rows, where pandas' named aggregations and keyed sort cost more than the work
    known: dict[tuple[str, str], list[tuple]] = {}
    for month, line, group, actual, budget in zip(by_line["month"], by_line["line"], by_line["group"],
                                                  by_line["actual_usd"], by_line["budget_usd"]):
        if not pd.isna(actual):
            known.setdefault((line, group), []).append((month, actual, budget))
    sums = pd.DataFrame([{"line": line, "group": group, "months": len({m for m, _, _ in rows}),
                          "actual_usd": math.fsum(a for _, a, _ in rows), "budget_usd": math.fsum(b for _, _, b in rows)}
                         for (line, group), rows in known.items()],  # first seen: plan order
                        columns=["line", "group", "months", "actual_usd", "budget_usd"])
    return _with_variance(sums)


def budget_totals(summary: pd.DataFrame) -> dict[str, float]:
    """budget_summary added up over the lines: actual_usd, budget_usd, variance_usd."""
    return {col: float(summary[col].sum()) for col in ("actual_usd", "budget_usd", "variance_usd")}


def budget_bars(summary: pd.DataFrame) -> pd.DataFrame:
    """budget_summary as bars: per line, the actual spend and the budget of the same months.

    Output: line, series ("actual", "budget of the same months"), usd."""
    long = summary.melt(id_vars="line", value_vars=["actual_usd", "budget_usd"], var_name="series", value_name="usd")
    long["series"] = long["series"].map({"actual_usd": N_("actual"), "budget_usd": N_("budget of the same months")})
    return long


# ----------------------------------------------------------------------------- coherence

def measured_kpis(results: Sequence[KpiResult]) -> dict[str, float | None]:
    """KPI key -> measured value, as analytics.coherence.coherence takes it."""
    return {r.kpi: r.value for r in results}


def latest_active_users(cost_monthly: pd.DataFrame, end: date) -> float | None:
    """Monthly active users of the last month before `end` that has them (cost_monthly.sql)."""
    months = pd.to_datetime(cost_monthly["month"])
    rows = cost_monthly[(months < pd.Timestamp(end)) & cost_monthly["active_users"].notna()]
    return None if rows.empty else float(rows.sort_values("month")["active_users"].iloc[-1])


def checks_frame(checks: Sequence[coherence.Check]) -> pd.DataFrame:
    """Coherence checks as a table: check, plan says, data says, gap, why."""
    return pd.DataFrame([{label: getattr(c, field) for field, label in CHECK_COLUMNS.items()} for c in checks],
                        columns=list(CHECK_COLUMNS.values()))
