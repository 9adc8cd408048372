"""The scenario drivers' help texts quote the plan: change a number in the plan and the text follows."""
from __future__ import annotations

from dataclasses import replace

from core.plan import Plan
from ui.scenarios.drivers import DRIVER_INFO, answer_targets, driver_help


def test_help_quotes_the_plan_file(plan: Plan):
    """The committed plan: users +50 % a quarter, peak +100 % in November and December, features
    +20 %, data +25 % a month, scale up at 80 % with a 20 % reserve, 4 support and 3 maintenance
    FTE, chat answered in 120 s = 2 min, email in 14,400 s = 4 h, phone in 60 s = 1 min."""
    assert driver_help("user_growth_pct_per_quarter", plan).endswith("The plan assumes 50 %.")
    assert "(November and December by the plan's setting). The plan: +100 %." in driver_help("peak_traffic_growth_pct",
                                                                                                plan)
    assert "The plan assumes 20 %" in driver_help("feature_complexity_pct", plan)
    assert "80 % scale-up trigger with its 20 % reserve" in driver_help("feature_complexity_pct", plan)
    assert "The plan assumes 25 %. Storage needed keeps the 20 % reserve." in driver_help("data_growth_pct_per_month",
                                                                                            plan)
    assert driver_help("support_fte_plan", plan).endswith("support_team line, 4 FTE.")
    assert driver_help("maintenance_fte", plan).endswith("the plan has 3 FTE.")
    assert "(Live chat: 2 min, Email: 4 h, Phone: 1 min)" in driver_help("staff_to_demand", plan)
    assert "(phone: 08:00-20:00 UTC+7, critical hotline 24/7)" in driver_help("aht_phone_min", plan)
    assert "(40 h x (1 - shrinkage))" in driver_help("shrinkage_pct", plan)
    # the staffing settings of plan.toml [staffing]: 8, 15 and 10 minutes, 80 % goal, 85 % occupancy, 30 % shrinkage
    assert [driver_help(n, plan).rsplit(": ", 1)[1] for n in ("aht_live_chat_min", "aht_email_min", "aht_phone_min",
            "service_level_goal_pct", "max_occupancy_pct", "shrinkage_pct")] == [
        "8 min.", "15 min.", "10 min.", "80 %.", "85 %.", "30 %."]


def test_help_follows_a_changed_plan(plan: Plan):
    """Another plan: users +30 % a quarter, peak in December only at +60 %, 5.5 support FTE, chat
    answered in 300 s = 5 min, phone open 09:00-17:00: each help text says so."""
    lines = tuple(replace(b, fte=5.5) if b.name == "support_team" else b for b in plan.budget_lines)
    channels = tuple(replace(c, first_response_seconds=300.0) if c.name == "live_chat" else
                     replace(c, hours="09:00-17:00") if c.name == "phone" else c for c in plan.channels)
    other = replace(plan, budget_lines=lines, channels=channels,
                    capacity=replace(plan.capacity, user_growth_pct_per_quarter=30.0, peak_traffic_growth_pct=60.0,
                                     peak_months=(12,)))
    assert driver_help("user_growth_pct_per_quarter", other).endswith("The plan assumes 30 %.")
    assert "(December by the plan's setting). The plan: +60 %." in driver_help("peak_traffic_growth_pct", other)
    assert driver_help("support_fte_plan", other).endswith("support_team line, 5.5 FTE.")
    assert "Live chat: 5 min" in answer_targets(other) and "Live chat: 5 min" in driver_help("staff_to_demand", other)
    assert "(phone: 09:00-17:00)" in driver_help("aht_phone_min", other)
    weeks = replace(plan, staffing=replace(plan.staffing, hours_per_fte_week=37.5))
    assert "(37.5 h x (1 - shrinkage))" in driver_help("shrinkage_pct", weeks)


def test_every_help_text_fills_from_the_plan(plan: Plan):
    """No help text names a number the plan does not give (a KeyError here) or keeps a brace."""
    for name in DRIVER_INFO:
        text = driver_help(name, plan)
        assert "{" not in text and "}" not in text, name
