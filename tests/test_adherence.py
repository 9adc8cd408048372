"""Plan adherence: hand-computed cases for each rule (kpi-definitions.md, "Plan adherence"), the
CLI on the demo and on a small warehouse built with the real importer."""
from __future__ import annotations

import json
import subprocess
import sys
from datetime import date
from pathlib import Path

import pandas as pd
import pytest

from analytics.adherence import (Bounds, Frames, backup_counts, backup_gaps, backups_expected, change_outcomes,
                                 change_summary, changes_by_week, data_until, dr_drills, evaluate, for_services,
                                 gaps_by_day, gaps_frame, longest_gap, maintenance, restore_tests, security_schedule,
                                 vendor_availability, windows_calendar, windows_frame)
from core.period import Period
from core.plan import Plan
from data.access import LOCAL_USER
from data.importer import ImportOptions, run_import
from data.warehouse import connect

ROOT = Path(__file__).resolve().parent.parent
TZ = "Asia/Bangkok"
DAY = Period(date(2026, 3, 2), date(2026, 3, 3))   # a Monday


def at(text: str) -> pd.Timestamp:
    """A local Bangkok wall time as an aware UTC instant."""
    return pd.Timestamp(text, tz=TZ).tz_convert("UTC")


def runs(*rows: tuple) -> pd.DataFrame:
    """Backup runs from (kind, started, finished or None, is_success[, is_restore_tested]) in local time."""
    return pd.DataFrame([{"run_id": f"B{i}", "kind": r[0], "started_at": at(r[1]),
                          "finished_at": at(r[2]) if r[2] else pd.NaT, "is_success": r[3],
                          "is_restore_tested": r[4] if len(r) > 4 else False} for i, r in enumerate(rows)],
                        columns=["run_id", "kind", "started_at", "finished_at", "is_success", "is_restore_tested"])


def window_frame(*rows: tuple) -> pd.DataFrame:
    """Maintenance windows from (kind, starts, ends[, service_id]) in local time."""
    return pd.DataFrame([{"window_id": f"MW{i}", "service_id": r[3] if len(r) > 3 else None, "kind": r[0],
                          "starts_at": at(r[1]), "ends_at": at(r[2])} for i, r in enumerate(rows)],
                        columns=["window_id", "service_id", "kind", "starts_at", "ends_at"])


# ---------------------------------------------------------------------------
# Expected counts

def test_expected_backups_and_restore_tests_over_a_month(plan: Plan):
    """March 2026: 31 days = 44,640 min. Full 44,640 / 1,440 = 31; incremental 44,640 / 240 = 186
    minus the 31 fulls = 155; transaction log 44,640 / 15 = 2,976; restore tests ceil(31 / 7) = 5."""
    b = Bounds.of(Period(date(2026, 3, 1), date(2026, 4, 1)), TZ)
    assert backups_expected(plan.adherence, b) == {"full": 31, "incremental": 155, "transaction_log": 2976}
    assert restore_tests(runs(), plan.adherence, b)["expected"] == 5


def test_expected_backups_over_a_day_and_a_ten_day_period(plan: Plan):
    """One day: full 1, incremental 1,440 / 240 - 1 = 5, transaction log 96, restore tests 1.
    Ten days: 10, 60 - 10 = 50, 960, ceil(10 / 7) = 2."""
    a = plan.adherence
    assert backups_expected(a, Bounds.of(DAY, TZ)) == {"full": 1, "incremental": 5, "transaction_log": 96}
    ten = Bounds.of(Period(date(2026, 3, 2), date(2026, 3, 12)), TZ)
    assert backups_expected(a, ten) == {"full": 10, "incremental": 50, "transaction_log": 960}
    assert restore_tests(runs(), a, ten)["expected"] == 2


# ---------------------------------------------------------------------------
# Backups, gaps and the RPO

def _log_day(skip_hour: int | None) -> pd.DataFrame:
    """Every 15-minute transaction-log run of 2 Mar (each finishing a minute after it starts),
    without the four of `skip_hour`, after the last one of 1 Mar (23:45, finished 23:46)."""
    rows = [("transaction_log", "2026-03-01 23:45", "2026-03-01 23:46", True)]
    for slot in range(96):
        h, m = divmod(slot * 15, 60)
        if h != skip_hour:
            rows.append(("transaction_log", f"2026-03-02 {h:02}:{m:02}", f"2026-03-02 {h:02}:{m + 1:02}", True))
    return runs(*rows)


