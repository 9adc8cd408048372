"""Event rollups: the per-day (or per-month) results of the ticket, survey and session queries,
stored, so that the support and scorecard pages read a few rows per day instead of every ticket.

Each rollup is one query of data/sql/ run over all time and kept as the table `rollup_<query>`:
the query file stays the one definition of the aggregation, and its leading column is the local
day (or month) it groups by. A period of whole local days (whole months for a monthly query) is
then `select ... where day in [start, end)`, exactly what the query returns for those bounds.
Each table is built for one set of parameters (time zone, high priorities, channel targets) and
one text of its query (event_rollup_config.fingerprint); a question with other parameters, other
bounds, or a rollup not built yet, reads the raw rows: a result never depends on the rollup.

`ensure` builds what is missing or stale (demo build, app start, bulk loads); the importer calls
`earliest_touched` before its writes and `after_import` after them, in its transaction, and the
rollups are counted again from the earliest local day the import touched (old and new rows, and
the rows of linked tables whose bucket they change), or entirely for a replace. Imports that
recount take turns through rollup_turn (two at once: the later retries), and `ensure` rebuilds
everything when import_log shows imports that did not recount (an older release wrote them).
"""
from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Any

import duckdb
import pandas as pd

from core.plan import Plan
from data.params import channel_sla_params
from data.warehouse import Arrays, fetch, local_midnight, sql_text, transaction


@dataclass(frozen=True)
class Rollup:
    query: str                    # data/sql/<query>.sql, bounded by $start/$end, grouped first by `grain`
    grain: str                    # "day" or "month": the local calendar unit of its first column
    sources: frozenset[str]       # tables whose rows it counts

    @property
    def table(self) -> str:
        return f"rollup_{self.query}"


_T, _S, _X = "tickets", "survey_responses", "self_service_sessions"
ROLLUPS = {r.query: r for r in (
    Rollup("first_response_daily", "day", frozenset({_T})),
    Rollup("resolution_daily", "day", frozenset({_T})),
    Rollup("channel_sla_daily", "day", frozenset({_T})),
    Rollup("ticket_hour_of_week", "day", frozenset({_T})),
    Rollup("ticket_times_monthly", "month", frozenset({_T})),
    Rollup("channel_times_monthly", "month", frozenset({_T})),
    Rollup("high_priority_response_monthly", "month", frozenset({_T})),
    Rollup("survey_daily", "day", frozenset({_S})),
    Rollup("survey_daily_by_channel", "day", frozenset({_S, _T})),
    Rollup("self_service_daily", "day", frozenset({_X, _T})),
)}
TABLES = ("event_rollup_config", "rollup_turn", *(r.table for r in ROLLUPS.values()))  # derived: never imported
FAMILY = 1  # this module's row of rollup_turn
SOURCES = frozenset().union(*(r.sources for r in ROLLUPS.values()))
ALL_TIME = (datetime(1900, 1, 1, tzinfo=UTC), datetime(9999, 1, 1, tzinfo=UTC))

# Per source table, the earliest instant whose bucket some of its rows (`{rows}`: a FROM clause
# naming them t) can change: their own time columns, and those of linked rows whose bucket
# depends on them (a ticket's channel is its surveys' channel; a session with a ticket takes
# that ticket out of its creation day's direct tickets).
_TOUCHED = {
    _T: ["select min(least(t.created_at, t.resolved_at)) from {rows}",
         "select min(r.submitted_at) from survey_responses as r where r.ticket_id in (select t.ticket_id from {rows})"],
    _S: ["select min(t.submitted_at) from {rows}"],
    _X: ["select min(t.started_at) from {rows}",
         "select min(k.created_at) from tickets as k where k.ticket_id in (select t.ticket_id from {rows})"],
}


def plan_params(plan: Plan) -> dict[str, dict[str, Any]]:
    """Per rollup, the parameters (besides $start/$end) the plan asks its query with."""
    extra = {"first_response_daily": {"priorities": list(plan.settings.high_priority)},
             "high_priority_response_monthly": {"priorities": list(plan.settings.high_priority), "channels": []},
             "channel_sla_daily": channel_sla_params(plan)}
    return {name: {"tz": plan.timezone, **extra.get(name, {})} for name in ROLLUPS}


def query(con: duckdb.DuckDBPyConnection, name: str, *, start: datetime, end: datetime, **params: Any) -> pd.DataFrame:
    """data/sql/<name>.sql's frame for [start, end): from its rollup when it was built for these
    parameters and the bounds are whole local days (months), else from the raw rows."""
    return _read(con, name, start, end, params, as_arrays=False)


def query_arrays(con: duckdb.DuckDBPyConnection, name: str, *, start: datetime, end: datetime,
                 **params: Any) -> Arrays:
    """`query` as numpy columns (warehouse.query_arrays)."""
    return _read(con, name, start, end, params, as_arrays=True)


def _read(con: duckdb.DuckDBPyConnection, name: str, start: datetime, end: datetime, params: dict[str, Any],
          as_arrays: bool) -> pd.DataFrame | Arrays:
    r = ROLLUPS.get(name)
    if r is not None:
        first, stop = _unit(start, params["tz"], r.grain), _unit(end, params["tz"], r.grain)
        if first is not None and stop is not None and _built_for(con, r, params):
            return fetch(con, f"select * from {r.table} where {r.grain} >= $first and {r.grain} < $stop order by all",
                         {"first": first, "stop": stop}, as_arrays)
    return fetch(con, sql_text(name), {"start": start, "end": end, **params}, as_arrays)


