"""The alert rules (models/alerts.py) by hand: each rule on a few made-up rows, and what a run changes."""
from __future__ import annotations

import tomllib
from datetime import UTC, date, datetime

import pandas as pd
import pytest

from analytics.freshness import Source
from analytics.measure import judge
from analytics.scorecard import KpiResult
from core.period import Period
from core.plan import DEFAULT_PLAN_PATH, PlanError, parse_plan
from models import alerts, budget

PERIOD = Period(date(2026, 8, 1), date(2026, 11, 1))
TODAY = date(2026, 11, 26)
LINK = "start=2026-08-01&end=2026-11-01"


def result(plan, key: str, value: float) -> KpiResult:
    k = plan.kpi(key)
    j = judge(value, k)
    return KpiResult(key, k.label, k.area, value, k.unit, k.target, k.baseline, k.op, j.status, 10, "records", "",
                     at=j.at, tolerance=k.tolerance)


def test_a_kpi_at_or_beyond_its_baseline_is_an_alert(plan):
    """Uptime: baseline 99.7, tolerance 0.01. 99.69 is 0.01 from the baseline: within tolerance, so
    at baseline: off track, an alert. 99.72 is 0.02 above it: improving, no alert. 99.95 is met."""
    results = [result(plan, "uptime_pct", v) for v in (99.69, 99.72, 99.95)]
    assert [r.status for r in results] == ["off track", "improving", "met"]
    found = alerts.kpi_alerts(results, PERIOD, TODAY)
    assert [(a.rule, a.subject, a.value, a.threshold) for a in found] == [("kpi_off_track", "uptime_pct", 99.69, 99.7)]
    assert found[0].link == f"/reliability?{LINK}" and found[0].since == TODAY


def test_a_budget_line_heading_over_is_an_alert(plan):
    """Plan year from 1 Sep 2026, as of 1 Dec 2026: 3 months closed. Security tools ($18,000 a year)
    spent $2,000 a month: projected 6,000 + 2,000 x 9 = $24,000, $6,000 over (more than $500 and
    1 % = $180): an alert. Cloud ($72,000) at $6,000 a month: projected 18,000 + 6,000 x 9 =
    $72,000, on budget. Lines with no spend run at annual/12 from nothing: 9/12 of their budget."""
    costs = pd.concat([pd.DataFrame({"month": pd.date_range("2026-09-01", periods=3, freq="MS"), "line": line,
                                     "amount_usd": amount})
                       for line, amount in (("security_tools", 2000.0), ("cloud_services", 6000.0))])
    table = budget.projection(costs, plan, date(2026, 9, 1), date(2026, 12, 1))
    found = alerts.budget_alerts(table, PERIOD, TODAY)
    assert [(a.subject, a.value, a.threshold, a.unit) for a in found] == [("security_tools", 24000.0, 18000.0, "USD")]
    assert found[0].link == f"/budget?{LINK}"


def test_a_capacity_line_crossed_within_the_horizon_is_an_alert():
    """Data through 26 Nov 2026, horizon 30 days: a crossing on 26 Dec (30 days) is an alert, on
    27 Dec (31 days) is not, nor is none in the forecast."""
    crossings = pd.DataFrame({"service_id": ["api", "web", "db"], "resource": ["cpu_pct", "memory_pct", "disk_pct"],
                              "current_pct": [71.5, 60.0, 50.0],
                              "scale_up_at": [pd.Timestamp("2026-12-26"), pd.Timestamp("2026-12-27"), None]})
    found = alerts.capacity_alerts(crossings, 80.0, 30, TODAY, PERIOD, TODAY)
    assert [(a.subject, a.value, a.threshold) for a in found] == [("api cpu_pct", 71.5, 80.0)]
    assert "26 Dec 2026, in 30 days" in found[0].detail


