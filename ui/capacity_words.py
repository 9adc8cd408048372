"""The Capacity page's words and tables: the headline tiles, the crossing table, the note on a
first-day crossing, the monthly plan and headroom tables' columns, the chart's caption. Numbers
come from ui/capacity.py's view; nothing here computes a forecast.
"""
from __future__ import annotations

import pandas as pd
import streamlit as st

import models.capacity
from core.plan import Capacity

from ui.capacity import CAP_LEVEL, CAP_RESOURCES, CapacityView, cap_date, scale_up_at


CAP_PLAN_COLUMNS = {
    "month": st.column_config.DateColumn("month", format="MMM YYYY"),
    "peak_upper_pct": st.column_config.NumberColumn("peak of upper bound", format="%.1f %%",
                                                    help="The month's highest daily upper bound, % of today's fleet."),
    "mean_pct": st.column_config.NumberColumn("mean forecast", format="%.1f %%"),
    "instances_now": st.column_config.NumberColumn("instances now"),
    "instances_needed": st.column_config.NumberColumn(
        "instances needed", help="ceil(instances now x peak upper bound x (1 + reserve) / scale-up line): enough "
                                 "that the month's peak stays under the scale-up trigger with the reserve kept."),
    "change": st.column_config.NumberColumn("change", format="%+d"),
    "scale_down": st.column_config.CheckboxColumn("scale-down opportunity",
                                                  help="The month's mean forecast stays under the scale-down line."),
    "peak_upper": st.column_config.NumberColumn("peak of upper bound", format="%.1f"),
    "mean": st.column_config.NumberColumn("mean forecast", format="%.1f"),
    "storage_needed": st.column_config.NumberColumn(
        "storage to provision", format="%.1f",
        help="The month's peak upper bound x (1 + reserve) / scale-up line."),
}
HEADROOM_COLUMNS = {
    "service": st.column_config.TextColumn("service"),
    "current_pct": st.column_config.ProgressColumn("now", format="%.0f %%", min_value=0, max_value=100,
                                                   width="small", help="The mean of the last 7 days."),
    "scale_up_at": st.column_config.TextColumn("measured forecast",
                                               help="The first day the measured forecast's mean reaches the "
                                                    "scale-up line."),
    "days_to_scale_up": st.column_config.TextColumn("days", width="small",
                                                    help="Days from the data-through date to the measured "
                                                                 "forecast's crossing."),
    "upper_at": st.column_config.TextColumn("its upper bound",
                                            help="The pessimistic date: the measured forecast's upper bound crosses."),
    "plan_at": st.column_config.TextColumn("sidebar's assumptions",
                                           help="The first day the growth scenario of the sidebar (the plan's "
                                                "assumptions unless a slider moved) reaches the scale-up line."),
}


def crossing_table(view: CapacityView, cap: Capacity) -> pd.DataFrame:
    """The crossings as a planner reads them: which line, the first day the measured forecast's
    mean and upper bound reach it, and the day the scenario's mean does, beside."""
    crossings, scenario = view.crossings, view.scenario_crossings
    names = {cap.monitor_pct: "monitor", cap.scale_up_pct: "scale up", 100.0: "full"}
    return pd.DataFrame({
        "line": [f"{names.get(t, '')} {t:g} %".strip() for t in crossings["threshold_pct"]],
        "measured forecast reaches it": [cap_date(v) for v in crossings["mean_at"]],
        f"its upper bound ({CAP_LEVEL} %) reaches it": [cap_date(v) for v in crossings["upper_at"]],
        f"{view.scenario_name} reach it": [cap_date(v) for v in scenario["mean_at"]]})


def crossing_words(view: CapacityView, cap: Capacity) -> tuple[str, str, str | None]:
    """The headline tile (label, value, delta): when the measured forecast's mean reaches the
    scale-up line (or that it does not within the horizon), the scenario's day below it."""
    if view.crossings is None:
        return "Scale-up line", "n/a", "data volume is in GB"
    label = f"Reaches {cap.scale_up_pct:g} % (measured)"
    measured, scenario = scale_up_at(view.crossings, cap), scale_up_at(view.scenario_crossings, cap)
    beside = f"{view.scenario_name}: {cap_date(scenario) if scenario is not None else 'not within the horizon'}"
    return label, "—" if measured is None else cap_date(measured), \
        (beside if measured is not None else f"not by {view.statistical['ds'].iloc[-1]:%d %b %Y} · {beside}")


