"""Thai and English: the catalogue is whole, no text reaches the screen untranslated, and the locale
formats are Babel's with Buddhist Era years on Thai dates."""
from __future__ import annotations

import ast
import importlib.util
import re
from datetime import date, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import duckdb
import pytest

from core import i18n
from core.i18n import _
from tests.conftest import open_page, plotly_charts
from tests.thai import english_left, english_on, english_terms

ROOT = Path(__file__).resolve().parent.parent
_spec = importlib.util.spec_from_file_location("i18n_script", ROOT / "scripts" / "i18n.py")
catalogue = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(catalogue)

PAGES = ["overview.py", "reliability.py", "support.py", "cost.py", "monitoring.py", "adherence.py",
         "growth.py", "capacity.py", "budget.py", "scenarios.py", "data.py", "admin.py"]


# ---------------------------------------------------------------------------
# The catalogue


def _extracted() -> set[tuple[str | None, str]]:
    """(context, text) of every text the code and plan.toml mark, extracted as
    `python scripts/i18n.py extract` does."""
    from babel.messages.extract import extract_from_dir
    from babel.messages.frontend import parse_mapping_cfg

    with (ROOT / "babel.cfg").open() as f:
        method_map, options_map = parse_mapping_cfg(f)
    keywords = {"_": None, "N_": None, "ngettext": (1, 2), "pgettext": ((1, "c"), 2)}
    found = set()
    for _file, _line, message, _comments, context in extract_from_dir(
            str(ROOT), method_map, options_map, keywords=keywords):
        found.add((context, message if isinstance(message, str) else message[0]))
    return found


def test_every_marked_text_has_thai_in_the_catalogue():
    """The check fails on a text the code marks that the catalogue lacks or leaves untranslated
    (besides the reviewed keep-english list): run `python scripts/i18n.py extract`, then translate."""
    thai = {}
    for m in catalogue.read_catalogue():
        if m.id and not m.fuzzy:
            text = m.string if isinstance(m.string, str) else (m.string[0] if m.string else "")
            thai[(m.context, m.id if isinstance(m.id, str) else m.id[0])] = text
    kept = catalogue.keep_english()
    gaps = sorted(f"{c}|{t}" if c else t for c, t in _extracted() if t not in kept and not thai.get((c, t)))
    assert not gaps, f"{len(gaps)} texts without Thai, e.g. {gaps[:15]}"


def test_the_compiled_catalogue_is_the_po_file_compiled():
    assert catalogue.MO.read_bytes() == catalogue.compiled_bytes(), "run python scripts/i18n.py compile"


def test_terms_kept_in_english_are_said_so_in_the_catalogue_file():
    terms = english_terms()
    assert {"mttr", "mtbf", "sla", "cpu"} <= terms


# Streamlit calls whose first argument (or label/help/caption keyword) a reader sees.
TEXT_CALLS = {"title", "header", "subheader", "markdown", "caption", "write", "info", "warning", "error",
              "success", "toast", "button", "download_button", "link_button", "page_link", "checkbox",
              "toggle", "radio", "selectbox", "multiselect", "slider", "select_slider", "number_input",
              "text_input", "text_area", "date_input", "time_input", "file_uploader", "metric", "expander",
              "popover", "tabs", "spinner", "status", "segmented_control", "pills", "form_submit_button",
              "dialog"}
TEXT_KEYWORDS = {"label", "help", "placeholder", "caption", "text", "title", "value", "delta"}
SOURCES = ["pages", "ui", "shell", "reports", "alerts"]
LETTERS = re.compile(r"[A-Za-z]{3,}")


def _bare(node: ast.expr) -> str | None:
    """The English in a literal reaching the screen without _(): a plain string or an f-string's own text."""
    if isinstance(node, ast.Constant) and isinstance(node.value, str) and LETTERS.search(node.value):
        return node.value
    if isinstance(node, ast.JoinedStr):
        own = "".join(v.value for v in node.values if isinstance(v, ast.Constant))
        return own if LETTERS.search(re.sub(r":material/[a-z_]+:|`[^`]*`", "", own)) else None
    return None


