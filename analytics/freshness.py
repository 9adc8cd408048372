"""Fresh or stale: when each source was last imported, the span it covers, and whether a KPI's
inputs stop before its period ends.

Input: the frame of data/sql/covered_spans.sql, one row per table with a recorded span:
table_name, first_at (NaT: a snapshot), through_at, last_imported_at, how, n_imports. Pure: the
caller passes `today` (the plan's local date) and the plan's zone.
"""
from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import pandas as pd

# The tables each KPI of the plan reads (its inputs), in plan key order.
KPI_SOURCES: dict[str, tuple[str, ...]] = {
    "uptime_pct": ("incidents",), "mttr_hours": ("incidents",), "mtbf_hours": ("incidents",),
    "csat": ("survey_responses",), "first_response_hours": ("tickets",), "fcr_pct": ("tickets",),
    "kb_self_service_pct": ("self_service_sessions", "tickets"),
    "infra_cost_pct_revenue": ("costs_monthly", "business_daily"),
    "support_cost_per_user_usd": ("costs_monthly", "active_users_daily"),
    "automation_pct": ("routine_tasks",), "certification_pct": ("staff", "certifications"),
    "training_hours": ("staff", "training_log"),
}
TICK = timedelta(microseconds=1)


@dataclass(frozen=True)
class Source:
    """What the warehouse records about one table's imports (None: nothing recorded)."""

    table: str
    first_at: datetime | None = None          # None: a snapshot, or nothing recorded
    through_at: datetime | None = None        # the instant the data runs through (exclusive)
    last_imported_at: datetime | None = None
    how: str = ""                    # inferred, declared or generated: the latest import's span

    @property
    def recorded(self) -> bool:
        return self.through_at is not None

    @property
    def words(self) -> str:
        return self.table.replace("_", " ")


def _moment(value: object) -> datetime | None:
    return None if value is None or pd.isna(value) else pd.Timestamp(value).to_pydatetime()


def sources(spans: pd.DataFrame, tables: Sequence[str]) -> list[Source]:
    """One Source per table asked, in the order asked."""
    rows = {r.table_name: r for r in spans.itertuples()} if len(spans) else {}
    out = []
    for table in tables:
        r = rows.get(table)
        out.append(Source(table) if r is None else
                   Source(table, _moment(r.first_at), _moment(r.through_at), _moment(r.last_imported_at), r.how))
    return out


def last_day(at: datetime, tz: str) -> date:
    """The last local day an exclusive end covers (an end at midnight: the day before)."""
    return (at - TICK).astimezone(ZoneInfo(tz)).date()


def days_old(source: Source, today: date, tz: str) -> int | None:
    """Days from the source's last day of data to `today` (None: nothing recorded)."""
    return None if not source.recorded else (today - last_day(source.through_at, tz)).days


def is_stale(source: Source, today: date, tz: str, stale_after_days: int) -> bool:
    """Definition: a source is stale when its data ends more than `stale_after_days` (setting
    stale_after_days) before today; a source with no recorded import is not judged."""
    age = days_old(source, today, tz)
    return age is not None and age > stale_after_days


def _day(at: datetime, tz: str) -> str:
    return f"{at.astimezone(ZoneInfo(tz)):%-d %b %Y}"


def _ago(days: int) -> str:
    return "today" if days == 0 else "1 day ago" if days == 1 else f"{days} days ago"


def source_line(source: Source, today: date, tz: str, stale_after_days: int) -> str:
    """One source in words, e.g. 'incidents: imported 26 Nov 2026, covers 1 Dec 2024 to 26 Nov 2026',
    or 'incidents: stale: last data 26 Nov 2026, 10 days ago (imported 26 Nov 2026)'."""
    if not source.recorded:
        return f"{source.words}: no import recorded"
    imported = f"imported {_day(source.last_imported_at, tz)}"
    end = last_day(source.through_at, tz)
    if is_stale(source, today, tz, stale_after_days):
        return f"{source.words}: stale: last data {end:%-d %b %Y}, {_ago(days_old(source, today, tz))} ({imported})"
    if source.first_at is None:
        return f"{source.words}: {imported}, a snapshot as of {end:%-d %b %Y}"
    return f"{source.words}: {imported}, covers {_day(source.first_at, tz)} to {end:%-d %b %Y}"


def stops_before(spans: pd.DataFrame, tables: Sequence[str], end: datetime, tz: str) -> str:
    """What a tile says when a recorded input ends before its period does, e.g. 'inputs stop before
    the period ends: tickets run through 26 Nov 2026'. '' when every recorded input reaches the end
    (a table with no recorded import says nothing: its records are all there is)."""
    short = [s for s in sources(spans, tables) if s.recorded and s.through_at < end]
    if not short:
        return ""
    parts = [f"{s.words} {'as of' if s.first_at is None else 'run through'} {_through(s.through_at, tz)}"
             for s in short]
    return "inputs stop before the period ends: " + "; ".join(parts)


def _through(at: datetime, tz: str) -> str:
    """'26 Nov 2026 14:00', or '26 Nov 2026' for an end at midnight (the whole day)."""
    local = at.astimezone(ZoneInfo(tz))
    if local.time() == datetime.min.time():
        return f"{last_day(at, tz):%-d %b %Y}"
    return f"{local:%-d %b %Y %H:%M}"


def stale_groups(found: Sequence[Source], today: date, tz: str, stale_after_days: int) -> list[str]:
    """The stale sources grouped by their last day of data, latest first, e.g. 'stale: last data
    26 Nov 2026, 10 days ago: incidents, tickets' (a page of many sources flags them in a few words)."""
    groups: dict[date, list[str]] = {}
    for s in found:
        if is_stale(s, today, tz, stale_after_days):
            groups.setdefault(last_day(s.through_at, tz), []).append(s.words)
    return [f"stale: last data {day:%-d %b %Y}, {_ago((today - day).days)}: {', '.join(names)}"
            for day, names in sorted(groups.items(), reverse=True)]
