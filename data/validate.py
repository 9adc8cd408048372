"""Validation for imports: the catalogue, header mapping and typed conversion of cells.

Everything about a table (column types, required columns, keys, checks, foreign keys) is
read from DuckDB's catalogue (duckdb_columns, duckdb_constraints), never from a second
hand-kept copy of schema.sql. Conversion is column-wise and vectorised: each converter
takes the raw cells of one column and returns typed values plus flags (rows and a rule)
that the importer turns into `file:line:column: value: rule` problems.
"""
from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal
from typing import Any

import duckdb
import numpy as np
import pandas as pd

from core.i18n import N_

# Cell texts that mean "empty". Not "none": it is a valid value (impact 'none').
NULL_TOKENS = ("", "NA", "N/A", "n/a", "#N/A", "NULL", "null", "Null", "-", "(blank)", "nan", "NaN")
# The data tables the KPIs read: the only tables an import may write. Only names live here; their
# columns, types, keys and checks are read from the catalogue. App state (import_log,
# saved_scenarios, schema_version ...) is never importable.
KPI_TABLES = ("incidents", "maintenance_windows", "changes", "tickets", "survey_responses", "self_service_sessions",
              "costs_monthly", "business_daily", "active_users_daily", "utilisation_hourly", "database_hourly",
              "utilisation_samples", "routine_tasks", "staff", "certifications", "training_log", "services",
              "backup_runs", "dr_tests", "security_activities", "vendor_outages")
# Date columns that legitimately hold future dates (a certificate expires years ahead).
FUTURE_DATE_COLUMNS = ("expires_on",)
EARLIEST = pd.Timestamp("2000-01-01")
LEVELS = ("error", "warning", "info")


class Rejected(Exception):
    """A whole-file problem (empty, wrong format, too big): carries the problems to report."""

    def __init__(self, problems: list["Problem"]):
        super().__init__("; ".join(p.rule for p in problems))
        self.problems = problems


@dataclass(frozen=True)
class ImportOptions:
    """How to read one file. Every guess the importer refuses to make is a choice here."""
    tz: str | None = None                 # zone of naive timestamps; None: the plan's zone
    date_format: str | None = None        # strptime format, e.g. "%d/%m/%Y %H:%M"; None: ISO 8601
    mode: str = "append"                  # append | upsert | replace
    sheet: str | None = None              # Excel sheet name
    encoding: str | None = None           # None: UTF-8 (with the cp874 rule for Thai exports)
    delimiter: str | None = None          # None: detected from the header line and reported
    decimal: str = "."
    thousands: str | None = None
    null_tokens: tuple[str, ...] = NULL_TOKENS
    confirm_naive: bool = False           # accept naive times mixed with offset times
    dst: str = "reject"                   # reject | shift (non-existent: forward; ambiguous: first)
    buddhist_era: bool = False            # convert years >= 2400 by -543
    pct_scale: str | None = None          # None: percent, flag fractions; "percent"; "fraction" (x100)
    score_scale: int = 5                  # 10: map a 1-10 survey score to 1-5 by ceil(x / 2)
    newer_by: str | None = None           # upsert: update only when this column is newer
    columns: tuple[tuple[str, str], ...] = ()  # explicit (source header, column) mapping
    allow_empty: bool = False             # a header-only file is "nothing to import", not an error
    max_bytes: int = 50 * 2**20
    max_rows: int = 5_000_000
    max_unzipped_bytes: int = 200 * 2**20
    max_problems: int = 10_000
    source: str | None = None             # source profile (data/sources/<name>.toml); None: detect; "none": no profile
    assume: tuple[tuple[str, str], ...] = ()   # (column, value): the profile's assumptions, as chosen
    add_services: bool = False            # services the file names and the warehouse lacks are added
    covers_from: date | None = None      # first local day the file speaks for (data/spans.py); None: inferred
    covers_through: date | None = None   # last local day it speaks for; None: inferred


@dataclass(frozen=True)
class Problem:
    """One reported problem; `row` is the position of the offending row in the file's rows."""
    level: str
    rule: str
    file: str = ""
    sheet: str | None = None
    line: int | None = None
    column: str | None = None
    cell: str | None = None
    value: str | None = None
    fix: str = ""
    row: int | None = None

    def location(self) -> str:
        """`file:line:column`, or `file!sheet!A1:column` for an Excel cell."""
        if self.sheet and self.cell:
            return f"{self.file}!{self.sheet}!{self.cell}" + (f":{self.column}" if self.column else "")
        parts = [self.file] + [str(p) for p in (self.line, self.column) if p is not None]
        return ":".join(parts)

    def format(self) -> str:
        """The one-line form printed by the CLI: `location: value: rule`."""
        text = self.location()
        if self.value is not None:
            text += f": {self.value}"
        text += f": {self.rule}"
        if self.fix:
            text += f" (fix: {self.fix})"
        return text if self.level == "error" else f"{text} [{self.level}]"


@dataclass(frozen=True)
class Flag:
    """Rows of one column that break one rule (expanded to Problems by the importer)."""
    rows: np.ndarray
    column: str
    rule: str
    fix: str = ""
    level: str = "error"
    values: pd.Series | None = None       # what to show instead of the raw cell, by row


def flag(mask: pd.Series | np.ndarray, column: str, rule: str, fix: str = "", level: str = "error",
         values: pd.Series | None = None) -> list[Flag]:
    """A one-element list with a Flag for the True rows of `mask`, or [] when none are."""
    rows = np.flatnonzero(np.asarray(mask, dtype=bool))
    return [Flag(rows, column, rule, fix, level, values)] if len(rows) else []


# ---------------------------------------------------------------------------
# The catalogue


@dataclass(frozen=True)
class ColumnSpec:
    name: str
    data_type: str                        # as DuckDB spells it, e.g. DECIMAL(14,2)
    nullable: bool
    default: str | None                   # SQL text from the catalogue, e.g. "false"
    precision: int | None = None
    scale: int | None = None

    @property
    def kind(self) -> str:
        """text, int, float, decimal, bool, date or timestamp."""
        t = self.data_type.upper()
        for prefix, kind in (("DECIMAL", "decimal"), ("TIMESTAMP", "timestamp"), ("DATE", "date"),
                             ("BOOL", "bool"), ("DOUBLE", "float"), ("FLOAT", "float"), ("REAL", "float")):
            if t.startswith(prefix):
                return kind
        return "int" if t in INT_BOUNDS else "text"

    @property
    def required(self) -> bool:
        return not self.nullable and self.default is None


