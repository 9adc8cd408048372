"""The scorecard over a tiny hand-made warehouse: SQL, local-day boundaries, the JSON contract."""
from __future__ import annotations

import json
import subprocess
import sys
from dataclasses import replace
from datetime import date
from pathlib import Path

import pandas as pd
import pytest

from core.period import Period
from analytics.scorecard import KPI_INCIDENT_COLUMNS, MEASURES, evaluate, load_inputs, main, scorecard, trend
from data.warehouse import connect, local_midnight, query, query_events

JANUARY = Period(date(2026, 1, 1), date(2026, 2, 1))
KEYS = ["uptime_pct", "mttr_hours", "mtbf_hours", "csat", "first_response_hours", "fcr_pct",
        "infra_cost_pct_revenue", "support_cost_per_user_usd", "automation_pct", "kb_self_service_pct",
        "certification_pct", "training_hours"]

ROWS = """
insert into services values ('web', 'Web', 'web', true, 2, 100), ('batch', 'Batch', 'worker', false, 1, 50);
-- Outage 10:00-12:00 local on 5 Jan (03:00-05:00 UTC), overlapping another 11:00-13:00: 3 h down.
insert into incidents values
 ('I1', 'web', 'critical', 'outage', '2026-01-05 03:00+00', '2026-01-05 03:00+00', '2026-01-05 03:10+00',
  '2026-01-05 05:00+00', null, 1, false, 'db down'),
 ('I2', 'web', 'high', 'outage', '2026-01-05 04:00+00', '2026-01-05 04:30+00', '2026-01-05 04:40+00',
  '2026-01-05 06:00+00', null, 1, true, 'after deploy'),
 ('I3', 'batch', 'medium', 'outage', '2026-01-06 00:00+00', '2026-01-06 00:00+00', null,
  '2026-01-06 10:00+00', null, 1, false, 'batch only');
-- 02:00-04:00 local on 1 Jan: 2 h of planned maintenance.
insert into maintenance_windows values ('W1', null, 'daily', '2025-12-31 19:00+00', '2025-12-31 21:00+00');
-- Ticket T1 created 23:30 local on 31 Jan (16:30 UTC) belongs to January; T2 at 00:30 local 1 Feb does not.
insert into tickets values
 ('T1', 'email', 'high', 'billing', false, '2026-01-31 16:30+00', '2026-01-31 19:30+00', '2026-02-01 01:00+00', 0, 1, false, 'x'),
 ('T2', 'email', 'high', 'billing', false, '2026-01-31 17:30+00', '2026-01-31 18:30+00', '2026-01-31 18:45+00', 1, 2, false, 'y'),
 ('T3', 'phone', 'critical', 'login', false, '2026-01-10 02:00+00', '2026-01-10 03:00+00', '2026-01-10 04:00+00', 0, 1, true, 'z'),
 ('T4', 'live_chat', 'low', 'how-to', true, '2026-01-10 02:00+00', '2026-01-10 02:01+00', '2026-01-10 02:20+00', 0, 1, false, 'w');
insert into survey_responses values ('S1', 'T3', '2026-01-10 05:00+00', 5), ('S2', 'T4', '2026-01-10 05:00+00', 3),
 ('S3', 'T1', '2026-01-31 17:30+00', 1);  -- 00:30 local 1 Feb: February
insert into self_service_sessions values ('X1', '2026-01-10 01:00+00', 'knowledge_base', 'T3', false),
 ('X2', '2026-01-11 01:00+00', 'chatbot', null, true), ('X3', '2026-01-12 01:00+00', 'chatbot', null, false);
insert into costs_monthly values ('2026-01-01', 'cloud_services', 6000), ('2026-01-01', 'monitoring_tools', 2000),
 ('2026-01-01', 'security_tools', 1000), ('2026-01-01', 'support_team', 15000), ('2026-01-01', 'contingency', 99999);
insert into business_daily select day, 2000, 100, 10, 30, 5, 0
 from range(date '2026-01-01', date '2026-03-01', interval 1 day) t(day);
insert into active_users_daily values ('2026-01-30', 100, 1900), ('2026-01-31', 100, 2000);
insert into routine_tasks values ('R1', 'rotate logs', 'daily', '2025-01-01', '2025-03-01', null),
 ('R2', 'audit', 'monthly', '2025-01-01', null, null);
insert into staff values ('A', 'Ann', 'tier1', 'agent', 1, '2024-01-01', null), ('B', 'Bob', 'tier2', 'agent', 1, '2024-01-01', null);
insert into certifications values ('A', 'ITIL', '2025-01-01', null);
insert into training_log values ('A', '2025-06-01', 'cloud', 20), ('B', '2025-12-01', 'cloud', 36);
"""


