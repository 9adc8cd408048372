"""Capacity arithmetic by hand: growth multipliers, crossings, instances needed, headroom."""
from __future__ import annotations

import pandas as pd
import pytest

from models import capacity


def line(start: float, step: float, periods: int = 12, freq: str = "MS", width: float = 5.0) -> pd.DataFrame:
    """A straight-line forecast with a band of +- width."""
    ds = pd.date_range("2027-01-01", periods=periods, freq=freq)
    mean = pd.Series([start + step * i for i in range(periods)], dtype=float)
    return pd.DataFrame({"ds": ds, "mean": mean, "lower": mean - width, "upper": mean + width})


def test_quarterly_growth_compounds_to_monthly():
    """+50 % a quarter is +14.47 % a month, and three months of it make +50 %."""
    monthly = capacity.quarterly_to_monthly_pct(50.0)
    assert monthly == pytest.approx(14.4714, abs=1e-4)
    assert (1 + monthly / 100) ** 3 == pytest.approx(1.5)


def test_peak_season_doubles_only_peak_months():
    """A flat 40 % forecast with +100 % in November and December: 80 % there, 40 % elsewhere."""
    out = capacity.apply_growth(line(40, 0), capacity.Growth(peak_pct=100.0, peak_months=(11, 12)))
    assert list(out["mean"].round(6)) == [40.0] * 10 + [80.0] * 2


def test_feature_complexity_and_growth_stack():
    """+20 % feature uplift on 50 %: 60 % at the start."""
    out = capacity.apply_growth(line(50, 0), capacity.Growth(monthly_pct=10.0, feature_pct=20.0))
    assert out["mean"].iloc[0] == pytest.approx(60.0)
    assert out["upper"].iloc[0] == pytest.approx(66.0)


def test_crossings_of_mean_and_upper(plan):
    """Mean 50, 55, ... 105 % with a 5-point band: upper reaches 70 % in April (65 + 5), mean in May."""
    table = capacity.crossings(line(50, 5), plan.capacity).set_index("threshold_pct")
    assert table.loc[70.0, "upper_at"] == pd.Timestamp("2027-04-01")
    assert table.loc[70.0, "mean_at"] == pd.Timestamp("2027-05-01")
    assert table.loc[80.0, "mean_at"] == pd.Timestamp("2027-07-01")
    assert table.loc[100.0, "mean_at"] == pd.Timestamp("2027-11-01")


def test_never_crossing_is_none(plan):
    """A flat 20 % never reaches the monitor line."""
    assert capacity.crossings(line(20, 0), plan.capacity)["mean_at"].isna().all()


def test_units_needed_keeps_reserve_under_trigger(plan):
    """Load of 4 instance-equivalents: 4 x 1.2 / 0.8 = 6 instances; 4.1 needs 7; none needs 0."""
    assert capacity.units_needed(4.0, plan.capacity) == 6
    assert capacity.units_needed(4.1, plan.capacity) == 7
    assert capacity.units_needed(0.0, plan.capacity) == 0


def test_monthly_plan_and_scale_down(plan):
    """4 instances at an upper of 100 % need 6; a month averaging 20 % is a scale-down opportunity."""
    util = line(95, 0, periods=2, width=5).assign(mean=[95.0, 20.0], upper=[100.0, 25.0], lower=[90.0, 15.0])
    table = capacity.monthly_plan(util, instances=4, cap=plan.capacity)
    assert list(table["instances_needed"]) == [6, 2]
    assert list(table["scale_down"]) == [False, True]


def test_storage_needed(plan):
    """1,000 GB with 20 % reserve under an 80 % line: 1,500 GB."""
    assert capacity.storage_needed_gb(1000.0, plan.capacity) == pytest.approx(1500.0)


def test_headroom_ranks_soonest_first():
    """Crossing in 10 days before 40 days; never-crossing services last, hottest first."""
    today = pd.Timestamp("2027-01-01")
    table = capacity.headroom([
        {"service_id": "a", "resource": "cpu", "current_pct": 50.0, "scale_up_at": None},
        {"service_id": "b", "resource": "cpu", "current_pct": 70.0, "scale_up_at": pd.Timestamp("2027-02-10")},
        {"service_id": "c", "resource": "memory", "current_pct": 75.0, "scale_up_at": pd.Timestamp("2027-01-11")},
        {"service_id": "d", "resource": "cpu", "current_pct": 60.0, "scale_up_at": None},
    ], today)
    assert list(table["service_id"]) == ["c", "b", "d", "a"]
    assert list(table["days_to_scale_up"][:2]) == [10, 40]
