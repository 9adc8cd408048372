"""Sign-in and roles: who the visitor is (Streamlit's OIDC, or the local user when sign-in is off),
what they may do (access.toml), the sign-in gate, and the refusal to serve with an unsafe cookie secret.
"""
from __future__ import annotations

import logging
from datetime import UTC, datetime
from typing import Mapping

import streamlit as st

from core.i18n import _, N_
from data import access, sessions

from ui.cache import connection
from ui.formatting import md_escape


def scenario_author() -> str:
    """Who saves: the signed-in user's name, or with sign-in off the operating-system user the app runs as."""
    actor = current_actor()
    return actor.name if actor else "nobody"


def importer_actor() -> access.Actor | None:
    """Who imports: the user on screen (current_actor)."""
    return current_actor()


def can_import() -> bool:
    """Whether the user on screen may import (the importer checks again itself)."""
    return access.can(importer_actor(), access.IMPORT)


_log = logging.getLogger("opsplan.access")  # the operator's log: English, not the catalogue's
AUDIT_ACTIONS = ("", access.IMPORT, access.SAVE_SCENARIO, access.DELETE_SCENARIO, access.EDIT_PLAN, access.EDIT_BUDGET, access.BACKUP,
                 access.ACKNOWLEDGE_ALERT)
# How the audit filter names each action (the values stay the keys the log stores)
AUDIT_WORDS = {"": N_("every action"), access.IMPORT: N_("import"), access.SAVE_SCENARIO: N_("save_scenario"),
               access.DELETE_SCENARIO: N_("delete_scenario"), access.EDIT_PLAN: N_("edit_plan"),
               access.EDIT_BUDGET: N_("edit_budget"), access.BACKUP: N_("backup"),
               access.ACKNOWLEDGE_ALERT: N_("acknowledge_alert")}


def auth_configured() -> bool:
    """Sign-in is on: the secrets have an [auth] section (st.login's own configuration)."""
    return st.secrets.load_if_toml_exists() and "auth" in st.secrets


@st.cache_resource(show_spinner=False)
def _rules(path: str, mtime: float) -> access.Rules:
    return access.load_rules(path)  # keyed by mtime: an edited access.toml applies on the next rerun


def access_rules() -> access.Rules:
    """access.toml ($OPSPLAN_ACCESS, else the repo root's); a bad file stops the app with the key named."""
    path = access.access_path()
    try:
        return _rules(str(path), path.stat().st_mtime if path.exists() else 0.0)
    except access.AccessError as exc:
        st.error(_("**The access file cannot be used.** {problem}").format(problem=exc))
        st.stop()


def current_actor() -> access.Actor | None:
    """Who is using the app. Sign-in off: access.visitor_without_sign_in. Sign-in on: the signed-in
    user with the role access.toml gives them; None when not signed in or given no role
    (shell/main.py then shows only the sign-in or no-access page)."""
    if not auth_configured():
        return access.visitor_without_sign_in()
    claims = st.user.to_dict()
    if not claims.get("is_logged_in"):
        return None
    why = sessions.verdict(claims, sessions.signed_out_at(connection(), claims), datetime.now(UTC))
    if why is not None:  # signed out elsewhere (a copied cookie), or signed in over a day ago: sign in again
        _log.log(logging.INFO, "identity cookie refused (%s): signing out", why)
        st.logout()
        return None
    return access.actor_for(claims, access_rules())


def can(action: str) -> bool:
    """Whether the user on screen may do `action` (for showing controls; the writes check again)."""
    return access.can(current_actor(), action)


def _providers() -> list[str]:
    """Named providers ([auth.NAME] tables); [] when [auth] itself names the one provider."""
    section = st.secrets["auth"]
    return [k for k, v in section.items() if isinstance(v, Mapping)]


def sign_in_page() -> None:
    """The only page before sign-in: what the app is, and a button per configured provider."""
    st.title(_("opsplan"))
    st.write(_("Sign in to see the IT operations plan."))
    providers = _providers()
    for provider in providers or [None]:
        st.button(_("Sign in with {provider}").format(provider=provider) if provider else _("Sign in"),
                  icon=":material/login:",
                  key=f"sign_in_{provider or 'default'}", on_click=st.login, args=(provider,) if provider else ())


