"""Plan edits (data/plan_edit.py): checked by load_plan, replaced atomically, audited before/after."""
from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from core.plan import PlanError, load_plan
from data import plan_edit
from data.access import Actor, PermissionDenied
from data.plan_edit import PlanEditError, edit_plan
from data.warehouse import connect

ADMIN = Actor("Ada", "ada@example.com", "admin")
FINANCE = Actor("Fin", "fin@example.com", "finance")
PLAN = Path(__file__).resolve().parent.parent / "plan.toml"


@pytest.fixture
def plan_file(tmp_path: Path) -> Path:
    path = tmp_path / "plan.toml"
    shutil.copyfile(PLAN, path)
    return path


@pytest.fixture
def con():
    c = connect(":memory:")
    yield c
    c.close()


def audit(con) -> list[tuple]:
    return con.execute("select actor_name, action, target, before_json, after_json from audit_log").fetchall()


def test_edit_writes_values_keeps_comments_and_audits(con, plan_file):
    """New target and budget line are on disk, every comment stays, and one audit row has before and after."""
    edit_plan(con, ADMIN, plan_file, {"uptime_pct": 99.95}, {"cloud_services": 80000})
    plan = load_plan(plan_file)
    assert plan.kpi("uptime_pct").target == 99.95
    assert next(b for b in plan.budget_lines if b.name == "cloud_services").annual_usd == 80000
    old, new = PLAN.read_text().splitlines(), plan_file.read_text().splitlines()
    assert [line for line in old if line.startswith("#")] == [line for line in new if line.startswith("#")]
    assert sum(a != b for a, b in zip(old, new)) == 3  # the target, the line and the total that follows it
    assert plan.budget_total_usd == 678000  # 670,000 - 72,000 + 80,000: the lines must add up to the total
    (row,) = audit(con)
    assert row[:3] == ("Ada", "edit_plan", "plan.toml")
    assert json.loads(row[3]) == {"kpis.uptime_pct.target": 99.9, "budget.lines.cloud_services.annual_usd": 72000,
                                  "budget.total_usd": 670000}
    assert json.loads(row[4]) == {"kpis.uptime_pct.target": 99.95, "budget.lines.cloud_services.annual_usd": 80000,
                                  "budget.total_usd": 678000}


def test_finance_edits_budget_but_not_targets(con, plan_file):
    """Finance may change a budget line; a target change is refused and nothing is written."""
    edit_plan(con, FINANCE, plan_file, budget={"cloud_services": 75000})
    text = plan_file.read_text()
    with pytest.raises(PermissionDenied, match="finance"):
        edit_plan(con, FINANCE, plan_file, kpi_targets={"uptime_pct": 90.0})
    assert plan_file.read_text() == text
    assert [r[1] for r in audit(con)] == ["edit_budget"]


@pytest.mark.parametrize("targets, budget, message", [
    ({"no_such_kpi": 1.0}, {}, "no such key"),
    ({"uptime_pct": "high"}, {}, "not a number"),
    ({"uptime_pct": float("nan")}, {}, "not a number"),
    ({}, {"cloud_services": -5}, "cannot be negative"),
])
def test_bad_edits_change_nothing(con, plan_file, targets, budget, message):
    """An unknown key, a non-number or a negative budget is refused; file and audit log untouched."""
    text = plan_file.read_text()
    with pytest.raises(PlanEditError, match=message):
        edit_plan(con, ADMIN, plan_file, targets, budget)
    assert plan_file.read_text() == text and audit(con) == []


def test_a_plan_that_would_not_load_is_never_written(con, plan_file, monkeypatch):
    """The new text is loaded by load_plan first; when that fails the plan and the log stay as they were."""
    text = plan_file.read_text()

    def refuse(path):
        raise PlanError(f"{path}: kpis.uptime_pct.target out of range")

    monkeypatch.setattr(plan_edit, "load_plan", refuse)
    with pytest.raises(PlanEditError, match="would not load"):
        edit_plan(con, ADMIN, plan_file, {"uptime_pct": 99.95})
    assert plan_file.read_text() == text and audit(con) == []
    assert [p.name for p in plan_file.parent.iterdir()] == ["plan.toml"]  # no temporary file left


def test_no_change_writes_nothing(con, plan_file):
    """Saving the values already there neither rewrites the file nor audits."""
    mtime = plan_file.stat().st_mtime_ns
    assert edit_plan(con, ADMIN, plan_file, {"uptime_pct": 99.9}) == ({}, {})
    assert plan_file.stat().st_mtime_ns == mtime and audit(con) == []


class _FailingCommit:
    """A real connection whose cursors fail at commit, as a write conflict would: the one failure
    of an audited plan edit that happens after the plan file has been replaced."""

    def __init__(self, con):
        self.con = con

    def cursor(self):
        real = self.con.cursor()

        class Cursor:
            def __getattr__(self, name):
                return getattr(real, name)

            def commit(self):
                import duckdb
                raise duckdb.TransactionException("commit failed (test)")

        return Cursor()


def test_failed_audit_commit_puts_the_old_plan_back(con, plan_file):
    """The plan file is replaced just before the audit row commits; when the commit fails, the old
    text is back on disk and no audit row remains."""
    text = plan_file.read_text()
    with pytest.raises(Exception, match="commit failed"):
        edit_plan(_FailingCommit(con), ADMIN, plan_file, {"uptime_pct": 99.95})
    assert plan_file.read_text() == text
    assert audit(con) == []
    assert not list(plan_file.parent.glob(".plan.toml.*"))  # no temporary or backup file left
