"""Monitoring: threshold hours from SQL with maintenance suppression, business alerts by hand."""
from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

import pandas as pd
import pytest

from analytics import monitoring
from core.plan import Threshold
from data.params import threshold_params
from data.warehouse import connect, query

UTC = ZoneInfo("UTC")


@pytest.fixture()
def con(tmp_path):
    con = connect(tmp_path / "m.duckdb")
    con.execute("insert into services values ('web', 'Web', 'web', true, 2, 100), ('db', 'DB', 'database', false, 1, 50)")
    # 48 hours from 1 Jan 00:00 UTC: CPU 90 % on even hours, 50 % on odd ones.
    con.execute("insert into utilisation_hourly select 'web', timestamptz '2026-01-01 00:00+00' + to_hours(i), "
                "case when i % 2 = 0 then 90 else 50 end, 50, 50, 50, 2500, 0.5, 10, 1 from range(48) t(i)")
    con.execute("insert into database_hourly select 'db', timestamptz '2026-01-01 00:00+00' + to_hours(i), "
                "100, 50, case when i = 5 then 6 else 5 end, 1 from range(48) t(i)")
    # A global maintenance window 00:30-01:10 overlaps hours 00 and 01.
    con.execute("insert into maintenance_windows values ('w', null, 'daily', '2026-01-01 00:30+00', '2026-01-01 01:10+00')")
    # A window of the database service alone at 05:00-06:00 (its deadlock spike): suppressed for db only.
    con.execute("insert into maintenance_windows values ('p', 'db', 'security_patch', '2026-01-01 05:00+00', '2026-01-01 06:00+00')")
    return con


def test_threshold_hours_with_maintenance_suppressed(con, plan):
    """24 hot hours, one in maintenance: 23 beyond 80 %, 1 suppressed; response 2.5 s every hour; deadlocks over 5 once,
    inside a window of the database service."""
    frame = query(con, "threshold_hours_monthly", start=datetime(2026, 1, 1, tzinfo=UTC),
                  end=datetime(2026, 2, 1, tzinfo=UTC), tz="UTC", **threshold_params(plan))
    rows = frame.set_index(["service_id", "metric"])
    assert tuple(rows.loc[("web", "cpu_pct"), ["hours_observed", "hours_beyond", "hours_suppressed"]]) == (48, 23, 1)
    assert rows.loc[("web", "response_time_ms"), "hours_beyond"] == 46  # 2 hours suppressed
    assert rows.loc[("db", "deadlocks_per_hour"), "hours_beyond"] == 0  # 5 is not "over 5"; the 6 is in db's window
    assert rows.loc[("db", "deadlocks_per_hour"), "hours_suppressed"] == 1
    assert rows.loc[("web", "cpu_pct"), "hours_suppressed"] == 1  # db's window does not excuse web
    assert rows.loc[("web", "memory_pct"), "hours_beyond"] == 0


def test_business_alerts(plan):
    """Revenue 1,000 a day for 28 days then 790 (21 % below): alert; 810 (19 %): none. Slow orders,
    failed logins, a suspicious event and a 3.5 CSAT day each alert once."""
    days = pd.date_range("2026-01-01", periods=30, freq="D")
    daily = pd.DataFrame({"day": days, "revenue_usd": [1000.0] * 28 + [790.0, 1000.0], "visits": 1000,
                          "orders": 100, "order_processing_minutes_p95": [30.0] * 29 + [61.0],
                          "failed_logins_peak_hour": [100] * 29 + [101], "suspicious_events": [0] * 29 + [1]})
    csat = pd.DataFrame({"day": days[:2], "n_responses": [2, 2], "score_sum": [7, 8]})
    alerts = monitoring.business_alerts(daily, csat, plan)
    assert list(alerts["alert"]) == ["customer_satisfaction", "daily_revenue_pct_below_avg",
                                     "failed_logins_per_hour", "order_processing_minutes", "suspicious_activity"]
    assert alerts.iloc[1]["value"] == pytest.approx(21.0)
    daily.loc[28, "revenue_usd"] = 810.0
    assert "daily_revenue_pct_below_avg" not in set(monitoring.business_alerts(daily, csat, plan)["alert"])


