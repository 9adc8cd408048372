"""Shared fixtures: demo warehouses built by the same generator the app uses."""
from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

from analytics.plan import Plan, load_plan

# A fixed "today" keeps generated data, and so every expected number, reproducible.
DEMO_TODAY = date(2026, 11, 26)
DEMO_SEED = 42


@pytest.fixture(scope="session")
def plan() -> Plan:
    return load_plan()


@pytest.fixture(scope="session")
def demo_db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A demo warehouse file (seed 42, ending November 2026), built once per test session."""
    from data.demo import build_demo_file

    path = tmp_path_factory.mktemp("demo") / "demo.duckdb"
    build_demo_file(path, seed=DEMO_SEED, today=DEMO_TODAY)
    return path
