"""The warehouse rows plan adherence reads for one period (data/sql/adherence_*.sql), as frames
with aware UTC timestamps. The rules that judge them are analytics/adherence.py's.

A table an older warehouse file does not have yet (opened read-only, so not migrated) reads as
an empty frame, and changes without requested_at/reviewed_at read without those columns.
"""
from __future__ import annotations

from datetime import date, datetime
from typing import Any

import duckdb
import pandas as pd

from data.validate import importable_tables, table_spec
from data.warehouse import query

# Columns of each frame when its table is missing (the queries name the same).
COLUMNS = {
    "backup_runs": ("run_id", "kind", "started_at", "finished_at", "is_success", "is_restore_tested"),
    "dr_tests": ("test_id", "tested_on", "scenario", "recovery_minutes", "data_loss_minutes", "is_passed"),
    "maintenance_windows": ("window_id", "service_id", "kind", "starts_at", "ends_at"),
    "changes": ("change_id", "service_id", "category", "deployed_at", "is_rolled_back"),
    "incidents": ("incident_id", "service_id", "started_at", "is_change_related"),
    "security_activities": ("activity_id", "activity", "done_on"),
    "vendor_outages": ("outage_id", "vendor", "started_at", "ended_at"),
}


def adherence_rows(con: duckdb.DuckDBPyConnection, start: datetime, end: datetime, start_day: date,
                   end_day: date, after_hours: float) -> dict[str, Any]:
    """The period [start, end) (aware instants; start_day and end_day the same local dates): its
    backup runs and the last success before it, drills, windows overlapping it, changes,
    change-related incidents to `after_hours` past its end, security activities and the last of
    each before it, vendor outages overlapping it; and `security_recorded` /
    `vendor_outages_recorded`: whether those tables hold any row at all."""
    tables = set(importable_tables(con))
    instants, days = {"start": start, "end": end}, {"start_day": start_day, "end_day": end_day}

    def read(table: str, name: str, **params: Any) -> pd.DataFrame:
        if table not in tables:
            return pd.DataFrame({c: pd.Series(dtype=object) for c in COLUMNS[table]})
        return _aware(query(con, name, **params))

    has_review = "changes" in tables and {"requested_at", "reviewed_at"} <= {
        c.name for c in table_spec(con, "changes").columns}
    recorded: set[str] = set()
    if {"security_activities", "vendor_outages"} <= tables:
        has = query(con, "adherence_sources")
        recorded = set(has.loc[has["has_rows"].astype(bool), "table_name"])
    return {
        "backup_runs": read("backup_runs", "adherence_backup_runs", **instants),
        "dr_tests": read("dr_tests", "adherence_dr_tests", **days),
        "maintenance_windows": read("maintenance_windows", "maintenance_in_window", **instants),
        "changes": read("changes", "adherence_changes" if has_review else "adherence_changes_basic", **instants),
        "incidents": read("incidents", "adherence_change_incidents", after_hours=after_hours, **instants),
        "security_activities": read("security_activities", "adherence_security", **days),
        "vendor_outages": read("vendor_outages", "adherence_vendor_outages", **instants),
        "security_recorded": "security_activities" in recorded,
        "vendor_outages_recorded": "vendor_outages" in recorded,
    }


def _aware(frame: pd.DataFrame) -> pd.DataFrame:
    """Timestamp columns as aware UTC (an empty or all-null column too)."""
    for col in frame.columns:
        if col.endswith("_at"):
            frame[col] = pd.to_datetime(frame[col], utc=True)
    return frame
