"""Support KPIs from daily sums, with hand-computed answers."""
from __future__ import annotations

import pandas as pd
import pytest

from analytics import support


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
