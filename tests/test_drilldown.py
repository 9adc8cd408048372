"""Drill-down compositions against hand-computed answers, and their agreement with the scorecard."""
from __future__ import annotations

import math
from dataclasses import replace
from datetime import date, datetime
from zoneinfo import ZoneInfo

import pandas as pd
import pytest

from analytics import drilldown as dd
from core.period import Period
from core.plan import Plan
from tests.test_reliability import windows

BKK = ZoneInfo("Asia/Bangkok")
JUNE = Period(date(2026, 6, 1), date(2026, 7, 1))  # 30 days, 720 hours
COLUMNS = ["incident_id", "service_id", "severity", "impact", "started_at", "detected_at", "acknowledged_at",
           "resolved_at", "escalated_at", "is_customer_facing"]


def at(day: int, hour: float, month: int = 6) -> pd.Timestamp:
    """A local Bangkok time in 2026."""
    return pd.Timestamp(datetime(2026, month, day, tzinfo=BKK)) + pd.Timedelta(hours=hour)


def incidents(*rows: tuple) -> pd.DataFrame:
    """Rows of (id, service, severity, impact, started, resolved, acknowledged) as an incidents frame;
    detection is at the start; 'batch' is the one service that is not customer-facing."""
    frame = pd.DataFrame([{"incident_id": i, "service_id": s, "severity": sev, "impact": imp, "started_at": a,
                           "detected_at": a, "acknowledged_at": ack, "resolved_at": b, "escalated_at": pd.NaT,
                           "is_customer_facing": s != "batch"} for i, s, sev, imp, a, b, ack in rows], columns=COLUMNS)
    for col in COLUMNS[4:9]:
        frame[col] = pd.to_datetime(frame[col], utc=True)
    return frame


# A 60-minute outage of web (critical, acknowledged after 10 min), a 2-hour outage of batch (high,
# not customer-facing), a medium incident with no outage, and 2 hours of global maintenance.
JUNE_INCIDENTS = incidents(
    ("A", "web", "critical", "outage", at(10, 10), at(10, 11), at(10, 10 + 10 / 60)),
    ("B", "batch", "high", "outage", at(20, 0), at(20, 2), at(20, 0.25)),
    ("C", "web", "medium", "degraded", at(25, 9), at(25, 12), at(25, 9.5)))
JUNE_WINDOWS = windows((None, at(7, 2), at(7, 4)))


def test_span_labels_are_short_and_months_are_flagged():
    """A calendar month, whole months, and a span that ends mid-month."""
    assert dd.span_label(JUNE) == "Jun 2026"
    assert dd.span_label(Period(date(2026, 8, 1), date(2026, 11, 1))) == "Aug-Oct 2026"
    assert dd.span_label(Period(date(2025, 11, 1), date(2026, 2, 1))) == "Nov 2025-Jan 2026"
    assert dd.span_label(Period(date(2026, 1, 1), date(2026, 11, 27))) == "01 Jan-26 Nov 2026"
    assert dd.is_month(JUNE) and dd.is_month(Period(date(2026, 11, 1), date(2026, 11, 27)))
    assert not dd.is_month(Period(date(2026, 8, 1), date(2026, 11, 1)))


def test_scope_incidents_and_windows():
    """A chosen service counts toward uptime even when not customer-facing; severities filter rows;
    a service keeps the global windows and its own."""
    rows = dd.scope_incidents(JUNE_INCIDENTS, services=("batch",))
    assert list(rows["incident_id"]) == ["B"] and rows["is_customer_facing"].all()
    assert list(dd.scope_incidents(JUNE_INCIDENTS, severities=("critical", "medium"))["incident_id"]) == ["A", "C"]
    assert dd.scope_incidents(JUNE_INCIDENTS) is JUNE_INCIDENTS
    both = windows((None, at(1, 2), at(1, 3)), ("web", at(2, 2), at(2, 3)), ("db", at(3, 2), at(3, 3)))
    assert list(dd.scope_windows(both, ("web",))["window_id"]) == ["W0", "W1"]
    assert len(dd.scope_windows(both)) == 3


