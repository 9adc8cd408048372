"""Scenario results: the starting point (measured or plan), the evaluation, its headline, the
chain chart from demand to cost to KPIs, and the month-by-month tables.
"""
from __future__ import annotations

from dataclasses import asdict
from datetime import date
from typing import Mapping, Sequence

import pandas as pd
import plotly.graph_objects as go
import streamlit as st
from plotly.subplots import make_subplots

import models.scenario
from analytics.measure import compare
from core import i18n
from core.i18n import N_, _, ngettext
from core.period import add_months
from core.plan import Kpi, Plan

from ui.cache import LOADER, PLAN_KEY, connection_for, db, plan
from ui.figures import Line, hline, lines_layout, plan_line, subplot_axes
from ui.formatting import fmt, line_label, month_text
from ui.palette import AXIS_TITLES, GROUP_COLOURS, GROUP_SHORT, LINE_COLOURS, OP_SIGNS, OVER_COLOUR
from ui.scenarios.drivers import answer_targets, changed_drivers, fill_driver_inputs
from ui.scenarios.session import scenario_state
from ui.state import SC_BASE


# The words below are the catalogue's English: each is translated where it is shown.
BASE_LABELS = {"measured": N_("Measured"), "plan": N_("The plan")}
BASE_HELP = N_("**Measured** (the default): month 1 is the last closed months as the Overview counts them, "
               "their spend per budget line included, and users, data and the peak season grow as the "
               "warehouse's history forecasts. **The plan**: the plan's growth assumptions, with unit "
               "costs calibrated so that 12 months cost the plan's budget.")
HEADLINE_NAMES = {"support_cost_per_user_usd": N_("Support cost/user"),
                  "infra_cost_pct_revenue": N_("Infra cost share")}
MONTH_ROWS = (  # (column of evaluate's frame, label, unit) in the order of the chain
    ("active_users", N_("Active users"), "users"), ("tickets", N_("Tickets a month"), "tickets"),
    ("revenue_usd", N_("Revenue"), "USD"), ("cpu_pct", N_("Peak CPU if the fleet stayed as today"), "%"),
    ("instances", N_("Instances needed"), "instances"), ("storage_gb", N_("Storage needed (GB)"), "GB"),
    ("support_fte_needed", N_("Support FTE needed (Erlang C)"), "FTE"), ("support_fte", N_("Support FTE paid"), "FTE"),
    ("maintenance_fte", N_("Maintenance FTE paid"), "FTE"))
# Cost by line against the plan: (column of line_vs_plan, header, help); money columns are in dollars.
LINE_VS_PLAN_HEADERS = (
    ("line", N_("Budget line"), None), ("group", N_("Group"), None),
    ("plan_usd", N_("Plan for the horizon"), N_("The line's budget for the horizon's months: annual x months / 12, "
                                                "or by its monthly profile (plan.toml).")),
    ("scenario_usd", N_("Scenario"), None), ("difference_usd", N_("Scenario - plan"), None))
CHAIN_TITLES = (N_("1  Demand"), N_("2  Capacity"), N_("3  Staffing (tier-1 support)"), N_("4  Cost a month"),
                N_("5  Support cost per user"), N_("6  Infrastructure cost share"))
AXIS_UNITS = {"users": N_("users"), "tickets": N_("tickets"), "instances": N_("instances"), "GB": "GB"}


@st.cache_data(**LOADER, show_spinner=False)
def _starting_point(db_file: str, the_plan: Plan, today: date, kind: str,
                    lang: str) -> tuple[models.scenario.Base, models.scenario.Drivers, str]:
    # `lang`: the note is words, so each language keeps its own copy
    with i18n.use(lang):
        return models.scenario.starting_point(connection_for(db_file), the_plan, today, kind)


def load_starting_point(today: date, kind: str) -> tuple[models.scenario.Base, models.scenario.Drivers, str]:
    """What scenarios start from (models.scenario.starting_point): the base, its drivers and a note
    naming the months and assumptions taken. ScenarioError when the warehouse lacks data."""
    with st.spinner(_("Measuring the base from the warehouse ...")):
        return _starting_point(db(), plan(), today, kind, i18n.language())


def line_vs_plan_shown(lines: pd.DataFrame) -> tuple[pd.DataFrame, dict]:
    """line_vs_plan's table as the reader reads it: its columns named in the language in use, and
    their column_config (dollars, the plan column's help) by those names."""
    names = {column: _(header) for column, header, tip in LINE_VS_PLAN_HEADERS}
    config = {_(header): (st.column_config.TextColumn(_(header)) if column in ("line", "group") else
                          st.column_config.NumberColumn(_(header), format="dollar", help=_(tip) if tip else None))
              for column, header, tip in LINE_VS_PLAN_HEADERS}
    return lines.rename(columns=names), config