def test_a_missed_transaction_log_hour(plan: Plan):
    """10:00-10:45 never ran: expected 96, succeeded 92, failed 0 (a missed run is no failure), missed 4.
    The gap from 09:46 (the 09:45 run finishing) to 11:01 is 75 min, past the 60-minute RPO; the
    other gaps are 15 min, the first from 23:46 the day before, the last 23:46 to midnight 14 min."""
    b = Bounds.of(DAY, TZ)
    frame = _log_day(skip_hour=10)
    counts = backup_counts(frame, plan.adherence, b)["transaction_log"]
    assert counts == {"expected": 96, "succeeded": 92, "failed": 0, "missed": 4}
    gap = longest_gap(frame, b)
    assert (gap.opens, gap.closes, gap.minutes) == (at("2026-03-02 09:46"), at("2026-03-02 11:01"), 75.0)
    assert gap.minutes > plan.adherence.rpo_minutes
    gaps = backup_gaps(frame, b)
    assert gaps[0].minutes == 15.0 and gaps[-1].minutes == 14.0
    # the same day without the missed hour: every gap is 15 min (the last 14)
    assert longest_gap(_log_day(skip_hour=None), b).minutes == 15.0


def test_a_backup_that_finished_after_the_next_started(plan: Plan):
    """Until 01:40. A full backup starts 00:00 and finishes 00:50; an incremental starts 00:15 and
    finishes 00:20; a log backup runs 01:30-01:31; one failed 00:55-01:00 closes no gap. The last
    success before the period finished 23:50. In order of finishing: 23:50, 00:20, 00:50, 01:31,
    until 01:40: gaps 30, 30, 41, 9; the longest is 41 min (ordered by start it would read 71)."""
    b = Bounds.of(DAY, TZ, until=at("2026-03-02 01:40"))
    frame = runs(("incremental", "2026-03-01 23:45", "2026-03-01 23:50", True),
                 ("full", "2026-03-02 00:00", "2026-03-02 00:50", True),
                 ("incremental", "2026-03-02 00:15", "2026-03-02 00:20", True),
                 ("transaction_log", "2026-03-02 00:55", "2026-03-02 01:00", False),
                 ("transaction_log", "2026-03-02 01:30", "2026-03-02 01:31", True))
    assert [g.minutes for g in backup_gaps(frame, b)] == [30.0, 30.0, 41.0, 9.0]
    assert longest_gap(frame, b).minutes == 41.0
    counts = backup_counts(frame, plan.adherence, b)
    assert counts["full"]["succeeded"] == 1 and counts["incremental"]["succeeded"] == 1   # 23:45 is before the period
    assert counts["transaction_log"]["failed"] == 1 and counts["transaction_log"]["succeeded"] == 1


def test_restore_tests_done_count_successful_tested_runs_started_in_the_period(plan: Plan):
    """Three tested runs: one started in the period and succeeded (done), one failed, one the day
    before: 1 done of ceil(1 / 7) = 1 expected."""
    frame = runs(("full", "2026-03-02 02:00", "2026-03-02 02:30", True, True),
                 ("full", "2026-03-02 03:00", "2026-03-02 03:10", False, True),
                 ("full", "2026-03-01 02:00", "2026-03-01 02:30", True, True))
    assert restore_tests(frame, plan.adherence, Bounds.of(DAY, TZ)) == {"expected": 1, "done": 1}


def test_no_backup_before_until_is_no_gap(plan: Plan):
    """Without any successful backup the data says nothing: None, not a day-long gap."""
    frame = runs(("full", "2026-03-02 02:00", None, False))
    assert longest_gap(frame, Bounds.of(DAY, TZ)) is None


# ---------------------------------------------------------------------------
# DR drills

def test_a_drill_that_meets_rto_but_not_rpo(plan: Plan):
    """Recovery 200 min <= RTO 240 and <= MTD 1,440; data loss 61 min > RPO 60. A drill on the
    period's end day (3 Mar) is outside; one recovering in exactly 240 min meets the RTO."""
    tests = pd.DataFrame({"test_id": ["DR-1", "DR-2", "DR-3"], "tested_on": [date(2026, 3, 2)] * 2 + [date(2026, 3, 3)],
                          "scenario": ["regional_outage", "database_failure", "database_failure"],
                          "recovery_minutes": [200.0, 240.0, 5.0], "data_loss_minutes": [61.0, 60.0, 0.0],
                          "is_passed": [False, True, True]})
    got = dr_drills(tests, plan.adherence, DAY)
    assert [(d["test_id"], d["rto_met"], d["rpo_met"], d["mtd_met"]) for d in got] == [
        ("DR-1", True, False, True), ("DR-2", True, True, True)]


# ---------------------------------------------------------------------------
# Maintenance windows

