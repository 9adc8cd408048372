"""Cached scorecard loaders: every KPI over a period and its monthly trend, with or without the
sidebar's filters, sharing one load of a page's inputs.
"""
from __future__ import annotations

from datetime import date, timedelta
from functools import partial
from typing import Sequence

import pandas as pd
import streamlit as st

from analytics import coherence, drilldown
from analytics.scorecard import Inputs, KpiResult, evaluate, monthly_results, trend_span
from core import i18n
from core.i18n import _, N_
from core.period import Period, add_months, month_start
from core.plan import Plan
from data import warehouse

from ui.cache import CACHE_TTL, LOADER, PLAN_KEY, connection_for, db, forgettable, loaded_after_clears, plan
from ui.formatting import fmt
from ui.state import Filters


# What the spinners say while a loader computes (shown at the call, in the reader's language)
SCORECARD_SPINNER = N_("Computing the scorecard ...")
DRILL_SPINNER = N_("Computing the KPIs for the filters ...")
TREND_SPINNER = N_("Computing monthly trends ...")


@st.cache_data(**LOADER, show_spinner=False)
def _scorecard(db_file: str, the_plan: Plan, period: Period, lang: str) -> list[KpiResult]:
    # scorecard.scorecard on the page's cached inputs, which its trend and views reuse. `lang` is
    # part of the key: the results' notes and definitions are written in it (a background
    # refresh runs outside the session, so the language is set here, not read from it)
    with i18n.use(lang):
        return evaluate(filtered_inputs(db_file, the_plan, page_span(the_plan, period), Filters()), the_plan, period)


def page_span(the_plan: Plan, period: Period) -> Period:
    """The span whose inputs a page loads for `period`: the months its trend draws when they hold
    the period's whole months, so that the scorecard, the views and the trend share one load
    (every KPI clips to the period it is given); else the period's whole months."""
    year, whole = trend_span(period.end, the_plan.settings.trend_months), whole_months(period)
    return year if year.holds(whole) else whole


def load_scorecard(period: Period, lang: str | None = None) -> list[KpiResult]:
    """Every KPI of the plan over `period` (cached by warehouse, plan, period and language: the
    texts of the results are in `lang`, by default the language in use)."""
    with st.spinner(_(SCORECARD_SPINNER)):
        return _scorecard(db(), plan(), period, lang or i18n.language())


def load_trend(end: date, months: int | None = None, lang: str | None = None) -> pd.DataFrame:
    """Monthly KPI values for the full months before `end`: kpi, month, value, n, status."""
    the_plan = plan()
    with st.spinner(_(TREND_SPINNER)):
        return _drill_trend(db(), the_plan, end, months or the_plan.settings.trend_months, Filters(),
                            lang or i18n.language())


def whole_months(period: Period) -> Period:
    """The calendar months a period touches, whole (the error budget is monthly)."""
    return Period(month_start(period.start), add_months(period.end - timedelta(days=1), 1))


@forgettable
@st.cache_resource(hash_funcs=PLAN_KEY, ttl=CACHE_TTL, max_entries=16, show_spinner=False)
def filtered_inputs(db_file: str, the_plan: Plan, span: Period, f: Filters) -> Inputs:
    """Shared, not copied: a page's scorecard, trend and views (reliability, error-budget burn)
    of one span and filter set read the same rows, and build its Timeline once. Inputs are
    frozen and nothing mutates their frames; forget_results() drops them with the results. (No
    other process can write the warehouse while the app holds it: DuckDB locks the file.)"""
    return loaded_after_clears(partial(drilldown.load_inputs, connection_for(db_file), the_plan, span, f.services,
                                        f.severities, f.channels))


@st.cache_data(**LOADER, show_spinner=False)
def _drill_scorecard(db_file: str, the_plan: Plan, period: Period, f: Filters, lang: str) -> list[KpiResult]:
    with i18n.use(lang):  # as _scorecard: the results' texts in the language of the key
        return evaluate(filtered_inputs(db_file, the_plan, page_span(the_plan, period), f), the_plan, period)


