"""The Capacity page through the app's page script with AppTest on a private demo warehouse: history, forecast and
thresholds, crossings, the monthly plan, the headroom of all services and the backtest; a growth
slider moves the scale-up crossing without refitting a single forecast."""
from __future__ import annotations

import time
from pathlib import Path

import pandas as pd
import pytest
from streamlit.testing.v1 import AppTest

from ui import capacity, forecasting, state
from tests.conftest import chart, open_page

GROWTH = state.CAP_KEY + "user_growth_pct_per_quarter"


@pytest.fixture
def app(app_db: Path, monkeypatch: pytest.MonkeyPatch) -> AppTest:
    return open_page(app_db, monkeypatch, "capacity.py")


def metric(at: AppTest, start: str) -> str:
    return next(m.value for m in at.metric if m.label.startswith(start))


def crossing(at: AppTest) -> pd.Timestamp:
    """The tile's scale-up date; none within the horizon counts as never (the far future)."""
    value = metric(at, "Mean reaches 80 %")
    return pd.Timestamp.max if value == "—" else pd.Timestamp(value)


def test_page_shows_forecast_thresholds_plan_and_headroom(app: AppTest, plan):
    """Sliders seeded from plan.toml; the chart draws the 30/70/80/100 % lines; the crossing table,
    monthly plan, the headroom of all ten services and the backtest scores are on the page."""
    assert app.title[0].value == "Capacity: when do we run out?"
    assert app.selectbox(key="cap_service").value == "api"
    assert app.selectbox(key="cap_resource").value == "cpu_pct"
    cap = plan.capacity
    assert [app.slider(key=state.CAP_KEY + n).value for n in capacity.CAP_SLIDERS] == [
        cap.user_growth_pct_per_quarter, cap.peak_traffic_growth_pct, cap.data_growth_pct_per_month,
        cap.feature_complexity_pct]
    fig = chart(app, "cap_chart")
    lines = sorted(s["y0"] for s in fig["layout"]["shapes"] if s.get("y0") == s.get("y1") and s.get("type") == "line")
    assert lines == [30.0, 70.0, 80.0, 100.0]
    names = {t.get("name") for t in fig["data"]}
    assert {"measured (daily busy hours)", "statistical trend only", "forecast with scenario growth",
            "80 % interval (scenario)"} <= names
    assert fig["layout"]["yaxis"]["title"]["text"].startswith("CPU")
    crossings = app.table[0].value
    assert list(crossings.index) == ["monitor 70 %", "scale up 80 %", "full 100 %"]
    monthly, headroom = app.dataframe[0].value, app.dataframe[1].value
    assert {"instances_needed", "scale_down", "peak_upper_pct"} <= set(monthly.columns)
    days = [int(d.replace(",", "")) for d in headroom["days_to_scale_up"] if d[0].isdigit()]
    assert len(headroom) == 10 and days == sorted(days)
    assert {"MASE", "sMAPE", "Interval coverage"} <= {m.label for m in app.metric}
    assert any("held-out" in c.value for c in app.caption)


def test_more_growth_brings_the_crossing_earlier_without_refitting(app: AppTest, monkeypatch: pytest.MonkeyPatch):
    """From the trend alone over 12 months, raising user growth to 40 % a quarter brings the 80 %
    crossing earlier; the slider reruns on cached fits (no forecast refitted) and in under a second."""
    app.button(key="cap_trend").click().run()
    app.segmented_control(key="cap_months").set_value(12).run()
    assert app.slider(key=GROWTH).value == 0.0
    before = crossing(app)
    calls = []
    model = forecasting.forecast_model()  # models.forecast, imported on first use
    real = model.forecast
    monkeypatch.setattr(model, "forecast", lambda *a, **k: calls.append(1) or real(*a, **k))
    started = time.perf_counter()
    app.slider(key=GROWTH).set_value(40.0).run()
    elapsed = time.perf_counter() - started
    assert not app.exception, app.exception
    after = crossing(app)
    assert after < before
    assert app.table[0].value.loc["scale up 80 %", "forecast mean reaches it"] == f"{after:%d %b %Y}"
    assert calls == []  # the scenario is applied to cached fits
    assert elapsed < 1.0, f"a slider rerun took {elapsed:.2f} s"


