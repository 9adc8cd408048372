"""Reliability KPIs: uptime, MTTR, MTBF (with its confidence interval), MTTA.

Inputs are small frames of incidents and maintenance windows (one row per incident /
window, timestamps aware), loaded by data/sql/incidents_in_window.sql and
maintenance_in_window.sql. Interval arithmetic is done on float epoch seconds.
"""
from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import numpy as np
import pandas as pd
from scipy.special import gammaincinv

from analytics.measure import Measure, epoch_array, ratio, t_interval, to_epoch
from core import i18n
from core.i18n import N_, _

Intervals = np.ndarray  # (n, 2) float rows [start, end): half-open, an end may be +inf
HOUR = 3600.0


def _rows(intervals: Intervals | Sequence[tuple[float, float]]) -> Intervals:
    return np.asarray(intervals, dtype=float).reshape(-1, 2)


def merge(intervals: Intervals | Sequence[tuple[float, float]]) -> Intervals:
    """Sorted union of half-open intervals; overlapping or touching ones become one.
    (Vectorised: an interval starts a new run when it starts after every earlier one has ended.
    Arrays in and out: a year's outages would cost more as Python tuples than their union.)"""
    a = _rows(intervals)
    a = a[a[:, 1] > a[:, 0]]
    if not len(a) or (a[1:, 0] > a[:-1, 1]).all():  # none, or already sorted apart (merged before)
        return a
    a = a[np.argsort(a[:, 0])]  # the order among equal starts does not change the union: no stable sort
    reach = np.maximum.accumulate(a[:, 1])          # the furthest end so far
    first = np.flatnonzero(np.r_[True, a[1:, 0] > reach[:-1]])
    last = np.r_[first[1:] - 1, len(a) - 1]
    return np.column_stack([a[first, 0], reach[last]])


def subtract(base: Intervals | Sequence[tuple[float, float]],
             cut: Intervals | Sequence[tuple[float, float]]) -> Intervals:
    """The parts of `base` not covered by `cut`. A sweep over every boundary: after the changes at
    each point, the stretch up to the next point is kept when some base interval is open and no
    cut interval is. (Vectorised; open-ended intervals may end at +inf.)"""
    b, c = _rows(base), _rows(cut)
    if not len(b):
        return b
    points = np.concatenate([b[:, 0], b[:, 1], c[:, 0], c[:, 1]])
    in_base = np.concatenate([np.ones(len(b)), -np.ones(len(b)), np.zeros(2 * len(c))])
    in_cut = np.concatenate([np.zeros(2 * len(b)), np.ones(len(c)), -np.ones(len(c))])
    order = np.argsort(points)  # the order among equal points does not matter: the state after all is read
    points, in_base, in_cut = points[order], np.cumsum(in_base[order]), np.cumsum(in_cut[order])
    last = np.r_[points[1:] != points[:-1], True]          # the state after all changes at a point
    points, keep = points[last], (in_base[last] > 0) & (in_cut[last] == 0)
    lo, hi = points[:-1][keep[:-1]], points[1:][keep[:-1]]
    return merge(np.column_stack([lo, hi]))


def _clipped(starts: np.ndarray, ends: np.ndarray, lo: float, hi: float) -> np.ndarray:
    """(start, end) rows clipped to [lo, hi), rows outside it dropped, a missing end (still
    open) running to `hi`: every later step then works on the period's intervals only."""
    ends = np.where(np.isnan(ends), hi, ends)
    keep = (ends > lo) & (starts < hi)
    return np.column_stack([np.maximum(starts[keep], lo), np.minimum(ends[keep], hi)])


