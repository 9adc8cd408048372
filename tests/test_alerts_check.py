"""`python -m alerts.check`: the demo's active alerts, read-only without --deliver, and delivery to a
webhook receiver and an SMTP server on loopback (once, a second time nothing new, then a clearing)."""
from __future__ import annotations

import hashlib
import http.server
import json
import shutil
import socketserver
import threading
from collections.abc import Iterator
from contextlib import closing
from datetime import UTC, date, datetime
from email import message_from_bytes
from pathlib import Path

import pandas as pd
import pytest

from alerts import check
from alerts.deliver import Channels, Smtp
from analytics.measure import OFF_TRACK
from analytics.scorecard import scorecard
from core.period import Period
from data import access, alert_log
from data.warehouse import connect
from models.alerts import Alert


class Receiver(http.server.BaseHTTPRequestHandler):
    """An incoming webhook: keeps each POST's JSON body; answers the server's `status`."""

    def do_POST(self) -> None:  # noqa: N802 (http.server's name)
        body = self.rfile.read(int(self.headers["Content-Length"]))
        self.server.bodies.append(json.loads(body))
        self.send_response(self.server.status)
        self.end_headers()

    def log_message(self, *args) -> None:
        pass


class SmtpHandler(socketserver.StreamRequestHandler):
    """Just enough SMTP for smtplib.send_message: greet, EHLO, MAIL, RCPT, DATA, QUIT."""

    def reply(self, line: str) -> None:
        self.wfile.write(f"{line}\r\n".encode())

    def handle(self) -> None:
        self.reply("220 loopback")
        while line := self.rfile.readline():
            verb = line[:4].upper()
            if verb == b"DATA":
                self.reply("354 go on")
                data = b""
                while (chunk := self.rfile.readline()) != b".\r\n":
                    data += chunk
                self.server.mails.append(message_from_bytes(data))
                self.reply("250 kept")
            elif verb == b"QUIT":
                self.reply("221 bye")
                return
            else:
                self.reply("250 ok")


@pytest.fixture()
def webhook() -> Iterator[http.server.ThreadingHTTPServer]:
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Receiver)
    server.bodies, server.status = [], 200
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield server
    server.shutdown()
    server.server_close()


@pytest.fixture()
def smtp() -> Iterator[socketserver.ThreadingTCPServer]:
    server = socketserver.ThreadingTCPServer(("127.0.0.1", 0), SmtpHandler)
    server.mails = []
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield server
    server.shutdown()
    server.server_close()


def channels(webhook, smtp) -> Channels:
    return Channels((f"http://127.0.0.1:{webhook.server_address[1]}/hook",),
                    Smtp("127.0.0.1", smtp.server_address[1], "opsplan@example.com", ("ops@example.com",)),
                    "https://opsplan.example.com")


def secrets_file(path: Path, webhook, smtp) -> Path:
    path.write_text(f'[alerts]\nwebhooks = ["http://127.0.0.1:{webhook.server_address[1]}/hook"]\n'
                    f'[alerts.smtp]\nhost = "127.0.0.1"\nport = {smtp.server_address[1]}\n'
                    f'sender = "opsplan@example.com"\nrecipients = ["ops@example.com"]\n')
    return path


def copy_of(demo_db: Path, tmp_path: Path) -> Path:
    path = tmp_path / "demo.duckdb"
    shutil.copyfile(demo_db, path)
    return path


@pytest.mark.slow
def test_the_demo_alerts_and_nothing_changes(demo_db, tmp_path, capsys, plan):
    """The demo's default period (Aug-Oct 2026, today 26 Nov) as JSON, the file untouched. Why each:
    every KPI the scorecard calls off track (the demo sits at its baselines); budget lines whose run
    rate passes their annual budget; worker memory about to reach 80 %; SLAs the review found below
    any floor (email first response on time about a quarter of the time, high-severity escalation
    never on time); nothing stale (the data runs through today)."""
    db = copy_of(demo_db, tmp_path)
    before = (hashlib.sha256(db.read_bytes()).hexdigest(), db.stat().st_mtime_ns)
    assert check.main(["--db", str(db), "--json"]) == 0
    found = json.loads(capsys.readouterr().out)
    assert (hashlib.sha256(db.read_bytes()).hexdigest(), db.stat().st_mtime_ns) == before
    assert all(set(a) >= {"rule", "subject", "since", "value", "threshold", "link", "message"} for a in found)
    by_rule: dict[str, dict[str, dict]] = {}
    for a in found:
        by_rule.setdefault(a["rule"], {})[a["subject"]] = a
    with closing(connect(db, read_only=True)) as con:
        off = {r.kpi for r in scorecard(con, plan, Period(date(2026, 8, 1), date(2026, 11, 1))) if r.status == OFF_TRACK}
    assert set(by_rule["kpi_off_track"]) == off
    assert by_rule["kpi_off_track"]["uptime_pct"]["link"] == "/reliability?start=2026-08-01&end=2026-11-01"
    assert set(by_rule["budget_over"]) == {"cloud_services", "monitoring_tools", "security_tools", "training_budget"}
    assert set(by_rule["capacity_crossing"]) == {"worker memory_pct"}
    sla = by_rule["sla_below_floor"]
    assert 19 <= sla["channel email first response"]["value"] <= 27
    assert sla["severity high escalation"]["value"] == 0.0
    assert "data_stale" not in by_rule


