"""The Data page through the app's page script with AppTest on a private demo warehouse: the table choice, an upload's
preview and import, a bad file's located errors with nothing written, coverage and the import log."""
from __future__ import annotations

import json
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from core import i18n
from core.i18n import _
from ui import auth, data_import
from data import access, importer, warehouse
from data.catalog import GRAINS, TABLE_USES, table_grains
from data.validate import KPI_TABLES, ImportOptions
from data.wording import localized
from tests.conftest import DEMO_LINK, open_page, open_section, plotly_charts
from tests.thai import THAI

HEAD = "ticket_id,channel,priority,category,created_at\n"


@pytest.fixture
def app(app_db: Path, monkeypatch: pytest.MonkeyPatch) -> AppTest:
    """The Data page on the demo warehouse, 'today' the demo's last day, a known user name."""
    monkeypatch.setattr(auth, "scenario_author", lambda: "ana")
    return open_page(app_db, monkeypatch, "data.py")


def count(db: Path, sql: str) -> int:
    con = warehouse.connect(db)  # the same process: DuckDB shares the app's open database
    try:
        return con.execute(sql).fetchone()[0]
    finally:
        con.close()


def upload(at: AppTest, table: str, name: str, text: str, mode: str = "append") -> AppTest:
    at.selectbox(key="data_table").set_value(table)
    at.radio(key="data_mode").set_value(mode)
    at.file_uploader[0].set_value((name, text.encode(), "text/csv"))
    at.run()
    assert not at.exception, at.exception
    return at


def table_with(at: AppTest, column: str):
    """The first table on the page with this column (a keyed st.dataframe without selection has no id)."""
    found = [d.value for d in at.dataframe if column in d.value.columns]
    assert found, f"no table with a column {column!r}"
    return found[0]


def coverage_rows(at: AppTest, table: str) -> int:
    frame = table_with(at, "months_without_rows")
    return int(frame.loc[frame["table"] == table, "rows"].iloc[0])


def test_page_offers_every_kpi_table_with_its_grain_and_shows_coverage(app: AppTest):
    """Every table the KPIs read is offered, labelled with its grain; coverage lists each with its rows, and
    the month grid is drawn; with no import yet the log says so."""
    assert app.title[0].value.startswith("Data:")
    box = app.selectbox(key="data_table")
    assert sorted(box.options) == sorted(f"{t}: {table_grains()[t][0].lower()}{table_grains()[t][1:]}"
                                         for t in KPI_TABLES)
    assert "tickets: one row per support ticket" in box.options
    assert app.selectbox(key="data_tz").value == "Asia/Bangkok"
    assert app.file_uploader[0].proto.max_upload_size_mb == 50  # the importer's limit, as in config.toml
    coverage = table_with(app, "months_without_rows")
    assert set(coverage["table"]) == set(KPI_TABLES)
    assert coverage_rows(app, "tickets") > 0
    assert plotly_charts(app)
    open_section(app, "data_tab", "Import log")  # coverage and the log are drawn while their tab is open
    assert any("No imports yet" in i.value for i in app.info) and not plotly_charts(app)


def test_upload_previews_then_imports_and_logs(app: AppTest, app_db: Path):
    """A valid CSV: preview says ready with 2 to insert, nothing written yet; Import writes both rows, logs
    the attempt under the user's name and clears the caches (coverage counts the new rows)."""
    before = count(app_db, "select count(*) from tickets")
    logged = count(app_db, "select count(*) from import_log")
    shown_before = coverage_rows(app, "tickets")
    upload(app, "tickets", "new.csv", HEAD + "DP-1,email,high,login,2026-11-20 09:00\n"
                                             "DP-2,phone,low,billing,2026-11-21 10:30\n")
    assert any("ready to import" in s.value for s in app.success)
    assert {m.label: m.value for m in app.metric}["Would insert"] == "2"
    rows = table_with(app, "_line")
    assert list(rows["ticket_id"]) == ["DP-1", "DP-2"] and list(rows["_line"]) == [2, 3]
    assert count(app_db, "select count(*) from tickets") == before  # a preview writes nothing
    button = app.button(key="data_import")
    assert not button.disabled and button.label == "Import into tickets: 2 new"
    button.click().run()
    assert not app.exception, app.exception
    assert any("Imported new.csv into tickets" in s.value for s in app.success)
    assert count(app_db, "select count(*) from tickets") == before + 2
    assert count(app_db, "select count(*) from import_log") == logged + 1
    open_section(app, "data_tab", "Import log")
    log = table_with(app, "outcome")
    latest = log.iloc[0]
    assert (latest["file_name"], latest["user_name"], latest["outcome"]) == ("new.csv", "ana", "imported")
    open_section(app, "data_tab", "Coverage by table")
    assert coverage_rows(app, "tickets") == shown_before + 2  # st.cache_data was cleared
    assert app.file_uploader[0].value is None  # the uploader starts empty for the next file


