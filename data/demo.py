"""Seeded, pure generator of a realistic demo warehouse: 24 months of operations ending `today`.

The last `settings.scorecard_months` full months before the month of `today` (the
calibration window) reproduce the plan's baselines (plan.toml `kpis.*.baseline`). The
generator never writes a KPI value: it places *events* (failures and outages, tickets,
survey scores, self-service sessions, costs, revenue, active users, tasks, certificates,
training) so that the formulas of kpi-definitions.md land on the baselines. Where a count
is small (failures, outage hours, certificate holders) it is set exactly; where it is
large (tickets, scores) it is sampled and then nudged to the exact total inside the window.

Months before the window trend from worse than baseline toward it, with one month holding
a long outage and one a support backlog; the current month is a little better than
baseline. Same seed and same `today` give identical tables.

    python -m data.demo --db PATH [--seed N] [--today YYYY-MM-DD] [--overwrite]
"""
from __future__ import annotations

import argparse
import math
import os
import sys
import time
from dataclasses import dataclass, field
from datetime import date, timedelta
from pathlib import Path
from typing import NamedTuple

import duckdb
import numpy as np
import pandas as pd

from core.period import Period, add_months, shift_months, today_in
from core.plan import Plan, PlanError, load_plan
from data.warehouse import MIGRATION_TABLES, connect, local_midnight, table_counts
from data import event_rollups, rollups

MINUTE, HOUR, DAY = 60.0, 3600.0, 86400.0
SNAPSHOT_TABLES = ("services", "routine_tasks", "staff", "certifications")  # catalogues: no span of time
MONTH_DAYS = 30.44
DEMO_MONTHS = 24
EPOCH = pd.Timestamp(0, tz="UTC")
Rng = np.random.Generator

# Insert order respects the foreign keys of schema.sql.
TABLES = ("services", "maintenance_windows", "changes", "incidents", "tickets", "self_service_sessions",
          "survey_responses", "costs_monthly", "business_daily", "active_users_daily", "utilisation_hourly",
          "database_hourly", "routine_tasks", "staff", "certifications", "training_log", "backup_runs",
          "dr_tests", "security_activities", "vendor_outages", "covered_spans")

# KPIs reproduced by generated events, month by month; the others follow from costs, users,
# catalogue dates and growth.
DATE_COLUMNS = ("day", "month", "created_on", "automated_on", "retired_on", "hired_on", "left_on", "earned_on",
                "expires_on", "tested_on", "first_day", "last_day", "done_on")
EVENT_KPIS = ("uptime_pct", "mttr_hours", "mtbf_hours", "csat", "first_response_hours", "fcr_pct",
              "kb_self_service_pct")
BACKLOG_KPIS = ("csat", "first_response_hours", "fcr_pct")
LIMITS = {"uptime_pct": (95.0, 99.99), "csat": (2.0, 4.9), "fcr_pct": (40.0, 97.0),
          "kb_self_service_pct": (10.0, 75.0), "mtbf_hours": (20.0, 400.0), "mttr_hours": (0.8, 12.0),
          "first_response_hours": (0.5, 12.0)}
TYPICAL_OUTAGE_HOURS = 1.6   # a few short full outages; most failures only degrade a service
OUTAGE_MONTHS_BEFORE = 7     # the month with a long outage, counted back from the calibration window
BACKLOG_MONTHS_BEFORE = 4    # the month with a support backlog


class ServiceSpec(NamedTuple):
    service_id: str
    name: str
    kind: str
    is_customer_facing: bool
    instances: int
    instance_rps_capacity: float
    peak_util: float         # peak-hour utilisation at the calibration window's end
    util_elasticity: float   # 1: utilisation follows user growth (never scaled out); 0: flat
    data_gb: float           # at the start of the demo
    data_growth: float       # per month
    p95_ms: float            # response time p95 at low load
    failure_weight: float    # relative chance a failure hits it


SERVICES = (
    ServiceSpec("web", "Web storefront", "web", True, 4, 60.0, 0.52, 0.25, 3.0, 0.02, 650.0, 3.0),
    ServiceSpec("api", "Public API", "api", True, 6, 80.0, 0.73, 1.0, 2.0, 0.02, 280.0, 4.0),
    ServiceSpec("payments", "Payments gateway", "payments", True, 3, 40.0, 0.45, 0.3, 1.5, 0.03, 420.0, 2.0),
    ServiceSpec("auth", "Auth and SSO", "auth", True, 3, 150.0, 0.40, 0.3, 0.8, 0.02, 120.0, 1.5),
    ServiceSpec("search", "Product search", "search", True, 3, 50.0, 0.71, 1.0, 12.0, 0.05, 380.0, 2.0),
    ServiceSpec("cdn", "CDN edge", "cdn", True, 12, 400.0, 0.35, 0.2, 60.0, 0.04, 45.0, 1.0),
    ServiceSpec("db-primary", "Primary database", "database", False, 2, 900.0, 0.55, 0.5, 45.0, 0.065, 60.0, 2.0),
    ServiceSpec("db-replica", "Read replica (reporting)", "database", False, 2, 700.0, 0.42, 0.5, 45.0, 0.065,
                90.0, 1.0),
    ServiceSpec("worker", "Background workers", "worker", False, 4, 30.0, 0.48, 0.4, 1.0, 0.02, 900.0, 2.0),
    ServiceSpec("notifications", "Notifications (SMS, email)", "messaging", False, 2, 50.0, 0.30, 0.3, 0.5, 0.02,
                300.0, 1.0),
)
DATABASES = tuple(s.service_id for s in SERVICES if s.kind == "database")

# Local-hour profiles (index = hour of day): shoppers peak in the evening, support a little earlier.
TRAFFIC_BY_HOUR = np.array([.45, .33, .26, .22, .22, .26, .36, .50, .62, .70, .76, .80, .84, .82, .80, .80,
                            .82, .86, .92, .98, 1.0, .96, .80, .60])
SUPPORT_BY_HOUR = np.array([.20, .12, .08, .06, .06, .10, .25, .55, .85, 1.0, 1.0, .95, .85, .95, 1.0, .95,
                            .90, .85, .80, .75, .70, .60, .45, .30])
TRAFFIC_BY_WEEKDAY = np.array([0.96, 0.97, 0.98, 1.00, 1.04, 1.08, 0.97])   # Monday first
SUPPORT_BY_WEEKDAY = np.array([1.15, 1.08, 1.04, 1.02, 0.98, 0.78, 0.70])
SALE_DAYS = ((11, 11), (12, 12))   # 11.11 and 12.12 mega-sales: "100 % during peak seasons"

SYMPTOMS = {"outage": ("full outage", "site unreachable", "all requests failing", "TLS certificate expired"),
            "degraded": ("elevated 5xx errors", "slow responses", "intermittent timeouts", "queue backlog",
                         "partial feature failure", "high latency in one region"),
            "none": ("failed background job", "alert noise investigated", "config drift found",
                     "suspicious login pattern")}
TICKET_CATEGORIES = ("account", "billing", "payments", "how_to", "bug", "performance", "integration", "security",
                     "data_request")
CATEGORY_WEIGHTS = (0.18, 0.12, 0.12, 0.20, 0.14, 0.08, 0.07, 0.04, 0.05)
TICKET_SUMMARIES = {"account": "Cannot log in", "billing": "Question about an invoice",
                    "payments": "Payment failed at checkout", "how_to": "How do I export my orders?",
                    "bug": "Error on the order page", "performance": "Pages load slowly",
                    "integration": "Webhook not delivered", "security": "Unrecognised login alert",
                    "data_request": "Request for a copy of my data"}
SESSION_SOURCES = ("knowledge_base", "chatbot", "video", "forum")

ROUTINE_TASKS = (
    ("Log rotation", "daily"), ("System health check", "daily"), ("Cache optimisation", "daily"),
    ("Database maintenance queries", "daily"), ("Backup success check", "daily"), ("Disk space cleanup", "daily"),
    ("Certificate expiry check", "daily"), ("Failed job requeue", "daily"), ("Error log triage", "daily"),
    ("Queue depth check", "daily"), ("Uptime probe review", "daily"), ("Security alert review", "daily"),
    ("Database index optimisation", "weekly"), ("System security updates", "weekly"),
    ("Performance metrics analysis", "weekly"), ("Backup restore test", "weekly"),
    ("Dependency vulnerability scan", "weekly"), ("Slow query review", "weekly"),
    ("CDN cache hit review", "weekly"), ("Connection pool tuning", "weekly"), ("Access log audit", "weekly"),
    ("Staging data refresh", "weekly"), ("Alert rule review", "weekly"), ("Capacity snapshot", "weekly"),
    ("Knowledge base link check", "weekly"), ("Full security audit", "monthly"),
    ("Capacity planning report", "monthly"), ("Software dependency updates", "monthly"),
    ("Disaster recovery test", "monthly"), ("Cost report", "monthly"), ("User access review", "monthly"),
    ("Firewall rule review", "monthly"), ("SLA compliance report", "monthly"), ("Patch compliance report", "monthly"),
    ("Licence usage review", "monthly"), ("Vendor SLA review", "monthly"), ("Penetration test", "quarterly"),
    ("Rightsizing review", "quarterly"), ("Runbook review", "quarterly"), ("Compliance evidence pack", "quarterly"),
    ("Reserved instance review", "quarterly"), ("Secrets rotation", "quarterly"), ("DR plan review", "quarterly"),
)
STAFF = (  # name, team, role, fte
    ("Somchai Prasert", "tier1", "Support agent", 1.0), ("Nattaya Wong", "tier1", "Support agent", 1.0),
    ("Kittipong Srisuk", "tier1", "Support agent", 1.0), ("Ploy Chaiyaporn", "tier1", "Support agent", 1.0),
    ("Arthit Boonmee", "tier1", "Support agent", 1.0), ("Mali Thongchai", "tier1", "Support agent", 0.5),
    ("Daniel Reyes", "tier1", "Support agent", 1.0), ("Supansa Kaewmanee", "tier2", "Technical support", 1.0),
    ("Tanawat Rattana", "tier2", "Technical support", 1.0), ("Emily Carter", "tier2", "Technical support", 1.0),
    ("Wichai Jaidee", "tier2", "Technical support lead", 1.0), ("Pimchanok Suwan", "tier3", "Senior developer", 1.0),
    ("Lukas Becker", "tier3", "Architect", 1.0), ("Anan Siriwat", "tier3", "Senior developer", 1.0),
    ("Rattana Phongsri", "maintenance", "Maintenance lead", 1.0),
    ("Chaiwat Nakorn", "maintenance", "System administrator", 1.0),
    ("Orawan Petch", "maintenance", "System administrator", 1.0),
    ("Priya Nair", "maintenance", "Database administrator", 1.0),
    ("Kanokwan Dee", "maintenance", "Application support", 1.0),
    ("Thitipong Lim", "maintenance", "Security engineer", 1.0), ("Siriporn Meesuk", "maintenance", "DevOps", 1.0),
)
LEAVER, HIRE = 6, 0   # Daniel (tier1) leaves; Somchai (tier1) is hired as his replacement, months later
CERTIFICATIONS = {"AWS SysOps Administrator": 3, "Certified Kubernetes Administrator": 3, "ITIL 4 Foundation": 0,
                  "CompTIA Security+": 3, "HDI Support Center Analyst": 3, "PostgreSQL Associate": 0,
                  "Google Cloud Associate Engineer": 3}   # validity in years, 0: no expiry
TRAINING_TOPICS = ("Incident management", "Kubernetes operations", "Customer communication", "Security awareness",
                   "PostgreSQL tuning", "Observability", "Knowledge base writing", "Cloud cost optimisation")


# ---------------------------------------------------------------------------------------------
# Time frame


