"""Capacity arithmetic by hand: growth multipliers, crossings, instances needed, headroom."""
from __future__ import annotations

from dataclasses import replace

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


def test_peak_season_doubles_peak_months_and_ramps_around_them():
    """A flat 40 % forecast from 1 March with +100 % in November and December, on month starts: 40 % from
    March to 1 October (the ramp in starts there at 0), 80 % on 1 November and 1 December, and still 80 %
    on 1 January (the ramp out starts there at full), 40 % again on 1 February."""
    ds = pd.date_range("2027-03-01", periods=12, freq="MS")
    flat = pd.DataFrame({"ds": ds, "mean": 40.0, "lower": 35.0, "upper": 45.0})
    out = capacity.apply_growth(flat, capacity.Growth(peak_pct=100.0, peak_months=(11, 12)))
    assert list(out["mean"].round(6)) == [40.0] * 8 + [80.0] * 3 + [40.0]
    assert out["upper"].iloc[8] == pytest.approx(90.0)


def test_season_ramps_linearly_through_the_months_around_it():
    """+100 % in Nov-Dec: 16 Oct 00:00 is 15 of October's 31 days up the ramp, 1 + 15/31 = 1.48387;
    31 Dec 12:00 is inside, 2; 16 Jan 00:00 is 15/31 down, 2 - 15/31 = 1.51613; 1 Feb, 1. A season
    that wraps the year (Dec-Jan): 15 Nov is 14/30 up, 1.46667."""
    ds = pd.Series(pd.to_datetime(["2026-10-16", "2026-12-31 12:00", "2027-01-16", "2027-02-01"], format="ISO8601"))
    assert capacity.season_factor(ds, 100.0, (11, 12)) == pytest.approx([1 + 15 / 31, 2.0, 2 - 15 / 31, 1.0])
    assert capacity.season_factor(pd.Series([pd.Timestamp("2026-11-15")]), 100.0, (12, 1)) == \
        pytest.approx([1 + 14 / 30])


def test_a_forecast_starting_in_the_peak_does_not_double_on_its_first_day():
    """The measured level already holds the season it is in: a forecast from 27 Nov (inside a +100 %
    Nov-Dec peak) keeps its level through December, and is not cut after the season (1 Feb: 1, not
    1 / 2). From 16 Oct (1 + 15/31 up the ramp), 1 Dec is 2 / (1 + 15/31) = 1.34783 up."""
    ds = pd.Series(pd.to_datetime(["2026-11-27", "2026-12-15", "2027-02-01"]))
    peak = capacity.Growth(peak_pct=100.0, peak_months=(11, 12))
    assert list(capacity.multiplier(ds, peak).round(6)) == [1.0, 1.0, 1.0]
    later = capacity.multiplier(pd.Series(pd.to_datetime(["2026-10-16", "2026-12-01"])), peak)
    assert later[1] == pytest.approx(2 / (1 + 15 / 31))


def test_feature_complexity_and_growth_compound_from_the_start():
    """+10 % a month and +20 % feature uplift over a year on 50 %: 50 % at the start (no step). On 1 Jul
    2027, 181 days = 181 / 30.4375 = 5.94661 months on: 1.1^5.94661 = 1.76257 and 1 + 0.2 x 5.94661 / 12
    = 1.09911, so 50 x 1.76257 x 1.09911 = 96.86 %. After a year the feature uplift stays at 1.2."""
    out = capacity.apply_growth(line(50, 0), capacity.Growth(monthly_pct=10.0, feature_pct=20.0))
    assert out["mean"].iloc[0] == pytest.approx(50.0) and out["upper"].iloc[0] == pytest.approx(55.0)
    assert out["mean"].iloc[6] == pytest.approx(96.86, abs=0.01)
    later = capacity.growth_factors(pd.Timestamp("2027-01-01"), pd.Series([pd.Timestamp("2028-07-01")]),
                                    capacity.Growth(feature_pct=20.0))
    assert later["features"] == pytest.approx([1.2])


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


# ---- resources, observed growth and the plan's line


def months(values: list[float], start: str = "2025-01-01") -> pd.DataFrame:
    return pd.DataFrame({"ds": pd.date_range(start, periods=len(values), freq="MS"), "y": values})


