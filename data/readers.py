"""Readers: upload bytes -> a raw table of cells with their file locations.

The format is decided by the content's signature (magic bytes), never by the name; a name
that claims another format is an error. CSV is read by a strict reader that keeps *file*
line numbers (CR, LF, CRLF and quoted newlines all counted), Excel by openpyxl in read-only
mode with cached formula values, Parquet by pyarrow. Limits (bytes, rows, unzipped bytes)
are checked before anything big is built. Nothing here touches the warehouse.
"""
from __future__ import annotations

import csv
import dataclasses
import io
import re
import unicodedata
import warnings
import zipfile
from dataclasses import dataclass, field
from datetime import datetime

import numpy as np
import pandas as pd

from core.i18n import N_
from data.validate import ImportOptions, Problem, Rejected, shown

# openpyxl warns about styles and extensions it does not read; values are all an import needs. Set
# once here: warnings.catch_warnings around each read would swap the process's filters from the
# session threads that read at once (it is not thread-safe).
warnings.filterwarnings("ignore", category=UserWarning, module=r"openpyxl\.")

SIGNATURES = ((b"PAR1", "parquet"), (b"PK\x03\x04", "zip"), (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1", "ole2"),
              (b"%PDF", "pdf"), (b"\x1f\x8b", "gzip"), (b"\x89PNG", "png"), (b"\xff\xd8\xff", "jpeg"))
CLAIMS = {"csv": "csv", "tsv": "csv", "txt": "csv", "xlsx": "xlsx", "xlsm": "xlsx", "xls": "xlsx",
          "parquet": "parquet", "pq": "parquet"}
DELIMITERS = (",", ";", "\t", "|")
HEADER_SCAN_ROWS = 30
MAX_FIELD_CHARS = 1_048_576           # one CSV cell (the csv module's default is 128 KiB)
MAX_SHEET_COLUMNS = 1_024             # Excel columns read; a value further right is refused, never padded to XFD
# Characters never shown in a file name: controls, bidi overrides, zero-width marks.
WINDOWS_EPOCH_DATE = datetime(1899, 12, 30)  # openpyxl's epoch of the 1900 date system
UNSAFE_NAME = re.compile(r"[\x00-\x1f\x7f\u200b-\u200f\u202a-\u202e\u2066-\u2069\u061c\ufeff]")


@dataclass
class RawTable:
    """The cells of one file by column position, and where each row came from."""
    file: str
    kind: str                             # csv | xlsx | parquet
    headers: list[str]
    columns: list[pd.Series]              # one per header, RangeIndex over the data rows
    lines: np.ndarray                     # per row: file line (CSV), sheet row (Excel), row number (Parquet)
    sheet: str | None = None
    sheets: tuple[str, ...] = ()
    letters: list[str] = field(default_factory=list)  # Excel column letters by position
    header_line: int = 1
    encoding: str | None = None
    delimiter: str | None = None
    source_types: list[str] = field(default_factory=list)  # Parquet: type per column
    problems: list[Problem] = field(default_factory=list)
    ragged: list[tuple[int, list[str]]] = field(default_factory=list)  # (line, fields) of rejected rows
    date_1904: bool = False               # Excel: the workbook counts serial dates from 1904-01-01

    @property
    def n(self) -> int:
        return len(self.lines)


def display_name(name: str | None) -> str:
    """A file name safe to show and log: no path, no control or bidi characters, <= 100 chars."""
    base = re.split(r"[\\/]", unicodedata.normalize("NFKC", name or ""))[-1]
    base = re.sub(r'[<>:"|?*]', "_", UNSAFE_NAME.sub("", base)).strip(" .")
    if len(base) > 100:
        stem, dot, ext = base.rpartition(".")
        base = (stem[: 99 - len(ext)] + dot + ext) if dot and len(ext) <= 10 else base[:100]
    return base or "upload"


def sniff(data: bytes, name: str) -> str:
    """csv, xlsx or parquet from the content; anything else is rejected with what it looks like."""
    if not data:
        raise Rejected([Problem("error", N_("file is empty (0 bytes)"), file=name, fix=N_("export again"))])
    kind = next((k for sig, k in SIGNATURES if data.startswith(sig)), None) or _text_kind(data)
    if kind == "zip":
        kind = _zip_kind(data)
    if kind not in ("csv", "xlsx", "parquet"):
        raise Rejected([Problem("error", N_("this looks like {what}, not a CSV, Excel or Parquet file").format(
            what=WHAT[kind]), file=name, fix=FIXES.get(kind, N_("export the data as CSV, .xlsx or Parquet")))])
    claimed = CLAIMS.get(name.rpartition(".")[2].lower()) if "." in name else None
    if claimed and claimed != kind:
        raise Rejected([Problem("error", N_("named .{extension} but the content is {what}").format(
            extension=name.rpartition(".")[2], what=WHAT[kind]), file=name,
            fix=N_("rename it to match its content, or export again"))])
    return kind


WHAT = {"csv": N_("CSV text"), "xlsx": N_("an Excel workbook (.xlsx)"), "parquet": "Parquet",
        "html": N_("HTML (a web page, perhaps an error or login page)"), "xml": "XML", "json": "JSON",
        "pdf": N_("a PDF"), "gzip": N_("gzip-compressed data"), "png": N_("a PNG image"), "jpeg": N_("a JPEG image"),
        "ole2": N_("an old Excel .xls workbook (or an encrypted .xlsx)"), "zip": N_("a zip archive"),
        "ods": N_("an OpenDocument spreadsheet (.ods)"), "binary": N_("binary data")}
FIXES = {"ole2": N_("open it in Excel and save as .xlsx"), "ods": N_("save it as .xlsx"),
         "gzip": N_("decompress it first"), "html": N_("download the export again (this is not the data)")}
CSV_SYNTAX = N_("CSV syntax: {error}")


def _text_kind(data: bytes) -> str:
    """HTML, XML or JSON under a CSV name; binary data; otherwise CSV."""
    head = data[:512].lstrip(b"\xef\xbb\xbf \t\r\n").lower()
    if head.startswith((b"<!doctype html", b"<html")) or b"<html" in head[:200]:
        return "html"
    if head.startswith(b"<?xml"):
        return "xml"
    if head[:1] in (b"{", b"["):
        return "json"
    sample = data[:4096]
    controls = sum(sample.count(bytes([b])) for b in (*range(0, 9), *range(14, 32)))
    if not sample.startswith((b"\xff\xfe", b"\xfe\xff")) and controls > len(sample) // 10:
        return "binary"  # a stray NUL in a field is a CSV problem; a tenth of control bytes is not text
    return "csv"


def _zip_kind(data: bytes) -> str:
    """An .xlsx is a zip holding xl/workbook.xml; other zips are named for what they are."""
    try:
        names = set(zipfile.ZipFile(io.BytesIO(data)).namelist())
    except zipfile.BadZipFile:
        return "zip"
    if "xl/workbook.xml" in names:
        return "xlsx"
    return "ods" if "content.xml" in names and "mimetype" in names else "zip"


# ---------------------------------------------------------------------------
# Text and CSV


def _line_at(data: bytes, offset: int) -> int:
    """The file line holding byte `offset` (CR, LF and CRLF each end a line)."""
    head = data[:offset].replace(b"\r\n", b"\n").replace(b"\r", b"\n")
    return head.count(b"\n") + 1


def decode(data: bytes, name: str, opts: ImportOptions) -> tuple[str, str, list[Problem]]:
    """Text, the encoding used, and notes. Strict UTF-8 unless chosen; cp874 only for clean Thai."""
    if opts.encoding:
        return _decode_as(data, name, opts.encoding), opts.encoding, []
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        return _decode_as(data, name, "utf-16"), "utf-16", [Problem("info", N_("UTF-16 text (byte-order mark)"),
                                                                                       file=name)]
    try:
        return data.decode("utf-8-sig"), "utf-8", []
    except UnicodeDecodeError as err:
        return _fallback(data, name, err)


def _decode_as(data: bytes, name: str, encoding: str) -> str:
    try:
        return data.decode(encoding)
    except LookupError:
        raise Rejected([Problem("error", N_("unknown encoding {encoding!r}").format(encoding=encoding), file=name,
                                fix=N_("e.g. utf-8, cp874, cp1252"))])
    except UnicodeDecodeError as err:
        raise Rejected([_decode_problem(data, name, err, encoding)])


def _decode_problem(data: bytes, name: str, err: UnicodeDecodeError, encoding: str) -> Problem:
    return Problem("error", N_("not valid {encoding} at byte {at}").format(encoding=encoding, at=err.start), file=name,
                   line=_line_at(data, err.start), value=repr(data[err.start:err.start + 4]),
                   fix=N_("choose --encoding (cp874 for Thai Windows, cp1252)"))


def _fallback(data: bytes, name: str, err: UnicodeDecodeError) -> tuple[str, str, list[Problem]]:
    """cp874 is taken only when it decodes cleanly and yields Thai script; stated as a warning."""
    try:
        text = data.decode("cp874")
    except UnicodeDecodeError:
        text = ""
    # A run of Thai letters, not a stray byte that happens to map to one (cp1252 'é' is Thai in cp874).
    if not re.search(r"[\u0e01-\u0e5b]{3,}", text):
        raise Rejected([_decode_problem(data, name, err, "UTF-8")])
    if not plausible_thai(text):
        # cp1251 (Cyrillic) and other single-byte encodings also decode "cleanly" into Thai code
        # points, but into sequences no Thai writer produces (a vowel sign after a space).
        problem = _decode_problem(data, name, err, "UTF-8")
        rule = N_("{rule}; as cp874 it gives no real Thai words (vowel and tone marks out of place), so the "
                  "encoding is not guessed").format(rule=problem.rule)
        raise Rejected([dataclasses.replace(problem, rule=rule, fix=N_("choose the file's encoding (e.g. cp1251 for "
                                                                       "Cyrillic Windows, cp874 for Thai), or export "
                                                                       "as UTF-8"))])
    note = Problem("warning", N_("not UTF-8 (byte {at}, line {line}); decoded as cp874 (Thai Windows) because it "
                                 "decodes cleanly into Thai text").format(at=err.start, line=_line_at(data, err.start)),
                   file=name, fix=N_("check the preview; set --encoding to override"))
    return text.lstrip("\ufeff"), "cp874", [note]


THAI_LETTER = re.compile(r"[\u0e01-\u0e5b]")
# A vowel or tone mark with no consonant (or mark) before it, or a leading vowel with no consonant
# after it: impossible in Thai, typical of another encoding read as cp874.
THAI_MISPLACED = re.compile(r"(?<![\u0e01-\u0e2e\u0e31\u0e34-\u0e3a\u0e47-\u0e4e])[\u0e31\u0e34-\u0e3a\u0e47-\u0e4e]"
                            r"|[\u0e40-\u0e44](?![\u0e01-\u0e2e])")


def plausible_thai(text: str) -> bool:
    """Whether Thai text is well formed: at most 2 % of its Thai characters out of place (typos)."""
    return len(THAI_MISPLACED.findall(text)) * 50 <= len(THAI_LETTER.findall(text))


def _delimiter(text: str, name: str, opts: ImportOptions) -> tuple[str, list[Problem]]:
    """The declared delimiter, or the most frequent candidate in the header line (reported)."""
    if opts.delimiter:
        return ("\t" if opts.delimiter in ("\\t", "tab") else opts.delimiter), []
    first = re.sub(r'"[^"]*"', "", text.lstrip("\r\n").splitlines()[0] if text.strip() else "")
    best = max(DELIMITERS, key=first.count)
    if first.count(best) == 0 or best == ",":
        return ",", []
    return best, [Problem("info", N_("delimiter {delimiter!r} detected from the header line").format(delimiter=best),
                          file=name, fix=N_("set --delimiter to override"))]


def read_csv(data: bytes, name: str, opts: ImportOptions) -> RawTable:
    """Strict CSV: every record must have the header's field count; lines are file lines."""
    csv.field_size_limit(max(csv.field_size_limit(), MAX_FIELD_CHARS))
    text, encoding, notes = decode(data, name, opts)
    delim, more = _delimiter(text, name, opts)
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delim, strict=True)
    header, header_line = _header(reader, name)
    table = RawTable(name, "csv", header, [], np.zeros(0, int), encoding=encoding, delimiter=delim,
                     header_line=header_line, problems=notes + more)
    rows, lines = _records(reader, table, opts)
    table.columns = [pd.Series(c, dtype="str") for c in zip(*rows)] if rows else [
        pd.Series([], dtype="str") for _ in header]
    table.lines = np.asarray(lines, dtype=np.int64)
    return table


