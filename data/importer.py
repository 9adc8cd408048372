"""Bring your own data: files -> validated staging -> one transaction.

Library API (pure of Streamlit; bad input is reported as data, never raised):

- `preview(file_bytes, filename, table, options, con)` -> Preview: parsed first rows,
  the header mapping and every problem, before anything is written.
- `run_import(con, file_bytes, filename, table, options, user, dry_run, actor=)` -> ImportResult:
  all-or-nothing; counts of rows read, inserted, updated and skipped; problems. The actor's
  role must allow imports (data/access.py; the CLI acts as a local admin); audited.
- `quarantine_csv(result)` -> bytes: the rejected rows with their problems.
- `coverage(con, tz)` -> DataFrame: rows, date range and empty months per table.
- `escape_for_spreadsheet(frame)`, `to_csv_bytes`, `to_xlsx_bytes`: exports that Excel
  will not execute (formula injection, CWE-1236).

CLI:  python -m data.importer --db PATH --table TABLE [--source NAME] FILE ... [--tz ZONE] [--date-format FMT]
      [--mode append|upsert|replace] [--dry-run] [--sheet NAME] [--assume COLUMN=VALUE] [--add-services] ...
      (see --help). Without --source the tool is detected from the headers (data/sources.py) and named
      in the summary; each FILE is its own all-or-nothing import.
Exit 0: imported (or a clean dry run); 1: rejected, every problem printed as
`file:line:column: value: rule` (`file!sheet!A1:column` for Excel) and the warehouse
unchanged; 2: usage error.
"""
from __future__ import annotations

import argparse
import dataclasses
import getpass
import hashlib
import io
import json
import logging
import os
import re
import sys
import threading
import uuid
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path
from typing import Any, Callable, Sequence
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import duckdb
import numpy as np
import pandas as pd

from core.i18n import N_
from data import audit, event_rollups, readers, rollups, sources, spans
from data.access import IMPORT, Actor, cli_actor, require
from data.snapshot import Busy, writer, writes_through
from data.warehouse import sql_text
from data.validate import (Ctx, Flag, ImportOptions, Problem, Rejected, TableSpec, alias_map,
                           convert, importable_tables, map_headers, naive_mix_flags, quote, referencing,
                           shown, split_cells, table_spec)

__all__ = ["ImportOptions", "ImportResult", "Preview", "Problem", "coverage", "escape_for_spreadsheet", "preview",
           "quarantine_csv", "run_import", "to_csv_bytes", "to_xlsx_bytes", "importable_tables"]

log = logging.getLogger(__name__)
PROBLEM_COLUMNS = ["level", "file", "sheet", "line", "column", "cell", "value", "rule", "fix"]
MODES = ("append", "upsert", "replace")
DANGEROUS_LEAD = ("=", "+", "-", "@", "\t", "\r", "\0")


def plan_timezone() -> str:
    """The plan's zone: the default for naive timestamps (read lazily, at the edge of a call)."""
    from core.plan import load_plan
    return load_plan().timezone


# ---------------------------------------------------------------------------
# Results


def problems_frame(problems: Sequence[Problem]) -> pd.DataFrame:
    """Problems as a frame: level, file, sheet, line, column, cell, value, rule, fix."""
    rows = [[p.level, p.file, p.sheet, p.line, p.column, p.cell, p.value, p.rule, p.fix] for p in problems]
    frame = pd.DataFrame(rows, columns=PROBLEM_COLUMNS)
    frame["line"] = frame["line"].astype("Int64")
    return frame


@dataclass(frozen=True)
class ImportResult:
    """What an import did. `outcome`: imported, dry_run, rejected, retry or failed."""
    outcome: str
    table: str
    file_name: str
    content_sha256: str
    mode: str = "append"
    rows_read: int = 0
    inserted: int = 0
    updated: int = 0
    skipped_identical: int = 0
    skipped_older: int = 0
    deleted: int = 0
    rows_rejected: int = 0
    issues: tuple[Problem, ...] = ()
    notes: tuple[str, ...] = ()
    import_id: str | None = None
    upload_name: str | None = None
    rejected: pd.DataFrame = field(default_factory=pd.DataFrame)  # rejected rows as read, with _line, _problems

    @property
    def ok(self) -> bool:
        return self.outcome in ("imported", "dry_run")

    @property
    def problems(self) -> pd.DataFrame:
        return problems_frame(self.issues)

    @property
    def errors(self) -> list[Problem]:
        return [p for p in self.issues if p.level == "error"]

    def as_json(self) -> dict[str, Any]:
        """The verdict as plain values (the HTTP import's answer): outcome, counts, and the lines the
        command line prints (each problem, then the summary)."""
        counts = {k: getattr(self, k) for k in ("rows_read", "inserted", "updated", "skipped_identical",
                                                "skipped_older", "deleted", "rows_rejected")}
        return {"outcome": self.outcome, "ok": self.ok, "table": self.table, "file": self.file_name,
                "mode": self.mode, **counts, "import_id": self.import_id, "notes": list(self.notes),
                "problems": [p.format() for p in self.issues], "summary": self.summary()}

    def summary(self) -> str:
        """One paragraph for the CLI and the Data page."""
        verb = {"imported": "imported", "dry_run": "dry run, nothing written", "rejected": "REJECTED",
                "retry": "NOT IMPORTED, retry", "failed": "FAILED"}[self.outcome]
        would = "would be " if self.outcome == "dry_run" else ""
        counts = (f"read {self.rows_read}, {would}inserted {self.inserted}, {would}updated {self.updated}, "
                  f"{would}skipped as identical {self.skipped_identical}")
        counts += f", skipped as older {self.skipped_older}" if self.skipped_older else ""
        counts += f", deleted {self.deleted}" if self.deleted else ""
        counts += f", rejected rows {self.rows_rejected}" if self.rows_rejected else ""
        head = f"{self.file_name} -> {self.table} ({self.mode}): {verb}: {counts}"
        tail = "" if self.ok else f"\n{len(self.errors)} error(s); the warehouse is unchanged."
        return "\n".join([head, *self.notes]) + tail


@dataclass(frozen=True)
class Preview:
    """What an import would read, before anything is written (for the Data page)."""
    table: str
    file_name: str
    format: str | None
    sheets: tuple[str, ...]
    sheet: str | None
    encoding: str | None
    delimiter: str | None
    header_line: int | None
    mapping: pd.DataFrame                 # source_column, column, how
    rows: pd.DataFrame                    # first rows, typed as the table's columns, with _line
    problems: pd.DataFrame
    notes: tuple[str, ...]
    rows_read: int
    profile: str | None = None            # the source profile applied (detected or named), None: none
    assumptions: tuple = ()               # (column, value, options, why) for columns the export lacks
    unknown_services: tuple[str, ...] = ()  # services the file names and the warehouse does not hold

    @property
    def ok(self) -> bool:
        return not (self.problems["level"] == "error").any()


# ---------------------------------------------------------------------------
# Reading and converting (no warehouse writes)


@dataclass
class Prepared:
    """A file read, mapped and converted: the typed frame and every problem so far."""
    raw: readers.RawTable
    spec: TableSpec
    hmap: Any
    typed: pd.DataFrame                   # table columns (absent ones all-null) + _row
    problems: list[Problem]
    notes: list[str]
    opts: ImportOptions
    bad: np.ndarray                       # per row: True when any error names it (even past the problem cap)
    profile: str | None = None            # the source profile applied (data/sources.py), None: none
    assumptions: list = field(default_factory=list)   # (column, value, options, why) the profile assumed
    new_services: list = field(default_factory=list)  # service ids to add in the import's transaction
    unknown_services: list = field(default_factory=list)  # service ids the file names and the warehouse lacks

    def reject(self, rows: Sequence[int], level: str = "error") -> None:
        """Mark rows as rejected (warnings and notes do not reject)."""
        if level == "error" and len(rows):
            self.bad[np.asarray(rows, dtype=np.int64)] = True


def prepare(catalog: duckdb.DuckDBPyConnection, data: bytes, name: str, table: str, opts: ImportOptions,
            now: pd.Timestamp) -> Prepared:
    """Read the bytes, map headers, convert cells; raises Rejected for whole-file problems."""
    spec = table_spec(catalog, table)
    raw = readers.read(data, name, opts, set(alias_map(spec)) | sources.known_headers(table))
    applied = sources.apply(raw, spec, opts, _services(catalog))  # a tool's export -> the table's columns
    if applied is None:
        hmap, header_problems = map_headers(raw.headers, spec, opts)
    else:
        raw, hmap, header_problems, opts = applied.raw, applied.hmap, applied.problems, applied.opts
    problems = [_locate_header(p, raw) for p in header_problems] + raw.problems
    if any(p.level == "error" for p in header_problems):
        raise Rejected(problems)
    _check_not_empty(raw, opts)
    ctx = Ctx(opts, opts.tz or plan_timezone(), now, date_1904=raw.date_1904)
    typed, flags = _convert_all(raw, hmap, spec, ctx)
    flags += naive_mix_flags(ctx)
    prep = Prepared(raw, spec, hmap, typed, problems + _drift(raw, hmap, spec),
                    (applied.notes if applied else []) + _notes(raw, ctx), opts, np.zeros(raw.n, dtype=bool),
                    profile=applied.profile if applied else None,
                    assumptions=applied.assumptions if applied else [])
    prep.reject([p.row for p in raw.problems if p.row is not None and p.level == "error"])
    for f in flags:
        prep.reject(f.rows, f.level)
    reported = {(p.row, p.column) for p in raw.problems if p.level == "error" and p.row is not None}
    prep.problems += expand(flags, raw, hmap, opts.max_problems, reported)
    return prep