INT_BOUNDS = {"TINYINT": 2**7, "SMALLINT": 2**15, "INTEGER": 2**31, "BIGINT": 2**63,
              "UTINYINT": 2**8, "USMALLINT": 2**16, "UINTEGER": 2**32, "UBIGINT": 2**64}


@dataclass(frozen=True)
class Check:
    expression: str                       # SQL from the catalogue
    columns: tuple[str, ...]


@dataclass(frozen=True)
class ForeignKey:
    columns: tuple[str, ...]
    ref_table: str
    ref_columns: tuple[str, ...]


@dataclass(frozen=True)
class TableSpec:
    name: str
    columns: tuple[ColumnSpec, ...]
    key: tuple[str, ...]                  # primary key; () when the table has none
    checks: tuple[Check, ...]
    foreign_keys: tuple[ForeignKey, ...]

    def column(self, name: str) -> ColumnSpec:
        return next(c for c in self.columns if c.name == name)

    @property
    def names(self) -> tuple[str, ...]:
        return tuple(c.name for c in self.columns)

    @property
    def natural_key(self) -> tuple[str, ...]:
        """The primary key, or every column for a table without one (a row is its own key)."""
        return self.key or self.names

    @property
    def id_columns(self) -> tuple[str, ...]:
        """Text columns of the key or of a foreign key: read as text, never as numbers."""
        cols = set(self.key) | {c for fk in self.foreign_keys for c in fk.columns}
        return tuple(c.name for c in self.columns if c.name in cols and c.kind == "text")


def quote(identifier: str) -> str:
    """A quoted SQL identifier. Identifiers come from the catalogue only; they cannot be bound."""
    return '"' + identifier.replace('"', '""') + '"'


def importable_tables(con: duckdb.DuckDBPyConnection) -> tuple[str, ...]:
    """The KPI data tables that exist in this warehouse's catalogue, sorted."""
    rows = con.execute("select table_name from duckdb_tables() where schema_name = 'main' "
                       "and database_name = current_database() and not temporary order by 1").fetchall()
    return tuple(r[0] for r in rows if r[0] in KPI_TABLES)


def table_spec(con: duckdb.DuckDBPyConnection, table: str) -> TableSpec:
    """Columns and constraints of `table`, read from DuckDB's catalogue."""
    cols = con.execute(
        "select column_name, data_type, is_nullable, column_default, numeric_precision, numeric_scale "
        "from duckdb_columns() where table_name = $t and schema_name = 'main' "
        "and database_name = current_database() order by column_index", {"t": table}).fetchall()
    if not cols:
        raise KeyError(table)
    cons = con.execute(
        "select constraint_type, expression, constraint_column_names, referenced_table, "
        "referenced_column_names from duckdb_constraints() where table_name = $t and schema_name = 'main' "
        "and database_name = current_database() order by constraint_index", {"t": table}).fetchall()
    return TableSpec(table, tuple(ColumnSpec(n, t, bool(nl), d, p, s) for n, t, nl, d, p, s in cols),
                     key=next((tuple(c[2]) for c in cons if c[0] == "PRIMARY KEY"), ()),
                     checks=tuple(Check(c[1], tuple(dict.fromkeys(c[2]))) for c in cons if c[0] == "CHECK"),
                     foreign_keys=tuple(ForeignKey(tuple(c[2]), c[3], tuple(c[4]))
                                        for c in cons if c[0] == "FOREIGN KEY"))


def referencing(con: duckdb.DuckDBPyConnection, table: str) -> list[tuple[str, ForeignKey]]:
    """Foreign keys of other tables that point at `table` (rows there block deletes here)."""
    rows = con.execute(
        "select table_name, constraint_column_names, referenced_column_names from duckdb_constraints() "
        "where constraint_type = 'FOREIGN KEY' and referenced_table = $t and database_name = current_database()",
        {"t": table}).fetchall()
    return [(t, ForeignKey(tuple(c), table, tuple(r))) for t, c, r in rows]


# ---------------------------------------------------------------------------
# Headers

# Canonical column -> export headers that mean it (normalised form). An alias only applies
# when the canonical column exists in the target table.
ALIASES: dict[str, tuple[str, ...]] = {
    "created_at": ("created", "created_date", "created_on", "creation_date", "date_created", "opened",
                   "opened_at", "open_date", "opened_date", "created_time"),
    "resolved_at": ("resolved", "resolved_date", "resolved_on", "resolution_date", "closed", "closed_at",
                    "closed_date", "date_resolved"),
    "started_at": ("start", "started", "start_time", "start_date", "begin", "began_at", "outage_start"),
    "detected_at": ("detected", "detected_date", "detection_time"),
    "acknowledged_at": ("acknowledged", "acknowledged_date", "ack_at", "ack_time"),
    "first_response_at": ("first_response", "first_response_time", "first_reply_at", "responded_at"),
    "escalated_at": ("escalated", "escalation_time"),
    "submitted_at": ("submitted", "submitted_date", "response_date", "survey_date"),
    "deployed_at": ("deployed", "deploy_time", "deployment_date", "released_at"),
    "finished_at": ("finished", "end_time", "ended_at", "completed_at"),
    "starts_at": ("start", "start_time", "window_start"),
    "ends_at": ("end", "end_time", "window_end"),
    "hour_at": ("hour", "timestamp", "time"),
    "sampled_at": ("timestamp", "time", "sample_time", "sampled", "ts", "datetime"),
    "host_id": ("host", "hostname", "host_name", "instance", "instance_id", "node"),
    "service_id": ("service", "service_code", "app_id", "application_id"),
    "summary": ("short_description", "title", "subject"),
    "score": ("csat", "csat_score", "rating", "satisfaction"),
    "amount_usd": ("amount", "cost", "cost_usd", "spend", "actual", "actual_usd"),
    "revenue_usd": ("revenue", "sales", "sales_usd"),
    "month": ("period", "billing_month"),
    "day": ("date",),
    "cpu_pct": ("cpu", "cpu_utilisation", "cpu_utilization", "cpu_usage"),
    "memory_pct": ("memory", "mem", "mem_pct", "memory_utilisation", "memory_utilization"),
    "disk_pct": ("disk", "disk_utilisation", "disk_utilization", "disk_usage"),
    "priority": ("prio",),
    "severity": ("sev",),
}