@dataclass(frozen=True, eq=False)
class IncidentTimes:
    """An incident frame's moments as float epoch arrays (NaN: not set) and its severity masks,
    each converted on first use and kept. Converting a column cost more than most answers, and a
    page or a trend asks MTTR, MTBF, MTTA and the SLA grid of many spans of the same rows: each
    then costs a few array masks."""

    frame: pd.DataFrame
    cache: dict = field(default_factory=dict, repr=False)

    @classmethod
    def of(cls, incidents: pd.DataFrame | IncidentTimes) -> IncidentTimes:
        """The times of an incident frame, or the given times as they are."""
        return incidents if isinstance(incidents, IncidentTimes) else cls(incidents)

    def at(self, moment: str) -> np.ndarray:
        """The epoch array of a moment by name: "started", "detected", "acknowledged", "resolved"
        (NaN: still open), "escalated"."""
        if moment not in self.cache:
            self.cache[moment] = _frozen(epoch_array(self.frame[f"{moment}_at"]))
        return self.cache[moment]

    started = property(lambda self: self.at("started"))
    detected = property(lambda self: self.at("detected"))
    acknowledged = property(lambda self: self.at("acknowledged"))
    resolved = property(lambda self: self.at("resolved"))
    escalated = property(lambda self: self.at("escalated"))

    def rows_in(self, moment: str, names: Sequence[str], lo: float, hi: float) -> np.ndarray:
        """Positions of the incidents of a severity in `names` whose `moment` lies in [lo, hi),
        in the order of that moment: two binary searches in an index kept per moment and names
        (a trend asks MTTR and MTBF of every month of the same rows)."""
        key = ("index", moment, *names)
        if key not in self.cache:
            at = self.at(moment)
            rows = np.flatnonzero(self.of_severity(names) & ~np.isnan(at))
            rows = rows[np.argsort(at[rows])]  # not a stable sort (slower): ties reorder only a sum's last bit
            self.cache[key] = (_frozen(rows), _frozen(at[rows]))
        rows, moments = self.cache[key]
        return rows[np.searchsorted(moments, lo, side="left"):np.searchsorted(moments, hi, side="left")]

    def of_severity(self, names: Sequence[str]) -> np.ndarray:
        """True where the severity is one of `names`."""
        key = ("severity", *names)
        if key not in self.cache:
            self.cache[key] = _frozen(self.severity_index(names) >= 0)
        return self.cache[key]

    def severity_index(self, names: Sequence[str]) -> np.ndarray:
        """Each row's severity as its position in `names` (-1: another or none): a lookup of each
        row's code in a table of the names (pandas' isin hashes every row again for each name)."""
        codes, labels = self._severity_codes()
        table = np.array([names.index(label) if label in names else -1 for label in labels] + [-1])
        return table[codes]  # code -1 (no severity) reads the table's last entry

    def _severity_codes(self) -> tuple[np.ndarray, list[str]]:
        """Each row's severity as a code into the labels (-1: none), found once per frame."""
        if "severity codes" not in self.cache:
            severity = self.frame["severity"]
            if isinstance(severity.dtype, pd.CategoricalDtype):  # as loaded (an enum): its codes as they are
                codes, labels = severity.cat.codes.to_numpy(), severity.cat.categories
            else:
                codes, labels = pd.factorize(severity)
            self.cache["severity codes"] = (_frozen(np.asarray(codes)), [str(label) for label in labels])
        return self.cache["severity codes"]


def _frozen(values: np.ndarray) -> np.ndarray:
    """Read-only: the cached arrays are shared by every session reading the same inputs."""
    values.flags.writeable = False
    return values


Incidents = pd.DataFrame | IncidentTimes  # the KPI functions take a frame or its times converted once


@dataclass(frozen=True, eq=False)
class Timeline:
    """Full outages and maintenance windows as epoch arrays, with each service's rows indexed, and
    the times of every incident of the load. Converting timestamps and masking whole frames are
    the costly steps, so a page asking for many services and spans builds this once; each
    service then costs only its own rows."""

    outage_start: np.ndarray
    outage_end: np.ndarray                 # NaN: still open
    outage_rows: dict[str, np.ndarray]     # service_id -> its outages
    customer_facing: tuple[str, ...]       # services whose outages count for the system
    window_start: np.ndarray
    window_end: np.ndarray
    global_rows: np.ndarray                # windows for every service
    window_rows: dict[str, np.ndarray]     # service_id -> its own windows
    incidents: IncidentTimes               # every incident's moments, not only the outages'
    observed: tuple[datetime, datetime] = (datetime.min.replace(tzinfo=UTC), datetime.max.replace(tzinfo=UTC))
    cache: dict = field(default_factory=dict, repr=False)  # coverages() per service ("" = system)


