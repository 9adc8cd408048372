"""One scale for KPIs of every unit: how much of the way from baseline to target each has come,
the order it gives (worst first), and the change of a KPI from the period before.
"""
from __future__ import annotations

import math
from datetime import timedelta
from typing import Sequence

import pandas as pd

from analytics.scorecard import KpiResult
from core.period import Period, add_months, month_start


def gap_closed(r: KpiResult) -> float | None:
    """How much of the way from its baseline to its target a KPI has come: 0 at the baseline, 1 at
    the target, above 1 beyond it, below 0 when it is worse than its baseline; one scale for KPIs
    of every unit, so that the Overview and the review can name the worst. It reads the value the
    status judges (the worst month of uptime). None without data, or when the plan's target equals
    its baseline.
    Definition: (judged value - baseline) / (target - baseline)."""
    value = r.judged_value
    if value is None or math.isnan(value) or r.target == r.baseline:
        return None
    return (value - r.baseline) / (r.target - r.baseline)


def worst_first(results: Sequence[KpiResult]) -> list[KpiResult]:
    """The KPIs by gap_closed, least of the way come first; those that cannot be ranked (no data,
    target equal to baseline) last, in plan order. A stable sort: ties keep plan order."""
    def key(r: KpiResult) -> tuple[bool, float]:
        closed = gap_closed(r)
        return (closed is None, 0.0 if closed is None else closed)
    return sorted(results, key=key)


def worst_kpi(results: Sequence[KpiResult]) -> KpiResult | None:
    """The KPI that has come least of the way from baseline to target (gap_closed) among those not
    met; None when every KPI is met or none can be ranked."""
    ranked = [r for r in worst_first(results) if r.status != "met" and gap_closed(r) is not None]
    return ranked[0] if ranked else None


def previous_period(period: Period) -> Period:
    """The period of the same length just before `period`: the same number of whole months when
    it is whole months (Sep-Nov -> Jun-Aug, whatever their days), else the same number of days."""
    months = len(period.months())
    if period.start == month_start(period.start) and period.end == month_start(period.end):
        return Period(add_months(period.start, -months), period.start)
    return Period(period.start - timedelta(days=period.days), period.start)


def change(now: KpiResult, before: KpiResult | None) -> float | None:
    """The KPI's value less its value in the period before, in its unit; None when either has no data."""
    if before is None or now.value is None or before.value is None or math.isnan(now.value) \
            or math.isnan(before.value):
        return None
    return now.value - before.value


def is_better(delta: float, op: str) -> bool:
    """Whether a change of `delta` is for the better by the plan's comparison (up is better for > and >=)."""
    return (delta > 0) == op.startswith(">")


def worst_row(frame: pd.DataFrame, value: str, op: str, n: str | None = None) -> pd.Series | None:
    """The row of `frame` whose `value` is worst by the plan's comparison `op` (the lowest when
    higher is better, the highest when lower is better), among rows with a value and, when `n` is
    named, something counted (a share of nothing is no evidence); None when no row qualifies.
    Ties keep the first row."""
    rows = frame[frame[value].notna()]
    if n is not None:
        rows = rows[rows[n] > 0]
    if rows.empty:
        return None
    return rows.loc[rows[value].idxmin() if op.startswith(">") else rows[value].idxmax()]
