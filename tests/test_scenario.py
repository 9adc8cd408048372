"""The scenario chain on a hand-made base: the plan reproduced, drivers moving costs, the CLI contract."""
from __future__ import annotations

import json
from dataclasses import replace
from datetime import date

import pytest

from models import scenario

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


# The totals of the pandas code that evaluate() replaced (stop 16), to the last bit: the column
# code must not drift from them, nor totals() from annual(evaluate()).
@pytest.mark.parametrize("overrides, months, expected", [
    ({}, 12, (670000.0, 3.2059770657968905, 7.691106597240016, 4.0, 72)),
    ({"user_growth_pct_per_quarter": 15.0, "staff_to_demand": True, "reserved_share_pct": 30.0}, 24,
     (2769543.02, 15.633846994378017, 16.68381341543392, 15.0, 66)),
    ({"tickets_per_user_month": 1.3, "aht_phone_min": 14.0, "contingency_pct": 0.0}, 1,
     (43870.01, 7.5, 8.546545079956468, 4.0, 17)),
    ({"revenue_per_user_month_usd": 0.0, "data_growth_pct_per_month": 9.0, "spot_share_pct": 50.0}, 36,
     (4120666.38, 0.3034870438225085, None, 4.0, 1837)),
])
def test_totals_are_the_frame_codes_to_the_last_bit(plan, base_drivers, overrides, months, expected):
    """scenario.totals (Monte Carlo's path, no frame) equals annual(evaluate(...)) and the old pandas
    code's numbers exactly, also with no revenue (no infrastructure share)."""
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
                                  "support_fte", "instances"}
    assert out["months"][0]["month"] == "2025-09-01"


def test_cli_errors_exit_2(tmp_path, capsys):
    """A missing warehouse, an unknown driver or a bad horizon exit 2 with one line."""
    assert scenario.main(["--db", str(tmp_path / "none.duckdb"), "--json"]) == 2
    assert scenario.main(["--db", "x", "--months", "0"]) == 2
    assert "error:" in capsys.readouterr().err
