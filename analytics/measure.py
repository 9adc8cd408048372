"""What every KPI function returns, the plan's status rule, and shared small helpers."""
from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime

import numpy as np
import pandas as pd
from scipy.special import ndtri, stdtrit

from core.i18n import N_
from core.plan import Kpi

# The statuses stay these English words in results and JSON; a reader sees _(status).
MET, IMPROVING, OFF_TRACK, NO_DATA = N_("met"), N_("improving"), N_("off track"), N_("no data")
AT_TARGET, AT_BASELINE = "target", "baseline"  # Judgement.at: the line a value is within noise of
STATUS_CONFIDENCE_PCT = 90.0  # kpi-definitions.md, Status: a mean's 90 % confidence interval


@dataclass(frozen=True)
class Measure:
    """A KPI value (None: no data), the number of events behind it, and a note."""

    value: float | None
    n: int
    note: str = ""
    is_lower_bound: bool = False
    judged: float | None = None  # the value the status judges when it is not `value` (uptime: the worst month)
    interval: tuple[float, float] | None = None  # a mean's 90 % confidence interval (None: not a mean of n)


def ratio(numerator: float, denominator: float, scale: float = 1.0) -> float | None:
    """numerator / denominator * scale, or None when the denominator is zero (no data)."""
    if not denominator:
        return None
    return numerator / denominator * scale


def compare(value: float, op: str, limit: float) -> bool:
    return {">": value > limit, ">=": value >= limit, "<": value < limit, "<=": value <= limit}[op]


@dataclass(frozen=True)
class Judgement:
    """A status, and the line the value is within noise of (AT_TARGET, AT_BASELINE or "")."""

    status: str
    at: str = ""


def _near(value: float, line: float, tolerance: float, interval: tuple[float, float] | None) -> bool:
    """Whether `value` cannot be told from `line`: its interval contains the line, or (without an
    interval) it lies within `tolerance` of it. Equal but for float rounding (a mean of 3.2 h that
    sums to 3.1999999999999997) is always near; a tolerance's own edge is inside (99.91 - 99.9 is
    0.010000000000005 in floats)."""
    if math.isclose(value, line, rel_tol=1e-9, abs_tol=1e-12):
        return True
    if interval is not None:
        return interval[0] <= line <= interval[1]
    return abs(value - line) <= tolerance + 1e-9 * max(1.0, abs(line))


def judge(value: float | None, kpi: Kpi, is_lower_bound: bool = False,
          interval: tuple[float, float] | None = None) -> Judgement:
    """Definition: met when on the right side of the target; off track when at or beyond the
    baseline; improving in between. A difference counts only when it is larger than noise: for a
    mean over n records (`interval`: its 90 % confidence interval) the value is at target or at
    baseline while the interval contains that line; for the others while it lies within the KPI's
    tolerance (plan.toml). At target counts as met, at baseline as off track. When the noise
    covers both lines (a wide interval of few records), the value is at the line nearer to it
    (halfway: at baseline). A lower bound (MTBF with no failure) is met on or near the right side
    of the target, and otherwise says nothing."""
    if value is None or math.isnan(value):
        return Judgement(NO_DATA)
    tolerance = kpi.tolerance
    if is_lower_bound:
        if compare(value, kpi.op, kpi.target):
            return Judgement(MET)
        return Judgement(MET, AT_TARGET) if _near(value, kpi.target, tolerance, None) else Judgement(NO_DATA)
    at_target = _near(value, kpi.target, tolerance, interval)
    at_baseline = _near(value, kpi.baseline, tolerance, interval)
    if at_target and at_baseline:
        at_target = abs(value - kpi.target) < abs(value - kpi.baseline)
    if at_target:
        return Judgement(MET, AT_TARGET)
    if at_baseline:
        return Judgement(OFF_TRACK, AT_BASELINE)
    if compare(value, kpi.op, kpi.target):
        return Judgement(MET)
    beyond = value < kpi.baseline if kpi.higher_is_better else value > kpi.baseline
    return Judgement(OFF_TRACK if beyond else IMPROVING)


def status(value: float | None, kpi: Kpi, is_lower_bound: bool = False,
           interval: tuple[float, float] | None = None) -> str:
    """judge's status alone: "met", "improving", "off track" or "no data"."""
    return judge(value, kpi, is_lower_bound, interval).status