def _services(cur: duckdb.DuckDBPyConnection) -> list[tuple[str, str]]:
    """(service_id, name) of the warehouse's services: a profile names the tool's services by them."""
    try:
        return [tuple(r) for r in cur.execute("select service_id, name from services").fetchall()]
    except duckdb.Error:
        return []


def _locate_header(p: Problem, raw: readers.RawTable) -> Problem:
    """Header problems point at the header line (or row) of the file."""
    return dataclasses.replace(p, file=raw.file, sheet=raw.sheet, line=raw.header_line)


def _check_not_empty(raw: readers.RawTable, opts: ImportOptions) -> None:
    """A header-only file is an error unless explicitly allowed (and never for replace)."""
    if raw.n == 0 and not raw.ragged and (not opts.allow_empty or opts.mode == "replace"):
        replace = opts.mode == "replace"
        rule = (N_("header only, replace with an empty file would wipe the table") if replace
                else N_("header only, no data rows"))
        raise Rejected([Problem("error", rule, file=raw.file, sheet=raw.sheet, line=raw.header_line,
                                fix=N_("check the export") if replace else N_("check the export, or --allow-empty"))])


def _convert_all(raw: readers.RawTable, hmap, spec: TableSpec, ctx: Ctx) -> tuple[pd.DataFrame, list[Flag]]:
    """Every table column typed; absent columns are null (defaults are applied in SQL)."""
    out, flags, mapped = {}, [], hmap.mapped
    for col in spec.columns:
        if col.name not in mapped:
            out[col.name] = pd.Series([None] * raw.n, dtype=object)
            continue
        cells = split_cells(raw.columns[mapped[col.name]].reset_index(drop=True))
        values, more = convert(cells, col, spec, ctx)
        flags += more
        out[col.name] = _drop_bad(values.reset_index(drop=True), more)
    frame = pd.DataFrame(out)
    frame["_row"] = np.arange(raw.n, dtype=np.int64)
    return frame, flags


def _drop_bad(values: pd.Series, flags: list[Flag]) -> pd.Series:
    """Cells with an error become null, so staging casts never fail on them and checks skip them."""
    bad = np.zeros(len(values), dtype=bool)
    for f in flags:
        if f.level == "error":
            bad[f.rows] = True
    return values.mask(bad) if bad.any() else values


def _drift(raw: readers.RawTable, hmap, spec: TableSpec) -> list[Problem]:
    """Parquet columns whose stored type differs from the table's: cast, and said so."""
    if raw.kind != "parquet":
        return []
    out = []
    for col, pos in hmap.mapped.items():
        found, want = raw.source_types[pos], spec.column(col).data_type
        if not _same_type(found, spec.column(col).kind):
            out.append(Problem("info", N_("Parquet type {found} cast to {want}").format(found=found, want=want),
                               file=raw.file,
                               column=raw.headers[pos]))
    return out


def _same_type(arrow_type: str, kind: str) -> bool:
    """Whether a Parquet type already matches a column kind (no cast worth reporting)."""
    prefixes = {"text": ("string", "large_string"), "int": ("int", "uint"), "float": ("double", "float"),
                "decimal": ("decimal",), "bool": ("bool",), "date": ("date32",),
                "timestamp": ("timestamp[us, tz=UTC]", "timestamp[ns, tz=UTC]", "timestamp[ms, tz=UTC]")}
    return arrow_type.startswith(prefixes[kind])


def _notes(raw: readers.RawTable, ctx: Ctx) -> list[str]:
    """Statements for the summary: zone of naive times, source offsets, encoding, sheet."""
    notes = []
    if any(mask.any() for mask in ctx.naive.values()):
        notes.append(N_("naive timestamps read as {tz}; stored as UTC").format(tz=ctx.tz))
    if ctx.offsets:
        seen = ", ".join(f"{o} x{n}" for o, n in sorted(ctx.offsets.items()))
        notes.append(N_("source UTC offsets seen: {seen}; stored as UTC").format(seen=seen))
    if raw.encoding and raw.encoding != "utf-8":
        notes.append(N_("decoded as {encoding}").format(encoding=raw.encoding))
    if raw.sheet:
        notes.append(N_("sheet {sheet!r}, header on row {line}").format(sheet=raw.sheet, line=raw.header_line))
    return notes


def expand(flags: list[Flag], raw: readers.RawTable, hmap, cap: int,
           reported: set[tuple[int, str]] = frozenset()) -> list[Problem]:
    """Flags -> located problems (info flags summarised in one line each); at most `cap` per flag.
    Cells the reader already reported (an Excel #REF!) get no second error."""
    out: list[Problem] = []
    for f in flags:
        pos = hmap.mapped.get(f.column)
        source = raw.headers[pos] if pos is not None else f.column
        cells = raw.columns[pos] if pos is not None else None
        if f.level == "info":
            out.append(_summarised(f, raw, source))
            continue
        for row in f.rows[:cap]:
            if (row, source) in reported:
                continue
            value = f.values.iloc[row] if f.values is not None else (cells.iloc[row] if cells is not None else None)
            out.append(_at(raw, row, pos, source, f.level, f.rule, f.fix, shown(value)))
        if len(f.rows) > cap:
            out.append(Problem(f.level, MORE_ROWS.format(n=len(f.rows) - cap, rule=f.rule), file=raw.file,
                               sheet=raw.sheet, column=source, fix=RAISE_MAX_PROBLEMS))
    return out


def _at(raw: readers.RawTable, row: int, pos: int | None, column: str, level: str, rule: str, fix: str,
        value: str | None) -> Problem:
    """A problem at a data row: file line, or sheet cell for Excel."""
    line = int(raw.lines[row])
    cell = f"{raw.letters[pos]}{line}" if raw.kind == "xlsx" and pos is not None else None
    return Problem(level, rule, file=raw.file, sheet=raw.sheet, line=line, column=column, cell=cell, value=value,
                   fix=fix, row=int(row))


def _summarised(f: Flag, raw: readers.RawTable, source: str) -> Problem:
    """One line for an informational conversion, naming how many rows and the first lines."""
    lines = ", ".join(str(int(raw.lines[r])) for r in f.rows[:5]) + (", ..." if len(f.rows) > 5 else "")
    return Problem("info", N_("{rule}: {n} value(s), line(s) {lines}").format(rule=f.rule, n=len(f.rows), lines=lines),
                   file=raw.file, sheet=raw.sheet,
                   column=source, fix=f.fix)


MORE_ROWS = N_("... and {n} more rows with: {rule}")
RAISE_MAX_PROBLEMS = N_("raise --max-problems to list them all")


def emit(prep: Prepared, rows: list[tuple], column: str, level: str, rule: str, fix: str,
         value: Callable[[tuple], Any] = lambda r: r[1]) -> list[Problem]:
    """Problems for rows (tuples starting with the row position) found by a check; all rows are
    rejected, but at most max_problems are listed."""
    prep.reject([r[0] for r in rows], level)
    pos, source = _source(prep, column)
    cap = prep.opts.max_problems
    out = [_at(prep.raw, r[0], pos, source, level, rule(r) if callable(rule) else rule, fix, shown(value(r), 160))
           for r in rows[:cap]]
    if len(rows) > cap:
        said = (MORE_ROWS.format(n=len(rows) - cap, rule=rule) if isinstance(rule, str)
                else N_("... and {n} more rows with the same problem").format(n=len(rows) - cap))
        out.append(Problem(level, said, file=prep.raw.file, sheet=prep.raw.sheet, column=source,
                           fix=RAISE_MAX_PROBLEMS))
    return out


def _source(prep: Prepared, column: str) -> tuple[int | None, str]:
    """Position and header in the file of a table column (the column name when the file lacks it)."""
    pos = prep.hmap.mapped.get(column)
    return pos, (prep.raw.headers[pos] if pos is not None else column)


# ---------------------------------------------------------------------------
# Checks in DuckDB against the staged rows (and the warehouse)


STAGE_RAW, STAGE = "_import_raw", "_import_stage"


def stage(cur: duckdb.DuckDBPyConnection, prep: Prepared) -> None:
    """The typed rows as a temp table shaped like the target, casts and defaults from the catalogue."""
    cur.register(STAGE_RAW, prep.typed)
    exprs = [_cast_expr(c) for c in prep.spec.columns]
    cur.execute(f"create or replace temp table {STAGE} as select _row, {', '.join(exprs)} from {STAGE_RAW}")


