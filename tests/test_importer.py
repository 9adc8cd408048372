"""The importer's API, modes, bookkeeping and CLI (bad inputs are in test_import_bad_inputs.py)."""
from __future__ import annotations

import os
import random
import shutil
import signal
import subprocess
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime, timezone
from pathlib import Path

import duckdb
import pandas as pd
import pytest

from data.importer import (ImportOptions, ImportResult, coverage, importable_tables, main, preview,
                           quarantine_csv, run_import)
from data.access import LOCAL_USER
from data.validate import KPI_TABLES
from data.warehouse import connect

ROOT = Path(__file__).resolve().parent.parent
FIXTURES = Path(__file__).resolve().parent / "fixtures" / "import"
NOW = datetime(2026, 1, 15, tzinfo=timezone.utc)
SERVICES = ("service_id,name,kind,is_customer_facing,instances,instance_rps_capacity\n"
            "web,Web,web,true,3,100\ndb,DB,database,false,2,50\n")
TICKETS = "ticket_id,channel,priority,category,created_at\nT-1,email,high,login,2025-01-02 09:00\n"
STAFF = "staff_id,name,team,role,hired_on\nST-1,Ann,tier1,agent,2024-01-15\n"
INCIDENT_HEAD = "incident_id,service_id,severity,impact,started_at,detected_at,resolved_at,summary\n"


def imp(con: duckdb.DuckDBPyConnection, text: str | bytes, table: str, name: str = "x.csv",
        dry_run: bool = False, **options) -> ImportResult:
    """Import text (or bytes) with the test clock and Bangkok as the zone of naive times."""
    data = text.encode() if isinstance(text, str) else text
    opts = ImportOptions(**{"tz": "Asia/Bangkok", **options})
    return run_import(con, data, name, table, opts, user="tester", dry_run=dry_run, now=NOW,
                      actor=LOCAL_USER)


def seeded(path: Path | str = ":memory:") -> duckdb.DuckDBPyConnection:
    """A warehouse holding two services, one ticket and one staff member (parents for foreign keys)."""
    con = connect(path)
    con.execute("insert into services values ('web', 'Web', 'web', true, 3, 100), ('db', 'DB', 'database', false, 2, 50)")
    con.execute("insert into tickets (ticket_id, channel, priority, category, created_at) "
                "values ('T-1', 'email', 'high', 'login', '2025-01-02 02:00+00')")
    con.execute("insert into staff (staff_id, name, team, role, hired_on) values ('ST-1', 'Ann', 'tier1', 'agent', '2024-01-15')")
    return con


def errors(result: ImportResult) -> list[tuple]:
    """(line, column, rule) of each error."""
    return [(p.line, p.column, p.rule) for p in result.errors]


def rows(con: duckdb.DuckDBPyConnection, sql: str) -> list[tuple]:
    return con.execute(sql).fetchall()


@pytest.fixture
def con():
    return seeded()


# --- every table the KPIs use ------------------------------------------------

