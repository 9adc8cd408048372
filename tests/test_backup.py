"""Backup to Parquet with a manifest, and a verified restore into a new warehouse."""
from __future__ import annotations

import json
from pathlib import Path

import duckdb
import pytest

from data import event_rollups
from data.access import LOCAL_USER
from data.backup import BackupError, backup, main, restore, tables
from tests.test_importer import INCIDENT_HEAD, ONE_ROW, imp, seeded


def per_table(path: Path) -> dict[str, tuple[int, int]]:
    """(rows, sum of whole-row hashes) per table, computed independently of data.backup."""
    con = duckdb.connect(str(path), read_only=True)
    try:
        names = [r[0] for r in con.execute("select table_name from duckdb_tables() where schema_name = 'main'").fetchall()]
        return {n: con.execute(f'select count(*), coalesce(sum(hash(t)::hugeint), 0) from "{n}" t').fetchall()[0]
                for n in names}
    finally:
        con.close()


@pytest.fixture
def warehouse(tmp_path) -> Path:
    """A small warehouse with timestamps, decimals, booleans, nulls, Thai text and an import log."""
    path = tmp_path / "w.duckdb"
    con = seeded(path)
    for table in ("incidents", "costs_monthly", "training_log", "certifications", "survey_responses"):
        assert imp(con, ONE_ROW[table], table).outcome == "imported"
    imp(con, INCIDENT_HEAD + "INC-2,db,low,none,2025-02-01T01:02:03.456789Z,2025-02-01T01:05:00Z,,ระบบล่ม\n", "incidents")
    con.close()
    return path


@pytest.mark.slow  # backs up and restores a whole warehouse
def test_restore_rebuilds_an_identical_warehouse(warehouse, tmp_path):
    """Every table has the same row count and content checksum after backup and restore."""
    backup_dir, restored = tmp_path / "bk", tmp_path / "restored.duckdb"
    assert main(["--db", str(warehouse), "--out", str(backup_dir)]) == 0
    assert main(["--restore", str(backup_dir), "--db", str(restored)]) == 0
    original, copy = per_table(warehouse), per_table(restored)
    # left out on purpose: the rollups (the app rebuilds them on opening) and the backup's own audit row,
    # written once the files are complete
    derived = set(event_rollups.TABLES) | {"audit_log"}
    assert {t: v for t, v in copy.items() if t not in derived} == {t: v for t, v in original.items() if t not in derived}
    assert original["audit_log"][0] == copy["audit_log"][0] + 1
    assert original["incidents"][0] == 2 and original["import_log"][0] >= 6 and original["rollup_turn"][0] == 2


def test_manifest_lists_counts_checksums_and_file_hashes(warehouse, tmp_path):
    """The manifest names each table's file, rows, checksum, SHA-256 and columns."""
    con = duckdb.connect(str(warehouse), read_only=True)
    manifest = backup(con, tmp_path / "bk", LOCAL_USER)
    con.close()
    saved = json.loads((tmp_path / "bk" / "manifest.json").read_text())
    entry = saved["tables"]["costs_monthly"]
    assert saved == manifest and entry["rows"] == 1 and entry["file"] == "costs_monthly.parquet"
    assert len(entry["sha256"]) == 64 and ["amount_usd", "DECIMAL(14,2)"] in entry["columns"]


def test_a_changed_backup_file_is_refused_and_leaves_nothing(warehouse, tmp_path):
    """A Parquet file altered after the backup fails the SHA-256 check; no warehouse is left behind."""
    con = duckdb.connect(str(warehouse), read_only=True)
    backup(con, tmp_path / "bk", LOCAL_USER)
    con.close()
    (tmp_path / "bk" / "incidents.parquet").write_bytes(b"PAR1 tampered PAR1")
    with pytest.raises(BackupError, match="incidents"):
        restore(tmp_path / "bk", tmp_path / "new.duckdb")
    assert not (tmp_path / "new.duckdb").exists()


def test_restore_never_overwrites(warehouse, tmp_path, capsys):
    """Restoring onto an existing file is refused (exit 1), and the file is untouched."""
    assert main(["--db", str(warehouse), "--out", str(tmp_path / "bk")]) == 0
    before = per_table(warehouse)  # after the backup: it is an audited write itself
    assert main(["--restore", str(tmp_path / "bk"), "--db", str(warehouse)]) == 1
    assert "already exists" in capsys.readouterr().out and per_table(warehouse) == before


def test_backup_refuses_a_folder_that_is_not_empty(warehouse, tmp_path):
    """A backup never mixes its files with others."""
    (tmp_path / "bk").mkdir()
    (tmp_path / "bk" / "old.txt").write_text("x")
    assert main(["--db", str(warehouse), "--out", str(tmp_path / "bk")]) == 1


def test_tables_come_parents_first(warehouse):
    """Referenced tables load before the tables that reference them."""
    con = duckdb.connect(str(warehouse), read_only=True)
    order = tables(con)
    con.close()
    assert order.index("services") < order.index("incidents") < len(order)
    assert order.index("tickets") < order.index("survey_responses")
    assert order.index("staff") < order.index("certifications")


@pytest.mark.slow  # backs up and restores the demo warehouse
def test_a_warehouse_with_rollups_restores_and_rebuilds_them(demo_db: Path, tmp_path, plan):
    """The event rollups are derived: a backup leaves them out, the restore succeeds without them,
    reads fall back to the raw rows, and `ensure` (the app's first connection) builds them again
    equal to the original's."""
    import shutil

    from data.warehouse import connect

    source = tmp_path / "demo.duckdb"  # a private copy: the backup writes its audit row into the file it backs up
    shutil.copyfile(demo_db, source)
    demo_db = source
    backup_dir, restored = tmp_path / "bk", tmp_path / "restored.duckdb"
    assert main(["--db", str(demo_db), "--out", str(backup_dir)]) == 0
    manifest = json.loads((backup_dir / "manifest.json").read_text())
    assert not set(manifest["tables"]) & set(event_rollups.TABLES)
    assert main(["--restore", str(backup_dir), "--db", str(restored)]) == 0
    con = connect(restored)
    assert con.execute("select count(*) from event_rollup_config").fetchone()[0] == 0
    assert sorted(event_rollups.ensure(con, plan)) == sorted(event_rollups.ROLLUPS)
    original = per_table(demo_db)
    con.close()
    copy = per_table(restored)
    for table in event_rollups.TABLES:
        assert copy[table] == original[table], table


def test_command_line_backup_writes_its_audit_row(warehouse, tmp_path):
    """`python -m data.backup` is audited like every other write: one backup row, by the command line."""
    assert main(["--db", str(warehouse), "--out", str(tmp_path / "bk")]) == 0
    con = duckdb.connect(str(warehouse), read_only=True)
    try:
        found = con.execute("select actor_name, actor_role, action, target, after_json from audit_log "
                            "where action = 'backup'").fetchall()
    finally:
        con.close()
    (row,) = found
    assert row[0].endswith("(command line)") and row[1:4] == ("admin", "backup", str(tmp_path / "bk"))
    assert json.loads(row[4])["rows"]["incidents"] == 2
