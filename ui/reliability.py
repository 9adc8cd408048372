"""The Reliability page's loaders: incidents, outages, the error budget's burn, and the charts
and words that explain them.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import pandas as pd
import plotly.graph_objects as go
import streamlit as st

from analytics import drilldown, reliability
from core import i18n
from core.i18n import _, N_
from core.period import Period
from core.plan import Plan
from data import warehouse

from ui.cache import LOADER, db, plan, query, query_at
from ui.downloads import download_csv
from ui.events import load_month_rows
from ui.figures import figure, lines_chart
from ui.formatting import fmt, md_escape
from ui.palette import LINE_COLOURS
from ui.scorecard import filtered_inputs, page_span
from ui.sidebar import plan_today, severity_word
from ui.state import Filters
from ui.widgets import data_table, local_times, show_chart


# The definitions behind each panel, shown one click away (widgets.definitions_popover).
DEFINITIONS = {"mtta": (reliability.mtta, reliability.duration_stats),
               "budget": (reliability.error_budget, reliability.availability),
               "recovery": (reliability.mttr, reliability.mtbf, reliability.mtbf_interval),
               "sla": (reliability.severity_sla,)}


# An incident's impact as a reader sees it; the warehouse keeps its own words (schema.sql).
IMPACT_LABELS = {"outage": N_("outage"), "degraded": N_("degraded"), "none": N_("none")}

# The loaders' spinners, shown at the call site in the reader's language (a decorator's text is fixed at import).
VIEW_SPINNER = N_("Drilling into incidents ...")
BURN_SPINNER = N_("Tracing the error budget day by day ...")


# lang: the analytics' labels inside the frames may be in the reader's language, so each language caches its own
@st.cache_data(**LOADER, show_spinner=False)
def _reliability_view(db_file: str, the_plan: Plan, period: Period, f: Filters, as_of: date,
                      lang: str) -> ReliabilityView:
    i = filtered_inputs(db_file, the_plan, page_span(the_plan, period), f)
    months = period.months()
    spans = [*months, period] if len(months) > 1 else months
    services = list(f.services) or list(query_at(db_file, "services")["service_id"])
    start, end = (warehouse.local_midnight(d, the_plan.timezone) for d in (period.start, period.end))
    sla = drilldown.severity_sla_by_span(i.outages.incidents, the_plan, spans, f.severities)
    return ReliabilityView(
        drilldown.reliability_by_span(i.incidents, i.windows, the_plan, spans, i.outages),
        drilldown.uptime_by_service(i.incidents, i.windows, the_plan, spans, services, i.outages),
        drilldown.incidents_by_severity(i.outages.incidents, the_plan, months, f.severities),
        sla,
        drilldown.error_budget_by_month(i.incidents, i.windows, the_plan, months, as_of, i.outages),
        reliability.worst_incidents(i.incidents, start, end, limit=15, times=i.outages.incidents),
        drilldown.severity_sla_rows(sla, the_plan),
        drilldown.nominal_error_budget_minutes(the_plan))


def load_reliability_view(period: Period, f: Filters) -> ReliabilityView:
    """Uptime by month and service, recovery times, SLA grid, error budget and worst incidents."""
    the_plan = plan()
    with st.spinner(_(VIEW_SPINNER)):
        return _reliability_view(db(), the_plan, period, f, plan_today(the_plan), i18n.language())


@st.cache_data(**LOADER, show_spinner=False)
def _budget_burn(db_file: str, the_plan: Plan, month: Period, span: Period, f: Filters, as_of: date) -> pd.DataFrame:
    i = filtered_inputs(db_file, the_plan, span, f)
    return drilldown.budget_burn(i.incidents, i.windows, the_plan, month, as_of, i.outages)


def load_budget_burn(first_day: date, f: Filters, period: Period | None = None) -> pd.DataFrame:
    """Cumulative unplanned downtime per passed day of the month starting `first_day`, against
    its allowance. With the page's `period` (which holds that month), it reuses the inputs the
    page loaded for the period."""
    the_plan, month = plan(), Period.month(first_day)
    span = page_span(the_plan, period) if period else month
    if not span.holds(month):  # a period without that month
        span = month
    with st.spinner(_(BURN_SPINNER)):
        return _budget_burn(db(), the_plan, month, span, f, plan_today(the_plan))


def load_incident(incident_id: str) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    """One incident's record (one row), its timeline against the plan, and the changes to its
    service in the 24 hours before it started."""
    record = query("incident_detail", incident_id=incident_id)
    if record.empty:
        return record, pd.DataFrame(), pd.DataFrame()
    timeline = drilldown.incident_timeline(record.iloc[0], plan())
    return record, timeline, query("changes_before_incident", incident_id=incident_id, lookback_hours=24)


@dataclass(frozen=True)
class ReliabilityView:
    """Frames of the Reliability page; `spans` rows are the period's months, then the period."""

    by_span: pd.DataFrame      # drilldown.reliability_by_span
    by_service: pd.DataFrame   # drilldown.uptime_by_service
    by_severity: pd.DataFrame  # drilldown.incidents_by_severity (months only)
    sla: pd.DataFrame          # drilldown.severity_sla_by_span
    budget: pd.DataFrame       # drilldown.error_budget_by_month (months only)
    worst: pd.DataFrame        # reliability.worst_incidents of the period
    sla_rows: pd.DataFrame     # drilldown.severity_sla_rows: sla labelled with the plan's targets
    nominal_budget_minutes: float  # drilldown.nominal_error_budget_minutes: downtime allowed in 30 days


