"""The Scenarios page through the app's page script with AppTest on a private demo warehouse: the chain, drivers,
saving and reopening a scenario, and each what-if tab, with no traceback on screen."""
from __future__ import annotations

import json
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from ui import formatting, state
from ui.scenarios import compare
from data import scenarios_store, warehouse
from data.baseline import measure_base
from models import scenario
from tests.conftest import DEMO_TODAY, app_test, figure, plotly_charts

ROOT = Path(__file__).resolve().parent.parent
PAGE = str(ROOT / "pages" / "scenarios.py")
GROWTH = state.SC_PREFIX + "user_growth_pct_per_quarter"


def opened(app_db: Path, monkeypatch: pytest.MonkeyPatch) -> AppTest:
    """The Scenarios page on the demo warehouse (today: the demo's last day, pinned for the whole
    suite), no scenario saved, a known author; it opens on the measured base."""
    monkeypatch.setenv("LOGNAME", "ana")  # sign-in off: the local user, named as the OS user (getpass reads LOGNAME)
    at = app_test(app_db, monkeypatch, timeout=120)
    con = warehouse.connect(app_db)
    con.execute("delete from saved_scenarios")  # each test starts with none saved
    con.close()
    at.run()
    return at.switch_page(PAGE).run()  # an absolute page path: the wrapper script lives elsewhere


@pytest.fixture
def app(app_db: Path, monkeypatch: pytest.MonkeyPatch) -> AppTest:
    """The page started from the plan's base: the tests below check its plan-calibrated numbers."""
    at = opened(app_db, monkeypatch)
    return at.segmented_control(key=state.SC_BASE).set_value("plan").run()


def test_opens_on_the_measured_base(app_db: Path, monkeypatch: pytest.MonkeyPatch):
    """By default the page starts from the measured base (month 1: the last closed months, Aug-Oct 2026 on
    the demo's day), says so, and shows that scenario's total (wiring: the model's own total, formatted)."""
    from core.plan import load_plan

    at = opened(app_db, monkeypatch)
    assert not at.exception, at.exception
    assert at.segmented_control(key=state.SC_BASE).value == "measured"
    caption = next(c.value for c in at.caption if c.value.startswith("Base measured over"))
    assert "month 1 at the closed months (Aug 2026, Sep 2026, Oct 2026)" in caption
    plan = load_plan()
    con = warehouse.connect(app_db)
    base, drivers, _ = scenario.starting_point(con, plan, DEMO_TODAY, "measured")
    con.close()
    assert metric(at, "Total cost, 12 months") == formatting.fmt(scenario.totals(drivers, base, plan)["total_usd"], "USD")


def metric(at: AppTest, start: str) -> str:
    return next(m.value for m in at.metric if m.label.startswith(start))


def base_drivers(app_db: Path) -> scenario.Drivers:
    """The base drivers as the page computes them, from the same warehouse and day."""
    from core.period import month_start
    from core.plan import load_plan

    plan = load_plan()
    con = warehouse.connect(app_db)  # the same process: DuckDB shares the app's open database
    base = scenario.base_from_measures(measure_base(con, plan.timezone, DEMO_TODAY), month_start(DEMO_TODAY))
    return scenario.base_drivers(plan, base)


def open_tab(at: AppTest, label: str) -> AppTest:
    at.session_state["sc_tab"] = label
    return at.run()


def test_page_shows_the_chain_from_demand_to_targets(app: AppTest):
    """Base scenario: the plan's $670,000 for 12 months, both cost KPIs with the month they are met,
    FTE paid against needed, the six-row chain chart, and no exception."""
    assert not app.exception
    assert app.title[0].value == "Scenarios: from demand to cost to the targets"
    assert metric(app, "Total cost, 12 months") == "$670,000"  # whole dollars on a tile
    assert metric(app, "Support cost/user").startswith("$")
    assert metric(app, "Infra cost share").endswith("%")
    assert metric(app, "Support FTE paid") == "4.00 FTE"
    deltas = [m.proto.delta for m in app.metric]
    assert any(d.startswith("met ") or d == "never met" for d in deltas)
    assert any("Base scenario" in m.value for m in app.markdown)
    assert any(c.value.startswith("Base measured over 01 Aug 2026 to 31 Oct 2026: the last full months") for c in app.caption)
    assert app.number_input(key=GROWTH).value == 50.0  # the plan's 50 % a quarter


def test_changing_a_driver_changes_the_total(app: AppTest):
    """Doubling quarterly user growth raises the total and is listed as the one changed driver."""
    app.number_input(key=GROWTH).set_value(100.0).run()
    assert not app.exception
    assert metric(app, "Total cost, 12 months") != "$670,000"
    assert any("1 driver changed from the base" in m.value and "100.0 % a quarter" in m.value for m in app.markdown)


