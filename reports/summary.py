"""The review's executive summary: three sentences written from the numbers (how many KPIs are met,
improving and off track; the worst and why; the budget and capacity risk)."""
from __future__ import annotations

import pandas as pd

import models.budget
from analytics.ranking import gap_closed, worst_kpi

from reports.review import CAPACITY_HORIZON_DAYS, Review

from ui.formatting import delta_words, fmt, month_text, signed_usd, value_text


def summary(review: Review) -> list[str]:
    """The three sentences, plain text."""
    return [kpi_sentence(review), worst_sentence(review), risk_sentence(review)]


def kpi_sentence(review: Review) -> str:
    """'In Oct 2026, 0 of 12 KPIs met their target, 2 are improving on their baseline and 10 are off track.'"""
    counts = {s: sum(r.status == s for r in review.kpis) for s in ("met", "improving", "off track", "no data")}
    tail = f" ({counts['no data']} without data)" if counts["no data"] else ""
    return (f"In {month_text(review.month.start)}, {counts['met']} of {len(review.kpis)} KPIs met their target, "
            f"{counts['improving']} are improving on their baseline and {counts['off track']} are off track{tail}.")


def worst_sentence(review: Review) -> str:
    """The KPI furthest from its target on the baseline-to-target scale and how far, then the SLA
    furthest behind (the severity and channel grids, which the twelve KPIs do not show)."""
    r = worst_kpi(review.kpis)
    if r is None:
        head = "Every KPI with data met its target"
    else:
        closed = gap_closed(r)
        way = ("worse than its baseline" if closed < 0 else
               f"{closed:.0%} of the way from its baseline to its target")
        head = (f"Furthest from target is {r.label.lower()}: {value_text(r, short=False)} against a target of "
                f"{fmt(r.target, r.unit, trim=True)} and a baseline of {fmt(r.baseline, r.unit, trim=True)} "
                f"({delta_words(r)}), {way}")
    sla = worst_sla(review)
    return head + (f"; the SLA furthest behind is {sla}." if sla else ".")


def worst_sla(review: Review) -> str | None:
    """'escalation · high: after 2 h, on time 0.0 % of 3 incidents': the lowest on-time share of
    the month among the severity and channel SLAs that had something to count."""
    rows = pd.concat([review.severity_sla.assign(what="incidents"), review.channel_sla.assign(what="tickets")],
                     ignore_index=True)
    rows = rows[rows["n"] > 0].dropna(subset=["on_time_pct"])
    if rows.empty:
        return None
    row = rows.loc[rows["on_time_pct"].idxmin()]
    return f"{row['target']}, on time {fmt(row['on_time_pct'], '%')} of {int(row['n']):,} {row['what']}"


def risk_sentence(review: Review) -> str:
    """The budget to date and at year end, the lines heading over, and the capacity crossings."""
    t = models.budget.totals(review.budget)
    spent, due, projected, annual = t["actual_usd"], t["budget_to_date_usd"], t["projected_usd"], t["annual_usd"]
    over = list(models.budget.over_budget_lines(review.budget)["label"])  # earliest crossing first
    over_text = f", {len(over)} lines heading over ({', '.join(over)})" if over else ", no line heading over"
    return (f"Budget: {fmt(spent, 'USD')} spent to date against {fmt(due, 'USD')} budgeted "
            f"({signed_usd(spent - due)}), heading for {fmt(projected, 'USD')} at year end against "
            f"{fmt(annual, 'USD')}{over_text}; capacity: {capacity_words(review)}.")


def capacity_words(review: Review) -> str:
    """How many service resources reach the scale-up line within the horizon, and the first."""
    cap, table = review.plan.capacity, review.capacity
    crossing = table[table["days_to_scale_up"].notna()]
    months = round(CAPACITY_HORIZON_DAYS / 30.4)
    if crossing.empty:
        return f"no service reaches the {cap.scale_up_pct:g} % scale-up line within {months} months"
    above = int((crossing["current_pct"] >= cap.scale_up_pct).sum())
    first = crossing.iloc[0]
    already = f", {above} already above it" if above else ""
    return (f"{len(crossing)} of {len(table)} service resources reach the {cap.scale_up_pct:g} % scale-up line "
            f"within {months} months under the plan's growth{already}; first {first['service']} "
            f"{first['resource']} on {pd.Timestamp(first['scale_up_at']):%d %b %Y}")