@pytest.fixture(scope="module")
def tiny_db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("tiny") / "tiny.duckdb"
    con = connect(path)
    con.execute(ROWS)
    con.close()
    return path


@pytest.fixture(scope="module")
def results(tiny_db: Path, plan) -> dict:
    con = connect(tiny_db, read_only=True)
    return {r.kpi: r for r in scorecard(con, plan, JANUARY)}


def test_every_plan_kpi_has_a_measure(plan):
    """plan.toml's KPI keys and the scorecard's measures are the same twelve."""
    assert [k.key for k in plan.kpis] == KEYS and set(MEASURES) == set(KEYS)


def test_reliability_from_sql(results):
    """3 h down (batch ignored) over 744 - 2 h; MTTR (2 h + 2 h)/2; MTBF (744 - 3)/2."""
    assert results["uptime_pct"].value == pytest.approx(100 * (1 - 3 / 742))
    assert results["mttr_hours"].value == pytest.approx(2.0)
    assert results["mtbf_hours"].value == pytest.approx(741 / 2)
    assert results["mtbf_hours"].n == 2 and "90 % CI" in results["mtbf_hours"].note


def test_support_uses_local_days(results):
    """T1 (23:30 local 31 Jan) is January's, T2 (00:30 local 1 Feb) is not; S3 is February's."""
    assert results["first_response_hours"].value == pytest.approx((3 + 1) / 2)
    assert results["csat"].value == pytest.approx(4.0) and results["csat"].n == 2
    assert results["fcr_pct"].value == pytest.approx(100 / 2)  # T3 reopened, T4 first contact (T1, T2 in Feb)
    # Issues: 3 sessions + January's tickets that no session led to (T1, T4); X2 alone self-resolved.
    assert results["kb_self_service_pct"].value == pytest.approx(100 * 1 / (3 + 2))


def test_cost_and_improvement(results):
    """Infra 9,000 of 62,000 revenue; support 15,000 over 2,000 users; 1 of 2 tasks, staff certified."""
    assert results["infra_cost_pct_revenue"].value == pytest.approx(100 * 9000 / 62000)
    assert results["support_cost_per_user_usd"].value == pytest.approx(7.5)
    assert results["automation_pct"].value == pytest.approx(50.0)
    assert results["certification_pct"].value == pytest.approx(50.0)
    assert results["training_hours"].value == pytest.approx((20 + 36) / 2)


def test_statuses_follow_the_plan(results):
    """Uptime 99.6 % is off track, cost per user 7.5 off track (at its baseline). MTTR: two
    recoveries of exactly 2 h, no spread, so its 90 % interval is [2, 2]; it holds the "< 2 h"
    target, so MTTR is at target, which counts as met (it read "improving" before the status rule
    had noise: a value equal to the target is now at target)."""
    assert results["uptime_pct"].status == "off track" and results["uptime_pct"].at == ""
    assert results["mttr_hours"].interval == (2.0, 2.0)
    assert (results["mttr_hours"].status, results["mttr_hours"].at) == ("met", "target")
    assert (results["support_cost_per_user_usd"].status, results["support_cost_per_user_usd"].at) == (
        "off track", "baseline")