def _cast_expr(col) -> str:
    """cast(col as TYPE), with the column default for NOT NULL columns (types/defaults from the catalogue)."""
    q = quote(col.name)
    value = f"cast({q} as {col.data_type})"
    if col.default is not None and not col.nullable:
        value = f"coalesce({value}, {col.default})"
    return f"{value} as {q}"


def sql_checks(cur: duckdb.DuckDBPyConnection, prep: Prepared, warehouse: bool, now: pd.Timestamp) -> list[Problem]:
    """CHECK constraints, keys within the file, and (with a warehouse) foreign keys, near-duplicates, overlaps."""
    problems = _check_constraints(cur, prep) + _file_duplicates(prep)
    if warehouse:
        problems += _foreign_keys(cur, prep) + _near_existing(cur, prep) + _overlaps(cur, prep, now)
        problems += _sampled_hours(cur, prep)
    return problems


def _check_constraints(cur: duckdb.DuckDBPyConnection, prep: Prepared) -> list[Problem]:
    """Each CHECK from the catalogue, evaluated on the staged rows (null passes, as in SQL)."""
    out = []
    for check in prep.spec.checks:
        shown_cols = " || ', ' || ".join(f"'{c}=' || coalesce(cast({quote(c)} as varchar), 'null')"
                                         for c in check.columns) if len(check.columns) > 1 \
            else f"cast({quote(check.columns[0])} as varchar)"
        rows = cur.execute(f"select _row, {shown_cols} from {STAGE} where not coalesce(({check.expression}), true) "
                           "order by _row").fetchall()
        out += emit(prep, rows, check.columns[0], "error",
                    N_("breaks rule {expression}").format(expression=_readable(check.expression)),
                    _check_fix(check))
    return out


def _readable(expression: str) -> str:
    """`((x IS NULL) OR (x >= y))` -> `x >= y` (null is allowed anyway); outer parentheses dropped."""
    text = re.sub(r"^\(\((\w+) IS NULL\) OR \((.*)\)\)$", r"\2", expression)
    while _wrapped(text):
        text = text[1:-1]
    return text


def _wrapped(text: str) -> bool:
    """Whether one pair of parentheses encloses the whole text."""
    if not (text.startswith("(") and text.endswith(")")):
        return False
    depth = 0
    for i, ch in enumerate(text):
        depth += (ch == "(") - (ch == ")")
        if depth == 0 and i < len(text) - 1:
            return False
    return True


def _check_fix(check) -> str:
    """A suggested fix for the checks users meet most."""
    if any(c.endswith("_usd") for c in check.columns) and ">= 0" in check.expression:
        return N_("negative amounts (credit notes, refunds) are not accepted: net them into the month's amount")
    if "BETWEEN 1 AND 5" in check.expression:
        return N_("scores are 1-5; map another scale explicitly (--score-scale 10)")
    if any(c.endswith("_at") for c in check.columns):
        return N_("check the order of the times (and their time zones)")
    return N_("correct the value at the source")


def _norm_key(frame: pd.DataFrame, spec: TableSpec) -> pd.DataFrame:
    """Key columns as compared for uniqueness: text upper-cased (NFKC and trim already applied)."""
    cols = spec.natural_key
    return pd.DataFrame({c: frame[c].str.upper() if c in spec.id_columns or frame[c].dtype == "str" else frame[c]
                         for c in cols})


def _file_duplicates(prep: Prepared) -> list[Problem]:
    """Every row of each duplicate-key group, naming all its lines (near-duplicates included)."""
    keys = _norm_key(prep.typed, prep.spec)
    dup = keys.duplicated(keep=False) & keys.notna().all(axis=1)  # a key that failed to parse is not compared
    if not dup.any():
        return []
    key = list(prep.spec.natural_key)
    rows = []
    for _, group in keys[dup].groupby(list(keys.columns), dropna=False, sort=False):
        members = group.index.to_list()
        lines = ", ".join(str(int(prep.raw.lines[r])) for r in members)
        spellings = {tuple(prep.typed.loc[r, key]) for r in members}
        said = (N_("near-duplicate key (same after NFKC/trim/upper) {key} on lines {lines}") if len(spellings) > 1
                else N_("duplicate key {key} on lines {lines}")).format(key=", ".join(key), lines=lines)
        rows += [(r, prep.typed.loc[r, key[0]], said) for r in members]
    return emit(prep, rows, key[0], "error", lambda r: r[2], N_("keep one row per key"))


def _foreign_keys(cur: duckdb.DuckDBPyConnection, prep: Prepared) -> list[Problem]:
    """Values that the referenced table does not hold; a case/space variant is suggested."""
    out = []
    for fk in prep.spec.foreign_keys:
        if not all(c in prep.hmap.mapped for c in fk.columns):
            continue
        on = " and ".join(f"r.{quote(rc)} = s.{quote(c)}" for c, rc in zip(fk.columns, fk.ref_columns))
        c0, r0, ref = quote(fk.columns[0]), quote(fk.ref_columns[0]), quote(fk.ref_table)
        rows = cur.execute(
            f"select s._row, cast(s.{c0} as varchar), (select min(r.{r0}) from {ref} r "
            f"where upper(trim(cast(r.{r0} as varchar))) = upper(trim(cast(s.{c0} as varchar)))) "
            f"from {STAGE} s where s.{c0} is not null and not exists (select 1 from {ref} r where {on}) "
            "order by s._row").fetchall()
        if fk.ref_table == "services":
            rows, more = _unknown_services(prep, rows)
            out += more
        for near in sorted({r[2] for r in rows}, key=str):
            group = [r for r in rows if r[2] == near]
            fix = (N_("did you mean {near!r}?").format(near=near) if near else
                   N_("import {table} first, or add them: --add-services").format(table=fk.ref_table))
            out += emit(prep, group, fk.columns[0], "error", N_("not found in {table}").format(table=fk.ref_table), fix)
    return out


def _unknown_services(prep: Prepared, rows: list[tuple]) -> tuple[list[tuple], list[Problem]]:
    """Services the file names and the warehouse lacks (no case or space variant either): listed in one
    problem, never dropped. With add_services they are added in the import's transaction (noted);
    without, the rows stay errors and one error lists them all."""
    unknown = sorted({r[1] for r in rows if not r[2]})
    if not unknown:
        return rows, []
    prep.unknown_services = unknown
    listed = ", ".join(repr(u) for u in unknown)
    n_rows = sum(1 for r in rows if not r[2])
    if prep.opts.add_services:
        prep.new_services = unknown
        note = Problem("info", N_("{n} service(s) not in the warehouse will be added: {listed} "
                                  "(name = id, customer-facing, 1 instance)").format(n=len(unknown), listed=listed),
                       file=prep.raw.file, fix=N_("correct them later by importing services with --mode upsert"))
        return [r for r in rows if r[2]], [note]
    return rows, [Problem("error", N_("{n} service(s) named in the file are not in the warehouse: {listed} "
                                      "({rows} row(s))").format(n=len(unknown), listed=listed, rows=n_rows),
                          file=prep.raw.file, column="service_id",
                          fix=N_("add them: --add-services (an admin), or import services first"))]


def add_services(cur: duckdb.DuckDBPyConnection, ids: Sequence[str]) -> None:
    """Insert services a file named (inside the caller's transaction): name = id, customer-facing,
    one instance of capacity 1 request/s; an import of services with --mode upsert corrects them."""
    for sid in ids:
        cur.execute("insert into services (service_id, name, kind, is_customer_facing, instances, "
                    "instance_rps_capacity) values ($id, $id, 'imported', true, 1, 1)", {"id": sid})


def _near_existing(cur: duckdb.DuckDBPyConnection, prep: Prepared) -> list[Problem]:
    """Keys equal to a warehouse key only after trim/upper: a near-duplicate, not a new row."""
    spec = prep.spec
    text_keys = [c for c in spec.key if c in spec.id_columns]
    if not text_keys:
        return []
    on = " and ".join(f"upper(trim(t.{quote(c)})) = upper(s.{quote(c)})" if c in text_keys
                      else f"t.{quote(c)} = s.{quote(c)}" for c in spec.key)
    exact = " and ".join(f"t.{quote(c)} = s.{quote(c)}" for c in spec.key)
    k = quote(text_keys[0])
    rows = cur.execute(f"select s._row, s.{k}, t.{k} from {STAGE} s join {quote(spec.name)} t on {on} "
                       f"where not ({exact}) order by s._row").fetchall()
    return emit(prep, rows, text_keys[0], "error",
                lambda r: N_("near-duplicate of {stored!r} already in {table}").format(stored=r[2], table=spec.name),
                N_("use the existing id's exact spelling"))


