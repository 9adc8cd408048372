"""plan.toml: every number of the plan, typed; a malformed file names the key."""
from __future__ import annotations

import tomllib

import pytest

from core.plan import DEFAULT_PLAN_PATH, PlanError, load_plan, parse_plan


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
    (lambda t: t["settings"].update(growth_borne_out_ratio=[1.1, 1.25]), "settings.growth_borne_out_ratio"),
    (lambda t: t["settings"].update(growth_borne_out_ratio=[0.8]), "settings.growth_borne_out_ratio"),
    (lambda t: t["settings"].update(growth_borne_out_ratio=[0.0, 1.25]), "settings.growth_borne_out_ratio"),
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


# --- the whole file is checked on load: ranges, sums, dates, zones and the plain sections ----------

def _set(path: str, value):
    """A mutation setting the dotted key `path` to `value`."""
    def mutate(t: dict) -> None:
        *parents, last = path.split(".")
        node = t
        for part in parents:
            node = node[part]
        node[last] = value
    return mutate


def _drop(path: str):
    def mutate(t: dict) -> None:
        *parents, last = path.split(".")
        node = t
        for part in parents:
            node = node[part]
        del node[last]
    return mutate


@pytest.mark.parametrize("mutate,key", [
    (_set("kpis.uptime_pct.target", 150.0), "kpis.uptime_pct.target"),          # a percentage above 100
    (_set("kpis.fcr_pct.baseline", -1.0), "kpis.fcr_pct.baseline"),
    (_set("kpis.mttr_hours.target", -4.0), "kpis.mttr_hours.target"),           # a negative duration
    (_set("kpis.csat.target", 6.0), "kpis.csat.target"),                        # a 1-5 score of 6
    (_set("kpis.csat.target", float("nan")), "kpis.csat.target"),
    (_set("kpis.mtbf_hours.baseline", float("inf")), "kpis.mtbf_hours.baseline"),
    (_set("monitoring.infrastructure.cpu_pct.value", float("nan")), "monitoring.infrastructure.cpu_pct.value"),
    (_set("capacity.reserve_pct", float("inf")), "capacity.reserve_pct"),
    (_set("budget.lines.cloud_services.annual_usd", 72001), "budget.total_usd"),  # lines 670,001 != 670,000
    (_set("plan.first_year_start", "2025-02-30"), "plan.first_year_start"),
    (_set("plan.first_year_start", "01/09/2025"), "plan.first_year_start"),
    (_set("plan.timezone", "Asia/Bangkokk"), "plan.timezone"),
    (_set("maintenance.daily.start", "25:00"), "maintenance.daily.start"),
    (_set("maintenance.weekly.weekday", "Sundy"), "maintenance.weekly.weekday"),
    (_set("maintenance.monthly.week_of_month", 6), "maintenance.monthly.week_of_month"),
    (_set("maintenance.daily.duration_minutes", -30), "maintenance.daily.duration_minutes"),
    (_drop("maintenance.security_patches.end"), "maintenance.security_patches.end"),
    (_set("backup.full.every_minutes", 0), "backup.full.every_minutes"),
    (_set("backup.full.at", "2am"), "backup.full.at"),
    (_set("disaster_recovery.rto_minutes", float("nan")), "disaster_recovery.rto_minutes"),
    (_drop("disaster_recovery.rpo_minutes"), "disaster_recovery.rpo_minutes"),
    (_set("alerting.suppress_during_maintenance", "yes"), "alerting.suppress_during_maintenance"),
    (_set("alerting.critical_escalation_minutes", -15), "alerting.critical_escalation_minutes"),
    (_set("escalation_matrix.critical_minutes", [15, -30, 60]), "escalation_matrix.critical_minutes"),
    (_set("resource_allocation.customer_support_fte", "four"), "resource_allocation.customer_support_fte"),
])
def test_whole_plan_is_checked_and_each_error_names_its_key(mutate, key):
    """Ranges (a 150 % uptime target, a -4 h MTTR target, NaN and infinite numbers), the budget sum,
    impossible dates, unknown zones and the six plain sections: PlanError names the key at load."""
    table = raw()
    mutate(table)
    with pytest.raises(PlanError, match=r"'" + key.replace(".", r"\.") + r"'"):
        parse_plan(table)


def test_budget_sum_error_states_both_amounts():
    """Hand sum: 670,000 with cloud_services 72,000 -> 72,500 is 670,500, 500 over the total."""
    table = raw()
    table["budget"]["lines"]["cloud_services"]["annual_usd"] = 72500
    with pytest.raises(PlanError, match=r"670,000\.00 but the budget\.lines add up to 670,500\.00 \(difference "
                                        r"\+500\.00\)"):
        parse_plan(table)