def test_bad_file_names_line_and_column_and_writes_nothing(app: AppTest, app_db: Path):
    """A bad channel and an ambiguous date: the errors name file:line:column with the page's own fix words,
    the rows with errors can be downloaded, Import is off, and nothing is written or logged."""
    before = count(app_db, "select count(*) from tickets")
    logged = count(app_db, "select count(*) from import_log")
    upload(app, "tickets", "bad.csv", HEAD + "DP-9,email,high,login,2026-11-20 09:00\n"
                                             "DP-10,fax,low,billing,31/11/2026\n")
    assert any("nothing can be imported yet" in e.value for e in app.error)
    problems = table_with(app, "where")
    assert {"bad.csv:3:channel", "bad.csv:3:created_at"} <= set(problems["where"])
    date_fix = problems.loc[problems["where"] == "bad.csv:3:created_at", "fix"].iloc[0]
    assert "'Date format'" in date_fix and "--" not in date_fix
    assert {m.label: m.value for m in app.metric}["Rows with errors"] == "1"
    assert any(b.label == "Rows with errors (1, CSV)" for b in app.get("download_button"))
    assert app.button(key="data_import").disabled
    assert count(app_db, "select count(*) from tickets") == before
    assert count(app_db, "select count(*) from import_log") == logged


def test_replace_with_a_header_only_file_never_wipes(app: AppTest, app_db: Path):
    """Replace mode with a file without data rows is an error, and the table keeps its rows."""
    before = count(app_db, "select count(*) from tickets")
    upload(app, "tickets", "empty.csv", HEAD, mode="replace")
    problems = table_with(app, "where")
    assert problems["rule"].str.contains("replace with an empty file would wipe the table").any()
    assert app.button(key="data_import").disabled
    assert count(app_db, "select count(*) from tickets") == before


def test_a_role_without_imports_cannot_upload(app_db: Path, monkeypatch: pytest.MonkeyPatch):
    """A viewer sees why the uploader is off; coverage still shows."""
    monkeypatch.setattr(auth, "importer_actor", lambda: access.Actor("vic", "vic@example.org", "viewer"))
    at = open_page(app_db, monkeypatch, "data.py")
    assert any("Your role cannot import data" in w.value for w in at.warning)
    assert at.file_uploader[0].proto.disabled
    assert len(table_with(at, "months_without_rows")) == len(KPI_TABLES)


def test_fixes_name_the_page_choices_not_cli_flags():
    """The importer's CLI flags in a fix become the page's choices."""
    assert data_import.page_words("set --date-format (e.g. %d/%m/%Y) or export ISO 8601") == \
        "set 'Date format' (e.g. %d/%m/%Y) or export ISO 8601"
    assert data_import.page_words("rename it or map it with --column") == "rename it"
    assert data_import.page_words("use --mode upsert to update, or drop the row") == \
        "use mode 'upsert' to update, or drop the row"


def test_every_kpi_table_has_a_grain_and_a_use():
    """schema.sql heads each importable table with its grain; TABLE_USES says what reads each."""
    grains = table_grains()
    assert all(grains.get(t, "").startswith("One row per") for t in KPI_TABLES)
    assert {grains[t] for t in KPI_TABLES} == set(GRAINS)  # the catalogue's copy, for the Thai table picker
    assert set(TABLE_USES) == set(KPI_TABLES)


