"""Reliability KPIs against hand-computed answers: overlaps, maintenance, boundaries, no failures."""
from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import numpy as np
import pandas as pd
import pytest

from analytics import reliability

BKK = ZoneInfo("Asia/Bangkok")
DAY_START, DAY_END = datetime(2026, 1, 10, tzinfo=BKK), datetime(2026, 1, 11, tzinfo=BKK)


def at(hour: float, day: int = 10) -> pd.Timestamp:
    """A local Bangkok time on January `day` 2026."""
    return pd.Timestamp(datetime(2026, 1, day, tzinfo=BKK)) + pd.Timedelta(hours=hour)


def incidents(*rows: tuple) -> pd.DataFrame:
    """Rows of (service, severity, impact, started, resolved[, detected]) as an incidents frame."""
    records = []
    for k, (service, severity, impact, started, resolved, *detected) in enumerate(rows):
        records.append({"incident_id": f"I{k}", "service_id": service, "severity": severity, "impact": impact,
                        "started_at": started, "detected_at": detected[0] if detected else started,
                        "acknowledged_at": pd.NaT, "resolved_at": resolved, "escalated_at": pd.NaT,
                        "is_customer_facing": service != "batch"})
    frame = pd.DataFrame(records, columns=["incident_id", "service_id", "severity", "impact", "started_at",
                                           "detected_at", "acknowledged_at", "resolved_at", "escalated_at",
                                           "is_customer_facing"])
    for col in ("started_at", "detected_at", "acknowledged_at", "resolved_at", "escalated_at"):
        frame[col] = pd.to_datetime(frame[col], utc=True)
    return frame


def windows(*rows: tuple) -> pd.DataFrame:
    """Rows of (service or None, starts, ends) as a maintenance-window frame."""
    frame = pd.DataFrame([{"window_id": f"W{k}", "service_id": s, "kind": "daily", "starts_at": a, "ends_at": b}
                          for k, (s, a, b) in enumerate(rows)],
                         columns=["window_id", "service_id", "kind", "starts_at", "ends_at"])
    for col in ("starts_at", "ends_at"):
        frame[col] = pd.to_datetime(frame[col], utc=True)
    return frame


NO_WINDOWS = windows()


def test_merge_and_subtract_intervals():
    """Touching and overlapping intervals merge; subtraction leaves the uncovered parts."""
    assert reliability.merge([(5, 7), (0, 2), (1, 3), (3, 4)]).tolist() == [[0, 4], [5, 7]]
    assert reliability.subtract([(0, 10)], [(2, 3), (5, 12)]).tolist() == [[0, 2], [3, 5]]
    # Cuts wholly before, straddling two base intervals, and touching an end.
    assert reliability.subtract([(10, 20), (30, 40)], [(0, 1), (2, 10), (15, 16), (18, 35), (39, 50)]).tolist() == \
        [[10, 15], [16, 18], [35, 39]]
    assert reliability.merge([]).shape == reliability.subtract([], [(0, 1)]).shape == (0, 2)


def test_merge_and_subtract_match_a_minute_grid():
    """On random integer intervals, merge and subtract cover exactly the unit cells that a plain
    per-cell check says they should (ties, touching ends and nested cuts included)."""
    rng = np.random.default_rng(3)
    for _ in range(300):
        base = [(int(a), int(a + rng.integers(1, 15))) for a in rng.integers(0, 80, rng.integers(0, 8))]
        cut = [(int(a), int(a + rng.integers(1, 15))) for a in rng.integers(0, 80, rng.integers(0, 8))]
        cells = lambda intervals: {x for lo, hi in intervals for x in range(int(lo), int(hi))}
        kept = reliability.subtract(reliability.merge(base), reliability.merge(cut))
        assert cells(kept) == cells(base) - cells(cut)
        assert all(hi > lo for lo, hi in kept) and all(a[1] < b[0] for a, b in zip(kept, kept[1:]))


