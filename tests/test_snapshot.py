"""One writer, many readers (data/snapshot.py), on real DuckDB files and real second processes:
versions published by the writer, read-only readers that never block it, a writer killed after its
commit, and writes given a reader's connection."""
from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import duckdb
import pytest

from data import scenarios_store, snapshot, warehouse
from data.access import LOCAL_USER
from models import scenario
from tests.test_scenarios_store import BASE

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture
def primary(tmp_path: Path) -> Path:
    path = tmp_path / "w.duckdb"
    with snapshot.writer(path) as con:  # a new warehouse: migrated, then published as version 1
        con.execute("insert into services values ('web', 'Web', 'web', true, 3, 100)")
    return path


def services(con: duckdb.DuckDBPyConnection) -> list[str]:
    return [r[0] for r in con.execute("select service_id from services order by 1").fetchall()]


def add_service(primary: Path, service_id: str) -> None:
    with snapshot.writer(primary) as con:
        con.execute("insert into services values ($s, $s, 'web', true, 1, 10)", {"s": service_id})


def test_each_write_publishes_the_next_version_and_readers_see_it(primary: Path):
    """Version 1 holds 'web'; each writer block that changes something publishes the next version
    (two writes: versions 2 and 3); a block that changes nothing publishes none."""
    assert snapshot.current(primary).version == 1
    assert services(snapshot.open_reader(primary)) == ["web"]
    add_service(primary, "api")
    add_service(primary, "db")
    assert snapshot.current(primary).version == 3
    with snapshot.writer(primary) as con:
        con.execute("select count(*) from services").fetchall()
    assert snapshot.current(primary).version == 3
    reader = snapshot.open_reader(primary)
    assert services(reader) == ["api", "db", "web"]
    assert snapshot.primary_of(reader) == primary
    assert reader.execute("select current_setting('access_mode')").fetchone()[0] == "read_only"


def test_only_the_last_versions_are_kept_and_an_open_reader_keeps_its_own(primary: Path):
    """KEEP = 3: after versions 1..5 the folder holds 3, 4 and 5; a reader opened on version 1
    still reads it (its file was unlinked, not changed)."""
    old = snapshot.open_reader(primary)  # version 1: 'web' only
    for name in ("a", "b", "c", "d"):
        add_service(primary, name)
    kept = sorted(p.name for p in snapshot.folder(primary).glob("v*.duckdb"))
    assert kept == ["v00000003.duckdb", "v00000004.duckdb", "v00000005.duckdb"]
    assert services(old) == ["web"]
    assert services(snapshot.open_reader(primary)) == ["a", "b", "c", "d", "web"]


def test_readers_never_block_the_writer_nor_it_them(primary: Path):
    """A read-only connection to the newest version is open in this process while another process
    imports through the writer: the write succeeds and the reader keeps answering."""
    reader = snapshot.open_reader(primary)
    code = f"from data import snapshot\nwith snapshot.writer({str(primary)!r}) as con:\n" \
           "    con.execute(\"insert into services values ('ext', 'Ext', 'web', true, 1, 10)\")\n"
    subprocess.run([sys.executable, "-c", code], cwd=ROOT, check=True, timeout=60)
    assert services(reader) == ["web"]
    assert services(snapshot.open_reader(primary)) == ["ext", "web"]


def test_a_second_writer_waits_for_the_first(primary: Path):
    """The lock is one per warehouse across processes: while another process holds the writer, a
    writer here gives up after its wait with Busy; once that process exits, it gets the lock."""
    code = f"import time\nfrom data import snapshot\nwith snapshot.writer({str(primary)!r}):\n" \
           "    print('held', flush=True)\n    time.sleep(30)\n"
    holder = subprocess.Popen([sys.executable, "-c", code], cwd=ROOT, stdout=subprocess.PIPE, text=True)
    try:
        assert holder.stdout.readline().strip() == "held"
        with pytest.raises(snapshot.Busy):
            with snapshot.writer(primary, wait=0.3):
                pass
        assert services(snapshot.open_reader(primary)) == ["web"]  # reading goes on meanwhile
    finally:
        holder.kill()
        holder.wait()
    add_service(primary, "after")  # the OS let go of the killed holder's lock
    assert snapshot.current(primary).version == 2


