"""The forecaster on series with known answers, its robustness, its contract and its backtest."""
from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from models.forecast import (backtest, backtest_means, fill_gaps, forecast, infer_freq, mase, seasonal_periods, smape,
                             smooth)

WEEK = np.array([10.0, 14.0, 13.0, 15.0, 12.0, 4.0, 3.0])  # a weekday-heavy daily pattern


def series(y, start: str = "2026-01-05", freq: str = "D") -> pd.DataFrame:
    return pd.DataFrame({"ds": pd.date_range(start, periods=len(y), freq=freq), "y": np.asarray(y, dtype=float)})


def test_linear_trend_continues_the_line():
    """y = 10 + 2t: the next 14 days lie on the same line (within 1 %)."""
    result = forecast(series(10 + 2 * np.arange(90)), 14)
    expected = 10 + 2 * np.arange(90, 104)
    assert np.allclose(result["mean"], expected, rtol=0.01)


def test_pure_seasonal_series_repeats_its_season():
    """Eight identical weeks: the forecast is the same week again, with a zero-width interval."""
    result = forecast(series(np.tile(WEEK, 8)), 14)
    assert np.allclose(result["mean"], np.tile(WEEK, 2))
    assert np.allclose(result["upper"] - result["lower"], 0)
    assert result.attrs["model"] == "seasonal_naive(7)"


def test_constant_series_forecasts_the_constant_with_a_narrow_interval():
    """A flat 42 stays 42, and the interval has no width."""
    result = forecast(series(np.full(30, 42.0)), 7)
    assert (result["mean"] == 42).all() and (result["lower"] == 42).all() and (result["upper"] == 42).all()


def test_three_points_still_forecast():
    """Three points fall back to the naive forecast: last value, widening interval."""
    result = forecast(series([5.0, 6.0, 8.0]), 4)
    assert len(result) == 4 and (result["mean"] == 8).all()
    assert result.attrs["model"] == "naive"
    assert (np.diff(result["upper"]) > 0).all()


def test_single_point_forecasts_itself():
    """One observation: that value, no width, on a daily grid."""
    result = forecast(series([3.0]), 2)
    assert list(result["mean"]) == [3.0, 3.0] and list(result["upper"]) == [3.0, 3.0]


def test_all_zeros_forecast_zero():
    """A series of zeros forecasts zeros, bounds included."""
    result = forecast(series(np.zeros(60)), 10)
    assert (result[["mean", "lower", "upper"]] == 0).all().all()


def test_damped_trend_flattens_within_its_bound():
    """y = 2t, t = 0..99, damped ETS alone, 200 steps ahead: with phi <= 0.98 the trend adds at
    most 2 * 0.98 / 0.02 = 98 to the last value 198, so the forecast stays under 296 (phi = 0.995,
    statsmodels' own bound, would add 2 * 0.995 * (1 - 0.995**200) / 0.005 = 252 by the end)."""
    result = forecast(series(2.0 * np.arange(100)), 200, models=["ets_damped"])
    assert result.attrs["model"].startswith("ets_damped")
    assert result["mean"].iloc[-1] <= 198 + 98 + 1e-6
    assert result["mean"].iloc[-1] > 250  # the trend is followed, not dropped


def test_gappy_timestamps_are_put_on_the_grid():
    """Missing days (rows absent or y empty) are filled; the forecast continues the daily grid."""
    frame = series(np.tile(WEEK, 10) + np.arange(70) * 0.1)
    frame.loc[[20, 33], "y"] = np.nan
    frame = frame.drop(index=[5, 6, 7, 40, 41])
    result = forecast(frame, 7)
    assert list(result["ds"]) == list(pd.date_range("2026-03-16", periods=7, freq="D"))
    assert np.allclose(result["mean"], WEEK + np.arange(70, 77) * 0.1, rtol=0.1)


def test_gap_filling_keeps_the_seasonal_shape():
    """A hole in a period-4 wave is filled with the wave, not with a straight line."""
    y = np.tile([0.0, 10.0, 0.0, -10.0], 6)
    holed = y.copy()
    holed[9:14] = np.nan
    assert np.allclose(fill_gaps(holed, 4), y)


def test_strictly_positive_noisy_series_never_goes_negative():
    """Small, very noisy positive values: mean and bounds stay above zero."""
    rng = np.random.default_rng(3)
    result = forecast(series(rng.lognormal(0.0, 1.5, 200)), 30)
    assert (result[["mean", "lower", "upper"]] > 0).all().all()


def test_counts_with_zeros_never_go_negative():
    """Sparse counts (mostly 0 and 1) with a falling trend: bounds clipped at zero."""
    rng = np.random.default_rng(4)
    result = forecast(series(rng.poisson(np.linspace(2.0, 0.1, 120))), 60)
    assert (result[["mean", "lower", "upper"]] >= 0).all().all()


