"""A tool's export uploaded through the served Data page in Chromium: a Zendesk
ticket export as Zendesk writes it (urgent/normal, Web Widget, Mail, First reply time in minutes as
65, 1h 5m, 01:05:00 and PT1H5M) is detected, previewed ready to import, and imported.

The server, browser and page fixtures are tests/test_browser.py's (a demo warehouse ending today,
`streamlit run app.py` on a free port, Debian's headless Chromium); screenshots go to test-artifacts/.
"""
from __future__ import annotations

from pathlib import Path

from tests.test_browser import (TIMEOUT_MS, browser, check_page, demo_file, page, screenshot,  # noqa: F401
                                server, settle, shot_on_failure)

SAMPLE = Path(__file__).resolve().parent / "fixtures" / "import" / "sources" / "zendesk_tickets.csv"


def test_a_zendesk_export_uploads_through_the_data_page(server: str, page):  # noqa: F811
    from playwright.sync_api import expect

    with shot_on_failure(page, "data-zendesk"):
        page.goto(f"{server}/data")
        check_page(page, "Data")
        page.get_by_role("tab", name="Import a file").click()
        page.locator('[data-testid="stSelectbox"]', has_text="Target table").click()
        page.get_by_role("option", name="tickets: one row per support ticket").click()
        settle(page)
        page.locator('[data-testid="stFileUploaderDropzoneInput"]').set_input_files(
            {"name": "zendesk-export.csv", "mimeType": "text/csv", "buffer": SAMPLE.read_bytes()})
        expect(page.get_by_text("No errors: ready to import.")).to_be_visible(timeout=TIMEOUT_MS)
        settle(page)
        profile = page.locator('[data-testid="stAlert"]', has_text="Source profile").inner_text()
        assert "zendesk" in profile and "detected from the file's headers" in profile
        mapped = page.locator('[data-testid="stCaptionContainer"]', has_text="Web Widget").first.inner_text()
        assert "'Web Widget'" in mapped and "'email' x1" in mapped  # the value map is stated
        screenshot(page, "data-zendesk-preview")
        page.get_by_role("button", name="Import into tickets: 5 new").click()
        expect(page.get_by_text("Imported zendesk-export.csv into tickets")).to_be_visible(timeout=TIMEOUT_MS)
        settle(page)
        assert page.locator('[data-testid="stException"]').count() == 0
        screenshot(page, "data-zendesk-imported")
