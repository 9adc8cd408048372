"""Cost KPIs from monthly aggregates (one row per month: infra_usd, support_usd,
revenue_usd, active_users; data/sql/cost_monthly.sql). A period counts the months whose
first day lies in it; a month missing either side of a ratio is left out and noted."""
from __future__ import annotations

import numpy as np

from analytics.measure import Measure, Table, numbers, ratio
from core.i18n import _


def _complete(monthly: Table, numerator: str, denominator: str) -> tuple[np.ndarray, np.ndarray]:
    """Both columns over the months that have both. (Arrays, not a frame: a trend asks this of
    every month, and copying rows cost more than the sums.)"""
    num, den = numbers(monthly[numerator]), numbers(monthly[denominator])
    keep = ~np.isnan(num) & ~np.isnan(den)
    return num[keep], den[keep]


def infra_cost_pct_revenue(monthly: Table) -> Measure:
    """Infrastructure cost as a share of revenue, in percent.

    Definition: infrastructure costs of the months (settings infrastructure_cost_categories:
    cloud_services, monitoring_tools, security_tools) / revenue of the same months. A month
    still open (revenue not recorded through its last day) is left out.
    It is at target or at baseline while within its tolerance of that line (plan.toml).
    """
    infra, revenue = _complete(monthly, "infra_usd", "revenue_usd")
    value = ratio(float(infra.sum()), float(revenue.sum()), 100.0)
    return Measure(value, len(infra), _months_note(len(infra), len(monthly)))


def support_cost_per_user_usd(monthly: Table) -> Measure:
    """Support cost per active user per month, in USD.

    Definition: support costs of the month (settings support_cost_categories: support_team) /
    monthly active users (distinct users over the trailing 30 days, read on the month's last
    day). Over several months: total support cost / total user-months. Zero users: no data.
    It is at target or at baseline while within its tolerance of that line (plan.toml).
    """
    support, users = _complete(monthly, "support_usd", "active_users")
    value = ratio(float(support.sum()), float(users.sum()))
    return Measure(value, len(support), _months_note(len(support), len(monthly)))


def _months_note(used: int, available: int) -> str:
    skipped = available - used
    return _("{n} month(s) without complete data left out").format(n=skipped) if skipped else ""
