"""Demand forecasts with calibrated intervals, the model chosen per series by backtest.

Contract (statsforecast's shape): `history` has columns `ds` (timestamps on a regular
grid, gaps allowed) and `y`; `forecast` returns `horizon` rows with columns
`ds, mean, lower, upper`, the interval at `level` %, and names the chosen model in
`attrs["model"]`. `backtest` scores the forecaster on held-out tails of the history.

How a forecast is made:
1. The frequency is inferred, the series put on its regular grid, gaps filled; the
   latest max_points(freq) points are kept (eight of the longest season where that is
   more than 2016: eight weeks of half-hourly data, eight years of daily).
2. Seasonal periods follow from the frequency (a day and a week below a day, 7 and 365
   for daily, 52, 12, 4); those that explain enough variance are removed together by a
   classical multi-seasonal decomposition. Candidates: naive, seasonal naive per period,
   drift, and on the adjusted series SES, damped-trend ETS (ExponentialSmoothing, phi at
   most 0.98), Theta
   (ThetaModel), a linear trend (Theta with the whole measured slope), AR(p) (AutoReg),
   damped ETS on logs for strictly positive series, the mean of SES, ETS and Theta,
   Holt-Winters with an evolving season, and where two seasons or more are active damped
   ETS on the series less MSTL's seasons (STL per season: they evolve). Each forecasts
   from up to ten rolling origins that keep at least half the history; the lowest mean
   absolute error wins, averaged with up to two others whose error is within 10 % of it.
3. Interval widths come from the winner's own backtest errors (split-conformal),
   pooled over horizon steps by a fitted growth law h**beta.

This is the only module of the project that imports statsmodels.
"""
from __future__ import annotations

import functools
import math
import warnings
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd
from statsmodels.tools.sm_exceptions import ConvergenceWarning
from statsmodels.tsa.ar_model import AutoReg
from statsmodels.tsa.forecasting.theta import ThetaModel
from statsmodels.tsa.holtwinters import ExponentialSmoothing
from statsmodels.tsa.seasonal import STL

from core.i18n import _

# At least the last 2016 points are used (12 weeks of hourly data, 5.5 years of daily),
# and more where the longest season needs it: SEASONS_KEPT of them estimate a seasonal
# profile well (8 weeks of half-hourly data, 8 years of daily). Older history adds little
# to a short-horizon forecast when the seasonal profile drifts, and the cap keeps a long
# series as fast as a short one; POINTS_CEILING bounds it for minute-level data.
MAX_POINTS = 2016
SEASONS_KEPT = 8
POINTS_CEILING = 20_160
MAX_ORIGINS = 10  # rolling origins per selection; each costs one forecast per candidate
MIN_TRAIN = 10  # shortest prefix a candidate is asked to forecast from
PROFILE_SEASONS = 20  # a seasonal profile is the mean of at most this many recent seasons
# ThetaModel estimates alpha with a Kalman filter, slow on long near-random walks; alpha
# is a local property, so the last few hundred points estimate it as well.
THETA_WINDOW = 300
AR_MAX_LAG = 12
HOLT_WINTERS_MAX_SEASON = 52  # longer seasons have too many states to estimate
MSTL_ITERATIONS = 2  # statsmodels' MSTL default: a second round settles each season
COMBO = ("ses", "ets_damped", "theta")  # the M4 "Comb" idea: averaging damps model risk
TOP_K = 3  # at most this many near-equal candidates of the backtest are averaged
NEAR_EQUAL = 0.1  # ... those whose backtest error is within 10 % of the best's
# The damped trend's phi at most 0.98 (R's forecast::ets; statsmodels allows 0.995): near 1
# the damping never bites within a few years, so the trend of a series that has peaked runs
# on; a trend that does go on is the linear-trend candidate's.
DAMPING_MAX = 0.98

# How a statsmodels fit or a recursion fails on a degenerate prefix: the candidate drops out.
CANDIDATE_FAILURES = (ValueError, ArithmeticError, IndexError, np.linalg.LinAlgError)

Predictor = Callable[[np.ndarray, int], np.ndarray]
Factory = Callable[[np.ndarray], Predictor]  # fits on a prefix, returns a predictor
# (series, periods, h) -> the seasonally adjusted series and the seasonal part of the next h steps
Split = Callable[[np.ndarray, tuple[int, ...], int], tuple[np.ndarray, np.ndarray]]


@dataclass(frozen=True)
class Grid:
    """A series on its regular grid: timestamps, values (gaps filled), frequency, periods."""

    ds: pd.DatetimeIndex
    y: np.ndarray
    freq: str
    periods: tuple[int, ...]


# statsmodels warns on a fit that does not converge, and numpy on log(0) in its AIC of a perfect
# fit: the backtest judges every fit, and a bad one simply loses. The filters are set once, at
# import: warnings.catch_warnings around each fit would swap the process's filters from the
# session threads that fit at once (it is not thread-safe); numpy's error state is per thread.
warnings.filterwarnings("ignore", category=ConvergenceWarning)
warnings.filterwarnings("ignore", category=RuntimeWarning, module=r"statsmodels\.")


def _quiet() -> np.errstate:
    """No floating-point warnings from numpy inside a fit (per thread)."""
    return np.errstate(all="ignore")


# --- frequency, seasonal periods, regular grid -------------------------------------------


