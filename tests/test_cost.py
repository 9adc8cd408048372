"""Cost KPIs over monthly aggregates: ratios of sums, incomplete months, zero users."""
from __future__ import annotations

import math
from datetime import date

import pandas as pd
import pytest

from analytics import cost
from analytics.measure import Columns, in_days


def months(**columns: list) -> pd.DataFrame:
    n = len(next(iter(columns.values())))
    base = {"month": pd.date_range("2026-01-01", periods=n, freq="MS"), "infra_usd": [math.nan] * n,
            "support_usd": [math.nan] * n, "revenue_usd": [math.nan] * n, "active_users": [math.nan] * n}
    return pd.DataFrame(base | columns)


def test_infra_share_is_total_cost_over_total_revenue():
    """9,000 + 9,000 over 50,000 + 70,000 revenue: 15 % (not the mean of 18 % and 12.86 %)."""
    m = cost.infra_cost_pct_revenue(months(infra_usd=[9000.0, 9000.0], revenue_usd=[50000.0, 70000.0]))
    assert (m.value, m.n) == (pytest.approx(15.0), 2)


def test_support_cost_per_user_over_user_months():
    """15,000 over 2,000 users and 15,000 over 3,000: 30,000 / 5,000 user-months = $6."""
    m = cost.support_cost_per_user_usd(months(support_usd=[15000.0, 15000.0], active_users=[2000.0, 3000.0]))
    assert m.value == pytest.approx(6.0)


def test_month_without_users_is_left_out_and_noted():
    """An open month (no month-end user count) is skipped, and the note says so."""
    m = cost.support_cost_per_user_usd(months(support_usd=[15000.0, 7000.0], active_users=[2000.0, math.nan]))
    assert (m.value, m.n) == (pytest.approx(7.5), 1)
    assert "1 month(s)" in m.note


def test_zero_active_users_is_no_data():
    """Zero users gives no value rather than infinity."""
    assert cost.support_cost_per_user_usd(months(support_usd=[15000.0], active_users=[0.0])).value is None


def test_empty_period():
    """No month at all: no data."""
    assert cost.infra_cost_pct_revenue(months(infra_usd=[])).value is None


def test_columns_give_the_frames_numbers():
    """The scorecard hands these KPIs Columns sliced to the period's months: the same sums, the
    same months left out for a missing side, the same note."""
    monthly = months(support_usd=[15000.0, 7000.0, 9000.0], active_users=[2000.0, math.nan, 1000.0],
                     infra_usd=[9000.0, 9000.0, 1.0], revenue_usd=[50000.0, 70000.0, math.nan])
    first_two = in_days(Columns(monthly), date(2026, 1, 1), date(2026, 3, 1), "month")
    assert len(first_two) == 2
    for kpi in (cost.support_cost_per_user_usd, cost.infra_cost_pct_revenue):
        assert kpi(first_two) == kpi(monthly.iloc[:2])
        assert kpi(Columns(monthly)) == kpi(monthly)
    assert cost.support_cost_per_user_usd(first_two).value == pytest.approx(7.5)
