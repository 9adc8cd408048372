"""The DuckDB warehouse: connect, migrate, and run named queries with bound parameters.

SQL lives in data/sql/<name>.sql, one query per file. Parameters are always bound
(`$name`), never formatted into the text. The session time zone is pinned to UTC so
that no result depends on the host's zone setting.
"""
from __future__ import annotations

import contextlib
import os
import re
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from datetime import date, datetime, time
from functools import lru_cache
from pathlib import Path
from typing import Any, TypeVar
from zoneinfo import ZoneInfo

import duckdb
import numpy as np
import pandas as pd

DATA_DIR = Path(__file__).resolve().parent
SQL_DIR = DATA_DIR / "sql"
SCHEMA_PATH = DATA_DIR / "schema.sql"
DEFAULT_DB_PATH = DATA_DIR / "warehouse.duckdb"
SCHEMA_VERSION = 1
MIGRATION_TABLES = ("schema_version", "rollup_turn")  # tables whose rows migrate() writes itself


def db_path() -> Path:
    """The warehouse file: $OPSPLAN_DB, else data/warehouse.duckdb."""
    return Path(os.environ.get("OPSPLAN_DB") or DEFAULT_DB_PATH)


def connect(path: str | Path, read_only: bool = False) -> duckdb.DuckDBPyConnection:
    """Open (and for writers, migrate) the warehouse at `path`."""
    con = duckdb.connect(str(path), read_only=read_only)
    con.execute("set TimeZone = 'UTC'")
    if not read_only:
        migrate(con)
    return con


def migrate(con: duckdb.DuckDBPyConnection) -> None:
    """Create missing tables; record the schema version once."""
    con.execute(SCHEMA_PATH.read_text())
    con.execute("insert into schema_version (version) select $v where not exists "
                "(select 1 from schema_version where version = $v)", {"v": SCHEMA_VERSION})
    # The rollup families' rows exist before any import: two first imports inserting the same
    # new row at once would fail each other, where two updates of it make only the later retry.
    con.execute("insert into rollup_turn select f, 0 from (values (1), (2)) as v(f) "
                "where f not in (select family from rollup_turn)")


INCLUDE = re.compile(r"^-- include: (\w+)$", re.MULTILINE)


@lru_cache(maxsize=None)
def sql_text(name: str) -> str:
    """The text of data/sql/<name>.sql; names are plain identifiers, never paths. A line
    `-- include: other` is replaced by other.sql's text: common table expressions that several
    queries share are written once."""
    if not name.replace("_", "").isalnum():
        raise ValueError(f"bad query name {name!r}")
    return INCLUDE.sub(lambda m: sql_text(m.group(1)), (SQL_DIR / f"{name}.sql").read_text())


Arrays = dict[str, np.ndarray]  # a result's columns as numpy arrays (NULLs masked), by name


def query(con: duckdb.DuckDBPyConnection, name: str, **params: Any) -> pd.DataFrame:
    """Run the named query with bound parameters on a fresh cursor; return a frame."""
    return fetch(con, sql_text(name), params, as_arrays=False)


def query_arrays(con: duckdb.DuckDBPyConnection, name: str, **params: Any) -> Arrays:
    """`query` as numpy columns, for a small result read column by column (measure.Columns): a
    frame built only to be taken apart again is a cost paid a dozen times per page."""
    return fetch(con, sql_text(name), params, as_arrays=True)


def fetch(con: duckdb.DuckDBPyConnection, sql: str, params: dict[str, Any] | None,
          as_arrays: bool) -> pd.DataFrame | Arrays:
    """Run `sql` on a fresh cursor (the app's connection is shared by sessions' threads); return
    a frame, or numpy columns."""
    cur = con.cursor()
    try:
        result = cur.execute(sql, params or None)
        return result.fetchnumpy() if as_arrays else result.df()
    finally:
        cur.close()


def query_events(con: duckdb.DuckDBPyConnection, name: str, columns: Sequence[str] = (),
                 **params: Any) -> pd.DataFrame:
    """`query` for raw event rows (strings, timestamps, booleans), through Arrow: several times
    faster than DuckDB's own frame conversion for them (benchmarks/README.md), with the same frame; an empty or all-null string column stays `str` here (DuckDB's gives `object`).
    Not for dates or decimals, which Arrow turns into Python objects. `columns`: only these (DuckDB
    then never reads the others)."""
    sql = sql_text(name)
    if columns:
        if not all(c.isidentifier() for c in columns):  # names from code, like the query's: never paths or SQL
            raise ValueError(f"bad column names {columns!r}")
        sql = f"select {', '.join(columns)} from (\n{sql}\n)"  # on lines of its own: the text may end in a comment
    cur = con.cursor()
    try:
        return cur.sql(sql, params=params or None).to_arrow_table().to_pandas()
    finally:
        cur.close()


T = TypeVar("T")
LOAD_THREADS = 4  # queries of one side_by_side call at a time


def side_by_side(loads: dict[str, Callable[[], T]]) -> dict[str, T]:
    """Run independent loads (each `query`/`query_events`, on its own cursor) on a few threads and
    return their results by name. DuckDB runs a query without holding the GIL, so a page's
    queries overlap instead of waiting for each other.
    The first failure is raised and the loads not yet started are dropped."""
    with ThreadPoolExecutor(max_workers=LOAD_THREADS) as pool:
        running = {name: pool.submit(load) for name, load in loads.items()}
        try:
            return {name: future.result() for name, future in running.items()}
        except BaseException:
            pool.shutdown(cancel_futures=True)
            raise


@contextlib.contextmanager
def transaction(con: duckdb.DuckDBPyConnection) -> Iterator[duckdb.DuckDBPyConnection]:
    """A cursor of its own (the app's connection is shared by sessions' threads) in one
    transaction: committed when the block ends, rolled back when it raises."""
    cur = con.cursor()
    try:
        cur.begin()
        yield cur
        cur.commit()
    except BaseException:
        with contextlib.suppress(duckdb.Error):  # a failed commit has already ended the transaction
            cur.rollback()
        raise
    finally:
        cur.close()


def data_through(con: duckdb.DuckDBPyConnection) -> date | None:
    """The last local day with business data (data_through.sql), None when there is none: where a
    default period, the scenario base and "data through" in the sidebar end."""
    last = query(con, "data_through")["last_day"].iloc[0]
    return None if pd.isna(last) else pd.Timestamp(last).date()


def local_midnight(day: date, tz: str) -> datetime:
    """The instant a local plan date starts, as an aware datetime."""
    return datetime.combine(day, time(0), tzinfo=ZoneInfo(tz))


def table_counts(con: duckdb.DuckDBPyConnection) -> dict[str, int]:
    """Row count per warehouse table (for coverage views and tests)."""
    cur = con.cursor()
    names = [r[0] for r in cur.execute(
        "select table_name from information_schema.tables where table_schema = 'main' order by 1").fetchall()]
    # Table names come from the catalogue, not from users; identifiers cannot be bound.
    return {n: cur.execute(f'select count(*) from "{n}"').fetchone()[0] for n in names}