def test_level_counts_keep_info_apart():
    limits = [Threshold("infrastructure", "cpu_pct", ">", 80.0, "warning"),
              Threshold("infrastructure", "memory_pct", ">", 85.0, "warning"),
              Threshold("infrastructure", "disk_pct", ">", 90.0, "critical"),
              Threshold("application", "requests_per_s", ">", 500.0, "info")]
    totals = pd.DataFrame({"service_id": ["web", "api", "web", "web", "cdn"],
                           "metric": ["cpu_pct", "cpu_pct", "memory_pct", "disk_pct", "requests_per_s"],
                           "level": ["warning", "warning", "warning", "critical", "info"],
                           "hours_beyond": [3.0, 2.0, 0.0, 1.0, 900.0]})
    rows = monitoring.level_counts(totals, limits).set_index("level")
    # critical: disk 1 h on web; 1 of 1 threshold broken
    assert tuple(rows.loc["critical"]) == (1, 1, 1.0)
    # warning: cpu 3 h + 2 h = 5 h, memory 0 h: cpu broken (on two services, counted once), memory not: 1 of 2
    assert tuple(rows.loc["warning"]) == (2, 1, 5.0)
    # info apart: 900 h of requests/s, 1 of 1
    assert tuple(rows.loc["info"]) == (1, 1, 900.0)
    assert list(rows.index) == ["critical", "warning", "info"]


def test_active_breaches_are_those_beyond_at_the_last_hour_with_the_start_of_their_run():
    limits = [Threshold("infrastructure", "cpu_pct", ">", 80.0, "warning"),
              Threshold("application", "error_rate_pct", ">", 1.0, "critical")]
    h = [pd.Timestamp("2026-11-26 00:00", tz="UTC") + pd.Timedelta(hours=i) for i in range(4)]
    rows = [  # service, hour, metric, value, beyond
        ("web", h[0], "cpu_pct", 85.0, True), ("web", h[1], "cpu_pct", 70.0, False),   # run broken at 01:00
        ("web", h[2], "cpu_pct", 90.0, True), ("web", h[3], "cpu_pct", 95.0, True),    # beyond 02:00-03:00: 2 h
        ("api", h[0], "cpu_pct", 90.0, True), ("api", h[1], "cpu_pct", 91.0, True),
        ("api", h[2], "cpu_pct", 92.0, True), ("api", h[3], "cpu_pct", 60.0, False),   # cleared at the last hour
        ("db", h[1], "error_rate_pct", 2.0, True), ("db", h[3], "error_rate_pct", 3.0, True),  # 02:00 missing
    ]
    flags = pd.DataFrame([{"service_id": s, "hour_at": at, "metric": m, "metric_value": v,
                           "op": ">", "limit_value": 80.0 if m == "cpu_pct" else 1.0, "is_beyond": b}
                          for s, at, m, v, b in rows])
    out = monitoring.active_breaches(flags, limits)
    # critical first: db's error rate, since 03:00 (the missing 02:00 ends the run), 1 hour; then web's CPU
    # since 02:00, (03:00 - 02:00) / 1 h + 1 = 2 hours; api is back under 80 % at 03:00: not active
    assert list(out["service_id"]) == ["db", "web"]
    assert list(out["level"]) == ["critical", "warning"]
    assert list(out["since"]) == [h[3], h[2]]
    assert list(out["hours"]) == [1, 2]
    assert list(out["value"]) == [3.0, 95.0]
    assert list(out["threshold"]) == ["> 1", "> 80"]
    assert monitoring.active_breaches(flags.iloc[:0], limits).empty


def test_recent_flags_carry_the_value_and_the_comparison(con, plan):
    """threshold_flags_recent.sql on the hand-made hours: web's CPU 90 % at the even hours is beyond 80 %."""
    params = threshold_params(plan)
    flags = query(con, "threshold_flags_recent", start=datetime(2026, 1, 2, 20, tzinfo=UTC),
                  end=datetime(2026, 1, 3, tzinfo=UTC), metrics=params["metrics"], ops=params["ops"],
                  limits=params["limits"])
    cpu = flags[(flags["service_id"] == "web") & (flags["metric"] == "cpu_pct")]
    # hours 20-23 of 2 Jan are hours 44-47 from 1 Jan: 44 and 46 even (90 %), 45 and 47 odd (50 %)
    assert list(cpu["metric_value"]) == [90.0, 50.0, 90.0, 50.0]
    assert list(cpu["is_beyond"]) == [True, False, True, False]
    out = monitoring.active_breaches(flags, list(plan.thresholds))
    # the last hour (23:00, hour 47) has CPU at 50 %: not active; response time 2,500 ms > 2,000 every hour: active
    assert "cpu_pct" not in set(out["metric"])
    web = out[(out["service_id"] == "web") & (out["metric"] == "response_time_ms")].iloc[0]
    assert web["hours"] == 4 and web["value"] == 2500.0