def test_sum_channels_gives_the_daily_aggregate():
    """Two channels on one day sum to one row; a filter keeps only the chosen channel."""
    frame = pd.DataFrame({"day": ["2026-06-01", "2026-06-01", "2026-06-02"], "channel": ["email", "phone", "email"],
                          "n_resolved": [3, 4, 5], "n_first_contact": [1, 2, 3]})
    total = dd.sum_channels(frame)
    assert list(total["n_resolved"]) == [7, 5] and list(total.columns) == ["day", "n_resolved", "n_first_contact"]
    assert list(dd.sum_channels(frame, ("phone",))["n_first_contact"]) == [2]


def test_reliability_by_span(plan: Plan):
    """System uptime 1 - 1 h / (720 - 2) h; MTTR over the two failures (1 h, 2 h): mean and median
    1.5 h, p90 1.9 h; MTBF (720 - 1) / 2 = 359.5 h; MTTA over the three incidents (10, 15, 30 min)."""
    row = dd.reliability_by_span(JUNE_INCIDENTS, JUNE_WINDOWS, plan, [JUNE]).iloc[0]
    assert row["uptime_pct"] == pytest.approx(100 * (1 - 1 / 718))
    assert (row["down_minutes"], row["planned_hours"], row["n_outages"]) == (pytest.approx(60), 2.0, 1)
    assert (row["mttr_hours"], row["mttr_median_hours"], row["mttr_p90_hours"]) == (
        pytest.approx(1.5), pytest.approx(1.5), pytest.approx(1.9))
    assert (row["mtbf_hours"], row["n_failures"]) == (pytest.approx(359.5), 2)
    assert row["mtbf_lower_hours"] < 359.5 < row["mtbf_upper_hours"]
    assert row["mtta_hours"] == pytest.approx((10 + 15 + 30) / 3 / 60)
    assert (row["span"], bool(row["is_month"])) == ("Jun 2026", True)


def test_mtbf_without_failures_is_a_lower_bound(plan: Plan):
    """No failure: MTBF is the operating hours, flagged, with an unbounded upper limit."""
    row = dd.reliability_by_span(JUNE_INCIDENTS.iloc[2:], JUNE_WINDOWS, plan, [JUNE]).iloc[0]
    assert (row["mtbf_hours"], bool(row["is_mtbf_lower_bound"])) == (720.0, True)
    assert row["mtbf_upper_hours"] is None and row["mtbf_lower_hours"] > 0


def test_uptime_by_service_and_the_selection(plan: Plan):
    """batch's own uptime 1 - 2/718 = 99.72 %, web 1 - 1/718 = 99.86 % (both between the 99.7 %
    baseline and the 99.9 % target), cdn 100 %; the selection of batch alone counts batch's outage
    though batch is not customer-facing."""
    grid = dd.uptime_by_service(JUNE_INCIDENTS, JUNE_WINDOWS, plan, [JUNE], ["web", "batch", "cdn"])
    grid = grid.set_index("service_id")
    assert grid.loc["batch", "uptime_pct"] == pytest.approx(100 * (1 - 2 / 718))
    assert grid.loc["web", "uptime_pct"] == pytest.approx(100 * (1 - 1 / 718))
    assert list(grid["status"]) == ["improving", "improving", "met"]
    selection = dd.scope_incidents(JUNE_INCIDENTS, services=("batch",))
    assert dd.reliability_by_span(selection, JUNE_WINDOWS, plan, [JUNE]).iloc[0]["uptime_pct"] == pytest.approx(
        100 * (1 - 2 / 718))


def test_service_uptime_of_several_months_is_judged_by_its_worst_month(plan: Plan):
    """June and July: web is down 1 h of 1,462 h, 99.93 % (met as a period), but June alone is
    99.86 %, so the span is improving, as the scorecard judges it; cdn is met either way."""
    both = Period(date(2026, 6, 1), date(2026, 8, 1))
    grid = dd.uptime_by_service(JUNE_INCIDENTS, JUNE_WINDOWS, plan, [both], ["web", "cdn"]).set_index("service_id")
    assert grid.loc["web", "uptime_pct"] == pytest.approx(100 * (1 - 1 / 1462))
    assert list(grid["status"]) == ["improving", "met"]
    by_period = replace(plan, settings=replace(plan.settings, uptime_judged_by="period"))
    assert list(dd.uptime_by_service(JUNE_INCIDENTS, JUNE_WINDOWS, by_period, [both], ["web", "cdn"])["status"]) == [
        "met", "met"]