def test_windows_judged_against_the_plan_window_of_their_own_kind(plan: Plan):
    """Sunday 1 Mar 2026 (the month's first Sunday) and Sunday 8 Mar, local time:
    daily 02:00-04:00 ends exactly at the window's end: inside; daily 02:00-04:01 overruns by a
    minute; daily from 01:59 starts early; weekly Sunday 01:00-05:00 inside; weekly on Monday 2 Mar:
    the plan has no weekly window that day; monthly 00:00-06:00 on the first Sunday inside, on the
    second Sunday not; security patch Sunday 02:00-04:00 inside. 8 windows, 4 inside."""
    windows = window_frame(("daily", "2026-03-01 02:00", "2026-03-01 04:00"),
                           ("daily", "2026-03-01 02:00", "2026-03-01 04:01"),
                           ("daily", "2026-03-01 01:59", "2026-03-01 02:30"),
                           ("weekly", "2026-03-01 01:00", "2026-03-01 05:00"),
                           ("weekly", "2026-03-02 01:00", "2026-03-02 03:00"),
                           ("monthly", "2026-03-01 00:00", "2026-03-01 06:00"),
                           ("monthly", "2026-03-08 00:00", "2026-03-08 06:00"),
                           ("security_patch", "2026-03-08 02:00", "2026-03-08 04:00", "web"))
    got = maintenance(windows, plan.adherence, Bounds.of(Period(date(2026, 3, 1), date(2026, 3, 9)), TZ), TZ)
    inside = {w["window_id"]: w["inside"] for w in got}
    assert inside == {"MW0": True, "MW1": False, "MW2": False, "MW3": True, "MW4": False, "MW5": True,
                      "MW6": False, "MW7": True}
    assert next(w for w in got if w["window_id"] == "MW1")["overrun_minutes"] == 1.0
    assert next(w for w in got if w["window_id"] == "MW4")["no_plan_window"]


def test_a_window_belongs_to_the_period_by_its_start(plan: Plan):
    """A daily window starting 23:30 on the last day of the period and one the day before the
    period: only windows starting in [start, end) count."""
    windows = window_frame(("daily", "2026-03-02 23:30", "2026-03-03 00:30"),
                           ("daily", "2026-03-01 02:00", "2026-03-01 04:00"))
    got = maintenance(windows, plan.adherence, Bounds.of(DAY, TZ), TZ)
    assert [w["window_id"] for w in got] == ["MW0"] and got[0]["inside"] is False


# ---------------------------------------------------------------------------
# Change control

def _changes() -> pd.DataFrame:
    return pd.DataFrame({
        "change_id": ["C1", "C2", "C3"], "service_id": ["web", "api", "db"],
        "category": ["minor", "standard", "emergency"],
        "deployed_at": [at("2026-03-02 23:30"), at("2026-03-02 10:00"), at("2026-03-02 03:00")],
        "is_rolled_back": [False, False, True],
        "requested_at": [at("2026-02-28 00:30"), at("2026-02-16 10:00"), at("2026-03-02 01:00")],
        "reviewed_at": [pd.NaT, pd.NaT, at("2026-03-03 03:01")]})


def _incidents() -> pd.DataFrame:
    return pd.DataFrame({
        "incident_id": ["I1", "I2", "I3", "I4"], "service_id": ["web", "api", "api", "db"],
        # I1 23 h 59 min after C1, past the period's end; I2 24 h 1 min after C2; I3 after C2 but not
        # change-related; I4 change-related on C3's service, 9 h after it
        "started_at": [at("2026-03-03 23:29"), at("2026-03-03 10:01"), at("2026-03-02 11:00"), at("2026-03-02 12:00")],
        "is_change_related": [True, True, False, True]})


def test_change_failure_by_an_incident_23_h_59_min_later_past_the_period_end(plan: Plan):
    """C1 (web, 23:30 on 2 Mar) is followed by change-related I1 at 23:29 on 3 Mar, after the
    period's end but within 24 h: failed. C2 (api, 10:00): I2 comes 24 h 1 min later and I3 is not
    change-related: not failed. C3 was rolled back: failed (I4 on db is 9 h later: also counts).
    2 of 3 failed: 66.67 %. C3 deployed at 03:00 inside the whole-system window 02:00-04:00."""
    windows = window_frame(("daily", "2026-03-02 02:00", "2026-03-02 04:00"))
    out = change_outcomes(_changes(), _incidents(), windows, plan.adherence, Bounds.of(DAY, TZ))
    by_id = {o["change_id"]: o for o in out}
    assert (by_id["C1"]["failed"], by_id["C1"]["incident_ids"]) == (True, ["I1"])
    assert (by_id["C2"]["failed"], by_id["C2"]["incident_ids"]) == (False, [])
    assert by_id["C3"]["failed"] and by_id["C3"]["incident_ids"] == ["I4"]
    summary = change_summary(out)
    assert (summary["total"], summary["failed"], summary["emergency"], summary["standard"], summary["minor"]) == \
        (3, 2, 1, 1, 1)
    assert summary["change_failure_pct"] == pytest.approx(200 / 3)
    assert summary["in_maintenance_window"] == 1 and by_id["C3"]["in_window"]


