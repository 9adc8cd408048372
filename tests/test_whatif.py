"""Tornado, Monte Carlo and goal seek, by hand on a tiny linear model and on the plan's base scenario."""
from __future__ import annotations

import math
from dataclasses import dataclass, replace
from datetime import date

import pandas as pd
import pytest

from models import scenario, whatif
from models.scenario import ScenarioError

BASE = scenario.Base(start=date(2025, 9, 1), active_users=2000.0, tickets_per_user_month=0.4,
                     channel_share=(0.5, 0.3, 0.2), revenue_per_user_month_usd=26.4, instances=20.0,
                     data_gb=500.0, cpu_pct=45.0)


@dataclass(frozen=True)
class Tiny:
    """Two numeric drivers and a flag: total = 2a + 3b, per_user = 100 / b."""

    a: float
    b: float
    flag: bool = False


def tiny(d: Tiny) -> dict[str, float]:
    return {"total": 2 * d.a + 3 * d.b, "per_user": 100 / d.b}


@pytest.fixture(scope="module")
def drivers(plan) -> scenario.Drivers:
    return scenario.base_drivers(plan, BASE)


# --- tornado ------------------------------------------------------------------------------------

def test_tornado_on_a_linear_model():
    """a=10, b=20 moved 10 %: total 78/82 for a (swing 4), 74/86 for b (swing 12); per_user moves with b only."""
    table = whatif.tornado(tiny, Tiny(10.0, 20.0), pct=10)
    total = table[table["metric"] == "total"].set_index("driver")
    assert list(total.index) == ["b", "a"]  # largest swing first; the flag is not a numeric driver
    assert (total.loc["a", "low"], total.loc["a", "high"]) == pytest.approx((78.0, 82.0))
    assert (total.loc["b", "low"], total.loc["b", "high"], total.loc["b", "swing"]) == pytest.approx((74.0, 86.0, 12.0))
    per_user = table[table["metric"] == "per_user"].set_index("driver")
    assert per_user.loc["a", "swing"] == 0.0
    assert (per_user.loc["b", "low"], per_user.loc["b", "high"]) == pytest.approx((100 / 18, 100 / 22))
    assert (total["base"] == 80.0).all()


def test_tornado_stops_at_the_allowed_range():
    """b = 20 with limits [0, 21]: +10 % stops at 21, so total moves to 83 instead of 86."""
    table = whatif.tornado(tiny, Tiny(10.0, 20.0), pct=10, limits={"b": (0.0, 21.0)})
    b = table[(table["metric"] == "total") & (table["driver"] == "b")].iloc[0]
    assert (b["high_value"], b["high"]) == (21.0, 83.0)


def test_tornado_on_the_plan_support_cost(plan, drivers):
    """Support cost per FTE +-10 % moves support cost per user by exactly +-10 %, and the 12-month total by
    +-$18,000 plus its contingency (50,000 / 620,000 = 8.0645 %): swing 2 x 18,000 x 1.080645 = $38,903.23."""
    outcome = whatif.scenario_outcome(BASE, plan, 12)
    table = whatif.tornado(outcome, drivers, pct=10, names=["support_cost_per_fte_usd"], limits=scenario.LIMITS)
    rows = table.set_index("metric")
    assert rows.loc["total_usd", "swing"] == pytest.approx(2 * 18000 * (1 + 50000 / 620000), abs=0.05)
    per_user = rows.loc["support_cost_per_user_usd"]
    assert per_user["high"] / per_user["base"] == pytest.approx(1.1)
    assert per_user["low"] / per_user["base"] == pytest.approx(0.9)


def test_tornado_reports_a_refused_move(plan, drivers):
    """Reserved 60 % + spot 40 %: moving reserved up passes 100 %, so that driver gets a note, not a crash."""
    mixed = replace(drivers, reserved_share_pct=60.0, spot_share_pct=40.0)
    table = whatif.tornado(whatif.scenario_outcome(BASE, plan, 2), mixed, pct=10, names=["reserved_share_pct"],
                           limits=scenario.LIMITS)
    assert table["note"].str.contains("must not exceed 100").all()
    assert table["high"].isna().all()


def test_tornado_step_must_be_a_percentage():
    """A step of 0 % or more than 100 % is refused."""
    with pytest.raises(ScenarioError, match="step"):
        whatif.tornado(tiny, Tiny(1.0, 1.0), pct=0)


# --- Monte Carlo --------------------------------------------------------------------------------

