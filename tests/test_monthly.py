"""`python -m reports.monthly` end to end on the demo warehouse: the HTML and the PDF of October 2026
hold every KPI's label and its value as the scorecard's JSON gives it, written as on the tiles; the
HTML reaches for nothing on the network; Thai service names render; bad input is exit 2."""
from __future__ import annotations

import json
import re
import shutil
import subprocess
import sys
from pathlib import Path
from types import SimpleNamespace

import duckdb
import pytest

from core import i18n
from core.plan import Plan
from reports import monthly
from tests.thai import english_left, english_terms
from ui.formatting import value_text

ROOT = Path(__file__).resolve().parent.parent
# Anything a browser would fetch: a src or href, a CSS url() or @import, to another host.
EXTERNAL = re.compile(r"""(?:\b(?:src|href)\s*=\s*["']?\s*(?:https?:)?//)"""
                      r"""|(?:url\(\s*["']?\s*(?:https?:)?//)|@import""", re.IGNORECASE)
THAI_NAME = "ระบบส่งเนื้อหา CDN"  # "content delivery system": the worst service of October in the demo


def run(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, *args], cwd=ROOT, capture_output=True, text=True, timeout=300)


def review(db: Path, out: Path, *lang: str) -> None:
    done = run("-m", "reports.monthly", "--db", str(db), "--month", "2026-10", "--out", str(out), *lang)
    assert done.returncode == 0, done.stderr
    assert out.is_file() and out.stat().st_size > 0


def expected_kpis(db: Path, plan: Plan) -> list[tuple[str, str]]:
    """Each KPI's label and its value from `python -m analytics.scorecard --json` for October,
    written as the tiles write it (ui.formatting.value_text)."""
    done = run("-m", "analytics.scorecard", "--db", str(db), "--start", "2026-10-01", "--end", "2026-11-01", "--json")
    assert done.returncode == 0, done.stderr
    labels = {k.key: k.label for k in plan.kpis}
    return [(labels[o["kpi"]], value_text(SimpleNamespace(value=o["value"], target=o["target"], unit=o["unit"])))
            for o in json.loads(done.stdout)]


def words(text: str) -> str:
    return " ".join(text.split())