def test_stale_data_is_an_alert_from_the_day_it_went_stale():
    """Plan zone UTC+7, stale after 7 days, today 26 Nov. Tickets run through 18 Nov 17:00 UTC =
    19 Nov 00:00 local: last day 18 Nov, 8 days old: stale since 18 + 7 + 1 = 26 Nov. Incidents'
    last day is 19 Nov: 7 days, not more: fresh. A table never imported is not judged."""
    found = [Source("tickets", through_at=datetime(2026, 11, 18, 17, tzinfo=UTC)),
             Source("incidents", through_at=datetime(2026, 11, 19, 17, tzinfo=UTC)), Source("staff")]
    out = alerts.stale_alerts(found, TODAY, "Asia/Bangkok", 7, PERIOD)
    assert [(a.subject, a.since, a.value, a.threshold) for a in out] == [("tickets", date(2026, 11, 26), 8.0, 7.0)]
    assert out[0].link == f"/data?{LINK}"


def test_an_sla_below_its_floor_is_an_alert(plan):
    """Floors: 90 % (alerts.sla_floor_pct) for severities and channel resolution, 80 % (staffing's
    service-level goal) for channel first response; at least 5 records. Critical response 80 % of
    5: alert. Critical resolution 80 % of 4: too few records. High escalation exactly 90 %: not
    below. Email first response 79.9 % of 100: below 80, alert; live chat's 85 %: not. Email
    resolution 85 %: below 90, alert."""
    severity = pd.DataFrame({"measure": ["response", "resolution", "escalation"],
                             "severity": ["critical", "critical", "high"], "target": ["r", "s", "e"],
                             "on_time_pct": [80.0, 80.0, 90.0], "n": [5, 4, 10]})
    channel = pd.DataFrame({"measure": ["first response", "first response", "resolution"],
                            "channel": ["email", "live_chat", "email"], "target": ["f", "g", "h"],
                            "on_time_pct": [79.9, 85.0, 85.0], "n": [100, 100, 100]})
    found = alerts.sla_alerts(severity, channel, plan, PERIOD, TODAY)
    assert [(a.subject, a.value, a.threshold) for a in found] == [
        ("severity critical response", 80.0, 90.0), ("channel email first response", 79.9, 80.0),
        ("channel email resolution", 85.0, 90.0)]
    assert [a.link.split("?")[0] for a in found] == ["/reliability", "/support", "/support"]


def alert(rule: str, subject: str, since: date = TODAY) -> alerts.Alert:
    return alerts.Alert(rule, subject, since, 1.0, 2.0, "%", "", "/")


def test_a_run_changes_what_is_new_and_what_cleared():
    """Found A and B; the log has B and C open: A is new, C cleared, B still active."""
    a, b = alert("data_stale", "a"), alert("data_stale", "b")
    ch = alerts.changes([a, b], [("data_stale", "b"), ("data_stale", "c")])
    assert (ch.new, ch.cleared, ch.still) == ((a,), (("data_stale", "c"),), (b,))


def test_since_is_the_first_sighting_when_earlier():
    first = {("data_stale", "a"): date(2026, 11, 20), ("data_stale", "b"): date(2026, 11, 30)}
    out = alerts.with_first_seen([alert("data_stale", "a"), alert("data_stale", "b"), alert("data_stale", "c")], first)
    assert [x.since for x in out] == [date(2026, 11, 20), TODAY, TODAY]


def test_the_plan_gives_the_alert_rules(plan):
    assert (plan.alerts.capacity_within_days, plan.alerts.sla_floor_pct, plan.alerts.sla_min_records) == (30, 90.0, 5)


@pytest.mark.parametrize("key,value", [("capacity_within_days", 0), ("sla_floor_pct", 120.0), ("sla_min_records", "5")])
def test_a_bad_alert_rule_names_its_key(key, value):
    with open(DEFAULT_PLAN_PATH, "rb") as fh:
        table = tomllib.load(fh)
    table["alerts"][key] = value
    with pytest.raises(PlanError, match=f"alerts.{key}"):
        parse_plan(table)