def test_monte_carlo_is_reproducible_with_its_seed():
    """The same seed gives the same runs; another seed gives other runs."""
    ranges = {"a": (5.0, 15.0), "b": (18.0, 22.0)}
    one = whatif.monte_carlo(tiny, Tiny(10.0, 20.0), ranges, runs=300, seed=7)
    two = whatif.monte_carlo(tiny, Tiny(10.0, 20.0), ranges, runs=300, seed=7)
    other = whatif.monte_carlo(tiny, Tiny(10.0, 20.0), ranges, runs=300, seed=8)
    pd.testing.assert_frame_equal(one, two)
    assert not one["total"].equals(other["total"])
    assert one["a"].between(5, 15).all() and one["b"].between(18, 22).all()
    assert one["total"].to_numpy() == pytest.approx(2 * one["a"] + 3 * one["b"])


def test_monte_carlo_of_a_fixed_range_is_constant():
    """A range of one value is no uncertainty: every run gives 2 x 10 + 3 x 20 = 80."""
    runs = whatif.monte_carlo(tiny, Tiny(10.0, 20.0), {"a": (10.0, 10.0)}, runs=50, seed=1)
    table = whatif.percentiles(runs, ["total"]).set_index("metric")
    assert list(table.loc["total", ["p10", "p50", "p90", "mean"]]) == [80.0, 80.0, 80.0, 80.0]


def test_triangular_draws_centre_on_the_scenario_value():
    """a drawn from triangular(0, 5, 10): its median is 5 and P10 is sqrt(0.1 x 50) = 2.236 (within sampling noise)."""
    draws = whatif.draw(Tiny(5.0, 20.0), {"a": (0.0, 10.0)}, runs=5000, seed=3)
    assert draws["a"].median() == pytest.approx(5.0, abs=0.15)
    assert draws["a"].quantile(0.1) == pytest.approx(math.sqrt(5.0), abs=0.15)


def test_percentiles_by_hand():
    """0, 1, ..., 10: P10 = 1, P50 = 5, P90 = 9, mean 5 (linear interpolation)."""
    table = whatif.percentiles(pd.DataFrame({"x": range(11)}), ["x"]).iloc[0]
    assert (table["p10"], table["p50"], table["p90"], table["mean"]) == (1.0, 5.0, 9.0, 5.0)


def test_chance_counts_runs_on_the_right_side():
    """Totals 1..10 below 4: 3 of 10 runs."""
    assert whatif.chance(pd.DataFrame({"t": range(1, 11)}), "t", "<", 4) == 0.3


def test_progress_reports_every_run():
    """The progress callback hears (done, total) after each run."""
    heard = []
    whatif.monte_carlo(tiny, Tiny(1.0, 1.0), {"a": (0.0, 2.0)}, runs=4, seed=0,
                       progress=lambda i, n: heard.append((i, n)))
    assert heard == [(1, 4), (2, 4), (3, 4), (4, 4)]


@pytest.mark.parametrize("ranges,runs,message", [
    ({"a": (3.0, 1.0)}, 10, "range of a: low 3 is above high 1"),
    ({"zzz": (0.0, 1.0)}, 10, "no numeric driver 'zzz'"),
    ({"flag": (0.0, 1.0)}, 10, "no numeric driver 'flag'"),
    ({"a": (-1.0, 1.0)}, 10, r"range of a \[-1, 1\] leaves its allowed values"),
])
def test_bad_ranges_name_the_driver(ranges, runs, message):
    """An upside-down range, an unknown driver or a range outside the allowed values is refused."""
    with pytest.raises(ScenarioError, match=message):
        whatif.check_ranges(Tiny(1.0, 1.0), ranges, limits={"a": (0.0, 10.0)})


def test_runs_are_bounded():
    """More runs than MAX_RUNS is refused before any work."""
    with pytest.raises(ScenarioError, match="runs must lie"):
        whatif.draw(Tiny(1.0, 1.0), {"a": (0.0, 2.0)}, runs=whatif.MAX_RUNS + 1, seed=0)


# --- goal seek ----------------------------------------------------------------------------------

def test_bisect_finds_a_known_root():
    """x^2 = 2 on [0, 2] is sqrt(2); on a log scale, 1/x = 0.001 on [1, 1e6] is 1,000."""
    assert whatif.bisect(lambda x: x * x, 2.0, 0.0, 2.0) == pytest.approx(math.sqrt(2), rel=1e-6)
    assert whatif.bisect(lambda x: 1 / x, 0.001, 1.0, 1e6, geometric=True) == pytest.approx(1000.0, rel=1e-6)


