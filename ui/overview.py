"""The Overview's parts: the KPIs worst first (analytics.ranking), each tile against the period
before, and the few facts from the drill-down views that explain the worst.
"""
from __future__ import annotations

from datetime import timedelta
from typing import Callable, Sequence

import pandas as pd
import streamlit as st

from analytics.drilldown import span_label
from analytics.ranking import change, gap_closed, is_better, previous_period, worst_first, worst_kpi, worst_row
from analytics.scorecard import KpiResult
from core import i18n
from core.i18n import _, N_
from core.period import Period, month_start

from ui.cache import query
from ui.events import load_period_rows
from ui.figures import spark
from ui.formatting import fmt, md_escape
from ui.reliability import load_reliability_view
from ui.scorecard import load_scorecard
from ui.state import Filters
from ui.support import load_support_view
from ui.widgets import data_table, definitions_popover, kpi_tile

SCOPE_NOTE = N_("The whole system: the Overview does not apply the sidebar's service, severity and channel "
                "filters (the Reliability, Support and Monitoring pages do).")


def load_previous(period: Period) -> tuple[list[KpiResult], str]:
    """The scorecard of the period of the same length just before, from the same cached loader,
    and its name (short_span)."""
    before = previous_period(period)
    return load_scorecard(before), short_span(before, period)


def short_span(before: Period, period: Period) -> str:
    """A span's name as short as a tile's delta needs: 'May-Jul' when it lies in the year `period`
    ends in, else with its years ('Nov 2025-Jan 2026')."""
    last = period.end - timedelta(days=1)
    label = span_label(before)
    if before.start.year != (before.end - timedelta(days=1)).year or before.start.year != last.year:
        return label
    # the year as the label may write it: in the language's era (Buddhist in Thai), or as a number
    for year in (i18n.date_text(last, "year"), str(last.year)):
        label = label.removesuffix(f" {year}")
    return label


def change_words(delta: float | None, unit: str, label: str) -> str:
    """The tile's delta: '+0.12 pp vs May-Jul 2026'."""
    if delta is None:
        return _("no data to compare in {label}").format(label=label)
    if delta == 0:
        return _("no change vs {label}").format(label=label)
    change_text = f"{'+' if delta > 0 else '-'}{fmt(abs(delta), unit, diff=True)}"
    return _("{change} vs {label}").format(change=change_text, label=label)


def gap_words(r: KpiResult) -> str | None:
    """Where the KPI stands on the ranking's scale, e.g. 'gap closed -74 %' (0 at the baseline,
    100 % at the target); None when it cannot be ranked."""
    closed = gap_closed(r)
    if closed is None:
        return None
    pct = round(closed * 100)
    return _("gap closed {pct} %").format(pct=f"{pct:+d}" if pct else "0")


def ranked_grid(results: Sequence[KpiResult], trend: pd.DataFrame, previous: Sequence[KpiResult], label: str,
                per_row: int = 4, *, period: Period | None = None) -> None:
    """Every tile on one grid, worst first (the share of the baseline-to-target gap closed); a
    row of columns per `per_row` tiles, so that each row's tiles start level. Given the `period`,
    a tile opens the records behind it (tile_records)."""
    before, ranked = {r.kpi: r for r in previous}, worst_first(results)
    for first in range(0, len(ranked), per_row):
        for i, (r, column) in enumerate(zip(ranked[first:first + per_row], st.columns(per_row)), start=first):
            delta, where = change(r, before.get(r.kpi)), gap_words(r)
            with column:
                kpi_tile(r, spark(trend, r.kpi), delta=change_words(delta, r.unit, label),
                         better=None if not delta else is_better(delta, r.op),
                         rank_line=" · ".join(part for part in (f"#{i + 1}", _(r.area), where) if part),
                         records=tile_records(r, period) if period else None)


AREAS_WITH_RECORDS = ("Reliability", "Support", "Cost")  # the areas whose KPIs count rows a reader can open


