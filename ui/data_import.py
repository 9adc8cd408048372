"""The Data page's import: files and tool exports previewed, mapped, checked and imported
through data.importer (one transaction), with every problem named by file, line, column and rule.
"""
from __future__ import annotations

import hashlib
import re
from pathlib import Path
from typing import Sequence
from zoneinfo import available_timezones

import pandas as pd
import streamlit as st

from core.plan import Plan
from data import access, catalog, importer, readers, sources, warehouse
from data.validate import ImportOptions, importable_tables

from ui import auth
from ui.cache import LOADER, PLAN_KEY, connection, connection_for, db, forget_results, plan
from ui.formatting import local_time_text, md_text
from ui.state import DATA_ASSUME, IMPORT_KEY, ImportState, imported
from ui.widgets import local_times


DATA_TYPES = ("csv", "parquet", "xlsx")
DATA_UPLOAD_MB = ImportOptions.max_bytes // 2**20  # the importer's limit; .streamlit/config.toml's maxUploadSize too
DATA_MODES = {
    "append": "Add the file's new rows. A row whose key is already stored is skipped when identical and "
              "rejected when it differs.",
    "upsert": "Add new rows, and update stored rows that have the same key to the file's values.",
    "replace": "Make the table exactly the file: add, update, and delete the stored rows the file does not "
               "have. A file without data rows never empties a table.",
}
DATE_FORMATS = {  # strptime format -> what a cell looks like; "" is ISO 8601, the importer's default
    "": "ISO 8601: 2026-01-31 14:30",
    "%d/%m/%Y %H:%M": "day first: 31/01/2026 14:30",
    "%d/%m/%Y": "day first: 31/01/2026",
    "%m/%d/%Y %H:%M": "month first: 01/31/2026 14:30",
    "%m/%d/%Y": "month first: 01/31/2026",
    "%d.%m.%Y %H:%M": "31.01.2026 14:30",
    "%d-%b-%Y %H:%M": "31-Jan-2026 14:30",
}
ENCODINGS = {"": "UTF-8 (default)", "cp874": "Thai Windows (cp874 / TIS-620)", "cp1252": "Western Windows (cp1252)"}
DELIMITERS = {"": "detect", ",": "comma ,", ";": "semicolon ;", "\t": "tab", "|": "bar |"}
THOUSANDS = {"": "none", ",": "comma 1,234.50", ".": "dot 1.234,50", " ": "space 1 234,50"}
PCT_SCALES = {"": "as written (85 = 85 %)", "percent": "all percent", "fraction": "fractions (0.85 = 85 %)"}
# The importer's fixes name its CLI flags; on the page they are the choices above the preview.
_FLAG_WORDS = (
    (r",? or map (it|them) with --column( SOURCE=COLUMN)?", ""),
    (r"--mode upsert", "mode 'upsert'"),
    (r"--sheet", "choose a Sheet,"),
    (r"--date-format", "'Date format'"),
    (r"--encoding", "'Text encoding' (More reading options)"),
    (r"--delimiter", "'Delimiter' (More reading options)"),
    (r"--thousands", "'Thousands separator' (More reading options)"),
    (r"--decimal", "'Decimal separator' (More reading options)"),
    (r"--pct-scale", "'Percent values' (More reading options)"),
    (r"--buddhist-era", "'Buddhist Era years' (More reading options)"),
    (r"--dst shift", "'Local times in a DST gap: shift' (More reading options)"),
    (r"--confirm-naive", "'Accept times without offset' (More reading options)"),
    (r"--score-scale 10", "'Survey scores 1-10' (More reading options)"),
    (r"--allow-empty", "'Allow a header-only file' (More reading options)"),
    (r"--add-services", "'Add these services' (below the preview)"),
    (r"--assume COLUMN=VALUE", "the assumption choices above the preview"),
    (r"raise --max-problems to list them all", "fix these first; the rest are listed after the next upload"),
    (r"raise --max-rows", "import it in parts"),
)
SOURCE_DETECT, SOURCE_NONE = "", sources.NO_PROFILE
PROBLEM_COLUMNS = ["level", "where", "value", "rule", "fix"]
PROBLEM_CONFIG = {"level": st.column_config.TextColumn("Level", width=70),
                  "where": st.column_config.TextColumn("Where (file:line:column)", width=190),
                  "value": st.column_config.TextColumn("Value", width=110),
                  "rule": st.column_config.TextColumn("Rule broken", width=340),
                  "fix": st.column_config.TextColumn("How to fix", width=400)}
KIND_WORDS = {"text": "text", "int": "whole number", "float": "number", "decimal": "amount", "bool": "true/false",
              "date": "date", "timestamp": "date and time"}
