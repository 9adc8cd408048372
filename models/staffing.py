"""Staffing with Erlang C: agents per hour for a service-level goal, and the FTE to hire.

Traffic A (Erlangs) = arrivals per hour x average handling time (hours). With N agents,
the probability that a contact waits is Erlang C(N, A); the service level is the share
answered within the target time T: 1 - C(N, A) exp(-(N - A) T / AHT); the average speed of
answer is C(N, A) AHT / (N - A). Erlang C is computed from the Erlang B recursion, which is
numerically stable where factorials would overflow.
"""
from __future__ import annotations

import argparse
import json
import math
import sys
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from functools import lru_cache
from typing import Any

import numpy as np
import pandas as pd

from core.period import Period
from core.plan import Channel, Plan

HOURS_PER_WEEK = 168
CHANNELS = ("live_chat", "email", "phone")  # the staffed channels, in the order of a scenario's channel shares


def erlang_b(agents: int, traffic: float) -> float:
    """Blocking probability B(N, A) by the recursion B(k) = A B(k-1) / (k + A B(k-1))."""
    b = 1.0
    for k in range(1, agents + 1):
        b = traffic * b / (k + traffic * b)
    return b


def erlang_c(agents: int, traffic: float) -> float:
    """Probability that a contact waits; 1 when the agents cannot keep up (N <= A)."""
    if agents <= traffic:
        return 1.0
    if traffic <= 0:
        return 0.0
    b = erlang_b(agents, traffic)
    return agents * b / (agents - traffic * (1.0 - b))


def service_level(agents: int, traffic: float, aht_s: float, target_s: float) -> float:
    """Share of contacts answered within `target_s` seconds."""
    if agents <= traffic:
        return 0.0 if traffic > 0 else 1.0
    return 1.0 - erlang_c(agents, traffic) * math.exp(-(agents - traffic) * target_s / aht_s)


def asa_seconds(agents: int, traffic: float, aht_s: float) -> float:
    """Average speed of answer in seconds; infinite when the queue grows without bound."""
    if agents <= traffic:
        return math.inf if traffic > 0 else 0.0
    return erlang_c(agents, traffic) * aht_s / (agents - traffic)


def agents_needed(traffic: float, aht_s: float, target_s: float, goal: float = 0.8,
                  max_occupancy: float = 1.0) -> int:
    """The fewest agents meeting the service-level goal and the occupancy ceiling."""
    if traffic <= 0:
        return 0
    agents = max(1, math.floor(traffic) + 1, math.ceil(traffic / max_occupancy))
    while service_level(agents, traffic, aht_s, target_s) < goal:
        agents += 1
    return agents


@dataclass(frozen=True)
class ChannelStaffing:
    """How one channel is staffed: handling time, answer target, goal, occupancy ceiling."""

    aht_s: float
    target_s: float
    goal: float = 0.8
    max_occupancy: float = 0.85


def hourly_agents(volume: pd.DataFrame, rule: ChannelStaffing) -> pd.DataFrame:
    """Agents per hour of week for a contact volume.

    Input: columns hour_of_week (0-167), arrivals (contacts in that hour).
    Output: adds traffic_erlangs, agents, service_level, occupancy, asa_seconds.
    """
    out = volume[["hour_of_week", "arrivals"]].copy()
    out["traffic_erlangs"] = out["arrivals"] * rule.aht_s / 3600.0
    out["agents"] = [agents_needed(a, rule.aht_s, rule.target_s, rule.goal, rule.max_occupancy)
                     for a in out["traffic_erlangs"]]
    out["service_level"] = [service_level(n, a, rule.aht_s, rule.target_s) if n else 1.0
                            for n, a in zip(out["agents"], out["traffic_erlangs"])]
    out["occupancy"] = [a / n if n else 0.0 for n, a in zip(out["agents"], out["traffic_erlangs"])]
    out["asa_seconds"] = [asa_seconds(n, a, rule.aht_s) if n else 0.0
                          for n, a in zip(out["agents"], out["traffic_erlangs"])]
    return out


def fte_needed(agent_hours_per_week: float, shrinkage: float, hours_per_fte_week: float = 40.0) -> float:
    """FTE to hire for the staffed hours of a week, grossed up for shrinkage (leave, training,
    breaks): agent-hours / (hours per FTE x (1 - shrinkage))."""
    if not 0 <= shrinkage < 1:
        raise ValueError(f"shrinkage must be in [0, 1), got {shrinkage}")
    return agent_hours_per_week / (hours_per_fte_week * (1.0 - shrinkage))


def minimum_coverage_fte(coverage_hours_per_week: float, shrinkage: float,
                         hours_per_fte_week: float = 40.0) -> float:
    """FTE to keep one agent present in every covered hour (24/7 is 168 h a week)."""
    return fte_needed(coverage_hours_per_week, shrinkage, hours_per_fte_week)


