"""What-if tools on a scenario: sensitivity (tornado), Monte Carlo and goal seek."""
from __future__ import annotations

from dataclasses import replace
from datetime import date
from typing import Mapping

import pandas as pd
import plotly.graph_objects as go
import streamlit as st

import models.scenario
from core import i18n
from core.budget import budget_for
from core.i18n import N_, _
from core.plan import Kpi, Plan
from models import whatif

from ui.cache import PLAN_KEY, plan
from ui.downloads import download_both
from ui.figures import add_lines, hline, vline
from ui.formatting import fmt, month_text
from ui.palette import AXIS_TITLES, LINE_COLOURS, OP_SIGNS, OVER_COLOUR
from ui.scenarios.drivers import DRIVER_INFO, driver_label, driver_value_text
from ui.scenarios.session import keep, scenario_state
from ui import charts


MC_BATCH = 250  # runs per cached batch and progress step: short enough for the bar to move steadily
# The ranges editor's columns (as mc_ranges_frame names them) and their headers on screen.
MC_HEADERS = {"Vary": N_("Vary"), "Group": N_("Group"), "Driver": N_("Driver"), "Scenario value": N_("Scenario value"),
              "Low": N_("Low"), "High": N_("High")}


def mc_columns() -> dict:
    """The ranges editor's column_config, headed in the language in use."""
    headers = {column: _(header) for column, header in MC_HEADERS.items()}
    return {"Vary": st.column_config.CheckboxColumn(headers["Vary"], help=_("Draw this driver at random in each run.")),
            "Group": st.column_config.TextColumn(headers["Group"]),
            "Driver": st.column_config.TextColumn(headers["Driver"]),
            **{c: st.column_config.NumberColumn(headers[c], format="localized", required=c != "Scenario value")
               for c in ("Scenario value", "Low", "High")}}


@st.cache_data(hash_funcs=PLAN_KEY, max_entries=64, show_spinner=False)
def _tornado(drivers: models.scenario.Drivers, base: models.scenario.Base, the_plan: Plan, months: int,
             pct: float) -> pd.DataFrame:
    outcome = whatif.scenario_outcome(base, the_plan, months)
    return whatif.tornado(outcome, drivers, pct, limits=models.scenario.LIMITS)


def load_tornado(drivers: models.scenario.Drivers, base: models.scenario.Base, months: int, pct: float) -> pd.DataFrame:
    """models.whatif.tornado on the scenario (total cost and support cost per user), cached."""
    with st.spinner(_("Moving each driver down and up ...")):
        return _tornado(drivers, base, plan(), months, pct)


@st.cache_data(hash_funcs=PLAN_KEY, max_entries=400, show_spinner=False)
def _mc_batch(drivers: models.scenario.Drivers, base: models.scenario.Base, the_plan: Plan, months: int,
              ranges: tuple[tuple[str, float, float], ...], runs: int, seed: int, start: int,
              stop: int) -> pd.DataFrame:
    # Every batch draws all runs from the seed and keeps its slice: the same runs however they are batched.
    draws = whatif.draw(drivers, {n: (lo, hi) for n, lo, hi in ranges}, runs, seed).iloc[start:stop]
    return whatif.simulate(whatif.scenario_outcome(base, the_plan, months), drivers, draws)


@st.cache_data(hash_funcs=PLAN_KEY, max_entries=64, show_spinner=False)
def _goal_seek(drivers: models.scenario.Drivers, base: models.scenario.Base, the_plan: Plan, months: int,
               month: date) -> dict:
    return whatif.goal_seek(drivers, base, the_plan, months, month)


def load_goal_seek(drivers: models.scenario.Drivers, base: models.scenario.Base, months: int, month: date) -> dict:
    """Goal seek on support cost per user in `month`: the active users that bring it to the target with
    the scenario's staffing, the paid headcount that does at the month's users, and that month's
    Erlang FTE; cached."""
    with st.spinner(_("Seeking the break-even ...")):
        return _goal_seek(drivers, base, plan(), months, month)