def test_lead_times_and_the_emergency_review(plan: Plan):
    """C1 minor: requested 28 Feb 00:30, deployed 2 Mar 23:30: 71 h >= 48 h, met. C2 standard:
    requested exactly 14 days (336 h) before: met. C3 emergency: lead time not judged; reviewed
    24 h 1 min after deployment: not in time. Without requested_at/reviewed_at nothing is judged."""
    out = change_outcomes(_changes(), _incidents(), window_frame(), plan.adherence, Bounds.of(DAY, TZ))
    by_id = {o["change_id"]: o for o in out}
    assert (by_id["C1"]["lead_time_hours"], by_id["C1"]["lead_time_met"]) == (71.0, True)
    assert (by_id["C2"]["lead_time_hours"], by_id["C2"]["lead_time_met"]) == (336.0, True)
    assert by_id["C3"]["lead_time_met"] is None and by_id["C3"]["reviewed_in_time"] is False
    short = _changes().assign(requested_at=[at("2026-02-28 23:31"), at("2026-02-16 10:01"), pd.NaT])
    out = change_outcomes(short, _incidents(), window_frame(), plan.adherence, Bounds.of(DAY, TZ))
    assert [o["lead_time_met"] for o in sorted(out, key=lambda o: o["change_id"])] == [False, False, None]
    bare = _changes().drop(columns=["requested_at", "reviewed_at"])
    summary = change_summary(change_outcomes(bare, _incidents(), window_frame(), plan.adherence, Bounds.of(DAY, TZ)))
    assert (summary["lead_time_judged"], summary["emergency_reviews_judged"]) == (0, 0)


# ---------------------------------------------------------------------------
# Security schedule and vendors

def test_weekly_patching_with_an_eight_day_gap(plan: Plan):
    """March 2026. Patched 26 Feb (before), 5, 12, 20 and 27 Mar; the period ends 1 Apr. Gaps:
    7, 7, 8, 7, 5 days: the longest, 8, is more than 7: missed, overdue since 12 + 7 = 19 Mar.
    Internal audit on 20 Feb and 15 Mar: gaps 23, 17 days: kept. Penetration test never: the gap
    runs from the period start, 31 days <= 183: kept (not yet due)."""
    acts = pd.DataFrame({"activity": ["patching"] * 5 + ["internal_audit"] * 2,
                         "done_on": [date(2026, 2, 26), date(2026, 3, 5), date(2026, 3, 12), date(2026, 3, 20),
                                     date(2026, 3, 27), date(2026, 2, 20), date(2026, 3, 15)]})
    march = Period(date(2026, 3, 1), date(2026, 4, 1))
    got = {s["activity"]: s for s in security_schedule(acts, plan.adherence, march)}
    assert (got["patching"]["done"], got["patching"]["longest_gap_days"], got["patching"]["kept"],
            got["patching"]["overdue_since"]) == (4, 8, False, "2026-03-19")
    assert (got["internal_audit"]["longest_gap_days"], got["internal_audit"]["kept"]) == (23, True)
    assert (got["penetration_test"]["longest_gap_days"], got["penetration_test"]["kept"]) == (31, True)


def test_vendor_availability_against_the_sla(plan: Plan):
    """April 2026: 30 days = 43,200 min. AWS: 10:00-10:30 and 10:20-10:40 overlap: 40 min down,
    100 x (1 - 40 / 43,200) = 99.9074 % >= 99.9: met. Supabase: 23:50 on 31 Mar to 00:50 on 1 Apr:
    50 min inside, 99.8843 %: missed."""
    outages = pd.DataFrame({"vendor": ["aws", "aws", "supabase"],
                            "started_at": [at("2026-04-10 10:00"), at("2026-04-10 10:20"), at("2026-03-31 23:50")],
                            "ended_at": [at("2026-04-10 10:30"), at("2026-04-10 10:40"), at("2026-04-01 00:50")]})
    got = {v["vendor"]: v for v in vendor_availability(outages, plan.adherence,
                                                         Bounds.of(Period(date(2026, 4, 1), date(2026, 5, 1)), TZ))}
    assert got["aws"]["outage_minutes"] == 40.0 and got["aws"]["met"] is True
    assert got["aws"]["availability_pct"] == pytest.approx(100 * (1 - 40 / 43200))
    assert got["supabase"]["outage_minutes"] == 50.0 and got["supabase"]["met"] is False
    # a warehouse that records no vendor outage at all says nothing about availability
    april = Bounds.of(Period(date(2026, 4, 1), date(2026, 5, 1)), TZ)
    silent = vendor_availability(outages.iloc[:0], plan.adherence, april, recorded=False)
    assert [(v["availability_pct"], v["met"]) for v in silent] == [(None, None), (None, None)]


# ---------------------------------------------------------------------------
# Frames for the page's charts

