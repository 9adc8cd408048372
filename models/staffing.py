"""Staffing with Erlang C: agents per hour for a service-level goal, and the FTE to hire.

Traffic A (Erlangs) = arrivals per hour x average handling time (hours). With N agents,
the probability that a contact waits is Erlang C(N, A); the service level is the share
answered within the target time T: 1 - C(N, A) exp(-(N - A) T / AHT); the average speed of
answer is C(N, A) AHT / (N - A). Erlang C is computed from the Erlang B recursion, which is
numerically stable where factorials would overflow.
"""
from __future__ import annotations

import math
from dataclasses import dataclass

import pandas as pd

HOURS_PER_WEEK = 168


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