ONE_ROW = {
    "services": SERVICES,
    "tickets": TICKETS,
    "staff": STAFF,
    "incidents": INCIDENT_HEAD + "INC-1,web,high,outage,2025-01-01 10:00,2025-01-01 10:05,2025-01-01 11:00,down\n",
    "maintenance_windows": "window_id,service_id,kind,starts_at,ends_at\nMW-1,web,weekly,2025-01-05 02:00,2025-01-05 04:00\n",
    "changes": "change_id,service_id,category,deployed_at\nCHG-1,web,standard,2025-01-03 09:00\n",
    "survey_responses": "response_id,ticket_id,submitted_at,score\nS-1,T-1,2025-01-02 12:00,5\n",
    "self_service_sessions": "session_id,started_at,source,is_resolved\nSS-1,2025-01-02 08:00,chatbot,yes\n",
    "costs_monthly": "month,line,amount_usd\n2025-01-01,cloud_services,1234.50\n",
    "business_daily": "day,revenue_usd,visits,orders\n2025-01-01,1000.00,500,20\n",
    "active_users_daily": "day,daily_active_users,monthly_active_users\n2025-01-01,100,900\n",
    "utilisation_hourly": "service_id,hour_at,cpu_pct\nweb,2025-01-01 00:00,55.5\n",
    "database_hourly": "service_id,hour_at,query_time_p95_ms\ndb,2025-01-01 00:00,12.5\n",
    "routine_tasks": "task_id,name,cadence,created_on\nRT-1,Patch,monthly,2024-06-01\n",
    "certifications": "staff_id,certification,earned_on,expires_on\nST-1,ITIL,2024-05-01,2027-05-01\n",
    "training_log": "staff_id,day,topic,hours\nST-1,2025-01-10,DuckDB,2.5\n",
    "backup_runs": "run_id,kind,started_at,is_success\nB-1,full,2025-01-01 01:00,true\n",
    "dr_tests": "test_id,tested_on,scenario,recovery_minutes,data_loss_minutes,is_passed\n"
                "DR-1,2025-01-20,database_failure,45,5,true\n",
    "security_activities": "activity_id,activity,done_on\nSA-1,patching,2025-01-05\n",
    "vendor_outages": "outage_id,vendor,started_at,ended_at\nVO-1,aws,2025-01-07 10:00,2025-01-07 10:20\n",
}


def test_naive_times_default_to_the_zone_of_the_plan_in_OPSPLAN_PLAN(tmp_path, monkeypatch: pytest.MonkeyPatch):
    """The importer reads the plan the app reads ($OPSPLAN_PLAN), not the repository's plan.toml."""
    from data.importer import plan_timezone

    plan = tmp_path / "plan.toml"
    plan.write_text((ROOT / "plan.toml").read_text().replace('timezone = "Asia/Bangkok"', 'timezone = "Europe/Paris"', 1))
    monkeypatch.setenv("OPSPLAN_PLAN", str(plan))
    assert plan_timezone() == "Europe/Paris"


def test_every_importable_table_has_a_sample_row(con):
    """Every KPI data table exists in the catalogue, is importable, and has a hand-made sample here."""
    assert set(importable_tables(con)) == set(ONE_ROW) == set(KPI_TABLES)


def test_app_state_tables_are_not_importable(con):
    """The import log and other bookkeeping cannot be written by an import."""
    result = imp(con, "import_id\nx\n", "import_log")
    assert result.outcome == "rejected" and result.errors[0].rule == "unknown table 'import_log'"


@pytest.mark.parametrize("table", sorted(set(ONE_ROW) - {"services", "tickets", "staff"}))
def test_each_table_imports_one_hand_made_row(con, table):
    """One valid row per table imports, typed by the schema, with defaults filled in."""
    result = imp(con, ONE_ROW[table], table)
    assert result.outcome == "imported", [p.format() for p in result.issues]
    assert (result.inserted, rows(con, f"select count(*) from {table}")[0][0]) == (1, 1)


def test_naive_times_are_read_in_the_named_zone_and_stored_utc(con):
    """10:00 in Bangkok is 03:00 UTC; 10:00 in New York (EST) is 15:00 UTC."""
    imp(con, ONE_ROW["changes"].replace("09:00", "10:00"), "changes")
    imp(con, ONE_ROW["changes"].replace("CHG-1", "CHG-2").replace("09:00", "10:00"), "changes",
        tz="America/New_York")
    got = dict(rows(con, "select change_id, strftime(deployed_at at time zone 'UTC', '%H:%M') from changes"))
    assert got == {"CHG-1": "03:00", "CHG-2": "15:00"}


def test_defaults_and_types_come_from_the_schema(con):
    """Absent columns take the catalogue's defaults; decimals and booleans are typed."""
    imp(con, ONE_ROW["incidents"], "incidents")
    imp(con, ONE_ROW["costs_monthly"], "costs_monthly")
    assert rows(con, "select escalation_level, is_change_related from incidents") == [(1, False)]
    assert rows(con, "select amount_usd::varchar from costs_monthly") == [("1234.50",)]


