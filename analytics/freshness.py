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

from core import i18n
from core.i18n import N_, _, ngettext

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
# Each table in a reader's words (the table's name is data; the words are prose, in the catalogue).
TABLE_WORDS: dict[str, str] = {
    "incidents": N_("incidents"), "survey_responses": N_("survey responses"), "tickets": N_("tickets"),
    "self_service_sessions": N_("self service sessions"), "costs_monthly": N_("costs monthly"),
    "business_daily": N_("business daily"), "active_users_daily": N_("active users daily"),
    "routine_tasks": N_("routine tasks"), "staff": N_("staff"), "certifications": N_("certifications"),
    "training_log": N_("training log"), "services": N_("services"), "utilisation_hourly": N_("utilisation hourly"),
    "backup_runs": N_("backup runs"), "changes": N_("changes"), "maintenance_windows": N_("maintenance windows"),
    "database_hourly": N_("database hourly"), "dr_tests": N_("dr tests"), "security_activities": N_("security activities"),
    "vendor_outages": N_("vendor outages"), "utilisation_samples": N_("utilisation samples"),
}


def table_words(table: str) -> str:
    """A table named in the language in use: 'survey responses' for survey_responses."""
    return _(TABLE_WORDS.get(table, table.replace("_", " ")))


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
        return table_words(self.table)


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
    return i18n.date_text(at.astimezone(ZoneInfo(tz)).date())


def _ago(days: int) -> str:
    return _("today") if days == 0 else ngettext("{n} day ago", "{n} days ago", days).format(n=days)


def source_line(source: Source, today: date, tz: str, stale_after_days: int) -> str:
    """One source in words, e.g. 'incidents: imported 26 Nov 2026, covers 1 Dec 2024 to 26 Nov 2026',
    or 'incidents: stale: last data 26 Nov 2026, 10 days ago (imported 26 Nov 2026)'."""
    if not source.recorded:
        return _("{source}: no import recorded").format(source=source.words)
    imported, end = _day(source.last_imported_at, tz), i18n.date_text(last_day(source.through_at, tz))
    if is_stale(source, today, tz, stale_after_days):
        return _("{source}: stale: last data {end}, {ago} (imported {imported})").format(
            source=source.words, end=end, ago=_ago(days_old(source, today, tz)), imported=imported)
    if source.first_at is None:
        return _("{source}: imported {imported}, a snapshot as of {end}").format(
            source=source.words, imported=imported, end=end)
    return _("{source}: imported {imported}, covers {first} to {end}").format(
        source=source.words, imported=imported, first=_day(source.first_at, tz), end=end)


def stops_before(spans: pd.DataFrame, tables: Sequence[str], end: datetime, tz: str) -> str:
    """What a tile says when a recorded input ends before its period does, e.g. 'inputs stop before
    the period ends: tickets run through 26 Nov 2026'. '' when every recorded input reaches the end
    (a table with no recorded import says nothing: its records are all there is)."""
    short = [s for s in sources(spans, tables) if s.recorded and s.through_at < end]
    if not short:
        return ""
    parts = [(_("{source} as of {end}") if s.first_at is None else _("{source} run through {end}")).format(
        source=s.words, end=_through(s.through_at, tz)) for s in short]
    return _("inputs stop before the period ends: {inputs}").format(inputs="; ".join(parts))


def _through(at: datetime, tz: str) -> str:
    """'26 Nov 2026 14:00', or '26 Nov 2026' for an end at midnight (the whole day)."""
    local = at.astimezone(ZoneInfo(tz))
    if local.time() == datetime.min.time():
        return i18n.date_text(last_day(at, tz))
    return i18n.date_text(local, "minute")


def stale_groups(found: Sequence[Source], today: date, tz: str, stale_after_days: int) -> list[str]:
    """The stale sources grouped by their last day of data, latest first, e.g. 'stale: last data
    26 Nov 2026, 10 days ago: incidents, tickets' (a page of many sources flags them in a few words)."""
    groups: dict[date, list[str]] = {}
    for s in found:
        if is_stale(s, today, tz, stale_after_days):
            groups.setdefault(last_day(s.through_at, tz), []).append(s.words)
    return [_("stale: last data {day}, {ago}: {sources}").format(
        day=i18n.date_text(day), ago=_ago((today - day).days), sources=", ".join(names))
        for day, names in sorted(groups.items(), reverse=True)]