def normalise_header(header: str) -> str:
    """`Created Date`, `createdDate`, ` CREATED-DATE ` -> `created_date`; `CPU %` -> `cpu_pct`."""
    text = unicodedata.normalize("NFKC", str(header)).replace("\ufeff", "").strip()
    text = re.sub(r"([a-z0-9])([A-Z])", r"\1_\2", text).lower()
    text = text.replace("%", " pct ").replace("#", " no ")
    return re.sub(r"[^0-9a-z\u0e00-\u0e7f]+", "_", text).strip("_")


def key_aliases(spec: TableSpec) -> dict[str, str]:
    """`id`, `number`, `incident`, `incident_no` -> incident_id for a one-column `<x>_id` key."""
    if len(spec.key) != 1 or not spec.key[0].endswith("_id"):
        return {}
    key = spec.key[0]
    entity = key[:-3]
    return {a: key for a in ("id", "number", "ref", entity, f"{entity}_no", f"{entity}_number")}


def alias_map(spec: TableSpec) -> dict[str, str]:
    """Normalised header -> column of this table: names, key aliases, then common aliases."""
    names = {normalise_header(c): c for c in spec.names}
    aliases = {a: canon for canon, alist in ALIASES.items() if canon in spec.names for a in alist}
    return {**aliases, **key_aliases(spec), **names}


@dataclass(frozen=True)
class HeaderMap:
    """Which source column (by position) feeds which table column."""
    sources: tuple[str, ...]              # the headers as found
    targets: tuple[str | None, ...]       # table column per position, None: ignored

    def position(self, column: str) -> int:
        return self.targets.index(column)

    @property
    def mapped(self) -> dict[str, int]:
        return {t: i for i, t in enumerate(self.targets) if t is not None}

    def frame(self) -> pd.DataFrame:
        """source_column, column, how (exact, alias or ignored) for the Data page."""
        how = ["ignored" if t is None else ("exact" if s == t else "alias")
               for s, t in zip(self.sources, self.targets)]
        return pd.DataFrame({"source_column": list(self.sources), "column": list(self.targets), "how": how})


def map_headers(headers: list[str], spec: TableSpec, opts: ImportOptions) -> tuple[HeaderMap, list[Problem]]:
    """Map found headers to table columns; report duplicates, unknown and missing columns."""
    lookup, user = alias_map(spec), {normalise_header(s): t for s, t in opts.columns}
    problems = [Problem("error", N_("--column maps to {t!r}, which is not a column of {table}").format(t=t, table=spec.name),
                        column=t, fix=N_("columns: {names}").format(names=", ".join(spec.names)))
                for t in user.values() if t not in spec.names]
    targets = [user.get(normalise_header(h)) or lookup.get(normalise_header(h)) for h in headers]
    problems += _duplicate_columns(headers, targets)
    problems += [Problem("warning", N_("unknown column {h!r} is ignored").format(h=h), column=h or f"#{i + 1}",
                         fix=N_("rename it or map it with --column"))
                 for i, (h, t) in enumerate(zip(headers, targets)) if t is None]
    missing = [c.name for c in spec.columns if c.required and c.name not in targets]
    if missing:
        problems.append(Problem("error", N_("missing required column(s) {missing}; expected {expected}; found {found}").format(
                                    missing=", ".join(missing), expected=", ".join(spec.names),
                                    found=", ".join(map(str, headers))),
                                fix=_missing_fix(headers)))
    return HeaderMap(tuple(map(str, headers)), tuple(targets)), problems


def _duplicate_columns(headers: list[str], targets: list[str | None]) -> list[Problem]:
    """'duplicate column 'cost' at positions 2,3' for every column fed twice."""
    out = []
    for target in dict.fromkeys(t for t in targets if t is not None):
        at = [i + 1 for i, t in enumerate(targets) if t == target]
        if len(at) > 1:
            found = ", ".join(repr(headers[i - 1]) for i in at)
            out.append(Problem("error", N_("duplicate column {target!r} at positions {at} ({found})").format(
                target=target, at=",".join(map(str, at)), found=found), column=target, fix=N_("keep one of them")))
    return out


def _missing_fix(headers: list[str]) -> str:
    """A hint when one header holds a delimiter: the file is split on the wrong character."""
    for sep, name in ((";", "';'"), ("\t", "tab"), ("|", "'|'"), (",", "','")):
        if len(headers) == 1 and sep in str(headers[0]):
            return N_("the header looks {name}-separated: set --delimiter").format(name=name)
    return N_("rename the export's headers or map them with --column SOURCE=COLUMN")


# ---------------------------------------------------------------------------
# Cells -> typed values. A column arrives as `text` (str cells, NA elsewhere) and `native`
# (typed cells from Excel or Parquet: numbers, datetimes, booleans; NA elsewhere).


@dataclass
class Ctx:
    """What conversion needs besides the cells: options, the clock, counts across columns."""
    opts: ImportOptions
    tz: str
    now: pd.Timestamp                     # UTC
    naive: dict[str, np.ndarray] = field(default_factory=dict)   # timestamp column -> naive-cell mask
    aware: dict[str, int] = field(default_factory=dict)          # timestamp column -> aware count
    offsets: dict[str, int] = field(default_factory=dict)        # source offsets seen
    date_1904: bool = False               # an Excel workbook on the 1904 date system (serials from 1904-01-01)


@dataclass
class Cells:
    text: pd.Series                       # str dtype
    native: pd.Series                     # object or typed; NA where the cell was text or empty

    @property
    def n(self) -> int:
        return len(self.text)


def split_cells(raw: pd.Series) -> Cells:
    """Separate string cells from typed ones; plain string columns skip the per-cell test."""
    if pd.api.types.is_string_dtype(raw.dtype) and raw.dtype != object:
        return Cells(raw.astype("str"), pd.Series([pd.NA] * len(raw), dtype=object))
    if raw.dtype != object:
        return Cells(pd.Series([pd.NA] * len(raw), dtype="str"), raw)
    is_text = raw.map(lambda v: isinstance(v, str)).astype(bool)
    return Cells(raw.where(is_text).astype("str"), raw.where(~is_text))


FORMULA_PREFIX = re.compile(r"^'(?=[=+\-@\t\r\x00])")


