"""Tools' exports uploaded through the served Data page in Chromium: a Zendesk ticket export as
Zendesk writes it (urgent/normal, Web Widget, Mail, First reply time in minutes as 65, 1h 5m,
01:05:00 and PT1H5M) is detected, previewed ready to import, and imported; then the sample export of
every other profile, each detected by its headers and imported with the choices its data needs.

The server, browser and page fixtures are tests/test_browser.py's (the demo warehouse ending on the
tests' pinned today, `streamlit run app.py` on a free port, Debian's headless Chromium); screenshots
go to test-artifacts/.
"""
from __future__ import annotations

from pathlib import Path

import pytest

from tests.test_browser import (TIMEOUT_MS, browser, check_page, demo_file, page, screenshot,  # noqa: F401
                                server, settle, shot_on_failure)

SAMPLES = Path(__file__).resolve().parent / "fixtures" / "import" / "sources"
SAMPLE = SAMPLES / "zendesk_tickets.csv"
TABLE_OPTION = {"incidents": "incidents: one row per unplanned incident",
                "tickets": "tickets: one row per support ticket",
                "costs_monthly": "costs_monthly: one row per budget line per month (actual spend)",
                "utilisation_samples": "utilisation_samples: one row per host per sample (typically one a minute)"}


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


# (sample, profile, table, what the import needs on the demo warehouse): incident exports name a service the
# demo lacks (added with the import), bills overlap the demo's months (upsert), Prometheus CPU is a fraction.
OTHERS = [
    ("pagerduty_incidents.csv", "pagerduty", "incidents", "add services"),
    ("opsgenie_incidents.csv", "opsgenie", "incidents", "add services"),
    ("servicenow_incidents.csv", "servicenow", "incidents", "add services"),
    ("jira_issues.csv", "jira", "tickets", ""),
    ("freshdesk_tickets.csv", "freshdesk", "tickets", ""),
    ("prometheus_range.csv", "prometheus", "utilisation_samples", "fractions"),
    ("aws_cur.csv", "aws_cost", "costs_monthly", "upsert"),
    ("gcp_billing.csv", "gcp_billing", "costs_monthly", "upsert"),
    ("azure_cost.csv", "azure_cost", "costs_monthly", "upsert"),
]


def _choose(page, label: str, option: str) -> None:
    """Pick `option` in the selectbox labelled `label`; a click that lands while the page reruns is
    swallowed, so open the list again until the option shows."""
    box = page.locator('[data-testid="stSelectbox"]', has_text=label).first
    choice = page.get_by_role("option", name=option, exact=True)
    for _ in range(5):
        box.click()
        try:
            choice.wait_for(timeout=5_000)
            break
        except Exception:  # playwright's TimeoutError: the list did not open
            settle(page)
    choice.click()
    settle(page)


@pytest.mark.parametrize("sample,profile,table,needs", OTHERS, ids=[o[1] for o in OTHERS])
def test_every_profile_imports_through_the_data_page(server: str, page, sample: str, profile: str,  # noqa: F811
                                                     table: str, needs: str):
    """Each sample export: the profile is detected from its headers, the preview is ready once the
    choices its data needs are made, and the import succeeds with no exception."""
    from playwright.sync_api import expect

    with shot_on_failure(page, f"data-{profile}"):
        page.goto(f"{server}/data")
        check_page(page, "Data")
        page.get_by_role("tab", name="Import a file").click()
        _choose(page, "Target table", TABLE_OPTION[table])
        if needs == "upsert":
            page.get_by_text("upsert", exact=True).click()
            settle(page)
        if needs == "fractions":
            page.get_by_text("More reading options").click()
            settle(page)
            _choose(page, "Percent values", "fractions (0.85 = 85 %)")
        page.locator('[data-testid="stFileUploaderDropzoneInput"]').set_input_files(
            {"name": sample, "mimeType": "text/csv", "buffer": (SAMPLES / sample).read_bytes()})
        expect(page.locator('[data-testid="stAlert"]', has_text="Source profile")).to_be_visible(timeout=TIMEOUT_MS)
        settle(page)
        said = page.locator('[data-testid="stAlert"]', has_text="Source profile").inner_text()
        assert profile in said and "detected from the file's headers" in said
        add = page.get_by_text("Add these services to the warehouse with this import")
        if needs == "add services" and add.count():  # an earlier export may have added the service already
            add.click()
            settle(page)
        expect(page.get_by_text("No errors: ready to import.")).to_be_visible(timeout=TIMEOUT_MS)
        page.get_by_role("button", name=f"Import into {table}").click()
        expect(page.get_by_text(f"Imported {sample} into {table}")).to_be_visible(timeout=TIMEOUT_MS)
        settle(page)
        assert page.locator('[data-testid="stException"]').count() == 0
