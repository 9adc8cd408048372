"""The statsforecast peers on the benchmark's corpus, run in their own virtualenv.

Run by benchmarks/forecast_real.py with the peers' python (statsforecast needs pandas < 3,
which the app does not pin):

    python3 -m venv benchmarks/peers/.venv
    benchmarks/peers/.venv/bin/pip install -r benchmarks/peers/requirements.txt
    benchmarks/peers/.venv/bin/python benchmarks/peers/run_peers.py FOLDER

FOLDER holds series.csv (unique_id, y in grid order) and tasks.csv (unique_id, cutoff,
h, seasons "7;365", window: every model sees that many latest points before the cutoff,
arima_window: AutoARIMA sees only that many, none when negative); this writes forecasts.csv (unique_id, cutoff, model,
step, mean, lo, hi, seconds) with 80 % intervals. A model that fails on a task is skipped
and written to failures.csv.
"""
from __future__ import annotations

import signal
import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd
from statsforecast.models import MSTL, AutoARIMA, AutoETS, AutoTheta

LEVEL = 80
FIT_LIMIT_S = 180  # a fit that takes longer is stopped and reported as a failure


def _timeout(signum, frame):
    raise TimeoutError(f"no forecast within {FIT_LIMIT_S} s")


def models(seasons: list[int], n: int) -> dict:
    """Single-season models get the shortest season (ETS and Theta take at most 24 in
    practice beyond which they drop it); MSTL gets every season with two cycles of data."""
    m = seasons[0] if seasons else 1
    usable = [s for s in seasons if 2 * s <= n] or [1]
    return {
        "AutoETS": AutoETS(season_length=m),
        "AutoARIMA": AutoARIMA(season_length=m),
        "AutoTheta": AutoTheta(season_length=m),
        "MSTL": MSTL(season_length=usable, trend_forecaster=AutoETS(model="ZZN")),
    }


def main(folder: Path) -> None:
    series = pd.read_csv(folder / "series.csv")
    values = {uid: group["y"].to_numpy(dtype=float) for uid, group in series.groupby("unique_id", sort=False)}
    tasks = pd.read_csv(folder / "tasks.csv", dtype={"seasons": str})
    done = _done(folder)
    for task in tasks.itertuples():
        if (task.unique_id, task.cutoff) in done:
            continue
        rows, failures = [], []
        seasons = [int(s) for s in str(task.seasons).split(";") if s and s != "nan"]
        train = values[task.unique_id][: task.cutoff][-int(task.window):]
        for name, model in models(seasons, len(train)).items():
            if name == "AutoARIMA" and task.arima_window < 0:
                failures.append({"unique_id": task.unique_id, "cutoff": task.cutoff, "model": name, "error": "not run: too slow"})
                continue
            window = train[-int(task.arima_window):] if name == "AutoARIMA" and task.arima_window > 0 else train
            started = time.perf_counter()
            signal.alarm(FIT_LIMIT_S)
            try:
                out = model.forecast(y=window, h=int(task.h), level=[LEVEL])
            except Exception as error:  # a peer's failure is reported, not fatal
                failures.append({"unique_id": task.unique_id, "cutoff": task.cutoff, "model": name, "error": repr(error)[:200]})
                continue
            finally:
                signal.alarm(0)
            seconds = time.perf_counter() - started
            for step in range(int(task.h)):
                rows.append({
                    "unique_id": task.unique_id, "cutoff": task.cutoff, "model": name, "step": step,
                    "mean": float(out["mean"][step]), "lo": float(out[f"lo-{LEVEL}"][step]),
                    "hi": float(out[f"hi-{LEVEL}"][step]), "seconds": seconds,
                })
        # Written task by task, so that a stopped run resumes where it stopped.
        _append(folder / "forecasts.csv", pd.DataFrame(rows, columns=FORECAST_COLUMNS))
        _append(folder / "failures.csv", pd.DataFrame(failures, columns=["unique_id", "cutoff", "model", "error"]))
        _append(folder / "done.csv", pd.DataFrame([{"unique_id": task.unique_id, "cutoff": task.cutoff}]))
        print(f"{task.unique_id} @ {task.cutoff} done", file=sys.stderr, flush=True)


FORECAST_COLUMNS = ["unique_id", "cutoff", "model", "step", "mean", "lo", "hi", "seconds"]


def _append(path: Path, frame: pd.DataFrame) -> None:
    frame.to_csv(path, mode="a", header=not path.exists(), index=False)


def _done(folder: Path) -> set[tuple[str, int]]:
    path = folder / "done.csv"
    if not path.exists():
        return set()
    return {(row.unique_id, int(row.cutoff)) for row in pd.read_csv(path).itertuples()}


if __name__ == "__main__":
    np.seterr(all="ignore")
    signal.signal(signal.SIGALRM, _timeout)
    main(Path(sys.argv[1]))