@pytest.mark.parametrize("judged_by, expected", [("month", "off track"), ("period", "improving")])
def test_uptime_of_several_months_is_judged_by_its_worst_month(tiny_db, plan, judged_by, expected):
    """January and February: 3 h down of 1,414 h is 99.79 % (improving as a period), but the
    target is monthly, and January alone is 1 - 3 / 742 = 99.60 % (off track)."""
    p = replace(plan, settings=replace(plan.settings, uptime_judged_by=judged_by))
    out = {r.kpi: r for r in scorecard(connect(tiny_db, read_only=True), p, Period(date(2026, 1, 1), date(2026, 3, 1)))}
    uptime = out["uptime_pct"]
    assert uptime.value == pytest.approx(100 * (1 - 3 / 1414)) and uptime.status == expected
    assert ("judged by its worst month, Jan 2026: 99.60 %" in uptime.note) == (judged_by == "month")


def test_hours_after_the_last_record_are_neither_up_nor_down(tiny_db, plan):
    """The records end with February (business days through 28 Feb). A range through March counts
    January and February only: uptime 1 - 3 / 1,414 and MTBF (1,416 - 3) / 2 failures, not
    (2,160 - 3) / 2; February and March alone: more than February's 672 h; March alone: no data."""
    con = connect(tiny_db, read_only=True)
    out = {r.kpi: r for r in scorecard(con, plan, Period(date(2026, 1, 1), date(2026, 4, 1)))}
    assert out["uptime_pct"].value == pytest.approx(100 * (1 - 3 / 1414))
    assert (out["mtbf_hours"].value, out["mtbf_hours"].n) == (pytest.approx(706.5), 2)
    out = {r.kpi: r for r in scorecard(con, plan, Period(date(2026, 2, 1), date(2026, 4, 1)))}
    assert out["mtbf_hours"].value == pytest.approx(672.0) and out["mtbf_hours"].is_lower_bound
    assert out["uptime_pct"].value == pytest.approx(100.0)
    out = {r.kpi: r for r in scorecard(con, plan, Period(date(2026, 3, 1), date(2026, 4, 1)))}
    assert out["uptime_pct"].value is None and out["mtbf_hours"].value is None


def test_empty_period_reports_no_data(tiny_db, plan):
    """February has records but no failure: no MTTR, MTBF a lower bound of 672 h with n = 0."""
    con = connect(tiny_db, read_only=True)
    out = {r.kpi: r for r in scorecard(con, plan, Period(date(2026, 2, 1), date(2026, 3, 1)))}
    assert out["mttr_hours"].value is None and out["mttr_hours"].status == "no data"
    assert out["support_cost_per_user_usd"].value is None
    assert out["uptime_pct"].value == pytest.approx(100.0)
    assert out["mtbf_hours"].value == pytest.approx(672.0) and out["mtbf_hours"].n == 0
    assert out["mtbf_hours"].status == "met"  # more than 672 h > 168 h
    assert out["mtbf_hours"].is_lower_bound and not out["mttr_hours"].is_lower_bound


def test_period_before_any_record_is_unknown_not_perfect(tiny_db, plan):
    """June 2025 precedes every record: uptime and MTBF are no data, not 100 % and a lower bound."""
    con = connect(tiny_db, read_only=True)
    out = {r.kpi: r for r in scorecard(con, plan, Period(date(2025, 6, 1), date(2025, 7, 1)))}
    for kpi in ("uptime_pct", "mtbf_hours"):
        assert out[kpi].value is None and out[kpi].status == "no data" and not out[kpi].is_lower_bound
    assert out["csat"].value is None