# --- per interval: the measured hour-of-week profile, channel by channel -----------------------

@lru_cache(maxsize=4096)
def _served(aht_s: float, target_s: float, goal: float, max_occupancy: float, n: int) -> tuple[float, ...]:
    """For 1..n agents, the most traffic (Erlangs) each number meets the goal and the occupancy
    ceiling for: agents_needed(A) is the fewest N whose entry is at least A. Service level falls as
    traffic rises, so each entry is found by bisection (to 1e-12 of an Erlang)."""
    out = []
    for agents in range(1, n + 1):
        high = min(max_occupancy * agents, float(agents))
        if high < agents and service_level(agents, high, aht_s, target_s) >= goal:
            out.append(high)
            continue
        low = 0.0
        while high - low > 1e-12 * agents:
            mid = (low + high) / 2
            low, high = (mid, high) if service_level(agents, mid, aht_s, target_s) >= goal else (low, mid)
        out.append(low)
    return tuple(out)


TABLE_AGENTS = 64  # beyond this many agents a table costs more than asking agents_needed per traffic


def agents_for(traffic: np.ndarray, rule: ChannelStaffing) -> np.ndarray:
    """agents_needed for each traffic of an array at once (the same answers; Monte Carlo asks for
    12 months x 168 hours x 3 channels a scenario): no agent for no traffic. Small teams read a
    table of the traffic each headcount serves; large ones (a goal seek at millions of users)
    ask agents_needed once per distinct traffic."""
    traffic = np.asarray(traffic, dtype=float)
    top = float(traffic.max(initial=0.0))
    if top / rule.max_occupancy + 1 > TABLE_AGENTS:
        distinct, where = np.unique(traffic, return_inverse=True)
        needed = [agents_needed(a, rule.aht_s, rule.target_s, rule.goal, rule.max_occupancy) for a in distinct]
        return np.asarray(needed, dtype=int)[where].reshape(traffic.shape)
    n = 2  # powers of two, so that tables are shared between calls; the occupancy ceiling bounds from below
    while n < top / rule.max_occupancy + 1:
        n *= 2
    while (served := _served(rule.aht_s, rule.target_s, rule.goal, rule.max_occupancy, n))[-1] < top:
        n *= 2
    return np.where(traffic > 0, np.searchsorted(np.asarray(served), traffic, side="left") + 1, 0)


def open_hours_of_week(channel: Channel) -> np.ndarray:
    """168 flags, hour 0 = Monday 00:00 local: the channel open in that hour (its daily open_hours)."""
    start, end = channel.open_hours
    hour = np.arange(HOURS_PER_WEEK) % 24
    return (hour >= start) & (hour < end)


def channel_rules(plan: Plan, handling_minutes: Mapping[str, float] | None = None,
                  goal_pct: float | None = None, max_occupancy_pct: float | None = None) -> dict[str, ChannelStaffing]:
    """Each channel's staffing rule: its handling time, its first-response target as the answer
    time, the service-level goal and the occupancy ceiling (plan.staffing unless given)."""
    s = plan.staffing
    goal = (s.service_level_goal_pct if goal_pct is None else goal_pct) / 100
    occupancy = (s.max_occupancy_pct if max_occupancy_pct is None else max_occupancy_pct) / 100
    minutes = dict(s.handling_minutes) | dict(handling_minutes or {})
    return {c.name: ChannelStaffing(minutes[c.name] * 60, c.first_response_seconds, goal, occupancy)
            for c in plan.channels}


def interval_agents(arrivals: Mapping[str, np.ndarray], rules: Mapping[str, ChannelStaffing],
                    is_open: Mapping[str, np.ndarray]) -> tuple[dict[str, np.ndarray], np.ndarray]:
    """Agents in each hour of week, per channel and in all, from contacts per hour of week (their
    sums are agent-hours a week).

    Definition: in each hour each channel gets the Erlang C agents its own arrivals need against
    its first-response target (agents_for: a quiet hour needs none); contacts that arrive while a
    channel is closed are still answered (the phone's critical hotline is 24/7) and staffed the
    same way. All channels together: the sum of the channels' agents in each hour, and at least one
    agent in every hour some channel is open (someone answers an open line with no queue).
    Input: per channel, arrivals (contacts per hour, one per hour of week) and is_open flags.
    """
    agents = {c: agents_for(arrivals[c] * rules[c].aht_s / 3600.0, rules[c]) for c in arrivals}
    pooled = np.sum(list(agents.values()), axis=0)
    return agents, np.maximum(pooled, np.any([is_open[c] for c in arrivals], axis=0))