def test_aliases_map_common_export_headers(con):
    """`Ticket Number`, `Created Date`, `Closed`, `First Response` land in their columns."""
    result = imp(con, (FIXTURES / "tickets_export.csv").read_bytes(), "tickets", "tickets_export.csv")
    assert result.outcome == "imported"
    mapping = dict(zip(*[preview((FIXTURES / "tickets_export.csv").read_bytes(), "t.csv", "tickets",
                                 ImportOptions(tz="UTC")).mapping[c] for c in ("source_column", "column")]))
    assert mapping["Created Date"] == "created_at" and mapping["Closed"] == "resolved_at"
    assert rows(con, "select count(*) from tickets where resolved_at is not null and ticket_id = 'T-100'") == [(1,)]


def test_explicit_column_mapping(con):
    """--column maps a header the alias list does not know."""
    text = "Vorgang,service_id,category,deployed_at\nCHG-9,web,minor,2025-01-03 09:00\n"
    assert imp(con, text, "changes", columns=(("Vorgang", "change_id"),)).outcome == "imported"


@pytest.mark.parametrize("options, rule", [
    ({"mode": "merge"}, "unknown mode 'merge'"), ({"tz": "Mars/Olympus"}, "unknown time zone 'Mars/Olympus'"),
    ({"delimiter": ";;"}, "delimiter must be one character, got ';;'"),
    ({"decimal": ",", "thousands": ","}, "decimal separator must be '.' or ',' and differ from the thousands separator"),
    ({"newer_by": "colour"}, "--newer-by 'colour' is not a column")])
def test_impossible_options_are_reported_not_raised(con, options, rule):
    """Bad options are one clear problem in the result, never an exception."""
    assert rules_of(imp(con, ONE_ROW["changes"], "changes", **options)) == [rule]


def rules_of(result: ImportResult) -> list[str]:
    return [p.rule for p in result.errors]


def test_unclosed_quote_names_its_line(con):
    """A quote that never closes is a CSV syntax error at the line where its record starts."""
    result = imp(con, ONE_ROW["changes"] + 'CHG-2,web,minor,"2025-01-04 09:00\n', "changes")
    assert result.outcome == "rejected" and result.errors[0].line == 3
    assert result.errors[0].rule.startswith("CSV syntax")


# --- modes and idempotency ---------------------------------------------------


def test_reimporting_the_same_file_changes_nothing(con):
    """The second import skips every row as identical and notes the earlier import."""
    first = imp(con, ONE_ROW["incidents"], "incidents")
    again = imp(con, ONE_ROW["incidents"], "incidents")
    assert (first.inserted, again.inserted, again.skipped_identical) == (1, 0, 1)
    assert any("already imported" in n for n in again.notes)


def test_keyless_table_is_idempotent_by_whole_row(con):
    """training_log has no key: a re-import matches rows on every column."""
    imp(con, ONE_ROW["training_log"], "training_log")
    again = imp(con, ONE_ROW["training_log"], "training_log")
    assert (again.inserted, again.skipped_identical) == (0, 1)
    assert rows(con, "select count(*) from training_log") == [(1,)]


def test_upsert_updates_changed_rows(con):
    """--mode upsert updates a stored key with new values and inserts new keys."""
    imp(con, ONE_ROW["incidents"], "incidents")
    text = ONE_ROW["incidents"].replace(",down", ",root cause found") + \
        "INC-2,db,low,none,2025-01-04 10:00,2025-01-04 10:05,,\n"
    result = imp(con, text, "incidents", mode="upsert")
    assert (result.inserted, result.updated) == (1, 1)
    assert rows(con, "select summary from incidents where incident_id = 'INC-1'") == [("root cause found",)]


def test_upsert_newer_by_skips_older_rows(con):
    """--newer-by resolved_at: an older version of a row is skipped, a newer one applied."""
    imp(con, ONE_ROW["incidents"], "incidents")
    older = ONE_ROW["incidents"].replace("2025-01-01 11:00,down", "2025-01-01 10:30,old")
    newer = ONE_ROW["incidents"].replace("2025-01-01 11:00,down", "2025-01-01 12:00,new")
    r1 = imp(con, older, "incidents", mode="upsert", newer_by="resolved_at")
    r2 = imp(con, newer, "incidents", mode="upsert", newer_by="resolved_at")
    assert (r1.skipped_older, r1.updated, r2.updated) == (1, 0, 1)
    assert rows(con, "select summary from incidents") == [("new",)]


