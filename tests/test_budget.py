"""Budget against actual and the year-end projection, by hand."""
from __future__ import annotations

from datetime import date

import pandas as pd
import pytest

from models import budget


def spend(line: str, amounts: list[float], start: str = "2026-09-01") -> pd.DataFrame:
    months = pd.date_range(start, periods=len(amounts), freq="MS")
    return pd.DataFrame({"month": months, "line": line, "amount_usd": amounts})


def test_on_budget_line(plan):
    """Cloud at exactly $6,000 a month for 2 months: on budget, projected $72,000, no crossing."""
    table = budget.projection(spend("cloud_services", [6000.0, 6000.0]), plan, date(2026, 9, 1),
                              as_of=date(2026, 11, 26)).set_index("line")
    cloud = table.loc["cloud_services"]
    assert (cloud["actual_usd"], cloud["budget_to_date_usd"], cloud["variance_usd"]) == (12000.0, 12000.0, 0.0)
    assert cloud["projected_usd"] == pytest.approx(72000.0)
    assert cloud["lower_usd"] == cloud["upper_usd"] == pytest.approx(72000.0)  # no spread, no band
    assert cloud["crosses_in"] is None


def test_budget_to_date_follows_a_monthly_profile(plan):
    """Cloud profiled 3:3:3 for September to November and 1 for each other month (18 in all): after
    those three months its budget to date is 72,000 x 9 / 18 = 36,000, so $30,000 spent is under."""
    from dataclasses import replace

    lines = tuple(replace(b, monthly_profile=(3.0, 3.0, 3.0) + (1.0,) * 9) if b.name == "cloud_services" else b
                  for b in plan.budget_lines)
    table = budget.projection(spend("cloud_services", [10000.0] * 3), replace(plan, budget_lines=lines),
                              date(2026, 9, 1), as_of=date(2026, 12, 5)).set_index("line")
    cloud = table.loc["cloud_services"]
    assert (cloud["budget_to_date_usd"], cloud["variance_usd"]) == (36000.0, -6000.0)
    assert table.loc["security_tools", "budget_to_date_usd"] == 4500.0  # pro rata: 18,000 x 3 / 12


def test_overspending_line_is_flagged_with_crossing_month(plan):
    """Security at $3,000 a month against $18,000 a year: $6,000 after Sep-Oct; reaching exactly $18,000
    at February's end is not over, so it crosses in March; projected $36,000."""
    table = budget.projection(spend("security_tools", [3000.0, 3000.0]), plan, date(2026, 9, 1),
                              as_of=date(2026, 11, 26)).set_index("line")
    sec = table.loc["security_tools"]
    assert sec["projected_usd"] == pytest.approx(36000.0)
    assert sec["projected_variance_usd"] == pytest.approx(18000.0)
    assert sec["crosses_in"] == date(2027, 3, 1)


def test_line_without_actuals_projects_at_plan_rate(plan):
    """A line with nothing booked in September is projected at its plan rate for the 11 months left."""
    table = budget.projection(spend("cloud_services", [6000.0]), plan, date(2026, 9, 1), as_of=date(2026, 10, 5))
    training = table.set_index("line").loc["training_budget"]
    assert training["projected_usd"] == pytest.approx(27500.0) and training["actual_usd"] == 0.0


def test_band_widens_with_spread(plan):
    """Monthly spend 5,000 / 7,000 (sd 1,414): band = 1.2816 x 1,414 x sqrt(10) around the projection."""
    sec = budget.projection(spend("cloud_services", [5000.0, 7000.0]), plan, date(2026, 9, 1),
                            as_of=date(2026, 11, 2)).set_index("line").loc["cloud_services"]
    half = 1.2816 * 1414.2136 * 10 ** 0.5
    assert sec["projected_usd"] == pytest.approx(12000 + 6000 * 10)
    assert sec["upper_usd"] - sec["projected_usd"] == pytest.approx(half, rel=1e-4)