def weekly_profile(hours: pd.DataFrame, days: float, channels: tuple[str, ...]) -> dict[str, np.ndarray]:
    """Contacts per hour of an average week, per channel: each channel's tickets in each hour of week
    over the period's weeks (`days` / 7). Input: ticket_hour_of_week.sql rows (channel,
    hour_of_week 0 = Monday 00:00 local, n_tickets). A channel without tickets gets zeros."""
    counts = hours.groupby(["channel", "hour_of_week"])["n_tickets"].sum()
    return {c: counts.get(c, pd.Series(dtype=float)).reindex(range(HOURS_PER_WEEK), fill_value=0)
            .to_numpy(dtype=float) / (days / 7.0) for c in channels}


def measured_week(con: Any, plan: Plan, today: date) -> tuple[dict[str, np.ndarray], Period]:
    """The contacts per hour of an average week of the scenario's base window (data.baseline.
    base_window), per channel (weekly_profile), and that window."""
    from data.baseline import base_window, ticket_hours

    window = base_window(con, today)
    return weekly_profile(ticket_hours(con, plan.timezone, window), window.days, CHANNELS), window


def fte_by_channel(profile: Mapping[str, np.ndarray], plan: Plan, handling_minutes: Mapping[str, float] | None = None,
                   goal_pct: float | None = None, max_occupancy_pct: float | None = None,
                   shrinkage_pct: float | None = None) -> pd.DataFrame:
    """Staff for the measured hour-of-week profile (weekly_profile), channel by channel and in all.

    Definition: agent-hours a week by interval_agents (per-interval Erlang C against each
    channel's first-response target, the plan's service-level goal and occupancy ceiling, the
    channels' opening hours), and the FTE that implies with the plan's shrinkage:
    agent-hours / (hours_per_fte_week x (1 - shrinkage)). The staffing values are plan.staffing's
    unless given.
    Output: one row per channel, then "total": channel, contacts_per_week, busiest_hour_contacts,
    peak_agents, open_hours_per_week, agent_hours_per_week, fte.
    """
    s = plan.staffing
    rules = channel_rules(plan, handling_minutes, goal_pct, max_occupancy_pct)
    is_open = {c.name: open_hours_of_week(c) for c in plan.channels}
    per, pooled = interval_agents(profile, rules, is_open)
    shrink = (s.shrinkage_pct if shrinkage_pct is None else shrinkage_pct) / 100

    def row(name: str, contacts: np.ndarray, agents: np.ndarray, is_open_: np.ndarray) -> dict:
        return {"channel": name, "contacts_per_week": float(contacts.sum()),
                "busiest_hour_contacts": float(contacts.max(initial=0.0)), "peak_agents": int(agents.max(initial=0)),
                "open_hours_per_week": int(is_open_.sum()), "agent_hours_per_week": float(agents.sum()),
                "fte": fte_needed(float(agents.sum()), shrink, s.hours_per_fte_week)}

    rows = [row(c, profile[c], per[c], is_open[c]) for c in profile]
    rows.append(row("total", np.sum(list(profile.values()), axis=0), pooled,
                    np.any([is_open[c] for c in profile], axis=0)))
    return pd.DataFrame(rows)


def busiest_hour(profile: Mapping[str, np.ndarray]) -> tuple[int, float]:
    """The hour of week (0 = Monday 00:00 local) with the most contacts of all channels together in a
    weekly_profile, and that many contacts; the earliest such hour on a tie, (0, 0.0) without any."""
    total = np.sum([np.asarray(v, dtype=float) for v in profile.values()], axis=0) if profile else np.zeros(1)
    hour = int(np.argmax(total))
    return hour, float(total[hour])


# --- the command line -----------------------------------------------------------------------

def main(argv: list[str] | None = None) -> int:
    """python -m models.staffing --db PATH [--plan FILE] [--json]: fte_by_channel for the measured
    week of the scenario's base window (the last full months), with the plan's staffing settings."""
    from analytics.scorecard import CommandError, open_command
    from core.period import today_in

    p = argparse.ArgumentParser(prog="python -m models.staffing",
                                description="FTE by channel from the measured hour-of-week profile (Erlang C).")
    p.add_argument("--db", required=True, help="DuckDB warehouse file")
    p.add_argument("--plan", help="plan file (default: $OPSPLAN_PLAN, else plan.toml)")
    p.add_argument("--json", action="store_true", help="print the table as JSON")
    p.set_defaults(start=None, end=None)  # open_command's period; the week is the base window's
    args = p.parse_args(argv)
    try:
        plan, con, _, _ = open_command(args)
    except CommandError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    try:
        week, window = measured_week(con, plan, today_in(plan.timezone))
    finally:
        con.close()
    table = fte_by_channel(week, plan)
    if args.json:
        print(json.dumps({"window": {"start": str(window.start), "end": str(window.end)},
                          "channels": table.to_dict(orient="records")}, indent=2))
    else:
        print(f"Measured week over {window.label()}:")
        print(table.to_string(index=False, float_format=lambda v: f"{v:,.2f}"))
    return 0


if __name__ == "__main__":
    sys.exit(main())
