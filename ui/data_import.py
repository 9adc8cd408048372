"""The Data page's import: files and tool exports previewed, mapped, checked and imported
through data.importer (one transaction), with every problem named by file, line, column and rule.
"""
from __future__ import annotations

import hashlib
import re
from datetime import datetime
from pathlib import Path
from typing import Sequence
from zoneinfo import ZoneInfo, available_timezones

import pandas as pd
import streamlit as st
from babel.dates import get_timezone_gmt, get_timezone_location

from core import i18n
from core.i18n import _, N_, pgettext
from core.plan import Plan
from data import access, catalog, importer, readers, sources, warehouse
from data.validate import ImportOptions, importable_tables
from data.wording import localized

from ui import auth
from ui.cache import LOADER, PLAN_KEY, connection, connection_for, db, forget_results, plan
from ui.formatting import local_time_text, md_text
from ui.state import DATA_ASSUME, IMPORT_KEY, ImportState, imported
from ui.widgets import local_times


DATA_TYPES = ("csv", "parquet", "xlsx")
DATA_UPLOAD_MB = ImportOptions.max_bytes // 2**20  # the importer's limit; .streamlit/config.toml's maxUploadSize too
DATA_MODES = {
    "append": N_("Add the file's new rows. A row whose key is already stored is skipped when identical and "
                 "rejected when it differs."),
    "upsert": N_("Add new rows, and update stored rows that have the same key to the file's values."),
    "replace": N_("Make the table exactly the file: add, update, and delete the stored rows the file does not "
                  "have. A file without data rows never empties a table."),
}
MODE_WORDS = {"append": N_("append"), "upsert": N_("upsert"), "replace": N_("replace")}
DATE_FORMATS = {  # strptime format -> what a cell looks like; "" is ISO 8601, the importer's default
    "": N_("ISO 8601: 2026-01-31 14:30"),
    "%d/%m/%Y %H:%M": N_("day first: 31/01/2026 14:30"),
    "%d/%m/%Y": N_("day first: 31/01/2026"),
    "%m/%d/%Y %H:%M": N_("month first: 01/31/2026 14:30"),
    "%m/%d/%Y": N_("month first: 01/31/2026"),
    "%d.%m.%Y %H:%M": "31.01.2026 14:30",
    "%d-%b-%Y %H:%M": "31-Jan-2026 14:30",
}
ENCODINGS = {"": N_("UTF-8 (default)"), "cp874": N_("Thai Windows (cp874 / TIS-620)"),
             "cp1252": N_("Western Windows (cp1252)")}
DELIMITERS = {"": N_("detect"), ",": N_("comma ,"), ";": N_("semicolon ;"), "\t": N_("tab"), "|": N_("bar |")}
THOUSANDS = {"": N_("none"), ",": N_("comma 1,234.50"), ".": N_("dot 1.234,50"), " ": N_("space 1 234,50")}
PCT_SCALES = {"": N_("as written (85 = 85 %)"), "percent": N_("all percent"), "fraction": N_("fractions (0.85 = 85 %)")}
# The importer's fixes name its CLI flags; on the page they are the choices above the preview. A fix is
# translated before its flags are replaced, so each pattern names the phrase in English and in Thai.
_FLAG_WORDS = (
    (r",? or map (it|them) with --column( SOURCE=COLUMN)?| ?หรือจับคู่ด้วย --column( SOURCE=COLUMN)?", ""),
    (r"--mode upsert", N_("mode 'upsert'")),
    (r"--sheet", N_("choose a Sheet,")),
    (r"--date-format", N_("'Date format'")),
    (r"--encoding", N_("'Text encoding' (More reading options)")),
    (r"--delimiter", N_("'Delimiter' (More reading options)")),
    (r"--thousands", N_("'Thousands separator' (More reading options)")),
    (r"--decimal", N_("'Decimal separator' (More reading options)")),
    (r"--pct-scale", N_("'Percent values' (More reading options)")),
    (r"--buddhist-era", N_("'Buddhist Era years' (More reading options)")),
    (r"--dst shift", N_("'Local times in a DST gap: shift' (More reading options)")),
    (r"--confirm-naive", N_("'Accept times without offset' (More reading options)")),
    (r"--score-scale 10", N_("'Survey scores 1-10' (More reading options)")),
    (r"--allow-empty", N_("'Allow a header-only file' (More reading options)")),
    (r"--add-services", N_("'Add these services' (below the preview)")),
    (r"--assume COLUMN=VALUE", N_("the assumption choices above the preview")),
    (r"raise --max-problems to list them all|เพิ่ม --max-problems เพื่อแสดงทั้งหมด",
     N_("fix these first; the rest are listed after the next upload")),
    (r"raise --max-rows|เพิ่ม --max-rows", N_("import it in parts")),
)
SOURCE_DETECT, SOURCE_NONE = "", sources.NO_PROFILE
PROBLEM_COLUMNS = ["level", "where", "value", "rule", "fix"]
PROBLEM_HEADERS = {"level": (N_("Level"), 70), "where": (N_("Where (file:line:column)"), 190),
                   "value": (N_("Value"), 110), "rule": (N_("Rule broken"), 340), "fix": (N_("How to fix"), 400)}