def test_band_never_falls_below_spend_to_date(plan):
    """Cloud $30,000 then $0 (Sep, Oct); October's run rate alone is $0, so projected $30,000. The band,
    std 21,213 x 1.2816 x sqrt(10) = 85,968, would put the lower edge below zero; it stays at the
    $30,000 already spent."""
    table = budget.projection(spend("cloud_services", [30000.0, 0.0]), plan, date(2026, 9, 1),
                              as_of=date(2026, 11, 26), run_rate_months=1).set_index("line")
    cloud = table.loc["cloud_services"]
    assert cloud["projected_usd"] == pytest.approx(30000.0)  # run rate of October alone: $0 a month
    assert cloud["lower_usd"] == pytest.approx(30000.0)
    assert cloud["upper_usd"] > cloud["projected_usd"]


def test_budget_path_and_monthly_budgets(plan):
    """Pro rata: $670,000 x k / 12 after k months, $55,833.33 each month. With training ($30,000)
    all in the year's first month, that month's budget is $640,000 / 12 + $30,000."""
    from dataclasses import replace

    assert budget.budget_path(plan) == pytest.approx([670000 * k / 12 for k in range(13)])
    assert budget.monthly_budgets(plan) == pytest.approx([670000 / 12] * 12)
    lines = tuple(replace(b, monthly_profile=(1.0,) + (0.0,) * 11) if b.name == "training_budget" else b
                  for b in plan.budget_lines)
    front = budget.monthly_budgets(replace(plan, budget_lines=lines))
    assert front[0] == pytest.approx(640000 / 12 + 30000) and front[1] == pytest.approx(640000 / 12)
    assert budget.budget_path(replace(plan, budget_lines=lines))[12] == pytest.approx(670000)


def test_four_cents_over_is_not_heading_over_budget(plan):
    """Payment processing ($36,000 a year): $3,000.04 in September, $3,000.00 in October; at
    October's run rate ($3,000 a month) for the 10 months left it ends at 6,000.04 + 30,000 =
    $36,000.04, $0.04 over. Its cumulative spend does pass the budget (in August 2027), but $0.04
    is not more than 1 % of the line ($360) nor more than $500 (plan.toml): not heading over."""
    assert (plan.over_budget_tolerance.pct, plan.over_budget_tolerance.usd) == (1.0, 500.0)
    table = budget.projection(spend("payment_processing", [3000.04, 3000.0]), plan, date(2026, 9, 1),
                              as_of=date(2026, 11, 26), run_rate_months=1).set_index("line")
    line = table.loc["payment_processing"]
    assert line["projected_variance_usd"] == pytest.approx(0.04)
    assert line["crosses_in"] == date(2027, 8, 1)
    assert not line["is_heading_over"]


def test_clearly_over_is_heading_over_budget(plan):
    """Security at $3,000 a month against $18,000 a year ends $18,000 over: far more than 1 % of
    the line ($180) and $500, so heading over budget. Lines with no spend end under: not over."""
    table = budget.projection(spend("security_tools", [3000.0, 3000.0]), plan, date(2026, 9, 1),
                              as_of=date(2026, 11, 26)).set_index("line")
    assert table.loc["security_tools", "is_heading_over"]
    assert not table.loc["cloud_services", "is_heading_over"]