def tornado_caption(table: pd.DataFrame) -> str:
    """Which drivers move nothing, and which moves the model refused."""
    still = table.groupby("driver")["swing"].max()
    none = [DRIVER_INFO[n].long_label for n in still[still <= 1e-9].index]
    refused = table[table["note"] != ""].drop_duplicates("driver")
    parts = [_("No effect on either number (a driver at 0 does not move by a percentage; handling times and "
               "service levels count only when hiring to demand): {drivers}.").format(drivers=", ".join(none))
             if none else ""]
    parts += [_("{driver} not moved: {reason}.").format(driver=driver_label(r.driver), reason=r.note)
              for r in refused.itertuples()]
    return " ".join(p for p in parts if p) or _("Every driver moves at least one of the two numbers.")


def mc_ranges_frame(drivers: models.scenario.Drivers) -> pd.DataFrame:
    """models.whatif.default_ranges as the ranges editor shows them, each driver named."""
    ranges = whatif.default_ranges(drivers, models.scenario.LIMITS)
    return pd.DataFrame({"driver": ranges["driver"], "Vary": ranges["vary"],
                         "Driver": [DRIVER_INFO[n].long_label for n in ranges["driver"]],
                         "Group": [_(DRIVER_INFO[n].group) for n in ranges["driver"]],
                         "Scenario value": ranges["value"],
                         "Low": ranges["low"], "High": ranges["high"]})


def mc_ranges(edited: pd.DataFrame) -> tuple[tuple[str, float, float], ...]:
    """The ticked rows of the ranges editor as a hashable tuple (driver, low, high)."""
    ticked = edited[edited["Vary"].astype(bool)]
    return tuple((r.driver, float(r.Low), float(r.High)) for r in ticked.itertuples())


def mc_summary(results: pd.DataFrame, budget: float, kpi: Kpi) -> pd.DataFrame:
    """P10 / P50 / P90 of the two outcomes and the share of runs on the right side of the plan, as text."""
    table = whatif.percentiles(results, whatif.OUTCOMES).set_index("metric")
    within = whatif.chance(results, "total_usd", "<=", budget)
    meet = whatif.chance(results, kpi.key, kpi.op, kpi.target)
    staffed = whatif.chance(results, kpi.key, kpi.op, kpi.target, staffed=True)
    chances = {"total_usd": _("{share} within the budget of {budget}").format(share=f"{within:.0%}",
                                                                              budget=fmt(budget, "USD")),
               kpi.key: _("{share} meet the target {sign} {target}, {staffed} while paying the support FTE Erlang C "
                          "needs").format(share=f"{meet:.0%}", sign=OP_SIGNS[kpi.op],
                                          target=fmt(kpi.target, kpi.unit, short=True), staffed=f"{staffed:.0%}")}
    names = {"total_usd": (_("Total cost over the horizon"), "USD"),
             kpi.key: (_("{kpi} (horizon)").format(kpi=_(kpi.label)), kpi.unit)}
    return pd.DataFrame([{"": names[k][0], **{q.upper(): fmt(table.loc[k, q], names[k][1], short=True)
                                              for q in ("p10", "p50", "p90")}, _("Runs"): chances[k]}
                         for k in whatif.OUTCOMES])


def seek_months(base: models.scenario.Base, months: int) -> list[date]:
    """The months a goal seek can be asked for: the scenario's horizon."""
    return whatif.horizon_months(base, months)


