"""The Overview's "Active alerts" panel under AppTest: the alert log's active alerts, and Acknowledge."""
from __future__ import annotations

import re

from contextlib import closing
from datetime import UTC, date, datetime
from pathlib import Path

import pytest

from alerts.check import as_json
from data import alert_log
from data.warehouse import connect
from models.alerts import Alert
from tests.conftest import open_page

FOUND = [Alert("sla_below_floor", "channel email first response", date(2026, 11, 20), 26.2, 80.0, "%",
               "first response · Email: 4 h on time for 26 % of 1,019, floor 80 %", "/support?start=2026-08-01&end=2026-11-01"),
         Alert("capacity_crossing", "worker memory_pct", date(2026, 11, 26), 72.0, 80.0, "%",
               "worker memory reaches the 80 % scale-up line on 28 Nov 2026, in 2 days",
               "/capacity?start=2026-08-01&end=2026-11-01")]


@pytest.fixture()
def logged_db(app_db: Path) -> Path:
    """The demo with two alerts in its log, as a check run would leave them (17:00 UTC: midnight local)."""
    with closing(connect(app_db)) as con:
        con.execute("delete from alert_log")
        alert_log.record_run(con, [as_json(a) for a in FOUND], [], datetime(2026, 11, 26, 17, tzinfo=UTC))
    return app_db


def panel(at):
    return next(e for e in at.expander if e.label.startswith("Active alerts"))


def test_the_overview_lists_active_alerts_and_acknowledges_one(logged_db: Path, monkeypatch: pytest.MonkeyPatch):
    at = open_page(logged_db, monkeypatch, "overview.py")
    box = panel(at)
    assert box.label == "Active alerts: 2"
    shown = box.dataframe[0].value
    assert list(shown["alert"]) == ["capacity line near", "SLA below its floor"]  # first seen together: by rule
    assert shown["page"].iloc[1] == "/support?start=2026-08-01&end=2026-11-01"
    assert (shown["acknowledged"] == "").all()
    assert "27 Nov 2026 00:00 (Asia/Bangkok)" in " ".join(c.value for c in box.caption)
    at.selectbox(key="alerts_ack_choice").set_value("capacity line near: worker memory_pct")
    at.button(key="alerts_ack_button").click().run()
    assert not at.exception, at.exception
    shown = panel(at).dataframe[0].value
    acknowledged = dict(zip(shown["alert"], shown["acknowledged"]))
    assert acknowledged["SLA below its floor"] == ""
    assert re.fullmatch(r".+, \d\d \w{3} \d{4} \d\d:\d\d", acknowledged["capacity line near"])  # who, when
    assert at.selectbox(key="alerts_ack_choice").options == ["SLA below its floor: channel email first response"]


def test_no_check_yet_says_how_to_run_it(app_db: Path, monkeypatch: pytest.MonkeyPatch):
    with closing(connect(app_db)) as con:
        con.execute("delete from alert_log")
    at = open_page(app_db, monkeypatch, "overview.py")
    box = panel(at)
    assert box.label == "Active alerts: 0"
    assert "python -m alerts.check --db PATH --deliver" in " ".join(c.value for c in box.caption)
