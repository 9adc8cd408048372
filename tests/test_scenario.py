"""The scenario chain on a hand-made base: the plan reproduced, drivers moving costs, the CLI contract."""
from __future__ import annotations

import json
from dataclasses import replace
from datetime import date

import pandas as pd
import pytest

from models import scenario, staffing

BASE = scenario.Base(start=date(2025, 9, 1), active_users=2000.0, tickets_per_user_month=0.4,
                     channel_share=(0.5, 0.3, 0.2), revenue_per_user_month_usd=26.4, instances=20.0,
                     data_gb=500.0, cpu_pct=45.0)


@pytest.fixture(scope="module")
def base_drivers(plan) -> scenario.Drivers:
    return scenario.base_drivers(plan, BASE)


def test_base_scenario_reproduces_the_plan_line_by_line(plan, base_drivers):
    """The plan as a scenario over its first year costs $670,000, each of the ten lines to the cent."""
    totals = scenario.annual(scenario.evaluate(base_drivers, BASE, plan, 12), plan)
    for line in plan.budget_lines:
        assert totals["lines_usd"][line.name] == pytest.approx(line.annual_usd, abs=0.01), line.name
    assert totals["total_usd"] == pytest.approx(670000.0, abs=0.05)


def test_flat_scenario_by_hand(plan, base_drivers):
    """No growth, no peak, no feature uplift: 20 instances at 45 % need ceil(9 x 1.2 / 0.8) = 14; users stay 2,000;
    support $15,000 a month over 2,000 users = $7.50 per user."""
    flat = replace(base_drivers, user_growth_pct_per_quarter=0.0, peak_traffic_growth_pct=0.0,
                   feature_complexity_pct=0.0, data_growth_pct_per_month=0.0)
    frame = scenario.evaluate(flat, BASE, plan, 3)
    assert list(frame["instances"]) == [14, 14, 14]
    assert list(frame["active_users"]) == [2000.0] * 3
    assert frame["support_cost_per_user_usd"].iloc[0] == pytest.approx(7.5)
    assert not frame["support_cost_per_user_usd_met"].any()


def test_growth_raises_cloud_but_lowers_cost_per_user(plan, base_drivers):
    """Doubling quarterly growth costs more cloud and less support per user than the plan."""
    fast = scenario.with_overrides(base_drivers, {"user_growth_pct_per_quarter": "100"})
    a, b = (scenario.annual(scenario.evaluate(d, BASE, plan, 12), plan) for d in (base_drivers, fast))
    assert b["lines_usd"]["cloud_services"] > a["lines_usd"]["cloud_services"]
    assert b["support_cost_per_user_usd"] < a["support_cost_per_user_usd"]
    assert b["lines_usd"]["support_team"] == a["lines_usd"]["support_team"]  # the plan's team is paid either way


def test_staffing_to_demand_pays_erlang_fte(plan, base_drivers):
    """Hiring to demand pays the Erlang C FTE, which 24/7 chat cover alone puts at 168 / 28 = 6 or more."""
    demand = scenario.with_overrides(base_drivers, {"staff_to_demand": "true"})
    frame = scenario.evaluate(demand, BASE, plan, 2)
    assert (frame["support_fte"] == frame["support_fte_needed"]).all()
    assert frame["support_fte"].min() >= 6.0
    assert frame["support_team"].iloc[0] == pytest.approx(frame["support_fte"].iloc[0] * 45000 / 12)


def test_reserved_instances_discount_cloud(plan, base_drivers):
    """Half the fleet reserved at 40 % off cuts compute by 20 %."""
    ri = scenario.with_overrides(base_drivers, {"reserved_share_pct": 50})
    a, b = (scenario.evaluate(d, BASE, plan, 1) for d in (base_drivers, ri))
    storage = scenario.volumes(base_drivers, BASE, plan, 1)["storage_gb"].iloc[0] * base_drivers.cloud_usd_per_gb_month
    assert b["cloud_services"].iloc[0] - storage == pytest.approx(0.8 * (a["cloud_services"].iloc[0] - storage))