@st.cache_data(hash_funcs=PLAN_KEY, max_entries=256, show_spinner=False)
def _evaluate(drivers: models.scenario.Drivers, base: models.scenario.Base, the_plan: Plan, months: int) -> pd.DataFrame:
    return models.scenario.evaluate(drivers, base, the_plan, months)


def on_base_change(today: date) -> None:
    """Another base: every driver to that base's values (a scenario is edited against one base)."""
    drivers = load_starting_point(today, base_kind())[1]
    fill_driver_inputs(asdict(drivers))


def base_caption(base: models.scenario.Base, note: str) -> str:
    chat, email, phone = base.channel_share
    return _("{note}. Horizon from {month}; {users} active, {tickets} tickets per user a month (chat {chat}, "
             "email {email}, phone {phone}), {revenue} revenue per user a month, {instances} at {cpu} peak CPU, "
             "{data} of data.").format(
        note=note, month=i18n.date_text(base.start, "month"), users=fmt(base.active_users, "users"),
        tickets=i18n.number(base.tickets_per_user_month, 3), chat=f"{chat:.0%}", email=f"{email:.0%}",
        phone=f"{phone:.0%}", revenue=fmt(base.revenue_per_user_month_usd, "USD"),
        instances=fmt(base.instances, "instances"), cpu=fmt(base.cpu_pct, "%"), data=fmt(base.data_gb, "GB"))


def evaluate_scenario(drivers: models.scenario.Drivers, base: models.scenario.Base, months: int) -> pd.DataFrame:
    """models.scenario.evaluate, cached by drivers, base, plan and horizon."""
    return _evaluate(drivers, base, plan(), months)


def scenario_summary(frame: pd.DataFrame, months: int) -> dict:
    """models.scenario.summary against the plan on screen."""
    return models.scenario.summary(frame, plan(), months)


def target_words(summary: Mapping, key: str) -> str:
    """When a cost target is met over the horizon, in words: 'met from Feb 2027', 'never met' ..."""
    met, missed = summary[f"{key}_first_met"], summary[f"{key}_first_missed"]
    if met is None:
        return _("never met")
    if missed is None:
        return _("met every month")
    if met < missed:
        return _("met until {month}").format(month=month_text(add_months(missed, -1)))
    return _("met from {month}").format(month=month_text(met))


def _chain_y(fig: go.Figure, row: int, secondary: bool = False) -> str:
    """The layout key of a chain row's y axis ("yaxis5"), or of its right-hand one (rows 1-2)."""
    return fig.get_subplot(row, 1, secondary_y=secondary).yaxis.plotly_name


def _chain_demand_capacity(fig: go.Figure, frame: pd.DataFrame, x: pd.Series, layout: dict) -> None:
    for row, (left, left_name, right, right_name, unit_l, unit_r) in enumerate((
            ("active_users", _("Active users"), "tickets", _("Tickets a month (right axis)"), "users", "tickets"),
            ("instances", _("Instances needed"), "storage_gb", _("Storage needed, GB (right axis)"), "instances",
             "GB")), start=1):
        legend = "legend" if row == 1 else f"legend{row}"
        unit_l, unit_r = _(AXIS_UNITS[unit_l]), _(AXIS_UNITS[unit_r])
        fig.add_scatter(x=x, y=frame[left], name=left_name, mode="lines+markers", line={"color": "#2f6f8f", "width": 3},
                        legend=legend, row=row, col=1, secondary_y=False,
                        hovertemplate="%{y:,.0f} " + unit_l + "<extra>" + left_name + "</extra>")
        fig.add_scatter(x=x, y=frame[right], name=right_name, mode="lines", line={"color": "#e07b39", "dash": "dash"},
                        legend=legend, row=row, col=1, secondary_y=True,
                        hovertemplate="%{y:,.0f} " + unit_r + "<extra>" + right_name + "</extra>")
        layout[_chain_y(fig, row)] = {"title": {"text": unit_l}, "rangemode": "tozero", "separatethousands": True}
        layout[_chain_y(fig, row, secondary=True)] = {"title": {"text": unit_r}, "rangemode": "tozero",
                                                      "showgrid": False, "separatethousands": True}


