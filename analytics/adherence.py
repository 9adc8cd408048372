"""Plan adherence: is the plan's schedule being kept? Backups and restore tests, the longest gap
between good backups against the RPO, disaster-recovery drills, maintenance windows, change
control, the security schedule and vendor SLAs (kpi-definitions.md, "Plan adherence").

Pure: frames and the plan in, plain values out. Timestamps are aware (UTC inside); the plan's
windows and dates are local. Every number comes from the plan (core.plan.Adherence).
The edge at the bottom (`load`, `main`) reads the warehouse for the CLI:

    python -m analytics.adherence --db PATH [--start YYYY-MM-DD] [--end YYYY-MM-DD] [--json]
"""
from __future__ import annotations

import argparse
import json
import math
import sys
from dataclasses import dataclass, replace
from datetime import date, datetime, timedelta
from typing import TYPE_CHECKING, Any
from zoneinfo import ZoneInfo

import pandas as pd
from babel.dates import format_date

from core import i18n
from core.i18n import N_, _
from core.period import Period
from core.plan import Adherence, Plan, PlanError

if TYPE_CHECKING:
    import duckdb

BACKUP_KINDS = ("full", "incremental", "transaction_log")
# The promises' areas stay these English words in the JSON (keys a page groups by); shown as _(area).
BACKUPS, DISASTER_RECOVERY, MAINTENANCE, CHANGE_CONTROL, SECURITY, VENDORS = (
    N_("Backups"), N_("Disaster recovery"), N_("Maintenance"), N_("Change control"), N_("Security"), N_("Vendors"))
BACKUP_WORDS = {"full": N_("full backups"), "incremental": N_("incremental backups"),
                "transaction_log": N_("transaction log backups")}
SECURITY_WORDS = {"patching": N_("patching"), "internal_audit": N_("internal audit"),
                  "external_audit": N_("external audit"), "access_review": N_("access review"),
                  "penetration_test": N_("penetration test"), "api_key_rotation": N_("api key rotation")}
WEEKDAY_NUMBER = {d: i for i, d in enumerate(("Monday", "Tuesday", "Wednesday", "Thursday", "Friday",
                                               "Saturday", "Sunday"))}