def remaining_words(month: pd.Series) -> tuple[str, str]:
    """The third error-budget card: what is left, or by how much the month overspent."""
    left = month["remaining_minutes"]
    return (_("Remaining"), fmt(left, "min")) if left >= 0 else (_("Overspent by"), fmt(-left, "min"))


def exhaustion_words(month: pd.Series) -> tuple[str, str]:
    """The last error-budget card: the day it ran out, or how long it lasts at the burn so far."""
    if pd.notna(month["exhausted_on"]):  # the card's month names the year
        return _("Exhausted on"), i18n.date_text(pd.Timestamp(month["exhausted_on"]).date(), "day_short")
    if not month["is_open"]:
        return _("Exhausted on"), _("not exhausted")
    days = month["days_to_exhaustion"]
    return _("Days to exhaustion"), (_("no burn yet") if pd.isna(days) else
                                     _("{days} days at the current burn").format(days=i18n.number(days, 1)))


@st.fragment
def error_budget_panel(budget: pd.DataFrame, f: Filters, period: Period) -> None:
    """The chosen month's error budget (cards and burn chart) and the table of every month. A
    fragment: choosing a month redraws this panel alone, not the page's other charts."""
    month_names = {r.span: i18n.date_text(r.start, "month") for r in budget.itertuples()}  # the span stays the key
    chosen = st.segmented_control(_("Month"), list(budget["span"]), default=budget["span"].iloc[-1], key="budget_month",
                                  format_func=month_names.get)
    month = budget[budget["span"] == (chosen or budget["span"].iloc[-1])].iloc[0]
    cards = st.columns(4)
    cards[0].metric(_("Allowed this month"), fmt(month["allowed_minutes"], "min"), border=True)
    cards[1].metric(_("Spent"), fmt(month["spent_minutes"], "min"), border=True,
                    delta=_("{share} of the budget").format(share=fmt(month["spent_pct"], "%")),
                    delta_color="off", delta_arrow="off")
    cards[2].metric(*remaining_words(month), border=True)
    cards[3].metric(*exhaustion_words(month), border=True)
    burn = load_budget_burn(month["start"], f, period)
    show_chart(lines_chart(
        burn, "day", {"spent_minutes": _("unplanned downtime so far")},
        title=_("Error budget burn, {month}").format(month=i18n.date_text(month["start"], "month")),
        y_title=_("minutes (cumulative)"),
        target=month["allowed_minutes"], unit="min",
        target_label=_("allowance {minutes}").format(minutes=fmt(month["allowed_minutes"], "min"))),
        "budget_burn")
    with st.expander(_("Error budget per month (table)"), icon=":material/table:"):
        data_table(budget, f"opsplan-error-budget-{period.start}-{period.end}.csv")


