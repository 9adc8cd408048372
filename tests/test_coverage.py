"""Covered spans: the hours uptime and MTBF count on a partial warehouse, the span each import
records, single-source warehouses built with the real importer, and each source's freshness."""
from __future__ import annotations

import json
import subprocess
import sys
from datetime import UTC, date, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pandas as pd
import pytest

from analytics import freshness, reliability
from data import spans
from data.warehouse import connect, query

ROOT = Path(__file__).resolve().parent.parent
TZ = "Asia/Bangkok"
BKK = ZoneInfo(TZ)
MARCH = (datetime(2026, 3, 1, tzinfo=BKK), datetime(2026, 4, 1, tzinfo=BKK))  # 31 days: 744 h
CRITICAL = ("critical", "high")


def incidents(*rows: tuple[str, datetime, datetime | None]) -> pd.DataFrame:
    """Critical full outages of one customer-facing service: (id, started, resolved or None)."""
    return pd.DataFrame({"incident_id": [r[0] for r in rows], "service_id": "web", "severity": "critical",
                         "impact": "outage", "started_at": pd.to_datetime([r[1] for r in rows], utc=True),
                         "detected_at": pd.to_datetime([r[1] for r in rows], utc=True),
                         "resolved_at": pd.to_datetime([r[2] for r in rows], utc=True), "is_customer_facing": True})


NO_WINDOWS = pd.DataFrame({"service_id": pd.Series(dtype=object), "starts_at": pd.Series(dtype="datetime64[ns, UTC]"),
                           "ends_at": pd.Series(dtype="datetime64[ns, UTC]")})


def uptime_and_mtbf(frame: pd.DataFrame, span: tuple[datetime, datetime]) -> tuple[float, object]:
    """Uptime and MTBF of March as the scorecard counts them, on a counted span."""
    t = reliability.timeline(frame, NO_WINDOWS, span)
    part = reliability.observed_part(t, *MARCH)
    a = reliability.availability_of(t, *part)
    return a.uptime_pct, reliability.mtbf(t.incidents, CRITICAL, *MARCH, a.down_hours, counted=part)


# ----------------------------------------------------------------------------- pure: the counted span

def test_one_outage_in_an_otherwise_empty_month():
    """The incident data covers March whole: 744 h, 1 h down: uptime 1 - 1/744 = 99.866 %, MTBF 743 h / 1."""
    frame = incidents(("I1", datetime(2026, 3, 10, 10, tzinfo=BKK), datetime(2026, 3, 10, 11, tzinfo=BKK)))
    uptime, mtbf = uptime_and_mtbf(frame, MARCH)
    assert uptime == pytest.approx(100 * (1 - 1 / 744)) and round(uptime, 3) == 99.866
    assert (mtbf.value, mtbf.n) == (pytest.approx(743.0), 1)


def test_an_open_failure_past_the_counted_end_still_counts():
    """Counted to 20 Mar 10:00 (456 h, where the data runs through); the open outage starts at that
    instant: no hour of it is counted, but it is a failure of March: MTBF (456 - 1) / 2 failures."""
    frame = incidents(("I1", datetime(2026, 3, 10, 10, tzinfo=BKK), datetime(2026, 3, 10, 11, tzinfo=BKK)),
                      ("I2", datetime(2026, 3, 20, 0, tzinfo=BKK), None))
    uptime, mtbf = uptime_and_mtbf(frame, (MARCH[0], datetime(2026, 3, 20, 0, tzinfo=BKK)))
    assert uptime == pytest.approx(100 * (1 - 1 / 456))
    assert (mtbf.value, mtbf.n) == (pytest.approx(455 / 2), 2)


def test_counted_span_prefers_the_recorded_one():
    """A recorded span wins; with none, the records' own span only when incidents exist; else nothing."""
    recorded, records = MARCH, (datetime(2026, 3, 10, tzinfo=UTC), datetime(2026, 3, 11, tzinfo=UTC))
    assert reliability.counted_span(recorded, True, records) == (recorded, reliability.RECORDED)
    assert reliability.counted_span(None, True, records) == (records, reliability.RECORDS)
    assert reliability.counted_span(None, False, records) == (None, "")  # monitoring alone says nothing of outages