def test_period_touching_the_first_record_is_observed(tiny_db, plan):
    """December 2025 ends where the first business day (1 Jan local) begins: not observed;
    a period reaching one hour into it is."""
    con = connect(tiny_db, read_only=True)
    dec = {r.kpi: r for r in scorecard(con, plan, Period(date(2025, 12, 1), date(2026, 1, 1)))}
    assert dec["uptime_pct"].value is None
    into = {r.kpi: r for r in scorecard(con, plan, Period(date(2025, 12, 1), date(2026, 1, 2)))}
    assert into["uptime_pct"].value is not None


def test_trend_has_a_row_per_kpi_and_month(tiny_db, plan):
    """Twelve KPIs x three months, months in order."""
    frame = trend(connect(tiny_db, read_only=True), plan, date(2026, 2, 1), 3)
    assert len(frame) == 36
    assert sorted(frame["month"].unique()) == [date(2025, 11, 1), date(2025, 12, 1), date(2026, 1, 1)]
    jan = frame[(frame["month"] == date(2026, 1, 1)) & (frame["kpi"] == "csat")]
    assert jan["value"].iloc[0] == pytest.approx(4.0)


def test_trend_months_equal_each_months_own_scorecard(demo_db, plan):
    """The trend loads a year once and slices it per month; each month's values and counts are
    exactly those of a scorecard asked for that month alone (incidents open across month ends,
    maintenance windows, months with no failures included)."""
    con = connect(demo_db, read_only=True)
    frame = trend(con, plan, date(2026, 11, 1), 12)
    for month in sorted(frame["month"].unique()):
        alone = {r.kpi: r for r in scorecard(con, plan, Period.month(month))}
        rows = frame[frame["month"] == month]
        for row in rows.itertuples():
            expect = alone[row.kpi]
            assert (row.n, row.status) == (expect.n, expect.status), (month, row.kpi)
            if expect.value is None:
                assert pd.isna(row.value), (month, row.kpi)
            else:
                assert row.value == pytest.approx(expect.value, rel=1e-12), (month, row.kpi)
    con.close()


def test_kpi_columns_give_the_pages_numbers(demo_db, plan):
    """scorecard() and trend() load only the incident columns the KPIs read
    (KPI_INCIDENT_COLUMNS): every KPI of a quarter and of each of its months is what the pages'
    full load gives, with MTTR from the start and from the detection. Fails with a KeyError when
    a KPI reads a column left out."""
    con = connect(demo_db, read_only=True)
    span = Period(date(2026, 8, 1), date(2026, 11, 1))
    for mttr_from in ("started", "detected"):
        p = replace(plan, settings=replace(plan.settings, mttr_from=mttr_from))
        few, full = load_inputs(con, p, span, views=False), load_inputs(con, p, span)
        assert list(few.incidents.columns) == list(KPI_INCIDENT_COLUMNS)
        assert "incident_id" in full.incidents.columns
        for q in (span, *span.months()):
            # values to 1e-12: the two loads' rows come in no set order, and a sum's last bit may differ
            for a, b, c in zip(evaluate(few, p, q), evaluate(full, p, q), scorecard(con, p, q)):
                assert (a.kpi, a.n, a.status) == (b.kpi, b.n, b.status) == (c.kpi, c.n, c.status), (mttr_from, q)
                assert a.value == pytest.approx(b.value, rel=1e-12) and c.value == pytest.approx(b.value, rel=1e-12)
    con.close()


def test_query_events_refuses_column_names_that_are_not_names(demo_db):
    con = connect(demo_db, read_only=True)
    with pytest.raises(ValueError):
        query_events(con, "incidents_in_window", ("severity; drop table incidents",),
                     start=local_midnight(date(2026, 1, 1), "UTC"), end=local_midnight(date(2026, 2, 1), "UTC"))
    con.close()


