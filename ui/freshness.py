"""How fresh each page's sources are: the last day each table covers, against the plan's
stale_after_days, said once at the top of a page.
"""
from __future__ import annotations

from typing import Sequence

import pandas as pd
import streamlit as st

from analytics import freshness
from core.i18n import _
from data import warehouse
from data.validate import KPI_TABLES

from ui.cache import LOADER, connection_for, db, plan
from ui.formatting import md_escape
from ui.sidebar import plan_today


SOURCES = {  # the tables each page reads, for its freshness line
    "overview": tuple(dict.fromkeys(t for tables in freshness.KPI_SOURCES.values() for t in tables)),
    "reliability": ("incidents", "maintenance_windows", "changes", "services"),
    "support": ("tickets", "survey_responses", "self_service_sessions"),
    "cost": ("costs_monthly", "business_daily", "active_users_daily", "routine_tasks", "staff", "certifications",
             "training_log"),
    "budget": ("costs_monthly",),
    "monitoring": ("utilisation_hourly", "database_hourly", "maintenance_windows"),
    "growth": ("active_users_daily", "business_daily", "utilisation_hourly"),
    "capacity": ("utilisation_hourly", "services"),
    "scenarios": ("active_users_daily", "tickets", "business_daily", "utilisation_hourly", "services",
                  "costs_monthly"),
    "data": tuple(sorted(KPI_TABLES)),
    "admin": ("backup_runs", "dr_tests"),
}
FRESHNESS_INLINE = 3  # sources listed on the caption line itself; more go into an expander beneath


@st.cache_data(**LOADER, show_spinner=False)
def _spans(db_file: str, tz: str) -> pd.DataFrame:
    return warehouse.query(connection_for(db_file), "covered_spans", tz=tz)


def source_freshness(tables: Sequence[str]) -> None:
    """Near the top of a page: per source the page reads, when it was last imported and the span it
    covers, on one caption line (an expander beneath when there are more than FRESHNESS_INLINE:
    the line then flags the stale ones by their last day of data); a stale source is always on
    the line, in the warning colour (setting stale_after_days)."""
    the_plan = plan()
    tz, days, today = the_plan.timezone, the_plan.settings.stale_after_days, plan_today(the_plan)
    found = freshness.sources(_spans(db(), tz), tables)
    lines = [(md_escape(freshness.source_line(s, today, tz, days)), freshness.is_stale(s, today, tz, days)) for s in found]
    if len(lines) <= FRESHNESS_INLINE:
        st.caption(_("Data: {sources}").format(
            sources=" · ".join(f":orange[**{text}**]" if stale else text for text, stale in lines)))
        return
    flags = [f":orange[**{md_escape(g)}**]" for g in freshness.stale_groups(found, today, tz, days)]
    n_fresh = sum(s.recorded and not freshness.is_stale(s, today, tz, days) for s in found)
    unknown = sum(not s.recorded for s in found)
    head = (_("Data: {n} sources, {fresh} fresh, {unknown} with no import recorded") if unknown
            else _("Data: {n} sources, {fresh} fresh")).format(n=len(lines), fresh=n_fresh, unknown=unknown)
    st.caption(" · ".join([head, *flags]))
    with st.expander(_("When each source was imported and what it covers"), icon=":material/update:"):
        st.caption("  \n".join(f":orange[**{text}**]" if stale else text for text, stale in lines))


def page_freshness(page: str) -> None:
    """source_freshness of a page's sources (SOURCES)."""
    source_freshness(SOURCES[page])