@pytest.mark.slow
def test_deliver_on_the_demo_sends_once(demo_db, tmp_path, capsys, webhook, smtp):
    """--deliver: one notice with every alert as new, to the webhook and by e-mail; the next run
    finds the same alerts and sends nothing."""
    db, secrets = copy_of(demo_db, tmp_path), secrets_file(tmp_path / "secrets.toml", webhook, smtp)
    assert check.main(["--db", str(db), "--deliver", "--secrets", str(secrets), "--json"]) == 0
    found = json.loads(capsys.readouterr().out)
    assert len(webhook.bodies) == len(smtp.mails) == 1
    assert f"{len(found)} new, 0 cleared" in webhook.bodies[0]["text"]
    assert smtp.mails[0]["Subject"].startswith(f"opsplan alerts: {len(found)} new")
    assert check.main(["--db", str(db), "--deliver", "--secrets", str(secrets)]) == 0
    assert len(webhook.bodies) == len(smtp.mails) == 1
    with closing(connect(db, read_only=True)) as con:
        assert len(alert_log.open_alerts(con)) == len(found)


def alert(subject: str, value: float) -> Alert:
    return Alert("data_stale", subject, date(2026, 11, 20), value, 7.0, "days", f"{subject}: last data 11 Nov 2026",
                 "/data?start=2026-08-01&end=2026-11-01")


def test_deliver_new_then_nothing_then_cleared(tmp_path, webhook, smtp, plan):
    """Run 1 finds tickets and incidents stale: one notice naming both. Run 2 the same: nothing sent.
    Run 3 only tickets: one notice, incidents cleared."""
    db, to = str(tmp_path / "w.duckdb"), channels(webhook, smtp)
    runs = [[alert("tickets", 9.0), alert("incidents", 8.0)], [alert("tickets", 10.0), alert("incidents", 9.0)],
            [alert("tickets", 11.0)]]
    for k, found in enumerate(runs):
        assert check.deliver(db, plan, found, to, datetime(2026, 11, 26, k, tzinfo=UTC)) == 0
    texts = [b["text"] for b in webhook.bodies]
    assert len(texts) == len(smtp.mails) == 2
    assert "2 new, 0 cleared" in texts[0] and "tickets" in texts[0] and "incidents" in texts[0]
    assert "https://opsplan.example.com/data?start=2026-08-01" in texts[0]
    assert "0 new, 1 cleared" in texts[1] and "Cleared:\n- incidents" in texts[1] and "tickets" not in texts[1]
    assert "Cleared:" in smtp.mails[1].get_payload()
    with closing(connect(db, read_only=True)) as con:
        logged = con.sql("select subject, value, cleared_at is not null as is_cleared, "
                         "cleared_delivered_at is not null as clear_sent from alert_log order by subject").df()
    assert logged.to_dict("records") == [
        {"subject": "incidents", "value": 9.0, "is_cleared": True, "clear_sent": True},
        {"subject": "tickets", "value": 11.0, "is_cleared": False, "clear_sent": False}]


def test_a_failed_delivery_is_sent_by_the_next_run(tmp_path, webhook, smtp, plan, capsys):
    """The webhook answers 500: exit 1, naming the receiver, and the notice stays pending; the next
    run, the receiver well again, sends it."""
    db, to = str(tmp_path / "w.duckdb"), channels(webhook, smtp)
    webhook.status = 500
    assert check.deliver(db, plan, [alert("tickets", 9.0)], to, datetime(2026, 11, 26, tzinfo=UTC)) == 1
    assert "answered 500" in capsys.readouterr().err
    webhook.status = 200
    assert check.deliver(db, plan, [alert("tickets", 9.0)], to, datetime(2026, 11, 26, 1, tzinfo=UTC)) == 0
    assert [("1 new" in b["text"]) for b in webhook.bodies] == [True, True]
    assert check.deliver(db, plan, [alert("tickets", 9.0)], to, datetime(2026, 11, 26, 2, tzinfo=UTC)) == 0
    assert len(webhook.bodies) == 2


def test_no_channel_keeps_notices_pending(tmp_path, plan, capsys):
    db = str(tmp_path / "w.duckdb")
    assert check.deliver(db, plan, [alert("tickets", 9.0)], Channels(), datetime(2026, 11, 26, tzinfo=UTC)) == 0
    assert "1 notice(s) pending" in capsys.readouterr().err
    with closing(connect(db, read_only=True)) as con:
        assert list(alert_log.pending(con)["notice"]) == ["new"]