KIND_WORDS = {"text": N_("text"), "int": N_("whole number"), "float": N_("number"), "decimal": N_("amount"),
              "bool": N_("true/false"), "date": N_("date"), "timestamp": N_("date and time")}
HOW_WORDS = {"exact": N_("same name"), "alias": N_("known alias"), "ignored": N_("not a column of the table: ignored"),
             "assumed": N_("assumed: not in the export (choose above)")}
IMPORT_LOG_HEADERS = {
    "imported_at": N_("When"), "file_name": N_("File"), "table_name": N_("Table"), "mode": N_("Mode"),
    "user_name": N_("User"), "outcome": N_("Outcome"), "rows_read": N_("Read"), "rows_inserted": N_("Inserted"),
    "rows_updated": N_("Updated"), "rows_skipped": N_("Skipped"), "rows_deleted": N_("Deleted"),
    "rows_rejected": N_("Rejected rows"), "content_sha256": N_("Content hash"),
}
OUTCOME_WORDS = {"imported": N_("imported"), "rejected": N_("rejected"), "retry": N_("retry"),
                 "failed": N_("failed")}
LOG_PROBLEM_HEADERS = {"level": N_("Level"), "sheet": N_("Sheet"), "line": N_("Line"), "column": N_("Column"),
                       "cell": N_("Cell"), "value": N_("Value"), "rule": N_("Rule broken"), "fix": N_("How to fix")}
PREVIEW_SPINNER = N_("Reading and checking the file ... nothing is written yet")


def zone_label(zone: str) -> str:
    """A time zone as the reader's language names it: the IANA id in English, CLDR's place name in Thai
    ('เวลาไทย'); UTC as itself, and a zone CLDR places nowhere (Etc/GMT+5) by its offset now (GMT-05:00)."""
    if i18n.language() == i18n.ENGLISH or zone == "UTC":
        return zone
    name = get_timezone_location(zone, locale=i18n.locale_name())
    nowhere = get_timezone_location("UTC", locale=i18n.locale_name()).split(" (")[0]  # CLDR's "unknown region"
    if not name.startswith(nowhere):
        return name
    return get_timezone_gmt(datetime.now(ZoneInfo(zone)), locale=i18n.locale_name())


def level_word(level: str) -> str:
    """A problem's level as the page names it; its own context, for "warning" is a threshold's elsewhere."""
    words = {"error": i18n.pgettext("problem level", "error"), "warning": i18n.pgettext("problem level", "warning"),
             "info": i18n.pgettext("problem level", "info")}
    return words.get(level, level)


def choice_label(labels: dict[str, str]):
    """A format_func for a picker whose option values are keys of `labels` (values stay English)."""
    return lambda key: _(labels[key]) if key in labels else key


def problem_config() -> dict:
    """The problems table's column headers in the reader's language."""
    return {key: st.column_config.TextColumn(_(label), width=width) for key, (label, width) in PROBLEM_HEADERS.items()}


