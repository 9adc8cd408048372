"""Source profiles: a tool's export, imported as the tool writes it.

A profile is data, one TOML file per tool under data/sources/ (a team adds its own without code;
`--source path/to/file.toml` reads one from anywhere). It says, for one warehouse table:

- `columns`: table column -> the export's header (or a list of alternative headers). One header may
  feed two columns (PagerDuty's `created_at` is both `started_at` and `detected_at`). `key` names
  the header that is the key when the export has two key-like columns; `ignore` lists headers the
  profile knows and leaves out (no warning for them).
- `values.<column>`: the tool's words -> the table's values, matched case- and space-insensitively
  ("Highest", " highest " and "HIGHEST" are one word); `"*"` maps every other word. A column with a
  value map accepts nothing else: an unknown word is an error naming the profile file to extend.
- `derived.<column>`: a timestamp plus a duration (`from` + `plus`, `unit` for bare numbers): minutes,
  `1h 5m`, `01:05:00`, ISO 8601 `PT1H5M`; or `month_of` (a date, a timestamp or `YYYYMM`) for a
  monthly table.
- `defaults.<column>`: a value for a required column the tool does not export, with its options and
  why. These are the import's *assumptions*: stated in the summary and the preview, changed with
  `--assume COLUMN=VALUE` (the Data page: one choice per assumption).
- `aggregate` (bills: line items summed into the table's grain), `series` (a Prometheus/Grafana range
  query: labels parsed into columns, metrics pivoted into one row per sample) and `currency`.
- `docs` (where the column names come from) and `notes` (what those docs do not say).

`transform(raw, spec, opts, profile, services)` turns a read file into the table's columns before
validation. Every cell keeps its file line, and every column names its original header, so a
problem still reads `file:line:column` in the export's own terms. Nothing here writes.
"""
from __future__ import annotations

import math
import re
import tomllib
import unicodedata
from dataclasses import dataclass, field, replace
from datetime import timedelta
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path
from typing import Any, Sequence

import numpy as np
import pandas as pd

from core.i18n import N_
from data.readers import RawTable
from data.validate import (KPI_TABLES, HeaderMap, ImportOptions, Problem, Rejected, TableSpec, native_text,
                           normalise_header, shown)

SOURCES_DIR = Path(__file__).resolve().parent / "sources"
NAMED = N_("named with --source")   # how a profile was chosen, in its note
CORRECT_PROFILE = N_("correct the profile file")
NO_PROFILE = "none"                       # --source none: the file's headers are the table's columns
TOP_KEYS = {"name", "title", "table", "docs", "notes", "detect", "key", "ignore", "columns", "values", "derived",
            "defaults", "date_format", "aggregate", "series", "currency"}
UNITS = {"seconds": 1 / 60, "minutes": 1.0, "hours": 60.0, "days": 1440.0}


class ProfileError(ValueError):
    """A profile file that cannot be used: the message names the file and the key."""


@dataclass(frozen=True)
class Default:
    value: str
    options: tuple[str, ...] = ()
    why: str = ""


@dataclass(frozen=True)
class Derived:
    column: str
    base: tuple[str, ...] = ()            # headers of the timestamp (first found)
    plus: tuple[str, ...] = ()            # headers of the duration (first found)
    unit: str = "minutes"                 # unit of a bare number
    month_of: tuple[str, ...] = ()        # headers of a date/timestamp/YYYYMM -> first day of its month
    fmt: str | None = None                # month_of: strptime format of a non-ISO date


@dataclass(frozen=True)
class Profile:
    name: str
    title: str
    table: str
    path: Path
    docs: tuple[tuple[str, str], ...]     # (url, page title)
    notes: tuple[str, ...]
    detect: tuple[str, ...]               # normalised headers that must all be present
    key: str | None
    ignore: frozenset[str]                # normalised headers
    columns: dict[str, tuple[str, ...]]   # table column -> candidate headers (as written)
    values: dict[str, dict[str, str]]     # table column -> normalised word -> value
    derived: tuple[Derived, ...]
    defaults: dict[str, Default]
    date_format: str | None = None
    aggregate: dict[str, Any] = field(default_factory=dict)
    series: dict[str, Any] = field(default_factory=dict)
    currency: dict[str, Any] = field(default_factory=dict)

    @property
    def headers(self) -> set[str]:
        """Every normalised header the profile reads (for detection and Excel header rows)."""
        found = {normalise_header(h) for hs in self.columns.values() for h in hs}
        for d in self.derived:
            found |= {normalise_header(h) for h in (*d.base, *d.plus, *d.month_of)}
        for key in ("time", "labels", "value"):
            found |= {normalise_header(h) for h in _as_list(self.series.get(key, []))}
        found |= {normalise_header(h) for h in _as_list(self.currency.get("column", []))}
        return found


# ---------------------------------------------------------------------------
# Loading and checking profile files


def word(text: Any) -> str:
    """A value as value maps compare it: NFKC, case-folded, inner blanks collapsed, outer stripped."""
    return re.sub(r"\s+", " ", unicodedata.normalize("NFKC", str(text))).strip().casefold()


def _as_list(v: Any) -> list:
    return list(v) if isinstance(v, (list, tuple)) else [v]


def _strings(v: Any, where: str) -> tuple[str, ...]:
    items = _as_list(v)
    if not items or not all(isinstance(i, str) and i.strip() for i in items):
        raise ProfileError(f"{where}: expected a header name or a list of them, got {v!r}")
    return tuple(items)


