"""Edits of plan.toml from the app: KPI targets (admin) and budget lines (finance and up).

An edit is checked, then written atomically: the new text goes to a temporary file beside the
plan, is validated there by core.plan.load_plan (a plan the app could not load is never
written), and replaces the plan in one os.replace. The audit row (before and after values) is
inserted in a warehouse transaction that commits only once the file is in place; if the replace
fails nothing is audited, and if the commit fails the old file is put back. tomlkit keeps the
file's comments and layout.
"""
from __future__ import annotations

import math
import os
import threading
import uuid
from collections.abc import Mapping
from datetime import datetime
from pathlib import Path

import duckdb
import pandas as pd
import tomlkit

from core.i18n import N_
from core.plan import PlanError, load_plan
from data import audit
from data.access import EDIT_BUDGET, EDIT_PLAN, Actor, require
from data.snapshot import writes_through
from data.warehouse import transaction

_LOCK = threading.Lock()  # one edit at a time per process: read, check and replace are one step


class PlanEditError(ValueError):
    """An edit that cannot be made, with the key and the reason."""


def targets(path: str | Path) -> pd.DataFrame:
    """The plan's KPI targets: kpi, label, unit, op, target, baseline."""
    plan = load_plan(path)
    return pd.DataFrame([{"kpi": k.key, "label": k.label, "unit": k.unit, "op": k.op, "target": k.target,
                          "baseline": k.baseline} for k in plan.kpis])


def budget_lines(path: str | Path) -> pd.DataFrame:
    """The plan's budget lines: line, group, annual_usd."""
    plan = load_plan(path)
    return pd.DataFrame([{"line": b.name, "group": b.group, "annual_usd": b.annual_usd} for b in plan.budget_lines])


def _number(key: str, value: object) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(float(value)):
        raise PlanEditError(N_("{key}: {value!r} is not a number").format(key=key, value=value))
    return float(value)


def _apply(doc: tomlkit.TOMLDocument, section: str, field: str, changes: Mapping[str, object]) -> tuple[dict, dict]:
    """Set `field` of each named entry of doc[section...]; return (before, after) of the changed ones."""
    table = doc
    for part in section.split("."):
        table = table[part]
    before, after = {}, {}
    for name, value in changes.items():
        key = f"{section}.{name}.{field}"
        if name not in table or field not in table[name]:
            raise PlanEditError(N_("{key}: no such key in the plan").format(key=key))
        new, old = _number(key, value), table[name][field]
        if new < 0 and section == "budget.lines":
            raise PlanEditError(N_("{key}: a budget line cannot be negative ({new:g})").format(key=key, new=new))
        if float(old) == new:
            continue
        table[name][field] = int(new) if isinstance(old, int) and new.is_integer() else new
        before[key], after[key] = old.unwrap() if hasattr(old, "unwrap") else old, table[name][field]
    return before, {k: v.unwrap() if hasattr(v, "unwrap") else v for k, v in after.items()}


def _total_follows(doc: tomlkit.TOMLDocument) -> tuple[dict, dict]:
    """budget.total_usd set to the sum of the lines (the plan must add up): (before, after) when it moves."""
    budget = doc["budget"]
    old = budget["total_usd"]
    total = sum(float(line["annual_usd"]) for line in budget["lines"].values())
    if float(old) == total:
        return {}, {}
    budget["total_usd"] = int(total) if total.is_integer() else round(total, 2)
    return {"budget.total_usd": old.unwrap() if hasattr(old, "unwrap") else old}, {"budget.total_usd": budget["total_usd"]}


def edit_plan(con: duckdb.DuckDBPyConnection, actor: Actor, path: str | Path, kpi_targets: Mapping[str, object] = {},
              budget: Mapping[str, object] = {}, now: datetime | None = None) -> tuple[dict, dict]:
    """Change KPI targets (EDIT_PLAN) and budget lines' annual_usd (EDIT_BUDGET) in the plan at `path`;
    budget.total_usd follows the lines (their sum). Return (before, after) by key. No change: nothing
    written, nothing audited."""
    if kpi_targets:
        require(actor, EDIT_PLAN)
    if budget:
        require(actor, EDIT_BUDGET)
    path = Path(path)
    with _LOCK:
        text = path.read_text(encoding="utf-8")
        doc = tomlkit.parse(text)
        b1, a1 = _apply(doc, "kpis", "target", kpi_targets)
        b2, a2 = _apply(doc, "budget.lines", "annual_usd", budget)
        if a2:
            tb, ta = _total_follows(doc)
            b2, a2 = {**b2, **tb}, {**a2, **ta}
        before, after = {**b1, **b2}, {**a1, **a2}
        if after:
            _write(con, actor, path, text, tomlkit.dumps(doc), before, after, now)
    return before, after


def _write(con: duckdb.DuckDBPyConnection, actor: Actor, path: Path, old_text: str, new_text: str,
           before: dict, after: dict, now: datetime | None) -> None:
    """Validate the new text in a temporary file, then replace the plan and commit its audit row together."""
    tmp = path.with_name(f".{path.name}.{uuid.uuid4().hex}.tmp")
    try:
        with open(tmp, "w", encoding="utf-8") as fh:
            fh.write(new_text)
            fh.flush()
            os.fsync(fh.fileno())
        try:
            load_plan(tmp)
        except PlanError as exc:
            raise PlanEditError(N_("the plan would not load after this edit: {error}").format(error=exc)) from None
        _replace_audited(con, actor, path, tmp, old_text, before, after, now)
    finally:
        tmp.unlink(missing_ok=True)


def _replace_audited(con: duckdb.DuckDBPyConnection, actor: Actor, path: Path, tmp: Path, old_text: str,
                     before: dict, after: dict, now: datetime | None) -> None:
    action = EDIT_PLAN if any(k.startswith("kpis.") for k in after) else EDIT_BUDGET
    replaced = False
    try:
        with writes_through(con) as w, transaction(w) as cur:
            audit.record(cur, actor, action, path.name, before, after, now)
            if path.read_text(encoding="utf-8") != old_text:
                raise PlanEditError(N_("{file} was changed by someone else meanwhile; reload and edit again").format(
                    file=path.name))
            os.replace(tmp, path)
            replaced = True  # the last step: what fails after it is the audit's commit
    except BaseException:
        if replaced:
            _put_back(path, old_text)
        raise


def _put_back(path: Path, old_text: str) -> None:
    """Restore the plan's old text, atomically, after the audit could not be committed."""
    back = path.with_name(f".{path.name}.{uuid.uuid4().hex}.back")
    back.write_text(old_text, encoding="utf-8")
    os.replace(back, path)