def _chain_staffing(fig: go.Figure, frame: pd.DataFrame, x: pd.Series, the_plan: Plan, layout: dict) -> list[Line]:
    fig.add_scatter(x=x, y=frame["support_fte_needed"], name=_("FTE needed (Erlang C)"), mode="lines+markers",
                    line={"color": OVER_COLOUR, "width": 3}, legend="legend3", row=3, col=1,
                    hovertemplate="%{y:.1f} FTE<extra>" + _("needed") + "</extra>")
    fig.add_scatter(x=x, y=frame["support_fte"], name=_("FTE paid"), mode="lines", line={"color": "#2f6f8f",
                    "width": 3, "shape": "hv"}, legend="legend3", row=3, col=1,
                    hovertemplate="%{y:.1f} FTE<extra>" + _("paid") + "</extra>")
    size, names, lines = 0, [], []
    for tier in the_plan.support_tiers:  # cumulative: tier 1 alone, tiers 1-2, all tiers
        size += tier.team_size
        names.append(tier.name.replace("tier", ""))
        lines.append(hline(size, {"color": LINE_COLOURS["baseline"], "dash": "dot", "width": 1},
                           ngettext("tier {tiers}: {size}", "tiers {tiers}: {size}", len(names)).format(
                               tiers="+".join(names), size=size), "right",
                           font={"size": 10, "color": "#6b7078"}, axes=subplot_axes(fig, 3)))
    layout[_chain_y(fig, 3)] = {"title": {"text": "FTE"}, "rangemode": "tozero"}
    return lines


def _chain_cost(fig: go.Figure, frame: pd.DataFrame, x: pd.Series, the_plan: Plan, layout: dict) -> list[Line]:
    for group, colour in GROUP_COLOURS.items():
        names = [b.name for b in the_plan.budget_lines if b.group == group]
        fig.add_bar(x=x, y=frame[names].sum(axis=1), name=_(GROUP_SHORT.get(group, group)), marker_color=colour,
                    legend="legend4", row=4, col=1,
                    hovertemplate="$%{y:,.0f}<extra>" + line_label(group) + "</extra>")
    layout[_chain_y(fig, 4)] = {"title": {"text": _("USD a month")}, "tickprefix": "$", "separatethousands": True}
    budgets = frame["plan_budget_usd"]
    if budgets.round(6).nunique() > 1:  # lines with monthly profiles: the plan's budget steps month by month
        fig.add_scatter(x=x, y=budgets, name=_("plan budget"), mode="lines", legend="legend4", row=4, col=1,
                        line={"color": LINE_COLOURS["target"], "dash": "dash", "width": 2, "shape": "hvh"},
                        hovertemplate="$%{y:,.0f}<extra>" + _("plan budget") + "</extra>")
        return []
    monthly = float(budgets.iloc[0])
    return [hline(monthly, {"color": LINE_COLOURS["target"], "dash": "dash", "width": 2},
                  _("plan {amount} a month").format(amount=fmt(monthly, "USD")),
                  font={"color": LINE_COLOURS["target"], "size": 11},
                  axes=subplot_axes(fig, 4))]


def _chain_kpi(fig: go.Figure, frame: pd.DataFrame, x: pd.Series, kpi: Kpi, row: int, layout: dict) -> list[Line]:
    met = frame[f"{kpi.key}_met"].astype(bool)
    fig.add_scatter(x=x, y=frame[kpi.key], name=_(kpi.label), mode="lines+markers", legend=f"legend{row}",
                    line={"color": "#2f6f8f", "width": 3},
                    marker={"color": [LINE_COLOURS["target"] if m else OVER_COLOUR for m in met], "size": 9},
                    customdata=[fmt(v, kpi.unit) for v in frame[kpi.key]], row=row, col=1,
                    hovertemplate="%{customdata}<extra>" + _(kpi.label) + "</extra>")
    top = max(float(frame[kpi.key].max()), kpi.target, kpi.baseline) * 1.15
    layout[_chain_y(fig, row)] = {"title": {"text": _(AXIS_TITLES.get(kpi.unit, kpi.unit))}, "range": [0, top],
                                  "tickprefix": "$" if kpi.unit.startswith("USD") else "",
                                  "ticksuffix": " %" if "%" in kpi.unit else ""}
    return [line for kind, level in (("target", kpi.target), ("baseline", kpi.baseline))
            for line in plan_line(level, plan_level_text(kpi, kind, level), kind, font_size=11,
                                  axes=subplot_axes(fig, row))]


