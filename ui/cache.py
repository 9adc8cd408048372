"""The warehouse connection, the plan, and the caches every page shares.

Configuration is read here, at the edge (the warehouse path from $OPSPLAN_DB through
data.warehouse.db_path, the plan from $OPSPLAN_PLAN through core.plan.plan_path); cached
functions take every input as an argument, so that it is part of the cache key.
"""
from __future__ import annotations

import contextlib
import hashlib
import threading
from datetime import date, datetime
from pathlib import Path
from typing import Callable, TypeVar
from zoneinfo import ZoneInfo

import duckdb
import pandas as pd
import streamlit as st

from core.i18n import _, N_
from core.period import Period
from core.plan import Plan, PlanError, load_plan, plan_path
from data import snapshot, warehouse


CACHE_TTL = "10m"  # when an entry is refreshed (LOADER); imports and plan edits clear the caches at once
# Cached loaders take the plan as an argument; Streamlit's own hashing walks its whole dataclass
# tree on every call, its printed form's digest is the same key, a hundred times cheaper.
PLAN_KEY = {Plan: lambda p: hashlib.sha256(repr(p).encode()).hexdigest()}
# What every cached loader of the warehouse shares. Once its ten minutes are up, an entry is still
# served (for up to ten minutes more) while Streamlit recomputes it on a thread of its own: every
# write (this app's imports and plan edits, a cron import, another app process) publishes a new
# version of the warehouse, and a process that sees one clears every cache (forget_results; a
# refresh then under way is discarded, and the shared loads are read again: loaded_after_clears). So the visitor who comes after the ten minutes is
# not the one who waits for the page's data all over again (on a large warehouse, a noticeable
# wait for a KPI page and more for the capacity fits); the refresh still takes its share of the CPU.
LOADER = {"hash_funcs": PLAN_KEY, "ttl": CACHE_TTL, "refresh_mode": "background"}

_BUILD_LOCK = threading.Lock()
_SEEN: dict[str, int] = {}  # per warehouse, the version this process reads
_FOLLOW_LOCK = threading.Lock()
_CLEARS_LOCK = threading.Lock()  # sessions run on threads: the counter's read-add-write must not interleave
_CLEARS = [0]  # how many times forget_results has run in this process
# Shared loads kept in st.cache_resource (read-only frames that many sessions read without a copy);
# st.cache_data.clear() does not reach them, so forget_results clears each one it is told of.
_FORGETTABLE: list = []
T = TypeVar("T")


@st.cache_resource(show_spinner=False)
def plan_at(path: str) -> Plan:
    return load_plan(path)


def plan() -> Plan:
    """The plan, loaded once per process; a bad plan.toml stops the app with the key named."""
    path = str(plan_path())
    try:
        return plan_at(path)
    except PlanError as exc:
        st.error(_("**The plan file cannot be used.** {problem}\n\nFix the key in `{path}` and reload the page.").format(
            problem=exc, path=path))
        st.stop()


def db() -> str:
    """The warehouse path; with no file there yet, the seeded demo is built first. Each call also
    moves this process to the newest published version of it (data/snapshot.py)."""
    path = warehouse.db_path()
    if not path.exists():
        with st.status(_("Building the demo warehouse ... first start only"), expanded=True) as box:
            st.write(_("No warehouse at `{path}` yet: generating seeded demo data (seed 42).").format(path=path))
            _ensure_demo(path)
            box.update(label=_("Demo warehouse built"), state="complete", expanded=False)
    _follow(str(path))
    return str(path)


def _ensure_demo(path: Path) -> None:
    # Sessions run in threads: the lock makes the first build happen once per process.
    from data.demo import build_demo_file

    with _BUILD_LOCK:
        if not path.exists():
            path.parent.mkdir(parents=True, exist_ok=True)
            with contextlib.suppress(FileExistsError):  # another process finished first: use its file
                build_demo_file(path)


_OPENED: set[str] = set()  # the warehouses this process has opened (_published), for its spinner
OPENING_SPINNER = N_("Opening the warehouse (after an upgrade or a change of the plan's time zone, priorities or "
                     "channel targets, its summary tables are built first) ...")  # shown at the call, translated


@st.cache_resource(show_spinner=False)
def _published(db_file: str) -> snapshot.Snapshot | None:
    # Once per process, through the writer: a left-over write published, the rollups a new plan or
    # version lacks built (a snapshot reader cannot write them).
    return snapshot.prepare(db_file, plan())


