"""Rollups: threshold_hours_daily equals the count over the raw rows after a demo build and every import mode."""
from __future__ import annotations

from datetime import date, datetime
from pathlib import Path

import pandas as pd
import pytest

from core.plan import Plan
from data import rollups
from data.access import LOCAL_USER
from data.importer import run_import
from data.params import threshold_params
from data.validate import ImportOptions
from data.warehouse import connect, local_midnight, query

NOW = datetime(2026, 3, 1, 12, tzinfo=local_midnight(date(2026, 1, 1), "UTC").tzinfo)


def both(con, plan: Plan, start: date, end: date, suppress: bool = True) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The rollup's answer and the raw query's, for local days [start, end)."""
    p = {**threshold_params(plan), "suppress": suppress}
    s, e = local_midnight(start, plan.timezone), local_midnight(end, plan.timezone)
    return (query(con, "threshold_hours_monthly_rollup", start_day=start, end_day=end, metrics=p["metrics"],
                  suppress=suppress),
            query(con, "threshold_hours_monthly", start=s, end=e, tz=plan.timezone, **p))


def assert_same(con, plan: Plan, start: date, end: date) -> None:
    for suppress in (True, False):
        rolled, raw = both(con, plan, start, end, suppress)
        assert not raw.empty
        pd.testing.assert_frame_equal(rolled, raw)


def test_demo_rollup_equals_raw(demo_db: Path, plan: Plan):
    """The demo build fills the rollup for the plan's thresholds; every month of it matches the raw count."""
    con = connect(demo_db, read_only=True)
    assert rollups.covers(con, plan.timezone, **{k: v for k, v in threshold_params(plan).items() if k != "suppress"})
    first, last = con.execute("select min(day), max(day) from threshold_hours_daily").fetchone()
    assert_same(con, plan, first, last + pd.Timedelta(days=1))
    assert_same(con, plan, date(2026, 2, 1), date(2026, 3, 1))
    con.close()


@pytest.fixture()
def con(tmp_path: Path, plan: Plan):
    con = connect(tmp_path / "r.duckdb")
    con.execute("insert into services values ('web', 'Web', 'web', true, 2, 100), ('db', 'DB', 'database', false, 1, 50)")
    rollups.configure(con, plan)
    return con


def imp(con, text: str, table: str, mode: str) -> None:
    result = run_import(con, text.encode(), f"{table}.csv", table, ImportOptions(tz="UTC", mode=mode), user="t",
                        now=NOW, actor=LOCAL_USER)
    assert result.outcome == "imported", result.summary()


def hours_csv(days: range, cpu: float, service: str = "web") -> str:
    lines = ["service_id,hour_at,cpu_pct,response_time_p95_ms"]
    lines += [f"{service},2026-01-{d:02d} {h:02d}:00,{cpu + h},{1500 + 100 * h}" for d in days for h in range(24)]
    return "\n".join(lines) + "\n"


def test_imports_keep_the_rollup_equal_to_raw(con, plan: Plan):
    """Append, upsert and replace of hourly rows, and maintenance windows, each leave rollup == raw."""
    imp(con, hours_csv(range(1, 11), 60.0), "utilisation_hourly", "append")
    assert_same(con, plan, date(2025, 12, 1), date(2026, 2, 1))
    imp(con, hours_csv(range(5, 8), 75.0), "utilisation_hourly", "upsert")      # hotter days 5-7
    assert_same(con, plan, date(2025, 12, 1), date(2026, 2, 1))
    imp(con, "service_id,hour_at,query_time_p95_ms,deadlocks\n" + "".join(
        f"db,2026-01-03 {h:02d}:00,{400 + 20 * h},{h % 8}\n" for h in range(24)), "database_hourly", "append")
    imp(con, "window_id,service_id,kind,starts_at,ends_at\nw1,web,daily,2026-01-06 01:30,2026-01-06 03:10\n"
             "w2,db,security_patch,2026-01-03 20:00,2026-01-03 23:00\n", "maintenance_windows", "append")
    rolled, raw = both(con, plan, date(2025, 12, 1), date(2026, 2, 1))
    assert raw["hours_suppressed"].sum() > 0
    assert_same(con, plan, date(2025, 12, 1), date(2026, 2, 1))
    imp(con, hours_csv(range(2, 4), 70.0), "utilisation_hourly", "replace")     # days 1 and 4-10 go
    assert_same(con, plan, date(2025, 12, 1), date(2026, 2, 1))
    assert con.execute("select count(distinct day) from threshold_hours_daily where service_id = 'web'").fetchone()[0] == 3


