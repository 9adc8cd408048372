"""One writer, many readers: the warehouse file is written by one short-lived connection at a time and
read through immutable, versioned copies of it (snapshots).

DuckDB lets one process open a file for writing or many open it read-only, never both. So:

- **The primary** (`warehouse.duckdb`) is opened for writing only inside `writer()`, which holds an
  exclusive OS lock (`warehouse.duckdb.lock`, fcntl) for the whole write: the importer, the app's
  imports, saved scenarios, plan edits, sign-outs and audit rows all take it in turn, whatever
  process they run in. The write is committed to the primary (its own write-ahead log), so a
  process killed at any point loses nothing that committed.
- **After the write** the writer checkpoints, closes, and publishes: copies the primary to
  `warehouse.duckdb.snapshots/v<N>.duckdb.part`, renames it to `v<N>.duckdb` (atomic), then
  replaces the pointer `current.json` (atomic) with version N and the primary's file stamp.
  The last KEEP versions stay: a reader that opened an older one keeps its open file.
- **Readers** (every serving process, the read-only commands) open the version the pointer names
  `read_only=True`; no reader ever opens the primary, so no reader blocks the writer.
- **A write that committed but was not published** (its process was killed in between) shows as a
  primary whose file stamp differs from the pointer's; the next writer publishes it, and so does
  a reader's start (`fresh`), when no writer holds the lock.

A connection a write function is given may be a snapshot reader's (the app's): `writes_through`
turns it into the writer of the warehouse that snapshot came from, so each data-layer write takes
the writer without its callers changing.
"""
from __future__ import annotations

import contextlib
import fcntl
import json
import logging
import os
import re
import shutil
import time
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING

import duckdb

from data.warehouse import connect

if TYPE_CHECKING:
    from core.plan import Plan

log = logging.getLogger(__name__)

KEEP = 3  # versions kept: the newest, and two that readers may still be switching away from
WRITE_WAIT = 120.0  # seconds a write waits for the one before it (a large import takes this long)
POINTER = "current.json"
VERSION_FILE = re.compile(r"^v(\d+)\.duckdb$")


class Busy(Exception):
    """The writer lock was not free within the wait: another write is still running."""


@dataclass(frozen=True)
class Snapshot:
    """One published version: its number, its file, when it was published (UTC, ISO 8601)."""

    version: int
    file: Path
    published_at: str


def folder(primary: Path) -> Path:
    """Where the snapshots of `primary` live (beside it, so that a rename never crosses disks)."""
    return primary.with_name(primary.name + ".snapshots")


def lock_path(primary: Path) -> Path:
    return primary.with_name(primary.name + ".lock")


@contextlib.contextmanager
def locked(primary: Path, wait: float = WRITE_WAIT) -> Iterator[None]:
    """The exclusive writer lock of `primary`, waited for up to `wait` seconds (Busy after). An
    fcntl lock is let go by the OS when its process dies: a killed writer never blocks the next."""
    with open(lock_path(primary), "a+") as handle:
        deadline = time.monotonic() + wait
        while True:
            try:
                fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except BlockingIOError:
                if time.monotonic() >= deadline:
                    raise Busy(f"another write to {primary} is still running") from None
                time.sleep(0.05)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


@contextlib.contextmanager
def writer(primary: str | Path, wait: float = WRITE_WAIT) -> Iterator[duckdb.DuckDBPyConnection]:
    """A read-write connection to the primary, alone under the writer lock; when the block ends
    (raised or not: what it committed stays committed) the primary is checkpointed and published."""
    primary = Path(primary)
    with locked(primary, wait):
        con = connect(primary)
        try:
            yield con
        finally:  # after an error too: what the block committed before it is published
            try:
                con.execute("checkpoint")  # the copy must hold every commit, not leave some in the .wal
            except duckdb.Error:  # another connection of this process is inside a transaction: published later
                log.warning("could not checkpoint %s; its last writes are published by the next writer", primary)
            con.close()
            _publish(primary)


def _stamp(primary: Path) -> list[int]:
    """What changes whenever the primary's content does: its file's inode, size and modification
    time, and the size of its write-ahead log (a commit not yet checkpointed)."""
    st = primary.stat()
    wal = primary.with_name(primary.name + ".wal")
    return [st.st_ino, st.st_size, st.st_mtime_ns, wal.stat().st_size if wal.exists() else 0]


def _read_pointer(primary: Path) -> dict | None:
    try:
        return json.loads((folder(primary) / POINTER).read_text())
    except FileNotFoundError:
        return None