def infer_freq(ds: pd.Series | pd.DatetimeIndex) -> str:
    """A pandas frequency alias for timestamps; the median step decides when there are gaps."""
    stamps = pd.DatetimeIndex(pd.to_datetime(ds)).dropna().unique().sort_values()
    if len(stamps) >= 3:
        with pd.option_context("future.infer_freq_returns_offset", True):  # pandas 3 warns otherwise
            exact = pd.infer_freq(stamps)
        if exact is not None:
            return exact.freqstr
    if len(stamps) < 2:
        return "D"
    step = pd.Series(stamps[1:] - stamps[:-1]).median()
    return _alias_for_step(step, stamps)


def _alias_for_step(step: pd.Timedelta, stamps: pd.DatetimeIndex) -> str:
    days = step / pd.Timedelta(days=1)
    if days < 1:
        minutes = max(1, round(step / pd.Timedelta(minutes=1)))
        hours = minutes // 60 if minutes % 60 == 0 else 0
        return "h" if hours == 1 else f"{hours}h" if hours else f"{minutes}min"
    if days < 5:
        return f"{round(days)}D" if round(days) > 1 else "D"
    if days < 20:
        return f"W-{stamps[-1].day_name()[:3].upper()}"
    months = {(20, 45): 1, (45, 135): 3, (135, 400): 12}
    n = next((m for (lo, hi), m in months.items() if lo <= days < hi), None)
    if n is None:
        return f"{round(days)}D"
    start = bool((stamps.day == 1).all())
    kind = {1: "M", 3: "Q", 12: "Y"}[n] + ("S" if start else "E")
    return kind if n == 1 else f"{kind}-{_anchor_month(stamps, n, start)}"


def _anchor_month(stamps: pd.DatetimeIndex, n: int, start: bool) -> str:
    """The month naming a quarterly/yearly anchor, so the grid lands on the data's dates."""
    month = stamps[-1].month
    if n == 3:
        month = (month - 1) % 3 + 1 if start else (month - 1) % 3 + 10
    return pd.Timestamp(2000, month, 1).strftime("%b").upper()


def step_days(freq: str) -> float:
    """The average length of one step of `freq`, in days."""
    offset = pd.tseries.frequencies.to_offset(freq)
    origin = pd.Timestamp("2001-01-01")
    return ((origin + 13 * offset) - (origin + offset)) / pd.Timedelta(days=1) / 12


def seasonal_periods(freq: str, n: int) -> tuple[int, ...]:
    """Candidate seasonal periods, in steps: per day and per week below a day, then the
    calendar's week, year or quarter-of-year; a period needs two full seasons of data."""
    days = step_days(freq)
    if pd.tseries.frequencies.to_offset(freq).rule_code == "B":
        periods = [5]
    elif days < 1:
        per_day = round(1 / days)
        periods = [per_day, 7 * per_day]
    else:
        yearly = round(365.25 / days)
        periods = [7, 365] if days < 1.5 else ([yearly] if yearly >= 2 else [])
    return tuple(m for m in periods if 2 <= m and 2 * m <= n)


def grid_range(start: pd.Timestamp, end: pd.Timestamp, freq: str) -> pd.DatetimeIndex:
    """Points of `freq` from the first on or after `start` to the first on or after `end`."""
    offset = pd.tseries.frequencies.to_offset(freq)
    first, last = offset.rollforward(start), offset.rollforward(end)
    if isinstance(offset, pd.offsets.Week) and offset.n == 1:
        return pd.date_range(first, last, freq="7D")  # same points, far cheaper than anchored weeks
    return pd.date_range(first, last, freq=freq)


def regularise(history: pd.DataFrame, freq: str) -> tuple[pd.DatetimeIndex, np.ndarray]:
    """The history on its regular grid; timestamps snap to the nearest grid point, duplicates
    average, and missing points come back as NaN."""
    frame = history[["ds", "y"]].assign(ds=lambda f: pd.to_datetime(f["ds"]))
    frame = frame.dropna(subset=["ds"]).sort_values("ds")
    grid = grid_range(frame["ds"].iloc[0], frame["ds"].iloc[-1], freq)
    where = grid.get_indexer(frame["ds"], method="nearest")
    values = pd.to_numeric(frame["y"], errors="coerce").groupby(where).mean()
    return grid, values.reindex(range(len(grid))).to_numpy(dtype=float)


def fill_gaps(y: np.ndarray, period: int | None) -> np.ndarray:
    """Missing values: linear interpolation of the deseasonalised series plus the seasonal
    profile, so a gap of a day in hourly data keeps its daily shape instead of a flat line;
    filled values stay within the observed range."""
    missing = np.isnan(y)
    if not missing.any():
        return y
    profile = np.zeros(len(y))
    if period and (~missing).sum() >= 2 * period:
        detrended = y - _centered_mean(y, period)  # complete windows only: exact next to a gap
        if (~np.isnan(detrended)).sum() < 2 * period:  # gaps everywhere: bridge them first
            linear = pd.Series(y).interpolate(limit_direction="both").to_numpy()
            detrended = np.where(missing, np.nan, y - _centered_mean(linear, period))
        phase = np.arange(len(y)) % period
        means = pd.Series(detrended).groupby(phase).mean().reindex(range(period)).fillna(0.0)
        profile = means.to_numpy()[phase]
    adjusted = pd.Series(y - profile).interpolate(limit_direction="both").to_numpy()
    # Never invent values outside the observed range: a filled count must not turn negative.
    filled = np.clip(adjusted + profile, np.nanmin(y), np.nanmax(y))
    return np.where(missing, filled, y)