def _rows_by(values: pd.Series) -> dict[str, np.ndarray]:
    """Positions in `values` (of the whole series: missing keys are left out, not dropped first,
    or the positions would count the remaining rows only) per key."""
    return {key: np.asarray(rows) for key, rows in values.groupby(values, sort=False).indices.items()}


def timeline(incidents: pd.DataFrame, windows: pd.DataFrame,
             observed: tuple[datetime, datetime] | None = None) -> Timeline:
    """The outages of `incidents` (impact 'outage'), the maintenance `windows`, and every
    incident's times, as a Timeline; `observed`: the first and last instant the warehouse has
    records for (see observed_part; None: no bound)."""
    times = IncidentTimes.of(incidents)
    outage = (incidents["impact"] == "outage").to_numpy(dtype=bool)  # masks and columns: no frame copy
    service = incidents["service_id"][outage].reset_index(drop=True)
    customer = tuple(service[incidents["is_customer_facing"].astype(bool).to_numpy()[outage]].unique())
    windows = windows.reset_index(drop=True)
    return Timeline(times.started[outage], times.resolved[outage], _rows_by(service),
                    customer, epoch_array(windows["starts_at"]), epoch_array(windows["ends_at"]),
                    np.flatnonzero(windows["service_id"].isna().to_numpy()), _rows_by(windows["service_id"]), times,
                    *([observed] if observed else []))


def observed_part(t: Timeline, start: datetime, end: datetime) -> tuple[datetime, datetime]:
    """The part of [start, end) that uptime and MTBF count: inside the span the incident data
    covers (Timeline.observed, see counted_span). After it (a month still running, exports not yet
    imported) or before it, no one knows whether the services were up: those hours are neither up
    time nor down time, and an outage still open runs to the span's end. (start, start) when no
    part is inside."""
    lo, hi = max(start, t.observed[0]), min(end, t.observed[1])
    return (lo, hi) if lo < hi else (start, start)


RECORDED, RECORDS = "recorded", "records"  # where a counted span comes from (counted_span)


def counted_span(recorded: tuple[datetime, datetime] | None, has_incidents: bool,
                 records: tuple[datetime, datetime] | None) -> tuple[tuple[datetime, datetime] | None, str]:
    """The span of time uptime and MTBF count hours in, and where it comes from.

    Definition: the span the incident imports recorded (data/spans.py: from the first day they
    speak for, through the moment the latest runs through), so an export with no incident in a
    month still says that month had none. A warehouse whose incidents were written without a
    recorded span (built before spans were recorded, or by hand) counts the span of its own
    records (the first and last instant any incident, monitoring hour or business day covers).
    No incident and no recorded span: nothing is known (None), whatever other sources hold.
    """
    if recorded is not None:
        return recorded, RECORDED
    if has_incidents and records is not None:
        return records, RECORDS
    return None, ""


# Where a partly counted period's counting starts and stops, by where its span comes from: from a
# moment, through a whole day (an end at midnight), to a moment. Whole sentences for the catalogue.
CLIP_WORDS = {
    RECORDED: (N_("from {moment}, where the incident data begins"),
               N_("through {day}, where the incident data runs through"),
               N_("to {moment}, where the incident data runs through")),
    RECORDS: (N_("from {moment}, where the warehouse's records (no import span recorded) begins"),
              N_("through {day}, where the warehouse's records (no import span recorded) runs through"),
              N_("to {moment}, where the warehouse's records (no import span recorded) runs through")),
}