def _publish(primary: Path) -> Snapshot:
    """Copy the (checkpointed) primary to the next version and point readers at it; nothing when the
    newest version already is its content. Called under the writer lock only."""
    pointer = _read_pointer(primary)
    stamp = _stamp(primary)
    if pointer is not None and pointer["stamp"] == stamp and (folder(primary) / pointer["file"]).exists():
        return _snapshot(primary, pointer)
    if stamp[3]:  # commits still only in the .wal (a checkpoint failed): a copy would lack them
        if pointer is None:
            raise duckdb.IOException(f"{primary} has writes not yet checkpointed; no snapshot can be published")
        return _snapshot(primary, pointer)
    where = folder(primary)
    where.mkdir(exist_ok=True)
    version = (pointer["version"] if pointer else 0) + 1
    name = f"v{version:08d}.duckdb"
    part = where / (name + ".part")
    shutil.copyfile(primary, part)
    _sync(part)
    os.replace(part, where / name)
    pointer = {"version": version, "file": name, "stamp": stamp, "published_at": datetime.now(UTC).isoformat()}
    _write_atomic(where / POINTER, json.dumps(pointer))
    _prune(where, version)
    return _snapshot(primary, pointer)


def _sync(path: Path) -> None:
    """The file's bytes on disk before it is renamed into place (a crash then leaves a whole file)."""
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _write_atomic(path: Path, text: str) -> None:
    part = path.with_name(path.name + ".part")
    part.write_text(text)
    _sync(part)
    os.replace(part, path)


def _prune(where: Path, newest: int) -> None:
    """Drop versions older than the last KEEP, and copies a killed writer left half done."""
    for path in where.iterdir():
        found = VERSION_FILE.match(path.name)
        if (found and int(found.group(1)) <= newest - KEEP) or path.name.endswith(".duckdb.part"):
            path.unlink(missing_ok=True)


def _snapshot(primary: Path, pointer: dict) -> Snapshot:
    return Snapshot(pointer["version"], folder(primary) / pointer["file"], pointer["published_at"])


def current(primary: str | Path) -> Snapshot | None:
    """The newest published version of `primary` (None before the first): one small file read, cheap
    enough to ask before every page run."""
    pointer = _read_pointer(Path(primary))
    return None if pointer is None else _snapshot(Path(primary), pointer)


def fresh(primary: str | Path, wait: float | None = None) -> Snapshot | None:
    """The newest version, after publishing a write that committed but was not published (a writer
    killed in between, or a tool that wrote the file directly). A write running now is left to
    publish itself. None when nothing can be published (the file is held by a process outside
    this protocol, or its folder is read-only) and no version exists."""
    primary = Path(primary)
    pointer = _read_pointer(primary)
    now = None if pointer is None else _snapshot(primary, pointer)
    if not primary.exists():  # never create a warehouse by reading one
        return now
    if pointer is not None and pointer["stamp"] == _stamp(primary):  # two stats: cheap enough for every page run
        return now
    try:  # with a version to read, a busy lock is a write running now: it publishes, no wait
        with locked(primary, wait if wait is not None else (0.0 if now else WRITE_WAIT)):
            with contextlib.closing(connect(primary)) as con:  # replays and checkpoints a .wal left behind
                con.execute("checkpoint")
            return _publish(primary)
    except (Busy, duckdb.Error, OSError) as err:
        log.info("kept version %s of %s: %s", now and now.version, primary, err)
        return now


def prepare(primary: str | Path, plan: Plan, wait: float = 30.0) -> Snapshot | None:
    """At a serving process's start: publish what was left unpublished and build the event rollups
    the plan asks for (readers cannot write them). With the lock busy, the running write will publish."""
    from data import event_rollups

    primary = Path(primary)
    try:
        with writer(primary, wait) as con:
            event_rollups.ensure(con, plan)
    except (Busy, duckdb.IOException) as err:  # a write running now publishes itself
        log.info("rollups of %s left to the running write: %s", primary, err)
    return current(primary) or fresh(primary)


def open_reader(primary: str | Path) -> duckdb.DuckDBPyConnection:
    """A read-only connection to the newest version of `primary` (publishing a left-over write
    first); the primary itself, read-only, when no version can be published."""
    for _ in range(3):  # a version pruned between reading the pointer and opening it: read it again
        snap = fresh(primary)
        if snap is None:
            return connect(primary, read_only=True)
        try:
            return connect(snap.file, read_only=True)
        except duckdb.IOException:
            if snap.file.exists():
                raise
    return connect(primary, read_only=True)


def primary_of(con: duckdb.DuckDBPyConnection) -> Path | None:
    """The warehouse a snapshot reader's connection reads a version of; None for any other connection."""
    cur = con.cursor()  # the app's connection is shared by sessions' threads
    try:
        row = cur.execute("select path from duckdb_databases() where database_name = current_database()").fetchone()
    finally:
        cur.close()
    path = Path(row[0]) if row and row[0] else None
    if path is None or not VERSION_FILE.match(path.name) or not path.parent.name.endswith(".snapshots"):
        return None
    return path.parent.with_name(path.parent.name.removesuffix(".snapshots"))


@contextlib.contextmanager
def writes_through(con: duckdb.DuckDBPyConnection) -> Iterator[duckdb.DuckDBPyConnection]:
    """`con` itself for any connection but a snapshot reader's; for that, the writer of its
    warehouse (the write lands in the primary and is published when the block ends)."""
    primary = primary_of(con)
    if primary is None:
        yield con
        return
    with writer(primary) as w:
        yield w