def _overlaps(cur: duckdb.DuckDBPyConnection, prep: Prepared, now: pd.Timestamp) -> list[Problem]:
    """Outages of one service that overlap (in the file or with the warehouse): downtime counted twice."""
    if prep.spec.name != "incidents":
        return []
    rows = cur.execute(OVERLAP_SQL.format(stage=STAGE), {"now": now.to_pydatetime()}).fetchall()

    def rule(r: tuple) -> str:
        if r[3] is None:
            said = N_("outage overlaps {other} (already in the warehouse) on service {service}; availability counts "
                      "the union of outage time")
        else:
            said = N_("outage overlaps {other} (line {line}) on service {service}; availability counts the union of "
                      "outage time")
        return said.format(other=r[2], service=r[4], line=int(prep.raw.lines[r[3]]) if r[3] is not None else None)
    return emit(prep, rows, "started_at", "warning", rule, N_("check the times, or merge the incidents"))


def _sampled_hours(cur: duckdb.DuckDBPyConnection, prep: Prepared) -> list[Problem]:
    """Hourly rows for a (service, hour) that utilisation_samples covers: the samples win there
    (the row is rolled up from them), so a direct row would be overwritten or disagree."""
    if prep.spec.name != "utilisation_hourly":
        return []
    rows = cur.execute(sql_text("import_hours_sampled")).fetchall()
    return emit(prep, rows, "hour_at", "error", N_("hour is rolled up from utilisation_samples (samples win for "
                "the hours they cover)"), N_("import the samples of that hour instead, or drop the row"))


OVERLAP_SQL = """
with f as (
    select _row, incident_id, service_id, started_at, coalesce(resolved_at, $now) as ended_at
    from {stage} where impact = 'outage'
), w as (
    select null::bigint as _row, incident_id, service_id, started_at, coalesce(resolved_at, $now) as ended_at
    from incidents where impact = 'outage' and incident_id not in (select incident_id from f)
), every as (select * from f union all select * from w)
select a._row, a.incident_id, b.incident_id, b._row, a.service_id
from f a join every b on a.service_id = b.service_id and a.incident_id <> b.incident_id
 and a.started_at < b.ended_at and b.started_at < a.ended_at
order by a._row, b.incident_id
"""


# ---------------------------------------------------------------------------
# Writing: classify against the warehouse and apply, inside one transaction


@dataclass
class Counts:
    inserted: int = 0
    updated: int = 0
    skipped_identical: int = 0
    skipped_older: int = 0
    deleted: int = 0


def _join_on(spec: TableSpec) -> str:
    """Stage (s) to table (t) match: the key, or every column (null-safe) for a table without a key."""
    op = "=" if spec.key else "is not distinct from"
    return " and ".join(f"t.{quote(c)} {op} s.{quote(c)}" for c in spec.natural_key)


def classify(cur: duckdb.DuckDBPyConnection, prep: Prepared, opts: ImportOptions) -> None:
    """Each staged row: insert, same (identical), older (upsert --newer-by) or changed."""
    cols = [c for c in prep.hmap.mapped if c not in prep.spec.natural_key]
    same = " and ".join(f"s.{quote(c)} is not distinct from t.{quote(c)}" for c in cols) or "true"
    newer = "true"
    if opts.newer_by:
        nb = quote(opts.newer_by)
        newer = f"(s.{nb} > t.{nb} or (t.{nb} is null and s.{nb} is not null))"
    # A keyless table matches on every column, so a stored duplicate row must not multiply the match.
    table = quote(prep.spec.name) if prep.spec.key else f"(select distinct * from {quote(prep.spec.name)})"
    cur.execute(f"create or replace temp table _import_action as select s._row, case "
                f"when t._hit is null then 'insert' when {same} then 'same' when not {newer} then 'older' "
                f"else 'changed' end as action from {STAGE} s "
                f"left join (select *, true as _hit from {table}) t on {_join_on(prep.spec)}")


def counts_of(cur: duckdb.DuckDBPyConnection, prep: Prepared, opts: ImportOptions) -> Counts:
    """What applying the classification will do (used for dry runs and the result)."""
    actions = dict(cur.execute("select action, count(*) from _import_action group by 1").fetchall())
    deleted = 0
    if opts.mode == "replace":
        deleted = cur.execute(f"select count(*) from {quote(prep.spec.name)} t where not exists "
                              f"(select 1 from {STAGE} s where {_join_on(prep.spec)})").fetchall()[0][0]
    return Counts(actions.get("insert", 0), actions.get("changed", 0) if opts.mode != "append" else 0,
                  actions.get("same", 0), actions.get("older", 0), deleted)


def _changed_problems(cur: duckdb.DuckDBPyConnection, prep: Prepared) -> list[Problem]:
    """Append mode: a key already stored with other values is rejected, showing the differences."""
    cols = [c for c in prep.hmap.mapped if c not in prep.spec.natural_key]
    diffs = ", ".join(f"case when s.{quote(c)} is distinct from t.{quote(c)} then '{c}: ' || "
                      f"coalesce(cast(t.{quote(c)} as varchar), 'null') || ' -> ' || "
                      f"coalesce(cast(s.{quote(c)} as varchar), 'null') end" for c in cols) or "''"
    k = quote(prep.spec.natural_key[0])
    rows = cur.execute(f"select s._row, cast(s.{k} as varchar), concat_ws('; ', {diffs}) from {STAGE} s "
                       f"join _import_action a using (_row) join {quote(prep.spec.name)} t on {_join_on(prep.spec)} "
                       "where a.action = 'changed' order by s._row").fetchall()
    return emit(prep, rows, prep.spec.natural_key[0], "error",
                lambda r: N_("key already in {table} with other values ({changes})").format(table=prep.spec.name,
                                                                                            changes=r[2]),
                N_("use --mode upsert to update, or drop the row"))


def _blocked_deletes(cur: duckdb.DuckDBPyConnection, prep: Prepared) -> list[Problem]:
    """Replace mode: rows the file drops that other tables still reference."""
    out = []
    for child, fk in referencing(cur, prep.spec.name):
        link = " and ".join(f"c.{quote(c)} = t.{quote(r)}" for c, r in zip(fk.columns, fk.ref_columns))
        gone = f"not exists (select 1 from {STAGE} s where {_join_on(prep.spec)})"
        n, example = cur.execute(f"select count(*), min(cast(t.{quote(fk.ref_columns[0])} as varchar)) from "
                                 f"{quote(prep.spec.name)} t where {gone} and exists (select 1 from {quote(child)} c "
                                 f"where {link})").fetchall()[0]
        if n:
            out.append(Problem("error", N_("replace would remove {n} {table} row(s) that {child} still references "
                                           "(e.g. {example!r})").format(n=n, table=prep.spec.name, child=child,
                                                                        example=example),
                               file=prep.raw.file, fix=N_("keep them in the file, or use --mode upsert")))
    return out


def apply(cur: duckdb.DuckDBPyConnection, prep: Prepared, opts: ImportOptions) -> Counts:
    """Delete (replace), update (upsert/replace) and insert, per the classification."""
    t, spec = quote(prep.spec.name), prep.spec
    counts = counts_of(cur, prep, opts)
    rollups.before_import(cur, spec.name, opts.mode)
    overwritten = (None if opts.mode == "replace" else  # a replace recounts every bucket anyway
                   event_rollups.earliest_touched(cur, spec.name, f"{t} as t semi join {STAGE} as s on {_join_on(spec)}"))
    if opts.mode == "replace":
        cur.execute(f"delete from {t} as t where not exists (select 1 from {STAGE} s where {_join_on(spec)})")
    if counts.updated:
        _update(cur, prep)
    names = ", ".join(quote(c) for c in spec.names)
    cur.execute(f"insert into {t} ({names}) select {names} from {STAGE} s join _import_action a "
                "using (_row) where a.action = 'insert' order by s._row")
    rollups.after_import(cur, spec.name, opts.mode)
    event_rollups.after_import(cur, spec.name, opts.mode, overwritten,
                               event_rollups.earliest_touched(cur, spec.name, f"{STAGE} as t"))
    return counts


def _update(cur: duckdb.DuckDBPyConnection, prep: Prepared) -> None:
    """Update changed rows: plain columns in place, indexed (foreign-key) columns only where they differ.

    DuckDB checks write-write conflicts per column on the in-place path, but runs an update of an
    indexed column as delete + insert, which does not see a concurrent writer's uncommitted change
    (a lost update). So indexed columns are written only for rows whose value really changes.
    """
    spec = prep.spec
    changed = f"(select s.* from {STAGE} s join _import_action a using (_row) where a.action = 'changed') s"
    indexed = set(spec.key) | {c for fk in spec.foreign_keys for c in fk.columns}
    cols = [c for c in prep.hmap.mapped if c not in spec.natural_key]
    plain, keyed = [c for c in cols if c not in indexed], [c for c in cols if c in indexed]
    if plain:
        sets = ", ".join(f"{quote(c)} = s.{quote(c)}" for c in plain)
        cur.execute(f"update {quote(spec.name)} as t set {sets} from {changed} where {_join_on(spec)}")
    if keyed:
        sets = ", ".join(f"{quote(c)} = s.{quote(c)}" for c in keyed)
        differs = " or ".join(f"t.{quote(c)} is distinct from s.{quote(c)}" for c in keyed)
        cur.execute(f"update {quote(spec.name)} as t set {sets} from {changed} where {_join_on(spec)} and ({differs})")


