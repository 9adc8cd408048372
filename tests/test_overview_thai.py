"""The Overview's and the Admin page's parts in Thai: what a Thai reader sees, with the English
keys (options, column names, files) unchanged underneath, and the scorecard cached per language."""
from __future__ import annotations

import json
from datetime import date
from pathlib import Path

import pytest

from core import i18n
from core.i18n import _
from core.period import Period
from core.plan import Plan
from tests.conftest import DEMO_LINK, chart, open_page
from tests.test_alerts_page import logged_db  # noqa: F401 (a fixture: the demo with two alerts logged)
from ui import formatting, scorecard, state

THAI_LINK = {**DEMO_LINK, "lang": "th"}


def headers(table) -> list[str]:
    """A table's header row as a reader sees it: each column's column_config label, else its name."""
    config = json.loads(table.proto.columns or "{}")
    return [(config.get(str(c)) or {}).get("label") or str(c) for c in table.value.columns]


def open_thai(db: Path, monkeypatch: pytest.MonkeyPatch, page: str):
    """pages/<page> opened in Thai. AppTest words a choice with its widget's format_func in the
    test's own thread, on every run after the first: the test speaks Thai too, as the session does."""
    with i18n.use("th"):
        return open_page(db, monkeypatch, page, THAI_LINK)


def test_the_overview_in_thai_names_each_kpi_in_thai(app_db: Path, monkeypatch: pytest.MonkeyPatch, plan: Plan):
    """Title, tiles, the trend charts and the scorecard table's headers read Thai; the KPIs' own
    keys stay as they are."""
    at = open_thai(app_db, monkeypatch, "overview.py")
    assert at.title[0].value == "แผนเป็นไปตามเป้าหมายหรือไม่"
    with i18n.use("th"):
        labels = {k.key: formatting.tile_label(_(k.label))[0] for k in plan.kpis}
    assert labels["uptime_pct"] == "ความพร้อมใช้งาน" and labels["mttr_hours"] == "MTTR"
    assert sorted(m.label for m in at.metric) == sorted(labels.values())
    at.session_state[state.OVERVIEW_TABLE_KEY] = True  # the table is drawn once opened
    with i18n.use("th"):
        at.run()
    table = next(e for e in at.dataframe if "definition" in e.value.columns)
    assert headers(table)[:4] == ["KPI", "ด้าน", "ค่า", "หน่วย"]
    assert "ความพร้อมใช้งาน" in set(table.value["kpi"]) and "ความน่าเชื่อถือ" in set(table.value["area"])
    at.session_state[state.OVERVIEW_TRENDS_KEY] = True  # the trends are drawn once opened
    with i18n.use("th"):
        at.run()
    assert chart(at, "trend_uptime_pct")["layout"]["title"]["text"] == "ความพร้อมใช้งาน รายเดือน"


def panel_table(at):
    return next(e for e in at.expander if e.label.startswith("การแจ้งเตือนที่ยังเปิดอยู่")).dataframe[0]


def test_alerts_read_thai_and_are_acknowledged_by_the_same_choice(logged_db: Path, monkeypatch: pytest.MonkeyPatch):
    """The panel's words and headers in Thai; the acknowledge choice keeps its English value."""
    at = open_thai(logged_db, monkeypatch, "overview.py")
    box = next(e for e in at.expander if e.label.startswith("การแจ้งเตือนที่ยังเปิดอยู่"))
    assert box.label == "การแจ้งเตือนที่ยังเปิดอยู่: 2"
    assert headers(panel_table(at)) == ["การแจ้งเตือน", "รายละเอียด", "ตั้งแต่", "รับทราบแล้ว", "หน้า"]
    assert list(panel_table(at).value["alert"]) == ["ใกล้ถึงเกณฑ์ขีดความสามารถ", "SLA ต่ำกว่าเกณฑ์ขั้นต่ำ"]
    with i18n.use("th"):
        at.selectbox(key="alerts_ack_choice").set_value("capacity line near: worker memory_pct")
        at.button(key="alerts_ack_button").click().run()
    assert not at.exception, at.exception
    shown = panel_table(at).value
    acknowledged = dict(zip(shown["alert"], shown["acknowledged"]))
    assert acknowledged["ใกล้ถึงเกณฑ์ขีดความสามารถ"] and not acknowledged["SLA ต่ำกว่าเกณฑ์ขั้นต่ำ"]
    assert at.selectbox(key="alerts_ack_choice").options == ["SLA ต่ำกว่าเกณฑ์ขั้นต่ำ: channel email first response"]


def test_the_admin_page_backs_up_in_thai(app_db: Path, monkeypatch: pytest.MonkeyPatch):
    """The backup's result is said in Thai, with its numbers in the locale's format."""
    at = open_thai(app_db, monkeypatch, "admin.py")
    assert at.title[0].value == "ผู้ดูแลระบบ: ใครเปลี่ยนแปลงอะไร"
    with i18n.use("th"):
        at.button(key="admin_backup").click().run()
    assert not at.exception, at.exception
    assert any(s.value.startswith("สำรองข้อมูลแล้ว ") and " แถว) ไว้ที่ `" in s.value for s in at.success)
    assert [t.label for t in at.tabs] == ["บันทึกการตรวจสอบ", "การสำรองข้อมูล", "เป้าหมายและงบประมาณของแผน"]


def test_a_scorecard_is_computed_in_the_language_it_is_cached_for(app_db: Path, monkeypatch: pytest.MonkeyPatch):
    """As a background refresh runs it, outside any session: each language is its own cache entry,
    computed in that language, whatever the language in use around the call."""
    monkeypatch.setenv("OPSPLAN_DB", str(app_db))
    spoken, real = [], scorecard.evaluate
    monkeypatch.setattr(scorecard, "evaluate", lambda *args: spoken.append(i18n.language()) or real(*args))
    scorecard._scorecard.clear()
    period = Period(date(2026, 8, 1), date(2026, 11, 1))
    with i18n.use("en"):
        thai = scorecard.load_scorecard(period, "th")
    english = scorecard.load_scorecard(period, "en")
    again = scorecard.load_scorecard(period, "th")
    assert spoken == ["th", "en"]
    assert [r.kpi for r in thai] == [r.kpi for r in english] and again == thai
    scorecard._scorecard.clear()
