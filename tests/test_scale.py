"""Scale benchmark smoke test: build and measure a tiny warehouse (no timing assertions)."""
from __future__ import annotations

import importlib.util
from pathlib import Path

import pytest

SCRIPT = Path(__file__).resolve().parent.parent / "benchmarks" / "scale.py"
pytestmark = pytest.mark.slow  # builds and measures a warehouse


@pytest.fixture(scope="module")
def scale():
    spec = importlib.util.spec_from_file_location("scale_bench", SCRIPT)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_build_and_measure_tiny_warehouse(scale, tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    """20k samples build with the real schema and rollups; every page's loader, floor and pandas run once."""
    monkeypatch.setenv("OPSPLAN_DB", str(tmp_path / "scale.duckdb"))
    info = scale.build(tmp_path / "scale.duckdb", 20_000, log=lambda _: None)
    assert info["samples"] == 18_000 and info["tickets"] > 0  # 100 hosts x 3 whole hours of minutes
    assert info["hourly"] == 10 * 3  # 10 services x 3 hours
    table = scale.measure(tmp_path / "scale.duckdb", repeat=1, pandas_max=10**9, log=lambda _: None)
    assert {"scorecard", "overview", "monitoring", "support", "scenarios", "capacity", "growth"} <= set(table.index)
    assert table.drop(index=["samples scan", "tickets scan"])[["cold_s", "warm_s"]].notna().all().all()
    assert table.drop(index=["scorecard", "samples scan", "tickets scan"])["cached_s"].notna().all()
    assert table.loc[["monitoring", "support", "samples scan", "tickets scan"], "floor_s"].notna().all()
    assert table.loc[["scorecard", "monitoring"], "pandas_s"].notna().all()
