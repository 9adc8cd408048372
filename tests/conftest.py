"""Shared fixtures: demo warehouses built by the same generator the app uses."""
from __future__ import annotations

import os
from datetime import date
from pathlib import Path

import pytest

from core.period import TODAY_ENV
from core.plan import Plan, load_plan

# A fixed "today" keeps generated data, and so every expected number, reproducible.
DEMO_TODAY = date(2026, 11, 26)
DEMO_SEED = 42

# The app, every command and every server a test starts read "today" from here (core.period.
# today_in), so no result depends on the day the suite runs. Set at import, before any test or
# subprocess; a test that needs another day sets it with monkeypatch.
os.environ[TODAY_ENV] = DEMO_TODAY.isoformat()


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
    """The app's page script (shell/main.py: sign-in gate, navigation, sidebar, then the page)
    under AppTest, as the served app runs it."""
    import streamlit as st
    from streamlit.testing.v1 import AppTest

    monkeypatch.setenv("OPSPLAN_DB", str(db))
    monkeypatch.delenv("OPSPLAN_PLAN", raising=False)
    st.cache_data.clear()
    st.cache_resource.clear()
    return AppTest.from_file(str(Path(__file__).resolve().parent.parent / "shell" / "main.py"),
                             default_timeout=timeout)


# A fixed period inside the demo data (seed 42, ending November 2026), whatever today is.
DEMO_LINK = {"start": "2026-08-01", "end": "2026-11-01"}


def open_page(db: Path, monkeypatch: pytest.MonkeyPatch, page: str, link: dict[str, str] = DEMO_LINK):
    """The app under AppTest on `link`'s period, switched to pages/<page>; fails on any exception."""
    at = app_test(db, monkeypatch)
    at.query_params.update(link)
    at.run()
    at.switch_page(str(Path(__file__).resolve().parent.parent / "pages" / page)).run()
    assert not at.exception, at.exception
    return at


def texts(at) -> str:
    """All markdown and captions of an AppTest run, as one text."""
    return "\n".join([m.value for m in at.markdown] + [c.value for c in at.caption])


def chart(at, key: str) -> dict:
    """The plotly figure (as JSON) of the chart with this key."""
    import json

    found = [c for c in at.get("plotly_chart") if c.proto.id.endswith(key) or key in c.proto.id]
    assert found, f"no chart {key}"
    return json.loads(found[0].proto.spec)


def tile(at, label: str) -> str:
    """The value shown by the metric with this label."""
    return next(m.value for m in at.metric if m.label == label)