def clip_note(start: datetime, end: datetime, span: tuple[datetime, datetime] | None, source: str,
              tz: str) -> str:
    """What a tile says when its period [start, end) is counted only in part, and why: e.g.
    'counted to 26 Nov 2026 14:00, where the incident data runs through'. '' when counted whole."""
    if span is None or not (start < span[1] and end > span[0]):
        return ""
    begins, through, to = (_(words) for words in CLIP_WORDS[RECORDED if source == RECORDED else RECORDS])
    parts = []
    if span[0] > start:
        parts.append(begins.format(moment=_moment(span[0], tz)))
    if span[1] < end:
        parts.append(through.format(day=_day_before(span[1], tz)) if _at_midnight(span[1], tz)
                     else to.format(moment=_moment(span[1], tz)))
    if not parts:
        return ""
    return _("counted {part}").format(part=parts[0]) if len(parts) == 1 else \
        _("counted {first} and {second}").format(first=parts[0], second=parts[1])


def _moment(at: datetime, tz: str) -> str:
    """A local moment in words: '26 Nov 2026 14:00', or '27 Nov 2026' at a midnight."""
    local = at.astimezone(ZoneInfo(tz))
    return i18n.date_text(local.date()) if _at_midnight(at, tz) else i18n.date_text(local, "minute")


def _at_midnight(at: datetime, tz: str) -> bool:
    return at.astimezone(ZoneInfo(tz)).time() == datetime.min.time()


def _day_before(at: datetime, tz: str) -> str:
    """The last whole day an exclusive end at a midnight covers: '26 Nov 2026' for 27 Nov 00:00."""
    return i18n.date_text((at.astimezone(ZoneInfo(tz)) - timedelta(days=1)).date())


NO_ROWS = np.array([], dtype=int)


@dataclass(frozen=True)
class Coverage:
    """A union of half-open intervals kept sorted and disjoint, with running totals, so the
    seconds it covers inside any span cost two binary searches. An interval that never ends
    (an open outage) has end +inf; only the last one can."""

    starts: np.ndarray
    ends: np.ndarray
    before: np.ndarray  # before[k]: seconds covered by the intervals before k

    @classmethod
    def of(cls, intervals: Intervals) -> Coverage:
        a = merge(intervals)
        lengths = a[:, 1] - a[:, 0]
        return cls(a[:, 0], a[:, 1], np.r_[0.0, np.cumsum(lengths[:-1])] if len(a) else np.zeros(0))

    def seconds(self, lo: float, hi: float) -> float:
        """Seconds covered inside [lo, hi) (none when the span is empty or reversed)."""
        if hi <= lo:
            return 0.0
        i = int(np.searchsorted(self.ends, lo, side="right"))    # first interval ending after lo
        j = int(np.searchsorted(self.starts, hi, side="left"))   # first interval starting at or after hi
        if i >= j:
            return 0.0
        first = min(self.ends[i], hi) - max(self.starts[i], lo)
        if i == j - 1:
            return float(first)
        last = min(self.ends[j - 1], hi) - self.starts[j - 1]
        return float(first + (self.before[j - 1] - self.before[i + 1]) + last)


EVER = (-np.inf, np.inf)


def _windows(t: Timeline, service_id: str | None, lo: float, hi: float) -> Intervals:
    """The maintenance windows that apply to a service (global ones and its own; None: global only)."""
    rows = np.concatenate([t.global_rows, t.window_rows.get(service_id, NO_ROWS)])
    return merge(_clipped(t.window_start[rows], t.window_end[rows], lo, hi))


def unplanned_down(t: Timeline, services: Sequence[str], lo: float, hi: float) -> Intervals:
    """Union over `services` of each one's outage intervals, clipped to [lo, hi), minus the
    maintenance windows that apply to it (global ones and its own)."""
    down = [_rows([])]
    for service_id in services:
        rows = t.outage_rows.get(service_id, NO_ROWS)
        outage = merge(_clipped(t.outage_start[rows], t.outage_end[rows], lo, hi))
        if len(outage):
            down.append(subtract(outage, _windows(t, service_id, lo, hi)))
    return merge(np.concatenate(down))


@dataclass(frozen=True)
class Scope:
    """What availability_of reads for the system or one service, built once per Timeline."""

    down: Coverage           # unplanned down time over all time
    planned: Coverage        # planned maintenance over all time
    starts: np.ndarray       # the scope's outages' starts, sorted
    ends: np.ndarray         # and their ends, sorted (still open: +inf)

    def outages_touching(self, lo: float, hi: float) -> int:
        """Outages with start < hi and end > lo: those started before hi, less those ended by lo
        (each of which started before it; the schema has no outage ending before its start).
        None in an empty or reversed span."""
        if hi <= lo:
            return 0
        return int(np.searchsorted(self.starts, hi, side="left") - np.searchsorted(self.ends, lo, side="right"))


