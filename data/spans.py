"""Covered spans: the span of time each import speaks for (table covered_spans).

A KPI that counts hours (uptime, MTBF) must know where its source's data begins and ends. The
records alone do not say: an incident export with no incident in March still says March had none,
and the first incident is not where the data begins. So each import records the span its file
covers, inferred from the file by the rule of its table's kind, or declared by the user
(`--covers-from`, `--covers-through`):

- events (an export of a tool's records as they stood at the moment of export: incidents, tickets,
  survey responses, self-service sessions, changes, maintenance windows, backup runs, DR tests,
  training): from the first day of the local month of the earliest record, through the moment of
  the import;
- series (measurements that end where the file ends: hourly utilisation and database metrics,
  monitoring samples, business days, active users, monthly costs): from the first record's bucket
  (hour, day, month) through the end of the last one;
- snapshots (catalogues: services, staff, routine tasks, certifications): no span, only the moment
  they were imported ("as of").

A declared day replaces the inferred one (from: the start of that local day; through: the end of
that local day), and a span always holds the file's own records (a declared day that would leave a
record out is widened to it, and the note says so). An empty file records a span only when its
start is declared. Days are local to the plan's zone.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import duckdb
import pandas as pd

from core.i18n import N_
from core.period import add_months
from data.warehouse import local_midnight

HOUR = timedelta(hours=1)
EVENTS = {"incidents": "started_at", "tickets": "created_at", "survey_responses": "submitted_at",
          "self_service_sessions": "started_at", "changes": "deployed_at", "maintenance_windows": "starts_at",
          "backup_runs": "started_at", "dr_tests": "tested_on", "training_log": "day",
          "security_activities": "done_on", "vendor_outages": "started_at"}
SERIES = {"utilisation_hourly": ("hour_at", "hour"), "database_hourly": ("hour_at", "hour"),
          "utilisation_samples": ("sampled_at", "hour"), "business_daily": ("day", "day"),
          "active_users_daily": ("day", "day"), "costs_monthly": ("month", "month")}
SNAPSHOTS = ("services", "staff", "routine_tasks", "certifications")
DATED = ("tested_on", "day", "done_on")  # event columns that hold a local date, not an instant


@dataclass(frozen=True)
class Span:
    """What one import covers: [start, through) as aware instants (start None: a snapshot)."""

    start: datetime | None
    through: datetime
    how: str                  # inferred, declared or generated
    widened: str = ""         # why a declared day was widened to the file's records

    def row(self, tz: str) -> tuple[date | None, date, datetime | None]:
        """first_day, last_day, through_at as stored: a through at a local midnight ends the day before."""
        first = None if self.start is None else self.start.astimezone(ZoneInfo(tz)).date()
        local = self.through.astimezone(ZoneInfo(tz))
        if local.time() == datetime.min.time():
            return first, local.date() - timedelta(days=1), None
        return first, local.date(), self.through


def column_of(table: str) -> str | None:
    """The column whose values place a table's rows in time (None: a snapshot or unknown table)."""
    return EVENTS.get(table) or SERIES.get(table, (None,))[0]


def infer(table: str, first: object, last: object, now: datetime, tz: str,
          covers_from: date | None = None, covers_through: date | None = None) -> Span | None:
    """The span an import of `table` covers, given its rows' first and last value of column_of(table)
    (None: no rows), the import's moment and the declared days. None: nothing to record."""
    lo, hi = _instant(first, tz), _instant(last, tz)
    start, through = _inferred(table, lo, hi, now, tz)
    if covers_from is not None:
        start = local_midnight(covers_from, tz)
    if covers_through is not None:
        through = local_midnight(covers_through + timedelta(days=1), tz)
    if start is None and table not in SNAPSHOTS:
        return None  # an empty file with no declared start says nothing about when
    widened = []
    if lo is not None and start is not None and lo < start:
        start = local_midnight(lo.astimezone(ZoneInfo(tz)).date(), tz)
        widened.append("from")
    if hi is not None and _bucket_end(table, hi, tz) > through:
        through = _bucket_end(table, hi, tz)
        widened.append("through")
    declared = covers_from is not None or covers_through is not None
    note = (N_("widened to the file's own records ({sides})").format(sides=" and ".join(widened))
            if widened and declared else "")
    return Span(start, through, "declared" if declared else "inferred", note)


