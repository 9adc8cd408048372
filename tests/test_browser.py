"""The served app in Debian's headless Chromium, used as a person would: every page opens
without an exception, draws its tiles and charts, and the period picker changes the view.

Screenshots go to test-artifacts/ (git-ignored): one per page, and one at any failure.
"""
from __future__ import annotations

import contextlib
import os
import re
import socket
import shutil
import subprocess
import sys
import time
import urllib.request
from datetime import date
from pathlib import Path
from typing import Iterator

import pytest

ROOT = Path(__file__).resolve().parent.parent
ARTIFACTS = ROOT / "test-artifacts"
CHROMIUM = Path("/usr/bin/chromium")
# No sandbox as root; the network flags keep Chromium from calling home on a closed network.
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync"]
DONE = '[data-testid="stApp"][data-test-script-state="notRunning"]'
TIMEOUT_MS = 60_000


def _require_chromium() -> None:
    if CHROMIUM.exists():
        return
    reason = f"{CHROMIUM} is missing (apt-get install chromium, or run bash scripts/test.sh)"
    if os.environ.get("CI") == "true":
        pytest.fail(reason)
    pytest.skip(reason)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _wait_healthy(url: str, proc: subprocess.Popen, log: Path, seconds: float = 60) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"streamlit exited with {proc.returncode}:\n{log.read_text()}")
        with contextlib.suppress(OSError):
            with urllib.request.urlopen(f"{url}/_stcore/health", timeout=2) as response:
                if response.status == 200:
                    return
        time.sleep(0.3)
    raise RuntimeError(f"streamlit not healthy after {seconds} s:\n{log.read_text()}")


@contextlib.contextmanager
def running_app(db: Path, log: Path) -> Iterator[str]:
    """`streamlit run app.py` on a free port over the warehouse `db`; always stopped at the end."""
    port = _free_port()
    env = {**os.environ, "OPSPLAN_DB": str(db)}
    env.pop("OPSPLAN_PLAN", None)
    with open(log, "w") as out:
        proc = subprocess.Popen(
            [sys.executable, "-m", "streamlit", "run", "app.py", "--server.port", str(port),
             "--server.headless", "true", "--server.address", "127.0.0.1", "--browser.gatherUsageStats", "false"],
            cwd=ROOT, env=env, stdout=out, stderr=subprocess.STDOUT)
    try:
        url = f"http://127.0.0.1:{port}"
        _wait_healthy(url, proc, log)
        yield url
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