def coverages(t: Timeline, service_id: str | None) -> Scope:
    """Unplanned down time and planned maintenance of the system (None) or a service, over all
    time, built once per Timeline. Clipping to a span commutes with union and difference, so
    the seconds of either inside any span equal unplanned_down / _windows computed for that span
    (an open outage, end +inf, runs to the span's end as the definition says)."""
    key = service_id or ""
    if key not in t.cache:
        services = t.customer_facing if service_id is None else (service_id,)
        rows = np.concatenate([NO_ROWS, *(t.outage_rows.get(s, NO_ROWS) for s in services)])
        starts, ends = t.outage_start[rows], np.nan_to_num(t.outage_end[rows], nan=np.inf)
        down = np.concatenate([_rows([]), *(_service_down(t, s) for s in services)])  # Coverage.of merges them
        t.cache[key] = Scope(Coverage.of(down), Coverage.of(_windows(t, service_id, *EVER)),
                             np.sort(starts), np.sort(np.maximum(ends, starts)))
    return t.cache[key]


def _service_down(t: Timeline, service_id: str) -> Intervals:
    """unplanned_down of one service over all time, kept: the system's is their union, and a
    page showing both then builds each service's once."""
    key = ("down", service_id)
    if key not in t.cache:
        t.cache[key] = unplanned_down(t, (service_id,), *EVER)
    return t.cache[key]


@dataclass(frozen=True)
class Availability:
    uptime_pct: float | None
    down_hours: float
    planned_hours: float
    period_hours: float
    n_outages: int


def availability(incidents: pd.DataFrame, windows: pd.DataFrame, start: datetime, end: datetime,
                 service_id: str | None = None) -> Availability:
    """Uptime of the system (customer-facing services) or of one service over [start, end).

    Definition: 1 - unplanned_down / (period - planned_maintenance). unplanned_down is the
    union of full-outage intervals [started_at, resolved_at), clipped to the period, minus
    any overlap with scheduled maintenance; overlapping outages are merged, never counted
    twice. System uptime takes the union over customer-facing services; per-service uptime
    uses that service's outages alone. An outage still open runs to the end of the hours counted.
    The period's hours are clipped at the end to the moment the incident data runs through (a month
    still running does not count its future days), and at the start only where the incident
    imports record that their data begins later: an export with no incident in a month still
    says that month had none. An import of incidents covers, unless the user declares otherwise
    (--covers-from, --covers-through), the first day of the local month of its first incident
    through the moment of the import; a warehouse with no recorded span counts its records' own
    first and last instant (counted_span). The target is monthly: a period of several
    months meets it only when its worst month does (setting uptime_judged_by; "period" judges
    the period's own uptime).
    It is at target or at baseline while within its tolerance of that line (plan.toml).
    """
    return availability_of(timeline(incidents, windows), start, end, service_id)


def availability_of(t: Timeline, start: datetime, end: datetime, service_id: str | None = None) -> Availability:
    """availability() on a Timeline built once (the same definition, through its coverages), over
    the part of the period the warehouse has records for (observed_part)."""
    lo, hi = (to_epoch(x) for x in observed_part(t, start, end))
    scope = coverages(t, service_id)
    down_hours, planned = scope.down.seconds(lo, hi) / HOUR, scope.planned.seconds(lo, hi) / HOUR
    period = (hi - lo) / HOUR
    share_down = ratio(down_hours, period - planned)
    uptime = None if share_down is None else 100.0 * (1.0 - share_down)
    return Availability(uptime, down_hours, planned, period, scope.outages_touching(lo, hi))


