"""The audit log (table audit_log): one row per write, recorded in the write's own transaction.

`record` is called by every write function of the data layer (importer, scenarios store, plan
edits, backup) with the cursor of its open transaction, so that the write and its audit row are
committed, or rolled back, together. `entries` reads the log for the Admin page.
"""
from __future__ import annotations

import json
import uuid
from datetime import UTC, datetime
from typing import Any

import duckdb
import pandas as pd

from data.access import Actor
from data.warehouse import query

COLUMNS = ["logged_at", "actor_name", "actor_email", "actor_role", "action", "target", "before_json",
           "after_json", "audit_id"]


def to_json(value: Any) -> str | None:
    """A state as JSON text (None stays None); dates and other objects as their text."""
    return None if value is None else json.dumps(value, sort_keys=True, default=str)


def record(cur: duckdb.DuckDBPyConnection, actor: Actor, action: str, target: str, before: Any = None,
           after: Any = None, now: datetime | None = None) -> str:
    """Insert one audit row on `cur` (inside the caller's transaction); return its id."""
    audit_id = str(uuid.uuid4())
    cur.execute("insert into audit_log values ($id, $at, $name, $email, $role, $action, $target, $before, $after)",
                {"id": audit_id, "at": now or datetime.now(UTC), "name": actor.name,
                 "email": actor.email or "", "role": actor.role, "action": action, "target": str(target),
                 "before": to_json(before), "after": to_json(after)})
    return audit_id


def entries(con: duckdb.DuckDBPyConnection, start: datetime, end: datetime, action: str = "",
            who: str = "") -> pd.DataFrame:
    """Audit rows in [start, end), newest first, columns COLUMNS; `action`, `who` ('' = all) narrow them."""
    return query(con, "audit_log", start_at=start, end_at=end, action_name=action or "", who=(who or "").strip())