def first_day_note(view: CapacityView, resource: str, cap: Capacity) -> str | None:
    """A scale-up crossing on the forecast's first day, and what causes it: the measured level, or
    which of the scenario's assumptions (models.capacity.crossing_causes)."""
    if view.crossings is None or resource not in models.capacity.LOAD_RESOURCES:
        return None
    first = pd.Timestamp(view.statistical["ds"].iloc[0])
    if scale_up_at(view.crossings, cap) == first:
        return (f"The measured forecast is at the {cap.scale_up_pct:g} % scale-up line on its first day "
                f"({first:%d %b %Y}): the service is already there, whatever the growth assumptions.")
    if scale_up_at(view.scenario_crossings, cap) == first and view.causes:
        return (f"{view.scenario_name} reach the {cap.scale_up_pct:g} % scale-up line on the forecast's first day "
                f"({first:%d %b %Y}) because of {' and '.join(view.causes)}. The measured forecast does not.")
    return None


def scenario_cause_words(view: CapacityView, cap: Capacity) -> str | None:
    """What makes the scenario reach the scale-up line, beside the measured forecast's day: 'Plan's
    assumptions reach 80 % on 19 Dec 2026 because of the plan's +50 % users a quarter; the measured
    forecast on 01 May 2027.' None when the scenario does not reach it."""
    at = None if view.scenario_crossings is None else scale_up_at(view.scenario_crossings, cap)
    if at is None or not view.causes:
        return None
    measured = scale_up_at(view.crossings, cap)
    return (f"{view.scenario_name} reach {cap.scale_up_pct:g} % on {cap_date(at)} because of "
            f"{' and '.join(view.causes)}; the measured forecast "
            f"{'on ' + cap_date(measured) if measured is not None else 'not within the horizon'}.")


def plan_peak_words(view: CapacityView, unit: str) -> tuple[str, str, str]:
    """The fourth tile (label, value, delta): the most instances any month needs, or the storage
    to provision by the horizon's end."""
    m = view.monthly
    if "instances_needed" in m:
        peak = m.loc[m["instances_needed"].idxmax()]
        return "Instances at peak", f"{int(peak['instances_needed'])}", f"in {peak['month']:%b %Y}"
    unit = "GB" if unit == "GB" else "% of today's volume"
    return "Storage to provision", f"{m['storage_needed'].iloc[-1]:,.1f}", f"{unit} by {m['month'].iloc[-1]:%b %Y}"


def capacity_caption(view: CapacityView, resource: str, cap: Capacity) -> str:
    unit = CAP_RESOURCES[resource].unit
    lines = (f"The solid line is the measured forecast: the data's own trend and seasons. The shaded band is its "
             f"{CAP_LEVEL} % interval: on held-out past data, about {CAP_LEVEL} % of days fell inside a band made this "
             f"way (see the backtest). The dashed line, {view.scenario_name}, scales that forecast by the sidebar's "
             "growth from the last measured day on" + (": the peak season ramps in over the month before it, the "
                                                       "feature uplift over a year." if resource in
                                                       models.capacity.LOAD_RESOURCES else "."))
    if unit == "%":
        return (lines + f" Lines: monitor {cap.monitor_pct:g} %, scale up {cap.scale_up_pct:g} %, full 100 %, "
                f"scale down below {cap.scale_down_pct:g} % (plan.toml [capacity]). The axis stops at 200 %.")
    return (lines + f" Storage to provision (measured forecast): the month's upper bound x (1 + {cap.reserve_pct:g} % "
            f"reserve) / {cap.scale_up_pct:g} % scale-up line.")


def monthly_plan_words(view: CapacityView, resource: str, cap: Capacity, instances: int) -> str:
    """One line over the monthly plan: the most instances (or storage) any month of the measured
    forecast needs, the scale-down months, and what the scenario beside it would ask for."""
    m, s = view.monthly, view.scenario_monthly
    if "instances_needed" in m:
        peak = m.loc[m["instances_needed"].idxmax()]
        down = m.loc[m["scale_down"], "month"]
        text = (f"Measured forecast: **{int(peak['instances_needed'])} instances** needed at most (in "
                f"{peak['month']:%b %Y}), against **{instances}** today.")
        text += (f" Scale-down opportunity in {', '.join(f'{d:%b %Y}' for d in down)}: the mean stays "
                 f"under {cap.scale_down_pct:g} %." if len(down) else " No month falls under the scale-down line.")
        planned = s.loc[s["instances_needed"].idxmax()]
        return text + (f" {view.scenario_name}: {int(planned['instances_needed'])} at most (in "
                       f"{planned['month']:%b %Y}).")
    unit = "GB" if resource == "data_gb" else "% of today's volume"
    return (f"Measured forecast: provision **{m['storage_needed'].iloc[-1]:,.1f} {unit}** by "
            f"{m['month'].iloc[-1]:%b %Y} to keep the {cap.reserve_pct:g} % reserve under the {cap.scale_up_pct:g} % "
            f"line; {view.scenario_name}: {s['storage_needed'].iloc[-1]:,.1f} {unit}.")