def failures_in(incidents: Incidents, failure_severities: tuple[str, ...], moment: str, start: datetime,
                end: datetime) -> np.ndarray:
    """Definition: a failure is an unplanned incident of a severity in `failure_severities`.
    (Positions of the failures whose `moment`, e.g. "resolved", lies in the period, in that
    moment's order: the KPIs read columns at them without copying rows.)"""
    return IncidentTimes.of(incidents).rows_in(moment, failure_severities, to_epoch(start), to_epoch(end))


def _inside(moments: np.ndarray, start: datetime, end: datetime) -> np.ndarray:
    """True where an epoch moment lies in [start, end) (NaN: never)."""
    return (moments >= to_epoch(start)) & (moments < to_epoch(end))


def mttr(incidents: Incidents, failure_severities: tuple[str, ...], start: datetime, end: datetime,
         mttr_from: str = "started") -> Measure:
    """Mean time to recovery, in hours.

    Definition: mean of resolved_at - started_at (or detected_at, setting mttr_from) over
    failures resolved in the period; a failure resolved before it was detected counts 0 h
    from detection. It is at target or at baseline while its 90 % confidence interval (Student
    t, from n, the mean and the sample standard deviation) contains that line.
    """
    hours = recovery_hours(incidents, failure_severities, start, end, mttr_from)
    interval = t_interval(len(hours), float(hours.sum()), float((hours * hours).sum()), (0.0, math.inf))
    return Measure(float(hours.mean()) if len(hours) else None, len(hours), interval=interval)


def recovery_hours(incidents: Incidents, failure_severities: tuple[str, ...], start: datetime, end: datetime,
                   mttr_from: str = "started") -> np.ndarray:
    """Hours from start (or detection) to resolution of each failure resolved in the period
    (never NaN: the schema requires both moments of a resolved incident). The schema allows a
    resolution recorded before the detection (an outage found after it had ended): from
    detection, that is 0 h to recover, not a negative time that would pull the mean down."""
    t = IncidentTimes.of(incidents)
    rows = failures_in(t, failure_severities, "resolved", start, end)
    return np.maximum(t.resolved[rows] - t.at(mttr_from)[rows], 0.0) / HOUR


def mtbf_interval(operating_hours: float, n_failures: int, confidence_pct: float) -> tuple[float, float | None]:
    """Two-sided interval for an exponential MTBF, time-terminated test:
    [2T / chi2(1-a/2, 2r+2), 2T / chi2(a/2, 2r)]; the upper bound is unbounded when r = 0."""
    alpha = 1.0 - confidence_pct / 100.0
    lower = 2.0 * operating_hours / _chi2_quantile(1.0 - alpha / 2.0, 2 * n_failures + 2)
    upper = 2.0 * operating_hours / _chi2_quantile(alpha / 2.0, 2 * n_failures) if n_failures else None
    return float(lower), (float(upper) if upper is not None else None)


def _chi2_quantile(p: float, df: int) -> float:
    """scipy.stats.chi2.ppf(p, df), through the special function it calls (its _ppf), without
    the distribution's argument handling, which dominated: it runs twice per MTBF, every month of a trend."""
    return 2.0 * float(gammaincinv(df / 2.0, p))


def mtbf(incidents: Incidents, failure_severities: tuple[str, ...], start: datetime, end: datetime,
         down_hours: float, confidence_pct: float = 90.0,
         counted: tuple[datetime, datetime] | None = None) -> Measure:
    """Mean time between failures, in hours, with its confidence interval in the note.

    Definition: (period_hours - unplanned_down_hours) / failures started in the period. The
    period's hours are those uptime counts (`counted`: the part the incident data covers, see
    observed_part); every failure that starts in the period counts, open or resolved, even past
    the end of that part. With no failure it is reported as more than the period's operating
    hours (a lower bound), never infinity. The two-sided interval assumes an exponential model,
    time-terminated. It is at target or at baseline while within its tolerance of that line
    (plan.toml).
    """
    n = len(failures_in(incidents, failure_severities, "started", start, end))
    lo, hi = counted or (start, end)
    operating = (to_epoch(hi) - to_epoch(lo)) / HOUR - down_hours
    if operating <= 0 and n == 0:
        return Measure(None, 0, _("no hours observed"))
    lower, upper = mtbf_interval(operating, n, confidence_pct)
    if upper is None:
        ci = _("{confidence} % CI {lower} to unbounded h").format(confidence=f"{confidence_pct:g}",
                                                                  lower=i18n.number(lower))
    else:
        ci = _("{confidence} % CI {lower} to {upper} h").format(confidence=f"{confidence_pct:g}",
                                                               lower=i18n.number(lower), upper=i18n.number(upper))
    if n == 0:
        return Measure(operating, 0, _("no failure: more than {hours} h; {ci}").format(
            hours=i18n.number(operating), ci=ci), is_lower_bound=True)
    return Measure(operating / n, n, ci)


