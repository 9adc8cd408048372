"""Periods: half-open local date ranges, month arithmetic."""
from __future__ import annotations

from datetime import date

import pytest

from core.period import Period, add_months, shift_months


def test_last_full_months_excludes_the_current_month():
    """On 26 Nov 2026 the last three full months are Aug, Sep, Oct."""
    assert Period.last_full_months(date(2026, 11, 26), 3) == Period(date(2026, 8, 1), date(2026, 11, 1))
    assert Period.last_full_months(date(2026, 1, 1), 1) == Period(date(2025, 12, 1), date(2026, 1, 1))


def test_months_are_clipped_to_the_period():
    """15 Jan to 10 Mar spans three clipped months; hours are 24 a day (no DST in UTC+7)."""
    p = Period(date(2026, 1, 15), date(2026, 3, 10))
    assert [m.start for m in p.months()] == [date(2026, 1, 15), date(2026, 2, 1), date(2026, 3, 1)]
    assert p.months()[-1].end == date(2026, 3, 10)
    assert p.hours == 54 * 24


def test_month_arithmetic():
    """Across year ends, and the same day clamped to shorter months."""
    assert add_months(date(2026, 11, 20), 2) == date(2027, 1, 1)
    assert shift_months(date(2026, 3, 31), -1) == date(2026, 2, 28)


def test_empty_or_reversed_period_is_refused():
    """end must be after start."""
    with pytest.raises(ValueError):
        Period(date(2026, 1, 1), date(2026, 1, 1))


def test_holds_a_period_wholly_inside():
    """Aug-Oct holds October and itself; not a period reaching a day past either end."""
    aug_oct = Period(date(2026, 8, 1), date(2026, 11, 1))
    assert aug_oct.holds(Period(date(2026, 10, 1), date(2026, 11, 1))) and aug_oct.holds(aug_oct)
    assert not aug_oct.holds(Period(date(2026, 10, 1), date(2026, 11, 2)))
    assert not aug_oct.holds(Period(date(2026, 7, 31), date(2026, 9, 1)))


@pytest.mark.parametrize("today,through,expected", [
    # data through 26 Nov, opened 6 Dec: November counts as covered (to the 26th), so Sep-Nov
    (date(2026, 12, 6), date(2026, 11, 26), (date(2026, 9, 1), date(2026, 12, 1))),
    # data through 10 Oct, opened 6 Dec: the months end with October, not the calendar's November
    (date(2026, 12, 6), date(2026, 10, 10), (date(2026, 8, 1), date(2026, 11, 1))),
    # data through the month's last day: the calendar's months, nothing moves
    (date(2026, 12, 6), date(2026, 11, 30), (date(2026, 9, 1), date(2026, 12, 1))),
    # data running into today's month (or no data at all): the calendar's last full months
    (date(2026, 11, 26), date(2026, 11, 26), (date(2026, 8, 1), date(2026, 11, 1))),
    (date(2026, 12, 6), None, (date(2026, 9, 1), date(2026, 12, 1))),
    # across a year end
    (date(2027, 2, 3), date(2026, 12, 20), (date(2026, 10, 1), date(2027, 1, 1))),
])
def test_default_months_end_where_the_data_does(today, through, expected):
    """The last full months before today's month, moved back to end with the month the data runs through."""
    assert Period.last_covered_months(today, through, 3) == Period(*expected)


def test_today_is_pinned_by_the_environment(monkeypatch):
    """$OPSPLAN_TODAY names today; unset, the plan zone's clock; a bad value names the variable."""
    from datetime import datetime
    from zoneinfo import ZoneInfo

    from core.period import TODAY_ENV, today_in

    monkeypatch.setenv(TODAY_ENV, "2026-12-06")
    assert today_in("Asia/Bangkok") == date(2026, 12, 6)
    monkeypatch.setenv(TODAY_ENV, "6 Dec")
    with pytest.raises(ValueError, match="OPSPLAN_TODAY='6 Dec'"):
        today_in("Asia/Bangkok")
    monkeypatch.delenv(TODAY_ENV)
    before = datetime.now(ZoneInfo("Asia/Bangkok")).date()
    assert today_in("Asia/Bangkok") in {before, datetime.now(ZoneInfo("Asia/Bangkok")).date()}  # midnight may pass


def test_a_commands_period_from_its_arguments():
    """Both bounds as given; one alone spans the default months from or to it; neither: the covered months."""
    from core.period import requested

    today, through = date(2026, 12, 6), date(2026, 10, 10)
    assert requested(date(2026, 1, 15), date(2026, 2, 1), 3, today, through) == Period(date(2026, 1, 15),
                                                                                        date(2026, 2, 1))
    assert requested(date(2026, 1, 31), None, 3, today, through) == Period(date(2026, 1, 31), date(2026, 4, 30))
    assert requested(None, date(2026, 3, 1), 3, today, through) == Period(date(2025, 12, 1), date(2026, 3, 1))
    assert requested(None, None, 3, today, through) == Period(date(2026, 8, 1), date(2026, 11, 1))


def test_data_stops_inside_a_period_before_its_last_day():
    """Sep-Nov: data through 26 Nov stops inside; through 30 Nov (its last day), before it, after it, or none: not."""
    p = Period(date(2026, 9, 1), date(2026, 12, 1))
    assert p.stops_inside(date(2026, 11, 26)) and p.stops_inside(date(2026, 9, 1))
    assert not any(p.stops_inside(d) for d in (date(2026, 11, 30), date(2026, 8, 31), date(2026, 12, 3), None))