def _newest(db_file: str) -> snapshot.Snapshot:
    """The newest published version of the warehouse `db_file`."""
    if db_file in _OPENED:  # every read passes here: the spinner (a timer and a placeholder) only the first time
        published = _published(db_file)
    else:
        with st.spinner(_(OPENING_SPINNER)):
            published = _published(db_file)
        _OPENED.add(db_file)
    newest = snapshot.fresh(db_file) or published  # also publishes a write made without the writer
    if newest is None:
        st.error(_("**The warehouse `{path}` cannot be opened**: another program holds it for writing. "
                   "Close that program and reload the page.").format(path=db_file))
        st.stop()
    return newest


def _follow(db_file: str) -> None:
    """Switch to a newer published version: drop the old version's connection and every result
    read from it (the next loads read the new one)."""
    newest = _newest(db_file)
    with _FOLLOW_LOCK:
        seen, _SEEN[db_file] = _SEEN.get(db_file), newest.version
    if seen is not None and seen != newest.version:
        drop_connections()
        forget_results()


def drop_connections() -> None:
    """Forget this process's warehouse connections: the next read opens the newest version afresh."""
    _reader.clear()


def warehouse_version() -> int:
    """The published version of the warehouse this process reads now (it grows with every write)."""
    return _newest(db()).version


def connection_for(db_file: str) -> duckdb.DuckDBPyConnection:
    """The process's read-only connection to the version of `db_file` it reads now."""
    return _reader(str(_newest(db_file).file))


@st.cache_resource(show_spinner=False)
def _reader(snapshot_file: str) -> duckdb.DuckDBPyConnection:
    # One connection per process and version; warehouse.query opens a cursor per query, safe across
    # sessions. A write given it goes through the writer (snapshot.writes_through).
    return warehouse.connect(snapshot_file, read_only=True)


def forgettable(shared: T) -> T:
    """Mark a st.cache_resource function as one that forget_results clears (a decorator, put
    above @st.cache_resource)."""
    _FORGETTABLE.append(shared)
    return shared


def forget_results() -> None:
    """Drop every cached result and loaded input, after the warehouse or the plan changed."""
    with _CLEARS_LOCK:
        _CLEARS[0] += 1  # first: a shared load under way now is read again (loaded_after_clears)
    for shared in _FORGETTABLE:  # then: a result cached in between would be built from the old inputs
        shared.clear()
    st.cache_data.clear()


def loaded_after_clears(load: Callable[[], T]) -> T:
    """load(), again until no forget_results ran meanwhile. A resource cache keeps what its
    function returns even when it was cleared while the function ran (Streamlit drops only
    cache_data results computed across a clear), so rows read before an import committed must
    not land in it after the import cleared the caches (a background refresh can be that load)."""
    while True:
        with _CLEARS_LOCK:
            clears = _CLEARS[0]
        value = load()
        with _CLEARS_LOCK:
            unchanged = _CLEARS[0] == clears
        if unchanged:
            return value


@st.cache_data(**LOADER, show_spinner=False)
def _data_through(db_file: str) -> date | None:
    return warehouse.data_through(connection_for(db_file))


@st.cache_data(**LOADER, show_spinner=False)
def query_at(db_file: str, name: str, **params) -> pd.DataFrame:
    return warehouse.query(connection_for(db_file), name, **params)


def query(name: str, **params) -> pd.DataFrame:
    """A named query of data/sql/ with bound parameters, cached by its plain-value parameters.
    Only for aggregates and small tables: never cache raw event rows."""
    return query_at(db(), name, **params)


def connection() -> duckdb.DuckDBPyConnection:
    """The process's one warehouse connection, for cached loaders that call analytics or models."""
    return connection_for(db())


def bounds(period: Period) -> tuple[datetime, datetime]:
    """The period's start and end as aware instants in the plan's time zone, for SQL parameters."""
    tz = ZoneInfo(plan().timezone)
    return (datetime.combine(period.start, datetime.min.time(), tzinfo=tz),
            datetime.combine(period.end, datetime.min.time(), tzinfo=tz))


def data_through() -> date | None:
    """The last local date with business data in the warehouse, None when it is empty."""
    return _data_through(db())
