"""Events on the trend charts: incidents by severity, changes and maintenance windows counted per
month (the sidebar's toggle shows them), and the month behind a clicked trend point.
"""
from __future__ import annotations

from datetime import date

import pandas as pd
import streamlit as st

from core.i18n import _, N_
from core.period import Period, add_months
from core.plan import Plan
from data import warehouse

from ui.cache import LOADER, connection_for, db, plan
from ui.state import EVENTS_KEY


def shown() -> bool:
    """Whether the sidebar's "Show events on charts" is on (off before the sidebar has run)."""
    return bool(st.session_state.get(EVENTS_KEY, False))


@st.cache_data(**LOADER, show_spinner=False)
def _events(db_file: str, the_plan: Plan, first: date, end: date, services: tuple[str, ...]) -> pd.DataFrame:
    start_at, end_at = (warehouse.local_midnight(d, the_plan.timezone) for d in (first, end))
    return warehouse.query(connection_for(db_file), "events_monthly", start=start_at, end=end_at,
                           tz=the_plan.timezone, services=list(services))


def load_events(trend_frame: pd.DataFrame, services: tuple[str, ...] = ()) -> pd.DataFrame | None:
    """The events of the trend's months (month, kind, n; data/sql/events_monthly.sql) in
    `services` (none: all), or None when the sidebar's toggle is off or the trend is empty."""
    if not shown() or trend_frame.empty:
        return None
    months = pd.to_datetime(trend_frame["month"])
    first, last = months.min().date(), months.max().date()
    return _events(db(), plan(), first, add_months(last, 1), tuple(sorted(services)))


ROWS_SPINNER = N_("Reading the records ...")  # shown at the call, in the reader's language


@st.cache_data(**LOADER, max_entries=8, show_spinner=False)
def _span_rows(db_file: str, the_plan: Plan, name: str, first: date, end: date,
               lists: tuple[tuple[str, tuple[str, ...]], ...]) -> pd.DataFrame:
    # Raw rows, but bounded by a month or a period and a few entries: the table behind one click
    start, end_at = (warehouse.local_midnight(d, the_plan.timezone) for d in (first, end))
    return warehouse.query(connection_for(db_file), name, start=start, end=end_at,
                           **{key: list(values) for key, values in lists})


def load_month_rows(name: str, month: date, **lists: tuple[str, ...]) -> pd.DataFrame:
    """The records behind a clicked month: the named query (incidents_in_month, tickets_in_month)
    over the local month beginning `month`, its list parameters (the sidebar's filters) as given."""
    with st.spinner(_(ROWS_SPINNER)):
        return _span_rows(db(), plan(), name, month, add_months(month, 1), tuple(sorted(lists.items())))


def load_period_rows(name: str, period: Period, **lists: tuple[str, ...]) -> pd.DataFrame:
    """The same records over the local days of `period` (a tile's records)."""
    with st.spinner(_(ROWS_SPINNER)):
        return _span_rows(db(), plan(), name, period.start, period.end, tuple(sorted(lists.items())))


def clicked_month(points: list[dict]) -> date | None:
    """The month of the first trend point selected (plotly gives its x as 'YYYY-MM-DD' text),
    None when nothing is selected or the selection is not a month's point (an event marker)."""
    for point in points:
        if point.get("curve_number", point.get("curveNumber", 0)) == 0 and point.get("x"):
            return pd.Timestamp(point["x"]).date().replace(day=1)
    return None