@pytest.mark.parametrize("freq,expected,periods", [
    ("5min", "5min", (288,)), ("h", "h", (24, 168)), ("D", "D", (7,)),
    ("W-SUN", "W-SUN", (52,)), ("MS", "MS", (12,)), ("QS-JAN", "QS-JAN", (4,)),
])
def test_frequency_and_seasonal_periods_are_inferred(freq, expected, periods):
    """Each grid's frequency is recognised, with and without missing rows, and its periods follow."""
    stamps = pd.date_range("2024-01-01", periods=400, freq=freq)
    assert infer_freq(stamps) == expected
    assert infer_freq(stamps.delete([3, 4, 50, 51, 52, 200])) == expected
    assert seasonal_periods(expected, 700) == periods


def test_yearly_season_needs_two_years_of_daily_data():
    """Daily data gets the 365-day period only from two full years on."""
    assert seasonal_periods("D", 729) == (7,)
    assert seasonal_periods("D", 730) == (7, 365)


def test_contract():
    """Columns ds, mean, lower, upper; horizon rows continuing the grid; ordered bounds; attrs."""
    rng = np.random.default_rng(5)
    frame = series(100 + np.tile(WEEK, 20) + rng.normal(0, 2, 140), start="2026-01-05")
    result = forecast(frame, 21, level=90)
    assert list(result.columns) == ["ds", "mean", "lower", "upper"]
    assert len(result) == 21
    assert result["ds"].iloc[0] == frame["ds"].iloc[-1] + pd.Timedelta(days=1)
    assert (result["ds"].diff().dropna() == pd.Timedelta(days=1)).all()
    assert (result["lower"] <= result["mean"]).all() and (result["mean"] <= result["upper"]).all()
    assert result.attrs["level"] == 90 and result.attrs["model"] in result.attrs["scores"]


def test_aware_hourly_timestamps_keep_their_zone():
    """Hourly data in a local time zone forecasts on the same zone's grid (24 and 168 seasons)."""
    ds = pd.date_range("2026-01-05", periods=24 * 21, freq="h", tz="Europe/Berlin")
    y = 50 + 10 * np.sin(2 * np.pi * np.arange(len(ds)) / 24)
    result = forecast(pd.DataFrame({"ds": ds, "y": y}), 48)
    assert str(result["ds"].dt.tz) == "Europe/Berlin" and result.attrs["freq"] == "h"
    assert np.allclose(result["mean"], y[:48], atol=0.5)


def test_interval_is_wider_at_the_level_asked_and_further_out():
    """A random walk: 95 % bounds contain 50 % bounds, and both widen with the horizon."""
    rng = np.random.default_rng(6)
    frame = series(1000 + np.cumsum(rng.normal(0, 5, 300)))
    wide, narrow = forecast(frame, 20, level=95), forecast(frame, 20, level=50)
    assert (wide["upper"] >= narrow["upper"]).all() and (wide["lower"] <= narrow["lower"]).all()
    assert wide["upper"].iloc[-1] - wide["lower"].iloc[-1] > wide["upper"].iloc[0] - wide["lower"].iloc[0]


def test_models_argument_restricts_the_candidates():
    """models=["naive"] gives the naive forecast whatever else would win."""
    result = forecast(series(10 + 2 * np.arange(60)), 3, models=["naive"])
    assert result.attrs["model"] == "naive" and (result["mean"] == 128).all()


def test_backtest_shape():
    """One row per fold, cutoffs in order, metrics in range."""
    rng = np.random.default_rng(7)
    frame = series(100 + np.tile(WEEK, 20) + rng.normal(0, 2, 140))
    result = backtest(frame, 14, folds=3)
    assert list(result.columns) == ["fold", "cutoff", "model", "mase", "smape", "coverage"]
    assert list(result["fold"]) == [1, 2, 3]
    assert list(result["cutoff"]) == list(frame["ds"].iloc[[97, 111, 125]])
    assert result["coverage"].between(0, 1).all() and (result["mase"] > 0).all()


def test_seasonal_naive_backtest_on_a_pure_season_scores_zero():
    """Seasonal naive on an exactly repeating week (two days missing): MASE and sMAPE 0,
    full coverage, the missing days neither filled into the score nor breaking it."""
    result = backtest(series(np.tile(WEEK, 12)).drop(index=[66, 80]), 7, folds=3, models=["seasonal_naive"])
    assert np.allclose(result["mase"], 0) and np.allclose(result["smape"], 0)
    assert (result["coverage"] == 1).all() and (result["model"] == "seasonal_naive(7)").all()


