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


# --- per interval: the measured week ---------------------------------------------------------

import numpy as np  # noqa: E402


@pytest.mark.parametrize("aht_s,target_s,goal,occupancy", [(600, 60, 0.8, 0.85), (900, 14400, 0.8, 0.85),
                                                            (480, 120, 0.95, 1.0), (180, 20, 0.8, 1.0)])
def test_agents_for_an_array_matches_agents_needed(aht_s, target_s, goal, occupancy):
    """The threshold table answers what agents_needed answers, traffic by traffic, from 0 to 30 Erlangs."""
    traffic = np.round(np.arange(0.0, 30.0, 0.0371), 6)
    rule = staffing.ChannelStaffing(aht_s, target_s, goal, occupancy)
    expected = [staffing.agents_needed(a, aht_s, target_s, goal, occupancy) for a in traffic]
    assert staffing.agents_for(traffic, rule).tolist() == expected


def test_busy_hour_needs_more_agents_than_the_flat_average_gives():
    """Two hours of one channel (10-minute contacts, answered in 60 s, 80 %, occupancy at most 85 %): 12
    contacts then none. The busy hour is A = 12 x 600 / 3600 = 2 Erlangs. With 3 agents: B(3, 2) = 0.2105,
    C = 3 x 0.2105 / (3 - 2 x 0.7895) = 0.4444, SL = 1 - 0.4444 e^(-1 x 60/600) = 0.598 < 0.8; with 4:
    B = 0.0952, C = 0.1739, SL = 1 - 0.1739 e^(-2 x 0.1) = 0.858: 4 agents. The flat average, 6 contacts
    an hour (A = 1): with 2 agents C = 0.3333, SL = 0.698; with 3, C = 0.0909, SL = 1 - 0.0909 e^(-0.2)
    = 0.926: 3 agents in each hour, 6 agent-hours. Per interval the busy hour needs 4 (more than 3), the
    quiet one none of its own, and one agent covers the open line: 4 + 1 = 5 agent-hours."""
    rule = staffing.ChannelStaffing(600, 60, 0.8, 0.85)
    per, pooled = staffing.interval_agents({"x": np.array([12.0, 0.0])}, {"x": rule},
                                           {"x": np.array([True, True])})
    assert per["x"].tolist() == [4, 0] and pooled.tolist() == [4, 1]
    flat = staffing.agents_for(np.array([6.0, 6.0]) * 600 / 3600, rule)
    assert flat.tolist() == [3, 3] and per["x"].max() > flat.max()
    assert staffing.service_level(4, 2.0, 600, 60) == pytest.approx(0.8576, abs=1e-4)
    assert staffing.service_level(3, 1.0, 600, 60) == pytest.approx(0.9256, abs=1e-4)


def test_phone_is_open_eight_to_eight_local(plan):
    """Phone 08:00-20:00 every day: Monday 08:00 (hour 8) open, 20:00 (hour 20) closed, Sunday 19:00
    (6 x 24 + 19 = 163) open; 12 x 7 = 84 hours a week. Chat: all 168."""
    phone = staffing.open_hours_of_week(plan.channel("phone"))
    assert (phone[8], phone[20], phone[163], phone[7]) == (True, False, True, False)
    assert phone.sum() == 84 and staffing.open_hours_of_week(plan.channel("live_chat")).sum() == 168


def test_weekly_profile_averages_the_weeks_of_the_period():
    """Chat: 3 tickets on one Monday 10:00 and 5 on the next, over a 14-day period (2 weeks): 4 a week in
    hour 10; email none at all: zeros."""
    rows = pd.DataFrame({"day": ["2026-11-02", "2026-11-09"], "channel": ["live_chat"] * 2,
                         "hour_of_week": [10, 10], "n_tickets": [3, 5]})
    week = staffing.weekly_profile(rows, 14, ("live_chat", "email"))
    assert week["live_chat"][10] == 4.0 and week["live_chat"].sum() == 4.0 and week["email"].sum() == 0.0


def hand_week() -> dict[str, np.ndarray]:
    """15 chat contacts on Monday 10:00, nothing else all week."""
    chat = np.zeros(168)
    chat[10] = 15.0
    return {"live_chat": chat, "email": np.zeros(168), "phone": np.zeros(168)}