def _header(reader, name: str) -> tuple[list[str], int]:
    """The first non-blank record and its line."""
    try:
        for record in reader:
            if any(f.strip() for f in record):
                return [f.strip() for f in record], reader.line_num
    except csv.Error as err:
        raise Rejected([Problem("error", CSV_SYNTAX.format(error=err), file=name, line=reader.line_num)])
    raise Rejected([Problem("error", N_("file has no header and no data (only blank lines)"), file=name)])


def _records(reader, table: RawTable, opts: ImportOptions) -> tuple[list[list[str]], list[int]]:
    """Data records with their first file line; ragged and blank records are reported."""
    rows, lines, width, prev, blank = [], [], len(table.headers), reader.line_num, 0
    try:
        for record in reader:
            start, prev = prev + 1, reader.line_num
            joined = "".join(record)
            if not joined or joined.isspace():
                blank += 1
            elif len(record) != width:
                table.ragged.append((start, record))
                table.problems.append(Problem("error", N_("line has {n} fields; the header has {width}").format(
                    n=len(record), width=width), file=table.file, line=start, value=None,
                    fix=N_("fix quoting or delimiters")))
            else:
                rows.append(record)
                lines.append(start)
                if len(rows) > opts.max_rows:
                    _check_rows(len(rows), table.file, opts)
    except csv.Error as err:
        if "field limit" in str(err):
            raise Rejected([Problem("error", N_("a field is longer than {limit:,} characters, the importer's limit "
                                                "for one cell").format(limit=MAX_FIELD_CHARS),
                                    file=table.file, line=prev + 1,
                                    fix=N_("shorten the text at the source (or check for an unclosed quote that "
                                           "swallows the rest of the file)"))])
        raise Rejected([Problem("error", CSV_SYNTAX.format(error=err), file=table.file, line=prev + 1,
                                fix=N_("check quotes on this line"))])
    if blank:
        table.problems.append(Problem("info", N_("{n} blank line(s) skipped").format(n=blank), file=table.file))
    return rows, lines


