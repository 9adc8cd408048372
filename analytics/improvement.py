"""Continuous-improvement KPIs, read as of the period's end (the state on its last day).

Inputs are small catalogue frames (or their Columns): routine tasks, staff, certifications,
training days.
"""
from __future__ import annotations

from collections.abc import Sequence
from datetime import date

import numpy as np

from analytics.measure import Measure, Table, before, in_days, numbers, ratio
from core.period import shift_months


def _current(frame: Table, begin: str, finish: str, end: date) -> np.ndarray:
    """True on rows begun before `end` and not finished before it. (A mask: a trend asks this of
    the same few rows for every month, and copying them cost more than the answer.)"""
    return before(frame[begin], end) & ~before(frame[finish], end)


def automation_pct(tasks: Table, end: date) -> Measure:
    """Automation rate, in percent.

    Definition: share of routine maintenance tasks in the catalogue at the period's end
    (created, not retired) that run automated (automated_on before the end).
    It is at target or at baseline while within its tolerance of that line (plan.toml).
    """
    current = _current(tasks, "created_on", "retired_on", end)
    automated, n = int((current & before(tasks["automated_on"], end)).sum()), int(current.sum())
    return Measure(ratio(automated, n, 100.0), n)


def employed(staff: Table, end: date) -> np.ndarray:
    """The staff_id of each team member employed on the period's last day."""
    return _ids(staff)[_current(staff, "hired_on", "left_on", end)]


def _ids(frame: Table) -> np.ndarray:
    # numpy objects: pandas' isin on Arrow strings loops in Python
    ids = frame["staff_id"]
    return ids if isinstance(ids, np.ndarray) else ids.to_numpy(dtype=object)


def certification_pct(staff: Table, certifications: Table, end: date, relevant: Sequence[str] = ()) -> Measure:
    """Certification, in percent.

    Definition: share of team members employed at the period's end who hold at least one
    relevant certification valid then (earned before the end, not expired before it); the
    relevant ones are setting relevant_certifications (empty: any certification).
    It is at target or at baseline while within its tolerance of that line (plan.toml).
    """
    team = employed(staff, end)
    held = _current(certifications, "earned_on", "expires_on", end)
    if relevant:
        names = certifications["certification"]
        held &= np.isin(names if isinstance(names, np.ndarray) else names.to_numpy(dtype=object), list(relevant))
    valid = _ids(certifications)[held]
    holders = int(np.isin(team, valid).sum())
    return Measure(ratio(holders, len(team), 100.0), len(team))


def training_hours(staff: Table, training: Table, end: date, window_months: int = 12) -> Measure:
    """Training hours per employee over the last 12 months, in hours.

    Definition: training hours logged in the `window_months` months before the period's end
    by the team members employed at the end, divided by their number.
    It is at target or at baseline while within its tolerance of that line (plan.toml).
    """
    team = employed(staff, end)
    logged = in_days(training, shift_months(end, -window_months), end)
    hours = numbers(logged["hours"])[np.isin(_ids(logged), team)].sum()
    return Measure(ratio(float(hours), len(team)), len(team))