def no_access_page() -> None:
    """A signed-in user whom access.toml gives no role: told so, with a way out."""
    who = st.user.to_dict()
    st.title(_("No access"))
    st.write(_("You are signed in as {who}, but this dashboard has not given you a role. Ask an administrator to "
               "add you to access.toml.").format(who=who.get("email") or who.get("name") or _("an unnamed user")))
    st.button(_("Sign out"), icon=":material/logout:", on_click=sign_out, key="sign_out_no_access")


def user_box(actor: access.Actor) -> None:
    """Sidebar: who is signed in and their role, or that sign-in is off and the local user has every right."""
    if not auth_configured():
        st.caption(_("Sign-in is off: you are the single local user ({name}) with every right. "
                     "Add an [auth] section to .streamlit/secrets.toml to require sign-in.").format(name=actor.name))
        return
    st.caption(_("Signed in as **{who}** · role: {role}").format(who=md_escape(actor.label()), role=actor.role))
    st.button(_("Sign out"), icon=":material/logout:", on_click=sign_out, key="sign_out")


def sign_out() -> None:
    """Sign out here and everywhere: the sign-out is recorded server-side first, so this identity's
    cookies issued until now (a copy in another browser included) are refused from now on."""
    claims = st.user.to_dict()
    if claims.get("is_logged_in"):
        sessions.record_sign_out(connection(), claims)
    st.logout()


# The example's placeholder, and anything this short, is guessable: whoever knows it can forge a cookie.
EXAMPLE_COOKIE_SECRETS = ("a long random string", "xxx", "changeme", "change me", "secret")
MIN_COOKIE_SECRET = 32
LOOPBACK = ("127.0.0.1", "localhost", "::1")


def cookie_secret_problem() -> str | None:
    """Why the configured sign-in cookie secret must not be used, None when sign-in is off or it is fine."""
    if not auth_configured():
        return None
    secret = str(st.secrets["auth"].get("cookie_secret") or "")
    if secret.strip().lower() in EXAMPLE_COOKIE_SECRETS:
        return _("it is the example's placeholder")
    if len(secret) < MIN_COOKIE_SECRET:
        return _("it has {n} characters; at least {least} are needed").format(n=len(secret), least=MIN_COOKIE_SECRET)
    return None


def refuse_unsafe_secret() -> None:
    """Stop with a clear page (no traceback) while the cookie secret is the example's or too short."""
    problem = cookie_secret_problem()
    if problem is None:
        return
    _log.log(logging.ERROR, "refusing to serve: the [auth] cookie_secret cannot be used (%s)", problem)
    st.title(_("opsplan cannot start"))
    st.error(_("**Sign-in is configured with an unsafe cookie secret:** {problem}. Anyone who knows it can "
               "forge a signed-in identity. Set `cookie_secret` in `.streamlit/secrets.toml` to a new random "
               "value, e.g. the output of `python -c \"import secrets; print(secrets.token_urlsafe(48))\"`, "
               "and restart the app.").format(problem=problem), icon=":material/key_off:")
    st.stop()


def open_without_sign_in() -> str | None:
    """The address the server listens on when it is reachable from other machines while sign-in is off
    (every visitor an admin); None when sign-in is on or it listens on loopback only."""
    address = st.get_option("server.address") or "0.0.0.0"  # unset: every interface
    if auth_configured() or address in LOOPBACK:
        return None
    return address


def warn_if_open() -> None:
    """Sidebar (and log, once per process) warning while the app is open to the network without sign-in."""
    address = open_without_sign_in()
    if address is None:
        return
    _warn_open_once(address)
    st.warning(_("**Open to the network without sign-in** (listening on {address}): anyone who can reach this "
                 "server is an admin. Turn sign-in on, or set `server.address = \"127.0.0.1\"`.").format(address=address),
               icon=":material/public:")


@st.cache_resource(show_spinner=False)
def _warn_open_once(address: str) -> None:
    _log.log(logging.WARNING, "listening on %s with sign-in off: every visitor is an admin; turn sign-in on or set "
             "server.address = 127.0.0.1", address)