def load(path: Path | str) -> Profile:
    """Read and check one profile file; a bad one raises ProfileError naming the file and the key."""
    path = Path(path)
    try:
        doc = tomllib.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise ProfileError(f"{path}: no such profile file")
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as err:
        raise ProfileError(f"{path}: not valid TOML: {err}")
    p = f"{path.name}"
    unknown = sorted(set(doc) - TOP_KEYS)
    if unknown:
        raise ProfileError(f"{p}: unknown key(s) {', '.join(unknown)}; keys: {', '.join(sorted(TOP_KEYS))}")
    for required in ("table", "columns", "docs"):
        if required not in doc:
            raise ProfileError(f"{p}: missing key '{required}'")
    table = doc["table"]
    if table not in KPI_TABLES:
        raise ProfileError(f"{p}: key 'table': {table!r} is not an importable table")
    docs = []
    for i, d in enumerate(_as_list(doc["docs"])):
        if not (isinstance(d, dict) and isinstance(d.get("url"), str) and isinstance(d.get("title"), str)):
            raise ProfileError(f"{p}: key 'docs[{i}]': expected {{ url = \"...\", title = \"...\" }}")
        docs.append((d["url"], d["title"]))
    if not docs:
        raise ProfileError(f"{p}: key 'docs': cite at least one page the column names come from")
    if not isinstance(doc["columns"], dict):
        raise ProfileError(f"{p}: key 'columns': expected a table of column = \"header\"")
    columns = {c: _strings(h, f"{p}: key 'columns.{c}'") for c, h in doc["columns"].items()}
    values = {}
    for col, table_ in (doc.get("values") or {}).items():
        if not isinstance(table_, dict) or not all(isinstance(v, str) for v in table_.values()):
            raise ProfileError(f"{p}: key 'values.{col}': expected a table of \"tool word\" = \"value\"")
        values[col] = {("*" if k == "*" else word(k)): v for k, v in table_.items()}
    derived = tuple(_derived(col, d, p) for col, d in (doc.get("derived") or {}).items())
    defaults = {}
    for col, d in (doc.get("defaults") or {}).items():
        if isinstance(d, str):
            defaults[col] = Default(d)
        elif isinstance(d, dict) and isinstance(d.get("value"), str):
            opts = tuple(_as_list(d.get("options", [])))
            if opts and d["value"] not in opts:
                raise ProfileError(f"{p}: key 'defaults.{col}.value': {d['value']!r} is not one of its options")
            defaults[col] = Default(d["value"], opts, str(d.get("why", "")))
        else:
            raise ProfileError(f"{p}: key 'defaults.{col}': expected \"value\" or {{ value = \"...\" }}")
    key = doc.get("key")
    if key is not None and (not isinstance(key, str) or not any(word(key) == word(h) for hs in columns.values()
                                                                  for h in hs)):
        raise ProfileError(f"{p}: key 'key': {key!r} is not a header named under [columns]")
    series = doc.get("series") or {}
    if series and not all(k in series for k in ("time", "labels", "value")):
        raise ProfileError(f"{p}: key 'series': needs time, labels and value headers")
    aggregate = doc.get("aggregate") or {}
    if aggregate and not (isinstance(aggregate.get("sum"), str) and isinstance(aggregate.get("by"), list)):
        raise ProfileError(f"{p}: key 'aggregate': needs sum = \"column\" and by = [\"column\", ...]")
    return Profile(name=str(doc.get("name") or path.stem), title=str(doc.get("title") or path.stem), table=table,
                   path=path, docs=tuple(docs), notes=tuple(map(str, _as_list(doc.get("notes", [])))),
                   detect=tuple(normalise_header(h) for h in _as_list(doc.get("detect", []))),
                   key=key, ignore=frozenset(normalise_header(h) for h in _as_list(doc.get("ignore", []))),
                   columns=columns, values=values, derived=derived, defaults=defaults,
                   date_format=doc.get("date_format") or None, aggregate=aggregate, series=series,
                   currency=doc.get("currency") or {})


def _derived(col: str, d: Any, p: str) -> Derived:
    where = f"{p}: key 'derived.{col}'"
    if not isinstance(d, dict):
        raise ProfileError(f"{where}: expected a table (from/plus/unit, or month_of)")
    if "month_of" in d:
        return Derived(col, month_of=_strings(d["month_of"], f"{where}.month_of"), fmt=d.get("format") or None)
    if "from" not in d or "plus" not in d:
        raise ProfileError(f"{where}: needs 'from' (a timestamp header) and 'plus' (a duration header)")
    unit = d.get("unit", "minutes")
    if unit not in UNITS:
        raise ProfileError(f"{where}.unit: {unit!r}; units: {', '.join(UNITS)}")
    return Derived(col, base=_strings(d["from"], f"{where}.from"), plus=_strings(d["plus"], f"{where}.plus"),
                   unit=unit)


def check(profile: Profile, spec: TableSpec) -> list[str]:
    """What in a profile does not fit its table (file and key named): unknown columns mostly."""
    p, names = profile.path.name, set(spec.names)
    out = [f"{p}: key 'columns.{c}': {spec.name} has no column {c!r}" for c in profile.columns if c not in names]
    out += [f"{p}: key 'values.{c}': {spec.name} has no column {c!r}" for c in profile.values if c not in names]
    out += [f"{p}: key 'derived.{d.column}': {spec.name} has no column {d.column!r}" for d in profile.derived
            if d.column not in names]
    out += [f"{p}: key 'defaults.{c}': {spec.name} has no column {c!r}" for c in profile.defaults if c not in names]
    if profile.table != spec.name:
        out.append(f"{p}: key 'table': the profile is for {profile.table}, not {spec.name}")
    return out


