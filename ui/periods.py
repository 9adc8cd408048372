"""Named reporting periods and their query-string form: calendar rules only, no streamlit."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from typing import Mapping

import re

from core import i18n
from core.i18n import _
from core.period import Period, add_months, month_start

# A named period's key is its English name (the picker's state keeps it across a language switch);
# preset_label gives the reader's words.
CUSTOM = "Custom month range"
_LAST_N = re.compile(r"Last (\d+) full months")


def year_to_date(today: date) -> Period:
    """[1 Jan, today): the finished days of this year; on 1 January, last year."""
    start = date(today.year, 1, 1)
    return Period(start, today) if today > start else Period(date(today.year - 1, 1, 1), start)


def presets(today: date, months: int, through: date | None = None) -> dict[str, Period]:
    """The named periods, the plan's default (the last `months` full months) first. When the data
    stops before today's month, the full months end with the month the data runs through."""
    default = "Last full month" if months == 1 else f"Last {months} full months"
    out = {default: Period.last_covered_months(today, through, months)}
    out.setdefault("Last full month", Period.last_covered_months(today, through, 1))
    out.setdefault("Last 12 full months", Period.last_covered_months(today, through, 12))
    out["Year to date"] = year_to_date(today)
    return out


def preset_label(name: str) -> str:
    """A named period's key as the reader's words."""
    many = _LAST_N.fullmatch(name)
    if many:
        return _("Last {n} full months").format(n=many.group(1))
    return {"Last full month": _("Last full month"), "Year to date": _("Year to date"),
            CUSTOM: _("Custom month range")}.get(name, name)


def preset_of(period: Period, named: Mapping[str, Period]) -> str:
    """The preset a period equals, else CUSTOM."""
    return next((name for name, p in named.items() if p == period), CUSTOM)


def period_to_params(period: Period) -> dict[str, str]:
    """Query-string form; `end` is exclusive, as in Period and the scorecard CLI."""
    return {"start": period.start.isoformat(), "end": period.end.isoformat()}


def period_from_params(params: Mapping[str, str], default: Period) -> tuple[Period, str | None]:
    """The period in a shared link, or `default` and a warning saying what was wrong."""
    start, end = params.get("start"), params.get("end")
    if start is None and end is None:
        return default, None
    try:
        if start is None or end is None:
            raise ValueError(_("both start and end are needed"))
        return Period(date.fromisoformat(start), date.fromisoformat(end)), None
    except ValueError as exc:
        return default, _("The link's period (start={start}, end={end}) was ignored: {why}. Showing {period} "
                          "instead; dates are YYYY-MM-DD, end exclusive.").format(
            start=repr(start), end=repr(end), why=exc, period=default.label())


def month_options(today: date, period: Period, back: int = 36) -> list[date]:
    """First days of the months a custom range can pick from: `back` months before today's
    month up to it, widened to cover `period`."""
    first = min(add_months(month_start(today), -back), month_start(period.start))
    last = max(month_start(today), month_start(period.end - timedelta(days=1)))
    out, cursor = [], first
    while cursor <= last:
        out.append(cursor)
        cursor = add_months(cursor, 1)
    return out


def months_of(period: Period) -> tuple[date, date]:
    """The first and last month a period touches (for the custom range pickers)."""
    return month_start(period.start), month_start(period.end - timedelta(days=1))


def period_of_months(first: date, last: date) -> Period:
    """Whole months from `first` through `last`, in either order."""
    first, last = sorted((month_start(first), month_start(last)))
    return Period(first, add_months(last, 1))


def month_name(day: date) -> str:
    return i18n.date_text(day, "month")


@dataclass(frozen=True)
class PeriodState:
    """What the sidebar's period picker keeps between runs (under state.PERIOD_KEY): the period
    every page reports on, and the warning about a link's period that could not be used. The
    picker's own widgets (preset, from, through) keep their values under their widget keys."""

    period: Period
    warning: str | None = None


def opened(params: Mapping[str, str], named: Mapping[str, Period]) -> PeriodState:
    """A session's first state: the link's period, else the first named period (the plan's default)."""
    return PeriodState(*period_from_params(params, next(iter(named.values()))))


def preset_chosen(state: PeriodState, choice: str, named: Mapping[str, Period]) -> PeriodState:
    """A named period picked; CUSTOM keeps the period, for the month pickers to change."""
    return PeriodState(state.period if choice == CUSTOM else named[choice])


def months_chosen(first: date, last: date) -> PeriodState:
    """A custom range picked: whole months from `first` through `last`, in either order."""
    return PeriodState(period_of_months(first, last))