@dataclass(frozen=True)
class Bounds:
    """A local period as aware instants: [start, end), and `until`, where the data stops (<= end):
    the last gap of a schedule is closed there, not at a future end."""

    start: pd.Timestamp
    end: pd.Timestamp
    until: pd.Timestamp

    @classmethod
    def of(cls, period: Period, tz: str, until: pd.Timestamp | None = None) -> "Bounds":
        zone = ZoneInfo(tz)
        start = pd.Timestamp(datetime.combine(period.start, datetime.min.time(), tzinfo=zone))
        end = pd.Timestamp(datetime.combine(period.end, datetime.min.time(), tzinfo=zone))
        return cls(start, end, end if until is None else max(start, min(end, until)))

    @property
    def minutes(self) -> int:
        """Minutes the period counts: to `until`, so days after the data stops expect nothing."""
        return int((self.until - self.start).total_seconds() // 60)


def _started_in(frame: pd.DataFrame, column: str, b: Bounds) -> pd.DataFrame:
    return frame[(frame[column] >= b.start) & (frame[column] < b.end)]


def _clock(day: date, hhmm: str, tz: str) -> pd.Timestamp:
    return pd.Timestamp(datetime.combine(day, datetime.strptime(hhmm, "%H:%M").time(), tzinfo=ZoneInfo(tz)))


# ---------------------------------------------------------------------------
# Backups and restore tests

def backups_expected(plan: Adherence, b: Bounds) -> dict[str, int]:
    """Definition: per kind, over the period's minutes (its end clipped to where the data stops):
    full `period_minutes / full interval` (one per local day); incremental `period_minutes / 240`
    minus the full backups expected (the full backup takes the 02:00 slot); transaction log
    `period_minutes / 15`; all rounded down."""
    full = b.minutes // plan.backup_every("full")
    return {"full": full,
            "incremental": max(0, b.minutes // plan.backup_every("incremental") - full),
            "transaction_log": b.minutes // plan.backup_every("transaction_log")}


def backup_counts(runs: pd.DataFrame, plan: Adherence, b: Bounds) -> dict[str, dict[str, int]]:
    """Definition: per kind, runs started in the period with `is_success` true (succeeded) and
    false (failed); a missed run is `expected - succeeded - failed`, not a failure."""
    expected = backups_expected(plan, b)
    inside = _started_in(runs, "started_at", b)
    out = {}
    for kind in BACKUP_KINDS:
        of_kind = inside[inside["kind"] == kind]
        succeeded = int(of_kind["is_success"].astype(bool).sum())
        failed = int(len(of_kind) - succeeded)
        out[kind] = {"expected": expected[kind], "succeeded": succeeded, "failed": failed,
                     "missed": max(0, expected[kind] - succeeded - failed)}
    return out


def restore_tests(runs: pd.DataFrame, plan: Adherence, b: Bounds) -> dict[str, int]:
    """Definition: expected `ceil(period_days / 7)` (its end clipped to where the data stops);
    done: successful runs started in the period with `is_restore_tested`."""
    days = b.minutes / 1440
    inside = _started_in(runs, "started_at", b)
    done = inside[inside["is_success"].astype(bool) & inside["is_restore_tested"].astype(bool)]
    return {"expected": math.ceil(days / plan.restore_test_every_days), "done": int(len(done))}


def _good_finishes(runs: pd.DataFrame) -> pd.Series:
    """When the successful runs finished (aware UTC; a run without a finish closes no gap)."""
    finished = pd.to_datetime(runs["finished_at"], utc=True)
    return finished[runs["is_success"].astype(bool) & finished.notna()]


@dataclass(frozen=True)
class Gap:
    opens: pd.Timestamp   # the good backup finishing (or the period start when none before it is known)
    closes: pd.Timestamp  # the next good backup finishing (or where the data stops)

    @property
    def minutes(self) -> float:
        return (self.closes - self.opens).total_seconds() / 60


def backup_gaps(runs: pd.DataFrame, b: Bounds) -> list[Gap]:
    """Definition: the times between one successful backup (any kind) finishing and the next one
    finishing, in order of finishing (a backup that finished after the next started still closes
    its gap when it finished). The last success finishing before the period opens the first gap
    (the period start when the data holds none); `until` (the period end, or where the data stops
    before it) closes the last. `runs` holds the period's runs and the last success before it."""
    finishes = sorted(t for t in _good_finishes(runs) if t < b.until)
    before = [t for t in finishes if t <= b.start]
    points = [before[-1] if before else b.start] + [t for t in finishes if t > b.start] + [b.until]
    return [Gap(a, z) for a, z in zip(points, points[1:]) if z > a]


def longest_gap(runs: pd.DataFrame, b: Bounds) -> Gap | None:
    """Definition: the longest of `backup_gaps`; None when no successful backup finished before
    `until` (the data says nothing about backups then)."""
    if not (_good_finishes(runs) < b.until).any():
        return None
    gaps = backup_gaps(runs, b)
    return max(gaps, key=lambda g: g.minutes) if gaps else None


# ---------------------------------------------------------------------------
# Disaster-recovery drills

def dr_drills(tests: pd.DataFrame, plan: Adherence, period: Period) -> list[dict[str, Any]]:
    """Definition: per drill whose `tested_on` falls in the period: `recovery_minutes <= rto`,
    `data_loss_minutes <= rpo`, `recovery_minutes <= mtd`."""
    days = pd.to_datetime(tests["tested_on"]).dt.date
    inside = tests[(days >= period.start) & (days < period.end)].sort_values(["tested_on", "test_id"])
    return [{"test_id": str(r.test_id), "tested_on": pd.Timestamp(r.tested_on).date().isoformat(),
             "scenario": str(r.scenario), "recovery_minutes": float(r.recovery_minutes),
             "data_loss_minutes": float(r.data_loss_minutes),
             "rto_met": bool(r.recovery_minutes <= plan.rto_minutes),
             "rpo_met": bool(r.data_loss_minutes <= plan.rpo_minutes),
             "mtd_met": bool(r.recovery_minutes <= plan.mtd_minutes)}
            for r in inside.itertuples()]


# ---------------------------------------------------------------------------
# Maintenance windows

def plan_window(plan: Adherence, kind: str, day: date, tz: str) -> tuple[pd.Timestamp, pd.Timestamp] | None:
    """The plan's window for `kind` on local `day`, None when the plan has none that day (a weekly
    window on a Monday, a monthly one on a Sunday that is not the month's first) or for an unknown kind."""
    if kind == "daily":
        start, end = plan.daily_window
    elif kind in ("weekly", "security_patch"):
        weekday, start, end = plan.weekly_window if kind == "weekly" else plan.security_patch_window
        if day.weekday() != WEEKDAY_NUMBER[weekday]:
            return None
    elif kind == "monthly":
        weekday, week, start, end = plan.monthly_window
        if day.weekday() != WEEKDAY_NUMBER[weekday] or (day.day - 1) // 7 + 1 != week:
            return None
    else:
        return None
    return _clock(day, start, tz), _clock(day, end, tz)


def maintenance(windows: pd.DataFrame, plan: Adherence, b: Bounds, tz: str) -> list[dict[str, Any]]:
    """Definition: per window used that starts in the period: inside when `starts_at >=` and
    `ends_at <=` the plan's window for its own kind on its local day (ending exactly at the
    window's end is inside). A kind the plan has no window for, or a day it has none on, is not inside."""
    out = []
    for r in _started_in(windows, "starts_at", b).sort_values(["starts_at", "window_id"]).itertuples():
        local = r.starts_at.tz_convert(tz)
        allowed = plan_window(plan, str(r.kind), local.date(), tz)
        inside = allowed is not None and r.starts_at >= allowed[0] and r.ends_at <= allowed[1]
        overrun = None if allowed is None else max(0.0, (r.ends_at - allowed[1]).total_seconds() / 60)
        out.append({"window_id": str(r.window_id), "kind": str(r.kind), "starts_at": r.starts_at,
                    "ends_at": r.ends_at, "inside": bool(inside), "overrun_minutes": overrun,
                    "no_plan_window": allowed is None})
    return out


# ---------------------------------------------------------------------------
# Change control

def change_outcomes(changes: pd.DataFrame, incidents: pd.DataFrame, windows: pd.DataFrame,
                    plan: Adherence, b: Bounds) -> list[dict[str, Any]]:
    """Definition: per change deployed in the period: failed when rolled back, or followed by a
    change-related incident on the same service starting at most `failure_incident_hours` (24 h)
    after the deployment (even when that is after the period's end); inside a maintenance window
    when deployed within a window used for its service or the whole system (`starts_at <=
    deployed_at <= ends_at`); lead time (hours from `requested_at`) against the plan's minimum for
    standard and minor changes, not judged without `requested_at`; an emergency change is
    reviewed in time when `reviewed_at` is at most `emergency_review_hours` after deployment (an
    empty `reviewed_at` is a missing review when some change of `changes` has one; when none has,
    the source does not record reviews and none is judged)."""
    after = pd.Timedelta(hours=plan.failure_incident_hours)
    related = incidents[incidents["is_change_related"].astype(bool)]
    minimum = {"standard": plan.standard_lead_time_hours, "minor": plan.minor_lead_time_hours}
    has_requested = "requested_at" in changes.columns
    # A source that records reviews leaves an unreviewed change empty; one that does not, every change.
    has_reviewed = "reviewed_at" in changes.columns and bool(changes["reviewed_at"].notna().any())
    out = []
    for r in _started_in(changes, "deployed_at", b).sort_values(["deployed_at", "change_id"]).itertuples():
        same = related[(related["service_id"] == r.service_id) & (related["started_at"] >= r.deployed_at)
                       & (related["started_at"] <= r.deployed_at + after)]
        mine = windows[(windows["service_id"].isna() | (windows["service_id"] == r.service_id))
                       & (windows["starts_at"] <= r.deployed_at) & (windows["ends_at"] >= r.deployed_at)]
        requested = getattr(r, "requested_at", None) if has_requested else None
        lead = None if requested is None or pd.isna(requested) else (r.deployed_at - requested).total_seconds() / 3600
        reviewed = getattr(r, "reviewed_at", None) if has_reviewed else None
        review_ok = None
        if r.category == "emergency" and has_reviewed:
            review_ok = bool(reviewed is not None and not pd.isna(reviewed)
                             and reviewed - r.deployed_at <= pd.Timedelta(hours=plan.emergency_review_hours))
        out.append({"change_id": str(r.change_id), "service_id": str(r.service_id), "category": str(r.category),
                    "deployed_at": r.deployed_at, "rolled_back": bool(r.is_rolled_back),
                    "incident_ids": sorted(str(i) for i in same["incident_id"]),
                    "failed": bool(r.is_rolled_back) or len(same) > 0, "in_window": len(mine) > 0,
                    "lead_time_hours": lead,
                    "lead_time_met": None if lead is None or r.category not in minimum else lead >= minimum[r.category],
                    "reviewed_in_time": review_ok})
    return out


def change_summary(outcomes: list[dict[str, Any]]) -> dict[str, Any]:
    """Definition: change failure rate = failed changes / changes deployed in the period x 100
    (None without changes); counts per category, inside windows, lead times met of those judged,
    emergency changes reviewed in time of those judged."""
    total = len(outcomes)
    failed = sum(o["failed"] for o in outcomes)
    judged_lead = [o for o in outcomes if o["lead_time_met"] is not None]
    judged_review = [o for o in outcomes if o["reviewed_in_time"] is not None]
    return {"total": total,
            **{c: sum(o["category"] == c for o in outcomes) for c in ("emergency", "standard", "minor")},
            "failed": failed, "change_failure_pct": None if total == 0 else 100.0 * failed / total,
            "in_maintenance_window": sum(o["in_window"] for o in outcomes),
            "lead_time_judged": len(judged_lead), "lead_time_met": sum(o["lead_time_met"] for o in judged_lead),
            "emergency_reviews_judged": len(judged_review),
            "emergency_reviewed_in_time": sum(o["reviewed_in_time"] for o in judged_review)}


# ---------------------------------------------------------------------------
# Security schedule and vendor SLAs

def security_schedule(activities: pd.DataFrame, plan: Adherence, period: Period,
                      until: date | None = None, recorded: bool = True) -> list[dict[str, Any]]:
    """Definition: per activity of the plan's schedule, the days between one performance and the
    next (by local `done_on`): the last one before the period opens the first gap (the period
    start when none is known), the period end (or `until`, the day after the data stops) closes
    the last. Kept when the longest gap is at most the plan's `every_days`; overdue since the
    first day a gap exceeded it. `recorded` false (the warehouse holds no security activity at
    all): no data (`kept` None), not kept."""
    close = min(period.end, until) if until is not None else period.end
    days = pd.to_datetime(activities["done_on"]).dt.date if len(activities) else pd.Series([], dtype=object)
    out = []
    for name, every in plan.security_every_days:
        done = sorted(d for d, a in zip(days, activities["activity"]) if a == name and d < close)
        before = [d for d in done if d < period.start]
        points = [before[-1] if before else period.start] + [d for d in done if d >= period.start] + [close]
        gaps = [(a, (z - a).days) for a, z in zip(points, points[1:])]
        longest = max((g for _, g in gaps), default=0)
        late = next((a + timedelta(days=every) for a, g in gaps if g > every), None)
        out.append({"activity": name, "every_days": every,
                    "done": sum(period.start <= d < period.end for d in done),
                    "last_done": done[-1].isoformat() if done else None,
                    "longest_gap_days": longest if recorded else None,
                    "kept": longest <= every if recorded else None,
                    "overdue_since": None if late is None or not recorded else late.isoformat()})
    return out


def vendor_availability(outages: pd.DataFrame, plan: Adherence, b: Bounds,
                        recorded: bool = True) -> list[dict[str, Any]]:
    """Definition: per vendor of the plan, availability = 100 x (1 - minutes of its outages
    (overlaps merged) inside [start, until) / minutes of [start, until)); the SLA is met when it is
    at least the plan's `sla_pct`. `recorded` false (the warehouse holds no vendor outage at all):
    no data (None), not 100 %."""
    total = (b.until - b.start).total_seconds() / 60
    out = []
    for v in plan.vendors:
        spans = sorted((max(s, b.start), min(e, b.until)) for s, e, name in
                       zip(outages["started_at"], outages["ended_at"], outages["vendor"])
                       if name == v.name and s < b.until and e > b.start)
        down, cursor = 0.0, b.start
        for s, e in spans:
            s = max(s, cursor)
            if e > s:
                down += (e - s).total_seconds() / 60
                cursor = e
        pct = None if total <= 0 or not recorded else 100.0 * (1 - down / total)
        out.append({"vendor": v.name, "label": v.label, "sla_pct": v.sla_pct, "outage_minutes": down,
                    "availability_pct": pct, "met": None if pct is None else pct >= v.sla_pct})
    return out


# ---------------------------------------------------------------------------
# The whole picture

@dataclass(frozen=True)
class Frames:
    """The rows adherence reads for one period (see `load`): each frame may be empty."""

    backup_runs: pd.DataFrame         # the period's runs and the last success before it
    dr_tests: pd.DataFrame
    maintenance_windows: pd.DataFrame  # windows overlapping the period
    changes: pd.DataFrame
    incidents: pd.DataFrame           # change-related incidents to 24 h past the period's end
    security_activities: pd.DataFrame  # the period's and the last of each activity before it
    vendor_outages: pd.DataFrame
    security_recorded: bool = True  # the warehouse holds some security activity (of any period)
    vendor_outages_recorded: bool = True  # the warehouse holds some vendor outage (of any period)


def _promise(area: str, promise: str, plan_says: str, happened: str, kept: bool | None,
             since: str | None = None) -> dict[str, Any]:
    status = N_("no data") if kept is None else N_("kept") if kept else N_("missed")  # JSON keys; shown as _(status)
    return {"area": area, "promise": promise, "plan": plan_says, "happened": happened, "status": status,
            "since": since}


def _iso(t: pd.Timestamp | None, tz: str) -> str | None:
    return None if t is None else t.tz_convert(tz).isoformat()


@dataclass(frozen=True)
class Result:
    """Every adherence measure of one period, with the detail a page draws (gaps, windows, changes)."""

    period: Period
    bounds: Bounds
    plan: Adherence
    tz: str
    backups: dict[str, dict[str, int]]
    restore_tests: dict[str, int]
    gaps: list[Gap]
    longest_gap: Gap | None
    dr_tests: list[dict[str, Any]]
    windows: list[dict[str, Any]]
    change_outcomes: list[dict[str, Any]]
    changes: dict[str, Any]
    security: list[dict[str, Any]]
    vendors: list[dict[str, Any]]

    @property
    def rpo_met(self) -> bool | None:
        return None if self.longest_gap is None else self.longest_gap.minutes <= self.plan.rpo_minutes

    def promises(self) -> list[dict[str, Any]]:
        """One row per plan promise: area, promise, what the plan says, what happened, status
        (kept, missed, no data) and since when it was missed; missed first, then no data."""
        rows = _backup_promises(self) + _drill_and_window_promises(self) + _change_promises(self) + [
            _promise(SECURITY, _(SECURITY_WORDS.get(s["activity"], s["activity"].replace("_", " "))),
                     _("at most {n} days apart").format(n=s["every_days"]),
                     _("not recorded") if s["kept"] is None
                     else _("{done} done, longest gap {gap} days").format(done=s["done"], gap=s["longest_gap_days"]),
                     s["kept"], s["overdue_since"])
            for s in self.security] + [
            _vendor_promise(v) for v in self.vendors]
        order = {"missed": 0, "no data": 1, "kept": 2}
        return sorted(rows, key=lambda p: order[p["status"]])

    def as_json(self) -> dict[str, Any]:
        """The CLI's object: the keys kpi-definitions.md's measures name, and the promises."""
        tz, gap, promises = self.tz, self.longest_gap, self.promises()
        outside = [w for w in self.windows if not w["inside"]]
        return {"period": {"start": self.period.start.isoformat(), "end": self.period.end.isoformat(),
                           "until": _iso(self.bounds.until, tz)},
                "backups": self.backups, "restore_tests": self.restore_tests,
                "longest_gap_minutes": None if gap is None else gap.minutes,
                "longest_gap_opens": None if gap is None else _iso(gap.opens, tz),
                "rpo_minutes": self.plan.rpo_minutes, "rpo_met": self.rpo_met,
                "dr_tests": self.dr_tests,
                "maintenance": {"windows": len(self.windows), "inside_window": len(self.windows) - len(outside),
                                "outside": [{**w, "starts_at": _iso(w["starts_at"], tz),
                                             "ends_at": _iso(w["ends_at"], tz)} for w in outside]},
                "changes": self.changes, "security": self.security, "vendors": self.vendors,
                "promises": promises,
                "promises_kept": sum(p["status"] == "kept" for p in promises),
                "promises_judged": sum(p["status"] != "no data" for p in promises)}


def _vendor_promise(v: dict[str, Any]) -> dict[str, Any]:
    label = v["label"]  # the plan's words for the vendor, in the catalogue
    return _promise(VENDORS, _("{vendor} availability").format(vendor=_(label)), f"{v['sla_pct']:g} %",
                    _("not recorded") if v["availability_pct"] is None else f"{v['availability_pct']:.3f} %", v["met"])


def _backup_promises(r: Result) -> list[dict[str, Any]]:
    a, rows = r.plan, []
    for kind in BACKUP_KINDS:
        c = r.backups[kind]
        rows.append(_promise(BACKUPS, _(BACKUP_WORDS[kind]),
                             _("every {every} min: {expected} expected").format(every=a.backup_every(kind),
                                                                              expected=c["expected"]),
                             _("{succeeded} succeeded, {failed} failed, {missed} missed").format(**c),
                             None if c["expected"] == 0 else c["succeeded"] >= c["expected"]))
    t = r.restore_tests
    rows.append(_promise(BACKUPS, _("restore tests"),
                         _("every {every} days: {expected} expected").format(every=a.restore_test_every_days,
                                                                           expected=t["expected"]),
                         _("{done} done").format(done=t["done"]),
                         None if t["expected"] == 0 else t["done"] >= t["expected"]))
    # the RPO is broken once the newest good backup is older than it
    breach = next((g for g in r.gaps if g.minutes > a.rpo_minutes), None)
    rows.append(_promise(BACKUPS, _("longest gap between good backups"),
                         _("RPO {minutes} min").format(minutes=f"{a.rpo_minutes:g}"),
                         _("no backup data") if r.longest_gap is None
                         else _("{minutes} min").format(minutes=i18n.number(r.longest_gap.minutes)),
                         r.rpo_met, None if breach is None
                         else _iso(breach.opens + pd.Timedelta(minutes=a.rpo_minutes), r.tz)))
    return rows


def _drill_and_window_promises(r: Result) -> list[dict[str, Any]]:
    a = r.plan
    bad = [d for d in r.dr_tests if not (d["rto_met"] and d["rpo_met"] and d["mtd_met"])]
    outside = [w for w in r.windows if not w["inside"]]
    return [_promise(DISASTER_RECOVERY, _("drills within RTO, RPO and MTD"),
                     _("RTO {rto}, RPO {rpo}, MTD {mtd} min").format(rto=f"{a.rto_minutes:g}", rpo=f"{a.rpo_minutes:g}",
                                                                    mtd=f"{a.mtd_minutes:g}"),
                     _("{n} of {total} drills within all three").format(n=len(r.dr_tests) - len(bad),
                                                                        total=len(r.dr_tests)),
                     None if not r.dr_tests else not bad, bad[0]["tested_on"] if bad else None),
            _promise(MAINTENANCE, _("maintenance inside the plan's windows"),
                     _("daily {daily}; {weekly_day} {weekly}; week {week} {monthly_day} {monthly}; "
                       "patches {patch_day} {patches}").format(
                         daily="-".join(a.daily_window), weekly_day=_weekday(a.weekly_window[0]),
                         weekly="-".join(a.weekly_window[1:]), week=a.monthly_window[1],
                         monthly_day=_weekday(a.monthly_window[0]), monthly="-".join(a.monthly_window[2:]),
                         patch_day=_weekday(a.security_patch_window[0]), patches="-".join(a.security_patch_window[1:])),
                     _("{n} of {total} windows inside").format(n=len(r.windows) - len(outside), total=len(r.windows)),
                     None if not r.windows else not outside, _iso(outside[0]["starts_at"], r.tz) if outside else None)]


def _change_promises(r: Result) -> list[dict[str, Any]]:
    a, c = r.plan, r.changes
    late_lead = [o for o in r.change_outcomes if o["lead_time_met"] is False]
    late_review = [o for o in r.change_outcomes if o["reviewed_in_time"] is False]
    return [_promise(CHANGE_CONTROL, _("lead time"),
                     _("standard {standard} h, minor {minor} h minimum").format(
                         standard=f"{a.standard_lead_time_hours:g}", minor=f"{a.minor_lead_time_hours:g}"),
                     _("{n} of {total} met").format(n=c["lead_time_met"], total=c["lead_time_judged"]),
                     None if c["lead_time_judged"] == 0 else not late_lead,
                     _iso(late_lead[0]["deployed_at"], r.tz) if late_lead else None),
            _promise(CHANGE_CONTROL, _("emergency changes reviewed"),
                     _("within {hours} h of deployment").format(hours=f"{a.emergency_review_hours:g}"),
                     _("{n} of {total} in time").format(n=c["emergency_reviewed_in_time"],
                                                        total=c["emergency_reviews_judged"]),
                     None if c["emergency_reviews_judged"] == 0 else not late_review,
                     _iso(late_review[0]["deployed_at"], r.tz) if late_review else None)]


def _weekday(name: str) -> str:
    """'Sunday' -> 'Sun', or the language's short weekday: a day of the plan's windows."""
    if name not in WEEKDAY_NUMBER:
        return name[:3]
    return format_date(date(2024, 1, 1) + timedelta(days=WEEKDAY_NUMBER[name]), "EEE", locale=i18n.locale_name())


def evaluate(frames: Frames, plan: Plan, period: Period, until: pd.Timestamp | None = None) -> Result:
    """Every adherence measure of `period` from the rows `load` read; `until`: where the data stops,
    when before the period's end (the last gaps close there and later days expect nothing)."""
    a = plan.adherence
    if a is None:
        raise PlanError("plan.toml: no change_control section: the plan file predates plan adherence")
    tz = plan.timezone
    b = Bounds.of(period, tz, until)
    outcomes = change_outcomes(frames.changes, frames.incidents, frames.maintenance_windows, a, b)
    # the day after the last day with data: an activity due on a day the data does not reach is not late yet
    until_day = (None if until is None
                 else (b.until - pd.Timedelta(microseconds=1)).tz_convert(tz).date() + timedelta(days=1))
    longest = longest_gap(frames.backup_runs, b)
    return Result(period=period, bounds=b, plan=a, tz=tz,
                  backups=backup_counts(frames.backup_runs, a, b),
                  restore_tests=restore_tests(frames.backup_runs, a, b),
                  # no good backup at all: no gaps to draw, not one gap as long as the period
                  gaps=[] if longest is None else backup_gaps(frames.backup_runs, b), longest_gap=longest,
                  dr_tests=dr_drills(frames.dr_tests, a, period),
                  windows=maintenance(frames.maintenance_windows, a, b, tz),
                  change_outcomes=outcomes, changes=change_summary(outcomes),
                  security=security_schedule(frames.security_activities, a, period, until_day,
                                             frames.security_recorded),
                  vendors=vendor_availability(frames.vendor_outages, a, b, frames.vendor_outages_recorded))


def report(frames: Frames, plan: Plan, period: Period, until: pd.Timestamp | None = None) -> dict[str, Any]:
    """`evaluate` as the CLI's JSON object."""
    return evaluate(frames, plan, period, until).as_json()


# ---------------------------------------------------------------------------
# Frames for charts and exports (local times)

def gaps_frame(r: Result) -> pd.DataFrame:
    """One row per gap between good backups: opens, closes (local), minutes, over_rpo."""
    # converted as one index, not a timestamp at a time: a year holds some 35,000 gaps
    minutes = pd.Series([g.minutes for g in r.gaps], dtype=float)
    return pd.DataFrame({"opens": pd.to_datetime([g.opens for g in r.gaps], utc=True).tz_convert(r.tz),
                         "closes": pd.to_datetime([g.closes for g in r.gaps], utc=True).tz_convert(r.tz),
                         "minutes": minutes, "over_rpo": minutes > r.plan.rpo_minutes},
                        columns=["opens", "closes", "minutes", "over_rpo"])


def windows_frame(r: Result) -> pd.DataFrame:
    """One row per maintenance window used in the period: local day, kind, starts, ends, inside,
    minutes past the plan window's end (None: no plan window that day)."""
    return pd.DataFrame([{"day": w["starts_at"].tz_convert(r.tz).date(), "window_id": w["window_id"], "kind": w["kind"],
                          "starts_at": w["starts_at"].tz_convert(r.tz), "ends_at": w["ends_at"].tz_convert(r.tz),
                          "inside": w["inside"], "overrun_minutes": w["overrun_minutes"]} for w in r.windows],
                        columns=["day", "window_id", "kind", "starts_at", "ends_at", "inside", "overrun_minutes"])


def changes_by_week(r: Result) -> pd.DataFrame:
    """Changes per local week (starting Monday) of deployment: total, failed, emergency; weeks
    without a change are absent."""
    frame = pd.DataFrame([{"week": (o["deployed_at"].tz_convert(r.tz).date()
                                    - timedelta(days=o["deployed_at"].tz_convert(r.tz).weekday())),
                           "failed": o["failed"], "emergency": o["category"] == "emergency"}
                          for o in r.change_outcomes], columns=["week", "failed", "emergency"])
    return (frame.groupby("week").agg(total=("failed", "size"), failed=("failed", "sum"),
                                      emergency=("emergency", "sum")).reset_index().astype(
                {"total": int, "failed": int, "emergency": int}))


def gaps_by_day(r: Result) -> pd.DataFrame:
    """Per local day a gap between good backups opened on: the longest gap (minutes) and how many
    gaps were longer than the RPO; days that opened no gap are absent. A gap is counted on the day
    it opens, however long it runs."""
    frame = gaps_frame(r).assign(day=lambda f: f["opens"].dt.date)
    return (frame.groupby("day").agg(longest_minutes=("minutes", "max"), over_rpo=("over_rpo", "sum"))
            .reset_index().astype({"over_rpo": int}))


def windows_calendar(r: Result) -> pd.DataFrame:
    """Per local day and kind of maintenance window used: windows, how many were not inside the
    plan's window (outside), and the most minutes one ran past the plan window's end (0 when none
    did; NaN when the plan has no window of that kind that day)."""
    frame = windows_frame(r).assign(outside=lambda f: ~f["inside"].astype(bool))
    return (frame.groupby(["day", "kind"]).agg(windows=("window_id", "size"), outside=("outside", "sum"),
                                               overrun_minutes=("overrun_minutes", "max"))
            .reset_index().astype({"windows": int, "outside": int}))


# ---------------------------------------------------------------------------
# The service filter

# The areas whose rows carry no service: a service filter leaves them whole-system.
WHOLE_SYSTEM_AREAS = ("Backups", "Disaster recovery", "Security", "Vendors")


def for_services(frames: Frames, services: tuple[str, ...]) -> Frames:
    """Definition: the rows of the chosen services (none chosen: every row). Changes and their
    change-related incidents are those of the chosen services; maintenance windows those of the
    chosen services and the whole-system ones (an empty `service_id`: they cover every service).
    Backups, DR drills, security activities and vendor outages carry no service: they stay whole."""
    if not services:
        return frames
    chosen, windows = list(services), frames.maintenance_windows
    return replace(frames, changes=frames.changes[frames.changes["service_id"].isin(chosen)],
                   incidents=frames.incidents[frames.incidents["service_id"].isin(chosen)],
                   maintenance_windows=windows[windows["service_id"].isna() | windows["service_id"].isin(chosen)])


# ---------------------------------------------------------------------------
# The edge: loading a period's rows and the CLI

def load(con: "duckdb.DuckDBPyConnection", plan: Plan, period: Period) -> Frames:
    """The rows `evaluate` reads for `period` (data.adherence.adherence_rows): the period's rows, the
    last successful backup and the last of each security activity before it, and change-related
    incidents to `failure_incident_hours` past its end."""
    from data.adherence import adherence_rows

    b = Bounds.of(period, plan.timezone)
    after = 24.0 if plan.adherence is None else plan.adherence.failure_incident_hours
    return Frames(**adherence_rows(con, b.start.to_pydatetime(), b.end.to_pydatetime(), period.start, period.end,
                                   after))


def data_until(through: date | None, tz: str) -> pd.Timestamp | None:
    """Where the data stops, as `evaluate`'s `until`: the local midnight after `through` (the last
    day with data, data.warehouse.data_through); None for an empty warehouse."""
    if through is None:
        return None
    return pd.Timestamp(datetime.combine(through + timedelta(days=1), datetime.min.time(), tzinfo=ZoneInfo(tz)))


def _parse_args(argv: list[str] | None) -> argparse.Namespace:
    from analytics.scorecard import command_parser  # the read-only commands' shared options

    parser = command_parser("python -m analytics.adherence",
                            "Is the plan's schedule being kept? Backups, restore tests, DR drills, maintenance "
                            "windows, change control, security, vendors.")
    parser.add_argument("--json", action="store_true", help="print one JSON object")
    return parser.parse_args(argv)


def _json_default(value: Any) -> Any:
    if isinstance(value, (pd.Timestamp, datetime, date)):
        return value.isoformat()
    if hasattr(value, "item"):  # numpy scalars
        return value.item()
    raise TypeError(f"not JSON: {value!r}")


def _text(out: dict[str, Any], plan: Plan, period: Period) -> str:
    lines = [f"{plan.name}: plan adherence, {period.label()}",
             f"{out['promises_kept']} of {out['promises_judged']} plan promises kept", ""]
    for p in out["promises"]:
        since = f" (since {p['since']})" if p["since"] else ""
        lines.append(f"{p['status']:8} {p['area']:18} {p['promise']:40} plan: {p['plan']}; "
                     f"happened: {p['happened']}{since}")
    c = out["changes"]
    pct = "n/a" if c["change_failure_pct"] is None else f"{c['change_failure_pct']:.1f} %"
    lines += ["", f"changes: {c['total']} ({c['emergency']} emergency, {c['standard']} standard, {c['minor']} minor), "
              f"{c['failed']} failed, change failure rate {pct}, {c['in_maintenance_window']} in a maintenance window"]
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    from pathlib import Path

    from analytics.scorecard import CommandError, open_command  # the scorecard CLI's own opening

    args = _parse_args(argv)
    if not Path(args.db).is_file():
        print(f"error: no warehouse file at {args.db}", file=sys.stderr)
        return 2
    try:
        plan, con, through, period = open_command(args)
        if plan.adherence is None:
            raise CommandError("plan.toml: no change_control section: the plan file predates plan adherence")
    except CommandError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    until = data_until(through, plan.timezone)
    if through is not None and period.stops_inside(through):
        print(f"note: the data runs through {through:%d %b %Y}; the last gaps close at that day's end",
              file=sys.stderr)
    out = report(load(con, plan, period), plan, period, until)
    print(json.dumps(out, indent=2, default=_json_default) if args.json else _text(out, plan, period))
    return 0


if __name__ == "__main__":
    sys.exit(main())