def test_other_thresholds_or_partial_days_read_raw_rows(con, plan: Plan):
    """A plan with other thresholds, or a period not on local midnights, is answered from the raw rows."""
    imp(con, hours_csv(range(1, 3), 70.0), "utilisation_hourly", "append")
    p = threshold_params(plan)
    p["limits"] = [v + 1 for v in p["limits"]]
    assert not rollups.covers(con, plan.timezone, p["metrics"], p["ops"], p["limits"])
    start, end = local_midnight(date(2026, 1, 1), plan.timezone), local_midnight(date(2026, 2, 1), plan.timezone)
    pd.testing.assert_frame_equal(rollups.threshold_hours_monthly(con, start=start, end=end, tz=plan.timezone, **p),
                                  query(con, "threshold_hours_monthly", start=start, end=end, tz=plan.timezone, **p))
    noon = start + pd.Timedelta(hours=12)
    q = threshold_params(plan)
    pd.testing.assert_frame_equal(rollups.threshold_hours_monthly(con, start=noon, end=end, tz=plan.timezone, **q),
                                  query(con, "threshold_hours_monthly", start=noon, end=end, tz=plan.timezone, **q))


# ---------------------------------------------------------------------------
# utilisation_samples -> utilisation_hourly (samples win for the buckets they cover)

HOURLY_COLUMNS = ["service_id", "hour_at", "cpu_pct", "memory_pct", "disk_pct", "network_latency_ms",
                  "response_time_p95_ms", "error_rate_pct", "requests_per_s", "data_gb"]


def samples_csv(day: int, hours: range, host_ids: tuple[str, ...], cpu: float, service: str = "web",
                minutes: tuple[int, ...] = (0, 20, 40)) -> str:
    """Samples every 20 minutes of `hours` on 2026-01-`day`; values differ per host and minute; the
    header spells host and time as exports do."""
    lines = [("service,hostname,timestamp,cpu_pct,memory_pct,disk_pct,network_latency_ms,response_time_p95_ms,"
              "error_rate_pct,requests_per_s,data_gb")]
    for h in hours:
        for i, host in enumerate(host_ids):
            for m in minutes:
                lines.append(f"{service},{host},2026-01-{day:02d} {h:02d}:{m:02d},{cpu + h + i + m / 10},"
                             f"{50 + i},{40 + h + m / 60 + 3 * i},{5 + m / 10},{1000 + 100 * h + 50 * i + m},"
                             f"{1.5 + 0.5 * i + m / 100},{10 + i + m / 10},{100 + 10 * i + m / 60}")
    return "\n".join(lines) + "\n"


def direct_hourly(con) -> pd.DataFrame:
    """utilisation_hourly as the rollup should give it, aggregated from the stored samples in pandas:
    per host and hour first (means, max, last), then over hosts (mean, max, sum, request-weighted)."""
    s = con.execute("select * from utilisation_samples").df()
    s["hour_at"] = s["sampled_at"].dt.floor("h")
    s["errors"] = s["error_rate_pct"] * s["requests_per_s"]
    last = s.sort_values("sampled_at").groupby(["service_id", "host_id", "hour_at"])["data_gb"].last()
    h = s.groupby(["service_id", "host_id", "hour_at"]).agg(
        cpu_pct=("cpu_pct", "mean"), memory_pct=("memory_pct", "mean"), disk_pct=("disk_pct", "max"),
        network_latency_ms=("network_latency_ms", "mean"), response_time_p95_ms=("response_time_p95_ms", "max"),
        errors=("errors", "sum"), weight=("requests_per_s", "sum"), requests_per_s=("requests_per_s", "mean"))
    h["data_gb"] = last
    g = h.groupby(["service_id", "hour_at"])
    out = g.agg(cpu_pct=("cpu_pct", "mean"), memory_pct=("memory_pct", "mean"), disk_pct=("disk_pct", "max"),
                network_latency_ms=("network_latency_ms", "mean"),
                response_time_p95_ms=("response_time_p95_ms", "max"), requests_per_s=("requests_per_s", "sum"),
                data_gb=("data_gb", "sum"))
    out["error_rate_pct"] = g["errors"].sum() / g["weight"].sum()
    return out.reset_index()[HOURLY_COLUMNS].sort_values(["service_id", "hour_at"], ignore_index=True)


def hourly(con, sampled_only: bool = True) -> pd.DataFrame:
    """utilisation_hourly rows (only those of buckets with samples, by default)."""
    where = ("where exists (select 1 from utilisation_samples s where s.service_id = u.service_id and "
             "date_trunc('hour', s.sampled_at) = u.hour_at)") if sampled_only else ""
    return con.execute(f"select * from utilisation_hourly u {where} order by service_id, hour_at").df()[HOURLY_COLUMNS]