def ensure(con: duckdb.DuckDBPyConnection, plan: Plan) -> list[str]:
    """Build every rollup not built for the plan's parameters and the current query text, each in
    one transaction; returns the names built. All of them when import_log holds imports of their
    source tables that did not recount them (an older release, a restore), or none are built yet."""
    imported, counted = _imports(con)
    if imported != counted:
        con.execute("delete from event_rollup_config")
    built = []
    for name, params in plan_params(plan).items():
        r = ROLLUPS[name]
        if _fingerprint(r, params) == _stored(con, r):
            continue
        with transaction(con) as cur:
            cur.execute(f"drop table if exists {r.table}")
            cur.execute(f"create table {r.table} as {sql_text(name)}",
                        {**params, "start": ALL_TIME[0], "end": ALL_TIME[1]})
            cur.execute("insert or replace into event_rollup_config values ($q, $f, $p)",
                        {"q": name, "f": _fingerprint(r, params), "p": json.dumps(params)})
        built.append(name)
    if imported != counted:  # only when it changes: a write of the same value would publish a new version
        con.execute("insert or replace into rollup_turn values ($f, $n)", {"f": FAMILY, "n": imported})
    return built


def _imports(con: duckdb.DuckDBPyConnection) -> tuple[int, int | None]:
    """Imports of the source tables in import_log, and those the rollups counted (None: unknown)."""
    imported = con.execute("select count(*) from import_log where outcome = 'imported' and table_name in "
                           "(select unnest($t))", {"t": sorted(SOURCES)}).fetchone()[0]
    row = con.execute("select generation from rollup_turn where family = $f", {"f": FAMILY}).fetchone()
    return imported, (row[0] if row else None)  # no row: a warehouse not migrated by this release


def take_turn(cur: duckdb.DuckDBPyConnection, family: int) -> None:
    """Bump the family's row of rollup_turn inside an import's transaction: a concurrent import
    that recounts the same rollups then fails with a write-write conflict and is asked to retry."""
    cur.execute("update rollup_turn set generation = generation + 1 where family = $f", {"f": family})


def earliest_touched(cur: duckdb.DuckDBPyConnection, table: str, rows: str) -> datetime | None:
    """The earliest instant whose rollup bucket the rows of `table` in the FROM clause `rows`
    (alias t) can change: before an import writes, the stored rows it will overwrite; after it,
    the staged rows. None: no such rows, or not a source table."""
    times = [cur.execute(sql.format(rows=rows)).fetchone()[0] for sql in _TOUCHED.get(table, [])]
    return min((t for t in times if t is not None), default=None)


def after_import(cur: duckdb.DuckDBPyConnection, table: str, mode: str, before: datetime | None,
                 after: datetime | None) -> None:
    """Count the rollups of `table` again from the earliest bucket the import touched (`before`:
    of the rows it overwrote, `after`: of the rows it wrote; every bucket for a replace), inside
    the import's transaction. Rollups not built yet are left alone; one built from another text
    of its query (an upgrade the app has not opened yet) is marked unbuilt, and `ensure` rebuilds it."""
    if table not in SOURCES:
        return
    take_turn(cur, FAMILY)  # also counts this import (see ensure)
    touched = [t for t in (before, after) if t is not None]
    if mode != "replace" and not touched:
        return
    since = ALL_TIME[0] if mode == "replace" else min(touched)
    for r in ROLLUPS.values():
        row = _config_row(cur, r) if table in r.sources else None
        if row is None:
            continue
        params = json.loads(row[1])
        if row[0] != _fingerprint(r, params):  # another release's table: no release may read it now
            cur.execute("delete from event_rollup_config where query = $q", {"q": r.query})
            continue
        first = _unit_floor(since, params["tz"], r.grain) if since != ALL_TIME[0] else None
        start = ALL_TIME[0] if first is None else local_midnight(first, params["tz"])
        cur.execute(f"delete from {r.table} where {r.grain} >= $first", {"first": first or date.min})
        cur.execute(f"insert into {r.table} {sql_text(r.query)}", {**params, "start": start, "end": ALL_TIME[1]})


def _built_for(con: duckdb.DuckDBPyConnection, r: Rollup, params: dict[str, Any]) -> bool:
    return _stored(con, r) == _fingerprint(r, params)


def _stored(con: duckdb.DuckDBPyConnection, r: Rollup) -> str | None:
    row = _config_row(con, r)
    return row[0] if row else None


def _config_row(con: duckdb.DuckDBPyConnection, r: Rollup) -> tuple[str, str] | None:
    cur = con.cursor()  # the app's connection is shared by sessions' threads: a cursor each
    try:
        return cur.execute("select fingerprint, params from event_rollup_config where query = $q",
                           {"q": r.query}).fetchone()
    except duckdb.CatalogException:  # a warehouse opened read-only before this table existed
        return None
    finally:
        cur.close()


def _fingerprint(r: Rollup, params: dict[str, Any]) -> str:
    """The parameters and the query's text: either changing makes the stored table stale."""
    text = json.dumps(params, sort_keys=True) + "\n" + sql_text(r.query)
    return hashlib.sha256(text.encode()).hexdigest()


def _unit(at: datetime, tz: str, grain: str) -> date | None:
    """The local day (month start) `at` begins, or None when it is not such a boundary."""
    local = pd.Timestamp(at).tz_convert(tz)
    if local != local.normalize() or (grain == "month" and local.day != 1):
        return None
    return local.date()


def _unit_floor(at: datetime, tz: str, grain: str) -> date:
    """The local day (month start) holding `at`."""
    d = pd.Timestamp(at).tz_convert(tz).date()
    return d.replace(day=1) if grain == "month" else d