def test_clip_note_says_where_and_why():
    """Clipped at the end mid-day, at the start, or not at all."""
    through = datetime(2026, 3, 26, 14, tzinfo=BKK)
    assert reliability.clip_note(*MARCH, (MARCH[0], through), reliability.RECORDED, TZ) == \
        "counted to 26 Mar 2026 14:00, where the incident data runs through"
    late = (datetime(2026, 3, 15, tzinfo=BKK), datetime(2026, 4, 27, tzinfo=BKK))
    assert reliability.clip_note(*MARCH, late, reliability.RECORDED, TZ) == \
        "counted from 15 Mar 2026, where the incident data begins"
    assert reliability.clip_note(*MARCH, (MARCH[0], datetime(2026, 3, 27, tzinfo=BKK)), reliability.RECORDS, TZ) == \
        "counted through 26 Mar 2026, where the warehouse's records (no import span recorded) runs through"
    assert reliability.clip_note(*MARCH, MARCH, reliability.RECORDED, TZ) == ""


# ----------------------------------------------------------------------------- pure: what an import covers

NOW = datetime(2026, 12, 6, 8, 42, tzinfo=UTC)  # 15:42 in Bangkok


def test_event_export_covers_its_first_month_through_the_import():
    """An incident on 10 Mar: from 1 Mar (local) through the moment of the import."""
    span = spans.infer("incidents", pd.Timestamp("2026-03-10 03:00+00"), pd.Timestamp("2026-03-10 04:00+00"), NOW, TZ)
    assert (span.start, span.through, span.how) == (datetime(2026, 3, 1, tzinfo=BKK), NOW, "inferred")
    assert span.row(TZ) == (date(2026, 3, 1), date(2026, 12, 6), NOW)
    assert spans.describe(span, TZ) == ("covers 1 Mar 2026 to 6 Dec 2026 15:42 (inferred from the file; "
                                        "declare with --covers-from / --covers-through)")


def test_series_cover_their_buckets_and_catalogues_are_snapshots():
    """Hourly rows 07:00-09:00 local: 07:00 to 10:00; months Jan-Feb: to the end of February; services: as of now."""
    hourly = spans.infer("utilisation_hourly", pd.Timestamp("2026-01-01 00:00+00"),
                         pd.Timestamp("2026-01-01 02:00+00"), NOW, TZ)
    assert (hourly.start, hourly.through) == (datetime(2026, 1, 1, 7, tzinfo=BKK), datetime(2026, 1, 1, 10, tzinfo=BKK))
    monthly = spans.infer("costs_monthly", date(2026, 1, 1), date(2026, 2, 1), NOW, TZ)
    assert monthly.row(TZ) == (date(2026, 1, 1), date(2026, 2, 28), None)
    snapshot = spans.infer("services", None, None, NOW, TZ)
    assert snapshot.row(TZ) == (None, date(2026, 12, 6), NOW)


def test_declared_days_win_but_never_leave_a_record_out():
    """--covers-from 15 Mar with a record on 10 Mar: widened to 10 Mar, and said; through 31 Mar: to 1 Apr 00:00."""
    span = spans.infer("incidents", pd.Timestamp("2026-03-10 03:00+00"), pd.Timestamp("2026-03-10 03:00+00"), NOW,
                       TZ, date(2026, 3, 15), date(2026, 3, 31))
    assert (span.start, span.through, span.how) == (datetime(2026, 3, 10, tzinfo=BKK), datetime(2026, 4, 1, tzinfo=BKK),
                                                    "declared")
    assert spans.describe(span, TZ) == "covers 10 Mar 2026 to 31 Mar 2026 (declared; widened to the file's own " \
                                       "records (from))"


def test_an_empty_export_records_a_span_only_when_declared():
    """No rows, no declared start: nothing to record; declared: from that day through the import."""
    assert spans.infer("incidents", None, None, NOW, TZ) is None
    assert spans.infer("incidents", None, None, NOW, TZ, date(2026, 3, 1)).row(TZ) == (date(2026, 3, 1),
                                                                                      date(2026, 12, 6), NOW)