def bare_texts(paths: list[str] = SOURCES) -> list[str]:
    """`file:line st.call: text` of each English literal handed to Streamlit without _(), under `paths`
    (folders or files): `python -c "from tests.test_i18n import bare_texts as b; print(*b(['ui/cost.py']), sep=chr(10))"`."""
    found = []
    for folder in paths:
        files = [ROOT / folder] if folder.endswith(".py") else sorted((ROOT / folder).rglob("*.py"))
        for path in files:
            tree = ast.parse(path.read_text(encoding="utf-8"))
            for call in (n for n in ast.walk(tree) if isinstance(n, ast.Call)):
                func = call.func
                name = func.attr if isinstance(func, ast.Attribute) else None
                if name not in TEXT_CALLS:
                    continue
                args = list(call.args[:1]) + [k.value for k in call.keywords if k.arg in TEXT_KEYWORDS]
                if name == "tabs" and call.args and isinstance(call.args[0], (ast.List, ast.Tuple)):
                    args = list(call.args[0].elts)
                for arg in args:
                    text = _bare(arg)
                    if text:
                        found.append(f"{path.relative_to(ROOT)}:{call.lineno} st.{name}: {text[:70]!r}")
    return found


def test_no_streamlit_text_call_is_given_english_without_translation():
    """A title, label or text handed to Streamlit is `_()`'s result, never a bare literal."""
    found = bare_texts()
    assert not found, f"{len(found)} untranslated texts, e.g.\n" + "\n".join(found[:40])


# ---------------------------------------------------------------------------
# Locale formats


def test_thai_dates_in_buddhist_era_years_and_thai_months():
    with i18n.use("th"):
        assert i18n.date_text(date(2026, 12, 7)) == "7 ธ.ค. 2569"
        assert i18n.date_text(date(2026, 1, 31), "month_long") == "มกราคม 2569"
        assert i18n.date_text(date(2026, 2, 1), "month") == "ก.พ. 2569"
        assert i18n.date_text(date(2026, 12, 7), "day_short") == "7 ธ.ค."
        moment = datetime(2026, 12, 7, 14, 5, tzinfo=ZoneInfo("Asia/Bangkok"))
        assert i18n.date_text(moment, "minute") == "7 ธ.ค. 2569 14:05"
        i18n.set_buddhist_era(False)
        try:
            assert i18n.date_text(date(2026, 12, 7)) == "7 ธ.ค. 2026"
        finally:
            i18n.set_buddhist_era(True)


def test_english_dates_stay_common_era():
    with i18n.use("en"):
        assert i18n.date_text(date(2026, 12, 7)) == "7 Dec 2026"
        assert i18n.date_text(date(2026, 12, 7), "month_long") == "December 2026"


def test_an_era_year_is_replaced_only_where_it_is_the_year():
    """A day number equal to the year's digits cannot occur, but a number beside the year must not move."""
    with i18n.use("th"):
        assert i18n.date_text(date(2025, 9, 1), "year") == "2568"


def test_numbers_by_babel():
    with i18n.use("th"):
        assert i18n.number(1234.5, 1) == "1,234.5"
        assert i18n.number(670000) == "670,000"
    with i18n.use("en"):
        assert i18n.number(-0.25, 2) == "-0.25"
        # rounded as Python rounds the float: 2.675 is 2.67499... in binary, so 2.67 (Babel alone
        # rounds the decimal 2.675 to 2.68); 0.125 is exact and rounds half to even, 0.12
        assert i18n.number(2.675, 2) == f"{2.675:.2f}" == "2.67"
        assert i18n.number(0.125, 2) == f"{0.125:.2f}" == "0.12"
        assert i18n.number(99.95, 1) == f"{99.95:.1f}"


def test_language_names_and_fallbacks():
    assert i18n.known("th-TH") == "th" and i18n.known("en_US") == "en" and i18n.known("fr") is None
    with i18n.use("fr"):
        assert i18n.language() == "en"
    with i18n.use("th"):
        assert _("Overview") != "Overview"  # the page title has its Thai
        assert _("a text nobody marked") == "a text nobody marked"


def test_the_buddhist_era_is_a_plan_setting(plan):
    assert plan.settings.buddhist_era is True


# ---------------------------------------------------------------------------
# Every page in Thai


@pytest.fixture(scope="module")
def keep(app_db: Path) -> set[str]:
    """The terms kept in English, and the data's own names: the warehouse's services and their kinds,
    and the local user's name a scenario is saved under with sign-in off."""
    import getpass

    con = duckdb.connect(str(app_db), read_only=True)
    words = set(english_terms()) | {getpass.getuser().lower()}
    for row in con.execute("select service_id, name, kind from services").fetchall():
        for value in row:
            words.update(w.lower() for w in re.findall(r"[A-Za-z][A-Za-z'’]+", str(value)))
    con.close()
    return words