def test_save_reopen_and_delete_a_scenario(app: AppTest, app_db: Path):
    """Save with a name (author and time recorded in the warehouse), reset, reopen: the inputs hold the
    saved drivers again; the saved row equals them; delete removes it."""
    app.number_input(key=GROWTH).set_value(80.0).run()
    app.toggle(key=state.SC_PREFIX + "staff_to_demand").set_value(True).run()
    app.text_input(key="sc_save_name").input("Fast growth").run()
    app.text_input(key="sc_save_note").input("for the board").run()
    app.button(key="sc_save").click().run()
    assert not app.exception
    assert any("Saved 'Fast growth' by ana" in s.value for s in app.success)
    assert any(m.value.startswith("**Fast growth**, 12 months") for m in app.markdown)  # saved: no unsaved edits

    expected = scenario.with_overrides(base_drivers(app_db), {"user_growth_pct_per_quarter": 80,
                                                              "staff_to_demand": True})
    con = warehouse.connect(app_db)
    stored = scenarios_store.load(con, "Fast growth")
    assert scenario.from_stored(stored.drivers, base_drivers(app_db))[0] == expected
    assert (stored.author, stored.note, stored.months) == ("ana", "for the board", 12)

    app.button(key="sc_reset").click().run()
    assert app.number_input(key=GROWTH).value == 50.0
    assert app.toggle(key=state.SC_PREFIX + "staff_to_demand").value is False

    app.selectbox(key="sc_pick").select("Fast growth").run()
    app.button(key="sc_open").click().run()
    assert not app.exception
    assert any("Opened 'Fast growth'" in s.value for s in app.success)
    assert app.number_input(key=GROWTH).value == 80.0
    assert app.toggle(key=state.SC_PREFIX + "staff_to_demand").value is True
    assert scenario.with_overrides(base_drivers(app_db), app.session_state[state.SCENARIO_KEY].seed) == expected
    assert any(m.value.startswith("**Fast growth**, 12 months") for m in app.markdown)
    app.number_input(key=GROWTH).set_value(90.0).run()
    assert any(m.value.startswith("**Fast growth (edited since opened, not saved)**") for m in app.markdown)

    app.button(key="sc_delete").click().run()
    assert any("Deleted 'Fast growth'" in s.value for s in app.success)
    assert scenarios_store.list_saved(con).empty


def test_a_taken_name_is_refused_on_screen(app: AppTest):
    """Saving twice under one name shows an error, no traceback, and keeps one saved scenario."""
    for _ in range(2):
        app.text_input(key="sc_save_name").input("Plan copy").run()
        app.button(key="sc_save").click().run()
    assert not app.exception
    assert any("already saved" in e.value for e in app.error)
    assert len(app.selectbox(key="sc_pick").options) == 1


def test_a_broken_saved_scenario_is_an_error_naming_the_driver(app: AppTest, app_db: Path):
    """A saved row the model refuses opens as an error naming the driver, not a traceback."""
    app.text_input(key="sc_save_name").input("Broken").run()
    app.button(key="sc_save").click().run()
    con = warehouse.connect(app_db)
    stored = json.loads(con.execute("select drivers_json from saved_scenarios where name = 'Broken'").fetchone()[0])
    con.execute("update saved_scenarios set drivers_json = $j where name = 'Broken'",
                {"j": json.dumps(stored | {"shrinkage_pct": 120})})
    app.selectbox(key="sc_pick").select("Broken").run()
    app.button(key="sc_open").click().run()
    assert not app.exception
    assert any("shrinkage_pct" in e.value for e in app.error)


def test_month_by_month_and_line_tables_export(app: AppTest):
    """The chain month by month and cost by line, each with CSV and Excel downloads."""
    assert len(app.dataframe) >= 1  # cost by line vs plan, the first tab
    open_tab(app, "Month by month")
    assert not app.exception
    labels = [b.proto.label for b in app.get("download_button")]
    assert {"Scenario by month (CSV)", "Scenario by month (Excel)", "Drivers (CSV)", "Drivers (Excel)"} <= set(labels)


def test_compare_two_scenarios(app: AppTest):
    """The one on screen against a saved one: a table with both columns and the plan, and three charts."""
    app.number_input(key=GROWTH).set_value(20.0).run()
    app.text_input(key="sc_save_name").input("Slow growth").run()
    app.button(key="sc_save").click().run()
    app.button(key="sc_reset").click().run()
    open_tab(app, "Compare")
    assert not app.exception
    assert app.multiselect(key="sc_compare").value == [compare.CURRENT, "Slow growth"]
    table = app.dataframe[-1].value
    assert {"Plan", compare.CURRENT, "Slow growth"} <= set(table.columns)
    totals = table.set_index(table.columns[0]).loc["Total"]
    assert totals[compare.CURRENT] == "$670,000.00" and totals["Slow growth"] != totals[compare.CURRENT]
    labels = [b.proto.label for b in app.get("download_button")]
    assert "Comparison (CSV)" in labels and "Comparison (Excel)" in labels