def _check_rows(n: int, name: str, opts: ImportOptions) -> None:
    if n > opts.max_rows:
        raise Rejected([Problem("error", N_("more than {limit:,} rows").format(limit=opts.max_rows), file=name,
                                fix=N_("split the file or raise --max-rows"))])


# ---------------------------------------------------------------------------
# Excel


def _check_zip(data: bytes, name: str, opts: ImportOptions) -> None:
    """Refuse zip bombs: the sum of the entries' uncompressed sizes is capped."""
    total = sum(i.file_size for i in zipfile.ZipFile(io.BytesIO(data)).infolist())
    if total > opts.max_unzipped_bytes:
        raise Rejected([Problem("error", N_("workbook expands to {total:,} bytes, over the {limit:,}-byte limit "
                                            "(zip bomb?)").format(total=total, limit=opts.max_unzipped_bytes),
                                file=name, fix=N_("export fewer rows, or as CSV"))])


def sheet_names(data: bytes) -> tuple[str, ...]:
    """Sheet names of an .xlsx (for the Data page's sheet picker); () when unreadable."""
    try:
        return tuple(_open_workbook(data, "").sheetnames)
    except Rejected:
        return ()


def _open_workbook(data: bytes, name: str):
    import openpyxl  # optional dependency: only Excel uploads need it
    try:
        return openpyxl.load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except Exception as err:  # a corrupt workbook can fail in many ways inside openpyxl
        raise Rejected([Problem("error", N_("not a readable Excel workbook ({kind})").format(kind=type(err).__name__),
                                file=name, fix=N_("open it in Excel and save as .xlsx"))])


