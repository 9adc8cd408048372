"""The review as one self-contained HTML document: real tables (text, selectable, whole), print CSS
that breaks pages between sections, plotly.js inline once (no network when it opens), fonts from the
machine (Thai from fonts-thai-tlwg; no font CDN)."""
from __future__ import annotations

import html
import math
from datetime import datetime, timedelta
from typing import Iterable, Sequence

import pandas as pd
import plotly.graph_objects as go

import models.budget
from analytics.ranking import gap_closed, is_better
from core.period import Period, add_months

from reports.review import CAPACITY_HORIZON_DAYS, Review
from reports.summary import summary

from ui.formatting import fmt, month_text, signed_usd, target_text, value_text
from ui.palette import LINE_COLOURS, SPENT_COLOUR, STATUS_TINTS

# Latin first, then the Thai faces Debian installs (fonts-thai-tlwg; Noto from fonts-noto-core),
# then whatever the machine has: Chromium picks per character, so Thai service names render.
FONTS = ('"DejaVu Sans", "Liberation Sans", Arial, "Noto Sans", "Noto Sans Thai", Loma, Garuda, Waree, '
         'Umpush, sans-serif')
CHART_WIDTH = 680  # px: an A4 page's width inside its margins, so a chart prints as drawn
CSS = f"""
body {{ font-family: {FONTS}; font-size: 10.5pt; color: #1d2733; margin: 24px auto; max-width: 760px; }}
h1 {{ font-size: 18pt; margin: 0 0 4px; }}
h2 {{ font-size: 13pt; margin: 20px 0 6px; border-bottom: 1px solid #c9d3da; padding-bottom: 2px; }}
p.sub {{ color: #5f6368; margin: 0 0 10px; }}
table {{ border-collapse: collapse; width: 100%; margin: 6px 0 10px; font-size: 9pt; }}
th, td {{ border: 1px solid #d5dbe0; padding: 3px 5px; text-align: left; vertical-align: top; }}
th {{ background: #eef2f5; }}
td.num {{ text-align: right; white-space: nowrap; }}
small {{ color: #5f6368; }}
.status {{ white-space: nowrap; }}
ol.summary li {{ margin-bottom: 4px; }}
table, tr, figure, .chart, ol.summary, .keep {{ break-inside: avoid; page-break-inside: avoid; }}
h2 {{ break-after: avoid; page-break-after: avoid; }}
thead {{ display: table-header-group; }}
figure {{ margin: 0; }}
@page {{ size: A4; margin: 14mm 12mm; }}
@media print {{ body {{ margin: 0; max-width: none; }} a {{ color: inherit; text-decoration: none; }} }}
"""


def render(review: Review, built_at: datetime, db_label: str) -> str:
    """The whole document."""
    title = f"Monthly review: {review.month.start:%B %Y}"
    parts = [_head(review, title), _summary(review), _kpis(review), _services(review), _slas(review),
             _adherence(review), _budget(review), _capacity(review), _built_on(review, built_at, db_label)]
    return (f'<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8">'
            f'<meta name="viewport" content="width=device-width, initial-scale=1">'
            f"<title>{_e(review.plan.name)}: {_e(title)}</title><style>{CSS}</style></head>"
            f"<body>{''.join(parts)}</body></html>")


def _e(text: object) -> str:
    return html.escape(str(text))


def table(headers: Sequence[str], rows: Iterable[Sequence[str]], numeric: Sequence[int] = ()) -> str:
    """A table of already-escaped cells; `numeric`: the columns aligned right."""
    head = "".join(f"<th>{_e(h)}</th>" for h in headers)
    body = "".join("<tr>" + "".join(f'<td class="num">{c}</td>' if i in numeric else f"<td>{c}</td>"
                                    for i, c in enumerate(row)) + "</tr>" for row in rows)
    return f"<table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"


def status_cell(status: str) -> str:
    tint = STATUS_TINTS.get(status, "#e6e9ec")
    return f'<span class="status" style="background:{tint};padding:0 4px">{_e(status)}</span>'


def _section(title: str, *body: str) -> str:
    return f"<section><h2>{_e(title)}</h2>{''.join(body)}</section>"


def _head(review: Review, title: str) -> str:
    through = "no data" if review.through is None else f"{review.through:%d %b %Y}"
    return (f"<header><h1>{_e(title)}</h1><p class='sub'>{_e(review.plan.name)} · {_e(review.month.label())} · "
            f"data through {_e(through)}</p></header>")


def _summary(review: Review) -> str:
    items = "".join(f"<li>{_e(s)}</li>" for s in summary(review))
    return _section("Summary", f"<ol class='summary'>{items}</ol>")


def change_text(now: float | None, before: float | None, unit: str, op: str) -> str:
    """The change from the previous month, signed in the KPI's unit, and whether it is for the better."""
    if now is None or before is None or math.isnan(now) or math.isnan(before):
        return "n/a"
    change = now - before
    if change == 0:
        return "no change"
    better = is_better(change, op)
    sign = "+" if change > 0 else ""
    return f"{sign}{fmt(change, unit, diff=True)} ({'better' if better else 'worse'})"