@pytest.mark.parametrize("line,over,expected", [
    # $36,000 line (1 % = $360): both the share and the amount must be exceeded
    ("payment_processing", 400.0, False),   # more than $360 but not more than $500
    ("payment_processing", 500.0, False),   # exactly $500: not more than it
    ("payment_processing", 600.0, True),    # more than $360 and more than $500
    # $240,000 line (1 % = $2,400)
    ("maintenance_team", 1800.0, False),    # more than $500 but not more than $2,400
    ("maintenance_team", 2500.0, True),     # more than $2,400 and more than $500
    # $8,000 line (1 % = $80)
    ("backup_storage", 100.0, False),       # more than $80 but not more than $500
])
def test_both_parts_of_the_tolerance_must_be_exceeded(plan, line, over, expected):
    """A line budgeted at B a year spending B/12 + `over` in September and B/12 in October: at
    October's run rate for the 10 months left it ends at 2 B/12 + over + 10 B/12 = B + over."""
    annual = next(b.annual_usd for b in plan.budget_lines if b.name == line)
    table = budget.projection(spend(line, [annual / 12 + over, annual / 12]), plan, date(2026, 9, 1),
                              as_of=date(2026, 11, 26), run_rate_months=1).set_index("line")
    assert table.loc[line, "projected_variance_usd"] == pytest.approx(over)
    assert bool(table.loc[line, "is_heading_over"]) is expected


def test_months_closed_counts_whole_months_of_the_year():
    """From 1 Sep 2026: on 26 Nov, September and October are closed (11 - 9 = 2; November runs);
    on 1 Sep 2027 all 12 (12 x 1 + 9 - 9 = 12); later stays 12; before the start, 0 (8 - 9 < 0)."""
    start = date(2026, 9, 1)
    assert budget.months_closed(start, date(2026, 11, 26)) == 2
    assert budget.months_closed(start, date(2027, 9, 1)) == 12
    assert budget.months_closed(start, date(2028, 1, 1)) == 12  # 16 months on: capped at 12
    assert budget.months_closed(start, date(2026, 8, 15)) == 0
    year = budget.PlanYear(start, date(2026, 11, 26))
    assert (year.months_closed, year.end, year.open_from) == (2, date(2027, 9, 1), date(2026, 11, 1))


def test_plan_years_run_from_the_first_to_today_newest_first(plan):
    """The plan's first year starts 1 Sep 2025. On 26 Nov 2026: this year (actuals to today) and
    2025's, closed (actuals to its end, 1 Sep 2026). Before the first year: the year holding today."""
    assert budget.plan_years(plan, date(2026, 11, 26)) == [budget.PlanYear(date(2026, 9, 1), date(2026, 11, 26)),
                                                           budget.PlanYear(date(2025, 9, 1), date(2026, 9, 1))]
    assert budget.plan_years(plan, date(2025, 10, 3)) == [budget.PlanYear(date(2025, 9, 1), date(2025, 10, 3))]
    assert budget.plan_years(plan, date(2025, 5, 1)) == [budget.PlanYear(date(2024, 9, 1), date(2025, 5, 1))]


def test_is_closed_leaves_out_the_running_month():
    """On 26 Nov 2026 in the year from 1 Sep: September and October are closed, November is not."""
    year = budget.PlanYear(date(2026, 9, 1), date(2026, 11, 26))
    months = pd.Series(pd.to_datetime(["2026-09-01", "2026-10-01", "2026-11-01"]))
    assert budget.is_closed(months, year).tolist() == [True, True, False]


def test_totals_add_up_the_lines_bands_too():
    """Two lines: annual 1,000 + 2,000 = 3,000; run rate 100 + 250 = 350 a month; projected 900 +
    2,300 = 3,200; the band adds the lines' bounds: lower 800 + 2,100 = 2,900, upper 1,000 + 2,500 =
    3,500 (not a root-sum-square)."""
    table = pd.DataFrame({"annual_usd": [1000.0, 2000.0], "actual_usd": [300.0, 700.0],
                          "budget_to_date_usd": [250.0, 500.0], "variance_usd": [50.0, 200.0],
                          "run_rate_usd": [100.0, 250.0], "projected_usd": [900.0, 2300.0],
                          "lower_usd": [800.0, 2100.0], "upper_usd": [1000.0, 2500.0],
                          "projected_variance_usd": [-100.0, 300.0]})
    assert budget.totals(table) == {"annual_usd": 3000.0, "actual_usd": 1000.0, "budget_to_date_usd": 750.0,
                                    "variance_usd": 250.0, "run_rate_usd": 350.0, "projected_usd": 3200.0,
                                    "lower_usd": 2900.0, "upper_usd": 3500.0, "projected_variance_usd": 200.0}


