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


LEVELS = ("critical", "warning", "info")  # the plan's alert levels of sampled thresholds, most urgent first


def level_counts(totals: pd.DataFrame, thresholds: list[Threshold]) -> pd.DataFrame:
    """Per alert level of the plan: its thresholds, how many were broken at all, and the hours
    beyond them, so that a headline can count warning and critical apart from info.

    Definition: for each level, the service-hours beyond a threshold of that level (summed over
    services and metrics) and the thresholds of that level broken in at least one hour.
    Input: drilldown.threshold_totals rows (service_id, metric, level, hours_beyond, ...) and the
    plan's sampled thresholds.
    Output: one row per level (critical, warning, info; others after): level, n_thresholds,
    n_breached, hours_beyond."""
    levels = list(LEVELS) + sorted({t.level for t in thresholds} - set(LEVELS))
    rows = []
    for level in levels:
        mine = totals[totals["level"] == level]
        rows.append({"level": level, "n_thresholds": sum(t.level == level for t in thresholds),
                     "n_breached": int(mine.loc[mine["hours_beyond"] > 0, "metric"].nunique()),
                     "hours_beyond": float(mine["hours_beyond"].sum())})
    return pd.DataFrame(rows)


def active_breaches(flags: pd.DataFrame, thresholds: list[Threshold]) -> pd.DataFrame:
    """The thresholds broken now: at the last hour of data, each service and metric whose sample
    is beyond its threshold, with the hour its unbroken run of breaches began.

    Definition: "now" is the latest sample hour of any service; a service and metric is active
    when its sample of that hour is beyond the plan's threshold; since is the first hour of the
    run of consecutive hours beyond that ends there (a missing hour ends a run).
    Input: threshold_flags_recent.sql rows (service_id, hour_at, metric, metric_value, op,
    limit_value, is_beyond), hours of the recent window.
    Output: one row per active breach, critical first, then the longest: service_id, metric,
    level, value, threshold, since, hours."""
    columns = ["service_id", "metric", "level", "value", "threshold", "since", "hours"]
    if flags.empty:
        return pd.DataFrame(columns=columns)
    now, hour = flags["hour_at"].max(), pd.Timedelta(hours=1)
    levels = {t.metric: t.level for t in thresholds}
    rows = []
    for (service_id, metric), g in flags.sort_values("hour_at").groupby(["service_id", "metric"], sort=False):
        last = g.iloc[-1]
        if last["hour_at"] != now or not last["is_beyond"]:
            continue
        since = now
        for at, beyond in zip(g["hour_at"].iloc[::-1], g["is_beyond"].iloc[::-1]):
            if not beyond or at != since:
                break
            since = at - hour
        since += hour
        rows.append({"service_id": service_id, "metric": metric, "level": levels.get(metric, ""),
                     "value": float(last["metric_value"]), "threshold": f"{last['op']} {last['limit_value']:g}",
                     "since": since, "hours": int((now - since) / hour) + 1})
    out = pd.DataFrame(rows, columns=columns)
    urgency = out["level"].map({level: i for i, level in enumerate(LEVELS)}).fillna(len(LEVELS))
    return out.assign(_u=urgency).sort_values(["_u", "hours", "service_id"], ascending=[True, False, True],
                                              kind="stable").drop(columns="_u").reset_index(drop=True)