def test_a_writer_killed_after_its_commit_loses_nothing(primary: Path):
    """A process commits a row through the writer and is killed (SIGKILL) before it publishes:
    the row is in the primary; the next reader's start publishes it as version 2."""
    code = textwrap.dedent(f"""
        import os, signal
        from data import snapshot
        with snapshot.writer({str(primary)!r}) as con:
            con.execute("insert into services values ('kept', 'Kept', 'web', true, 1, 10)")
            os.kill(os.getpid(), signal.SIGKILL)  # committed (autocommit), never checkpointed or published
    """)
    done = subprocess.run([sys.executable, "-c", code], cwd=ROOT, timeout=60)
    assert done.returncode == -signal.SIGKILL
    assert snapshot.current(primary).version == 1  # not published
    assert services(snapshot.open_reader(primary)) == ["kept", "web"]
    assert snapshot.current(primary).version == 2


def test_a_write_that_fails_after_a_commit_is_still_published(primary: Path):
    """A writer block commits a row, then raises: the error reaches the caller, and the committed
    row is published (version 2), not left for the next writer."""
    with pytest.raises(RuntimeError, match="after the commit"):
        with snapshot.writer(primary) as con:
            con.execute("insert into services values ('api', 'API', 'web', true, 1, 10)")
            raise RuntimeError("after the commit")
    assert snapshot.current(primary).version == 2
    assert services(warehouse.connect(snapshot.current(primary).file, read_only=True)) == ["api", "web"]


def test_a_copy_killed_half_way_is_never_read_and_is_swept(primary: Path):
    """A writer killed while copying leaves a .part file: readers never open it (the pointer names
    whole versions only) and the next publish deletes it."""
    part = snapshot.folder(primary) / "v00000002.duckdb.part"
    part.write_bytes(b"half a copy")
    assert snapshot.current(primary).version == 1
    add_service(primary, "api")
    assert not part.exists() and snapshot.current(primary).version == 2
    assert json.loads((snapshot.folder(primary) / "current.json").read_text())["file"] == "v00000002.duckdb"


def test_a_write_given_a_readers_connection_goes_through_the_writer(primary: Path, plan):
    """The app hands its (read-only) snapshot connection to the data layer's writes: a saved
    scenario lands in the primary with its audit row, and is published as the next version."""
    reader = snapshot.open_reader(primary)
    drivers = scenario.base_drivers(plan, BASE)
    scenarios_store.save(reader, "Through the writer", scenario.to_stored(drivers), 12, LOCAL_USER)
    assert snapshot.current(primary).version == 2
    newest = snapshot.open_reader(primary)
    assert [s for s in scenarios_store.list_saved(newest)["name"]] == ["Through the writer"]
    assert newest.execute("select count(*) from audit_log").fetchone()[0] == 1
    assert services(reader) == ["web"]  # the reader itself still reads version 1


def test_a_reader_never_creates_a_warehouse(tmp_path: Path):
    """Reading a file that is not there fails as before and leaves nothing behind."""
    with pytest.raises(duckdb.Error):
        snapshot.open_reader(tmp_path / "missing.duckdb")
    assert list(tmp_path.iterdir()) == []


def test_a_warehouse_written_without_the_writer_is_published_at_the_next_read(tmp_path: Path):
    """A file built directly (an older release, a restore, a test) has no version yet: the first
    reader publishes it; a later direct write is published at the next read (its stamp differs)."""
    path = tmp_path / "direct.duckdb"
    con = warehouse.connect(path)
    con.execute("insert into services values ('web', 'Web', 'web', true, 3, 100)")
    con.close()
    assert snapshot.current(path) is None
    assert services(snapshot.open_reader(path)) == ["web"]
    time.sleep(0.01)  # a new modification time on coarse clocks
    con = warehouse.connect(path)
    con.execute("insert into services values ('api', 'API', 'web', true, 3, 100)")
    con.close()
    assert services(snapshot.open_reader(path)) == ["api", "web"]
    assert snapshot.current(path).version == 2