def test_growth_for_resources(plan):
    """CPU follows users (+50 %/quarter = 14.47 %/month), features and peak; data only its +25 %/month."""
    cpu = capacity.growth_for("cpu_pct", plan.capacity)
    assert cpu.monthly_pct == pytest.approx(14.4714, abs=1e-4)
    assert (cpu.feature_pct, cpu.peak_pct, cpu.peak_months) == (20.0, 100.0, (11, 12))
    assert capacity.growth_for("data_gb", plan.capacity) == capacity.Growth(monthly_pct=25.0)
    with pytest.raises(ValueError):
        capacity.growth_for("latency", plan.capacity)


def test_observed_growth_doubling_every_quarter():
    """y = 2^(t/3): the last three months are 2^4 = 16 x the same months a year before,
    which is 16^(3/12) = 2 a quarter, +100 %; per month 16^(1/12) - 1 = 25.99 %."""
    series = months([2 ** (t / 3) for t in range(15)])
    assert capacity.observed_growth_pct(series, per_months=3) == pytest.approx(100.0)
    assert capacity.observed_growth_pct(series, per_months=1) == pytest.approx(25.9921, abs=1e-4)


def test_observed_growth_flat_and_too_short():
    """A flat series grew 0 %; 14 months cannot compare three months with a year before."""
    assert capacity.observed_growth_pct(months([5.0] * 15), per_months=3) == pytest.approx(0.0)
    assert capacity.observed_growth_pct(months([5.0] * 14), per_months=3) is None


def test_peak_uplift_of_last_complete_season():
    """100 a month, Nov-Dec 2025 at 200 (Nov 2026 alone is not a complete season): +100 %."""
    values = [100.0] * 23  # Jan 2025 .. Nov 2026
    values[10] = values[11] = 200.0
    values[22] = 300.0
    start, pct = capacity.peak_uplift_pct(months(values), (11, 12))
    assert start == pd.Period("2025-11", "M") and pct == pytest.approx(100.0)
    assert capacity.peak_uplift_pct(months([1.0] * 5), (11, 12)) is None


def test_plan_line_from_the_last_actual():
    """From 100 on 1 October with +100 % in Nov-Dec and no trend: 200 on 1 Nov, 1 Dec and 1 Jan (the ramp
    out starts there), 100 on 1 February."""
    ds = pd.Series(pd.date_range("2026-11-01", periods=4, freq="MS"))
    line_ = capacity.plan_line(pd.Timestamp("2026-10-01"), 100.0, ds, capacity.Growth(peak_pct=100.0, peak_months=(11, 12)))
    assert list(line_.round(6)) == [200.0, 200.0, 200.0, 100.0]
    grown = capacity.plan_line(pd.Timestamp("2026-10-01"), 100.0, ds[:1], capacity.Growth(monthly_pct=10.0))
    assert grown[0] == pytest.approx(100.0 * 1.1 ** (31 / (365.25 / 12)))  # 31 days = 1.018 months


def test_measured_and_plan_leave_from_the_same_level():
    """History ends 1 Mar 2027; the fit is 50 % (band 45-55) at one and two months of 30.4375 days later
    and on 16 Oct. The plan (+10 % a month, +100 % in Nov-Dec) scales every band: 1.1 -> 55 %, 1.21 ->
    60.5 %; on 16 Oct 1.1^(229 / 30.4375) x (1 + 15/31) = 1.1^7.52361 x 1.48387 = 2.04844 x 1.48387 =
    3.03962 -> 151.98 %. The measured columns stay as they were."""
    anchor = pd.Timestamp("2027-03-01")
    ds = [anchor + pd.Timedelta(days=30.4375), anchor + pd.Timedelta(days=60.875), pd.Timestamp("2027-10-16")]
    fit = pd.DataFrame({"ds": ds, "mean": 50.0, "lower": 45.0, "upper": 55.0})
    both = capacity.measured_and_plan(pd.DataFrame({"ds": [anchor], "y": [50.0]}), fit,
                                      capacity.Growth(monthly_pct=10.0, peak_pct=100.0, peak_months=(11, 12)))
    assert both["plan_mean"].tolist() == pytest.approx([55.0, 60.5, 151.98], abs=0.01)
    assert both["plan_upper"].iloc[0] == pytest.approx(60.5) and both["plan_lower"].iloc[1] == pytest.approx(54.45)
    assert both["mean"].tolist() == [50.0] * 3