@pytest.fixture(scope="module")
def demo_file(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A demo warehouse ending today (the default period is relative to the real date)."""
    _require_chromium()
    from data.demo import build_demo_file

    db = tmp_path_factory.mktemp("browser") / "demo.duckdb"
    build_demo_file(db, seed=42, today=date.today())
    return db


@pytest.fixture(scope="module")
def server(demo_file: Path) -> Iterator[str]:
    with running_app(demo_file, demo_file.with_suffix(".log")) as url:
        yield url


@pytest.fixture(scope="module")
def browser(server: str):
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        chromium = p.chromium.launch(executable_path=str(CHROMIUM), headless=True, args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()


@pytest.fixture
def page(browser):
    context = browser.new_context(viewport={"width": 1400, "height": 1000})
    tab = context.new_page()
    tab.set_default_timeout(TIMEOUT_MS)
    yield tab
    context.close()


def _slug(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-") or "page"


def screenshot(page, name: str) -> Path:
    """The whole page: Streamlit scrolls inside its main pane, so grow the window to fit it first."""
    ARTIFACTS.mkdir(exist_ok=True)
    height = page.evaluate("() => document.querySelector('[data-testid=stMain]')?.scrollHeight || 1000")
    page.set_viewport_size({"width": 1400, "height": min(int(height) + 40, 16_000)})
    path = ARTIFACTS / f"browser-{_slug(name)}.png"
    page.screenshot(path=str(path), full_page=True)
    return path


@contextlib.contextmanager
def shot_on_failure(page, name: str) -> Iterator[None]:
    try:
        yield
    except BaseException:
        with contextlib.suppress(Exception):
            screenshot(page, f"FAILED-{name}")
        raise


def settle(page) -> None:
    """Wait until the script run finished and nothing is still loading."""
    page.wait_for_selector(DONE)
    page.wait_for_function("() => !document.querySelector('[data-testid=stSkeleton]')")


def nav_links(page, base: str) -> dict[str, str]:
    """Every page the navigation lists (none shown when there is only one page)."""
    links = page.locator('[data-testid="stSidebarNav"] a')
    found = {links.nth(i).inner_text().strip(): links.nth(i).get_attribute("href") for i in range(links.count())}
    return found or {"Overview": base}


def check_page(page, name: str) -> None:
    settle(page)
    assert page.locator('[data-testid="stException"]').count() == 0, f"{name} shows an exception"
    page.wait_for_selector('[data-testid="stPlotlyChart"] .main-svg')


def period_line(page):
    """The line under the title: the period's dates and how many KPIs are met."""
    return page.locator("p", has_text="KPIs met").first


def period_text(page) -> str:
    return period_line(page).inner_text()


def test_every_page_renders(server: str, page):
    """Each page of the navigation runs to the end with no exception and draws a chart."""
    page.goto(server)
    settle(page)
    for name, href in nav_links(page, server).items():
        with shot_on_failure(page, name):
            page.goto(href if href.startswith("http") else f"{server}/{href.lstrip('/')}")
            check_page(page, name)
            screenshot(page, name)


def test_overview_tiles_and_period_picker(server: str, page):
    """12 KPI tiles; choosing 'Last full month' in the sidebar changes the period shown and the URL."""
    from playwright.sync_api import expect

    with shot_on_failure(page, "overview-period"):
        page.goto(server)
        check_page(page, "Overview")
        assert page.get_by_role("heading", name="Is the plan on track?").is_visible()
        assert page.locator('[data-testid="stMetric"]').count() == 12
        before = period_text(page)
        page.locator('[data-testid="stSidebar"] [data-testid="stSelectbox"]').first.click()
        page.get_by_role("option", name="Last full month").click()
        expect(period_line(page)).not_to_have_text(before, timeout=TIMEOUT_MS)
        settle(page)
        assert period_text(page) != before
        assert page.locator('[data-testid="stException"]').count() == 0
        assert page.locator('[data-testid="stMetric"]').count() == 12
        assert re.search(r"start=\d{4}-\d{2}-01&end=\d{4}-\d{2}-01", page.url)
        screenshot(page, "overview-last-full-month")


def test_shared_link_opens_that_period(server: str, page):
    """A link with ?start=&end= opens the dashboard on that period."""
    with shot_on_failure(page, "overview-link"):
        start, end = date(date.today().year - 1, 1, 1), date(date.today().year - 1, 4, 1)
        page.goto(f"{server}/?start={start}&end={end}")
        check_page(page, "Overview link")
        assert f"{start:%d %b %Y} to 31 Mar {start.year}" in period_text(page)


def test_deep_link_on_a_fresh_server_runs_the_app(demo_file: Path, browser, tmp_path):
    """The first visit to a new server by a page link still gets the sidebar's period picker and
    the link's period (Streamlit would otherwise run the page alone, as a legacy pages/ app)."""
    copy = tmp_path / "fresh.duckdb"  # a second server cannot share the first one's locked file
    shutil.copy(demo_file, copy)
    context = browser.new_context(viewport={"width": 1400, "height": 1000})
    tab = context.new_page()
    tab.set_default_timeout(TIMEOUT_MS)
    start, end = date(date.today().year - 1, 3, 1), date(date.today().year - 1, 4, 1)
    try:
        with running_app(copy, tmp_path / "fresh.log") as url, shot_on_failure(tab, "fresh-deep-link"):
            tab.goto(f"{url}/overview?start={start}&end={end}")
            check_page(tab, "Overview by deep link")
            assert tab.locator('[data-testid="stSidebar"] [data-testid="stSelectbox"]').count() >= 1
            assert f"{start:%d %b %Y} to 31 Mar {start.year}" in period_text(tab)
    finally:
        context.close()