@pytest.mark.parametrize("overrides,message", [
    ({"no_such_driver": "1"}, "unknown driver 'no_such_driver'"),
    ({"shrinkage_pct": "100"}, "shrinkage_pct"),
    ({"support_cost_per_fte_usd": "-5"}, "impossible"),
    ({"reserved_share_pct": "70", "spot_share_pct": "40"}, "must not exceed 100"),
    ({"security_usd_per_month": "inf"}, "impossible"),
    ({"user_growth_pct_per_quarter": "fast"}, "takes a number"),
    ({"staff_to_demand": "maybe"}, "true or false"),
])
def test_bad_drivers_are_clear_errors(base_drivers, overrides, message):
    """Unknown drivers and impossible values raise ScenarioError naming the driver."""
    with pytest.raises(scenario.ScenarioError, match=message):
        scenario.with_overrides(base_drivers, overrides)


# A characterisation test, not a derivation: these are the totals the earlier pandas implementation
# of evaluate() returned, recorded to the last bit, so that the column code cannot drift from them
# (nor totals() from annual(evaluate())). Only the first row's $670,000 is derived: the plan's
# calibration reproduces its annual budget. The arithmetic itself is checked by hand elsewhere here.
@pytest.mark.parametrize("overrides, months, expected", [
    ({}, 12, (670000.0, 3.2059770657968905, 7.691106597240016, 4.0, 72)),
    ({"user_growth_pct_per_quarter": 15.0, "staff_to_demand": True, "reserved_share_pct": 30.0}, 24,
     (2769543.02, 15.633846994378017, 16.68381341543392, 15.0, 66)),
    ({"tickets_per_user_month": 1.3, "aht_phone_min": 14.0, "contingency_pct": 0.0}, 1,
     (43870.01, 7.5, 8.546545079956468, 4.0, 17)),
    ({"revenue_per_user_month_usd": 0.0, "data_growth_pct_per_month": 9.0, "spot_share_pct": 50.0}, 36,
     (4120666.38, 0.3034870438225085, None, 4.0, 1837)),
])
def test_totals_characterisation_to_the_last_bit(plan, base_drivers, overrides, months, expected):
    """scenario.totals (Monte Carlo's path, no frame) equals annual(evaluate(...)) and the recorded
    numbers exactly, also with no revenue (no infrastructure share)."""
    d = replace(base_drivers, **overrides)
    totals = scenario.totals(d, BASE, plan, months)
    assert totals == scenario.annual(scenario.evaluate(d, BASE, plan, months), plan)
    assert tuple(totals[k] for k in ("total_usd", "support_cost_per_user_usd", "infra_cost_pct_revenue",
                                      "support_fte", "instances")) == expected


def test_evaluate_rows_add_up(plan, base_drivers):
    """Each month's total is its ten lines; contingency is its share of the other nine; the flags follow."""
    d = replace(base_drivers, user_growth_pct_per_quarter=12.0)
    frame = scenario.evaluate(d, BASE, plan, 6)
    names = [b.name for b in plan.budget_lines]
    nine = [n for n in names if n != "contingency"]
    assert frame["total_usd"].to_numpy() == pytest.approx(frame[names].sum(axis=1).to_numpy(), rel=1e-15)
    assert frame["contingency"].to_numpy() == pytest.approx(
        frame[nine].sum(axis=1).to_numpy() * d.contingency_pct / 100, rel=1e-15)
    budget = frame["plan_budget_usd"].cumsum() + 0.005
    assert list(frame["within_budget"]) == list(frame["total_usd"].cumsum() <= budget)
    assert frame["instances"].dtype.kind == "i" and frame["month"].iloc[1] == date(2025, 10, 1)


def test_plan_budget_per_month_follows_a_monthly_profile(plan, base_drivers):
    """Cloud ($72,000) profiled all in September, the plan year's first month; the horizon starts in
    September 2025: month 0's budget is (670,000 - 72,000) / 12 + 72,000 = $121,833.33, the next
    ones $49,833.33, as the Budget page shares the year out (not 670,000 / 12 = $55,833.33 each)."""
    lines = tuple(replace(b, monthly_profile=(1.0,) + (0.0,) * 11) if b.name == "cloud_services" else b
                  for b in plan.budget_lines)
    frame = scenario.evaluate(base_drivers, BASE, replace(plan, budget_lines=lines), 3)
    assert list(frame["plan_budget_usd"]) == pytest.approx([121833.33, 49833.33, 49833.33], abs=0.005)


