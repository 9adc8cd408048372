"""Adversarial inputs beyond shared/import-bad-inputs.md: each is a clear refusal naming its place with the
warehouse unchanged, or a correct import; never silent, never a traceback."""
from __future__ import annotations

import io
import os
import signal
import subprocess
import sys
import time
import zipfile
from datetime import datetime
from pathlib import Path

import openpyxl
import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from openpyxl.utils.datetime import CALENDAR_MAC_1904

from data import rollups
from data.importer import sweep_uploads
from data.warehouse import connect
from tests.test_importer import INCIDENT_HEAD, ROOT, imp, rows, seeded

CHANGES = ["change_id", "service_id", "category", "deployed_at"]


@pytest.fixture
def con():
    return seeded()


def book(grid: list[list], setup=None) -> bytes:
    """An .xlsx built in memory; `setup(ws, wb)` adjusts it before saving."""
    wb = openpyxl.Workbook()
    ws = wb.active
    for row in grid:
        ws.append(row)
    if setup:
        setup(ws, wb)
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def data_rows(con) -> tuple:
    """Everything an import could have changed in the tables these tests write."""
    return tuple(rows(con, f"select count(*), coalesce(sum(hash(t)::hugeint), 0) from {t} t")[0]
                 for t in ("changes", "staff", "utilisation_hourly", "costs_monthly", "incidents"))


def test_xlsx_whose_used_range_reaches_xfd1048576_is_read_fast(con):
    """A styled empty cell at XFD1048576 makes the stored dimension A1:XFD1048576 (1.7e10 cells). Only the
    cells the sheet holds are read: the import finishes in seconds and stores the one real row."""
    def far(ws, wb):
        ws["XFD1048576"].number_format = "0.00"  # a cell with a style and no value
    data = book([CHANGES, ["CHG-1", "web", "standard", "2025-01-03 09:00"]], far)
    sheet_xml = zipfile.ZipFile(io.BytesIO(data)).read("xl/worksheets/sheet1.xml")
    assert b'<dimension ref="A1:XFD1048576"' in sheet_xml
    start = time.monotonic()
    result = imp(con, data, "changes", "wide.xlsx")
    assert time.monotonic() - start < 10
    assert result.outcome == "imported" and rows(con, "select change_id from changes") == [("CHG-1",)]


def test_xlsx_value_far_right_is_refused_with_its_cell(con):
    """A real value at XFD2 (beyond the columns read) is refused naming sheet!cell, not dropped."""
    def far(ws, wb):
        ws["XFD2"] = "stray"
    result = imp(con, book([CHANGES, ["CHG-1", "web", "standard", "2025-01-03 09:00"]], far), "changes", "far.xlsx")
    assert result.outcome == "rejected"
    assert [(p.location(), p.value) for p in result.errors] == [("far.xlsx!Sheet!XFD2", "'stray'")]
    assert rows(con, "select count(*) from changes") == [(0,)]


def test_formula_without_cached_value_is_refused_with_its_cell(con):
    """openpyxl (like many generators) writes formulas with no cached value: an optional resolved time
    would silently become 'still open'. Refused with sheet!cell."""
    head = "incident_id,service_id,severity,impact,started_at,detected_at,resolved_at,summary".split(",")
    data = book([head, ["INC-1", "web", "high", "outage", "2025-01-01 10:00", "2025-01-01 10:05",
                        "=E2+1/24", "down"]])
    before = data_rows(con)
    result = imp(con, data, "incidents", "f.xlsx")
    assert result.outcome == "rejected"
    assert [(p.location(), p.rule.split(" (")[0]) for p in result.errors] == [
        ("f.xlsx!Sheet!G2:resolved_at", "formula without a calculated value")]
    assert data_rows(con) == before