def test_mase_and_smape_by_hand():
    """MASE: |errors| 1 and 1 over in-sample naive changes of 1; sMAPE of 100 vs 110 is 2*10/210."""
    assert mase(np.array([2.0, 4.0]), np.array([1.0, 5.0]), np.array([0.0, 1.0, 2.0, 3.0]), 1) == 1.0
    assert smape(np.array([100.0, 0.0]), np.array([110.0, 0.0])) == pytest.approx(100 * 20 / 210 / 2)


def test_damped_trend_recursion_by_hand():
    """Two steps of the damped-trend recursion (alpha 0.5, beta 0.5, phi 0.9) from level 10, trend 1:
    y=10: level = 0.5*10 + 0.5*(10 + 0.9*1) = 10.45; trend = 0.5*(10.45 - 10) + 0.5*0.9*1 = 0.675.
    y=12: level = 0.5*12 + 0.5*(10.45 + 0.9*0.675) = 6 + 0.5*11.0575 = 11.52875;
          trend = 0.5*(11.52875 - 10.45) + 0.5*0.9*0.675 = 0.539375 + 0.30375 = 0.843125."""
    level, trend = smooth(np.array([10.0, 12.0]), 0.5, 0.5, 0.9, 10.0, 1.0)
    assert level == pytest.approx(11.52875) and trend == pytest.approx(0.843125)


def test_fast_recursions_match_statsmodels():
    """Origins re-run the recursions by hand; with the same parameters they reproduce
    statsmodels' own ExponentialSmoothing and ThetaModel forecasts (guards an upgrade)."""
    from statsmodels.tsa.forecasting.theta import ThetaModel
    from statsmodels.tsa.holtwinters import ExponentialSmoothing

    from models.forecast import DAMPING_MAX, exponential_smoothing, theta

    y = 50 + np.cumsum(np.random.default_rng(8).normal(0.3, 1.0, 200))
    reference = ExponentialSmoothing(y, trend="add", damped_trend=True, initialization_method="estimated",
                                     bounds={"damping_trend": (0.8, DAMPING_MAX)})
    expected = reference.fit(method="SLSQP", use_brute=False).forecast(10)
    assert np.allclose(exponential_smoothing(True, ())(y)(y, 10), expected)
    expected = ThetaModel(y, deseasonalize=False).fit(use_mle=False).forecast(10)
    assert np.allclose(theta(())(y)(y, 10), np.asarray(expected))


def test_a_trending_series_keeps_its_trend():
    """Daily utilisation rising 15 points over two years (0.0206 a day) with a weekly
    season and noise: the forecast 180 days ahead keeps rising at about that rate, by
    15 / 729 * 173 = 3.56 points from its first week to its last (not flat)."""
    rng = np.random.default_rng(11)
    t = np.arange(730)
    y = 40 + 15 * t / 729 + np.tile(WEEK - WEEK.mean(), 105)[:730] + rng.normal(0, 3, 730)
    result = forecast(series(y, start="2024-11-27"), 180)
    mean = result["mean"].to_numpy()
    rise = mean[-7:].mean() - mean[:7].mean()
    assert rise == pytest.approx(15 / 729 * 173, rel=0.25)


@pytest.mark.slow  # fits every model on eight weeks of half-hours
def test_half_hourly_data_keeps_eight_weeks_and_both_seasons():
    """Half-hourly load with a daily shape and quiet weekends: the forecaster keeps
    8 x 336 = 2688 points (more than the 2016 of other grids) and its forecast of a
    Saturday follows the weekend level, which a daily season alone cannot."""
    from models.forecast import max_points

    assert max_points("30min") == 2688 and max_points("h") == 2016 and max_points("D") == 8 * 365
    ds = pd.date_range("2026-01-05", periods=48 * 7 * 10, freq="30min")  # ten weeks from a Monday
    daily = 10 * np.sin(2 * np.pi * np.arange(len(ds)) / 48)
    weekend = np.where(ds.day_of_week >= 5, -30.0, 0.0)
    y = 100 + daily + weekend + np.random.default_rng(12).normal(0, 1, len(ds))
    result = forecast(pd.DataFrame({"ds": ds, "y": y}), 48 * 6)  # Monday to Saturday
    saturday = result[result["ds"].dt.day_of_week == 5]["mean"].mean()
    weekday = result[result["ds"].dt.day_of_week < 5]["mean"].mean()
    assert "336" in result.attrs["model"]
    assert saturday == pytest.approx(70, abs=2) and weekday == pytest.approx(100, abs=2)