def observed(history: pd.DataFrame, freq: str | None = None) -> tuple[pd.DatetimeIndex, np.ndarray, str]:
    """The history on its regular grid, NaN where nothing was observed, and the frequency."""
    if not {"ds", "y"} <= set(history.columns):
        raise ValueError("history needs columns 'ds' and 'y'")
    values = pd.to_numeric(history["y"], errors="coerce").astype(float)
    clean = history.assign(y=values)[np.isfinite(values) & history["ds"].notna()]
    if clean.empty:
        raise ValueError("history has no row with both a timestamp and a finite y")
    freq = freq or infer_freq(clean["ds"])
    return *regularise(clean, freq), freq


def max_points(freq: str) -> int:
    """How many of the latest points a forecast uses: MAX_POINTS, or SEASONS_KEPT of the
    frequency's longest season (a week below a day, a year for daily data) when more."""
    longest = max(seasonal_periods(freq, 10**9), default=1)
    return min(max(MAX_POINTS, SEASONS_KEPT * longest), POINTS_CEILING)


def to_grid(history: pd.DataFrame, freq: str | None = None) -> Grid:
    """The latest max_points(freq) points of the history on its grid, gaps filled, with its periods."""
    ds, y, freq = observed(history, freq)
    keep = max_points(freq)
    ds, y = ds[-keep:], y[-keep:]
    periods = seasonal_periods(freq, len(y))
    return Grid(ds, fill_gaps(y, periods[0] if periods else None), freq, periods)


# --- seasonal decomposition ---------------------------------------------------------------


def _centered_mean(y: np.ndarray, m: int) -> np.ndarray:
    """Centred moving average over one season (2 x m for even m), NaN at the edges."""
    weights = np.ones(m) if m % 2 else np.r_[0.5, np.ones(m - 1), 0.5]
    smooth = np.convolve(y, weights / m, mode="valid")
    pad = len(weights) // 2
    return np.r_[np.full(pad, np.nan), smooth, np.full(len(y) - len(smooth) - pad, np.nan)]