def test_totals_of_the_trend_projection_add_the_run_rate_beside_it():
    """trend_projection's table also totals its run-rate comparison: at run rate 950 + 2,250 = 3,200,
    its band 850 + 2,050 = 2,900 to 1,050 + 2,450 = 3,500; the forecast's own columns as before."""
    table = pd.DataFrame({"annual_usd": [1000.0, 2000.0], "projected_usd": [900.0, 2300.0],
                          "run_rate_projected_usd": [950.0, 2250.0], "run_rate_lower_usd": [850.0, 2050.0],
                          "run_rate_upper_usd": [1050.0, 2450.0]})
    assert budget.totals(table) == {"annual_usd": 3000.0, "projected_usd": 3200.0, "run_rate_projected_usd": 3200.0,
                                    "run_rate_lower_usd": 2900.0, "run_rate_upper_usd": 3500.0}


def test_over_and_within_tolerance_lines(plan):
    """Security at $3,000 a month ($18,000 a year) reaches $18,000 in Feb 2027 and passes it in Mar
    (floor(12,000 / 3,000) + 1 = 5 months after October); training at $3,000 a month ($30,000 a
    year) passes it in Jul 2027 (floor(24,000 / 3,000) + 1 = 9 after October). Both far over: heading
    over, earliest crossing first. Payment processing $0.04 over (test above) crosses in
    Aug 2027 but within the tolerance; cloud never crosses: in neither list."""
    costs = pd.concat([spend("training_budget", [3000.0, 3000.0]), spend("security_tools", [3000.0, 3000.0]),
                       spend("payment_processing", [3000.04, 3000.0]), spend("cloud_services", [6000.0, 6000.0])])
    table = budget.projection(costs, plan, date(2026, 9, 1), as_of=date(2026, 11, 26), run_rate_months=1)
    over = budget.over_budget_lines(table)
    assert over["line"].tolist() == ["security_tools", "training_budget"]
    assert over["crosses_in"].tolist() == [date(2027, 3, 1), date(2027, 7, 1)]
    assert budget.within_tolerance_lines(table)["line"].tolist() == ["payment_processing"]


# --- the trend projection: the forecaster's year end, the run rate beside it ----------------

FLAT = [6100.0, 5900.0, 6050.0, 5800.0, 6200.0, 5950.0, 6000.0, 6150.0, 5850.0, 6100.0, 5900.0, 6050.0,
        6200.0, 5800.0, 5950.0, 6000.0, 6150.0, 5850.0]

def test_trending_line_projects_above_its_run_rate(plan):
    """Security rising $100 a month from $1,000 (Jan 2025) to $2,900 (Aug 2026), 20 closed months, none in
    the plan year yet (as of 15 Sep 2026: 12 months left). The forecaster finds the straight line (drift,
    no backtest error): $3,000 ... $4,100, summing 12 x 3,000 + 100 x (0 + ... + 11) = 36,000 + 6,600 =
    $42,600. The run rate (mean of Jun-Aug: 2,700, 2,800, 2,900 = 2,800) gives 12 x 2,800 = $33,600.
    Cumulative forecast 3,000, 6,100, 9,300, 12,600, 16,000, 19,500: past $18,000 in the sixth month,
    February 2027."""
    costs = spend("security_tools", [1000.0 + 100 * k for k in range(20)], start="2025-01-01")
    line = budget.trend_projection(costs, plan, date(2026, 9, 1), as_of=date(2026, 9, 15)) \
        .set_index("line").loc["security_tools"]
    assert line["model"] == "drift" and line["history_months"] == 20
    assert line["projected_usd"] == pytest.approx(42600.0)
    assert line["run_rate_projected_usd"] == pytest.approx(33600.0)
    assert line["projected_variance_usd"] == pytest.approx(42600.0 - 18000.0)
    assert line["crosses_in"] == date(2027, 2, 1) and line["is_heading_over"]


