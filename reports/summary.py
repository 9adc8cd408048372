"""The review's executive summary: three sentences written from the numbers (how many KPIs are met,
improving and off track; the worst and why; the budget and capacity risk)."""
from __future__ import annotations

import pandas as pd

import models.budget
from analytics.ranking import gap_closed, worst_kpi
from core import i18n
from core.i18n import _

from reports.review import CAPACITY_HORIZON_DAYS, Review

from ui.formatting import delta_words, fmt, signed_usd, value_text


def summary(review: Review) -> list[str]:
    """The three sentences, plain text."""
    return [kpi_sentence(review), worst_sentence(review), risk_sentence(review)]


def kpi_sentence(review: Review) -> str:
    """'In Oct 2026, 0 of 12 KPIs met their target, 2 are improving on their baseline and 10 are off track.'"""
    counts = {s: sum(r.status == s for r in review.kpis) for s in ("met", "improving", "off track", "no data")}
    words = _("In {month}, {met} of {total} KPIs met their target, {improving} are improving on their baseline and "
              "{off_track} are off track ({no_data} without data).") if counts["no data"] else \
        _("In {month}, {met} of {total} KPIs met their target, {improving} are improving on their baseline and "
          "{off_track} are off track.")
    return words.format(month=i18n.date_text(review.month.start, "month"), met=counts["met"], total=len(review.kpis),
                        improving=counts["improving"], off_track=counts["off track"], no_data=counts["no data"])


def worst_sentence(review: Review) -> str:
    """The KPI furthest from its target on the baseline-to-target scale and how far, then the SLA
    furthest behind (the severity and channel grids, which the twelve KPIs do not show)."""
    r = worst_kpi(review.kpis)
    sla = worst_sla(review)
    if r is None:
        return _("Every KPI with data met its target; the SLA furthest behind is {sla}.").format(sla=sla) if sla \
            else _("Every KPI with data met its target.")
    closed = gap_closed(r)
    if closed < 0:
        words = _("Furthest from target is {kpi}: {value} against a target of {target} and a baseline of {baseline} "
                  "({delta}), worse than its baseline; the SLA furthest behind is {sla}.") if sla else \
            _("Furthest from target is {kpi}: {value} against a target of {target} and a baseline of {baseline} "
              "({delta}), worse than its baseline.")
    else:
        words = _("Furthest from target is {kpi}: {value} against a target of {target} and a baseline of {baseline} "
                  "({delta}), {share} of the way from its baseline to its target; the SLA furthest behind is "
                  "{sla}.") if sla else \
            _("Furthest from target is {kpi}: {value} against a target of {target} and a baseline of {baseline} "
              "({delta}), {share} of the way from its baseline to its target.")
    return words.format(kpi=kpi_name(r.label), value=value_text(r, short=False),
                        target=fmt(r.target, r.unit, trim=True), baseline=fmt(r.baseline, r.unit, trim=True),
                        delta=delta_words(r), share=f"{closed:.0%}", sla=sla)


def kpi_name(label: str) -> str:
    """A KPI's label inside a sentence: lower case in English ('uptime'), as the catalogue has it else."""
    translated = _(label)
    return label.lower() if i18n.language() == i18n.ENGLISH else translated


def worst_sla(review: Review) -> str | None:
    """'escalation · high: after 2 h, on time 0.0 % of 3 incidents': the lowest on-time share of
    the month among the severity and channel SLAs that had something to count."""
    rows = pd.concat([review.severity_sla.assign(what="incidents"), review.channel_sla.assign(what="tickets")],
                     ignore_index=True)
    rows = rows[rows["n"] > 0].dropna(subset=["on_time_pct"])
    if rows.empty:
        return None
    row = rows.loc[rows["on_time_pct"].idxmin()]
    words = _("{sla}, on time {pct} of {n} incidents") if row["what"] == "incidents" else \
        _("{sla}, on time {pct} of {n} tickets")
    return words.format(sla=row["target"], pct=fmt(row["on_time_pct"], "%"), n=i18n.number(int(row["n"])))


def risk_sentence(review: Review) -> str:
    """The budget to date and at year end, the lines heading over, and the capacity crossings."""
    t = models.budget.totals(review.budget)
    spent, due, projected, annual = t["actual_usd"], t["budget_to_date_usd"], t["projected_usd"], t["annual_usd"]
    over = list(models.budget.over_budget_lines(review.budget)["label"])  # earliest crossing first
    words = _("Budget: {spent} spent to date against {due} budgeted ({variance}), heading for {projected} at year "
              "end against {annual}, {n} lines heading over ({lines}); capacity: {capacity}.") if over else \
        _("Budget: {spent} spent to date against {due} budgeted ({variance}), heading for {projected} at year end "
          "against {annual}, no line heading over; capacity: {capacity}.")
    return words.format(spent=fmt(spent, "USD"), due=fmt(due, "USD"), variance=signed_usd(spent - due),
                        projected=fmt(projected, "USD"), annual=fmt(annual, "USD"), n=len(over),
                        lines=", ".join(over), capacity=capacity_words(review))


def capacity_words(review: Review) -> str:
    """How many service resources reach the scale-up line within the horizon, and the first."""
    cap, table = review.plan.capacity, review.capacity
    crossing = table[table["days_to_scale_up"].notna()]
    months = round(CAPACITY_HORIZON_DAYS / 30.4)
    if crossing.empty:
        return _("no service reaches the {line} % scale-up line within {months} months").format(
            line=f"{cap.scale_up_pct:g}", months=months)
    above = int((crossing["current_pct"] >= cap.scale_up_pct).sum())
    first = crossing.iloc[0]
    resource = first["resource"]  # English in the table; the catalogue names it
    words = _("{n} of {total} service resources reach the {line} % scale-up line within {months} months under the "
              "plan's growth, {above} already above it; first {service} {resource} on {day}") if above else \
        _("{n} of {total} service resources reach the {line} % scale-up line within {months} months under the "
          "plan's growth; first {service} {resource} on {day}")
    return words.format(n=len(crossing), total=len(table), line=f"{cap.scale_up_pct:g}", months=months, above=above,
                        service=first["service"], resource=_(resource),
                        day=i18n.date_text(pd.Timestamp(first["scale_up_at"]).date()))
