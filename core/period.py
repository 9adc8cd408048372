"""Reporting periods: half-open [start, end) ranges of local plan dates."""
from __future__ import annotations

import os
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from core import i18n
from core.i18n import _

# Pins "today" for the app, every command and the tests (YYYY-MM-DD): a replay of a past day, and
# results that do not depend on the day they are computed.
TODAY_ENV = "OPSPLAN_TODAY"


def today_in(tz: str) -> date:
    """Today in time zone `tz` (periods are local plan dates), or the day $OPSPLAN_TODAY names.
    The one place that reads the clock for a period; a bad value is a ValueError naming it."""
    pinned = os.environ.get(TODAY_ENV, "").strip()
    if not pinned:
        return datetime.now(ZoneInfo(tz)).date()
    try:
        return date.fromisoformat(pinned)
    except ValueError:
        raise ValueError(f"{TODAY_ENV}={pinned!r} is not a date YYYY-MM-DD") from None


def month_start(day: date) -> date:
    return day.replace(day=1)


def add_months(day: date, months: int) -> date:
    """The first of the month `months` after the month of `day`."""
    index = day.year * 12 + day.month - 1 + months
    return date(index // 12, index % 12 + 1, 1)


def shift_months(day: date, months: int) -> date:
    """The same day of the month `months` later (or earlier), clamped to the month's length."""
    first = add_months(day, months)
    last_day = (add_months(first, 1) - timedelta(days=1)).day
    return first.replace(day=min(day.day, last_day))


@dataclass(frozen=True, order=True)
class Period:
    """Half-open [start, end) in the plan's time zone; frozen, so a valid cache key."""

    start: date
    end: date

    def __post_init__(self) -> None:
        if self.end <= self.start:
            raise ValueError(f"period end {self.end} must be after its start {self.start}")

    @property
    def days(self) -> int:
        return (self.end - self.start).days

    @property
    def hours(self) -> float:
        # UTC+7 has no daylight saving, so every local day has 24 hours.
        return self.days * 24.0

    def holds(self, other: "Period") -> bool:
        """Whether `other` lies wholly inside this period."""
        return self.start <= other.start and other.end <= self.end

    def months(self) -> list["Period"]:
        """The calendar months overlapping the period, each clipped to it."""
        out, cursor = [], month_start(self.start)
        while cursor < self.end:
            nxt = add_months(cursor, 1)
            out.append(Period(max(cursor, self.start), min(nxt, self.end)))
            cursor = nxt
        return out

    def label(self) -> str:
        last = date.fromordinal(self.end.toordinal() - 1)
        return _("{start} to {end}").format(start=i18n.date_text(self.start, "day_padded"),
                                            end=i18n.date_text(last, "day_padded"))

    @classmethod
    def last_full_months(cls, today: date, n: int) -> "Period":
        """The n full calendar months before the month containing `today`."""
        end = month_start(today)
        return cls(add_months(end, -n), end)

    @classmethod
    def last_covered_months(cls, today: date, through: date | None, n: int) -> "Period":
        """The n months a default period shows: the last n full calendar months before `today`'s
        month, or, when the data stops before they end, the n months ending with the month the data
        runs through (`through`, its last local day with data). A month counts as covered through
        the day its data runs through, so data through 26 Nov gives September to November."""
        end = month_start(today)
        if through is not None and through < end:
            end = add_months(month_start(through), 1)
        return cls(add_months(end, -n), end)

    def stops_inside(self, through: date | None) -> bool:
        """Whether data running through `through` (its last local day) ends inside the period,
        before its last day: the period is then counted to that day, and says so."""
        return through is not None and self.start <= through < self.end - timedelta(days=1)

    @classmethod
    def month(cls, any_day: date) -> "Period":
        start = month_start(any_day)
        return cls(start, add_months(start, 1))


def requested(start: date | None, end: date | None, months: int, today: date, through: date | None) -> Period:
    """A command's period (--start, --end, end exclusive): both as given; one alone spans `months`
    months from or to it; neither: the default, Period.last_covered_months(today, through, months)."""
    if start and end:
        return Period(start, end)
    if start:
        return Period(start, shift_months(start, months))
    if end:
        return Period(shift_months(end, -months), end)
    return Period.last_covered_months(today, through, months)
