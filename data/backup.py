"""Backup and restore: every warehouse table as Parquet, with a manifest of counts and checksums.

    python -m data.backup --db PATH --out DIR          # DIR/<table>.parquet + DIR/manifest.json
    python -m data.backup --restore DIR --db NEWPATH   # a new warehouse, verified table by table

The manifest records, per table, the columns, the row count, an order-independent content
checksum (sum of row hashes, computed by DuckDB) and the SHA-256 of the Parquet file. A
restore checks the files' SHA-256 first, loads every table in one transaction (parents
before children), then recomputes counts and checksums; any mismatch rolls it all back and
removes the new file. Table names come from the catalogue or a verified manifest, and are
quoted; file paths are the operator's own command-line arguments.
"""
from __future__ import annotations

import argparse
import hashlib
import json
import sys
from datetime import datetime, timezone
from pathlib import Path
from typing import Sequence

import duckdb
import pyarrow.parquet as pq

from core.i18n import N_
from data import audit, event_rollups
from data.access import BACKUP, Actor, cli_actor, require
from data.validate import quote
from data.snapshot import open_reader, writes_through
from data.warehouse import connect, transaction

MANIFEST = "manifest.json"
FORMAT = 1
BATCH_ROWS = 100_000


class BackupError(Exception):
    """A backup or restore that cannot be trusted: the message says which table and why."""


def tables(con: duckdb.DuckDBPyConnection) -> list[str]:
    """Every table of the warehouse, parents before the tables that reference them, but the event
    rollups: derived, shaped by their queries, and built again when the app opens the restore."""
    names = [r[0] for r in con.execute("select table_name from duckdb_tables() where schema_name = 'main' and "
                                       "database_name = current_database() and not temporary order by 1").fetchall()
             if r[0] not in event_rollups.TABLES]
    deps = {n: set() for n in names}
    for child, parent in con.execute("select table_name, referenced_table from duckdb_constraints() where "
                                     "constraint_type = 'FOREIGN KEY' and database_name = current_database()").fetchall():
        if child in deps and parent != child:
            deps[child].add(parent)
    return _topological(deps)


def _topological(deps: dict[str, set[str]]) -> list[str]:
    """Names ordered so that each comes after everything it depends on (ties alphabetical)."""
    done: list[str] = []
    while len(done) < len(deps):
        ready = sorted(n for n, d in deps.items() if n not in done and d <= set(done))
        if not ready:
            raise BackupError(N_("foreign keys form a cycle: {tables}").format(tables=", ".join(sorted(set(deps) - set(done)))))
        done += ready
    return done


def columns(con: duckdb.DuckDBPyConnection, table: str) -> list[list[str]]:
    """[name, type] per column, in table order."""
    return [[n, t] for n, t in con.execute(
        "select column_name, data_type from duckdb_columns() where table_name = $t and schema_name = 'main' "
        "and database_name = current_database() order by column_index", {"t": table}).fetchall()]


def checksum(con: duckdb.DuckDBPyConnection, table: str, cols: Sequence[str]) -> tuple[int, str]:
    """(rows, sum of row hashes over `cols`): equal for equal content in any row order."""
    hashed = ", ".join(quote(c) for c in cols)
    n, total = con.execute(f"select count(*), coalesce(sum(hash({hashed})::hugeint), 0) from {quote(table)}").fetchall()[0]
    return int(n), str(total)