def test_coverage_equals_per_span_interval_arithmetic():
    """availability_of reads all-time coverages; on random outages (overlapping, open, on three
    services, one not customer-facing) and windows (global and per service), its down and planned
    hours for random spans equal merge-and-subtract done for that span alone, and its outage count
    the outages touching the span."""
    rng = np.random.default_rng(7)
    for trial in range(40):
        n = int(rng.integers(0, 25))
        starts = rng.uniform(0, 240, n)
        ends = starts + rng.exponential(3, n)
        rows = [(str(rng.choice(["web", "api", "batch"])), "high", "outage", at(a), None if rng.random() < 0.08 else at(b))
                for a, b in zip(starts, ends)]
        w_starts = rng.uniform(0, 240, int(rng.integers(0, 12)))
        w = windows(*[(rng.choice([None, "web", "api", "batch"]), at(a), at(a + rng.uniform(0.1, 4)))
                      for a in w_starts])
        t = reliability.timeline(incidents(*rows), w)
        for _ in range(10):
            start, end = (at(0).to_pydatetime() + timedelta(minutes=int(m)) for m in sorted(rng.integers(-600, 15600, 2)))
            for service in (None, "web", "api", "batch"):
                services = t.customer_facing if service is None else (service,)
                down = reliability.unplanned_down(t, services, start.timestamp(), end.timestamp())
                planned = reliability._windows(t, service, start.timestamp(), end.timestamp())
                a = reliability.availability_of(t, start, end, service)
                assert a.down_hours == pytest.approx(sum(hi - lo for lo, hi in down) / 3600, abs=1e-9), (trial, service)
                assert a.planned_hours == pytest.approx(sum(hi - lo for lo, hi in planned) / 3600, abs=1e-9), (trial, service)
                touching = [r for r in rows if r[0] in services and r[3] < end and (r[4] is None or r[4] > start)]
                assert a.n_outages == (len(touching) if end > start else 0), (trial, service)


def test_outage_count_at_the_span_boundaries():
    """Outages touching [00:00, 24:00): one ended exactly at the start and one started exactly at
    the end do not; one started exactly at the start, one across the end and one still open do."""
    inc = incidents(("web", "high", "outage", at(-3), at(0)), ("web", "high", "outage", at(24), at(26)),
                    ("web", "high", "outage", at(0), at(1)), ("web", "high", "outage", at(23), at(25)),
                    ("web", "high", "outage", at(-30), None))
    assert reliability.availability(inc, NO_WINDOWS, DAY_START, DAY_END).n_outages == 3
    assert reliability.availability(inc, NO_WINDOWS, DAY_END, DAY_END).n_outages == 0  # an empty span


def test_overlapping_outages_on_one_service_count_once():
    """10:00-12:00 and 11:00-13:00 on one service are 3 h down: uptime 1 - 3/24."""
    inc = incidents(("web", "critical", "outage", at(10), at(12)), ("web", "high", "outage", at(11), at(13)))
    a = reliability.availability(inc, NO_WINDOWS, DAY_START, DAY_END)
    assert a.down_hours == pytest.approx(3.0)
    assert a.uptime_pct == pytest.approx(100 * (1 - 3 / 24))
    assert a.n_outages == 2


def test_overlapping_outages_across_services_take_the_union():
    """System uptime takes the union over customer-facing services; the batch service is ignored."""
    inc = incidents(("web", "critical", "outage", at(10), at(12)), ("api", "critical", "outage", at(11), at(13)),
                    ("batch", "critical", "outage", at(0), at(6)))
    a = reliability.availability(inc, NO_WINDOWS, DAY_START, DAY_END)
    assert a.down_hours == pytest.approx(3.0)
    batch = reliability.availability(inc, NO_WINDOWS, DAY_START, DAY_END, service_id="batch")
    assert batch.uptime_pct == pytest.approx(100 * (1 - 6 / 24))


def test_degraded_incidents_are_not_downtime():
    """Only full outages count as unplanned downtime."""
    inc = incidents(("web", "critical", "degraded", at(10), at(20)))
    assert reliability.availability(inc, NO_WINDOWS, DAY_START, DAY_END).uptime_pct == pytest.approx(100.0)