def available(folder: Path = SOURCES_DIR) -> tuple[list[Profile], list[str]]:
    """Every profile in the folder, and the errors of those that cannot be read (file and key named)."""
    profiles, errors = [], []
    for path in sorted(folder.glob("*.toml")):
        try:
            profiles.append(load(path))
        except ProfileError as err:
            errors.append(str(err))
    return profiles, errors


def names(folder: Path = SOURCES_DIR) -> list[str]:
    """Profile names (file stems), sorted."""
    return sorted(p.stem for p in folder.glob("*.toml"))


def find(name: str, folder: Path = SOURCES_DIR) -> Profile:
    """A profile by name, or by the path of a .toml file; ProfileError when there is none or it is bad."""
    candidate = Path(name)
    if name.endswith(".toml"):
        return load(candidate)
    path = folder / f"{name}.toml"
    if not path.is_file():
        raise ProfileError(f"no source profile {name!r}; profiles: {', '.join(names(folder))} (or a .toml path)")
    return load(path)


def detect(headers: Sequence[str], table: str, folder: Path = SOURCES_DIR) -> tuple[Profile | None, list[str]]:
    """The profile for `table` whose detect headers are all in the file (most headers read wins), and
    warnings for profile files that could not be read."""
    found = {normalise_header(h) for h in headers}
    profiles, errors = available(folder)
    fits = [p for p in profiles if p.table == table and p.detect and set(p.detect) <= found]
    if not fits:
        return None, errors
    return max(fits, key=lambda p: (len(p.detect), len(p.headers & found))), errors


# ---------------------------------------------------------------------------
# Durations


DURATION_PART = re.compile(r"(\d+(?:\.\d+)?)\s*(d|days?|h|hrs?|hours?|m|mins?|minutes?|s|secs?|seconds?)(?![a-z])", re.I)
ISO_DURATION = re.compile(r"^P(?:(\d+(?:\.\d+)?)D)?(?:T(?:(\d+(?:\.\d+)?)H)?(?:(\d+(?:\.\d+)?)M)?"
                          r"(?:(\d+(?:\.\d+)?)S)?)?$", re.I)
CLOCK = re.compile(r"^(\d+):([0-5]\d)(?::([0-5]\d(?:\.\d+)?))?$")
PART_MINUTES = {"d": 1440.0, "h": 60.0, "m": 1.0, "s": 1 / 60}


def parse_duration(text: Any, unit: str = "minutes") -> timedelta | None:
    """A duration as exports write it, or None when the text is not one.

    A bare number is in `unit` (minutes, seconds, hours or days); `1h 5m`, `2d 3h`, `45 min`, `30s`;
    a clock `01:05:00` (h:mm:ss) or `1:05` (h:mm); ISO 8601 `PT1H5M`, `P1DT2H`, `PT90S`. Negative
    durations are not durations."""
    if text is None or (isinstance(text, float) and math.isnan(text)):
        return None
    if isinstance(text, (int, float, np.integer, np.floating)) and not isinstance(text, bool):
        return timedelta(minutes=float(text) * UNITS[unit]) if text >= 0 else None
    s = str(text).strip()
    if not s:
        return None
    if re.fullmatch(r"\d+(\.\d+)?", s):
        return timedelta(minutes=float(s) * UNITS[unit])
    if m := CLOCK.fullmatch(s):
        return timedelta(hours=int(m[1]), minutes=int(m[2]), seconds=float(m[3] or 0))
    if s[:1] in "Pp" and (m := ISO_DURATION.fullmatch(s)) and any(m.groups()):
        d, h, mi, se = (float(g) if g else 0.0 for g in m.groups())
        return timedelta(days=d, hours=h, minutes=mi, seconds=se)
    parts = DURATION_PART.findall(s)
    if parts and not DURATION_PART.sub("", s).replace(",", "").strip():
        return timedelta(minutes=sum(float(n) * PART_MINUTES[u[0].lower()] for n, u in parts))
    return None


# ---------------------------------------------------------------------------
# The transform: a read file -> the table's columns


@dataclass
class Applied:
    """What a profile made of a file: the new raw table, its header map and what to report."""
    raw: RawTable
    hmap: HeaderMap
    problems: list[Problem]               # file-level (header) problems; row problems are in raw.problems
    notes: list[str]
    assumptions: list[tuple[str, str, tuple[str, ...], str]]  # (column, value, options, why)
    opts: ImportOptions
    profile: str = ""                     # the profile's name


class ProfileMap(HeaderMap):
    """A header map that says how each column was filled (profile, value map, derived, assumed)."""

    def __init__(self, sources: tuple[str, ...], targets: tuple[str | None, ...], hows: tuple[str, ...]):
        object.__setattr__(self, "sources", sources)
        object.__setattr__(self, "targets", targets)
        object.__setattr__(self, "hows", hows)

    def frame(self) -> pd.DataFrame:
        return pd.DataFrame({"source_column": list(self.sources), "column": list(self.targets),
                             "how": list(self.hows)})


def _text(col: pd.Series) -> pd.Series:
    """Cells as text (Excel/Parquet typed cells written as text, ISO for datetimes); empty -> NA."""
    if pd.api.types.is_string_dtype(col.dtype) and col.dtype != object:
        out = col.astype("str")
    else:
        is_text = col.map(lambda v: isinstance(v, str)).astype(bool)
        out = col.where(is_text).astype("str")
        out = out.where(is_text, native_text(col.where(~is_text)))
    out = out.str.strip()
    return out.mask(out == "")


class _Cols:
    """The file's columns by normalised header (first of duplicates), with positions."""

    def __init__(self, raw: RawTable):
        self.raw = raw
        self.by = {}
        for i, h in enumerate(raw.headers):
            self.by.setdefault(normalise_header(h), i)
        self.used: set[int] = set()

    def find(self, candidates: Sequence[str]) -> int | None:
        for h in candidates:
            pos = self.by.get(normalise_header(h))
            if pos is not None:
                return pos
        return None

    def take(self, pos: int) -> pd.Series:
        self.used.add(pos)
        return _text(self.raw.columns[pos].reset_index(drop=True))


