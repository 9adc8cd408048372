"""Sign-in in a real browser through a real OpenID Connect provider (oidc-provider-mock, started here on
localhost), a tampered identity cookie refused, and imported HTML in an incident summary shown as text.
Debian's /usr/bin/chromium through playwright; screenshots in test-artifacts/. No network beyond localhost.
"""
from __future__ import annotations

import contextlib
import os
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest

from benchmarks.load import free_port
from tests.test_browser import (
    ARTIFACTS,
    CHROMIUM,
    CHROMIUM_ARGS,
    DONE,
    TIMEOUT_MS,
    open_tab,
    _require_chromium,
    running_app,
)

FINANCE = {"email": "finance@example.com", "name": "Fiona Finance", "email_verified": True}
PAYLOAD = '<img src=x onerror="window.__xss=1"><script>window.__xss=2</script>'


@contextlib.contextmanager
def provider(users: dict[str, dict]) -> Iterator[str]:
    """A local OpenID Connect provider whose sign-in form accepts the given subjects (and their claims)."""
    from oidc_provider_mock import User, run_server_in_thread

    with run_server_in_thread(user_claims=[User(sub=sub, claims=claims) for sub, claims in users.items()]) as server:
        yield f"http://localhost:{server.server_port}"


def served(db: Path, log: Path, secrets: Path | None = None, port: int | None = None):
    """The app on localhost (the auth cookie's host), with an optional secrets file."""
    return running_app(db, log, host="localhost", port=port,
                       extra=["--secrets.files", str(secrets)] if secrets else [])


@pytest.fixture(scope="module")
def browser():
    _require_chromium()
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        chromium = pw.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS, headless=True)
        yield chromium
        chromium.close()


