"""What each importable table holds, for the Data page: its grain (from schema.sql), what reads it,
and how many rows it has per local month (so a user can see why a KPI says "no data").

Identifiers come from DuckDB's catalogue, never from users; values are bound.
"""
from __future__ import annotations

import re
from datetime import date

import duckdb
import pandas as pd

from core.i18n import N_
from data.importer import date_column
from data.validate import importable_tables, quote, table_spec
from data.warehouse import SCHEMA_PATH

# Where each table shows up: a hand-kept list, checked against the catalogue by tests/test_data_page.py.
TABLE_USES = {
    "incidents": N_("Uptime, MTTR, MTBF; Reliability page"),
    "maintenance_windows": N_("planned downtime; alert suppression on the Monitoring page; plan adherence"),
    "changes": N_("changes before an incident (Reliability drill-down); plan adherence: change control"),
    "tickets": N_("first response, first-contact resolution, SLA compliance; Support page; scenario base"),
    "survey_responses": N_("support satisfaction (CSAT)"),
    "self_service_sessions": N_("knowledge-base self-service share"),
    "costs_monthly": N_("infra cost share, support cost per user; Budget and Cost pages"),
    "business_daily": N_("revenue for the infra cost share; the sidebar's 'Data through' date"),
    "active_users_daily": N_("support cost per user; growth and scenario base"),
    "utilisation_hourly": N_("hours beyond thresholds (Monitoring); Capacity; scenario base"),
    "utilisation_samples": N_("raw per-host samples, rolled up into utilisation_hourly on import"),
    "database_hourly": N_("database hours beyond thresholds (Monitoring)"),
    "routine_tasks": N_("automation share of routine tasks"),
    "staff": N_("certification share; staffing"),
    "certifications": N_("certification share"),
    "training_log": N_("training hours per person"),
    "services": N_("every per-service view (Reliability, Monitoring, Capacity)"),
    "backup_runs": N_("plan adherence: backups per kind, restore tests, longest gap against the RPO"),
    "dr_tests": N_("plan adherence: each drill against RTO, RPO and MTD"),
    "security_activities": N_("plan adherence: the security schedule (patching, audits, reviews, key rotation)"),
    "vendor_outages": N_("plan adherence: vendor availability against their SLAs"),
}

# The grains of the importable tables as schema.sql heads them, marked for the catalogue so the Data page's
# table picker reads in Thai too (tests/test_data_page.py checks this list against schema.sql).
GRAINS = (
    N_("One row per service (application, API, database ...)"),
    N_("One row per unplanned incident"),
    N_("One row per scheduled maintenance window that was used. service_id null: the whole system"),
    N_("One row per change deployed (incidents cluster after changes)"),
    N_("One row per support ticket"),
    N_("One row per post-interaction survey response"),
    N_("One row per self-service session (knowledge base, chatbot, tutorials)"),
    N_("One row per budget line per month (actual spend)"),
    N_("One row per day: revenue and business metrics"),
    N_("One row per day: distinct active users that day and over the trailing 30 days"),
    N_("One row per service per hour: utilisation and application metrics"),
    N_("One row per database service per hour"),
    N_("One row per routine maintenance task in the catalogue"),
    N_("One row per team member"),
    N_("One row per certification held by a team member"),
    N_("One row per training session attended"),
    N_("One row per backup run"),
    N_("One row per disaster-recovery test"),
    N_("One row per security activity performed, on its local day"),
    N_("One row per outage of a critical vendor (cloud, database) as the vendor's status page records it"),
    N_("One row per host per sample (typically one a minute)"),
)

# Catalogues: a month without new rows here is normal, not a gap in the data.
CATALOGUE_TABLES = ("services", "staff", "certifications", "routine_tasks")

_GRAIN = re.compile(r"^-- (One row per [^\n]*?)\.?\ncreate table if not exists (\w+)", re.MULTILINE)


def table_grains(schema: str | None = None) -> dict[str, str]:
    """Table -> its grain as schema.sql heads it, e.g. 'tickets' -> 'One row per support ticket'."""
    text = schema if schema is not None else SCHEMA_PATH.read_text()
    return {table: grain for grain, table in _GRAIN.findall(text)}


def monthly_rows(con: duckdb.DuckDBPyConnection, tz: str, since: date) -> pd.DataFrame:
    """Rows per importable table per local month from `since`: table, month (first day), rows.
    Tables without a date column are left out; months without rows are absent (not zero)."""
    cur = con.cursor()
    try:
        frames = [_table_months(cur, t, tz, since) for t in importable_tables(cur)]
    finally:
        cur.close()
    frames = [f for f in frames if len(f)]
    empty = pd.DataFrame({"table": pd.Series(dtype=str), "month": pd.Series(dtype="datetime64[us]"),
                          "rows": pd.Series(dtype="int64")})
    return pd.concat(frames, ignore_index=True) if frames else empty


def _table_months(cur: duckdb.DuckDBPyConnection, table: str, tz: str, since: date) -> pd.DataFrame:
    spec = table_spec(cur, table)
    col = date_column(spec)
    if col is None:
        return pd.DataFrame()
    day = quote(col) if spec.column(col).kind == "date" else f"cast(timezone($tz, {quote(col)}) as date)"
    params = {"since": since, **({"tz": tz} if "$tz" in day else {})}
    return cur.execute(f"select $table as \"table\", date_trunc('month', {day}) as month, count(*) as rows "
                       f"from {quote(table)} where {day} >= $since group by 2 order by 2",
                       {"table": table, **params}).df()