def test_replace_deletes_rows_missing_from_the_file(con):
    """--mode replace leaves exactly the file's rows."""
    imp(con, "month,line,amount_usd\n2025-01-01,a,1\n2025-02-01,a,2\n", "costs_monthly")
    result = imp(con, "month,line,amount_usd\n2025-02-01,a,3\n", "costs_monthly", mode="replace")
    assert (result.deleted, result.updated) == (1, 1)
    assert rows(con, "select month::varchar, amount_usd::double from costs_monthly") == [("2025-02-01", 3.0)]


def test_replace_refuses_to_drop_referenced_rows(con):
    """Replacing services without 'web' fails while incidents reference 'web'."""
    imp(con, ONE_ROW["incidents"], "incidents")
    result = imp(con, SERVICES.replace("web,Web,web,true,3,100\n", ""), "services", mode="replace")
    assert result.outcome == "rejected" and "incidents still references" in result.errors[0].rule
    assert rows(con, "select count(*) from services") == [(2,)]


def test_dry_run_reports_counts_and_writes_nothing(con):
    """A dry run classifies rows but leaves the table and the import log untouched."""
    result = imp(con, ONE_ROW["incidents"], "incidents", dry_run=True)
    assert (result.outcome, result.inserted) == ("dry_run", 1)
    assert rows(con, "select count(*) from incidents") == [(0,)]
    assert rows(con, "select count(*) from import_log where table_name = 'incidents'") == [(0,)]


# --- bookkeeping ---------------------------------------------------------------


def test_import_log_and_kept_upload(tmp_path):
    """Each import is logged (sanitised name, hash, user, counts) and its bytes kept under a uuid."""
    con = seeded(tmp_path / "w.duckdb")
    result = imp(con, ONE_ROW["incidents"], "incidents", name="../../etc/incidents.csv")
    log = con.execute("select file_name, content_sha256, user_name, rows_inserted, outcome, upload_name "
                      "from import_log where import_id = $id", {"id": result.import_id}).fetchall()[0]
    assert log[:5] == ("incidents.csv", result.content_sha256, "tester", 1, "imported")
    kept = tmp_path / "w.duckdb.uploads" / log[5]
    assert kept.read_bytes() == ONE_ROW["incidents"].encode()
    assert log[5].endswith(".csv") and "incidents" not in log[5]


def test_rejected_import_is_logged_with_its_problems(tmp_path):
    """A rejected attempt leaves data tables alone but records outcome and problems."""
    con = seeded(tmp_path / "w.duckdb")
    result = imp(con, ONE_ROW["incidents"].replace("high", "urgent"), "incidents")
    assert result.outcome == "rejected"
    params = {"id": result.import_id}
    assert con.execute("select outcome from import_log where import_id = $id", params).fetchall() == [("rejected",)]
    assert con.execute("select line, column_name from import_problems where import_id = $id and level = 'error'",
                       params).fetchall() == [(2, "severity")]


def test_quarantine_csv_holds_the_rejected_rows(con):
    """The quarantine CSV has each bad row as read, its line and its problems; good rows are absent."""
    text = ONE_ROW["incidents"] + "INC-2,web,urgent,none,2025-01-04 10:00,2025-01-04 10:05,,=cmd\n"
    result = imp(con, text, "incidents")
    frame = pd.read_csv(pd.io.common.BytesIO(quarantine_csv(result)), encoding="utf-8-sig", dtype=str)
    assert frame["_line"].tolist() == ["3"] and frame["incident_id"].tolist() == ["INC-2"]
    assert "severity" in frame["_problems"][0] and frame["summary"][0] == "'=cmd"


# --- preview and coverage ---------------------------------------------------------