def unescape(text: pd.Series) -> pd.Series:
    """Drop the ' that a safe export put before = + - @ tab CR NUL (only cells starting with ' are touched)."""
    quoted = text.str.startswith("'").fillna(False)
    if not quoted.any():
        return text
    return text.mask(quoted, text[quoted].str.replace(FORMULA_PREFIX, "", regex=True))


def clean_text(text: pd.Series, opts: ImportOptions) -> pd.Series:
    """Strip spreadsheet-escape prefixes and outer blanks; null tokens become NA."""
    text = unescape(text).str.strip()
    return text.mask(text.isin(list(opts.null_tokens)))


def present(s: pd.Series) -> np.ndarray:
    return s.notna().to_numpy(dtype=bool)


def is_a(native: pd.Series, types: tuple[type, ...], exclude: tuple[type, ...] = (bool, np.bool_)) -> pd.Series:
    """Which typed cells are instances of `types` (missing cells never are; bools are not numbers)."""
    def test(v: Any) -> bool:
        return isinstance(v, types) and not isinstance(v, exclude) and not (isinstance(v, float) and np.isnan(v))
    return native.map(test, na_action="ignore").fillna(False).astype(bool)


CONVERTERS: dict[str, Any] = {}  # kind -> converter, filled below the converters


def convert(cells: Cells, col: ColumnSpec, spec: TableSpec, ctx: Ctx) -> tuple[pd.Series, list[Flag]]:
    """Typed values of one column plus the flags raised on the way (incl. empty required cells)."""
    text = clean_text(cells.text, ctx.opts)
    values, flags = CONVERTERS[col.kind](Cells(text, cells.native), col, spec, ctx)
    if col.name in spec.id_columns:
        # Report what cleaning did to ids (outer spaces, NBSP, full-width forms): never silent.
        changed = present(text) & (values != unescape(cells.text)).fillna(False).to_numpy(dtype=bool)
        flags += flag(changed, col.name, N_("id normalised (NFKC, zero-width characters and outer spaces removed)"), level="warning")
    if col.required:
        flags += flag(~present(text) & ~present(cells.native), col.name,
                      N_("required value is empty (or a null token)"), N_("fill it in at the source"))
    return values, flags


# --- text ------------------------------------------------------------------

SCI_ID = re.compile(r"^\d(\.\d+)?[eE]\+\d+$")
CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
# Control, bidi-override and zero-width characters are shown escaped, never rendered.
UNPRINTABLE = re.compile(r"[\x00-\x1f\x7f\xa0\u200b-\u200f\u202a-\u202e\u2066-\u2069\u061c]")
MOJIBAKE = re.compile(r"à¸|à¹|Ã[\u0080-\u00bf]|â€|Â[\u00a0-\u00bf]")


def native_text(native: pd.Series) -> pd.Series:
    """Typed cells as text: integral numbers without '.0', datetimes in ISO form."""
    def one(v: Any) -> Any:
        if v is None or v is pd.NA or (isinstance(v, float) and np.isnan(v)):
            return pd.NA
        if isinstance(v, (float, np.floating)) and float(v).is_integer():
            return str(int(v))
        return v.isoformat() if isinstance(v, (datetime, date)) else str(v)
    return native.map(one).astype("str")


def to_text(cells: Cells, col: ColumnSpec, spec: TableSpec, ctx: Ctx) -> tuple[pd.Series, list[Flag]]:
    """Text as found; id columns are checked and normalised (NFKC, outer blanks)."""
    flags: list[Flag] = []
    nat = present(cells.native)
    if nat.any():
        flags += _native_id_flags(cells.native, col, spec)
    text = cells.text.where(~pd.Series(nat), native_text(cells.native))
    if col.name in spec.id_columns:
        return _id_text(text, col, flags)
    has_control = text.str.contains(CONTROL).fillna(False)
    if has_control.any():  # NUL and other control characters break exports and terminals
        flags += flag(has_control, col.name, N_("control character(s) such as NUL removed from text"), level="warning")
        text = text.str.replace(CONTROL, "", regex=True)
    flags += flag(text.str.contains(MOJIBAKE).fillna(False), col.name,
                  N_("text looks mis-decoded (mojibake such as 'à¸' for Thai)"),
                  N_("export again as UTF-8 or choose the right --encoding"), level="warning")
    return text, flags


def _native_id_flags(native: pd.Series, col: ColumnSpec, spec: TableSpec) -> list[Flag]:
    """Ids that arrive as numbers: fractional ones have already lost digits."""
    if col.name not in spec.id_columns:
        return []
    floats = is_a(native, (float, np.floating))
    lost = floats & native.where(floats).map(lambda v: not float(v).is_integer(), na_action="ignore").eq(True)
    return flag(lost, col.name, N_("id stored as a fractional number (digits lost)"),
                N_("export the id column as text"))


ZERO_WIDTH = re.compile(r"[\u200b-\u200d\u2060\ufeff\u00ad]")


def nfkc(text: pd.Series) -> pd.Series:
    """NFKC, zero-width characters (and soft hyphens) removed, outer blanks: applied only to non-ASCII
    cells (the rest are unchanged by it). An invisible character must not make a second id."""
    wide = text.notna() & ~text.str.isascii().fillna(True).astype(bool)  # missing cells stay missing
    if wide.any():
        text = text.mask(wide, text[wide].map(lambda v: ZERO_WIDTH.sub("", unicodedata.normalize("NFKC", v)).strip()))
    return text


def _id_text(text: pd.Series, col: ColumnSpec, flags: list[Flag]) -> tuple[pd.Series, list[Flag]]:
    """Ids: reject control characters and Excel's scientific notation; report normalisation."""
    flags += flag(text.str.contains(CONTROL).fillna(False), col.name,
                  N_("control character (e.g. NUL) in an id"), N_("remove it at the source"))
    flags += flag(text.str.fullmatch(SCI_ID).fillna(False), col.name,
                  N_("Excel mangled this id column (scientific notation); digits are lost"),
                  N_("export the id column as text"))
    return nfkc(text), flags


# --- numbers ---------------------------------------------------------------

NUMBER = re.compile(r"^[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?$")
CURRENCIES = {"US$": "USD", "$": "USD", "USD": "USD", "฿": "THB", "THB": "THB", "บาท": "THB",
              "€": "EUR", "EUR": "EUR", "£": "GBP", "GBP": "GBP", "¥": "JPY", "JPY": "JPY"}
