"""A shared link opens the same view: the sidebar's filters and the pages' controls (Capacity's service, resource
and horizon; Growth's horizon; the saved scenario opened and the Scenarios horizon) are read from the URL on a
session's first run and written back when changed, through the app's page script under AppTest."""
from __future__ import annotations

from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from ui import state
from data import warehouse
from tests.conftest import DEMO_LINK, app_test, open_page, texts

ROOT = Path(__file__).resolve().parent.parent


def first(value):
    """AppTest keeps a query parameter as a list of its values; the served app as one."""
    return value[0] if isinstance(value, list) else value



def test_a_link_with_services_opens_with_the_filter_set_and_a_change_goes_to_the_url(app_db: Path,
                                                                                     monkeypatch: pytest.MonkeyPatch):
    app = open_page(app_db, monkeypatch, "reliability.py", {**DEMO_LINK, "services": "auth", "severities": "high"})
    assert app.multiselect(key=state.SERVICES_KEY).value == ["auth"]
    assert app.multiselect(key=state.SEVERITIES_KEY).value == ["high"]
    assert "Filters: services: auth; severity: high" in texts(app)
    app.multiselect(key=state.SERVICES_KEY).select("payments").run()
    app.multiselect(key=state.SEVERITIES_KEY).unselect("high").run()
    assert not app.exception
    assert first(app.query_params["services"]) == "auth,payments"
    assert "severities" not in app.query_params  # no filter: left out of the link
    assert (first(app.query_params["start"]), first(app.query_params["end"])) == (DEMO_LINK["start"], DEMO_LINK["end"])


def test_an_unknown_filter_in_a_link_is_a_warning_naming_it(app_db: Path, monkeypatch: pytest.MonkeyPatch):
    app = open_page(app_db, monkeypatch, "reliability.py", {**DEMO_LINK, "services": "auth,no-such"})
    assert app.multiselect(key=state.SERVICES_KEY).value == ["auth"]
    assert any("The link's services 'no-such' was ignored" in w.value for w in app.sidebar.warning)


def test_capacity_opens_on_the_links_service_resource_and_horizon(app_db: Path, monkeypatch: pytest.MonkeyPatch):
    app = open_page(app_db, monkeypatch, "capacity.py",
                    {**DEMO_LINK, "service": "auth", "resource": "memory_pct", "horizon": "3"})
    assert app.selectbox(key="cap_service").value == "auth"
    assert app.selectbox(key="cap_resource").value == "memory_pct"
    assert app.segmented_control(key="cap_months").value == 3
    app.segmented_control(key="cap_months").set_value(12).run()
    assert not app.exception
    assert (first(app.query_params["service"]), first(app.query_params["resource"]),
            first(app.query_params["horizon"])) == ("auth", "memory_pct", "12")


def test_growth_opens_on_the_links_horizon_and_warns_of_an_unknown_one(app_db: Path, monkeypatch: pytest.MonkeyPatch):
    app = open_page(app_db, monkeypatch, "growth.py", {**DEMO_LINK, "growth_horizon": "18"})
    assert app.segmented_control(key="growth_horizon").value == 18
    bad = open_page(app_db, monkeypatch, "growth.py", {**DEMO_LINK, "growth_horizon": "5"})
    assert bad.segmented_control(key="growth_horizon").value == 12  # the default
    assert any("The link's Growth horizon '5' was ignored" in w.value for w in bad.warning)
    bad.segmented_control(key="growth_horizon").set_value(6).run()
    assert first(bad.query_params["growth_horizon"]) == "6"


def test_a_link_opens_the_saved_scenario_and_its_horizon(app_db: Path, monkeypatch: pytest.MonkeyPatch, plan):
    monkeypatch.setenv("LOGNAME", "ana")
    con = warehouse.connect(app_db)
    con.execute("delete from saved_scenarios")
    con.close()
    sender = open_page(app_db, monkeypatch, "scenarios.py")
    growth = state.SC_PREFIX + "user_growth_pct_per_quarter"
    sender.number_input(key=growth).set_value(80.0).run()
    sender.text_input(key="sc_save_name").input("Fast growth").run()
    sender.button(key="sc_save").click().run()
    sender.selectbox(key=state.SC_MONTHS).select(18).run()
    assert not sender.exception
    link = {k: first(v) for k, v in sender.query_params.items()}
    assert (link["scenario"], link["scenario_horizon"]) == ("Fast growth", "18")

    receiver = app_test(app_db, monkeypatch, timeout=120)
    receiver.query_params.update(link)
    receiver.run()
    receiver.switch_page(str(ROOT / "pages" / "scenarios.py")).run()
    assert not receiver.exception
    assert receiver.number_input(key=growth).value == 80.0
    assert receiver.selectbox(key=state.SC_MONTHS).value == 18
    assert any(m.value.startswith("**Fast growth**, 18 months") for m in receiver.markdown)
    # when it was saved, in the plan's time zone, named (the audit log's day, not UTC's)
    opened = next(s.value for s in receiver.success if "Opened 'Fast growth'" in s.value)
    assert plan.timezone in opened and "UTC" not in opened

    stranger = open_page(app_db, monkeypatch, "scenarios.py", {**DEMO_LINK, "scenario": "Gone"})
    assert any("The link's saved scenario 'Gone' was ignored" in w.value for w in stranger.warning)