def import_log_config() -> dict:
    """The import log's column headers in the reader's language."""
    config: dict = {key: _(label) for key, label in IMPORT_LOG_HEADERS.items()}
    config["imported_at"] = st.column_config.DatetimeColumn(_("When"), format="YYYY-MM-DD HH:mm")
    config["content_sha256"] = st.column_config.TextColumn(_("Content hash"),
                                                           help=_("SHA-256 of the file (first 12 characters)"))
    return config


@st.cache_data(hash_funcs=PLAN_KEY, max_entries=4, show_spinner=False)
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
    """The problems one logged attempt reported (not cached: small, and read on a click), in the
    reader's language: they are stored as the importer wrote them, in English."""
    frame = warehouse.query(connection(), "import_problems", import_id=import_id)
    frame = frame.drop(columns=["problem_no"]).rename(columns={"column_name": "column"})
    frame["level"] = frame["level"].map(level_word)
    frame["rule"] = frame["rule"].map(localized)
    frame["fix"] = frame["fix"].map(lambda fix: page_words(localized(fix)) if fix else fix)
    return frame


def log_problem_config() -> dict:
    """The logged problems' column headers in the reader's language."""
    return {key: _(label) for key, label in LOG_PROBLEM_HEADERS.items()}


def page_words(text: str | None) -> str:
    """An importer fix as the Data page words it: each CLI flag becomes the page choice it stands for."""
    out = text or ""
    for pattern, words in _FLAG_WORDS:
        out = re.sub(pattern, _(words) if words else words, out)
    return out


def date_format_error(fmt: str | None) -> str | None:
    """Why a typed date format cannot be used (pandas refuses unknown % codes), None when it can."""
    if not fmt:
        return None
    try:
        pd.to_datetime(pd.Series(["2026-01-31"]), format=fmt, errors="coerce")
    except ValueError as err:
        return _("**{fmt!r} is not a date format:** {error}. Use strptime codes such as %d (day), %m (month), "
                 "%Y (year), %H:%M (time), or choose one from the list.").format(fmt=fmt, error=err)
    return None


def source_choices() -> list[str]:
    """The Source tool picker's options: detect, none, then every profile in data/sources/."""
    return [SOURCE_DETECT, SOURCE_NONE, *sources.names()]


def source_label(name: str) -> str:
    """'Detect from the headers', 'None: ...', or 'pagerduty: PagerDuty incidents -> incidents'."""
    if name == SOURCE_DETECT:
        return _("Detect from the headers")
    if name == SOURCE_NONE:
        return _("None: the headers are the table's column names")
    try:
        return localized(sources.describe(sources.find(name)))
    except sources.ProfileError:
        return _("{name} (cannot be read)").format(name=name)


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
    grain = _(catalog.table_grains().get(table, ""))
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
    with st.spinner(_(PREVIEW_SPINNER)):
        return _preview(db(), hashlib.sha256(data).hexdigest(), name, table, opts, auth.importer_actor(), data)


def import_file(data: bytes, name: str, table: str, opts: ImportOptions) -> importer.ImportResult:
    """The app's one way to write an import: all or nothing on the process's one connection, logged
    under the user's name; every cached result is dropped so each page reads the new rows."""
    result = importer.run_import(connection(), data, name, table, opts, user=auth.scenario_author(),
                                     actor=auth.importer_actor())
    forget_results()  # after a rejection too: the import log gained a row
    return result


def problems_table(issues: Sequence) -> pd.DataFrame:
    """Problems as the page lists them, in the reader's language: level, where (file:line:column), value,
    rule, fix. Where and value are the file's own and stay as found."""
    return pd.DataFrame({"level": [level_word(p.level) for p in issues],
                         "where": [p.location() for p in issues],
                         "value": [p.value for p in issues], "rule": [localized(p.rule) for p in issues],
                         "fix": [page_words(localized(p.fix)) for p in issues]}, columns=PROBLEM_COLUMNS)


def problem_counts(issues: Sequence) -> dict[str, int]:
    """How many errors, warnings and notes."""
    return {level: sum(p.level == level for p in issues) for level in ("error", "warning", "info")}


