"""Support KPIs from daily sums, with hand-computed answers."""
from __future__ import annotations

import math
from datetime import date

import pandas as pd
import pytest

from analytics import support
from analytics.measure import Columns, in_days


def test_csat_mean_and_top_two_share():
    """Scores summing to 21 over 5 responses (three of them 4-5): CSAT 4.2, 60 % top-two."""
    daily = pd.DataFrame({"day": ["2026-01-01", "2026-01-02"], "n_responses": [2, 3], "score_sum": [9, 12],
                          "n_top2": [2, 1]})
    m = support.csat(daily)
    assert (m.value, m.n) == (pytest.approx(4.2), 5)
    assert m.note == "60 % scored 4-5"


def test_csat_with_no_responses_has_no_data():
    """An empty period gives no value, never a division error."""
    empty = pd.DataFrame(columns=["day", "n_responses", "score_sum", "n_top2"])
    assert support.csat(empty).value is None


def test_first_response_is_a_mean_over_answered_tickets():
    """7 h of first responses over 2 high-priority tickets: 3.5 h."""
    daily = pd.DataFrame({"day": ["2026-01-01"], "n_responded": [2], "response_hours_sum": [7.0]})
    assert support.first_response_hours(daily).value == pytest.approx(3.5)


def test_fcr_share_of_resolved():
    """39 of 50 resolved at first contact: 78 %."""
    daily = pd.DataFrame({"day": ["2026-01-01", "2026-01-02"], "n_resolved": [20, 30], "n_first_contact": [15, 24]})
    m = support.fcr_pct(daily)
    assert (m.value, m.n) == (pytest.approx(78.0), 50)


def test_self_service_counts_a_session_that_became_a_ticket_once():
    """60 sessions (27 self-resolved) + 0 direct tickets: 45 %; 40 more direct tickets: 27 %."""
    daily = pd.DataFrame({"day": ["2026-01-01"], "n_sessions": [60], "n_self_resolved": [27], "n_direct_tickets": [0]})
    assert support.kb_self_service_pct(daily).value == pytest.approx(45.0)
    daily["n_direct_tickets"] = 40
    m = support.kb_self_service_pct(daily)
    assert (m.value, m.n) == (pytest.approx(27.0), 100)


def test_csat_interval_narrows_with_more_answers():
    """Scores 3 and 5 (mean 4, s 1.414): +- 1.96; 200 answers with the same spread: +- 1.96 / sqrt(199)."""
    few = pd.DataFrame({"n_responses": [2], "score_sum": [8], "score_sq_sum": [34]})
    low, high = support.csat_interval(few)
    assert (low, high) == (pytest.approx(4 - 1.96), pytest.approx(4 + 1.96))
    many = pd.DataFrame({"n_responses": [200], "score_sum": [800], "score_sq_sum": [3400]})
    low, high = support.csat_interval(many)
    assert high - low == pytest.approx(2 * 1.96 * (200 / 199) ** 0.5 / 200 ** 0.5)
    assert support.csat_interval(pd.DataFrame({"n_responses": [1], "score_sum": [5], "score_sq_sum": [25]})) is None


def test_columns_give_the_frames_numbers():
    """The scorecard hands these KPIs Columns (converted once per load), sliced to the period; they
    count as on the frame: a day with responses but no answered high-priority ticket (NaN sum)
    is skipped as pandas skips it, and an empty slice is no data."""
    daily = pd.DataFrame({"day": pd.to_datetime(["2026-01-01", "2026-01-02", "2026-01-03"]),
                          "n_responded": [2, 0, 1], "response_hours_sum": [7.0, math.nan, 2.0]})
    days = in_days(Columns(daily), date(2026, 1, 1), date(2026, 1, 3))
    assert len(days) == 2
    assert support.first_response_hours(days) == support.first_response_hours(daily.iloc[:2])
    assert support.first_response_hours(days).value == pytest.approx(3.5)
    later = in_days(Columns(daily), date(2026, 2, 1), date(2026, 3, 1))
    assert len(later) == 0 and support.first_response_hours(later).value is None
    survey = pd.DataFrame({"day": pd.to_datetime(["2026-01-01", "2026-01-02"]), "n_responses": [2, 3],
                           "score_sum": [9, 12], "n_top2": [2, 1]})
    assert support.csat(Columns(survey)) == support.csat(survey)


def test_csat_and_first_response_carry_their_90_pct_interval():
    """Scores 3, 4, 5, 4 on two days (n 4, sum 16, squares 66): mean 4, s / 2 = 0.408248, x t(0.95, 3)
    2.353363 = 0.960757: [3.039243, 4.960757]. One answer: the whole 1-5 scale. Rows without a sum
    of squares (hand-made, as before it was rolled up) give no interval, not a wrong one."""
    days = pd.DataFrame({"n_responses": [2, 2], "score_sum": [7, 9], "score_sq_sum": [25, 41], "n_top2": [1, 2]})
    m = support.csat(days)
    assert m.value == 4.0 and m.interval == pytest.approx((3.039243, 4.960757), abs=1e-6)
    one = pd.DataFrame({"n_responses": [1], "score_sum": [5], "score_sq_sum": [25], "n_top2": [1]})
    assert support.csat(one).interval == (1.0, 5.0)
    assert support.csat(days.drop(columns="score_sq_sum")).interval is None
    hours = pd.DataFrame({"n_responded": [3, 1], "response_hours_sum": [6.0, 6.0], "response_hours_sq_sum": [14.0, 36.0]})
    fr = support.first_response_hours(hours)  # 1, 2, 3 h on one day and 6 h on another
    assert fr.value == 3.0 and fr.interval == pytest.approx((0.458077, 5.541923), abs=2e-6)
    fcr = support.fcr_pct(pd.DataFrame({"n_resolved": [100], "n_first_contact": [78]}))
    assert fcr.interval == pytest.approx((70.4987, 84.0261), abs=1e-3)  # test_measure's Wilson by hand