def file_sha256(path: Path) -> str:
    """SHA-256 of a file, read in 1 MiB blocks."""
    digest = hashlib.sha256()
    with path.open("rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def export_table(con: duckdb.DuckDBPyConnection, table: str, path: Path) -> None:
    """Stream one table to Parquet in batches (no whole-table copy in memory)."""
    reader = con.sql(f"select * from {quote(table)}").to_arrow_reader(BATCH_ROWS)
    with pq.ParquetWriter(path, reader.schema) as writer:
        for batch in reader:
            writer.write_batch(batch)


def backup(con: duckdb.DuckDBPyConnection, out: Path, actor: Actor) -> dict:
    """Write every table and the manifest into `out` (created; must be empty); return the manifest.
    `actor` must have the backup right; on a writable connection the backup is audited (the audit
    row is written after the files, so it is not in this backup itself; a read-only connection,
    as the command line opens, cannot write it)."""
    require(actor, BACKUP)
    out.mkdir(parents=True, exist_ok=True)
    if any(out.iterdir()):
        raise BackupError(N_("{folder} is not empty; choose a new folder").format(folder=out))
    manifest = {"format": FORMAT, "created_at": datetime.now(timezone.utc).isoformat(),
                "duckdb_version": duckdb.__version__, "tables": {}}
    for table in tables(con):
        cols = columns(con, table)
        path = out / f"{table}.parquet"
        export_table(con, table, path)
        rows, check = checksum(con, table, [c for c, _ in cols])
        manifest["tables"][table] = {"file": path.name, "rows": rows, "checksum": check,
                                     "sha256": file_sha256(path), "columns": cols}
    (out / MANIFEST).write_text(json.dumps(manifest, indent=2))
    _audit(con, actor, out, manifest)
    return manifest


def _audit(con: duckdb.DuckDBPyConnection, actor: Actor, out: Path, manifest: dict) -> None:
    """One audit row for a finished backup: its folder and row counts, through the writer when the
    backup read a snapshot (skipped on another read-only connection)."""
    summary = {"folder": str(out), "created_at": manifest["created_at"],
               "rows": {t: e["rows"] for t, e in manifest["tables"].items()}}
    with writes_through(con) as w:
        if w.execute("select current_setting('access_mode')").fetchone()[0] == "read_only":
            return
        with transaction(w) as cur:
            audit.record(cur, actor, BACKUP, str(out), None, summary)


def read_manifest(src: Path) -> dict:
    """The manifest, with every listed file present and unchanged (SHA-256)."""
    try:
        manifest = json.loads((src / MANIFEST).read_text())
    except (OSError, ValueError) as err:
        raise BackupError(N_("no readable {manifest} in {folder}: {error}").format(manifest=MANIFEST, folder=src, error=err))
    if manifest.get("format") != FORMAT:
        raise BackupError(N_("unknown backup format {format!r}").format(format=manifest.get("format")))
    for table, entry in manifest["tables"].items():
        path = src / Path(entry["file"]).name  # a manifest cannot point outside its folder
        if not path.is_file() or file_sha256(path) != entry["sha256"]:
            raise BackupError(N_("{table}: {file} is missing or changed since the backup").format(table=table, file=path.name))
    return manifest


def restore(src: Path, db: Path) -> dict:
    """Build a new warehouse at `db` from a backup folder; verified, or nothing is left behind."""
    if db.exists():
        raise BackupError(N_("{file} already exists; restore into a new file").format(file=db))
    manifest = read_manifest(src)
    con = connect(db)
    try:
        _load_all(con, src, manifest)
    except BaseException:
        con.close()
        _remove(db)
        raise
    con.close()
    return manifest


def _load_all(con: duckdb.DuckDBPyConnection, src: Path, manifest: dict) -> None:
    """Load and verify every table in one transaction (the migration's own rows are replaced)."""
    known = set(tables(con))
    order = [t for t in tables(con) if t in manifest["tables"]]
    missing = sorted(set(manifest["tables"]) - known)
    if missing:
        raise BackupError(N_("the current schema has no table(s) {tables}").format(tables=", ".join(missing)))
    con.execute("begin transaction")
    for table in reversed(order):
        con.execute(f"delete from {quote(table)}")
    for table in order:
        _load_table(con, src, table, manifest["tables"][table])
    con.execute("commit")


def _load_table(con: duckdb.DuckDBPyConnection, src: Path, table: str, entry: dict) -> None:
    """Insert one table's Parquet by column name, then compare count and checksum with the manifest."""
    data = pq.read_table(src / Path(entry["file"]).name)
    con.register("_restore_rows", data)
    names = ", ".join(quote(c) for c, _ in entry["columns"])
    con.execute(f"insert into {quote(table)} ({names}) select {names} from _restore_rows")
    con.unregister("_restore_rows")
    rows, check = checksum(con, table, [c for c, _ in entry["columns"]])
    if (rows, check) != (entry["rows"], entry["checksum"]):
        raise BackupError(N_("{table}: restored {rows} rows / checksum {check}, the manifest says {want_rows} / "
                             "{want_check}").format(table=table, rows=rows, check=check, want_rows=entry["rows"],
                                                    want_check=entry["checksum"]))


def _remove(db: Path) -> None:
    """Delete a half-built warehouse and its write-ahead log."""
    for path in (db, db.with_name(db.name + ".wal")):
        path.unlink(missing_ok=True)


def main(argv: Sequence[str] | None = None) -> int:
    """CLI: 0 done and verified, 1 failed (message printed), 2 usage error."""
    p = argparse.ArgumentParser(prog="python -m data.backup", description="Back up or restore the warehouse.")
    p.add_argument("--db", required=True, help="warehouse to back up, or the new file to restore into")
    group = p.add_mutually_exclusive_group(required=True)
    group.add_argument("--out", help="folder to write the backup into (new or empty)")
    group.add_argument("--restore", metavar="DIR", help="backup folder to restore from")
    args = p.parse_args(argv)
    if args.out and not Path(args.db).is_file():
        print(f"python -m data.backup: error: no warehouse at {args.db}", file=sys.stderr)
        return 2
    try:  # only the work is guarded: a failure to print is not a failed backup
        manifest = _backup(Path(args.db), Path(args.out)) if args.out else restore(Path(args.restore), Path(args.db))
    except (BackupError, duckdb.Error, OSError) as err:
        print(f"{'restore' if args.restore else 'backup'} failed: {str(err).splitlines()[0]}")
        return 1
    done = f"backed up {args.db} to {args.out}" if args.out else \
        f"restored {args.restore} into {args.db}; row counts and checksums verified"
    _print(manifest, done)
    return 0


def _backup(db: Path, out: Path) -> dict:
    """Back up the newest published version of the warehouse at `db` into `out` (one consistent state,
    while the app serves and imports run), audited through the writer like every other write."""
    con = open_reader(db)
    try:
        return backup(con, out, cli_actor())
    finally:
        con.close()


def _print(manifest: dict, head: str) -> None:
    """The outcome and one line per table."""
    print(head)
    for table, entry in manifest["tables"].items():
        print(f"  {table}: {entry['rows']} rows, checksum {entry['checksum']}")


if __name__ == "__main__":
    sys.exit(main())