def plan_level_text(kpi: Kpi, kind: str, level: float) -> str:
    """'target <= $5.00' or 'baseline $6.00': a KPI's plan line named on a chart."""
    value = fmt(level, kpi.unit, short=True, trim=True)
    if kind == "target":
        return _("target {sign} {value}").format(sign=OP_SIGNS[kpi.op], value=value)
    return _("baseline {value}").format(value=value)


def month_ticks(months: Sequence[date] | pd.Series, every: int = 1) -> dict:
    """An x axis of months labelled as the pages write a month (Plotly's own date labels are English):
    every `every`-th month from the first."""
    shown = list(months)[::every]
    return {"tickvals": pd.to_datetime(shown), "ticktext": [month_text(m) for m in shown]}


def scenario_month_table(frame: pd.DataFrame) -> pd.DataFrame:
    """The chain month by month as finance reads it: one row per quantity (demand, capacity, staffing,
    each cost line, total, plan, KPIs), one column per month, raw numbers and a unit column."""
    the_plan = plan()
    rows = [(c, _(label), unit) for c, label, unit in MONTH_ROWS]
    rows += [(b.name, _("Cost: {line}").format(line=line_label(b.name)), "USD") for b in the_plan.budget_lines]
    rows += [("total_usd", _("Cost: total"), "USD"), ("plan_budget_usd", _("Plan budget a month"), "USD"),
             ("support_cost_per_user_usd", _(the_plan.kpi("support_cost_per_user_usd").label), "USD/user/month"),
             ("infra_cost_pct_revenue", _(the_plan.kpi("infra_cost_pct_revenue").label), "% of revenue")]
    out = pd.DataFrame({"quantity": [r[1] for r in rows], "unit": [r[2] for r in rows]})
    for i, month in enumerate(frame["month"]):
        out[month_text(month)] = [float(frame[r[0]].iloc[i]) for r in rows]
    return out


def formatted(table: pd.DataFrame, unit_column: str = "unit",
              text_columns: Sequence[str] = ("quantity",)) -> pd.DataFrame:
    """A table of numbers with a unit per row, as text through fmt (for display only). Money and
    percentages keep their sign; counts (users, FTE, GB ...) are bare, their unit is in the row's name."""
    out = table.copy()
    for c in out.columns:
        if c not in (unit_column, *text_columns):
            out[c] = [fmt(v, u if u.startswith("USD") or "%" in u else "", short=True).strip()
                      for v, u in zip(out[c], out[unit_column])]
    return out.drop(columns=[unit_column]).rename(columns={"quantity": ""})


def line_vs_plan(frame: pd.DataFrame, months: int) -> pd.DataFrame:
    """models.scenario.line_vs_plan with the lines and groups named as on screen."""
    out = models.scenario.line_vs_plan(frame, plan(), months)
    return out.assign(line=[line_label(n) for n in out["line"]], group=[line_label(g) for g in out["group"]])


def scenario_title_line(drivers: models.scenario.Drivers, base_drivers: models.scenario.Drivers,
                        base: models.scenario.Base, months: int) -> str:
    """'**Fast growth**, 12 months from Nov 2026 · 1 driver changed from the base: ...' (Markdown)."""
    changes = changed_drivers(drivers, base_drivers)
    s = scenario_state()
    name = s.loaded
    if name and models.scenario.with_overrides(base_drivers, s.opened) != drivers:
        name = _("{name} (edited since opened, not saved)").format(name=name)
    what = (ngettext("{n} driver changed from the base: {changes}", "{n} drivers changed from the base: {changes}",
                     len(changes)).format(n=len(changes), changes=" · ".join(changes))
            if changes else _("every driver as in the base"))
    name = name or (_("Unsaved scenario") if changes else _("Base scenario"))
    return _("**{name}**, {months} months from {month} · {what}").format(
        name=name, months=months, month=i18n.date_text(base.start, "month"), what=what)


def base_kind() -> str:
    """The base the Scenarios page starts from: measured unless the user chose the plan."""
    return st.session_state.get(SC_BASE) or "measured"