def test_preview_parses_without_writing(con):
    """preview returns typed rows, the mapping and problems, and writes nothing."""
    text = ONE_ROW["incidents"] + "INC-2,web,high,outage,2025-01-04 10:00,yesterday,,\n"
    pv = preview(text.encode(), "i.csv", "incidents", ImportOptions(tz="UTC"), con, now=NOW)
    assert not pv.ok and pv.rows_read == 2 and pv.rows["_line"].tolist() == [2, 3]
    assert str(pv.rows["started_at"].dtype) == "datetime64[us, UTC]"
    bad = pv.problems[pv.problems["level"] == "error"]
    assert bad[["line", "column"]].values.tolist() == [[3, "detected_at"]]
    assert rows(con, "select count(*) from incidents") == [(0,)]


def test_preview_without_a_warehouse_skips_reference_checks():
    """With no connection the catalogue still types the rows; unknown services are not errors."""
    pv = preview(ONE_ROW["incidents"].encode(), "i.csv", "incidents", ImportOptions(tz="UTC"), now=NOW)
    assert pv.ok and pv.rows["incident_id"].tolist() == ["INC-1"]


def test_coverage_names_rows_dates_and_empty_months(con):
    """coverage shows first/last local date and the months in between without rows."""
    imp(con, "month,line,amount_usd\n2025-01-01,a,1\n2025-04-01,a,1\n", "costs_monthly")
    cov = coverage(con, tz="Asia/Bangkok").set_index("table")
    assert cov.loc["costs_monthly", "rows"] == 2
    assert cov.loc["costs_monthly", "empty_months"] == ["2025-02", "2025-03"]
    assert cov.loc["incidents", "rows"] == 0 and pd.isna(cov.loc["services", "date_column"])


def test_coverage_uses_local_dates_for_timestamps(con):
    """An incident at 2025-01-31 20:00 UTC is on 1 February in Bangkok."""
    imp(con, INCIDENT_HEAD + "INC-1,web,low,none,2025-01-31T20:00:00Z,2025-01-31T20:00:00Z,,\n", "incidents")
    cov = coverage(con, tz="Asia/Bangkok").set_index("table")
    assert str(cov.loc["incidents", "first_date"]) == "2025-02-01"


# --- concurrency ---------------------------------------------------------------


def test_write_write_conflict_says_retry(tmp_path):
    """An upsert racing another transaction on the same row becomes a 'retry' result, nothing written."""
    con = seeded(tmp_path / "w.duckdb")
    imp(con, ONE_ROW["incidents"], "incidents")
    other = con.cursor()
    other.execute("begin transaction")
    other.execute("update incidents set summary = 'editing' where incident_id = 'INC-1'")
    result = imp(con, ONE_ROW["incidents"].replace(",down", ",changed"), "incidents", mode="upsert")
    other.execute("rollback")
    assert result.outcome == "retry" and "retry" in result.errors[-1].rule
    assert rows(con, "select summary from incidents") == [("down",)]


def test_concurrent_insert_of_the_same_key_says_retry(tmp_path, monkeypatch):
    """Another writer commits the same new key just before the import commits: 'retry', logged, nothing half-written."""
    import data.importer as importer
    con = seeded(tmp_path / "w.duckdb")
    other = con.cursor()
    other.execute("begin transaction")
    other.execute("insert into changes (change_id, service_id, category, deployed_at, is_rolled_back) "
                  "values ('CHG-1', 'web', 'standard', '2025-01-03 02:00+00', false)")
    real_log = importer.write_log

    def commit_other_first(cur, result, *args):
        if result.outcome == "imported" and not committed:
            other.execute("commit")  # the other user's import lands first
            committed.append(True)
        real_log(cur, result, *args)
    committed: list[bool] = []
    monkeypatch.setattr(importer, "write_log", commit_other_first)
    result = imp(con, ONE_ROW["changes"] + "C2,web,minor,2025-01-04 09:00\n", "changes")
    assert result.outcome == "retry" and rows(con, "select change_id from changes") == [("CHG-1",)]
    assert con.execute("select outcome from import_log where import_id = $id", {"id": result.import_id}).fetchall() \
        == [("retry",)]
    again = imp(con, ONE_ROW["changes"] + "C2,web,minor,2025-01-04 09:00\n", "changes")
    assert (again.inserted, again.skipped_identical) == (1, 1)