def test_fte_by_channel_by_hand(plan):
    """The plan's values (chat 8 minutes, answered in 120 s, 80 %, occupancy 85 %, shrinkage 30 %, 40-hour
    weeks). Monday 10:00: A = 15 x 480 / 3600 = 2 Erlangs; 3 agents: C = 0.4444, SL = 1 - 0.4444 e^(-1 x
    120/480) = 0.654; 4 agents: C = 0.1739, SL = 1 - 0.1739 e^(-2 x 0.25) = 0.895: 4 agents, 4 agent-hours,
    4 / (40 x 0.7) = 0.143 FTE. Email and phone need none of their own. In all: 4 in that hour and one on
    cover in each of the other 167 (chat and email are 24/7): 171 agent-hours, 171 / 28 = 6.107 FTE."""
    table = staffing.fte_by_channel(hand_week(), plan).set_index("channel")
    chat, total = table.loc["live_chat"], table.loc["total"]
    assert (chat["agent_hours_per_week"], chat["peak_agents"], chat["contacts_per_week"]) == (4.0, 4, 15.0)
    assert chat["fte"] == pytest.approx(4 / 28)
    assert table.loc["phone", "open_hours_per_week"] == 84 and table.loc["email", "agent_hours_per_week"] == 0.0
    assert total["agent_hours_per_week"] == 171.0 and total["fte"] == pytest.approx(171 / 28)
    assert total["open_hours_per_week"] == 168 and total["peak_agents"] == 4
    tighter = staffing.fte_by_channel(hand_week(), plan, shrinkage_pct=0.0).set_index("channel")
    assert tighter.loc["total", "fte"] == pytest.approx(171 / 40)


def test_busiest_hour_adds_the_channels():
    """Chat 3 contacts at hour 10 (Monday 10:00) and 1 at hour 34 (Tuesday 10:00); email 4 at hour 34.
    Together hour 10 has 3, hour 34 has 5: Tuesday 10:00 with 5. A tie goes to the earlier hour; no
    contacts at all give hour 0 with 0."""
    chat, email = [0.0] * staffing.HOURS_PER_WEEK, [0.0] * staffing.HOURS_PER_WEEK
    chat[10], chat[34], email[34] = 3.0, 1.0, 4.0
    assert staffing.busiest_hour({"live_chat": chat, "email": email}) == (34, 5.0)
    email[34] = 2.0  # now 3 at both hours
    assert staffing.busiest_hour({"live_chat": chat, "email": email}) == (10, 3.0)
    assert staffing.busiest_hour({"live_chat": [0.0] * staffing.HOURS_PER_WEEK}) == (0, 0.0)


def test_cli_staffs_the_measured_week_of_the_base_window(demo_db, tmp_path):
    """--json: the base window (Aug-Oct 2026 for 26 Nov), three channels and a total whose FTE is its
    agent-hours / 28 (the plan's 40 h, 30 % shrinkage) and at least the channels' together; a missing
    warehouse exits 2 naming it."""
    import json
    import subprocess
    import sys

    run = subprocess.run([sys.executable, "-m", "models.staffing", "--db", str(demo_db), "--json"],
                         capture_output=True, text=True, timeout=120)
    assert run.returncode == 0, run.stderr
    out = json.loads(run.stdout)
    assert out["window"] == {"start": "2026-08-01", "end": "2026-11-01"}
    rows = {r["channel"]: r for r in out["channels"]}
    assert set(rows) == {"live_chat", "email", "phone", "total"}
    assert rows["total"]["fte"] == pytest.approx(rows["total"]["agent_hours_per_week"] / 28)
    assert rows["total"]["agent_hours_per_week"] >= sum(rows[c]["agent_hours_per_week"] for c in ("live_chat", "email", "phone"))
    missing = subprocess.run([sys.executable, "-m", "models.staffing", "--db", str(tmp_path / "none.duckdb")],
                             capture_output=True, text=True, timeout=120)
    assert missing.returncode == 2 and "none.duckdb" in missing.stderr