def read_xlsx(data: bytes, name: str, opts: ImportOptions, known: set[str]) -> RawTable:
    """One sheet (the user's choice), header row detected by known column names, cached values."""
    _check_zip(data, name, opts)
    wb = _open_workbook(data, name)
    sheet = _choose_sheet(wb.sheetnames, name, opts)
    grid = _sheet_rows(wb[sheet], name, opts)
    wb.close()
    at = _header_row(grid, known)
    table = RawTable(name, "xlsx", [], [], np.zeros(0, int), sheet=sheet, sheets=tuple(wb.sheetnames))
    table.date_1904 = wb.epoch != WINDOWS_EPOCH_DATE
    if table.date_1904:
        table.problems.append(Problem("info", N_("workbook uses the 1904 date system (Excel for Mac): its dates and "
                                                 "serial numbers are counted from 1904-01-01"), file=name, sheet=sheet))
    _fill_from_grid(table, grid, at)
    return table


def _choose_sheet(names: list[str], file: str, opts: ImportOptions) -> str:
    """The chosen sheet; a workbook with several sheets and no choice is an error."""
    if opts.sheet is not None:
        if opts.sheet in names:
            return opts.sheet
        raise Rejected([Problem("error", N_("no sheet named {sheet!r}").format(sheet=opts.sheet), file=file,
                                fix=N_("sheets: {names}").format(names=", ".join(names)))])
    if len(names) == 1:
        return names[0]
    raise Rejected([Problem("error", N_("workbook has {n} sheets; choose one").format(n=len(names)), file=file,
                            fix=N_("--sheet one of: {names}").format(names=", ".join(names)))])