def _kpis(review: Review) -> str:
    before = {r.kpi: r for r in review.previous}
    rows = []
    for r in review.kpis:
        p = before.get(r.kpi)
        previous = p.value if p else None
        rows.append([_e(r.area), _e(r.label), _e(value_text(r)), _e(target_text(r)),
                     _e(fmt(previous, r.unit, short=True) if p else "no data"),
                     _e(change_text(r.value, previous, r.unit, r.op)), status_cell(r.status), _e(f"{r.n:,}")])
    note = (f"<p class='sub'>Change: against {month_text(review.month.start - timedelta(days=1))}. "
            "Values as on the Overview's tiles and equal to <code>python -m analytics.scorecard</code> for the "
            "month.</p>")
    return _section("Every KPI against target and baseline",
                    table(["area", "KPI", "value", "target and baseline", "previous month", "change", "status", "n"],
                          rows, numeric=(2, 4, 5, 7)), note, _chart(progress_chart(review), first=True))


def progress_chart(review: Review) -> go.Figure:
    """Each KPI's share of the way from baseline (0 %) to target (100 %): one scale for every unit."""
    ranked = sorted(((gap_closed(r), r) for r in review.kpis if gap_closed(r) is not None), key=lambda gr: gr[0])
    shown = [max(min(g, 2.0), -2.0) * 100 for g, _ in ranked]  # the axis stops at -200 % and 200 %
    fig = go.Figure(go.Bar(x=shown, y=[r.label for _, r in ranked], orientation="h",
                           marker_color=[STATUS_TINTS.get(r.status, "#e6e9ec") for _, r in ranked],
                           marker_line_color="#5f6368", marker_line_width=0.5,
                           text=[f"{g:.0%}" for g, _ in ranked], textposition="outside", cliponaxis=False))
    room = [min(min(shown, default=0.0), 0.0) - 30, max(max(shown, default=0.0), 100.0) + 20]  # the labels' room
    for x, colour, name in ((0, LINE_COLOURS["baseline"], "baseline"), (100, LINE_COLOURS["target"], "target")):
        fig.add_vline(x=x, line_color=colour, line_dash="dash", annotation_text=name, annotation_position="top")
    fig.update_layout(title="How far each KPI has come from its baseline to its target", width=CHART_WIDTH,
                      height=90 + 26 * len(ranked), margin={"l": 10, "r": 40, "t": 60, "b": 40},
                      xaxis={"title": {"text": "share of the way from baseline to target (%)"}, "ticksuffix": " %",
                             "range": room},
                      yaxis={"automargin": True, "autorange": "reversed"},  # the worst on top
                      plot_bgcolor="white", showlegend=False)
    return fig


def _chart(fig: go.Figure, first: bool = False) -> str:
    """A figure as HTML; plotly.js goes inline with the first one only."""
    body = fig.to_html(full_html=False, include_plotlyjs=True if first else False,
                       config={"displayModeBar": False, "responsive": False})
    return f"<figure class='chart'>{body}</figure>"


def _services(review: Review) -> str:
    rows = [[_e(s.service), _e(fmt(s.uptime_pct, "%")), status_cell(s.status), _e(fmt(s.down_minutes, "min")),
             _e(f"{int(s.n_outages):,}")] for s in review.services.itertuples()]
    return _section(f"Worst services: lowest uptime in {month_text(review.month.start)}",
                    table(["service", "uptime", "status", "unplanned downtime", "outages"], rows, numeric=(1, 3, 4)))


def sla_cell(pct: float, n: int) -> str:
    return "none to count" if not n or pd.isna(pct) else f"{fmt(pct, '%')} <small>n = {int(n):,}</small>"


def _slas(review: Review) -> str:
    severity = [[_e(r.target), sla_cell(r.on_time_pct, r.n)] for r in review.severity_sla.itertuples()]
    channel = [[_e(r.target), sla_cell(r.on_time_pct, r.n)] for r in review.channel_sla.itertuples()]
    return _section("SLA grids: share on time",
                    _kept("By severity (incidents detected in the month)",
                          table(["measure · severity: plan target", "on time"], severity, numeric=(1,))),
                    _kept("By channel (tickets opened in the month)",
                          table(["measure · channel: plan target", "on time"], channel, numeric=(1,))))


def _kept(caption: str, body: str) -> str:
    """A caption and the table under it on one page."""
    return f"<div class='keep'><p class='sub'>{_e(caption)}</p>{body}</div>"


def _adherence(review: Review) -> str:
    out = review.promises
    if out is None:
        return _section("Plan adherence", "<p>The plan file has no schedules to check.</p>")
    missed = [p for p in out["promises"] if p["status"] == "missed"]
    rows = [[_e(p["area"]), _e(p["promise"]), _e(p["plan"]), _e(p["happened"]), _e(since_text(p["since"]))]
            for p in missed]
    no_data = sum(p["status"] == "no data" for p in out["promises"])
    head = (f"<p><b>{out['promises_kept']} of {out['promises_judged']} plan promises kept</b>"
            f"{f', {no_data} without data' if no_data else ''}; "
            f"{len(missed)} missed{':' if missed else '.'}</p>")
    return _section("Plan adherence: promises kept", head,
                    table(["area", "promise", "plan says", "happened", "missed since"], rows) if rows else "")


