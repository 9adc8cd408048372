"""Measured volumes: what a scenario starts from (users, tickets, revenue, fleet: scenario_base.sql)
and the monthly demand series the growth forecasts fit (growth_monthly.sql and the ticket rollup)."""
from __future__ import annotations

from datetime import date, datetime, timezone

import duckdb
import pandas as pd

from core.period import Period
from data import event_rollups
from data.warehouse import data_through, local_midnight, query


def base_window(con: duckdb.DuckDBPyConnection, today: date, months: int = 3) -> Period:
    """The months a scenario's base is measured over: the last `months` full months before
    `today`, or the `months` ending with the month the data runs through when it stops earlier."""
    return Period.last_covered_months(today, data_through(con), months)


def measure_base(con: duckdb.DuckDBPyConnection, tz: str, today: date, months: int = 3) -> dict[str, float]:
    """The months of base_window: one dict of plain numbers.

    Keys: active_users (on the last day the data covers), user_months and n_months (a month
    covered to its 26th of 30 days counts 26/30), n_tickets, n_live_chat, n_email, n_phone,
    revenue_usd, instances, data_gb, cpu_p95_pct (the last 7 days of samples in the window).
    """
    window = base_window(con, today, months)
    row = query(con, "scenario_base", tz=tz, start_month=window.start, end_month=window.end,
                recent_to=datetime.combine(window.end, datetime.min.time(), tzinfo=timezone.utc))
    return {k: (None if v is None or v != v else float(v)) for k, v in row.iloc[0].to_dict().items()}


def monthly_demand(con: duckdb.DuckDBPyConnection, tz: str, start_month: date, end_month: date) -> pd.DataFrame:
    """One row per local month in [start_month, end_month): month, active_users, visits, data_gb,
    tickets (opened in the month, from the ticket rollup: data/event_rollups.py), days_observed."""
    start, end = local_midnight(start_month, tz), local_midnight(end_month, tz)
    frame = query(con, "growth_monthly", tz=tz, start_month=start_month, end_month=end_month, start=start, end=end)
    opened = event_rollups.query(con, "channel_times_monthly", tz=tz, start=start, end=end)
    per_month = opened.groupby("month")["n_tickets"].sum()
    frame.insert(4, "tickets", frame["month"].map(per_month).fillna(0).astype("int64"))
    return frame


def ticket_hours(con: duckdb.DuckDBPyConnection, tz: str, window: Period) -> pd.DataFrame:
    """Tickets created in `window` per local day, channel and hour of week (ticket_hour_of_week.sql,
    from its rollup): the week's shape that staffing works from."""
    start, end = local_midnight(window.start, tz), local_midnight(window.end, tz)
    return event_rollups.query(con, "ticket_hour_of_week", tz=tz, start=start, end=end)


def closed_months(con: duckdb.DuckDBPyConnection, window: Period, infra_lines: list[str],
                  support_lines: list[str]) -> pd.DataFrame:
    """The months of `window` the cost KPIs count (cost_monthly.sql: costs recorded, revenue through
    the month's last day, month-end users): month, infra_usd, support_usd, revenue_usd, active_users."""
    frame = query(con, "cost_monthly", infra_lines=infra_lines, support_lines=support_lines)
    month = pd.to_datetime(frame["month"]).dt.date
    inside = (month >= window.start) & (month < window.end)
    known = (frame[["revenue_usd", "active_users"]].notna().all(axis=1)
             & frame[["infra_usd", "support_usd"]].notna().any(axis=1))
    return frame[inside & known].assign(month=month[inside & known]).reset_index(drop=True)


def spend_by_line(con: duckdb.DuckDBPyConnection, months: list[date]) -> dict[str, float]:
    """Each budget line's mean monthly spend over `months` (a line missing in a month counts 0 there)."""
    if not months:
        return {}
    frame = query(con, "spend_by_line", months=months)
    return {line: float(usd) / len(months) for line, usd in zip(frame["line"], frame["amount_usd"])}
