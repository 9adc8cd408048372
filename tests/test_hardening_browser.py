"""The served app as a browser and a network see it: security headers on every response, no request
leaving the machine to draw a page, and user text in the Data page's error box shown as text.

The server, browser and page fixtures are tests/test_browser.py's (a demo warehouse ending on the pinned
today, `streamlit run app.py` on a free port, Debian's headless Chromium); screenshots go to test-artifacts/.
"""
from __future__ import annotations

import re
import urllib.request
from urllib.parse import urlsplit

from tests.test_browser import (TIMEOUT_MS, browser, check_page, demo_file, page, screenshot,  # noqa: F401
                                server, settle, shot_on_failure)

HEADERS = {"x-frame-options": "SAMEORIGIN", "content-security-policy": "frame-ancestors 'self'",
           "x-content-type-options": "nosniff", "referrer-policy": "no-referrer"}
LINK = "[Fix here](https://evil.example/x)"
IMAGE = "![p](http://127.0.0.1:9/px.png)"


def headers_of(url: str) -> dict[str, str]:
    with urllib.request.urlopen(url, timeout=30) as response:
        return {k.lower(): v for k, v in response.headers.items()}


def test_every_response_carries_the_security_headers(server: str):  # noqa: F811
    """The page, a script it loads, the health check and a 404 all carry the four headers."""
    html = urllib.request.urlopen(server, timeout=30).read().decode()
    script = re.search(r'src="(\.?/?static/js/[^"]+\.js)"', html).group(1).lstrip(".")
    for path in ("/", "/" + script.lstrip("/"), "/_stcore/health", "/data"):
        found = headers_of(server + path)
        assert {k: found.get(k) for k in HEADERS} == HEADERS, path
    try:
        urllib.request.urlopen(server + "/_stcore/no-such-endpoint", timeout=30)
    except urllib.error.HTTPError as err:
        assert {k: err.headers.get(k) for k in HEADERS} == HEADERS


def test_no_request_leaves_the_machine_to_draw_a_page(server: str, page):  # noqa: F811
    """Chromium's network log over two pages: every request goes to the app's own host (the tab icon
    included: a :material/...: page icon is fetched from a font CDN)."""
    hosts: set[str] = set()
    # A blob: URL (a component's own script, made in the page) names the page's host after "blob:".
    page.on("request", lambda r: hosts.add(urlsplit(r.url.removeprefix("blob:")).netloc))
    with shot_on_failure(page, "no-network"):
        for path in ("/", "/reliability"):
            page.goto(server + path)
            check_page(page, path)
            page.wait_for_timeout(1000)  # the favicon and fonts load after the first paint
        icon = page.locator('link[rel="shortcut icon"], link[rel="icon"]').first.get_attribute("href")
    assert hosts == {urlsplit(server).netloc}
    assert icon and "gstatic" not in icon


def test_user_text_in_the_preview_error_box_is_shown_as_text(server: str, page):  # noqa: F811
    """Markdown in a cell (a link, an image) reaches the error box as its literal text: no link is made,
    no image is fetched."""
    from playwright.sync_api import expect

    fetched: list[str] = []
    page.on("request", lambda r: fetched.append(r.url))
    data = f"month,line,amount_usd\n2025-01-01,cloud,{LINK}\n2025-02-01,cloud,{IMAGE}\n".encode()
    with shot_on_failure(page, "data-markdown-cell"):
        page.goto(f"{server}/data")
        check_page(page, "Data")
        page.get_by_role("tab", name="Import a file").click()
        page.locator('[data-testid="stSelectbox"]', has_text="Target table").click()
        page.get_by_role("option", name=re.compile(r"^costs_monthly")).click()
        settle(page)
        page.locator('[data-testid="stFileUploaderDropzoneInput"]').set_input_files(
            {"name": "costs.csv", "mimeType": "text/csv", "buffer": data})
        box = page.locator('[data-testid="stAlert"]', has_text="nothing can be imported yet")
        expect(box).to_be_visible(timeout=TIMEOUT_MS)
        settle(page)
        page.wait_for_timeout(1000)
        screenshot(page, "data-markdown-cell")
        text = box.inner_text().replace("\u2060", "")  # the invisible joiner that keeps a URL from linking
    assert f"'{LINK}'" in text and f"'{IMAGE}'" in text
    anchors = [box.locator("a").nth(i).evaluate("e => e.outerHTML") for i in range(box.locator("a").count())]
    assert not anchors and box.locator("img").count() == 0, anchors
    assert page.locator('a[href*="evil.example"]').count() == 0
    assert page.locator('img[src*="127.0.0.1:9"]').count() == 0
    assert not [u for u in fetched if "127.0.0.1:9/" in u or "evil.example" in u]
