"""Data that stops before today: the demo built on 26 Nov 2026, opened on 6 Dec 2026 (ten days
later, as a team that imports weekly sees it). Every command and every page answers, and the
default period is the last months the data covers."""
from __future__ import annotations

import json
import shutil
import subprocess
import sys
from datetime import date
from pathlib import Path

import pytest

from core.period import TODAY_ENV
from tests.conftest import DEMO_TODAY, app_test, texts

ROOT = Path(__file__).resolve().parent.parent
OPENED = date(2026, 12, 6)  # ten days after the demo's last day
PAGES = ["overview.py", "reliability.py", "support.py", "cost.py", "monitoring.py", "growth.py",
         "capacity.py", "budget.py", "scenarios.py", "data.py", "admin.py"]


def run(*args: str, today: date = OPENED) -> subprocess.CompletedProcess:
    """A command of the project in its own process, with today pinned to `today`."""
    import os

    env = {**os.environ, TODAY_ENV: today.isoformat()}
    env.pop("OPSPLAN_PLAN", None)
    return subprocess.run([sys.executable, "-m", *args], cwd=ROOT, env=env, capture_output=True, text=True,
                          timeout=300)


@pytest.fixture(scope="module")
def behind(app_db: Path) -> Path:
    """The demo (data through 26 Nov 2026), as its own file."""
    assert DEMO_TODAY == date(2026, 11, 26)
    return app_db


def test_scorecard_defaults_to_the_months_the_data_covers(behind: Path):
    """The scorecard's default period on 6 Dec is September to November, and it says November stops on the 26th."""
    out = run("analytics.scorecard", "--db", str(behind), "--json")
    assert out.returncode == 0, out.stderr
    explicit = run("analytics.scorecard", "--db", str(behind), "--start", "2026-09-01", "--end", "2026-12-01",
                   "--json")
    assert json.loads(out.stdout) == json.loads(explicit.stdout)
    assert "runs through 26 Nov 2026" in out.stderr


def test_scorecard_when_the_data_stops_months_earlier(tmp_path: Path):
    """Data through 10 Oct, opened 6 Dec: the default period is August to October, not the calendar's Sep-Nov."""
    from data.demo import build_demo_file

    db = tmp_path / "october.duckdb"
    build_demo_file(db, seed=3, today=date(2026, 10, 10))
    out = run("analytics.scorecard", "--db", str(db), "--json")
    explicit = run("analytics.scorecard", "--db", str(db), "--start", "2026-08-01", "--end", "2026-11-01", "--json")
    assert out.returncode == 0, out.stderr
    assert json.loads(out.stdout) == json.loads(explicit.stdout)
    assert "runs through 10 Oct 2026" in out.stderr
    scenario = run("models.scenario", "--db", str(db), "--json")
    assert scenario.returncode == 0, scenario.stderr
    assert "01 Aug 2026 to 31 Oct 2026" in scenario.stderr


def test_scenario_starts_from_the_months_the_data_covers(behind: Path):
    """The scenario base is measured over Sep-Nov (November counted to the 26th) and the CLI says so; the
    horizon starts in today's month; the JSON keeps its shape."""
    out = run("models.scenario", "--db", str(behind), "--json")
    assert out.returncode == 0, out.stderr
    body = json.loads(out.stdout)
    assert set(body) == {"drivers", "months", "annual"}
    assert body["months"][0]["month"].startswith("2026-12-01")
    assert "01 Sep 2026 to 30 Nov 2026" in out.stderr and "runs through 26 Nov 2026" in out.stderr
    text = run("models.scenario", "--db", str(behind))
    assert text.returncode == 0 and "12 months from 2026-12-01" in text.stdout


def test_partial_month_counts_its_covered_days(behind: Path):
    """November covered through the 26th counts 26/30 of a user-month: per-user rates over Sep-Nov stay those
    of whole months (a diluted November would read about 4 % fewer tickets per user)."""
    from core.plan import load_plan
    from data.baseline import measure_base
    from data.warehouse import connect

    con = connect(behind, read_only=True)
    try:
        tz = load_plan().timezone
        covered = measure_base(con, tz, OPENED)
        whole = measure_base(con, tz, DEMO_TODAY)  # Aug-Oct, three whole months
    finally:
        con.close()
    assert covered["n_months"] == pytest.approx(2 + 26 / 30)
    per_user = covered["n_tickets"] / covered["user_months"]
    assert per_user == pytest.approx(whole["n_tickets"] / whole["user_months"], rel=0.15)


@pytest.mark.parametrize("command", [
    ("data.importer", "--table", "incidents", "--dry-run"),
    ("data.backup",),
])
def test_other_commands_answer(behind: Path, tmp_path: Path, command: tuple[str, ...]):
    """The importer (a dry run of one incident on 20 Nov) and the backup run on the same warehouse."""
    db = tmp_path / "w.duckdb"
    shutil.copyfile(behind, db)
    if command[0] == "data.importer":
        csv = tmp_path / "one.csv"
        csv.write_text("incident_id,service_id,severity,impact,started_at,detected_at,resolved_at\n"
                       "INC-BEHIND-1,web,high,degraded,2026-11-20 10:00,2026-11-20 10:05,2026-11-20 11:00\n")
        out = run(*command[:1], "--db", str(db), *command[1:], str(csv))
    else:
        out = run(*command, "--db", str(db), "--out", str(tmp_path / "backup"))
    assert out.returncode == 0, out.stdout + out.stderr
    assert "Traceback" not in out.stderr


@pytest.mark.parametrize("page", PAGES)
def test_every_page_answers(behind: Path, monkeypatch: pytest.MonkeyPatch, page: str):
    """Each page on 6 Dec over data through 26 Nov: no exception, no error box, and the sidebar says how far
    the data runs and that the default periods end with November."""
    monkeypatch.setenv(TODAY_ENV, OPENED.isoformat())
    at = app_test(behind, monkeypatch)
    at.run()
    at.switch_page(str(ROOT / "pages" / page)).run()
    assert not at.exception, at.exception
    assert not at.error, [e.value for e in at.error]
    shown = texts(at)
    assert "Data through 26 Nov 2026 (10 days before today)" in shown
    assert (at.query_params["start"], at.query_params["end"]) == ("2026-09-01", "2026-12-01")