def test_a_horizon_needs_a_month(plan, base_drivers):
    """No months is a clear error, not an empty frame whose totals fail later."""
    with pytest.raises(scenario.ScenarioError, match="at least one month"):
        scenario.totals(base_drivers, BASE, plan, 0)


def test_first_month_a_target_is_met(plan, base_drivers):
    """With 50 % quarterly growth, support cost per user falls under $5 once users pass 3,000."""
    frame = scenario.evaluate(base_drivers, BASE, plan, 12)
    month = scenario.first_month(frame, "support_cost_per_user_usd_met")
    users = frame.set_index("month").loc[month, "active_users"]
    assert users > 3000 and frame.set_index("month").shift(1).loc[month, "active_users"] <= 3000


def test_json_shape(plan, base_drivers):
    """to_json has drivers, months and annual with the contract's keys."""
    out = json.loads(json.dumps(scenario.to_json(base_drivers, scenario.evaluate(base_drivers, BASE, plan, 2), plan),
                                default=str))
    assert set(out) == {"drivers", "months", "annual"} and len(out["months"]) == 2
    assert set(out["annual"]) == {"lines_usd", "total_usd", "support_cost_per_user_usd", "infra_cost_pct_revenue",
                                  "support_fte", "support_fte_needed", "instances"}
    assert out["months"][0]["month"] == "2025-09-01"


def test_cli_errors_exit_2(tmp_path, capsys):
    """A missing warehouse, an unknown driver or a bad horizon exit 2 with one line."""
    assert scenario.main(["--db", str(tmp_path / "none.duckdb"), "--json"]) == 2
    assert scenario.main(["--db", "x", "--months", "0"]) == 2
    assert "error:" in capsys.readouterr().err


# --- the measured base -----------------------------------------------------------------------

SPEND = scenario.Spend(months=(date(2026, 9, 1), date(2026, 10, 1)), active_users=1100.0, revenue_usd=30000.0,
                       lines_usd=(("cloud_services", 6000.0), ("monitoring_tools", 2000.0), ("security_tools", 1500.0),
                                  ("support_team", 7200.0), ("maintenance_team", 20000.0), ("training_budget", 3000.0),
                                  ("payment_processing", 900.0), ("communication_services", 550.0),
                                  ("backup_storage", 600.0)))
FLAT = scenario.Growth(0.0, 0.0, 0.0)


def test_measured_month_one_costs_what_the_closed_months_cost(plan):
    """Month 1 of the measured base costs each line's mean monthly spend, to the cent; with no contingency
    spent its rate is 0; the total is 6000 + 2000 + 1500 + 7200 + 20000 + 3000 + 900 + 550 + 600 = $41,750."""
    base = scenario.measured_base(BASE, SPEND)
    drivers = scenario.measured_drivers(plan, base, SPEND, FLAT)
    month = scenario.evaluate(drivers, base, plan, 1).iloc[0]
    for line, usd in SPEND.lines_usd:
        assert month[line] == pytest.approx(usd, abs=0.005), line
    assert month["contingency"] == 0.0 and month["total_usd"] == pytest.approx(41750.0)


def test_measured_month_one_kpis_are_the_closed_months(plan):
    """Users 1,000 and 1,200 at the two month ends (mean 1,100), revenue $30,000 a month: month 1 has 1,100
    users and $30,000 revenue; support cost per user 7200 / 1100 = $6.5455 (the scorecard's 14,400 / 2,200);
    infrastructure share (6000 + 2000 + 1500) / 30000 = 31.667 %."""
    base = scenario.measured_base(BASE, SPEND)
    assert base.active_users == 1100.0 and base.revenue_per_user_month_usd == pytest.approx(30000 / 1100)
    month = scenario.evaluate(scenario.measured_drivers(plan, base, SPEND, FLAT), base, plan, 1).iloc[0]
    assert month["revenue_usd"] == pytest.approx(30000.0)
    assert month["support_cost_per_user_usd"] == pytest.approx(14400 / 2200)
    assert month["infra_cost_pct_revenue"] == pytest.approx(9500 / 30000 * 100)


