"""Measured volumes a scenario starts from: users, tickets, revenue, fleet (scenario_base.sql)."""
from __future__ import annotations

from datetime import date, datetime, timedelta, timezone

import duckdb

from analytics.period import Period
from data.warehouse import query


def measure_base(con: duckdb.DuckDBPyConnection, tz: str, today: date, months: int = 3) -> dict[str, float]:
    """The last `months` full months before `today`: one dict of plain numbers.

    Keys: active_users, user_months, n_months, n_tickets, n_live_chat, n_email, n_phone,
    revenue_usd, instances, data_gb, cpu_p95_pct (the last 7 days of samples before today).
    """
    window = Period.last_full_months(today, months)
    recent_to = datetime.combine(window.end, datetime.min.time(), tzinfo=timezone.utc)
    row = query(con, "scenario_base", tz=tz, start_month=window.start, end_month=window.end,
                recent_from=recent_to - timedelta(days=7), recent_to=recent_to)
    return {k: (None if v is None or v != v else float(v)) for k, v in row.iloc[0].to_dict().items()}