def t_interval(n: float, total: float, squares: float, bounds: tuple[float, float] = (-math.inf, math.inf),
               confidence_pct: float = STATUS_CONFIDENCE_PCT) -> tuple[float, float] | None:
    """Two-sided Student t confidence interval for a mean, from its sufficient statistics: n
    records, their sum and their sum of squares. mean +- t(1 - a/2, n - 1) s / sqrt(n), with s the
    sample standard deviation; clipped to `bounds`, the values the records can take (a 1-5 score,
    hours >= 0). None without records. One record says nothing about the spread: the interval is
    all of `bounds`. Records that all agree (zero variance) give the mean itself, [mean, mean]."""
    if n < 1:
        return None
    if n < 2:
        return bounds
    mean = total / n
    variance = max(0.0, (squares - total * mean) / (n - 1))  # rounding can make a zero spread -1e-15
    half = float(stdtrit(n - 1, 0.5 + confidence_pct / 200.0)) * math.sqrt(variance / n)
    return max(bounds[0], mean - half), min(bounds[1], mean + half)


def wilson_interval(successes: float, n: float, scale: float = 1.0,
                    confidence_pct: float = STATUS_CONFIDENCE_PCT) -> tuple[float, float] | None:
    """Two-sided Wilson score interval for a share of n records (times `scale`: 100 for percent).
    Unlike p +- z sqrt(p(1-p)/n) it stays inside [0, 1], and has a width at p = 0 or 1 and for a
    single record: (p + z^2/2n +- z sqrt(p(1-p)/n + z^2/4n^2)) / (1 + z^2/n). None without records."""
    if n < 1:
        return None
    z = float(ndtri(0.5 + confidence_pct / 200.0))
    p, z2 = successes / n, z * z
    centre = (p + z2 / (2 * n)) / (1 + z2 / n)
    half = z * math.sqrt(p * (1 - p) / n + z2 / (4 * n * n)) / (1 + z2 / n)
    low = 0.0 if successes <= 0 else max(0.0, centre - half)  # exact at the edges: no 99.99999999 %
    high = 1.0 if successes >= n else min(1.0, centre + half)
    return low * scale, high * scale


class Columns:
    """A small table's columns as numpy arrays, each converted on first use and kept, and row
    slices of them (views). A trend asks the same daily and catalogue rows once per month, and
    pandas' per-call costs (a slice, a date conversion, a Series sum) were most of a month's
    time; the KPI functions read a frame or these alike (`frame[column]`, `len`).
    Built from a frame, or from the numpy columns of a query (warehouse.query_arrays): NULLs
    become NaN or NaT, numbers and flags floats, dates datetime64[us], as a frame's would."""

    def __init__(self, frame: pd.DataFrame | Mapping[str, np.ndarray], rows: slice | np.ndarray | None = None,
                 cache: dict[str, np.ndarray] | None = None) -> None:
        self._frame, self._rows = frame, rows
        self._cache = {} if cache is None else cache  # whole columns, shared by every slice
        self._sorted: dict[str, bool] = {}
        self._n = len(frame) if isinstance(frame, pd.DataFrame) else len(next(iter(frame.values()), ()))

    def _whole(self, column: str) -> np.ndarray:
        if column not in self._cache:
            values = self._frame[column]
            converted = _fetched(values) if isinstance(values, np.ndarray) else _framed(values)
            converted.flags.writeable = False  # shared by every session reading the same inputs
            self._cache[column] = converted
        return self._cache[column]

    def __contains__(self, column: str) -> bool:
        return column in (self._frame.columns if isinstance(self._frame, pd.DataFrame) else self._frame)

    def __getitem__(self, column: str) -> np.ndarray:
        whole = self._whole(column)
        return whole if self._rows is None else whole[self._rows]

    def __len__(self) -> int:
        if self._rows is None:
            return self._n
        if isinstance(self._rows, slice):
            return len(range(*self._rows.indices(self._n)))
        return int(np.count_nonzero(self._rows)) if self._rows.dtype == bool else len(self._rows)

    def is_sorted(self, column: str) -> bool:
        """Whether the whole column is set everywhere and ascending (then a span is a slice)."""
        if column not in self._sorted:
            self._sorted[column] = _ascending(self._whole(column))
        return self._sorted[column]

    def rows(self, rows: slice | np.ndarray) -> Columns:
        """These columns at `rows` (a slice or a mask of the whole frame's rows)."""
        if self._rows is not None:
            raise ValueError("Columns.rows takes rows of the whole frame, not of a slice")
        return Columns(self._frame, rows, self._cache)


def _framed(values: pd.Series) -> np.ndarray:
    """A frame's column as Columns keep it."""
    if values.dtype.kind in "Mm" or _holds_dates(values):
        return day_stamps(values)
    if pd.api.types.is_bool_dtype(values) or pd.api.types.is_numeric_dtype(values):
        return values.to_numpy(dtype=float, na_value=np.nan)
    return values.to_numpy(dtype=object)  # ids and labels: Python objects (np.isin on Arrow strings loops in Python)


