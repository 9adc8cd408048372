"""The events marked on trend charts: counted per local month in SQL, on a tiny real warehouse."""
from __future__ import annotations

from datetime import datetime, timezone

import pytest

from data.warehouse import connect, query

SPAN = {"start": datetime(2026, 1, 1, tzinfo=timezone.utc), "end": datetime(2026, 4, 1, tzinfo=timezone.utc)}


@pytest.fixture
def con(tmp_path):
    con = connect(tmp_path / "w.duckdb")
    con.execute("insert into services (service_id, name, kind, is_customer_facing, instances, "
                "instance_rps_capacity) values ('web', 'Web', 'web', true, 2, 100), ('db', 'Database', 'database', false, 1, 100)")
    con.execute("""insert into incidents (incident_id, service_id, severity, impact, started_at, detected_at) values
        ('I1', 'web', 'critical', 'outage',   '2026-01-10 00:00+00', '2026-01-10 00:00+00'),
        ('I2', 'db',  'high',     'degraded', '2026-01-20 00:00+00', '2026-01-20 00:00+00'),
        ('I3', 'web', 'high',     'degraded', '2026-02-05 00:00+00', '2026-02-05 00:00+00'),
        ('I4', 'web', 'medium',   'none',     '2026-02-06 00:00+00', '2026-02-06 00:00+00'),
        ('I5', 'web', 'critical', 'outage',   '2026-01-31 20:00+00', '2026-01-31 20:00+00'),
        ('I6', 'web', 'critical', 'outage',   '2025-12-31 12:00+00', '2025-12-31 12:00+00')""")
    con.execute("""insert into changes (change_id, service_id, category, deployed_at, is_rolled_back) values
        ('C1', 'web', 'standard', '2026-01-03 00:00+00', false),
        ('C2', 'web', 'emergency', '2026-01-04 00:00+00', true),
        ('C3', 'db',  'minor',    '2026-03-09 00:00+00', false)""")
    con.execute("""insert into maintenance_windows (window_id, service_id, kind, starts_at, ends_at) values
        ('M1', null,  'monthly', '2026-02-01 02:00+00', '2026-02-01 04:00+00'),
        ('M2', 'db',  'weekly',  '2026-03-02 02:00+00', '2026-03-02 03:00+00')""")
    return con


def counts(con, services: list[str]) -> dict[tuple[str, str], int]:
    frame = query(con, "events_monthly", tz="Asia/Bangkok", services=services, **SPAN)
    return {(str(r.month)[:7], r.kind): r.n for r in frame.itertuples()}


def test_events_are_counted_per_local_month_and_kind(con):
    """By hand, months in Bangkok (UTC+7): I1 Jan critical; I2 Jan high; I3 Feb high; I4 medium, not
    marked; I5 31 Jan 20:00 UTC is 1 Feb 03:00 local, so Feb critical; I6 is before the span.
    C1 and C2 Jan changes (2), C2 also rolled back (1); C3 Mar change. M1 Feb, M2 Mar."""
    assert counts(con, []) == {
        ("2026-01", "critical"): 1, ("2026-01", "high"): 1, ("2026-01", "change"): 2,
        ("2026-01", "change_failed"): 1, ("2026-02", "critical"): 1, ("2026-02", "high"): 1,
        ("2026-02", "maintenance"): 1, ("2026-03", "change"): 1, ("2026-03", "maintenance"): 1}


def test_events_honour_the_service_filter(con):
    """Only 'db': I2 (Jan high), C3 (Mar change), M2 (its own window, Mar) and M1, a window of the
    whole system, which stops db too (Feb)."""
    assert counts(con, ["db"]) == {("2026-01", "high"): 1, ("2026-02", "maintenance"): 1,
                                   ("2026-03", "change"): 1, ("2026-03", "maintenance"): 1}


def test_a_months_incidents_are_that_month_only_and_filtered(con):
    """February in UTC: I3, I4 (I5 started 31 Jan 20:00 UTC); with severity 'high' only I3."""
    feb = {"start": datetime(2026, 2, 1, tzinfo=timezone.utc), "end": datetime(2026, 3, 1, tzinfo=timezone.utc)}
    assert list(query(con, "incidents_in_month", services=[], severities=[], **feb)["incident_id"]) == ["I3", "I4"]
    assert list(query(con, "incidents_in_month", services=["web"], severities=["high"], **feb)["incident_id"]) == ["I3"]
    assert query(con, "incidents_in_month", services=["db"], severities=[], **feb).empty


def test_a_clicked_point_gives_its_month():
    """The trend's own line is curve 0; a click on an event marker (another curve) opens nothing."""
    from datetime import date

    from ui.events import clicked_month

    assert clicked_month([{"curve_number": 0, "x": "2026-10-01", "y": 99.9}]) == date(2026, 10, 1)
    assert clicked_month([{"curve_number": 2, "x": "2026-10-01", "y": 1}]) is None
    assert clicked_month([]) is None


def test_a_months_tickets_are_that_month_only_and_filtered(con):
    """Tickets created 31 Jan 23:00, 1 Feb 00:00 and 28 Feb 23:59 UTC (email, phone, email): February
    in UTC holds the last two; with channel 'email' only T3."""
    con.execute("""insert into tickets (ticket_id, channel, priority, category, created_at) values
        ('T1', 'email', 'low', 'x', '2026-01-31 23:00+00'),
        ('T2', 'phone', 'low', 'x', '2026-02-01 00:00+00'),
        ('T3', 'email', 'high', 'x', '2026-02-28 23:59+00')""")
    feb = {"start": datetime(2026, 2, 1, tzinfo=timezone.utc), "end": datetime(2026, 3, 1, tzinfo=timezone.utc)}
    assert list(query(con, "tickets_in_month", channels=[], **feb)["ticket_id"]) == ["T2", "T3"]
    assert list(query(con, "tickets_in_month", channels=["email"], **feb)["ticket_id"]) == ["T3"]