def _sheet_rows(ws, name: str, opts: ImportOptions) -> list[tuple[int, list]]:
    """(sheet row, cells) for non-empty rows; cells are openpyxl read-only cells or None.

    The sheet's XML is parsed directly: only the cells it holds are built, so a stored dimension
    (or a stray cell) reaching XFD1048576 costs nothing. Rows are as wide as their last real cell,
    at most MAX_SHEET_COLUMNS; a value further right is kept as an out-of-range marker (refused
    later with its cell). A formula without a cached value is kept as a cell of type 'f'.
    """
    from openpyxl.cell.read_only import ReadOnlyCell
    from openpyxl.worksheet._reader import FORMULA_TAG, WorkSheetParser

    class Parser(WorkSheetParser):
        def parse_cell(self, element):
            cell = super().parse_cell(element)
            if cell["value"] is None and element.find(FORMULA_TAG) is not None:
                cell["data_type"] = "f"  # a formula the writing tool never calculated
            return cell

    book = ws.parent
    out: list[tuple[int, list]] = []
    with book._archive.open(ws._worksheet_path) as src:
        parser = Parser(src, ws._shared_strings, data_only=True, epoch=book.epoch,
                        date_formats=book._date_formats, timedelta_formats=book._timedelta_formats)
        for number, row in parser.parse():
            kept = [c for c in row if c["value"] is not None or c["data_type"] == "f"]
            if not kept:
                continue
            width = min(max(c["column"] for c in kept), MAX_SHEET_COLUMNS + 1)
            cells: list = [None] * width
            for c in kept:
                cells[min(c["column"], MAX_SHEET_COLUMNS + 1) - 1] = ReadOnlyCell(ws, **c)
            out.append((number, cells))
            _check_rows(len(out) - 1, name, opts)
    return out