PLAN_GROWTH = capacity.Growth(monthly_pct=capacity.quarterly_to_monthly_pct(50.0), feature_pct=20.0, peak_pct=100.0,
                              peak_months=(11, 12))


def causes(mean: float, current: float | None, growth: capacity.Growth = PLAN_GROWTH, resource: str = "cpu_pct",
           end: str = "2026-10-01", at: str = "2026-11-01") -> list[str]:
    fit = pd.DataFrame({"ds": [pd.Timestamp(at)], "mean": mean, "lower": mean - 5, "upper": mean + 5})
    planned = capacity.measured_and_plan(pd.DataFrame({"ds": [pd.Timestamp(end)], "y": [mean]}), fit, growth)
    return capacity.crossing_causes(resource, growth, current, planned, pd.Timestamp(end), 80.0, pd.Timestamp(at))


def test_crossing_already_above_today_or_in_the_measured_forecast():
    """Measured 85 % now: already above; 70 % now but the measured forecast at 81 %: the forecast itself."""
    assert causes(50.0, current=85.0) == ["already at or above 80 % today"]
    assert causes(81.0, current=70.0) == ["the measured forecast itself"]


def test_crossing_caused_by_the_peak_season_uplift():
    """History ends 1 Oct at 50 %, crossing checked on 1 Nov (31 days = 1.01848 months): users 1.144714^1.01848
    = 1.14758, features 1 + 0.2 x 1.01848 / 12 = 1.01697, season 2 / 1: 50 x 1.14740 x 1.01697 x 2 =
    116.7 %. Without the season 58.4 % (< 80: the cause); without users 101.7 %, without features
    114.8 % (both still over)."""
    assert causes(50.0, current=50.0) == ["the plan's +100 % peak-season uplift"]


def test_crossing_needing_two_assumptions_or_either():
    """75 % on 1 Apr, a month (31 days) after 1 Mar, +5 % a month and +20 % features: 75 x 1.05^1.01848 x
    1.01697 = 75 x 1.05094 x 1.01697 = 80.16 %; without growth 76.27 %, without features 78.82 %: both
    are needed (+5 % a month is +15.8 % a quarter). 70 % with +20 % a month (1.2^1.01848 = 1.20405) and
    the features (1.01697): 85.71 %; without growth 71.19 % (needed), without features 84.28 % (not):
    growth alone is named (+72.8 % a quarter)."""
    five = capacity.Growth(monthly_pct=5.0, feature_pct=20.0)
    assert causes(75.0, None, five, end="2026-03-01", at="2026-04-01") == \
        ["the plan's +15.8 % users a quarter", "the plan's +20 % resource needs for new features"]
    twenty = capacity.Growth(monthly_pct=20.0, feature_pct=20.0)
    assert causes(70.0, None, twenty, end="2026-03-01", at="2026-04-01") == ["the plan's +72.8 % users a quarter"]


def test_crossing_where_any_assumption_alone_would_do_names_all():
    """70 % with growth x1.25 and features x1.2 (each at its value on 1 Apr): 70 x 1.25 x 1.2 = 105 %;
    without growth 84 %, without features 87.5 %, both still over: none is needed alone, both are named,
    the larger first. Data growth is worded per month."""
    month = 31 / 30.4375  # 1 Mar -> 1 Apr
    g = capacity.Growth(monthly_pct=(1.25 ** (1 / month) - 1) * 100, feature_pct=0.2 / month * 12 * 100)
    assert causes(70.0, None, g, resource="data_gb", end="2026-03-01", at="2026-04-01") == \
        [f"the plan's +{g.monthly_pct:.3g} % data a month", f"the plan's +{g.feature_pct:.3g} % resource needs for new features"]


def test_no_crossing_no_cause():
    """50 % a month after a quiet October start with only +5 % a month: 52.5 %, never 80 %."""
    assert causes(50.0, 50.0, capacity.Growth(monthly_pct=5.0), end="2026-03-01", at="2026-04-01") == []


