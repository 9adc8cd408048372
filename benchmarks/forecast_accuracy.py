"""Forecast accuracy benchmark: the automatic forecaster against seasonal naive.

Run: python benchmarks/forecast_accuracy.py [--folds 4]

Each series is cut at several rolling origins; every held-out tail of `horizon` steps is
forecast from the history before it only (models.forecast.backtest). Per series the table
shows the chosen model (at the last origin), mean MASE, MASE relative to seasonal naive at
the primary period, 80 % interval coverage and the mean time of one forecast() call
(model selection included; fit_s is wall-clock time, cpu_s the process's CPU time, which
a busy machine inflates less). Series: real data that statsmodels ships (no network),
realistic synthetic operations series, and the demo warehouse when data/demo.py exists.
Targets: geometric-mean relative MASE < 0.9, mean coverage 72-88 %, fit < 0.5 s for a
two-year daily series.
"""
from __future__ import annotations

import argparse
import math
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # run as a script from anywhere

from models.forecast import backtest, infer_freq, seasonal_periods  # noqa: E402

LEVEL = 80
HORIZON = {"min": 288, "h": 168, "D": 28, "W": 13, "M": 12, "Q": 8, "Y": 6}  # a day, a week, four weeks, ...


@dataclass(frozen=True)
class Series:
    name: str
    source: str
    frame: pd.DataFrame  # columns ds, y


def horizon_for(freq: str) -> int:
    """The planning horizon for a frequency: a day of 5-minute data, a week of hourly, ..."""
    code = "".join(c for c in freq.split("-")[0] if c.isalpha())
    key = {"MS": "M", "ME": "M", "QS": "Q", "QE": "Q", "YS": "Y", "YE": "Y", "B": "D"}.get(code, code)
    if key == "min":
        minutes = int("".join(c for c in freq if c.isdigit()) or 1)
        return 24 * 60 // minutes
    return HORIZON.get(key, 12)


def real_series() -> list[Series]:
    """Public data sets that statsmodels ships inside its package (no download)."""
    from statsmodels import datasets

    co2 = datasets.co2.load_pandas().data["co2"]  # weekly, with missing weeks left as gaps
    elnino = datasets.elnino.load_pandas().data.set_index("YEAR").stack()
    macro = datasets.macrodata.load_pandas().data
    year, quarter = macro["year"].astype(int), macro["quarter"].astype(int)
    quarters = pd.PeriodIndex.from_fields(year=year, quarter=quarter, freq="Q").to_timestamp()
    sun = datasets.sunspots.load_pandas().data
    nile = datasets.nile.load_pandas().data

    def frame(ds: pd.Index | pd.Series, y: pd.Series) -> pd.DataFrame:
        return pd.DataFrame({"ds": pd.to_datetime(np.asarray(ds)), "y": np.asarray(y, dtype=float)}).dropna()

    return [
        Series("co2", "statsmodels", frame(co2.index, co2)),
        Series("elnino_sst", "statsmodels", frame(pd.date_range("1950-01-01", periods=len(elnino), freq="MS"), elnino)),
        Series("us_real_gdp", "statsmodels", frame(quarters, macro["realgdp"])),
        Series("us_unemployment", "statsmodels", frame(quarters, macro["unemp"])),
        Series("sunspots", "statsmodels", frame(pd.to_datetime(sun["YEAR"].astype(int).astype(str)), sun["SUNACTIVITY"])),
        Series("nile_flow", "statsmodels", frame(pd.to_datetime(nile["year"].astype(int).astype(str)), nile["volume"])),
    ]


def synthetic_series(seed: int = 7) -> list[Series]:
    """Operations-shaped series with growth, calendar seasonality and realistic noise."""
    rng = np.random.default_rng(seed)
    days = pd.date_range("2024-01-01", periods=730, freq="D")
    t = np.arange(730)
    weekday = np.where(days.day_of_week >= 5, 0.72, 1.0)
    yearly = 1 + 0.06 * np.cos(2 * np.pi * (days.day_of_year - 15) / 365.25)
    users = 5000 * 1.4 ** (t / 365) * weekday * yearly * rng.lognormal(0, 0.03, 730)
    storage = 800 + np.cumsum(rng.gamma(2.0, 0.6, 730)) - 40 * (t % 180 == 179)  # TB, with clean-ups

    hours = pd.date_range("2024-01-01", periods=17_000, freq="h")
    daily = 1 + 0.6 * np.sin(2 * np.pi * (hours.hour - 8) / 24)
    weekly = np.where(hours.day_of_week >= 5, 0.65, 1.0)
    traffic = 120 * 1.3 ** (np.arange(17_000) / 8760) * daily * weekly * rng.lognormal(0, 0.08, 17_000)

    fives = pd.date_range("2026-03-02", periods=21 * 288, freq="5min")
    minute = fives.hour * 60 + fives.minute
    cpu = np.clip(35 + 20 * np.sin(2 * np.pi * (minute - 480) / 1440) + rng.normal(0, 4, len(fives)), 0, 100)

    months = pd.date_range("2020-01-01", periods=72, freq="MS")
    season = 1 + 0.15 * np.cos(2 * np.pi * (months.month - 1) / 12)
    tickets = rng.poisson(300 * 1.1 ** (np.arange(72) / 12) * season).astype(float)
    incidents = rng.poisson(1.5 * np.where(days.day_of_week >= 5, 0.6, 1.0)).astype(float)

    def frame(ds: pd.DatetimeIndex, y: np.ndarray) -> pd.DataFrame:
        return pd.DataFrame({"ds": ds, "y": y})

    return [
        Series("users_daily", "synthetic", frame(days, users)),
        Series("storage_tb_daily", "synthetic", frame(days, storage)),
        Series("incidents_daily", "synthetic", frame(days, incidents)),
        Series("traffic_hourly", "synthetic", frame(hours, traffic)),
        Series("cpu_5min", "synthetic", frame(fives, cpu)),
        Series("tickets_monthly", "synthetic", frame(months, tickets)),
    ]


