"""Scenario comparison: up to four scenarios side by side, by line and by KPI."""
from __future__ import annotations

import math
from typing import Mapping, Sequence

import pandas as pd
import plotly.graph_objects as go

import models.scenario
from core.i18n import N_, _
from core.plan import Plan
from data import scenarios_store

from ui.cache import connection, plan
from ui.figures import add_lines, plan_line
from ui.formatting import fmt, line_label, month_text
from ui.palette import AXIS_TITLES, OP_SIGNS, SCENARIO_COLOURS
from ui.scenarios.results import evaluate_scenario, month_ticks, scenario_summary, target_words


CURRENT = N_("Current (on screen)")  # a value beside the saved scenarios' names: translated where shown
TOTAL = N_("Total")
COMPARE_NAMES = {"total_usd": TOTAL, "instances": N_("Peak instances"),
                 "support_fte": N_("Support FTE paid (mean)"), "fte_needed_high": N_("Support FTE needed (peak month)")}


def scenario_name(name: str) -> str:
    """A compared scenario's name as shown: the one on screen in the language in use, a saved one as saved."""
    return _(CURRENT) if name == CURRENT else name


def scenarios_to_compare(picked: Sequence[str], current: models.scenario.Drivers,
                         base_drivers: models.scenario.Drivers) -> dict[str, models.scenario.Drivers]:
    """The drivers of each picked scenario: the one on screen, or a saved one from the warehouse."""
    out = {}
    for name in picked:
        out[name] = current if name == CURRENT else models.scenario.from_stored(scenarios_store.load(connection(), name).drivers, base_drivers)[0]
    return out


def compare_scenarios(named: Mapping[str, models.scenario.Drivers], base: models.scenario.Base,
                      months: int) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Side by side over the same horizon and base. Returns (table, monthly): table has metric, unit, the
    plan's number and one column per scenario; monthly is long: scenario, month, total_usd,
    support_cost_per_user_usd, infra_cost_pct_revenue, plus one column per budget line."""
    the_plan = plan()
    frames = {name: evaluate_scenario(d, base, months) for name, d in named.items()}
    sums = {name: scenario_summary(f, months) for name, f in frames.items()}
    table = _labelled(models.scenario.compare_table(sums, the_plan, base.start, months), sums, the_plan)
    monthly = pd.concat([f.assign(scenario=n) for n, f in frames.items()], ignore_index=True)
    keep = ["scenario", "month", "total_usd", "support_cost_per_user_usd", "infra_cost_pct_revenue",
            *[b.name for b in the_plan.budget_lines]]
    return table, monthly[keep]


def _labelled(rows: pd.DataFrame, sums: Mapping[str, dict], the_plan: Plan) -> pd.DataFrame:
    """The model's comparison with its rows named as on screen, each cost KPI followed by when it is met."""
    out = []
    for r in rows.to_dict("records"):
        key, values = r["key"], {n: r[n] for n in sums}
        if key in models.scenario.COST_KPIS:
            kpi = the_plan.kpi(key)
            out += [{"metric": _("{kpi} (target {sign} {target})").format(kpi=_(kpi.label), sign=OP_SIGNS[kpi.op],
                                                                        target=f"{kpi.target:g}"),
                     "unit": r["unit"], "Plan": r["plan"], **values},
                    {"metric": _("{kpi}: when").format(kpi=_(kpi.label)), "unit": "text", "Plan": "",
                     **{n: target_words(s, key) for n, s in sums.items()}}]
        else:
            out.append({"metric": _(COMPARE_NAMES[key]) if key in COMPARE_NAMES else line_label(key),
                        "unit": r["unit"], "Plan": r["plan"], **values})
    return pd.DataFrame(out, columns=["metric", "unit", "Plan", *sums])


def compare_display(table: pd.DataFrame) -> pd.DataFrame:
    """The comparison as text, each number through fmt; 'text' rows as they are. A finance table: money
    keeps its cents here (tiles show whole dollars), so it reads to the cent as the CLI does."""
    out = table.copy()
    for c in out.columns[2:]:
        out[c] = ["" if (isinstance(v, float) and math.isnan(v)) or v == "" else v if u == "text"
                  else fmt(v, u, decimals=2 if u.startswith("USD") else None) for v, u in zip(out[c], out["unit"])]
    return out.drop(columns="unit").rename(columns={"metric": "", "Plan": _("Plan"), CURRENT: _(CURRENT)})


def compare_lines_chart(table: pd.DataFrame) -> go.Figure:
    """Cost per budget line per scenario (grouped bars) with the plan's budget as a tick."""
    lines = table[(table["unit"] == "USD") & (table["metric"] != _(TOTAL))].iloc[::-1]  # the total would dwarf them
    fig = go.Figure()
    for i, name in enumerate(table.columns[3:]):
        fig.add_bar(y=lines["metric"], x=lines[name], orientation="h", name=scenario_name(name),
                    marker_color=SCENARIO_COLOURS[i % len(SCENARIO_COLOURS)],
                    hovertemplate="%{y}: $%{x:,.0f}<extra>" + scenario_name(name) + "</extra>")
    fig.add_scatter(y=lines["metric"], x=lines["Plan"], mode="markers", name=_("Plan budget"),
                    marker={"symbol": "line-ns", "size": 24, "line": {"width": 3, "color": "#111"}},
                    hovertemplate=_("%{y}: plan $%{x:,.0f}") + "<extra></extra>")
    fig.update_layout(barmode="group", height=560, title={"text": _("Cost per budget line over the horizon")},
                      margin={"l": 10, "r": 10, "t": 50, "b": 10}, legend={"orientation": "h", "y": -0.1})
    fig.update_xaxes(title_text=_("USD over the horizon"), tickprefix="$", separatethousands=True)
    return fig


def compare_kpi_chart(monthly: pd.DataFrame, key: str) -> go.Figure:
    """A cost KPI month by month for each scenario, with the plan's target and baseline."""
    kpi = plan().kpi(key)
    fig = go.Figure()
    for i, (name, part) in enumerate(monthly.groupby("scenario", sort=False)):
        fig.add_scatter(x=pd.to_datetime(part["month"]), y=part[key], name=scenario_name(name), mode="lines+markers",
                        line={"color": SCENARIO_COLOURS[i % len(SCENARIO_COLOURS)], "width": 2.5},
                        customdata=[fmt(v, kpi.unit) for v in part[key]], text=[month_text(m) for m in part["month"]],
                        hovertemplate="%{text}: %{customdata}<extra>" + scenario_name(name) + "</extra>")
    levels = ((_("target {value}"), "target", kpi.target), (_("baseline {value}"), "baseline", kpi.baseline))
    add_lines(fig, [line for words, kind, level in levels
                    for line in plan_line(level, words.format(value=fmt(level, kpi.unit, short=True, trim=True)),
                                          kind)])
    fig.update_layout(title={"text": _("{kpi} per month").format(kpi=_(kpi.label))}, height=330,
                      margin={"l": 10, "r": 10, "t": 50, "b": 10}, legend={"orientation": "h", "y": -0.2})
    fig.update_yaxes(title_text=_(AXIS_TITLES.get(kpi.unit, kpi.unit)), rangemode="tozero")
    fig.update_xaxes(**month_ticks(monthly["month"].drop_duplicates(), 1 if monthly["month"].nunique() <= 12 else 3))
    return fig
