"""charts.preload: the browser loads plotly.js while the first page is read."""
from __future__ import annotations

import re
from pathlib import Path

import pytest

from tests.conftest import open_page, plotly_charts
from ui import charts

STATIC = Path(__file__).resolve().parent.parent / "shell" / "static"


def test_the_chart_script_loads_the_build_the_app_serves():
    """The component's script names the file shell/static serves (the app's static folder, beside
    the page script), and that file is the build of scripts/build_plotly.sh with charts.TRACES."""
    script = charts._js()
    bundle = script.split('const BUNDLE = "app/static/', 1)[1].split('"', 1)[0]
    head = (STATIC / bundle).read_text(encoding="utf-8")[:200]
    assert "plotly.js v4.1.1" in head and "built by opsplan's scripts/build_plotly.sh" in head
    build = (STATIC.parent.parent / "scripts" / "build_plotly.sh").read_text()
    assert {f"plotly.js/lib/{trace}" for trace in charts.TRACES - {"scatter"}} <= set(re.findall(r"plotly\.js/lib/\w+", build))


def preloads(at) -> list:
    return [e for e in at.get("bidi_component") if e.proto.component_name == f"{charts.COMPONENT}_preload"]


def test_the_overview_carries_the_hint_and_a_chart_page_does_not(app_db: Path, monkeypatch: pytest.MonkeyPatch):
    at = open_page(app_db, monkeypatch, "overview.py")
    assert len(preloads(at)) == 1 and not plotly_charts(at)
    at = open_page(app_db, monkeypatch, "reliability.py")
    assert not preloads(at) and plotly_charts(at)
