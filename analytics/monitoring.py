"""Monitoring: hours beyond the plan's thresholds, and business alerts by day.

Threshold hours are counted in SQL (data/sql/threshold_hours_monthly.sql) from the bound
lists of data/params.py; business alerts are derived from one row per day (business_daily.sql).
"""
from __future__ import annotations

import pandas as pd

from analytics.measure import compare
from core.plan import Plan, Threshold


def _threshold(plan: Plan, group: str, metric: str) -> Threshold:
    return next(t for t in plan.thresholds if t.group == group and t.metric == metric)


def business_alerts(daily: pd.DataFrame, csat_daily: pd.DataFrame, plan: Plan) -> pd.DataFrame:
    """Days that break a business or security threshold of the plan.

    Definition: revenue more than 20 % below, or conversion (orders / visits) more than 15 %
    below, the mean of the `business_average_days` days before; order processing p95 over 1 h;
    the day's mean survey score under 4.0; failed logins over 100 in the day's peak hour; any
    suspicious event. Daily figures cannot repeat within the 5-minute duplicate window.
    Input: one row per day (business_daily.sql) and survey_daily.sql rows.
    Output: one row per alert: day, alert, value, threshold.
    """
    d = daily.sort_values("day").reset_index(drop=True)
    window = plan.settings.business_average_days
    conversion = d["orders"] / d["visits"].where(d["visits"] > 0)
    checks = [
        ("daily_revenue_pct_below_avg", "business", _pct_below(d["revenue_usd"], window)),
        ("conversion_pct_below_avg", "business", _pct_below(conversion, window)),
        ("order_processing_minutes", "business", d["order_processing_minutes_p95"]),
        ("failed_logins_per_hour", "security", d["failed_logins_peak_hour"]),
        ("suspicious_activity", "security", d["suspicious_events"]),
    ]
    frames = [_breaches(d["day"], values, _threshold(plan, group, metric)) for metric, group, values in checks]
    csat = csat_daily[csat_daily["n_responses"] > 0]
    frames.append(_breaches(csat["day"], csat["score_sum"] / csat["n_responses"],
                            _threshold(plan, "business", "customer_satisfaction")))
    out = pd.concat(frames, ignore_index=True)
    return out.sort_values(["day", "alert"]).reset_index(drop=True)


def _pct_below(values: pd.Series, window: int) -> pd.Series:
    """How far each value lies below the mean of the `window` values before it, in percent."""
    before = values.shift(1).rolling(window, min_periods=window).mean()
    return (before - values) / before * 100.0


def _breaches(days: pd.Series, values: pd.Series, t: Threshold) -> pd.DataFrame:
    hit = values.notna() & values.map(lambda v: pd.notna(v) and compare(float(v), t.op, t.value)).astype(bool)
    return pd.DataFrame({"day": days[hit].to_numpy(), "alert": t.metric, "value": values[hit].to_numpy(),
                         "threshold": f"{t.op} {t.value:g}"})