def test_cli_json_contract(tiny_db, capsys):
    """--json prints one object per KPI with the contract's keys, and only new keys besides: the
    90 % interval of a mean ([lower, upper], null for the others), the line it is "at" (null:
    neither) and the KPI's tolerance. January's two survey scores, 5 and 3: mean 4, s = sqrt(2),
    4 +- t(0.95, 1) x sqrt(2) / sqrt(2) = 4 +- 6.31, clipped to the 1-5 scale: [1, 5]. It holds
    both lines; 4 is nearer the baseline 4.2 than the target 4.5, so at baseline: off track."""
    assert main(["--db", str(tiny_db), "--start", "2026-01-01", "--end", "2026-02-01", "--json"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert [o["kpi"] for o in out] == KEYS
    contract = {"kpi", "value", "unit", "target", "baseline", "status", "n"}
    assert all(set(o) == contract | {"interval", "at", "tolerance"} for o in out)
    assert out[0]["value"] == pytest.approx(100 * (1 - 3 / 742))
    assert (out[0]["interval"], out[0]["at"], out[0]["tolerance"]) == (None, None, 0.01)
    csat = out[KEYS.index("csat")]
    assert (csat["value"], csat["interval"], csat["at"], csat["status"]) == (4.0, [1.0, 5.0], "baseline", "off track")


def test_cli_errors_are_one_line(tmp_path):
    """A missing warehouse or a bad date is a one-line error with exit code 2, not a traceback."""
    run = subprocess.run([sys.executable, "-m", "analytics.scorecard", "--db", str(tmp_path / "none.duckdb"),
                          "--json"], capture_output=True, text=True, cwd=Path(__file__).parent.parent)
    assert run.returncode == 2 and "Traceback" not in run.stderr and "error:" in run.stderr
    assert main(["--db", "x", "--start", "2026-02-01", "--end", "2026-01-01"]) == 2


def test_channel_sla_from_sql(tiny_db, plan):
    """Email T1 answered in 3 h (within 4 h), T2 in 1 h; phone T3 in 1 h (not immediate); chat T4 in 1 min,
    a simple issue resolved in 19 min: email 100 %, phone 0 %, chat 100 % / 100 %."""
    from analytics.support import channel_sla
    from data.warehouse import query

    channels = plan.channels
    daily = query(connect(tiny_db, read_only=True), "channel_sla_daily", tz=plan.timezone,
                  start=local_midnight(date(2026, 1, 1), plan.timezone), end=local_midnight(date(2026, 3, 1), plan.timezone),
                  channels=[c.name for c in channels], response_seconds=[c.first_response_seconds for c in channels],
                  resolution_minutes=[c.resolution_minutes for c in channels],
                  simple_only=[c.resolution_simple_only for c in channels])
    table = channel_sla(daily).set_index("channel")
    assert table.loc["email", "response_pct"] == 100.0 and table.loc["email", "n_tickets"] == 2
    assert table.loc["phone", "response_pct"] == 0.0 and pd.isna(table.loc["phone", "resolution_pct"])
    assert (table.loc["live_chat", "response_pct"], table.loc["live_chat", "resolution_pct"]) == (100.0, 100.0)
    # email resolution: T1 took 8.5 h, T2 1.25 h, both within 24 h
    assert table.loc["email", "resolution_pct"] == 100.0


def test_ticket_shape_queries(tiny_db, plan):
    """T1 (Saturday 23:30 local) sits in hour of week 143; January's email tickets: one, answered in 3 h."""
    from datetime import datetime
    from zoneinfo import ZoneInfo

    from data.warehouse import query

    con, tz = connect(tiny_db, read_only=True), ZoneInfo(plan.timezone)
    start, end = datetime(2026, 1, 1, tzinfo=tz), datetime(2026, 2, 1, tzinfo=tz)
    shape = query(con, "ticket_hour_of_week", tz=plan.timezone, start=start, end=end)
    assert 143 in set(shape.loc[shape["channel"] == "email", "hour_of_week"])
    times = query(con, "ticket_times_monthly", tz=plan.timezone, start=start, end=end)
    email = times[(times["channel"] == "email")]
    assert list(email["n_tickets"]) == [1] and email["response_median_hours"].iloc[0] == pytest.approx(3.0)
    phone = times[times["channel"] == "phone"].iloc[0]
    assert (phone["n_escalated"], phone["n_tier2"]) == (0, 0)


def test_high_priority_response_spread_by_month(tiny_db, plan, tmp_path):
    """January's high-priority tickets took 3 h (T1, email) and 1 h (T3, phone): mean and median 2 h,
    90th percentile 1 + 0.9 x 2 = 2.8 h (linear); February's T2 1 h; email alone, January 3 h.
    A ticket with no response is counted as unanswered and left out of the times."""
    def read(con, channels=()):
        start, end = (local_midnight(date(2026, m, 1), plan.timezone) for m in (1, 3))
        return query(con, "high_priority_response_monthly", tz=plan.timezone, start=start, end=end,
                     priorities=list(plan.settings.high_priority), channels=list(channels))

    rows = read(connect(tiny_db, read_only=True))
    assert list(rows["n_answered"]) == [2, 1] and list(rows["n_unanswered"]) == [0, 0]
    jan = rows.iloc[0]
    assert (jan["response_mean_hours"], jan["response_median_hours"], jan["response_p90_hours"]) == (
        pytest.approx(2.0), pytest.approx(2.0), pytest.approx(2.8))
    assert read(connect(tiny_db, read_only=True), ["email"])["response_mean_hours"].iloc[0] == pytest.approx(3.0)
    con = connect(tmp_path / "w.duckdb")
    con.execute("insert into tickets values ('A', 'email', 'critical', 'x', false, '2026-01-05 03:00+00', "
                "'2026-01-05 04:30+00', null, 0, 1, false, ''), ('B', 'email', 'high', 'x', false, "
                "'2026-01-06 03:00+00', null, null, 0, 1, false, '')")
    one = read(con).iloc[0]
    assert (one["n_tickets"], one["n_answered"], one["n_unanswered"]) == (2, 1, 1)
    assert one["response_mean_hours"] == pytest.approx(1.5)


def test_a_month_still_open_has_no_revenue_share(tmp_path, plan):
    """Revenue recorded through 15 February only: February's infrastructure share would divide a
    whole month's costs by half a month's revenue, so it is left out (noted); January's stands."""
    con = connect(tmp_path / "w.duckdb")
    con.execute("insert into business_daily select day, 1000, 0, 0, null, 0, 0 "
                "from range(date '2026-01-01', date '2026-02-16', interval 1 day) t(day)")
    con.execute("insert into costs_monthly values ('2026-01-01', 'cloud_services', 3100), "
                "('2026-02-01', 'cloud_services', 3100)")
    monthly = query(con, "cost_monthly", infra_lines=["cloud_services"], support_lines=["support_team"])
    assert list(monthly["revenue_usd"].isna()) == [False, True]
    out = {r.kpi: r for r in scorecard(con, plan, Period(date(2026, 1, 1), date(2026, 3, 1)))}
    share = out["infra_cost_pct_revenue"]
    assert share.value == pytest.approx(100 * 3100 / 31000) and share.n == 1
    assert share.note == "1 month(s) without complete data left out"


@pytest.mark.parametrize("open_start,expected_last", [
    ("2026-03-10 08:00:00+00", "2026-03-10 08:00:00+00"),  # an open incident started after every resolution
    ("2026-03-01 08:00:00+00", "2026-03-05 12:00:00+00"),  # a resolution after the open one's start
])
def test_observed_span_of_incidents_alone(tmp_path, open_start, expected_last):
    """With incidents the only records, the span runs from the earliest start to the latest of
    every resolution and every open incident's start (the query reads max(resolved_at) and
    max(started_at): equal, since the schema keeps each resolution at or after its start)."""
    con = connect(tmp_path / "w.duckdb")
    con.execute("insert into services values ('web', 'Web', 'web', true, 2, 100)")
    con.execute("insert into incidents (incident_id, service_id, severity, impact, started_at, detected_at, resolved_at) "
                "values ('I1', 'web', 'high', 'outage', '2026-03-02 09:00:00+00', '2026-03-02 09:00:00+00', "
                "'2026-03-05 12:00:00+00'), ('I2', 'web', 'low', 'none', '2026-02-20 00:00:00+00', "
                "'2026-02-20 00:00:00+00', '2026-02-20 01:00:00+00'), ('I3', 'web', 'medium', 'degraded', $s, $s, null)",
                {"s": open_start})
    span = query(con, "observed_span", tz="Asia/Bangkok").iloc[0]
    assert span["first_at"] == pd.Timestamp("2026-02-20 00:00:00+00")
    assert span["last_at"] == pd.Timestamp(expected_last)


FOUR_TICKETS = """
insert into tickets values
 ('A', 'email', 'high', 'billing', false, '2026-03-02 03:00+00', '2026-03-02 04:00+00', '2026-03-02 09:00+00', 0, 1, false, ''),
 ('B', 'phone', 'critical', 'login', false, '2026-03-02 05:00+00', '2026-03-02 07:00+00', '2026-03-02 09:00+00', 1, 2, false, ''),
 ('C', 'email', 'high', 'billing', false, '2026-03-10 03:00+00', '2026-03-10 06:00+00', '2026-03-10 09:00+00', 0, 1, true, ''),
 ('D', 'live_chat', 'critical', 'outage', false, '2026-03-20 03:00+00', '2026-03-20 09:00+00', '2026-03-20 10:00+00', 0, 1, false, ''),
 ('E', 'email', 'low', 'how-to', false, '2026-03-20 03:00+00', '2026-03-21 03:00+00', '2026-03-21 04:00+00', 0, 1, false, '');
"""


@pytest.mark.parametrize("rolled_up", [False, True])
def test_first_response_interval_from_sql(tmp_path, plan, rolled_up):
    """Four high-priority tickets answered after 1, 2, 3 and 6 h (E is low priority: not counted), on
    two channels and three days, read from the raw rows and from the stored rollup alike: mean 3 h,
    sum of squares 50, so (test_measure.test_t_interval_by_hand) 3 +- 2.3533634 x sqrt(14/3) / 2 =
    [0.458077, 5.541923]. It holds both the target (2 h) and the baseline (3.5 h); 3 h is nearer
    the baseline: at baseline, off track. FCR: 3 of 5 resolved at first contact (B escalated, C
    reopened); Wilson 90 %: p = 0.6, z^2/n = 0.541109, centre (0.6 + 0.270554) / 1.541109 = 0.564888,
    half 1.644854 x sqrt(0.048 + 0.027055) / 1.541109 = 1.644854 x 0.273962 / 1.541109 = 0.292405:
    [27.25 %, 85.73 %], holding the baseline 78 % and not the target 90 %: at baseline."""
    from data import event_rollups

    con = connect(tmp_path / "four.duckdb")
    con.execute(FOUR_TICKETS)
    if rolled_up:
        assert "first_response_daily" in event_rollups.ensure(con, plan)
    out = {r.kpi: r for r in scorecard(con, plan, Period(date(2026, 3, 1), date(2026, 4, 1)))}
    fr = out["first_response_hours"]
    assert (fr.value, fr.n) == (pytest.approx(3.0), 4)
    assert fr.interval == (pytest.approx(0.458077, abs=2e-6), pytest.approx(5.541923, abs=2e-6))
    assert (fr.status, fr.at) == ("off track", "baseline")
    fcr = out["fcr_pct"]
    assert (fcr.value, fcr.n) == (pytest.approx(60.0), 5)
    assert fcr.interval == (pytest.approx(27.25, abs=0.005), pytest.approx(85.73, abs=0.005))
    assert (fcr.status, fcr.at) == ("off track", "baseline")
