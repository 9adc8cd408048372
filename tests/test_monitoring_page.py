"""The Monitoring page, run headless through the app's page script with AppTest on the demo warehouse.

switch_page opens this page after the Overview's first run, as a click in the navigation does.
"""
from __future__ import annotations

from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from ui import state
from core.plan import Plan
from tests.conftest import chart, open_page, tile


@pytest.fixture
def app(app_db: Path, monkeypatch: pytest.MonkeyPatch) -> AppTest:
    return open_page(app_db, monkeypatch, "monitoring.py")


def test_monitoring_page_shows_thresholds_suppression_and_alerts(app: AppTest, plan: Plan):
    """The threshold grid has a row for each sampled threshold of the plan and a column per service;
    the page says alert suppression applies and how many hours it suppressed; alerts have dates."""
    from data.params import sampled_thresholds

    assert app.title[0].value == "Monitoring"
    grid = chart(app, "threshold_grid")["data"][0]
    assert len(grid["y"]) == len(sampled_thresholds(plan)) and len(grid["x"]) == 10
    assert "cpu_pct > 80 % (warning)" in grid["y"]
    info = app.info[0].value
    assert "Alert suppression applies" in info and "within 5 minutes" in info and "maintenance" in info
    assert "service-hours beyond a threshold fell inside a maintenance window" in info
    alerts = next(d.value for d in app.dataframe if "alert" in d.value.columns)
    assert len(alerts) > 0 and {"day", "alert", "level", "value", "threshold"} <= set(alerts.columns)
    assert len(app.get("download_button")) == 3  # breaches now, threshold hours, business alerts


def test_the_headline_counts_warning_and_critical_and_keeps_info_apart(app: AppTest):
    """The cards sum the hours of the warning and critical rows of the page's own table; the info
    rows are said apart; the thresholds broken now are listed with their level and start."""
    hours = next(d.value for d in app.dataframe if "hours_beyond" in d.value.columns)
    signal = hours.loc[hours["level"].isin(["warning", "critical"]), "hours_beyond"].sum()
    info = hours.loc[hours["level"] == "info", "hours_beyond"].sum()
    assert info > 0 and signal > 0
    assert tile(app, "Hours beyond") == f"{signal:,.0f} h"
    assert tile(app, "Thresholds breached").endswith("of 10")  # 11 sampled thresholds, 1 of them info
    assert any(f"Info level, apart: {info:,.0f} h" in c.value for c in app.caption)
    now = next(d.value for d in app.dataframe if "since" in d.value.columns)
    assert {"service_id", "metric", "level", "value", "threshold", "since", "hours"} <= set(now.columns)
    assert tile(app, "Broken now") == str(int(now["level"].isin(["warning", "critical"]).sum()))


def test_service_filter_and_threshold_choice(app: AppTest):
    """Choosing db-primary leaves one service column and fewer hours; another threshold redraws
    the month grid for it."""
    hours = tile(app, "Hours beyond")
    app.multiselect(key=state.SERVICES_KEY).select("db-primary").run()
    assert not app.exception
    assert chart(app, "threshold_grid")["data"][0]["x"] == ["db-primary"]
    assert tile(app, "Hours beyond") != hours
    options = app.selectbox(key="monitoring_threshold").options
    app.selectbox(key="monitoring_threshold").select(options[-1]).run()
    assert chart(app, "threshold_months")["layout"]["title"]["text"].startswith(f"Hours beyond {options[-1]}")