def transform(raw: RawTable, spec: TableSpec, opts: ImportOptions, profile: Profile,
              services: Sequence[tuple[str, str]] = (), how: str = NAMED) -> Applied:
    """The file's columns mapped, value-mapped, derived and defaulted into `spec`'s columns.

    Raises Rejected for a profile that does not fit its table. Cell problems (an unknown word, a bad
    duration) are returned in the new raw table's problems, at the export's line and header."""
    bad = check(profile, spec)
    if bad:
        raise Rejected([Problem("error", b, file=raw.file, fix=CORRECT_PROFILE) for b in bad])
    if profile.date_format and not opts.date_format:
        opts = replace(opts, date_format=profile.date_format)
    cols = _Cols(raw)
    out: list[tuple[str, str, pd.Series, int | None, str]] = []   # (column, header, cells, source pos, how)
    problems: list[Problem] = []
    row_problems: list[Problem] = []
    notes = [N_("source profile: {name} ({title}), {how}; column names from {doc} <{url}>").format(
        name=profile.name, title=profile.title, how=how, doc=profile.docs[0][1], url=profile.docs[0][0])]
    if profile.series:
        return _series(raw, spec, opts, profile, cols, notes)
    for column, candidates in profile.columns.items():
        found = [p for p in dict.fromkeys(cols.find([c]) for c in candidates) if p is not None]
        if not found:
            continue
        pos, cells = found[0], cols.take(found[0])
        how = "profile" + (" (key)" if profile.key and pos == cols.find([profile.key]) else "")
        for other in found[1:]:  # an empty cell is filled from the next header that has one
            more = cols.take(other)
            filled = cells.isna() & more.notna()
            if filled.any():
                cells = cells.where(~filled, more)
                notes.append(N_("{column}: {n} empty {header!r} cell(s) filled from {other!r}").format(
                    column=column, n=int(filled.sum()), header=raw.headers[pos], other=raw.headers[other]))
            how += f", else {raw.headers[other]}"
        out.append((column, raw.headers[pos], cells, pos, how))
    for d in profile.derived:
        made = _derive(d, raw, cols, opts, row_problems)
        if made is not None:
            out.append(made)
    out = [_mapped(o, profile, raw, row_problems, notes) for o in out]
    out = [_resolve_services(o, services, notes) if o[0] == "service_id" else o for o in out]
    assumptions = []
    present = {o[0] for o in out}
    chosen = dict(opts.assume)
    for column, default in profile.defaults.items():
        if column in present:
            continue
        value = chosen.get(column, default.value)
        out.append((column, f"{column} (assumed)", pd.Series([value] * raw.n, dtype="str"), None, "assumed"))
        assumptions.append((column, value, default.options, default.why))
    for column, value in chosen.items():
        if column not in profile.defaults and column in spec.names and column not in present:
            out.append((column, f"{column} (assumed)", pd.Series([value] * raw.n, dtype="str"), None, "assumed"))
            assumptions.append((column, value, (), N_("set with --assume")))
    if assumptions:
        notes.append(N_("assumed (not in the export): {values}; change with --assume COLUMN=VALUE").format(
            values=", ".join(f"{c} = {v!r}" for c, v, _, _ in assumptions)))
    dup = [c for c in dict.fromkeys(o[0] for o in out) if sum(o[0] == c for o in out) > 1]
    if dup:
        raise Rejected([Problem("error", N_("{file}: column {column!r} is filled twice (columns and derived)").format(
            file=profile.path.name, column=c), file=raw.file, fix=CORRECT_PROFILE) for c in dup])
    problems += _unknown_headers(raw, cols, profile)
    missing = [c.name for c in spec.columns if c.required and c.name not in {o[0] for o in out}]
    if missing:
        expected = "; ".join(f"{c}: {' or '.join(map(repr, profile.columns.get(c, ())))}" if c in profile.columns
                             else f"{c}: (no header in the profile)" for c in missing)
        problems.append(Problem("error", N_("missing required column(s) {missing} for the {profile} profile; "
                                            "expected {expected}; found {found}").format(
            missing=", ".join(missing), profile=profile.name, expected=expected, found=", ".join(map(repr, raw.headers))),
            file=raw.file, line=raw.header_line,
            fix=N_("export those fields, add a default under [defaults] in {file}, or --assume COLUMN=VALUE").format(
                file=profile.path.name)))
    if profile.aggregate:
        new_raw, hmap = _aggregate(raw, spec, opts, profile, out, row_problems, notes)
    else:
        new_raw, hmap = _table(raw, out, cols, row_problems)
    return Applied(new_raw, hmap, problems, notes, assumptions, opts, profile.name)


def _table(raw: RawTable, out: list, cols: _Cols, row_problems: list[Problem]) -> tuple[RawTable, HeaderMap]:
    """A raw table holding the built columns, then the export's unused columns (ignored)."""
    rest = [i for i in range(len(raw.headers)) if i not in cols.used]
    headers = [o[1] for o in out] + [raw.headers[i] for i in rest]
    columns = [o[2].reset_index(drop=True) for o in out] + [raw.columns[i].reset_index(drop=True) for i in rest]
    letters = ([raw.letters[o[3]] if raw.letters and o[3] is not None else "" for o in out]
               + [raw.letters[i] for i in rest]) if raw.letters else []
    types = ([raw.source_types[o[3]] if raw.source_types and o[3] is not None else "string" for o in out]
             + [raw.source_types[i] for i in rest]) if raw.source_types else []
    new = replace(raw, headers=headers, columns=columns, letters=letters, source_types=types,
                  problems=raw.problems + row_problems)
    hmap = ProfileMap(tuple(headers), tuple([o[0] for o in out] + [None] * len(rest)),
                      tuple([o[4] for o in out] + ["ignored"] * len(rest)))
    return new, hmap