CURRENCY_RE = re.compile("|".join(re.escape(c) for c in sorted(CURRENCIES, key=len, reverse=True)))


def column_currency(col: ColumnSpec) -> str | None:
    """The currency a money column holds, from its name suffix (`_usd`)."""
    suffix = col.name.rsplit("_", 1)[-1].upper()
    return suffix if suffix in set(CURRENCIES.values()) else None


def to_number(cells: Cells, col: ColumnSpec, spec: TableSpec, ctx: Ctx) -> tuple[pd.Series, list[Flag]]:
    """Numbers from text (explicit locale, symbols only where declared) and from typed cells."""
    text, flags, pct_sign = _strip_symbols(cells.text, col)
    values, more = _parse_numbers(text, col, ctx.opts)
    flags += more
    nat = _native_numbers(cells.native, col)
    values = values.where(~present(nat), nat)
    flags += flag(present(cells.native) & ~present(nat), col.name, N_("not a number"))
    if col.kind == "decimal" and present(nat).any():
        scaled = nat * 10 ** (col.scale or 0)
        off = ((scaled - scaled.round()).abs() > 1e-6 * np.maximum(1.0, scaled.abs())).fillna(False)
        flags += flag(off & np.isfinite(nat), col.name, TOO_PRECISE.format(scale=col.scale), N_("round at the source"))
    values, more = _scale(values, pct_sign, col, ctx.opts)
    return _number_bounds(values, col, flags + more)


def _strip_symbols(text: pd.Series, col: ColumnSpec) -> tuple[pd.Series, list[Flag], np.ndarray]:
    """Remove currency symbols in money columns and '%' in percent columns; flag them elsewhere."""
    flags: list[Flag] = []
    found = text.str.extract(f"({CURRENCY_RE.pattern})", expand=False)
    money = column_currency(col)
    wrong = found.notna() & (found.map(CURRENCIES.get, na_action="ignore") != money)
    flags += flag(wrong & bool(money), col.name, N_("amount in another currency; {column} holds {money}").format(
                      column=col.name, money=money), N_("convert to {money} before import").format(money=money))
    flags += flag(found.notna() & (not money), col.name, N_("currency symbol in a column that is not money"))
    if money:
        flags += flag(found.notna() & ~wrong, col.name, N_("currency symbol stripped; amounts recorded in {money}").format(money=money),
                      level="info")
        text = text.str.replace(CURRENCY_RE, "", regex=True).str.strip()
    pct_sign = text.str.endswith("%").fillna(False).to_numpy(dtype=bool)
    flags += flag(pct_sign & (not col.name.endswith("_pct")), col.name, N_("percent sign in a column that is not a percentage"))
    text = text.str.rstrip("%").str.strip()
    return text, flags, pct_sign


def _parse_numbers(text: pd.Series, col: ColumnSpec, opts: ImportOptions) -> tuple[pd.Series, list[Flag]]:
    """Parse with the declared decimal and thousands separators; nothing else is guessed."""
    accounting = text.str.fullmatch(r"\(.*\)").fillna(False)  # (1,200.00) is -1,200.00
    t = text.mask(accounting, "-" + text.str.slice(1, -1)) if accounting.any() else text
    if opts.thousands:
        group = re.escape(opts.thousands)
        ok_group = t.str.fullmatch(rf"[+-]?\d{{1,3}}({group}\d{{3}})*([{re.escape(opts.decimal)}]\d*)?")
        t = t.where(~ok_group.fillna(False), t.str.replace(opts.thousands, "", regex=False))
    if opts.decimal != ".":
        t = t.str.replace(".", "\x01", regex=False).str.replace(opts.decimal, ".", regex=False)
    good = t.str.fullmatch(NUMBER).fillna(False)
    infinite = t.str.fullmatch(INFINITE_TEXT).fillna(False).to_numpy(dtype=bool)
    bad = present(text) & ~good.to_numpy(dtype=bool) & ~infinite
    flags = flag(bad, col.name, N_("not a number"), _number_fix(text[bad]))
    flags += flag(infinite, col.name, NOT_FINITE, N_("correct the value (an empty cell means unknown)"))
    if col.kind == "decimal":
        flags += _decimal_places(t.where(good), col)
    return pd.to_numeric(t.where(good), errors="coerce").astype("float64"), flags


def _number_fix(bad: pd.Series) -> str:
    """Name the number-format choice that would make these values parse."""
    if bad.str.contains(r"\d[,.]\d{3}\b", regex=True).any():
        return N_("choose number format: --thousands ',' (or '.') and --decimal")
    if bad.str.contains(r"\d,\d", regex=True).any():
        return N_("choose number format: --decimal ','")
    return N_("correct the value")


def _decimal_places(t: pd.Series, col: ColumnSpec) -> list[Flag]:
    """More decimals than the column keeps would be rounded silently by the cast. An exponent counts:
    1.23456e2 is 123.456, three places."""
    digits = t.str.extract(r"\.(\d*)(?:[eE]([+-]?\d+))?$", expand=True)
    exponent = pd.to_numeric(digits[1], errors="coerce").fillna(0).clip(-400, 400)
    fraction = digits[0].str.len().fillna(0)
    sci = t.str.fullmatch(r"[+-]?\d+[eE][+-]?\d+").fillna(False)  # 5e-3: no point, places from the exponent
    places = (fraction - exponent).where(~sci, -pd.to_numeric(t.str.extract(r"[eE]([+-]?\d+)$", expand=False),
                                                              errors="coerce").clip(-400, 400))
    return flag((places > (col.scale or 0)).fillna(False), col.name, TOO_PRECISE.format(scale=col.scale),
                N_("round at the source"))


def _native_numbers(native: pd.Series, col: ColumnSpec) -> pd.Series:
    """Typed numeric cells as float; booleans and datetimes are not numbers (stay NA)."""
    if native.dtype != object:
        return native.astype("float64") if native.dtype.kind in "iuf" else pd.Series(np.nan, index=native.index)
    ok = is_a(native, (int, float, np.integer, np.floating, Decimal))
    return pd.to_numeric(native.where(ok).map(float, na_action="ignore"), errors="coerce").astype("float64")