def test_chart_frames_count_in_local_weeks_and_mark_gaps_past_the_rpo(plan: Plan):
    """1-10 Mar 2026. Changes: C1 Sun 1 Mar 23:00 (week of Mon 23 Feb); C2 Mon 2 Mar 00:30 local,
    still Sunday in UTC (week of 2 Mar), rolled back; C3 Sun 8 Mar 23:59, emergency (week of 2 Mar).
    Weeks: 23 Feb 1 change, 0 failed; 2 Mar 2 changes, 1 failed, 1 emergency.
    Backups until 2 Mar 03:00, none before the period (its start opens the first gap): good
    finishes 1 Mar 00:30, 01:10, 2 Mar 02:50, then 03:00: gaps 30, 40, 1,540 (past the RPO), 10 min.
    One daily window 2 Mar 02:00-04:01: outside, 1 min over."""
    changes = pd.DataFrame({"change_id": ["C1", "C2", "C3"], "service_id": ["web"] * 3,
                            "category": ["minor", "standard", "emergency"],
                            "deployed_at": [at("2026-03-01 23:00"), at("2026-03-02 00:30"), at("2026-03-08 23:59")],
                            "is_rolled_back": [False, True, False]})
    incidents = pd.DataFrame({"incident_id": pd.Series(dtype=str), "service_id": pd.Series(dtype=str),
                              "started_at": pd.Series(dtype="datetime64[ns, UTC]"),
                              "is_change_related": pd.Series(dtype=bool)})
    backups = runs(("full", "2026-03-01 00:00", "2026-03-01 00:30", True),
                   ("incremental", "2026-03-01 01:00", "2026-03-01 01:10", True),
                   ("full", "2026-03-02 02:00", "2026-03-02 02:50", True))
    frames = Frames(backup_runs=backups, dr_tests=pd.DataFrame(columns=["test_id", "tested_on", "scenario",
                                                                        "recovery_minutes", "data_loss_minutes"]),
                    maintenance_windows=window_frame(("daily", "2026-03-02 02:00", "2026-03-02 04:01")),
                    changes=changes, incidents=incidents,
                    security_activities=pd.DataFrame(columns=["activity", "done_on"]),
                    vendor_outages=pd.DataFrame(columns=["vendor", "started_at", "ended_at"]),
                    security_recorded=False, vendor_outages_recorded=False)
    result = evaluate(frames, plan, Period(date(2026, 3, 1), date(2026, 3, 10)), until=at("2026-03-02 03:00"))
    weeks = changes_by_week(result)
    assert weeks.to_dict("records") == [{"week": date(2026, 2, 23), "total": 1, "failed": 0, "emergency": 0},
                                        {"week": date(2026, 3, 2), "total": 2, "failed": 1, "emergency": 1}]
    gaps = gaps_frame(result)
    assert gaps["minutes"].tolist() == [30.0, 40.0, 1540.0, 10.0]
    assert gaps["over_rpo"].tolist() == [False, False, True, False]
    assert str(gaps["opens"].iloc[2]) == "2026-03-01 01:10:00+07:00"
    windows = windows_frame(result)
    assert windows[["day", "inside", "overrun_minutes"]].to_dict("records") == [
        {"day": date(2026, 3, 2), "inside": False, "overrun_minutes": 1.0}]


def _only(**frames: pd.DataFrame) -> Frames:
    """Frames holding the given ones, every other empty (security and vendors not recorded)."""
    empty = {"backup_runs": runs(), "maintenance_windows": window_frame(), "changes": _changes().iloc[:0],
             "incidents": _incidents().iloc[:0],
             "dr_tests": pd.DataFrame(columns=["test_id", "tested_on", "scenario", "recovery_minutes",
                                               "data_loss_minutes"]),
             "security_activities": pd.DataFrame(columns=["activity", "done_on"]),
             "vendor_outages": pd.DataFrame(columns=["vendor", "started_at", "ended_at"])}
    return Frames(**{**empty, **frames}, security_recorded=False, vendor_outages_recorded=False)


def test_longest_gap_and_windows_per_local_day(plan: Plan):
    """1-10 Mar 2026, data until 2 Mar 03:00. Good finishes 1 Mar 00:30 and 01:10, 2 Mar 02:50,
    then `until`: gaps opening 1 Mar 00:00 (30 min), 00:30 (40), 01:10 (1,540 > RPO 60), 2 Mar 02:50
    (10): 1 Mar longest 1,540 with 1 over the RPO; 2 Mar longest 10, none over.
    Windows on Sunday 1 Mar (the first Sunday): daily 02:00-04:00 inside, daily 02:00-04:01 one
    minute over, weekly 01:00-05:00 inside; Monday 2 Mar a weekly one (no plan window that day).
    Per day and kind: 1 Mar daily 2 windows, 1 outside, at most 1 min over; 1 Mar weekly 1, 0, 0;
    2 Mar weekly 1, 1, no plan window (NaN)."""
    backups = runs(("full", "2026-03-01 00:00", "2026-03-01 00:30", True),
                   ("incremental", "2026-03-01 01:00", "2026-03-01 01:10", True),
                   ("full", "2026-03-02 02:00", "2026-03-02 02:50", True))
    windows = window_frame(("daily", "2026-03-01 02:00", "2026-03-01 04:00"),
                           ("daily", "2026-03-01 02:00", "2026-03-01 04:01"),
                           ("weekly", "2026-03-01 01:00", "2026-03-01 05:00"),
                           ("weekly", "2026-03-02 01:00", "2026-03-02 03:00"))
    result = evaluate(_only(backup_runs=backups, maintenance_windows=windows), plan,
                      Period(date(2026, 3, 1), date(2026, 3, 10)), until=at("2026-03-02 03:00"))
    assert gaps_by_day(result).to_dict("records") == [
        {"day": date(2026, 3, 1), "longest_minutes": 1540.0, "over_rpo": 1},
        {"day": date(2026, 3, 2), "longest_minutes": 10.0, "over_rpo": 0}]
    calendar = windows_calendar(result)
    assert calendar[["day", "kind", "windows", "outside"]].to_dict("records") == [
        {"day": date(2026, 3, 1), "kind": "daily", "windows": 2, "outside": 1},
        {"day": date(2026, 3, 1), "kind": "weekly", "windows": 1, "outside": 0},
        {"day": date(2026, 3, 2), "kind": "weekly", "windows": 1, "outside": 1}]
    assert calendar["overrun_minutes"].iloc[:2].tolist() == [1.0, 0.0] and pd.isna(calendar["overrun_minutes"].iloc[2])