def _header_row(grid: list[tuple[int, list]], known: set[str]) -> int:
    """Index of the row with most known column names among the first rows (title rows skipped)."""
    from data.validate import normalise_header
    def score(cells: list) -> int:
        return sum(1 for c in cells if c is not None and isinstance(c.value, str) and normalise_header(c.value) in known)
    scores = [score(cells) for _, cells in grid[:HEADER_SCAN_ROWS]]
    return int(np.argmax(scores)) if scores and max(scores) > 0 else 0


def _fill_from_grid(table: RawTable, grid: list[tuple[int, list]], at: int) -> None:
    """Headers from row `at`, data below it; cell errors (#REF!) reported with their cell."""
    from openpyxl.utils import get_column_letter
    if not grid:
        return
    header_cells = grid[at][1]
    width = max((i + 1 for i, c in enumerate(header_cells) if c is not None), default=0)
    table.headers = [str(c.value).strip() if c is not None else "" for c in header_cells[:width]]
    table.letters = [get_column_letter(i + 1) for i in range(width)]
    table.header_line = grid[at][0]
    if at:
        table.problems.append(Problem("info", N_("header found on row {row}; {n} row(s) above it skipped (titles)").format(
            row=grid[at][0], n=at), file=table.file, sheet=table.sheet))
    body = grid[at + 1:]
    table.lines = np.asarray([r for r, _ in body], dtype=np.int64)
    cols = [[_cell_value(row[i], table, k, table.headers[i]) if i < len(row) else None
             for k, (_, row) in enumerate(body)] for i in range(width)]
    table.columns = [pd.Series(c, dtype=object) for c in cols]
    _report_overflow(table, body, width)


def _cell_value(cell, table: RawTable, row: int, header: str) -> object:
    """A cell's cached value; errors reported; scientific-format numbers as Excel shows them."""
    if cell is None:
        return None
    if cell.data_type == "f":
        table.problems.append(Problem("error", N_("formula without a calculated value (the tool that wrote the "
                                                  "workbook did not calculate it)"), file=table.file, sheet=table.sheet,
                                      column=header, cell=cell.coordinate, value=None, row=row,
                                      fix=N_("open the workbook in Excel or LibreOffice and save it (that stores the "
                                             "values), or paste the column as values")))
        return None
    if cell.data_type == "e":
        table.problems.append(Problem("error", N_("Excel cell error {error}").format(error=cell.value), file=table.file,
                                      sheet=table.sheet, column=header, cell=cell.coordinate, value=shown(cell.value),
                                      row=row, fix=N_("fix the formula in Excel")))
        return None
    value = cell.value
    if isinstance(value, (int, float)) and not isinstance(value, bool) and "E+" in (cell.number_format or "").upper():
        return f"{value:.5E}"
    return value


def _report_overflow(table: RawTable, body: list[tuple[int, list]], width: int) -> None:
    """Values right of the last header column would be silently dropped: each is an error."""
    for k, (_, row) in enumerate(body):
        for c in row[width:]:
            if c is not None:
                rule = (N_("value in a column without a header (beyond column {last:,}, the last one read)")
                        if c.column > MAX_SHEET_COLUMNS else N_("value in a column without a header"))
                table.problems.append(Problem("error", rule.format(last=MAX_SHEET_COLUMNS), file=table.file,
                                              sheet=table.sheet, cell=c.coordinate, value=shown(c.value), row=k,
                                              fix=N_("add a header or delete the value")))