def mtta(incidents: Incidents, start: datetime, end: datetime) -> Measure:
    """Mean time to acknowledge, in hours.

    Definition: mean of acknowledged_at - detected_at over incidents detected in the period
    and acknowledged.
    """
    t = IncidentTimes.of(incidents)
    detected, acknowledged = t.detected, t.acknowledged
    keep = _inside(detected, start, end) & ~np.isnan(acknowledged)
    hours = (acknowledged[keep] - detected[keep]) / HOUR
    return Measure(float(hours.mean()) if len(hours) else None, len(hours))


def _within(delay_minutes: np.ndarray, limit_minutes: float) -> np.ndarray:
    """True where the delay is known and at most the limit; an unknown delay (NaN) is a breach."""
    return delay_minutes <= limit_minutes


def severity_sla(incidents: Incidents, severities: tuple, start: datetime, end: datetime,
                 immediate_grace_minutes: float = 5.0) -> pd.DataFrame:
    """Response, resolution and escalation compliance per severity, in percent.

    Definition: of incidents detected in the period, the share acknowledged within the
    severity's response time (acknowledged_at - detected_at), resolved within its resolution
    target (resolved_at - detected_at; still open counts as a breach), and escalated on time:
    an incident still unresolved when its escalation point passes (critical at once, high
    after 2 h, medium 12 h, low 48 h) must be escalated by then ("at once" allows the grace
    setting escalation_immediate_minutes).
    Output: one row per severity: severity, n, response_pct, resolution_pct, n_escalation_due,
    escalation_pct.
    """
    return pd.DataFrame(severity_sla_spans(incidents, severities, [(start, end)], immediate_grace_minutes)[0])


def severity_sla_spans(incidents: Incidents, severities: tuple, spans: Sequence[tuple[datetime, datetime]],
                      immediate_grace_minutes: float = 5.0) -> list[list[dict]]:
    """severity_sla's rows as dicts for each of several spans (they may overlap: a page's months
    and their total). Each incident detected in any of them is judged once against its
    severity's targets; a span then counts its own by severity (not a pass over all the rows per
    span and severity)."""
    if not spans:
        return []
    t = IncidentTimes.of(incidents)
    lo, hi = min(start for start, _ in spans), max(end for _, end in spans)
    rows = np.flatnonzero(_inside(t.detected, lo, hi))
    k = t.severity_index([sev.name for sev in severities])[rows]  # position in `severities`; -1: not chosen
    chosen = k >= 0
    rows, k = rows[chosen], k[chosen]
    detected = t.detected[rows]
    ack, fix, esc = ((t.at(moment)[rows] - detected) / 60.0 for moment in ("acknowledged", "resolved", "escalated"))
    due_at = np.array([sev.escalation_after_minutes or immediate_grace_minutes for sev in severities])[k]
    due = ~(fix <= due_at)  # open past the escalation point
    flags = {"response": _within(ack, np.array([sev.response_minutes for sev in severities])[k]),
             "resolution": _within(fix, np.array([sev.resolution_minutes for sev in severities])[k]),
             "due": due, "escalation": due & _within(esc, due_at)}
    out = []
    for start, end in spans:
        inside = (detected >= to_epoch(start)) & (detected < to_epoch(end))
        k_in = k[inside]
        n = np.bincount(k_in, minlength=len(severities))
        count = {name: np.bincount(k_in, weights=f[inside], minlength=len(severities)) for name, f in flags.items()}
        out.append([{"severity": sev.name, "n": int(n[j]),
                     "response_pct": ratio(float(count["response"][j]), int(n[j]), 100.0),
                     "resolution_pct": ratio(float(count["resolution"][j]), int(n[j]), 100.0),
                     "n_escalation_due": int(count["due"][j]),
                     "escalation_pct": ratio(float(count["escalation"][j]), int(count["due"][j]), 100.0)}
                    for j, sev in enumerate(severities)])
    return out