def test_values_too_large_for_the_column_are_errors_not_failures(con):
    """1e20 does not fit DECIMAL(14,2): a row error, never an internal failure of the cast."""
    result = imp(con, "month,line,amount_usd\n2025-01-01,a,1e20\n", "costs_monthly")
    assert (result.outcome, errors(result)) == ("rejected", [(2, "amount_usd", "too large for the column")])


def test_notes_are_logged_and_progress_is_reported(tmp_path):
    """The summary's notes (zone of naive times) are kept in import_problems; progress goes 0 -> 1."""
    con = seeded(tmp_path / "w.duckdb")
    seen = []
    result = run_import(con, ONE_ROW["changes"].encode(), "c.csv", "changes", ImportOptions(tz="UTC"),
                        now=NOW, progress=lambda stage, done: seen.append((stage, done)), actor=LOCAL_USER)
    assert seen[0] == ("reading", 0.0) and seen[-1] == ("done", 1.0)
    logged = con.execute("select rule from import_problems where import_id = $id and level = 'info'",
                         {"id": result.import_id}).fetchall()
    assert ("naive timestamps read as UTC; stored as UTC",) in logged


def test_the_plan_zone_is_the_default_for_naive_times(con):
    """With no zone named, naive times are read in plan.toml's zone (Asia/Bangkok)."""
    result = run_import(con, ONE_ROW["changes"].encode(), "c.csv", "changes", now=NOW, actor=LOCAL_USER)
    assert "naive timestamps read as Asia/Bangkok" in result.notes[0]
    assert rows(con, "select strftime(deployed_at, '%H:%M') from changes") == [("02:00",)]


# --- command line ------------------------------------------------------------------


def cli(tmp_path: Path, *args: str) -> list[str]:
    return ["--db", str(tmp_path / "w.duckdb"), *args]


def test_cli_imports_and_summarises(tmp_path, capsys):
    """Exit 0 and a summary with rows read, inserted, updated and skipped."""
    seeded(tmp_path / "w.duckdb").close()
    f = tmp_path / "changes.csv"
    f.write_text(ONE_ROW["changes"])
    assert main(cli(tmp_path, "--table", "changes", str(f), "--tz", "UTC")) == 0
    out = capsys.readouterr().out
    assert "read 1, inserted 1, updated 0, skipped as identical 0" in out


def test_cli_prints_every_problem_and_exits_1(tmp_path, capsys):
    """Exit 1; each problem as file:line:column: value: rule; the table is unchanged."""
    seeded(tmp_path / "w.duckdb").close()
    f = tmp_path / "bad.csv"
    f.write_text("change_id,service_id,category,deployed_at\nC1,web,huge,2025-01-03 09:00\nC2,web,minor,soon\n")
    assert main(cli(tmp_path, "--table", "changes", str(f))) == 1
    out = capsys.readouterr().out
    assert "bad.csv:2:category: 'huge': breaks rule category IN ('emergency', 'standard', 'minor')" in out
    assert "bad.csv:3:deployed_at: 'soon': not a date/time" in out
    assert rows(connect(tmp_path / "w.duckdb"), "select count(*) from changes") == [(0,)]


def exit_code(args: list[str]) -> int:
    """main()'s return value, or the code argparse exits with."""
    try:
        return main(args)
    except SystemExit as stop:
        return int(stop.code)


@pytest.mark.parametrize("args", [["--table", "nope", "F"], ["--table", "changes", "missing.csv"],
                                  ["--table", "changes", "F", "--tz", "Mars/Olympus"],
                                  ["--table", "changes", "F", "--mode", "merge"]])
