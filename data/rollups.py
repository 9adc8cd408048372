"""Rollups: summary tables kept in step with the raw hourly rows, so page loads do not grow with them.

threshold_hours_daily counts, per service, local day and monitored metric, the hours observed,
beyond the plan's threshold, and beyond it inside a maintenance window. It is built for one set of
thresholds and one zone (threshold_rollup_config): `threshold_hours_monthly` reads it when the
plan asks for exactly those and the period is whole local days, and reads the raw rows otherwise,
so a result never depends on whether the rollup was used.

The demo build calls `configure`; the importer calls `after_import` inside its transaction,
recounting only the local days the imported rows touch (all days for a replace, or for an import
of maintenance windows, which can move any hour in or out of a window).

utilisation_hourly is itself a rollup of utilisation_samples (one row per host per sample) for the
(service, hour) buckets that samples cover: an import of samples recounts exactly the buckets it
touches (for a replace, also every bucket the old samples covered), then the threshold days of
those hours. Samples win: a bucket's hourly row is derived from its samples, a direct hourly
import of such a bucket is refused (data/importer.py), and a replace of utilisation_hourly
derives the sampled buckets again. `mark_sample_buckets` + `roll_up_samples` are the same steps
for a bulk load (benchmarks/scale.py).
"""
from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from typing import Sequence
from zoneinfo import ZoneInfo

import duckdb
import pandas as pd

from core.plan import Plan
from data.params import threshold_params
from data.warehouse import local_midnight, query, sql_text

HOURLY_TABLES = ("utilisation_hourly", "database_hourly")
SAMPLES = "utilisation_samples"  # rolled up into utilisation_hourly
ROLLED_UP = (*HOURLY_TABLES, SAMPLES, "maintenance_windows")  # tables whose rows the rollups count
ALL_TIME = (datetime(1900, 1, 1, tzinfo=UTC), datetime(9999, 1, 1, tzinfo=UTC))
TABLES = ("threshold_rollup_config", "threshold_hours_daily")  # derived: never imported or edited
HOURLY_FAMILY = 2  # these rollups' row of rollup_turn


def configure(con: duckdb.DuckDBPyConnection, plan: Plan) -> None:
    """Set the rollup's thresholds and zone to the plan's, and count every day again."""
    p = threshold_params(plan)
    con.execute("delete from threshold_rollup_config")
    con.executemany("insert into threshold_rollup_config values (?, ?, ?, ?)",
                    [(m, o, v, plan.timezone) for m, o, v in zip(p["metrics"], p["ops"], p["limits"])])
    rebuild(con)


def config(con: duckdb.DuckDBPyConnection) -> pd.DataFrame:
    """The thresholds the rollup counts against: metric, op, limit_value, tz (empty: no rollup)."""
    return _run(con, "threshold_rollup_config")


def rebuild(con: duckdb.DuckDBPyConnection, first_at: datetime | None = None, last_at: datetime | None = None) -> None:
    """Count again the local days from the one holding `first_at` to the one holding `last_at`
    (default: every day with samples). Does nothing while the rollup has no thresholds."""
    cfg = config(con)
    if cfg.empty:
        return
    if first_at is None or last_at is None:
        span = _run(con, "hourly_span").iloc[0]
        first_at, last_at = span["first_at"], span["last_at"]
        _run(con, "threshold_hours_daily_delete", start_day=date.min, end_day=date.max)
        if pd.isna(first_at):
            return
    tz = str(cfg["tz"].iloc[0])
    first_day, end_day = _local_day(first_at, tz), _local_day(last_at, tz) + timedelta(days=1)
    _run(con, "threshold_hours_daily_delete", start_day=first_day, end_day=end_day)
    _run(con, "threshold_hours_daily_build", start=local_midnight(first_day, tz), end=local_midnight(end_day, tz))


def mark_sample_buckets(con: duckdb.DuckDBPyConnection, start: datetime = ALL_TIME[0],
                        end: datetime = ALL_TIME[1]) -> None:
    """List for `roll_up_samples` the (service, hour) buckets of the samples taken in [start, end)."""
    _run(con, "rollup_buckets_reset")
    _run(con, "rollup_buckets_from_samples", start=start, end=end)