@st.cache_data(**LOADER, show_spinner=False)
def _drill_trend(db_file: str, the_plan: Plan, end: date, months: int, f: Filters, lang: str) -> pd.DataFrame:
    span = trend_span(end, months)
    with i18n.use(lang):  # as _scorecard: whatever text the trend carries, in the language of the key
        return monthly_results(filtered_inputs(db_file, the_plan, span, f), the_plan, span.months())


def load_drill_scorecard(period: Period, f: Filters, lang: str | None = None) -> list[KpiResult]:
    """Every KPI of the plan over `period` with the sidebar filters applied; with no filter these
    are the Overview's numbers (and its cache)."""
    if f == Filters():
        return load_scorecard(period, lang)
    with st.spinner(_(DRILL_SPINNER)):
        return _drill_scorecard(db(), plan(), period, f, lang or i18n.language())


def load_drill_trend(end: date, f: Filters, lang: str | None = None) -> pd.DataFrame:
    """load_trend with the sidebar filters applied: kpi, month, value, n, status."""
    the_plan = plan()
    if f == Filters():
        return load_trend(end, lang=lang)
    with st.spinner(_(TREND_SPINNER)):
        return _drill_trend(db(), the_plan, end, the_plan.settings.trend_months, f, lang or i18n.language())


def pick(results: Sequence[KpiResult], *keys: str) -> list[KpiResult]:
    """The results of the named KPIs, in the order asked."""
    by_key = {r.kpi: r for r in results}
    return [by_key[k] for k in keys]


@st.cache_data(**LOADER, show_spinner=False)
def _coherence_checks(db_file: str, the_plan: Plan, measured: tuple[tuple[str, float | None], ...], end: date,
                      part: str, lang: str) -> pd.DataFrame:
    with i18n.use(lang):  # the checks' words (plan says, data says, why) in the language of the key
        return _checks(db_file, the_plan, dict(measured), end, part)


def _checks(db_file: str, the_plan: Plan, measured: dict[str, float | None], end: date, part: str) -> pd.DataFrame:
    s = the_plan.settings
    monthly = warehouse.query(connection_for(db_file), "cost_monthly", infra_lines=list(s.infrastructure_cost_categories),
                              support_lines=list(s.support_cost_categories))
    users = drilldown.latest_active_users(monthly, end)
    checks = {"all": lambda: coherence.coherence(the_plan, measured, users),
              "reliability": lambda: coherence.reliability_checks(the_plan, measured),
              "cost": lambda: coherence.budget_checks(the_plan) + coherence.users_checks(the_plan, users)}[part]()
    return drilldown.checks_frame(checks)


def load_coherence(period: Period, results: Sequence[KpiResult], part: str = "all",
                   lang: str | None = None) -> pd.DataFrame:
    """Plan coherence checks (analytics.coherence) with the period's measured KPIs and the latest
    monthly active users: check, plan says, data says, gap, why. part: all, reliability or cost.
    The checks' texts are in `lang`, by default the language in use; the column names stay keys."""
    measured = tuple(sorted(drilldown.measured_kpis(results).items()))
    return _coherence_checks(db(), plan(), measured, period.end, part, lang or i18n.language())


def month_rows(frame: pd.DataFrame) -> pd.DataFrame:
    """The rows of single months (a drill-down frame may end with the whole period's row)."""
    return frame[frame["is_month"]].reset_index(drop=True)


def total_row(frame: pd.DataFrame) -> pd.Series:
    """The whole period's row: the total when there is one, else the only month."""
    return frame.iloc[-1]


def pct_cells(frame: pd.DataFrame, pct: str, n: str, unit: str = "%") -> list[str]:
    """Grid cell text: the share and the count it rests on, e.g. '93.3 %<br>n = 15'."""
    return [f"{fmt(v, unit)}<br>n = {i18n.number(int(k))}" if k else _("none") for v, k in zip(frame[pct], frame[n])]