def test_cli_usage_errors_exit_2(tmp_path, args, capsys):
    """Unknown table, missing file, bad zone or mode: exit 2 without a traceback."""
    seeded(tmp_path / "w.duckdb").close()
    f = tmp_path / "f.csv"
    f.write_text(ONE_ROW["changes"])
    assert exit_code(cli(tmp_path, *[str(f) if a == "F" else a for a in args])) == 2
    assert "Traceback" not in capsys.readouterr().err


def test_cli_subprocess_real_run(tmp_path):
    """The module runs as `python -m data.importer` and prints no traceback on bad input."""
    seeded(tmp_path / "w.duckdb").close()
    f = tmp_path / "x.csv"
    f.write_bytes(b"\x00\x01\x02garbage\xff" * 50)
    run = subprocess.run([sys.executable, "-m", "data.importer", "--db", str(tmp_path / "w.duckdb"),
                          "--table", "changes", str(f)], cwd=ROOT, capture_output=True, text=True, timeout=60)
    assert run.returncode == 1 and "Traceback" not in run.stderr + run.stdout
    assert "not a CSV, Excel or Parquet file" in run.stdout


# --- a process killed mid-import leaves the warehouse as it was ---------------------------

# A warm interpreter that forks one real child process per import, so each kill costs no
# start-up time. It never opens a warehouse itself, so forking it is safe.
ZYGOTE = """
import os, signal, sys
import data.importer
signal.signal(signal.SIGCHLD, signal.SIG_IGN)  # children are reaped by the kernel
print("ready", flush=True)
for line in sys.stdin:
    pid = os.fork()
    if pid == 0:
        null = os.open(os.devnull, os.O_WRONLY)
        os.dup2(null, 1)
        os.dup2(null, 2)
        os._exit(data.importer.main(line.rstrip("\\n").split("\\t")))
    print(pid, flush=True)
"""


def snapshot(path: Path) -> tuple:
    """Row count and content checksum of every data table, plus the number of logged imports."""
    con = duckdb.connect(str(path))
    try:
        sums = tuple(con.execute(f'select count(*), coalesce(sum(hash(t)::hugeint), 0) from "{n}" t').fetchall()[0]
                     for n in importable_tables(con))
        return sums, con.execute("select count(*) from import_log where outcome = 'imported'").fetchall()[0][0]
    finally:
        con.close()


class Zygote:
    """Start imports as forked child processes and kill them."""

    def __init__(self) -> None:
        self.proc = subprocess.Popen([sys.executable, "-c", ZYGOTE], cwd=ROOT, stdin=subprocess.PIPE,
                                     stdout=subprocess.PIPE, text=True)

    def ready(self) -> "Zygote":
        assert self.proc.stdout.readline().strip() == "ready"
        return self

    def start(self, db: Path, data: Path) -> int:
        args = ["--db", str(db), "--table", "utilisation_hourly", str(data), "--tz", "UTC", "--user", "k"]
        self.proc.stdin.write("\t".join(args) + "\n")
        self.proc.stdin.flush()
        return int(self.proc.stdout.readline())

    def close(self) -> None:
        self.proc.stdin.close()
        self.proc.wait(timeout=30)


def alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
        return True
    except ProcessLookupError:
        return False


def wait_until(test, limit: float = 30.0) -> None:
    end = time.monotonic() + limit
    while not test() and time.monotonic() < end:
        time.sleep(0.002)


def writing(db: Path) -> bool:
    """The upload is kept just before the transaction starts: from then on the import is writing."""
    folder = Path(str(db) + ".uploads")
    return folder.is_dir() and any(p.name.endswith((".csv", ".csv.part")) for p in folder.iterdir())


def kill_during(zygote: Zygote, base: Path, data: Path, db: Path, delay: float, from_writing: bool) -> tuple:
    """Import into a copy of `base`, SIGKILL it `delay` seconds in (or into the write phase)."""
    shutil.copy(base, db)
    pid = zygote.start(db, data)
    if from_writing:
        wait_until(lambda: writing(db) or not alive(pid))
    time.sleep(delay)
    if alive(pid):
        os.kill(pid, signal.SIGKILL)
    wait_until(lambda: not alive(pid))
    return snapshot(db)


