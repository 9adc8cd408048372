"""Monitoring: threshold hours from SQL with maintenance suppression, business alerts by hand."""
from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

import pandas as pd
import pytest

from analytics import monitoring
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