DEMO_QUERIES = {
    "demo_users_daily": "select day as ds, daily_active_users as y from active_users_daily order by 1",
    "demo_traffic_hourly": "select hour_at as ds, sum(requests_per_s) as y from utilisation_hourly group by 1 order by 1",
    "demo_cpu_hourly": "select hour_at as ds, avg(cpu_pct) as y from utilisation_hourly group by 1 order by 1",
    "demo_tickets_daily": "select cast(created_at as date) as ds, count(*) as y from tickets group by 1 order by 1",
}


def demo_series() -> list[Series]:
    """The demo warehouse's demand series, when the generator is there (else none)."""
    try:
        import duckdb

        from data.demo import build_demo_file
    except ImportError:
        return []
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "demo.duckdb"
        build_demo_file(path, seed=42)
        con = duckdb.connect(str(path), read_only=True)
        try:
            frames = {name: con.execute(sql).df() for name, sql in DEMO_QUERIES.items()}
        finally:
            con.close()
    return [Series(name, "demo", _naive_times(f)) for name, f in frames.items() if len(f) >= 30]


def _naive_times(frame: pd.DataFrame) -> pd.DataFrame:
    """Aware timestamps as naive UTC, so every series is on the same footing."""
    ds = pd.to_datetime(frame["ds"])
    if ds.dt.tz is not None:
        ds = ds.dt.tz_convert("UTC").dt.tz_localize(None)
    return pd.DataFrame({"ds": ds, "y": frame["y"].astype(float)})


def evaluate(series: Series, folds: int) -> dict:
    """Rolling-origin scores of the forecaster and of seasonal naive on one series."""
    freq = infer_freq(series.frame["ds"])
    horizon = horizon_for(freq)
    periods = seasonal_periods(freq, len(series.frame))
    baseline = f"seasonal_naive({periods[0]})" if periods else "naive"
    started, cpu = time.perf_counter(), time.process_time()
    auto = backtest(series.frame, horizon, LEVEL, folds)
    calls = max(len(auto), 1)
    seconds, cpu_seconds = (time.perf_counter() - started) / calls, (time.process_time() - cpu) / calls
    naive = backtest(series.frame, horizon, LEVEL, folds, models=[baseline])
    return {
        "series": series.name, "source": series.source, "freq": freq, "n": len(series.frame), "h": horizon,
        "model": auto["model"].iloc[-1], "mase": auto["mase"].mean(), "baseline": baseline,
        "naive_mase": naive["mase"].mean(), "rel_mase": auto["mase"].mean() / naive["mase"].mean(),
        "coverage": auto["coverage"].mean(), "fit_s": seconds, "cpu_s": cpu_seconds,
    }


def report(rows: list[dict]) -> str:
    table = pd.DataFrame(rows)
    shown = table[["series", "freq", "n", "h", "model", "mase", "naive_mase", "rel_mase", "coverage", "fit_s", "cpu_s"]]
    text = shown.to_string(index=False, formatters={
        "mase": "{:.3f}".format, "naive_mase": "{:.3f}".format, "rel_mase": "{:.3f}".format,
        "coverage": lambda v: f"{v:.0%}", "fit_s": "{:.3f}".format, "cpu_s": "{:.3f}".format,
    })
    geo = math.exp(np.mean(np.log(table["rel_mase"])))
    daily_2y = table[(table["freq"] == "D") & table["n"].between(600, 800)]
    summary = (
        f"\ngeometric-mean relative MASE {geo:.3f} (target < 0.9) | "
        f"mean {LEVEL} % coverage {table['coverage'].mean():.1%} (target 72-88 %) | "
        f"max fit time per 2-year daily series {daily_2y['fit_s'].max():.3f} s wall, "
        f"{daily_2y['cpu_s'].max():.3f} s CPU (target < 0.5 s)"
    )
    return text + summary


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--folds", type=int, default=4, help="rolling origins per series")
    args = parser.parse_args()
    series = real_series() + synthetic_series() + demo_series()
    rows = [evaluate(s, args.folds) for s in series]
    print(report(rows))


if __name__ == "__main__":
    main()