@pytest.fixture(scope="module")
def signed_app(demo_db: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """The app with sign-in on, against the local provider."""
    folder = tmp_path_factory.mktemp("auth_browser")
    db = folder / "demo.duckdb"
    shutil.copyfile(demo_db, db)
    port = free_port()
    with provider({"fiona": FINANCE}) as issuer:
        secrets = folder / "secrets.toml"
        secrets.write_text(f'[auth]\nredirect_uri = "http://localhost:{port}/oauth2callback"\n'
                           f'cookie_secret = "test-cookie-secret-{os.urandom(8).hex()}"\n'
                           'client_id = "opsplan"\nclient_secret = "opsplan-secret"\n'
                           f'server_metadata_url = "{issuer}/.well-known/openid-configuration"\n')
        with served(db, folder / "streamlit.log", secrets, port) as url:
            yield url


def settled(page) -> None:
    page.wait_for_selector(DONE, timeout=TIMEOUT_MS)


def sign_in(page, url: str, sub: str) -> None:
    """Open the app, press Sign in, choose `sub` on the provider's form, and come back signed in."""
    page.goto(url)
    settled(page)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_selector('input[name="sub"]', timeout=TIMEOUT_MS)
    page.fill('input[name="sub"]', sub)
    page.get_by_role("button", name="Authorize").click()
    page.wait_for_url(f"{url}/**", timeout=TIMEOUT_MS)
    settled(page)


def test_sign_in_through_a_real_provider(browser, signed_app):
    """Before sign-in only the Sign in button; after the provider's form, the finance role's pages only."""
    ARTIFACTS.mkdir(exist_ok=True)
    context = browser.new_context(viewport={"width": 1400, "height": 1000})
    page = context.new_page()
    try:
        page.goto(signed_app)
        settled(page)
        assert page.get_by_role("button", name="Sign in").is_visible()
        assert page.locator('[data-testid="stSidebarNav"]').count() == 0
        sign_in(page, signed_app, "fiona")
        sidebar = page.locator('[data-testid="stSidebar"]')
        sidebar.get_by_text("role: finance").wait_for(timeout=TIMEOUT_MS)
        assert "Fiona Finance" in sidebar.inner_text()
        nav = page.locator('[data-testid="stSidebarNav"]').inner_text()
        assert "Scenarios" in nav and "Budget" in nav
        assert "Admin" not in nav and "Capacity" not in nav and "\nData" not in nav
        page.screenshot(path=str(ARTIFACTS / "auth-signed-in-finance.png"), full_page=True)
    finally:
        context.close()


def test_tampered_identity_cookie_is_refused(browser, signed_app):
    """Changing one character of the signed identity cookie signs the user out: the app asks to sign in."""
    context = browser.new_context(viewport={"width": 1400, "height": 1000})
    page = context.new_page()
    try:
        sign_in(page, signed_app, "fiona")
        page.locator('[data-testid="stSidebar"]').get_by_text("role: finance").wait_for(timeout=TIMEOUT_MS)
        cookies = context.cookies()
        user = [c for c in cookies if c["name"].startswith("_streamlit_user")]
        assert user, [c["name"] for c in cookies]
        forged = []
        for c in user:
            value = c["value"]
            middle = len(value) // 2
            c = {**c, "value": value[:middle] + ("A" if value[middle] != "A" else "B") + value[middle + 1:]}
            forged.append(c)
        context.clear_cookies()
        context.add_cookies([{k: c[k] for k in ("name", "value", "domain", "path")} for c in forged])
        page.goto(signed_app)
        settled(page)
        page.get_by_role("button", name="Sign in").wait_for(timeout=TIMEOUT_MS)
        assert "role: finance" not in page.content()
        assert page.locator('[data-testid="stSidebarNav"]').count() == 0
    finally:
        context.close()


def test_html_in_an_imported_incident_summary_is_shown_as_text(browser, demo_db, tmp_path):
    """An incident imported with an HTML/script summary is displayed literally on the Reliability page:
    no element is created from it and no script runs."""
    from data.access import LOCAL_USER
    from data.importer import ImportOptions, run_import
    from data.warehouse import connect

    db = tmp_path / "demo.duckdb"
    shutil.copyfile(demo_db, db)
    con = connect(db)
    service = con.execute("select min(service_id) from services").fetchone()[0]
    csv = ("incident_id,service_id,severity,impact,started_at,detected_at,resolved_at,summary\n"
           f'INC-XSS,{service},critical,outage,2026-10-02T01:00:00Z,2026-10-02T01:05:00Z,,"{PAYLOAD.replace(chr(34), chr(34) * 2)}"\n')
    result = run_import(con, csv.encode(), "xss.csv", "incidents", ImportOptions(tz="UTC"), actor=LOCAL_USER)
    con.close()
    assert result.ok, result.issues
    context = browser.new_context(viewport={"width": 1400, "height": 1400})
    page = context.new_page()
    try:
        with served(db, tmp_path / "streamlit.log") as url:
            page.goto(f"{url}/reliability?start=2026-08-01&end=2026-11-01")
            settled(page)
            open_tab(page, "Longest incidents")  # the section is drawn once opened
            grid = page.locator(".st-key-worst_incidents [data-testid='stDataFrame']")
            grid.scroll_into_view_if_needed()
            box = grid.bounding_box()
            assert page.locator("#glide-cell-1-0").inner_text() == "INC-XSS"  # open incidents come first
            page.mouse.click(box["x"] + 12, box["y"] + 35 + 18)  # the first row's selection box
            shown = page.locator('[data-testid="stMarkdownContainer"]', has_text="window.__xss=1")
            try:
                shown.first.wait_for(timeout=TIMEOUT_MS)
            finally:
                page.screenshot(path=str(ARTIFACTS / "xss-incident-summary.png"), full_page=True)
            assert PAYLOAD in shown.first.inner_text()
            assert page.evaluate("window.__xss") is None
            assert page.locator('img[src="x"]').count() == 0
            assert page.locator("script", has_text="window.__xss").count() == 0
    finally:
        context.close()


def test_sign_out_revokes_a_copied_cookie(browser, signed_app):
    """A second browser with a copy of the identity cookie is signed in; once the first signs out, the
    copy no longer signs in (the sign-out is recorded server-side). Signing in again afterwards works."""
    import time

    first = browser.new_context(viewport={"width": 1400, "height": 1000})
    second = browser.new_context(viewport={"width": 1400, "height": 1000})
    try:
        page = first.new_page()
        sign_in(page, signed_app, "fiona")
        sidebar = page.locator('[data-testid="stSidebar"]')
        sidebar.get_by_text("role: finance").wait_for(timeout=TIMEOUT_MS)
        copied = [{k: c[k] for k in ("name", "value", "domain", "path")} for c in first.cookies()
                  if c["name"].startswith("_streamlit_user")]
        assert copied
        second.add_cookies(copied)
        other = second.new_page()
        other.goto(signed_app)
        settled(other)
        other.locator('[data-testid="stSidebar"]').get_by_text("role: finance").wait_for(timeout=TIMEOUT_MS)

        sidebar.get_by_role("button", name="Sign out").click()
        # Streamlit also signs out at the provider (its end-session page), then the app is opened again.
        page.wait_for_url(lambda u: "/auth/logout" not in u and not u.startswith(signed_app + "/?"),
                          timeout=TIMEOUT_MS)
        page.goto(signed_app)
        settled(page)
        page.get_by_role("button", name="Sign in").wait_for(timeout=TIMEOUT_MS)
        second.clear_cookies()
        second.add_cookies(copied)  # the copy as it was, whatever the sign-out did to this browser
        other.goto(signed_app)
        # Refused: the app signs the copy out (its cookie cleared, then the provider's end-session page).
        other.wait_for_url(lambda u: not u.startswith(signed_app), timeout=TIMEOUT_MS)
        assert not [c for c in second.cookies() if c["name"].startswith("_streamlit_user")]
        other.goto(signed_app)
        settled(other)
        other.get_by_role("button", name="Sign in").wait_for(timeout=TIMEOUT_MS)
        assert "role: finance" not in other.content()
        other.screenshot(path=str(ARTIFACTS / "auth-copied-cookie-after-sign-out.png"), full_page=True)

        time.sleep(1.1)  # a token issued in a later second than the sign-out
        sign_in(page, signed_app, "fiona")
        page.locator('[data-testid="stSidebar"]').get_by_text("role: finance").wait_for(timeout=TIMEOUT_MS)
    finally:
        first.close()
        second.close()
