"""Erlang C against published worked examples, and the staffing arithmetic."""
from __future__ import annotations

import math

import pandas as pd
import pytest

from models import staffing


def test_call_centre_helper_worked_example():
    """Call Centre Helper, 'Erlang C Formula - Made Simple With an Easy Worked Example': 100 calls per
    30 min, AHT 180 s, 80 % in 20 s. A = 10 Erlangs; with 11 agents a call waits with probability 68.2 %
    and 39 % are answered in 20 s; 14 agents are the fewest that meet 80/20 (88.8 %)."""
    traffic = 200 * 180 / 3600
    assert traffic == 10
    assert staffing.erlang_c(11, traffic) == pytest.approx(0.6821, abs=5e-4)
    assert staffing.service_level(11, traffic, 180, 20) == pytest.approx(0.390, abs=1e-3)
    assert staffing.service_level(13, traffic, 180, 20) == pytest.approx(0.796, abs=1e-3)
    assert staffing.service_level(14, traffic, 180, 20) == pytest.approx(0.888, abs=1e-3)
    assert staffing.agents_needed(traffic, 180, 20, 0.8) == 14


def test_recursion_matches_the_factorial_formula_at_scale():
    """Westbay Engineers' 'The Erlang-C formula' example set-up (360 calls per half hour, 4-minute calls,
    55 agents, 15 s target; A = 48): the stable recursion equals the textbook factorial formula,
    P(wait) 0.2387, ASA 8.18 s, service level 84.6 %."""
    traffic, agents = 720 * 240 / 3600, 55
    top = traffic ** agents / math.factorial(agents) * agents / (agents - traffic)
    direct = top / (sum(traffic ** k / math.factorial(k) for k in range(agents)) + top)
    assert staffing.erlang_c(agents, traffic) == pytest.approx(direct, rel=1e-12)
    assert direct == pytest.approx(0.2387, abs=1e-4)
    assert staffing.asa_seconds(agents, traffic, 240) == pytest.approx(8.18, abs=0.01)
    assert staffing.service_level(agents, traffic, 240, 15) == pytest.approx(0.846, abs=1e-3)


def test_overloaded_and_idle_queues():
    """Agents <= traffic: everyone waits, ASA unbounded; no traffic needs no agent."""
    assert staffing.erlang_c(5, 5.0) == 1.0 and math.isinf(staffing.asa_seconds(5, 5.0, 60))
    assert staffing.agents_needed(0.0, 60, 20) == 0


def test_occupancy_ceiling_adds_agents():
    """A = 10 at 80/20 needs 14 agents (71 % busy); an 65 % occupancy ceiling needs 16."""
    assert staffing.agents_needed(10, 180, 20, 0.8, max_occupancy=0.65) == 16


def test_hourly_agents_table():
    """Two hours of week: 200 calls (A = 10) and none; agents 14 and 0, occupancy 10/14."""
    volume = pd.DataFrame({"hour_of_week": [0, 1], "arrivals": [200.0, 0.0]})
    out = staffing.hourly_agents(volume, staffing.ChannelStaffing(aht_s=180, target_s=20, goal=0.8, max_occupancy=1))
    assert list(out["agents"]) == [14, 0]
    assert out["occupancy"].iloc[0] == pytest.approx(10 / 14)


def test_fte_with_shrinkage():
    """24/7 cover (168 h) at 30 % shrinkage and 40 h weeks: 168 / 28 = 6 FTE."""
    assert staffing.minimum_coverage_fte(168, 0.30) == pytest.approx(6.0)
    with pytest.raises(ValueError):
        staffing.fte_needed(100, 1.0)