def duration_stats(incidents: Incidents, failure_severities: tuple[str, ...], start: datetime,
                   end: datetime, mttr_from: str = "started") -> dict[str, float | None]:
    """Recovery times of failures resolved in the period: mean (MTTR), median and 90th
    percentile in hours, and n. The mean alone hides a long tail."""
    hours = recovery_hours(incidents, failure_severities, start, end, mttr_from)
    if not len(hours):
        return {"mean": None, "median": None, "p90": None, "n": 0}
    return {"mean": float(hours.mean()), "median": float(np.median(hours)), "p90": float(np.quantile(hours, 0.9)),
            "n": int(len(hours))}


@dataclass(frozen=True)
class ErrorBudget:
    allowed_minutes: float
    spent_minutes: float
    remaining_minutes: float
    days_to_exhaustion: float | None  # at the burn so far; None: nothing spent


def error_budget(availability_result: Availability, uptime_target_pct: float, elapsed_hours: float) -> ErrorBudget:
    """The period's unplanned-downtime allowance at the uptime target, and its burn.

    Definition: allowed = (1 - target) x (period - planned maintenance); spent = unplanned
    down minutes; days to exhaustion = remaining / (spent per day so far), where `elapsed_hours`
    is how much of the period has passed.
    """
    a = availability_result
    allowed = (1 - uptime_target_pct / 100.0) * (a.period_hours - a.planned_hours) * 60.0
    spent = a.down_hours * 60.0
    remaining = allowed - spent
    burn_per_day = spent / (elapsed_hours / 24.0) if elapsed_hours > 0 else 0.0
    days = None if burn_per_day <= 0 else max(0.0, remaining / burn_per_day)
    return ErrorBudget(allowed, spent, remaining, days)


def worst_incidents(incidents: pd.DataFrame, start: datetime, end: datetime, limit: int = 10,
                    times: IncidentTimes | None = None) -> pd.DataFrame:
    """The incidents started in the period with the longest time to resolve (open ones first;
    equal times: the earlier start first, then the frame's order). `times`: the frame's
    IncidentTimes when already converted.

    Output: incident_id, service_id, severity, impact, started_at, resolved_at, hours.
    """
    t = times or IncidentTimes.of(incidents)
    started, resolved = t.started, t.resolved
    positions = np.flatnonzero(_inside(started, start, end))
    is_open = np.isnan(resolved[positions])
    hours = (np.where(is_open, to_epoch(end), resolved[positions]) - started[positions]) / HOUR
    # open first, then longest, then earliest (the rows come in no set order); only these rows are copied
    top = positions[_top(is_open, hours, started[positions], limit)]
    rows = incidents.iloc[top].assign(hours=(np.where(np.isnan(resolved[top]), to_epoch(end), resolved[top])
                                             - started[top]) / HOUR)
    return rows[["incident_id", "service_id", "severity", "impact", "started_at", "resolved_at", "hours"]]


def _top(is_open: np.ndarray, hours: np.ndarray, started: np.ndarray, limit: int) -> np.ndarray:
    """Positions of the `limit` first rows in the order open, longest, earliest. Only the rows
    that can be among them are sorted: those at least as long as the limit-th longest (open
    ones count as endless; ties at the edge are all kept): a large quarter's incidents are many
    to sort whole for a list of a few."""
    rank = np.where(is_open, np.inf, hours)
    candidates = np.arange(len(rank))
    if limit < len(rank):
        edge = np.partition(rank, len(rank) - limit)[len(rank) - limit]  # the limit-th largest
        candidates = np.flatnonzero(rank >= edge)
    order = np.lexsort((started[candidates], -hours[candidates], ~is_open[candidates]))
    return candidates[order[:limit]]