def test_incidents_by_severity_in_plan_order(plan: Plan):
    """One critical, one high, one medium, no low; a filter keeps only its severities."""
    counts = dd.incidents_by_severity(JUNE_INCIDENTS, plan, [JUNE])
    assert list(counts["severity"]) == ["critical", "high", "medium", "low"]
    assert list(counts["n_incidents"]) == [1, 1, 1, 0]
    assert list(dd.incidents_by_severity(JUNE_INCIDENTS, plan, [JUNE], ("low",))["severity"]) == ["low"]


def test_severity_sla_grid_carries_the_plan_targets(plan: Plan):
    """Critical A: acknowledged in 10 min (target 15), resolved in 60 min (target 1 h), due for
    escalation at once but never escalated. Targets come from plan.toml."""
    grid = dd.severity_sla_by_span(JUNE_INCIDENTS, plan, [JUNE]).set_index("severity")
    assert list(grid.index) == ["critical", "high", "medium", "low"]
    critical = grid.loc["critical"]
    assert (critical["n"], critical["response_pct"], critical["resolution_pct"]) == (1, 100.0, 100.0)
    assert (critical["n_escalation_due"], critical["escalation_pct"]) == (1, 0.0)
    assert (critical["response_target_minutes"], critical["resolution_target_minutes"]) == (15, 60)
    assert grid.loc["low", "n"] == 0 and pd.isna(grid.loc["low", "response_pct"])
    rows = dd.severity_sla_rows(grid.reset_index(), plan)
    assert len(rows) == 12
    assert list(rows["target"][:4]) == ["response · critical: 15 min", "response · high: 30 min",
                                        "response · medium: 2 h", "response · low: 24 h"]
    assert rows["target"].iloc[8] == "escalation · critical: at once, 5 min grace"
    assert rows["target"].iloc[9] == "escalation · high: after 2 h"


def test_error_budget_of_a_closed_month(plan: Plan):
    """Allowance 0.1 % of (720 - 2) h = 43.08 min; 60 min spent, all on 10 June: overspent by 16.92 min."""
    row = dd.error_budget_by_month(JUNE_INCIDENTS, JUNE_WINDOWS, plan, [JUNE], as_of=date(2026, 7, 15)).iloc[0]
    assert row["allowed_minutes"] == pytest.approx(43.08)
    assert row["spent_minutes"] == pytest.approx(60.0)
    assert row["remaining_minutes"] == pytest.approx(-16.92)
    assert row["spent_pct"] == pytest.approx(60 / 43.08 * 100)
    assert not row["is_open"] and row["days_to_exhaustion"] is None
    assert row["exhausted_on"] == date(2026, 6, 10)
    assert dd.nominal_error_budget_minutes(plan) == pytest.approx(43.2)


def test_error_budget_of_a_running_month(plan: Plan):
    """A 20-minute outage on 5 June, seen on 16 June (15 days passed): 4/3 min a day, so the 23.08 min
    left last 17.31 days; the allowance is for the whole month, and a clipped span is widened to it."""
    short = incidents(("A", "web", "critical", "outage", at(5, 10), at(5, 10 + 20 / 60), at(5, 10.1)))
    so_far = Period(date(2026, 6, 1), date(2026, 6, 16))
    row = dd.error_budget_by_month(short, JUNE_WINDOWS, plan, [so_far], as_of=date(2026, 6, 16)).iloc[0]
    assert (row["start"], row["end"], bool(row["is_open"])) == (date(2026, 6, 1), date(2026, 7, 1), True)
    assert row["remaining_minutes"] == pytest.approx(23.08)
    assert row["days_to_exhaustion"] == pytest.approx(23.08 / (20 / 15))
    assert row["exhausted_on"] is None


def test_budget_burn_is_cumulative_per_day(plan: Plan):
    """Nothing spent until 10 June, then 60 minutes; days after `as_of` are not drawn."""
    burn = dd.budget_burn(JUNE_INCIDENTS, JUNE_WINDOWS, plan, JUNE, as_of=date(2026, 6, 12))
    assert list(burn["day"]) == [date(2026, 6, d) for d in range(1, 12)]
    assert list(burn["spent_minutes"][8:]) == [0.0, pytest.approx(60.0), pytest.approx(60.0)]
    assert burn["allowed_minutes"].iloc[0] == pytest.approx(43.08)