def test_1904_date_system_counts_serials_from_1904(con):
    """The two systems are 1462 days apart. Date-formatted cells and bare serial numbers both follow the
    workbook's system."""
    def mac(ws, wb):
        wb.epoch = CALENDAR_MAC_1904
    # Hand count: 2024-01-01 is 45292 in the 1900 system, so 45292 - 1462 = 43830 in the 1904 system;
    # read with the 1900 system, 43830 would be 2019-12-31.
    data = book([CHANGES, ["CHG-1", "web", "standard", datetime(2025, 1, 3, 9, 0)],
                 ["CHG-2", "web", "standard", 43830]], mac)
    result = imp(con, data, "changes", "mac.xlsx")
    assert result.outcome == "imported"
    assert any("1904 date system" in p.rule for p in result.issues)
    assert any("(1904 system)" in p.rule for p in result.issues)
    got = rows(con, "select change_id, strftime(timezone('Asia/Bangkok', deployed_at), '%Y-%m-%d %H:%M') "
                    "from changes order by 1")
    assert got == [("CHG-1", "2025-01-03 09:00"), ("CHG-2", "2024-01-01 00:00")]


def test_cp1251_russian_is_not_decoded_as_thai(con):
    """cp1251 Cyrillic decodes without error as cp874 into Thai code points in impossible order: refused,
    naming the first non-UTF-8 byte and its line. Chosen explicitly, it imports as Russian."""
    data = "staff_id,name,team,role,hired_on\nST-9,Сергей Смирнов,tier1,agent,2024-01-15\n".encode("cp1251")
    result = imp(con, data, "staff", "ru.csv")
    assert result.outcome == "rejected"
    (error,) = result.errors
    offset = data.index("С".encode("cp1251"))
    assert (error.line, f"at byte {offset}" in error.rule, "not guessed" in error.rule) == (2, True, True)
    assert rows(con, "select count(*) from staff where staff_id = 'ST-9'") == [(0,)]
    chosen = imp(con, data, "staff", "ru.csv", encoding="cp1251")
    assert chosen.outcome == "imported"
    assert rows(con, "select name from staff where staff_id = 'ST-9'") == [("Сергей Смирнов",)]


def test_zero_width_space_in_an_id_is_removed_and_reported(con):
    """'T-1\\u200b' is the stored ticket T-1 (identical: skipped), not a second ticket; the cleaning is said."""
    text = "ticket_id,channel,priority,category,created_at\nT-1\u200b,email,high,login,2025-01-02 09:00\n"
    result = imp(con, text, "tickets")
    assert result.outcome == "imported" and (result.inserted, result.skipped_identical) == (0, 1)
    (warning,) = [p for p in result.issues if p.level == "warning"]
    assert warning.value == "'T-1\\u200b'" and "zero-width" in warning.rule
    assert rows(con, "select count(*) from tickets") == [(1,)]


@pytest.mark.parametrize("value, rule", [
    ("1e999", "not a finite number"), ("inf", "not a finite number"), ("-Infinity", "not a finite number"),
    ("-5", "negative measurement"), ("-0.5", "negative measurement")])
def test_measurements_are_finite_and_not_negative(con, value, rule):
    """One rule for every measurement column: a finite number, never below 0 (text or typed cell alike)."""
    text = f"service_id,hour_at,cpu_pct,network_latency_ms\nweb,2025-01-01 00:00,5,{value}\n"
    result = imp(con, text, "utilisation_hourly")
    assert [(p.line, p.column, p.rule.split(" (")[0]) for p in result.errors] == [(2, "network_latency_ms", rule)]
    assert rows(con, "select count(*) from utilisation_hourly") == [(0,)]


def test_typed_infinite_and_negative_measurements_are_refused(con):
    """The same rule for Parquet doubles; NaN is an empty cell (as the text NaN, a null token)."""
    table = pa.table({"service_id": ["web"] * 4, "hour_at": pa.array([datetime(2025, 1, 1, h) for h in range(4)],
                                                                     pa.timestamp("us", "UTC")),
                      "network_latency_ms": [float("inf"), -2.0, float("nan"), 3.0]})
    buf = io.BytesIO()
    pq.write_table(table, buf)
    result = imp(con, buf.getvalue(), "utilisation_hourly", "m.parquet")
    assert [(p.line, p.rule.split(" (")[0]) for p in result.errors] == [(1, "not a finite number"),
                                                                         (2, "negative measurement")]


