"""The plan's status rule at its boundaries, and the ratio helper."""
from __future__ import annotations

import pytest

from analytics.measure import IMPROVING, MET, NO_DATA, OFF_TRACK, ratio, status


@pytest.mark.parametrize("key,value,expected", [
    ("uptime_pct", 99.95, MET), ("uptime_pct", 99.9, IMPROVING),  # "> 99.9 %": the target itself is not met
    ("uptime_pct", 99.8, IMPROVING), ("uptime_pct", 99.7, OFF_TRACK), ("uptime_pct", 99.0, OFF_TRACK),
    ("mttr_hours", 1.9, MET), ("mttr_hours", 2.0, IMPROVING), ("mttr_hours", 3.2, OFF_TRACK),
    ("mttr_hours", 5.0, OFF_TRACK), ("automation_pct", 80.0, MET), ("automation_pct", 60.0, OFF_TRACK),
    ("certification_pct", 100.0, MET), ("certification_pct", 99.0, IMPROVING),
    ("support_cost_per_user_usd", 4.99, MET), ("support_cost_per_user_usd", 7.6, OFF_TRACK),
])
def test_status_boundaries(plan, key, value, expected):
    """Met on the right side of the target, off track at or beyond the baseline, improving between."""
    assert status(value, plan.kpi(key)) == expected


def test_float_rounding_lands_on_the_limit(plan):
    """A mean of 3.2 h computed as 3.1999999999999997 is at the baseline (off track), not below it;
    1.9999999999999998 h is at the "< 2 h" target (not met); a real difference still counts."""
    mttr = plan.kpi("mttr_hours")
    assert status(3.1999999999999997, mttr) == OFF_TRACK
    assert status(2.0 - 2e-16, mttr) == IMPROVING
    assert status(3.19, mttr) == IMPROVING
    assert status(99.9 + 1e-13, plan.kpi("uptime_pct")) == IMPROVING


def test_status_without_value_or_with_unmet_lower_bound(plan):
    """No value is 'no data'; a lower bound under the target cannot be judged, above it is met."""
    mtbf = plan.kpi("mtbf_hours")
    assert status(None, mtbf) == NO_DATA
    assert status(100.0, mtbf, is_lower_bound=True) == NO_DATA
    assert status(720.0, mtbf, is_lower_bound=True) == MET


def test_ratio_with_zero_denominator_is_none():
    """Division by zero is 'no data', never an error or infinity."""
    assert ratio(5, 0) is None
    assert ratio(1, 4, 100.0) == 25.0
