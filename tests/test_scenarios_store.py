"""Saved scenarios in a fresh warehouse: round trip, unique names, delete, all-or-nothing saves; and the
scenario model's side of a save (models.scenario.to_stored and from_stored)."""
from __future__ import annotations

import json
from dataclasses import replace
from datetime import date, datetime, timezone
from pathlib import Path

import duckdb
import pytest

from data import scenarios_store as store
from data.access import LOCAL_USER, Actor
from data import warehouse
from models import scenario
from models.scenario import ScenarioError

BASE = scenario.Base(start=date(2025, 9, 1), active_users=2000.0, tickets_per_user_month=0.4,
                     channel_share=(0.5, 0.3, 0.2), revenue_per_user_month_usd=26.4, instances=20.0,
                     data_gb=500.0, cpu_pct=45.0)
NOON = datetime(2026, 11, 26, 5, 0, tzinfo=timezone.utc)
ANA = Actor("ana", "ana@example.com", "finance")
BO = Actor("bo", "bo@example.com", "planner")


@pytest.fixture
def con(tmp_path: Path) -> duckdb.DuckDBPyConnection:
    c = warehouse.connect(tmp_path / "w.duckdb")
    yield c
    c.close()


@pytest.fixture(scope="module")
def base_drivers(plan) -> scenario.Drivers:
    return scenario.base_drivers(plan, BASE)


def save(con, name: str, drivers: scenario.Drivers, months: int, actor: Actor, note: str = "", **kw) -> str:
    """A save as the app does it: the model checks and flattens the drivers, the store writes them."""
    return store.save(con, name, scenario.to_stored(drivers), months, actor, note, **kw)


def opened(con, name: str, defaults: scenario.Drivers) -> scenario.Drivers:
    """A saved scenario's drivers as the app opens them (completed by the model)."""
    return scenario.from_stored(store.load(con, name).drivers, defaults)[0]


def test_save_and_load_round_trip(con, base_drivers):
    """What is loaded equals the Drivers saved, field for field, with author, time, horizon and note."""
    fast = scenario.with_overrides(base_drivers, {"user_growth_pct_per_quarter": 80, "staff_to_demand": True})
    new_id = save(con, "  Fast   growth ", fast, 18, ANA, "board pack", now=NOON)
    got = store.load(con, "Fast growth")
    assert scenario.from_stored(got.drivers, base_drivers) == (fast, ())
    assert (got.scenario_id, got.name, got.author) == (new_id, "Fast growth", "ana")
    assert (got.months, got.note) == (18, "board pack")
    assert got.saved_at == NOON


def test_list_is_newest_first(con, base_drivers):
    """Two saves are listed newest first with who saved them; the drivers stay out of the list."""
    save(con, "older", base_drivers, 12, ANA, now=NOON)
    save(con, "newer", base_drivers, 12, LOCAL_USER, now=NOON.replace(hour=9))
    listing = store.list_saved(con)
    assert list(listing["name"]) == ["newer", "older"]
    assert list(listing["author"]) == ["local user", "ana"]
    assert "drivers_json" not in listing.columns


def test_names_are_unique(con, base_drivers):
    """Saving a second scenario under a taken name is refused and the first one is kept as it was."""
    save(con, "Plan", base_drivers, 12, ANA, now=NOON)
    other = replace(base_drivers, shrinkage_pct=40.0)
    with pytest.raises(store.StoreError, match="already saved"):
        save(con, "Plan", other, 6, BO)
    assert opened(con, "Plan", base_drivers) == base_drivers
    assert len(store.list_saved(con)) == 1


def test_replace_swaps_the_saved_drivers(con, base_drivers):
    """replace=True stores the new drivers under the same name, still one row."""
    save(con, "Plan", base_drivers, 12, ANA, now=NOON)
    other = replace(base_drivers, shrinkage_pct=40.0)
    save(con, "Plan", other, 6, BO, replace=True)
    got = store.load(con, "Plan")
    assert (opened(con, "Plan", base_drivers), got.months, got.author) == (other, 6, "bo")
    assert len(store.list_saved(con)) == 1


