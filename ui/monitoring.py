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
from core.period import Period
from core.plan import Plan
from data import event_rollups, params, rollups, warehouse

from ui.cache import LOADER, connection_for, db, plan
from ui.figures import figure
from ui.state import Filters


# The definitions behind each panel, shown one click away (widgets.definitions_popover).
DEFINITIONS = {"thresholds": (params.threshold_params, params.sampled_thresholds),
               "alerts": (monitoring.business_alerts,)}


@st.cache_data(**LOADER, show_spinner="Counting hours beyond the thresholds ...")
def _monitoring_view(db_file: str, the_plan: Plan, period: Period, services: tuple[str, ...]) -> MonitoringView:
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
                          drilldown.thresholds_by_hours(totals))


def load_monitoring_view(period: Period, f: Filters) -> MonitoringView:
    """Hours beyond each plan threshold per service and month, and the business alerts."""
    return _monitoring_view(db(), plan(), period, f.services)


@dataclass(frozen=True)
class MonitoringView:
    hours: pd.DataFrame   # drilldown.threshold_hours: service x month x metric
    alerts: pd.DataFrame  # drilldown.alerts_in_period
    totals: pd.DataFrame  # drilldown.threshold_totals: hours summed over the months, per service and metric
    summary: dict[str, float]  # drilldown.threshold_summary: the headline counts
    thresholds: list[str]  # threshold labels, the one with the most hours beyond first


def suppression_text(alerting: Mapping, suppressed_hours: int) -> str:
    """The plan's alert suppression rules in words, with the hours they took out of the counts."""
    during = ("alerts during scheduled maintenance windows are suppressed" if alerting["suppress_during_maintenance"]
              else "alerts during maintenance windows are not suppressed")
    return (f"**Alert suppression applies**, as the plan sets it: repeats of an alert within "
            f"{alerting['duplicate_suppression_minutes']:g} minutes are suppressed, and {during}. Samples here are "
            f"hourly, so they cannot repeat within {alerting['duplicate_suppression_minutes']:g} minutes; "
            f"{suppressed_hours:,} service-hours beyond a threshold fell inside a maintenance window and are "
            "counted as suppressed, not as hours beyond.")


def events_chart(frame: pd.DataFrame, x: str, y: str, *, colour: str, colours: Mapping[str, str], title: str,
                 x_title: str, value: str, threshold: str, height: int = 320) -> go.Figure:
    """One marker per event (e.g. an alert on a day), rows by `y`, coloured by `colour`; the hover
    gives the value and the threshold it broke."""
    traces = [go.Scatter(x=rows[x], y=rows[y], mode="markers", name=str(name),
                         customdata=rows[[value, threshold]].to_numpy(),
                         marker={"size": 11, "color": colours.get(name), "symbol": "square"},
                         hovertemplate="%{x|%d %b %Y}: %{y}<br>value %{customdata[0]:,.1f} "
                                       "(threshold %{customdata[1]})<extra></extra>")
              for name, rows in frame.groupby(colour, sort=False)]
    return figure(traces, title, height, xaxis={"title": {"text": x_title}},
                      yaxis={"type": "category", "title": {"text": ""}})
