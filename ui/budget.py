"""The Budget page: the plan year's spend against its budget per line, the year-end projection,
and their tables and charts. The budget rules themselves live in models/budget.py.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from types import MappingProxyType
from typing import Mapping

import pandas as pd
import plotly.graph_objects as go
import streamlit as st

import models.budget
from core import i18n
from core.i18n import N_, _, ngettext
from core.period import add_months, month_start
from core.plan import Plan
from models.budget import PlanYear

from ui.cache import LOADER, db, plan, query, query_at
from ui.figures import add_lines, hline
from ui.formatting import fmt, line_label, month_text
from ui.palette import GROUP_COLOURS, LINE_COLOURS, OVER_COLOUR, SPENT_COLOUR, WITHIN_COLOUR


# How the lines are shown: the option values stay English (the session's key keeps them), the
# reader sees their labels translated.
UNITS = {"USD": "USD", "% of budget": N_("% of budget")}
HISTORY_MONTHS = 36  # three years of each line's spend: enough for the forecaster to test a yearly season


def budget_columns() -> dict:
    """The by-line table's columns, in the order shown (what finance reads first comes first) and the
    language in use."""
    return {
        "label": st.column_config.TextColumn(_("Budget line")),
        "annual_usd": st.column_config.NumberColumn(_("Annual budget"), format="dollar"),
        "actual_usd": st.column_config.NumberColumn(_("Spent to date"), format="dollar"),
        "projected_usd": st.column_config.NumberColumn(
            _("Projected year end"), format="dollar",
            help=_("Spent to date plus the forecast of the months left, from the line's monthly spend (trend and "
                   "season).")),
        "band": st.column_config.TextColumn(_("80 % band"), help=_("Where the year end lands 8 times in 10 on the "
                                                                   "forecast: the months' 80 % bounds added up.")),
        "run_rate_projected_usd": st.column_config.NumberColumn(
            _("At run rate (comparison)"), format="dollar",
            help=_("Spent to date plus the run rate x the months left: the flat projection, for comparison.")),
        "projected_variance_usd": st.column_config.NumberColumn(
            _("Over (+) / under (-)"), format="dollar", help=_("Projected year end minus the annual budget.")),
        "crosses": st.column_config.TextColumn(_("Passes its budget in")),
        "variance_usd": st.column_config.NumberColumn(
            _("Variance to date"), format="dollar", help=_("Spent minus budget to date: above 0 is overspent.")),
        "budget_to_date_usd": st.column_config.NumberColumn(
            _("Budget to date"), format="dollar",
            help=_("The budget of the closed months: annual x months / 12, or by the line's monthly profile "
                   "(plan.toml).")),
        "run_rate_usd": st.column_config.NumberColumn(
            _("Run rate a month"), format="dollar",
            help=_("Mean of the last closed months (the run-rate window): the comparison column's rate.")),
    }


def load_budget(year: PlanYear, run_rate_months: int = 3) -> pd.DataFrame:
    """Per budget line: models.budget.trend_projection (actual, budget to date, variance, the year end
    forecast from the line's monthly history with its 80 % band and crossing month, and the run
    rate's year end beside it) plus label, group and note from the plan. The run rate may look back
    into the previous year, so a year's first months have one."""
    the_plan = plan()
    with st.spinner(_("Forecasting each budget line ...")):
        table = _budget(db(), the_plan, year, run_rate_months)
    # the words are added after the cache, in the reader's language: the cached fit is shared by all
    lines = {b.name: b for b in the_plan.budget_lines}
    names = table["line"]
    return table.assign(label=[line_label(n) for n in names], group=[line_label(lines[n].group) for n in names],
                        note=[lines[n].note for n in names])


@st.cache_data(**LOADER, show_spinner=False)
def _budget(db_file: str, the_plan: Plan, year: PlanYear, run_rate_months: int) -> pd.DataFrame:
    costs = query_at(db_file, "costs_by_line_monthly", start_month=add_months(year.start, -HISTORY_MONTHS),
                     end_month=year.end)
    return models.budget.trend_projection(costs, the_plan, year.start, year.as_of, run_rate_months)


def load_budget_view(year: PlanYear, run_rate_months: int) -> BudgetView:
    """The projection per line, the spend per month, their totals and the lines to warn about."""
    table = load_budget(year, run_rate_months)
    return BudgetView(table, load_budget_months(year), MappingProxyType(models.budget.totals(table)),
                      models.budget.over_budget_lines(table), models.budget.within_tolerance_lines(table))


def load_budget_months(year: PlanYear) -> pd.DataFrame:
    """Actual spend per month and line of the plan year up to `as_of`'s month: month, line, label,
    group, amount_usd, is_closed (False for the month still running, which the projection does not
    count). The budget per month is models.budget.monthly_budgets'."""
    the_plan = plan()
    costs = query("costs_by_line_monthly", start_month=year.start, end_month=min(year.end, add_months(year.as_of, 1)))
    lines = {b.name: b for b in the_plan.budget_lines}
    costs = costs[costs["line"].isin(lines)]
    month = pd.to_datetime(costs["month"])
    return costs.assign(month=month, label=[line_label(n) for n in costs["line"]],
                        group=[lines[n].group for n in costs["line"]],
                        is_closed=models.budget.is_closed(month, year))


@dataclass(frozen=True)
class BudgetView:
    """The Budget page's numbers for a plan year and run-rate window."""

    table: pd.DataFrame       # load_budget: one row per line
    months: pd.DataFrame      # load_budget_months: actual spend per month and line
    totals: Mapping[str, float]  # models.budget.totals of the table
    over: pd.DataFrame        # models.budget.over_budget_lines: heading over budget, earliest first
    within: pd.DataFrame      # models.budget.within_tolerance_lines: over by no more than the tolerance


def plan_years(today: date) -> list[PlanYear]:
    """The plan's years up to the one holding `today`, newest first (models.budget.plan_years)."""
    return models.budget.plan_years(plan(), today)


def first_year_text(the_plan: Plan) -> str:
    """The plan's first year's start, as the reader's language writes a day (plan.toml holds it as text)."""
    return i18n.date_text(date.fromisoformat(the_plan.first_year_start), "day_padded")


def year_label(year: PlanYear) -> str:
    """'01 Sep 2026 to 31 Aug 2027'."""
    return _("{first} to {last}").format(first=i18n.date_text(year.start, "day_padded"),
                                         last=i18n.date_text(year.end - timedelta(days=1), "day_padded"))


def plan_year_line(year: PlanYear) -> str:
    """'**Plan year 01 Sep 2026 to 31 Aug 2027** · 2 of 12 months closed · actuals through Oct 2026 · ...'."""
    parts = [_("**Plan year {year}**").format(year=year_label(year)),
             _("{n} of 12 months closed").format(n=year.months_closed)]
    if year.months_closed:
        last_closed = add_months(year.start, year.months_closed - 1)
        parts.append(_("actuals through {month}").format(month=month_text(last_closed)))
    if year.months_closed < 12 and year.as_of > month_start(year.as_of):
        parts.append(_("{month} is still running and not counted").format(month=month_text(year.as_of)))
    return " · ".join(parts)


def budget_plan_notes() -> list[str]:
    """What the plan's budget says against what its numbers add up to (analytics.coherence)."""
    from analytics.coherence import budget_checks

    return [_("**{name}**: the plan says {plan_says}; its numbers give {data_says} ({gap}). {why}.").format(
                name=c.name, plan_says=c.plan_says, data_says=c.data_says, gap=c.gap, why=c.why)
            for c in budget_checks(plan())]


def budget_table(table: pd.DataFrame) -> pd.DataFrame:
    """The projection as shown and exported: one row per line plus a total row, raw numbers."""
    totals = models.budget.totals(table)
    rows = table.assign(crosses=[("" if c is None or pd.isna(c) else
                                  month_text(c) if over else
                                  _("{month} (within tolerance)").format(month=month_text(c)))
                                 for c, over in zip(table["crosses_in"], table["is_heading_over"])])
    total = pd.DataFrame([{**totals, "label": _("Total"), "group": "", "note": "", "crosses": "", "model": ""}])
    out = pd.concat([rows, total], ignore_index=True)
    return out[["label", "annual_usd", "actual_usd", "budget_to_date_usd", "variance_usd", "run_rate_usd",
                "projected_usd", "lower_usd", "upper_usd", "projected_variance_usd", "crosses",
                "run_rate_projected_usd", "model", "group", "note"]]


def budget_display(shown: pd.DataFrame) -> pd.DataFrame:
    """budget_table for the screen: the band as one 'from to' text column, the model, group and note left to the
    export."""
    # a finance table: the band in cents, as the table's other money columns
    band = [_("{low} to {high}").format(low=fmt(lo, "USD", decimals=2), high=fmt(hi, "USD", decimals=2))
            for lo, hi in zip(shown["lower_usd"], shown["upper_usd"])]
    out = shown.drop(columns=["lower_usd", "upper_usd", "model", "group", "note"])
    out.insert(out.columns.get_loc("projected_usd") + 1, "band", band)
    return out


def within_tolerance_text(within: pd.DataFrame) -> str:
    """'Payment processing ($80.44 over), Backup storage ($79.85 over)'."""
    return ", ".join(_("{line} ({amount} over)").format(line=r.label, amount=fmt(r.projected_variance_usd, "USD"))
                     for r in within.itertuples())


def over_tolerance_text(the_plan: Plan) -> str:
    """'more than 1 % of the line and more than $500': when an overrun counts (plan.toml)."""
    t = the_plan.over_budget_tolerance
    return _("more than {pct} % of the line and more than {usd}").format(pct=f"{t.pct:g}", usd=fmt(t.usd, "USD"))


def over_budget_text(over: pd.DataFrame) -> str:
    """One Markdown bullet per line heading over budget: when it crosses, by how much, whether its 80 %
    band still reaches back under the budget, and the run rate's year end for comparison."""
    bullets = []
    for r in over.itertuples():
        maybe = " · " + _("*within its 80 % band: may still land on budget*") if r.lower_usd <= r.annual_usd else ""
        bullets.append("- " + _("**{line}** passes its {annual} in **{month}**: projected {projected}, {over} over (at "
                                "the run rate of {rate} a month: {at_rate})").format(
            line=r.label, annual=fmt(r.annual_usd, "USD"), month=month_text(r.crosses_in),
            projected=fmt(r.projected_usd, "USD"), over=fmt(r.projected_variance_usd, "USD"),
            rate=fmt(r.run_rate_usd, "USD"), at_rate=fmt(r.run_rate_projected_usd, "USD")) + maybe)
    return "\n".join(bullets)


def projection_words(view: BudgetView, window: int) -> str:
    """The year end's band and the run rate's beside it, in one line under the tiles."""
    t = view.totals
    return ngettext("Projected year end: each line's monthly spend forecast over the months left (trend and season), "
                    "80 % band {low} to {high}. For comparison, **at the run rate** of the last {n} closed month: "
                    "{at_rate}.",
                    "Projected year end: each line's monthly spend forecast over the months left (trend and season), "
                    "80 % band {low} to {high}. For comparison, **at the run rate** of the last {n} closed months: "
                    "{at_rate}.", window).format(low=fmt(t["lower_usd"], "USD"), high=fmt(t["upper_usd"], "USD"),
                                                  n=window, at_rate=fmt(t["run_rate_projected_usd"], "USD"))


def budget_month_table(months: pd.DataFrame, table: pd.DataFrame) -> pd.DataFrame:
    """Actual spend by line (rows) and closed month (columns), with each line's annual budget and
    spend to date: what the projection starts from, for display and export."""
    closed = months[months["is_closed"]]
    wide = closed.pivot_table(index="label", columns="month", values="amount_usd", aggfunc="sum")
    wide.columns = [month_text(c) for c in wide.columns]
    info = table.set_index("label")[["annual_usd", "actual_usd"]]
    out = info.join(wide).reset_index()
    total = pd.DataFrame([{"label": _("Total"), **out.drop(columns="label").sum(numeric_only=True)}])
    return pd.concat([out, total], ignore_index=True).rename(
        columns={"label": _("Budget line"), "annual_usd": _("Annual budget"), "actual_usd": _("Spent to date")})


def budget_projection_chart(table: pd.DataFrame, as_pct: bool) -> go.Figure:
    """Per line: spent so far (dark), projected year end (light bar, 80 % whisker) and the annual budget (tick),
    in USD or as % of each line's budget; red when the line is heading over budget (beyond the plan's tolerance)."""
    rows = table.sort_values("annual_usd")  # plotly draws the first row at the bottom: biggest line on top
    scale = 100 / rows["annual_usd"] if as_pct else 1.0
    over = rows["is_heading_over"].astype(bool)
    hover = [_("{line}: spent {spent}, projected {projected} ({low} to {high}), at run rate {at_rate}, budget "
               "{budget}").format(line=r.label, spent=fmt(r.actual_usd, "USD"), projected=fmt(r.projected_usd, "USD"),
                                  low=fmt(r.lower_usd, "USD"), high=fmt(r.upper_usd, "USD"),
                                  at_rate=fmt(r.run_rate_projected_usd, "USD"), budget=fmt(r.annual_usd, "USD"))
             for r in rows.itertuples()]
    fig = go.Figure()
    fig.add_bar(y=rows["label"], x=rows["projected_usd"] * scale, orientation="h", name=_("Projected year end"),
                marker_color=[OVER_COLOUR if o else WITHIN_COLOUR for o in over], opacity=0.45,
                error_x={"type": "data", "array": (rows["upper_usd"] - rows["projected_usd"]) * scale,
                         "arrayminus": (rows["projected_usd"] - rows["lower_usd"]) * scale,
                         "color": "#555", "width": 6},
                hovertext=hover, hoverinfo="text")
    fig.add_bar(y=rows["label"], x=rows["actual_usd"] * scale, orientation="h", name=_("Spent so far"),
                marker_color=SPENT_COLOUR, width=0.35, hovertext=hover, hoverinfo="text")
    fig.add_scatter(y=rows["label"], x=rows["annual_usd"] * scale, mode="markers", name=_("Annual budget"),
                    marker={"symbol": "line-ns", "size": 26, "line": {"width": 3, "color": "#111"}},
                    hovertext=hover, hoverinfo="text")
    fig.update_layout(barmode="overlay", height=430, margin={"l": 10, "r": 10, "t": 50, "b": 10},
                      title={"text": _("Year-end projection per line against its budget")},
                      legend={"orientation": "h", "y": 1.08, "x": 1, "xanchor": "right"})
    fig.update_xaxes(title_text=_("% of the line's annual budget") if as_pct else "USD",
                     ticksuffix=" %" if as_pct else "", tickprefix="" if as_pct else "$", separatethousands=True)
    return fig


def budget_cumulative_chart(view: BudgetView, year: PlanYear) -> go.Figure:
    """Cumulative spend of all lines against the budget to date (pro rata, or by the lines' monthly
    profiles), with the year-end projection and its band, and the run rate's year end beside it."""
    totals, months = view.totals, view.months
    closed = months[months["is_closed"]].groupby("month", as_index=False)["amount_usd"].sum()
    ends = [pd.Timestamp(add_months(year.start, k)) for k in range(13)]
    fig = go.Figure()
    fig.add_scatter(x=ends, y=models.budget.budget_path(plan()), mode="lines", name=_("Budget to date"),
                    line={"color": LINE_COLOURS["target"], "dash": "dash"})
    spent_x = [ends[0], *[pd.Timestamp(add_months(m.date(), 1)) for m in closed["month"]]]
    spent_y = [0.0, *closed["amount_usd"].cumsum()]
    fig.add_scatter(x=spent_x, y=spent_y, mode="lines+markers", name=_("Spent (closed months)"),
                    line={"color": SPENT_COLOUR, "width": 3})
    fig.add_scatter(x=[spent_x[-1], ends[-1]], y=[spent_y[-1], totals["projected_usd"]], mode="lines+markers",
                    name=_("Projected (forecast, 80 % band)"),
                    line={"color": OVER_COLOUR if totals["projected_variance_usd"] > 0 else WITHIN_COLOUR,
                          "dash": "dot", "width": 3},
                    error_y={"type": "data", "array": [0, totals["upper_usd"] - totals["projected_usd"]],
                             "arrayminus": [0, totals["projected_usd"] - totals["lower_usd"]], "width": 8})
    fig.add_scatter(x=[ends[-1]], y=[totals["run_rate_projected_usd"]], mode="markers", name=_("At run rate"),
                    marker={"symbol": "diamond-open", "size": 11, "color": "#555", "line": {"width": 2}},
                    hovertemplate=_("at run rate: {amount}").format(amount="$%{y:,.0f}") + "<extra></extra>")
    add_lines(fig, [hline(totals["annual_usd"], {"color": "#111", "width": 1},
                          _("annual budget {amount}").format(amount=fmt(totals["annual_usd"], "USD")))])
    fig.update_layout(title={"text": _("Cumulative spend, all lines")}, height=430,
                      margin={"l": 10, "r": 10, "t": 50, "b": 10}, legend={"orientation": "h", "y": -0.15})
    fig.update_yaxes(title_text=_("USD, cumulative"), tickprefix="$", separatethousands=True, rangemode="tozero")
    fig.update_xaxes(tickformat="%b %Y", dtick="M3")  # a narrow column: a label a quarter, level
    return fig


def budget_monthly_chart(months: pd.DataFrame, year: PlanYear) -> go.Figure:
    """Spend per month, stacked by budget group, against the plan's monthly budget (annual / 12, or
    by the lines' monthly profiles: then a step per month)."""
    closed = months[months["is_closed"]]
    by_group = closed.groupby(["month", "group"], as_index=False)["amount_usd"].sum()
    fig = go.Figure()
    for group, colour in GROUP_COLOURS.items():
        part = by_group[by_group["group"] == group]
        fig.add_bar(x=part["month"], y=part["amount_usd"], name=line_label(group), marker_color=colour,
                    hovertemplate="%{x|%b %Y}: $%{y:,.0f}<extra>" + line_label(group) + "</extra>")
    budgets = models.budget.monthly_budgets(plan())
    if len({round(b, 6) for b in budgets}) == 1:  # pro rata: one level all year
        add_lines(fig, [hline(budgets[0], {"color": LINE_COLOURS["target"], "dash": "dash"},
                              _("monthly budget {amount}").format(amount=fmt(budgets[0], "USD")))])
    else:
        fig.add_scatter(x=[pd.Timestamp(add_months(year.start, k)) for k in range(12)], y=budgets, mode="lines",
                        line={"color": LINE_COLOURS["target"], "dash": "dash", "shape": "hvh"},
                        name=_("monthly budget"),
                        hovertemplate=_("{month}: budget {amount}").format(month="%{x|%b %Y}", amount="$%{y:,.0f}")
                        + "<extra></extra>")
    fig.update_layout(barmode="stack", title={"text": _("Spend per closed month by budget group")}, height=360,
                      margin={"l": 10, "r": 10, "t": 50, "b": 10}, legend={"orientation": "h", "y": -0.2})
    fig.update_yaxes(title_text=_("USD a month"), tickprefix="$", separatethousands=True)
    half_month = timedelta(days=15)  # the whole plan year on the axis: the months to come show as empty
    fig.update_xaxes(tickformat="%b %Y", dtick="M1", range=[year.start - half_month, year.end - half_month])
    return fig
