"""Plan coherence: the relations the plan implies, computed by hand."""
from __future__ import annotations

import pytest

from analytics import coherence


def test_implied_availability_at_the_baselines():
    """MTBF 96 h and MTTR 3.2 h: 96.8 % if every failure were a full outage (kpi-definitions.md)."""
    assert coherence.implied_availability_pct(96, 3.2) == pytest.approx(96.77, abs=0.01)


def test_outage_share_of_failure_hours():
    """As kpi-definitions.md: baselines allow 0.3 % x 96 / 3.2 = 9 %; targets 0.1 % x 168 / 2 = 8.4 %."""
    assert coherence.max_outage_share_pct(99.7, 96, 3.2) == pytest.approx(9.0)
    assert coherence.max_outage_share_pct(99.9, 168, 2) == pytest.approx(8.4)


def test_error_budget():
    """99.9 % over a 30-day month allows 43.2 minutes."""
    assert coherence.error_budget_minutes(99.9) == pytest.approx(43.2)


def test_budget_checks(plan):
    """Contingency is 8.1 % of $620,000, not 10 %; 7 FTE paid against 9 people in the tiers."""
    contingency, heads = coherence.budget_checks(plan)
    assert "8.1 %" in contingency.data_says and "-1.9 points" == contingency.gap
    assert "7 FTE" in heads.plan_says and "9 people" in heads.data_says and heads.gap == "+2 people"


def test_users_check(plan):
    """$15,000 a month at $7.50 per user implies 2,000 users; the $5 target needs 3,000."""
    (check,) = coherence.users_checks(plan, 2100.0)
    assert "2,000 users" in check.plan_says and "3,000 users" in check.gap
    assert "2,100" in check.data_says


def test_measured_share_only_with_data(plan):
    """Without measured MTBF the data row is left out rather than invented."""
    assert len(coherence.reliability_checks(plan, {"uptime_pct": 99.7})) == 2
    rows = coherence.reliability_checks(plan, {"uptime_pct": 99.7, "mtbf_hours": 96.0, "mttr_hours": 3.2})
    assert rows[-1].data_says == "9.0 %"
