"""Secure by default: loopback unless opened (and then a warning), no start with the example cookie
secret, server-side sign-out and a daily re-sign-in, backups git-ignored."""
from __future__ import annotations

import subprocess
import tomllib
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
import streamlit as st

from data import sessions
from data.warehouse import connect
from tests.conftest import app_test

ROOT = Path(__file__).resolve().parent.parent
AUTH = {"redirect_uri": "http://localhost:8501/oauth2callback", "client_id": "opsplan", "client_secret": "x",
        "server_metadata_url": "http://localhost:9/.well-known/openid-configuration"}


def test_shipped_config_listens_on_loopback_only():
    config = tomllib.loads((ROOT / ".streamlit" / "config.toml").read_text())
    assert config["server"]["address"] == "127.0.0.1"


def test_backups_beside_the_warehouse_are_git_ignored(tmp_path):
    """`data/warehouse.duckdb.backups/<time>/x.parquet` is ignored by the repository's .gitignore."""
    run = subprocess.run(["git", "check-ignore", "-q", "--no-index", "data/warehouse.duckdb.backups/2026/x.parquet"],
                         cwd=ROOT, capture_output=True)
    assert run.returncode == 0


@pytest.mark.parametrize("secret, says", [("a long random string", "example's placeholder"),
                                          ("short-secret", "12 characters")])
def test_example_cookie_secret_stops_the_app_with_a_clear_page(app_db, monkeypatch, secret, says):
    """With the example's (or a short) cookie secret no page is served: one error naming the fix, no traceback."""
    at = app_test(app_db, monkeypatch)
    at.secrets["auth"] = {**AUTH, "cookie_secret": secret}
    at.run()
    assert not at.exception
    assert [t.value for t in at.title] == ["opsplan cannot start"]
    (error,) = at.error
    assert "unsafe cookie secret" in error.value and says in error.value and "token_urlsafe" in error.value
    assert not at.button  # not even the sign-in button


def test_a_long_random_cookie_secret_reaches_the_sign_in_page(app_db, monkeypatch):
    at = app_test(app_db, monkeypatch)
    at.secrets["auth"] = {**AUTH, "cookie_secret": "k" * 48}
    at.run()
    assert not at.exception and not at.error
    assert [b.label for b in at.button] == ["Sign in"]


@pytest.fixture
def address():
    """Set server.address for one test, then put the previous value back."""
    before = st.get_option("server.address")
    yield lambda value: st.config.set_option("server.address", value)
    st.config.set_option("server.address", before)


@pytest.mark.parametrize("value, warned", [("0.0.0.0", True), (None, True), ("127.0.0.1", False),
                                           ("localhost", False)])
def test_sidebar_warns_while_open_to_the_network_without_sign_in(app_db, monkeypatch, address, value, warned):
    """Sign-in off and listening beyond loopback (0.0.0.0, or unset: every interface): the sidebar says so."""
    address(value)
    at = app_test(app_db, monkeypatch)
    at.run()
    assert not at.exception
    found = [w.value for w in at.sidebar.warning if "Open to the network without sign-in" in w.value]
    assert bool(found) is warned


# --- server-side sign-out and the daily re-sign-in (the policy; the browser test signs out for real) ---

NOW = datetime(2026, 11, 26, 12, 0, tzinfo=UTC)


def claims(issued: datetime | None, sub: str = "fiona") -> dict:
    out = {"is_logged_in": True, "iss": "http://localhost:1", "sub": sub, "email": f"{sub}@example.com"}
    return out | ({"iat": int(issued.timestamp())} if issued else {})


def test_verdict_refuses_cookies_issued_before_a_sign_out_or_over_a_day_ago():
    fresh = claims(NOW - timedelta(hours=1))
    assert sessions.verdict(fresh, None, NOW) is None
    assert sessions.verdict(fresh, NOW - timedelta(minutes=30), NOW) == "signed out"   # issued before it
    assert sessions.verdict(fresh, NOW - timedelta(hours=2), NOW) is None               # signed in again after
    assert sessions.verdict(claims(NOW - timedelta(days=1, seconds=1)), None, NOW) == "expired"
    assert sessions.verdict(claims(NOW - timedelta(days=1)), None, NOW) is None          # exactly a day: still fine
    assert sessions.verdict(claims(None), None, NOW) == "no issue time"


def test_a_recorded_sign_out_is_found_for_that_identity_only(tmp_path):
    con = connect(tmp_path / "w.duckdb")
    try:
        sessions.record_sign_out(con, claims(NOW), NOW)
        assert sessions.signed_out_at(con, claims(NOW)) == NOW
        assert sessions.signed_out_at(con, claims(NOW, sub="ann")) is None
        sessions.record_sign_out(con, claims(NOW), NOW + timedelta(hours=1))  # the latest sign-out counts
        assert sessions.signed_out_at(con, claims(NOW)) == NOW + timedelta(hours=1)
    finally:
        con.close()