def test_sensitivity_tab(app: AppTest):
    """The tornado tab draws two charts, each with a bar down and a bar up per driver that moves the
    number, and says which drivers move nothing."""
    open_tab(app, "Sensitivity")
    assert not app.exception
    assert app.slider(key="sc_tornado_pct").value == 10
    charts = {c.proto.id: figure(c) for c in plotly_charts(app)}
    tornadoes = [spec for key, spec in charts.items() if "sc_tornado_" in key]
    assert len(tornadoes) == 2
    for spec in tornadoes:
        down, up = spec["data"]
        assert down["name"] == "driver -10 %" and up["name"] == "driver +10 %"
        assert len(down["y"]) == len(up["y"]) >= 1  # one row per driver that moves it
    assert any("No effect on either number" in c.value for c in app.caption)


def test_monte_carlo_tab(app: AppTest):
    """200 runs with the default ranges: P10 / P50 / P90 of both outcomes, the seed shown, runs exportable."""
    open_tab(app, "Monte Carlo")
    assert any("Run the simulation" in i.value for i in app.info)
    app.slider(key="sc_mc_runs").set_value(200)
    app.button[[b.label for b in app.button].index("Run the simulation")].click().run()
    assert not app.exception
    summary = next(d.value for d in app.dataframe if "P50" in d.value.columns)
    assert list(summary["P10"].str.startswith("$")) == [True, True]
    for _, row in summary.iterrows():  # the percentiles in order: a mislabelled column would break it
        p10, p50, p90 = (_money(row[q]) for q in ("P10", "P50", "P90"))
        assert p10 <= p50 <= p90, row.to_dict()
    assert any("200 runs, seed 42" in c.value for c in app.caption)


def test_goal_seek_tab(app: AppTest):
    """With the plan's 4 FTE at $45,000 ($15,000 a month), $5 a user needs more than 15,000 / 5 = 3,000 users."""
    open_tab(app, "Goal seek")
    assert not app.exception
    text = " ".join(m.value for m in app.markdown)
    assert "more than **3,000 users**" in text
    assert "Erlang C needs" in text


def test_empty_warehouse_is_an_error_not_a_traceback(app: AppTest, tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    """With no data to measure a base from, the page says what is missing."""
    empty = tmp_path / "empty.duckdb"
    warehouse.connect(empty).close()
    monkeypatch.setenv("OPSPLAN_DB", str(empty))
    app.run()
    assert not app.exception
    assert any("No base to start a scenario from" in e.value for e in app.error)


def _money(text: str) -> float:
    """'$1.23M', '$670k' or '$4.20' as a number."""
    scale = {"k": 1e3, "M": 1e6, "B": 1e9}
    body = text.replace("$", "").replace(",", "").strip()
    return float(body[:-1]) * scale[body[-1]] if body[-1] in scale else float(body)


def staffing_shown(at: AppTest):
    return next(d.value for d in at.dataframe if "agent_hours_per_week" in d.value.columns)


def test_staffing_by_hour_tab(app_db: Path, monkeypatch: pytest.MonkeyPatch):
    """The measured week staffed per channel (models.staffing.fte_by_channel on the base window's week, with
    the plan's staffing values: the base drivers carry them), against the 4 FTE the plan pays, and the
    busiest hour. With shrinkage at 0 % the FTE needed is the agent-hours / 40 h exactly."""
    from core.plan import load_plan
    from models import staffing

    at = opened(app_db, monkeypatch)
    open_tab(at, "Staffing by hour")
    assert not at.exception, at.exception
    plan = load_plan()
    con = warehouse.connect(app_db)
    week, window = staffing.measured_week(con, plan, DEMO_TODAY)
    con.close()
    table = staffing.fte_by_channel(week, plan)
    shown = staffing_shown(at)
    assert list(shown["channel"]) == ["Live chat", "Email", "Phone", "All channels"]
    assert list(shown["fte"]) == pytest.approx(list(table["fte"]))
    total = table.set_index("channel").loc["total"]
    assert metric(at, "FTE needed, all channels") == formatting.fmt(total["fte"], "FTE")
    assert metric(at, "FTE paid") == formatting.fmt(4.0, "FTE")
    hour, _ = staffing.busiest_hour(week)
    weekday = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")[hour // 24]
    assert metric(at, "Busiest hour") == f"{weekday} {hour % 24:02d}:00"
    assert any(window.label() in c.value and "30 % shrinkage" in c.value for c in at.caption)
    at.number_input(key=state.SC_PREFIX + "shrinkage_pct").set_value(0.0).run()
    assert not at.exception, at.exception
    shown = staffing_shown(at).set_index("channel")
    assert shown.loc["All channels", "fte"] == pytest.approx(shown.loc["All channels", "agent_hours_per_week"] / 40.0)
