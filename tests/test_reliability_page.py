"""The Reliability page, run headless through the app's page script with AppTest on the demo warehouse.

switch_page opens this page after the Overview's first run, as a click in the navigation does.
"""
from __future__ import annotations

from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from ui import state
from core.plan import Plan
from tests.conftest import chart, open_page, open_section, panel_app, plotly_charts, texts

TAB = "reliability_tab"  # pages/reliability.py's sections: only the open one is drawn


@pytest.fixture
def app(app_db: Path, monkeypatch: pytest.MonkeyPatch) -> AppTest:
    return open_page(app_db, monkeypatch, "reliability.py")


def test_reliability_page_shows_kpis_grid_budget_and_tables(app: AppTest, plan: Plan):
    """Tiles for uptime, MTTR, MTBF and MTTA above five sections, of which only the open one is drawn
    (Uptime first); the SLA grid has the plan's 4 severities for response, resolution and escalation,
    each labelled with its target; the uptime tables are built only once opened; the error budget of a
    31-day month is about 43 minutes; every section's tables have a CSV download."""
    assert app.title[0].value == "Reliability"
    assert "01 Aug 2026 to 31 Oct 2026" in texts(app)
    assert "all services, severities and channels" in texts(app)
    labels = [m.label for m in app.metric]
    assert {"Uptime", "MTTR", "MTBF"} <= set(labels) and "MTTA" in labels
    assert [t.label for t in app.tabs] == ["Uptime", "Error budget", "Recovery", "Incidents and SLAs",
                                           "Longest incidents"]
    drawn = {c.proto.id.rsplit("-", 1)[-1] for c in plotly_charts(app)}
    assert {"uptime_trend", "downtime_bars", "service_grid"} <= drawn and "sla_grid" not in drawn
    assert len(app.get("download_button")) == 0  # the monthly tables are built when their expander opens
    app.session_state["reliability_tables"] = True
    app.run()
    assert len(app.get("download_button")) == 2  # the two monthly tables
    assert chart(app, "service_grid")["data"][0]["x"] == ["Aug 2026", "Sep 2026", "Oct 2026", "Aug-Oct 2026"]
    downtime = chart(app, "downtime_bars")
    assert downtime["layout"]["yaxis"]["title"]["text"] == "minutes of unplanned downtime"
    assert any("error budget" in a["text"] for a in downtime["layout"]["annotations"])

    open_section(app, TAB, "Incidents and SLAs")
    assert "service_grid" not in {c.proto.id.rsplit("-", 1)[-1] for c in plotly_charts(app)}
    rows = chart(app, "sla_grid")["data"][0]["y"]
    assert len(rows) == 12
    assert [r.split(" · ")[1].split(":")[0] for r in rows[:4]] == [s.name for s in plan.severities]
    assert rows[0] == f"response · critical: {plan.severity('critical').response_minutes:g} min"
    assert rows[4] == "resolution · critical: 1 h"
    assert len(app.get("download_button")) == 1

    open_section(app, TAB, "Error budget")
    allowed = next(m for m in app.metric if m.label == "Allowed this month").value
    assert 40.0 < float(allowed.split()[0]) <= 43.2 * 31 / 30
    assert "43.2 minutes of unplanned downtime in a 30-day month" in texts(app)
    assert len(app.get("download_button")) >= 1

    open_section(app, TAB, "Recovery")
    assert chart(app, "mttr_spread") and chart(app, "mtbf_interval")

    open_section(app, TAB, "Longest incidents")
    assert len(app.get("download_button")) == 1


def test_service_filter_changes_uptime_and_subtitle(app: AppTest):
    """Choosing one service narrows the service grid to it, says so under the title, and the
    uptime tile shows that service's figure."""
    before = next(m for m in app.metric if m.label == "Uptime").value
    app.multiselect(key=state.SERVICES_KEY).select("payments").run()
    assert not app.exception
    assert "services: payments" in texts(app)
    assert chart(app, "service_grid")["data"][0]["y"] == ["payments"]
    after = next(m for m in app.metric if m.label == "Uptime").value
    assert after != before


def test_severity_filter_narrows_the_sla_grid(app: AppTest):
    """With severity 'critical' chosen, the grid has critical's three rows and the incidents chart one colour."""
    app.multiselect(key=state.SEVERITIES_KEY).select("critical").run()
    open_section(app, TAB, "Incidents and SLAs")
    assert [r.split(" · ")[0] for r in chart(app, "sla_grid")["data"][0]["y"]] == ["response", "resolution",
                                                                                    "escalation"]
    assert [t["name"] for t in chart(app, "severity_bars")["data"]] == ["critical"]


def test_selecting_an_incident_shows_its_record_and_timeline(app: AppTest):
    """Selecting the first row of the longest incidents shows that incident's record and timeline."""
    open_section(app, TAB, "Longest incidents")
    worst = next(d for d in app.dataframe if "incident_id" in d.value.columns and "hours" in d.value.columns)
    first = worst.value.iloc[0]["incident_id"]
    app.session_state["worst_incidents"] = {"selection": {"rows": [0], "columns": [], "cells": []}}
    app.run()
    assert not app.exception
    assert any(first in m.value for m in app.markdown if m.value.startswith("####"))
    steps = chart(app, "incident_timeline")["data"][0]["y"]
    assert "detected" in steps and "started" in steps


def test_error_budget_month_can_be_chosen(app: AppTest):
    """Picking another month in the error budget redraws the burn chart for that month."""
    open_section(app, TAB, "Error budget")
    app.get("button_group")[0].set_value("Aug 2026").run()
    assert not app.exception
    assert chart(app, "budget_burn")["layout"]["title"]["text"].endswith("Aug 2026")


def test_coherence_panel_lists_the_reliability_checks(app: AppTest):
    """The coherence expander, once opened, shows plan says / data says / gap / why for uptime, MTBF and MTTR."""
    assert not app.table  # closed: not built
    app.session_state["coherence_reliability"] = True
    app.run()
    table = app.table[-1].value
    assert list(table.columns) == ["plan says", "data says", "gap", "why"]
    assert any("Availability implied" in str(i) for i in table.index)


def test_a_month_clicked_on_the_uptime_trend_lists_its_incidents(app: AppTest, app_db: Path,
                                                                  monkeypatch: pytest.MonkeyPatch, plan: Plan):
    """With no point clicked, a hint under the uptime trend. AppTest cannot click a plotly point, so
    the panel runs on the month a click gives (ui.events.clicked_month, tests/test_events.py):
    October 2026's incidents, every one started in October in the plan's time zone, with a CSV."""
    import pandas as pd

    assert "Click a month's point on the uptime trend" in texts(app)

    def panel():
        from datetime import date

        from ui import reliability
        from ui.state import Filters

        reliability.month_incidents_panel(date(2026, 10, 1), Filters())

    at = panel_app(app_db, monkeypatch, panel)
    assert "Incidents started in October 2026" in texts(at)
    frame = at.dataframe[0].value
    assert len(frame) > 0
    started = pd.to_datetime(frame["started_at"])
    started = started.dt.tz_localize(plan.timezone) if started.dt.tz is None else started.dt.tz_convert(plan.timezone)
    assert set(started.dt.strftime("%Y-%m")) == {"2026-10"}
    assert len(at.get("download_button")) == 1