def test_incident_timeline_judges_each_step(plan: Plan):
    """A: acknowledged after 10 min (within 15), never escalated though due at once, resolved at 60 min."""
    line = dd.incident_timeline(JUNE_INCIDENTS.iloc[0], plan).set_index("step")
    assert list(line.index) == ["started", "detected", "acknowledged", "escalated", "resolved"]
    assert line.loc["acknowledged", "minutes_after_detection"] == pytest.approx(10)
    assert (line.loc["acknowledged", "target"], line.loc["acknowledged", "outcome"]) == ("within 15 min",
                                                                                         "within target")
    assert line.loc["escalated", "outcome"] == "never escalated"
    assert (line.loc["resolved", "target"], line.loc["resolved", "outcome"]) == ("within 1 h", "within target")
    assert line.loc["resolved", "due_at"] == at(10, 11)
    medium = dd.incident_timeline(JUNE_INCIDENTS.iloc[2], plan).set_index("step")
    assert medium.loc["escalated", "outcome"] == "not needed: resolved before the escalation point"


def test_channel_sla_per_span_and_rows(plan: Plan):
    """June: email 8 of 10 answered in time, 5 of 10 resolved in time; July: 10 of 10; the period
    total is 18 of 20. Phone has no resolution target."""
    daily = pd.DataFrame({"day": pd.to_datetime(["2026-06-01", "2026-07-01", "2026-06-02"]),
                          "channel": ["email", "email", "phone"], "n_tickets": [10, 10, 4],
                          "n_response_within": [8, 10, 1], "n_resolution_applicable": [10, 10, 0],
                          "n_resolution_within": [5, 10, 0]})
    both = Period(date(2026, 6, 1), date(2026, 8, 1))
    grid = dd.channel_sla_by_span(daily, [JUNE, Period.month(date(2026, 7, 1)), both], ("email",))
    assert list(grid["response_pct"]) == [80.0, 100.0, 90.0]
    assert list(grid["resolution_pct"]) == [50.0, 100.0, 75.0]
    assert list(grid["is_month"]) == [True, True, False]
    rows = dd.channel_sla_rows(dd.channel_sla_by_span(daily, [JUNE]), plan).set_index("target")
    assert rows.loc["first response · Phone: 1 min", "on_time_pct"] == 25.0
    assert pd.isna(rows.loc["resolution · Phone: no target", "on_time_pct"])
    assert rows.loc["resolution · Email: 24 h", "n"] == 10
    assert dd.channel_label(plan, "live_chat", "resolution") == "Live chat: 30 min, simple issues"


def test_csat_by_span_with_interval_and_top_two():
    """Scores 4, 5, 2, 3: mean 3.5, half of them 4-5; s^2 = (54 - 4 x 3.5^2) / 3 = 5/3, so the 95 %
    interval is 3.5 +- 1.96 sqrt(5/12)."""
    survey = pd.DataFrame({"day": pd.to_datetime(["2026-06-01", "2026-06-02"]), "n_responses": [2, 2],
                           "score_sum": [9, 5], "score_sq_sum": [41, 13], "n_top2": [2, 0]})
    row = dd.csat_by_span(survey, [JUNE]).iloc[0]
    half = 1.96 * math.sqrt(5 / 12)
    assert (row["n_responses"], row["csat"], row["top2_pct"]) == (4, pytest.approx(3.5), 50.0)
    assert (row["lower"], row["upper"]) == (pytest.approx(3.5 - half), pytest.approx(3.5 + half))
    empty = dd.csat_by_span(survey, [Period.month(date(2026, 9, 1))]).iloc[0]
    assert empty["csat"] is None and empty["lower"] is None and empty["top2_pct"] is None


TIMES = pd.DataFrame({"month": pd.to_datetime(["2026-06-01", "2026-06-01"]), "channel": ["email", "phone"],
                      "priority": ["critical", "low"], "n_tickets": [10, 5], "n_tier2": [2, 1], "n_tier3": [1, 0]})