def period_records(area: str, period: Period) -> tuple[pd.DataFrame, str] | None:
    """The rows behind an area's KPIs over the period, for the whole system as the tiles are, and
    what a row is: the incidents started, the tickets created, or the cost rows (budget line x
    month) of the months it overlaps. None for the Improvement KPIs, which count training,
    certifications, tasks and sessions."""
    if area == "Reliability":
        return load_period_rows("incidents_in_month", period, services=(), severities=()), N_("incidents started")
    if area == "Support":
        return load_period_rows("tickets_in_month", period, channels=()), N_("tickets created")
    if area == "Cost":
        return query("costs_by_line_monthly", start_month=month_start(period.start), end_month=period.end), \
            N_("cost rows (budget line x month)")
    return None


def tile_records(r: KpiResult, period: Period) -> Callable[[], None] | None:
    """What the tile's Records popover draws (widgets.kpi_tile), None where the area has no records."""
    if r.area not in AREAS_WITH_RECORDS:
        return None

    def draw() -> None:
        rows, what = period_records(r.area, period)
        st.markdown(_("**{n} {what}**, {period}: the rows behind {kpi}").format(
            n=i18n.number(len(rows)), what=_(what), period=period.label(), kpi=md_escape(_(r.label))))
        data_table(rows, f"opsplan-{r.kpi}-records-{period.start}-{period.end}.csv", key=f"records_rows_{r.kpi}")
    return draw


def month_fact(r: KpiResult, trend: pd.DataFrame, period: Period) -> str | None:
    """The KPI's worst month in the period, from the trend the tiles draw."""
    months = pd.to_datetime(trend["month"]).dt.date
    rows = trend[(trend["kpi"] == r.kpi) & (months >= period.start) & (months < period.end)]
    worst = worst_row(rows, "value", r.op, n="n")
    return None if worst is None else _("worst month {month}: {value}").format(
        month=i18n.date_text(pd.Timestamp(worst["month"]).date(), "month"), value=fmt(worst["value"], r.unit))


def _of_period(frame: pd.DataFrame) -> pd.DataFrame:
    """The rows of the whole period's span (the last span of a drill-down frame)."""
    return frame[frame["span"] == frame["span"].iloc[-1]] if not frame.empty else frame


def _share_fact(rows: pd.DataFrame) -> str | None:
    """The SLA row on time least often, e.g. 'first response · Email: 4 h on time 23.0 % (n = 1,200)'."""
    worst = worst_row(_of_period(rows), "on_time_pct", ">=", n="n")
    return None if worst is None else _("{target} on time {share} (n = {n})").format(
        target=worst["target"], share=fmt(worst["on_time_pct"], "%"), n=i18n.number(int(worst["n"])))


def area_facts(r: KpiResult, period: Period) -> list[str]:
    """From the drill-down views of the KPI's area: the weakest service, severity or channel."""
    if r.area == "Reliability":
        view = load_reliability_view(period, Filters())
        down = worst_row(_of_period(view.by_service), "down_minutes", "<")
        service = None if down is None or not down["down_minutes"] else (
            _("most downtime: {service}, {minutes}").format(service=down["service_id"],
                                                            minutes=fmt(down["down_minutes"], "min")))
        return [f for f in (service, _share_fact(view.sla_rows)) if f]
    if r.area == "Support":
        fact = _share_fact(load_support_view(period, Filters()).sla_rows)
        return [fact] if fact else []
    return []


def worst_panel(results: Sequence[KpiResult], trend: pd.DataFrame, period: Period) -> None:
    """The worst KPI not met, and the two or three facts that explain it."""
    r = worst_kpi(results)
    if r is None:
        st.success(_("No KPI to rank is short of its target."))
    else:
        facts = [f for f in (month_fact(r, trend, period), *area_facts(r, period)) if f]
        lines = "".join(f"\n- {md_escape(f)}" for f in facts)
        head = _("**Worst: {kpi}** ({gap})").format(kpi=md_escape(_(r.label)), gap=md_escape(gap_words(r) or ""))
        st.warning(head + lines,
                   icon=":material/trending_down:")
    definitions_popover(gap_closed, label=_("How the tiles are ranked"), key="def_ranking")
