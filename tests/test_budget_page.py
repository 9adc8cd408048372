"""The Budget page through the app's page script with AppTest on the demo warehouse: budget against actual per line,
the year-end projection and crossing months, and the controls that change them."""
from __future__ import annotations

import base64

from datetime import date
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from streamlit.testing.v1 import AppTest

from ui import formatting
from core.plan import Plan
from data import warehouse
import models.budget
from tests.conftest import DEMO_TODAY, app_test, chart

ROOT = Path(__file__).resolve().parent.parent
PAGE = str(ROOT / "pages" / "budget.py")
YEAR = date(2026, 9, 1)  # the plan year holding the demo's last day, 26 Nov 2026


@pytest.fixture
def app(app_db: Path, monkeypatch: pytest.MonkeyPatch) -> AppTest:
    at = app_test(app_db, monkeypatch, timeout=120)
    at.run()
    return at.switch_page(PAGE).run()


def expected(app_db: Path, plan: Plan, run_rate_months: int = 3) -> pd.DataFrame:
    """The projection the page should show, straight from models.budget on the same warehouse: the
    forecaster's year end over three years of each line's months (Sep 2023 on), the run rate beside it.
    The tests using it are wiring tests (the page shows what the model gives, formatted); the
    projection's arithmetic is checked by hand in tests/test_budget.py."""
    con = warehouse.connect(app_db)
    costs = warehouse.query(con, "costs_by_line_monthly", start_month=date(2023, 9, 1), end_month=date(2027, 9, 1))
    return models.budget.trend_projection(costs, plan, YEAR, DEMO_TODAY, run_rate_months)


def metric(at: AppTest, label: str) -> str:
    return next(m.value for m in at.metric if m.label == label)


def test_wiring_budget_against_actual_and_projection(app: AppTest, app_db: Path, plan: Plan):
    """The plan year stated, $670,000 in ten lines, spend to date and the projection as models.budget
    computes them, every line heading over budget (beyond the plan's tolerance) named with its
    crossing month, the lines over by less named apart, CSV exports."""
    assert not app.exception
    assert app.title[0].value == "Budget: where will the plan year end?"
    line = next(m.value for m in app.markdown if m.value.startswith("**Plan year"))
    assert "**Plan year 01 Sep 2026 to 31 Aug 2027**" in line and "2 of 12 months closed" in line
    assert "actuals through Oct 2026" in line
    table = expected(app_db, plan)
    assert metric(app, "Annual budget") == "$670,000"  # whole dollars in the tiles
    assert metric(app, "Spent to date") == formatting.fmt(table["actual_usd"].sum(), "USD", decimals=0)
    assert metric(app, "Projected year end") == formatting.fmt(table["projected_usd"].sum(), "USD", decimals=0)
    said = next(c.value for c in app.caption if c.value.startswith("Projected year end: each line's"))
    assert (f"80 % band {formatting.fmt(table['lower_usd'].sum(), 'USD')} to "
            f"{formatting.fmt(table['upper_usd'].sum(), 'USD')}") in said
    run_rate = formatting.fmt(table["run_rate_projected_usd"].sum(), "USD")
    assert f"at the run rate** of the last 3 closed months: {run_rate}" in said
    over = table[table["is_heading_over"]]
    assert metric(app, "Heading over budget") == f"{len(over)} of 10"
    warning = app.warning[0].value
    assert "each by more than 1 % of the line and more than $500" in warning
    for r in over.itertuples():
        said = f"**{formatting.line_label(r.line)}** passes its {formatting.fmt(r.annual_usd, 'USD')} in **{r.crosses_in:%b %Y}**"
        assert said in warning
    # Lines projected to pass their budget by no more than the tolerance are named as such, not warned of
    within = table[table["crosses_in"].notna() & ~table["is_heading_over"]]
    assert len(within) > 0
    note = next(c.value for c in app.caption if c.value.startswith("Projected over, but within the tolerance"))
    for r in within.itertuples():
        assert formatting.line_label(r.line) not in warning
        assert f"{formatting.line_label(r.line)} ({formatting.fmt(r.projected_variance_usd, 'USD')} over)" in note
    labels = [b.proto.label for b in app.get("download_button")]
    assert {"Budget by line (CSV)", "Budget by line (Excel)", "Spend by month (CSV)"} <= set(labels)
    # a click must not rerun the page: a rerun gives the other buttons' deferred files new ids
    assert all(b.proto.ignore_rerun for b in app.get("download_button"))