def test_failed_replace_changes_nothing(con, base_drivers, monkeypatch: pytest.MonkeyPatch):
    """A replace whose insert fails after the old row was deleted rolls back: the old scenario is still there."""
    save(con, "Plan", base_drivers, 12, ANA, now=NOON)
    real = store.sql_text
    monkeypatch.setattr(store, "sql_text", lambda n: "insert into no_such_table values (1)"
                        if n == "saved_scenario_insert" else real(n))
    with pytest.raises(duckdb.Error):
        save(con, "Plan", replace(base_drivers, shrinkage_pct=40.0), 6, BO, replace=True)
    got = store.load(con, "Plan")
    assert (opened(con, "Plan", base_drivers), got.author, got.months) == (base_drivers, "ana", 12)


@pytest.mark.parametrize("name,months,note,drivers_change,error", [
    ("", 12, "", {}, "give the scenario a name"),
    ("x" * 81, 12, "", {}, "at most 80 characters"),
    ("ok", 0, "", {}, "1 to 120 months"),
    ("ok", 12, "n" * 501, {}, "at most 500 characters"),
    ("ok", 12, "", {"shrinkage_pct": 99.0}, "shrinkage_pct"),
])
def test_bad_saves_are_refused_and_change_nothing(con, base_drivers, name, months, note, drivers_change, error):
    """Empty or long names, a horizon out of range, a long note, impossible drivers: an error, no row."""
    with pytest.raises((store.StoreError, ScenarioError), match=error):
        save(con, name, replace(base_drivers, **drivers_change), months, ANA, note)
    assert store.list_saved(con).empty


def test_delete(con, base_drivers):
    """Delete removes the named scenario only; deleting it again says there was none."""
    save(con, "a", base_drivers, 12, ANA, now=NOON)
    save(con, "b", base_drivers, 12, ANA, now=NOON)
    assert store.delete(con, "a", ANA) is True
    assert list(store.list_saved(con)["name"]) == ["b"]
    assert store.delete(con, "a", ANA) is False
    with pytest.raises(store.StoreError, match="no saved scenario named 'a'"):
        store.load(con, "a")


def test_old_save_opens_after_the_model_changed(con, base_drivers):
    """A save missing a driver takes the base value for it and drops a driver the model no longer has, saying both."""
    save(con, "old", base_drivers, 12, ANA, now=NOON)
    stored = scenario.to_stored(replace(base_drivers, shrinkage_pct=35.0))
    del stored["spot_discount_pct"]
    stored["retired_driver"] = 1.0
    con.execute("update saved_scenarios set drivers_json = $j where name = 'old'", {"j": json.dumps(stored)})
    drivers, notes = scenario.from_stored(store.load(con, "old").drivers, base_drivers)
    assert drivers == replace(base_drivers, shrinkage_pct=35.0)
    assert any("spot_discount_pct" in n for n in notes) and any("retired_driver" in n for n in notes)


def test_impossible_saved_value_is_a_clear_error(con, base_drivers):
    """A stored value the model refuses is reported with the driver named."""
    save(con, "bad", base_drivers, 12, ANA, now=NOON)
    stored = scenario.to_stored(base_drivers) | {"shrinkage_pct": 120}
    con.execute("update saved_scenarios set drivers_json = $j where name = 'bad'", {"j": json.dumps(stored)})
    with pytest.raises(ScenarioError, match="driver shrinkage_pct = 120 is impossible"):
        scenario.from_stored(store.load(con, "bad").drivers, base_drivers)


@pytest.mark.parametrize("text,error", [("[1, 2]", "not a JSON object"), ("{oops", "not JSON")])
def test_unreadable_saved_drivers_are_a_clear_error(con, base_drivers, text, error):
    """Drivers that are not a JSON object are reported with the scenario named."""
    save(con, "odd", base_drivers, 12, ANA, now=NOON)
    con.execute("update saved_scenarios set drivers_json = $j where name = 'odd'", {"j": text})
    with pytest.raises(store.StoreError, match=f"'odd' cannot be used: its drivers are {error}"):
        store.load(con, "odd")


def test_json_holds_plain_numbers(base_drivers):
    """Calibrated rates are numpy floats in memory; the JSON holds plain numbers and flags."""
    stored = json.loads(store.drivers_to_json(scenario.to_stored(base_drivers)))
    assert stored["staff_to_demand"] is False
    assert isinstance(stored["cloud_usd_per_instance_month"], float)
