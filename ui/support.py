"""The Support page's loaders: tickets by channel and severity against the plan's SLAs."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from functools import partial

import pandas as pd
import plotly.graph_objects as go
import streamlit as st

from analytics import drilldown, support
from core import i18n
from core.i18n import _, N_
from core.period import Period
from core.plan import Plan
from data import event_rollups, params, warehouse

from ui import figures, scorecard
from ui.cache import LOADER, connection_for, db, plan
from ui.events import load_month_rows
from ui.formatting import md_escape
from ui.sidebar import severity_word
from ui.state import Filters
from ui.widgets import data_table


# The definitions behind each panel, shown one click away (widgets.definitions_popover).
DEFINITIONS = {"csat": (support.csat, support.csat_interval),
               "channels": (support.channel_sla, support.first_response_hours)}


# The loader's spinner, shown at the call site in the reader's language (a decorator's text is fixed at import).
VIEW_SPINNER = N_("Drilling into tickets ...")


# lang: the analytics' labels inside the frames may be in the reader's language, so each language caches its own
@st.cache_data(**LOADER, show_spinner=False)
def _support_view(db_file: str, the_plan: Plan, period: Period, channels: tuple[str, ...], lang: str) -> SupportView:
    con, tz = connection_for(db_file), the_plan.timezone
    start, end = (warehouse.local_midnight(d, tz) for d in (period.start, period.end))
    months = period.months()
    spans = [*months, period] if len(months) > 1 else months
    read = partial(event_rollups.query, con, tz=tz, start=start, end=end)
    r = warehouse.side_by_side({  # independent reads, side by side (each on its own cursor)
        "survey": partial(read, "survey_daily_by_channel" if channels else "survey_daily"),
        "sla": partial(read, "channel_sla_daily", **params.channel_sla_params(the_plan)),
        "times": partial(read, "ticket_times_monthly"),
        "channel_times": partial(read, "channel_times_monthly"),
        "hours": partial(read, "ticket_hour_of_week"),
        "first_response": partial(read, "high_priority_response_monthly",
                                  priorities=list(the_plan.settings.high_priority), channels=list(channels))})
    survey = drilldown.sum_channels(r["survey"], channels) if channels else r["survey"]
    channel_sla = drilldown.channel_sla_by_span(r["sla"], spans, channels)
    return SupportView(
        drilldown.csat_by_span(survey, spans),
        channel_sla,
        drilldown.channel_times(r["channel_times"], the_plan, channels),
        drilldown.tiers_by_month(r["times"], channels),
        drilldown.volume_by_month(r["times"], channels),
        drilldown.hour_of_week(r["hours"], period, channels),
        drilldown.high_priority_times(r["first_response"]),
        drilldown.channel_sla_rows(channel_sla, the_plan))


def load_support_view(period: Period, f: Filters) -> SupportView:
    """CSAT with its interval, channel SLA grid, ticket times, tiers and volume shape."""
    with st.spinner(_(VIEW_SPINNER)):
        return _support_view(db(), plan(), period, f.channels, i18n.language())


@dataclass(frozen=True)
class SupportView:
    """Frames of the Support page, for the chosen channels."""

    csat: pd.DataFrame         # drilldown.csat_by_span: months, then the period
    channel_sla: pd.DataFrame  # drilldown.channel_sla_by_span: months, then the period
    times: pd.DataFrame        # drilldown.channel_times
    tiers: pd.DataFrame        # drilldown.tiers_by_month
    volume: pd.DataFrame       # drilldown.volume_by_month
    hours: pd.DataFrame        # drilldown.hour_of_week
    first_response: pd.DataFrame  # drilldown.high_priority_times: mean, median, p90 and unanswered per month
    sla_rows: pd.DataFrame     # drilldown.channel_sla_rows: channel_sla labelled with the plan's targets


def high_priority_response_caption(times: pd.DataFrame, the_plan: Plan) -> str:
    """What lies behind the high-priority response chart: tickets answered and not yet answered."""
    answered, unanswered = int(times["n_answered"].sum()), int(times["n_unanswered"].sum())
    left = (_("{n} not answered yet, left out of these times").format(n=i18n.number(unanswered)) if unanswered
            else _("none left unanswered"))
    return _("{n} high-priority tickets ({priorities}) answered in the period; {left}. A mean far above the median "
             "says a few slow answers, not slow answers in general, keep the KPI from its target.").format(
        n=i18n.number(answered), left=left,
        priorities=", ".join(severity_word(p) for p in the_plan.settings.high_priority))


# The tiers a ticket reached as a reader sees them; the frames keep analytics' own names (drilldown.TIERS).
TIER_LABELS = {"tier 1 only": N_("tier 1 only"), "reached tier 2": N_("reached tier 2"),
               "reached tier 3": N_("reached tier 3")}


# Past this many months a month per column leaves cells too narrow for their two lines of text on a
# 1280 px page (12 months: 6-pixel type), so the grid turns: months as rows, measures as columns.
WIDE_MONTHS = 6
CHANNEL_GRID_TITLE = N_("First response and resolution within the channel's target, per month")


def channel_grid(sla: pd.DataFrame) -> go.Figure:
    """The channel SLA grid: share on time per measure and channel (rows) and month (columns), or
    turned when there are more than WIDE_MONTHS columns of months."""
    cells = sla.assign(cell=scorecard.pct_cells(sla, "on_time_pct", "n"))
    scale = {"text": "cell", "z": "on_time_pct", "zmin": 50, "zmax": 100, "z_title": _("% on time"),
             "title": _(CHANNEL_GRID_TITLE)}
    if sla["span"].nunique() <= WIDE_MONTHS:
        return figures.grid_chart(cells, "span", "target", x_title="",
                                  y_title=_("measure · channel: the plan's target"), **scale)
    # 'resolution · Live chat: 30 min, simple issues' over three short lines fits a column's width
    cells["target"] = [t.replace(" · ", "<br>").replace(": ", ":<br>", 1) for t in cells["target"]]
    return figures.grid_chart(cells, "target", "span", x_title="", y_title="", **scale)


def month_tickets_panel(month: date | None, f: Filters) -> None:
    """The tickets behind the first-contact resolution trend's clicked month, with a CSV; a hint
    while none is clicked."""
    if month is None:
        st.caption(_("Click a month's point on the first-contact resolution trend to list the tickets created in it."))
        return
    frame = load_month_rows("tickets_in_month", month, channels=f.channels)
    st.markdown(_("**Tickets created in {month}** ({n}; filters: {filters})").format(
        month=i18n.date_text(month, "month_long"), n=i18n.number(len(frame)), filters=md_escape(f.label())))
    data_table(frame, f"opsplan-tickets-{month:%Y-%m}.csv", key="month_tickets")