def _kinds(table: str) -> dict[str, str]:
    """Column -> its type in words ('date and time' for TIMESTAMPTZ)."""
    return {c.name: _(KIND_WORDS[c.kind]) if c.kind in KIND_WORDS else c.data_type
            for c in catalog.table_spec(connection(), table).columns}


def mapping_table(shown: importer.Preview) -> pd.DataFrame:
    """Header mapping: source header -> warehouse column, its type, and how it was matched."""
    spec = _kinds(shown.table)
    source, column, kind, how = _("source header"), _("warehouse column"), _("type"), _("how")
    frame = shown.mapping.rename(columns={"source_column": source, "column": column, "how": how})
    frame.insert(2, kind, frame[column].map(spec))
    frame[how] = frame[how].map(lambda h: _(HOW_WORDS[h]) if h in HOW_WORDS else h)
    return frame


def preview_counts(dry: importer.ImportResult) -> list[tuple[str, str, str]]:
    """(label, value, help) tiles for what the import would do (with errors: how many rows have them)."""
    read = (_("Rows read"), i18n.number(dry.rows_read), _("Data rows in the file (or sheet), header excluded."))
    if dry.outcome != "dry_run":
        return [read,
                (_("Rows with errors"), i18n.number(dry.rows_rejected),
                 _("Download them below, with what is wrong in each.")),
                (_("Rows without errors"), i18n.number(max(dry.rows_read - dry.rows_rejected, 0)),
                 _("Nothing is imported until every row is right: an import is all or nothing."))]
    tiles = [read,
             (_("Would insert"), i18n.number(dry.inserted), _("Rows whose key is not in the table yet.")),
             (_("Would update"), i18n.number(dry.updated), _("Stored rows with the same key and other values (upsert, "
                                                              "replace). In append mode these are errors.")),
             (_("Would skip"), i18n.number(dry.skipped_identical + dry.skipped_older),
              _("Rows already stored exactly so: importing them again changes nothing."))]
    if dry.mode == "replace":
        tiles.append((_("Would delete"), i18n.number(dry.deleted),
                      _("Stored rows the file does not have (replace mode).")))
    return tiles


def import_verdict(dry: importer.ImportResult) -> tuple[str, str]:
    """(kind, text): what the preview means and what to do next."""
    n = problem_counts(dry.issues)
    if dry.outcome == "failed":
        return "error", _("**The file could not be checked** (an internal error, logged on the server). Nothing "
                          "was written. Report it with the file.")
    if n["error"]:
        head = (_("**{errors} error(s) in {rows} row(s): nothing can be imported yet.** Fix them in the source file "
                  "or change a reading choice above, then upload again; an import is all or nothing.")
                if dry.rows_rejected else
                _("**{errors} error(s): nothing can be imported yet.** Fix them in the source file or change a "
                  "reading choice above, then upload again; an import is all or nothing."))
        first = [p for p in dry.issues if p.level == "error"][:3]
        listed = "".join(f"\n- {md_text(p.location())}" + (f" {md_text(p.value)}" if p.value is not None else "")
                         + f": {md_text(localized(p.rule))}" for p in first)
        more = ("\n\n" + _("... and {n} more in the table below.").format(n=i18n.number(n["error"] - len(first)))
                if n["error"] > len(first) else "")
        return "error", head.format(errors=i18n.number(n["error"]), rows=i18n.number(dry.rows_rejected)) + listed + more
    changes = dry.inserted + dry.updated + dry.deleted
    if not changes:
        return "info", _("**Every row is already in the warehouse as it is:** importing changes nothing.")
    if n["warning"]:
        return "success", _("**No errors: ready to import.** Check the first rows and the counts, then import. Read "
                            "the {n} warning(s) below first.").format(n=n["warning"])
    return "success", _("**No errors: ready to import.** Check the first rows and the counts, then import.")


def import_ready(dry: importer.ImportResult) -> bool:
    """Whether the Import button is on: no errors, and something would change."""
    return dry.outcome == "dry_run" and bool(dry.inserted + dry.updated + dry.deleted)