def test_outage_overlapping_maintenance_window():
    """Outage 01:00-03:00 with a global window 02:00-04:00: 1 h down over 24 - 2 h: uptime 1 - 1/22."""
    inc = incidents(("web", "critical", "outage", at(1), at(3)))
    win = windows((None, at(2), at(4)))
    a = reliability.availability(inc, win, DAY_START, DAY_END)
    assert (a.down_hours, a.planned_hours) == pytest.approx((1.0, 2.0))
    assert a.uptime_pct == pytest.approx(100 * (1 - 1 / 22))


def test_service_window_excuses_only_its_own_service():
    """A window for 'api' does not excuse an outage of 'web' and is not subtracted from system time."""
    inc = incidents(("web", "critical", "outage", at(1), at(3)), ("api", "critical", "outage", at(1), at(3)))
    win = windows(("api", at(0), at(4)))
    a = reliability.availability(inc, win, DAY_START, DAY_END)
    assert (a.down_hours, a.planned_hours) == pytest.approx((2.0, 0.0))
    api = reliability.availability(inc, win, DAY_START, DAY_END, service_id="api")
    assert (api.down_hours, api.planned_hours, api.uptime_pct) == pytest.approx((0.0, 4.0, 100.0))


def test_service_window_after_a_global_one_applies_to_its_own_service():
    """A global window (01:00-02:00) listed before web's own (05:00-07:00): web's 04:00-08:00 outage
    is 2 h down and 3 h planned; api 1.5 h planned. (Its windows were once matched by position
    among the service windows alone, so web got none of its own.)"""
    w = windows((None, at(1), at(2)), ("web", at(5), at(7)), ("api", at(12), at(12.5)))
    rows = incidents(("web", "high", "outage", at(4), at(8)))
    web = reliability.availability(rows, w, DAY_START, DAY_END, "web")
    assert (web.down_hours, web.planned_hours) == (pytest.approx(2.0), pytest.approx(3.0))
    api = reliability.availability(rows, w, DAY_START, DAY_END, "api")
    assert (api.down_hours, api.planned_hours) == (0.0, pytest.approx(1.5))
    system = reliability.availability(rows, w, DAY_START, DAY_END)
    assert (system.down_hours, system.planned_hours) == (pytest.approx(2.0), pytest.approx(1.0))


def test_outage_crossing_period_boundary_is_clipped():
    """An outage from 23:00 the day before to 01:00 counts 1 h in the day; the next day's start counts 2 h."""
    inc = incidents(("web", "critical", "outage", at(-1), at(1)), ("web", "high", "outage", at(23), at(26)))
    a = reliability.availability(inc, NO_WINDOWS, DAY_START, DAY_END)
    assert a.down_hours == pytest.approx(2.0)


def test_open_outage_runs_to_period_end():
    """An unresolved outage from 20:00 counts 4 h in the day."""
    inc = incidents(("web", "critical", "outage", at(20), pd.NaT))
    assert reliability.availability(inc, NO_WINDOWS, DAY_START, DAY_END).down_hours == pytest.approx(4.0)


def test_empty_period_has_full_uptime_and_no_mttr():
    """No incident: uptime 100 %, MTTR has no data, MTBF is a lower bound."""
    empty = incidents()
    assert reliability.availability(empty, NO_WINDOWS, DAY_START, DAY_END).uptime_pct == 100.0
    m = reliability.mttr(empty, ("critical", "high"), DAY_START, DAY_END)
    assert (m.value, m.n) == (None, 0)


def test_mttr_counts_failures_resolved_in_period():
    """Failures resolved in the day: 2 h (started the day before) and 4 h; medium, open and later ones excluded."""
    inc = incidents(("web", "critical", "degraded", at(-1), at(1)), ("web", "high", "degraded", at(5), at(9)),
                    ("web", "medium", "degraded", at(5), at(6)), ("web", "high", "degraded", at(20), pd.NaT),
                    ("web", "high", "degraded", at(23), at(25)))
    m = reliability.mttr(inc, ("critical", "high"), DAY_START, DAY_END)
    assert (m.value, m.n) == (pytest.approx(3.0), 2)