def test_excel_upload_asks_for_the_sheet(app: AppTest):
    """A workbook with two sheets: the Sheet choice lists both, and the chosen sheet's rows are previewed."""
    import io

    import openpyxl

    book = openpyxl.Workbook()
    book.active.title = "Notes"
    book.active.append(["exported by the helpdesk"])
    sheet = book.create_sheet("Tickets")
    for row in [HEAD.strip().split(","), ["DP-X1", "email", "high", "login", "2026-11-20 09:00"]]:
        sheet.append(row)
    buf = io.BytesIO()
    book.save(buf)
    app.selectbox(key="data_table").set_value("tickets")
    app.file_uploader[0].set_value(("export.xlsx", buf.getvalue(), "application/vnd.ms-excel")).run()
    assert app.selectbox(key="data_sheet").options == ["Notes", "Tickets"]
    app.selectbox(key="data_sheet").set_value("Tickets").run()
    assert not app.exception, app.exception
    assert list(table_with(app, "_line")["ticket_id"]) == ["DP-X1"]
    assert any("ready to import" in s.value for s in app.success)


def test_a_typed_date_format_that_cannot_work_is_named():
    """An unknown % code in a typed date format is refused before any preview (pandas would raise)."""
    assert "'%Q' is not a date format" in data_import.date_format_error("%Q")
    assert data_import.date_format_error("%d/%m/%Y %H:%M") is None and data_import.date_format_error("") is None


SOURCES = Path(__file__).resolve().parent / "fixtures" / "import" / "sources"


def test_a_tools_export_is_detected_its_assumptions_chosen_and_imported(app: AppTest, app_db: Path):
    """A PagerDuty export as PagerDuty writes it: the page names the detected profile, shows the impact it
    assumes as a choice, lists the service the warehouse lacks ('Checkout API'; 'Search' and 'web' are the
    demo's search and web by name and id) and keeps Import off until the admin adds it; with impact
    changed to outage and the service added, Import writes all four incidents."""
    data = (SOURCES / "pagerduty_incidents.csv").read_bytes()
    app.selectbox(key="data_table").set_value("incidents")
    app.file_uploader[0].set_value(("pagerduty.csv", data, "text/csv"))
    app.run()
    assert not app.exception, app.exception
    assert any("Source profile: pagerduty" in i.value and "detected" in i.value for i in app.info)
    impact = app.selectbox(key="data_assume.pagerduty.impact")
    assert impact.value == "degraded" and impact.options == ["outage", "degraded", "none"]
    assert any("not in the warehouse" in w.value and "Checkout API" in w.value for w in app.warning)
    assert app.button(key="data_import").disabled
    mapping = table_with(app, "warehouse column")
    assert set(mapping.loc[mapping["source header"] == "created_at", "warehouse column"]) == {"started_at",
                                                                                            "detected_at"}
    app.checkbox(key="data_add_services").check().run()
    app.selectbox(key="data_assume.pagerduty.impact").set_value("outage").run()
    assert not app.exception, app.exception
    button = app.button(key="data_import")
    assert not button.disabled and button.label == "Import into incidents: 4 new"
    button.click().run()
    assert not app.exception, app.exception
    assert any("Imported pagerduty.csv into incidents" in s.value for s in app.success)
    assert count(app_db, "select count(*) from incidents where incident_id in ('1041', '1042', '1043', '1044') "
                         "and impact = 'outage'") == 4
    assert count(app_db, "select count(*) from incidents where incident_id = '1042' and service_id = 'search'") == 1
    assert count(app_db, "select count(*) from services where service_id = 'Checkout API'") == 1


BAD_TICKETS = HEAD + "DP-9,email,high,login,2026-11-20 09:00\nDP-10,fax,low,billing,31/11/2026\n"