def run_monte_carlo(drivers: models.scenario.Drivers, base: models.scenario.Base, months: int,
                    ranges: tuple[tuple[str, float, float], ...], runs: int, seed: int) -> pd.DataFrame:
    """models.whatif's Monte Carlo on the scenario, in cached batches behind a progress bar.
    Returns one row per run: the drawn drivers, total_usd and support_cost_per_user_usd."""
    whatif.check_ranges(drivers, {n: (lo, hi) for n, lo, hi in ranges}, models.scenario.LIMITS)
    bar = st.progress(0.0, text=_("Simulating {runs} runs ...").format(runs=i18n.number(runs)))
    parts = []
    try:
        for start in range(0, runs, MC_BATCH):
            stop = min(start + MC_BATCH, runs)
            parts.append(_mc_batch(drivers, base, plan(), months, ranges, runs, seed, start, stop))
            bar.progress(stop / runs, text=_("Simulated {done} of {runs} runs").format(done=i18n.number(stop),
                                                                                        runs=i18n.number(runs)))
    finally:
        bar.empty()  # also when a draw is refused: no bar left half full
    return pd.concat(parts)


def monte_carlo_section(drivers: models.scenario.Drivers, base: models.scenario.Base, months: int) -> None:
    """Ranges, runs and seed in a form; on Run, the simulation (cached, with progress) and its P10 / P50 / P90."""
    with st.form("sc_mc_form", border=False):
        st.caption(_("Each ticked driver is drawn in every run between its low and high (triangular, peaking at the "
                     "scenario's value); the others stay as on screen."))
        edited = st.data_editor(mc_ranges_frame(drivers), key="sc_mc_ranges", hide_index=True, height=300,
                                column_order=["Vary", "Group", "Driver", "Scenario value", "Low", "High"],
                                disabled=["Group", "Driver", "Scenario value"], column_config=mc_columns())
        runs_col, seed_col = st.columns(2)
        runs = runs_col.slider(_("Runs"), 200, 2000, 500, step=100, key="sc_mc_runs",
                               help=_("More runs steady the percentiles; each run evaluates the whole horizon."))
        seed = seed_col.number_input(_("Seed"), 0, 2**31 - 1, 42, step=1, key="sc_mc_seed",
                                     help=_("The same seed and ranges give the same runs (numpy default_rng)."))
        if st.form_submit_button(_("Run the simulation"), icon=":material/casino:", type="primary"):
            keep(replace(scenario_state(), mc_request=(drivers, months, mc_ranges(edited), int(runs), int(seed))))
    request = scenario_state().mc_request
    if request is None:
        st.info(_("Set the ranges and press **Run the simulation**."))
        return
    _monte_carlo_results(request, drivers, base, months)


def _monte_carlo_results(request: tuple, drivers: models.scenario.Drivers, base: models.scenario.Base,
                         months: int) -> None:
    ran_drivers, ran_months, ranges, runs, seed = request
    if not ranges:
        st.warning(_("Tick at least one driver to vary."))
        return
    if (ran_drivers, ran_months) != (drivers, months):
        st.warning(_("The drivers or the horizon changed since this run: it shows the scenario as it was. "
                     "Press **Run the simulation** again for the one on screen."))
    try:
        results = run_monte_carlo(ran_drivers, base, ran_months, ranges, runs, seed)
    except models.scenario.ScenarioError as exc:
        st.error(_("**The simulation cannot run:** {error}.").format(error=exc))
        return
    kpi = plan().kpi("support_cost_per_user_usd")
    budget = budget_for(plan(), base.start, ran_months)
    st.dataframe(mc_summary(results, budget, kpi), hide_index=True)
    left, right = st.columns(2)
    charts.chart(left, mc_histogram(results, "total_usd", "USD",
                                   _("Total cost over {months} months, {runs} runs").format(
                                       months=ran_months, runs=i18n.number(runs)),
                                   (budget, _("plan budget"))), key="sc_mc_total")
    charts.chart(right, mc_histogram(results, kpi.key, kpi.unit, _("Support cost per user (horizon)"),
                                    (kpi.target, _("target"))), key="sc_mc_cpu")
    varied = ", ".join(_("{driver} {low} to {high}").format(driver=driver_label(n), low=driver_value_text(n, lo),
                                                            high=driver_value_text(n, hi)) for n, lo, hi in ranges)
    st.caption(_("{runs} runs, seed {seed} (numpy default_rng), triangular draws: {drivers}.").format(
        runs=i18n.number(runs), seed=seed, drivers=varied))
    download_both(results.reset_index(), f"opsplan-monte-carlo-seed{seed}", _("Monte Carlo runs"))