def test_bisect_without_a_crossing_is_none():
    """x^2 never reaches -1: no answer rather than a wrong one."""
    assert whatif.bisect(lambda x: x * x, -1.0, 0.0, 2.0) is None


def test_users_that_bring_support_cost_to_five_dollars(plan, drivers):
    """The plan's 4 FTE at $45,000 a year cost $15,000 a month: $5 a user at 15,000 / 5 = 3,000 users."""
    users = whatif.users_for_target(drivers, BASE, plan, date(2025, 9, 1), 5.0)
    assert users == pytest.approx(3000.0, rel=1e-5)


def test_support_headcount_for_five_dollars(plan, drivers):
    """At 2,000 users, $5 a user is $10,000 a month: 10,000 x 12 / 45,000 = 2.667 FTE."""
    fte = whatif.support_fte_for_target(drivers, BASE, plan, date(2025, 9, 1), 2000.0, 5.0)
    assert fte == pytest.approx(10000 * 12 / 45000, rel=1e-5)


def test_unreachable_target_is_none(plan, drivers):
    """$0.0001 a user would need 150 million users, past the search's 100 million."""
    assert whatif.users_for_target(drivers, BASE, plan, date(2025, 9, 1), 0.0001) is None


def test_cost_per_user_curve(plan, drivers):
    """With the plan's team the curve is $15,000 / users: $15 at 1,000, $5 at 3,000."""
    curve = whatif.cost_per_user_curve(drivers, BASE, plan, date(2025, 9, 1), [1000.0, 3000.0])
    assert list(curve["support_cost_per_user_usd"]) == pytest.approx([15.0, 5.0])


def test_default_ranges_by_hand():
    """Tiny(a=10, b=20) with a limited to [0, 11]: neither is named, so each moves by 20 %: a 8 to
    12, cut to 11 by its limit; b 16 to 24 (no limit given: 0 and up). The flag is no range.
    On the scenario's drivers user growth (50 % a quarter in the plan) is varied by 40 %: 30 to 70."""
    table = whatif.default_ranges(Tiny(10.0, 20.0), {"a": (0.0, 11.0)}).set_index("driver")
    assert table.loc["a", ["vary", "value", "low", "high"]].tolist() == [False, 10.0, 8.0, 11.0]
    assert table.loc["b", ["low", "high"]].tolist() == [16.0, 24.0]
    assert list(table.index) == ["a", "b"]


def test_default_ranges_vary_the_named_drivers(plan, drivers):
    table = whatif.default_ranges(drivers, scenario.LIMITS).set_index("driver")
    growth = table.loc["user_growth_pct_per_quarter"]
    assert (bool(growth["vary"]), growth["low"], growth["high"]) == (True, pytest.approx(30.0), pytest.approx(70.0))
    assert set(table.index[table["vary"]]) == set(whatif.DEFAULT_SPREAD_PCT)


def test_goal_seek_by_hand(plan, drivers):
    """4.2 FTE paid at $45,000 a year cost 4.2 x 45,000 / 12 = $15,750 a month. In Sep 2025 the base
    has 2,000 users: $7.875 a user. $5 a user takes 15,750 / 5 = 3,150 users; users grow 50 % a
    quarter, so 3,000 in Dec 2025 and 3,000 x 1.5^(1/3) = 3,434 in Jan 2026: reached in Jan 2026.
    At 2,000 users $5 a user is $10,000 a month: 10,000 x 12 / 45,000 = 2.667 FTE."""
    d = replace(drivers, support_fte_plan=4.2)
    seek = whatif.goal_seek(d, BASE, plan, 12, date(2025, 9, 1))
    assert (seek["users"], seek["fte_paid"], seek["target"]) == (pytest.approx(2000.0), pytest.approx(4.2), 5.0)
    assert seek["cost_per_user"] == pytest.approx(7.875)
    assert seek["users_needed"] == pytest.approx(3150.0, rel=1e-5)
    assert seek["users_reached_in"] == date(2026, 1, 1)
    assert seek["fte_for_target"] == pytest.approx(10000 * 12 / 45000, rel=1e-5)
    month = scenario.evaluate(d, BASE, plan, 12).iloc[0]
    assert seek["fte_needed"] == month["support_fte_needed"]  # Erlang C's, as the month shows it