def test_required_measurement_nan_is_an_empty_required_value(con):
    """NaN in a required measurement (dr_tests.recovery_minutes) is 'required value is empty'."""
    text = "test_id,tested_on,scenario,recovery_minutes,data_loss_minutes,is_passed\nDR-1,2025-01-05,db,NaN,0,true\n"
    result = imp(con, text, "dr_tests")
    assert [(p.column, p.rule.split(" (")[0]) for p in result.errors] == [("recovery_minutes",
                                                                           "required value is empty")]


def test_parquet_timestamp_outside_pandas_range_is_refused_and_logged(con):
    """2**62 ms after 1970 is year 146 million: refused at its row, and the attempt is in the import log."""
    table = pa.table({"change_id": ["C1", "C2"], "service_id": ["web", "web"], "category": ["standard"] * 2,
                      "deployed_at": pa.array([2**62, 1735700000000], pa.timestamp("ms", "UTC"))})
    buf = io.BytesIO()
    pq.write_table(table, buf)
    result = imp(con, buf.getvalue(), "changes", "far.parquet")
    assert result.outcome == "rejected"
    assert [(p.location(), p.rule.split(" (")[0]) for p in result.errors] == [
        ("far.parquet:1:deployed_at", "date/time outside the years 1-9999")]
    assert rows(con, "select outcome from import_log") == [("rejected",)]
    assert rows(con, "select count(*) from changes") == [(0,)]


@pytest.mark.parametrize("amount, refused", [("1.23456e2", True), ("1.5e1", False), ("12345e-2", False),
                                              ("5e-3", True), ("1.234", True), ("1.20", False)])
def test_exponents_count_in_the_decimal_places_of_money(con, amount, refused):
    """1.23456e2 = 123.456 (3 places) in a 2-place column: refused, not rounded. 1.5e1 = 15 and
    12345e-2 = 123.45 fit; 5e-3 = 0.005 does not."""
    result = imp(con, f"month,line,amount_usd\n2025-01-01,cloud,{amount}\n", "costs_monthly")
    assert (result.outcome == "rejected") is refused
    if refused:
        assert [p.rule for p in result.errors] == ["more than 2 decimal places (would be rounded)"]


def test_typed_excel_money_with_more_places_is_refused(con):
    """An Excel number 123.456 in a 2-place money column is refused with its cell."""
    data = book([["month", "line", "amount_usd"], ["2025-01-01", "cloud", 123.456], ["2025-02-01", "cloud", 99.5]])
    result = imp(con, data, "costs_monthly", "money.xlsx")
    assert [(p.cell, p.rule) for p in result.errors] == [("C2", "more than 2 decimal places (would be rounded)")]


def test_200_kb_text_field_is_accepted_and_a_field_past_the_limit_is_named(con):
    """A 200 KB summary is stored whole; a field past the documented 1 MiB cell limit is refused by its
    own rule (not 'check quotes')."""
    long = "x" * 200_000
    text = f"{INCIDENT_HEAD}INC-1,web,low,none,2025-01-01 10:00,2025-01-01 10:05,2025-01-01 11:00,{long}\n"
    result = imp(con, text, "incidents")
    assert result.outcome == "imported" and rows(con, "select length(summary) from incidents") == [(200_000,)]
    huge = text.replace(long, "y" * 1_100_000).replace("INC-1", "INC-2")
    refused = imp(con, huge, "incidents")
    assert [(p.line, p.rule) for p in refused.errors] == [
        (2, "a field is longer than 1,048,576 characters, the importer's limit for one cell")]


# --- a kill between keeping the upload and the commit leaves no orphan -------------------------------


def uploads(db: Path) -> list[Path]:
    folder = Path(str(db) + ".uploads")
    return sorted(folder.iterdir()) if folder.is_dir() else []