# ----------------------------------------------------------------------------- pure: freshness

SPANS = pd.DataFrame({"table_name": ["incidents", "services"],
                      "first_at": [pd.Timestamp("2026-02-28 17:00+00"), pd.NaT],
                      "through_at": [pd.Timestamp("2026-11-26 17:00+00"), pd.Timestamp("2026-11-20 03:00+00")],
                      "last_imported_at": [pd.Timestamp("2026-11-27 02:00+00"), pd.Timestamp("2026-11-20 03:00+00")],
                      "how": ["inferred", "inferred"], "n_imports": [1, 1]})


def test_a_source_is_stale_past_the_setting():
    """Data through 26 Nov (the midnight after it): on 3 Dec 7 days old, fresh at 7; on 6 Dec 10 days: stale."""
    incidents_src, services_src, tickets_src = freshness.sources(SPANS, ["incidents", "services", "tickets"])
    assert freshness.days_old(incidents_src, date(2026, 12, 3), TZ) == 7
    assert not freshness.is_stale(incidents_src, date(2026, 12, 3), TZ, 7)
    assert freshness.is_stale(incidents_src, date(2026, 12, 4), TZ, 7)
    assert freshness.source_line(incidents_src, date(2026, 12, 6), TZ, 7) == \
        "incidents: stale: last data 26 Nov 2026, 10 days ago (imported 27 Nov 2026)"
    assert freshness.source_line(incidents_src, date(2026, 11, 27), TZ, 7) == \
        "incidents: imported 27 Nov 2026, covers 1 Mar 2026 to 26 Nov 2026"
    assert freshness.source_line(services_src, date(2026, 11, 27), TZ, 7) == \
        "services: imported 20 Nov 2026, a snapshot as of 20 Nov 2026"
    assert freshness.source_line(tickets_src, date(2026, 11, 27), TZ, 7) == "tickets: no import recorded"
    assert not freshness.is_stale(tickets_src, date(2030, 1, 1), TZ, 7)
    assert freshness.stale_groups([incidents_src, services_src, tickets_src], date(2026, 12, 6), TZ, 7) == \
        ["stale: last data 26 Nov 2026, 10 days ago: incidents", "stale: last data 20 Nov 2026, 16 days ago: services"]


def test_inputs_stopping_before_the_period_end_are_named():
    """Incidents run through 26 Nov: short of November's end, not of October's; unrecorded tickets say nothing."""
    nov_end, oct_end = datetime(2026, 12, 1, tzinfo=BKK), datetime(2026, 11, 1, tzinfo=BKK)
    assert freshness.stops_before(SPANS, ["incidents", "tickets"], nov_end, TZ) == \
        "inputs stop before the period ends: incidents run through 26 Nov 2026"
    assert freshness.stops_before(SPANS, ["incidents", "tickets"], oct_end, TZ) == ""


# ----------------------------------------------------------------------------- single-source warehouses

SERVICES = "service_id,name,kind,is_customer_facing,instances,instance_rps_capacity\nweb,Web,web,true,2,100\n"
INCIDENT_HEAD = "incident_id,service_id,severity,impact,started_at,detected_at,resolved_at\n"
ONE_OUTAGE = INCIDENT_HEAD + "I1,web,critical,outage,2026-03-10T10:00:00+07:00,2026-03-10T10:00:00+07:00," \
                             "2026-03-10T11:00:00+07:00\n"