@dataclass(frozen=True)
class Calendar:
    """The demo's frame: local plan dates [first_day, today]; instants as UTC epoch seconds."""

    tz: str
    first_day: date
    today: date
    cal: Period   # the calibration window: the last full months before today's month

    @classmethod
    def make(cls, plan: Plan, today: date) -> "Calendar":
        first = add_months(today, -(DEMO_MONTHS - 1))
        return cls(plan.timezone, first, today, Period.last_full_months(today, plan.settings.scorecard_months))

    def epoch(self, day: date) -> float:
        return local_midnight(day, self.tz).timestamp()

    @property
    def lo(self) -> float:
        return self.epoch(self.first_day)

    @property
    def hi(self) -> float:
        """The horizon: nothing happens at or after the end of `today`."""
        return self.epoch(self.today + timedelta(days=1))

    def months(self) -> list[Period]:
        return Period(self.first_day, self.today + timedelta(days=1)).months()

    def days(self) -> pd.DatetimeIndex:
        return pd.date_range(self.first_day, self.today, freq="D")

    def day_epochs(self) -> np.ndarray:
        return local_epoch(self.days(), self.tz)

    def months_from_cal_end(self) -> np.ndarray:
        """Per day: months since the end of the calibration window (negative before it)."""
        return ((self.days() - pd.Timestamp(self.cal.end)).days.to_numpy() / MONTH_DAYS)


def local_epoch(naive: pd.DatetimeIndex | pd.Series, tz: str) -> np.ndarray:
    """Naive local wall times as UTC epoch seconds."""
    aware = pd.DatetimeIndex(naive).tz_localize(tz, ambiguous="NaT", nonexistent="shift_forward")
    return ((aware - EPOCH) / pd.Timedelta(seconds=1)).to_numpy(dtype=float)


def local_times(seconds: np.ndarray, tz: str) -> pd.DatetimeIndex:
    return pd.DatetimeIndex(pd.to_datetime(np.asarray(seconds, dtype=float), unit="s", utc=True)).tz_convert(tz)


def to_utc(seconds: np.ndarray) -> pd.Series:
    """Epoch seconds (NaN: missing) as an aware UTC column, rounded to the second."""
    return pd.Series(pd.to_datetime(np.round(np.asarray(seconds, dtype=float)), unit="s", utc=True))


def clock(text: str) -> float:
    """'HH:MM' as seconds after midnight."""
    hours, minutes = text.split(":")
    return int(hours) * HOUR + int(minutes) * MINUTE


def lognormal(rng: Rng, median: float, sigma: float, size: int | tuple) -> np.ndarray:
    return median * rng.lognormal(0.0, sigma, size)


def ids(prefix: str, n: int, width: int = 6) -> list[str]:
    return [f"{prefix}-{k:0{width}d}" for k in range(1, n + 1)]


def in_range(values: np.ndarray, lo: float, hi: float) -> np.ndarray:
    return (values >= lo) & (values < hi)


def union_hours(starts: np.ndarray, ends: np.ndarray, lo: float, hi: float) -> float:
    """Hours covered by the union of intervals, clipped to [lo, hi)."""
    s, e = np.clip(starts, lo, hi), np.clip(ends, lo, hi)
    keep = e > s
    order = np.argsort(s[keep], kind="stable")
    s, e = s[keep][order], e[keep][order]
    if not len(s):
        return 0.0
    reach = np.maximum.accumulate(e)
    first = np.r_[True, s[1:] > reach[:-1]]
    return float((np.maximum.reduceat(e, np.flatnonzero(first)) - s[first]).sum() / HOUR)


# ---------------------------------------------------------------------------------------------
# Monthly targets: what each event-driven KPI should come to, month by month


@dataclass(frozen=True)
class Block:
    """Months whose events are calibrated together: the calibration window is one block at
    the baselines; every other month (the current one up to today) is its own block."""

    start: date
    end: date
    lo: float
    hi: float
    targets: dict = field(hash=False)
    is_cal: bool = False
    long_outage_hours: float = 0.0
    ticket_volume: float = 1.0

    @property
    def hours(self) -> float:
        return (self.hi - self.lo) / HOUR


def _target(plan: Plan, kpi: str, worse: float) -> float:
    """Baseline moved `worse` times the baseline-to-target gap away from the target."""
    k = plan.kpi(kpi)
    lo, hi = LIMITS.get(kpi, (0.0, math.inf))
    return float(np.clip(k.baseline - worse * (k.target - k.baseline), lo, hi))


def month_blocks(cal: Calendar, plan: Plan, rng: Rng) -> list[Block]:
    """The calibration block plus one block per other month, each with its KPI targets."""
    months = cal.months()
    n_before = sum(m.start < cal.cal.start for m in months)
    blocks = [Block(cal.cal.start, cal.cal.end, cal.epoch(cal.cal.start), cal.epoch(cal.cal.end),
                    {k: plan.kpi(k).baseline for k in EVENT_KPIS}, is_cal=True)]
    for i, m in enumerate(months):
        noise = rng.normal(0.0, 0.15, len(EVENT_KPIS))   # drawn for every month so the stream stays aligned
        long_outage = rng.uniform(5.5, 7.5)
        if cal.cal.start <= m.start < cal.cal.end:
            continue
        before = m.start < cal.cal.start
        worse = 0.5 * (1.0 - i / n_before) + noise if before else -0.3 + noise / 2
        backlog = before and i == n_before - BACKLOG_MONTHS_BEFORE
        worse = worse + np.array([1.5 * backlog * (k in BACKLOG_KPIS) for k in EVENT_KPIS])
        blocks.append(Block(m.start, m.end, cal.epoch(m.start), cal.epoch(m.end),
                            {k: _target(plan, k, w) for k, w in zip(EVENT_KPIS, worse)},
                            long_outage_hours=long_outage if before and i == n_before - OUTAGE_MONTHS_BEFORE else 0.0,
                            ticket_volume=1.35 if backlog else 1.0))
    return sorted(blocks, key=lambda b: b.start)


def block_index(blocks: list[Block], seconds: np.ndarray) -> np.ndarray:
    """Per instant: the index of its block (-1: outside every block)."""
    edges = np.array([b.lo for b in blocks] + [blocks[-1].hi])
    idx = np.searchsorted(edges, seconds, side="right") - 1
    return np.where((idx >= 0) & (idx < len(blocks)) & ~np.isnan(seconds), idx, -1)


# ---------------------------------------------------------------------------------------------
# The world being generated: tables so far, as frames with *_at columns in epoch seconds


@dataclass
class World:
    plan: Plan
    cal: Calendar
    blocks: list[Block]
    tables: dict[str, pd.DataFrame] = field(default_factory=dict)
    daily: pd.DataFrame = field(default_factory=pd.DataFrame)   # per local day: growth, sale, users ...


def _daily_frame(cal: Calendar, rng: Rng) -> pd.DataFrame:
    """Per local day: the drivers every daily and hourly series shares."""
    days = cal.days()
    sale = np.ones(len(days))
    for month, day in SALE_DAYS:
        sale[(days.month == month) & (days.day == day)] = 1.9
    payday = np.where((days.day >= 25) | (days.day == 1), 1.06, 1.0)
    return pd.DataFrame({"day": days, "epoch": cal.day_epochs(), "t": cal.months_from_cal_end(),
                         "weekday": days.day_of_week, "sale": sale * payday,
                         "users_growth": np.exp(np.log(1.035) * cal.months_from_cal_end())})


# ---------------------------------------------------------------------------------------------
# Services, maintenance windows, changes


def services_table() -> pd.DataFrame:
    cols = ["service_id", "name", "kind", "is_customer_facing", "instances", "instance_rps_capacity"]
    return pd.DataFrame([s[:6] for s in SERVICES], columns=cols)


