"""Budget against actual per line of the plan, and a year-end projection with a band.

Input: one row per line and month of actual spend (data/sql/costs_by_line_monthly.sql).
The plan year starts on the anniversary of plan.first_year_start.
"""
from __future__ import annotations

import math
from datetime import date

import pandas as pd

from analytics.period import add_months
from analytics.plan import Plan

Z80 = 1.2816  # two-sided 80 % band of a normal error


def plan_year_start(plan: Plan, today: date) -> date:
    """The first day of the plan year containing `today`."""
    first = date.fromisoformat(plan.first_year_start)
    years = (today.year - first.year) - ((today.month, today.day) < (first.month, first.day))
    return add_months(first, 12 * years)


def budget_to_date(annual_usd: float, months_elapsed: int) -> float:
    """The pro-rata budget after `months_elapsed` of 12 months."""
    return annual_usd * months_elapsed / 12.0


def projection(costs: pd.DataFrame, plan: Plan, year_start: date, as_of: date,
               run_rate_months: int = 3) -> pd.DataFrame:
    """Per budget line: actual to date, pro-rata budget, variance, and the year-end projection.

    Only full months before `as_of` count as actual. The rest of the year is projected at the
    line's run rate (mean of its last `run_rate_months` full months), with an 80 % band from
    the month-to-month spread growing with the square root of the months left, floored at
    what is already spent (spend to date cannot be undone). A line heading
    over budget is flagged with the month its cumulative spend is expected to cross it.
    Output: line, annual_usd, actual_usd, budget_to_date_usd, variance_usd, run_rate_usd,
    projected_usd, lower_usd, upper_usd, projected_variance_usd, crosses_in.
    """
    elapsed = max(0, min(12, (as_of.year - year_start.year) * 12 + as_of.month - year_start.month))
    actual = costs[(pd.to_datetime(costs["month"]) >= pd.Timestamp(year_start))
                   & (pd.to_datetime(costs["month"]) < pd.Timestamp(add_months(year_start, elapsed)))]
    rows = [_line_projection(b.name, b.annual_usd, actual[actual["line"] == b.name], costs[costs["line"] == b.name],
                             year_start, elapsed, run_rate_months, as_of) for b in plan.budget_lines]
    return pd.DataFrame(rows)


def _line_projection(name: str, annual: float, this_year: pd.DataFrame, history: pd.DataFrame,
                     year_start: date, elapsed: int, run_rate_months: int, as_of: date) -> dict:
    spent = float(this_year["amount_usd"].sum())
    closed = history[pd.to_datetime(history["month"]) < pd.Timestamp(as_of.replace(day=1))].sort_values("month")
    recent = closed["amount_usd"].tail(run_rate_months)
    rate = float(recent.mean()) if len(recent) else annual / 12.0
    spread = float(closed["amount_usd"].tail(12).std(ddof=1)) if len(closed) >= 2 else 0.0
    left = 12 - elapsed
    projected = spent + rate * left
    band = Z80 * (0 if math.isnan(spread) else spread) * math.sqrt(left)
    return {"line": name, "annual_usd": annual, "actual_usd": spent,
            "budget_to_date_usd": budget_to_date(annual, elapsed),
            "variance_usd": spent - budget_to_date(annual, elapsed), "run_rate_usd": rate,
            "projected_usd": projected, "lower_usd": max(projected - band, spent), "upper_usd": projected + band,
            "projected_variance_usd": projected - annual,
            "crosses_in": _crossing_month(spent, rate, annual, year_start, elapsed)}


def _crossing_month(spent: float, rate: float, annual: float, year_start: date, elapsed: int) -> date | None:
    """The month in which cumulative spend passes the annual budget, if it does this year."""
    if spent > annual:
        return add_months(year_start, elapsed - 1)
    if rate <= 0:
        return None
    months_to_cross = math.floor((annual - spent) / rate) + 1
    return add_months(year_start, elapsed + months_to_cross - 1) if elapsed + months_to_cross <= 12 else None