@pytest.mark.slow  # forks and kills importers many times
@pytest.mark.skipif(not hasattr(os, "fork"), reason="needs fork and SIGKILL")
def test_sigkill_at_random_moments_leaves_before_or_after(tmp_path):
    """20 real imports killed at random moments: each warehouse is exactly as before or exactly as after."""
    base = tmp_path / "base.duckdb"
    seeded(base).close()
    hours = pd.date_range("2024-01-01", periods=2000, freq="h").strftime("%Y-%m-%d %H:%M")
    frame = pd.DataFrame({"service_id": ["web"] * 2000 + ["db"] * 2000, "hour_at": list(hours) * 2,
                          "cpu_pct": [float(i % 97) for i in range(4000)]})
    zygotes = [Zygote(), Zygote()]  # both boot while the file is written
    data = tmp_path / "util.csv"
    frame.to_csv(data, index=False)
    try:
        zygotes = [z.ready() for z in zygotes]
        full = tmp_path / "full.duckdb"
        shutil.copy(base, full)
        t0 = time.monotonic()
        pid = zygotes[0].start(full, data)
        wait_until(lambda: writing(full) or not alive(pid))
        t_read = time.monotonic() - t0
        wait_until(lambda: not alive(pid))
        t_write = time.monotonic() - t0 - t_read
        before, after = snapshot(base), snapshot(full)
        assert before != after and after[1] == 1
        rng = random.Random(7)
        # Three kills in four land in the write phase (upload kept -> commit); the rest anywhere.
        plans = [(i, *((rng.uniform(0, t_write * 1.2), True) if i % 4 else (rng.uniform(0, t_read), False)))
                 for i in range(20)]
        with ThreadPoolExecutor(2) as pool:
            outcomes = list(pool.map(lambda p: kill_during(zygotes[p[0] % 2], base, data,
                                                           tmp_path / f"k{p[0]}.duckdb", p[1], p[2]), plans))
    finally:
        for z in zygotes:
            z.close()
    print(f"read {t_read:.2f}s write {t_write:.2f}s; after: {sum(o == after for o in outcomes)} of {len(outcomes)}")
    assert all(o in (before, after) for o in outcomes)


# The raw monitoring samples (rolled up into utilisation_hourly on import; tests/test_rollups.py).
ONE_ROW["utilisation_samples"] = ("service_id,host_id,sampled_at,cpu_pct\n"
                                  "web,web-1,2025-01-01 00:01,55.5\n")


def test_samples_import_with_export_headers_and_roll_up(con):
    """`host` / `timestamp` headers map to host_id / sampled_at; the hour's utilisation row follows."""
    text = "service,host,timestamp,cpu_pct\nweb,web-1,2025-01-01 00:01,40\nweb,web-2,2025-01-01 00:02,60\n"
    result = imp(con, text, "utilisation_samples")
    assert result.outcome == "imported" and result.inserted == 2
    assert con.execute("select cpu_pct from utilisation_hourly").fetchall() == [(50.0,)]


def test_empty_optional_id_and_unknown_date_code_are_clear(tmp_path):
    """An empty optional service_id is a global window, not an 'internal error' nor a normalised id;
    a date format with an unknown % code is a usage error naming it, before any row is read."""
    con = connect(tmp_path / "w.duckdb")
    windows = b"window_id,service_id,kind,starts_at,ends_at\nW900,,daily,2026-11-20 02:00,2026-11-20 03:00\n"
    result = run_import(con, windows, "mw.csv", "maintenance_windows", ImportOptions(), dry_run=True,
                        actor=LOCAL_USER)
    assert result.outcome != "failed" and not any("normalised" in p.rule or "internal" in p.rule
                                                   for p in result.issues)
    tickets = b"ticket_id,channel,priority,category,created_at\nBX1,email,high,login,2026-11-20 02:00\n"
    bad = run_import(con, tickets, "t.csv", "tickets", ImportOptions(date_format="%Q"), dry_run=True,
                     actor=LOCAL_USER)
    assert bad.outcome == "rejected" and "unknown % code" in bad.issues[0].rule
