"""What-if tools on top of a scenario: tornado sensitivity, Monte Carlo ranges and goal seek.

Pure functions, no Streamlit. The tornado and the Monte Carlo take an `outcome`: a callable
from a frozen set of drivers to named numbers (for a scenario, `scenario_outcome` gives the
horizon's total cost and its support cost per user). Any frozen dataclass of numbers works, so
each tool can be checked by hand on a tiny linear model.
"""
from __future__ import annotations

import math
from dataclasses import fields, replace
from datetime import date
from typing import Any, Callable, Iterable, Mapping, Sequence

import numpy as np
import pandas as pd

from analytics.measure import compare
from core.i18n import _
from core.period import add_months
from core.plan import Plan
from models import scenario
from models.scenario import Base, Drivers, ScenarioError

Outcome = Callable[[Any], Mapping[str, float]]
Progress = Callable[[int, int], None]
OUTCOMES = ("total_usd", "support_cost_per_user_usd")
MAX_RUNS = 5000  # a bound on work per request; the page offers 200-2000


# --- helpers shared by the tools -------------------------------------------------------------

def numeric_drivers(drivers: Any) -> list[str]:
    """The fields that hold numbers (flags such as staff_to_demand are not moved by a percentage)."""
    return [f.name for f in fields(drivers)
            if isinstance(getattr(drivers, f.name), (int, float)) and not isinstance(getattr(drivers, f.name), bool)]


def moved(value: float, pct: float, limits: tuple[float, float] | None) -> float:
    """`value` moved by `pct` percent, kept inside the driver's allowed range."""
    out = value * (1 + pct / 100)
    if limits is None:
        return out
    return min(max(out, limits[0]), limits[1])


def scenario_outcome(base: Base, plan: Plan, months: int) -> Outcome:
    """Drivers -> the horizon's total cost (USD) and support cost per user (USD a month),
    both as models.scenario.annual defines them (scenario.totals: no frame built); impossible
    drivers raise ScenarioError."""
    def outcome(d: Drivers) -> dict[str, float]:
        totals = scenario.totals(scenario.check(d), base, plan, months)
        return {"total_usd": totals["total_usd"],
                "support_cost_per_user_usd": totals["support_cost_per_user_usd"] or math.nan,
                "understaffed": scenario.understaffed(totals)}
    return outcome


# --- tornado ----------------------------------------------------------------------------------

def tornado(outcome: Outcome, drivers: Any, pct: float = 10.0, names: Iterable[str] | None = None,
            limits: Mapping[str, tuple[float, float]] | None = None) -> pd.DataFrame:
    """Each driver moved down and up by `pct` percent, the others held; with `limits` (such as
    models.scenario.LIMITS; unnamed drivers: 0 and up) a move stops at the allowed range.

    Output, one row per driver and outcome metric, largest swing first within a metric:
    driver, value, low_value, high_value, metric, base, low, high, swing (|high - low|), note.
    A move the model refuses (ScenarioError) leaves low/high empty with the reason in `note`.
    """
    if not 0 < pct <= 100:
        raise ScenarioError(_("the tornado's step must lie in (0, 100] percent, not {pct}").format(pct=f"{pct:g}"))
    at_base = outcome(drivers)
    metrics = [m for m, v in at_base.items() if not isinstance(v, bool)]  # a flag (understaffed) has no swing
    rows = []
    for name in names or numeric_drivers(drivers):
        value = getattr(drivers, name)
        bounds = None if limits is None else limits.get(name, (0.0, math.inf))
        low_value, high_value = moved(value, -pct, bounds), moved(value, pct, bounds)
        low, high, note = _both_sides(outcome, drivers, name, low_value, high_value)
        rows += [{"driver": name, "value": value, "low_value": low_value, "high_value": high_value,
                  "metric": metric, "base": at_base[metric], "low": low.get(metric, math.nan),
                  "high": high.get(metric, math.nan), "note": note} for metric in metrics]
    out = pd.DataFrame(rows)
    out["swing"] = (out["high"] - out["low"]).abs()
    return out.sort_values(["metric", "swing"], ascending=[True, False], kind="stable").reset_index(drop=True)


def _both_sides(outcome: Outcome, drivers: Any, name: str, low_value: float,
                high_value: float) -> tuple[Mapping[str, float], Mapping[str, float], str]:
    try:
        return outcome(replace(drivers, **{name: low_value})), outcome(replace(drivers, **{name: high_value})), ""
    except ScenarioError as exc:  # e.g. reserved + spot share would pass 100 %
        return {}, {}, str(exc)


# --- Monte Carlo ------------------------------------------------------------------------------

