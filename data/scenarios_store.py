"""Named scenarios saved in the warehouse (table saved_scenarios): save, list, load, delete.

A scenario is saved as its drivers (a JSON object of plain numbers and flags, by name) and
horizon; the base it starts from (users, fleet, tickets) is measured again when it is opened.
Every write is one transaction on its own cursor, with its audit row, so a save that fails
changes nothing; the actor's role is checked by each write itself (data/access.py). The drivers'
meaning is the scenario model's: it checks them before a save (models.scenario.to_stored) and
completes an old save after a load (models.scenario.from_stored); the store keeps them as given.
"""
from __future__ import annotations

import json
import uuid
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timezone
from typing import Any

import duckdb
import pandas as pd

from data import audit
from data.snapshot import writes_through
from data.access import DELETE_SCENARIO, SAVE_SCENARIO, Actor, require
from data.warehouse import query, sql_text, transaction

MAX_NAME = 80
MAX_NOTE = 500


class StoreError(ValueError):
    """A save, load or delete that cannot be done, with the reason in words."""


@dataclass(frozen=True)
class Saved:
    """One saved scenario as loaded, its drivers by name as they were saved."""

    scenario_id: str
    name: str
    author: str
    saved_at: datetime
    drivers: dict[str, Any]
    months: int
    note: str


def clean_name(name: str) -> str:
    """The name as stored: trimmed, one to MAX_NAME characters, no control characters."""
    text = " ".join(str(name).split())
    if not text:
        raise StoreError("give the scenario a name")
    if len(text) > MAX_NAME:
        raise StoreError(f"a scenario name has at most {MAX_NAME} characters, not {len(text)}")
    return text


def drivers_to_json(drivers: Mapping[str, float | bool]) -> str:
    """The drivers as one JSON object, keys sorted."""
    return json.dumps(dict(drivers), sort_keys=True)


def save(con: duckdb.DuckDBPyConnection, name: str, drivers: Mapping[str, float | bool], months: int, actor: Actor,
         note: str = "", *, replace: bool = False, now: datetime | None = None) -> str:
    """Save `drivers` (models.scenario.to_stored's) under `name` in one transaction, audited, and
    return the new id. The author is `actor` (its role must allow saving). An existing name is an
    error unless `replace`, which swaps the old row for the new one (or keeps it, on failure)."""
    require(actor, SAVE_SCENARIO)
    name, row = clean_name(name), _row(drivers, months, actor.name, note, now)
    try:
        with writes_through(con) as w, transaction(w) as cur:
            old = cur.execute(sql_text("saved_scenario"), {"scenario_name": name}).df()
            if not old.empty and not replace:
                raise StoreError(f"a scenario named '{name}' is already saved; pick another name or replace it")
            if not old.empty:
                cur.execute(sql_text("saved_scenario_delete"), {"scenario_name": name}).fetchall()
            cur.execute(sql_text("saved_scenario_insert"), {**row, "scenario_name": name})
            audit.record(cur, actor, SAVE_SCENARIO, name, _state(old), _state_of_row(row), now)
    except duckdb.ConstraintException as exc:  # another session saved the same name in between
        raise StoreError(f"scenario '{name}' could not be saved: {exc}") from None
    return row["scenario_id"]


def _state(rows: pd.DataFrame) -> dict | None:
    """A saved scenario's row as the audit log keeps it (drivers parsed), None when there is none."""
    if rows.empty:
        return None
    r = rows.iloc[0]
    return {"scenario_id": r["scenario_id"], "author": r["author"], "months": int(r["months"]), "note": r["note"],
            "saved_at": str(r["saved_at"]), "drivers": json.loads(r["drivers_json"])}


def _state_of_row(row: dict) -> dict:
    return {"scenario_id": row["scenario_id"], "author": row["author"], "months": row["months"], "note": row["note"],
            "saved_at": str(row["saved_at"]), "drivers": json.loads(row["drivers_json"])}


def _row(drivers: Mapping[str, float | bool], months: int, author: str, note: str, now: datetime | None) -> dict:
    if isinstance(months, bool) or not isinstance(months, int) or not 1 <= months <= 120:
        raise StoreError(f"the horizon must be 1 to 120 months, not {months!r}")
    if len(note or "") > MAX_NOTE:
        raise StoreError(f"a note has at most {MAX_NOTE} characters, not {len(note)}")
    return {"scenario_id": str(uuid.uuid4()), "author": (author or "").strip() or "local user",
            "saved_at": now or datetime.now(timezone.utc), "drivers_json": drivers_to_json(drivers),
            "months": months, "note": (note or "").strip()}


def list_saved(con: duckdb.DuckDBPyConnection) -> pd.DataFrame:
    """Every saved scenario, newest first: scenario_id, name, author, saved_at, months, note."""
    return query(con, "saved_scenarios")


def load(con: duckdb.DuckDBPyConnection, name: str) -> Saved:
    """The saved scenario `name`, its drivers as saved (models.scenario.from_stored completes them)."""
    rows = query(con, "saved_scenario", scenario_name=name)
    if rows.empty:
        raise StoreError(f"no saved scenario named '{name}'")
    r = rows.iloc[0]
    try:
        drivers = json.loads(r["drivers_json"])
    except ValueError as exc:
        raise StoreError(f"saved scenario '{name}' cannot be used: its drivers are not JSON: {exc}") from None
    if not isinstance(drivers, dict):
        raise StoreError(f"saved scenario '{name}' cannot be used: its drivers are not a JSON object")
    return Saved(scenario_id=r["scenario_id"], name=r["name"], author=r["author"],
                 saved_at=pd.Timestamp(r["saved_at"]).to_pydatetime(), drivers=drivers, months=int(r["months"]),
                 note=r["note"])


def delete(con: duckdb.DuckDBPyConnection, name: str, actor: Actor) -> bool:
    """Delete the saved scenario `name` (audited, one transaction); False when there was none."""
    require(actor, DELETE_SCENARIO)
    with writes_through(con) as w, transaction(w) as cur:
        old = cur.execute(sql_text("saved_scenario"), {"scenario_name": name}).df()
        gone = cur.execute(sql_text("saved_scenario_delete"), {"scenario_name": name}).fetchall()
        if not old.empty:
            audit.record(cur, actor, DELETE_SCENARIO, name, _state(old), None)
    return bool(gone)