def _scale(values: pd.Series, pct_sign: np.ndarray, col: ColumnSpec,
           opts: ImportOptions) -> tuple[pd.Series, list[Flag]]:
    """Percent columns hold 0-100; fractions are converted only by explicit choice."""
    if col.name == "score" and opts.score_scale == 10:
        return np.ceil(values / 2), flag(present(values), col.name, N_("score mapped from 1-10 to 1-5 (ceil(x/2))"),
                                         level="info")
    if not col.name.endswith("_pct") or col.kind != "float":
        return values, []
    bare = present(values) & ~pct_sign
    if opts.pct_scale == "fraction":
        outside = bare & ((values < 0) | (values > 1)).to_numpy()
        out = flag(outside, col.name, N_("outside 0-1 (declared fraction scale)"))
        return values.where(~bare, values * 100).where(~outside), out
    return values, [] if opts.pct_scale == "percent" else _mixed_scale(values, bare, col)


def _mixed_scale(values: pd.Series, bare: np.ndarray, col: ColumnSpec) -> list[Flag]:
    """Fractions (0 < x < 1) in a percent column: a 0.85-vs-85 mix, or a fraction-scale file."""
    frac = bare & ((values > 0) & (values < 1)).to_numpy()
    if not frac.any():
        return []
    mixed = (bare & (values > 1).to_numpy()).any()
    rule = (N_("mixed scales: fraction (0-1) among percent (0-100) values") if mixed
            else N_("values look like fractions (0-1) but the column holds percent (0-100)"))
    return flag(frac, col.name, rule, N_("declare the scale: --pct-scale fraction (x100) or percent"))


NOT_FINITE = N_("not a finite number (infinite, or too large for a number)")
TOO_PRECISE = N_("more than {scale} decimal places (would be rounded)")
INFINITE_TEXT = re.compile(r"^[+-]?(inf|infinity)$", re.IGNORECASE)


def _number_bounds(values: pd.Series, col: ColumnSpec, flags: list[Flag]) -> tuple[pd.Series, list[Flag]]:
    """Every number is finite (1e999 overflows to infinity); measurements (durations, volumes, rates:
    every DOUBLE column but money) are not negative; integers are whole and in range; percents 0-100."""
    infinite = np.isinf(values.to_numpy(dtype="float64", na_value=np.nan))
    flags += flag(infinite, col.name, NOT_FINITE, N_("correct the value (an empty cell means unknown)"))
    values = values.mask(infinite)
    # Percents have their own 0-100 rule; money (a bill's credit line) is the table's CHECK's to judge.
    if col.kind == "float" and not col.name.endswith("_pct") and column_currency(col) is None:
        flags += flag((values < 0).fillna(False), col.name, N_("negative measurement (durations, volumes, rates and "
                      "shares are never below 0)"), N_("correct the value at the source"))
    if col.kind == "int":
        limit = INT_BOUNDS[col.data_type.upper()]
        whole = values.isna() | ((values % 1 == 0) & (values.abs() < limit))
        flags += flag(~whole, col.name, N_("not a whole number in {type} range").format(type=col.data_type))
        values = values.where(whole).round().astype("Int64")
    if col.kind == "decimal" and col.precision:
        flags += flag(values.abs() >= 10 ** (col.precision - (col.scale or 0)), col.name, N_("too large for the column"))
    if col.name.endswith("_pct") and col.kind == "float":
        flags += flag((values < 0) | (values > 100), col.name, N_("outside 0-100 percent"))
    return values, flags


# --- booleans --------------------------------------------------------------

TRUE_TEXT = {"true", "t", "yes", "y", "1", "1.0"}
FALSE_TEXT = {"false", "f", "no", "n", "0", "0.0"}


def to_bool(cells: Cells, col: ColumnSpec, spec: TableSpec, ctx: Ctx) -> tuple[pd.Series, list[Flag]]:
    """true/false, yes/no, 1/0 (any case); typed booleans and 0/1 numbers."""
    low = cells.text.str.lower()
    text = low.map(lambda v: True if v in TRUE_TEXT else False if v in FALSE_TEXT else None, na_action="ignore")
    nat = cells.native.map(lambda v: bool(v) if isinstance(v, (bool, np.bool_)) or v in (0, 1) else None,
                           na_action="ignore")
    values = text.where(text.notna(), nat).astype("boolean")
    bad = (present(cells.text) | present(cells.native)) & ~present(values)
    return values, flag(bad, col.name, N_("not a boolean (true/false, yes/no, 1/0)"))


# --- dates and timestamps --------------------------------------------------

ISO_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
ISO_TS = r"^\d{4}-\d{2}-\d{2}(?:[Tt ]\d{1,2}:\d{2}(?::\d{2}(?:\.\d+)?)?)?\s*(?:[Zz]|[+-]\d{2}(?::?\d{2})?)?$"
OFFSET = r"\d:\d{2}(?::\d{2}(?:\.\d+)?)?\s*(?:[Zz]|[+-]\d{2}(?::?\d{2})?)$"
SLASHED = re.compile(r"^\d{1,2}[/.\-]\d{1,2}[/.\-]\d{2,4}(\s.*)?$")
SERIAL = re.compile(r"^\d{1,7}(\.\d+)?$")
EXCEL_EPOCH = pd.Timestamp("1899-12-30")
EXCEL_EPOCH_1904 = pd.Timestamp("1904-01-01")
SERIAL_DATE = N_("Excel serial number converted to a date ({system})")


def serial_to_datetime(serial: pd.Series, date_1904: bool = False) -> pd.Series:
    """Excel serial numbers as naive datetimes: the 1900 system (serials below 61 are pre-2000 anyway),
    or the 1904 system of a workbook that says so."""
    ok = serial.where((serial >= 1) & (serial < 2958466))
    return (EXCEL_EPOCH_1904 if date_1904 else EXCEL_EPOCH) + pd.to_timedelta(ok.round(6), unit="D")


def _system(ctx: "Ctx") -> str:
    return N_("1904 system") if ctx.date_1904 else N_("1900 system")