def check_ranges(drivers: Any, ranges: Mapping[str, tuple[float, float]],
                 limits: Mapping[str, tuple[float, float]] | None = None) -> None:
    """Refuse a range that is upside down, outside the driver's allowed values, or names no driver."""
    known = set(numeric_drivers(drivers))
    for name, (low, high) in ranges.items():
        if name not in known:
            raise ScenarioError(_("no numeric driver '{name}' to vary").format(name=name))
        if not low <= high:
            raise ScenarioError(_("range of {name}: low {low} is above high {high}").format(
                name=name, low=f"{low:g}", high=f"{high:g}"))
        allowed = (-math.inf, math.inf) if limits is None else limits.get(name, (0.0, math.inf))
        if low < allowed[0] or high > allowed[1]:
            raise ScenarioError(_("range of {name} [{low}, {high}] leaves its allowed values "
                                  "[{lowest}, {highest}]").format(name=name, low=f"{low:g}", high=f"{high:g}",
                                                                   lowest=f"{allowed[0]:g}", highest=f"{allowed[1]:g}"))


def draw(drivers: Any, ranges: Mapping[str, tuple[float, float]], runs: int, seed: int) -> pd.DataFrame:
    """`runs` random draws: one row per run, one column per ranged driver.

    Each driver is drawn on its own from a triangular distribution between its low and high with
    the peak at the scenario's value (moved inside the range); a range of one value stays fixed.
    Drivers are drawn in name order, so a seed always gives the same draws.
    """
    if not 1 <= runs <= MAX_RUNS:
        raise ScenarioError(_("runs must lie between 1 and {most}, not {runs}").format(most=MAX_RUNS, runs=runs))
    rng = np.random.default_rng(seed)
    out = {}
    for name in sorted(ranges):
        low, high = ranges[name]
        peak = min(max(getattr(drivers, name), low), high)
        out[name] = np.full(runs, float(low)) if high == low else rng.triangular(low, peak, high, runs)
    return pd.DataFrame(out, index=pd.RangeIndex(runs, name="run"))


def simulate(outcome: Outcome, drivers: Any, draws: pd.DataFrame, progress: Progress | None = None) -> pd.DataFrame:
    """The outcome of every draw: the draws with one column per outcome metric added."""
    results = []
    for i, row in enumerate(draws.itertuples(index=False)):
        results.append(dict(outcome(replace(drivers, **row._asdict()))))
        if progress:
            progress(i + 1, len(draws))
    return pd.concat([draws, pd.DataFrame(results, index=draws.index)], axis=1)


def monte_carlo(outcome: Outcome, drivers: Any, ranges: Mapping[str, tuple[float, float]], runs: int, seed: int,
                progress: Progress | None = None) -> pd.DataFrame:
    """Draw and simulate in one call (see draw and simulate)."""
    return simulate(outcome, drivers, draw(drivers, ranges, runs, seed), progress)


def percentiles(results: pd.DataFrame, columns: Sequence[str], levels: Sequence[int] = (10, 50, 90)) -> pd.DataFrame:
    """P10 / P50 / P90 (and the mean) of each result column.

    Output: metric, p10, p50, p90, mean (the p-columns follow `levels`); numpy's linear rule.
    """
    rows = []
    for column in columns:
        values = results[column].to_numpy(dtype=float)
        row = {"metric": column, **{f"p{q}": float(np.percentile(values, q)) for q in levels}}
        rows.append({**row, "mean": float(values.mean())})
    return pd.DataFrame(rows)


def chance(results: pd.DataFrame, column: str, op: str, limit: float, staffed: bool = False) -> float:
    """The share of runs (0-1) whose `column` is on the right side of `limit`, e.g. total < budget;
    `staffed`: counting only runs that pay the support FTE Erlang C needs (column understaffed)."""
    right = np.array([compare(v, op, limit) for v in results[column]], dtype=bool)
    if staffed:
        right &= ~results["understaffed"].to_numpy(dtype=bool)
    return float(right.mean())


# The Monte Carlo's default uncertainty, in percent either side of the scenario's value (a
# modelling assumption, editable on the page): growth rates +/- 40 %, tickets per user and handling
# times 25 %, salaries 10 % (set by contract), the compute rate and any driver not named 20 %. Only
# the named drivers are ticked to vary at first.
DEFAULT_SPREAD_PCT = {"user_growth_pct_per_quarter": 40.0, "tickets_per_user_month": 25.0, "aht_email_min": 25.0,
                      "aht_live_chat_min": 25.0, "support_cost_per_fte_usd": 10.0,
                      "cloud_usd_per_instance_month": 20.0, "data_growth_pct_per_month": 40.0}
OTHER_SPREAD_PCT = 20.0