# ---------------------------------------------------------------------------
# Bookkeeping: kept uploads and the import log


def uploads_dir(con: duckdb.DuckDBPyConnection) -> Path | None:
    """<db>.uploads beside the warehouse file; None for an in-memory warehouse."""
    row = con.execute("select path from duckdb_databases() where database_name = current_database()").fetchall()[0]
    return Path(row[0] + ".uploads") if row and row[0] else None


# Uploads being written: path of the .part file -> descriptor holding its lock until it is settled.
_PENDING: dict[str, int] = {}
_CALL = threading.local()                 # .created: the .part files of the import running in this thread


def keep_upload(con: duckdb.DuckDBPyConnection, data: bytes, kind: str) -> str | None:
    """Store the original bytes under a generated name (never the user's); return that name.

    The bytes go to `<name>.part`, locked by this process, and become `<name>` only once the
    import log names them (settle_upload, after the commit). A process killed in between leaves a
    .part whose lock died with it: sweep_uploads removes it (no log row) or finishes it (logged)."""
    folder = uploads_dir(con)
    if folder is None:
        return None
    folder.mkdir(exist_ok=True)
    name = f"{uuid.uuid4()}.{kind}"
    part = folder / (name + ".part")
    fd = os.open(part, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    _lock(fd, wait=True)
    _PENDING[str(part)] = fd
    created = getattr(_CALL, "created", None)
    if created is not None:
        created.append(part)
    view = memoryview(data)
    while view:
        view = view[os.write(fd, view):]
    os.fsync(fd)
    return name


def _lock(fd: int, wait: bool) -> bool:
    """An exclusive advisory lock on an open file (released by the kernel when the process dies)."""
    try:
        import fcntl
    except ImportError:  # no advisory locks here: a .part is then only swept by its owner
        return wait
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | (0 if wait else fcntl.LOCK_NB))
        return True
    except BlockingIOError:
        return False


def settle_upload(con: duckdb.DuckDBPyConnection, part: Path) -> None:
    """Keep a .part upload under its final name if the import log names it, else delete it."""
    final = part.with_name(part.name.removesuffix(".part"))
    logged = con.execute("select count(*) from import_log where upload_name = $n", {"n": final.name}).fetchall()[0][0]
    try:
        if logged:
            os.replace(part, final)
        else:
            part.unlink(missing_ok=True)
    finally:
        fd = _PENDING.pop(str(part), None)
        if fd is not None:
            os.close(fd)


def sweep_uploads(con: duckdb.DuckDBPyConnection) -> int:
    """Settle the .part uploads of imports that died (their lock is free): returns how many."""
    folder = uploads_dir(con)
    if folder is None or not folder.is_dir():
        return 0
    done = 0
    for part in sorted(folder.glob("*.part")):
        if str(part) in _PENDING:
            continue  # an import of this process is writing it
        try:
            fd = os.open(part, os.O_RDONLY)
        except FileNotFoundError:
            continue  # settled meanwhile by its owner
        try:
            if _lock(fd, wait=False) and part.exists():
                settle_upload(con, part)
                done += 1
        finally:
            os.close(fd)
    return done


def _options_json(opts: ImportOptions) -> str:
    return json.dumps(dataclasses.asdict(opts), default=str, sort_keys=True)


def write_log(cur: duckdb.DuckDBPyConnection, result: ImportResult, opts: ImportOptions, user: str,
              now: pd.Timestamp) -> None:
    """One import_log row and its problems (inside the caller's transaction)."""
    cur.execute("insert into import_log values ($id, $file, $upload, $sha, $table, $mode, $user, $at, $read, $ins, "
                "$upd, $skip, $del, $rej, $outcome, $opts)",
                {"id": result.import_id, "file": result.file_name, "upload": result.upload_name,
                 "sha": result.content_sha256, "table": result.table, "mode": result.mode, "user": user,
                 "at": now.to_pydatetime(), "read": result.rows_read, "ins": result.inserted, "upd": result.updated,
                 "skip": result.skipped_identical + result.skipped_older, "del": result.deleted,
                 "rej": result.rows_rejected, "outcome": result.outcome, "opts": _options_json(opts)})
    notes = [Problem("info", note, file=result.file_name) for note in result.notes]
    frame = problems_frame(list(result.issues) + notes).drop(columns=["file"]).rename(columns={"column": "column_name"})
    frame.insert(0, "problem_no", np.arange(1, len(frame) + 1, dtype=np.int64))
    frame.insert(0, "import_id", result.import_id)
    cur.register("_import_problem_rows", frame)
    cur.execute("insert into import_problems (import_id, problem_no, level, sheet, line, column_name, cell, value, "
                "rule, fix) select import_id, problem_no, level, sheet, line, column_name, cell, value, rule, fix "
                "from _import_problem_rows")
    cur.unregister("_import_problem_rows")


def previous_import(con: duckdb.DuckDBPyConnection, sha: str, table: str) -> str | None:
    """A note when this exact content was imported before (re-import then changes nothing)."""
    rows = con.execute("select import_id, imported_at from import_log where content_sha256 = $sha and table_name = $t "
                       "and outcome = 'imported' order by imported_at desc limit 1", {"sha": sha, "t": table}).fetchall()
    row = rows[0] if rows else None
    return N_("same content already imported at {at} UTC (import {import_id}); rows matched by key").format(
        at=f"{row[1]:%Y-%m-%d %H:%M}", import_id=row[0]) if row else None


# ---------------------------------------------------------------------------
# The public API


def _now(now: datetime | None) -> pd.Timestamp:
    """The clock as a UTC timestamp (injectable for tests of 'future' rules)."""
    ts = pd.Timestamp(now) if now is not None else pd.Timestamp.now(tz="UTC")
    return ts.tz_localize("UTC") if ts.tzinfo is None else ts.tz_convert("UTC")


def _result(outcome: str, table: str, name: str, sha: str, opts: ImportOptions, problems: list[Problem],
            prep: Prepared | None = None, **kw: Any) -> ImportResult:
    """An ImportResult with the rejected rows attached."""
    n_bad = int(prep.bad.sum()) + len(prep.raw.ragged) if prep is not None else 0
    rejected = rejected_rows(prep, problems) if n_bad else pd.DataFrame()
    return ImportResult(outcome, table, name, sha, mode=opts.mode, issues=tuple(sorted(problems, key=_order)),
                        rows_read=(prep.raw.n + len(prep.raw.ragged)) if prep else 0, rows_rejected=n_bad,
                        rejected=rejected, notes=tuple(prep.notes) if prep else (), **kw)


def _order(p: Problem) -> tuple:
    """File-level problems first, then by line; stable otherwise (column order within a line)."""
    return (p.line is not None, p.line or 0)


def _usage_problem(con: duckdb.DuckDBPyConnection, table: str, opts: ImportOptions, name: str) -> Problem | None:
    """Options that cannot work at all (unknown table, mode, zone, column, separators)."""
    tables = importable_tables(con)
    known = table_spec(con, table).names if table in tables else ()
    tests = [(table not in tables, N_("unknown table {table!r}").format(table=table),
              N_("tables: {names}").format(names=", ".join(tables))),
             (opts.mode not in MODES, N_("unknown mode {mode!r}").format(mode=opts.mode), N_("append, upsert or replace")),
             (bool(opts.newer_by) and opts.newer_by not in known,
              N_("--newer-by {column!r} is not a column").format(column=opts.newer_by), ""),
             (bool(opts.tz) and not _valid_zone(opts.tz), N_("unknown time zone {tz!r}").format(tz=opts.tz),
              N_("e.g. Asia/Bangkok")),
             (opts.delimiter is not None and len(opts.delimiter) != 1 and opts.delimiter not in ("\\t", "tab"),
              N_("delimiter must be one character, got {delimiter!r}").format(delimiter=opts.delimiter), ""),
             (opts.decimal not in (".", ",") or opts.thousands == opts.decimal,
              N_("decimal separator must be '.' or ',' and differ from the thousands separator"), ""),
             (opts.dst not in ("reject", "shift"), N_("unknown DST choice {dst!r}").format(dst=opts.dst),
              N_("reject or shift")),
             (opts.pct_scale not in (None, "percent", "fraction"),
              N_("unknown percent scale {scale!r}").format(scale=opts.pct_scale), ""),
             (opts.score_scale not in (5, 10), N_("unknown score scale {scale!r}").format(scale=opts.score_scale),
              N_("5 or 10")),
             (None not in (opts.covers_from, opts.covers_through) and opts.covers_from > opts.covers_through,
              N_("--covers-from {first} is after --covers-through {last}").format(first=opts.covers_from,
                                                                                  last=opts.covers_through), ""),
             (bool(opts.date_format) and not _valid_format(opts.date_format),
              N_("date format {fmt!r} has an unknown % code").format(fmt=opts.date_format),
              N_("strptime codes, e.g. %d/%m/%Y %H:%M"))]
    rule, fix = next(((r, f) for bad, r, f in tests if bad), (None, ""))
    return Problem("error", rule, file=name, fix=fix) if rule else None


