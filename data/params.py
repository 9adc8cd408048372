"""The plan as bound parameters of data/sql/ queries: which of its rules a query counts against.

These live beside the SQL they feed (not in analytics/) so that data/ never asks a layer above
it for its own queries' parameters.
"""
from __future__ import annotations

from core.plan import Plan, Threshold

SAMPLED_GROUPS = ("infrastructure", "application", "database")  # metrics sampled per service-hour


def sampled_thresholds(plan: Plan) -> list[Threshold]:
    """The thresholds checked on hourly samples (active users is a daily business figure)."""
    return [t for t in plan.thresholds if t.group in SAMPLED_GROUPS and t.metric != "active_users"]


def threshold_params(plan: Plan) -> dict[str, list]:
    """Bound parameters for threshold_hours_monthly.sql."""
    limits = sampled_thresholds(plan)
    return {"metrics": [t.metric for t in limits], "ops": [t.op for t in limits],
            "limits": [t.value for t in limits],
            "suppress": bool(plan.section("alerting")["suppress_during_maintenance"])}


def channel_sla_params(plan: Plan) -> dict[str, list]:
    """Bound parameters for channel_sla_daily.sql: each channel's targets, from the plan."""
    cs = plan.channels
    return {"channels": [c.name for c in cs], "response_seconds": [c.first_response_seconds for c in cs],
            "resolution_minutes": [c.resolution_minutes for c in cs],
            "simple_only": [c.resolution_simple_only for c in cs]}
