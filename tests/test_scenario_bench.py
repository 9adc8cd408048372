"""Scenario benchmark smoke test: both paths agree and every row is timed (no timing assertions)."""
from __future__ import annotations

import importlib.util
from pathlib import Path

import pytest

SCRIPT = Path(__file__).resolve().parent.parent / "benchmarks" / "scenario.py"
pytestmark = pytest.mark.slow  # runs the benchmark


def test_scenario_benchmark_times_every_operation():
    """A short run: tornado, Monte Carlo and goal seek timed; the frame path only where it exists."""
    spec = importlib.util.spec_from_file_location("scenario_bench", SCRIPT)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    table = module.measure(repeat=1, runs=[20])
    assert list(table.index) == ["evaluate (the page's frame)", "one scenario's totals",
                                 "tornado, every driver down and up 10 %", "Monte Carlo, 20 runs",
                                 "goal seek: users and FTE for the target"]
    assert (table["app_s"] > 0).all()
    assert table["frames/app"].notna().sum() == 3
