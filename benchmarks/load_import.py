"""One import through the Data page in headless Chromium, for benchmarks/load.py.

The app holds the warehouse file read-write, so no other process may open it: an import made
while sessions read must go through the app's own connection, as a person does it (choose the
table, upload, see the preview, press Import). The file holds tickets of a separate seeded demo
warehouse under new ids, so an append adds every row.
"""
from __future__ import annotations

import re
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

IMPORT_ROWS = 5_000
STEP_TIMEOUT_S = 180  # one step of the page (open, choose, upload, preview, import) may take this long
TABLE = "tickets"
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync"]
DB_TROUBLE = re.compile(r"could not set lock|conflicting lock|lock on file|database is locked|"
                        r"connection (?:error|already closed|has been closed)|IO Error", re.I)


def tickets_csv(out: Path, rows: int = IMPORT_ROWS) -> Path:
    """`rows` tickets of a fresh seeded demo (seed 7) as a CSV with new ticket ids."""
    import duckdb

    from data.demo import build_demo_file

    with tempfile.TemporaryDirectory(prefix="opsplan-import-") as tmp:
        db = Path(tmp) / "source.duckdb"
        build_demo_file(db, seed=7, today=__import__("datetime").date(2026, 11, 26))
        con = duckdb.connect(str(db), read_only=True)
        try:
            frame = con.execute("select * from tickets order by created_at desc limit $n", {"n": rows}).df()
        finally:
            con.close()
    frame["ticket_id"] = "LOAD-" + frame["ticket_id"].astype(str)
    frame.to_csv(out, index=False)
    return out


def import_through_data_page(url: str, csv: Path, timeout: float = 300) -> tuple[list[str], float, float]:
    """Upload, preview and import `csv` into tickets on the Data page.
    Returns the errors shown (empty = imported) and when the import ran (perf_counter start, end)."""
    from playwright.sync_api import sync_playwright

    errors: list[str] = []
    began = time.perf_counter()
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
        try:
            tab = browser.new_page(viewport={"width": 1400, "height": 1000})
            tab.set_default_timeout(min(timeout, STEP_TIMEOUT_S) * 1000)
            tab.goto(f"{url}/data")
            # the page opens on its coverage tab; waiting for the tab itself, not for an idle script state,
            # which a busy server also shows for a moment between a run and the rerun it asked for
            tab.get_by_role("tab", name="Import a file").click()
            tab.locator('[data-testid="stSelectbox"]', has_text="Target table").click()
            tab.get_by_role("option", name=re.compile(rf"^{TABLE}:")).click()
            tab.wait_for_selector('[data-testid="stApp"][data-test-script-state="notRunning"]')
            tab.locator('[data-testid="stFileUploaderDropzoneInput"]').set_input_files(str(csv))
            # the preview ends in the Import button: "Import into tickets: N new", or "(fix the errors first)"
            button = tab.get_by_role("button", name=re.compile(rf"^Import (into {TABLE}|\(fix)"))
            button.wait_for()
            tab.wait_for_selector('[data-testid="stApp"][data-test-script-state="notRunning"]')
            if "fix the errors" in button.inner_text() or button.is_disabled():
                main = tab.locator('[data-testid="stMain"]').inner_text()
                return [f"import: the preview rejected the file: {main[main.find('3. Check'):][:400]}"], began, \
                    time.perf_counter()
            button.click()
            tab.get_by_text(re.compile(r"Imported .* into tickets|was not imported")).first.wait_for()
            text = tab.locator('[data-testid="stMain"]').inner_text()
            if "was not imported" in text:
                errors.append("import: rejected: " + text[text.find("was not imported") - 60:][:300])
            for found in DB_TROUBLE.finditer(text):
                errors.append(f"import: DuckDB trouble on the Data page: {text[found.start():][:200]}")
            if tab.locator('[data-testid="stException"]').count():
                errors.append("import: the Data page shows an exception")
        except Exception:
            with __import__("contextlib").suppress(Exception):
                tab.screenshot(path=str(Path(tempfile.gettempdir()) / "opsplan-load-import-failed.png"))
            raise
        finally:
            browser.close()
    return errors, began, time.perf_counter()