def goal_seek_text(seek: Mapping) -> None:
    """The goal seek's answers in sentences, with the month's Erlang FTE beside the headcount answer."""
    kpi = plan().kpi("support_cost_per_user_usd")
    target = f"{OP_SIGNS[kpi.op]} {fmt(kpi.target, kpi.unit, short=True)}"
    month = month_text(seek["month"])
    st.markdown(_("In **{month}** the scenario has **{users}** and pays **{fte}** of support: **{cost}**.").format(
        month=month, users=fmt(seek["users"], "users"), fte=fmt(seek["fte_paid"], "FTE"),
        cost=fmt(seek["cost_per_user"], kpi.unit)))
    if seek["users_needed"] is None:
        st.markdown(_("- **Active users for {target}:** none; at this staffing no user count up to 100 million "
                      "gets there.").format(target=target))
    else:
        reached = (_("the scenario gets there in **{month}**").format(month=month_text(seek["users_reached_in"]))
                   if seek["users_reached_in"] else _("the scenario does not get there within the horizon"))
        st.markdown(_("- **Active users for {target}:** more than **{users}** with the month's support staffing; "
                      "{reached}.").format(target=target, users=fmt(seek["users_needed"], "users"), reached=reached))
    fte = seek["fte_for_target"]
    if fte is None:
        st.markdown(_("- **Paid support headcount for {target}:** none found up to 1,000 FTE.").format(target=target))
        return
    clash = fte < seek["fte_needed"]
    headcount = (_("- **Paid support headcount for {target}** at {users}: below **{fte}**. Erlang C needs **{needed}** "
                   "that month for the answer targets: :red[the cost target and the service level cannot both be met "
                   "at this size.]") if clash else
                 _("- **Paid support headcount for {target}** at {users}: below **{fte}**. Erlang C needs **{needed}** "
                   "that month for the answer targets: both can be met."))
    st.markdown(headcount.format(target=target, users=fmt(seek["users"], "users"), fte=fmt(fte, "FTE"),
                                 needed=fmt(seek["fte_needed"], "FTE")))


def tornado_chart(table: pd.DataFrame, metric: str, unit: str, title: str, pct: float,
                  reference: tuple[float, str] | None = None, top: int = 12) -> go.Figure:
    """The drivers that move `metric` most: a bar from the scenario's value to the value with the
    driver down `pct` % (blue) and up `pct` % (orange)."""
    rows = table[(table["metric"] == metric) & (table["swing"] > 1e-9)].head(top).iloc[::-1]
    labels = [DRIVER_INFO[n].long_label for n in rows["driver"]]
    base = float(table.loc[table["metric"] == metric, "base"].iloc[0])
    fig = go.Figure()
    for side, colour, name in (("low", "#2f6f8f", _("driver -{pct} %").format(pct=f"{pct:g}")),
                               ("high", "#e07b39", _("driver +{pct} %").format(pct=f"{pct:g}"))):
        texts = [f"{driver_value_text(d, v)}: {fmt(o, unit)}" for d, v, o in
                 zip(rows["driver"], rows[f"{side}_value"], rows[side])]
        fig.add_bar(y=labels, x=rows[side] - base, base=base, orientation="h", name=name, marker_color=colour,
                    hovertext=texts, hoverinfo="text")
    lines = [vline(base, {"color": "#111", "width": 1},
                   _("scenario {value}").format(value=fmt(base, unit, short=True)))]
    if reference:
        lines.append(vline(reference[0], {"color": LINE_COLOURS["target"], "dash": "dash", "width": 2}, reference[1],
                           "bottom", font={"color": LINE_COLOURS["target"]}))
    add_lines(fig, lines)
    fig.update_layout(barmode="overlay", title={"text": title}, height=120 + 30 * max(len(rows), 6),
                      margin={"l": 10, "r": 10, "t": 60, "b": 10}, legend={"orientation": "h", "y": -0.12})
    fig.update_xaxes(title_text=_(AXIS_TITLES.get(unit, N_("USD over the horizon"))), tickprefix="$",
                     separatethousands=True)
    return fig


