"""Scale benchmark: the scorecard and every page's data loading on a warehouse of N utilisation samples.

Run: python benchmarks/scale.py --rows 10000000 [--db PATH] [--keep] [--repeat 3]

Shape: N raw samples in utilisation_samples, one per host per minute, from 100
hosts (10 services x 10 hosts), ending where the scorecard's default period (the last full months)
ends, so that every size has samples in the period the pages show: the time span follows from N
(whole hours: 1M rows = 9,960 minutes, about 7 days; 100M rows = about 1.9 years). They are rolled up into
utilisation_hourly and threshold_hours_daily with the importer's own steps (data.rollups:
mark_sample_buckets + roll_up_samples per chunk, then configure), so the pages read rollups whose
size follows the time span and the 10 services, not N. database_hourly has a row per hour of every
fifth service over the same span. Incidents, changes, tickets, surveys and self-service sessions
grow with N in the demo's proportion per utilisation row, now per sample (1M samples: 95k tickets,
4k incidents; 100M: 9.5M tickets, 413k incidents), spread over the demo's whole 24 months so that
every scorecard period has them; costs, revenue and users are the demo's scaled by N / demo rows.
Small tables come from the seeded demo. Everything is generated in DuckDB SQL (range() x hash
noise), samples time-major in whole-hour chunks of about CHUNK_ROWS.

Measure: for cold and warm, each loader is called with the app's caches cleared
(cache.forget_results: results and shared inputs; so every call runs its SQL and Python).
cold = a new DuckDB instance opened on the file (empty buffer pool; the OS page cache as it is,
so after a build the file is mostly in memory: not a cold disk), with the modules imported as in a
running server (the forecasting stack too, and the objects then alive frozen out of the garbage
collector's way: app.py does both after the first page); warm = the next call on the same
connection. Medians of --repeat runs. cached = the same call again with the app's caches kept
(median of at least 5): what a page's next rerun, or another session on the same page, period
and filters, waits for its data until the cache's ten minutes run out or an import clears it.
The overview, reliability, support
and cost rows are the whole page's data: scorecard, 12-month trend and views, which share one
load of the trend's year (scorecard.page_span). floor = a plain DuckDB scan (sum/count) of the columns the loader reads, in the
rows it reads (for a page that reads a rollup: the rollup's columns); pandas = the same
aggregation done by pandas on frames already in memory (load time not counted: generous to
pandas), skipped past --pandas-max rows. The "samples scan" and "tickets scan" rows are plain
scans of the scorecard period's raw samples, and raw tickets, surveys and sessions: what the
monitoring and ticket pages would read without their rollups.
"""
from __future__ import annotations

import argparse
import math
import os
import re
import statistics
import sys
import tempfile
import time
import warnings
from datetime import datetime, timedelta
from pathlib import Path
from typing import Callable

import pandas as pd

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # run as a script from anywhere

from core.period import Period, today_in  # noqa: E402
from core.plan import load_plan  # noqa: E402
from data import event_rollups, rollups  # noqa: E402
from data.demo import build_demo_file  # noqa: E402
from data.warehouse import connect, local_midnight, table_counts  # noqa: E402

DEMO_UTIL_ROWS = 174_480          # utilisation_hourly rows of the demo: the unit of proportion
PER_SAMPLE = {"incidents": 720 / DEMO_UTIL_ROWS, "changes": 1459 / DEMO_UTIL_ROWS,
              "tickets": 16_603 / DEMO_UTIL_ROWS, "survey_responses": 3767 / DEMO_UTIL_ROWS,
              "self_service_sessions": 25_658 / DEMO_UTIL_ROWS}
SERVICES, HOSTS_PER_SERVICE = 10, 10
HOSTS = SERVICES * HOSTS_PER_SERVICE
CHUNK_ROWS = 10_000_000           # samples per insert statement: bounds the build's memory
SMALL_TABLES = ("routine_tasks", "staff", "certifications", "training_log", "backup_runs", "dr_tests")


# ----------------------------------------------------------------------------- build

