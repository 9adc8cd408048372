"""The monthly review pack: `python -m reports.monthly --db PATH --month YYYY-MM --out FILE [--lang th|en]`.

Writes a self-contained HTML file (`.html`: opens offline, charts included) or a PDF (`.pdf`: that
HTML printed by headless Chromium, so the PDF's text is selectable, its tables whole and its charts
vector). Exit 2 with a message naming the value for a bad --month, a month without data, a missing
warehouse or an output that is neither .html nor .pdf.
"""
from __future__ import annotations

import argparse
import shutil
import subprocess
import sys
import tempfile
from datetime import date, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

from analytics.scorecard import CommandError, open_command
from core import i18n
from core.i18n import _
from core.period import today_in
from core.plan import Plan
from reports.html import render
from reports.review import NoData, gather, month_of

CHROMIUM = ("chromium", "chromium-browser", "google-chrome")  # the names Debian and others install it under
PRINT_SECONDS = 120  # a cold Chromium on a busy 2-core machine takes tens of seconds


def _parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m reports.monthly",
                                     description="The monthly review pack: every KPI, the SLAs, plan adherence, "
                                                 "budget and capacity for one month, as HTML or PDF.")
    parser.add_argument("--db", required=True, help="DuckDB warehouse file")
    parser.add_argument("--month", required=True, help="the month to review, YYYY-MM")
    parser.add_argument("--out", required=True, help="the file to write: .html or .pdf")
    parser.add_argument("--plan", default=None,
                        help="plan file (default: $OPSPLAN_PLAN, else the repository's plan.toml)")
    parser.add_argument("--lang", default=i18n.ENGLISH, choices=sorted(i18n.LANGUAGES),
                        help="the pack's language: en (default) or th (Thai, Buddhist Era years)")
    return parser.parse_args(argv)


def review_html(con, plan: Plan, month_text: str, through: date | None, today: date, db_label: str) -> str:
    """The review of `month_text` (YYYY-MM) as one HTML document (ValueError naming the value when
    the month is malformed or holds no data)."""
    review = gather(con, plan, month_of(month_text), through, today)
    return render(review, datetime.now(ZoneInfo(plan.timezone)), db_label)


def chromium() -> str:
    """The Chromium to print with (CommandError naming how to install it when there is none)."""
    found = next((path for name in CHROMIUM if (path := shutil.which(name))), None)
    if found is None:
        raise CommandError(_("a PDF needs Chromium, and none is installed: apt-get install chromium fonts-thai-tlwg "
                             "(or write --out FILE.html)"))
    return found


def print_pdf(html_text: str, out: Path) -> None:
    """Print the HTML to `out` with headless Chromium: the file is loaded from disk (no network),
    its scripts (plotly) run to the end before it prints, without a date or URL header."""
    browser = chromium()
    with tempfile.TemporaryDirectory(prefix="opsplan-review-") as tmp:
        page = Path(tmp) / "review.html"
        page.write_text(html_text, encoding="utf-8")
        command = [browser, "--headless", "--no-sandbox", "--disable-gpu", "--no-first-run",
                   f"--user-data-dir={Path(tmp) / 'profile'}", "--no-pdf-header-footer",
                   "--run-all-compositor-stages-before-draw", "--virtual-time-budget=20000",
                   f"--print-to-pdf={out.resolve()}", page.as_uri()]
        done = subprocess.run(command, capture_output=True, text=True, timeout=PRINT_SECONDS)
    if done.returncode != 0 or not out.is_file() or out.stat().st_size == 0:
        raise CommandError(_("Chromium could not print {file}: {error}").format(file=out,
                                                                               error=done.stderr.strip()[-400:]))


def write(html_text: str, out: Path) -> None:
    if out.suffix.lower() == ".pdf":
        print_pdf(html_text, out)
    else:
        out.write_text(html_text, encoding="utf-8")


def main(argv: list[str] | None = None) -> int:
    args = _parse_args(argv)
    with i18n.use(args.lang):
        return _write_pack(args)


def _write_pack(args: argparse.Namespace) -> int:
    out = Path(args.out)
    try:
        if out.suffix.lower() not in (".html", ".pdf"):
            raise CommandError(_("--out {value}: the file must end in .html or .pdf").format(value=repr(args.out)))
        if not out.parent.is_dir():
            raise CommandError(_("--out {value}: no folder {folder}").format(value=repr(args.out), folder=out.parent))
        month_of(args.month)  # a malformed month is named before the warehouse is opened
        if not Path(args.db).is_file():
            raise CommandError(_("no warehouse file at {path}").format(path=args.db))
        args.start = args.end = None
        plan, con, through, _period = open_command(args)
        write(review_html(con, plan, args.month, through, today_in(plan.timezone), Path(args.db).name), out)
    except (CommandError, NoData, ValueError, subprocess.TimeoutExpired) as exc:
        print(_("error: {problem}").format(problem=exc), file=sys.stderr)
        return 2
    print(_("wrote {file}").format(file=out), file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
