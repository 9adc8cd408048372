"""ui/preload.py: the browser imports Streamlit's Plotly module while the first page is read."""
from __future__ import annotations

from pathlib import Path

import pytest
import streamlit as st

from tests.conftest import open_page
from ui import preload


def test_the_pinned_streamlit_has_the_plotly_chunk():
    """The hint reads the chunk's name from the installed build: an upgrade that renames it fails here
    instead of silently dropping the hint."""
    chunk = preload.plotly_chunk()
    assert chunk and chunk.startswith("static/js/PlotlyChart.") and chunk.endswith(".js")
    assert (Path(st.__file__).parent / "static" / chunk).is_file()


def test_the_overview_carries_the_hint_and_a_chart_page_does_not(app_db: Path, monkeypatch: pytest.MonkeyPatch):
    at = open_page(app_db, monkeypatch, "overview.py")
    hints = [h for h in at.get("html") if "PlotlyChart." in h.proto.body]
    assert len(hints) == 1 and f'import("./{preload.plotly_chunk()}")' in hints[0].proto.body
    at = open_page(app_db, monkeypatch, "reliability.py")
    assert not [h for h in at.get("html") if "PlotlyChart." in h.proto.body]