def test_measured_growth_then_moves_month_two(plan):
    """Users growing 9.2727 % a quarter (3 % a month): month 2 has 1,100 x 1.03 = 1,133 users and, with support
    paid as before, support cost per user 7200 / 1133 = $6.355."""
    base = scenario.measured_base(BASE, SPEND)
    growth = scenario.Growth((1.03 ** 3 - 1) * 100, 0.0, 0.0)
    frame = scenario.evaluate(scenario.measured_drivers(plan, base, SPEND, growth), base, plan, 2)
    assert frame["active_users"].iloc[1] == pytest.approx(1133.0)
    assert frame["support_cost_per_user_usd"].iloc[1] == pytest.approx(7200 / 1133)


def test_no_closed_month_is_a_clear_error():
    """Without a closed month there is nothing to start month 1 from."""
    with pytest.raises(scenario.ScenarioError, match="no closed month"):
        scenario.measured_base(BASE, scenario.Spend((), 0.0, 0.0, ()))


def _months(values: list[float], column: str = "active_users", start: str = "2025-01-01") -> "pd.DataFrame":
    import pandas as pd

    months = pd.date_range(start, periods=len(values), freq="MS").date
    frame = pd.DataFrame({"month": months, "active_users": 1000.0, "visits": 10000.0, "data_gb": 100.0,
                          "days_observed": [pd.Timestamp(m).days_in_month for m in months]})
    frame[column] = values
    return frame


def test_measured_growth_from_a_long_history_follows_the_forecast(plan):
    """48 complete months of users growing 3 % a month: the forecast's growth is about (1.03^3 - 1) = 9.3 % a
    quarter (within 1.5 pp); data flat: about 0 % a month; visits 20 % higher in Nov-Dec than Sep-Oct: 20 %."""
    frame = _months([1000 * 1.03 ** t for t in range(48)])
    frame["visits"] = [12000.0 if m.month in plan.capacity.peak_months else 10000.0 for m in frame["month"]]
    growth, words = scenario.measured_growth(frame, plan)
    assert growth.user_growth_pct_per_quarter == pytest.approx(9.27, abs=1.5)
    assert growth.data_growth_pct_per_month == pytest.approx(0.0, abs=0.5)
    assert growth.peak_traffic_growth_pct == pytest.approx(20.0)
    assert "users as forecast" in words and "peak season as measured" in words


def test_short_history_keeps_the_plans_growth(plan):
    """Five complete months are too few for either: the plan's assumptions, and the words say why; a month
    recorded on 26 of 30 days is not complete."""
    frame = _months([1000.0, 1010.0, 1020.0, 1030.0, 1040.0, 1050.0])
    frame.loc[5, "days_observed"] = 26
    growth, words = scenario.measured_growth(frame, plan)
    assert growth.user_growth_pct_per_quarter == plan.capacity.user_growth_pct_per_quarter
    assert growth.data_growth_pct_per_month == plan.capacity.data_growth_pct_per_month
    assert "users as the plan assumes (too little history)" in words


def test_cli_measured_base_agrees_with_the_scorecard(demo_db, tmp_path):
    """The issue's contract: with --base measured (the default) months[0]'s support cost per user and infra
    share are within 5 % of the scorecard CLI's default period (here equal: the same closed months); --base
    plan still costs the plan's $670,000; an unknown driver exits 2."""
    import subprocess
    import sys

    def run(*args: str) -> subprocess.CompletedProcess:
        return subprocess.run([sys.executable, "-m", *args], capture_output=True, text=True, timeout=300)

    card = {r["kpi"]: r["value"] for r in json.loads(run("analytics.scorecard", "--db", str(demo_db), "--json").stdout)}
    measured = run("models.scenario", "--db", str(demo_db), "--json")
    assert measured.returncode == 0, measured.stderr
    first = json.loads(measured.stdout)["months"][0]
    for key in ("support_cost_per_user_usd", "infra_cost_pct_revenue"):
        assert first[key] == pytest.approx(card[key], rel=0.05), key
    planned = json.loads(run("models.scenario", "--db", str(demo_db), "--base", "plan", "--json").stdout)
    assert planned["annual"]["total_usd"] == pytest.approx(670000.0, abs=0.05)
    unknown = run("models.scenario", "--db", str(demo_db), "--set", "nonsense=1", "--json")
    assert unknown.returncode == 2 and "unknown driver 'nonsense'" in unknown.stderr


