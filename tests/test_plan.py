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


@pytest.mark.parametrize("mutate,key", [
    (lambda t: t["kpis"]["uptime_pct"].update(tolerance=-0.01), "kpis.uptime_pct.tolerance"),
    (lambda t: t["kpis"]["infra_cost_pct_revenue"].update(tolerance=float("nan")), "kpis.infra_cost_pct_revenue.tolerance"),
    (lambda t: t["kpis"]["training_hours"].update(tolerance=float("inf")), "kpis.training_hours.tolerance"),
    (lambda t: t["kpis"]["automation_pct"].update(tolerance="half a point"), "kpis.automation_pct.tolerance"),
    (lambda t: t["budget"].update(over_tolerance_pct=-1), "budget.over_tolerance_pct"),
    (lambda t: t["budget"].update(over_tolerance_usd=float("nan")), "budget.over_tolerance_usd"),
])
def test_bad_tolerance_names_the_key(mutate, key):
    """A negative, NaN, infinite or non-numeric tolerance is a load error naming its key."""
    table = raw()
    mutate(table)
    with pytest.raises(PlanError, match=key.replace(".", r"\.")):
        parse_plan(table)


def test_nan_tolerance_in_the_file_is_refused(tmp_path):
    """TOML can spell NaN (`nan`): load_plan refuses it with the key and the rule."""
    text = DEFAULT_PLAN_PATH.read_text().replace("tolerance = 0.1 ", "tolerance = nan ", 1)
    path = tmp_path / "plan.toml"
    path.write_text(text)
    with pytest.raises(PlanError, match=r"kpis\.infra_cost_pct_revenue\.tolerance.*not NaN"):
        load_plan(path)


def test_tolerances_as_in_the_plan_file(plan):
    """Each KPI judged by a tolerance has one; the means over n records (judged by their interval)
    and a plan without the key have 0; the budget's over-tolerance is 1 % and $500."""
    tolerances = {k.key: k.tolerance for k in plan.kpis}
    assert tolerances == {"uptime_pct": 0.01, "mttr_hours": 0.0, "mtbf_hours": 1.0, "csat": 0.0,
                          "first_response_hours": 0.0, "fcr_pct": 0.0, "infra_cost_pct_revenue": 0.1,
                          "support_cost_per_user_usd": 0.05, "automation_pct": 0.5, "kb_self_service_pct": 0.5,
                          "certification_pct": 0.5, "training_hours": 0.5}
    assert (plan.over_budget_tolerance.pct, plan.over_budget_tolerance.usd) == (1.0, 500.0)
    table = raw()
    del table["kpis"]["uptime_pct"]["tolerance"], table["budget"]["over_tolerance_pct"]
    bare = parse_plan(table)
    assert bare.kpi("uptime_pct").tolerance == 0.0 and bare.over_budget_tolerance.pct == 0.0
