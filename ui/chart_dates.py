"""Date axes in the reader's language. Plotly writes its own tick labels ("Jan 2026") in English and in
Common Era years; a Thai reader gets the pages' own Thai months and Buddhist Era years instead (core.i18n).
Pure: no streamlit here."""
from __future__ import annotations

import math
import re
from datetime import date, timedelta

import numpy as np
import pandas as pd
import plotly.graph_objects as go

from core import i18n
from core.period import add_months, month_start

MAX_TICKS = 8  # a quarter of a 1280 px page holds about eight month labels side by side
MONTH_STEPS = (1, 2, 3, 6, 12)
DAY_STEPS = (1, 2, 7, 14)
_ISO_DAY = re.compile(r"^\d{4}-\d{2}-\d{2}")


def localized(fig: go.Figure) -> go.Figure:
    """`fig` with every date x-axis ticked at whole months (or days, for a span under two months) and
    labelled as the language writes dates; English figures are left to Plotly's own labels."""
    if i18n.language() == i18n.ENGLISH:
        return fig
    for axis, days in _date_axes(fig).items():
        values, labels = ticks(min(days), max(days))
        fig.layout[axis].update(tickmode="array", tickvals=values, ticktext=labels)
    return fig


def ticks(first: date, last: date) -> tuple[list[str], list[str]]:
    """Tick positions (ISO days) and their labels between `first` and `last`: month starts when the span
    is two months or more, with a step that keeps at most MAX_TICKS of them; else days."""
    if (last - first).days >= 60:
        start = first if first.day == 1 else add_months(month_start(first), 1)
        months = (last.year - start.year) * 12 + last.month - start.month + 1
        step = next((s for s in MONTH_STEPS if math.ceil(months / s) <= MAX_TICKS), 12 * math.ceil(months / 12 / MAX_TICKS))
        days = [add_months(start, k) for k in range(0, months, step)]
        return [d.isoformat() for d in days], [i18n.date_text(d, "month") for d in days]
    span = (last - first).days + 1
    step = next((s for s in DAY_STEPS if math.ceil(span / s) <= MAX_TICKS), 28)
    days = [first + timedelta(days=k) for k in range(0, span, step)]
    return [d.isoformat() for d in days], [i18n.date_text(d, "day_short") for d in days]


def _date_axes(fig: go.Figure) -> dict[str, list[date]]:
    """Each x-axis (layout name) whose traces' x values are all dates, with those dates."""
    found: dict[str, list[date]] = {}
    for trace in fig.data:
        x = getattr(trace, "x", None)
        if x is None or len(x) == 0 or getattr(trace, "orientation", None) == "h":
            continue
        days = _as_days(x)
        if days is None:
            continue
        name = "xaxis" + (trace.xaxis or "x")[1:]
        found.setdefault(name, []).extend(days)
    return found


def _as_days(values) -> list[date] | None:
    """The values as days, or None when any is not a date (a category axis, numbers)."""
    array = np.asarray(values)
    if np.issubdtype(array.dtype, np.datetime64):
        return [d.date() for d in pd.to_datetime(array[~pd.isna(array)])]
    if array.dtype != object or not all(isinstance(v, (date, pd.Timestamp)) or
                                        (isinstance(v, str) and _ISO_DAY.match(v)) for v in array):
        return None
    return [pd.Timestamp(v).date() for v in array]
