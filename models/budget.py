"""Budget against actual per line of the plan, and a year-end projection with a band.

Input: one row per line and month of actual spend (data/sql/costs_by_line_monthly.sql).
The plan year and each line's budget per month are core/budget.py's. Two projections: `projection`
at the line's run rate, and `trend_projection`, the forecaster's (trend and season) beside it.
"""
from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import date

import pandas as pd

from core.budget import budget_to_date, month_budget, plan_year_start
from core.period import add_months
from core.plan import BudgetLine, Plan

Z80 = 1.2816  # two-sided 80 % band of a normal error


def budget_path(plan: Plan) -> list[float]:
    """The budget to date of all lines together after 0, 1, ... 12 months of the plan year."""
    return [sum(budget_to_date(b, k) for b in plan.budget_lines) for k in range(13)]


def monthly_budgets(plan: Plan) -> list[float]:
    """The budget of all lines together for each of the plan year's 12 months."""
    return [sum(month_budget(b, k) for b in plan.budget_lines) for k in range(12)]


def projection(costs: pd.DataFrame, plan: Plan, year_start: date, as_of: date,
               run_rate_months: int = 3) -> pd.DataFrame:
    """Per budget line: actual to date, pro-rata budget, variance, and the year-end projection.

    Only full months before `as_of` count as actual. The rest of the year is projected at the
    line's run rate (mean of its last `run_rate_months` full months), with an 80 % band from
    the month-to-month spread growing with the square root of the months left, floored at
    what is already spent (spend to date cannot be undone). crosses_in: the month the line's
    cumulative spend is expected to pass its annual budget (None: not this year).
    Definition: a line is heading over budget (is_heading_over) only when its projected overrun
    exceeds the plan's tolerance, both its share of the line and its amount (plan.toml
    budget.over_tolerance_pct and over_tolerance_usd): a few cents over is not a warning.
    Output: line, annual_usd, actual_usd, budget_to_date_usd, variance_usd, run_rate_usd,
    projected_usd, lower_usd, upper_usd, projected_variance_usd, crosses_in, is_heading_over.
    """
    elapsed = months_closed(year_start, as_of)
    actual = costs[(pd.to_datetime(costs["month"]) >= pd.Timestamp(year_start))
                   & (pd.to_datetime(costs["month"]) < pd.Timestamp(add_months(year_start, elapsed)))]
    rows = [_line_projection(b, actual[actual["line"] == b.name], costs[costs["line"] == b.name],
                             year_start, elapsed, run_rate_months, as_of) for b in plan.budget_lines]
    for row in rows:
        row["is_heading_over"] = plan.over_budget_tolerance.exceeded_by(row["projected_variance_usd"],
                                                                        row["annual_usd"])
    return pd.DataFrame(rows)