def roll_up_samples(con: duckdb.DuckDBPyConnection) -> tuple[datetime, datetime] | None:
    """Count the listed buckets' utilisation_hourly rows again from their samples; returns the
    first and last hour recounted (None: no bucket listed)."""
    span = _run(con, "rollup_buckets_span").iloc[0]
    if pd.isna(span["first_at"]):
        return None
    first_at, last_at = span["first_at"], span["last_at"]
    _run(con, "utilisation_hourly_rollup_delete")
    _run(con, "utilisation_hourly_rollup_build", start=first_at, end=last_at + timedelta(hours=1))
    return first_at, last_at


def before_import(cur: duckdb.DuckDBPyConnection, table: str, mode: str) -> None:
    """Before an import writes `table` (same transaction): a replace of samples will delete samples
    whose buckets must then be recounted, so note every bucket the stored samples cover. Imports
    that recount these rollups take turns (event_rollups.take_turn): two at once, the later retries."""
    if table in ROLLED_UP:
        from data.event_rollups import take_turn
        take_turn(cur, HOURLY_FAMILY)
    if table == SAMPLES:
        if mode == "replace":
            mark_sample_buckets(cur)
        else:
            _run(cur, "rollup_buckets_reset")


def after_import(cur: duckdb.DuckDBPyConnection, table: str, mode: str, plan_loader=None) -> None:
    """Keep the rollups in step with an import just applied to `table` (same transaction)."""
    if table not in ROLLED_UP:
        return
    hours = None
    if table == SAMPLES:
        _run(cur, "rollup_buckets_from_stage")  # added to those `before_import` noted
        hours = roll_up_samples(cur)
    elif table == "utilisation_hourly" and mode == "replace":
        mark_sample_buckets(cur)  # samples win: the replace may have dropped or changed sampled buckets
        roll_up_samples(cur)
    if config(cur).empty:
        from core.plan import load_plan
        configure(cur, (plan_loader or load_plan)())  # first import into a warehouse with none yet
        return
    if table == "maintenance_windows" or mode == "replace":
        rebuild(cur)
        return
    if table == SAMPLES:
        if hours is not None:
            rebuild(cur, *hours)
        return
    staged = _run(cur, "import_stage_hours").iloc[0]
    if not pd.isna(staged["first_at"]):
        rebuild(cur, staged["first_at"], staged["last_at"])


def covers(con: duckdb.DuckDBPyConnection, tz: str, metrics: Sequence[str], ops: Sequence[str],
           limits: Sequence[float]) -> bool:
    """Whether the rollup was built for exactly these thresholds in this zone."""
    cfg = query(con, "threshold_rollup_config")
    built = {(r.metric, r.op, float(r.limit_value), r.tz) for r in cfg.itertuples()}
    return bool(built) and built == {(m, o, float(v), tz) for m, o, v in zip(metrics, ops, limits)}


def threshold_hours_monthly(con: duckdb.DuckDBPyConnection, *, start: datetime, end: datetime, tz: str,
                            metrics: Sequence[str], ops: Sequence[str], limits: Sequence[float],
                            suppress: bool) -> pd.DataFrame:
    """threshold_hours_monthly.sql's frame (service_id, month, metric, hours_observed, hours_beyond,
    hours_suppressed), from the rollup when it covers the question, else from the raw rows."""
    if _whole_days(start, tz) and _whole_days(end, tz) and covers(con, tz, metrics, ops, limits):
        return query(con, "threshold_hours_monthly_rollup", start_day=_local_day(start, tz),
                     end_day=_local_day(end, tz), metrics=list(metrics), suppress=suppress)
    return query(con, "threshold_hours_monthly", start=start, end=end, tz=tz, metrics=list(metrics),
                 ops=list(ops), limits=list(limits), suppress=suppress)


def _run(con: duckdb.DuckDBPyConnection, name: str, **params) -> pd.DataFrame:
    # On `con` itself, not a new cursor: a DuckDB cursor is another connection, outside the
    # caller's transaction and blind to its temp tables (the importer's staging table).
    return con.execute(sql_text(name), params or None).df()


def _local_day(at: datetime, tz: str) -> date:
    return pd.Timestamp(at).tz_convert(ZoneInfo(tz)).date()


def _whole_days(at: datetime, tz: str) -> bool:
    local = pd.Timestamp(at).tz_convert(ZoneInfo(tz))
    return local == local.normalize()