def test_current_level_is_mean_of_last_days():
    """Last 7 of 10 days: mean of 4..10 = 7."""
    history = pd.DataFrame({"ds": pd.date_range("2026-01-01", periods=10), "y": [float(v) for v in range(1, 11)]})
    assert capacity.current_level(history) == pytest.approx(7.0)


def test_monthly_storage(plan):
    """A month peaking at 1,000 GB upper needs 1,000 x 1.2 / 0.8 = 1,500 GB."""
    table = capacity.monthly_storage(line(900, 50, periods=2, width=50), plan.capacity)
    assert list(table["peak_upper"]) == [950.0, 1000.0]
    assert list(table["storage_needed"].round(6)) == [1425.0, 1500.0]


def test_capacity_daily_busy_hour_level_by_hand(tmp_path):
    """capacity_daily: per service and local day (Asia/Bangkok, UTC+7), the 90th percentile of the
    day's hourly values by linear interpolation, requests as a share of the fleet (instances x
    per-instance capacity), the day's largest data volume and its hours. Two services with
    different values on the same hours keep apart; an hour at 16:59 UTC is the same local day,
    17:00 UTC the next; hours outside [start, end) are left out."""
    from datetime import UTC, date, datetime

    from data.warehouse import connect, local_midnight, query

    con = connect(tmp_path / "w.duckdb")
    con.execute("insert into services values ('a', 'A', 'web', true, 2, 50.0), ('b', 'B', 'api', false, 1, 10.0)")
    # Local 2026-03-01 is [2026-02-28 17:00, 2026-03-01 17:00) UTC. Service a: cpu 10, 20, ..., 100
    # over ten hours of it; requests 10..100 r/s on a fleet of 100 r/s; data 1..10 GB.
    rows = [("a", datetime(2026, 2, 28, 17 + k, tzinfo=UTC) if k < 7 else datetime(2026, 3, 1, k - 7, tzinfo=UTC),
             10.0 * (k + 1), 10.0 * (k + 1), 1.0 + k) for k in range(10)]
    rows += [("a", datetime(2026, 3, 1, 16, 59, tzinfo=UTC), 5.0, 5.0, 0.5),    # still local 1 March
             ("a", datetime(2026, 3, 1, 17, tzinfo=UTC), 50.0, 50.0, 20.0),     # local 2 March
             ("a", datetime(2026, 2, 28, 16, tzinfo=UTC), 99.0, 99.0, 99.0),    # local 28 Feb: before start
             ("b", datetime(2026, 2, 28, 17, tzinfo=UTC), 70.0, 4.0, 3.0)]
    con.executemany("insert into utilisation_hourly (service_id, hour_at, cpu_pct, requests_per_s, data_gb) "
                    "values (?, ?, ?, ?, ?)", rows)
    tz = "Asia/Bangkok"
    daily = query(con, "capacity_daily", tz=tz, start=local_midnight(date(2026, 3, 1), tz),
                  end=local_midnight(date(2026, 3, 3), tz))
    con.close()
    got = {(r.service_id, pd.Timestamp(r.day).date()): r for r in daily.itertuples()}
    assert sorted(got) == [("a", date(2026, 3, 1)), ("a", date(2026, 3, 2)), ("b", date(2026, 3, 1))]
    first = got[("a", date(2026, 3, 1))]
    # eleven values 5, 10, ..., 100: the 0.9 quantile sits at position 0.9 x 10 = 9 (0-based): 90
    assert first.cpu_pct == pytest.approx(90.0)
    assert first.requests_per_s == pytest.approx(90.0) and first.requests_pct == pytest.approx(90.0)
    assert (first.data_gb, first.hours_observed) == (10.0, 11)
    second, other = got[("a", date(2026, 3, 2))], got[("b", date(2026, 3, 1))]
    assert (second.cpu_pct, second.data_gb, second.hours_observed) == (50.0, 20.0, 1)
    assert (other.cpu_pct, other.requests_pct, other.data_gb) == (70.0, pytest.approx(40.0), 3.0)


# ---- a resource's plan and every service's headroom


def no_growth(plan):
    """The plan's thresholds (monitor 70 %, scale up 80 %, reserve 20 %) without any growth, so the
    forecast is read as given."""
    return replace(plan.capacity, user_growth_pct_per_quarter=0.0, peak_traffic_growth_pct=0.0,
                   data_growth_pct_per_month=0.0, feature_complexity_pct=0.0)