def _unknown_headers(raw: RawTable, cols: _Cols, profile: Profile) -> list[Problem]:
    """Headers neither read nor listed under `ignore`: warned, like any unknown column."""
    read = profile.headers
    return [Problem("warning", N_("unknown column {h!r} is ignored (not in the {profile} profile)").format(
        h=h, profile=profile.name), file=raw.file, line=raw.header_line, column=h or f"#{i + 1}",
                    fix=N_("add it under ignore (or columns) in {file}").format(file=profile.path.name))
            for i, h in enumerate(raw.headers)
            if i not in cols.used and normalise_header(h) not in profile.ignore and normalise_header(h) not in read]


def _mapped(o: tuple, profile: Profile, raw: RawTable, row_problems: list[Problem], notes: list[str]) -> tuple:
    """Apply the column's value map (case- and space-insensitive); unknown words are errors."""
    column, header, cells, pos, how = o
    vmap = profile.values.get(column)
    if not vmap:
        return o
    targets = {word(v): v for v in vmap.values()}
    def one(v: Any) -> Any:
        if v is None or v is pd.NA:
            return pd.NA
        w = word(v)
        return vmap.get(w) or targets.get(w) or vmap.get("*") or None
    mapped = cells.map(one, na_action="ignore")
    unknown = cells.notna() & mapped.isna()
    for row in np.flatnonzero(unknown.to_numpy(dtype=bool)):
        row_problems.append(_at(raw, int(row), pos, header, "error",
                                N_("not a word the {profile} profile knows for {column} (known: {known})").format(
                                    profile=profile.name, column=column,
                                    known=", ".join(sorted(k for k in vmap if k != "*"))),
                                N_("add it under [values.{column}] in {file}").format(column=column,
                                                                                    file=profile.path.name),
                                shown(cells.iloc[row])))
    changed = cells.notna() & mapped.notna() & (cells != mapped)
    if changed.any():
        pairs = pd.DataFrame({"a": cells[changed], "b": mapped[changed]}).value_counts(sort=False)
        listed = ", ".join(f"{a!r} -> {b!r} x{n}" for (a, b), n in list(pairs.items())[:8])
        notes.append(N_("{header} -> {column} mapped by the {profile} profile: {listed}").format(
            header=header, column=column, profile=profile.name, listed=listed + (" ..." if len(pairs) > 8 else "")))
    return column, header, mapped.astype("str").where(mapped.notna()), pos, how + " + value map"


def _resolve_services(o: tuple, services: Sequence[tuple[str, str]], notes: list[str]) -> tuple:
    """Service names as the tool writes them -> the warehouse's service ids (its id or its name,
    compared case- and space-insensitively). Others stay as written (unknown services)."""
    column, header, cells, pos, how = o
    lookup: dict[str, str] = {}
    for sid, name in services:
        lookup.setdefault(word(name), sid)
    for sid, _ in services:
        lookup[word(sid)] = sid
    resolved = cells.map(lambda v: lookup.get(word(v), v), na_action="ignore")
    changed = cells.notna() & (resolved != cells)
    if changed.any():
        pairs = dict(zip(cells[changed], resolved[changed]))
        notes.append(N_("services named as in the warehouse: {listed}").format(
            listed=", ".join(f"{a!r} -> {b!r}" for a, b in list(pairs.items())[:8])))
    return column, header, resolved.astype("str").where(resolved.notna()), pos, how


def _at(raw: RawTable, row: int, pos: int | None, header: str, level: str, rule: str, fix: str,
        value: str | None, at_row: int | None = None) -> Problem:
    """A problem at an export's line and header (Excel: its cell)."""
    line = int(raw.lines[row])
    cell = f"{raw.letters[pos]}{line}" if raw.kind == "xlsx" and pos is not None and raw.letters else None
    return Problem(level, rule, file=raw.file, sheet=raw.sheet, line=line, column=header, cell=cell, value=value,
                   fix=fix, row=row if at_row is None else at_row)


# --- derived columns ---------------------------------------------------------

TS_TEXT = re.compile(r"^(\d{4}-\d{2}-\d{2})[T ](\d{1,2}:\d{2}(?::\d{2}(?:\.\d+)?)?)\s*(Z|[+-]\d{2}:?\d{2})?$", re.I)