def scenario_headline(summary: Mapping, months: int) -> None:
    """Four numbers: the horizon's cost against the plan, the two cost KPIs against their targets
    (and the month each is first met), and support FTE paid against what Erlang C needs."""
    the_plan = plan()
    over = summary["total_usd"] - summary["plan_total_usd"]
    cols = st.columns(4)
    cols[0].metric(_("Total cost, {months} months").format(months=months), fmt(summary["total_usd"], "USD"),
                   border=True, delta=("+" if over > 0 else "-" if over < 0 else "") + fmt(abs(over), "USD"),
                   delta_description=_("vs plan"),
                   delta_color="inverse" if abs(over) >= 0.005 else "off",
                   delta_arrow="auto" if abs(over) >= 0.005 else "off",
                   help=_("Against the plan's budget for the horizon's {months} months, {budget}: {year} a year, pro "
                          "rata or by a line's monthly profile (plan.toml).").format(
                       months=months, budget=fmt(summary["plan_total_usd"], "USD"),
                       year=fmt(the_plan.budget_total_usd, "USD")))
    for col, key in zip(cols[1:3], ("support_cost_per_user_usd", "infra_cost_pct_revenue")):
        kpi = the_plan.kpi(key)
        value = summary[key]
        met = value is not None and compare(value, kpi.op, kpi.target)
        words = target_words(summary, key)
        if key == "support_cost_per_user_usd" and met and models.scenario.understaffed(summary):
            # cheap because customers wait: not a plain "met"
            met, words = False, _("{words}, understaffed").format(words=words)
        col.metric(_(HEADLINE_NAMES[key]), fmt(value, kpi.unit, short=True), border=True, delta=words,
                   delta_color="green" if met else "orange" if value is not None and
                   compare(value, kpi.op, kpi.target) else "red", delta_arrow="off",
                   help=_("{kpi} over the whole horizon ({measurement}); target {sign} {target}. Below the value: "
                          "the month the monthly value first meets it. Month by month in rows 5 and 6 of the "
                          "chart.").format(kpi=_(kpi.label), measurement=_(kpi.measurement).lower(),
                                           sign=OP_SIGNS[kpi.op], target=fmt(kpi.target, kpi.unit, trim=True)))
    short = summary["fte_needed_high"] - summary["support_fte"]
    cols[3].metric(_("Support FTE paid"), fmt(summary["support_fte"], "FTE"), border=True,
                   delta=_("needs {low} to {high}").format(low=i18n.number(summary["fte_needed_low"], 1),
                                                           high=i18n.number(summary["fte_needed_high"], 1)),
                   delta_color="red" if short > 0.05 else "green", delta_arrow="off",
                   help=_("The mean over the horizon. Needed: the tier-1 FTE Erlang C asks for each month to answer "
                          "{targets} at the service-level goal, grossed up for shrinkage.").format(
                       targets=answer_targets(the_plan)))


def scenario_chain_chart(frame: pd.DataFrame) -> go.Figure:
    """The chain on one figure, month by month, top to bottom: demand -> capacity -> staffing -> cost ->
    the two cost KPIs against the plan's targets. Each row names its series in its own legend."""
    the_plan = plan()
    titles = [_(t) for t in CHAIN_TITLES]
    fig = make_subplots(rows=6, cols=1, shared_xaxes=True, vertical_spacing=0.045,
                        row_heights=[1, 1, 1, 1.2, 1, 1], specs=[[{"secondary_y": r < 2}] for r in range(6)])
    x = pd.to_datetime(frame["month"])
    # The rows' axes, legends and lines go into one layout update at the end: each update on this
    # six-row figure re-lays out all of it, and a dozen calls took most of the page's rerun.
    layout: dict = {"barmode": "stack"}
    _chain_demand_capacity(fig, frame, x, layout)
    lines = [*_chain_staffing(fig, frame, x, the_plan, layout), *_chain_cost(fig, frame, x, the_plan, layout)]
    for row, key in ((5, "support_cost_per_user_usd"), (6, "infra_cost_pct_revenue")):
        lines += _chain_kpi(fig, frame, x, the_plan.kpi(key), row, layout)
    for i, title in enumerate(titles):  # each row's title leads its own legend, so the two never overlap
        cell = fig.get_subplot(i + 1, 1)
        layout[f"legend{'' if i == 0 else i + 1}"] = {
            "orientation": "h", "x": 0, "xanchor": "left", "y": cell.yaxis.domain[1], "yanchor": "bottom",
            "font": {"size": 12}, "bgcolor": "rgba(0,0,0,0)",
            "title": {"text": f"<b>{title}</b>  ", "font": {"size": 14}}}
        layout[cell.xaxis.plotly_name] = month_ticks(frame["month"], 1 if len(frame) <= 12 else 3)
    fig.update_layout(layout, height=1250, margin={"l": 10, "r": 70, "t": 30, "b": 10}, hovermode="x unified",
                      bargap=0.25, **lines_layout(lines))
    return fig
