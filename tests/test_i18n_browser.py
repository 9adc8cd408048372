"""Thai in the browser: every page opened in Thai at 1280 and 1440 px draws in the app's Thai font with no
tile text cut, and the language switch keeps the view. Screenshots: test-artifacts/browser-th-*.png."""
from __future__ import annotations

from urllib.parse import urlparse

import pytest

from tests.test_browser import (CUT_TILE_TEXT, browser, check_page, cut_chart_titles, demo_file,  # noqa: F401
                                nav_links, page, screenshot, server, settle, shot_on_failure)

LINK = "lang=th&start=2026-08-01&end=2026-11-01"
# The Thai font the app serves itself (.streamlit/config.toml [[theme.fontFaces]]) drew some text.
THAI_FONT_USED = """() => document.fonts.check('16px Loma', 'ก') &&
  [...document.fonts].some(f => f.family.replace(/["']/g, '') === 'Loma' && f.status === 'loaded')"""
THAI_LETTERS = "() => (document.querySelector('[data-testid=stMain]').innerText.match(/[\\u0E00-\\u0E7F]/g) || []).length"


@pytest.mark.parametrize("width", [1280, 1440])
def test_every_page_in_thai(server: str, page, width: int):  # noqa: F811
    """Each page in Thai: no exception, its charts drawn, Thai on it in the app's own Thai font, and
    no tile label or delta cut short (Thai labels run longer than English ones); at 1280 px no chart
    title cut either, in any of the page's tabs."""
    page.set_viewport_size({"width": width, "height": 1000})
    page.goto(f"{server}/?{LINK}")
    settle(page)
    cut, thin, titles = {}, [], {}
    for name, href in nav_links(page, server).items():
        title = name.split("\n")[-1]
        with shot_on_failure(page, f"th-{width}-{title}"):
            slug = urlparse(href).path.strip("/").rsplit("/", 1)[-1] or "overview"
            page.goto(f"{href if href.startswith('http') else server + '/' + href.lstrip('/')}?{LINK}")
            check_page(page, "Admin" if slug == "admin" else title)  # what the page draws, by its English name
            settle(page)
            assert page.evaluate(THAI_FONT_USED), f"{title}: the app's Thai font was not loaded"
            if page.evaluate(THAI_LETTERS) < 200:
                thin.append(title)
            if found := page.evaluate(CUT_TILE_TEXT):
                cut[title] = found
            if width == 1280:  # before the screenshot, which widens the window
                titles |= {f"{title} / {tab}": found for tab, found in cut_chart_titles(page).items()}
            screenshot(page, f"th-{width}-{slug}")
            page.set_viewport_size({"width": width, "height": 1000})
    assert not thin, f"pages with little Thai on them: {thin}"
    assert not cut, f"tile text cut at {width} px in Thai: {cut}"
    assert not titles, f"chart titles cut at {width} px in Thai: {titles}"


def test_switching_language_keeps_the_period_and_filters(server: str, page):  # noqa: F811
    """From Thai to English with a non-default period and two services chosen: the same view, in
    English, and the link says so."""
    with shot_on_failure(page, "th-switch"):
        page.goto(f"{server}/?lang=th&start=2026-01-01&end=2026-11-26&services=auth,api")
        settle(page)
        sidebar = page.locator('[data-testid="stSidebar"]')
        period = sidebar.locator('[data-testid="stSelectbox"] input[role="combobox"]').first
        assert period.input_value() == "ตั้งแต่ต้นปีถึงปัจจุบัน"
        sidebar.locator("button", has_text="English").first.click()
        page.wait_for_url("**lang=en**")
        settle(page)
        page.wait_for_function("() => document.querySelector('[data-testid=stSidebar]').innerText.includes('Period')")
        settle(page)
        assert period.input_value() == "Year to date"
        text = sidebar.inner_text()
        assert "Auth and SSO" in text and "Public API" in text
        assert "start=2026-01-01" in page.url and "services=auth%2Capi" in page.url
        assert page.locator('[data-testid="stException"]').count() == 0
        screenshot(page, "th-switched-to-english")