def build(path: Path, rows: int, log: Callable[[str], None] = print) -> dict[str, float]:
    """Write a warehouse of `rows` utilisation samples at `path`; returns build seconds and file size."""
    t0 = time.perf_counter()
    demo = path.with_name(path.name + ".demo")
    for p in (path, demo, Path(f"{path}.wal")):
        p.unlink(missing_ok=True)
    build_demo_file(demo)
    con = connect(path)
    try:
        con.execute("set preserve_insertion_order = true")
        con.execute(f"attach '{demo}' as demo (read_only)")  # our own temp path, not user input
        first_at = con.execute("select min(hour_at) from demo.utilisation_hourly").fetchone()[0]
        minutes = max(60, rows // HOSTS // 60 * 60)  # whole hours, so chunks and hourly rows align
        t_end = _period_end(load_plan())
        p = {"t0": t_end - timedelta(minutes=minutes), "minutes": minutes, "scale": minutes * HOSTS / DEMO_UTIL_ROWS,
             "e0": first_at, "span": int((t_end - first_at).total_seconds())}
        log(f"building {minutes * HOSTS:,} samples: {HOSTS} hosts x {minutes:,} minutes "
            f"({minutes / 1440:,.1f} days), events x{p['scale']:,.1f} the demo")
        _copy_small(con, p)
        t1 = time.perf_counter()
        roll = _samples(con, p, log)
        t2 = time.perf_counter()
        _events(con, p)
        con.execute("detach demo")
        t3 = time.perf_counter()
        rollups.configure(con, load_plan())
        t4 = time.perf_counter()
        event_rollups.ensure(con, load_plan())
        t4b = time.perf_counter()
        con.execute("checkpoint")
        counts = table_counts(con)
    finally:
        con.close()
        demo.unlink(missing_ok=True)
    t5 = time.perf_counter()
    log(f"built in {t5 - t0:.0f} s (samples {t2 - t1 - roll:.0f} s, hourly rollup {roll:.0f} s, events "
        f"{t3 - t2:.0f} s, threshold rollup {t4 - t3:.0f} s, event rollups {t4b - t4:.0f} s): "
        + ", ".join(f"{k} {v:,}" for k, v in counts.items() if v > 1000))
    return {"build_s": t5 - t0, "hourly_rollup_s": roll, "threshold_rollup_s": t4 - t3, "event_rollups_s": t4b - t4,
            "file_gb": path.stat().st_size / 2**30, "samples": counts["utilisation_samples"],
            "hourly": counts["utilisation_hourly"], "tickets": counts["tickets"], "incidents": counts["incidents"]}


def _period_end(plan) -> datetime:
    """The end of the scorecard's default period (the last full months before today): the samples end
    there, so every size has samples in the period the pages show."""
    today = today_in(plan.timezone)  # the same today as the demo it copies and the app it measures
    return local_midnight(Period.last_full_months(today, plan.settings.scorecard_months).end, plan.timezone)


def _copy_small(con, p: dict) -> None:
    for t in SMALL_TABLES:
        con.execute(f"insert into {t} select * from demo.{t}")
    con.execute("""insert into services
        select printf('svc%02d', i), printf('Service %d', i),
               case when i % 5 = 0 then 'database' when i % 5 = 1 then 'api' else 'web' end,
               i % 3 <> 2, $hosts, 200.0
        from range($services) t(i)""", {"services": SERVICES, "hosts": HOSTS_PER_SERVICE})
    # The demo's system-wide windows, and each service's monthly patch night over the demo's span.
    con.execute("insert into maintenance_windows select * from demo.maintenance_windows where service_id is null")
    con.execute("""insert into maintenance_windows
        select printf('mw-%02d-%03d', s, m), printf('svc%02d', s), 'security_patch',
               $e0 + to_hours(m * 720 + s * 7 % 240), $e0 + to_hours(m * 720 + s * 7 % 240) + interval 90 minute
        from range($services) a(s), range(cast($span / 3600 / 720 as bigint)) b(m)""",
                {"services": SERVICES, "span": p["span"], "e0": p["e0"]})
    con.execute("insert into costs_monthly select month, line, round(amount_usd * $k, 2) from demo.costs_monthly",
                {"k": p["scale"]})
    con.execute("""insert into business_daily select day, round(revenue_usd * $k, 2), (visits * $k)::integer,
                   (orders * $k)::integer, order_processing_minutes_p95, failed_logins_peak_hour, suspicious_events
                   from demo.business_daily""", {"k": p["scale"]})
    con.execute("""insert into active_users_daily select day, (daily_active_users * $k)::integer,
                   (monthly_active_users * $k)::integer from demo.active_users_daily""", {"k": p["scale"]})


def _samples(con, p: dict, log: Callable[[str], None]) -> float:
    """Time-major whole-hour chunks of minutes x hosts, each rolled up as an import of it would be;
    values from hash noise around a daily cycle. Returns the seconds spent rolling up."""
    step = max(60, CHUNK_ROWS // HOSTS // 60 * 60)
    rolled = 0.0
    for m0 in range(0, p["minutes"], step):
        q = {"m0": m0, "m1": min(p["minutes"], m0 + step), "hosts": HOSTS, "per": HOSTS_PER_SERVICE, "t0": p["t0"]}
        con.execute("""insert into utilisation_samples
            with g as (
                select h, m, hash(h, m) as x, sin(2 * pi() * ((m // 60 + 7) % 24) / 24.0) as cycle
                from range($m0, $m1) a(m), range($hosts) b(h)
            )
            select printf('svc%02d', h // $per), printf('svc%02d-h%02d', h // $per, h % $per), $t0 + to_minutes(m),
                   45 + 25 * cycle + (x % 2000) / 100.0,
                   55 + 10 * cycle + (x // 7 % 2500) / 100.0,
                   40 + (h % 40) + m / 100000.0 % 10,
                   20 + (x // 11 % 9000) / 100.0,
                   300 + 150 * cycle + (x // 13 % 200000) / 100.0,
                   (x // 17 % 150) / 100.0,
                   15 + 12 * cycle + (x // 19 % 3000) / 100.0,
                   10 + h % 40 + m / 100000.0
            from g order by m, h""", q)
        con.execute("""insert into database_hourly
            select printf('svc%02d', s), $t0 + to_hours(h),
                   200 + (hash(s, h) % 40000) / 100.0, 40 + (hash(h, s) % 5000) / 100.0,
                   (hash(s, h, 1) % 8)::integer, (hash(s, h, 2) % 4000) / 100.0
            from range($h0, $h1) a(h), range(0, $services, 5) b(s) order by h, s""",
                    {"t0": p["t0"], "h0": q["m0"] // 60, "h1": q["m1"] // 60, "services": SERVICES})
        t = time.perf_counter()
        rollups.mark_sample_buckets(con, p["t0"] + timedelta(minutes=q["m0"]), p["t0"] + timedelta(minutes=q["m1"]))
        rollups.roll_up_samples(con)
        rolled += time.perf_counter() - t
        log(f"  minutes {q['m1']:,}/{p['minutes']:,} (rollup so far {rolled:.0f} s)")
    return rolled


def _events(con, p: dict) -> None:
    """Incidents, changes, tickets, surveys and sessions: counts in the demo's proportion per sample,
    over the demo's whole span."""
    n = {k: max(10, round(v * p["minutes"] * HOSTS)) for k, v in PER_SAMPLE.items()}
    q = {"t0": p["e0"], "span": p["span"], "services": SERVICES}
    con.execute("""insert into incidents
        with g as (select i, (hash(i, 'inc') >> 1)::bigint as x, $t0 + to_seconds((hash(i, 't') % $span)::bigint) as t from range($n) r(i))
        select printf('inc%09d', i), printf('svc%02d', x % $services),
               ['critical', 'high', 'medium', 'low'][x // 3 % 4 + 1],
               ['outage', 'degraded', 'none'][x // 5 % 3 + 1],
               t, t + to_seconds(x // 7 % 600), t + to_seconds(x // 7 % 600 + x // 11 % 900),
               case when x % 50 = 0 then null else t + to_seconds(x // 13 % 14400 + 900) end,
               case when x % 4 = 0 then t + to_seconds(x // 7 % 600 + 1200) end,
               x // 17 % 3 + 1, x % 3 = 0, 'generated'
        from g order by t""", {**q, "n": n["incidents"]})
    con.execute("""insert into changes (change_id, service_id, category, deployed_at, is_rolled_back)
        select printf('chg%09d', i), printf('svc%02d', hash(i, 'c') % $services),
               ['emergency', 'standard', 'minor'][(hash(i, 'k') % 3)::bigint + 1],
               $t0 + to_seconds((hash(i, 't') % $span)::bigint), hash(i, 'r') % 20 = 0
        from range($n) r(i)""", {**q, "n": n["changes"]})
    con.execute("""insert into tickets
        with g as (select i, (hash(i, 'tk') >> 1)::bigint as x, $t0 + to_seconds(i * $span // $n) as t from range($n) r(i))
        select printf('tk%010d', i), ['live_chat', 'email', 'phone'][x % 3 + 1],
               ['critical', 'high', 'medium', 'low'][x // 3 % 4 + 1], ['login', 'billing', 'bug', 'how-to'][x // 5 % 4 + 1],
               x // 7 % 2 = 0, t,
               case when x % 40 = 0 then null else t + to_seconds(x // 11 % 7200) end,
               case when x % 25 = 0 then null else t + to_seconds(x // 11 % 7200 + x // 13 % 172800) end,
               (x // 17 % 10 = 0)::integer, x // 19 % 3 + 1, x // 23 % 30 = 0, null
        from g order by t""", {"t0": p["e0"], "span": p["span"], "n": n["tickets"]})
    m = {"n": n["survey_responses"], "tickets": n["tickets"], "t0": p["e0"], "span": p["span"]}
    con.execute("""insert into survey_responses
        select printf('sv%010d', i), printf('tk%010d', k), $t0 + to_seconds(k * $span // $tickets + 86400),
               (hash(i, 's') % 100 < 75)::integer + 3 + (hash(i, 'q') % 100 < 10)::integer
        from (select i, i * $tickets // $n as k from range($n) r(i))""", m)
    m["n"] = n["self_service_sessions"]
    con.execute("""insert into self_service_sessions
        select printf('ss%010d', i), $t0 + to_seconds(i * $span // $n),
               ['knowledge_base', 'chatbot', 'video', 'forum'][(hash(i, 'src') % 4)::bigint + 1],
               case when hash(i, 'l') % 4 = 0 then printf('tk%010d', i * $tickets // $n) end,
               hash(i, 'ok') % 100 < 60
        from range($n) r(i)""", m)


# ----------------------------------------------------------------------------- measure

def _median_time(fn: Callable[[], object], repeat: int, before: Callable[[], None] = lambda: None) -> float:
    times = []
    for _ in range(repeat):
        before()
        t = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t)
    return statistics.median(times)


class Bench:
    """Cold, warm and cached times of ui-level loaders on one warehouse file (cold and warm with the
    app's caches cleared before each call)."""

    def __init__(self, path: Path, repeat: int):
        os.environ["OPSPLAN_DB"] = str(path)
        os.environ.setdefault("STREAMLIT_LOGGER_LEVEL", "error")  # "no runtime" warnings: bare mode is meant
        warnings.filterwarnings("ignore")
        import streamlit as st
        import streamlit.logger
        from ui import cache, forecasting, scorecard, sidebar
        streamlit.logger.set_log_level("error")
        forecasting._settle()  # forecasting imported and objects frozen, as app.py has a server do after its first page
        self.st, self.path, self.repeat = st, path, repeat
        self.plan = cache.plan()
        self.today = sidebar.plan_today(self.plan)
        self.period = Period.last_full_months(self.today, self.plan.settings.scorecard_months)
        self.page = scorecard.page_span(self.plan, self.period)  # what the pages read: the trend's year

    def fresh(self) -> None:
        """Close the process's connection (so DuckDB's instance and buffer pool go) and clear caches."""
        from ui import cache
        cache.connection_for(str(self.path)).close()
        cache.drop_connections()
        cache.forget_results()

    def time(self, fn: Callable[[], object], repeat: int | None = None) -> tuple[float, float]:
        repeat = repeat or self.repeat
        from ui import cache
        cold = _median_time(fn, repeat, self.fresh)
        warm = _median_time(fn, repeat, cache.forget_results)  # after the cold run(s): warm
        return cold, warm

    def cached(self, fn: Callable[[], object]) -> float:
        """The same call again with the app's caches kept: what a page's next rerun, or another
        session on the same page, period and filters, waits for its data (each cached loader's
        hashing of its arguments and unpickling of its result)."""
        fn()
        return _median_time(fn, max(self.repeat, 5))

    def loaders(self) -> dict[str, Callable[[], object]]:
        from analytics.scorecard import scorecard as full_scorecard
        from ui import budget, cache, capacity, cost, growth, monitoring, reliability, scorecard, support
        from ui.scenarios import results
        from ui.state import Filters
        p, f = self.period, Filters()
        year = budget.plan_years(self.today)[-1]
        return {
            # Not through the app's cache: the scorecard row is the analytics call (the Overview's
            # cached one is in the overview row).
            "scorecard": lambda: full_scorecard(cache.connection(), self.plan, p),
            # The 12-month KPI trend alone; overview, reliability, support and cost draw it too, and
            # their rows include it: a page reads the trend's year once for all it shows (scorecard.page_span).
            "trend": lambda: scorecard.load_trend(p.end),
            "overview": lambda: (scorecard.load_scorecard(p), scorecard.load_trend(p.end)),
            "reliability": lambda: (scorecard.load_drill_scorecard(p, f), scorecard.load_drill_trend(p.end, f),
                                    reliability.load_reliability_view(p, f), reliability.load_budget_burn(p.months()[-1].start, f, p)),
            "support": lambda: (scorecard.load_drill_scorecard(p, f), scorecard.load_drill_trend(p.end, f), support.load_support_view(p, f)),
            "cost": lambda: (scorecard.load_scorecard(p), scorecard.load_trend(p.end), cost.load_cost_view(p)),
            "budget": lambda: (budget.load_budget(year), budget.load_budget_months(year)),
            "monitoring": lambda: monitoring.load_monitoring_view(p, f),
            "scenarios": lambda: results.load_starting_point(self.today, "measured"),
            "capacity": lambda: (capacity.load_capacity(capacity.cap_services().iloc[0], "cpu_pct", 6, self.plan.capacity),
                                 capacity.load_headroom("cpu_pct", 6, self.plan.capacity),
                                 capacity.load_backtest(capacity.cap_services().iloc[0]["service_id"], "cpu_pct", 6)),
            "growth": lambda: [growth.load_growth(m, 12) for m in growth.DEMAND],
            # The same two pages' data alone: what they read before fitting (the fits are model
            # time, cached by plain values in the app, and measured in forecast_accuracy.py).
            "capacity (data)": lambda: [capacity._history(cache.db(), self.plan.timezone, sid, "cpu_pct", capacity.cap_through())
                                        for sid in capacity.cap_services()["service_id"]],
            "growth (data)": lambda: growth._growth_history(cache.db(), self.plan.timezone, *growth.growth_months(capacity.cap_through())),
        }


def floors(con, plan, period: Period) -> dict[str, list[tuple[str, str]]]:
    """Per loader, plain scans of the columns it reads, in the rows it reads: (sql, span) pairs,
    the span "period" or "page" (the trend's year a page reads, scorecard.page_span) bound as
    $start/$end, or as local days $start_day/$end_day for the rollups."""
    days = "where day >= $start_day and day < $end_day"
    months = "where month >= date_trunc('month', $start_day::date) and month < $end_day"

    def rolled(table: str, where: str = days) -> str:
        return f"(select count(*) + sum(hash(r) % 1000) from {table} as r {where})"  # r: the whole row

    # The scorecard's pages read the period's incidents and windows raw, and the ticket, survey
    # and session rollups (data/event_rollups.py) of its days.
    incidents = ("(select count(*) + sum(epoch(started_at)) + sum(epoch(resolved_at)) + count(distinct service_id) "
                 "+ count(distinct severity) from incidents where started_at < $end and (resolved_at is null "
                 "or resolved_at >= $start or detected_at >= $start)), (select count(*) + sum(epoch(starts_at)) from maintenance_windows "
                 "where starts_at < $end and ends_at > $start)")
    # ... and, whole, the small tables behind cost, improvement and the observed span: costs,
    # revenue and users per month, the catalogue, and the first and last record of incidents,
    # hourly monitoring and business days.
    whole = ("(select count(*) + sum(amount_usd) + count(distinct line) from costs_monthly), "
             "(select sum(revenue_usd) + sum(epoch(day)) from business_daily), "
             "(select sum(monthly_active_users) + sum(epoch(day)) from active_users_daily), "
             "(select count(*) + sum(hash(r) % 1000) from routine_tasks as r), "
             "(select count(*) + sum(hash(r) % 1000) from staff as r), "
             "(select count(*) + sum(hash(r) % 1000) from certifications as r), "
             "(select sum(hours) + sum(epoch(day)) + count(distinct staff_id) from training_log), "
             "(select epoch(min(started_at)) + epoch(max(coalesce(resolved_at, started_at))) from incidents), "
             "(select epoch(min(hour_at)) + epoch(max(hour_at)) from utilisation_hourly)")
    scorecard_reads = [incidents, whole, *(rolled(f"rollup_{q}") for q in (
        "first_response_daily", "resolution_daily", "survey_daily", "self_service_daily"))]
    support_reads = [*(rolled(f"rollup_{q}") for q in (
        "survey_daily", "survey_daily_by_channel", "channel_sla_daily", "ticket_hour_of_week")),
        *(rolled(f"rollup_{q}", months) for q in ("ticket_times_monthly", "channel_times_monthly"))]
    scorecard = "select " + ", ".join(scorecard_reads)
    support = "select " + ", ".join(support_reads)
    # What those pages would read without the event rollups: the period's raw tickets, surveys, sessions.
    created = "created_at >= $start and created_at < $end"
    tickets = (f"select (select count(*) + sum(epoch(created_at)) + sum(epoch(first_response_at)) "
               f"+ count(distinct channel) + count(distinct priority) from tickets where {created}), "
               "(select count(*) + sum(epoch(resolved_at)) + count(distinct channel) + sum(escalation_count) "
               "+ count(*) filter (where is_reopened) from tickets where resolved_at >= $start and resolved_at < $end), "
               "(select sum(epoch(submitted_at)) + sum(score) from survey_responses "
               "where submitted_at >= $start and submitted_at < $end), "
               "(select sum(epoch(started_at)) + count(ticket_id) + count(*) filter (where is_resolved) "
               "from self_service_sessions where started_at >= $start and started_at < $end)")
    rollup = ("select count(*), sum(hours_observed), sum(hours_beyond), sum(hours_beyond_in_maintenance), "
              "count(distinct metric), count(distinct service_id) from threshold_hours_daily "
              "where day >= $start_day and day < $end_day")
    samples = ("select count(*) + sum(cpu_pct) + sum(memory_pct) + sum(disk_pct) + sum(network_latency_ms) "
               "+ sum(response_time_p95_ms) + sum(error_rate_pct) + sum(requests_per_s) + sum(data_gb) "
               "+ sum(epoch(sampled_at)) + count(distinct host_id) from utilisation_samples "
               "where sampled_at >= $start and sampled_at < $end")
    # Capacity reads two years of one service's hourly rows (and the headroom every service's);
    # growth the hourly data volume and the tickets of two years, month by month.
    capacity = ("select count(*), sum(cpu_pct), sum(epoch(hour_at)), count(distinct service_id) "
                "from utilisation_hourly where hour_at >= $start - interval 730 day")
    growth = ("select (select count(*) + sum(data_gb) + sum(epoch(hour_at)) from utilisation_hourly), "
              "(select count(*) + sum(epoch(created_at)) from tickets), "
              "(select sum(monthly_active_users) from active_users_daily), (select sum(visits) from business_daily)")
    page = [(scorecard, "page")]  # the pages' scorecard, trend and views: the year's rows
    out = {"scorecard": [(scorecard, "period")], "trend": page, "overview": page, "reliability": page,
           "support": [*page, (support, "period")], "cost": page}
    return out | {name: [(sql, "period")] for name, sql in (
        ("monitoring", rollup), ("capacity", capacity), ("capacity (data)", capacity), ("growth", growth),
        ("growth (data)", growth), ("samples scan", samples), ("tickets scan", tickets))}


def scan_floor(bench: Bench, scans: list[tuple[str, str]]) -> float:
    """Summed median times of the floor scans on a warm connection, each bound to its span."""
    from ui import cache
    tz, con = bench.plan.timezone, cache.connection()
    total = 0.0
    for sql, which in scans:
        span = bench.page if which == "page" else bench.period
        params = {"start": local_midnight(span.start, tz), "end": local_midnight(span.end, tz),
                  "start_day": span.start, "end_day": span.end}
        bound = {k: v for k, v in params.items() if _names(sql, k)} or None
        con.execute(sql, bound).fetchall()
        total += _median_time(lambda: con.execute(sql, bound).fetchall(), bench.repeat)
    return total


def _names(sql: str, name: str) -> bool:
    """Whether `sql` uses the parameter $name (not merely a longer name starting with it)."""
    return re.search(rf"\${name}\b", sql) is not None


# ----------------------------------------------------------------------------- pandas equivalents

def pandas_scorecard_inputs(con, plan, period: Period) -> Callable[[], object]:
    """The scorecard's aggregates (the *_daily.sql queries and the windowed incidents) in pandas."""
    tz, prios = plan.timezone, list(plan.settings.high_priority)
    t = con.execute("select ticket_id, channel, priority, created_at, first_response_at, resolved_at, "
                    "escalation_count, is_reopened from tickets").df()
    s = con.execute("select submitted_at, score from survey_responses").df()
    ss = con.execute("select started_at, ticket_id, is_resolved from self_service_sessions").df()
    inc = con.execute("select * from incidents").df()
    start, end = (pd.Timestamp(local_midnight(d, tz)) for d in (period.start, period.end))

    def run() -> object:
        day = lambda c: c.dt.tz_convert(tz).dt.date  # noqa: E731
        within = lambda f, c: f[(f[c] >= start) & (f[c] < end)]  # noqa: E731  (the SQL's period bounds)
        hp = within(t, "created_at")
        hp = hp[hp["priority"].isin(prios) & hp["first_response_at"].notna()]
        fr = hp.assign(day=day(hp["created_at"]), h=(hp["first_response_at"] - hp["created_at"]).dt.total_seconds()
                       / 3600).groupby(["day", "channel"]).agg(n=("h", "size"), h=("h", "sum"))
        r = within(t, "resolved_at")
        rs = r.assign(day=day(r["resolved_at"]), fc=(r["escalation_count"] == 0) & ~r["is_reopened"]).groupby(
            ["day", "channel"]).agg(n=("fc", "size"), fc=("fc", "sum"))
        s_ = within(s, "submitted_at")
        sv = s_.assign(day=day(s_["submitted_at"]), sq=s_["score"] ** 2, top=s_["score"] >= 4).groupby("day").agg(
            n=("score", "size"), s=("score", "sum"), sq=("sq", "sum"), top=("top", "sum"))
        ss_ = within(ss, "started_at")
        sd = ss_.assign(day=day(ss_["started_at"]), ok=ss_["is_resolved"] & ss_["ticket_id"].isna()).groupby(
            "day").agg(n=("ok", "size"), ok=("ok", "sum"))
        direct = within(t, "created_at")
        direct = direct[~direct["ticket_id"].isin(ss["ticket_id"].dropna())]  # every session, as the SQL
        dd = direct.groupby(day(direct["created_at"])).size()
        win = inc[(inc["started_at"] < end) & (inc["resolved_at"].isna() | (inc["resolved_at"] >= start))]
        return fr, rs, sv, sd, dd, win
    return run


def pandas_threshold_hours(con, plan, period: Period) -> Callable[[], object]:
    """threshold_hours_monthly.sql on the raw rows of the period, in pandas (suppression included)."""
    from data.params import threshold_params
    tz, p = plan.timezone, threshold_params(plan)
    start, end = (local_midnight(d, tz) for d in (period.start, period.end))
    u = con.execute("select * exclude (data_gb) rename (response_time_p95_ms as response_time_ms) "
                    "from utilisation_hourly where hour_at >= $s and hour_at < $e", {"s": start, "e": end}).df()
    d = con.execute("select service_id, hour_at, query_time_p95_ms as query_time_ms, connection_pool_pct, "
                    "deadlocks::double as deadlocks_per_hour, replication_lag_s from database_hourly "
                    "where hour_at >= $s and hour_at < $e", {"s": start, "e": end}).df()
    m = con.execute("select service_id, starts_at, ends_at from maintenance_windows "
                    "where starts_at < $e and ends_at > $s", {"s": start, "e": end}).df()
    limits = pd.Series(p["limits"], index=p["metrics"])

    def run() -> object:
        long = pd.concat([f.melt(id_vars=["service_id", "hour_at"], var_name="metric").dropna() for f in (u, d)])
        long = long[long["metric"].isin(limits.index)]
        long["beyond"] = long["value"].to_numpy() > limits.reindex(long["metric"]).to_numpy()
        first = m["starts_at"].dt.floor("h")
        n = ((m["ends_at"] - first).dt.total_seconds() / 3600).apply(math.ceil)
        offsets = pd.to_timedelta([h for k in n for h in range(k)], unit="h")
        mh = pd.DataFrame({"service_id": m["service_id"].repeat(n).to_numpy(),
                           "hour_at": first.repeat(n).reset_index(drop=True) + offsets}).drop_duplicates()
        system = set(mh.loc[mh["service_id"].isna(), "hour_at"])
        service = mh.dropna().assign(svc=True)
        long = long.merge(service, on=["service_id", "hour_at"], how="left")
        long["maint"] = long["hour_at"].isin(system) | long["svc"].fillna(False).astype(bool)
        long["month"] = long["hour_at"].dt.tz_convert(tz).dt.to_period("M")
        long["sup"] = long["beyond"] & long["maint"]
        g = long.groupby(["service_id", "month", "metric"])
        return pd.DataFrame({"observed": g.size(), "beyond": g["beyond"].sum() - g["sup"].sum(),
                             "suppressed": g["sup"].sum()})
    return run


# ----------------------------------------------------------------------------- report

def measure(path: Path, repeat: int, pandas_max: int, log: Callable[[str], None] = print) -> pd.DataFrame:
    """One row per loader: cold_s, warm_s, cached_s, floor_s, pandas_s and the ratios."""
    bench = Bench(path, repeat)
    from ui import cache
    con = cache.connection()
    n_rows = con.execute("select count(*) from utilisation_hourly").fetchone()[0]
    n_tickets = con.execute("select count(*) from tickets").fetchone()[0]
    floor_sql = floors(con, bench.plan, bench.period)
    rows = []
    for name, fn in bench.loaders().items():
        cold, warm = bench.time(fn, 1 if name in ("trend", "capacity", "growth") else None)
        cached = bench.cached(fn) if name != "scorecard" else float("nan")
        floor = scan_floor(bench, floor_sql[name]) if name in floor_sql else float("nan")
        rows.append({"load": name, "cold_s": cold, "warm_s": warm, "cached_s": cached, "floor_s": floor})
        log(f"  {name}: cold {cold:.3f} s, warm {warm:.3f} s, cached {cached:.4f} s, floor {floor:.3f} s")
    # The raw rows of the period, scanned plainly: what monitoring (samples) and the ticket pages
    # (tickets, surveys, sessions) would read without their rollups.
    for scan in ("samples scan", "tickets scan"):
        rows.append({"load": scan, "cold_s": float("nan"), "warm_s": float("nan"), "cached_s": float("nan"),
                     "floor_s": scan_floor(bench, floor_sql[scan])})
    out = pd.DataFrame(rows).set_index("load")
    from ui import cache
    con = cache.connection()
    pandas_runs = {"scorecard": (n_tickets * 3, pandas_scorecard_inputs),
                   "monitoring": (n_rows * bench.period.days // 730, pandas_threshold_hours)}
    out["pandas_s"] = float("nan")
    for name, (size, make) in pandas_runs.items():
        if size <= pandas_max:
            out.loc[name, "pandas_s"] = _median_time(make(con, bench.plan, bench.period), bench.repeat)
    bench.fresh()  # leave no connection open on the file
    out["warm/floor"] = out["warm_s"] / out["floor_s"]
    out["pandas/warm"] = out["pandas_s"] / out["warm_s"]
    return out


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--rows", type=int, default=1_000_000,
                    help="utilisation samples, one per host per minute from 100 hosts (default 1,000,000)")
    ap.add_argument("--db", type=Path, help="warehouse file: reused if it exists, else built there")
    ap.add_argument("--keep", action="store_true", help="keep a warehouse built in a temporary folder")
    ap.add_argument("--repeat", type=int, default=3, help="runs per measurement; medians are shown")
    ap.add_argument("--pandas-max", type=int, default=60_000_000, help="skip pandas past this many input rows")
    args = ap.parse_args(argv)
    tmp = None if args.db else Path(tempfile.mkdtemp(prefix="opsplan-scale-"))
    path = args.db or tmp / "scale.duckdb"
    info = build(path, args.rows) if not path.exists() else {"file_gb": path.stat().st_size / 2**30}
    table = measure(path, args.repeat, args.pandas_max)
    print(f"\nrows {args.rows:,}  " + "  ".join(f"{k} {v:,.2f}" if isinstance(v, float) else f"{k} {v:,}"
                                            for k, v in info.items()))
    print(table.to_string(float_format=lambda v: f"{v:.3f}", na_rep="-",
                          formatters={"cached_s": lambda v: "-" if math.isnan(v) else f"{v:.4f}"}))
    if tmp and not args.keep:
        path.unlink(missing_ok=True)
        Path(f"{path}.wal").unlink(missing_ok=True)
        tmp.rmdir()
    elif tmp:
        print(f"kept {path}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