def _sundays(days: pd.DatetimeIndex, week_of_month: int | None = None) -> pd.DatetimeIndex:
    sundays = days[days.day_of_week == 6]
    if week_of_month is None:
        return sundays
    return sundays[(sundays.day - 1) // 7 + 1 == week_of_month]


def maintenance_windows(cal: Calendar, plan: Plan, rng: Rng) -> pd.DataFrame:
    """Global daily, weekly and monthly windows per the plan (the monthly one replaces that
    Sunday's weekly window), plus a monthly security-patch window for one service in turn."""
    m, days = plan.section("maintenance"), cal.days()
    monthly_days = _sundays(days, m["monthly"]["week_of_month"])
    weekly_days = _sundays(days).difference(monthly_days)
    patch_days = _sundays(days, 3)
    parts = [
        _windows(cal, days, m["daily"]["start"], np.full(len(days), m["daily"]["duration_minutes"]), "daily", None),
        _windows(cal, weekly_days, m["weekly"]["start"], _minutes(rng, m["weekly"], len(weekly_days)), "weekly",
                 None),
        _windows(cal, monthly_days, m["monthly"]["start"], _minutes(rng, m["monthly"], len(monthly_days)), "monthly",
                 None),
        _windows(cal, patch_days, m["security_patches"]["start"],
                 np.full(len(patch_days), (clock(m["security_patches"]["end"])
                                           - clock(m["security_patches"]["start"])) / MINUTE),
                 "security_patch", [SERVICES[k % len(SERVICES)].service_id for k in range(len(patch_days))]),
    ]
    frame = pd.concat(parts, ignore_index=True).sort_values(["starts_at", "kind"], kind="stable")
    frame = frame[frame["ends_at"] <= cal.hi].reset_index(drop=True)
    frame.insert(0, "window_id", ids("MW", len(frame), 5))
    return frame


def _minutes(rng: Rng, spec: dict, n: int) -> np.ndarray:
    """Window lengths between the plan's min and max, in 30-minute steps."""
    steps = np.arange(spec["duration_minutes_min"], spec["duration_minutes_max"] + 1, 30)
    return rng.choice(steps, size=n)


def _windows(cal: Calendar, days: pd.DatetimeIndex, start: str, minutes: np.ndarray, kind: str,
             service_ids: list[str] | None) -> pd.DataFrame:
    starts = local_epoch(days, cal.tz) + clock(start)
    return pd.DataFrame({"service_id": service_ids if service_ids is not None else [None] * len(days),
                         "kind": kind, "starts_at": starts, "ends_at": starts + minutes * MINUTE})


def planned_changes(w: World, rng: Rng) -> pd.DataFrame:
    """Weekday deployments in office hours, and standard changes in the Sunday window."""
    d = w.daily
    rate = np.select([d["weekday"] <= 3, d["weekday"] == 4, d["weekday"] == 6], [3.0, 1.5, 1.2], 0.2)
    counts = rng.poisson(rate * d["users_growth"].to_numpy() ** 0.3)
    day = np.repeat(np.arange(len(d)), counts)
    sunday = d["weekday"].to_numpy()[day] == 6
    offset = np.where(sunday, rng.uniform(1.25, 2.5, len(day)), rng.uniform(10.0, 17.0, len(day))) * HOUR
    weights = np.array([s.failure_weight for s in SERVICES])
    return pd.DataFrame({
        "service_id": rng.choice([s.service_id for s in SERVICES], size=len(day), p=weights / weights.sum()),
        "category": np.where(sunday | (rng.random(len(day)) < 0.4), "standard", "minor"),
        "deployed_at": d["epoch"].to_numpy()[day] + offset, "is_rolled_back": False})


# ---------------------------------------------------------------------------------------------
# Incidents: failures calibrated per block, other incidents sampled


@dataclass
class Placer:
    """Places incident intervals in a block: after a change (clustered) or anywhere, and for
    full outages never across a maintenance window or another outage (so that unplanned
    downtime is exactly the sum of outage durations)."""

    lo: float
    hi: float
    changes: pd.DataFrame    # deployed_at, service_id, row (index into the changes table)
    busy: list               # (start, end) intervals an outage may not touch
    rng: Rng

    def place(self, hours: float, service: str, p_change: float, avoid_busy: bool,
              span: tuple[float, float] | None = None) -> tuple[float, str, int]:
        """(start, service, change row or -1) for an interval of `hours` inside `span` (default: all)."""
        dur, (lo, hi) = hours * HOUR, span or (self.lo, self.hi)
        for _ in range(200):
            start, svc, row = self._candidate(dur, service, p_change, lo, hi)
            if lo <= start <= hi - dur and not (avoid_busy and self._clashes(start, start + dur)):
                if avoid_busy:
                    self.busy.append((start, start + dur))
                return start, svc, row
        return lo + max(0.0, hi - lo - dur) * self.rng.random(), service, -1

    def _candidate(self, dur: float, service: str, p_change: float, lo: float, hi: float) -> tuple[float, str, int]:
        if len(self.changes) and self.rng.random() < p_change:
            k = int(self.rng.integers(len(self.changes)))
            row = self.changes.iloc[k]
            return float(row["deployed_at"] + self.rng.exponential(5.0 * HOUR)), row["service_id"], int(row["row"])
        return float(self.rng.uniform(lo, max(lo, hi - dur))), service, -1

    def _clashes(self, start: float, end: float) -> bool:
        margin = 10 * MINUTE
        return any(s < end + margin and e > start - margin for s, e in self.busy)


class FailurePlan(NamedTuple):
    n: int                 # failures started in the block
    down_hours: float      # full-outage hours among them
    n_outages: int
    failure_hours: float   # total repair hours of all failures


def failure_plan(b: Block, planned_hours: float) -> FailurePlan:
    """Failures that reproduce the block's uptime, MTBF and MTTR: down = (1 - uptime) *
    (period - planned); failures = (period - down) / MTBF; failure hours = failures * MTTR."""
    t = b.targets
    down = (1.0 - t["uptime_pct"] / 100.0) * (b.hours - planned_hours) + b.long_outage_hours
    n = int(round((b.hours - down) / t["mtbf_hours"]))
    if n == 0 or down < 0.25:
        return FailurePlan(n, 0.0, 0, n * t["mttr_hours"])
    k = min(n, max(1 + (b.long_outage_hours > 0), int(round(down / TYPICAL_OUTAGE_HOURS))))
    return FailurePlan(n, down, k, max(n * t["mttr_hours"], down + 0.5 * (n - k)))


def _outage_hours(b: Block, down: float, k: int, rng: Rng) -> np.ndarray:
    """k outage durations summing to `down` hours, the long one first if the block has one."""
    long = [b.long_outage_hours] if b.long_outage_hours else []
    rest, m = down - sum(long), k - len(long)
    return np.array(long + list(0.25 + rng.dirichlet(np.full(m, 3.0)) * (rest - 0.25 * m)))


def _degraded_hours(total: float, n: int, rng: Rng) -> np.ndarray:
    """n durations summing to `total` hours, skewed like real repair times."""
    if n == 0:
        return np.zeros(0)
    shares = rng.lognormal(0.0, 0.9, n)
    return 0.2 + shares / shares.sum() * (total - 0.2 * n)


def block_failures(w: World, b: Block, changes: pd.DataFrame, rng: Rng) -> pd.DataFrame:
    """Failures started (and resolved) inside the block, calibrated to its targets."""
    windows = w.tables["maintenance_windows"]
    glob = windows[windows["service_id"].isna()]
    planned = union_hours(glob["starts_at"].to_numpy(), glob["ends_at"].to_numpy(), b.lo, b.hi)
    fp = failure_plan(b, planned)
    outages = _outage_hours(b, fp.down_hours, fp.n_outages, rng) if fp.n_outages else np.zeros(0)
    degraded = _degraded_hours(fp.failure_hours - outages.sum(), fp.n - len(outages), rng)
    degraded = np.minimum(degraded, b.hours / 3)   # only binds in a current month of a few days
    spans = _month_spans(w.cal, b)
    # Spread over the block's months by their length, so each month alone also looks like the block.
    out_span = (int(rng.integers(len(spans))) + np.arange(len(outages))) % len(spans)
    lengths = np.array([hi - lo for lo, hi in spans])
    deg_span = rng.permutation(np.repeat(np.arange(len(spans)), _split(len(degraded), lengths)))
    in_block = changes[in_range(changes["deployed_at"].to_numpy(), b.lo, b.hi)]
    cf = {s.service_id for s in SERVICES if s.is_customer_facing}
    placer = Placer(b.lo, b.hi, in_block[in_block["service_id"].isin(cf)],
                    list(zip(windows["starts_at"], windows["ends_at"])), rng)
    rows = [(*placer.place(h, _pick_service(rng, True), 0.5, True, spans[j]), h, "outage", "critical")
            for h, j in zip(outages, out_span)]
    placer.changes = in_block
    for h, j in zip(degraded, deg_span):
        impact = "none" if rng.random() < 0.12 else "degraded"
        severity = "critical" if rng.random() < 0.2 else "high"
        rows.append((*placer.place(h, _pick_service(rng, False), 0.4, False, spans[j]), h, impact, severity))
    return _incident_rows(rows)


def _month_spans(cal: Calendar, b: Block) -> list[tuple[float, float]]:
    return [(cal.epoch(m.start), cal.epoch(m.end)) for m in Period(b.start, b.end).months()]


def _split(n: int, weights: np.ndarray) -> np.ndarray:
    """n items split in proportion to weights, whole numbers summing to n (largest remainder)."""
    exact = n * weights / weights.sum()
    counts = np.floor(exact).astype(int)
    counts[np.argsort(-(exact - counts), kind="stable")[: n - counts.sum()]] += 1
    return counts


def _pick_service(rng: Rng, customer_facing: bool) -> str:
    pool = [s for s in SERVICES if s.is_customer_facing or not customer_facing]
    weights = np.array([s.failure_weight for s in pool])
    return pool[int(rng.choice(len(pool), p=weights / weights.sum()))].service_id


def _incident_rows(rows: list[tuple]) -> pd.DataFrame:
    cols = ["started_at", "service_id", "change_row", "hours", "impact", "severity"]
    frame = pd.DataFrame(rows, columns=cols).astype({"started_at": float, "change_row": int, "hours": float})
    frame["resolved_at"] = frame["started_at"] + frame["hours"] * HOUR
    return frame


def other_incidents(w: World, changes: pd.DataFrame, rng: Rng) -> pd.DataFrame:
    """Medium and low incidents: never full outages, so they touch no reliability KPI;
    they may run past a month's end and the newest may still be open."""
    rows = []
    for b in w.blocks:
        placer = Placer(b.lo, b.hi, changes[in_range(changes["deployed_at"].to_numpy(), b.lo, b.hi)], [], rng)
        for _ in range(rng.poisson(20.0 * b.hours / (MONTH_DAYS * 24))):
            severity = "medium" if rng.random() < 0.55 else "low"
            hours = float(lognormal(rng, 5.0 if severity == "medium" else 18.0, 0.8, 1)[0])
            start, svc, row = placer.place(0.0, _pick_service(rng, False), 0.3, False)
            rows.append((start, svc, row, hours, "degraded" if rng.random() < 0.5 else "none", severity))
    frame = _incident_rows(rows)
    frame.loc[frame["resolved_at"] >= w.cal.hi, "resolved_at"] = np.nan
    return frame


def incident_timeline(frame: pd.DataFrame, plan: Plan, horizon: float, rng: Rng) -> pd.DataFrame:
    """Detection, acknowledgement and escalation times in the plan's terms (severity
    response and escalation times, escalation matrix), all before resolution."""
    n = len(frame)
    start = frame["started_at"].to_numpy()
    end = frame["resolved_at"].fillna(horizon).to_numpy()
    dur = end - start
    detect_mean = frame["impact"].map({"outage": 2.0, "degraded": 8.0, "none": 30.0}).to_numpy() * MINUTE
    detected = start + np.minimum(rng.exponential(detect_mean), 0.25 * dur)
    sev = frame["severity"]
    response = sev.map(lambda s: plan.severity(s).response_minutes).to_numpy() * MINUTE
    acked = detected + np.minimum(lognormal(rng, 0.45, 0.6, n) * response, 0.5 * (end - detected))
    grace = plan.settings.escalation_immediate_minutes * MINUTE
    after = sev.map(lambda s: plan.severity(s).escalation_after_minutes).to_numpy() * MINUTE
    escalate_at = detected + np.where(after == 0, rng.uniform(0.2, 1.0, n) * grace, after * rng.uniform(1.0, 1.1, n))
    is_escalated = escalate_at < end
    frame["detected_at"], frame["acknowledged_at"] = detected, acked
    frame["escalated_at"] = np.where(is_escalated, escalate_at, np.nan)
    frame["escalation_level"] = np.where(is_escalated, _levels(plan, sev, dur), 1)
    return frame


def _levels(plan: Plan, severity: pd.Series, dur: np.ndarray) -> np.ndarray:
    """Escalation level reached: 2 once escalated, one more per matrix step the incident outlasted."""
    matrix = plan.section("escalation_matrix")
    level = np.full(len(dur), 2)
    for sev in ("critical", "high"):
        steps = np.cumsum(matrix.get(f"{sev}_minutes", []))[1:] * MINUTE
        mask = (severity == sev).to_numpy()
        level[mask] += (dur[mask, None] > steps[None, :]).sum(axis=1) if len(steps) else 0
    return np.minimum(level, 4)


def incidents_and_changes(w: World, rng: Rng) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Changes, failures clustered after them, other incidents, then the emergency changes
    that fixed some failures; changes that caused a failure are often rolled back."""
    changes = planned_changes(w, rng).sort_values("deployed_at", kind="stable").reset_index(drop=True)
    changes["row"] = np.arange(len(changes))
    parts = [block_failures(w, b, changes, rng) for b in w.blocks]
    frame = pd.concat(parts + [other_incidents(w, changes, rng)], ignore_index=True)
    frame = frame.sort_values(["started_at", "service_id"], kind="stable").reset_index(drop=True)
    frame = incident_timeline(frame, w.plan, w.cal.hi, rng)
    frame["is_change_related"] = frame["change_row"] >= 0
    names = {s.service_id: s.name for s in SERVICES}
    frame["summary"] = [f"{names[s]}: {SYMPTOMS[i][int(rng.integers(len(SYMPTOMS[i])))]}"
                        for s, i in zip(frame["service_id"], frame["impact"])]
    caused = frame.loc[frame["is_change_related"], "change_row"].unique()
    changes.loc[caused[rng.random(len(caused)) < 0.5], "is_rolled_back"] = True
    changes.loc[rng.random(len(changes)) < 0.02, "is_rolled_back"] = True
    changes = pd.concat([changes, _emergency_changes(frame, w.plan, rng)], ignore_index=True)
    changes = changes.sort_values("deployed_at", kind="stable").reset_index(drop=True)
    changes.insert(0, "change_id", ids("CHG", len(changes), 5))
    frame.insert(0, "incident_id", ids("INC", len(frame), 5))
    return frame.drop(columns=["change_row", "hours"]), changes.drop(columns="row")


def _emergency_changes(incidents: pd.DataFrame, plan: Plan, rng: Rng) -> pd.DataFrame:
    fixed = incidents[incidents["severity"].isin(plan.settings.failure_severities)
                      & incidents["resolved_at"].notna() & (rng.random(len(incidents)) < 0.35)]
    when = fixed["started_at"] + rng.uniform(0.4, 0.9, len(fixed)) * (fixed["resolved_at"] - fixed["started_at"])
    return pd.DataFrame({"service_id": fixed["service_id"].to_numpy(), "category": "emergency",
                         "deployed_at": when.to_numpy(), "is_rolled_back": False})


# ---------------------------------------------------------------------------------------------
# Costs, revenue and active users (calibrated over whole months of the calibration window)


def _cal_months(w: World) -> np.ndarray:
    months = [m.start for m in w.cal.months()]
    return np.array([w.cal.cal.start <= m < w.cal.cal.end for m in months])


def _line_factors(w: World, line: str, rng: Rng) -> np.ndarray:
    """Spend of a budget line per month as a multiple of its plan monthly amount, before noise."""
    n = len(w.cal.months())
    i = np.arange(n)
    c = int(np.flatnonzero(_cal_months(w)).mean())          # the middle of the calibration window
    n_before = int(np.flatnonzero(_cal_months(w))[0])
    starts = [m.start for m in w.cal.months()]
    if line == "cloud_services":                        # grows with usage, now running over plan
        return 1.10 * np.exp(0.02 * (i - c))
    if line == "monitoring_tools":                      # an APM add-on pushed it over plan
        return np.where(i >= n_before - 9, 1.14, 0.92)
    if line == "security_tools":                        # certificates and scanners renew with the budget year
        renewal = date.fromisoformat(w.plan.first_year_start).month
        return np.where([s.month == renewal for s in starts], 2.6, 0.86)
    if line == "support_team":                          # a vacancy, then overtime in the backlog month
        vacancy = (i > n_before - 10) & (i <= n_before - 5)
        return np.where(vacancy, 0.91, 1.0) * np.where(i == n_before - BACKLOG_MONTHS_BEFORE, 1.12, 1.0)
    if line == "training_budget":                       # courses and conferences come in lumps
        return 0.45 + rng.gamma(1.2, 0.45, n)
    if line == "backup_storage":                        # follows the data
        return np.exp(0.05 * (i - c))
    if line == "contingency":                           # drawn on after the long outage, rarely else
        out = np.zeros(n)
        out[max(0, n_before - OUTAGE_MONTHS_BEFORE)] = 1.6
        out[rng.choice(n, 2, replace=False)] += 0.4
        return out
    return np.ones(n)


def monthly_costs(w: World, rng: Rng, revenue: np.ndarray | None = None,
                  users: np.ndarray | None = None) -> pd.DataFrame:
    """One row per budget line per month near plan annual/12; the current month is month to date.
    Payment fees follow daily revenue and communication follows users (when given, per month)."""
    months = w.cal.months()
    elapsed = np.array([m.days / ((add_months(m.start, 1) - m.start).days) for m in months])
    cal = _cal_months(w)
    rows = []
    for line in w.plan.budget_lines:
        factor = _line_factors(w, line.name, rng) * rng.lognormal(0.0, 0.025, len(months))
        if line.name == "payment_processing" and revenue is not None:
            factor = revenue / revenue[cal].mean()
        if line.name == "communication_services" and users is not None:
            factor = users / users[cal].mean() * rng.lognormal(0.0, 0.03, len(months))
        amount = np.round(line.annual_usd / 12.0 * factor * elapsed, 2)
        rows += [(pd.Timestamp(m.start), line.name, a) for m, a in zip(months, amount)]
    return pd.DataFrame(rows, columns=["month", "line", "amount_usd"])


def _month_means(w: World, values: np.ndarray) -> np.ndarray:
    """Per month: the mean of a daily series (a rate, so a month to date compares with full ones)."""
    days = w.daily["day"]
    keys = days.dt.year * 12 + days.dt.month
    return pd.Series(values).groupby(keys.to_numpy()).mean().to_numpy()


def business_daily(w: World, infra_cal_usd: float, rng: Rng) -> pd.DataFrame:
    """Revenue with weekly seasonality, growth, sale days and outage dips, scaled so the
    calibration window's infrastructure cost share of revenue is the plan's baseline."""
    d, n = w.daily, len(w.daily)
    dip = _outage_dip(w) * np.where(rng.random(n) < 0.006, rng.uniform(0.55, 0.75, n), 1.0)   # gateway trouble
    raw = (np.exp(np.log(1.03) * d["t"]) * TRAFFIC_BY_WEEKDAY[d["weekday"]] * d["sale"] * dip
           * rng.lognormal(0.0, 0.06, n)).to_numpy()
    cal = in_range(d["day"].to_numpy(), np.datetime64(w.cal.cal.start), np.datetime64(w.cal.cal.end))
    scale = infra_cal_usd / (w.plan.kpi("infra_cost_pct_revenue").baseline / 100.0) / raw[cal].sum()
    revenue = np.round(raw * scale, 2)
    aov = 42.0 * np.exp(0.002 * d["t"].to_numpy()) * rng.lognormal(0.0, 0.04, n)
    orders = np.round(revenue / aov).astype(int)
    conversion = 0.032 * rng.lognormal(0.0, 0.05, n) * np.where(rng.random(n) < 0.01, 0.7, 1.0)
    attack = rng.random(n) < 0.012
    return pd.DataFrame({
        "day": d["day"], "revenue_usd": revenue, "visits": np.round(orders / conversion).astype(int),
        "orders": orders, "order_processing_minutes_p95": _processing_minutes(d, rng),
        "failed_logins_peak_hour": np.where(attack, rng.integers(140, 900, n),
                                            rng.poisson(18 + 25 * d["users_growth"].to_numpy())),
        "suspicious_events": np.where(attack, rng.integers(3, 25, n), rng.poisson(0.08, n))})


def _processing_minutes(d: pd.DataFrame, rng: Rng) -> np.ndarray:
    n = len(d)
    base = 20.0 + 6.0 * d["users_growth"].to_numpy() ** 0.5 * d["sale"].to_numpy() ** 2
    slow = np.where(rng.random(n) < 0.015, rng.uniform(2.5, 4.0, n), 1.0)   # worker backlog days
    return np.round(base * slow * rng.lognormal(0.0, 0.08, n), 1)


def _outage_dip(w: World) -> np.ndarray:
    """Per day: the share of revenue kept after customer-facing outages that day."""
    inc = w.tables["incidents"]
    cf = {s.service_id for s in SERVICES if s.is_customer_facing}
    out = inc[(inc["impact"] == "outage") & inc["service_id"].isin(cf)]
    day_of = np.searchsorted(w.daily["epoch"].to_numpy(), out["started_at"].to_numpy(), side="right") - 1
    hours = np.zeros(len(w.daily))
    np.add.at(hours, day_of, ((out["resolved_at"] - out["started_at"]) / HOUR).to_numpy())
    return 1.0 - np.minimum(0.85, 1.6 * hours / 24.0)


def active_users(w: World, support_cal_usd: float, rng: Rng) -> pd.DataFrame:
    """Trailing-30-day users growing smoothly, scaled so that the calibration months' support
    cost per user (read on each month's last day) is the plan's baseline; daily users a
    fifth of them with weekly seasonality."""
    d, n = w.daily, len(w.daily)
    wobble = 1.0 + 0.03 * np.convolve(rng.normal(0.0, 1.0, n + 29), np.ones(30) / np.sqrt(30), "valid")
    raw = d["users_growth"].to_numpy() * wobble
    days = d["day"]
    last = (days + pd.Timedelta(days=1)).dt.day.to_numpy() == 1
    cal = in_range(days.to_numpy(), np.datetime64(w.cal.cal.start), np.datetime64(w.cal.cal.end))
    scale = support_cal_usd / w.plan.kpi("support_cost_per_user_usd").baseline / raw[cal & last].sum()
    mau = np.round(raw * scale).astype(int)
    dau = mau * 0.21 * TRAFFIC_BY_WEEKDAY[d["weekday"]] * d["sale"] ** 0.7 * rng.lognormal(0.0, 0.04, n)
    return pd.DataFrame({"day": days, "daily_active_users": np.minimum(np.round(dau), mau).astype(int),
                         "monthly_active_users": mau})


def money_and_users(w: World, rng: Rng) -> None:
    """Costs, revenue and users, in the order their calibrations depend on each other."""
    s, cal_months = w.plan.settings, _cal_months(w)
    draft = monthly_costs(w, rng)
    months = sorted(draft["month"].unique())
    in_cal = draft["month"].isin([m for m, c in zip(months, cal_months) if c])
    infra = float(draft.loc[in_cal & draft["line"].isin(s.infrastructure_cost_categories), "amount_usd"].sum())
    support = float(draft.loc[in_cal & draft["line"].isin(s.support_cost_categories), "amount_usd"].sum())
    w.tables["business_daily"] = business_daily(w, infra, rng)
    w.tables["active_users_daily"] = users = active_users(w, support, rng)
    revenue = _month_means(w, w.tables["business_daily"]["revenue_usd"].to_numpy())
    month_users = _month_means(w, users["monthly_active_users"].to_numpy())
    final = monthly_costs(w, np.random.default_rng(rng.integers(2**32)), revenue, month_users)
    # Lines the calibration read keep their drafted amounts; the rest may follow revenue and users.
    keep = draft["line"].isin(s.infrastructure_cost_categories + s.support_cost_categories)
    final.loc[keep, "amount_usd"] = draft.loc[keep, "amount_usd"]
    w.tables["costs_monthly"] = final


# ---------------------------------------------------------------------------------------------
# Tickets, self-service sessions, survey responses (calibrated per block)


def ticket_arrivals(w: World, rng: Rng) -> pd.DataFrame:
    """Tickets per day follow active users, the weekday and the backlog month; bursts follow
    outages and critical incidents."""
    d, users = w.daily, w.tables["active_users_daily"]["monthly_active_users"].to_numpy()
    volume = np.array([w.blocks[k].ticket_volume for k in block_index(w.blocks, d["epoch"].to_numpy())])
    lam = users * 0.016 * SUPPORT_BY_WEEKDAY[d["weekday"]] * d["sale"] ** 0.5 * volume
    day = np.repeat(np.arange(len(d)), rng.poisson(lam.to_numpy()))
    hour = rng.choice(24, size=len(day), p=SUPPORT_BY_HOUR / SUPPORT_BY_HOUR.sum())
    created = d["epoch"].to_numpy()[day] + (hour + rng.random(len(day))) * HOUR
    base = pd.DataFrame({"created_at": created, "is_burst": False,
                         "priority": rng.choice(["critical", "high", "medium", "low"], len(day),
                                                p=[0.02, 0.12, 0.46, 0.40]),
                         "category": rng.choice(TICKET_CATEGORIES, len(day), p=CATEGORY_WEIGHTS)})
    return pd.concat([base, _burst_tickets(w, rng)], ignore_index=True)


def _burst_tickets(w: World, rng: Rng) -> pd.DataFrame:
    inc = w.tables["incidents"]
    loud = inc[((inc["impact"] == "outage") | (inc["severity"] == "critical")) & inc["resolved_at"].notna()]
    hours = ((loud["resolved_at"] - loud["started_at"]) / HOUR).to_numpy()
    k = rng.poisson(2.0 + 3.0 * np.minimum(hours, 6.0))
    start = np.repeat(loud["started_at"].to_numpy(), k)
    span = np.repeat(hours * HOUR + 30 * MINUTE, k)
    return pd.DataFrame({"created_at": np.minimum(start + rng.random(len(start)) * span, w.cal.hi - MINUTE),
                         "is_burst": True,
                         "priority": rng.choice(["critical", "high"], len(start), p=[0.3, 0.7]),
                         "category": rng.choice(["performance", "bug", "payments"], len(start))})


def assign_channels(t: pd.DataFrame, plan: Plan, rng: Rng) -> pd.DataFrame:
    """Chat, email or phone; phone only in the plan's phone hours except critical calls."""
    n = len(t)
    channel = rng.choice(["live_chat", "email", "phone"], n, p=[0.45, 0.35, 0.20])
    channel = np.where(t["is_burst"] & (rng.random(n) < 0.3), "phone", channel)
    hour = local_times(t["created_at"].to_numpy(), plan.timezone).hour.to_numpy()
    open_from, open_to = _phone_hours(plan)
    closed = (channel == "phone") & ((hour < open_from) | (hour >= open_to)) & (t["priority"] != "critical")
    channel = np.where(closed, np.where(rng.random(n) < 0.6, "live_chat", "email"), channel)
    t["channel"] = channel
    t["is_simple"] = t["category"].isin(["how_to", "account", "billing"]) & (rng.random(n) < 0.8)
    return t


def _phone_hours(plan: Plan) -> tuple[int, int]:
    """Opening hours from the plan's phone channel text, e.g. '08:00-20:00 UTC+7 ...'."""
    span = plan.channel("phone").hours.split()[0]
    try:
        a, b = span.split("-")
        return int(clock(a) // HOUR), int(clock(b) // HOUR)
    except ValueError:
        return 0, 24


def first_response_lag(t: pd.DataFrame, w: World, rng: Rng) -> np.ndarray:
    """Seconds to first response: phone and chat within minutes, email in hours; then the
    high-priority mean in each block is set to its target by stretching email answers."""
    n, pri = len(t), t["priority"].to_numpy()
    email_median = pd.Series(pri).map({"critical": 0.8, "high": 3.0, "medium": 5.0, "low": 10.0}).to_numpy() * HOUR
    lag = np.select([t["channel"] == "phone", t["channel"] == "live_chat"],
                    [np.minimum(lognormal(rng, 40.0, 0.6, n), 900.0), np.minimum(lognormal(rng, 80.0, 0.7, n), 1800.0)],
                    np.minimum(email_median * rng.lognormal(0.0, 0.8, n), 48 * HOUR))
    high = np.isin(pri, w.plan.settings.high_priority)
    which = block_index(w.blocks, t["created_at"].to_numpy())
    for k, b in enumerate(w.blocks):
        members = high & (which == k)
        lag[members] = _stretch(lag[members], (t["channel"].to_numpy()[members] == "email"),
                                b.targets["first_response_hours"] * HOUR * members.sum(), 20 * HOUR)
    return lag


def _stretch(values: np.ndarray, movable: np.ndarray, total: float, cap: float) -> np.ndarray:
    """Scale the movable values (each at most `cap`) so that all values sum to `total`."""
    v = values.copy()
    for _ in range(8):
        free = movable & (v < cap)
        fixed = v[~free].sum()
        if not free.any() or v[free].sum() <= 0:
            break
        v[free] = np.minimum(v[free] * max(total - fixed, 0.0) / v[free].sum(), cap)
    return v


def escalations(t: pd.DataFrame, w: World, rng: Rng) -> pd.DataFrame:
    """Escalations and reopenings at each month's first-contact rate (made exact later)."""
    n = len(t)
    fcr = np.array([w.blocks[k].targets["fcr_pct"] for k in block_index(w.blocks, t["created_at"].to_numpy())])
    miss = 1.0 - fcr / 100.0
    serious = t["priority"].isin(["critical", "high"]).to_numpy()
    escalated = rng.random(n) < np.minimum(0.95, miss * 0.65 * np.where(serious, 1.6, 0.9))
    t["escalation_count"] = np.where(escalated, 1 + (rng.random(n) < 0.25), 0)
    t["max_tier"] = np.minimum(3, 1 + t["escalation_count"] + (escalated & serious & (rng.random(n) < 0.3)))
    t["is_reopened"] = ~escalated & (rng.random(n) < miss * 0.35 / (1.0 - miss * 0.65))
    return t


def resolution_times(t: pd.DataFrame, w: World, rng: Rng) -> pd.DataFrame:
    """First response and resolution instants; any that would fall after today stay open."""
    n, horizon = len(t), w.cal.hi
    first = t["created_at"].to_numpy() + first_response_lag(t, w, rng)
    chat_min = np.where(t["is_simple"], 12.0, 40.0)
    handle = np.select([t["channel"] == "live_chat", t["channel"] == "phone"],
                       [lognormal(rng, 1.0, 0.6, n) * chat_min * MINUTE, lognormal(rng, 15 * MINUTE, 0.6, n)],
                       lognormal(rng, 6 * HOUR, 0.9, n))
    backlog = np.array([w.blocks[k].ticket_volume for k in block_index(w.blocks, t["created_at"].to_numpy())])
    handle = handle * backlog ** 3
    handle += np.where(t["escalation_count"] > 0, lognormal(rng, 20 * HOUR, 0.8, n), 0.0)
    handle += np.where(t["is_reopened"], lognormal(rng, 30 * HOUR, 0.7, n), 0.0)
    resolved = first + handle
    t["first_response_at"] = np.where(first < horizon, first, np.nan)
    t["resolved_at"] = np.where(resolved < horizon, resolved, np.nan)
    return t


def exact_first_contact(t: pd.DataFrame, w: World, rng: Rng) -> pd.DataFrame:
    """Per block of resolution: flip just enough reopen flags that the share of tickets
    resolved with no escalation and not reopened is the block's target."""
    which = block_index(w.blocks, t["resolved_at"].to_numpy())
    reopened = t["is_reopened"].to_numpy().copy()
    clean = (t["escalation_count"] == 0).to_numpy()
    for k, b in enumerate(w.blocks):
        members = which == k
        want = int(round(b.targets["fcr_pct"] / 100.0 * members.sum()))
        have = int((members & clean & ~reopened).sum())
        pool = np.flatnonzero(members & clean & (reopened if want > have else ~reopened))
        flip = rng.choice(pool, size=min(abs(want - have), len(pool)), replace=False)
        reopened[flip] = ~reopened[flip]
    t["is_reopened"] = reopened
    return t


def tickets_table(w: World, rng: Rng) -> pd.DataFrame:
    t = ticket_arrivals(w, rng).sort_values("created_at", kind="stable").reset_index(drop=True)
    t = resolution_times(escalations(assign_channels(t, w.plan, rng), w, rng), w, rng)
    t = exact_first_contact(t, w, rng)
    t.insert(0, "ticket_id", ids("TKT", len(t)))
    t["summary"] = t["category"].map(TICKET_SUMMARIES)
    return t.drop(columns="is_burst")


def sessions_table(w: World, rng: Rng) -> pd.DataFrame:
    """Sessions that led to a ticket, plus, per block, just enough stand-alone sessions (and
    exactly enough of them resolved) to put self-service resolution on the block's target."""
    t = w.tables["tickets"]
    linked = t[(rng.random(len(t)) < 0.22) & (t["channel"] != "phone")]
    led = pd.DataFrame({"started_at": np.maximum(linked["created_at"] - rng.uniform(3, 45, len(linked)) * MINUTE,
                                                 w.cal.lo),
                        "source": rng.choice(SESSION_SOURCES, len(linked), p=[0.55, 0.3, 0.08, 0.07]),
                        "ticket_id": linked["ticket_id"].to_numpy(), "is_resolved": False})
    direct = t.loc[~t["ticket_id"].isin(linked["ticket_id"]), "created_at"].to_numpy()
    parts = [led] + [_standalone_sessions(w, b, (block_index([b], led["started_at"].to_numpy()) == 0).sum(),
                                          (block_index([b], direct) == 0).sum(), rng) for b in w.blocks]
    s = pd.concat(parts, ignore_index=True).sort_values("started_at", kind="stable").reset_index(drop=True)
    s.insert(0, "session_id", ids("SS", len(s)))
    return s


def _standalone_sessions(w: World, b: Block, n_linked: int, n_direct: int, rng: Rng) -> pd.DataFrame:
    """kb = resolved / (sessions + direct tickets): pick the count of stand-alone sessions so
    that about `solve` of them resolve, then mark exactly the needed number resolved."""
    kb = b.targets["kb_self_service_pct"] / 100.0
    solve = min(0.92, kb + 0.3)
    n = int(round(kb * (n_linked + n_direct) / (solve - kb)))
    want = min(n, int(round(kb * (n_linked + n + n_direct))))
    d = w.daily
    days = np.flatnonzero(in_range(d["epoch"].to_numpy(), b.lo, b.hi))
    weight = d["users_growth"].to_numpy()[days] * SUPPORT_BY_WEEKDAY[d["weekday"].to_numpy()[days]]
    day = rng.choice(days, size=n, p=weight / weight.sum())
    hour = rng.choice(24, size=n, p=TRAFFIC_BY_HOUR / TRAFFIC_BY_HOUR.sum())
    resolved = np.zeros(n, dtype=bool)
    resolved[rng.permutation(n)[:want]] = True
    return pd.DataFrame({"started_at": d["epoch"].to_numpy()[day] + (hour + rng.random(n)) * HOUR,
                         "source": rng.choice(SESSION_SOURCES, n, p=[0.5, 0.35, 0.1, 0.05]),
                         "ticket_id": None, "is_resolved": resolved})


def _expected_score(mu: float, sd: float = 0.95) -> float:
    """Mean of a 1-5 score read off a normal(mu, sd) satisfaction, rounded and clipped."""
    cdf = [0.5 * (1.0 + math.erf((k + 0.5 - mu) / (sd * math.sqrt(2.0)))) for k in range(1, 5)]
    probs = np.diff([0.0, *cdf, 1.0])
    return float(probs @ np.arange(1, 6))


def _solve_mu(target: float, shifts: np.ndarray) -> float:
    """The centre that gives a sample with these per-response shifts the target mean score."""
    values, counts = np.unique(shifts, return_counts=True)
    lo, hi = -3.0, 9.0
    for _ in range(40):
        mid = (lo + hi) / 2
        mean = sum(c * _expected_score(mid + v) for v, c in zip(values, counts)) / counts.sum()
        lo, hi = (mid, hi) if mean < target else (lo, mid)
    return (lo + hi) / 2


def surveys_table(w: World, rng: Rng) -> pd.DataFrame:
    """About a fifth of resolved tickets answer the survey within hours; escalated or reopened
    tickets score lower; each block's scores are nudged to its target mean."""
    t = w.tables["tickets"]
    resolved = t[t["resolved_at"].notna()]
    answered = resolved[rng.random(len(resolved)) < resolved["channel"].map(
        {"live_chat": 0.28, "email": 0.18, "phone": 0.20}).to_numpy()]
    submitted = answered["resolved_at"].to_numpy() + MINUTE + rng.exponential(2 * HOUR, len(answered))
    keep = submitted < w.cal.hi
    answered, submitted = answered[keep], submitted[keep]
    unhappy = ((answered["escalation_count"] > 0) | answered["is_reopened"]).to_numpy()
    shift = np.where(unhappy, -0.7, 0.25)
    scores = np.zeros(len(answered), dtype=int)
    which = block_index(w.blocks, submitted)
    for k, b in enumerate(w.blocks):
        members = np.flatnonzero(which == k)
        mu = _solve_mu(b.targets["csat"], shift[members]) if len(members) else 0.0
        raw = rng.normal(mu + shift[members], 0.95)
        scores[members] = np.clip(np.round(raw), 1, 5)
        _nudge(scores, members, int(round(b.targets["csat"] * len(members))), rng)
    frame = pd.DataFrame({"ticket_id": answered["ticket_id"].to_numpy(), "submitted_at": submitted, "score": scores})
    frame = frame.sort_values("submitted_at", kind="stable").reset_index(drop=True)
    frame.insert(0, "response_id", ids("SR", len(frame)))
    return frame


def _nudge(scores: np.ndarray, members: np.ndarray, total: int, rng: Rng) -> None:
    """Move single scores up or down by one until the members' scores sum to `total`."""
    diff = total - int(scores[members].sum())
    if diff == 0:
        return
    step = 1 if diff > 0 else -1
    pool = members[scores[members] < 5] if step > 0 else members[scores[members] > 1]
    if not len(pool):
        return
    pick = rng.choice(pool, size=min(abs(diff), len(pool)), replace=False)
    scores[pick] += step


# ---------------------------------------------------------------------------------------------
# Hourly utilisation and database metrics


def _hours(w: World) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(epoch of each hour, local hour of day, index of its local day)."""
    n = int(round((w.cal.hi - w.cal.lo) / HOUR))
    epoch = w.cal.lo + HOUR * np.arange(n)
    local = local_times(epoch, w.cal.tz)
    day = np.searchsorted(w.daily["epoch"].to_numpy(), epoch, side="right") - 1
    return epoch, local.hour.to_numpy(), day


def _utilisation(w: World, spec: ServiceSpec, hour: np.ndarray, day: np.ndarray, rng: Rng) -> np.ndarray:
    """Share of capacity in use: daily and weekly cycles, sale days, growth (fully for the
    services never scaled out, which so trend toward the scale-up trigger)."""
    d = w.daily
    growth = d["users_growth"].to_numpy()[day] ** spec.util_elasticity
    cycle = TRAFFIC_BY_HOUR[hour] * TRAFFIC_BY_WEEKDAY[d["weekday"].to_numpy()[day]] * d["sale"].to_numpy()[day]
    return spec.peak_util * growth * cycle * rng.lognormal(0.0, 0.05, len(hour))


def service_hours(w: World, spec: ServiceSpec, epoch: np.ndarray, hour: np.ndarray, day: np.ndarray,
                  rng: Rng) -> pd.DataFrame:
    n = len(epoch)
    util = _utilisation(w, spec, hour, day, rng)
    months = (epoch - epoch[0]) / (MONTH_DAYS * DAY)
    data_gb = spec.data_gb * np.exp(spec.data_growth * months)
    leak = (((epoch - epoch[0]) / DAY) % 7.0) * 3.5 if spec.kind == "worker" else 0.0   # reset by weekly deploys
    return pd.DataFrame({
        "service_id": spec.service_id, "hour_at": epoch,
        "cpu_pct": np.clip(5.0 + 88.0 * util + rng.normal(0.0, 2.5, n), 1.0, 100.0),
        "memory_pct": np.clip(38.0 + 30.0 * np.sqrt(util) + leak + rng.normal(0.0, 1.5, n), 5.0, 99.5),
        "disk_pct": _disk_pct(spec, data_gb, rng),
        "network_latency_ms": 5.0 + 12.0 * util ** 2 + np.abs(rng.normal(0.0, 1.5, n)),
        "response_time_p95_ms": spec.p95_ms * (1.0 + 0.5 * util / (1.0 - np.minimum(util, 0.9)))
        * rng.lognormal(0.0, 0.08, n),
        "error_rate_pct": 0.05 + 0.2 * util ** 3 + np.abs(rng.normal(0.0, 0.03, n)),
        "requests_per_s": util * spec.instances * spec.instance_rps_capacity, "data_gb": np.round(data_gb, 3)})


def _disk_pct(spec: ServiceSpec, data_gb: np.ndarray, rng: Rng) -> np.ndarray:
    """Volumes double when they pass 80 % (a sawtooth), with rare short spikes from temp files."""
    size0 = spec.data_gb * 2.0
    size = size0 * 2.0 ** np.maximum(0.0, np.ceil(np.log2(data_gb / (0.80 * size0))))
    spikes = np.where(rng.random(len(data_gb)) < 0.0015, rng.uniform(8.0, 20.0, len(data_gb)), 0.0)
    return np.clip(100.0 * data_gb / size + 8.0 + spikes + rng.normal(0.0, 0.4, len(data_gb)), 1.0, 99.9)


def _incident_hours(w: World, service_id: str, epoch0: float, n: int) -> list[tuple[int, int, str, float]]:
    """(first hour, end hour, impact, strength) of each incident of a service, as indices into
    its hours; failures show at full strength, lesser incidents faintly."""
    inc = w.tables["incidents"]
    own = inc[(inc["service_id"] == service_id) & (inc["impact"] != "none")]
    end = own["resolved_at"].fillna(w.cal.hi)
    first = ((own["started_at"] - epoch0) // HOUR).astype(int).clip(0, n)
    last = np.ceil((end - epoch0) / HOUR).astype(int).clip(0, n)
    strength = np.where(own["severity"].isin(w.plan.settings.failure_severities), 1.0, 0.15)
    return list(zip(first, last, own["impact"], strength))


def overlay_incidents(w: World, frame: pd.DataFrame, spec: ServiceSpec, rng: Rng) -> None:
    """Incidents show in the metrics: errors and latency up while degraded, traffic gone in an outage."""
    cols = {c: frame[c].to_numpy().copy() for c in ("error_rate_pct", "response_time_p95_ms",
                                                     "network_latency_ms", "requests_per_s", "cpu_pct")}
    for a, b, impact, k in _incident_hours(w, spec.service_id, frame["hour_at"].iat[0], len(frame)):
        if impact == "outage":
            cols["requests_per_s"][a:b] *= 0.03
            cols["error_rate_pct"][a:b] = rng.uniform(60.0, 100.0)
            cols["response_time_p95_ms"][a:b] = rng.uniform(8000.0, 30000.0)
        else:
            cols["error_rate_pct"][a:b] += k * rng.uniform(1.2, 5.0)
            cols["response_time_p95_ms"][a:b] *= 1.0 + k * rng.uniform(1.0, 3.0)
            cols["network_latency_ms"][a:b] += k * rng.uniform(20.0, 150.0) * (rng.random() < 0.5)
            cols["cpu_pct"][a:b] = np.minimum(100.0, cols["cpu_pct"][a:b] + k * rng.uniform(5.0, 20.0))
    for c, v in cols.items():
        frame[c] = v


def database_hours(w: World, spec: ServiceSpec, base: pd.DataFrame, hour: np.ndarray, rng: Rng) -> pd.DataFrame:
    """Query time, pool use, deadlocks and replica lag; lag jumps during the nightly full
    backup, everything during the database's own incidents."""
    n, util = len(base), (base["cpu_pct"].to_numpy() - 5.0) / 88.0
    backup_hour = int(clock(w.plan.section("backup")["full"]["at"]) // HOUR)
    query = (30.0 + 70.0 * util + 0.15 * base["data_gb"].to_numpy()) * rng.lognormal(0.0, 0.1, n)
    pool = np.clip(12.0 + 68.0 * util + rng.normal(0.0, 3.0, n), 1.0, 100.0)
    deadlocks = rng.poisson(0.1 + 0.6 * np.clip(util, 0, 1) ** 3)
    lag = lognormal(rng, 1.2, 0.5, n) * np.where(hour == backup_hour, 4.0, 1.0)
    for a, b, _, k in _incident_hours(w, spec.service_id, base["hour_at"].iat[0], n):
        query[a:b] *= 1.0 + k * rng.uniform(5.0, 14.0)
        pool[a:b] = np.minimum(100.0, pool[a:b] + k * 25.0)
        deadlocks[a:b] += rng.poisson(7.0 * k, b - a)
        lag[a:b] += k * rng.uniform(35.0, 240.0)
    return pd.DataFrame({"service_id": spec.service_id, "hour_at": base["hour_at"], "query_time_p95_ms": query,
                         "connection_pool_pct": pool, "deadlocks": deadlocks, "replication_lag_s": lag})


def hourly_tables(w: World, rng: Rng) -> None:
    epoch, hour, day = _hours(w)
    util, db = [], []
    for spec in SERVICES:
        frame = service_hours(w, spec, epoch, hour, day, rng)
        overlay_incidents(w, frame, spec, rng)
        util.append(frame)
        if spec.service_id in DATABASES:
            db.append(database_hours(w, spec, frame, hour, rng))
    w.tables["utilisation_hourly"] = pd.concat(util, ignore_index=True)
    w.tables["database_hourly"] = pd.concat(db, ignore_index=True)


# ---------------------------------------------------------------------------------------------
# Improvement: routine tasks, staff, certifications, training


def _day(value: date | pd.Timestamp) -> pd.Timestamp:
    return pd.Timestamp(value).normalize()


def _between(rng: Rng, a: date, b: date) -> pd.Timestamp:
    """A uniformly random day in [a, b) (a itself when the range is empty)."""
    span = max(1, (b - a).days)
    return _day(a) + pd.Timedelta(days=int(rng.integers(span)))


def routine_tasks(w: World, rng: Rng) -> pd.DataFrame:
    """A catalogue of routine tasks, automated one by one: exactly the baseline share of the
    tasks in the catalogue at the calibration window's end were automated before it."""
    cal, first, end = w.cal, w.cal.first_day, w.cal.cal.end
    order = rng.permutation(len(ROUTINE_TASKS))
    retired, new, current = order[:2], order[2:3], order[3:]
    created = {int(k): _day(first) - pd.Timedelta(days=int(rng.integers(100, 1200))) for k in order}
    for k in current[:8]:   # eight tasks were added during the demo's first year and a half
        created[int(k)] = _between(rng, first, end - timedelta(days=90))
    created[int(new[0])] = _between(rng, end, cal.today + timedelta(days=1))
    retired_on = {int(k): _between(rng, first, end - timedelta(days=60)) for k in retired}
    n_auto = int(round(w.plan.kpi("automation_pct").baseline / 100.0 * len(current)))
    automated = {int(k): _automated_on(rng, created[int(k)], first, end) for k in rng.permutation(current)[:n_auto]}
    later = [int(k) for k in current if int(k) not in automated]
    automated[later[0]] = _between(rng, end, cal.today + timedelta(days=1))   # progress in the current month
    rows = [(f"RT-{i + 1:03d}", *ROUTINE_TASKS[i], created[i], automated.get(i), retired_on.get(i))
            for i in range(len(ROUTINE_TASKS))]
    return pd.DataFrame(rows, columns=["task_id", "name", "cadence", "created_on", "automated_on", "retired_on"])


def _automated_on(rng: Rng, created: pd.Timestamp, first: date, end: date) -> pd.Timestamp:
    """Before the demo for about 60 % of old tasks, otherwise during it (so the rate rises)."""
    if created < _day(first) and rng.random() < 0.6:
        return _between(rng, created.date() + timedelta(days=7), first)
    return _between(rng, max(created.date() + timedelta(days=14), first), end)


def staff_table(w: World, rng: Rng) -> pd.DataFrame:
    """The roster; one leaver and, five months later, a hire (relative to the calibration end)."""
    end = w.cal.cal.end
    hired = [_day(w.cal.first_day) - pd.Timedelta(days=int(rng.integers(60, 1500))) for _ in STAFF]
    hired[HIRE] = _day(add_months(end, -5)) + pd.Timedelta(days=2)
    left = [None] * len(STAFF)
    left[LEAVER] = _day(add_months(end, -10)) + pd.Timedelta(days=14)
    rows = [(f"ST-{i + 1:02d}", *STAFF[i][:3], STAFF[i][3], hired[i], left[i]) for i in range(len(STAFF))]
    return pd.DataFrame(rows, columns=["staff_id", "name", "team", "role", "fte", "hired_on", "left_on"])


def _employed_at(staff: pd.DataFrame, end: date) -> pd.Series:
    stamp = pd.Timestamp(end)
    return (staff["hired_on"] < stamp) & ~(staff["left_on"] < stamp)


def certifications_table(w: World, rng: Rng) -> pd.DataFrame:
    """Exactly the baseline share of the team at the calibration end holds a valid
    certificate; others let one lapse or earn theirs after it; holders earned theirs over time."""
    staff, end, first = w.tables["staff"], w.cal.cal.end, w.cal.first_day
    team = np.flatnonzero(_employed_at(staff, end).to_numpy())
    order = rng.permutation(team)
    n_hold = int(round(w.plan.kpi("certification_pct").baseline / 100.0 * len(team)))
    holders, others = order[:n_hold], order[n_hold:]
    names = list(CERTIFICATIONS)
    rows = [_valid_cert(rng, staff, int(i), names, first, end) for i in holders]
    rows += [_cert(staff, int(i), names[int(rng.integers(len(names)))],
                   _between(rng, first - timedelta(days=400), first), rng) for i in holders[:5]]
    rows += [_lapsed_cert(rng, staff, int(i), end) for i in others[:2]]
    if len(others) > 2:
        rows.append(_cert(staff, int(others[2]), names[0], _between(rng, end, w.cal.today + timedelta(days=1)), rng))
    rows.append(_cert(staff, LEAVER, names[0], _between(rng, first - timedelta(days=300), first), rng))
    frame = pd.DataFrame(rows, columns=["staff_id", "certification", "earned_on", "expires_on"])
    return frame.drop_duplicates(["staff_id", "certification", "earned_on"]).reset_index(drop=True)


def _expiry(name: str, earned: pd.Timestamp) -> pd.Timestamp | None:
    years = CERTIFICATIONS[name]
    return earned + pd.DateOffset(years=years) if years else None


def _cert(staff: pd.DataFrame, i: int, name: str, earned: pd.Timestamp, rng: Rng) -> tuple:
    return staff["staff_id"].iat[i], name, earned, _expiry(name, earned)


def _valid_cert(rng: Rng, staff: pd.DataFrame, i: int, names: list[str], first: date, end: date) -> tuple:
    """A certificate valid at `end`: earned during the demo for most, before it for some."""
    name = names[int(rng.integers(len(names)))]
    since = max(first, staff["hired_on"].iat[i].date() - timedelta(days=200))
    if rng.random() < 0.4:
        earned = _between(rng, end - timedelta(days=900), first)   # 3-year certificates stay valid
    else:
        earned = _between(rng, since, end - timedelta(days=10))
    return _cert(staff, i, name, earned, rng)


def _lapsed_cert(rng: Rng, staff: pd.DataFrame, i: int, end: date) -> tuple:
    name = next(n for n, years in CERTIFICATIONS.items() if years)
    expires = _between(rng, end - timedelta(days=500), end - timedelta(days=20))
    return staff["staff_id"].iat[i], name, expires - pd.DateOffset(years=CERTIFICATIONS[name]), expires


def training_table(w: World, rng: Rng) -> pd.DataFrame:
    """Monthly tech talks, e-learning and courses at a rising rate, plus two weeks' onboarding
    for the hire; the hours in the training window before the calibration end are scaled so
    the team employed then averages the baseline."""
    staff = w.tables["staff"]
    frames = [_sessions_for(w, staff.iloc[i], rng) for i in range(len(staff))]
    log = pd.concat(frames + [_onboarding(staff.iloc[HIRE])], ignore_index=True)
    return _exact_training(w, log.sort_values(["day", "staff_id"], kind="stable").reset_index(drop=True), rng)


def _sessions_for(w: World, person: pd.Series, rng: Rng) -> pd.DataFrame:
    start = max(person["hired_on"], _day(w.cal.first_day))
    stop = min(person["left_on"] if pd.notna(person["left_on"]) else _day(w.cal.today), _day(w.cal.today))
    days = pd.date_range(start, stop, freq="D")
    months_in = ((days - pd.Timestamp(w.cal.cal.end)).days.to_numpy() / MONTH_DAYS)
    culture = np.clip(1.0 + 0.025 * months_in, 0.45, None)   # learning picks up over the demo
    talk = (days.day <= 7) & (days.day_of_week == 3) & (rng.random(len(days)) < 0.75 * np.minimum(culture, 1.3))
    module = rng.random(len(days)) < 0.012 * culture
    course = (rng.random(len(days)) < 0.0032 * culture) & (days.day_of_week < 5)
    hours = np.select([course, module, talk], [rng.choice([8.0, 16.0], len(days)),
                                               rng.choice([1.0, 1.5, 2.0, 3.0, 4.0], len(days)), 1.0], 0.0)
    keep = hours > 0
    topic = np.where(talk, "Monthly tech talk", rng.choice(TRAINING_TOPICS, len(days)))
    return pd.DataFrame({"staff_id": person["staff_id"], "day": days[keep], "topic": topic[keep],
                         "hours": hours[keep], "is_onboarding": False})


def _onboarding(person: pd.Series) -> pd.DataFrame:
    days = pd.bdate_range(person["hired_on"], periods=10)
    return pd.DataFrame({"staff_id": person["staff_id"], "day": days, "topic": "New employee onboarding",
                         "hours": 4.0, "is_onboarding": True})


def _exact_training(w: World, log: pd.DataFrame, rng: Rng) -> pd.DataFrame:
    end = w.cal.cal.end
    since = shift_months(end, -w.plan.settings.training_window_months)
    team = w.tables["staff"].loc[_employed_at(w.tables["staff"], end), "staff_id"]
    window = in_range(log["day"].to_numpy(), np.datetime64(since), np.datetime64(end)) & log["staff_id"].isin(team)
    scalable = (window & ~log["is_onboarding"]).to_numpy()
    target = w.plan.kpi("training_hours").baseline * len(team)
    fixed = log.loc[window & log["is_onboarding"], "hours"].sum()
    hours = log["hours"].to_numpy().copy()
    factor = (target - fixed) / hours[scalable].sum()
    hours[scalable] = np.maximum(0.5, np.round(hours[scalable] * factor * 2.0) / 2.0)
    biggest = np.flatnonzero(scalable)[np.argmax(hours[scalable])]
    hours[biggest] += target - fixed - hours[scalable].sum()   # the rounding remainder, exactly
    log["hours"] = hours
    return log[log["hours"] > 0].drop(columns="is_onboarding").reset_index(drop=True)


# ---------------------------------------------------------------------------------------------
# Backups and disaster-recovery tests


def backup_runs(w: World, rng: Rng) -> pd.DataFrame:
    """Full backups daily, incrementals every few hours, transaction logs every 15 minutes (the
    plan's schedule); sizes follow the primary database; a few failures, one a run of them."""
    spec, day_epoch = w.plan.section("backup"), w.daily["epoch"].to_numpy()
    full_at = clock(spec["full"]["at"])
    parts = []
    for kind in ("full", "incremental", "transaction_log"):
        every = spec[kind]["every_minutes"] * MINUTE
        offsets = full_at + every * np.arange(int(DAY // every))
        offsets = offsets % DAY if kind == "transaction_log" else offsets[offsets < full_at + DAY]
        if kind == "incremental":
            offsets = (offsets[1:] if len(offsets) > 1 else offsets) % DAY
        starts = (day_epoch[:, None] + np.sort(offsets)[None, :]).ravel()
        parts.append(_runs(w, kind, starts[starts < w.cal.hi], rng))
    frame = pd.concat(parts, ignore_index=True).sort_values(["started_at", "kind"], kind="stable")
    frame = frame[frame["finished_at"].isna() | (frame["finished_at"] < w.cal.hi)].reset_index(drop=True)
    frame.insert(0, "run_id", ids("BK", len(frame), 7))
    return frame


def _runs(w: World, kind: str, starts: np.ndarray, rng: Rng) -> pd.DataFrame:
    n = len(starts)
    db = next(s for s in SERVICES if s.service_id == DATABASES[0])
    data_gb = db.data_gb * np.exp(db.data_growth * (starts - starts[0]) / (MONTH_DAYS * DAY))
    size = {"full": 0.35 * data_gb, "incremental": 0.02 * data_gb,
            "transaction_log": 0.0015 * data_gb}[kind] * rng.lognormal(0.0, 0.1, n)
    minutes = {"full": 12.0 + 0.25 * data_gb, "incremental": 2.0 + 0.02 * data_gb,
               "transaction_log": np.full(n, 0.4)}[kind] * rng.lognormal(0.0, 0.15, n)
    failed = _failed_runs(kind, n, rng)
    finished = starts + minutes * MINUTE * np.where(failed, rng.uniform(0.1, 0.8, n), 1.0)
    finished[failed & (rng.random(n) < 0.1)] = np.nan   # killed: no finish recorded
    every = w.plan.section("disaster_recovery")["restore_test_every_days"]
    tested = (kind == "full") & (np.arange(n) % max(1, every) == (6 - w.daily["weekday"].iat[0]) % max(1, every))
    return pd.DataFrame({"kind": kind, "started_at": starts, "finished_at": finished, "is_success": ~failed,
                         "size_gb": np.where(failed, np.nan, np.round(size, 3)), "is_restore_tested": tested & ~failed})


def _failed_runs(kind: str, n: int, rng: Rng) -> np.ndarray:
    if kind == "full":   # exactly three failed nightly backups in two years
        failed = np.zeros(n, dtype=bool)
        failed[rng.choice(n, size=min(3, n), replace=False)] = True
        return failed
    failed = rng.random(n) < (0.006 if kind == "incremental" else 0.0006)
    if kind == "transaction_log" and n > 100:   # one run of six: a 90-minute gap, past the RPO
        a = int(rng.integers(n - 6))
        failed[a:a + 6] = True
    return failed


def dr_tests(w: World, rng: Rng) -> pd.DataFrame:
    """One recovery test in each monthly maintenance window; regional failover each quarter.
    Passed when recovery and data loss are within the plan's RTO and RPO."""
    windows = w.tables["maintenance_windows"]
    monthly = windows[windows["kind"] == "monthly"]
    days = local_times(monthly["starts_at"].to_numpy(), w.cal.tz).normalize().tz_localize(None)
    n = len(days)
    scenario = np.where(days.month % 3 == 0, "regional_outage",
                        np.where(days.month % 3 == 1, "database_failure", "application_server_failure"))
    recovery = np.select([scenario == "regional_outage", scenario == "database_failure"],
                         [rng.uniform(120.0, 230.0, n), rng.uniform(9.0, 22.0, n)], rng.uniform(2.0, 8.0, n))
    loss = np.select([scenario == "regional_outage", scenario == "database_failure"],
                     [rng.uniform(15.0, 55.0, n), rng.uniform(1.0, 14.0, n)], 0.0)
    first_regional = np.flatnonzero(scenario == "regional_outage")[:1]
    recovery[first_regional] = 1.15 * w.plan.section("disaster_recovery")["rto_minutes"]   # failed, then fixed
    dr = w.plan.section("disaster_recovery")
    return pd.DataFrame({"test_id": ids("DR", n, 3), "tested_on": days, "scenario": scenario,
                         "recovery_minutes": np.round(recovery, 1), "data_loss_minutes": np.round(loss, 1),
                         "is_passed": (recovery <= dr["rto_minutes"]) & (loss <= dr["rpo_minutes"])})


def adherence_misses(w: World, rng: Rng) -> None:
    """What plan adherence reads beyond backups and drills, with realistic misses; drawn from a
    generator of its own (`rng`), so the other tables stay as they were. A few security-patch
    windows overrun; changes get when they were requested and reviewed (some too late); the security
    schedule (a skipped week of patching, a late access review and key rotation) and vendor
    outages (one long AWS outage breaks a month's 99.9 %)."""
    windows = w.tables["maintenance_windows"]
    patches = np.flatnonzero(windows["kind"].to_numpy() == "security_patch")
    late = rng.choice(patches, size=min(4, len(patches)), replace=False)
    ends = windows["ends_at"].to_numpy(dtype=float).copy()
    ends[late] = ends[late] + rng.choice([1.0, 15.0, 40.0, 75.0], size=len(late)) * MINUTE
    windows["ends_at"] = np.minimum(ends, w.cal.hi)
    w.tables["changes"] = _change_control(w.tables["changes"], w.plan, rng)
    w.tables["security_activities"] = _security_activities(w.cal, rng)
    w.tables["vendor_outages"] = _vendor_outages(w.cal, w.plan, rng)


def _change_control(changes: pd.DataFrame, plan: Plan, rng: Rng) -> pd.DataFrame:
    """Standard changes requested two weeks or more ahead, minor ones two days or more, about one
    in ten too late; emergency changes a few hours ahead, reviewed within a day but one in six later."""
    cc, n = plan.adherence, len(changes)
    out = changes.copy()
    if cc is None or n == 0:
        return out
    cat = out["category"].to_numpy()
    short = rng.random(n) < 0.1
    lead = np.select([cat == "standard", cat == "minor"],
                     [np.where(short, rng.uniform(72.0, 320.0, n),
                               cc.standard_lead_time_hours + rng.exponential(72.0, n)),
                      np.where(short, rng.uniform(4.0, 46.0, n), cc.minor_lead_time_hours + rng.exponential(24.0, n))],
                     rng.uniform(0.5, 6.0, n))
    deployed = out["deployed_at"].to_numpy(dtype=float)
    out["requested_at"] = deployed - np.round(lead * 60.0) * MINUTE
    review = np.where(rng.random(n) < 1 / 6, rng.uniform(26.0, 96.0, n), rng.uniform(2.0, 20.0, n))
    out["reviewed_at"] = np.where(cat == "emergency", deployed + np.round(review * 60.0) * MINUTE, np.nan)
    return out


def _security_activities(cal: Calendar, rng: Rng) -> pd.DataFrame:
    """Patching every Sunday (one skipped in the last half year), an internal audit on the 10th of
    each month (one month without), an external audit and an access review each quarter, a
    penetration test each half year, API keys rotated about every 85 days; one access review and
    one rotation come late."""
    days = cal.days()
    sundays = days[days.day_of_week == 6]
    skipped = len(sundays) - 1 - int(rng.integers(2, 24))
    rows = [("patching", d) for k, d in enumerate(sundays) if k != skipped]
    months = pd.date_range(pd.Timestamp(cal.first_day).to_period("M").to_timestamp(), cal.today, freq="MS")
    no_audit = int(rng.integers(len(months) // 2, len(months)))
    rows += [("internal_audit", m + pd.Timedelta(days=9)) for k, m in enumerate(months) if k != no_audit]
    quarters = months[(months.month - 1) % 3 == 0]
    rows += [("external_audit", q + pd.Timedelta(days=40)) for q in quarters]
    review_days = [q + pd.Timedelta(days=14) for q in quarters]
    if len(review_days) > 3:   # one review slips five weeks: more than 92 days after the one before
        review_days[3] = review_days[3] + pd.Timedelta(days=35)
    rows += [("access_review", d) for d in review_days]
    rows += [("penetration_test", q + pd.Timedelta(days=50)) for q in quarters[::2]]
    rotations, day = [], pd.Timestamp(cal.first_day) + pd.Timedelta(days=10)
    while day <= pd.Timestamp(cal.today):
        rotations.append(day)
        day = day + pd.Timedelta(days=104 if len(rotations) == 4 else int(rng.integers(80, 89)))
    rows += [("api_key_rotation", d) for d in rotations]
    frame = pd.DataFrame(rows, columns=["activity", "done_on"])
    frame = frame[(frame["done_on"] >= pd.Timestamp(cal.first_day)) & (frame["done_on"] <= pd.Timestamp(cal.today))]
    frame = frame.sort_values(["done_on", "activity"], kind="stable").reset_index(drop=True)
    frame.insert(0, "activity_id", ids("SA", len(frame), 4))
    frame["note"] = None
    return frame


def _vendor_outages(cal: Calendar, plan: Plan, rng: Rng) -> pd.DataFrame:
    """About one short outage a month per vendor (5-30 minutes) and one 95-minute AWS outage,
    more than the 43 minutes a 30-day month at 99.9 % allows."""
    vendors = [v.name for v in plan.adherence.vendors] if plan.adherence else []
    span_days = (cal.hi - cal.lo) / DAY
    rows = []
    for v in vendors:
        n = rng.poisson(span_days / 30.44)
        starts = np.sort(rng.uniform(cal.lo, cal.hi - DAY, n))
        rows += [(v, s, s + float(rng.uniform(5.0, 30.0)) * MINUTE) for s in starts]
    if vendors:
        s = cal.lo + 0.6 * (cal.hi - cal.lo)
        rows.append((vendors[0], s, s + 95.0 * MINUTE))
    frame = pd.DataFrame(rows, columns=["vendor", "started_at", "ended_at"]).sort_values("started_at", kind="stable")
    frame = frame.reset_index(drop=True)
    frame.insert(0, "outage_id", ids("VO", len(frame), 4))
    return frame


def covered_spans(cal: Calendar) -> pd.DataFrame:
    """The span each generated table covers, as an import records it (data/spans.py): every day of
    the demo, [first_day, today], whole; the catalogues are snapshots as of the start of today."""
    tables = [t for t in TABLES if t != "covered_spans"]
    snapshot = np.isin(tables, SNAPSHOT_TABLES)
    return pd.DataFrame({"import_id": f"demo-{cal.today:%Y%m%d}", "table_name": tables,
                         "first_day": np.where(snapshot, None, pd.Timestamp(cal.first_day)), "last_day": cal.today,
                         "through_at": np.nan, "how": "generated", "recorded_at": cal.epoch(cal.today)})


# ---------------------------------------------------------------------------------------------
# Assembly


def generate(plan: Plan, seed: int = 42, today: date | None = None) -> dict[str, pd.DataFrame]:
    """Every demo table as a frame ready to insert (timestamps aware UTC), in insert order."""
    today = today or today_in(plan.timezone)
    rng = np.random.default_rng(seed)
    cal = Calendar.make(plan, today)
    w = World(plan, cal, month_blocks(cal, plan, rng))
    w.daily = _daily_frame(cal, rng)
    w.tables["services"] = services_table()
    w.tables["maintenance_windows"] = maintenance_windows(cal, plan, rng)
    w.tables["incidents"], w.tables["changes"] = incidents_and_changes(w, rng)
    money_and_users(w, rng)
    w.tables["tickets"] = tickets_table(w, rng)
    w.tables["self_service_sessions"] = sessions_table(w, rng)
    w.tables["survey_responses"] = surveys_table(w, rng)
    hourly_tables(w, rng)
    w.tables["routine_tasks"] = routine_tasks(w, rng)
    w.tables["staff"] = staff_table(w, rng)
    w.tables["certifications"] = certifications_table(w, rng)
    w.tables["training_log"] = training_table(w, rng)
    w.tables["backup_runs"] = backup_runs(w, rng)
    w.tables["dr_tests"] = dr_tests(w, rng)
    adherence_misses(w, np.random.default_rng((seed, 24)))
    w.tables["covered_spans"] = covered_spans(cal)
    return {name: _finish(w.tables[name]) for name in TABLES}


def _finish(frame: pd.DataFrame) -> pd.DataFrame:
    """Epoch-second *_at columns become aware UTC timestamps, date columns plain dates."""
    out = frame.reset_index(drop=True)
    for col in out.columns:
        if col.endswith("_at"):
            out[col] = to_utc(out[col].to_numpy(dtype=float))
        elif col in DATE_COLUMNS:
            out[col] = pd.to_datetime(out[col]).dt.normalize()
    return out


def build_demo(con: duckdb.DuckDBPyConnection, seed: int = 42, today: date | None = None, *,
               plan: Plan | None = None) -> None:
    """Fill an open, migrated, empty warehouse with the demo data in one transaction.

    `today` (default: the local date) ends the 24 months covered; `plan` defaults to plan.toml.
    Raises ValueError if the warehouse already holds data; on any error nothing is written.
    """
    plan = plan or load_plan()
    filled = {t: n for t, n in table_counts(con).items() if n and t not in MIGRATION_TABLES}
    if filled:
        raise ValueError(f"the warehouse is not empty: {sorted(filled)}")
    tables = generate(plan, seed, today)
    con.begin()
    try:
        for name, frame in tables.items():
            _insert(con, name, frame)
        rollups.configure(con, plan)
        con.commit()
    except BaseException:
        con.rollback()
        raise
    event_rollups.ensure(con, plan)


def _insert(con: duckdb.DuckDBPyConnection, table: str, frame: pd.DataFrame) -> None:
    """Bulk insert by column name (table names are this module's constants, never user input)."""
    con.register("demo_frame", frame)
    try:
        con.execute(f"insert into {table} by name select * from demo_frame")
    finally:
        con.unregister("demo_frame")


def build_demo_file(path: str | Path, seed: int = 42, today: date | None = None, *, plan: Plan | None = None,
                    overwrite: bool = False) -> None:
    """Build the demo warehouse into a temporary file beside `path`, then move it into place.

    A failed or killed build never leaves a partial warehouse at `path`. Raises
    FileExistsError if `path` exists, unless `overwrite`.
    """
    path = Path(path)
    if path.exists() and not overwrite:
        raise FileExistsError(f"{path} already exists (use --overwrite to replace it)")
    if not path.parent.is_dir():
        raise FileNotFoundError(2, "no such directory", str(path.parent))
    tmp = path.with_name(f".{path.name}.{os.getpid()}.building")
    _remove(tmp)
    try:
        con = connect(tmp)
        try:
            build_demo(con, seed, today, plan=plan)
            con.execute("checkpoint")
        finally:
            con.close()
        _move_into_place(tmp, path, overwrite)
    finally:
        _remove(tmp)


def _move_into_place(tmp: Path, path: Path, overwrite: bool) -> None:
    """Atomic rename; without `overwrite`, a hard link that fails if `path` appeared meanwhile."""
    _remove(Path(f"{path}.wal"))   # a stale log of an old file must not be replayed onto the new one
    if overwrite:
        os.replace(tmp, path)
        return
    try:
        os.link(tmp, path)
    except FileExistsError:
        raise FileExistsError(f"{path} already exists (use --overwrite to replace it)") from None
    except OSError:   # file systems without hard links
        if path.exists():
            raise FileExistsError(f"{path} already exists (use --overwrite to replace it)") from None
        os.replace(tmp, path)


def _remove(path: Path) -> None:
    for p in (path, Path(f"{path}.wal")):
        p.unlink(missing_ok=True)


# ---------------------------------------------------------------------------------------------
# Command line


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> None:   # one clear line, exit code 2
        print(f"error: {message}", file=sys.stderr)
        raise SystemExit(2)


def _parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = _Parser(prog="python -m data.demo", description="Build the seeded demo warehouse.")
    parser.add_argument("--db", required=True, help="warehouse file to create")
    parser.add_argument("--seed", type=int, default=42, help="random seed, >= 0 (default 42)")
    parser.add_argument("--today", type=date.fromisoformat, default=None,
                        help="last day covered, YYYY-MM-DD (default: today)")
    parser.add_argument("--plan", default=None, help="plan file (default: $OPSPLAN_PLAN, else the repository's plan.toml)")
    parser.add_argument("--overwrite", action="store_true", help="replace an existing file")
    args = parser.parse_args(argv)
    if args.seed < 0:
        parser.error(f"--seed must be >= 0, got {args.seed}")
    return args


def main(argv: list[str] | None = None) -> int:
    args = _parse_args(argv)
    began = time.perf_counter()
    try:
        plan = load_plan(args.plan) if args.plan else load_plan()
        today = args.today or today_in(plan.timezone)
        build_demo_file(args.db, args.seed, today, plan=plan, overwrite=args.overwrite)
    except (FileExistsError, PlanError, ValueError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    except (OSError, duckdb.IOException) as exc:   # duckdb raises its own error for a bad path
        print(f"error: cannot write {args.db}: {getattr(exc, 'strerror', None) or exc}", file=sys.stderr)
        return 2
    con = connect(args.db, read_only=True)
    try:
        counts = table_counts(con)
    finally:
        con.close()
    print(f"demo warehouse {args.db} (seed {args.seed}, today {today}) "
          f"built in {time.perf_counter() - began:.1f} s")
    for name in TABLES:
        print(f"  {name:24} {counts.get(name, 0):>9,}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