def import_button_label(dry: importer.ImportResult) -> str:
    if dry.outcome != "dry_run":
        return _("Import (fix the errors first)")
    parts = [words.format(n=i18n.number(n)) for n, words in ((dry.inserted, _("{n} new")),
                                                             (dry.updated, _("{n} updated")),
                                                             (dry.deleted, _("{n} deleted"))) if n]
    if not parts:
        return _("Import into {table}: nothing changes").format(table=dry.table)
    return _("Import into {table}: {changes}").format(table=dry.table, changes=", ".join(parts))


def import_result_text(result: importer.ImportResult) -> tuple[str, str]:
    """(kind, text) for a confirmed import's outcome."""
    if result.ok:
        counts = {"inserted": i18n.number(result.inserted), "updated": i18n.number(result.updated),
                  "skipped": i18n.number(result.skipped_identical + result.skipped_older),
                  "deleted": i18n.number(result.deleted)}
        said = (_("**Imported {file} into {table}** ({mode}): {inserted} inserted, {updated} updated, {skipped} "
                  "skipped as already stored, {deleted} deleted. Every page now reads the new data.")
                if result.deleted else
                _("**Imported {file} into {table}** ({mode}): {inserted} inserted, {updated} updated, {skipped} "
                  "skipped as already stored. Every page now reads the new data."))
        notes = "".join(f"\n- {md_text(localized(n))}" for n in result.notes)
        return "success", said.format(file=md_text(result.file_name), table=result.table,
                                      mode=_(MODE_WORDS.get(result.mode, result.mode)), **counts) + notes
    said = (_("**{file} was not imported** ({n} error(s)); the warehouse is unchanged. Another import wrote the same "
              "rows at the same time: import again.") if result.outcome == "retry" else
            _("**{file} was not imported** ({n} error(s)); the warehouse is unchanged."))
    return "error", said.format(file=md_text(result.file_name), n=len(result.errors))


def import_log_display(log: pd.DataFrame) -> pd.DataFrame:
    """The log as read on the page: local time, short hash, counts."""
    out = local_times(log.drop(columns=["import_id"]))
    out["content_sha256"] = out["content_sha256"].str[:12]
    out["outcome"] = out["outcome"].map(lambda o: _(OUTCOME_WORDS[o]) if o in OUTCOME_WORDS else o)
    out["mode"] = out["mode"].map(lambda m: _(MODE_WORDS[m]) if m in MODE_WORDS else m)
    return out


def import_log_line(log: pd.DataFrame) -> str:
    """'3 import attempts; the latest: new.csv into tickets, imported, 27 Nov 2026 11:04 (ana)'."""
    last = log.iloc[0]
    when = local_time_text(last["imported_at"], plan().timezone)
    said = i18n.ngettext("**{n} import attempt**; the latest: **{file}** into {table}, {outcome}, {when} ({user})",
                         "**{n} import attempts**; the latest: **{file}** into {table}, {outcome}, {when} ({user})",
                         len(log))
    outcome = last["outcome"]
    return said.format(n=i18n.number(len(log)), file=last["file_name"], table=last["table_name"],
                       outcome=_(OUTCOME_WORDS[outcome]) if outcome in OUTCOME_WORDS else outcome, when=when,
                       user=last["user_name"])


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
        with st.spinner(_("Importing {file} into {table} ... all rows or none").format(file=name, table=table),
                        show_time=True):
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
    config = {"_line": st.column_config.NumberColumn(pgettext("file", "line"), format="%d", width="small")}
    config.update({c: st.column_config.Column(f"{c} · {types.get(c, '?')}") for c in mapped})
    return rows, config


def rejected_download(result: importer.ImportResult, key: str) -> None:
    """The rows with errors as CSV (escaped against formula injection), with their problems."""
    if len(result.rejected):
        st.download_button(_("Rows with errors ({n}, CSV)").format(n=i18n.number(len(result.rejected))),
                           importer.quarantine_csv(result),
                           file_name=f"rejected-{Path(result.file_name).stem}.csv", mime="text/csv",
                           icon=":material/download:", key=key, on_click="ignore",
                           help=_("Each row as read, with its line and what is wrong. Fix and upload again."))