@pytest.fixture(scope="module")
def thai_db(demo_db: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The demo with the CDN's name in Thai (a copy: the session's warehouse stays as built)."""
    path = tmp_path_factory.mktemp("thai") / "demo.duckdb"
    shutil.copyfile(demo_db, path)
    con = duckdb.connect(str(path))
    con.execute("update services set name = $name where service_id = 'cdn'", {"name": THAI_NAME})
    con.close()
    return path


def test_the_html_review_holds_the_scorecards_values_and_opens_offline(demo_db: Path, plan: Plan, tmp_path: Path):
    out = tmp_path / "review.html"
    review(demo_db, out)
    text = out.read_text(encoding="utf-8")
    rows = re.findall(r"<tr>(.*?)</tr>", text, re.DOTALL)
    for label, value in expected_kpis(demo_db, plan):
        row = next((r for r in rows if f"<td>{label}</td>" in r), None)
        assert row is not None, f"no table row for {label}"
        assert f'<td class="num">{value}</td>' in row, f"{label}: {value} not in its row"
    # plotly.js inline (its bundle names map-tile and logo addresses that a bar chart never loads),
    # then the charts: no script is fetched, and the document itself links to nothing
    scripts = re.findall(r"<script([^>]*)>", text)
    assert len(scripts) >= 3 and not any("src" in attributes for attributes in scripts)
    document = re.sub(r"(<script[^>]*>).*?(</script>)", r"\1\2", text, flags=re.DOTALL)
    assert not EXTERNAL.findall(document), "the review reaches for the network"
    assert "Plotly.newPlot" in text and len(text) > 3_000_000  # the 3.5 MB of plotly.js are in the file
    for heading in ("Summary", "Every KPI against target and baseline", "Worst services", "SLA grids",
                    "Plan adherence", "Budget to date and year-end projection", "Capacity risks in the horizon",
                    "What this review was built on"):
        assert f"<h2>{heading}" in text
    assert "break-inside: avoid" in text and "@page" in text


@pytest.mark.skipif(not (shutil.which("chromium") and shutil.which("pdftotext")),
                    reason="needs chromium and pdftotext (scripts/test.sh installs them)")
def test_the_pdf_review_reads_back_the_scorecards_values_and_thai(thai_db: Path, plan: Plan, tmp_path: Path):
    out = tmp_path / "review.pdf"
    review(thai_db, out)
    text = words(subprocess.run(["pdftotext", str(out), "-"], capture_output=True, text=True, check=True).stdout)
    for label, value in expected_kpis(thai_db, plan):
        assert label in text, f"{label} not in the PDF's text"
        assert value in text, f"{label}: {value} not in the PDF's text"
    assert "Monthly review: October 2026" in text and "Every KPI against target and baseline" in text
    assert THAI_NAME in text  # selectable Thai text ...
    fonts = subprocess.run(["pdffonts", str(out)], capture_output=True, text=True, check=True).stdout
    assert re.search(r"Loma|Garuda|Waree|Umpush|Kinnari|Norasi|Sawasdee|Thai", fonts), fonts  # ... drawn in a Thai face


@pytest.mark.skipif(not (shutil.which("chromium") and shutil.which("pdftotext")),
                    reason="needs chromium and pdftotext (scripts/test.sh installs them)")
def test_the_thai_pdf_review_reads_in_thai_with_buddhist_era_months(demo_db: Path, plan: Plan, tmp_path: Path):
    """--lang th: the KPI labels and areas as the catalogue has them, the month in Thai with its
    Buddhist Era year (October 2026 is ตุลาคม 2569), the pack's own headings and sentences in Thai,
    drawn in a Thai face; the HTML says it is Thai."""
    out = tmp_path / "review.pdf"
    review(demo_db, out, "--lang", "th")
    text = words(subprocess.run(["pdftotext", str(out), "-"], capture_output=True, text=True, check=True).stdout)
    # pdftotext may split a Thai word at a mark above its letter ("การฝึ กอบรม"): Thai compares without spaces
    bare = text.replace(" ", "")
    with i18n.use("th"):
        labels = [i18n._(k.label) for k in plan.kpis]
        areas = {i18n._(k.area) for k in plan.kpis}
    assert labels[0] == "ความพร้อมใช้งาน"
    for label in labels + sorted(areas):
        assert label.replace(" ", "") in bare, f"{label} not in the Thai PDF's text"
    assert "รายงานทบทวนประจำเดือน:ตุลาคม2569" in bare and "KPIทุกตัวเทียบกับเป้าหมายและค่าฐาน" in bare
    assert "Monthly review" not in text and "October" not in text and "2026" not in text
    # the pack's own words: its headings and first summary sentence leave no English behind
    for own in ("สรุป", "ตาราง SLA: สัดส่วนที่ทันเวลา", "การปฏิบัติตามแผน: ข้อกำหนดที่ทำได้",
                "งบประมาณถึงปัจจุบันและประมาณการสิ้นปี", "ความเสี่ยงด้านขีดความสามารถในช่วงพยากรณ์",
                "ข้อมูลที่ใช้จัดทำรายงานนี้"):
        assert own.replace(" ", "") in bare, own
    first = text[text.index("สรุป"):text.index("2. KPI")]
    assert first.replace(" ", "").startswith("สรุป1.ในต.ค.2569KPIบรรลุเป้าหมาย"), first
    assert not english_left(first, english_terms()), first
    fonts = subprocess.run(["pdffonts", str(out)], capture_output=True, text=True, check=True).stdout
    assert re.search(r"Loma|Garuda|Waree|Umpush|Kinnari|Norasi|Sawasdee|Noto Sans Thai", fonts), fonts


def test_the_html_review_says_its_language(demo_db: Path, tmp_path: Path):
    out = tmp_path / "review.html"
    review(demo_db, out, "--lang", "th")
    head = out.read_text(encoding="utf-8")[:2000]
    assert '<html lang="th">' in head and "<title>แผนการบำรุงรักษาและสนับสนุน" in head


def test_bad_input_is_exit_2_naming_the_value(demo_db: Path, tmp_path: Path, capsys: pytest.CaptureFixture):
    out = str(tmp_path / "review.html")
    cases = [(["--db", str(demo_db), "--month", "2026-13", "--out", out], "'2026-13' is not a month YYYY-MM"),
             (["--db", str(demo_db), "--month", "10/2026", "--out", out], "'10/2026' is not a month YYYY-MM"),
             (["--db", str(demo_db), "--month", "2030-01", "--out", out], "no data for 2030-01"),
             (["--db", str(tmp_path / "none.duckdb"), "--month", "2026-10", "--out", out], "no warehouse file at"),
             (["--db", str(demo_db), "--month", "2026-10", "--out", str(tmp_path / "review.txt")], ".html or .pdf")]
    for argv, said in cases:
        assert monthly.main(argv) == 2, argv
        err = capsys.readouterr().err
        assert err.startswith("error: ") and said in err and "Traceback" not in err, err
    assert not (tmp_path / "review.html").exists()
    assert monthly.main(["--db", str(demo_db), "--month", "2026-13", "--out", out, "--lang", "th"]) == 2
    err = capsys.readouterr().err
    assert err.startswith("ข้อผิดพลาด: --month '2026-13' ไม่ใช่เดือนในรูปแบบ YYYY-MM") and "Traceback" not in err, err