def _valid_format(fmt: str) -> bool:
    """Whether pandas accepts a strptime format (an unknown code such as %Q raises, whatever the text)."""
    try:
        pd.to_datetime(pd.Series(["2026-01-31"]), format=fmt, errors="coerce")
        return True
    except ValueError:
        return False


def _valid_zone(tz: str) -> bool:
    try:
        ZoneInfo(tz)
        return True
    except (ZoneInfoNotFoundError, ValueError):
        return False


Progress = Callable[[str, float], None]


def _options(options: ImportOptions | None) -> ImportOptions:
    """The options with the zone of naive times resolved (the plan's when not named)."""
    opts = options or ImportOptions()
    return opts if opts.tz else dataclasses.replace(opts, tz=plan_timezone())


def run_import(con: duckdb.DuckDBPyConnection, file_bytes: bytes, filename: str, table: str,
               options: ImportOptions | None = None, user: str | None = None, dry_run: bool = False,
               now: datetime | None = None, progress: Progress | None = None, *, actor: Actor) -> ImportResult:
    """Validate the whole file in staging, then write it in one transaction (or nothing at all).

    `actor` must have the import right (PermissionDenied otherwise, before anything is read); an
    import is audited in its own transaction. `user`, the import log's name, defaults to the actor's.

    `progress(stage, fraction)` is called with reading, checking, writing and done, for a
    progress bar. Stopping the process at any moment leaves the warehouse as it was.
    """
    require(actor, IMPORT)
    if dry_run:  # reads only: a snapshot reader's connection answers, without waiting for the writer
        return _checked_import(con, file_bytes, filename, table, options, user, dry_run, now, progress, actor)
    with writes_through(con) as w:
        return _checked_import(w, file_bytes, filename, table, options, user, dry_run, now, progress, actor)


def _checked_import(con: duckdb.DuckDBPyConnection, file_bytes: bytes, filename: str, table: str,
                    options: ImportOptions | None, user: str | None, dry_run: bool, now: datetime | None,
                    progress: Progress | None, actor: Actor) -> ImportResult:
    """run_import on a connection that may write (unless a dry run)."""
    user = user or actor.label()
    opts, name = _options(options), readers.display_name(filename)
    sha, clock = hashlib.sha256(file_bytes).hexdigest(), _now(now)
    usage = _usage_problem(con, table, opts, name)
    if usage:
        return _result("rejected", table, name, sha, opts, [usage])
    cur = con.cursor()
    outer, _CALL.created = getattr(_CALL, "created", None), []  # an import run inside another keeps its own list
    try:
        if not dry_run:
            sweep_uploads(cur)
        return _run(cur, file_bytes, name, table, opts, user, dry_run, clock, sha, progress or (lambda s, f: None),
                    actor)
    except Exception as err:  # a bug must not reach the page as a traceback; it is logged in full
        log.exception("import of %s into %s failed", name, table)
        failed = _result("failed", table, name, sha, opts, [Problem("error", N_("internal error: {kind}: {error}").format(
            kind=type(err).__name__, error=err), file=name, fix=N_("report this"))])
        if dry_run:
            return failed
        try:  # the attempt is logged like a rejection: nothing in the data tables changed
            return _log_rejection(cur, failed, opts, user, clock, file_bytes, None)
        except Exception:  # the log itself may be what failed
            log.exception("could not log the failed import of %s", name)
            return failed
    finally:
        created, _CALL.created = _CALL.created, outer
        for part in created:  # after the commit (or the rollback): keep what the log names
            try:
                settle_upload(cur, part)
            except (OSError, duckdb.Error):
                log.exception("could not settle the upload %s", part.name)
        cur.close()


def _run(cur: duckdb.DuckDBPyConnection, data: bytes, name: str, table: str, opts: ImportOptions, user: str,
         dry_run: bool, now: pd.Timestamp, sha: str, progress: Progress, actor: Actor) -> ImportResult:
    """Read, check, then (unless rejected or a dry run) write in one transaction."""
    progress("reading", 0.0)
    try:
        prep = prepare(cur, data, name, table, opts, now)
    except Rejected as rej:
        result = _result("rejected", table, name, sha, opts, rej.problems)
        progress("done", 1.0)
        return result if dry_run else _log_rejection(cur, result, opts, user, now, data, None)
    progress("checking", 0.5)
    stage(cur, prep)
    prep.problems += sql_checks(cur, prep, True, now)
    note = previous_import(cur, sha, table)
    prep.notes += [note] if note else []
    progress("writing", 0.8)
    result = _transaction(cur, prep, data, opts, user, dry_run, now, sha, actor)
    progress("done", 1.0)
    return result


def _transaction(cur: duckdb.DuckDBPyConnection, prep: Prepared, data: bytes, opts: ImportOptions, user: str,
                 dry_run: bool, now: pd.Timestamp, sha: str, actor: Actor) -> ImportResult:
    """Classify and apply inside one transaction; a conflict with a concurrent writer says 'retry'."""
    name, table = prep.raw.file, prep.spec.name
    upload = None if dry_run else keep_upload(cur, data, prep.raw.kind)
    import_id = None if dry_run else str(uuid.uuid4())
    try:
        cur.execute("begin transaction")
        classify(cur, prep, opts)
        problems = prep.problems + (_changed_problems(cur, prep) if opts.mode == "append" else [])
        problems += _blocked_deletes(cur, prep) if opts.mode == "replace" else []
        failed = any(p.level == "error" for p in problems)
        span = None if failed else _covered_span(cur, prep, opts, now)
        if dry_run or failed:
            counts = Counts() if failed else counts_of(cur, prep, opts)
            cur.execute("rollback")
            result = _result("rejected" if failed else "dry_run", table, name, sha, opts, problems, prep,
                             upload_name=upload, **dataclasses.asdict(counts))
            return result if dry_run else _log_rejection(cur, result, opts, user, now, None, upload)
        if prep.new_services:
            add_services(cur, prep.new_services)
            audit.record(cur, actor, IMPORT, "services", None, {"added": prep.new_services, "file": name},
                         now.to_pydatetime())
            prep.notes.append(f"added {len(prep.new_services)} service(s): {', '.join(prep.new_services)}")
        replaced = _replaced_rows(cur, prep, opts)  # read before apply() changes them
        counts = apply(cur, prep, opts)
        result = _result("imported", table, name, sha, opts, problems, prep, import_id=import_id, upload_name=upload,
                         **dataclasses.asdict(counts))
        write_log(cur, result, opts, user, now)
        if span is not None:
            spans.record(cur, import_id, table, span, plan_timezone(), now.to_pydatetime(), opts.mode == "replace")
        audit.record(cur, actor, IMPORT, table, replaced, _audited(result), now.to_pydatetime())
        cur.execute("commit")
        return result
    except duckdb.Error as err:
        result = _conflict(cur, prep, err, opts, sha, upload)
        return result if dry_run else _log_rejection(cur, result, opts, user, now, None, upload)


def _covered_span(cur: duckdb.DuckDBPyConnection, prep: Prepared, opts: ImportOptions,
                  now: pd.Timestamp) -> spans.Span | None:
    """The span the file covers (data/spans.py), its sentence added to the notes the user sees."""
    tz, table = plan_timezone(), prep.spec.name
    first, last = spans.first_and_last(cur, STAGE, table)
    span = spans.infer(table, first, last, now.to_pydatetime(), tz, opts.covers_from, opts.covers_through)
    prep.notes.append(spans.describe(span, tz) if span else
                      N_("covers no span: an empty file says nothing about when; declare with --covers-from"))
    return span


AUDIT_BEFORE_ROWS = 1_000  # rows an import's audit row keeps of what it updated or deleted


def _replaced_rows(cur: duckdb.DuckDBPyConnection, prep: Prepared, opts: ImportOptions) -> dict | None:
    """What the import will overwrite, for the audit row's before: the stored rows it updates (upsert,
    replace) or deletes (replace), each as it is now; at most AUDIT_BEFORE_ROWS of each, with the counts.
    None when it only inserts."""
    t, spec = quote(prep.spec.name), prep.spec
    out: dict = {}
    parts = []
    if opts.mode != "append":
        parts.append(("updated", f"select t.* from {t} t join {STAGE} s on {_join_on(spec)} join _import_action a "
                                 "using (_row) where a.action = 'changed'"))
    if opts.mode == "replace":
        parts.append(("deleted", f"select t.* from {t} t where not exists (select 1 from {STAGE} s "
                                 f"where {_join_on(spec)})"))
    order = ", ".join(quote(c) for c in spec.natural_key)
    for kind, sql in parts:
        n = cur.execute(f"select count(*) from ({sql})").fetchall()[0][0]
        if not n:
            continue
        frame = cur.execute(f"select * from ({sql}) order by {order} limit {AUDIT_BEFORE_ROWS}").df()
        out[kind] = {"rows": n, "kept": len(frame), "values": json.loads(frame.to_json(orient="records",
                                                                                         date_format="iso"))}
    return out or None