def test_tiers_and_volume_by_month():
    """15 tickets: 3 reached tier 2, 1 tier 3, so 11 stayed at tier 1; email alone: 7, 2, 1."""
    tiers = dd.tiers_by_month(TIMES)
    assert list(tiers["tier"]) == list(dd.TIERS)
    assert list(tiers["n_tickets"]) == [11, 3, 1]
    assert tiers["share_pct"].iloc[0] == pytest.approx(11 / 15 * 100)
    assert list(dd.tiers_by_month(TIMES, ("email",))["n_tickets"]) == [7, 2, 1]
    volume = dd.volume_by_month(TIMES)
    assert list(zip(volume["channel"], volume["n_tickets"])) == [("email", 10), ("phone", 5)]


def test_hour_of_week_is_an_average_week():
    """14 email tickets on Mondays 00:00 and 7 phone tickets on Sundays 23:00 over two weeks."""
    shape = pd.DataFrame({"channel": ["email", "phone"], "hour_of_week": [0, 167], "n_tickets": [14, 7]})
    grid = dd.hour_of_week(shape, Period(date(2026, 6, 1), date(2026, 6, 15)))
    assert len(grid) == 168 and grid["tickets_per_week"].sum() == pytest.approx(10.5)
    assert (grid.iloc[0]["weekday"], grid.iloc[0]["hour"], grid.iloc[0]["tickets_per_week"]) == ("Mon", 0, 7.0)
    assert (grid.iloc[167]["weekday"], grid.iloc[167]["hour"], grid.iloc[167]["tickets_per_week"]) == ("Sun", 23, 3.5)
    assert dd.hour_of_week(shape, Period(date(2026, 6, 1), date(2026, 6, 15)), ("email",)).iloc[167][
        "tickets_per_week"] == 0


def test_channel_times_carry_the_plan_targets(plan: Plan):
    """Live chat: answer within 2 min, resolve within 30; phone: 1 min and no resolution target."""
    times = pd.DataFrame({"month": ["2026-06-01"] * 2, "channel": ["live_chat", "phone"], "n_tickets": [3, 4],
                          "response_median_minutes": [1.0, 0.5], "response_p90_minutes": [3.0, 2.0],
                          "resolution_median_minutes": [20.0, 30.0], "resolution_p90_minutes": [40.0, 90.0]})
    out = dd.channel_times(times, plan).set_index("channel")
    assert (out.loc["live_chat", "response_target_minutes"], out.loc["live_chat", "resolution_target_minutes"]) == (
        2.0, 30.0)
    assert out.loc["phone", "response_target_minutes"] == 1.0 and pd.isna(out.loc["phone", "resolution_target_minutes"])
    assert list(dd.channel_times(times, plan, ("phone",)).index) == [0]


def test_threshold_labels_hours_and_totals(plan: Plan):
    """Labels read like the plan; two months of web CPU sum to 30 of 1,440 hours beyond 80 %."""
    labels = {t.metric: dd.threshold_label(t) for t in plan.thresholds}
    assert labels["cpu_pct"] == "cpu_pct > 80 %"
    assert labels["deadlocks_per_hour"] == "deadlocks_per_hour > 5 per hour"
    assert labels["replication_lag_s"] == "replication_lag_s > 30 s"
    assert labels["requests_per_s"] == "requests_per_s > 500 per s"
    hours = pd.DataFrame({"service_id": ["web", "web", "db"], "month": ["2026-06-01", "2026-07-01", "2026-06-01"],
                          "metric": ["cpu_pct", "cpu_pct", "deadlocks_per_hour"], "hours_observed": [720, 720, 720],
                          "hours_beyond": [10, 20, 0], "hours_suppressed": [1, 2, 0]})
    table = dd.threshold_hours(hours, plan)
    assert list(table["level"]) == ["warning", "warning", "critical"]
    assert table["beyond_pct"].iloc[0] == pytest.approx(10 / 720 * 100)
    assert list(dd.threshold_hours(hours, plan, ("db",))["service_id"]) == ["db"]
    totals = dd.threshold_totals(table).set_index("service_id")
    assert (totals.loc["web", "hours_beyond"], totals.loc["web", "hours_suppressed"]) == (30, 3)
    assert totals.loc["web", "beyond_pct"] == pytest.approx(30 / 1440 * 100)


