"""The Cost & improvement page's loaders: spend per budget line and month against the plan."""
from __future__ import annotations

from dataclasses import dataclass

import pandas as pd
import streamlit as st

from analytics import drilldown
from analytics.measure import in_days
from core.period import Period
from core.plan import Plan
from data import warehouse

from ui.cache import LOADER, connection_for, db, plan
from ui.formatting import fmt
from ui.scorecard import whole_months


@dataclass(frozen=True)
class CostView:
    by_line: pd.DataFrame  # drilldown.budget_by_line: month x line
    summary: pd.DataFrame  # drilldown.budget_summary: per line over the period
    monthly: pd.DataFrame  # cost_monthly.sql rows of the period: infra, support, revenue, active users


@st.cache_data(**LOADER, show_spinner="Adding up the budget lines ...")
def _cost_view(db_file: str, the_plan: Plan, period: Period) -> CostView:
    con, s = connection_for(db_file), the_plan.settings
    months = whole_months(period)
    lines = warehouse.query(con, "costs_by_line_monthly", start_month=months.start, end_month=months.end)
    by_line = drilldown.budget_by_line(lines, the_plan, period.months())
    monthly = warehouse.query(con, "cost_monthly", infra_lines=list(s.infrastructure_cost_categories),
                              support_lines=list(s.support_cost_categories))
    in_period = in_days(monthly, months.start, months.end, "month").reset_index(drop=True)
    return CostView(by_line, drilldown.budget_summary(by_line), in_period)


def load_cost_view(period: Period) -> CostView:
    """Budget lines against the plan per month and in total, and the monthly cost drivers."""
    return _cost_view(db(), plan(), period)


def variance_cells(by_line: pd.DataFrame) -> list[str]:
    """Budget grid cell text: the month's spend and how far it is over or under plan / 12."""
    out = []
    for actual, pct in zip(by_line["actual_usd"], by_line["variance_pct"]):
        if pd.isna(actual):
            out.append("no data")
        else:
            side = "over" if pct > 0 else "under"
            out.append(f"{fmt(actual, 'USD')}<br>{fmt(abs(pct), '%')} {side}")
    return out