def test_understaffed_when_paying_fewer_fte_than_erlang_needs(plan, base_drivers):
    """The plan's 4 support FTE on 2,000 users' tickets: Erlang C needs more, so the scenario is understaffed;
    staffing to demand pays exactly what is needed, and is not."""
    paid = scenario.totals(base_drivers, BASE, plan, 3)
    assert paid["support_fte"] == 4.0 and paid["support_fte_needed"] > 4.0
    assert scenario.understaffed(paid)
    hired = scenario.totals(replace(base_drivers, staff_to_demand=True), BASE, plan, 3)
    assert hired["support_fte"] == pytest.approx(hired["support_fte_needed"]) and not scenario.understaffed(hired)


def test_monte_carlo_counts_targets_met_with_enough_staff():
    """Four runs: costs 4, 6, 4, 4 against < 5 (three meet it); two of the meeting runs are understaffed, so one
    in four meets it with the staff Erlang C needs."""
    import pandas as pd

    from models import whatif

    runs = pd.DataFrame({"support_cost_per_user_usd": [4.0, 6.0, 4.0, 4.0], "understaffed": [True, False, True, False]})
    assert whatif.chance(runs, "support_cost_per_user_usd", "<", 5.0) == 0.75
    assert whatif.chance(runs, "support_cost_per_user_usd", "<", 5.0, staffed=True) == 0.25


def two_months(plan) -> pd.DataFrame:
    """A hand-made evaluated horizon, Jan and Feb 2027: support $15,000 and cloud $6,000 a month,
    no other spend; 2,000 then 4,000 users; $100,000 revenue a month; 4 FTE paid against 3.5 then
    4.5 needed; 10 then 12 instances; support cost per user missed then met, infra share met then missed."""
    frame = pd.DataFrame({"month": [date(2027, 1, 1), date(2027, 2, 1)], "active_users": [2000.0, 4000.0],
                          "revenue_usd": [100000.0, 100000.0], "support_fte": [4.0, 4.0],
                          "support_fte_needed": [3.5, 4.5], "instances": [10, 12],
                          "support_cost_per_user_usd_met": [False, True], "infra_cost_pct_revenue_met": [True, False]})
    for b in plan.budget_lines:
        frame[b.name] = {"support_team": 15000.0, "cloud_services": 6000.0}.get(b.name, 0.0)
    return frame


def test_summary_by_hand(plan):
    """Total 2 x (15,000 + 6,000) = 42,000 against the plan's 670,000 x 2 / 12 = 111,666.67;
    support cost per user 30,000 / 6,000 user-months = $5.00; infra share 12,000 / 200,000 = 6 %;
    FTE needed from 3.5 to 4.5; support per user first met in Feb (missed in Jan), infra the reverse."""
    s = scenario.summary(two_months(plan), plan, 2)
    assert (s["total_usd"], s["plan_total_usd"]) == (42000.0, pytest.approx(111666.667, abs=1e-3))
    assert (s["support_cost_per_user_usd"], s["infra_cost_pct_revenue"]) == (5.0, 6.0)
    assert (s["fte_needed_low"], s["fte_needed_high"], s["support_fte"], s["instances"]) == (3.5, 4.5, 4.0, 12)
    assert (s["support_cost_per_user_usd_first_met"], s["support_cost_per_user_usd_first_missed"]) == \
        (date(2027, 2, 1), date(2027, 1, 1))
    assert (s["infra_cost_pct_revenue_first_met"], s["infra_cost_pct_revenue_first_missed"]) == \
        (date(2027, 1, 1), date(2027, 2, 1))