def default_ranges(drivers: Any, limits: Mapping[str, tuple[float, float]] | None = None) -> pd.DataFrame:
    """The Monte Carlo's starting ranges: every numeric driver moved down and up by its default
    spread (DEFAULT_SPREAD_PCT, else OTHER_SPREAD_PCT), kept inside its limits (unnamed: 0 and up).
    Output: driver, vary (one of DEFAULT_SPREAD_PCT's), value, low, high."""
    rows = []
    for name in numeric_drivers(drivers):
        value = float(getattr(drivers, name))
        spread = DEFAULT_SPREAD_PCT.get(name, OTHER_SPREAD_PCT)
        bounds = (0.0, math.inf) if limits is None else limits.get(name, (0.0, math.inf))
        rows.append({"driver": name, "vary": name in DEFAULT_SPREAD_PCT, "value": value,
                     "low": moved(value, -spread, bounds), "high": moved(value, spread, bounds)})
    return pd.DataFrame(rows, columns=["driver", "vary", "value", "low", "high"])


# --- goal seek --------------------------------------------------------------------------------

def bisect(f: Callable[[float], float], target: float, low: float, high: float, *, rel_tol: float = 1e-7,
           max_iter: int = 200, geometric: bool = False) -> float | None:
    """The x in [low, high] with f(x) = target, for f monotone on the interval; None when f does
    not cross the target there. geometric: halve on a log scale (for ranges over many decades)."""
    f_low, f_high = f(low) - target, f(high) - target
    if f_low == 0:
        return low
    if f_high == 0:
        return high
    if (f_low > 0) == (f_high > 0):
        return None
    for _ in range(max_iter):
        mid = math.sqrt(low * high) if geometric else (low + high) / 2
        f_mid = f(mid) - target
        if f_mid == 0 or high - low <= rel_tol * max(abs(high), 1e-12):
            return mid
        low, high, f_low = (mid, high, f_mid) if (f_mid > 0) == (f_low > 0) else (low, mid, f_low)
    return (low + high) / 2


def month_cost_per_user(d: Drivers, base: Base, plan: Plan, month: date, users: float) -> float:
    """Support cost per user of one month at `users` active users, with the scenario's staffing
    and unit costs (tickets, and Erlang FTE when staffing to demand, follow the users)."""
    one = replace(base, start=month, active_users=users)
    frame = scenario.evaluate(replace(d, user_growth_pct_per_quarter=0.0), one, plan, 1)
    return float(frame["support_cost_per_user_usd"].iloc[0])


def users_for_target(d: Drivers, base: Base, plan: Plan, month: date, target: float,
                     highest: float = 1e8) -> float | None:
    """The active-user count at which support cost per user equals `target` in `month`
    (more users spread the support team wider); None when no count up to `highest` reaches it."""
    return bisect(lambda u: month_cost_per_user(d, base, plan, month, u), target, 1.0, highest, geometric=True)


def support_fte_for_target(d: Drivers, base: Base, plan: Plan, month: date, users: float, target: float,
                           highest: float = 1000.0) -> float | None:
    """The paid support headcount (FTE, the plan's team rather than Erlang's) at which support cost
    per user equals `target` in `month` at `users` active users."""
    paid = replace(d, staff_to_demand=False)
    return bisect(lambda fte: month_cost_per_user(replace(paid, support_fte_plan=fte), base, plan, month, users),
                  target, 0.0, highest)


def cost_per_user_curve(d: Drivers, base: Base, plan: Plan, month: date, users: Sequence[float]) -> pd.DataFrame:
    """Support cost per user at each user count in `month` (for the goal-seek chart).

    Output: active_users, support_cost_per_user_usd.
    """
    return pd.DataFrame({"active_users": list(users),
                         "support_cost_per_user_usd": [month_cost_per_user(d, base, plan, month, u) for u in users]})


def horizon_months(base: Base, months: int) -> list[date]:
    """The first days of the horizon's months (for choosing a goal-seek month)."""
    return [add_months(base.start, t) for t in range(months)]


def goal_seek(d: Drivers, base: Base, plan: Plan, months: int, month: date) -> dict:
    """Goal seek on support cost per user in `month` of the scenario: the month's users, cost per
    user, FTE paid and FTE Erlang C needs; the active users that bring the cost to the plan's target
    at the scenario's staffing (users_needed) and the first month the scenario has that many
    (users_reached_in; None: not within the horizon); the paid FTE that does at the month's users
    (fte_for_target); and the target. None where no value up to the search's bound reaches it."""
    target = plan.kpi("support_cost_per_user_usd").target
    frame = scenario.evaluate(d, base, plan, months)
    row = frame[frame["month"] == month].iloc[0]
    users = users_for_target(d, base, plan, month, target)
    reached = None if users is None else scenario.first_month(frame.assign(hit=frame["active_users"] >= users), "hit")
    return {"month": month, "users": float(row["active_users"]),
            "cost_per_user": float(row["support_cost_per_user_usd"]), "fte_paid": float(row["support_fte"]),
            "fte_needed": float(row["support_fte_needed"]),
            "users_needed": users, "users_reached_in": reached,
            "fte_for_target": support_fte_for_target(d, base, plan, month, float(row["active_users"]), target),
            "target": target}
