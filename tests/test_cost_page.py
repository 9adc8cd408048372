"""The Cost & improvement page, run headless through the app's page script with AppTest on the demo warehouse.

switch_page opens this page after the Overview's first run, as a click in the navigation does.
"""
from __future__ import annotations

from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from ui import periods, state
from core.plan import Plan
from tests.conftest import chart, open_page, open_section, panel_app, texts, tile

TAB = "cost_tab"  # pages/cost.py's sections: only the open one is drawn


@pytest.fixture
def app(app_db: Path, monkeypatch: pytest.MonkeyPatch) -> AppTest:
    return open_page(app_db, monkeypatch, "cost.py")


def test_cost_page_shows_budget_lines_and_kpis(app: AppTest, plan: Plan):
    """Tiles for the cost and improvement KPIs; the budget grid has every plan line and month; the
    KPI trend charts draw target and baseline; the coherence panel shows the contingency check."""
    assert app.title[0].value == "Cost & improvement"
    kpis = [k.label for k in plan.kpis if k.area in ("Cost", "Improvement")]
    assert [m.label for m in app.metric if m.label in kpis] == kpis
    grid = chart(app, "budget_grid")["data"][0]
    assert grid["y"] == [b.name for b in plan.budget_lines]
    assert grid["x"] == ["Aug 2026", "Sep 2026", "Oct 2026"]
    assert tile(app, "Plan budget a year") == "$670,000"  # whole dollars on tiles
    assert tile(app, "Budget, same months") == "$167,500"  # 3 x $670,000 / 12
    assert [t.label for t in app.tabs] == ["Budget lines", "Cost and improvement trends"]
    assert len(app.get("download_button")) == 2 and not app.table  # the two tables; coherence closed
    open_section(app, TAB, "Cost and improvement trends")
    shapes = chart(app, "trend_support_cost_per_user_usd")["layout"]["annotations"]
    assert {a["text"].split()[0] for a in shapes} == {"target", "baseline"}
    assert len(app.get("download_button")) == 1
    app.session_state["coherence_cost"] = True
    app.run()
    checks = app.table[-1].value
    assert "Contingency share" in checks.index


def test_filters_do_not_change_costs_but_the_period_does(app: AppTest):
    """A service filter is named in the subtitle but leaves the spend alone; one month of period
    narrows the grid to that month."""
    spent = tile(app, "Spent in the period")
    app.multiselect(key=state.SERVICES_KEY).select("web").run()
    assert "services: web" in texts(app) and tile(app, "Spent in the period") == spent
    app.selectbox(key=state.PRESET_KEY).select(periods.CUSTOM).run()
    october = next(m for m in app.selectbox(key=state.FROM_KEY).options if m.startswith("Oct 2026"))
    app.selectbox(key=state.FROM_KEY).select(october).run()
    assert not app.exception
    assert chart(app, "budget_grid")["data"][0]["x"] == ["Oct 2026"]
    assert tile(app, "Spent in the period") != spent


def test_a_month_clicked_on_a_cost_trend_lists_its_cost_rows(app: AppTest, app_db: Path,
                                                             monkeypatch: pytest.MonkeyPatch, plan: Plan):
    """With no point clicked, a hint. AppTest cannot click a plotly point, so the panel runs on the
    month a click gives: October 2026's cost rows, one per budget line booked, all of October,
    their sum in the heading, with a CSV."""
    open_section(app, TAB, "Cost and improvement trends")
    assert "Click a month's point on a trend below" in texts(app)

    def panel():
        from datetime import date

        from ui import cost

        cost.month_costs_panel(date(2026, 10, 1))

    at = panel_app(app_db, monkeypatch, panel)
    frame = at.dataframe[0].value
    assert 0 < len(frame) <= len(plan.budget_lines) and frame["line"].is_unique
    assert {str(m)[:10] for m in frame["month"]} == {"2026-10-01"}
    from ui.formatting import fmt

    total = fmt(frame["amount_usd"].sum(), "USD")
    assert f"**Cost rows of October 2026** ({len(frame)} budget lines, {total})" in texts(at)
    assert len(at.get("download_button")) == 1
