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


@pytest.fixture(scope="module")
def app_db(demo_db: Path, tmp_path_factory: pytest.TempPathFactory, request: pytest.FixtureRequest) -> Path:
    """A private copy per test module: the app's cached read-write connection must not meet
    other tests' read-only ones."""
    import shutil

    path = tmp_path_factory.mktemp(request.module.__name__.rsplit(".", 1)[-1]) / "demo.duckdb"
    shutil.copyfile(demo_db, path)
    return path


def app_test(db: Path, monkeypatch: pytest.MonkeyPatch, timeout: float = 90):
    """app.py under AppTest, through a one-line runner elsewhere: with a pages/ folder beside
    app.py, AppTest.from_file("app.py") reruns the page alone after the first run (streamlit
    1.67), skipping app.py and its sidebar; the runner sees no pages/ folder."""
    import streamlit as st
    from streamlit.testing.v1 import AppTest

    monkeypatch.setenv("OPSPLAN_DB", str(db))
    monkeypatch.delenv("OPSPLAN_PLAN", raising=False)
    st.cache_data.clear()
    st.cache_resource.clear()
    app = Path(__file__).resolve().parent.parent / "app.py"
    return AppTest.from_string(f"import runpy\nrunpy.run_path({str(app)!r}, run_name='__main__')\n",
                               default_timeout=timeout)
