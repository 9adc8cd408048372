"""Scenario benchmark: what the Scenarios page's what-ifs cost (models.scenario, models.whatif).

Run: python benchmarks/scenario.py [--repeat 5] [--runs 500,2000]

The scenario model needs no warehouse: it starts from a Base, here the demo warehouse's own
(seed 42, measured on 2026-11-26) and the plan's base drivers. Each row is a median of --repeat
calls (Erlang C look-ups are cached across calls, as in the app's process). Beside the app's
path, the same numbers through the frame: annual(evaluate(...)), which Monte Carlo and the
tornado used per scenario before the column code, checked equal first; the ratio is frame / app.
"""
from __future__ import annotations

import argparse
import math
import platform
import statistics
import sys
import time
from collections.abc import Callable
from datetime import date
from pathlib import Path

import pandas as pd

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # run as a script from anywhere

from core.plan import load_plan  # noqa: E402
from models import scenario, whatif  # noqa: E402

DEMO_BASE = scenario.Base(start=date(2026, 11, 1), active_users=2039.0, tickets_per_user_month=0.4729,
                          channel_share=(0.4812, 0.3619, 0.1569), revenue_per_user_month_usd=31.0,
                          instances=41.0, data_gb=604.5, cpu_pct=51.3)
RANGES = {"user_growth_pct_per_quarter": 0.4, "tickets_per_user_month": 0.25, "aht_email_min": 0.25,
          "aht_live_chat_min": 0.25, "support_cost_per_fte_usd": 0.1, "cloud_usd_per_instance_month": 0.2,
          "data_growth_pct_per_month": 0.4}  # the page's default spreads, as shares of the value


def _median(fn: Callable[[], object], repeat: int) -> float:
    fn()  # once first: Erlang look-ups cached, as in a running app
    times = []
    for _ in range(repeat):
        t = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t)
    return statistics.median(times)


def frame_outcome(base: scenario.Base, plan, months: int) -> whatif.Outcome:
    """whatif.scenario_outcome as it was: a frame per scenario, then its totals."""
    def outcome(d: scenario.Drivers) -> dict[str, float]:
        totals = scenario.annual(scenario.evaluate(scenario.check(d), base, plan, months), plan)
        return {"total_usd": totals["total_usd"],
                "support_cost_per_user_usd": totals["support_cost_per_user_usd"] or math.nan,
                "understaffed": scenario.understaffed(totals)}
    return outcome


def measure(repeat: int, runs: list[int], months: int = 12) -> pd.DataFrame:
    """One row per operation: seconds through the app's path and through frames, and the ratio."""
    plan = load_plan()
    d = scenario.base_drivers(plan, DEMO_BASE)
    fast, slow = whatif.scenario_outcome(DEMO_BASE, plan, months), frame_outcome(DEMO_BASE, plan, months)
    ranges = {n: (getattr(d, n) * (1 - s), getattr(d, n) * (1 + s)) for n, s in RANGES.items()}
    if not (whatif.monte_carlo(fast, d, ranges, 50, 1).equals(whatif.monte_carlo(slow, d, ranges, 50, 1))
            and whatif.tornado(fast, d).equals(whatif.tornado(slow, d))):
        raise SystemExit("the two paths disagree: nothing timed")
    month = whatif.horizon_months(DEMO_BASE, months)[6]
    rows = [("evaluate (the page's frame)", lambda: scenario.evaluate(d, DEMO_BASE, plan, months), None),
            ("one scenario's totals", lambda: fast(d), lambda: slow(d)),
            ("tornado, every driver down and up 10 %", lambda: whatif.tornado(fast, d),
             lambda: whatif.tornado(slow, d)),
            *((f"Monte Carlo, {n:,} runs", lambda n=n: whatif.monte_carlo(fast, d, ranges, n, 42),
               lambda n=n: whatif.monte_carlo(slow, d, ranges, n, 42)) for n in runs),
            ("goal seek: users and FTE for the target", lambda: (
                whatif.users_for_target(d, DEMO_BASE, plan, month, plan.kpi("support_cost_per_user_usd").target),
                whatif.support_fte_for_target(d, DEMO_BASE, plan, month, 2500.0,
                                              plan.kpi("support_cost_per_user_usd").target)), None)]
    out = []
    for name, app, frames in rows:
        app_s = _median(app, repeat)
        frame_s = _median(frames, max(1, repeat // 2)) if frames else math.nan
        out.append({"operation": name, "app_s": app_s, "frames_s": frame_s, "frames/app": frame_s / app_s})
    return pd.DataFrame(out).set_index("operation")


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--repeat", type=int, default=5, help="calls per measurement; medians are shown")
    ap.add_argument("--runs", default="500,2000", help="Monte Carlo run counts, comma-separated")
    args = ap.parse_args(argv)
    table = measure(args.repeat, [int(n) for n in args.runs.split(",")])
    print(f"{platform.processor() or platform.machine()}, Python {platform.python_version()}, pandas {pd.__version__}")
    print(table.to_string(float_format=lambda v: f"{v:.4f}", na_rep="-"))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