IMPORT_LOG_CONFIG = {
    "imported_at": st.column_config.DatetimeColumn("When", format="YYYY-MM-DD HH:mm"),
    "file_name": "File", "table_name": "Table", "mode": "Mode", "user_name": "User", "outcome": "Outcome",
    "rows_read": "Read", "rows_inserted": "Inserted", "rows_updated": "Updated", "rows_skipped": "Skipped",
    "rows_deleted": "Deleted", "rows_rejected": "Rejected rows",
    "content_sha256": st.column_config.TextColumn("Content hash", help="SHA-256 of the file (first 12 characters)"),
}


@st.cache_data(hash_funcs=PLAN_KEY, max_entries=4, show_spinner="Reading and checking the file ... nothing is written yet")
def _preview(db_file: str, sha: str, name: str, table: str, opts: ImportOptions, actor: access.Actor,
                _data: bytes) -> tuple[importer.Preview, importer.ImportResult]:
    # Keyed by the content hash, not the bytes (underscore: not hashed). The dry run counts what
    # would be inserted, updated and skipped, and finds the append conflicts the preview cannot.
    con = connection_for(db_file)
    return (importer.preview(_data, name, table, opts, con=con),
            importer.run_import(con, _data, name, table, opts, user=auth.scenario_author(), dry_run=True,
                                    actor=actor))


@st.cache_data(**LOADER, show_spinner=False)
def _import_log(db_file: str, limit: int) -> pd.DataFrame:
    return warehouse.query(connection_for(db_file), "import_log", limit=limit)


def load_import_log(limit: int = 200) -> pd.DataFrame:
    """The latest import attempts, newest first (cached; an import clears it)."""
    return _import_log(db(), limit)


def load_import_problems(import_id: str) -> pd.DataFrame:
    """The problems one logged attempt reported (not cached: small, and read on a click)."""
    frame = warehouse.query(connection(), "import_problems", import_id=import_id)
    return frame.drop(columns=["problem_no"]).rename(columns={"column_name": "column"})


def page_words(text: str | None) -> str:
    """An importer fix as the Data page words it: each CLI flag becomes the page choice it stands for."""
    out = text or ""
    for pattern, words in _FLAG_WORDS:
        out = re.sub(pattern, words, out)
    return out


def date_format_error(fmt: str | None) -> str | None:
    """Why a typed date format cannot be used (pandas refuses unknown % codes), None when it can."""
    if not fmt:
        return None
    try:
        pd.to_datetime(pd.Series(["2026-01-31"]), format=fmt, errors="coerce")
    except ValueError as err:
        return (f"**{fmt!r} is not a date format:** {err}. Use strptime codes such as %d (day), %m (month), "
                "%Y (year), %H:%M (time), or choose one from the list.")
    return None


def source_choices() -> list[str]:
    """The Source tool picker's options: detect, none, then every profile in data/sources/."""
    return [SOURCE_DETECT, SOURCE_NONE, *sources.names()]


def source_label(name: str) -> str:
    """'Detect from the headers', 'None: ...', or 'pagerduty: PagerDuty incidents -> incidents'."""
    if name == SOURCE_DETECT:
        return "Detect from the headers"
    if name == SOURCE_NONE:
        return "None: the headers are the table's column names"
    try:
        return sources.describe(sources.find(name))
    except sources.ProfileError:
        return f"{name} (cannot be read)"


def assume_key(profile: str, column: str) -> str:
    return f"{DATA_ASSUME}.{profile}.{column}"


def profile_docs(name: str) -> list[tuple[str, str]]:
    """(url, title) of the pages a profile's column names come from."""
    try:
        return list(sources.find(name).docs)
    except sources.ProfileError:
        return []


def data_tables() -> list[str]:
    """The tables an import may write (those the KPIs read), sorted."""
    return list(importable_tables(connection()))


def table_label(table: str) -> str:
    """'tickets: one row per support ticket', for the table picker."""
    grain = catalog.table_grains().get(table, "")
    return f"{table}: {grain[0].lower() + grain[1:]}" if grain else table


def data_zones(the_plan: Plan) -> list[str]:
    """Time zones to read naive timestamps in: the plan's first, then UTC, then every IANA zone."""
    first = [the_plan.timezone, "UTC"]
    return first + sorted(z for z in available_timezones() if z not in first)


def upload_sheets(data: bytes) -> tuple[str, ...]:
    """The sheet names of an .xlsx upload; () for any other file (or an unreadable workbook)."""
    return readers.sheet_names(data) if data[:4] == b"PK\x03\x04" else ()