def assert_rolled_up(con, plan: Plan) -> None:
    """The sampled buckets equal a direct aggregation of the samples, and the threshold rollup the raw count."""
    pd.testing.assert_frame_equal(hourly(con), direct_hourly(con), check_dtype=False)
    assert_same(con, plan, date(2025, 12, 1), date(2026, 2, 1))


@pytest.mark.slow  # a demo warehouse copy and several imports
def test_sample_imports_keep_hourly_equal_to_the_samples(con, plan: Plan):
    """Append, upsert and replace of samples: utilisation_hourly and threshold_hours_daily follow exactly."""
    imp(con, samples_csv(3, range(24), ("web-1", "web-2"), 60.0), "utilisation_samples", "append")
    imp(con, samples_csv(4, range(6), ("db-1",), 30.0, service="db"), "utilisation_samples", "append")
    assert con.execute("select count(*) from utilisation_hourly").fetchone()[0] == 30
    assert_rolled_up(con, plan)
    imp(con, samples_csv(3, range(10, 14), ("web-2",), 80.0), "utilisation_samples", "upsert")  # one host hotter
    imp(con, samples_csv(3, range(12, 13), ("web-3",), 20.0, minutes=(5,)), "utilisation_samples", "append")
    assert_rolled_up(con, plan)
    before = con.execute("select count(*) from threshold_hours_daily").fetchone()[0]
    imp(con, samples_csv(5, range(3), ("web-1",), 70.0), "utilisation_samples", "replace")  # the rest goes
    assert_rolled_up(con, plan)
    assert hourly(con, sampled_only=False)["hour_at"].dt.day.unique().tolist() == [5]
    assert 0 < con.execute("select count(*) from threshold_hours_daily").fetchone()[0] < before


@pytest.mark.slow  # a demo warehouse copy and several imports
def test_samples_win_over_direct_hourly_rows(con, plan: Plan):
    """Samples replace a directly imported hour they cover; a direct row for a sampled hour is refused;
    hours without samples keep their direct rows, also through a replace of utilisation_hourly."""
    imp(con, hours_csv(range(3, 5), 50.0), "utilisation_hourly", "append")
    imp(con, samples_csv(3, range(10, 12), ("web-1", "web-2"), 80.0), "utilisation_samples", "append")
    assert_rolled_up(con, plan)
    assert len(hourly(con, sampled_only=False)) == 48  # the two sampled hours were replaced, not added
    result = run_import(con, hours_csv(range(3, 4), 10.0).encode(), "u.csv", "utilisation_hourly",
                        ImportOptions(tz="UTC", mode="upsert"), user="t", now=NOW, actor=LOCAL_USER)
    assert result.outcome == "rejected"
    assert {p.line for p in result.errors} == {12, 13}  # the header is line 1; hours 10 and 11 of day 3
    assert "samples win" in result.errors[0].rule
    imp(con, hours_csv(range(4, 5), 45.0), "utilisation_hourly", "replace")  # day 3 goes, except what samples cover
    assert_rolled_up(con, plan)
    days = hourly(con, sampled_only=False).groupby(hourly(con, sampled_only=False)["hour_at"].dt.day).size()
    assert days.to_dict() == {3: 2, 4: 24}


def import_while_open(monkeypatch: pytest.MonkeyPatch, con, text: str, table: str, mode: str,
                      now: datetime = NOW) -> dict:
    """Arrange a second import of `text` to run, on another cursor, while the next import's
    transaction is still open (just before it logs itself); the dict receives its `result`."""
    import data.importer as importer

    real, second = importer.write_log, {}

    def first_still_open(cur, result, *args):
        if result.outcome == "imported" and not second:
            second["running"] = True
            second["result"] = run_import(con, text.encode(), f"{table}.csv", table,
                                          ImportOptions(tz="UTC", mode=mode), user="t", now=now, actor=LOCAL_USER)
        real(cur, result, *args)

    monkeypatch.setattr(importer, "write_log", first_still_open)
    return second


def test_two_hourly_imports_at_once_take_turns(con, plan: Plan, monkeypatch: pytest.MonkeyPatch):
    """A second import recounting the threshold rollup while the first's transaction is open is
    asked to retry; the rollup stays equal to the raw count, and the retry works."""
    later = hours_csv(range(12, 14), 75.0)
    second = import_while_open(monkeypatch, con, later, "utilisation_hourly", "append")
    imp(con, hours_csv(range(1, 3), 70.0), "utilisation_hourly", "append")
    monkeypatch.undo()
    assert second["result"].outcome == "retry"
    assert_same(con, plan, date(2025, 12, 1), date(2026, 2, 1))
    imp(con, later, "utilisation_hourly", "append")
    assert_same(con, plan, date(2025, 12, 1), date(2026, 2, 1))