def test_data_volume_shows_storage(app: AppTest):
    """Data volume is in GB: no percent lines, a storage-to-provision line and a storage plan."""
    app.selectbox(key="cap_resource").set_value("data_gb").run()
    assert not app.exception, app.exception
    fig = chart(app, "cap_chart")
    assert "storage to provision" in {t.get("name") for t in fig["data"]}
    assert "storage_needed" in app.dataframe[0].value.columns
    assert metric(app, "Storage to provision")


def test_growth_goes_to_scenarios_and_comes_back(app: AppTest):
    """One scenario across both pages: 'Cost it in Scenarios' opens Scenarios with the four growth
    sliders in its drivers of the same names (with a note saying where they came from); 'See this
    growth on Capacity' sends the drivers back, a shrinking one included (the slider widens below
    0 and keeps those bounds when moved: new bounds would reset it to its minimum); and the sliders
    stay as left when the user comes back from another page."""
    pages = Path(__file__).resolve().parents[1] / "pages"
    app.slider(key=GROWTH).set_value(120.0).run()
    app.slider(key=state.CAP_KEY + "data_growth_pct_per_month").set_value(7.0).run()
    app.button(key="cap_to_scenarios").click().run()
    assert not app.exception, app.exception
    assert app.title[0].value.startswith("Scenarios")
    drivers = {n: app.session_state[state.SC_PREFIX + n] for n in capacity.CAP_SLIDERS}
    assert drivers["user_growth_pct_per_quarter"] == 120.0 and drivers["data_growth_pct_per_month"] == 7.0
    assert any("From the Capacity page" in i.value and "120.0" in i.value for i in app.info)
    app.switch_page(str(pages / "scenarios.py")).run()  # AppTest reruns its own page, not the one switched to
    assert app.session_state[state.SC_PREFIX + "user_growth_pct_per_quarter"] == 120.0
    app.number_input(key=state.SC_PREFIX + "data_growth_pct_per_month").set_value(-5.0).run()
    app.button(key="sc_to_capacity").click().run()
    assert not app.exception, app.exception
    assert app.title[0].value.startswith("Capacity")
    assert app.slider(key=GROWTH).value == 120.0
    data = app.slider(key=state.CAP_KEY + "data_growth_pct_per_month")
    assert data.value == -5.0 and data.min == -5.0
    app.switch_page(str(pages / "capacity.py")).run()
    app.slider(key=state.CAP_KEY + "data_growth_pct_per_month").set_value(3.0).run()
    data = app.slider(key=state.CAP_KEY + "data_growth_pct_per_month")  # moved: its bounds stay (new bounds reset it)
    assert (data.value, data.min) == (3.0, -5.0)
    assert app.session_state[state.CAP_WORKING]["data_growth_pct_per_month"] == 3.0  # what the forecast uses
    app.switch_page(str(pages / "overview.py")).run()
    app.switch_page(str(pages / "capacity.py")).run()
    assert not app.exception, app.exception
    assert app.slider(key=GROWTH).value == 120.0 and app.slider(key=state.CAP_KEY + "data_growth_pct_per_month").value == 3.0


def test_forecast_skill_is_said_in_words(app: AppTest):
    """Beside the backtest scores, the forecast's skill against repeating the last season, in a planner's words
    (the ratio itself is models.forecast.skill's, tested by hand in test_forecast.py)."""
    import re

    said = [m.value for m in app.markdown if "repeating" in m.value]
    assert said and re.fullmatch(r"\*\*(\d+ % (better|worse) than|As good as|Not yet measured against) repeating "
                                 r"(yesterday|last week|last year)\*\*", said[0], flags=re.I), said