def _derive(d: Derived, raw: RawTable, cols: _Cols, opts: ImportOptions,
            row_problems: list[Problem]) -> tuple | None:
    """A derived column: timestamp + duration, or the month of a date."""
    if d.month_of:
        pos = cols.find(d.month_of)
        if pos is None:
            return None
        cells = cols.take(pos)
        months = cells.map(lambda v: _month(v, d.fmt or opts.date_format), na_action="ignore")
        for row in np.flatnonzero((cells.notna() & months.isna()).to_numpy(dtype=bool)):
            row_problems.append(_at(raw, int(row), pos, raw.headers[pos], "error",
                                    N_("not a date, a timestamp or a YYYYMM month"), N_("export ISO 8601 dates"),
                                    shown(cells.iloc[row])))
        return d.column, raw.headers[pos], months.astype("str").where(months.notna()), pos, "derived: month of"
    base_pos, plus_pos = cols.find(d.base), cols.find(d.plus)
    if base_pos is None or plus_pos is None:
        return None
    base, plus = _text(raw.columns[base_pos].reset_index(drop=True)), cols.take(plus_pos)
    cols.used.add(base_pos)
    durations = plus.map(lambda v: parse_duration(v, d.unit), na_action="ignore")
    for row in np.flatnonzero((plus.notna() & durations.isna()).to_numpy(dtype=bool)):
        row_problems.append(_at(raw, int(row), plus_pos, raw.headers[plus_pos], "error",
                                N_("not a duration (a number of {unit}, 1h 5m, 01:05:00 or ISO 8601 PT1H5M)").format(
                                    unit=d.unit), N_("correct the value at the source"), shown(plus.iloc[row])))
    values = [_plus(b, t, opts.date_format) if isinstance(t, timedelta) and isinstance(b, str) else None
              for b, t in zip(base, durations)]
    out = pd.Series(values, dtype="str")
    header = raw.headers[plus_pos]
    return d.column, header, out, plus_pos, f"derived: {raw.headers[base_pos]} + {header}"


def _plus(base: str, delta: timedelta, fmt: str | None) -> str | None:
    """Base time text + a duration, written back in ISO form with the base's own offset (or naive).
    A base that cannot be read yields None: the base column reports it."""
    try:
        if fmt:
            ts = pd.Timestamp(pd.to_datetime(base, format=fmt))
        elif TS_TEXT.match(base) or re.fullmatch(r"\d{4}-\d{2}-\d{2}", base):
            ts = pd.Timestamp(base)
        else:
            return None
    except (ValueError, TypeError):
        return None
    return (ts + delta).strftime(fmt) if fmt else (ts + delta).isoformat()


def _month(v: str, fmt: str | None) -> str | None:
    """First day of the month of a date/timestamp text (ISO, the profile's format) or of YYYYMM."""
    s = str(v).strip()
    if m := re.fullmatch(r"(\d{4})-?(\d{2})", s):
        return f"{m[1]}-{m[2]}-01" if 1 <= int(m[2]) <= 12 else None
    try:
        if fmt and not re.match(r"^\d{4}-\d{2}-\d{2}", s):
            ts = pd.Timestamp(pd.to_datetime(s, format=fmt))
        elif re.match(r"^\d{4}-\d{2}-\d{2}", s):
            ts = pd.Timestamp(s[:10])
        else:
            return None
    except (ValueError, TypeError):
        return None
    return f"{ts.year:04d}-{ts.month:02d}-01"


# --- bills: line items summed into the table's grain ---------------------------------


def _aggregate(raw: RawTable, spec: TableSpec, opts: ImportOptions, profile: Profile, out: list,
               row_problems: list[Problem], notes: list[str]) -> tuple[RawTable, HeaderMap]:
    """Sum `aggregate.sum` over rows with the same `aggregate.by` values (a bill's line items into
    one row per month and budget line). Each summed row keeps the first line it came from."""
    from data.validate import Cells, ColumnSpec, to_number, Ctx
    by, target = list(profile.aggregate["by"]), profile.aggregate["sum"]
    found = {o[0]: o for o in out}
    if target not in found or not all(b in found for b in by):
        return _table(raw, out, _Cols(raw), row_problems)  # the missing-column error is already reported
    amount = found[target]
    col = ColumnSpec(target, "DOUBLE", True, None)
    values, flags = to_number(Cells(amount[2], pd.Series([pd.NA] * raw.n, dtype=object)), col, spec,
                              Ctx(opts, opts.tz or "UTC", pd.Timestamp.now(tz="UTC")))
    for f in flags:
        if f.level == "error":
            for row in f.rows:
                row_problems.append(_at(raw, int(row), amount[3], amount[1], "error", f.rule, f.fix,
                                        shown(amount[2].iloc[row])))
    _currency(raw, profile, row_problems)
    keys = pd.DataFrame({b: found[b][2] for b in by})
    frame = keys.assign(_amount=values, _row=np.arange(raw.n))
    bad_rows = {p.row for p in row_problems if p.level == "error"}
    frame["_amount"] = frame["_amount"].map(lambda v: Decimal(repr(float(v))), na_action="ignore")
    groups = frame.groupby(by, sort=False, dropna=False)
    first = groups["_row"].min().reset_index()
    total = groups["_amount"].agg(lambda v: sum(v.dropna(), Decimal(0)) if v.notna().any() else None)
    total = total.reset_index(drop=True)
    first_rows = first["_row"].to_numpy()
    # problems found at line-item rows move to the summed row that holds them
    group_of = pd.Series(groups.ngroup().to_numpy(), index=frame["_row"].to_numpy())
    order = {g: i for i, g in enumerate(pd.Series(groups.ngroup().to_numpy())[first_rows].to_numpy())}
    moved = [replace(p, row=order[int(group_of[p.row])]) for p in row_problems]
    cols_out = [(b, found[b][1], first[b].astype("str").where(first[b].notna()).reset_index(drop=True),
                 found[b][3], found[b][4]) for b in by]
    summed = total.map(lambda v: str(v.quantize(Decimal("0.01"), ROUND_HALF_UP)) if v is not None else None)
    summed = summed.astype("str")
    cols_out.append((target, amount[1], summed, amount[3], f"summed over line items ({target})"))
    cols_out += [(o[0], o[1], o[2].iloc[first_rows].reset_index(drop=True), o[3], o[4]) for o in out
                 if o[0] not in by and o[0] != target]
    headers = [o[1] for o in cols_out]
    new = replace(raw, headers=headers, columns=[o[2] for o in cols_out],
                  lines=np.asarray(raw.lines)[first_rows].astype(np.int64),
                  letters=[raw.letters[o[3]] if o[3] is not None else "" for o in cols_out] if raw.letters else [],
                  source_types=["string"] * len(cols_out) if raw.source_types else [],
                  problems=raw.problems + moved, ragged=raw.ragged)
    summed_note = (N_("{n} line item(s) summed into {rows} row(s) of {table} by {by}; each row's line is the first "
                      "line item it sums ({bad} line item(s) with errors)") if bad_rows else
                   N_("{n} line item(s) summed into {rows} row(s) of {table} by {by}; each row's line is the first "
                      "line item it sums"))
    notes.append(summed_note.format(n=raw.n, rows=len(first_rows), table=spec.name, by=", ".join(by),
                                    bad=len(bad_rows)))
    return new, ProfileMap(tuple(headers), tuple(o[0] for o in cols_out), tuple(o[4] for o in cols_out))


