"""The Growth page through the app's page script with AppTest on a private demo warehouse: users, traffic, data
volume and tickets, each with its measured forecast, the plan's assumptions beside it, and the
observed growth stated in words against the plan's."""
from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest
from streamlit.testing.v1 import AppTest

from ui import growth
from data import warehouse
from models import capacity
from tests.conftest import DEMO_TODAY, chart, open_page, texts


@pytest.fixture
def app(app_db: Path, monkeypatch: pytest.MonkeyPatch) -> AppTest:
    return open_page(app_db, monkeypatch, "growth.py")


def observed(db: Path, metric: str, per_months: int) -> float:
    """The growth the page should state, from the same query and model on a copy of its warehouse:
    what makes the test below a wiring test (the page says what the model gives); the model's
    arithmetic is checked by hand in tests/test_capacity.py."""
    first, end = growth.growth_months(DEMO_TODAY)
    tz = "Asia/Bangkok"
    con = warehouse.connect(db, read_only=True)
    rows = warehouse.query(con, "growth_monthly", tz=tz, start_month=first, end_month=end,
                           start=warehouse.local_midnight(first, tz), end=warehouse.local_midnight(end, tz))
    con.close()
    rows = rows[rows["days_observed"] > 0]
    return capacity.observed_growth_pct(pd.DataFrame({"ds": rows["month"], "y": rows[metric]}), per_months)


def test_wiring_four_series_with_forecast_and_plan(app: AppTest, demo_db: Path):
    """Four charts, each with measured months, the measured forecast, its interval and the plan's assumptions; the words
    give the observed rate against the plan's (users: +50 % a quarter; data: +25 % a month)."""
    assert app.title[0].value.startswith("Growth:")
    for metric in growth.DEMAND:
        names = {t.get("name") for t in chart(app, f"growth_{metric}")["data"]}
        assert {"measured", "measured forecast", "80 % interval", "Plan's assumptions"} <= names
    said = texts(app)
    users = observed(demo_db, "active_users", 3)
    assert f"**Users grew {users:.1f} % a quarter** over the last year; the plan assumes **+50 % a quarter**." in said
    data = observed(demo_db, "data_gb", 1)
    assert f"**Data grew {data:.1f} % a month** over the last year; the plan assumes **+25 % a month**." in said
    assert "the plan assumes +100 %" in said  # the peak-season uplift, against the last season's
    assert "Full months **Dec 2024 to Oct 2026**" in said
    assert len(app.metric) == 4


def test_longer_horizon_extends_every_forecast(app: AppTest):
    """18 months instead of 12: every forecast and plan line runs 18 months past Oct 2026."""
    assert len(chart(app, "growth_active_users")["data"][2]["x"]) == 12
    app.segmented_control(key="growth_horizon").set_value(18).run()
    assert not app.exception, app.exception
    for metric in growth.DEMAND:
        fig = chart(app, f"growth_{metric}")
        forecast = next(t for t in fig["data"] if t.get("name") == "measured forecast")
        assert len(forecast["x"]) == 18 and str(forecast["x"][-1]).startswith("2028-04")
    assert "In 18 months (Apr 2028)" in texts(app)


def test_each_forecast_says_its_skill(app: AppTest):
    """Each series' caption names its model and its skill against repeating last year (monthly data)."""
    captions = [c.value for c in app.caption if "Model:" in c.value]
    assert len(captions) == 4
    assert all("repeating last year" in c for c in captions), captions