def _audited(result: ImportResult) -> dict:
    """What an import changed, for the audit log (the rows themselves are in the table and the upload)."""
    return {"import_id": result.import_id, "file": result.file_name, "upload": result.upload_name,
            "sha256": result.content_sha256, "mode": result.mode, "inserted": result.inserted,
            "updated": result.updated, "deleted": result.deleted, "rows_read": result.rows_read}


def _conflict(cur: duckdb.DuckDBPyConnection, prep: Prepared, err: duckdb.Error, opts: ImportOptions, sha: str,
              upload: str | None) -> ImportResult:
    """Roll back; a write-write conflict or a key another import just wrote means: try again.
    Anything else the warehouse refuses is a rejection naming DuckDB's message."""
    try:
        cur.execute("rollback")
    except duckdb.Error:
        pass  # DuckDB may already have aborted the transaction
    message = str(err).splitlines()[0]
    concurrent = "Conflict" in message or "Duplicate key" in message or "duplicate key" in message
    rule = (N_("another import or edit wrote the same rows at the same time; nothing was written, retry the import")
            if concurrent else N_("the warehouse refused the rows: {message}").format(message=message))
    problem = Problem("error", rule, file=prep.raw.file, fix=N_("retry") if concurrent else "")
    return _result("retry" if concurrent else "rejected", prep.spec.name, prep.raw.file, sha, opts,
                   prep.problems + [problem], prep, upload_name=upload)


def _log_rejection(cur: duckdb.DuckDBPyConnection, result: ImportResult, opts: ImportOptions, user: str,
                   now: pd.Timestamp, data: bytes | None, upload: str | None) -> ImportResult:
    """Record a rejected attempt (its own small transaction); data tables are untouched."""
    if upload is None and data is not None and len(data) <= opts.max_bytes:
        kind = "bin"
        try:
            kind = readers.sniff(data, result.file_name)
        except Rejected:
            pass
        upload = keep_upload(cur, data, kind) if data else None
    result = dataclasses.replace(result, import_id=str(uuid.uuid4()), upload_name=upload)
    try:
        cur.execute("begin transaction")
        write_log(cur, result, opts, user, now)
        cur.execute("commit")
    except duckdb.Error:
        cur.execute("rollback")
        log.warning("could not log rejected import of %s", result.file_name)
    return result


def preview(file_bytes: bytes, filename: str, table: str, options: ImportOptions | None = None,
            con: duckdb.DuckDBPyConnection | None = None, n: int = 20, now: datetime | None = None) -> Preview:
    """Parse and check without writing. With `con`, keys and references are checked against it too."""
    from data.warehouse import connect
    opts, name = _options(options), readers.display_name(filename)
    catalog = con.cursor() if con is not None else connect(":memory:")
    try:
        return _preview(catalog, file_bytes, name, table, opts, con is not None, n, _now(now))
    finally:
        catalog.close()


def _preview(cur: duckdb.DuckDBPyConnection, data: bytes, name: str, table: str, opts: ImportOptions,
             warehouse: bool, n: int, now: pd.Timestamp) -> Preview:
    usage = _usage_problem(cur, table, opts, name)
    sheets = readers.sheet_names(data) if data[:4] == b"PK\x03\x04" else ()
    empty = pd.DataFrame()
    if usage:
        return Preview(table, name, None, sheets, None, None, None, None, empty, empty, problems_frame([usage]), (), 0)
    try:
        prep = prepare(cur, data, name, table, opts, now)
    except Rejected as rej:
        return Preview(table, name, None, sheets, opts.sheet, None, None, None, empty, empty,
                       problems_frame(rej.problems), (), 0)
    stage(cur, prep)
    prep.problems += sql_checks(cur, prep, warehouse, now)
    rows = prep.typed.head(n).drop(columns="_row")
    rows.insert(0, "_line", prep.raw.lines[:n])
    raw = prep.raw
    return Preview(table, name, raw.kind, raw.sheets or sheets, raw.sheet, raw.encoding, raw.delimiter,
                   raw.header_line, prep.hmap.frame(), rows, problems_frame(prep.problems), tuple(prep.notes),
                   raw.n + len(raw.ragged), prep.profile, tuple(prep.assumptions), tuple(prep.unknown_services))


# ---------------------------------------------------------------------------
# Quarantine and safe export


def rejected_rows(prep: Prepared, problems: list[Problem]) -> pd.DataFrame:
    """Rows with errors exactly as read (plus ragged lines), each with its line and problems."""
    bad = np.flatnonzero(prep.bad)
    headers = _unique(prep.raw.headers)
    frame = pd.DataFrame({h: col.iloc[bad].to_numpy() for h, col in zip(headers, prep.raw.columns)})
    frame.insert(0, "_line", prep.raw.lines[bad])
    why: dict[int, list[str]] = {}
    for p in problems:
        if p.level == "error" and p.row is not None:
            why.setdefault(p.row, []).append(f"{p.column}: {p.rule}")
    frame["_problems"] = ["; ".join(why.get(r, ["(not listed: over --max-problems)"])) for r in bad]
    ragged = pd.DataFrame({"_line": [ln for ln, _ in prep.raw.ragged],
                           "_raw": [(prep.raw.delimiter or ",").join(f) for _, f in prep.raw.ragged],
                           "_problems": [f"line has {len(f)} fields; the header has {len(headers)}"
                                         for _, f in prep.raw.ragged]})
    return pd.concat([frame, ragged], ignore_index=True) if len(ragged) else frame


def _unique(headers: list[str]) -> list[str]:
    """Headers made unique for a frame (a duplicate gets its position appended)."""
    seen: set[str] = set()
    out = []
    for i, h in enumerate(headers):
        name = h if h and h not in seen else f"{h or 'column'}#{i + 1}"
        seen.add(name)
        out.append(name)
    return out


def quarantine_csv(result: ImportResult) -> bytes:
    """The rejected rows as a UTF-8 CSV (with BOM, for Excel), escaped against formula injection."""
    return to_csv_bytes(result.rejected)


def escape_for_spreadsheet(frame: pd.DataFrame) -> pd.DataFrame:
    """Text cells starting with = + - @ tab CR NUL get a leading ' ; numbers stay numbers."""
    def esc(v: Any) -> Any:
        return "'" + v if isinstance(v, str) and v.startswith(DANGEROUS_LEAD) else v
    out = frame.copy()
    for col in out.columns:
        if out[col].dtype == object or pd.api.types.is_string_dtype(out[col].dtype):
            out[col] = out[col].astype(object).map(esc)
    return out


def to_csv_bytes(frame: pd.DataFrame) -> bytes:
    """A CSV export that Excel will not execute."""
    return escape_for_spreadsheet(frame).to_csv(index=False).encode("utf-8-sig")


def to_xlsx_bytes(frame: pd.DataFrame, sheet: str = "data") -> bytes:
    """An .xlsx export with every dangerous text cell written as text, never as a formula."""
    import openpyxl
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = sheet
    ws.append([str(c) for c in frame.columns])
    for row in escape_for_spreadsheet(frame).itertuples(index=False):
        ws.append([_xlsx_value(v) for v in row])
    for row in ws.iter_rows(min_row=2):
        for cell in row:
            if isinstance(cell.value, str):
                cell.data_type = "s"  # openpyxl would otherwise store '=...' as a formula
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def _xlsx_value(v: Any) -> Any:
    """Cells openpyxl can store: NA -> empty, aware timestamps -> naive UTC."""
    if v is None or v is pd.NA or (isinstance(v, float) and np.isnan(v)) or v is pd.NaT:
        return None
    if isinstance(v, pd.Timestamp):
        return (v.tz_convert("UTC").tz_localize(None) if v.tzinfo else v).to_pydatetime()
    return v.item() if isinstance(v, np.generic) else v


# ---------------------------------------------------------------------------
# Coverage: why a KPI says "no data"


def date_column(spec: TableSpec) -> str | None:
    """The table's first date or timestamp column (catalogue order)."""
    return next((c.name for c in spec.columns if c.kind in ("date", "timestamp")), None)


def coverage(con: duckdb.DuckDBPyConnection, tz: str | None = None) -> pd.DataFrame:
    """Per table: rows, date column, first and last (local) date, months without rows."""
    tz = tz or plan_timezone()
    cur = con.cursor()
    try:
        return pd.DataFrame([_coverage_row(cur, t, tz) for t in importable_tables(cur)],
                            columns=["table", "rows", "date_column", "first_date", "last_date", "empty_months"])
    finally:
        cur.close()