def test_alerts_in_period_use_the_days_before_it(plan: Plan):
    """Revenue 21 % below the 28 days before it on 29 January is an alert of the period 29-31 January;
    the low survey days of 1-2 January lie outside it."""
    days = pd.date_range("2026-01-01", periods=31, freq="D")
    daily = pd.DataFrame({"day": days, "revenue_usd": [1000.0] * 28 + [790.0, 1000.0, 1000.0], "visits": 1000,
                          "orders": 100, "order_processing_minutes_p95": 30.0, "failed_logins_peak_hour": 10,
                          "suspicious_events": 0})
    csat = pd.DataFrame({"day": days[:2], "n_responses": [2, 2], "score_sum": [6, 6]})
    period = Period(date(2026, 1, 29), date(2026, 2, 1))
    assert dd.alert_days(plan, period) == (date(2026, 1, 1), date(2026, 2, 1))
    alerts = dd.alerts_in_period(daily, csat, plan, period)
    assert list(alerts["alert"]) == ["daily_revenue_pct_below_avg"]
    assert (alerts.iloc[0]["day"], alerts.iloc[0]["level"], alerts.iloc[0]["group"]) == (date(2026, 1, 29), "alert",
                                                                                         "business")


def test_budget_by_line_and_summary(plan: Plan):
    """Cloud services spent $7,000 in June against $72,000 / 12 = $6,000: $1,000 (16.7 %) over; July
    has no row, so no data rather than zero spend."""
    costs = pd.DataFrame({"month": pd.to_datetime(["2026-06-01"]), "line": ["cloud_services"], "amount_usd": [7000.0]})
    by_line = dd.budget_by_line(costs, plan, [JUNE, Period.month(date(2026, 7, 1))])
    assert len(by_line) == 2 * len(plan.budget_lines)
    cloud = by_line[by_line["line"] == "cloud_services"].set_index("month")
    june = cloud.loc[date(2026, 6, 1)]
    assert (june["budget_usd"], june["variance_usd"]) == (6000.0, 1000.0)
    assert june["variance_pct"] == pytest.approx(100 / 6)
    assert pd.isna(cloud.loc[date(2026, 7, 1), "actual_usd"])
    summary = dd.budget_summary(by_line)
    assert list(summary["line"]) == ["cloud_services"]
    assert (summary.iloc[0]["months"], summary.iloc[0]["budget_usd"]) == (1, 6000.0)
    bars = dd.budget_bars(summary)
    assert list(bars["series"]) == ["actual", "budget of the same months"] and list(bars["usd"]) == [7000.0, 6000.0]


def test_budget_by_line_follows_a_monthly_profile(plan: Plan):
    """Cloud services profiled 2:1 for the plan year's first month (September) against each other
    month: September's budget is 72,000 x 2 / 13, June's (the year's tenth month) 72,000 / 13."""
    profiled = replace(plan, budget_lines=tuple(replace(b, monthly_profile=(2.0,) + (1.0,) * 11)
                                                if b.name == "cloud_services" else b for b in plan.budget_lines))
    by_line = dd.budget_by_line(pd.DataFrame({"month": [], "line": [], "amount_usd": []}), profiled,
                                [Period.month(date(2026, 9, 1)), JUNE])
    cloud = by_line[by_line["line"] == "cloud_services"].set_index("month")["budget_usd"]
    assert (cloud[date(2026, 9, 1)], cloud[date(2026, 6, 1)]) == (pytest.approx(72000 * 2 / 13),
                                                                  pytest.approx(72000 / 13))
    security = by_line[by_line["line"] == "security_tools"]["budget_usd"]
    assert list(security) == [1500.0, 1500.0]  # no profile: pro rata