def run(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", *args], capture_output=True, text=True, cwd=ROOT, timeout=120)


def warehouse(tmp_path: Path, *imports: tuple[str, str, tuple[str, ...]]) -> tuple[Path, list[str]]:
    """A warehouse file built by `python -m data.importer` from (table, CSV text, extra options); the outputs."""
    db, out = tmp_path / "w.duckdb", []
    for i, (table, text, extra) in enumerate(imports):
        path = tmp_path / f"{i}_{table}.csv"
        path.write_text(text)
        done = run("data.importer", "--db", str(db), "--table", table, str(path), *extra)
        assert done.returncode == 0, done.stdout + done.stderr
        out.append(done.stdout)
    return db, out


def kpis(db: Path, start: str, end: str) -> dict[str, dict]:
    """`python -m analytics.scorecard --json` by KPI key."""
    done = run("analytics.scorecard", "--db", str(db), "--start", start, "--end", end, "--json")
    assert done.returncode == 0 and "Traceback" not in done.stderr, done.stderr
    return {o["kpi"]: o for o in json.loads(done.stdout)}


def assert_no_data_but(out: dict[str, dict], *measured: str) -> None:
    """Every KPI but `measured` is no data: no value (never 0), status 'no data'."""
    assert {k for k, o in out.items() if o["value"] is not None or o["status"] != "no data"} == set(measured)


def test_only_incidents_one_outage_in_an_empty_month(tmp_path):
    """Services and one 1-hour outage on 10 Mar: March counts 744 h (the export covers it from 1 Mar):
    uptime 1 - 1/744 = 99.866 %, MTBF 743 h / 1, MTTR 1 h; the nine other KPIs no data."""
    db, out = warehouse(tmp_path, ("services", SERVICES, ()), ("incidents", ONE_OUTAGE, ()))
    assert "a snapshot as of" in out[0]
    assert "covers 1 Mar 2026 to " in out[1] and "(inferred from the file; declare with --covers-from" in out[1]
    march = kpis(db, "2026-03-01", "2026-04-01")
    assert march["uptime_pct"]["value"] == pytest.approx(100 * (1 - 1 / 744))
    assert march["mtbf_hours"]["value"] == pytest.approx(743.0) and march["mtbf_hours"]["n"] == 1
    assert march["mttr_hours"]["value"] == pytest.approx(1.0)
    assert_no_data_but(march, "uptime_pct", "mtbf_hours", "mttr_hours")
    february = kpis(db, "2026-02-01", "2026-03-01")  # before the export's span: unknown, not 100 %
    assert february["uptime_pct"]["value"] is None and february["mtbf_hours"]["value"] is None


def test_only_incidents_one_closed_one_open_outage(tmp_path):
    """Declared 1-31 Mar; 1 h closed on 10 Mar, one open from 20 Mar 10:00: it runs to 1 Apr 00:00
    (278 h), 279 h down of 744: uptime 62.5 %; MTBF (744 - 279) / 2 failures = 232.5 h. April,
    past the declared span: no data."""
    rows = ONE_OUTAGE + "I2,web,critical,outage,2026-03-20T10:00:00+07:00,2026-03-20T10:00:00+07:00,\n"
    db, out = warehouse(tmp_path, ("services", SERVICES, ()),
                        ("incidents", rows, ("--covers-from", "2026-03-01", "--covers-through", "2026-03-31")))
    assert "covers 1 Mar 2026 to 31 Mar 2026 (declared)" in out[1]
    march = kpis(db, "2026-03-01", "2026-04-01")
    assert march["uptime_pct"]["value"] == pytest.approx(100 * (1 - 279 / 744))
    assert (march["mtbf_hours"]["value"], march["mtbf_hours"]["n"]) == (pytest.approx(232.5), 2)
    april = kpis(db, "2026-04-01", "2026-05-01")
    assert april["uptime_pct"]["value"] is None and april["mtbf_hours"]["value"] is None


def test_a_declared_start_clips_the_period_and_the_tile_says_so(tmp_path, plan):
    """--covers-from 15 Mar, an outage of 1 h on 20 Mar: March counts 15 Mar to 1 Apr, 408 h:
    uptime 1 - 1/408, MTBF 407 h; the tile names the clip."""
    rows = INCIDENT_HEAD + "I1,web,high,outage,2026-03-20T10:00:00+07:00,2026-03-20T10:00:00+07:00," \
                           "2026-03-20T11:00:00+07:00\n"
    db, _ = warehouse(tmp_path, ("services", SERVICES, ()), ("incidents", rows, ("--covers-from", "2026-03-15")))
    march = kpis(db, "2026-03-01", "2026-04-01")
    assert march["uptime_pct"]["value"] == pytest.approx(100 * (1 - 1 / 408))
    assert march["mtbf_hours"]["value"] == pytest.approx(407.0)
    from core.period import Period
    from analytics.scorecard import scorecard
    tiles = {r.kpi: r for r in scorecard(connect(db, read_only=True), plan, Period(date(2026, 3, 1), date(2026, 4, 1)))}
    assert tiles["uptime_pct"].coverage == "counted from 15 Mar 2026, where the incident data begins"
    assert tiles["mtbf_hours"].coverage == tiles["uptime_pct"].coverage


TICKETS = ("ticket_id,channel,priority,category,created_at,first_response_at,resolved_at,escalation_count\n"
           "T1,email,high,billing,2026-03-10T09:00:00+07:00,2026-03-10T11:00:00+07:00,2026-03-10T12:00:00+07:00,0\n"
           "T2,phone,critical,login,2026-03-12T09:00:00+07:00,2026-03-12T13:00:00+07:00,2026-03-12T14:00:00+07:00,1\n"
           "T3,live_chat,low,how_to,2026-03-13T09:00:00+07:00,2026-03-13T09:01:00+07:00,,0\n")


def test_only_tickets(tmp_path):
    """First response over the high-priority T1 (2 h) and T2 (4 h): 3 h; FCR: of T1 and T2 resolved,
    T1 alone without escalation: 50 %. Self-service reads sessions too: no data, not 0 %."""
    db, out = warehouse(tmp_path, ("tickets", TICKETS, ()))
    assert "covers 1 Mar 2026 to " in out[0]
    march = kpis(db, "2026-03-01", "2026-04-01")
    assert march["first_response_hours"]["value"] == pytest.approx(3.0)
    assert march["fcr_pct"]["value"] == pytest.approx(50.0)
    assert_no_data_but(march, "first_response_hours", "fcr_pct")


COSTS = "month,line,amount_usd\n2026-01-01,support_team,15000\n2026-01-01,cloud_services,6000\n"
USERS = "day,daily_active_users,monthly_active_users\n" + "".join(
    f"2026-01-{d:02d},100,{1000 + 10 * (d - 1) if d < 31 else 2000}\n" for d in range(1, 32))


def test_only_costs_and_users(tmp_path):
    """Support 15,000 over 2,000 users on 31 Jan: $7.50 per user; the infrastructure share needs
    revenue (business days): no data."""
    db, out = warehouse(tmp_path, ("costs_monthly", COSTS, ()), ("active_users_daily", USERS, ()))
    assert "covers 1 Jan 2026 to 31 Jan 2026 (inferred" in out[0] and "covers 1 Jan 2026 to 31 Jan 2026" in out[1]
    january = kpis(db, "2026-01-01", "2026-02-01")
    assert january["support_cost_per_user_usd"]["value"] == pytest.approx(7.5)
    assert_no_data_but(january, "support_cost_per_user_usd")


HOURLY = "service_id,hour_at,cpu_pct\n" + "".join(f"web,2026-03-10T{h:02d}:00:00+07:00,{40 + h}\n" for h in range(6))


def test_only_utilisation(tmp_path):
    """Monitoring hours say nothing of outages: every KPI, uptime included, is no data (not 100 %)."""
    db, out = warehouse(tmp_path, ("services", SERVICES, ()), ("utilisation_hourly", HOURLY, ()))
    assert "covers 10 Mar 2026 to 10 Mar 2026 06:00" in out[1]
    assert_no_data_but(kpis(db, "2026-03-01", "2026-04-01"))


def test_an_existing_warehouse_gains_the_spans_table(tmp_path):
    """A file made before spans were recorded is migrated on open; its uptime keeps counting its records."""
    db = tmp_path / "old.duckdb"
    con = connect(db)
    con.execute("drop table covered_spans")
    con.close()
    con = connect(db)
    assert query(con, "covered_spans", tz=TZ).empty


# ----------------------------------------------------------------------------- pages: fresh or stale at a glance

IMPORTED_AT = datetime(2026, 3, 31, 5, 0, tzinfo=UTC)  # 12:00 in Bangkok


@pytest.fixture(scope="module")
def march_db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Services and one outage, imported on 31 Mar 2026 12:00 local: incidents cover 1 to 31 Mar 12:00."""
    from data.access import cli_actor
    from data.importer import ImportOptions, run_import

    db = tmp_path_factory.mktemp("march") / "w.duckdb"
    con = connect(db)
    for table, text in (("services", SERVICES), ("incidents", ONE_OUTAGE)):
        result = run_import(con, text.encode(), f"{table}.csv", table, ImportOptions(tz=TZ), now=IMPORTED_AT,
                            actor=cli_actor())
        assert result.ok, result.summary()
    con.close()
    return db


def plan_with(tmp_path: Path, stale_after_days: int) -> Path:
    """plan.toml with another stale_after_days."""
    text = (ROOT / "plan.toml").read_text()
    path = tmp_path / "plan.toml"
    path.write_text(text.replace("stale_after_days = 7", f"stale_after_days = {stale_after_days}"))
    return path


def reliability_page(db: Path, plan_file: Path, monkeypatch: pytest.MonkeyPatch):
    from tests.conftest import app_test

    at = app_test(db, monkeypatch)
    monkeypatch.setenv("OPSPLAN_PLAN", str(plan_file))
    at.query_params.update({"start": "2026-03-01", "end": "2026-04-01"})
    at.run()
    at.switch_page(str(ROOT / "pages" / "reliability.py")).run()
    assert not at.exception, at.exception
    return at


def test_page_flags_a_stale_source_and_lists_the_others(march_db, tmp_path, monkeypatch):
    """Incidents end 31 Mar 2026: stale (in the warning colour, on the line itself) whatever today
    is from 8 Apr 2026 on; the uptime tile says where its hours stop. With a setting of a century,
    the same source is listed as fresh, with its import and span."""
    import re

    from tests.conftest import texts

    at = reliability_page(march_db, plan_with(tmp_path, 7), monkeypatch)
    shown = texts(at)
    assert re.search(r"Data: 4 sources, 0 fresh, 2 with no import recorded · :orange\[\*\*stale: last data 31 Mar 2026, \d+ days ago: "
                     r"incidents, services\*\*\]", shown), shown  # on the line, whatever today is
    assert re.search(r":orange\[\*\*incidents: stale: last data 31 Mar 2026, \d+ days ago "
                     r"\(imported 31 Mar 2026\)\*\*\]", shown), shown  # in the expander, one line a source
    assert "changes: no import recorded" in shown
    assert "counted to 31 Mar 2026 12:00, where the incident data runs through" in shown
    at = reliability_page(march_db, plan_with(tmp_path, 36500), monkeypatch)
    shown = texts(at)
    assert "stale" not in shown and "incidents: imported 31 Mar 2026, covers 1 Mar 2026 to 31 Mar 2026" in shown


def test_append_widens_the_span_and_replace_starts_it_again(tmp_path):
    """March declared, then April appended: 1 Mar to 30 Apr; a replace declared for May alone: 1 to 31 May."""
    from data.access import cli_actor
    from data.importer import ImportOptions, run_import

    con = connect(tmp_path / "w.duckdb")

    def load(table: str, text: str, **declared) -> None:
        result = run_import(con, text.encode(), f"{table}.csv", table, ImportOptions(tz=TZ, **declared),
                            now=datetime(2026, 6, 15, tzinfo=UTC), actor=cli_actor())
        assert result.ok, result.summary()

    def span() -> tuple:
        row = query(con, "covered_spans", tz=TZ).set_index("table_name").loc["incidents"]
        return row["first_at"].tz_convert(TZ).date(), (row["through_at"] - pd.Timedelta(1, "us")).tz_convert(TZ).date()

    load("services", SERVICES)
    load("incidents", ONE_OUTAGE, covers_from=date(2026, 3, 1), covers_through=date(2026, 3, 31))
    load("incidents", INCIDENT_HEAD, allow_empty=True, covers_from=date(2026, 4, 1), covers_through=date(2026, 4, 30))
    assert span() == (date(2026, 3, 1), date(2026, 4, 30))
    may = INCIDENT_HEAD + "I9,web,low,none,2026-05-02T10:00:00+07:00,2026-05-02T10:00:00+07:00,\n"
    load("incidents", may, mode="replace", covers_from=date(2026, 5, 1), covers_through=date(2026, 5, 31))
    assert span() == (date(2026, 5, 1), date(2026, 5, 31))