def _parse_text_times(text: pd.Series, col: ColumnSpec, ctx: Ctx) -> tuple[pd.Series, pd.Series, list[Flag]]:
    """Naive and aware parses of text cells; serials converted; ambiguous and odd forms flagged."""
    named = text.str.endswith(("UTC", "GMT")).fillna(False)
    text = text.mask(named, text.str.slice(0, -3).str.strip() + "Z") if named.any() else text
    fmt = ctx.opts.date_format
    if fmt:
        aware_fmt = "%z" in fmt or "%Z" in fmt
        parsed = pd.to_datetime(text, format=fmt, errors="coerce", utc=aware_fmt)
        bad = present(text) & ~present(parsed)
        flags = flag(bad, col.name, N_("does not match --date-format {fmt}").format(fmt=fmt))
        empty = pd.Series(pd.NaT, index=text.index, dtype="datetime64[us]")
        return (empty, parsed, flags) if aware_fmt else (parsed.astype("datetime64[us]"), _empty_utc(text), flags)
    return _parse_iso(text, col, ctx)


def _empty_utc(like: pd.Series) -> pd.Series:
    return pd.Series(pd.NaT, index=like.index, dtype="datetime64[us, UTC]")


def _empty_naive(like: pd.Series) -> pd.Series:
    return pd.Series(pd.NaT, index=like.index, dtype="datetime64[us]")


def _to_datetime(text: pd.Series, utc: bool) -> pd.Series:
    """ISO 8601 text -> datetimes (aware UTC or naive); cheap when there is nothing to parse."""
    if not text.notna().any():
        return _empty_utc(text) if utc else _empty_naive(text)
    parsed = pd.to_datetime(text, format="ISO8601", errors="coerce", utc=utc)
    return parsed.astype("datetime64[us, UTC]" if utc else "datetime64[us]")


def _parse_iso(text: pd.Series, col: ColumnSpec, ctx: Ctx) -> tuple[pd.Series, pd.Series, list[Flag]]:
    """ISO 8601 (with or without offset) and Excel serials; D/M vs M/D is never guessed."""
    iso = text.str.fullmatch(ISO_TS).fillna(False)
    has_off = iso & text.str.contains(OFFSET).fillna(False)
    naive = _to_datetime(text.where(iso & ~has_off), False)
    aware = _to_datetime(text.where(has_off), True)
    flags: list[Flag] = []
    serial = (text.str.fullmatch(SERIAL).fillna(False) & ~iso).to_numpy(dtype=bool)
    if serial.any():
        numbers = pd.to_numeric(text.where(serial), errors="coerce")
        naive = naive.where(~serial, serial_to_datetime(numbers, ctx.date_1904))
        flags += _serial_flags(numbers, serial, col, ctx)
    rest = present(text) & ~present(naive) & ~present(aware) & ~serial
    slashed = rest & text.str.fullmatch(SLASHED).fillna(False).to_numpy(dtype=bool)
    flags += flag(slashed, col.name, N_("ambiguous date: day/month order is not known"),
                  N_("set --date-format (e.g. %d/%m/%Y) or export ISO 8601 (YYYY-MM-DD)"))
    bad = rest & ~slashed
    flags += flag(bad, col.name, N_("not a date/time (expected ISO 8601, YYYY-MM-DD HH:MM:SS[+07:00])"),
                  N_("set --date-format to the export's format"))
    return naive, aware, flags


def _serial_flags(numbers: pd.Series, serial: np.ndarray, col: ColumnSpec, ctx: Ctx) -> list[Flag]:
    """Report serial conversions; serial 60 is Excel's fake 1900-02-29."""
    fake = serial & (numbers == 60).to_numpy() & (not ctx.date_1904)
    flags = flag(fake, col.name, N_("Excel serial 60 is 1900-02-29, a day that never existed (Excel's 1900 leap-year bug)"),
                 N_("correct the date at the source"))
    flags += flag(serial & ~fake, col.name, SERIAL_DATE.format(system=_system(ctx)), level="info")
    return flags


def _native_times(native: pd.Series, date_1904: bool = False) -> tuple[pd.Series, pd.Series, np.ndarray]:
    """Typed cells as (naive, aware UTC) datetimes; numbers are Excel serials."""
    if not native.notna().any():
        return _empty_naive(native), _empty_utc(native), np.zeros(len(native), bool)
    if native.dtype.kind == "M":
        aware = getattr(native.dt, "tz", None) is not None
        conv = native.astype("datetime64[us, UTC]") if aware else native.astype("datetime64[us]")
        empty = pd.Series(pd.NaT, index=native.index, dtype="datetime64[us]")
        return (empty, conv, np.zeros(len(native), bool)) if aware else (conv, _empty_utc(native), np.zeros(len(native), bool))
    is_num = is_a(native, (int, float, np.number))
    is_aware = is_a(native, (datetime,)) & native.map(lambda v: getattr(v, "tzinfo", None) is not None,
                                                        na_action="ignore").fillna(False).astype(bool)
    is_time = is_a(native, (datetime, date)) & ~is_aware
    naive = pd.to_datetime(native.where(is_time), errors="coerce").astype("datetime64[us]")
    naive = naive.where(~is_num, serial_to_datetime(pd.to_numeric(native.where(is_num), errors="coerce"), date_1904))
    aware = pd.to_datetime(native.where(is_aware), errors="coerce", utc=True).astype("datetime64[us, UTC]")
    return naive, aware, is_num.to_numpy()


def _times(cells: Cells, col: ColumnSpec, ctx: Ctx) -> tuple[pd.Series, pd.Series, list[Flag]]:
    """Naive and aware datetimes from text and typed cells together."""
    naive, aware, flags = _parse_text_times(cells.text, col, ctx)
    n_naive, n_aware, serial = _native_times(cells.native, ctx.date_1904)
    if serial.any():
        flags += flag(serial, col.name, SERIAL_DATE.format(system=_system(ctx)), level="info")
    flags += flag(present(cells.native) & ~present(n_naive) & ~present(n_aware), col.name, N_("not a date/time"))
    return naive.where(present(naive), n_naive), aware.where(present(aware), n_aware), flags


def _buddhist(ts: pd.Series, col: ColumnSpec, ctx: Ctx) -> tuple[pd.Series, list[Flag]]:
    """Years 2400+ are Buddhist Era (Thai): converted by -543 only when chosen."""
    be = (ts.dt.year >= 2400).fillna(False).to_numpy(dtype=bool)
    if not be.any():
        return ts, []
    if not ctx.opts.buddhist_era:
        return ts, flag(be, col.name, N_("year looks Buddhist Era (e.g. 2567 = 2024 CE)"),
                       N_("use --buddhist-era to convert (-543)"))
    shifted = ts.map(lambda t: t.replace(year=t.year - 543) if pd.notna(t) and t.year >= 2400 else t)
    return shifted.astype(ts.dtype), flag(be, col.name, N_("Buddhist Era year converted (-543)"), level="info")