def test_acknowledge_needs_a_planner(tmp_path):
    """A viewer may not acknowledge; a planner may, once, audited."""
    with closing(connect(tmp_path / "w.duckdb")) as con:
        alert_log.record_run(con, [check.as_json(alert("tickets", 9.0))], [], datetime(2026, 11, 26, tzinfo=UTC))
        at = datetime(2026, 11, 26, 3, tzinfo=UTC)
        with pytest.raises(access.PermissionDenied, match="acknowledge alerts"):
            alert_log.acknowledge(con, "data_stale", "tickets", access.Actor("v", "v@x", "viewer"), at)
        planner = access.Actor("Pat", "pat@example.com", "planner")
        assert alert_log.acknowledge(con, "data_stale", "tickets", planner, at)
        assert not alert_log.acknowledge(con, "data_stale", "tickets", planner, at)
        row = alert_log.open_alerts(con).iloc[0]
        assert (row["acknowledged_by"], pd.Timestamp(row["acknowledged_at"])) == ("Pat <pat@example.com>", at)
        assert con.sql("select action, target from audit_log").fetchall() == [("acknowledge_alert", "data_stale: tickets")]


@pytest.mark.parametrize("args,words", [
    (["--db", "/nonexistent/w.duckdb"], "cannot open warehouse"),
    (["--db", "x.duckdb", "--start", "2026-11-01", "--end", "2026-10-01"], "error:")])
def test_a_command_that_cannot_run_exits_2(args, words, capsys):
    assert check.main(args) == 2
    assert words in capsys.readouterr().err


def test_bad_secrets_name_the_key(tmp_path, capsys):
    secrets = tmp_path / "s.toml"
    secrets.write_text('[alerts]\nwebhooks = ["ftp://x"]\n')
    assert check.main(["--db", str(tmp_path / "w.duckdb"), "--deliver", "--secrets", str(secrets)]) == 2
    assert "key 'webhooks'" in capsys.readouterr().err


def test_a_warehouse_older_than_the_log_reads_no_alert(tmp_path):
    """A file made before alert_log existed, opened read-only (no migration): no alert, no error."""
    path = tmp_path / "old.duckdb"
    with closing(connect(path)) as con:
        con.execute("drop table alert_log")
    with closing(connect(path, read_only=True)) as con:
        assert alert_log.open_alerts(con).empty and alert_log.pending(con).empty


def test_a_thai_notice_reads_in_thai(tmp_path, webhook, smtp, plan):
    """With the run's language Thai (--lang th): the stale-data rule's words, the notice's headings,
    its subject and the day as Thai writes them (11 Nov 2026 is 11 พ.ย. 2569, Buddhist Era)."""
    from email.header import decode_header, make_header

    from analytics.freshness import Source
    from core import i18n
    from models.alerts import stale_alerts

    source = Source("tickets", through_at=datetime(2026, 11, 11, 17, tzinfo=UTC))  # last local day 11 Nov
    with i18n.use("th"):
        found = stale_alerts([source], date(2026, 11, 26), "Asia/Bangkok", 7, Period(date(2026, 8, 1),
                                                                                     date(2026, 11, 1)))
        assert [a.detail for a in found] == ["ทิกเก็ต: ข้อมูลล่าสุด 11 พ.ย. 2569"]
        assert check.deliver(str(tmp_path / "w.duckdb"), plan, found, channels(webhook, smtp),
                             datetime(2026, 11, 26, tzinfo=UTC)) == 0
    text = webhook.bodies[0]["text"]
    assert "\nใหม่:\n- ทิกเก็ต: ข้อมูลล่าสุด 11 พ.ย. 2569; ปัจจุบัน 15" in text and "เกณฑ์ 7" in text, text
    assert "(ตั้งแต่ 19 พ.ย. 2569) https://opsplan.example.com/data?start=2026-08-01" in text, text
    subject = str(make_header(decode_header(smtp.mails[0]["Subject"])))
    assert subject == "การแจ้งเตือน opsplan: ใหม่ 1 รายการ คลี่คลายแล้ว 0 รายการ " \
                      "(แผนการบำรุงรักษาและสนับสนุน ระยะที่ 2 หลังการติดตั้งระบบ)", subject


def test_lang_th_leaves_the_json_in_english(demo_db, tmp_path, capsys):
    """--lang is for people; the JSON for scripts stays English whatever it says."""
    db = copy_of(demo_db, tmp_path)
    assert check.main(["--db", str(db), "--json", "--lang", "th"]) == 0
    found = json.loads(capsys.readouterr().out)
    off_track = [a["message"] for a in found if a["rule"] == "kpi_off_track"]
    assert off_track and all("off track: target" in m for m in off_track), off_track
    assert not any("\u0e00" <= ch <= "\u0e7f" for a in found for ch in a["message"])