def test_failures_at_the_period_boundaries():
    """Resolved exactly at 00:00 counts for MTTR (periods are [start, end)); resolved exactly at
    24:00 does not, nor does an open one. For MTBF, started exactly at 00:00 counts. Rows come
    in no time order, and the day is asked twice, as a trend asks each month: the kept index
    answers the same."""
    inc = incidents(("web", "high", "degraded", at(23), at(48)), ("web", "critical", "degraded", at(-2), at(0)),
                    ("web", "high", "degraded", at(0), at(3)), ("web", "high", "degraded", at(23), at(24)),
                    ("web", "high", "degraded", at(5), pd.NaT), ("web", "low", "degraded", at(1), at(2)))
    times = reliability.IncidentTimes.of(inc)
    for _ in range(2):
        m = reliability.mttr(times, ("critical", "high"), DAY_START, DAY_END)
        assert (m.value, m.n) == (pytest.approx((2 + 3) / 2), 2)
        b = reliability.mtbf(times, ("critical", "high"), DAY_START, DAY_END, down_hours=0.0)
        assert (b.value, b.n) == (pytest.approx(24 / 4), 4)  # started 23:00, 00:00, 23:00 and 05:00


def test_mttr_carries_its_t_interval():
    """Four failures resolved in the day after 1, 2, 3 and 6 h: MTTR 3 h; 90 % t-interval
    3 +- 2.3533634 x sqrt(14/3) / 2 = [0.458077, 5.541923] (test_measure's worked example). One
    failure alone: no spread to bound it, [0, unbounded). None resolved: no value, no interval."""
    inc = incidents(("web", "high", "degraded", at(1), at(2)), ("web", "high", "degraded", at(3), at(5)),
                    ("web", "critical", "degraded", at(6), at(9)), ("web", "high", "degraded", at(10), at(16)))
    m = reliability.mttr(inc, ("critical", "high"), DAY_START, DAY_END)
    assert (m.value, m.n) == (pytest.approx(3.0), 4)
    assert m.interval == (pytest.approx(0.458077, abs=2e-6), pytest.approx(5.541923, abs=2e-6))
    one = reliability.mttr(incidents(("web", "high", "degraded", at(1), at(2))), ("high",), DAY_START, DAY_END)
    assert one.interval == (0.0, float("inf"))
    none = reliability.mttr(incidents(("web", "high", "degraded", at(1), pd.NaT)), ("high",), DAY_START, DAY_END)
    assert none.value is None and none.interval is None


def test_mttr_from_detected():
    """With mttr_from = detected, a failure started 08:00, detected 09:00, resolved 12:00 takes 3 h."""
    inc = incidents(("web", "high", "degraded", at(8), at(12), at(9)))
    assert reliability.mttr(inc, ("high",), DAY_START, DAY_END, "detected").value == pytest.approx(3.0)


def test_mttr_from_detected_never_counts_a_negative_time():
    """A failure resolved at 10:00 but detected only at 11:00 (found after it ended) counts 0 h from
    detection, not -1 h: with a 3 h one beside it, MTTR is 1.5 h; from the start it is (2 + 4) / 2."""
    inc = incidents(("web", "high", "degraded", at(8), at(10), at(11)),
                    ("web", "high", "degraded", at(8), at(12), at(9)))
    assert reliability.mttr(inc, ("high",), DAY_START, DAY_END, "detected").value == pytest.approx(1.5)
    assert reliability.mttr(inc, ("high",), DAY_START, DAY_END, "started").value == pytest.approx(3.0)
    stats = reliability.duration_stats(inc, ("high",), DAY_START, DAY_END, "detected")
    assert (stats["median"], stats["n"]) == (pytest.approx(1.5), 2)