def _line_projection(line: BudgetLine, this_year: pd.DataFrame, history: pd.DataFrame,
                     year_start: date, elapsed: int, run_rate_months: int, as_of: date) -> dict:
    name, annual = line.name, line.annual_usd
    spent = float(this_year["amount_usd"].sum())
    closed = history[pd.to_datetime(history["month"]) < pd.Timestamp(as_of.replace(day=1))].sort_values("month")
    recent = closed["amount_usd"].tail(run_rate_months)
    rate = float(recent.mean()) if len(recent) else annual / 12.0
    spread = float(closed["amount_usd"].tail(12).std(ddof=1)) if len(closed) >= 2 else 0.0
    left = 12 - elapsed
    projected = spent + rate * left
    band = Z80 * (0 if math.isnan(spread) else spread) * math.sqrt(left)
    return {"line": name, "annual_usd": annual, "actual_usd": spent,
            "budget_to_date_usd": budget_to_date(line, elapsed),
            "variance_usd": spent - budget_to_date(line, elapsed), "run_rate_usd": rate,
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


# --- plan years, totals and which lines to warn about (the Budget page) ----------------------

def months_closed(year_start: date, as_of: date) -> int:
    """The plan year's months closed by `as_of`: whole calendar months from the year's start to
    `as_of`'s month, 0 to 12 (the month `as_of` falls in is still running and does not count)."""
    return max(0, min(12, (as_of.year - year_start.year) * 12 + as_of.month - year_start.month))


@dataclass(frozen=True)
class PlanYear:
    """A plan year and the day its actuals run to: full months before `as_of` count as actual."""

    start: date
    as_of: date

    @property
    def end(self) -> date:
        return add_months(self.start, 12)

    @property
    def months_closed(self) -> int:
        return months_closed(self.start, self.as_of)

    @property
    def open_from(self) -> date:
        """The first month not closed: spend from it on is not counted (the year's end when all are)."""
        return add_months(self.start, self.months_closed)


def plan_years(plan: Plan, today: date) -> list[PlanYear]:
    """The plan years from the plan's first to the one holding `today`, newest first; a closed
    year's actuals run to its end."""
    current = plan_year_start(plan, today)
    first = date.fromisoformat(plan.first_year_start)
    years, start = [], current
    while start >= first:
        years.append(PlanYear(start, today if start == current else add_months(start, 12)))
        start = add_months(start, -12)
    return years or [PlanYear(current, today)]


def is_closed(months: pd.Series, year: PlanYear) -> pd.Series:
    """Which of `months` (first days) are closed in `year`: before its first open month. The month
    still running is shown but not counted, as projection does not count it."""
    return pd.to_datetime(months) < pd.Timestamp(year.open_from)


TOTALLED = ("annual_usd", "actual_usd", "budget_to_date_usd", "variance_usd", "run_rate_usd", "projected_usd",
            "lower_usd", "upper_usd", "projected_variance_usd", "run_rate_projected_usd", "run_rate_lower_usd",
            "run_rate_upper_usd")


def totals(table: pd.DataFrame) -> dict[str, float]:
    """Sums of projection's (or trend_projection's) columns over the lines, those of TOTALLED the
    table has. The band of the total adds up the lines' bands (the cautious reading: lines that
    drift together), so it is wider than the lines' spreads alone would make it."""
    return {k: float(table[k].sum()) for k in TOTALLED if k in table}


def over_budget_lines(table: pd.DataFrame) -> pd.DataFrame:
    """projection's lines heading over budget (an overrun beyond the plan's tolerance), earliest
    crossing first."""
    return table[table["is_heading_over"].astype(bool)].sort_values("crosses_in")


def within_tolerance_lines(table: pd.DataFrame) -> pd.DataFrame:
    """projection's lines that pass their budget this year by no more than the plan's tolerance:
    projected over, not heading over."""
    return table[table["crosses_in"].notna() & ~table["is_heading_over"].astype(bool)]


# --- the trend projection beside the run rate ----------------------------------------------------

FORECAST_LEVEL = 80  # the band of the trend projection, as the run rate's (Z80)
MIN_TESTED_MONTHS = 12  # below this the forecaster tests no model (models.forecast.origins)


def trend_projection(costs: pd.DataFrame, plan: Plan, year_start: date, as_of: date,
                     run_rate_months: int = 3) -> pd.DataFrame:
    """`projection`'s table with the year end forecast from each line's monthly history (trend and
    season), the run rate kept beside it as a labelled comparison.

    Definition: a line's projected year end is its actual to date plus the sum of
    models.forecast.forecast(history, months left, level=80)'s monthly means, history being all
    its closed months before `as_of` (a month with no spend recorded counts 0 between its first
    and last). The band sums the monthly 80 % bounds: spend errors persist from month to month
    (a new contract, a bigger fleet), so they add up rather than cancel. With fewer than
    MIN_TESTED_MONTHS closed months the forecaster tests no model and repeats the last month
    (model "naive", band from the month-to-month changes, none with one month); with none, the
    plan's rate (annual / 12) with no band, as the run rate does. projected_variance_usd,
    crosses_in and is_heading_over follow the forecast.
    Output: projection's columns (projected_usd, lower_usd, upper_usd from the forecast) plus
    run_rate_projected_usd, run_rate_lower_usd, run_rate_upper_usd, model, history_months.
    """
    table = projection(costs, plan, year_start, as_of, run_rate_months)
    table = table.rename(columns={"projected_usd": "run_rate_projected_usd", "lower_usd": "run_rate_lower_usd",
                                  "upper_usd": "run_rate_upper_usd"})
    elapsed = months_closed(year_start, as_of)
    by_line = {b.name: b for b in plan.budget_lines}
    rows = [_line_forecast(by_line[r.line], costs[costs["line"] == r.line], r.actual_usd, 12 - elapsed, as_of)
            for r in table.itertuples()]
    table = table.assign(**{k: [row[k] for row in rows] for k in rows[0]}) if rows else table
    table["projected_variance_usd"] = table["projected_usd"] - table["annual_usd"]
    table["crosses_in"] = [_forecast_crossing(r.actual_usd, f, r.annual_usd, year_start, elapsed)
                           for r, f in zip(table.itertuples(), (row["_monthly"] for row in rows))]
    table["is_heading_over"] = [plan.over_budget_tolerance.exceeded_by(v, a)
                                for v, a in zip(table["projected_variance_usd"], table["annual_usd"])]
    order = ["line", "annual_usd", "actual_usd", "budget_to_date_usd", "variance_usd", "run_rate_usd",
             "projected_usd", "lower_usd", "upper_usd", "projected_variance_usd", "crosses_in", "is_heading_over",
             "run_rate_projected_usd", "run_rate_lower_usd", "run_rate_upper_usd", "model", "history_months"]
    return table[order]


def monthly_history(line_costs: pd.DataFrame, as_of: date) -> pd.DataFrame:
    """One line's closed months before `as_of` on a complete monthly grid (columns ds, y): a month
    with no spend recorded between the first and the last counts 0, as spend_by_line counts it."""
    closed = line_costs[pd.to_datetime(line_costs["month"]) < pd.Timestamp(as_of.replace(day=1))]
    if closed.empty:
        return pd.DataFrame({"ds": pd.DatetimeIndex([]), "y": []})
    y = closed.groupby(pd.to_datetime(closed["month"]))["amount_usd"].sum()
    grid = pd.date_range(y.index.min(), y.index.max(), freq="MS")
    return pd.DataFrame({"ds": grid, "y": y.reindex(grid, fill_value=0.0).to_numpy(dtype=float)})


def _line_forecast(line: BudgetLine, line_costs: pd.DataFrame, spent: float, left: int, as_of: date) -> dict:
    """One line's forecast columns for trend_projection (and its monthly means, for the crossing)."""
    from models.forecast import forecast

    history = monthly_history(line_costs, as_of)
    if left <= 0 or history.empty:
        monthly = [line.annual_usd / 12.0] * left
        model = "none needed" if left <= 0 else "plan rate (no history)"
        return {"projected_usd": spent + sum(monthly), "lower_usd": spent + sum(monthly),
                "upper_usd": spent + sum(monthly), "model": model, "history_months": len(history),
                "_monthly": monthly}
    f = forecast(history, left, level=FORECAST_LEVEL, freq="MS")
    return {"projected_usd": spent + float(f["mean"].sum()), "lower_usd": spent + float(f["lower"].sum()),
            "upper_usd": spent + float(f["upper"].sum()), "model": str(f.attrs["model"]),
            "history_months": len(history), "_monthly": [float(v) for v in f["mean"]]}


def _forecast_crossing(spent: float, monthly: list[float], annual: float, year_start: date,
                       elapsed: int) -> date | None:
    """The month in which cumulative spend, along the forecast's months, passes the annual budget."""
    if spent > annual:
        return add_months(year_start, elapsed - 1)
    total = spent
    for k, usd in enumerate(monthly):
        total += usd
        if total > annual:
            return add_months(year_start, elapsed + k)
    return None