def since_text(since: str | None) -> str:
    """'2026-10-01T13:02:39+07:00' -> '01 Oct 2026 13:02' (the plan's local time); a day stays a day."""
    if not since:
        return ""
    return f"{pd.Timestamp(since):%d %b %Y}" if len(since) == 10 else f"{pd.Timestamp(since):%d %b %Y %H:%M}"


def _budget(review: Review) -> str:
    b = review.budget
    totals = models.budget.totals(b)
    rows = [[_e(r.label), _e(fmt(r.annual_usd, "USD")), _e(fmt(r.actual_usd, "USD")),
             _e(fmt(r.budget_to_date_usd, "USD")), _e(signed_usd(r.variance_usd)), _e(fmt(r.projected_usd, "USD")),
             _e(signed_usd(r.projected_variance_usd)),
             _e(month_text(r.crosses_in) if r.is_heading_over else "")] for r in b.itertuples()]
    rows.append([f"<b>{_e(label)}</b>" for label in
                 ("Total", fmt(totals["annual_usd"], "USD"), fmt(totals["actual_usd"], "USD"),
                  fmt(totals["budget_to_date_usd"], "USD"), signed_usd(totals["variance_usd"]),
                  fmt(totals["projected_usd"], "USD"), signed_usd(totals["projected_variance_usd"]), "")])
    year = review.budget_year
    actuals = month_text(add_months(year.open_from, -1)) if year.months_closed else "no month yet"
    head = (f"<p class='sub'>Plan year {Period(year.start, year.end).label()}: actuals through {actuals}; the rest "
            "of the year at each line's run rate (mean of its last 3 full months), as on the Budget page.</p>")
    return _section("Budget to date and year-end projection", head, table(
        ["line", "annual", "spent to date", "budget to date", "variance", "projected year end", "vs annual",
         "heading over from"], rows, numeric=(1, 2, 3, 4, 5, 6)), _chart(budget_chart(b)))


def budget_chart(b: pd.DataFrame) -> go.Figure:
    """Spent to date against budget to date per line."""
    fig = go.Figure([go.Bar(name="budget to date", x=b["label"], y=b["budget_to_date_usd"], marker_color="#c9d3da"),
                     go.Bar(name="spent to date", x=b["label"], y=b["actual_usd"], marker_color=SPENT_COLOUR)])
    fig.update_layout(title="Spent to date against budget to date, per line", barmode="group", width=CHART_WIDTH,
                      height=360, margin={"l": 10, "r": 10, "t": 80, "b": 10}, plot_bgcolor="white",
                      yaxis={"tickprefix": "$", "tickformat": ",.0f", "automargin": True},
                      xaxis={"automargin": True}, legend={"orientation": "h", "y": 1.0, "yanchor": "bottom", "x": 0})
    return fig


def _capacity(review: Review) -> str:
    cap, t = review.plan.capacity, review.capacity
    crossing = t[t["days_to_scale_up"].notna()]
    rows = [[_e(r.service), _e(r.resource), _e(fmt(r.current_pct, "%")),
             _e(f"{pd.Timestamp(r.scale_up_at):%d %b %Y}"),
             _e("already above" if r.current_pct >= cap.scale_up_pct else f"{int(r.days_to_scale_up):,}")]
            for r in crossing.itertuples()]
    months = round(CAPACITY_HORIZON_DAYS / 30.4)
    head = (f"<p class='sub'>Service resources whose forecast mean reaches the {cap.scale_up_pct:g} % scale-up line "
            f"within {months} months of {review.month.end - timedelta(days=1):%d %b %Y}, under the plan's growth "
            f"(users +{cap.user_growth_pct_per_quarter:g} % a quarter, data +{cap.data_growth_pct_per_month:g} % a "
            f"month, features +{cap.feature_complexity_pct:g} %, peak season +{cap.peak_traffic_growth_pct:g} %), "
            f"as the Capacity page draws it. {len(crossing)} of {len(t)} cross.</p>")
    return _section("Capacity risks in the horizon", head,
                    table(["service", "resource", "now (mean of last 7 days)", "reaches scale-up on", "days"], rows,
                          numeric=(2, 4)) if rows else "<p>None.</p>")


def _built_on(review: Review, built_at: datetime, db_label: str) -> str:
    sources = "".join(f"<li>{_e(s)}</li>" for s in review.sources)
    return _section("What this review was built on",
                    f"<p>Filters: none, the whole system (all services, severities and channels). Period: "
                    f"{_e(review.month.label())}. Today: {review.today:%d %b %Y}. Warehouse: {_e(db_label)}. "
                    f"Plan: {_e(review.plan.name)} (time zone {_e(review.plan.timezone)}). "
                    f"Built {built_at:%d %b %Y %H:%M %Z}.</p>",
                    f"<p class='sub'>Data freshness, per source:</p><ul>{sources}</ul>")