def _fetched(values: np.ndarray) -> np.ndarray:
    """A fetched numpy column (NULLs masked) as Columns keep it: as `_framed` keeps the frame's."""
    if values.dtype.kind in "Mm":
        return np.ma.filled(values, np.datetime64("NaT")).astype("datetime64[us]")
    if values.dtype.kind in "biuf":
        return np.ma.filled(values.astype(float), np.nan)
    return np.ma.filled(values.astype(object), np.nan)  # a frame's missing label is NaN too


Table = pd.DataFrame | Columns  # what a KPI function reads: a frame, or its columns converted once


def _holds_dates(values: pd.Series) -> bool:
    """Date objects in an object column (hand-built frames; loaded dates are datetime64)."""
    if values.dtype != object:
        return False
    first = values.dropna().head(1)
    return len(first) > 0 and isinstance(first.iloc[0], date)


def day_stamps(values: pd.Series | np.ndarray) -> np.ndarray:
    """Dates (date objects or naive timestamps) as a datetime64[us] array; NaT compares False."""
    if isinstance(values, np.ndarray) and values.dtype == "datetime64[us]":  # from Columns: converted once
        return values
    if values.dtype.kind != "M":  # date objects (hand-built frames); loaded ones are datetime64 already
        values = pd.to_datetime(values)
    return values.to_numpy(dtype="datetime64[us]")


def numbers(values: pd.Series | np.ndarray) -> np.ndarray:
    """Numbers as a float array, a missing one as NaN (from Columns: as they are)."""
    if isinstance(values, np.ndarray) and values.dtype == float:
        return values
    return pd.Series(values).to_numpy(dtype=float, na_value=np.nan)


def total(values: pd.Series | np.ndarray) -> float:
    """The sum of the numbers that are set (a Series' sum: missing ones skipped; none: 0)."""
    return float(np.nansum(numbers(values)))


def count_sums(codes: np.ndarray, values: pd.Series | np.ndarray, size: int) -> np.ndarray:
    """Per code 0..size-1, the sum of a count column (missing: 0) as integers. (bincount: on the
    few hundred rows of a page's spans, a pandas groupby's overhead is most of the time.)"""
    return np.bincount(codes, weights=np.nan_to_num(numbers(values)), minlength=size).round().astype("int64")


def before(values: pd.Series | np.ndarray, end: date) -> np.ndarray:
    """True where a date is set and lies before `end` (periods are [start, end))."""
    return day_stamps(values) < np.datetime64(end, "us")


def in_days(frame: Table, start: date, end: date, column: str = "day") -> Table:
    """Rows of a frame (or of Columns) whose local date `column` lies in [start, end)."""
    lo, hi = np.datetime64(start, "us"), np.datetime64(end, "us")
    if isinstance(frame, Columns):
        days = frame[column]
        if frame.is_sorted(column):
            return frame.rows(slice(np.searchsorted(days, lo), np.searchsorted(days, hi)))
        return frame.rows((days >= lo) & (days < hi))
    days = day_stamps(frame[column])
    if _ascending(days):  # a slice, no copy
        return frame.iloc[np.searchsorted(days, lo):np.searchsorted(days, hi)]
    return frame[(days >= lo) & (days < hi)]


def _ascending(days: np.ndarray) -> bool:
    """Whether every day is set and none comes before the one above it (then a span of days is a
    slice found by two binary searches)."""
    return not np.isnat(days).any() and bool((days[1:] >= days[:-1]).all())


def epoch_array(values: pd.Series) -> np.ndarray:
    """Aware timestamps as float seconds since 1970 (NaT -> NaN), for interval arithmetic.
    (Through the int64 ticks: pandas' Timedelta arithmetic, or to_numpy of aware stamps, costs
    several times the numbers, and a large year's incidents are hundreds of thousands of rows.)"""
    stamps = values if isinstance(values.dtype, pd.DatetimeTZDtype) else pd.to_datetime(values, utc=True)
    if stamps.array.unit == "us":  # as loaded: the ticks as they are
        ticks, missing = stamps.array.asi8 / 1e6, stamps.array.isna()
    else:
        moments = stamps.to_numpy(dtype="datetime64[us]")  # UTC
        ticks, missing = moments.view("int64") / 1e6, np.isnat(moments)
    np.putmask(ticks, missing, np.nan)
    return ticks


def to_epoch(moment: datetime) -> float:
    return moment.timestamp()