def test_plan_for_branches_on_the_resource(plan):
    """Mean 70, 75, 80 (upper 75, 80, 85) in Jan-Mar 2027 on 10 instances. Crossings: the mean
    reaches 70 in Jan and 80 in Mar, the upper bound 70 in Jan and 80 in Feb; nothing reaches 100.
    Load: instances ceil(10 x upper x 1.2 / 0.8): 11.25 -> 12, 12 -> 12, 12.75 -> 13. Disk: the
    same crossings and storage upper x 1.2 / 0.8 = 112.5, 120, 127.5. Data volume: that storage, no
    crossings (GB has no percent line)."""
    cap, grown = no_growth(plan), line(70, 5, periods=3)
    crossings, monthly = capacity.plan_for("cpu_pct", grown, 10, cap)
    by_line = crossings.set_index("threshold_pct")
    assert list(by_line["mean_at"][:2]) == [pd.Timestamp("2027-01-01"), pd.Timestamp("2027-03-01")]
    assert list(by_line["upper_at"][:2]) == [pd.Timestamp("2027-01-01"), pd.Timestamp("2027-02-01")]
    assert list(by_line.index) == [70.0, 80.0, 100.0] and by_line.loc[100.0].isna().all()
    assert list(monthly["instances_needed"]) == [12, 12, 13]
    disk_crossings, storage = capacity.plan_for("disk_pct", grown, 10, cap)
    assert disk_crossings.equals(crossings)
    assert list(storage["storage_needed"]) == pytest.approx([112.5, 120.0, 127.5])
    none, data = capacity.plan_for("data_gb", grown, 10, cap)
    assert none is None and list(data["storage_needed"]) == pytest.approx([112.5, 120.0, 127.5])
    with pytest.raises(ValueError, match="latency"):
        capacity.plan_for("latency", grown, 10, cap)


def test_headroom_table_by_hand(plan):
    """Three services on 31 Dec 2026. a: 50 % over the last 7 days, forecast mean 70, 75, 80 (upper
    +5) in Jan-Mar: the mean reaches 80 on 1 Mar (60 days on: 31 + 28 + 1), the upper bound on
    1 Feb. b: 60 % now, forecast 90 flat: both on 1 Jan, 1 day on. c: 10 % now, 20 flat: never.
    Soonest first: b, a, c."""
    def history(level: float) -> pd.DataFrame:
        return pd.DataFrame({"ds": pd.date_range("2026-12-25", periods=7, freq="D"), "y": [level] * 7})

    services = [("a", history(50.0), line(70, 5, periods=3)), ("b", history(60.0), line(90, 0, periods=3)),
                ("c", history(10.0), line(20, 0, periods=3))]
    table = capacity.headroom_table("cpu_pct", iter(services), no_growth(plan), pd.Timestamp("2026-12-31"))
    assert list(table["service_id"]) == ["b", "a", "c"]
    assert list(table["current_pct"]) == [60.0, 50.0, 10.0]
    assert list(table["days_to_scale_up"][:2]) == [1, 60] and pd.isna(table["days_to_scale_up"].iloc[2])
    assert list(table["scale_up_at"][:2]) == [pd.Timestamp("2027-01-01"), pd.Timestamp("2027-03-01")]
    assert list(table["upper_at"][:2]) == [pd.Timestamp("2027-01-01"), pd.Timestamp("2027-02-01")]
    assert pd.isna(table["upper_at"].iloc[2]) and set(table["resource"]) == {"cpu_pct"}
    assert table["plan_at"].equals(table["scale_up_at"])  # no growth: the plan scenario is the measured forecast


