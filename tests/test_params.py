"""The plan as bound SQL parameters (data/params.py), checked against plan.toml by hand."""
from __future__ import annotations

from core.plan import Plan
from data.params import channel_sla_params, threshold_params


def test_channel_sla_params_come_from_the_plan(plan: Plan):
    """The bound lists line up with plan.channels."""
    params = channel_sla_params(plan)
    assert params["channels"] == ["live_chat", "email", "phone"]
    assert params["response_seconds"] == [120, 14400, 60] and params["simple_only"] == [True, False, False]


def test_threshold_params_are_the_hourly_sampled_thresholds(plan: Plan):
    """plan.toml's infrastructure (4), application (4 less active_users, a daily business figure) and
    database (4) thresholds: 11 metrics; business and security thresholds are not sampled hourly."""
    params = threshold_params(plan)
    assert params["metrics"] == ["cpu_pct", "memory_pct", "disk_pct", "network_latency_ms", "response_time_ms",
                                 "error_rate_pct", "requests_per_s", "query_time_ms", "connection_pool_pct",
                                 "deadlocks_per_hour", "replication_lag_s"]
    assert params["ops"] == [">"] * 11
    assert params["limits"] == [80.0, 85.0, 90.0, 100.0, 2000.0, 1.0, 500.0, 500.0, 80.0, 5.0, 30.0]
    assert params["suppress"] is True
