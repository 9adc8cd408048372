"""The Admin page's parts: the audit log, backups and the plan editor (sign-in roles in ui.auth)."""
from __future__ import annotations

from datetime import date, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import duckdb
import pandas as pd
import streamlit as st

from core import i18n
from core.i18n import _, N_
from core.plan import plan_path
from data import access, audit, backup, plan_edit

from ui.auth import current_actor
from ui.cache import connection, db, forget_results, plan, plan_at
from ui.widgets import local_times


# The audit table's headers, as column_labels writes them from data.audit.COLUMNS: listed here for
# the catalogue, so that they read Thai
AUDIT_HEADERS = (N_("logged at"), N_("actor name"), N_("actor email"), N_("actor role"), N_("action"), N_("target"),
                 N_("before json"), N_("after json"), N_("audit id"))
# The plan editor's headers as a reader sees them
PLAN_TITLES = {"kpi": N_("kpi"), "label": N_("label"), "unit": N_("unit"), "op": N_("op"), "target": N_("target"),
               "baseline": N_("baseline"), "group": N_("group"),
               "annual_usd": N_("annual budget (USD)")}


def load_audit(start: date, end: date, action: str = "", who: str = "") -> pd.DataFrame:
    """Audit rows from `start` to `end` (inclusive, plan dates), newest first; not cached: writes show at once."""
    access.require(current_actor(), access.VIEW_AUDIT)
    tz = ZoneInfo(plan().timezone)
    frame = audit.entries(connection(), datetime.combine(start, datetime.min.time(), tzinfo=tz),
                              datetime.combine(end + timedelta(days=1), datetime.min.time(), tzinfo=tz), action, who)
    return local_times(frame)


def audit_span() -> tuple[date, date]:
    """The audit log's default span: the last 30 days by the wall clock in the plan's zone. Writes
    are stamped by the wall clock, so a pinned $OPSPLAN_TODAY (a replayed day) must not hide them."""
    today = datetime.now(ZoneInfo(plan().timezone)).date()
    return today - timedelta(days=30), today


def backup_folder(now: datetime | None = None) -> Path:
    """A new folder for an app backup: <warehouse>.backups/<UTC time>."""
    stamp = (now or datetime.now(ZoneInfo("UTC"))).strftime("%Y%m%dT%H%M%S%fZ")
    return Path(db() + ".backups") / stamp


def run_backup() -> tuple[str, str]:
    """Back up the warehouse (admins; audited) into a new folder; (kind, message) for the page."""
    out = backup_folder()
    try:
        manifest = backup.backup(connection(), out, current_actor())
    except access.PermissionDenied as exc:
        return "error", _("Not backed up: {problem}.").format(problem=exc)
    except (backup.BackupError, duckdb.Error, OSError) as exc:
        return "error", _("Backup failed: {problem}").format(problem=str(exc).splitlines()[0])
    rows = sum(e["rows"] for e in manifest["tables"].values())
    return "success", _("Backed up {tables} tables ({rows} rows) to `{folder}`.").format(
        tables=len(manifest["tables"]), rows=i18n.number(rows), folder=out)


def plan_targets() -> pd.DataFrame:
    """The plan's KPI targets as on disk: kpi, label, unit, op, target, baseline."""
    return plan_edit.targets(plan_path())


def plan_budget_lines() -> pd.DataFrame:
    """The plan's budget lines as on disk: line, group, annual_usd."""
    return plan_edit.budget_lines(plan_path())


def _changes(before: pd.DataFrame, after: pd.DataFrame, key: str, value: str) -> dict[str, object]:
    old = dict(zip(before[key], before[value]))
    return {k: v for k, v in zip(after[key], after[value]) if k in old and v != old[k]}


def save_plan_edits(targets_before: pd.DataFrame, targets_after: pd.DataFrame | None,
                    lines_before: pd.DataFrame, lines_after: pd.DataFrame | None) -> tuple[str, str]:
    """Write the edited targets and budget lines to the plan (checked, atomic, audited); (kind, message)."""
    targets = _changes(targets_before, targets_after, "kpi", "target") if targets_after is not None else {}
    lines = _changes(lines_before, lines_after, "line", "annual_usd") if lines_after is not None else {}
    try:
        before, after = plan_edit.edit_plan(connection(), current_actor(), plan_path(), targets, lines)
    except (access.PermissionDenied, plan_edit.PlanEditError) as exc:
        return "error", _("Plan not changed: {problem}.").format(problem=exc)
    if not after:
        return "info", _("Nothing changed.")
    plan_at.clear()
    forget_results()
    changes = "; ".join(f"{k} {before[k]} -> {after[k]}" for k in after)
    return "success", _("Plan updated: {changes}.").format(changes=changes)


def plan_editor(key: str, *, targets: bool) -> None:
    """Editable tables of the plan's budget lines (and KPI targets, for admins) with one save button."""
    t_before, l_before = plan_targets(), plan_budget_lines()
    t_after = None
    if targets:
        t_after = _editor(t_before, f"{key}_targets", ("kpi", "label", "unit", "op", "baseline"),
                          {"target": st.column_config.NumberColumn(_title("target"), required=True)})
    l_after = _editor(l_before, f"{key}_lines", ("line", "group"),
                      {"annual_usd": st.column_config.NumberColumn(_title("annual_usd"), min_value=0,
                                                                   format="dollar", required=True)})
    if st.button(_("Save to plan.toml"), icon=":material/save:", key=f"{key}_save"):
        kind, text = save_plan_edits(t_before, t_after, l_before, l_after)
        getattr(st, kind)(text)


def _editor(frame: pd.DataFrame, key: str, locked: tuple[str, ...], config: dict) -> pd.DataFrame:
    """An editable table of `frame` whose `locked` columns are read-only, headed and worded in the
    reader's language (a KPI's label, a budget line's name); the edits come back with the locked
    columns as they were (they are the keys the save matches on)."""
    full = {col: config.get(col) or st.column_config.Column(_title(col)) for col in frame.columns}
    worded = frame.assign(**{col: [_(v) for v in frame[col]] for col in ("label", "line") if col in locked})
    edited = st.data_editor(worded, key=key, hide_index=True, column_config=full, disabled=list(locked))
    return edited.assign(**{col: frame[col] for col in locked})


def _title(col: str) -> str:
    """A plan editor column's header in the reader's language."""
    if col == "line":  # a budget line: English's "line" means other things elsewhere
        return i18n.pgettext("budget", "line")
    return _(PLAN_TITLES.get(col, col))
