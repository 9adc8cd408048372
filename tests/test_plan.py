"""plan.toml: every number of the plan, typed; a malformed file names the key."""
from __future__ import annotations

import tomllib

import pytest

from analytics.plan import DEFAULT_PLAN_PATH, PlanError, load_plan, parse_plan


def raw() -> dict:
    with open(DEFAULT_PLAN_PATH, "rb") as fh:
        return tomllib.load(fh)


def test_budget_lines_add_up_to_the_plan_total(plan):
    """Ten lines, $670,000 in all; contingency is 8.1 % of the rest, though the plan says 10 %."""
    assert len(plan.budget_lines) == 10
    assert sum(b.annual_usd for b in plan.budget_lines) == plan.budget_total_usd == 670000
    contingency = next(b for b in plan.budget_lines if b.name == "contingency").annual_usd
    assert contingency / (670000 - contingency) * 100 == pytest.approx(8.06, abs=0.01)


def test_targets_and_slas_as_in_the_plan(plan):
    """Spot checks of targets, SLAs, thresholds, tiers and capacity assumptions."""
    assert (plan.kpi("uptime_pct").target, plan.kpi("uptime_pct").baseline) == (99.9, 99.7)
    assert not plan.kpi("mttr_hours").higher_is_better
    assert plan.severity("high").resolution_minutes == 240
    assert plan.channel("live_chat").first_response_seconds == 120
    assert {(t.metric, t.value) for t in plan.thresholds} >= {("cpu_pct", 80.0), ("deadlocks_per_hour", 5.0)}
    assert [t.team_size for t in plan.support_tiers] == [4, 3, 2]
    assert plan.capacity.scale_up_pct == 80.0
    assert plan.section("disaster_recovery")["rto_minutes"] == 240


def test_plan_is_hashable_and_frozen(plan):
    """A plan is a valid cache key and cannot be changed in place."""
    hash(plan)
    with pytest.raises(AttributeError):
        plan.name = "x"  # type: ignore[misc]


@pytest.mark.parametrize("mutate,key", [
    (lambda t: t["kpis"]["uptime_pct"].pop("target"), "kpis.uptime_pct.target"),
    (lambda t: t["kpis"]["mttr_hours"].update(target="two hours"), "kpis.mttr_hours.target"),
    (lambda t: t["kpis"]["csat"].update(op="=>"), "kpis.csat.op"),
    (lambda t: t["severities"]["low"].update(response_minutes=-5), "severities.low.response_minutes"),
    (lambda t: t["settings"].update(mttr_from="ack"), "settings.mttr_from"),
    (lambda t: t["budget"]["lines"]["backup_storage"].update(annual_usd=True), "budget.lines.backup_storage.annual_usd"),
    (lambda t: t["budget"]["lines"]["cloud_services"].update(monthly_profile=[1] * 11),
     "budget.lines.cloud_services.monthly_profile"),
    (lambda t: t["settings"].update(uptime_judged_by="quarter"), "settings.uptime_judged_by"),
])
def test_malformed_plan_names_the_key(mutate, key):
    """Each malformed value raises PlanError naming its dotted key."""
    table = raw()
    mutate(table)
    with pytest.raises(PlanError, match=key.replace(".", r"\.")):
        parse_plan(table)


def test_a_budget_line_may_give_its_monthly_profile():
    """Twelve weights, kept as floats; a line without them is pro rata (None)."""
    table = raw()
    table["budget"]["lines"]["training_budget"]["monthly_profile"] = [4, 2, 0, 0, 0, 0, 2, 0, 0, 0, 0, 0]
    lines = {b.name: b for b in parse_plan(table).budget_lines}
    assert lines["training_budget"].monthly_profile == (4.0, 2.0, 0.0, 0.0, 0.0, 0.0, 2.0, 0.0, 0.0, 0.0, 0.0, 0.0)
    assert lines["cloud_services"].monthly_profile is None


def test_unknown_severity_in_settings_is_an_error():
    """A failure severity that the plan does not define is refused."""
    table = raw()
    table["settings"]["failure_severities"] = ["critical", "sev1"]
    with pytest.raises(PlanError, match="sev1"):
        parse_plan(table)


def test_bad_toml_and_missing_file(tmp_path):
    """Broken syntax and a missing file are PlanErrors, not tracebacks from tomllib."""
    bad = tmp_path / "plan.toml"
    bad.write_text("[plan\nname = 1")
    with pytest.raises(PlanError, match="not valid TOML"):
        load_plan(bad)
    with pytest.raises(PlanError, match="cannot read"):
        load_plan(tmp_path / "missing.toml")