def test_summary_never_missed_or_never_met(plan):
    """Met both months: first missed is None; never met: first met is None."""
    frame = two_months(plan).assign(support_cost_per_user_usd_met=True, infra_cost_pct_revenue_met=False)
    s = scenario.summary(frame, plan, 2)
    assert s["support_cost_per_user_usd_first_missed"] is None and s["infra_cost_pct_revenue_first_met"] is None


def test_line_vs_plan_by_hand(plan):
    """Over 2 months each line's plan is annual x 2 / 12: cloud 72,000 / 6 = 12,000 (spent 12,000,
    difference 0), support 180,000 / 6 = 30,000 (spent 30,000), maintenance 240,000 / 6 = 40,000
    (spent 0: -40,000); the total row: 670,000 / 6 = 111,666.67 against 42,000, -69,666.67."""
    table = scenario.line_vs_plan(two_months(plan), plan, 2).set_index("line")
    columns = ["plan_usd", "scenario_usd", "difference_usd"]
    assert table.loc["cloud_services", columns].tolist() == [12000.0, 12000.0, 0.0]
    assert table.loc["support_team", columns].tolist() == [30000.0, 30000.0, 0.0]
    assert table.loc["maintenance_team", "difference_usd"] == -40000.0
    assert table.loc["maintenance_team", "group"] == "human_resources"
    total = table.loc["total"]
    assert (total["plan_usd"], total["scenario_usd"], total["difference_usd"]) == \
        (pytest.approx(111666.667, abs=1e-3), 42000.0, pytest.approx(-69666.667, abs=1e-3))
    assert list(table.index[:-1]) == [b.name for b in plan.budget_lines]


def front_loaded(plan):
    """The plan with cloud ($72,000) profiled 3:3:3 for September to November and 1 for each other
    month (18 weights in all)."""
    lines = tuple(replace(b, monthly_profile=(3, 3, 3, 1, 1, 1, 1, 1, 1, 1, 1, 1)) if b.name == "cloud_services" else b
                  for b in plan.budget_lines)
    return replace(plan, budget_lines=lines)


def test_the_plan_side_follows_a_monthly_profile(plan):
    """Cloud front-loaded (front_loaded): Jan and Feb 2027 are the plan year's 5th and 6th months,
    weight 1 each, so cloud's plan for them is 72,000 x 2 / 18 = 8,000 (not 12,000), and the total
    (670,000 - 72,000) x 2 / 12 + 8,000 = 99,666.67 + 8,000 = 107,666.67. From Sep 2026 the same
    two months weigh 3 + 3: cloud 72,000 x 6 / 18 = 24,000."""
    profiled = front_loaded(plan)
    frame = two_months(profiled)
    assert scenario.summary(frame, profiled, 2)["plan_total_usd"] == pytest.approx(107666.667, abs=1e-3)
    lines = scenario.line_vs_plan(frame, profiled, 2).set_index("line")
    assert lines.loc["cloud_services", "plan_usd"] == pytest.approx(8000.0)
    assert lines.loc["total", "plan_usd"] == pytest.approx(107666.667, abs=1e-3)
    table = scenario.compare_table({"A": scenario.summary(frame, profiled, 2)}, profiled, date(2027, 1, 1), 2)
    assert table.set_index("key").loc[["cloud_services", "total_usd"], "plan"].tolist() == \
        pytest.approx([8000.0, 107666.667], abs=1e-3)
    september = frame.assign(month=[date(2026, 9, 1), date(2026, 10, 1)])
    assert scenario.line_vs_plan(september, profiled, 2).set_index("line").loc["cloud_services", "plan_usd"] == \
        pytest.approx(24000.0)


