"""deploy/: two real app processes on one warehouse behind Debian's nginx on loopback: both serve,
a session (its route cookie) stays on its process, a page renders through the proxy (its WebSocket
included), and an import through one process is seen by both."""
from __future__ import annotations

import contextlib
import os
import shutil
import subprocess
import time
import urllib.error
import urllib.request
from collections import Counter
from collections.abc import Iterator
from pathlib import Path

import pytest

from benchmarks.load import free_port
from deploy import proxy
from tests.test_browser import CHROMIUM, CHROMIUM_ARGS, TIMEOUT_MS, _require_chromium, running_app, settle
from tests.test_serve import http

NGINX = shutil.which("nginx") or "/usr/sbin/nginx"
INCIDENT = ("incident_id,service_id,severity,impact,started_at,detected_at,resolved_at,summary\n"
            "INC-DEPLOY-1,web,high,degraded,2026-11-20 10:00,2026-11-20 10:05,2026-11-20 11:00,through one process\n")


def _require_nginx() -> None:
    if Path(NGINX).exists():
        return
    reason = "nginx is missing (apt-get install nginx-light)"
    if os.environ.get("CI") == "true":
        pytest.fail(reason)
    pytest.skip(reason)


@contextlib.contextmanager
def nginx(ports: list[int], prefix: Path) -> Iterator[str]:
    """nginx rendered by deploy/proxy.py in front of `ports`, on a free loopback port; stopped at the end."""
    listen = free_port()
    conf = proxy.write(listen, ports, prefix)
    check = subprocess.run(proxy.command(conf, prefix, check=True), capture_output=True, text=True)
    assert check.returncode == 0, check.stderr
    proc = subprocess.Popen(proxy.command(conf, prefix), stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    url = f"http://127.0.0.1:{listen}"
    try:
        deadline = time.monotonic() + 30
        while True:
            with contextlib.suppress(OSError):
                if http(f"{url}/healthz")[0] == 200:
                    break
            assert proc.poll() is None and time.monotonic() < deadline, (prefix / "error.log").read_text()
            time.sleep(0.2)
        yield url
    finally:
        proc.terminate()
        proc.wait(timeout=15)


@pytest.fixture(scope="module")
def cluster(demo_db: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict]:
    """Two app processes serving one warehouse, and nginx in front of them."""
    _require_nginx()
    folder = tmp_path_factory.mktemp("deploy")
    db = folder / "demo.duckdb"
    shutil.copyfile(demo_db, db)
    one, two = free_port(), free_port()
    with running_app(db, folder / "one.log", port=one) as first, running_app(db, folder / "two.log", port=two) as second:
        with nginx([one, two], folder / "proxy") as url:
            yield {"proxy": url, "apps": [first, second], "ports": [one, two], "log": folder / "proxy" / "access.log"}


def routes(log: Path) -> dict[str, set[str]]:
    """Per route cookie, the app processes (upstream addresses) the proxy sent its requests to."""
    seen: dict[str, set[str]] = {}
    for line in log.read_text().splitlines():
        _, route, upstream, *_ = line.split(" ")
        seen.setdefault(route, set()).add(upstream)
    return seen


def get(url: str, cookie: str | None = None) -> tuple[int, str | None]:
    """(status, the route cookie the proxy set, if any) of a GET."""
    request = urllib.request.Request(url)
    if cookie:
        request.add_header("Cookie", f"opsplan_route={cookie}")
    with urllib.request.urlopen(request, timeout=60) as response:
        set_cookies = [v for k, v in response.headers.items() if k.lower() == "set-cookie" and "opsplan_route=" in v]
        return response.status, set_cookies[0].split(";")[0].split("=", 1)[1] if set_cookies else None


def test_both_processes_serve_and_a_session_stays_on_its_own(cluster: dict):
    """40 new visitors (no cookie) each get a route and are spread over both processes (each process
    gets some: the chance that 40 random routes all hash to one of two is about 2 x 2^-40); 20
    requests carrying one route all reach one process, and no cookie is set again."""
    url, log = cluster["proxy"], cluster["log"]
    cookies = []
    for _ in range(40):
        status, cookie = get(f"{url}/healthz")
        assert status == 200 and cookie
        cookies.append(cookie)
    assert len(set(cookies)) == 40
    time.sleep(0.5)  # nginx writes its access log line after the response
    upstreams = Counter(next(iter(routes(log)[c])) for c in cookies)
    assert set(upstreams) == {f"127.0.0.1:{p}" for p in cluster["ports"]}, upstreams
    for _ in range(20):
        assert get(f"{url}/healthz", cookie=cookies[0]) == (200, None)
    time.sleep(0.5)
    assert len(routes(log)[cookies[0]]) == 1


def test_a_page_renders_through_the_proxy_on_one_process(cluster: dict):
    """Chromium opens the app through nginx: the page runs to the end (its WebSocket is proxied) with
    no exception, and every request of that browser went to one process."""
    _require_chromium()
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        chromium = pw.chromium.launch(executable_path=str(CHROMIUM), headless=True, args=CHROMIUM_ARGS)
        context = chromium.new_context()
        page = context.new_page()
        page.set_default_timeout(TIMEOUT_MS)
        page.goto(cluster["proxy"])
        settle(page)
        assert page.locator('[data-testid="stException"]').count() == 0
        route = next(c["value"] for c in context.cookies() if c["name"] == "opsplan_route")
        chromium.close()
    time.sleep(0.5)
    assert len(routes(cluster["log"])[route]) == 1


def test_an_import_through_one_process_is_seen_by_both(cluster: dict):
    """An import posted to the first process is published once, and both processes then report the
    new version; the second's scorecard route counts the new incident (one more in the month)."""
    first, second = cluster["apps"]
    before = http(f"{first}/healthz")[1]["warehouse_version"]
    november = "start=2026-11-01&end=2026-12-01"
    counted = {r["kpi"]: r["n"] for r in http(f"{second}/api/v1/scorecard?{november}")[1]}
    status, body = http(f"{first}/api/v1/import/incidents?filename=late.csv", INCIDENT.encode())
    assert status == 200 and body["outcome"] == "imported" and body["inserted"] == 1, body
    for app in (first, second):
        status, health = http(f"{app}/healthz")
        assert status == 200 and health["warehouse_version"] == before + 1
    after = {r["kpi"]: r["n"] for r in http(f"{second}/api/v1/scorecard?{november}")[1]}
    assert after["mttr_hours"] == counted["mttr_hours"] + 1


def test_through_the_proxy_a_caller_from_elsewhere_needs_the_token(cluster: dict):
    """Sign-in off: a caller on this machine uses the API through nginx without a token, but one
    that nginx says it forwarded for another address (X-Forwarded-For, which nginx appends to) gets 401."""
    url = f"{cluster['proxy']}/api/v1/scorecard?start=2026-08-01&end=2026-11-01"
    assert http(url)[0] == 200
    request = urllib.request.Request(url, headers={"X-Forwarded-For": "203.0.113.7"})
    with pytest.raises(urllib.error.HTTPError) as refused:
        urllib.request.urlopen(request, timeout=60)
    assert refused.value.code == 401