CLI_TOOLS = [
    ("analytics.scorecard", ["--db", "{db}"]),
    ("models.scenario", ["--db", "{db}"]),
    ("data.demo", ["--db", "{new}"]),
    ("data.importer", ["--db", "{db}", "--table", "changes", "{csv}"]),
]


@pytest.mark.parametrize("module,args", CLI_TOOLS, ids=[m for m, _ in CLI_TOOLS])
def test_every_command_reads_the_plan_named_by_opsplan_plan(tmp_path, module, args):
    """Each command reads $OPSPLAN_PLAN like the app: given a plan with an unknown zone, it stops with
    the key named (exit 2, no traceback) instead of using plan.toml."""
    import os
    import subprocess
    import sys

    from data.warehouse import connect
    bad = tmp_path / "plan.toml"
    bad.write_text(DEFAULT_PLAN_PATH.read_text().replace('timezone = "Asia/Bangkok"', 'timezone = "Mars/Olympus"'))
    db = tmp_path / "w.duckdb"
    connect(db).close()
    csv = tmp_path / "c.csv"
    csv.write_text("change_id,service_id,category,deployed_at\nC1,web,standard,2025-01-03 09:00\n")
    argv = [a.format(db=db, new=tmp_path / "new.duckdb", csv=csv) for a in args]
    run = subprocess.run([sys.executable, "-m", module, *argv], cwd=DEFAULT_PLAN_PATH.parent, capture_output=True,
                         text=True, timeout=120, env={**os.environ, "OPSPLAN_PLAN": str(bad)})
    out = run.stdout + run.stderr
    assert run.returncode == 2 and "Traceback" not in out
    assert "'plan.timezone'" in out and "Mars/Olympus" in out


def test_growth_borne_out_ratio_from_the_file_or_its_default(plan):
    """plan.toml says [0.8, 1.25]; a plan without the key gets the same default."""
    assert plan.settings.growth_borne_out_ratio == (0.8, 1.25)
    table = raw()
    table["settings"]["growth_borne_out_ratio"] = [0.5, 2]
    assert parse_plan(table).settings.growth_borne_out_ratio == (0.5, 2.0)
    del table["settings"]["growth_borne_out_ratio"]
    assert parse_plan(table).settings.growth_borne_out_ratio == (0.8, 1.25)


def test_staffing_settings_and_opening_hours(plan):
    """[staffing] as written (80 % answered in target, occupancy at most 85 %, 30 % shrinkage, 40-hour weeks,
    chat 8 / email 15 / phone 10 minutes); opening hours from the channels' words: phone "08:00-20:00
    UTC+7, critical hotline 24/7" opens 8 to 20, "24/7" and "24/7 monitoring" all day. A plan file
    without [staffing] keeps those values."""
    s = plan.staffing
    assert (s.service_level_goal_pct, s.max_occupancy_pct, s.shrinkage_pct, s.hours_per_fte_week) == (80, 85, 30, 40)
    assert [s.handling(c) for c in ("live_chat", "email", "phone")] == [8.0, 15.0, 10.0]
    assert [plan.channel(c).open_hours for c in ("live_chat", "email", "phone")] == [(0, 24), (0, 24), (8, 20)]
    table = raw()
    del table["staffing"]
    assert parse_plan(table).staffing == s


@pytest.mark.parametrize("mutate,key", [
    (lambda t: t["channels"]["phone"].update(hours="business hours"), "channels.phone.hours"),
    (lambda t: t["channels"]["phone"].update(hours="20:00-08:00"), "channels.phone.hours"),
    (lambda t: t["staffing"].update(shrinkage_pct=100), "staffing.shrinkage_pct"),
    (lambda t: t["staffing"].update(max_occupancy_pct=0), "staffing.max_occupancy_pct"),
    (lambda t: t["staffing"]["handling_minutes"].pop("phone"), "staffing.handling_minutes"),
    (lambda t: t["staffing"]["handling_minutes"].update(email=0), "staffing.handling_minutes.email"),
])
def test_malformed_staffing_names_the_key(mutate, key):
    """Unreadable opening hours (no whole-hour span, none that ends after it starts, no 24/7) and impossible
    staffing values raise PlanError naming the key."""
    table = raw()
    mutate(table)
    with pytest.raises(PlanError, match=key.replace(".", r"\.")):
        parse_plan(table)
