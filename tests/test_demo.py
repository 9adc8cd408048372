"""The demo warehouse: deterministic, complete, calibrated to the plan's baselines, built atomically."""
from __future__ import annotations

import subprocess
import sys
from datetime import date
from pathlib import Path
from typing import Callable, Iterator

import duckdb
import pandas as pd
import pytest

import data.demo as demo
from data import event_rollups, rollups
from core.period import Period, add_months
from core.plan import Plan
from analytics.scorecard import scorecard, trend
from data.warehouse import MIGRATION_TABLES, connect, table_counts
from tests.conftest import DEMO_SEED, DEMO_TODAY

REPO = Path(__file__).resolve().parent.parent
Builder = Callable[[int, date], duckdb.DuckDBPyConnection]


@pytest.fixture(scope="module")
def demo_con(demo_db: Path) -> Iterator[duckdb.DuckDBPyConnection]:
    con = connect(demo_db, read_only=True)
    yield con
    con.close()


@pytest.fixture(scope="module")
def built(plan: Plan) -> Iterator[Builder]:
    """In-memory demo warehouses by (seed, today), each built once per module."""
    cache: dict[tuple[int, date], duckdb.DuckDBPyConnection] = {}

    def build(seed: int, today: date) -> duckdb.DuckDBPyConnection:
        if (seed, today) not in cache:
            con = connect(":memory:")
            demo.build_demo(con, seed, today, plan=plan)
            cache[seed, today] = con
        return cache[seed, today]

    yield build
    for con in cache.values():
        con.close()


def fingerprint(con: duckdb.DuckDBPyConnection) -> dict[str, tuple[int, int]]:
    """Per demo table: row count and an order-free checksum of its rows."""
    return {t: con.execute(f'select count(*), coalesce(sum(hash(r)), 0) from "{t}" as r').fetchone()
            for t in demo.TABLES}


def calibration_misses(con: duckdb.DuckDBPyConnection, plan: Plan, today: date) -> dict[str, float]:
    """KPIs of the last full months off their baseline: by more than 0.05 points (uptime) or 5 %."""
    period = Period.last_full_months(today, plan.settings.scorecard_months)
    misses = {}
    for r in scorecard(con, plan, period):
        base = plan.kpi(r.kpi).baseline
        if r.value is None:
            misses[r.kpi] = r.value
        elif abs(r.value - base) > 0.05 if r.kpi == "uptime_pct" else abs(r.value / base - 1) > 0.05:
            misses[r.kpi] = r.value
    return misses


# --- determinism ---------------------------------------------------------------------------------


def test_same_seed_and_today_give_identical_tables(demo_con, built):
    """A rebuild with the fixture's seed and today matches the fixture file row for row."""
    assert fingerprint(built(DEMO_SEED, DEMO_TODAY)) == fingerprint(demo_con)


def test_other_seed_gives_other_events(demo_con, built):
    """Another seed changes every event table (the service catalogue stays the same)."""
    a, b = fingerprint(demo_con), fingerprint(built(DEMO_SEED + 1, DEMO_TODAY))
    assert a["services"] == b["services"]
    for table in ("incidents", "tickets", "survey_responses", "business_daily", "utilisation_hourly"):
        assert a[table] != b[table], table


# --- coverage --------------------------------------------------------------------------------------


def test_every_table_has_rows(demo_con):
    """Every domain table of the schema holds demo rows; the bookkeeping (imports, saved scenarios, audit,
    alerts) stays empty."""
    # Derived tables are tested in test_rollups; the demo generates hourly rows, not raw samples.
    counts = {t: n for t, n in table_counts(demo_con).items() 
              if t not in (*rollups.TABLES, *event_rollups.TABLES, rollups.SAMPLES)}
    bookkeeping = {t for t in counts if t in ("schema_version", "saved_scenarios", "audit_log", "signed_out",
                                              "user_preferences", "alert_log")
                   or t.startswith("import_")}
    assert set(counts) - bookkeeping == set(demo.TABLES)
    assert [t for t in demo.TABLES if counts[t] == 0] == []
    assert [t for t in bookkeeping - {"schema_version"} if counts[t]] == []


def test_services_cover_the_stack(demo_con):
    """At least 8 services, customer-facing and internal; database metrics only for databases."""
    kinds = dict(demo_con.execute("select service_id, kind from services").fetchall())
    facing = demo_con.execute("select count(*) from services where is_customer_facing").fetchone()[0]
    db_ids = {r[0] for r in demo_con.execute("select distinct service_id from database_hourly").fetchall()}
    assert len(kinds) >= 8 and 0 < facing < len(kinds)
    assert {"web", "api", "payments", "auth", "search", "database", "worker", "cdn"} <= set(kinds.values())
    assert db_ids and all(kinds[s] == "database" for s in db_ids)