def preview_file(data: bytes, name: str, table: str,
                 opts: ImportOptions) -> tuple[importer.Preview, importer.ImportResult]:
    """The file as the import would read it (first rows, header mapping) and a dry run of the import
    (every problem, the counts); nothing is written. Cached by content hash and options."""
    return _preview(db(), hashlib.sha256(data).hexdigest(), name, table, opts, auth.importer_actor(), data)


def import_file(data: bytes, name: str, table: str, opts: ImportOptions) -> importer.ImportResult:
    """The app's one way to write an import: all or nothing on the process's one connection, logged
    under the user's name; every cached result is dropped so each page reads the new rows."""
    result = importer.run_import(connection(), data, name, table, opts, user=auth.scenario_author(),
                                     actor=auth.importer_actor())
    forget_results()  # after a rejection too: the import log gained a row
    return result


def problems_table(issues: Sequence) -> pd.DataFrame:
    """Problems as the page lists them: level, where (file:line:column), value, rule, fix."""
    return pd.DataFrame({"level": [p.level for p in issues], "where": [p.location() for p in issues],
                         "value": [p.value for p in issues], "rule": [p.rule for p in issues],
                         "fix": [page_words(p.fix) for p in issues]}, columns=PROBLEM_COLUMNS)


def problem_counts(issues: Sequence) -> dict[str, int]:
    """How many errors, warnings and notes."""
    return {level: sum(p.level == level for p in issues) for level in ("error", "warning", "info")}


def _kinds(table: str) -> dict[str, str]:
    """Column -> its type in words ('date and time' for TIMESTAMPTZ)."""
    return {c.name: KIND_WORDS.get(c.kind, c.data_type) for c in catalog.table_spec(connection(), table).columns}


def mapping_table(shown: importer.Preview) -> pd.DataFrame:
    """Header mapping: source header -> warehouse column, its type, and how it was matched."""
    spec = _kinds(shown.table)
    frame = shown.mapping.rename(columns={"source_column": "source header", "column": "warehouse column"})
    frame.insert(2, "type", frame["warehouse column"].map(spec))
    frame["how"] = frame["how"].map({"exact": "same name", "alias": "known alias",
                                     "ignored": "not a column of the table: ignored",
                                     "assumed": "assumed: not in the export (choose above)"}).fillna(frame["how"])
    return frame


def preview_counts(dry: importer.ImportResult) -> list[tuple[str, str, str]]:
    """(label, value, help) tiles for what the import would do (with errors: how many rows have them)."""
    if dry.outcome != "dry_run":
        return [("Rows read", f"{dry.rows_read:,}", "Data rows in the file (or sheet), header excluded."),
                ("Rows with errors", f"{dry.rows_rejected:,}", "Download them below, with what is wrong in each."),
                ("Rows without errors", f"{max(dry.rows_read - dry.rows_rejected, 0):,}",
                 "Nothing is imported until every row is right: an import is all or nothing.")]
    tiles = [("Rows read", f"{dry.rows_read:,}", "Data rows in the file (or sheet), header excluded."),
             ("Would insert", f"{dry.inserted:,}", "Rows whose key is not in the table yet."),
             ("Would update", f"{dry.updated:,}", ("Stored rows with the same key and other values (upsert, "
                                                    "replace). In append mode these are errors.")),
             ("Would skip", f"{dry.skipped_identical + dry.skipped_older:,}",
              "Rows already stored exactly so: importing them again changes nothing.")]
    if dry.mode == "replace":
        tiles.append(("Would delete", f"{dry.deleted:,}", "Stored rows the file does not have (replace mode)."))
    return tiles


def import_verdict(dry: importer.ImportResult) -> tuple[str, str]:
    """(kind, text): what the preview means and what to do next."""
    n = problem_counts(dry.issues)
    if dry.outcome == "failed":
        return "error", ("**The file could not be checked** (an internal error, logged on the server). Nothing "
                         "was written. Report it with the file.")
    if n["error"]:
        rows = f" in {dry.rows_rejected:,} row(s)" if dry.rows_rejected else ""
        first = [p for p in dry.issues if p.level == "error"][:3]
        listed = "".join(f"\n- {md_text(p.location())}" + (f" {md_text(p.value)}" if p.value is not None else "")
                         + f": {md_text(p.rule)}" for p in first)
        more = f"\n\n... and {n['error'] - len(first):,} more in the table below." if n["error"] > len(first) else ""
        return "error", (f"**{n['error']:,} error(s){rows}: nothing can be imported yet.** Fix them in the "
                         "source file or change a reading choice above, then upload again; an import is all or "
                         f"nothing.{listed}{more}")
    changes = dry.inserted + dry.updated + dry.deleted
    if not changes:
        return "info", "**Every row is already in the warehouse as it is:** importing changes nothing."
    warn = f" Read the {n['warning']} warning(s) below first." if n["warning"] else ""
    return "success", f"**No errors: ready to import.** Check the first rows and the counts, then import.{warn}"