def to_date(cells: Cells, col: ColumnSpec, spec: TableSpec, ctx: Ctx) -> tuple[pd.Series, list[Flag]]:
    """Dates: ISO or the declared format; serials reported; 2000 to a year ahead."""
    naive, aware, flags = _times(cells, col, ctx)
    local = aware.dt.tz_convert(ctx.tz).dt.tz_localize(None).astype("datetime64[us]")
    ts = naive.where(present(naive), local)
    ts, more = _buddhist(ts, col, ctx)
    flags += more + flag(present(ts) & (ts != ts.dt.normalize()).fillna(False).to_numpy(), col.name,
                         N_("has a time of day; the column is a date"))
    latest = (ctx.now.tz_convert(ctx.tz).tz_localize(None) + pd.DateOffset(years=1)).normalize()
    if col.name in FUTURE_DATE_COLUMNS:
        latest = latest + pd.DateOffset(years=49)
    flags += _plausible(ts, col, latest, None)
    return ts.dt.normalize(), flags


def _plausible(ts: pd.Series, col: ColumnSpec, latest: pd.Timestamp, warn_after: pd.Timestamp | None) -> list[Flag]:
    """Before 2000 or past `latest` is an error; past `warn_after` is a warning."""
    early = (ts < (EARLIEST.tz_localize("UTC") if ts.dt.tz is not None else EARLIEST)).fillna(False)
    flags = flag(early, col.name, N_("implausible date (before 2000)"), N_("check the year (Excel serial 60, typos)"))
    flags += flag((ts > latest).fillna(False), col.name, N_("in the future"), N_("check the year or the source clock"))
    if warn_after is not None:
        flags += flag(((ts > warn_after) & (ts <= latest)).fillna(False), col.name,
                      N_("a little in the future (clock skew?)"), level="warning")
    return flags


def to_timestamp(cells: Cells, col: ColumnSpec, spec: TableSpec, ctx: Ctx) -> tuple[pd.Series, list[Flag]]:
    """Instants in UTC: offsets kept as given, naive times read in the file's zone."""
    naive, aware, flags = _times(cells, col, ctx)
    naive, more = _buddhist(naive, col, ctx)
    aware, more2 = _buddhist(aware, col, ctx)
    flags += more + more2
    _count_offsets(cells.text, aware, col, ctx)
    local, more = localise(naive, col, ctx)
    ts = aware.where(present(aware), local)
    flags += more + _plausible(ts, col, ctx.now + pd.Timedelta(days=1), ctx.now + pd.Timedelta(minutes=5))
    return ts, flags


def _count_offsets(text: pd.Series, aware: pd.Series, col: ColumnSpec, ctx: Ctx) -> None:
    """Remember which source offsets were seen (stated in the summary; values are stored in UTC)."""
    ctx.aware[col.name] = int(present(aware).sum())
    if not ctx.aware[col.name]:
        return
    offs = text[present(aware)].str.extract(r"(Z|[+-]\d{2}:?\d{2}|[+-]\d{2})$", expand=False).dropna()
    for off, n in offs.str.upper().replace("Z", "+00:00").value_counts().items():
        ctx.offsets[off] = ctx.offsets.get(off, 0) + int(n)


def localise(naive: pd.Series, col: ColumnSpec, ctx: Ctx) -> tuple[pd.Series, list[Flag]]:
    """Naive local times in the file's zone -> UTC; DST gaps and repeats are never guessed."""
    ctx.naive[col.name] = present(naive)
    strict = naive.dt.tz_localize(ctx.tz, nonexistent="NaT", ambiguous="NaT")
    bad = present(naive) & ~present(strict)
    if not bad.any():
        return strict.dt.tz_convert("UTC").astype("datetime64[us, UTC]"), []
    first = naive.dt.tz_localize(ctx.tz, nonexistent="NaT", ambiguous=np.ones(len(naive), bool))
    gap = bad & ~present(first)
    repeat = bad & present(first)
    if ctx.opts.dst == "shift":
        fixed = naive.dt.tz_localize(ctx.tz, nonexistent="shift_forward", ambiguous=np.ones(len(naive), bool))
        flags = flag(gap, col.name, N_("local time does not exist in {tz} (DST gap); moved forward to the end "
                     "of the gap").format(tz=ctx.tz), level="info")
        flags += flag(repeat, col.name, N_("local time occurs twice in {tz} (DST); first taken").format(tz=ctx.tz),
                      level="info")
        return fixed.dt.tz_convert("UTC").astype("datetime64[us, UTC]"), flags
    flags = flag(gap, col.name, N_("local time does not exist in {tz} (DST gap)").format(tz=ctx.tz),
                 N_("fix the time or use --dst shift"))
    flags += flag(repeat, col.name, N_("local time is ambiguous in {tz} (DST repeat)").format(tz=ctx.tz),
                  N_("add an offset or use --dst shift"))
    return strict.dt.tz_convert("UTC").astype("datetime64[us, UTC]"), flags


def naive_mix_flags(ctx: Ctx) -> list[Flag]:
    """Naive times in a file that also has offset times: rejected unless confirmed."""
    if ctx.opts.confirm_naive or not any(ctx.aware.values()):
        return []
    return [f for col, mask in ctx.naive.items()
            for f in flag(mask, col, N_("time without offset in a file whose other times have offsets "
                             "(would be read as {tz})").format(tz=ctx.tz),
                          N_("add offsets, or confirm with --confirm-naive"))]


def shown(value: Any, limit: int = 60) -> str:
    """A cell as a reader sees it: quoted, control characters escaped, at most `limit` characters."""
    if value is None or value is pd.NA or (isinstance(value, float) and np.isnan(value)):
        return "''"
    text = str(value)
    text = text[:limit - 3] + "..." if len(text) > limit else text
    return "'" + UNPRINTABLE.sub(lambda m: f"\\x{ord(m.group()):02x}" if ord(m.group()) < 256
                                 else f"\\u{ord(m.group()):04x}", text) + "'"


CONVERTERS.update(text=to_text, int=to_number, float=to_number, decimal=to_number, bool=to_bool, date=to_date,
                  timestamp=to_timestamp)