def test_a_bad_file_reads_in_thai_with_its_file_line_column_and_value_as_found(app_db: Path,
                                                                                monkeypatch: pytest.MonkeyPatch):
    """In a Thai session the problems table's headers, rules and fixes are Thai (the fix names the Thai page
    choice, no CLI flag), while the file's own words (file:line:column, the value) stay as found."""
    monkeypatch.setattr(auth, "scenario_author", lambda: "ana")
    at = open_page(app_db, monkeypatch, "data.py", {**DEMO_LINK, "lang": "th"})
    with i18n.use("th"):  # AppTest formats the option to set with the picker's format_func, here
        upload(at, "tickets", "bad.csv", BAD_TICKETS)
        ambiguous = _("ambiguous date: day/month order is not known")
        date_choice, where_label = _("'Date format'"), _("Where (file:line:column)")
    assert ambiguous != "ambiguous date: day/month order is not known" and THAI.search(ambiguous)
    problems = table_with(at, "where")
    assert {"bad.csv:3:channel", "bad.csv:3:created_at"} == set(problems["where"])
    date = problems.loc[problems["where"] == "bad.csv:3:created_at"].iloc[0]
    assert date["rule"] == ambiguous and date["value"] == "'31/11/2026'"
    assert date_choice in date["fix"] and "--" not in date["fix"] and THAI.search(date["fix"])
    channel = problems.loc[problems["where"] == "bad.csv:3:channel"].iloc[0]
    assert THAI.search(channel["rule"]) and "'email'" in channel["rule"]  # the rule's SQL stays as written
    assert all(THAI.search(f) for f in problems["fix"]) and all(THAI.search(v) for v in problems["level"])
    shown = next(d for d in at.dataframe if "where" in d.value.columns)
    headers = {k: v.get("label") for k, v in json.loads(shown.proto.columns).items()}
    assert headers["where"] == where_label and all(THAI.search(headers[c]) for c in data_import.PROBLEM_COLUMNS)
    assert any(THAI.search(e.value) and "bad.csv" in e.value for e in at.error)


def test_problems_stored_in_english_read_in_thai(tmp_path: Path):
    """import_problems keeps the English the importer wrote (the CLI's words); a Thai reader of the log
    reads each rule and fix in Thai, the values in them as written, and an English reader the same English."""
    con = warehouse.connect(tmp_path / "w.duckdb")
    try:
        result = importer.run_import(con, BAD_TICKETS.replace("DP-9,email", "DP-9,e-mail").encode(), "bad.csv",
                                     "tickets", ImportOptions(tz="Asia/Bangkok"), user="ana",
                                     actor=access.LOCAL_USER)
        stored = con.execute("select rule, fix from import_problems where import_id = $id order by problem_no",
                             {"id": result.import_id}).fetchall()
    finally:
        con.close()
    assert result.outcome == "rejected" and len(stored) >= 3
    assert ("ambiguous date: day/month order is not known",
            "set --date-format (e.g. %d/%m/%Y) or export ISO 8601 (YYYY-MM-DD)") in stored
    with i18n.use("th"):
        shown = [(localized(r), localized(f)) for r, f in stored]
    for (rule, fix), (thai_rule, thai_fix) in zip(stored, shown):
        assert THAI.search(thai_rule), rule
        assert not fix or THAI.search(thai_fix), fix
    assert ("วันที่กำกวม: ไม่ทราบว่าเรียงวัน/เดือนแบบใด",
            "ตั้งค่า --date-format (เช่น %d/%m/%Y) หรือส่งออกเป็น ISO 8601 (YYYY-MM-DD)") in shown
    with i18n.use("en"):
        assert [(localized(r), localized(f)) for r, f in stored] == stored


def test_a_sentence_inside_a_sentence_is_translated_and_data_is_not():
    """A rule quoted inside another ('... and 12 more rows with: <rule>') is translated too; a placeholder
    holding data (a zone, a column name) keeps it; a text the catalogue does not know stays as it is."""
    with i18n.use("th"):
        assert localized("... and 12 more rows with: not a number") == "... และอีก 12 แถวที่มีปัญหา: ไม่ใช่ตัวเลข"
        assert localized("local time does not exist in Asia/Bangkok (DST gap)") == \
            "เวลาท้องถิ่นนี้ไม่มีอยู่จริงใน Asia/Bangkok (ช่วงปรับเวลาออมแสง)"
        assert localized("unknown column 'Prio' is ignored") == "ไม่รู้จักคอลัมน์ 'Prio' จึงไม่นำมาใช้"
        assert localized("a text nobody wrote") == "a text nobody wrote"
        assert localized("kpis.uptime.target: 'x' is not a number") == "kpis.uptime.target: 'x' ไม่ใช่ตัวเลข"
        assert data_import.page_words(localized("rename it or map it with --column")) == "เปลี่ยนชื่อคอลัมน์"
        # only the data layer's texts are read back: a page's "{n} tickets" does not take a profile's line
        assert localized("freshdesk: Freshdesk tickets (CSV export) -> tickets") == "freshdesk → ตาราง tickets"
