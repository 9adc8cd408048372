"""Continuous-improvement KPIs, read as of the period's end (the state on its last day).

Inputs are small catalogue frames: routine tasks, staff, certifications, training days.
"""
from __future__ import annotations

from datetime import date

import pandas as pd

from analytics.measure import Measure, ratio
from analytics.period import shift_months


def _on_or_before(values: pd.Series, end: date) -> pd.Series:
    """True where a date is set and lies before `end` (the period is [start, end))."""
    return pd.to_datetime(values).lt(pd.Timestamp(end)).fillna(False).astype(bool)


def _current(frame: pd.DataFrame, begin: str, finish: str, end: date) -> pd.DataFrame:
    """Rows begun before `end` and not finished before it."""
    finished = _on_or_before(frame[finish], end)
    return frame[_on_or_before(frame[begin], end) & ~finished]


def automation_pct(tasks: pd.DataFrame, end: date) -> Measure:
    """Automation rate, in percent.

    Definition: share of routine maintenance tasks in the catalogue at the period's end
    (created, not retired) that run automated (automated_on before the end).
    """
    current = _current(tasks, "created_on", "retired_on", end)
    automated = int(_on_or_before(current["automated_on"], end).sum())
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
    holders = team["staff_id"].isin(valid["staff_id"]).sum()
    return Measure(ratio(int(holders), len(team), 100.0), len(team))


def training_hours(staff: pd.DataFrame, training: pd.DataFrame, end: date, window_months: int = 12) -> Measure:
    """Training hours per employee over the last 12 months, in hours.

    Definition: training hours logged in the `window_months` months before the period's end
    by the team members employed at the end, divided by their number.
    """
    team = employed(staff, end)
    days = pd.to_datetime(training["day"])
    since = pd.Timestamp(shift_months(end, -window_months))
    window = training[(days >= since) & (days < pd.Timestamp(end)) & training["staff_id"].isin(team["staff_id"])]
    return Measure(ratio(float(window["hours"].sum()), len(team)), len(team))
