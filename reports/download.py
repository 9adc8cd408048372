"""The Overview's "Download this month's review" button: the review pack as HTML (a PDF would need
Chromium on the server; the HTML prints to the same PDF from any browser), written only when clicked."""
from __future__ import annotations

from datetime import date, timedelta
from functools import partial

import streamlit as st

from core import i18n
from core.i18n import _
from core.period import Period, month_start
from core.plan import Plan
from reports.monthly import review_html

from ui.cache import LOADER, connection_for, data_through, db, plan
from ui.formatting import month_text
from ui.sidebar import plan_today


def review_month(period: Period, today: date) -> Period:
    """The month a review covers: the last whole month of the period that has ended by today (a
    review of a month still running would judge it on part of its days)."""
    return Period.month(min(period.end, month_start(today)) - timedelta(days=1))


@st.cache_data(**LOADER, show_spinner=False)
def _review(db_file: str, the_plan: Plan, month: str, through: date | None, today: date, lang: str) -> bytes:
    # `lang` keys the cache: the pack is written in the reader's language
    with i18n.use(lang):
        return review_html(connection_for(db_file), the_plan, month, through, today, _("the app's warehouse")).encode()


def review_button(period: Period) -> None:
    """The button, its file built from the warehouse the page reads only when it is clicked (a
    deferred callable: building a review fits every service's capacity forecast)."""
    the_plan = plan()
    today = plan_today(the_plan)
    month = review_month(period, today)
    st.download_button(_("Download this month's review ({month}, HTML)").format(month=month_text(month.start)),
                       partial(_review, db(), the_plan, f"{month.start:%Y-%m}", data_through(), today,
                               i18n.language()),
                       file_name=f"opsplan-review-{month.start:%Y-%m}.html", mime="text/html",
                       icon=":material/summarize:", key="download_review", on_click="ignore",
                       help=_("Every KPI against target and baseline with its change from the month before, the "
                              "worst services, the SLA grids, plan adherence, budget and capacity risks, as one file "
                              "that opens offline; print it from the browser for a PDF."))