def _coverage_row(cur: duckdb.DuckDBPyConnection, table: str, tz: str) -> list:
    """[table, rows, date column, first, last, empty months] for one table."""
    spec = table_spec(cur, table)
    rows = cur.execute(f"select count(*) from {quote(table)}").fetchall()[0][0]
    col = date_column(spec)
    if col is None or rows == 0:
        return [table, rows, col, None, None, []]
    expr = quote(col) if spec.column(col).kind == "date" else f"cast(timezone($tz, {quote(col)}) as date)"
    params = {"tz": tz} if "$tz" in expr else None
    months = {m for (m,) in cur.execute(f"select distinct strftime({expr}, '%Y-%m') from {quote(table)} "
                                        f"where {quote(col)} is not null", params).fetchall()}
    lo, hi = cur.execute(f"select min({expr}), max({expr}) from {quote(table)}", params).fetchall()[0]
    if lo is None:
        return [table, rows, col, None, None, []]
    every = pd.period_range(pd.Period(lo, "M"), pd.Period(hi, "M"), freq="M")
    return [table, rows, col, lo, hi, [str(p) for p in every if str(p) not in months]]


# ---------------------------------------------------------------------------
# Command line


def _parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="python -m data.importer", description="Import a CSV, Excel or Parquet export "
                                "into one warehouse table, all or nothing.")
    p.add_argument("--db", required=True, help="warehouse file")
    p.add_argument("--table", required=True)
    p.add_argument("files", nargs="+", metavar="FILE", help="one or more exports; each is its own all-or-nothing "
                   "import")
    p.add_argument("--source", metavar="NAME", help="the tool that wrote the file: a profile in data/sources/ ("
                   + ", ".join(sources.names()) + "), a .toml path, or 'none' (headers are the table's columns); "
                   "default: detected from the headers, and said")
    p.add_argument("--assume", action="append", default=[], metavar="COLUMN=VALUE",
                   help="a value for a column the export lacks (overrides the profile's assumption; repeatable)")
    p.add_argument("--add-services", action="store_true",
                   help="add the services the file names that the warehouse does not hold (else: an error)")
    p.add_argument("--tz", help="zone of naive timestamps (default: the plan's)")
    p.add_argument("--date-format", help="strptime format, e.g. %%d/%%m/%%Y %%H:%%M (default: ISO 8601)")
    p.add_argument("--mode", choices=MODES, default="append")
    p.add_argument("--dry-run", action="store_true", help="check everything, write nothing")
    p.add_argument("--sheet", help="Excel sheet name")
    p.add_argument("--encoding", help="text encoding, e.g. cp874 (default: UTF-8)")
    p.add_argument("--delimiter", help="CSV delimiter (default: detected and reported)")
    p.add_argument("--decimal", default=".", choices=(".", ","))
    p.add_argument("--thousands", choices=(",", ".", " ", "'", "_"))
    p.add_argument("--null-token", action="append", help="a cell text meaning empty (repeatable; replaces the list)")
    p.add_argument("--confirm-naive", action="store_true", help="accept naive times in a file with offsets")
    p.add_argument("--dst", choices=("reject", "shift"), default="reject")
    p.add_argument("--buddhist-era", action="store_true", help="convert years 2400+ by -543")
    p.add_argument("--pct-scale", choices=("percent", "fraction"))
    p.add_argument("--score-scale", type=int, choices=(5, 10), default=5)
    p.add_argument("--newer-by", help="upsert: update a row only when this column is newer")
    p.add_argument("--column", action="append", default=[], metavar="SOURCE=COLUMN", help="map a header (repeatable)")
    p.add_argument("--allow-empty", action="store_true", help="a header-only file is not an error (append/upsert)")
    p.add_argument("--max-bytes", type=int, default=ImportOptions.max_bytes)
    p.add_argument("--max-rows", type=int, default=ImportOptions.max_rows)
    p.add_argument("--max-problems", type=int, default=ImportOptions.max_problems)
    p.add_argument("--user", default=None, help="recorded in the import log (default: the OS user)")
    p.add_argument("--quarantine", metavar="PATH", help="write the rejected rows to this CSV")
    p.add_argument("--covers-from", type=date.fromisoformat, metavar="YYYY-MM-DD",
                   help="first local day the file covers (default: inferred, e.g. an incident export from the "
                        "first of the month of its first record)")
    p.add_argument("--covers-through", type=date.fromisoformat, metavar="YYYY-MM-DD",
                   help="last local day the file covers (default: inferred, e.g. an export through the moment of "
                        "the import)")
    return p


def options_from_args(args: argparse.Namespace) -> ImportOptions:
    """ImportOptions from parsed arguments (a bad --column is a usage error)."""
    pairs = []
    for item in args.column:
        source, sep, target = item.rpartition("=")
        if not sep or not source or not target:
            raise SystemExit(f"--column expects SOURCE=COLUMN, got {item!r}")
        pairs.append((source, target))
    assumed = []
    for item in args.assume:
        column, sep, value = item.partition("=")
        if not sep or not column.strip():
            raise SystemExit(f"--assume expects COLUMN=VALUE, got {item!r}")
        assumed.append((column.strip(), value.strip()))
    kw = dict(source=args.source, assume=tuple(assumed), add_services=args.add_services, tz=args.tz or plan_timezone(), date_format=args.date_format, mode=args.mode, sheet=args.sheet,
              encoding=args.encoding, delimiter=args.delimiter, decimal=args.decimal, thousands=args.thousands,
              confirm_naive=args.confirm_naive, dst=args.dst, buddhist_era=args.buddhist_era,
              pct_scale=args.pct_scale, score_scale=args.score_scale, newer_by=args.newer_by, columns=tuple(pairs),
              allow_empty=args.allow_empty, max_bytes=args.max_bytes, max_rows=args.max_rows,
              max_problems=args.max_problems, covers_from=args.covers_from, covers_through=args.covers_through)
    if args.null_token:
        kw["null_tokens"] = tuple(args.null_token)
    return ImportOptions(**kw)


def _usage(message: str) -> int:
    print(f"python -m data.importer: error: {message}", file=sys.stderr)
    return 2


def main(argv: Sequence[str] | None = None) -> int:
    """CLI entry: 0 imported, 1 rejected (every problem printed), 2 usage error."""
    args = _parser().parse_args(argv)
    if args.thousands and args.thousands == args.decimal:
        return _usage("--thousands and --decimal must differ")
    if args.tz and not _valid_zone(args.tz):
        return _usage(f"unknown time zone {args.tz!r}")
    paths = [Path(f) for f in args.files]
    missing = [str(p) for p in paths if not p.is_file()]
    if missing:
        return _usage(f"no such file: {', '.join(missing)}")
    try:
        opts = options_from_args(args)
    except SystemExit as err:
        return _usage(str(err))
    except ValueError as err:  # PlanError: the plan ($OPSPLAN_PLAN, else plan.toml) cannot be used
        return _usage(str(err))
    if args.source and args.source != sources.NO_PROFILE:
        try:
            sources.find(args.source)
        except sources.ProfileError as err:
            return _usage(str(err))
    codes = []
    for path in paths:
        if path.stat().st_size > opts.max_bytes:  # refuse before reading a huge file into memory
            print(f"{readers.display_name(path.name)}: file is {path.stat().st_size:,} bytes, over the "
                  f"{opts.max_bytes:,}-byte limit")
            codes.append(1)
            continue
        codes.append(_cli_import(args, opts, path))
        if codes[-1] == 2:
            return 2
    return max(codes)


def _cli_import(args: argparse.Namespace, opts: ImportOptions, path: Path) -> int:
    try:
        with writer(args.db) as con:  # the one writer: waits for a write running elsewhere, publishes after
            if args.table not in importable_tables(con):
                return _usage(f"unknown table {args.table!r}; tables: {', '.join(importable_tables(con))}")
            result = run_import(con, path.read_bytes(), path.name, args.table, opts,
                                user=args.user or _os_user(), dry_run=args.dry_run, actor=cli_actor())
    except (duckdb.IOException, Busy) as err:
        print(f"cannot open the warehouse {args.db}: {str(err).splitlines()[0]} (in use by another process? retry)")
        return 1
    for p in result.issues:
        print(p.format())
    print(result.summary())
    if args.quarantine and len(result.rejected):
        quarantine = Path(args.quarantine)
        if len(args.files) > 1:  # one quarantine file per export
            quarantine = quarantine.with_name(f"{quarantine.stem}-{path.stem}{quarantine.suffix}")
        quarantine.write_bytes(quarantine_csv(result))
        print(f"rejected rows written to {quarantine}")
    return 0 if result.ok else 1


def _os_user() -> str:
    try:
        return getpass.getuser()
    except (KeyError, OSError):
        return "unknown"


if __name__ == "__main__":
    sys.exit(main())
