"""Serving while the warehouse is written: a real `streamlit run app.py`, the real importer and
read-only commands as subprocesses, the app's HTTP routes over real HTTP, and Chromium for what
an open page shows.

The demo warehouse here ends on 20 Nov 2026 (the suite's today is 26 Nov), so a business day
imported for 24 Nov moves "data through" from 20 to 24 Nov: what every reader must come to show.
"""
from __future__ import annotations

import json
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from datetime import date
from pathlib import Path

import pytest

from tests.test_browser import CHROMIUM, CHROMIUM_ARGS, TIMEOUT_MS, _require_chromium, running_app, settle

ROOT = Path(__file__).resolve().parent.parent
LAST_DAY = date(2026, 11, 20)
NEW_DAY = "2026-11-24"
BUSINESS_HEAD = "day,revenue_usd,visits,orders,order_processing_minutes_p95,failed_logins_peak_hour,suspicious_events\n"
TOKEN = "api-token-for-tests-0123456789"
SEEN_WITHIN = 60  # seconds: the longest any reader may take to show a published import


@pytest.fixture(scope="module")
def warehouse_file(tmp_path_factory: pytest.TempPathFactory) -> Path:
    from data.demo import build_demo_file

    db = tmp_path_factory.mktemp("serve") / "demo.duckdb"
    build_demo_file(db, seed=42, today=LAST_DAY)
    return db


@pytest.fixture(scope="module")
def server(warehouse_file: Path) -> Iterator[str]:
    with running_app(warehouse_file, warehouse_file.with_suffix(".log")) as url:
        yield url


def http(url: str, data: bytes | None = None, token: str | None = None) -> tuple[int, dict | list]:
    """(status, parsed JSON body) of a GET, or of a POST when `data` is given."""
    request = urllib.request.Request(url, data=data, method="POST" if data is not None else "GET")
    if token:
        request.add_header("Authorization", f"Bearer {token}")
    try:
        with urllib.request.urlopen(request, timeout=120) as response:
            return response.status, json.loads(response.read())
    except urllib.error.HTTPError as err:
        return err.code, json.loads(err.read())


