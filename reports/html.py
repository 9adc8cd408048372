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
from core import i18n
from core.i18n import _, pgettext
from core.period import Period, add_months

from reports.review import CAPACITY_HORIZON_DAYS, Review
from reports.summary import summary

from ui.formatting import fmt, signed_usd, target_text, value_text
from ui.palette import LINE_COLOURS, SPENT_COLOUR, STATUS_TINTS

# Latin first, then the Thai faces Debian installs (fonts-thai-tlwg; Noto from fonts-noto-core),
# then whatever the machine has: Chromium picks per character, so Thai service names render.
FONTS = ('"DejaVu Sans", "Liberation Sans", Arial, "Noto Sans", "Noto Sans Thai", Loma, Garuda, Waree, '
         'Umpush, sans-serif')
# A Thai pack: a Thai face first, its Latin letters and digits drawn to match (Loma carries both;
# a Latin face first would set the numbers in one face and the words in another), taller lines
# for the marks above and below Thai letters.
THAI_FONTS = '"Noto Sans Thai", Loma, Garuda, Waree, Umpush, "DejaVu Sans", sans-serif'

CHART_WIDTH = 680  # px: an A4 page's width inside its margins, so a chart prints as drawn
CSS = f"""
body {{ font-family: {FONTS}; font-size: 10.5pt; line-height: 1.35; color: #1d2733; margin: 24px auto;
        max-width: 760px; }}
h1 {{ font-size: 18pt; margin: 0 0 4px; }}
h2 {{ font-size: 13pt; margin: 20px 0 6px; border-bottom: 1px solid #c9d3da; padding-bottom: 2px; }}
p.sub {{ color: #5f6368; margin: 0 0 10px; }}
table {{ border-collapse: collapse; width: 100%; margin: 6px 0 10px; font-size: 9pt; }}
th, td {{ border: 1px solid #d5dbe0; padding: 3px 5px; text-align: left; vertical-align: top; }}
th {{ background: #eef2f5; }}
td.num {{ text-align: right; white-space: nowrap; }}
td:first-child {{ white-space: nowrap; }}  /* a row's name whole: Thai breaks inside a word where it may */
small {{ color: #5f6368; }}
.status {{ white-space: nowrap; }}
ol.summary li {{ margin-bottom: 4px; }}
table, tr, figure, .chart, ol.summary, .keep {{ break-inside: avoid; page-break-inside: avoid; }}
h2 {{ break-after: avoid; page-break-after: avoid; }}
thead {{ display: table-header-group; }}
figure {{ margin: 0; }}
@page {{ size: A4; margin: 14mm 12mm; }}
@media print {{ body {{ margin: 0; max-width: none; }} a {{ color: inherit; text-decoration: none; }} }}
html[lang="th"] body {{ font-family: {THAI_FONTS}; line-height: 1.5; }}
"""