def test_coherence_inputs():
    """The latest month-end active users before the end, and checks as a plan says / data says table."""
    monthly = pd.DataFrame({"month": pd.to_datetime(["2026-05-01", "2026-06-01", "2026-07-01"]),
                            "active_users": [1800.0, 1900.0, None]})
    assert dd.latest_active_users(monthly, date(2026, 8, 1)) == 1900.0
    assert dd.latest_active_users(monthly, date(2026, 6, 1)) == 1800.0
    assert dd.latest_active_users(monthly, date(2026, 5, 1)) is None
    from analytics.coherence import Check

    frame = dd.checks_frame([Check("c", "p", "d", "g", "w")])
    assert list(frame.columns) == ["check", "plan says", "data says", "gap", "why"]
    assert list(frame.iloc[0]) == ["c", "p", "d", "g", "w"]


def test_filtered_inputs_agree_with_the_scorecard(demo_db, plan: Plan):
    """With every channel chosen, the day x channel sums give the scorecard's own support KPIs; the
    unfiltered monthly results are scorecard.trend's; a service filter keeps only its incidents."""
    from analytics.scorecard import evaluate, load_inputs, monthly_results, trend
    from data.warehouse import connect

    con = connect(demo_db, read_only=True)
    span = Period(date(2026, 8, 1), date(2026, 11, 1))
    plain = {r.kpi: r.value for r in evaluate(load_inputs(con, plan, span), plan, span)}
    channels = tuple(c.name for c in plan.channels)
    every = {r.kpi: r.value for r in evaluate(dd.load_inputs(con, plan, span, channels=channels), plan, span)}
    for kpi in ("first_response_hours", "fcr_pct", "csat"):
        assert every[kpi] == pytest.approx(plain[kpi])
    email = {r.kpi: r.value for r in evaluate(dd.load_inputs(con, plan, span, channels=("email",)), plan, span)}
    assert email["fcr_pct"] != pytest.approx(plain["fcr_pct"])
    months = monthly_results(dd.load_inputs(con, plan, span), plan, span.months())
    expected = trend(con, plan, span.end, 3)
    pd.testing.assert_frame_equal(months.reset_index(drop=True), expected.reset_index(drop=True))
    web = dd.load_inputs(con, plan, span, services=("web",), severities=("critical", "high"))
    assert set(web.incidents["service_id"]) <= {"web"} and set(web.incidents["severity"]) <= {"critical", "high"}


def test_outage_views_agree_on_a_wider_timeline(demo_db, plan: Plan):
    """Handing the views the Timeline of a wider span (as the reliability page does) changes no
    number: each month's burn, budget and uptime by service equal those built from that month alone."""
    from analytics.scorecard import load_inputs
    from data.warehouse import connect

    con = connect(demo_db, read_only=True)
    span = Period(date(2026, 8, 1), date(2026, 11, 1))
    wide = load_inputs(con, plan, span)
    services = sorted(set(wide.incidents["service_id"]))
    for month in span.months():
        alone = load_inputs(con, plan, month)
        pd.testing.assert_frame_equal(
            dd.budget_burn(wide.incidents, wide.windows, plan, month, date(2026, 11, 20), wide.outages),
            dd.budget_burn(alone.incidents, alone.windows, plan, month, date(2026, 11, 20)))
        pd.testing.assert_frame_equal(
            dd.error_budget_by_month(wide.incidents, wide.windows, plan, [month], date(2026, 11, 20), wide.outages),
            dd.error_budget_by_month(alone.incidents, alone.windows, plan, [month], date(2026, 11, 20)))
        pd.testing.assert_frame_equal(
            dd.uptime_by_service(wide.incidents, wide.windows, plan, [month], services, wide.outages),
            dd.uptime_by_service(alone.incidents, alone.windows, plan, [month], services))