@pytest.mark.skipif(not hasattr(os, "fork"), reason="needs SIGKILL")
def test_kill_9_during_an_import_leaves_no_upload_without_a_log_row(tmp_path):
    """A real `python -m data.importer` killed with SIGKILL as soon as it keeps the upload: the next import
    settles it (kept if the log names it, else removed), so every kept upload has its import-log row."""
    db = tmp_path / "w.duckdb"
    seeded(db).close()
    data = tmp_path / "util.csv"
    lines = ["service_id,hour_at,cpu_pct"] + [f"web,2024-01-{1 + h // 24:02d} {h % 24:02d}:00,{h % 90}"
                                             for h in range(24 * 28)]
    data.write_text("\n".join(lines) + "\n")
    killed = 0
    for _ in range(3):
        proc = subprocess.Popen([sys.executable, "-m", "data.importer", "--db", str(db), "--table",
                                 "utilisation_hourly", str(data), "--tz", "UTC", "--mode", "upsert"],
                                cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        end = time.monotonic() + 60
        while proc.poll() is None and time.monotonic() < end and not any(
                p.name.endswith(".part") for p in uploads(db)):
            time.sleep(0.001)
        if proc.poll() is None:
            os.kill(proc.pid, signal.SIGKILL)
            killed += 1
        proc.wait(timeout=30)
    assert killed, "no import was caught while writing"
    con = connect(db)
    try:
        sweep_uploads(con)
        logged = {r[0] for r in rows(con, "select upload_name from import_log where upload_name is not null")}
    finally:
        con.close()
    kept = {p.name for p in uploads(db)}
    assert not any(name.endswith(".part") for name in kept)
    assert kept == logged


# --- the same samples always roll up to the same bits ----------------------------------------------


@pytest.mark.slow  # imports the same samples into several warehouses
def test_utilisation_rollup_is_bit_identical_across_runs():
    """400,000 samples (enough for DuckDB to aggregate in parallel): three rollups of the same samples give
    one checksum. Floating-point sums in whatever order the threads finish gave different last bits."""
    sums = set()
    for _ in range(3):
        con = connect(":memory:")
        con.execute("insert into services values ('web', 'Web', 'web', true, 3, 100)")
        con.execute("insert into utilisation_samples (service_id, host_id, sampled_at, cpu_pct, memory_pct, "
                    "requests_per_s, error_rate_pct, network_latency_ms, data_gb) "
                    "select 'web', 'h' || (i % 40), timestamptz '2025-01-01 00:00:00+00' + to_seconds(i // 40 * 7), "
                    "(i * 0.7319) % 100, (i * 1.1) % 100, (i * 3.3) % 1000 + 0.1, (i * 0.013) % 5, "
                    "(i * 0.37) % 300, (i * 0.001) % 9 from range(400000) t(i)")
        rollups.mark_sample_buckets(con)
        rollups.roll_up_samples(con)
        sums.add(con.execute("select count(*), sum(hash(t)::hugeint) from utilisation_hourly t").fetchall()[0])
        con.close()
    assert len(sums) == 1


# --- an import's audit row keeps what it replaced ---------------------------------------------------


def test_import_audit_row_keeps_the_rows_it_updated_and_deleted(con):
    """Upsert: the stored row as it was before the update; replace: the rows it deleted. Inserts only:
    no before."""
    import json
    head = "staff_id,name,team,role,hired_on\n"
    assert imp(con, head + "ST-2,Bea,tier2,agent,2024-02-01\n", "staff").inserted == 1
    assert imp(con, head + "ST-2,Bea,tier3,lead,2024-02-01\n", "staff", mode="upsert").updated == 1
    assert imp(con, head + "ST-1,Ann,tier1,agent,2024-01-15\n", "staff", mode="replace").deleted == 1
    audits = rows(con, "select before_json, after_json from audit_log where action = 'import' "
                       "and target = 'staff' order by rowid")
    befores = [json.loads(b) if b else None for b, _ in audits]
    assert befores[0] is None
    updated = befores[1]["updated"]
    assert (updated["rows"], updated["kept"]) == (1, 1)
    assert {k: updated["values"][0][k] for k in ("staff_id", "team", "role")} == {
        "staff_id": "ST-2", "team": "tier2", "role": "agent"}
    assert [r["staff_id"] for r in befores[2]["deleted"]["values"]] == ["ST-2"]
    assert "updated" not in befores[2]  # ST-1 is identical: nothing of it is overwritten
