"""benchmarks/load.py against a real app: two browser-free sessions (and, with Chromium, one import
through the Data page at the same time) finish every render with no error. No timing is asserted."""
from __future__ import annotations

from pathlib import Path

import pytest

from benchmarks import load


@pytest.fixture(scope="module")
def app(demo_db: Path, tmp_path_factory: pytest.TempPathFactory):
    with load.started_app(tmp_path_factory.mktemp("load"), source=demo_db) as (url, pid):
        yield url, pid


def test_two_sessions_and_an_import_without_errors(app):
    """Overview, two pages and a filter change in each of 2 sessions: zero errors, memory measured."""
    url, pid = app
    result = load.run_load(url, pid, 2, with_import=load.import_status() is None, ramp=0.5, time_limit=400)
    assert result.errors == [], "\n".join(result.errors)
    assert len(result.renders) == 8  # overview, two pages, the filter change: per session
    assert {r.step for r in result.renders} >= {"overview", "filter"}
    assert result.rss_peak and result.rss_peak > 0
    assert "Load: 2 sessions" in load.report(result)


def test_refuses_anything_but_loopback():
    """The benchmark never targets an address off this machine, nor more than MAX_SESSIONS sessions."""
    with pytest.raises(SystemExit):
        load.run_load("http://10.0.0.1:8501", None, 2)
    with pytest.raises(SystemExit):
        load.run_load("http://127.0.0.1:1", None, load.MAX_SESSIONS + 1)
