"""Roles and rights (data/access.py), and every data-layer write checking its actor itself, audited."""
from __future__ import annotations

import shutil
from datetime import date
from pathlib import Path

import pytest

from data import access, scenarios_store
from data.access import (
    Actor,
    PermissionDenied,
    Rules,
    actor_for,
    can,
    parse_rules,
    role_for,
)
from data.backup import backup
from data.importer import ImportOptions, run_import
from data.plan_edit import edit_plan
from data.warehouse import connect
from models import scenario

ROLE_ACTORS = {r: Actor(f"{r} user", f"{r}@example.com", r) for r in access.ROLES}
# Which role may do each write: the ladder, written out by hand.
ALLOWED = {
    access.SAVE_SCENARIO: {"finance", "planner", "admin"},
    access.DELETE_SCENARIO: {"finance", "planner", "admin"},
    access.EDIT_BUDGET: {"finance", "planner", "admin"},
    access.CAPACITY_SCENARIO: {"planner", "admin"},
    access.IMPORT: {"admin"},
    access.EDIT_PLAN: {"admin"},
    access.BACKUP: {"admin"},
    access.VIEW_AUDIT: {"admin"},
    access.VIEW: set(access.ROLES),
}
RULES = parse_rules({"unknown_users": "none", "users": {"Ana@Example.com": "finance"},
                     "groups": {"ops-admins": "admin", "ops-planners": "planner"}})
BASE = scenario.Base(start=date(2025, 9, 1), active_users=2000.0, tickets_per_user_month=0.4,
                     channel_share=(0.5, 0.3, 0.2), revenue_per_user_month_usd=26.4, instances=20.0,
                     data_gb=500.0, cpu_pct=45.0)
CHANGE = ("change_id,service_id,category,deployed_at\n"
          "chg-x1,{service},standard,2026-01-05T10:00:00Z\n")


@pytest.mark.parametrize("action", sorted(ALLOWED))
@pytest.mark.parametrize("role", access.ROLES)
def test_can_follows_the_ladder(role, action):
    """can() allows exactly the roles the issue lists for each action."""
    assert can(ROLE_ACTORS[role], action) is (role in ALLOWED[action])


def test_unknown_role_action_or_no_actor_allow_nothing():
    """A made-up role, a made-up action or no actor at all is refused."""
    assert not can(Actor("x", "", "superuser"), access.VIEW)
    assert not can(ROLE_ACTORS["admin"], "drop_everything")
    assert not can(None, access.VIEW)
    with pytest.raises(PermissionDenied, match="anonymous"):
        access.require(None, access.IMPORT)


@pytest.mark.parametrize("claims, role", [
    ({"email": "ana@example.com"}, "finance"),                                      # e-mail, any case
    ({"email": "ana@example.com", "groups": ["ops-admins"]}, "admin"),              # the highest role wins
    ({"email": "ana@example.com", "email_verified": False}, None),                  # unverified e-mail earns nothing
    ({"email": "bo@example.com", "groups": "ops-planners"}, "planner"),             # a single group as a string
    ({"email": "stranger@example.com"}, None),                                      # unknown: no access
])
def test_role_for_claims(claims, role):
    """Roles come from the e-mail or groups claim; unknown users get none by default."""
    assert role_for(claims, RULES) == role


def test_unknown_users_can_be_made_viewers_and_bad_roles_are_refused():
    """unknown_users = "viewer" lets any signed-in user read; a misspelt role stops with the key named."""
    assert actor_for({"email": "x@y.z", "name": "X"}, Rules(unknown="viewer")) == Actor("X", "x@y.z", "viewer")
    with pytest.raises(access.AccessError, match=r"\[users\].*superuser"):
        parse_rules({"users": {"a@b.c": "superuser"}})


def test_shipped_access_file_loads():
    """access.toml at the repo root is valid and gives the example admin the admin role."""
    assert role_for({"email": "admin@example.com"}, access.load_rules(access.DEFAULT_ACCESS_PATH)) == "admin"


def test_access_file_comes_from_the_environment(tmp_path, monkeypatch: pytest.MonkeyPatch):
    """$OPSPLAN_ACCESS names the file (access_path, read by load_rules without a path); unset, the repo root's."""
    monkeypatch.delenv(access.ACCESS_ENV, raising=False)
    assert access.access_path() == access.DEFAULT_ACCESS_PATH
    own = tmp_path / "access.toml"
    own.write_text('[users]\n"ana@example.com" = "finance"\n')
    monkeypatch.setenv(access.ACCESS_ENV, str(own))
    assert access.access_path() == own
    rules = access.load_rules()
    assert (role_for({"email": "ana@example.com"}, rules), role_for({"email": "admin@example.com"}, rules)) == \
        ("finance", None)


# ---- each write function checks the role itself, and audits in the same transaction

@pytest.fixture
def con(demo_db: Path, tmp_path: Path):
    path = tmp_path / "w.duckdb"
    shutil.copyfile(demo_db, path)
    c = connect(path)
    yield c
    c.close()


