"""Improvement KPIs read as of the period's end: tasks, certifications, training."""
from __future__ import annotations

from datetime import date

import pandas as pd
import pytest

from analytics import improvement
from analytics.measure import Columns

END = date(2026, 7, 1)


def frame(rows: list[dict], dates: tuple[str, ...]) -> pd.DataFrame:
    out = pd.DataFrame(rows)
    for col in dates:
        out[col] = pd.to_datetime(out[col])
    return out


TASKS = frame([
    {"task_id": "T1", "created_on": "2025-01-01", "automated_on": "2025-06-01", "retired_on": None},
    {"task_id": "T2", "created_on": "2025-01-01", "automated_on": "2026-07-01", "retired_on": None},  # on END: not yet
    {"task_id": "T3", "created_on": "2025-01-01", "automated_on": None, "retired_on": None},
    {"task_id": "T4", "created_on": "2025-01-01", "automated_on": "2025-02-01", "retired_on": "2026-03-01"},
    {"task_id": "T5", "created_on": "2026-08-01", "automated_on": "2026-08-01", "retired_on": None},
], ("created_on", "automated_on", "retired_on"))

STAFF = frame([
    {"staff_id": "A", "hired_on": "2024-01-01", "left_on": None},
    {"staff_id": "B", "hired_on": "2024-01-01", "left_on": None},
    {"staff_id": "C", "hired_on": "2024-01-01", "left_on": "2026-05-01"},  # left: not counted
    {"staff_id": "D", "hired_on": "2026-06-01", "left_on": None},
], ("hired_on", "left_on"))


def test_automation_counts_current_catalogue_at_period_end():
    """T1 automated, T2 automated only on the end day, T3 manual, T4 retired, T5 not yet created: 1 of 3."""
    m = improvement.automation_pct(TASKS, END)
    assert (m.value, m.n) == (pytest.approx(100 / 3), 3)


def test_certification_counts_valid_certificates_of_current_staff():
    """A holds a valid one, B's expired, C left, D none: 1 of 3 employed."""
    certs = frame([
        {"staff_id": "A", "certification": "AWS", "earned_on": "2025-01-01", "expires_on": "2028-01-01"},
        {"staff_id": "B", "certification": "ITIL", "earned_on": "2023-01-01", "expires_on": "2026-01-01"},
        {"staff_id": "C", "certification": "AWS", "earned_on": "2025-01-01", "expires_on": None},
    ], ("earned_on", "expires_on"))
    m = improvement.certification_pct(STAFF, certs, END)
    assert (m.value, m.n) == (pytest.approx(100 / 3), 3)



def test_certification_counts_only_the_relevant_ones_when_the_plan_names_them():
    """A holds AWS and B a valid ITIL: 2 of 3 with any; with only ITIL relevant, 1 of 3."""
    certs = frame([
        {"staff_id": "A", "certification": "AWS", "earned_on": "2025-01-01", "expires_on": None},
        {"staff_id": "B", "certification": "ITIL", "earned_on": "2025-01-01", "expires_on": None},
    ], ("earned_on", "expires_on"))
    assert improvement.certification_pct(STAFF, certs, END).value == pytest.approx(200 / 3)
    assert improvement.certification_pct(STAFF, certs, END, ("ITIL",)).value == pytest.approx(100 / 3)


def test_training_hours_over_trailing_year_per_current_employee():
    """A 30 h + B 24 h in the window (A's older 10 h and C's 8 h excluded), 3 employed: 18 h each."""
    training = frame([
        {"staff_id": "A", "day": "2026-06-30", "hours": 30.0},
        {"staff_id": "A", "day": "2025-06-30", "hours": 10.0},  # before the 12-month window
        {"staff_id": "B", "day": "2025-07-01", "hours": 24.0},  # first day of the window
        {"staff_id": "C", "day": "2026-01-01", "hours": 8.0},
    ], ("day",))
    m = improvement.training_hours(STAFF, training, END, 12)
    assert (m.value, m.n) == (pytest.approx(18.0), 3)


def test_no_staff_is_no_data():
    """Nobody employed: no value."""
    assert improvement.training_hours(STAFF.iloc[0:0], STAFF.iloc[0:0].assign(day=[], hours=[]), END).value is None


def test_columns_give_the_frames_numbers():
    """The scorecard hands these KPIs Columns, converted once for a trend's twelve months: each
    month's answer is the frame's, with unset dates (never before the end), ids compared as
    strings and training days out of order."""
    training = frame([
        {"staff_id": "A", "day": "2026-06-30", "hours": 30.0},
        {"staff_id": "A", "day": "2025-06-30", "hours": 10.0},
        {"staff_id": "B", "day": "2025-07-01", "hours": 24.0},
    ], ("day",))
    certs = frame([{"staff_id": "A", "earned_on": "2025-01-01", "expires_on": None}], ("earned_on", "expires_on"))
    tasks, staff, certs_c, training_c = Columns(TASKS), Columns(STAFF), Columns(certs), Columns(training)
    for end in (date(2025, 3, 1), END, date(2026, 9, 1)):
        assert improvement.automation_pct(tasks, end) == improvement.automation_pct(TASKS, end)
        assert improvement.certification_pct(staff, certs_c, end) == improvement.certification_pct(STAFF, certs, end)
        assert improvement.training_hours(staff, training_c, end) == improvement.training_hours(STAFF, training, end)
    assert improvement.training_hours(staff, training_c, END).value == pytest.approx(18.0)
