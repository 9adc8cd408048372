"""Capacity planning: a forecast under a growth scenario, threshold crossings, and the
instances (or storage) needed to stay under the scale-up trigger with the reserve kept.

Inputs are forecast frames in the contract of models.forecast (ds, mean, lower, upper);
nothing here fits a model, so every number can be checked by hand.
"""
from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import pandas as pd

from analytics.plan import Capacity

BANDS = ("mean", "lower", "upper")


@dataclass(frozen=True)
class Growth:
    """Growth applied on top of a statistical forecast (percent; zero means none).

    monthly_pct compounds per month from the forecast's start; feature_pct is a flat uplift
    in resource needs; peak_pct applies inside the peak-season months (1-12).
    """

    monthly_pct: float = 0.0
    feature_pct: float = 0.0
    peak_pct: float = 0.0
    peak_months: tuple[int, ...] = ()


def quarterly_to_monthly_pct(quarterly_pct: float) -> float:
    """The monthly rate that compounds to a quarterly one: (1 + q)^(1/3) - 1."""
    return ((1.0 + quarterly_pct / 100.0) ** (1.0 / 3.0) - 1.0) * 100.0


def multiplier(ds: pd.Series, growth: Growth) -> np.ndarray:
    """The scenario's factor for each forecast timestamp."""
    stamps = pd.to_datetime(ds)
    months = (stamps - stamps.iloc[0]).dt.total_seconds().to_numpy() / (365.25 / 12 * 86400)
    factor = (1.0 + growth.monthly_pct / 100.0) ** months * (1.0 + growth.feature_pct / 100.0)
    peak = stamps.dt.month.isin(growth.peak_months).to_numpy()
    return factor * np.where(peak, 1.0 + growth.peak_pct / 100.0, 1.0)


def apply_growth(forecast: pd.DataFrame, growth: Growth) -> pd.DataFrame:
    """The forecast with every band scaled by the scenario's multiplier."""
    out = forecast.copy()
    m = multiplier(out["ds"], growth)
    for band in BANDS:
        out[band] = out[band] * m
    return out


def first_crossing(frame: pd.DataFrame, column: str, threshold: float) -> pd.Timestamp | None:
    """The first timestamp at which `column` reaches the threshold (None: never in the horizon)."""
    hit = frame.loc[frame[column] >= threshold, "ds"]
    return None if hit.empty else pd.Timestamp(hit.iloc[0])


def crossings(utilisation: pd.DataFrame, cap: Capacity) -> pd.DataFrame:
    """When the forecast mean and its upper bound first cross the monitor, scale-up and 100 %
    lines. Input: a utilisation forecast in percent. Output: threshold_pct, mean_at, upper_at."""
    rows = [{"threshold_pct": t, "mean_at": first_crossing(utilisation, "mean", t),
             "upper_at": first_crossing(utilisation, "upper", t)}
            for t in (cap.monitor_pct, cap.scale_up_pct, 100.0)]
    return pd.DataFrame(rows)


def units_needed(load: float, cap: Capacity) -> int:
    """Units (instances) for a load in unit-equivalents, so that the load plus the reserve stays
    at or under the scale-up trigger: ceil(load (1 + reserve) / scale_up)."""
    if load <= 0:
        return 0
    return math.ceil(round(load * (1 + cap.reserve_pct / 100.0) / (cap.scale_up_pct / 100.0), 9))


def monthly_plan(utilisation: pd.DataFrame, instances: int, cap: Capacity) -> pd.DataFrame:
    """Instances needed per month for a utilisation forecast (percent of today's fleet).

    The month's peak of the forecast's upper bound sets the load (instances x utilisation);
    a month whose mean stays under the scale-down line is a scale-down opportunity.
    Output: month, peak_upper_pct, mean_pct, instances_now, instances_needed, change, scale_down.
    """
    f = utilisation.assign(month=pd.to_datetime(utilisation["ds"]).dt.to_period("M").dt.to_timestamp())
    g = f.groupby("month").agg(peak_upper_pct=("upper", "max"), mean_pct=("mean", "mean")).reset_index()
    g["instances_now"] = instances
    g["instances_needed"] = [units_needed(instances * p / 100.0, cap) for p in g["peak_upper_pct"]]
    g["change"] = g["instances_needed"] - instances
    g["scale_down"] = g["mean_pct"] < cap.scale_down_pct
    return g


def storage_needed_gb(data_gb: float, cap: Capacity) -> float:
    """Storage to provision for a data volume, with the reserve kept under the scale-up line."""
    return data_gb * (1 + cap.reserve_pct / 100.0) / (cap.scale_up_pct / 100.0)


def headroom(rows: list[dict], today: pd.Timestamp) -> pd.DataFrame:
    """Services ranked by time to the scale-up threshold.

    Input: one dict per service and resource with service_id, resource, current_pct and
    scale_up_at (mean crossing, or None). Output sorted soonest first; never-crossing last.
    """
    frame = pd.DataFrame(rows, columns=["service_id", "resource", "current_pct", "scale_up_at"])
    frame["days_to_scale_up"] = [(pd.Timestamp(t) - today).days if t is not None and not pd.isna(t) else None
                                 for t in frame["scale_up_at"]]
    frame["_order"] = frame["days_to_scale_up"].fillna(math.inf)
    return frame.sort_values(["_order", "current_pct"], ascending=[True, False]).drop(columns="_order") \
        .reset_index(drop=True)
