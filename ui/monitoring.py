"""The Monitoring page's loaders: hours beyond each of the plan's thresholds, business alerts,
and their charts.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Mapping

import pandas as pd
import plotly.graph_objects as go
import streamlit as st

from analytics import drilldown, monitoring
from core import i18n
from core.i18n import _, N_
from core.period import Period
from core.plan import Plan
from data import event_rollups, params, rollups, warehouse

from ui.cache import LOADER, connection_for, db, plan
from ui.figures import figure
from ui.formatting import fmt
from ui.state import Filters


# The definitions behind each panel, shown one click away (widgets.definitions_popover).
DEFINITIONS = {"thresholds": (params.threshold_params, params.sampled_thresholds, monitoring.level_counts),
               "active": (monitoring.active_breaches,),
               "alerts": (monitoring.business_alerts,)}


# The loaders' spinners, shown at the call site in the reader's language (a decorator's text is fixed at import).
VIEW_SPINNER = N_("Counting hours beyond the thresholds ...")
ACTIVE_SPINNER = N_("Looking for thresholds broken now ...")


# lang: the analytics' labels inside the frames may be in the reader's language, so each language caches its own
@st.cache_data(**LOADER, show_spinner=False)
def _monitoring_view(db_file: str, the_plan: Plan, period: Period, services: tuple[str, ...],
                     lang: str) -> MonitoringView:
    from data.params import threshold_params

    con, tz = connection_for(db_file), the_plan.timezone
    start, end = (warehouse.local_midnight(d, tz) for d in (period.start, period.end))
    hours = rollups.threshold_hours_monthly(con, start=start, end=end, tz=tz, **threshold_params(the_plan))
    first_day, end_day = drilldown.alert_days(the_plan, period)
    daily = warehouse.query(con, "business_daily", start_day=first_day, end_day=end_day)
    survey = event_rollups.query(con, "survey_daily", tz=tz, start=warehouse.local_midnight(first_day, tz),
                             end=warehouse.local_midnight(end_day, tz))
    alerts = drilldown.alerts_in_period(daily, survey, the_plan, period)
    by_month = drilldown.threshold_hours(hours, the_plan, services)
    totals = drilldown.threshold_totals(by_month)
    return MonitoringView(by_month, alerts, totals, drilldown.threshold_summary(totals, the_plan),
                          drilldown.thresholds_by_hours(totals),
                          monitoring.level_counts(totals, params.sampled_thresholds(the_plan)))


def load_monitoring_view(period: Period, f: Filters) -> MonitoringView:
    """Hours beyond each plan threshold per service and month, and the business alerts."""
    with st.spinner(_(VIEW_SPINNER)):
        return _monitoring_view(db(), plan(), period, f.services, i18n.language())


@dataclass(frozen=True)
class MonitoringView:
    hours: pd.DataFrame   # drilldown.threshold_hours: service x month x metric
    alerts: pd.DataFrame  # drilldown.alerts_in_period
    totals: pd.DataFrame  # drilldown.threshold_totals: hours summed over the months, per service and metric
    summary: dict[str, float]  # drilldown.threshold_summary: the headline counts
    thresholds: list[str]  # threshold labels, the one with the most hours beyond first
    levels: pd.DataFrame   # monitoring.level_counts: thresholds, breached and hours beyond per alert level


RECENT_HOURS = 7 * 24  # how far back a breach active now is traced to its start ("since")


@st.cache_data(**LOADER, show_spinner=False)
def _active_breaches(db_file: str, the_plan: Plan, services: tuple[str, ...]) -> pd.DataFrame:
    con = connection_for(db_file)
    last_at = warehouse.query(con, "hourly_span")["last_at"].iloc[0]
    if pd.isna(last_at):
        return monitoring.active_breaches(pd.DataFrame(), [])
    end = pd.Timestamp(last_at) + pd.Timedelta(hours=1)
    limits = params.threshold_params(the_plan)
    flags = warehouse.query(con, "threshold_flags_recent", start=end - pd.Timedelta(hours=RECENT_HOURS), end=end,
                            metrics=limits["metrics"], ops=limits["ops"], limits=limits["limits"])
    if services:
        flags = flags[flags["service_id"].isin(list(services))]
    return monitoring.active_breaches(flags, params.sampled_thresholds(the_plan))


def load_active_breaches(f: Filters) -> pd.DataFrame:
    """The plan thresholds broken at the last hour of data, whatever the period: service_id,
    metric, level, value, threshold, since, hours (monitoring.active_breaches)."""
    with st.spinner(_(ACTIVE_SPINNER)):
        return _active_breaches(db(), plan(), f.services)


SIGNAL = ("critical", "warning")  # the levels the headline counts; info records load, not trouble
# The alert levels as a reader sees them; the frames keep the plan's own level names.
LEVEL_LABELS = {"critical": N_("critical"), "alert": N_("alert"), "warning": N_("warning"), "info": N_("info")}


def level_label(level: str) -> str:
    """An alert level in the reader's language (a level the plan adds later shows as named)."""
    return _(LEVEL_LABELS.get(level, level))


def at_levels(frame: pd.DataFrame, *names: str) -> pd.DataFrame:
    """The rows of a frame with a `level` column at the named alert levels."""
    return frame[frame["level"].isin(names)]


def level_card(levels: pd.DataFrame, *names: str) -> tuple[str, str]:
    """A headline card's numbers for some alert levels: hours beyond, and 'k of n' thresholds broken."""
    rows = at_levels(levels, *names)
    return (fmt(float(rows["hours_beyond"].sum()), "h", trim=True),
            _("{n} of {total}").format(n=int(rows["n_breached"].sum()), total=int(rows["n_thresholds"].sum())))


def suppression_text(alerting: Mapping, suppressed_hours: int) -> str:
    """The plan's alert suppression rules in words, with the hours they took out of the counts."""
    during = (_("alerts during scheduled maintenance windows are suppressed")
              if alerting["suppress_during_maintenance"] else _("alerts during maintenance windows are not suppressed"))
    return _("**Alert suppression applies**, as the plan sets it: repeats of an alert within {minutes} minutes are "
             "suppressed, and {during}. Samples here are hourly, so they cannot repeat within {minutes} minutes; "
             "{hours} service-hours beyond a threshold fell inside a maintenance window and are counted as "
             "suppressed, not as hours beyond.").format(
        minutes=f"{alerting['duplicate_suppression_minutes']:g}", during=during,
        hours=i18n.number(suppressed_hours))


def events_chart(frame: pd.DataFrame, x: str, y: str, *, colour: str, colours: Mapping[str, str], title: str,
                 x_title: str, value: str, threshold: str, height: int = 320) -> go.Figure:
    """One marker per event (e.g. an alert on a day), rows by `y`, coloured by `colour` (an alert
    level, named in the reader's language); the hover gives the value and the threshold it broke."""
    traces = [go.Scatter(x=rows[x], y=rows[y], mode="markers", name=level_label(str(name)),
                         customdata=rows[[value, threshold]].to_numpy(),
                         marker={"size": 11, "color": colours.get(name), "symbol": "square"},
                         hovertemplate=_("%{x|%d %b %Y}: %{y}<br>value %{customdata[0]:,.1f} "
                                         "(threshold %{customdata[1]})") + "<extra></extra>")
              for name, rows in frame.groupby(colour, sort=False)]
    return figure(traces, title, height, xaxis={"title": {"text": x_title}},
                      yaxis={"type": "category", "title": {"text": ""}})
