"""Support KPIs from daily sufficient statistics (sums and counts per local day).

The counts are formed in SQL (data/sql/*_daily.sql) so that no raw ticket rows leave the
warehouse; the formula for each KPI lives here, once.
"""
from __future__ import annotations

import math

import pandas as pd

from analytics.measure import Measure, Table, count_sums, ratio, t_interval, total, wilson_interval
from core import i18n
from core.i18n import _

SCORES = (1.0, 5.0)  # the survey's scale: a mean's interval never leaves it
HOURS = (0.0, math.inf)


def _total(daily: Table, column: str) -> float:
    return total(daily[column]) if len(daily) else 0.0


def _mean_interval(daily: Table, n: float, column: str, bounds: tuple[float, float]) -> tuple[float, float] | None:
    """measure.t_interval of the mean of `column` from its sum and its sum of squares (`<column>
    with _sum replaced by _sq_sum`); None when the rows carry no sum of squares (hand-made rows)."""
    squares = column.replace("_sum", "_sq_sum")
    if squares not in daily:
        return None
    return t_interval(n, _total(daily, column), _total(daily, squares), bounds)


def csat(survey_daily: Table) -> Measure:
    """Support satisfaction on a 1-5 scale.

    Definition: mean post-interaction survey score (1-5) of responses submitted in the period;
    the note gives the share of 4-5 scores. It is at target or at baseline while its 90 %
    confidence interval (Student t, from n, the mean and the sample standard deviation, kept
    inside 1-5) contains that line.
    Input: one row per day with n_responses, score_sum, score_sq_sum, n_top2
    (data/sql/survey_daily.sql).
    """
    n = _total(survey_daily, "n_responses")
    top2 = ratio(_total(survey_daily, "n_top2"), n, 100.0)
    note = "" if top2 is None else _("{pct} % scored 4-5").format(pct=i18n.number(top2))
    return Measure(ratio(_total(survey_daily, "score_sum"), n), int(n), note,
                   interval=_mean_interval(survey_daily, n, "score_sum", SCORES))


def first_response_hours(first_response_daily: Table) -> Measure:
    """High-priority first response time, in hours.

    Definition: mean of first_response_at - created_at for high-priority tickets (settings
    high_priority: critical and high) created in the period and answered. It is at target or at
    baseline while its 90 % confidence interval (Student t, from n, the mean and the sample
    standard deviation) contains that line.
    Input: one row per creation day (and channel) with n_responded, response_hours_sum,
    response_hours_sq_sum.
    """
    n = _total(first_response_daily, "n_responded")
    return Measure(ratio(_total(first_response_daily, "response_hours_sum"), n), int(n),
                   interval=_mean_interval(first_response_daily, n, "response_hours_sum", HOURS))


def fcr_pct(resolution_daily: Table) -> Measure:
    """First-contact resolution, in percent.

    Definition: share of tickets resolved in the period that were resolved with no
    escalation and not reopened. It is at target or at baseline while its 90 % confidence
    interval (Wilson score interval for a share of n tickets) contains that line.
    Input: one row per resolution day (and channel) with n_resolved, n_first_contact.
    """
    n = _total(resolution_daily, "n_resolved")
    first_contact = _total(resolution_daily, "n_first_contact")
    return Measure(ratio(first_contact, n, 100.0), int(n), interval=wilson_interval(first_contact, n, 100.0))


def kb_self_service_pct(self_service_daily: Table) -> Measure:
    """Knowledge-base (self-service) effectiveness, in percent.

    Definition: share of support issues resolved through self-service with no agent ticket.
    Issues are self-service sessions started in the period plus agent tickets created in the
    period that no session led to (a session that became a ticket is one issue, not two).
    It is at target or at baseline while within its tolerance of that line (plan.toml).
    Input: one row per day with n_sessions, n_self_resolved, n_direct_tickets.
    """
    issues = _total(self_service_daily, "n_sessions") + _total(self_service_daily, "n_direct_tickets")
    return Measure(ratio(_total(self_service_daily, "n_self_resolved"), issues, 100.0), int(issues))


def channel_sla(channel_daily: pd.DataFrame) -> pd.DataFrame:
    """First-response and resolution compliance per channel, in percent.

    Definition: of tickets created in the period, the share first answered within the
    channel's target (live chat 2 min, email 4 h, phone immediate = setting, default 60 s;
    no answer is a breach), and of those the plan gives a resolution target (live chat 30 min
    for simple issues, email 24 h) the share resolved within it.
    Input: one row per day and channel (data/sql/channel_sla_daily.sql).
    Output: one row per channel: channel, n_tickets, response_pct, n_resolution_applicable,
    resolution_pct (None where no target applies).
    """
    return pd.DataFrame(channel_sla_rows(channel_daily),
                        columns=["channel", "n_tickets", "response_pct", "n_resolution_applicable", "resolution_pct"])


def channel_sla_rows(channel_daily: pd.DataFrame) -> list[dict]:
    """channel_sla's rows as dicts (a page's grid of many spans builds one frame of them all).
    Channels sorted by name."""
    codes, channels = pd.factorize(channel_daily["channel"], sort=True)
    sums = {c: count_sums(codes, channel_daily[c], len(channels))
            for c in ("n_tickets", "n_response_within", "n_resolution_applicable", "n_resolution_within")}
    return [{"channel": channel, "n_tickets": int(sums["n_tickets"][k]),
             "response_pct": ratio(sums["n_response_within"][k], sums["n_tickets"][k], 100.0),
             "n_resolution_applicable": int(sums["n_resolution_applicable"][k]),
             "resolution_pct": ratio(sums["n_resolution_within"][k], sums["n_resolution_applicable"][k], 100.0)}
            for k, channel in enumerate(channels)]


def csat_interval(survey_daily: Table, z: float = 1.96) -> tuple[float, float] | None:
    """A normal-approximation interval for the mean score: mean +- z s / sqrt(n), with s the
    sample standard deviation. A mean of 12 answers is not a mean of 1,200. None below 2 answers.
    Input: rows with n_responses, score_sum, score_sq_sum."""
    n = _total(survey_daily, "n_responses")
    if n < 2:
        return None
    total, squares = _total(survey_daily, "score_sum"), _total(survey_daily, "score_sq_sum")
    mean = total / n
    variance = max(0.0, (squares - n * mean * mean) / (n - 1))
    half = z * (variance / n) ** 0.5
    return mean - half, mean + half