def _inferred(table: str, lo: datetime | None, hi: datetime | None, now: datetime,
              tz: str) -> tuple[datetime | None, datetime]:
    """The rule of the table's kind (see the module's docstring); an event's records are widened
    to by infer() (an export never speaks for less than its own records)."""
    if table in SERIES and lo is not None:
        return _bucket_start(table, lo, tz), _bucket_end(table, hi, tz)
    if table in SNAPSHOTS or lo is None:
        return None, now
    return local_midnight(lo.astimezone(ZoneInfo(tz)).date().replace(day=1), tz), now


def _instant(value: object, tz: str) -> datetime | None:
    """A record's value as an aware instant (a date: its local midnight)."""
    if value is None or pd.isna(value):
        return None
    ts = pd.Timestamp(value)
    return local_midnight(ts.date(), tz) if ts.tzinfo is None else ts.to_pydatetime()


def _grain(table: str) -> str:
    """hour, day or month for a series; day for an event dated by a day; else instant."""
    return SERIES[table][1] if table in SERIES else "day" if EVENTS.get(table) in DATED else "instant"


def _bucket_start(table: str, moment: datetime, tz: str) -> datetime:
    local = moment.astimezone(ZoneInfo(tz))
    if _grain(table) == "hour":
        return local.replace(minute=0, second=0, microsecond=0)
    return local_midnight(local.date().replace(day=1) if _grain(table) == "month" else local.date(), tz)


def _bucket_end(table: str, moment: datetime, tz: str) -> datetime:
    """Where the bucket holding a record ends: its hour, day or month; an event's own instant."""
    local, grain = moment.astimezone(ZoneInfo(tz)), _grain(table)
    if grain == "hour":
        return local.replace(minute=0, second=0, microsecond=0) + HOUR
    if grain == "month":
        return local_midnight(add_months(local.date().replace(day=1), 1), tz)
    return local_midnight(local.date() + timedelta(days=1), tz) if grain == "day" else moment


def describe(span: Span, tz: str) -> str:
    """The sentence the import summary shows, e.g. 'covers 1 Mar 2026 to 6 Dec 2026 15:42 (inferred
    from the file; declare with --covers-from / --covers-through)'."""
    first, last, through_at = span.row(tz)
    to = f"{last:%-d %b %Y}" + (f" {through_at.astimezone(ZoneInfo(tz)):%H:%M}" if through_at else "")
    if first is None:
        return N_("a snapshot as of {to} (a catalogue: no span of time)").format(to=to)
    how = {"inferred": N_("inferred from the file; declare with --covers-from / --covers-through"),
           "declared": N_("declared"), "generated": N_("generated")}[span.how]
    said = N_("covers {first} to {to} ({how}; {widened})") if span.widened else N_("covers {first} to {to} ({how})")
    return said.format(first=f"{first:%-d %b %Y}", to=to, how=how, widened=span.widened)


def first_and_last(cur: duckdb.DuckDBPyConnection, relation: str, table: str) -> tuple[object, object]:
    """min and max of column_of(table) over `relation` (a name from code: the importer's staging table)."""
    column = column_of(table)
    if column is None:
        return None, None
    return cur.execute(f'select min("{column}"), max("{column}") from {relation}').fetchall()[0]


def record(cur: duckdb.DuckDBPyConnection, import_id: str, table: str, span: Span, tz: str,
           recorded_at: datetime, replace: bool = False) -> None:
    """One covered_spans row (inside the caller's transaction). A replace import leaves the table
    holding its file alone, so its span replaces every earlier one of the table."""
    if replace:
        cur.execute("delete from covered_spans where table_name = $table", {"table": table})
    first, last, through_at = span.row(tz)
    cur.execute("insert into covered_spans values ($id, $table, $first, $last, $through, $how, $at)",
                {"id": import_id, "table": table, "first": first, "last": last, "through": through_at,
                 "how": span.how, "at": recorded_at})