def mc_histogram(results: pd.DataFrame, column: str, unit: str, title: str,
                 reference: tuple[float, str]) -> go.Figure:
    """The runs' distribution with P10 / P50 / P90 and the plan's number (budget or target) marked."""
    table = whatif.percentiles(results, [column]).iloc[0]
    fig = go.Figure(go.Histogram(x=results[column], nbinsx=40, marker_color="#6c9fb8", name=_("runs"),
                                 hovertemplate=_("%{x}: %{y} runs") + "<extra></extra>"))
    add_lines(fig, [*(vline(table[q], {"color": "#1f4e66", "dash": dash, "width": 2}, q.upper())
                      for q, dash in (("p10", "dot"), ("p50", "solid"), ("p90", "dot"))),
                    vline(reference[0], {"color": LINE_COLOURS["target"], "dash": "dash", "width": 2}, reference[1],
                          "bottom right", font={"color": LINE_COLOURS["target"]})])
    fig.update_layout(title={"text": title}, height=330, margin={"l": 10, "r": 10, "t": 60, "b": 10}, showlegend=False,
                      bargap=0.05)
    fig.update_xaxes(title_text=_(AXIS_TITLES.get(unit, N_("USD over the horizon"))), tickprefix="$",
                     separatethousands=True)
    fig.update_yaxes(title_text=_("runs"))
    return fig


def goal_seek_chart(drivers: models.scenario.Drivers, base: models.scenario.Base, seek: Mapping) -> go.Figure:
    """Support cost per user against active users in the month, the target, the month's users and the break-even."""
    the_plan = plan()
    kpi = the_plan.kpi("support_cost_per_user_usd")
    top = max(seek["users"], seek["users_needed"] or 0) * 2.5
    users = [top * k / 60 for k in range(1, 61)]
    curve = whatif.cost_per_user_curve(drivers, base, the_plan, seek["month"], users)
    fig = go.Figure(go.Scatter(x=curve["active_users"], y=curve["support_cost_per_user_usd"], mode="lines",
                               name=_("support cost per user"), line={"color": "#2f6f8f", "width": 3},
                               hovertemplate=_("%{x:,.0f} users: $%{y:.2f}") + "<extra></extra>"))
    lines = [hline(kpi.target, {"color": LINE_COLOURS["target"], "dash": "dash"},
                   _("target {sign} {value}").format(sign=OP_SIGNS[kpi.op],
                                                     value=fmt(kpi.target, kpi.unit, short=True)),
                   "top right", font={"color": LINE_COLOURS["target"]})]
    fig.add_scatter(x=[seek["users"]], y=[seek["cost_per_user"]], mode="markers+text", name=_("the scenario"),
                    marker={"size": 12, "color": OVER_COLOUR}, text=[f"{month_text(seek['month'])}"],
                    textposition="top right")
    if seek["users_needed"]:
        lines.append(vline(seek["users_needed"], {"color": LINE_COLOURS["target"], "width": 1},
                           _("break-even {users}").format(users=fmt(seek["users_needed"], "users")), "top right"))
    add_lines(fig, lines)
    fig.update_layout(title={"text": _("Support cost per user against active users, {month}").format(
                          month=month_text(seek["month"]))},
                      height=360, margin={"l": 10, "r": 10, "t": 50, "b": 10}, showlegend=False)
    fig.update_xaxes(title_text=_("active users in the month"), separatethousands=True)
    fig.update_yaxes(title_text=_("USD per user per month"), tickprefix="$",
                     range=[0, max(kpi.target * 3, seek["cost_per_user"] * 1.3)])
    return fig