def test_table_has_a_total_row_matching_the_plan(app: AppTest):
    """The by-line table lists the ten lines and a total of $670,000."""
    shown = app.dataframe[0].value
    assert len(shown) == 11
    total = shown.set_index("label").loc["Total"]
    assert total["annual_usd"] == pytest.approx(670000.0)


def test_run_rate_window_moves_only_the_comparison(app: AppTest, app_db: Path, plan: Plan):
    """The run-rate window is the 'At run rate' comparison's: at the last month's spend instead of three
    months' mean the comparison column and its total become models.budget's one-month run rate
    (spent + last month x 10 months left), while the projected year end, the forecaster's, stays."""
    before = metric(app, "Projected year end")
    app.segmented_control(key="budget_window").set_value(1).run()
    assert not app.exception
    assert metric(app, "Projected year end") == before
    one_month = expected(app_db, plan, run_rate_months=1)
    shown = app.dataframe[0].value.set_index("label")
    assert shown.loc["Total", "run_rate_projected_usd"] == pytest.approx(one_month["run_rate_projected_usd"].sum())
    by_line = one_month.set_index("line")
    cloud = by_line.loc["cloud_services"]  # two closed months: spent Sep + Oct, then October's spend x 10
    assert cloud["run_rate_projected_usd"] == pytest.approx(cloud["actual_usd"] + cloud["run_rate_usd"] * 10)
    assert shown.loc[formatting.line_label("cloud_services"), "run_rate_projected_usd"] == pytest.approx(
        cloud["run_rate_projected_usd"])
    assert any(c.value.startswith("Projected year end: each line's") and "last 1 closed month:" in c.value
               for c in app.caption)


def test_a_closed_plan_year(app: AppTest):
    """Choosing the previous plan year shows all 12 months closed and nothing left to project."""
    years = app.selectbox(key="budget_year").options
    assert len(years) == 2
    app.selectbox(key="budget_year").set_value(models.budget.PlanYear(date(2025, 9, 1), date(2026, 9, 1))).run()
    assert not app.exception
    line = next(m.value for m in app.markdown if m.value.startswith("**Plan year"))
    assert "01 Sep 2025 to 31 Aug 2026" in line and "12 of 12 months closed" in line
    assert metric(app, "Spent to date") == metric(app, "Projected year end")


def test_units_switch(app: AppTest):
    """The per-line chart switches between % of budget and USD: in % every line's budget tick sits
    at 100; in USD at the line's annual budget, and the ticks add up to the plan's $670,000."""
    ticks = next(t for t in chart(app, "budget_projection")["data"] if t["name"] == "Annual budget")
    assert list(_values(ticks["x"])) == pytest.approx([100.0] * 10)
    app.segmented_control(key="budget_units").set_value("USD").run()
    assert not app.exception
    fig = chart(app, "budget_projection")
    ticks = next(t for t in fig["data"] if t["name"] == "Annual budget")
    assert sum(_values(ticks["x"])) == pytest.approx(670_000) and fig["layout"]["xaxis"]["title"]["text"] == "USD"


def _values(x) -> np.ndarray:
    """A plotly JSON array: a list, or numpy's bytes as {"dtype", "bdata"} (base64)."""
    if isinstance(x, dict):
        return np.frombuffer(base64.b64decode(x["bdata"]), dtype=x["dtype"])
    return np.asarray(x, dtype=float)
