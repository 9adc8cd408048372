"""Continuous-improvement KPIs, read as of the period's end (the state on its last day).

Inputs are small catalogue frames: routine tasks, staff, certifications, training days.
"""
from __future__ import annotations

from datetime import date

import numpy as np
import pandas as pd

from analytics.measure import Measure, before, in_days, ratio
from analytics.period import shift_months


def _current(frame: pd.DataFrame, begin: str, finish: str, end: date) -> pd.DataFrame:
    """Rows begun before `end` and not finished before it."""
    finished = before(frame[finish], end)
    return frame[before(frame[begin], end) & ~finished]


def automation_pct(tasks: pd.DataFrame, end: date) -> Measure:
    """Automation rate, in percent.

    Definition: share of routine maintenance tasks in the catalogue at the period's end
    (created, not retired) that run automated (automated_on before the end).
    """
    current = _current(tasks, "created_on", "retired_on", end)
    automated = int(before(current["automated_on"], end).sum())
    return Measure(ratio(automated, len(current), 100.0), len(current))


def employed(staff: pd.DataFrame, end: date) -> pd.DataFrame:
    """Team members employed on the period's last day."""
    return _current(staff, "hired_on", "left_on", end)


def certification_pct(staff: pd.DataFrame, certifications: pd.DataFrame, end: date) -> Measure:
    """Certification, in percent.

    Definition: share of team members employed at the period's end who hold at least one
    relevant certification valid then (earned before the end, not expired before it).
    """
    team = employed(staff, end)
    valid = _current(certifications, "earned_on", "expires_on", end)
    holders = np.isin(team["staff_id"].to_numpy(dtype=object), valid["staff_id"].to_numpy(dtype=object)).sum()
    return Measure(ratio(int(holders), len(team), 100.0), len(team))


def training_hours(staff: pd.DataFrame, training: pd.DataFrame, end: date, window_months: int = 12) -> Measure:
    """Training hours per employee over the last 12 months, in hours.

    Definition: training hours logged in the `window_months` months before the period's end
    by the team members employed at the end, divided by their number.
    """
    team = employed(staff, end)
    logged = in_days(training, shift_months(end, -window_months), end)
    window = logged[np.isin(logged["staff_id"].to_numpy(dtype=object), team["staff_id"].to_numpy(dtype=object))]
    return Measure(ratio(float(window["hours"].sum()), len(team)), len(team))
