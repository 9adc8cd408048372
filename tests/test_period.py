"""Periods: half-open local date ranges, month arithmetic."""
from __future__ import annotations

from datetime import date

import pytest

from analytics.period import Period, add_months, shift_months


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