def test_covers_24_months_and_nothing_after_today(demo_con, plan):
    """Daily data spans the 24 months ending with today's month; no date or timestamp is after today."""
    first, last, months = demo_con.execute(
        "select min(day), max(day), count(distinct date_trunc('month', day)) from business_daily").fetchone()
    assert (first, last, months) == (add_months(DEMO_TODAY, -23), DEMO_TODAY, 24)
    columns = demo_con.execute(
        "select table_name, column_name, data_type from information_schema.columns "
        "where table_schema = 'main' and data_type in ('DATE', 'TIMESTAMP WITH TIME ZONE') "
        "and table_name <> 'schema_version' and column_name <> 'expires_on'").fetchall()   # expiry: a future date
    assert len(columns) > 20
    for table, column, kind in columns:
        local = f'timezone($tz, "{column}")::date' if kind != "DATE" else f'"{column}"'
        latest = demo_con.execute(f'select max({local}) from "{table}" where $tz is not null',
                                  {"tz": plan.timezone}).fetchone()[0]
        assert latest is None or latest <= DEMO_TODAY, f"{table}.{column} = {latest}"


def test_maintenance_windows_follow_the_plan(demo_con, plan):
    """Global windows: daily at 02:00 local for 30 min, weekly on Sundays, monthly on the first Sunday."""
    rows = demo_con.execute(
        "select kind, count(distinct strftime(timezone($tz, starts_at), '%H:%M')), "
        "count(distinct dayofweek(timezone($tz, starts_at))), min(epoch(ends_at - starts_at)) / 60, "
        "max(epoch(ends_at - starts_at)) / 60, max(day(timezone($tz, starts_at))) "
        "from maintenance_windows where service_id is null group by kind", {"tz": plan.timezone}).fetchall()
    got = {r[0]: r[1:] for r in rows}
    assert got["daily"] == (1, 7, 30, 30, 31)
    assert got["weekly"][1] == 1 and 120 <= got["weekly"][2] <= got["weekly"][3] <= 240
    assert got["monthly"][1] == 1 and 240 <= got["monthly"][2] <= got["monthly"][3] <= 360 and got["monthly"][4] <= 7


def test_phone_tickets_only_in_phone_hours_unless_critical(demo_con, plan):
    """Outside 08:00-20:00 local the phone line takes critical calls only."""
    off_hours = demo_con.execute(
        "select distinct priority from tickets where channel = 'phone' "
        "and (hour(timezone($tz, created_at)) < 8 or hour(timezone($tz, created_at)) >= 20)",
        {"tz": plan.timezone}).fetchall()
    assert off_hours == [("critical",)]


def test_incidents_cluster_after_changes(demo_con):
    """A good share of failures follow a change to the same service within two days."""
    share, linked = demo_con.execute(
        "select avg(is_change_related::int), "
        "count(*) filter (where is_change_related and exists (select 1 from changes c where c.service_id = "
        "i.service_id and i.started_at between c.deployed_at and c.deployed_at + interval 2 day)) "
        "  = count(*) filter (where is_change_related) "
        "from incidents i where severity in ('critical', 'high')").fetchone()
    assert 0.25 <= share <= 0.6 and linked


# --- calibration -----------------------------------------------------------------------------------


def test_calibration_window_reproduces_baselines(demo_con, plan):
    """The last three full months before 2026-11-26 land on every baseline of the plan."""
    assert calibration_misses(demo_con, plan, DEMO_TODAY) == {}


@pytest.mark.parametrize("seed,today", [(DEMO_SEED, date(2025, 3, 10)), (7, date(2026, 3, 1))])
def test_calibration_holds_for_other_days_and_seeds(built, plan, seed, today):
    """Calibration does not depend on the date (a month's first day included) or the seed."""
    assert calibration_misses(built(seed, today), plan, today) == {}


def test_outages_are_a_small_share_of_failure_hours(demo_con, plan):
    """Coherence: full outages are about 9 % of failure hours in the window, most failures only degrade."""
    period = Period.last_full_months(DEMO_TODAY, plan.settings.scorecard_months)
    failures, outages, outage_hours, failure_hours = demo_con.execute(
        "select count(*), count(*) filter (where impact = 'outage'), "
        "sum(epoch(resolved_at - started_at)) filter (where impact = 'outage') / 3600, "
        "sum(epoch(resolved_at - started_at)) / 3600 from incidents "
        "where severity in (select unnest($sev)) and timezone($tz, started_at)::date >= $start "
        "and timezone($tz, started_at)::date < $end",
        {"sev": list(plan.settings.failure_severities), "tz": plan.timezone, "start": period.start,
         "end": period.end}).fetchone()
    assert outages <= failures / 3
    assert 0.05 <= outage_hours / failure_hours <= 0.13