def data_page_names() -> set[str]:
    """Names the Data page shows as they are: the warehouse's tables and the source profiles (the names
    a file, the table picker and the import command use), and the English month of the example cell of
    the date format %d-%b-%Y (strptime reads English month names only)."""
    from data import sources
    from data.validate import KPI_TABLES
    return {*KPI_TABLES, *sources.names(), "jan"}


PAGE_NAMES = {"data.py": data_page_names}
# Parts a page draws only once opened (widgets.section_tabs, lazy expanders): the test opens each.
SECTION_KEYS = {"reliability.py": "reliability_tab", "support.py": "support_tab", "cost.py": "cost_tab",
                "data.py": "data_tab"}
LAZY_PARTS = {"overview.py": ("overview_table", "overview_trends", "coherence_all"),
              "reliability.py": ("reliability_tables", "coherence_reliability"), "cost.py": ("coherence_cost",)}


def test_english_left_sees_words_not_terms():
    keep = {"mttr", "cpu"}
    assert english_left("MTTR เป้าหมาย < 4 ชม. `costs.csv`", keep) == []
    assert english_left("CPU ถึง 80 % ภายใน 12 days", keep) == ["days"]


@pytest.mark.parametrize("page", PAGES)
def test_every_page_reads_in_thai(app_db: Path, monkeypatch, page: str, keep: set[str]):
    """The page opened with ?lang=th shows no English a Thai manager would have to read."""
    at = open_page(app_db, monkeypatch, page, {"start": "2026-08-01", "end": "2026-11-01", "lang": "th"})
    assert at.session_state["language"] == "th"
    kept = keep | (PAGE_NAMES[page]() if page in PAGE_NAMES else set())
    left = english_on(at, kept)
    assert not left, f"{len(left)} texts in English on {page}:\n" + "\n".join(left[:60])
    # The parts drawn only when opened: every other section tab, then every lazy expander
    labels = [t.label for t in at.tabs] if page in SECTION_KEYS else []
    for label in labels[1:]:
        at.session_state[SECTION_KEYS[page]] = label
        opened(at, f"{page}, tab {label}", kept)
    for key in LAZY_PARTS.get(page, ()):
        at.session_state[key] = True
        opened(at, f"{page}, {key}", kept)


def opened(at, where: str, kept: set[str]) -> None:
    with i18n.use("th"):
        at.run()
    assert not at.exception, at.exception
    left = english_on(at, kept)
    assert not left, f"{len(left)} texts in English on {where}:\n" + "\n".join(left[:60])


# ---------------------------------------------------------------------------
# The session's language


def test_a_session_opens_in_the_links_language_else_the_saved_one_else_the_browsers():
    from ui.language import first_language

    assert first_language("th", "en", "en-US") == "th"      # a shared link opens in the sender's language
    assert first_language(None, "th", "en-US") == "th"      # then the signed-in user's choice
    assert first_language("fr", None, "th-TH") == "th"      # an unknown link value is passed over
    assert first_language(None, None, "de-DE") == "en"      # else English
    assert first_language(None, None, None) == "en"


def test_a_signed_in_users_language_is_kept_in_the_warehouse(tmp_path: Path):
    from data import sessions, warehouse

    path = tmp_path / "w.duckdb"
    con = duckdb.connect(str(path))
    warehouse.migrate(con)
    claims = {"iss": "https://idp.example", "sub": "u1", "is_logged_in": True}
    assert sessions.language_of(con, claims) is None
    sessions.save_language(con, claims, "th")
    assert sessions.language_of(con, claims) == "th"
    sessions.save_language(con, claims, "en")  # the last choice wins
    assert sessions.language_of(con, claims) == "en"
    assert sessions.language_of(con, {"iss": "https://idp.example", "sub": "u2"}) is None
    with pytest.raises(duckdb.ConstraintException):
        sessions.save_language(con, claims, "fr")


def test_a_warehouse_older_than_preferences_has_no_saved_language(tmp_path: Path):
    from data import sessions

    con = duckdb.connect(str(tmp_path / "old.duckdb"))
    assert sessions.language_of(con, {"iss": "x", "sub": "y"}) is None


