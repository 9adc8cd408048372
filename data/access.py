"""Who may see and change what: roles, actions and the rules that map a signed-in user to a role.

Pure (no Streamlit, no DuckDB). Roles form a ladder, each with every right of the one below:

- viewer: every KPI page (read only);
- finance: + budget lines of the plan, saved scenarios (save, delete);
- planner: + capacity scenarios;
- admin: + imports, plan targets, backups, the audit log.

Every write function of the data layer calls `require(actor, ACTION)` itself: a page hidden from
the navigation is not a permission. The rules live in `access.toml` at the repo root (path from
$OPSPLAN_ACCESS); they apply only when sign-in is on (an `[auth]` section in
`.streamlit/secrets.toml`). Without sign-in the app runs as one local user with every right, and
command-line tools act as a local admin (shell access to the warehouse file is admin already).
"""
from __future__ import annotations

import getpass
import os
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

ROLES = ("viewer", "finance", "planner", "admin")  # lowest first; each role has the rights of those before it
NO_ACCESS = "none"
DEFAULT_ACCESS_PATH = Path(__file__).resolve().parent.parent / "access.toml"
ACCESS_ENV = "OPSPLAN_ACCESS"  # the access file the app and every command read, else access.toml

VIEW = "view"
EDIT_BUDGET = "edit_budget"
SAVE_SCENARIO = "save_scenario"
DELETE_SCENARIO = "delete_scenario"
CAPACITY_SCENARIO = "capacity_scenario"
IMPORT = "import"
EDIT_PLAN = "edit_plan"
BACKUP = "backup"
VIEW_AUDIT = "view_audit"
ACKNOWLEDGE_ALERT = "acknowledge_alert"

# The right a page of pages/ needs to be listed; any other page needs VIEW. A hidden page
# is not a permission: every write checks the actor's role again in the data layer.
PAGE_RIGHTS = {"scenarios.py": SAVE_SCENARIO, "capacity.py": CAPACITY_SCENARIO, "data.py": IMPORT,
               "admin.py": VIEW_AUDIT}


def page_right(page_file: str) -> str:
    """The right needed to open pages/<page_file> (app.py lists it, and links to it check it)."""
    return PAGE_RIGHTS.get(page_file, VIEW)


# The lowest role allowed each action.
MIN_ROLE = {VIEW: "viewer", EDIT_BUDGET: "finance", SAVE_SCENARIO: "finance", DELETE_SCENARIO: "finance",
            CAPACITY_SCENARIO: "planner", IMPORT: "admin", EDIT_PLAN: "admin", BACKUP: "admin", VIEW_AUDIT: "admin",
            ACKNOWLEDGE_ALERT: "planner"}
WORDS = {VIEW: "view the dashboard", EDIT_BUDGET: "edit the plan's budget lines", SAVE_SCENARIO: "save scenarios",
         DELETE_SCENARIO: "delete saved scenarios", CAPACITY_SCENARIO: "run capacity scenarios",
         IMPORT: "import data", EDIT_PLAN: "edit the plan's targets", BACKUP: "back up the warehouse",
         VIEW_AUDIT: "read the audit log", ACKNOWLEDGE_ALERT: "acknowledge alerts"}


class PermissionDenied(PermissionError):
    """An actor tried an action its role does not allow; the message names both."""


class AccessError(ValueError):
    """access.toml cannot be used; the message names the key."""


@dataclass(frozen=True)
class Actor:
    """Who does something: shown and audited as `name` (`email`), allowed by `role`."""

    name: str
    email: str
    role: str

    def label(self) -> str:
        return f"{self.name} <{self.email}>" if self.email and self.email != self.name else self.name


LOCAL_USER = Actor("local user", "", "admin")  # sign-in off: one local user with every right


def os_user() -> str:
    """The operating-system user the process runs as ('local user' when the environment names none)."""
    try:
        return getpass.getuser() or "local user"
    except (KeyError, OSError):  # no user name in the environment (some containers)
        return "local user"


def cli_actor() -> Actor:
    """The command line acts as a local admin, audited under the operating-system user."""
    return Actor(f"{os_user()} (command line)", "", "admin")