def test_months_before_the_window_tell_a_story(demo_con, plan):
    """The year before the window holds a long-outage month and a support-backlog month, and starts worse."""
    window = Period.last_full_months(DEMO_TODAY, plan.settings.scorecard_months)
    year = trend(demo_con, plan, window.start, 12).pivot(index="month", columns="kpi", values="value")
    assert year["uptime_pct"].min() < plan.kpi("uptime_pct").baseline - 0.5
    assert year["first_response_hours"].max() > 1.4 * plan.kpi("first_response_hours").baseline
    assert year["mtbf_hours"].iloc[:3].mean() < plan.kpi("mtbf_hours").baseline
    assert year["support_cost_per_user_usd"].iloc[0] > plan.kpi("support_cost_per_user_usd").baseline


# --- building ----------------------------------------------------------------------------------------


def test_build_refuses_a_non_empty_warehouse(plan):
    """build_demo fills only an empty warehouse."""
    con = connect(":memory:")
    con.execute("insert into services values ('x', 'X', 'web', true, 1, 1.0)")
    with pytest.raises(ValueError, match="not empty"):
        demo.build_demo(con, plan=plan)


@pytest.fixture
def failing_generate(monkeypatch: pytest.MonkeyPatch) -> None:
    """Make the second table of the build break a foreign key, after the first was inserted."""
    change = pd.DataFrame({"change_id": ["CHG-1"], "service_id": ["no-such-service"], "category": ["minor"],
                           "deployed_at": [pd.Timestamp("2025-01-01", tz="UTC")], "is_rolled_back": [False]})
    monkeypatch.setattr(demo, "generate", lambda *a, **k: {"services": demo.services_table(), "changes": change})


def test_failed_build_rolls_back(plan, failing_generate):
    """An error mid-build leaves the warehouse empty (one transaction)."""
    con = connect(":memory:")
    with pytest.raises(duckdb.Error):
        demo.build_demo(con, plan=plan)
    assert {t: n for t, n in table_counts(con).items() if n and t not in MIGRATION_TABLES} == {}


def test_failed_file_build_leaves_no_file(tmp_path, plan, failing_generate):
    """A file build that fails leaves neither the target nor its temporary file."""
    with pytest.raises(duckdb.Error):
        demo.build_demo_file(tmp_path / "w.duckdb", plan=plan)
    assert list(tmp_path.iterdir()) == []


def test_file_build_refuses_to_overwrite(tmp_path, plan):
    """An existing file is left alone unless overwrite is asked for."""
    target = tmp_path / "w.duckdb"
    target.write_bytes(b"keep me")
    with pytest.raises(FileExistsError):
        demo.build_demo_file(target, plan=plan)
    assert target.read_bytes() == b"keep me"


@pytest.mark.slow  # builds a demo warehouse
def test_cli_overwrites_when_asked_and_reports(tmp_path, capsys):
    """--overwrite replaces the file with a full warehouse and prints rows per table and the time."""
    target = tmp_path / "w.duckdb"
    target.write_bytes(b"old")
    assert demo.main(["--db", str(target), "--today", "2025-03-10", "--seed", "3", "--overwrite"]) == 0
    out = capsys.readouterr().out
    assert "built in" in out and "utilisation_hourly" in out
    con = connect(target, read_only=True)
    assert table_counts(con)["incidents"] > 0
    con.close()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["w.duckdb"]


@pytest.mark.parametrize("args", [["--today", "2025-13-01"], ["--seed", "-1"], []])
def test_cli_bad_arguments_exit_2(tmp_path, capsys, args):
    """Bad arguments (date, seed, missing --db) are one error line and exit code 2."""
    argv = (["--db", str(tmp_path / "w.duckdb")] if args else []) + args
    with pytest.raises(SystemExit) as exc:
        demo.main(argv)
    err = capsys.readouterr().err.strip()
    assert exc.value.code == 2 and err.startswith("error:") and "\n" not in err


def test_cli_unwritable_path_exits_2(tmp_path, capsys):
    """A --db in a missing directory is one error line and exit code 2, not a traceback."""
    assert demo.main(["--db", str(tmp_path / "missing" / "w.duckdb")]) == 2
    err = capsys.readouterr().err.strip()
    assert err.startswith("error: cannot write") and "\n" not in err


def test_cli_existing_file_exits_2(tmp_path):
    """`python -m data.demo` on an existing file exits 2 with one line and leaves the file alone."""
    target = tmp_path / "w.duckdb"
    target.write_bytes(b"keep me")
    run = subprocess.run([sys.executable, "-m", "data.demo", "--db", str(target)], cwd=REPO,
                         capture_output=True, text=True, timeout=120)
    assert run.returncode == 2
    assert run.stderr.strip().startswith("error:") and "exists" in run.stderr and "\n" not in run.stderr.strip()
    assert target.read_bytes() == b"keep me"