# ---------------------------------------------------------------------------
# Parquet


def read_parquet(data: bytes, name: str, opts: ImportOptions) -> RawTable:
    """Columns with their Parquet types (checked against the schema later); rows capped first."""
    import pyarrow.parquet as pq
    try:
        pf = pq.ParquetFile(io.BytesIO(data))
        meta = pf.metadata
        _check_rows(meta.num_rows, name, opts)
        size = sum(meta.row_group(i).total_byte_size for i in range(meta.num_row_groups))
        if size > opts.max_unzipped_bytes:
            raise Rejected([Problem("error", N_("Parquet data expands to {size:,} bytes, over the limit").format(
                size=size), file=name)])
        arrow = pf.read()
    except Rejected:
        raise
    except Exception as err:  # pyarrow raises several types for corrupt files
        raise Rejected([Problem("error", N_("not a readable Parquet file ({kind}: {error})").format(
            kind=type(err).__name__, error=err), file=name)])
    problems: list[Problem] = []
    columns = [_arrow_to_pandas(arrow.column(i), arrow.column_names[i], name, problems)
               for i in range(arrow.num_columns)]
    return RawTable(name, "parquet", list(arrow.column_names), columns,
                    np.arange(1, arrow.num_rows + 1, dtype=np.int64),
                    source_types=[str(t) for t in arrow.schema.types], problems=problems)


# Instants a date can hold (years 1-9999), in microseconds from the Unix epoch.
US_MIN, US_MAX = -62135596800 * 10**6, 253402300799999999
US_PER = {"s": 10**6, "ms": 10**3, "us": 1}


def _arrow_to_pandas(column, header: str, name: str, problems: list[Problem]) -> pd.Series:
    """One Parquet column as pandas. Timestamps and dates outside years 1-9999 (which pandas and the
    warehouse cannot hold) become empty cells, each refused with its row."""
    import pyarrow as pa
    import pyarrow.compute as pc
    kind = column.type
    if pa.types.is_timestamp(kind) or pa.types.is_date(kind):
        raw = pc.cast(column, pa.int64()).to_numpy(zero_copy_only=False).astype("float64")
        if pa.types.is_timestamp(kind):
            us = raw / 1000 if kind.unit == "ns" else raw * US_PER[kind.unit]
        else:
            us = raw * (86400 * 10**6 if pa.types.is_date32(kind) else 1000)
        outside = (us < US_MIN) | (us > US_MAX)  # NaN (a null) is neither
        if outside.any():
            for row in np.flatnonzero(outside):
                problems.append(Problem("error", N_("date/time outside the years 1-9999 (the file's value cannot be "
                                                    "a real time)"), file=name, line=int(row) + 1, column=header,
                                        row=int(row), value=f"{int(raw[row])} ({kind})",
                                        fix=N_("correct the value at the source")))
            column = pc.if_else(pa.array(~outside), column, pa.nulls(len(column), kind))
        if pa.types.is_timestamp(kind) and kind.unit == "ns":
            column = pc.cast(column, pa.timestamp("us", kind.tz))  # ns overflows pandas past 2262
    return column.to_pandas().reset_index(drop=True)


def read(data: bytes, name: str, opts: ImportOptions, known: set[str]) -> RawTable:
    """Any supported upload, after the size limit and the content-signature check."""
    if len(data) > opts.max_bytes:
        raise Rejected([Problem("error", N_("file is {size:,} bytes, over the {limit:,}-byte limit").format(
            size=len(data), limit=opts.max_bytes), file=name, fix=N_("split the export"))])
    kind = sniff(data, name)
    if kind == "parquet":
        return read_parquet(data, name, opts)
    return read_xlsx(data, name, opts, known) if kind == "xlsx" else read_csv(data, name, opts)