def test_mtbf_and_its_interval_match_chi_square_tables():
    """2 failures over 720 h with 6 h down: MTBF 357 h; 90 % CI 1428/12.592 to 1428/0.7107 (chi-square table)."""
    start, end = datetime(2026, 1, 1, tzinfo=BKK), datetime(2026, 1, 31, tzinfo=BKK)
    inc = incidents(("web", "critical", "degraded", at(5, 3), at(6, 3)),
                    ("web", "high", "degraded", at(5, 20), at(6, 20)), ("web", "low", "degraded", at(1, 4), at(2, 4)))
    m = reliability.mtbf(inc, ("critical", "high"), start, end, down_hours=6.0, confidence_pct=90)
    assert (m.value, m.n, m.is_lower_bound) == (pytest.approx(357.0), 2, False)
    lower, upper = reliability.mtbf_interval(714.0, 2, 90)
    assert lower == pytest.approx(1428 / 12.592, rel=1e-3)
    assert upper == pytest.approx(1428 / 0.7107, rel=1e-3)


def test_mtbf_with_zero_failures_is_a_lower_bound():
    """No failure in 24 h: MTBF is 'more than 24 h', with a finite lower and no upper confidence limit."""
    m = reliability.mtbf(incidents(), ("critical", "high"), DAY_START, DAY_END, down_hours=0.0)
    assert (m.value, m.n, m.is_lower_bound) == (24.0, 0, True)
    assert "more than 24 h" in m.note
    lower, upper = reliability.mtbf_interval(24.0, 0, 90)
    assert lower == pytest.approx(48 / 5.991, rel=1e-3) and upper is None


def test_mtta_over_acknowledged_incidents():
    """Acknowledged 15 and 45 minutes after detection: MTTA 0.5 h; an unacknowledged one is left out."""
    inc = incidents(("web", "low", "none", at(1), at(2)), ("web", "low", "none", at(3), at(4)),
                    ("web", "low", "none", at(5), pd.NaT))
    inc["acknowledged_at"] = [at(1.25), at(3.75), pd.NaT]
    m = reliability.mtta(inc, DAY_START, DAY_END)
    assert (m.value, m.n) == (pytest.approx(0.5), 2)


def test_severity_sla_compliance(plan):
    """Two highs detected 08:00: one acked in 20 min, fixed in 3 h, escalated at 2 h; one acked in 40 min,
    still open, never escalated. Response 50 %, resolution 50 %; both open at 2 h, one escalated: 50 %."""
    inc = incidents(("web", "high", "degraded", at(8), at(11)), ("web", "high", "degraded", at(8), pd.NaT))
    inc["acknowledged_at"] = [at(8 + 20 / 60), at(8 + 40 / 60)]
    inc["escalated_at"] = [at(10), pd.NaT]
    table = reliability.severity_sla(inc, plan.severities, DAY_START, DAY_END).set_index("severity")
    high = table.loc["high"]
    assert (high["n"], high["response_pct"], high["resolution_pct"]) == (2, 50.0, 50.0)
    assert (high["n_escalation_due"], high["escalation_pct"]) == (2, 50.0)
    assert table.loc["low", "n"] == 0 and pd.isna(table.loc["low", "response_pct"])


def test_critical_escalation_is_immediate_with_grace(plan):
    """A critical escalated 4 min after detection is on time (5 min grace), one at 10 min is late,
    one fixed within 3 min needed no escalation."""
    inc = incidents(("web", "critical", "outage", at(1), at(2)), ("web", "critical", "outage", at(3), at(4)),
                    ("web", "critical", "outage", at(5), at(5.05)))
    inc["escalated_at"] = [at(1 + 4 / 60), at(3 + 10 / 60), pd.NaT]
    crit = reliability.severity_sla(inc, plan.severities, DAY_START, DAY_END, 5).set_index("severity").loc["critical"]
    assert (crit["n_escalation_due"], crit["escalation_pct"]) == (2, 50.0)


