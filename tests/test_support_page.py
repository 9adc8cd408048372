"""The Support page, run headless through the app's page script with AppTest on the demo warehouse.

switch_page opens this page after the Overview's first run, as a click in the navigation does.
"""
from __future__ import annotations

from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from ui import formatting, state
from core.plan import Plan
from tests.conftest import chart, open_page, open_section, panel_app, plotly_charts, texts, tile

TAB = "support_tab"  # pages/support.py's sections: only the open one is drawn


@pytest.fixture
def app(app_db: Path, monkeypatch: pytest.MonkeyPatch) -> AppTest:
    return open_page(app_db, monkeypatch, "support.py")


def test_support_page_shows_kpis_grids_and_volume(app: AppTest, plan: Plan):
    """Four support tiles; the channel grid has first response and resolution for the plan's three
    channels, labelled with their targets; the hour-of-week grid is 7 days by 24 hours."""
    assert app.title[0].value == "Support"
    assert "01 Aug 2026 to 31 Oct 2026" in texts(app)
    labels = [m.label for m in app.metric]
    assert labels == [formatting.tile_label(plan.kpi(k).label)[0]
                      for k in ("csat", "first_response_hours", "fcr_pct", "kb_self_service_pct")]
    assert [t.label for t in app.tabs] == ["Satisfaction", "Channel SLAs", "High-priority response",
                                           "Resolution and escalation", "Self-service", "Ticket volume"]
    csat = chart(app, "csat_trend")
    assert any(a["text"].startswith("target 4.5") for a in csat["layout"]["annotations"])
    assert csat["data"][0]["error_y"]["array"], "the CSAT chart has its interval"
    assert "responses (95 % interval" in texts(app)
    assert len(plotly_charts(app)) == 2  # the open section's two charts only
    open_section(app, TAB, "Channel SLAs")
    rows = chart(app, "channel_grid")["data"][0]["y"]
    assert len(rows) == 2 * len(plan.channels)
    assert "first response · Live chat: 2 min" in rows and "resolution · Email: 24 h" in rows
    assert "resolution · Phone: no target" in rows
    assert len(app.get("download_button")) == 2
    open_section(app, TAB, "Ticket volume")
    week = chart(app, "hour_of_week")["data"][0]
    assert len(week["y"]) == 7 and len(week["x"]) == 24
    assert len(app.get("download_button")) == 2
    for section, tables in (("High-priority response", 1), ("Resolution and escalation", 1), ("Self-service", 0)):
        open_section(app, TAB, section)
        assert len(app.get("download_button")) == tables, section
        assert plotly_charts(app), section


def test_channel_filter_narrows_tickets_and_kpis(app: AppTest):
    """Choosing email: the subtitle says so, the grid keeps email's two rows, FCR is email's own."""
    before = tile(app, "First-contact resolution")
    app.multiselect(key=state.CHANNELS_KEY).select("email").run()
    assert not app.exception
    assert "channel: email" in texts(app)
    open_section(app, TAB, "Channel SLAs")
    assert chart(app, "channel_grid")["data"][0]["y"] == ["first response · Email: 4 h", "resolution · Email: 24 h"]
    assert tile(app, "First-contact resolution") != before
    open_section(app, TAB, "Ticket volume")
    assert [t["name"] for t in chart(app, "volume_bars")["data"]] == ["Email"]


def test_a_month_clicked_on_the_fcr_trend_lists_its_tickets(app: AppTest, app_db: Path,
                                                            monkeypatch: pytest.MonkeyPatch, plan: Plan):
    """With no point clicked, a hint. The panel on the month a click gives, October 2026, with the
    email channel chosen: only email tickets, every one created in October in the plan's time zone."""
    import pandas as pd

    open_section(app, TAB, "Resolution and escalation")
    assert "Click a month's point on the first-contact resolution trend" in texts(app)

    def panel():
        from datetime import date

        from ui import support
        from ui.state import Filters

        support.month_tickets_panel(date(2026, 10, 1), Filters(channels=("email",)))

    at = panel_app(app_db, monkeypatch, panel)
    assert "Tickets created in October 2026" in texts(at)
    frame = at.dataframe[0].value
    assert len(frame) > 0 and set(frame["channel"]) == {"email"}
    created = pd.to_datetime(frame["created_at"])
    created = created.dt.tz_localize(plan.timezone) if created.dt.tz is None else created.dt.tz_convert(plan.timezone)
    assert set(created.dt.strftime("%Y-%m")) == {"2026-10"}
    assert len(at.get("download_button")) == 1
