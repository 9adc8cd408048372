"""The scorecard: every KPI of the plan for a period, against target and baseline.

The Overview page and `python -m analytics.scorecard` call the same functions.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import pandas as pd

from analytics.period import Period
from analytics.plan import Plan


@dataclass(frozen=True)
class KpiResult:
    kpi: str             # plan key, e.g. "uptime_pct"
    label: str
    area: str            # Reliability, Support, Cost, Improvement
    value: float | None  # None: no data in the period
    unit: str
    target: float
    baseline: float
    op: str              # the plan's comparison: ">", ">=", "<", "<="
    status: str          # "met", "improving", "off track" or "no data"
    n: int               # events behind the number
    n_label: str         # what n counts, e.g. "failures"
    definition: str      # how the number is counted (kpi-definitions.md)
    note: str = ""       # e.g. "lower bound: no failure in the period"

    def as_json(self) -> dict:
        return {"kpi": self.kpi, "value": self.value, "unit": self.unit, "target": self.target,
                "baseline": self.baseline, "status": self.status, "n": self.n}


def scorecard(con, plan: Plan, period: Period) -> list[KpiResult]:
    """Every KPI of the plan over `period`, in plan order."""
    raise NotImplementedError


def trend(con, plan: Plan, end: date, months: int) -> pd.DataFrame:
    """Monthly KPI values for the `months` full months before `end`.

    Columns: kpi, month (date, first of month), value (float, NaN: no data), n, status.
    """
    raise NotImplementedError