def test_the_service_filter_keeps_its_changes_and_the_whole_system_windows(plan: Plan):
    """Changes C1 web, C2 api, C3 db; change-related incidents I1 web, I2 api, I4 db (I3 api not
    related); windows MW0 whole-system, MW1 web, MW2 api. Filtered to web: C1 and I1 only, windows
    MW0 (it covers every service) and MW1; backups stay whole. C1 (23:30 on 2 Mar) is followed by
    I1 23 h 59 min later: 1 change, 1 failed, 100 %. No service chosen: every row."""
    windows = window_frame(("daily", "2026-03-02 02:00", "2026-03-02 04:00"),
                           ("daily", "2026-03-02 02:00", "2026-03-02 04:00", "web"),
                           ("daily", "2026-03-02 02:00", "2026-03-02 04:00", "api"))
    backups = runs(("full", "2026-03-02 02:00", "2026-03-02 02:30", True))
    frames = _only(backup_runs=backups, maintenance_windows=windows, changes=_changes(), incidents=_incidents())
    web = for_services(frames, ("web",))
    assert web.changes["change_id"].tolist() == ["C1"] and web.incidents["incident_id"].tolist() == ["I1"]
    assert web.maintenance_windows["window_id"].tolist() == ["MW0", "MW1"] and len(web.backup_runs) == 1
    changes = evaluate(web, plan, DAY).changes
    assert (changes["total"], changes["failed"], changes["change_failure_pct"]) == (1, 1, 100.0)
    assert for_services(frames, ()) is frames
    assert evaluate(frames, plan, DAY).changes["total"] == 3


def test_data_until_is_the_local_midnight_after_the_last_day():
    """Data through 26 Nov 2026 stops at 27 Nov 00:00 Bangkok = 26 Nov 17:00 UTC; no data: None."""
    assert data_until(date(2026, 11, 26), TZ) == pd.Timestamp("2026-11-26 17:00", tz="UTC")
    assert data_until(None, TZ) is None


# ---------------------------------------------------------------------------
# The CLI

def cli(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "analytics.adherence", *args], cwd=ROOT, capture_output=True,
                          text=True, timeout=120)


def test_cli_on_the_demo_prints_the_json_shape(demo_db: Path):
    """Default period: the last three full months before the pinned today (Aug-Oct 2026)."""
    done = cli("--db", str(demo_db), "--json")
    assert done.returncode == 0, done.stderr
    out = json.loads(done.stdout)
    assert out["period"]["start"] == "2026-08-01" and out["period"]["end"] == "2026-11-01"
    for kind in ("full", "incremental", "transaction_log"):
        assert set(out["backups"][kind]) >= {"expected", "succeeded", "failed"}
        assert all(isinstance(v, int) for v in out["backups"][kind].values())
    assert out["backups"]["full"]["expected"] == 92   # 92 days, one full backup a day
    assert set(out["restore_tests"]) == {"expected", "done"} and out["restore_tests"]["expected"] == 14
    assert isinstance(out["longest_gap_minutes"], float) and out["rpo_minutes"] == 60.0
    assert isinstance(out["rpo_met"], bool)
    assert out["dr_tests"] and set(out["dr_tests"][0]) >= {"test_id", "scenario", "recovery_minutes",
                                                           "data_loss_minutes", "rto_met", "rpo_met", "mtd_met"}
    assert set(out["maintenance"]) >= {"windows", "inside_window"}
    assert set(out["changes"]) >= {"total", "emergency", "failed", "change_failure_pct"}
    assert out["changes"]["total"] > 0
    statuses = [p["status"] for p in out["promises"]]
    assert statuses == sorted(statuses, key=["missed", "no data", "kept"].index) and "missed" in statuses
    text = cli("--db", str(demo_db), "--start", "2026-08-01", "--end", "2026-11-01")
    assert text.returncode == 0 and "plan promises kept" in text.stdout