def command(*argv: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", *argv], cwd=ROOT, capture_output=True, text=True, timeout=300)


def test_health_says_version_and_data_through(server: str):
    status, body = http(f"{server}/healthz")
    assert status == 200
    assert body["status"] == "ok" and body["data_through"] == f"{LAST_DAY.isoformat()}T23:59:59+07:00"
    assert isinstance(body["warehouse_version"], int) and body["warehouse_version"] >= 1


def test_scorecard_route_answers_the_commands_json(server: str, warehouse_file: Path):
    """The route's list equals `python -m analytics.scorecard --json` for the same period, KPI by KPI."""
    status, body = http(f"{server}/api/v1/scorecard?start=2026-08-01&end=2026-11-01")
    cli = command("analytics.scorecard", "--db", str(warehouse_file), "--start", "2026-08-01", "--end", "2026-11-01",
                  "--json")
    assert cli.returncode == 0, cli.stderr
    assert status == 200 and body == json.loads(cli.stdout)
    assert len(body) >= 12 and {"kpi", "value", "status"} <= set(body[0])


@pytest.mark.parametrize("query, says", [("start=2026-13-01", "start='2026-13-01' is not a date"),
                                         ("start=2026-11-01&end=2026-10-01", "")])
def test_scorecard_route_refuses_a_bad_period_in_words(server: str, query: str, says: str):
    status, body = http(f"{server}/api/v1/scorecard?{query}")
    assert status == 400 and says in body["error"] and "Traceback" not in body["error"]


def test_import_route_answers_the_importers_verdict(server: str):
    """A file with a row that breaks a rule is rejected (422) with the importer's problem lines and
    summary; an unknown table or option is a 400 naming it; the file never reaches the warehouse."""
    bad = f"{BUSINESS_HEAD}2026-11-23,-5,1,1,,0,0\n".encode()
    status, body = http(f"{server}/api/v1/import/business_daily?filename=bad.csv", bad)
    assert status == 422 and body["outcome"] == "rejected" and body["ok"] is False
    assert body["problems"] and "revenue_usd" in " ".join(body["problems"]) and "REJECTED" in body["summary"]
    status, body = http(f"{server}/api/v1/import/no_such_table", bad)
    assert status == 400 and "unknown table 'no_such_table'" in body["error"]
    status, body = http(f"{server}/api/v1/import/business_daily?db=/tmp/elsewhere.duckdb", bad)
    assert status == 400 and body["error"] == "unknown import option 'db'"
    status, body = http(f"{server}/api/v1/import/business_daily?dry_run=true&filename=ok.csv",
                        f"{BUSINESS_HEAD}2026-11-23,5,1,1,,0,0\n".encode())
    assert status == 200 and body["outcome"] == "dry_run" and body["inserted"] == 1


def test_cli_import_while_the_app_serves_is_seen_by_every_reader(server: str, warehouse_file: Path,
                                                               tmp_path: Path):
    """With the app serving and a page open in Chromium: the importer exits 0 with its usual
    message; without a click the page's sidebar moves to the new day within a minute; /healthz
    gives a newer version and day; the scorecard and adherence commands count to the new day."""
    _require_chromium()
    from playwright.sync_api import expect, sync_playwright

    version = http(f"{server}/healthz")[1]["warehouse_version"]
    with sync_playwright() as pw:
        chromium = pw.chromium.launch(executable_path=str(CHROMIUM), headless=True, args=CHROMIUM_ARGS)
        page = chromium.new_page()
        page.set_default_timeout(TIMEOUT_MS)
        page.goto(server)
        settle(page)
        sidebar = page.locator('[data-testid="stSidebar"]')
        expect(sidebar).to_contain_text("Data through 20 Nov 2026")

        export = tmp_path / "business.csv"
        export.write_text(f"{BUSINESS_HEAD}{NEW_DAY},1000,50,5,,0,0\n")
        done = command("data.importer", "--db", str(warehouse_file), "--table", "business_daily", str(export))
        assert done.returncode == 0, done.stdout + done.stderr
        assert "business.csv -> business_daily (append): imported: read 1, inserted 1" in done.stdout
        imported = time.monotonic()

        expect(sidebar).to_contain_text("Data through 24 Nov 2026", timeout=SEEN_WITHIN * 1000)
        assert time.monotonic() - imported < SEEN_WITHIN
        chromium.close()

    status, health = http(f"{server}/healthz")
    assert status == 200 and health["data_through"] == f"{NEW_DAY}T23:59:59+07:00" and health["warehouse_version"] > version
    november = ("--start", "2026-11-01", "--end", "2026-12-01")  # a period the data stops inside: the note says where
    scorecard = command("analytics.scorecard", "--db", str(warehouse_file), *november)
    assert scorecard.returncode == 0 and "the data runs through 24 Nov 2026" in scorecard.stderr
    adherence = command("analytics.adherence", "--db", str(warehouse_file), *november)
    assert adherence.returncode == 0 and "the data runs through 24 Nov 2026" in adherence.stderr
    scenario = command("models.scenario", "--db", str(warehouse_file), "--json")
    assert scenario.returncode == 0, scenario.stderr


def test_http_import_is_published_to_readers(server: str, warehouse_file: Path):
    """An import through the route lands in the warehouse and in a new version at once."""
    before = http(f"{server}/healthz")[1]["warehouse_version"]
    status, body = http(f"{server}/api/v1/import/business_daily?filename=one.csv",
                        f"{BUSINESS_HEAD}2026-11-25,900,40,4,,0,0\n".encode())
    assert status == 200 and body["outcome"] == "imported" and body["inserted"] == 1
    assert body["summary"].startswith("one.csv -> business_daily (append): imported: read 1, inserted 1")
    status, health = http(f"{server}/healthz")
    assert health["warehouse_version"] == before + 1 and health["data_through"] == "2026-11-25T23:59:59+07:00"


def test_with_sign_in_on_the_api_needs_the_token(warehouse_file: Path, tmp_path: Path):
    """Sign-in on (an [auth] section): the API answers 401 without the [api] token or with another,
    200 with it; /healthz needs none."""
    secrets = tmp_path / "secrets.toml"
    secrets.write_text('[auth]\nredirect_uri = "http://localhost:9/oauth2callback"\n'
                       f'cookie_secret = "{"k" * 48}"\nclient_id = "opsplan"\nclient_secret = "x"\n'
                       'server_metadata_url = "http://localhost:9/.well-known/openid-configuration"\n'
                       f'[api]\ntoken = "{TOKEN}"\n')
    with running_app(warehouse_file, tmp_path / "signed.log", extra=["--secrets.files", str(secrets)]) as url:
        assert http(f"{url}/api/v1/scorecard")[0] == 401
        status, body = http(f"{url}/api/v1/scorecard", token="not-the-token")
        assert status == 401 and "Bearer" in body["error"]
        assert http(f"{url}/api/v1/import/business_daily", b"x", token="not-the-token")[0] == 401
        status, body = http(f"{url}/api/v1/scorecard?start=2026-08-01&end=2026-11-01", token=TOKEN)
        assert status == 200 and len(body) >= 12
        assert http(f"{url}/healthz")[0] == 200