def test_duration_stats_show_the_tail():
    """Recovery times 1, 1, 1, 1, 11 h: mean 3 h, median 1 h, 90th percentile 7 h (linear)."""
    inc = incidents(*[("web", "high", "degraded", at(h), at(h + d)) for h, d in
                      ((0, 1), (2, 1), (4, 1), (6, 1), (8, 11))])
    stats = reliability.duration_stats(inc, ("high",), DAY_START, DAY_END)
    assert stats == {"mean": pytest.approx(3.0), "median": pytest.approx(1.0), "p90": pytest.approx(7.0), "n": 5}


def test_error_budget_burn():
    """A 30-day month at 99.9 % allows 43.2 min; 20 min spent in 10 days burns 2 min a day: 11.6 days left."""
    a = reliability.Availability(uptime_pct=None, down_hours=20 / 60, planned_hours=0.0, period_hours=720.0,
                                 n_outages=1)
    b = reliability.error_budget(a, 99.9, elapsed_hours=240.0)
    assert (b.allowed_minutes, b.spent_minutes, b.remaining_minutes) == pytest.approx((43.2, 20.0, 23.2))
    assert b.days_to_exhaustion == pytest.approx(11.6)
    clean = reliability.error_budget(reliability.Availability(100.0, 0.0, 0.0, 720.0, 0), 99.9, 240.0)
    assert clean.days_to_exhaustion is None


def test_worst_incidents_open_first_then_longest():
    """An open incident leads, then 5 h before 2 h; those started before the period are left out."""
    inc = incidents(("web", "high", "degraded", at(1), at(3)), ("web", "high", "degraded", at(4), at(9)),
                    ("web", "low", "none", at(20), pd.NaT), ("web", "high", "degraded", at(-5), at(2)))
    table = reliability.worst_incidents(inc, DAY_START, DAY_END)
    assert list(table["incident_id"]) == ["I2", "I1", "I0"]
    assert list(table["hours"]) == pytest.approx([4.0, 5.0, 2.0])


def test_worst_incidents_of_equal_length_earlier_start_first():
    """The load comes in no set order: two 3 h incidents listed later-start first still rank
    the earlier start first; the limit keeps that one."""
    inc = incidents(("web", "high", "degraded", at(8), at(11)), ("web", "high", "degraded", at(2), at(5)),
                    ("web", "high", "degraded", at(1), at(2)))
    assert list(reliability.worst_incidents(inc, DAY_START, DAY_END)["incident_id"]) == ["I1", "I0", "I2"]
    assert list(reliability.worst_incidents(inc, DAY_START, DAY_END, limit=1)["incident_id"]) == ["I1"]


def test_severity_masks_from_categories_strings_and_gaps():
    """of_severity reads loaded categories (the query's enum) and hand-built strings alike; a
    missing severity is in no mask, and a name no row has masks nothing."""
    names = ["high", None, "low", "critical", "high"]
    for column in (pd.Series(names, dtype="str"),
                   pd.Series(pd.Categorical(names, categories=["critical", "high", "medium", "low"]))):
        times = reliability.IncidentTimes(pd.DataFrame({"severity": column}))
        assert times.of_severity(("critical", "high")).tolist() == [True, False, False, True, True]
        assert times.of_severity(("low",)).tolist() == [False, False, True, False, False]
        assert not times.of_severity(("medium",)).any()


def test_worst_incidents_equal_a_full_sort_when_few_are_kept():
    """Only rows that can make the list are sorted: many incidents on whole hours (long ties at
    the limit's edge, several open) give the first `limit` of the whole table sorted open first,
    longest, earliest, then in the frame's order."""
    rng = np.random.default_rng(7)
    rows = [("web", "high", "degraded", at(float(s)), pd.NaT if rng.random() < 0.1 else at(float(s + d)))
            for s, d in zip(rng.integers(-3, 24, 300), rng.integers(0, 4, 300))]
    inc = incidents(*rows)
    whole = reliability.worst_incidents(inc, DAY_START, DAY_END, limit=len(rows))
    is_open = whole["resolved_at"].isna()
    assert not is_open.iloc[is_open.sum():].any() and is_open.iloc[:is_open.sum()].all()  # open first
    expected = (whole.assign(open=is_open, k=whole["incident_id"].str[1:].astype(int))
                .sort_values(["open", "hours", "started_at", "k"], ascending=[False, False, True, True]))
    assert list(whole["incident_id"]) == list(expected["incident_id"])
    for limit in (1, 5, 15, 40):
        assert list(reliability.worst_incidents(inc, DAY_START, DAY_END, limit=limit)["incident_id"]) == \
            list(whole["incident_id"][:limit])


