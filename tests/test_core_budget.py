"""The plan's budget over time (core/budget.py), by hand from plan.toml: $670,000 a year, plan years
from 1 September."""
from __future__ import annotations

from dataclasses import replace
from datetime import date

import pytest

from core.budget import budget_for, month_budget, month_of_plan_year, plan_year_start
from core.plan import Plan

# Cloud services ($72,000 a year) weighted 1 for September to June and 4 for July and August: weights
# add up to 10 x 1 + 2 x 4 = 18, so July is 72,000 x 4 / 18 = $16,000 and September 72,000 / 18 = $4,000.
SUMMER = (1.0,) * 10 + (4.0, 4.0)


def with_cloud_profile(plan: Plan, profile: tuple[float, ...]) -> Plan:
    lines = tuple(replace(b, monthly_profile=profile) if b.name == "cloud_services" else b for b in plan.budget_lines)
    return replace(plan, budget_lines=lines)


def test_plan_year_start(plan):
    """The plan's year starts 1 Sep: 26 Nov 2026 lies in the year from 1 Sep 2026; 1 Aug 2026 in 2025's."""
    assert plan_year_start(plan, date(2026, 11, 26)) == date(2026, 9, 1)
    assert plan_year_start(plan, date(2026, 8, 1)) == date(2025, 9, 1)


def test_month_of_plan_year(plan):
    """September is month 0 of the plan year, July 10, August 11 (the day does not matter)."""
    assert [month_of_plan_year(plan, date(2026, m, 15)) for m in (9, 7, 8)] == [0, 10, 11]


def test_month_budget_follows_the_profile(plan):
    cloud = next(b for b in with_cloud_profile(plan, SUMMER).budget_lines if b.name == "cloud_services")
    assert (month_budget(cloud, 10), month_budget(cloud, 0)) == (16000.0, 4000.0)


def test_budget_for_pro_rata(plan):
    """No profile: the annual budget x months / 12: 670,000 x 3 / 12 = $167,500; a whole year is $670,000."""
    assert budget_for(plan, date(2026, 7, 1), 3) == pytest.approx(167500.0)
    assert budget_for(plan, date(2026, 9, 1), 12) == pytest.approx(670000.0)
    assert budget_for(plan, date(2026, 9, 1), 0) == 0.0


def test_budget_for_a_profiled_line_across_the_plan_year_end(plan):
    """July, August and September (months 10, 11 and the next plan year's 0), from mid-July: cloud
    72,000 x (4 + 4 + 1) / 18 = $36,000; the other lines pro rata (670,000 - 72,000) x 3 / 12 = $149,500;
    together $185,500 where pro rata alone says $167,500."""
    assert budget_for(with_cloud_profile(plan, SUMMER), date(2026, 7, 15), 3) == pytest.approx(185500.0)


def test_budget_for_over_two_plan_years_repeats_the_profile(plan):
    """24 months hold each plan-year month twice: twice the annual budget, $1,340,000, profile or not."""
    assert budget_for(with_cloud_profile(plan, SUMMER), date(2026, 1, 1), 24) == pytest.approx(1340000.0)
