"""The Plan adherence page in Debian's headless Chromium at 1280 px, as a person opens it from the
Overview's line; a full-page screenshot goes to test-artifacts/ for a look."""
from __future__ import annotations

from pathlib import Path

from tests.test_browser import (ARTIFACTS, TIMEOUT_MS, browser, check_page, demo_file, server, settle,  # noqa: F401
                                shot_on_failure)

WIDTH = 1280  # a laptop screen: the table, the tiles and the charts must read at this width


def full_page(page, name: str) -> Path:
    """The whole page at WIDTH: Streamlit scrolls inside its main pane, so grow the window to fit it."""
    ARTIFACTS.mkdir(exist_ok=True)
    height = page.evaluate("() => document.querySelector('[data-testid=stMain]')?.scrollHeight || 1000")
    page.set_viewport_size({"width": WIDTH, "height": min(int(height) + 40, 16_000)})
    page.wait_for_timeout(500)  # charts re-lay-out to the new height
    path = ARTIFACTS / f"browser-{name}.png"
    page.screenshot(path=str(path), full_page=True)
    return path


def test_the_overview_line_opens_plan_adherence(server: str, browser):  # noqa: F811
    """The Overview's 'N of M plan promises kept' opens the page: no exception, its tables and the
    four charts drawn; a click on the first row shows its definition; then a year with misses.
    Both screenshots are for a person to look at."""
    from playwright.sync_api import expect

    context = browser.new_context(viewport={"width": WIDTH, "height": 900})
    page = context.new_page()
    page.set_default_timeout(TIMEOUT_MS)
    try:
        with shot_on_failure(page, "adherence"):
            page.goto(f"{server}/?start=2026-08-01&end=2026-11-01")
            settle(page)
            page.get_by_role("link", name="plan promises kept").click()
            page.wait_for_selector("h1:has-text('Plan adherence')")
            check_page(page, "Plan adherence")
            page.wait_for_function(
                "() => document.querySelectorAll('.opsplan-chart .main-svg').length >= 4")
            settle(page)
            assert page.locator('[data-testid="stException"]').count() == 0
            assert page.locator('[data-testid="stDataFrame"]').count() >= 4
            assert full_page(page, "plan-adherence").exists()
            # one click on the first row's selection box: its definition, under the table
            table = page.locator('[data-testid="stDataFrame"]').filter(has_text="the plan says").first
            table.scroll_into_view_if_needed()
            box = table.bounding_box()
            page.mouse.click(box["x"] + 15, box["y"] + 53)
            expect(page.get_by_text("is judged this way")).to_be_visible(timeout=TIMEOUT_MS)
            settle(page)
            assert page.get_by_text("backups_expected").count() >= 1
            full_page(page, "plan-adherence-definition")
            # a year that holds windows past the plan's and backup gaps past the RPO: red in the charts
            page.goto(f"{server}/adherence?start=2025-12-01&end=2026-12-01")
            check_page(page, "Plan adherence")
            settle(page)
            assert page.locator('[data-testid="stException"]').count() == 0
            assert full_page(page, "plan-adherence-year").exists()
    finally:
        context.close()