def import_ready(dry: importer.ImportResult) -> bool:
    """Whether the Import button is on: no errors, and something would change."""
    return dry.outcome == "dry_run" and bool(dry.inserted + dry.updated + dry.deleted)


def import_button_label(dry: importer.ImportResult) -> str:
    if dry.outcome != "dry_run":
        return "Import (fix the errors first)"
    parts = [f"{n:,} {what}" for n, what in ((dry.inserted, "new"), (dry.updated, "updated"),
                                            (dry.deleted, "deleted")) if n]
    return f"Import into {dry.table}: {', '.join(parts) or 'nothing changes'}"


def import_result_text(result: importer.ImportResult) -> tuple[str, str]:
    """(kind, text) for a confirmed import's outcome."""
    if result.ok:
        parts = [f"{result.inserted:,} inserted", f"{result.updated:,} updated",
                 f"{result.skipped_identical + result.skipped_older:,} skipped as already stored"]
        parts += [f"{result.deleted:,} deleted"] if result.deleted else []
        notes = "".join(f"\n- {md_text(n)}" for n in result.notes)
        return "success", (f"**Imported {md_text(result.file_name)} into {result.table}** ({result.mode}): "
                           f"{', '.join(parts)}. Every page now reads the new data.{notes}")
    retry = " Another import wrote the same rows at the same time: import again." if result.outcome == "retry" else ""
    return "error", (f"**{md_text(result.file_name)} was not imported** ({len(result.errors)} error(s)); the warehouse "
                     f"is unchanged.{retry}")


def import_log_display(log: pd.DataFrame) -> pd.DataFrame:
    """The log as read on the page: local time, short hash, counts."""
    out = local_times(log.drop(columns=["import_id"]))
    out["content_sha256"] = out["content_sha256"].str[:12]
    return out


def import_log_line(log: pd.DataFrame) -> str:
    """'3 import attempts; the latest: new.csv into tickets, imported, 27 Nov 2026 11:04 (ana)'."""
    last = log.iloc[0]
    when = local_time_text(last["imported_at"], plan().timezone)
    return (f"**{len(log):,} import attempt{'s' if len(log) != 1 else ''}**; the latest: **{last['file_name']}** "
            f"into {last['table_name']}, {last['outcome']}, {when} ({last['user_name']})")


def chosen_assumptions(profile: str | None) -> tuple[tuple[str, str], ...]:
    """The assumptions the user changed on the page for this profile (widget state), as (column, value)."""
    if not profile:
        return ()
    prefix = f"{DATA_ASSUME}.{profile}."
    return tuple(sorted((k[len(prefix):], v) for k, v in st.session_state.items()
                        if isinstance(k, str) and k.startswith(prefix) and v))


def on_import(data: bytes, name: str, table: str, opts: ImportOptions) -> None:
    """Import button: write, keep the result to show once, and empty the uploader after a success."""
    try:
        with st.spinner(f"Importing {name} into {table} ... all rows or none", show_time=True):
            result = import_file(data, name, table, opts)
    except access.PermissionDenied as exc:  # the role changed since the page was drawn
        result = importer.ImportResult("rejected", table, readers.display_name(name), "", opts.mode,
                                           issues=(importer.Problem("error", str(exc), file=name),))
    st.session_state[IMPORT_KEY] = imported(st.session_state.get(IMPORT_KEY, ImportState()), result, result.ok)


def preview_rows(shown: importer.Preview) -> tuple[pd.DataFrame, dict]:
    """The first rows as they would be stored (mapped columns only; times in the plan's zone), with
    each header naming the column's warehouse type."""
    mapped = [c for c in shown.mapping["column"].dropna() if c in shown.rows.columns]
    rows = local_times(shown.rows[["_line", *mapped]])
    types = _kinds(shown.table)
    config = {"_line": st.column_config.NumberColumn("line", format="%d", width="small")}
    config.update({c: st.column_config.Column(f"{c} · {types.get(c, '?')}") for c in mapped})
    return rows, config


def rejected_download(result: importer.ImportResult, key: str) -> None:
    """The rows with errors as CSV (escaped against formula injection), with their problems."""
    if len(result.rejected):
        st.download_button(f"Rows with errors ({len(result.rejected):,}, CSV)", importer.quarantine_csv(result),
                           file_name=f"rejected-{Path(result.file_name).stem}.csv", mime="text/csv",
                           icon=":material/download:", key=key, on_click="ignore",
                           help="Each row as read, with its line and what is wrong. Fix and upload again.")
