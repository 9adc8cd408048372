"""The Plan adherence page and the Overview's adherence line, run headless through the app's page
script with AppTest on the demo warehouse; the numbers are the CLI's for the same period."""
from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from tests.conftest import DEMO_LINK, app_test, chart, open_page, texts, tile
from ui import state

ROOT = Path(__file__).resolve().parent.parent


YEAR = {"start": "2025-12-01", "end": "2026-12-01"}  # holds windows past the plan's and a gap past the RPO


def run_cli(db: Path, link: dict[str, str]) -> dict:
    """`python -m analytics.adherence --json` on `db` for `link`'s period."""
    done = subprocess.run([sys.executable, "-m", "analytics.adherence", "--db", str(db), "--start", link["start"],
                           "--end", link["end"], "--json"], cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout)


@pytest.fixture(scope="module")
def cli_json(demo_db: Path) -> dict:
    """The CLI on the same demo for the page's period (Aug-Oct 2026)."""
    return run_cli(demo_db, DEMO_LINK)


@pytest.fixture
def app(app_db: Path, monkeypatch: pytest.MonkeyPatch) -> AppTest:
    return open_page(app_db, monkeypatch, "adherence.py")


def promises(at: AppTest):
    return next(d.value for d in at.dataframe if "promise" in d.value.columns)


def test_the_page_shows_the_clis_promises_missed_first(app: AppTest, cli_json: dict):
    """The table holds the CLI's promises in its order (missed first); the tiles say the CLI's
    kept of judged and its changes; each area draws its chart; the whole-system areas are named."""
    assert app.title[0].value == "Plan adherence"
    table = promises(app)
    assert table["promise"].tolist() == [p["promise"] for p in cli_json["promises"]]
    assert table["status"].tolist() == [p["status"] for p in cli_json["promises"]]
    missed = sum(p["status"] == "missed" for p in cli_json["promises"])
    assert missed > 0 and set(table["status"].iloc[:missed]) == {"missed"}
    assert tile(app, "Plan promises kept") == f"{cli_json['promises_kept']} of {cli_json['promises_judged']}"
    assert tile(app, "Changes deployed") == f"{cli_json['changes']['total']:,}"
    for key in ("adherence_gaps", "adherence_drills", "adherence_windows", "adherence_changes"):
        assert chart(app, key)["data"]
    rpo = chart(app, "adherence_gaps")["layout"]["annotations"]
    assert any(a["text"] == "RPO 60 min" for a in rpo)
    drills = chart(app, "adherence_drills")
    assert {a["text"] for a in drills["layout"]["annotations"]} >= {"RTO 240 min", "RPO 60 min", "MTD 1,440 min"}
    assert len(drills["data"][0]["x"]) == len(cli_json["dr_tests"])
    weeks = chart(app, "adherence_changes")["data"]
    assert sum(weeks[0]["y"]) == cli_json["changes"]["total"] and sum(weeks[1]["y"]) == cli_json["changes"]["failed"]
    assert "Backups, Disaster recovery, Security, Vendors are whole-system" in texts(app)
    assert len(app.get("download_button")) >= 5


def test_the_service_filter_changes_the_changes_not_the_backups(app: AppTest, cli_json: dict):
    """db-primary alone: fewer changes than the whole system's, the backup promises unchanged."""
    backups = promises(app).query("area == 'Backups'").reset_index(drop=True)
    app.multiselect(key=state.SERVICES_KEY).select("db-primary").run()
    assert not app.exception
    assert "services: db-primary" in texts(app)
    changes = int(tile(app, "Changes deployed").replace(",", ""))
    assert 0 < changes < cli_json["changes"]["total"]
    assert promises(app).query("area == 'Backups'").reset_index(drop=True).equals(backups)


def test_a_year_with_misses_draws_them_red(app_db: Path, demo_db: Path, monkeypatch: pytest.MonkeyPatch):
    """Dec 2025 - Nov 2026 (counted to 26 Nov, where the data stops): the CLI's windows outside the
    plan's are listed with their overrun, their calendar cells are red (1), the gaps past the RPO
    are listed, and the tiles are the CLI's."""
    out = run_cli(demo_db, YEAR)
    at = open_page(app_db, monkeypatch, "adherence.py", YEAR)
    assert tile(at, "Plan promises kept") == f"{out['promises_kept']} of {out['promises_judged']}"
    outside = next(d.value for d in at.dataframe if "overrun_minutes" in d.value.columns)
    assert outside["overrun_minutes"].tolist() == [w["overrun_minutes"] for w in out["maintenance"]["outside"]]
    cells = [v for row in chart(at, "adherence_windows")["data"][0]["z"] for v in row if v is not None]
    assert cells.count(1) == len({(w["starts_at"][:10], w["kind"]) for w in out["maintenance"]["outside"]})
    gaps = next(d.value for d in at.dataframe if "opens" in d.value.columns)
    assert len(gaps) > 0 and gaps["minutes"].max() == pytest.approx(out["longest_gap_minutes"])


def test_overview_links_to_the_page_with_the_clis_count(app_db: Path, monkeypatch: pytest.MonkeyPatch,
                                                        cli_json: dict):
    at = app_test(app_db, monkeypatch)
    at.query_params.update(DEMO_LINK)
    at.run()
    assert not at.exception, at.exception
    links = [e for e in at.get("page_link")]
    assert [link.proto.label for link in links] == [
        f"{cli_json['promises_kept']} of {cli_json['promises_judged']} plan promises kept this period"]
    assert links[0].proto.page.endswith("adherence")