def test_compare_table_by_hand(plan):
    """Two scenarios, the second with support at $7,500 a month (half): the plan column holds each
    line's budget for 2 months (cloud 12,000), the total's 111,666.67, the KPI targets ($5, 15 %),
    the support team's 4 FTE, and NaN where the plan has no number; support per user 30,000 /
    6,000 = 5.00 against 15,000 / 6,000 = 2.50."""
    frame = two_months(plan)
    sums = {"A": scenario.summary(frame, plan, 2),
            "B": scenario.summary(frame.assign(support_team=7500.0), plan, 2)}
    table = scenario.compare_table(sums, plan, date(2027, 1, 1), 2).set_index("key")
    assert list(table.columns) == ["unit", "plan", "A", "B"]
    assert table.loc["cloud_services", ["unit", "plan", "A", "B"]].tolist() == ["USD", 12000.0, 12000.0, 12000.0]
    assert table.loc["total_usd", "plan"] == pytest.approx(111666.667, abs=1e-3)
    assert table.loc["total_usd", ["A", "B"]].tolist() == [42000.0, 27000.0]
    assert table.loc["support_cost_per_user_usd", ["plan", "A", "B"]].tolist() == [5.0, 5.0, 2.5]
    assert table.loc["infra_cost_pct_revenue", "plan"] == 15.0
    assert table.loc["support_fte", "plan"] == 4.0 and table.loc["instances", "A"] == 12
    assert table.loc[["instances", "fte_needed_high"], "plan"].isna().all()


def test_measured_week_sets_the_fte_erlang_c_needs(plan, base_drivers):
    """All of a month's tickets on Monday 10:00 chat, 15 a week (15 x 365.25 / 12 / 7 = 65.22 a month): the
    busy hour needs 4 agents (A = 15 x 8 / 60 = 2 Erlangs, 120 s at 80 %: see test_staffing's
    test_fte_by_channel_by_hand) and every other hour one on cover: 171 agent-hours / (40 x 0.7) = 6.107 FTE,
    as models.staffing.fte_by_channel gives for the same week. The flat week spreads those tickets over
    168 hours instead (0.012 Erlangs an hour): it never sees the 4-agent hour."""
    import numpy as np

    from models.staffing import fte_by_channel

    shares = tuple(tuple(1.0 if (c == "live_chat" and h == 10) else 0.0 for h in range(168)) for c in staffing.CHANNELS)
    week = replace(BASE, hour_shares=shares)
    tickets = 15 * scenario.WEEKS_PER_MONTH
    assert scenario.support_fte_needed(tickets, base_drivers, week, plan) == pytest.approx(171 / 28)
    profile = {c: 15.0 * np.asarray(s) for c, s in zip(staffing.CHANNELS, shares)}
    assert fte_by_channel(profile, plan).set_index("channel").loc["total", "fte"] == pytest.approx(171 / 28)
    flat = replace(week, hour_shares=(), channel_share=(1.0, 0.0, 0.0))
    assert scenario.support_fte_needed(tickets, base_drivers, flat, plan) == pytest.approx(168 / 28)


def test_hour_shares_sum_to_one_over_all_channels():
    """Chat 3 and phone 1 contacts in a week: shares 0.75 and 0.25; no contacts at all: no shares."""
    import numpy as np

    week = {"live_chat": np.zeros(168), "email": np.zeros(168), "phone": np.zeros(168)}
    assert scenario.hour_shares(week) == ()
    week["live_chat"][5], week["phone"][9] = 3.0, 1.0
    shares = scenario.hour_shares(week)
    assert (shares[0][5], shares[2][9], sum(map(sum, shares))) == (0.75, 0.25, 1.0)


def test_the_warehouse_base_carries_the_measured_week(demo_db, plan):
    """starting_point reads the base window's tickets by hour of week: three channels of 168 shares summing
    to 1, and the understaffed flag compares the paid FTE with the FTE of that week."""
    from data.warehouse import connect

    con = connect(str(demo_db), read_only=True)
    try:
        base, drivers, _ = scenario.starting_point(con, plan, date(2026, 11, 26))
    finally:
        con.close()
    assert [len(s) for s in base.hour_shares] == [168, 168, 168]
    assert sum(map(sum, base.hour_shares)) == pytest.approx(1.0)
    totals = scenario.totals(drivers, base, plan, 12)
    assert totals["support_fte_needed"] > totals["support_fte"] and scenario.understaffed(totals)