def test_chi2_quantile_is_scipys():
    """The MTBF interval's chi-square quantiles equal scipy.stats.chi2.ppf, ends included."""
    from scipy.stats import chi2
    for p in (0.0, 0.005, 0.05, 0.5, 0.95, 0.995, 1.0):
        for df in (1, 2, 7, 40, 399):
            assert reliability._chi2_quantile(p, df) == chi2.ppf(p, df)


def test_severity_sla_of_several_spans_is_each_spans_own(plan):
    """The grid of a page's spans (two days and their total, overlapping) judges each incident
    once: every span's rows equal severity_sla of that span alone, with only the chosen
    severities, hand-checked for the first day's highs."""
    inc = incidents(("web", "high", "degraded", at(8), at(11)), ("web", "high", "degraded", at(8), pd.NaT),
                    ("web", "critical", "outage", at(30), at(31)), ("web", "low", "none", at(20), at(30)),
                    ("web", "critical", "outage", at(-3), at(-1)), ("web", "medium", "degraded", at(47), pd.NaT))
    inc["acknowledged_at"] = [at(8 + 20 / 60), at(8 + 40 / 60), at(30.1), pd.NaT, at(-2), at(47.5)]
    inc["escalated_at"] = [at(10), pd.NaT, at(30 + 4 / 60), pd.NaT, at(-3), at(70)]
    day2 = (DAY_END, DAY_END + (DAY_END - DAY_START))
    spans = [(DAY_START, DAY_END), day2, (DAY_START, day2[1])]
    for chosen in (plan.severities, tuple(s for s in plan.severities if s.name in ("critical", "high"))):
        grids = reliability.severity_sla_spans(inc, chosen, spans, 5)
        for (start, end), grid in zip(spans, grids):
            alone = reliability.severity_sla(inc, chosen, start, end, 5)
            assert pd.DataFrame(grid).equals(alone)
            assert [row["severity"] for row in grid] == [s.name for s in chosen]
    high = reliability.severity_sla_spans(inc, plan.severities, spans, 5)[0][1]
    assert (high["n"], high["response_pct"], high["resolution_pct"], high["escalation_pct"]) == (2, 50.0, 50.0, 50.0)
    total = {row["severity"]: row["n"] for row in reliability.severity_sla_spans(inc, plan.severities, spans, 5)[2]}
    assert total == {"critical": 1, "high": 2, "medium": 1, "low": 1}


def test_system_and_services_on_one_timeline_in_either_order():
    """The system's down time is the union of its customer-facing services' own, which a page
    asks for too: on one Timeline, asked system first or services first, web 2 h and api 1 h of
    overlapping outages (api's own window excuses 1 h) give the system 2.5 h, and 'batch', not
    customer-facing, counts only for itself."""
    inc = incidents(("web", "critical", "outage", at(1), at(3)), ("api", "critical", "outage", at(2.5), at(4.5)),
                    ("batch", "high", "outage", at(10), at(12)))
    win = windows(("api", at(3.5), at(5)))
    expected = {None: 2.5, "web": 2.0, "api": 1.0, "batch": 2.0}
    for order in ([None, "web", "api", "batch"], ["batch", "api", "web", None]):
        t = reliability.timeline(inc, win)
        got = {s: reliability.availability_of(t, DAY_START, DAY_END, s).down_hours for s in order}
        assert got == pytest.approx(expected)