def _currency(raw: RawTable, profile: Profile, row_problems: list[Problem]) -> None:
    """Every line item must be in the profile's currency (the warehouse holds USD)."""
    if not profile.currency:
        return
    cols = _Cols(raw)
    pos = cols.find(_as_list(profile.currency.get("column", [])))
    if pos is None:
        return
    want = str(profile.currency.get("expect", "USD"))
    cells = _text(raw.columns[pos].reset_index(drop=True))
    for row in np.flatnonzero((cells.notna() & (cells.str.upper() != want.upper())).to_numpy(dtype=bool)):
        row_problems.append(_at(raw, int(row), pos, raw.headers[pos], "error",
                                N_("amount in another currency; the warehouse holds {want}").format(want=want),
                                N_("export the bill in {want}, or convert it before import").format(want=want),
                                shown(cells.iloc[row])))


# --- Prometheus / Grafana range queries: labels into columns, metrics pivoted ------------

LABEL = re.compile(r'([A-Za-z_][A-Za-z0-9_.]*)\s*=\s*"((?:[^"\\]|\\.)*)"')


def parse_labels(text: str) -> dict[str, str] | None:
    """`name{a="1", b="2"}` or `{__name__="name", a="1"}` -> {'__name__': 'name', 'a': '1', 'b': '2'}."""
    s = str(text).strip()
    m = re.fullmatch(r"([A-Za-z_:][A-Za-z0-9_:]*)?\s*\{(.*)\}", s, re.S)
    if not m:
        return {"__name__": s} if re.fullmatch(r"[A-Za-z_:][A-Za-z0-9_:]*", s) else None
    body = m[2].strip()
    labels = {k: v.replace('\\"', '"').replace("\\\\", "\\") for k, v in LABEL.findall(body)}
    if LABEL.sub("", body).replace(",", "").strip():
        return None
    if m[1]:
        labels["__name__"] = m[1]
    return labels


def _epoch_text(v: str) -> str:
    """Unix seconds (or milliseconds) -> ISO UTC text; anything else unchanged."""
    if re.fullmatch(r"\d{9,10}(\.\d+)?", v):
        return pd.Timestamp(float(v), unit="s", tz="UTC").isoformat()
    if re.fullmatch(r"\d{12,13}", v):
        return pd.Timestamp(int(v), unit="ms", tz="UTC").isoformat()
    return v


