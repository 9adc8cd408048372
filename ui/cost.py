"""The Cost & improvement page's loaders: spend per budget line and month against the plan."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import pandas as pd
import streamlit as st

from analytics import cost, drilldown
from analytics.measure import in_days
from core import i18n
from core.i18n import _, N_
from core.period import Period, add_months
from core.plan import Plan
from data import warehouse
from core import budget

from ui.cache import LOADER, connection_for, db, plan, query
from ui.formatting import fmt
from ui.scorecard import whole_months
from ui.widgets import data_table


# The definitions behind each panel, shown one click away (widgets.definitions_popover).
DEFINITIONS = {"budget_lines": (drilldown.budget_by_line, budget.budget_to_date),
               "cost": (cost.support_cost_per_user_usd, cost.infra_cost_pct_revenue)}


# The loader's spinner, shown at the call site in the reader's language (a decorator's text is fixed at import).
VIEW_SPINNER = N_("Adding up the budget lines ...")


# lang: the analytics' labels inside the frames may be in the reader's language, so each language caches its own
@st.cache_data(**LOADER, show_spinner=False)
def _cost_view(db_file: str, the_plan: Plan, period: Period, lang: str) -> CostView:
    con, s = connection_for(db_file), the_plan.settings
    months = whole_months(period)
    lines = warehouse.query(con, "costs_by_line_monthly", start_month=months.start, end_month=months.end)
    by_line = drilldown.budget_by_line(lines, the_plan, period.months())
    monthly = warehouse.query(con, "cost_monthly", infra_lines=list(s.infrastructure_cost_categories),
                              support_lines=list(s.support_cost_categories))
    in_period = in_days(monthly, months.start, months.end, "month").reset_index(drop=True)
    summary = drilldown.budget_summary(by_line)
    return CostView(by_line, summary, in_period, drilldown.budget_totals(summary), drilldown.budget_bars(summary))


# The budget bars' two series as a reader sees them; the frame keeps drilldown.budget_bars' own names.
SERIES_LABELS = {"actual": N_("actual"), "budget of the same months": N_("budget of the same months")}


def load_cost_view(period: Period) -> CostView:
    """Budget lines against the plan per month and in total, and the monthly cost drivers."""
    with st.spinner(_(VIEW_SPINNER)):
        return _cost_view(db(), plan(), period, i18n.language())


def month_costs_panel(month: date | None) -> None:
    """The cost rows behind a clicked month of the cost trends (one per budget line), with a CSV;
    a hint while none is clicked."""
    if month is None:
        st.caption(_("Click a month's point on a trend below to list that month's cost rows."))
        return
    rows = query("costs_by_line_monthly", start_month=month, end_month=add_months(month, 1))
    st.markdown(_("**Cost rows of {month}** ({n} budget lines, {total})").format(
        month=i18n.date_text(month, "month_long"), n=len(rows), total=fmt(rows["amount_usd"].sum(), "USD")))
    data_table(rows, f"opsplan-costs-{month:%Y-%m}.csv", key="month_costs")


@dataclass(frozen=True)
class CostView:
    by_line: pd.DataFrame  # drilldown.budget_by_line: month x line
    summary: pd.DataFrame  # drilldown.budget_summary: per line over the period
    monthly: pd.DataFrame  # cost_monthly.sql rows of the period: infra, support, revenue, active users
    totals: dict[str, float]  # drilldown.budget_totals: actual_usd, budget_usd, variance_usd over the lines
    bars: pd.DataFrame  # drilldown.budget_bars: per line, actual and the budget of the same months


def variance_cells(by_line: pd.DataFrame) -> list[str]:
    """Budget grid cell text: the month's spend and how far it is over or under plan / 12."""
    out = []
    for actual, pct in zip(by_line["actual_usd"], by_line["variance_pct"]):
        if pd.isna(actual):
            out.append(_("no data"))
        else:
            side = _("{amount}<br>{share} over") if pct > 0 else _("{amount}<br>{share} under")
            out.append(side.format(amount=fmt(actual, "USD"), share=fmt(abs(pct), "%")))
    return out
