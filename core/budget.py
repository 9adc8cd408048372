"""The plan's budget over time: the plan year, and each line's share of its annual budget by month.

One rule for every "budget for these months": a line with a monthly profile (plan.toml
`budget.lines.<name>.monthly_profile`, the plan year's first month first) gets its annual budget
in proportion to the profile's weights; a line without one gets 1/12 a month (pro rata). The plan
year starts on the anniversary of plan.first_year_start; a span past its twelfth month goes on
into the next plan year, which repeats the profile.
"""
from __future__ import annotations

from datetime import date

from core.period import add_months
from core.plan import BudgetLine, Plan


def plan_year_start(plan: Plan, today: date) -> date:
    """The first day of the plan year containing `today`."""
    first = date.fromisoformat(plan.first_year_start)
    years = (today.year - first.year) - ((today.month, today.day) < (first.month, first.day))
    return add_months(first, 12 * years)


def month_of_plan_year(plan: Plan, month: date) -> int:
    """0 for the plan year's first calendar month (plan.first_year_start's), up to 11."""
    return (month.month - date.fromisoformat(plan.first_year_start).month) % 12


def line_budget(line: BudgetLine, first: int, months: int) -> float:
    """The line's budget for `months` consecutive months from month `first` of the plan year (0: its
    first month), by its monthly profile or pro rata (see the module's rule)."""
    if line.monthly_profile is None:
        return line.annual_usd * months / 12.0
    weights = line.monthly_profile
    return line.annual_usd * sum(weights[(first + k) % 12] for k in range(months)) / sum(weights)


def budget_to_date(line: BudgetLine, months_elapsed: int) -> float:
    """The line's budget for the first `months_elapsed` months of the plan year: pro rata (1/12 a
    month), or by its monthly profile when plan.toml gives one (kpi-definitions.md: "pro rata
    or by its monthly profile")."""
    return line_budget(line, 0, months_elapsed)


def month_budget(line: BudgetLine, month_of_year: int) -> float:
    """The line's budget for one month of the plan year (0: its first month), as budget_to_date
    shares it out."""
    return line_budget(line, month_of_year, 1)


def budget_for(plan: Plan, start: date, months: int) -> float:
    """The plan's budget, all lines together, for `months` calendar months starting with the month
    of `start`, each line by its monthly profile or pro rata."""
    first = month_of_plan_year(plan, start)
    # the pro rata lines are added up before the division, so that a plan without profiles gives
    # budget_total_usd x months / 12 to the last digit, like the annual figure it is read against
    even = sum(b.annual_usd for b in plan.budget_lines if b.monthly_profile is None)
    return even * months / 12.0 + sum(line_budget(b, first, months) for b in plan.budget_lines
                                      if b.monthly_profile is not None)