@pytest.mark.parametrize("args, message", [
    (("--db", "no-such.duckdb", "--json"), "no warehouse file"),
    (("--db", "DEMO", "--start", "2026-13-01"), "--start"),
    (("--db", "DEMO", "--start", "2026-03-01", "--end", "2026-03-01"), "must be after its start"),
])
def test_cli_bad_arguments_exit_2_with_a_clear_message(demo_db: Path, args: tuple, message: str):
    done = cli(*[str(demo_db) if a == "DEMO" else a for a in args])
    assert done.returncode == 2 and message in done.stderr and "Traceback" not in done.stderr


def _imp(con, table: str, text: str) -> None:
    result = run_import(con, text.encode(), f"{table}.csv", table, ImportOptions(tz=TZ), user="tester",
                        now=pd.Timestamp("2026-03-10", tz="UTC").to_pydatetime(), actor=LOCAL_USER)
    assert result.outcome == "imported", [p.format() for p in result.issues]


def test_cli_on_a_small_imported_warehouse(tmp_path: Path):
    """Monday 2 Mar 2026, local times, imported from CSV by the real importer.
    Backups: a full 1 Mar 02:00-02:30 (before: opens the first gap); on 2 Mar a full 02:00-02:30
    (restore-tested), an incremental 06:00-06:05, a failed incremental 10:00, a log 12:00-12:01.
    Expected: full 1, incremental 6 - 1 = 5, log 96; restore tests ceil(1 / 7) = 1, done 1.
    Good finishes 1 Mar 02:30, 2 Mar 02:30, 06:05, 12:01, the end 24:00: gaps 1,440, 215, 356,
    719: longest 1,440 > 60, RPO missed. Drill DR-1 (2 Mar): 200 min, 61 min lost: RTO and MTD met,
    RPO not; DR-2 on 3 Mar is outside. Windows: daily 02:00-04:00 inside, daily 02:00-04:01 not.
    Changes: CHG-1 web 23:30 followed by change-related INC-1 on 3 Mar 23:29 (23 h 59 min, past the
    end): failed; CHG-2 emergency 03:00 in the window: not failed. 2 changes, 1 failed: 50 %."""
    db = tmp_path / "small.duckdb"
    con = connect(db)
    _imp(con, "services", "service_id,name,kind,is_customer_facing,instances,instance_rps_capacity\n"
                          "web,Web,web,true,3,100\n")
    _imp(con, "backup_runs", "run_id,kind,started_at,finished_at,is_success,is_restore_tested\n"
                             "B-0,full,2026-03-01 02:00,2026-03-01 02:30,true,false\n"
                             "B-1,full,2026-03-02 02:00,2026-03-02 02:30,true,true\n"
                             "B-2,incremental,2026-03-02 06:00,2026-03-02 06:05,true,false\n"
                             "B-3,incremental,2026-03-02 10:00,2026-03-02 10:03,false,false\n"
                             "B-4,transaction_log,2026-03-02 12:00,2026-03-02 12:01,true,false\n")
    _imp(con, "dr_tests", "test_id,tested_on,scenario,recovery_minutes,data_loss_minutes,is_passed\n"
                          "DR-1,2026-03-02,regional_outage,200,61,false\n"
                          "DR-2,2026-03-03,database_failure,5,0,true\n")
    _imp(con, "maintenance_windows", "window_id,service_id,kind,starts_at,ends_at\n"
                                     "MW-1,,daily,2026-03-02 02:00,2026-03-02 04:00\n"
                                     "MW-2,web,daily,2026-03-02 02:00,2026-03-02 04:01\n")
    _imp(con, "changes", "change_id,service_id,category,deployed_at,is_rolled_back\n"
                         "CHG-1,web,standard,2026-03-02 23:30,false\n"
                         "CHG-2,web,emergency,2026-03-02 03:00,false\n")
    _imp(con, "incidents", "incident_id,service_id,severity,impact,started_at,detected_at,resolved_at,"
                           "is_change_related\n"
                           "INC-1,web,high,degraded,2026-03-03 23:29,2026-03-03 23:35,2026-03-04 01:00,true\n")
    con.close()
    done = cli("--db", str(db), "--start", "2026-03-02", "--end", "2026-03-03", "--json")
    assert done.returncode == 0, done.stderr
    out = json.loads(done.stdout)
    assert out["backups"] == {"full": {"expected": 1, "succeeded": 1, "failed": 0, "missed": 0},
                              "incremental": {"expected": 5, "succeeded": 1, "failed": 1, "missed": 3},
                              "transaction_log": {"expected": 96, "succeeded": 1, "failed": 0, "missed": 95}}
    assert out["restore_tests"] == {"expected": 1, "done": 1}
    assert (out["longest_gap_minutes"], out["rpo_minutes"], out["rpo_met"]) == (1440.0, 60.0, False)
    assert [(d["test_id"], d["scenario"], d["recovery_minutes"], d["data_loss_minutes"], d["rto_met"], d["rpo_met"],
             d["mtd_met"]) for d in out["dr_tests"]] == [("DR-1", "regional_outage", 200.0, 61.0, True, False, True)]
    assert (out["maintenance"]["windows"], out["maintenance"]["inside_window"]) == (2, 1)
    changes = out["changes"]
    assert (changes["total"], changes["emergency"], changes["failed"], changes["change_failure_pct"],
            changes["in_maintenance_window"]) == (2, 1, 1, 50.0, 1)
    # the export had no requested_at or reviewed_at: neither is judged
    assert (changes["lead_time_judged"], changes["emergency_reviews_judged"]) == (0, 0)
    # promises: missed first; the RPO was broken 60 min after the 1 Mar 02:30 backup, at 03:30;
    # the windows since MW-2 started; the drills since DR-1's day; nothing recorded for security and vendors
    promises = {p["promise"]: (p["status"], p["since"]) for p in out["promises"]}
    assert promises["longest gap between good backups"] == ("missed", "2026-03-01T03:30:00+07:00")
    assert promises["maintenance inside the plan's windows"] == ("missed", "2026-03-02T02:00:00+07:00")
    assert promises["drills within RTO, RPO and MTD"] == ("missed", "2026-03-02")
    assert promises["full backups"] == ("kept", None) and promises["restore tests"] == ("kept", None)
    assert promises["transaction log backups"][0] == promises["incremental backups"][0] == "missed"
    assert promises["lead time"][0] == promises["patching"][0] == promises["AWS (cloud) availability"][0] == "no data"
    statuses = [p["status"] for p in out["promises"]]
    assert statuses == ["missed"] * 5 + ["no data"] * (len(statuses) - 7) + ["kept"] * 2
    assert (out["promises_kept"], out["promises_judged"]) == (2, 7)


