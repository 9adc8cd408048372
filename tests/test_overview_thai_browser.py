"""The Overview in Thai in Debian's headless Chromium: Thai words are wider than the English ones
they replace, and a tile a quarter of a 1280 px page cuts what does not fit."""
from __future__ import annotations

import pytest

from tests.test_browser import (CUT_TILE_TEXT, TIMEOUT_MS, browser, demo_file, screenshot, server,  # noqa: F401
                                settle, shot_on_failure)


@pytest.mark.parametrize("width", [1280, 1440])
def test_no_thai_tile_text_is_cut(server: str, browser, width: int):  # noqa: F811
    """Every tile's label and delta on the Thai Overview is shown whole, at either width."""
    context = browser.new_context(viewport={"width": width, "height": 1000})
    page = context.new_page()
    page.set_default_timeout(TIMEOUT_MS)
    try:
        with shot_on_failure(page, f"overview-th-{width}"):
            page.goto(f"{server}/?lang=th&start=2026-08-01&end=2026-11-01")
            settle(page)
            page.wait_for_selector('[data-testid="stMetric"]')
            assert page.locator("h1", has_text="แผนเป็นไปตามเป้าหมายหรือไม่").count() == 1
            assert page.locator('[data-testid="stMetric"]').count() == 12
            assert page.evaluate(CUT_TILE_TEXT) == []
            screenshot(page, f"overview-th-{width}")
    finally:
        context.close()