def month_tables(view: ReliabilityView, period: Period) -> None:
    """The uptime tab's figures as tables, each with its CSV."""
    data_table(view.by_span, f"opsplan-reliability-{period.start}-{period.end}.csv")
    data_table(view.by_service, f"opsplan-uptime-by-service-{period.start}-{period.end}.csv")


def month_incidents_panel(month: date | None, f: Filters) -> None:
    """The incidents behind the uptime trend's clicked month, with a CSV; a hint while none is clicked."""
    if month is None:
        st.caption(_("Click a month's point on the uptime trend to list the incidents started in it."))
        return
    frame = load_month_rows("incidents_in_month", month, services=f.services, severities=f.severities)
    st.markdown(_("**Incidents started in {month}** ({n}; filters: {filters})").format(
        month=i18n.date_text(month, "month_long"), n=i18n.number(len(frame)), filters=md_escape(f.label())))
    data_table(frame, f"opsplan-incidents-{month:%Y-%m}.csv", key="month_incidents")


def incident_details(incident_id: str) -> None:
    """One incident: its record, its timeline against the plan's targets, and recent changes."""
    record, timeline, changes = load_incident(incident_id)
    if record.empty:
        st.warning(_("Incident {incident_id} is no longer in the warehouse.").format(incident_id=incident_id))
        return
    r = local_times(record).iloc[0]
    with st.container(border=True):
        impact = _(IMPACT_LABELS.get(str(r["impact"]), str(r["impact"])))
        st.markdown(f"#### {md_escape(r['incident_id'])} · {md_escape(r['service_name'])} · "
                    f"{md_escape(severity_word(str(r['severity'])))} · {md_escape(impact)}")
        st.markdown(md_escape(_("No summary recorded.") if pd.isna(r["summary"]) else str(r["summary"])))
        title = _("Timeline of {incident_id} against the {severity} targets").format(
            incident_id=incident_id, severity=severity_word(str(r["severity"])))
        show_chart(incident_chart(timeline, title), "incident_timeline")
        data_table(timeline, f"opsplan-incident-{incident_id}-timeline.csv", column_config={
            "minutes_after_detection": st.column_config.NumberColumn(_("minutes after detection"), format="%.0f")})
        left, right = st.columns(2)
        with left:
            st.markdown(_("**Full record**"))
            fields = pd.DataFrame({_("field"): r.index, _("value"): [str(v) for v in r.to_numpy()]})
            st.dataframe(fields, hide_index=True, height=36 * (len(fields) + 1))
            download_csv(local_times(record), f"opsplan-incident-{incident_id}.csv", label=_("Download record"))
        with right:
            _changes_before(changes, incident_id)


def _changes_before(changes: pd.DataFrame, incident_id: str) -> None:
    st.markdown(_("**Changes to this service in the 24 hours before it started**"))
    if changes.empty:
        st.caption(_("None: no change was deployed to this service in the 24 hours before the incident started."))
    else:
        data_table(changes, f"opsplan-incident-{incident_id}-changes.csv")


def incident_chart(timeline: pd.DataFrame, title: str) -> go.Figure:
    """An incident's steps on a local time axis, with the plan's deadlines as hollow diamonds."""
    tz = plan().timezone
    done = timeline[timeline["at"].notna()]
    due = timeline[timeline["due_at"].notna()]
    return figure([
        go.Scatter(x=pd.to_datetime(done["at"], utc=True).dt.tz_convert(tz), y=done["step"], mode="markers+text",
                   text=done["outcome"], textposition="middle right", name=_("happened"),
                   marker={"size": 12, "color": LINE_COLOURS["value"]}),
        go.Scatter(x=pd.to_datetime(due["due_at"], utc=True).dt.tz_convert(tz), y=due["step"], mode="markers",
                   name=_("plan deadline"), marker={"size": 12, "symbol": "diamond-open", "color": "#b3261e"},
                   text=due["target"], hovertemplate=_("deadline %{x}: %{text}") + "<extra></extra>")], title, 300,
        yaxis={"categoryorder": "array", "categoryarray": list(timeline["step"])[::-1], "title": {"text": ""}},
        xaxis={"title": {"text": _("local time ({zone})").format(zone=tz)}})