def visitor_without_sign_in() -> Actor:
    """Who a visitor is while sign-in is off: the one local user, named as the operating-system
    user the app runs as, with every right (admin). Without sign-in the app is meant to listen on
    the loopback only (docs/operating.md), where whoever reaches it could open the warehouse file
    directly anyway."""
    return Actor(os_user(), "", "admin")


def can(actor: Actor | None, action: str) -> bool:
    """True when `actor`'s role allows `action` (an unknown action or role allows nothing)."""
    if actor is None or actor.role not in ROLES or action not in MIN_ROLE:
        return False
    return ROLES.index(actor.role) >= ROLES.index(MIN_ROLE[action])


def require(actor: Actor | None, action: str) -> None:
    """Raise PermissionDenied unless `actor` may do `action`; every write function calls this."""
    if not can(actor, action):
        who = f"{actor.label()} ({actor.role})" if isinstance(actor, Actor) else "an anonymous caller"
        raise PermissionDenied(f"{who} may not {WORDS.get(action, action)}; "
                               f"that needs the {MIN_ROLE.get(action, 'admin')} role")


@dataclass(frozen=True)
class Rules:
    """access.toml as typed rules: role per e-mail, per group, and for signed-in users matched by none."""

    users: tuple[tuple[str, str], ...] = ()
    groups: tuple[tuple[str, str], ...] = ()
    unknown: str = NO_ACCESS
    groups_claim: str = "groups"


def _roles(table: Any, key: str) -> tuple[tuple[str, str], ...]:
    if not isinstance(table, dict):
        raise AccessError(f"access.toml: [{key}] must be a table of \"name\" = \"role\"")
    bad = {k: v for k, v in table.items() if v not in ROLES}
    if bad:
        raise AccessError(f"access.toml: [{key}] has unknown role(s) {bad}; roles: {', '.join(ROLES)}")
    return tuple(sorted((str(k).strip().lower(), v) for k, v in table.items()))


def parse_rules(t: Mapping[str, Any]) -> Rules:
    """Type and check a parsed access.toml; AccessError names the bad key."""
    unknown = t.get("unknown_users", NO_ACCESS)
    if unknown not in (NO_ACCESS, *ROLES):
        raise AccessError(f"access.toml: unknown_users must be \"none\" or a role, not {unknown!r}")
    claim = t.get("groups_claim", "groups")
    if not isinstance(claim, str) or not claim:
        raise AccessError("access.toml: groups_claim must be a claim name such as \"groups\"")
    return Rules(users=_roles(t.get("users", {}), "users"), groups=_roles(t.get("groups", {}), "groups"),
                 unknown=unknown, groups_claim=claim)


def access_path() -> Path:
    """The access file to read: $OPSPLAN_ACCESS when set, else access.toml at the repo root."""
    return Path(os.environ.get(ACCESS_ENV) or DEFAULT_ACCESS_PATH)


def load_rules(path: str | Path | None = None) -> Rules:
    """The access rules (`path`, else access_path()); no file means no signed-in user has a role."""
    path = access_path() if path is None else Path(path)
    try:
        with open(path, "rb") as fh:
            return parse_rules(tomllib.load(fh))
    except FileNotFoundError:
        return Rules()
    except tomllib.TOMLDecodeError as exc:
        raise AccessError(f"{path}: not valid TOML: {exc}") from None


def role_for(claims: Mapping[str, Any], rules: Rules) -> str | None:
    """The highest role that the user's e-mail or groups earn, else the rules' role for unknown users;
    None: no access. An e-mail the provider marks unverified earns nothing."""
    email = str(claims.get("email") or "").strip().lower()
    verified = claims.get("email_verified", True) not in (False, "false")
    groups = claims.get(rules.groups_claim) or ()
    groups = {str(g).strip().lower() for g in ([groups] if isinstance(groups, str) else groups)}
    found = [r for e, r in rules.users if verified and email and e == email]
    found += [r for g, r in rules.groups if g in groups]
    if found:
        return max(found, key=ROLES.index)
    return None if rules.unknown == NO_ACCESS else rules.unknown


def actor_for(claims: Mapping[str, Any], rules: Rules) -> Actor | None:
    """The signed-in user as an Actor, or None when the rules give them no access."""
    role = role_for(claims, rules)
    if role is None:
        return None
    email = str(claims.get("email") or "")
    name = str(claims.get("name") or email or claims.get("sub") or "signed-in user")
    return Actor(name, email, role)