def test_flat_line_projects_within_its_band_of_the_run_rate(plan):
    """Cloud wandering $5,800-6,200 around $6,000 for 18 months, May 2025 - Oct 2026 (no trend, no
    season; not a pattern a model could learn exactly): the forecast's band holds the run-rate projection
    ($12,000 spent + 10 x $6,000), and its own mean."""
    costs = spend("cloud_services", FLAT, start="2025-05-01")
    line = budget.trend_projection(costs, plan, date(2026, 9, 1), as_of=date(2026, 11, 26)) \
        .set_index("line").loc["cloud_services"]
    assert line["history_months"] == 18 and line["model"] not in ("naive", "plan rate (no history)")
    assert line["run_rate_projected_usd"] == pytest.approx(72000.0)
    assert line["lower_usd"] <= line["run_rate_projected_usd"] <= line["upper_usd"]
    assert line["lower_usd"] < line["projected_usd"] < line["upper_usd"]
    assert line["actual_usd"] == 12000.0  # Sep 6,150 + Oct 5,850, the plan year's closed months


def test_trend_band_contains_the_projection_on_every_line(plan):
    """Whatever each line's history (rising, flat, short, none), lower <= projected <= upper."""
    costs = pd.concat([spend("security_tools", [1000.0 + 100 * k for k in range(20)], start="2025-01-01"),
                       spend("cloud_services", FLAT, start="2025-05-01"),
                       spend("backup_storage", [600.0, 700.0, 650.0], start="2026-08-01")])
    table = budget.trend_projection(costs, plan, date(2026, 9, 1), as_of=date(2026, 11, 26))
    assert len(table) == len(plan.budget_lines)
    assert (table["lower_usd"] <= table["projected_usd"] + 1e-9).all()
    assert (table["projected_usd"] <= table["upper_usd"] + 1e-9).all()


def test_short_history_repeats_the_last_month(plan):
    """Three closed months (Sep-Nov: 1,000, 1,100, 1,050) are too few for the forecaster to test a model:
    it repeats November's $1,050 for the 9 months left: 3,150 + 9 x 1,050 = $12,600, with a band from
    the month-to-month changes. The run rate (their mean, 1,050) happens to agree."""
    costs = spend("backup_storage", [1000.0, 1100.0, 1050.0])
    line = budget.trend_projection(costs, plan, date(2026, 9, 1), as_of=date(2026, 12, 5)) \
        .set_index("line").loc["backup_storage"]
    assert line["model"] == "naive" and line["history_months"] == 3
    assert line["projected_usd"] == pytest.approx(12600.0)
    assert line["lower_usd"] < line["projected_usd"] < line["upper_usd"]


def test_line_without_history_projects_at_plan_rate_with_no_band(plan):
    """Training has no spend at all: $30,000 / 12 for the 12 months left, $30,000, no band."""
    line = budget.trend_projection(spend("cloud_services", [6000.0]), plan, date(2026, 9, 1),
                                   as_of=date(2026, 9, 10)).set_index("line").loc["training_budget"]
    assert line["model"] == "plan rate (no history)"
    assert line["projected_usd"] == line["lower_usd"] == line["upper_usd"] == pytest.approx(30000.0)


def test_missing_month_counts_zero_in_the_history():
    """Spend in Jan and Mar only: February is on the grid at $0 (a line missing in a month spent nothing)."""
    history = budget.monthly_history(spend("x", [10.0, 30.0], start="2026-01-01").iloc[[0, 1]]
                                     .assign(month=pd.to_datetime(["2026-01-01", "2026-03-01"])), date(2026, 4, 2))
    assert history["y"].tolist() == [10.0, 0.0, 30.0]
