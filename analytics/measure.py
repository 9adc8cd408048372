"""What every KPI function returns, the plan's status rule, and shared small helpers."""
from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import date, datetime

import numpy as np
import pandas as pd

from analytics.plan import Kpi

MET, IMPROVING, OFF_TRACK, NO_DATA = "met", "improving", "off track", "no data"


@dataclass(frozen=True)
class Measure:
    """A KPI value (None: no data), the number of events behind it, and a note."""

    value: float | None
    n: int
    note: str = ""
    is_lower_bound: bool = False


def ratio(numerator: float, denominator: float, scale: float = 1.0) -> float | None:
    """numerator / denominator * scale, or None when the denominator is zero (no data)."""
    if not denominator:
        return None
    return numerator / denominator * scale


def compare(value: float, op: str, limit: float) -> bool:
    return {">": value > limit, ">=": value >= limit, "<": value < limit, "<=": value <= limit}[op]


def _snap(value: float, limits: tuple[float, ...]) -> float:
    """A value equal to a limit but for float rounding (a mean of 3.2 h that sums to
    3.1999999999999997) is the limit, so it lands on the same side as the limit itself."""
    return next((limit for limit in limits if math.isclose(value, limit, rel_tol=1e-9, abs_tol=1e-12)), value)


def status(value: float | None, kpi: Kpi, is_lower_bound: bool = False) -> str:
    """Definition: met when on the right side of the target; off track when at or beyond the
    baseline; improving in between. A lower bound that does not yet meet the target says nothing."""
    if value is None or math.isnan(value):
        return NO_DATA
    value = _snap(value, (kpi.target, kpi.baseline))
    if compare(value, kpi.op, kpi.target):
        return MET
    if is_lower_bound:
        return NO_DATA
    at_or_beyond = value <= kpi.baseline if kpi.higher_is_better else value >= kpi.baseline
    return OFF_TRACK if at_or_beyond else IMPROVING


def day_stamps(values: pd.Series) -> np.ndarray:
    """Dates (date objects or naive timestamps) as a datetime64[us] array; NaT compares False."""
    if values.dtype.kind != "M":  # date objects (hand-built frames); loaded ones are datetime64 already
        values = pd.to_datetime(values)
    return values.to_numpy(dtype="datetime64[us]")


def before(values: pd.Series, end: date) -> np.ndarray:
    """True where a date is set and lies before `end` (periods are [start, end))."""
    return day_stamps(values) < np.datetime64(end, "us")


def in_days(frame: pd.DataFrame, start: date, end: date, column: str = "day") -> pd.DataFrame:
    """Rows of a frame whose local date `column` lies in [start, end)."""
    days, lo, hi = day_stamps(frame[column]), np.datetime64(start, "us"), np.datetime64(end, "us")
    if len(days) and not np.isnat(days).any() and (days[1:] >= days[:-1]).all():  # sorted: a slice, no copy
        return frame.iloc[np.searchsorted(days, lo):np.searchsorted(days, hi)]
    return frame[(days >= lo) & (days < hi)]


def epoch_seconds(values: pd.Series) -> pd.Series:
    """Aware timestamps as float seconds since 1970 (NaT -> NaN), for interval arithmetic.
    (Through the int64 ticks: pandas' Timedelta arithmetic costs more than the numbers.)"""
    stamps = values if isinstance(values.dtype, pd.DatetimeTZDtype) else pd.to_datetime(values, utc=True)
    moments = stamps.to_numpy(dtype="datetime64[us]")  # UTC
    ticks = moments.view("int64").astype(float)
    ticks[np.isnat(moments)] = np.nan
    return pd.Series(ticks / 1e6, index=values.index)


def to_epoch(moment: datetime) -> float:
    return moment.timestamp()