def test_headroom_ranks_by_the_measured_forecast_with_the_plan_beside(plan):
    """The same services on 31 Dec 2026 (the histories end there), the plan scenario a +100 % peak season
    in March only. Measured (the fits as given): b on 1 Jan, a on 1 Mar, d (50 flat) never. The
    scenario leaves from 31 Dec (December is no ramp month: factor 1): January 1; on 1 Feb, the
    first instant of the ramp month, 1 + 1.0 x 0/28 = 1; March inside the season 2. So b 90 on 1 Jan,
    a 75 < 80 on 1 Feb and 80 x 2 = 160 on 1 Mar, d 50 x 2 = 100 on 1 Mar: d crosses only in the
    scenario, and the ranking stays the measured one (b, a, d)."""
    def history(level: float) -> pd.DataFrame:
        return pd.DataFrame({"ds": pd.date_range("2026-12-25", periods=7, freq="D"), "y": [level] * 7})

    cap = replace(no_growth(plan), peak_traffic_growth_pct=100.0, peak_months=(3,))
    services = [("a", history(50.0), line(70, 5, periods=3)), ("b", history(60.0), line(90, 0, periods=3)),
                ("d", history(40.0), line(50, 0, periods=3))]
    table = capacity.headroom_table("cpu_pct", iter(services), cap, pd.Timestamp("2026-12-31")).set_index("service_id")
    assert list(table.index) == ["b", "a", "d"]
    assert list(table["scale_up_at"][:2]) == [pd.Timestamp("2027-01-01"), pd.Timestamp("2027-03-01")]
    assert pd.isna(table.loc["d", "scale_up_at"]) and pd.isna(table.loc["d", "days_to_scale_up"])
    assert list(table["plan_at"]) == [pd.Timestamp("2027-01-01"), pd.Timestamp("2027-03-01"), pd.Timestamp("2027-03-01")]


def test_plan_rate_states_each_series_as_the_plan_does(plan):
    """Users, traffic and tickets: +50 % a quarter; data: +25 % a month. Per month each is the rate
    demand_growth applies: 1.5^(1/3) - 1 = 14.47 % for the quarterly ones, 25 % for data."""
    cap = plan.capacity
    assert capacity.plan_rate("active_users", cap) == capacity.PlanRate(50.0, 3)
    assert capacity.plan_rate("data_gb", cap) == capacity.PlanRate(25.0, 1)
    for metric in ("active_users", "visits", "tickets", "data_gb"):
        rate = capacity.plan_rate(metric, cap)
        monthly = capacity.quarterly_to_monthly_pct(rate.pct) if rate.per_months == 3 else rate.pct
        assert monthly == pytest.approx(capacity.demand_growth(metric, cap).monthly_pct), metric
    with pytest.raises(ValueError, match="revenue"):
        capacity.plan_rate("revenue", cap)


@pytest.mark.parametrize("observed,plan_pct,verdict", [
    (None, 50.0, "unmeasurable"),
    (40.0, 50.0, "borne_out"),     # 40 / 50 = 0.8: the band's low end counts
    (62.5, 50.0, "borne_out"),     # 62.5 / 50 = 1.25: its high end too
    (39.0, 50.0, "slower"),        # 0.78
    (63.0, 50.0, "faster"),        # 1.26
    (-5.0, 50.0, "slower"),        # shrinking against planned growth: -0.1
    (3.0, 0.0, "faster"),          # any growth against a plan of none
])
def test_growth_verdict_by_the_ratio_band(observed, plan_pct, verdict):
    assert capacity.growth_verdict(observed, plan_pct, (0.8, 1.25)) == verdict


def test_plan_scenario_is_the_plan_columns_in_the_forecast_contract():
    """plan_scenario gives measured_and_plan's plan columns as ds, mean, lower, upper, so crossings and the
    monthly plan read it as a forecast: +10 % a month from 1 Mar, one month on 55 % (band 49.5-60.5)."""
    anchor = pd.Timestamp("2027-03-01")
    fit = pd.DataFrame({"ds": [anchor + pd.Timedelta(days=30.4375)], "mean": 50.0, "lower": 45.0, "upper": 55.0})
    history = pd.DataFrame({"ds": [anchor], "y": [50.0]})
    planned = capacity.plan_scenario(history, fit, capacity.Growth(monthly_pct=10.0))
    assert list(planned.columns) == ["ds", "mean", "lower", "upper"]
    assert planned[["mean", "lower", "upper"]].iloc[0].tolist() == pytest.approx([55.0, 49.5, 60.5])
    both = capacity.measured_and_plan(history, fit, capacity.Growth(monthly_pct=10.0))
    assert both["plan_mean"].tolist() == planned["mean"].tolist()