def test_the_link_names_the_language_and_the_switch_keeps_the_view(app_db: Path, monkeypatch):
    """Switching language keeps every control's choice: option widgets come back from the browser as
    the text they showed, in the language being left."""
    from ui.state import PRESET_KEY, SERVICES_KEY

    at = open_page(app_db, monkeypatch, "overview.py", {"start": "2026-08-01", "end": "2026-11-01", "lang": "th"})
    assert at.selectbox(key=PRESET_KEY).label == "ช่วงเวลา"
    with i18n.use("th"):  # AppTest formats the drawn widgets' values in this thread: as they were drawn
        at.selectbox(key=PRESET_KEY).set_value("Year to date").run()
        at.multiselect(key=SERVICES_KEY).set_value(["auth", "api"]).run()
        assert at.selectbox(key=PRESET_KEY).options[-1] == "กำหนดช่วงเดือนเอง"
        at.segmented_control(key="language").set_value("en").run()
    assert not at.exception
    assert at.selectbox(key=PRESET_KEY).label == "Period"
    assert at.selectbox(key=PRESET_KEY).value == "Year to date"
    assert sorted(at.multiselect(key=SERVICES_KEY).value) == ["api", "auth"]
    assert at.query_params["lang"] in ("en", ["en"])


def test_the_open_section_stays_open_across_a_language_switch(app_db: Path, monkeypatch):
    """A section tab's state is its label as shown: opened in English, the same section is open in
    Thai after the switch (and its charts are the ones drawn), and back again."""
    at = open_page(app_db, monkeypatch, "reliability.py", {"start": "2026-08-01", "end": "2026-11-01"})
    at.session_state["reliability_tab"] = "Recovery"
    at.run()
    with i18n.use("en"):
        at.segmented_control(key="language").set_value("th").run()
    assert not at.exception, at.exception
    assert at.session_state["reliability_tab"] == "การกู้คืน"
    assert {c.proto.id.rsplit("-", 1)[-1] for c in plotly_charts(at)} == {"mttr_spread", "mtbf_interval"}
    with i18n.use("th"):
        at.segmented_control(key="language").set_value("en").run()
    assert at.session_state["reliability_tab"] == "Recovery" and len(plotly_charts(at)) == 2


# ---------------------------------------------------------------------------
# Date axes


def test_a_year_of_months_is_ticked_every_other_month_in_thai_months_and_era():
    from ui.chart_dates import ticks

    with i18n.use("th"):
        # 12 month starts, Dec 2025 to Nov 2026: one tick a month is 12 > 8, every 2nd is 6
        values, labels = ticks(date(2025, 12, 1), date(2026, 11, 1))
    assert values == ["2025-12-01", "2026-02-01", "2026-04-01", "2026-06-01", "2026-08-01", "2026-10-01"]
    assert labels == ["ธ.ค. 2568", "ก.พ. 2569", "เม.ย. 2569", "มิ.ย. 2569", "ส.ค. 2569", "ต.ค. 2569"]


def test_a_span_under_two_months_is_ticked_by_days_and_starts_at_whole_months_otherwise():
    from ui.chart_dates import ticks

    with i18n.use("th"):
        # 14 days: one a day is 14 > 8, every 2nd day is 7
        values, labels = ticks(date(2026, 11, 1), date(2026, 11, 14))
        assert values[:2] == ["2026-11-01", "2026-11-03"] and len(values) == 7 and labels[0] == "1 พ.ย."
        # from 15 Aug: the first tick is the first whole month, 1 Sep
        values, _labels = ticks(date(2026, 8, 15), date(2026, 11, 26))
        assert values == ["2026-09-01", "2026-10-01", "2026-11-01"]


def test_only_thai_figures_and_only_date_axes_are_relabelled():
    import plotly.graph_objects as go
    import pandas as pd

    from ui.chart_dates import localized

    months = pd.date_range("2026-01-01", periods=6, freq="MS")
    fig = go.Figure([go.Scatter(x=months, y=list(range(6))), go.Bar(x=["a", "b"], y=[1, 2], xaxis="x2")],
                    layout={"xaxis2": {"anchor": "y"}})
    with i18n.use("en"):
        assert localized(go.Figure(fig)).layout.xaxis.ticktext is None
    with i18n.use("th"):
        shown = localized(go.Figure(fig))
    assert shown.layout.xaxis.ticktext == ("ม.ค. 2569", "ก.พ. 2569", "มี.ค. 2569", "เม.ย. 2569", "พ.ค. 2569", "มิ.ย. 2569")
    assert shown.layout.xaxis2.ticktext is None  # categories stay as they are
