"""The Support page, run headless through app.py with AppTest on the demo warehouse.

The from_string wrapper runs app.py the way the served app does (see tests/test_overview.py for
why AppTest.from_file("app.py") is not used); switch_page then opens this page.
"""
from __future__ import annotations

from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

import ui
from tests.conftest import app_test
from analytics.plan import Plan

ROOT = Path(__file__).resolve().parent.parent
APP = str(ROOT / "app.py")
PAGE = str(ROOT / "pages" / "support.py")
LINK = {"start": "2026-08-01", "end": "2026-11-01"}  # three full months inside the demo data


@pytest.fixture
def app(app_db: Path, monkeypatch: pytest.MonkeyPatch) -> AppTest:
    at = app_test(app_db, monkeypatch, timeout=90)
    at.query_params.update(LINK)
    at.run()
    at.switch_page(PAGE).run()
    assert not at.exception, at.exception
    return at


def texts(at: AppTest) -> str:
    return "\n".join([m.value for m in at.markdown] + [c.value for c in at.caption])


def chart(at: AppTest, key: str) -> dict:
    """The plotly figure (as JSON) of the chart with this key."""
    import json

    found = [c for c in at.get("plotly_chart") if c.proto.id.endswith(key) or key in c.proto.id]
    assert found, f"no chart {key}"
    return json.loads(found[0].proto.spec)


def tile(at: AppTest, label: str) -> str:
    return next(m.value for m in at.metric if m.label == label)


def test_support_page_shows_kpis_grids_and_volume(app: AppTest, plan: Plan):
    """Four support tiles; the channel grid has first response and resolution for the plan's three
    channels, labelled with their targets; the hour-of-week grid is 7 days by 24 hours."""
    assert app.title[0].value == "Support"
    assert "01 Aug 2026 to 31 Oct 2026" in texts(app)
    labels = [m.label for m in app.metric]
    assert labels == [plan.kpi(k).label for k in ("csat", "first_response_hours", "fcr_pct", "kb_self_service_pct")]
    rows = chart(app, "channel_grid")["data"][0]["y"]
    assert len(rows) == 2 * len(plan.channels)
    assert "first response · Live chat: 2 min" in rows and "resolution · Email: 24 h" in rows
    assert "resolution · Phone: no target" in rows
    week = chart(app, "hour_of_week")["data"][0]
    assert len(week["y"]) == 7 and len(week["x"]) == 24
    csat = chart(app, "csat_trend")
    assert any(a["text"].startswith("target 4.5") for a in csat["layout"]["annotations"])
    assert csat["data"][0]["error_y"]["array"], "the CSAT chart has its interval"
    assert "responses (95 % interval" in texts(app)
    assert len(app.get("download_button")) >= 5


def test_channel_filter_narrows_tickets_and_kpis(app: AppTest):
    """Choosing email: the subtitle says so, the grid keeps email's two rows, FCR is email's own."""
    before = tile(app, "First-contact resolution")
    app.multiselect(key=ui.CHANNELS_KEY).select("email").run()
    assert not app.exception
    assert "channel: email" in texts(app)
    assert chart(app, "channel_grid")["data"][0]["y"] == ["first response · Email: 4 h", "resolution · Email: 24 h"]
    assert tile(app, "First-contact resolution") != before
    assert [t["name"] for t in chart(app, "volume_bars")["data"]] == ["Email"]