def _series(raw: RawTable, spec: TableSpec, opts: ImportOptions, profile: Profile, cols: _Cols,
            notes: list[str]) -> Applied:
    """Long-format rows (time, series labels, value) -> one row per (labels' key columns, time) with
    each metric in its column. The first line of each sample row is the line reported for it."""
    s = profile.series
    problems: list[Problem] = []
    found = {k: cols.find(_as_list(s[k])) for k in ("time", "labels", "value")}
    missing = [f"{k}: {' or '.join(map(repr, _as_list(s[k])))}" for k, pos in found.items() if pos is None]
    if missing:
        raise Rejected([Problem("error", N_("missing column(s) for the {profile} profile: {missing}; found {found}").format(
            profile=profile.name, missing="; ".join(missing), found=", ".join(map(repr, raw.headers))),
            file=raw.file, line=raw.header_line,
            fix=N_("export the range query with its time, series labels and value"))])
    time, labels, value = (cols.take(found[k]) for k in ("time", "labels", "value"))
    parsed = labels.map(parse_labels, na_action="ignore")
    label_cols: dict[str, list[str]] = {c: _as_list(l) for c, l in (s.get("label_columns") or {}).items()}
    metrics: dict[str, str] = {word(k) if k != "*" else "*": v for k, v in (s.get("metrics") or {}).items()}
    row_problems: list[Problem] = []
    records: dict[tuple, dict[str, Any]] = {}
    order: list[tuple] = []
    for row in range(raw.n):
        lab = parsed.iloc[row]
        if not isinstance(lab, dict):
            row_problems.append(_at(raw, row, found["labels"], raw.headers[found["labels"]], "error",
                                    N_('not series labels (expected name{{label="value", ...}})').format(),
                                    N_("export the series with its labels"), shown(labels.iloc[row])))
            continue
        keys = {}
        for column, names_ in label_cols.items():
            keys[column] = next((lab[n] for n in names_ if lab.get(n)), None)
            if keys[column] is None:
                row_problems.append(_at(raw, row, found["labels"], raw.headers[found["labels"]], "error",
                                        N_("no label {names} for {column}").format(names=" or ".join(names_),
                                                                                   column=column),
                                        N_("add the label to the query, or map another under series.label_columns "
                                           "in {file}").format(file=profile.path.name), shown(labels.iloc[row])))
        metric = lab.get("__name__", "")
        column = metrics.get(word(metric)) or metrics.get("*")
        if column is None:
            row_problems.append(_at(raw, row, found["labels"], raw.headers[found["labels"]], "error",
                                    N_("metric {metric!r} is not mapped to a column").format(metric=metric),
                                    N_("map it under series.metrics in {file}").format(file=profile.path.name),
                                    shown(labels.iloc[row])))
            continue
        if any(v is None for v in keys.values()):
            continue
        t = _epoch_text(time.iloc[row]) if isinstance(time.iloc[row], str) else None
        key = (*keys.values(), t)
        if key not in records:
            records[key] = {"_row": row, **keys, "_time": t}
            order.append(key)
        rec = records[key]
        if column in rec:
            row_problems.append(_at(raw, row, found["value"], raw.headers[found["value"]], "error",
                                    N_("a second {column} value for the same series and time (line {line})").format(
                                        column=column, line=int(raw.lines[rec["_row"]])),
                                    N_("drop the duplicate sample"),
                                    shown(value.iloc[row])))
            continue
        rec[column] = value.iloc[row]
        rec.setdefault("_value_rows", {})[column] = row
    time_col = s.get("time_column", "sampled_at")
    metric_cols = list(dict.fromkeys(metrics.values()))
    first = [records[k]["_row"] for k in order]
    index_of = {records[k]["_row"]: i for i, k in enumerate(order)}
    # a problem at a raw row is reported at that line, against the sample row holding it (or row 0)
    sample_of = {}
    for i, k in enumerate(order):
        for r in records[k].get("_value_rows", {}).values():
            sample_of[r] = i
    moved = [replace(p, row=sample_of.get(p.row, index_of.get(p.row, 0))) for p in row_problems]
    built = [(c, raw.headers[found["labels"]], pd.Series([records[k][c] for k in order], dtype="str"),
              found["labels"], "series label") for c in label_cols]
    built.append((time_col, raw.headers[found["time"]], pd.Series([records[k]["_time"] for k in order], dtype="str"),
                  found["time"], "profile (series time)"))
    built += [(c, raw.headers[found["value"]], pd.Series([records[k].get(c) for k in order], dtype="str"),
               found["value"], f"series value ({c})") for c in metric_cols if c in spec.names]
    missing_req = [c.name for c in spec.columns if c.required and c.name not in {b[0] for b in built}]
    if missing_req:
        problems.append(Problem("error", N_("missing required column(s) {missing} for the {profile} profile").format(
            missing=", ".join(missing_req), profile=profile.name), file=raw.file,
            fix=N_("correct {file}").format(file=profile.path.name)))
    if not order and moved:  # every row failed: keep one row so the problems have somewhere to live
        first = [0]
        built = [(b[0], b[1], pd.Series([None], dtype="str"), b[3], b[4]) for b in built]
    headers = [b[1] for b in built]
    new = replace(raw, headers=headers, columns=[b[2] for b in built],
                  lines=np.asarray(raw.lines)[first].astype(np.int64) if first else np.zeros(0, dtype=np.int64),
                  letters=[raw.letters[b[3]] for b in built] if raw.letters else [],
                  source_types=["string"] * len(built) if raw.source_types else [],
                  problems=raw.problems + moved)
    notes.append(N_("{n} series value(s) pivoted into {rows} sample row(s) of {table} (one per {labels} and time; "
                    "metrics: {metrics})").format(n=raw.n, rows=len(order), table=spec.name,
                                                  labels=", ".join(label_cols),
                                                  metrics=", ".join(f"{k} -> {v}" for k, v in metrics.items())))
    hmap = ProfileMap(tuple(headers), tuple(b[0] for b in built), tuple(b[4] for b in built))
    return Applied(new, hmap, problems, notes, [], opts, profile.name)


def describe(profile: Profile) -> str:
    """One line for `--help` and the Data page: 'pagerduty: PagerDuty incidents -> incidents'."""
    # Translators: the tool's title is the profile file's English; a translation may leave it out.
    return N_("{name}: {title} -> {table}").format(name=profile.name, title=profile.title, table=profile.table)


def known_headers(table: str, folder: Path = SOURCES_DIR) -> set[str]:
    """Normalised headers the profiles of `table` read (an Excel sheet's header row is found by them)."""
    profiles, _ = available(folder)
    return set().union(*[p.headers for p in profiles if p.table == table]) if profiles else set()


def apply(raw: RawTable, spec: TableSpec, opts: ImportOptions, services: Sequence[tuple[str, str]] = (),
          folder: Path = SOURCES_DIR) -> Applied | None:
    """The profile the options name (or, without one, the one the headers fit) applied to the file;
    None when no profile applies (the headers are the table's columns, as before profiles)."""
    if opts.source == NO_PROFILE:
        return None
    if opts.source:
        try:
            profile = find(opts.source, folder)
        except ProfileError as err:
            raise Rejected([Problem("error", str(err), file=raw.file, fix=N_("name a profile in data/sources/ "
                                                                             "(--source), or correct the profile file"))])
        if profile.table != spec.name:
            raise Rejected([Problem("error", N_("the {profile} profile imports into {table}, not {wanted}").format(
                profile=profile.name, table=profile.table, wanted=spec.name), file=raw.file,
                fix=N_("use --table {table}").format(table=profile.table))])
        return transform(raw, spec, opts, profile, services, NAMED)
    profile, errors = detect(raw.headers, spec.name, folder)
    raw.problems.extend(Problem("warning", N_("a source profile could not be read and was skipped: {error}").format(
        error=e), file=raw.file, fix=CORRECT_PROFILE) for e in errors)
    if profile is None:
        return None
    return transform(raw, spec, opts, profile, services, N_("detected from the headers {headers}").format(
        headers=", ".join(repr(h) for h in raw.headers if normalise_header(h) in set(profile.detect))))