def test_a_page_on_its_trend_year_shows_the_numbers_of_its_period_alone(demo_db, plan: Plan):
    """A page reads the inputs of the year its trend draws (scorecard.page_span): the scorecard and every
    incident view of a three-month period, also with a service and severity filter, equal those
    built from the period's own load. (The period lies inside the year, not at its end, so both
    of its bounds are tested.)"""
    from analytics import reliability
    from analytics.scorecard import evaluate
    from data.warehouse import connect

    con = connect(demo_db, read_only=True)
    period, year = Period(date(2026, 6, 1), date(2026, 9, 1)), Period(date(2025, 11, 1), date(2026, 11, 1))
    for services, severities in (((), ()), (("api",), ("high", "medium"))):
        wide, alone = (dd.load_inputs(con, plan, span, services, severities) for span in (year, period))
        assert len(wide.incidents) > len(alone.incidents)
        results = [(r.kpi, r.value, r.n, r.status, r.note) for r in evaluate(wide, plan, period)]
        assert results == [(r.kpi, r.value, r.n, r.status, r.note) for r in evaluate(alone, plan, period)]
        spans = [*period.months(), period]
        as_of = date(2026, 11, 20)
        for view in (lambda i: dd.reliability_by_span(i.incidents, i.windows, plan, spans, i.outages),
                     lambda i: dd.uptime_by_service(i.incidents, i.windows, plan, spans, ["api", "web"], i.outages),
                     lambda i: dd.error_budget_by_month(i.incidents, i.windows, plan, period.months(), as_of, i.outages),
                     lambda i: dd.budget_burn(i.incidents, i.windows, plan, period.months()[1], as_of, i.outages),
                     lambda i: dd.severity_sla_by_span(i.outages.incidents, plan, spans, severities),
                     lambda i: dd.incidents_by_severity(i.outages.incidents, plan, period.months(), severities)):
            pd.testing.assert_frame_equal(view(wide), view(alone))
        worst = [reliability.worst_incidents(i.incidents, *dd._bounds(plan, period), limit=15, times=i.outages.incidents)
                 for i in (wide, alone)]
        pd.testing.assert_frame_equal(*(w.reset_index(drop=True) for w in worst))
    con.close()


def test_mtta_of_a_month_does_not_depend_on_the_span_loaded(tmp_path, plan):
    """I9 started and was resolved on 20 Jan but detected on 2 Feb (the schema allows a resolution
    recorded before the detection), acknowledged 6 h later; I10 on 10 Feb, acknowledged after
    10 min. February's MTTA counts both, (6 h + 1/6 h) / 2, whether February is loaded alone or
    with January (it used to count I9 only when January was loaded too)."""
    from data.warehouse import connect

    con = connect(tmp_path / "w.duckdb")
    con.execute("""
        insert into services values ('web', 'Web', 'web', true, 2, 100);
        insert into incidents values
         ('I9', 'web', 'high', 'degraded', '2026-01-20 00:00+07', '2026-02-02 00:00+07', '2026-02-02 06:00+07',
          '2026-01-20 12:00+07', null, 1, false, 'found late'),
         ('I10', 'web', 'low', 'none', '2026-02-10 00:00+07', '2026-02-10 00:00+07', '2026-02-10 00:10+07',
          '2026-02-10 01:00+07', null, 1, false, 'quick');
    """)
    february = Period(date(2026, 2, 1), date(2026, 3, 1))
    for span in (february, Period(date(2026, 1, 1), date(2026, 3, 1))):
        i = dd.load_inputs(con, plan, span)
        row = dd.reliability_by_span(i.incidents, i.windows, plan, [february], i.outages).iloc[0]
        assert row["n_acknowledged"] == 2, span
        assert row["mtta_hours"] == pytest.approx((6 + 1 / 6) / 2), span
    con.close()


def test_high_priority_times_are_labelled_by_month():
    """Each month's row gets its short label first; the numbers are left as they are."""
    rows = pd.DataFrame({"month": pd.to_datetime(["2026-08-01", "2026-09-01"]), "n_tickets": [3, 4],
                         "response_mean_hours": [2.5, 1.0]})
    out = dd.high_priority_times(rows)
    assert list(out.columns) == ["span", "month", "n_tickets", "response_mean_hours"]
    assert list(out["span"]) == ["Aug 2026", "Sep 2026"] and list(out["n_tickets"]) == [3, 4]


def test_budget_bars_series_have_the_pages_colours(plan: Plan):
    """Every series budget_bars names has its colour in palette.BUDGET_COLOURS (a renamed series would
    fall back to plotly's colours without an error)."""
    from ui import palette, scorecard

    costs = pd.DataFrame({"month": pd.to_datetime(["2026-06-01"]), "line": ["cloud_services"], "amount_usd": [7000.0]})
    bars = dd.budget_bars(dd.budget_summary(dd.budget_by_line(costs, plan, [JUNE])))
    assert set(bars["series"]) == set(palette.BUDGET_COLOURS)