def season_profile(y: np.ndarray, m: int) -> np.ndarray:
    """Additive seasonal profile indexed by t % m: the mean detrended value per phase over
    the last PROFILE_SEASONS seasons, centred; long (yearly) profiles are smoothed."""
    detrended = y - _centered_mean(y, m)
    k = min(len(y) // m, PROFILE_SEASONS)
    start = len(y) - k * m
    seasons = detrended[start:].reshape(k, m)
    seen = (~np.isnan(seasons)).sum(axis=0)
    # the mean of each phase's values; a phase with none at all (every season missing it) is 0
    by_phase = np.divide(np.nansum(seasons, axis=0), seen, out=np.zeros(m), where=seen > 0)
    profile = np.roll(by_phase, start % m)
    if m >= 300:  # a yearly profile from two or three years is mostly noise day to day
        width = m // 24
        wrapped = np.r_[profile[-width:], profile, profile[:width]]  # the year is a circle
        profile = np.convolve(wrapped, np.ones(2 * width + 1) / (2 * width + 1), "valid")
    return profile - profile.mean()


def active_periods(y: np.ndarray, periods: tuple[int, ...]) -> tuple[int, ...]:
    """The periods whose profile explains more of the detrended variance than chance would:
    a profile averaged over k seasons of pure noise explains about 1/k of it."""
    keep, rest = [], y
    for m in periods:
        detrended = rest - _centered_mean(rest, m)
        profile = season_profile(rest, m)[np.arange(len(rest)) % m]
        ok = ~np.isnan(detrended)
        total = np.var(detrended[ok])
        strength = 1 - np.var(detrended[ok] - profile[ok]) / total if total > 0 else 0.0
        if strength > 0.1 + 1 / min(len(rest) // m, PROFILE_SEASONS):
            keep.append(m)
            rest = rest - profile
    return tuple(keep)


def deseasonalise(y: np.ndarray, periods: tuple[int, ...], h: int) -> tuple[np.ndarray, np.ndarray]:
    """The seasonally adjusted series and the seasonal part of the next h steps, removing
    the periods shortest first (a period needs two seasons in this prefix)."""
    adjusted, future = y.copy(), np.zeros(h)
    ahead = np.arange(len(y), len(y) + h)
    for m in (p for p in periods if 2 * p <= len(y)):
        profile = season_profile(adjusted, m)
        adjusted = adjusted - profile[np.arange(len(y)) % m]
        future = future + profile[ahead % m]
    return adjusted, future


def _odd(x: float) -> int:
    """The smallest odd integer at or above x."""
    n = math.ceil(x)
    return n if n % 2 else n + 1


def stl_windows(m: int, seasonal: int) -> tuple[int, int]:
    """STL's trend and low-pass windows for period m (statsmodels' defaults: the smallest odd
    integer at or above 1.5 m / (1 - 1.5 / seasonal), and the smallest odd one above m)."""
    return _odd(1.5 * m / (1 - 1.5 / seasonal)), _odd(m + 1)


def _stl_seasonal(y: np.ndarray, m: int, seasonal: int) -> np.ndarray:
    """The seasonal component of STL with period m. Each smoother is evaluated at every
    ceil(window / 10)-th point and interpolated between (R's stl does so by default): far
    cheaper for a long period such as a week of half-hours, and nearly the same."""
    trend, low_pass = stl_windows(m, seasonal)
    fit = STL(y, period=m, seasonal=seasonal, trend=trend, low_pass=low_pass,
              seasonal_jump=math.ceil(seasonal / 10), trend_jump=math.ceil(trend / 10),
              low_pass_jump=math.ceil(low_pass / 10)).fit()
    return np.asarray(fit.seasonal)


def mstl_split(y: np.ndarray, periods: tuple[int, ...], h: int) -> tuple[np.ndarray, np.ndarray]:
    """deseasonalise's contract by MSTL (statsmodels' MSTL algorithm: each period's STL on the
    series less the other seasons, shortest first, MSTL_ITERATIONS rounds, seasonal windows
    of 7 + 4 i cycles). STL follows each phase over the last few cycles, so a season that
    changes, as a holiday week changes a demand week, moves with the data where the profile
    averaged over many seasons lags. The next h steps repeat each component's last cycle."""
    usable = [m for m in periods if 2 * m <= len(y)]
    seasonal = np.zeros((len(usable), len(y)))
    adjusted = np.asarray(y, dtype=float).copy()
    for _ in range(MSTL_ITERATIONS):
        for i, m in enumerate(usable):
            adjusted = adjusted + seasonal[i]
            seasonal[i] = _stl_seasonal(adjusted, m, 7 + 4 * (i + 1))
            adjusted = adjusted - seasonal[i]
    future = np.zeros(h)
    for part, m in zip(seasonal, usable):
        future = future + part[-m:][np.arange(h) % m]
    return adjusted, future


# --- candidate models: a factory fits on a prefix and returns a predictor ------------------


def naive(_: np.ndarray) -> Predictor:
    return lambda y, h: np.full(h, y[-1])


def seasonal_naive(m: int) -> Factory:
    def factory(_: np.ndarray) -> Predictor:
        return lambda y, h: y[-m:][np.arange(h) % m] if len(y) >= m else np.full(h, y[-1])

    return factory


def drift(_: np.ndarray) -> Predictor:
    """The last value plus the average step so far: a straight line through the ends."""
    return lambda y, h: y[-1] + (y[-1] - y[0]) / max(len(y) - 1, 1) * np.arange(1, h + 1)


def smooth(y: np.ndarray, alpha: float, beta: float, phi: float, level: float, trend: float) -> tuple[float, float]:
    """Final level and trend of the additive damped-trend recursion (statsmodels' Holt-Winters
    form; beta = 0 and trend = 0 give SES). Plain floats: much faster than refitting."""
    for value in y.tolist():
        previous = level
        level = alpha * value + (1 - alpha) * (level + phi * trend)
        trend = beta * (level - previous) + (1 - beta) * phi * trend
    return level, trend


def exponential_smoothing(damped: bool, periods: tuple[int, ...], split: Split = deseasonalise) -> Factory:
    """SES or damped-trend ETS (statsmodels ExponentialSmoothing) on the seasonally adjusted
    series (`split`: averaged profiles, or MSTL's). Parameters and the initial state (every
    prefix starts at the same point) are estimated once on the fit data; each origin then
    only runs the recursion."""

    def factory(fit_y: np.ndarray) -> Predictor:
        adjusted = split(fit_y, periods, 0)[0]
        trend_kind = "add" if damped else None
        bounds = {"damping_trend": (0.8, DAMPING_MAX)} if damped else None
        model = ExponentialSmoothing(adjusted, trend=trend_kind, damped_trend=damped, initialization_method="estimated",
                                     bounds=bounds)
        with _quiet():  # SLSQP without the brute-force start grid: faster, as accurate here
            params = model.fit(method="SLSQP", use_brute=False).params
        alpha, level = float(params["smoothing_level"]), float(params["initial_level"])
        beta, phi, trend = 0.0, 1.0, 0.0
        if damped:
            beta, phi, trend = (float(params[k]) for k in ("smoothing_trend", "damping_trend", "initial_trend"))

        def predict(y: np.ndarray, h: int) -> np.ndarray:
            adjusted, season = split(y, periods, h)
            last, slope = smooth(adjusted, alpha, beta, phi, level, trend)
            return last + slope * np.cumsum(phi ** np.arange(1, h + 1)) + season

        return predict

    return factory


def theta(periods: tuple[int, ...], slope_share: float = 0.5) -> Factory:
    """statsmodels' Theta method (SES plus half the OLS drift, theta = 2) on the adjusted
    series: ThetaModel estimates alpha once; each origin re-applies its forecast formula.
    slope_share = 1 keeps the whole measured slope: the linear-trend candidate, for a
    series whose trend goes on (Theta's half slope undershoots it)."""
    return lambda fit_y: _theta(fit_y, periods, slope_share)


def _theta(fit_y: np.ndarray, periods: tuple[int, ...], slope_share: float = 0.5) -> Predictor:
    alpha = _theta_alpha(deseasonalise(fit_y, periods, 0)[0][-THETA_WINDOW:].tobytes())

    def predict(y: np.ndarray, h: int) -> np.ndarray:
        adjusted, season = deseasonalise(y, periods, h)
        n = len(adjusted)
        drift = np.polyfit(np.arange(n), adjusted, 1)[0] if n > 1 else 0.0
        level = smooth(adjusted, alpha, 0.0, 1.0, adjusted[0], 0.0)[0]
        steps = np.arange(h) + 1 / alpha - (1 - alpha) ** n / alpha
        return level + slope_share * drift * steps + season

    return predict


@functools.lru_cache(maxsize=8)
def _theta_alpha(recent: bytes) -> float:
    """ThetaModel's smoothing weight for an adjusted series (as bytes, so that the Theta
    and linear-trend candidates of one fit share a single estimate)."""
    with _quiet():
        alpha = float(ThetaModel(np.frombuffer(recent), deseasonalize=False).fit(use_mle=False).params["alpha"])
    return max(alpha, 1e-6)


def ar_order(y: np.ndarray, max_lag: int) -> int:
    """The AR order with the lowest AIC, every order fitted on the same sample (as
    statsmodels' ar_select_order does), but through one set of normal equations: nested
    models share them, which is ten times cheaper than refitting each order."""
    rows = len(y) - max_lag
    design = np.column_stack([np.ones(rows)] + [y[max_lag - k : len(y) - k] for k in range(1, max_lag + 1)])
    target = y[max_lag:]
    gram, moment = design.T @ design, design.T @ target
    aic = []
    for k in range(1, max_lag + 2):
        coef = np.linalg.lstsq(gram[:k, :k], moment[:k], rcond=None)[0]
        rss = max(float(np.sum((target - design[:, :k] @ coef) ** 2)), 1e-12 * float(target @ target) + 1e-300)
        aic.append(rows * math.log(rss / rows) + 2 * k)
    return int(np.argmin(aic))


def autoregression(periods: tuple[int, ...]) -> Factory:
    """An AR(p) with constant (statsmodels AutoReg, p by AIC) on the adjusted series: the
    model for cycles that no calendar period explains (sunspots, business cycles)."""
    return lambda fit_y: _autoregression(fit_y, periods)


def _autoregression(fit_y: np.ndarray, periods: tuple[int, ...]) -> Predictor:
    adjusted = deseasonalise(fit_y, periods, 0)[0]
    order = ar_order(adjusted, max(1, min(AR_MAX_LAG, len(adjusted) // 10)))
    with _quiet():
        params = AutoReg(adjusted, lags=order, trend="c").fit().params if order else np.array([adjusted.mean()])
    constant, weights = float(params[0]), np.asarray(params[1:], dtype=float)[::-1]

    def predict(y: np.ndarray, h: int) -> np.ndarray:
        adjusted, season = deseasonalise(y, periods, h)
        lags = len(weights)
        path = adjusted[len(adjusted) - lags :].tolist()
        for _ in range(h):
            path.append(constant + float(np.dot(weights, path[len(path) - lags :])))
        return np.asarray(path[lags:]) + season

    return predict


def holt_winters(m: int) -> Factory:
    """Damped-trend Holt-Winters with an additive season of m steps that evolves (statsmodels
    ExponentialSmoothing): for a season that changes shape over the years, which a profile
    averaged over many seasons lags. Parameters and initial states are estimated once on
    the fit data; each origin re-runs the model with them fixed."""
    return lambda fit_y: _holt_winters(fit_y, m)


def _holt_winters(fit_y: np.ndarray, m: int) -> Predictor:
    # phi keeps statsmodels' 0.995 bound here: capped at DAMPING_MAX as well, the development
    # series scored 0.679 against 0.675 (benchmarks/README.md).
    settings = {"trend": "add", "damped_trend": True, "seasonal": "add", "seasonal_periods": m}
    with _quiet():
        fitted = ExponentialSmoothing(fit_y, initialization_method="estimated", **settings).fit(method="SLSQP", use_brute=False)
    p = fitted.params
    known = {"initial_level": p["initial_level"], "initial_trend": p["initial_trend"],
             "initial_seasonal": np.asarray(p["initial_seasons"])}
    weights = {"smoothing_level": p["smoothing_level"], "smoothing_trend": p["smoothing_trend"],
               "smoothing_seasonal": p["smoothing_seasonal"], "damping_trend": p["damping_trend"]}

    def predict(y: np.ndarray, h: int) -> np.ndarray:
        with _quiet():
            model = ExponentialSmoothing(y, initialization_method="known", **known, **settings)
            return np.asarray(model.fit(optimized=False, **weights).forecast(h))

    return predict


def on_logs(factory: Factory) -> Factory:
    """The same model on log(y): growth and seasonal swings become proportional to the
    level, and the forecast can never turn negative (used for strictly positive series)."""

    def wrapped(fit_y: np.ndarray) -> Predictor:
        inner = factory(np.log(fit_y))
        return lambda y, h: np.exp(np.clip(inner(np.log(y), h), -700, 700))

    return wrapped


def candidates(grid: Grid) -> dict[str, Factory]:
    """The candidate set for a series, simplest first (ties go to the simpler model)."""
    periods = active_periods(grid.y, grid.periods)
    tag = f"+season({','.join(map(str, periods))})" if periods else ""
    found: dict[str, Factory] = {"naive": naive}
    for m in grid.periods:
        found[f"seasonal_naive({m})"] = seasonal_naive(m)
    found["drift"] = drift
    found[f"ses{tag}"] = exponential_smoothing(False, periods)
    found[f"ets_damped{tag}"] = exponential_smoothing(True, periods)
    found[f"theta{tag}"] = theta(periods)
    found[f"trend{tag}"] = theta(periods, slope_share=1.0)
    found[f"ar{tag}"] = autoregression(periods)
    # Two seasons or more (a day and a week, a week and a year): for a single season the
    # averaged profile and Holt-Winters serve, and STL there lost most on the worst series.
    if len(periods) >= 2:
        found[f"mstl({','.join(map(str, periods))})"] = exponential_smoothing(True, periods, mstl_split)
    if grid.y.min() > 0:
        found[f"ets_damped[log]{tag}"] = on_logs(exponential_smoothing(True, periods))
    seasonal = [m for m in periods if m <= HOLT_WINTERS_MAX_SEASON]
    if seasonal:
        found[f"holt_winters({seasonal[0]})"] = holt_winters(seasonal[0])
    found["combo"] = _combination([found[name] for name in _combo_parts(found)])
    return found


def _combo_parts(names: Sequence[str]) -> list[str]:
    return [name for name in names if _base(name) in COMBO and "[log]" not in name]


def _base(name: str) -> str:
    """A candidate's family: "ets_damped[log]+season(7)" -> "ets_damped"."""
    return name.split("(")[0].split("+")[0].split("[")[0]


# --- selection and calibration -------------------------------------------------------------


@dataclass(frozen=True)
class Origins:
    """Rolling forecast origins on the history: cutoffs (prefix lengths) and steps scored."""

    cutoffs: tuple[int, ...]
    steps: int


def origins(n: int, horizon: int, min_train: int) -> Origins | None:
    """Up to MAX_ORIGINS cutoffs ending `steps` before the end, spaced up to `steps` apart;
    short histories score fewer steps than the horizon (widths are extrapolated)."""
    steps = min(horizon, (n - min_train) // 2)
    if steps < 1:
        return None
    span = n - min_train - steps
    count = min(MAX_ORIGINS, span + 1)
    gap = min(steps, span // (count - 1)) if count > 1 else 0
    return Origins(tuple(n - steps - k * gap for k in reversed(range(count))), steps)


def predict_at(factory: Factory, y: np.ndarray, at: Origins) -> np.ndarray | None:
    """Forecasts (origins x steps) of one candidate fitted on the earliest prefix only;
    None when the candidate fails, which drops it from the contest."""
    try:
        predictor = factory(y[: at.cutoffs[0]])
        out = np.array([predictor(y[:c], at.steps)[: at.steps] for c in at.cutoffs], dtype=float)
    except CANDIDATE_FAILURES:
        return None
    return out if np.isfinite(out).all() else None


def actuals_at(y: np.ndarray, at: Origins) -> np.ndarray:
    return np.array([y[c : c + at.steps] for c in at.cutoffs])


def conformal_widths(errors: np.ndarray, horizon: int, level: int) -> np.ndarray:
    """Half-widths for steps 1..horizon from backtest errors (origins x steps): errors are
    normalised by h**beta (beta fitted to how their spread grows, 0 = flat, 0.5 = random
    walk, 1 = trend error), pooled, and their conformal `level` quantile scaled back."""
    steps = np.arange(1, errors.shape[1] + 1)
    spread = np.sqrt(np.mean(errors**2, axis=0))
    beta = 0.5
    if len(steps) >= 3 and (spread > 0).all():
        beta = float(np.clip(np.polyfit(np.log(steps), np.log(spread), 1)[0], 0.0, 1.0))
    scores = np.abs(errors / steps**beta).ravel()
    rank = min(1.0, level / 100 * (1 + 1 / len(scores)))
    return float(np.quantile(scores, rank, method="higher")) * np.arange(1, horizon + 1) ** beta


def _calibration_scale(y: np.ndarray) -> Callable[[np.ndarray], np.ndarray]:
    """Errors are measured on logs for strictly positive series (relative errors, so a
    growing series gets proportionally wider intervals), else as they are."""
    if y.min() > 0:
        floor = y.min() * 1e-3
        return lambda v: np.log(np.maximum(v, floor))
    return lambda v: v


@dataclass(frozen=True)
class Choice:
    name: str
    factory: Factory
    errors: np.ndarray  # backtest errors on the calibration scale, origins x steps
    scores: dict[str, float]


def choose(grid: Grid, horizon: int, models: Sequence[str] | None) -> Choice | None:
    """The candidate with the lowest backtest mean absolute error; None when the history
    is too short to test. `models` keeps candidates by full or family name."""
    # Every origin keeps at least half the history: a candidate fitted on a sliver of it
    # (a few weeks of a two-year series) would be judged on a history it never has.
    at = origins(len(grid.y), horizon, max(MIN_TRAIN, 2 * min(grid.periods, default=1), len(grid.y) // 2))
    if at is None:
        return None
    pool = candidates(grid)
    wanted = [name for name in pool if models is None or name in models or _base(name) in models]
    needed = {*wanted, *(_combo_parts(pool) if "combo" in wanted else [])} - {"combo"}
    runs = {name: f for name in pool if name in needed and (f := predict_at(pool[name], grid.y, at)) is not None}
    if "combo" in wanted and all(part in runs for part in _combo_parts(pool)):
        runs["combo"] = np.mean([runs[part] for part in _combo_parts(pool)], axis=0)  # no refits
    scores = {name: float(np.mean(np.abs(runs[name] - actuals_at(grid.y, at)))) for name in wanted if name in runs}
    if not scores:
        return None
    # Scores equal up to rounding (a perfectly predictable series) go to the simplest model.
    tolerance = 1e-9 * float(np.mean(np.abs(grid.y)))
    best = next(name for name, score in scores.items() if score <= min(scores.values()) + tolerance)
    scale = _calibration_scale(grid.y)
    members = _near_equals(scores, best) if scores[best] > tolerance else [best]
    if len(members) > 1:
        best = f"mean({', '.join(members)})"
        pool[best] = _combination([pool[name] for name in members])
        runs[best] = np.mean([runs[name] for name in members], axis=0)  # no refits
        scores[best] = float(np.mean(np.abs(runs[best] - actuals_at(grid.y, at))))
    return Choice(best, pool[best], scale(actuals_at(grid.y, at)) - scale(runs[best]), scores)


def _near_equals(scores: dict[str, float], best: str) -> list[str]:
    """The best candidate and those of the next best whose backtest error is within
    NEAR_EQUAL of it: the backtest picks noisily among near-equals, and their mean is
    rarely far from the best and never the gamble of one; a clear winner stays alone."""
    near = scores[best] * (1 + NEAR_EQUAL)
    ranked = sorted(scores, key=scores.__getitem__)[:TOP_K]
    return [best] + [name for name in ranked if name != best and scores[name] <= near][: TOP_K - 1]


def _combination(factories: list[Factory]) -> Factory:
    def factory(fit_y: np.ndarray) -> Predictor:
        parts = [f(fit_y) for f in factories]
        return lambda y, h: np.mean([p(y, h) for p in parts], axis=0)

    return factory


# --- public API ----------------------------------------------------------------------------


def forecast(
    history: pd.DataFrame,
    horizon: int,
    level: int = 80,
    freq: str | None = None,
    *,
    models: Sequence[str] | None = None,
) -> pd.DataFrame:
    """Forecast `horizon` steps past the end of `history` (columns ds, y).

    Returns columns ds (continuing the grid), mean, lower, upper (interval at `level` %);
    attrs hold "model" (the chosen candidate, or "constant" / "naive" for a flat or too
    short history), "level", "freq" and "scores" (backtest mean absolute error of each
    candidate). `models` keeps only candidates of the named families ("naive",
    "seasonal_naive", "drift", "ses", "ets_damped", "theta", "ar", "mstl", "combo") or full names
    such as "seasonal_naive(24)", e.g. for a benchmark.
    """
    if horizon < 1 or not 0 < level < 100:
        raise ValueError("horizon must be >= 1 and level within (0, 100)")
    grid = to_grid(history, freq)
    if np.ptp(grid.y) == 0:
        mean, widths, name, scores = np.full(horizon, grid.y[-1]), np.zeros(horizon), "constant", {}
    else:
        mean, widths, name, scores = _fit(grid, horizon, level, models)
    return _result(grid, mean, widths, level, name, scores)


def _fit(grid: Grid, horizon: int, level: int, models: Sequence[str] | None) -> tuple[np.ndarray, np.ndarray, str, dict]:
    """The chosen model refitted on the whole history, with conformal widths; too short a
    history falls back to the naive forecast with widths from its one-step changes."""
    choice = choose(grid, horizon, models)
    if choice is not None:
        try:
            mean = np.asarray(choice.factory(grid.y)(grid.y, horizon), dtype=float)
            if np.isfinite(mean).all():
                return mean, conformal_widths(choice.errors, horizon, level), choice.name, choice.scores
        except CANDIDATE_FAILURES:
            pass
    return _naive_fallback(grid, horizon, level)


def _naive_fallback(grid: Grid, horizon: int, level: int) -> tuple[np.ndarray, np.ndarray, str, dict]:
    """Last value, widths from the quantile of one-step changes grown like a random walk."""
    changes = np.abs(np.diff(_calibration_scale(grid.y)(grid.y)))
    spread = float(np.quantile(changes, level / 100)) if len(changes) else 0.0
    return np.full(horizon, grid.y[-1]), spread * np.sqrt(np.arange(1, horizon + 1)), "naive", {}


def _result(grid: Grid, mean: np.ndarray, widths: np.ndarray, level: int, name: str, scores: dict) -> pd.DataFrame:
    """The output frame: widths apply on the log scale for strictly positive series;
    a series that was never negative gets no negative forecast or bound."""
    if grid.y.min() > 0:
        mean = np.maximum(mean, grid.y.min() * 1e-3)
        lower, upper = mean * np.exp(-widths), mean * np.exp(widths)
    else:
        lower, upper = mean - widths, mean + widths
    if grid.y.min() >= 0:
        mean, lower, upper = (np.maximum(v, 0.0) for v in (mean, lower, upper))
    ds = pd.date_range(grid.ds[-1], periods=len(mean) + 1, freq=grid.freq)[1:]
    out = pd.DataFrame({"ds": ds, "mean": mean, "lower": lower, "upper": upper})
    out.attrs.update(model=name, level=level, freq=grid.freq, scores=scores)
    return out


def backtest(
    history: pd.DataFrame,
    horizon: int,
    level: int = 80,
    folds: int = 3,
    *,
    models: Sequence[str] | None = None,
) -> pd.DataFrame:
    """How good the forecast has been: `folds` held-out tails of `horizon` steps, each
    forecast from the history before its cutoff. Columns fold, cutoff (last timestamp
    used), model, mase (scaled by the in-sample seasonal-naive error up to the cutoff),
    smape (%), coverage (share of actuals inside the interval)."""
    ds, y, freq = observed(history)  # the whole history: each fold's forecast applies the cap
    periods = seasonal_periods(freq, len(y))
    m = periods[0] if periods else 1
    frame = pd.DataFrame({"ds": ds, "y": y})
    rows = []
    for fold in range(1, folds + 1):
        cutoff = len(frame) - (folds - fold + 1) * horizon
        train, test = frame.iloc[:cutoff], y[max(cutoff, 0) : cutoff + horizon]
        if cutoff < 2 or np.isnan(test).all():
            continue
        result = forecast(train, horizon, level, freq, models=models)
        rows.append(_fold_row(fold, train, test, result, m))
    return pd.DataFrame(rows, columns=["fold", "cutoff", "model", "mase", "smape", "coverage"])


def backtest_means(folds: pd.DataFrame) -> dict:
    """backtest's folds in one line: the mean mase, smape (%) and coverage (share) over the folds,
    and how many folds there were; the means are None without a fold."""
    if folds.empty:
        return {"mase": None, "smape": None, "coverage": None, "folds": 0}
    return {"mase": float(folds["mase"].mean()), "smape": float(folds["smape"].mean()),
            "coverage": float(folds["coverage"].mean()), "folds": len(folds)}


def _fold_row(fold: int, train: pd.DataFrame, test: np.ndarray, result: pd.DataFrame, m: int) -> dict:
    """Scores of one fold, on the steps that were actually observed."""
    seen = ~np.isnan(test)
    actual = test[seen]
    mean, lower, upper = (result[c].to_numpy()[: len(test)][seen] for c in ("mean", "lower", "upper"))
    return {
        "fold": fold,
        "cutoff": train["ds"].iloc[-1],
        "model": result.attrs["model"],
        "mase": mase(actual, mean, train["y"].to_numpy(), m),
        "smape": smape(actual, mean),
        "coverage": float(((actual >= lower) & (actual <= upper)).mean()),
    }


def mase(actual: np.ndarray, predicted: np.ndarray, insample: np.ndarray, m: int) -> float:
    """Mean absolute error over the in-sample mean absolute seasonal-naive (lag m) error;
    a perfect forecast of a series the naive method also predicts perfectly scores 0."""
    lag = m if len(insample) > m else 1
    changes = np.abs(insample[lag:] - insample[:-lag])  # NaN where a gap breaks a pair
    scale = float(np.nanmean(changes)) if np.isfinite(changes).any() else 0.0
    error = float(np.mean(np.abs(actual - predicted)))
    if scale == 0:
        return 0.0 if error == 0 else math.inf
    return error / scale


def smape(actual: np.ndarray, predicted: np.ndarray) -> float:
    """Symmetric MAPE in percent; a step where both are zero counts as exact."""
    denominator = np.abs(actual) + np.abs(predicted)
    ratio = np.divide(2 * np.abs(actual - predicted), denominator, out=np.zeros(len(actual)), where=denominator > 0)
    return float(np.mean(ratio) * 100)


# --- skill in a planner's words --------------------------------------------------------------


def season_words(freq: str) -> str:
    """What seasonal naive does at this frequency, in a planner's words: it repeats the
    shortest season (a day of hourly data, a week of daily, a year of monthly)."""
    periods = seasonal_periods(freq, 10**9)
    if not periods:
        return _("repeating the last value")
    days = periods[0] * step_days(freq)
    return _("repeating yesterday") if days < 1.5 else _("repeating last week") if days < 10 else \
        _("repeating last year")


def skill_words(relative_mase: float, season_label: str) -> str:
    """A forecast's skill against seasonal naive: a relative MASE of 0.77 reads
    "23 % better than repeating last week", 1.3 reads "30 % worse than ..."."""
    if not math.isfinite(relative_mase) or relative_mase < 0:
        return _("not yet measured against {naive}").format(naive=season_label)
    change = round(100 * (1 - relative_mase))
    if change > 0:
        return _("{pct} % better than {naive}").format(pct=change, naive=season_label)
    if change < 0:
        return _("{pct} % worse than {naive}").format(pct=-change, naive=season_label)
    return _("as good as {naive}").format(naive=season_label)


def skill(history: pd.DataFrame, horizon: int, folds: int = 3) -> tuple[float, str]:
    """The forecaster's relative MASE against seasonal naive over `folds` held-out tails
    (mean MASE of the forecast over that of seasonal naive at the shortest season; NaN
    when the history is too short or seasonal naive is perfect) and the words for it."""
    _stamps, y, freq = observed(history)
    periods = seasonal_periods(freq, len(y))
    baseline = [f"seasonal_naive({periods[0]})"] if periods else ["naive"]
    ours, naive = backtest(history, horizon, folds=folds), backtest(history, horizon, folds=folds, models=baseline)
    scale = float(naive["mase"].mean()) if len(naive) else math.nan
    ratio = float(ours["mase"].mean()) / scale if scale and math.isfinite(scale) else math.nan
    return ratio, skill_words(ratio, season_words(freq))