def audit_rows(con) -> list[tuple]:
    return con.execute("select actor_email, actor_role, action, target from audit_log order by logged_at").fetchall()


def _write(action: str, con, actor: Actor, tmp_path: Path, plan):
    """Do the write that `action` names as `actor`."""
    drivers = scenario.to_stored(scenario.base_drivers(plan, BASE))
    if action == access.SAVE_SCENARIO:
        return scenarios_store.save(con, "probe", drivers, 12, actor)
    if action == access.DELETE_SCENARIO:
        scenarios_store.save(con, "probe", drivers, 12, ROLE_ACTORS["admin"])
        return scenarios_store.delete(con, "probe", actor)
    if action == access.IMPORT:
        service = con.execute("select min(service_id) from services").fetchone()[0]
        return run_import(con, CHANGE.format(service=service).encode(), "c.csv", "changes",
                          ImportOptions(tz="UTC"), actor=actor)
    if action == access.BACKUP:
        return backup(con, tmp_path / "bk", actor)
    plan_file = tmp_path / "plan.toml"
    shutil.copyfile(Path(__file__).resolve().parent.parent / "plan.toml", plan_file)
    if action == access.EDIT_PLAN:
        return edit_plan(con, actor, plan_file, kpi_targets={"uptime_pct": 99.95})
    return edit_plan(con, actor, plan_file, budget={"cloud_services": 80000})


WRITES = [access.SAVE_SCENARIO, access.DELETE_SCENARIO, access.IMPORT, access.BACKUP, access.EDIT_PLAN,
          access.EDIT_BUDGET]


@pytest.mark.parametrize("action", WRITES)
@pytest.mark.parametrize("role", access.ROLES)
def test_write_checks_its_actor(role, action, con, tmp_path, plan):
    """Each write refuses a role below it before changing anything, and audits who did it when allowed."""
    actor = ROLE_ACTORS[role]
    before = con.execute("select count(*) from audit_log").fetchone()[0]
    if role in ALLOWED[action]:
        _write(action, con, actor, tmp_path, plan)
        assert audit_rows(con)[-1][:3] == (actor.email, role, action)
    else:
        with pytest.raises(PermissionDenied, match=f"{role}.*may not"):
            _write(action, con, actor, tmp_path, plan)
        seeded = 1 if action == access.DELETE_SCENARIO else 0  # the admin's save that the delete tries
        assert con.execute("select count(*) from audit_log").fetchone()[0] == before + seeded
        assert not (tmp_path / "bk").exists()


def test_failed_save_leaves_no_audit_row(con, plan):
    """The audit row is in the write's transaction: a refused duplicate name writes neither."""
    drivers = scenario.to_stored(scenario.base_drivers(plan, BASE))
    scenarios_store.save(con, "dup", drivers, 12, ROLE_ACTORS["finance"])
    with pytest.raises(scenarios_store.StoreError):
        scenarios_store.save(con, "dup", drivers, 6, ROLE_ACTORS["finance"])
    assert [r[2] for r in audit_rows(con)] == [access.SAVE_SCENARIO]


def test_replace_and_delete_keep_before_and_after(con, plan):
    """A replacing save audits the old drivers as before; a delete audits them with no after."""
    drivers = scenario.to_stored(scenario.base_drivers(plan, BASE))
    scenarios_store.save(con, "s", drivers, 12, ROLE_ACTORS["finance"])
    scenarios_store.save(con, "s", drivers, 6, ROLE_ACTORS["planner"], replace=True)
    scenarios_store.delete(con, "s", ROLE_ACTORS["admin"])
    rows = con.execute("select before_json, after_json from audit_log order by logged_at").fetchall()
    assert rows[0][0] is None and '"months": 12' in rows[0][1]
    assert '"months": 12' in rows[1][0] and '"months": 6' in rows[1][1]
    assert '"months": 6' in rows[2][0] and rows[2][1] is None


def test_cli_acts_as_local_admin():
    """The command line is a local admin (shell access to the file is admin already)."""
    actor = access.cli_actor()
    assert actor.role == "admin" and "(command line)" in actor.name


def test_without_sign_in_every_visitor_is_the_local_admin(monkeypatch):
    """Sign-in off: the visitor is the operating-system user (getpass reads LOGNAME first), an admin
    who may do everything, editing the plan included; with no user name in the environment the
    name is 'local user'."""
    monkeypatch.setenv("LOGNAME", "maria")
    visitor = access.visitor_without_sign_in()
    assert visitor == access.Actor("maria", "", "admin")
    assert all(access.can(visitor, action) for action in access.MIN_ROLE)
    assert access.cli_actor().name == "maria (command line)"
    for name in ("LOGNAME", "USER", "LNAME", "USERNAME"):
        monkeypatch.delenv(name, raising=False)
    def no_such_uid(uid: int):
        raise KeyError(uid)  # what pwd raises for a uid without a passwd entry (a container's)

    monkeypatch.setattr("pwd.getpwuid", no_such_uid)
    assert access.visitor_without_sign_in().name == "local user"