def test_skill_words_by_hand():
    """0.77 of seasonal naive's error is 23 % better; 1.3 is 30 % worse; 0.996 rounds to 0."""
    from models.forecast import season_words, skill_words

    assert skill_words(0.77, "repeating last week") == "23 % better than repeating last week"
    assert skill_words(1.3, "repeating last year") == "30 % worse than repeating last year"
    assert skill_words(0.996, "repeating yesterday") == "as good as repeating yesterday"
    assert skill_words(float("nan"), "repeating last week") == "not yet measured against repeating last week"
    assert [season_words(f) for f in ("h", "D", "W-SUN", "MS", "QS-JAN")] == [
        "repeating yesterday", "repeating last week", "repeating last year", "repeating last year", "repeating last year"]


def test_skill_of_a_straight_line_by_hand():
    """y = 10 + 2t, daily, a week ahead: seasonal naive (last week again) misses every day by
    7 x 2 = 14 and its in-sample scale is the same 14, so its MASE is 1; the forecaster
    continues the line exactly (MASE 0): relative MASE 0, "100 % better than repeating last week"."""
    from models.forecast import skill

    frame = series(10 + 2 * np.arange(120))
    assert np.allclose(backtest(frame, 7, models=["seasonal_naive"])["mase"], 1.0)
    ratio, words = skill(frame, 7)
    assert ratio == pytest.approx(0, abs=1e-6)
    assert words == "100 % better than repeating last week"


def test_backtest_means_by_hand():
    """Two folds: mase (1.0 + 2.0) / 2 = 1.5, smape (10 + 20) / 2 = 15 %, coverage (0.8 + 0.9) / 2 =
    0.85; no fold: no means."""
    folds = pd.DataFrame({"fold": [1, 2], "mase": [1.0, 2.0], "smape": [10.0, 20.0], "coverage": [0.8, 0.9]})
    assert backtest_means(folds) == {"mase": 1.5, "smape": 15.0, "coverage": pytest.approx(0.85), "folds": 2}
    assert backtest_means(folds.iloc[:0]) == {"mase": None, "smape": None, "coverage": None, "folds": 0}


def test_stl_windows_by_hand():
    """STL's trend window is the smallest odd integer at or above 1.5 m / (1 - 1.5 / seasonal),
    the low-pass one the smallest odd integer above m, as statsmodels chooses them:
    m = 48, seasonal 11: 72 / (1 - 0.13636) = 83.37 -> 84 -> 85; low-pass 49.
    m = 336, seasonal 15: 504 / 0.9 = 560 -> 561; low-pass 337."""
    from statsmodels.tsa.seasonal import STL

    from models.forecast import stl_windows

    assert stl_windows(48, 11) == (85, 49) and stl_windows(336, 15) == (561, 337)
    config = STL(np.arange(200.0), period=48, seasonal=11).config
    assert (config["trend"], config["low_pass"]) == (85, 49)


def test_mstl_split_recovers_two_exact_seasons():
    """y = 10 + a 4-step season (2, 0, -2, 0) + a 12-step one (3 for four steps, -3 for four,
    0 for four), eight cycles of 12: the adjusted series is the level 10, and the next six
    steps (t = 96..101, phases 0..3, 0..1 and 0..5) carry 2+3, 0+3, -2+3, 0+3, 2-3, 0-3
    = 5, 3, 1, 3, -1, -3 (STL's smoothers leak a few hundredths between the seasons)."""
    from models.forecast import mstl_split

    t = np.arange(96)
    day, week = np.array([2.0, 0.0, -2.0, 0.0]), np.repeat([3.0, -3.0, 0.0], 4)
    adjusted, future = mstl_split(10 + day[t % 4] + week[t % 12], (4, 12), 6)
    assert np.abs(adjusted - 10).max() < 0.05
    assert future == pytest.approx([5, 3, 1, 3, -1, -3], abs=0.05)


def test_mstl_candidate_only_with_two_active_seasons():
    """Hourly data with a daily shape and quiet weekends gets the MSTL candidate for both
    seasons; daily data with one weekly season does not (one profile is enough there)."""
    from models.forecast import candidates, to_grid

    ds = pd.date_range("2026-01-05", periods=24 * 7 * 6, freq="h")
    y = 100 + 10 * np.sin(2 * np.pi * np.arange(len(ds)) / 24) + np.where(ds.day_of_week >= 5, -30.0, 0.0)
    hourly = candidates(to_grid(pd.DataFrame({"ds": ds, "y": y + np.random.default_rng(3).normal(0, 1, len(ds))})))
    assert "mstl(24,168)" in hourly
    daily = candidates(to_grid(series(np.tile(WEEK, 20))))
    assert not any(name.startswith("mstl") for name in daily)