def render(review: Review, built_at: datetime, db_label: str) -> str:
    """The whole document, in the language in use (reports.monthly sets it: `with i18n.use(lang)`)."""
    title = _("Monthly review: {month}").format(month=i18n.date_text(review.month.start, "month_long"))
    parts = [_head(review, title), _summary(review), _kpis(review), _services(review), _slas(review),
             _adherence(review), _budget(review), _capacity(review), _built_on(review, built_at, db_label)]
    return (f'<!DOCTYPE html>\n<html lang="{i18n.language()}"><head><meta charset="utf-8">'
            f'<meta name="viewport" content="width=device-width, initial-scale=1">'
            f"<title>{_e(_(review.plan.name))}: {_e(title)}</title><style>{CSS}</style></head>"
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
    return f'<span class="status" style="background:{tint};padding:0 4px">{_e(_(status))}</span>'


def paragraph(text: str, css_class: str = "") -> str:
    """A paragraph of plain text (escaped), of `css_class` when given."""
    return f"<p class='{css_class}'>{_e(text)}</p>" if css_class else f"<p>{_e(text)}</p>"


def _section(title: str, *body: str) -> str:
    return f"<section><h2>{_e(title)}</h2>{''.join(body)}</section>"


def period_text(period: Period) -> str:
    """'1 Oct 2026 to 31 Oct 2026': a period by its first and last day."""
    last = period.end - timedelta(days=1)
    return _("{start} to {end}").format(start=i18n.date_text(period.start), end=i18n.date_text(last))


def _head(review: Review, title: str) -> str:
    through = _("no data") if review.through is None else i18n.date_text(review.through)
    sub = _("{plan} · {period} · data through {day}").format(plan=_(review.plan.name),
                                                             period=period_text(review.month), day=through)
    return f"<header><h1>{_e(title)}</h1><p class='sub'>{_e(sub)}</p></header>"


def _summary(review: Review) -> str:
    items = "".join(f"<li>{_e(s)}</li>" for s in summary(review))
    return _section(_("Summary"), f"<ol class='summary'>{items}</ol>")


def change_text(now: float | None, before: float | None, unit: str, op: str) -> str:
    """The change from the previous month, signed in the KPI's unit, and whether it is for the better."""
    if now is None or before is None or math.isnan(now) or math.isnan(before):
        return _("n/a")
    change = now - before
    if change == 0:
        return _("no change")
    signed = ("+" if change > 0 else "") + fmt(change, unit, diff=True)
    return (_("{change} (better)") if is_better(change, op) else _("{change} (worse)")).format(change=signed)


def _kpis(review: Review) -> str:
    before = {r.kpi: r for r in review.previous}
    rows = []
    for r in review.kpis:
        p = before.get(r.kpi)
        previous = p.value if p else None
        rows.append([_e(_(r.area)), _e(_(r.label)), _e(value_text(r)), _e(target_text(r)),
                     _e(fmt(previous, r.unit, short=True) if p else _("no data")),
                     _e(change_text(r.value, previous, r.unit, r.op)), status_cell(r.status), _e(i18n.number(r.n))])
    note = _("Change: against {month}. Values as on the Overview's tiles and equal to "
             "`python -m analytics.scorecard` for the month.").format(
        month=i18n.date_text(review.month.start - timedelta(days=1), "month"))
    return _section(_("Every KPI against target and baseline"),
                    table([_("area"), _("KPI"), _("value"), _("target and baseline"), _("previous month"), pgettext("difference", "change"),
                           _("status"), "n"], rows, numeric=(2, 4, 5, 7)),
                    f"<p class='sub'>{code_spans(_e(note))}</p>", _chart(progress_chart(review), first=True))


def code_spans(escaped: str) -> str:
    """Backticked spans of an escaped text as <code> (the catalogue keeps a command in backticks)."""
    parts = escaped.split("`")
    return "".join(f"<code>{p}</code>" if i % 2 else p for i, p in enumerate(parts))


def progress_chart(review: Review) -> go.Figure:
    """Each KPI's share of the way from baseline (0 %) to target (100 %): one scale for every unit."""
    ranked = sorted(((gap_closed(r), r) for r in review.kpis if gap_closed(r) is not None), key=lambda gr: gr[0])
    shown = [max(min(g, 2.0), -2.0) * 100 for g, _ in ranked]  # the axis stops at -200 % and 200 %
    fig = go.Figure(go.Bar(x=shown, y=[_(r.label) for _g, r in ranked], orientation="h",
                           marker_color=[STATUS_TINTS.get(r.status, "#e6e9ec") for _g, r in ranked],
                           marker_line_color="#5f6368", marker_line_width=0.5,
                           text=[f"{i18n.number(g * 100)}%" for g, _r in ranked], textposition="outside",
                           cliponaxis=False))
    room = [min(min(shown, default=0.0), 0.0) - 30, max(max(shown, default=0.0), 100.0) + 20]  # the labels' room
    for x, colour, name in ((0, LINE_COLOURS["baseline"], _("baseline")), (100, LINE_COLOURS["target"], _("target"))):
        fig.add_vline(x=x, line_color=colour, line_dash="dash", annotation_text=name, annotation_position="top")
    fig.update_layout(title=_("How far each KPI has come from its baseline to its target"), width=CHART_WIDTH,
                      height=90 + 26 * len(ranked), margin={"l": 10, "r": 40, "t": 60, "b": 40},
                      xaxis={"title": {"text": _("share of the way from baseline to target (%)")}, "ticksuffix": " %",
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
             _e(i18n.number(int(s.n_outages)))] for s in review.services.itertuples()]
    return _section(_("Worst services: lowest uptime in {month}").format(
        month=i18n.date_text(review.month.start, "month")),
        table([_("service"), _("uptime"), _("status"), _("unplanned downtime"), _("outages")], rows, numeric=(1, 3, 4)))


def sla_cell(pct: float, n: int) -> str:
    return _e(_("none to count")) if not n or pd.isna(pct) else \
        f"{_e(fmt(pct, '%'))} <small>n = {_e(i18n.number(int(n)))}</small>"


def _slas(review: Review) -> str:
    severity = [[_e(r.target), sla_cell(r.on_time_pct, r.n)] for r in review.severity_sla.itertuples()]
    channel = [[_e(r.target), sla_cell(r.on_time_pct, r.n)] for r in review.channel_sla.itertuples()]
    return _section(_("SLA grids: share on time"),
                    _kept(_("By severity (incidents detected in the month)"),
                          table([_("measure · severity: plan target"), _("on time")], severity, numeric=(1,))),
                    _kept(_("By channel (tickets opened in the month)"),
                          table([_("measure · channel: plan target"), _("on time")], channel, numeric=(1,))))


def _kept(caption: str, body: str) -> str:
    """A caption and the table under it on one page."""
    return f"<div class='keep'><p class='sub'>{_e(caption)}</p>{body}</div>"


def _adherence(review: Review) -> str:
    out = review.promises
    if out is None:
        return _section(_("Plan adherence"), paragraph(_("The plan file has no schedules to check.")))
    missed = [p for p in out["promises"] if p["status"] == "missed"]
    rows = [promise_row(p) for p in missed]
    no_data = sum(p["status"] == "no data" for p in out["promises"])
    kept = _("{kept} of {judged} plan promises kept").format(kept=out["promises_kept"], judged=out["promises_judged"])
    rest = (_("{no_data} without data; {missed} missed") if no_data else _("{missed} missed")).format(
        no_data=no_data, missed=len(missed))
    head = f"<p><b>{_e(kept)}</b>{', ' if no_data else '; '}{_e(rest)}{':' if missed else '.'}</p>"
    return _section(_("Plan adherence: promises kept"), head,
                    table([_("area"), _("promise"), _("plan says"), _("happened"), _("missed since")], rows)
                    if rows else "")


def promise_row(p: dict) -> list[str]:
    area = p["area"]  # an English key in the JSON; the catalogue names it
    return [_e(_(area)), _e(p["promise"]), _e(p["plan"]), _e(p["happened"]), _e(since_text(p["since"]))]


def since_text(since: str | None) -> str:
    """'2026-10-01T13:02:39+07:00' -> '01 Oct 2026 13:02' (the plan's local time); a day stays a day."""
    if not since:
        return ""
    moment = pd.Timestamp(since)
    return i18n.date_text(moment.date()) if len(since) == 10 else i18n.date_text(moment.to_pydatetime(), "minute")


def _budget(review: Review) -> str:
    b = review.budget
    totals = models.budget.totals(b)
    rows = [[_e(r.label), _e(fmt(r.annual_usd, "USD")), _e(fmt(r.actual_usd, "USD")),
             _e(fmt(r.budget_to_date_usd, "USD")), _e(signed_usd(r.variance_usd)), _e(fmt(r.projected_usd, "USD")),
             _e(signed_usd(r.projected_variance_usd)),
             _e(i18n.date_text(pd.Timestamp(r.crosses_in).date(), "month") if r.is_heading_over else "")]
            for r in b.itertuples()]
    rows.append([f"<b>{_e(label)}</b>" for label in
                 (_("Total"), fmt(totals["annual_usd"], "USD"), fmt(totals["actual_usd"], "USD"),
                  fmt(totals["budget_to_date_usd"], "USD"), signed_usd(totals["variance_usd"]),
                  fmt(totals["projected_usd"], "USD"), signed_usd(totals["projected_variance_usd"]), "")])
    year = review.budget_year
    actuals = i18n.date_text(add_months(year.open_from, -1), "month") if year.months_closed else _("no month yet")
    head = _("Plan year {period}: actuals through {month}; the rest of the year at each line's run rate (mean of its "
             "last 3 full months), as on the Budget page.").format(period=period_text(Period(year.start, year.end)),
                                                                  month=actuals)
    return _section(_("Budget to date and year-end projection"), paragraph(head, "sub"), table(
        [pgettext("budget", "line"), _("annual"), _("spent to date"), _("budget to date"), _("variance"), _("projected year end"),
         _("vs annual"), _("heading over from")], rows, numeric=(1, 2, 3, 4, 5, 6)), _chart(budget_chart(b)))


def budget_chart(b: pd.DataFrame) -> go.Figure:
    """Spent to date against budget to date per line."""
    fig = go.Figure([go.Bar(name=_("budget to date"), x=b["label"], y=b["budget_to_date_usd"], marker_color="#c9d3da"),
                     go.Bar(name=_("spent to date"), x=b["label"], y=b["actual_usd"], marker_color=SPENT_COLOUR)])
    fig.update_layout(title=_("Spent to date against budget to date, per line"), barmode="group", width=CHART_WIDTH,
                      height=360, margin={"l": 10, "r": 10, "t": 80, "b": 10}, plot_bgcolor="white",
                      yaxis={"tickprefix": "$", "tickformat": ",.0f", "automargin": True},
                      xaxis={"automargin": True}, legend={"orientation": "h", "y": 1.0, "yanchor": "bottom", "x": 0})
    return fig


def _capacity(review: Review) -> str:
    cap, t = review.plan.capacity, review.capacity
    crossing = t[t["days_to_scale_up"].notna()]
    rows = [[_e(r.service), _e(_(r.resource)), _e(fmt(r.current_pct, "%")),
             _e(i18n.date_text(pd.Timestamp(r.scale_up_at).date())),
             _e(_("already above") if r.current_pct >= cap.scale_up_pct else i18n.number(int(r.days_to_scale_up)))]
            for r in crossing.itertuples()]
    months = round(CAPACITY_HORIZON_DAYS / 30.4)
    head = _("Service resources whose forecast mean reaches the {line} % scale-up line within {months} months of "
             "{day}, under the plan's growth (users +{users} % a quarter, data +{data} % a month, features "
             "+{features} %, peak season +{peak} %), as the Capacity page draws it. {n} of {total} cross.").format(
        line=f"{cap.scale_up_pct:g}", months=months, day=i18n.date_text(review.month.end - timedelta(days=1)),
        users=f"{cap.user_growth_pct_per_quarter:g}", data=f"{cap.data_growth_pct_per_month:g}",
        features=f"{cap.feature_complexity_pct:g}", peak=f"{cap.peak_traffic_growth_pct:g}", n=len(crossing),
        total=len(t))
    return _section(_("Capacity risks in the horizon"), paragraph(head, "sub"),
                    table([_("service"), _("resource"), _("now (mean of last 7 days)"), _("reaches scale-up on"),
                           _("days")], rows, numeric=(2, 4)) if rows else paragraph(_("None.")))


def _built_on(review: Review, built_at: datetime, db_label: str) -> str:
    sources = "".join(f"<li>{_e(s)}</li>" for s in review.sources)
    built = _("Filters: none, the whole system (all services, severities and channels). Period: {period}. Today: "
              "{today}. Warehouse: {warehouse}. Plan: {plan} (time zone {zone}). Built {built} {built_zone}.").format(
        period=period_text(review.month), today=i18n.date_text(review.today), warehouse=db_label,
        plan=_(review.plan.name), zone=review.plan.timezone, built=i18n.date_text(built_at, "minute"),
        built_zone=built_at.strftime("%Z"))
    return _section(_("What this review was built on"), paragraph(built),
                    paragraph(_("Data freshness, per source:"), "sub"), f"<ul>{sources}</ul>")