def test_an_older_warehouse_reads_read_only_and_migrates_when_opened(tmp_path: Path):
    """A file made before the adherence tables and the changes' requested_at/reviewed_at: the CLI
    (read-only) reads it, the missing tables as empty and no lead time judged; opening it
    writable adds them, and an export without the new columns still imports."""
    db = tmp_path / "old.duckdb"
    con = connect(db)
    _imp(con, "services", "service_id,name,kind,is_customer_facing,instances,instance_rps_capacity\n"
                          "web,Web,web,true,3,100\n")
    con.execute("alter table changes drop column requested_at")
    con.execute("alter table changes drop column reviewed_at")
    con.execute("drop table security_activities")
    con.execute("drop table vendor_outages")
    con.execute("insert into changes values ('CHG-1', 'web', 'minor', '2026-03-02 03:00+00', true)")
    con.close()
    done = cli("--db", str(db), "--start", "2026-03-02", "--end", "2026-03-03", "--json")
    assert done.returncode == 0, done.stderr
    out = json.loads(done.stdout)
    assert (out["changes"]["total"], out["changes"]["failed"], out["changes"]["lead_time_judged"]) == (1, 1, 0)
    assert [(v["availability_pct"], v["met"]) for v in out["vendors"]] == [(None, None), (None, None)]
    assert {p["status"] for p in out["promises"] if p["area"] in ("Security", "Vendors")} == {"no data"}
    con = connect(db)
    cols = {r[0] for r in con.execute(
        "select column_name from duckdb_columns() where table_name = 'changes'").fetchall()}
    assert {"requested_at", "reviewed_at"} <= cols
    _imp(con, "changes", "change_id,service_id,category,deployed_at\nCHG-2,web,standard,2026-03-02 10:00\n")
    _imp(con, "security_activities", "activity_id,activity,done_on\nSA-1,patching,2026-03-01\n")
    con.close()


@pytest.mark.parametrize("path, value, message", [
    ("maintenance.daily.end", "25:00", "'maintenance.daily.end'"),
    ("maintenance.weekly.weekday", "Sundy", "'maintenance.weekly.weekday'"),
    ("change_control.minor_lead_time_hours", "48h", "'change_control.minor_lead_time_hours'"),
    ("security.every_days.patching", 0, "'security.every_days.patching'"),
    ("security.every_days.tea_break", 1, "'security.every_days'"),
    ("vendors.aws.sla_pct", 120, "'vendors.aws.sla_pct'"),
    ("disaster_recovery.rpo_minutes", -1, "'disaster_recovery.rpo_minutes'"),
])
def test_adherence_settings_are_checked_on_load(path: str, value, message: str):
    """A bad schedule value stops the plan's load with the key named."""
    import copy
    import tomllib

    from core.plan import PlanError, parse_plan

    table = tomllib.loads((ROOT / "plan.toml").read_text())
    bad = copy.deepcopy(table)
    *parents, leaf = path.split(".")
    node = bad
    for part in parents:
        node = node[part]
    node[leaf] = value
    with pytest.raises(PlanError, match=message.replace(".", r"\.")):
        parse_plan(bad)
    assert parse_plan(table).adherence.rpo_minutes == 60.0
