"""The Capacity page through the app's page script with AppTest on a private demo warehouse: history, the measured
forecast (the default) and the plan's assumptions beside it, thresholds, crossings, the monthly plan, the headroom
of all services and the backtest; a growth slider moves the scenario's scale-up crossing, not the measured one,
without refitting a single forecast."""
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


def day(value: str) -> pd.Timestamp:
    """A crossing date as the page writes it; none within the horizon counts as never (the far future)."""
    return pd.Timestamp.max if value == "—" or value.startswith("not within") else pd.Timestamp(value)


def crossings(at: AppTest) -> tuple[pd.Timestamp, pd.Timestamp]:
    """The headline tile's scale-up dates: the measured forecast's (its value) and the scenario's
    (its delta, '<scenario name>: <date>' after any 'not by ... · ')."""
    tile = next(m for m in at.metric if m.label == "Reaches 80 % (measured)")
    return day(tile.value), day(tile.proto.delta.split(" · ")[-1].split(": ", 1)[1])


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
    assert {"measured (daily busy hours)", "measured forecast", "80 % interval (measured forecast)",
            "Plan's assumptions"} <= names
    assert fig["layout"]["yaxis"]["title"]["text"].startswith("CPU")
    crossings = app.table[0].value
    assert list(crossings.index) == ["monitor 70 %", "scale up 80 %", "full 100 %"]
    monthly, headroom = app.dataframe[0].value, app.dataframe[1].value
    assert {"instances_needed", "scale_down", "peak_upper_pct"} <= set(monthly.columns)
    days = [int(d.replace(",", "")) for d in headroom["days_to_scale_up"] if d[0].isdigit()]
    assert len(headroom) == 10 and days == sorted(days)  # ranked by the measured forecast
    assert {"scale_up_at", "upper_at", "plan_at"} <= set(headroom.columns)
    # the plan's growth only adds to the measured forecast, so its crossing is never later
    assert all(day(p) <= day(m) for p, m in zip(headroom["plan_at"], headroom["scale_up_at"]))
    assert {"MASE", "sMAPE", "Interval coverage"} <= {m.label for m in app.metric}
    assert any("held-out" in c.value for c in app.caption)


def test_more_growth_moves_the_scenario_not_the_measured_crossing(app: AppTest, monkeypatch: pytest.MonkeyPatch):
    """Over 12 months with every slider at 0 the scenario is the measured forecast times 1, so both cross
    80 % on the same day and the scenario is named 'Edited assumptions'. Raising user growth to 40 % a
    quarter multiplies the scenario by 1.4^(months/3) >= 1 and brings its crossing earlier; the headline
    (measured) date stays where it was, and the crossing table says both. The slider reruns on cached
    fits (no forecast refitted) and in under a second."""
    app.button(key="cap_trend").click().run()
    app.segmented_control(key="cap_months").set_value(12).run()
    assert app.slider(key=GROWTH).value == 0.0
    measured, scenario = crossings(app)
    assert scenario == measured
    calls = []
    model = forecasting.forecast_model()  # models.forecast, imported on first use
    real = model.forecast
    monkeypatch.setattr(model, "forecast", lambda *a, **k: calls.append(1) or real(*a, **k))
    started = time.perf_counter()
    app.slider(key=GROWTH).set_value(40.0).run()
    elapsed = time.perf_counter() - started
    assert not app.exception, app.exception
    measured_after, scenario_after = crossings(app)
    assert measured_after == measured and scenario_after < scenario
    table = app.table[0].value
    assert day(table.loc["scale up 80 %", "measured forecast reaches it"]) == measured
    assert table.loc["scale up 80 %", "Edited assumptions reach it"] == f"{scenario_after:%d %b %Y}"
    assert calls == []  # the scenario is applied to cached fits
    assert elapsed < 1.0, f"a slider rerun took {elapsed:.2f} s"


def test_the_plans_crossing_on_the_first_day_says_why(app: AppTest):
    """With the plan's values the scenario is named the plan's assumptions; a scale-up crossing on the
    forecast's first day is explained: by the measured level, or by the assumption that makes the plan's
    line cross (the words of models.capacity.crossing_causes, tested by hand in test_capacity.py)."""
    _, scenario = crossings(app)
    tile = next(m for m in app.metric if m.label == "Reaches 80 % (measured)")
    assert tile.proto.delta.split(" · ")[-1].startswith("Plan's assumptions: ")
    measured = next(t for t in chart(app, "cap_chart")["data"] if t.get("name") == "measured forecast")
    first = pd.Timestamp(measured["x"][0])
    notes = [i.value for i in app.info if "first day" in i.value]
    if scenario == first:
        assert notes and ("because of the plan's" in notes[0] or "already there" in notes[0]), notes
    else:
        assert not notes, notes


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
    assert app.session_state[state.CAPACITY_KEY].working["data_growth_pct_per_month"] == 3.0  # what the forecast uses
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
