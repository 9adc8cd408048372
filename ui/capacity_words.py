"""The Capacity page's words and tables: the headline tiles, the crossing table, the note on a
first-day crossing, the monthly plan and headroom tables' columns, the chart's caption. Numbers
come from ui/capacity.py's view; nothing here computes a forecast.
"""
from __future__ import annotations

import pandas as pd
import streamlit as st

import models.capacity
from core import i18n
from core.i18n import _, pgettext
from core.plan import Capacity

from ui.capacity import CAP_LEVEL, CAP_RESOURCES, THRESHOLD_LABELS, CapacityView, cap_date, scale_up_at
from ui.palette import TABLE_DATE_FORMATS


def cap_plan_columns() -> dict:
    """The monthly capacity plan's columns, in the language in use."""
    return {
        "month": st.column_config.DateColumn(_("month"), format=TABLE_DATE_FORMATS[i18n.language()]["month"]),
        "peak_upper_pct": st.column_config.NumberColumn(
            _("peak of upper bound"), format="%.1f %%",
            help=_("The month's highest daily upper bound, % of today's fleet.")),
        "mean_pct": st.column_config.NumberColumn(_("mean forecast"), format="%.1f %%"),
        "instances_now": st.column_config.NumberColumn(_("instances now")),
        "instances_needed": st.column_config.NumberColumn(
            _("instances needed"), help=_("ceil(instances now x peak upper bound x (1 + reserve) / scale-up line): "
                                          "enough that the month's peak stays under the scale-up trigger with the "
                                          "reserve kept.")),
        "change": st.column_config.NumberColumn(pgettext("difference", "change"), format="%+d"),
        "scale_down": st.column_config.CheckboxColumn(
            _("scale-down opportunity"), help=_("The month's mean forecast stays under the scale-down line.")),
        "peak_upper": st.column_config.NumberColumn(_("peak of upper bound"), format="%.1f"),
        "mean": st.column_config.NumberColumn(_("mean forecast"), format="%.1f"),
        "storage_needed": st.column_config.NumberColumn(
            _("storage to provision"), format="%.1f",
            help=_("The month's peak upper bound x (1 + reserve) / scale-up line.")),
    }


def headroom_columns() -> dict:
    """The headroom ranking's columns, in the order shown and the language in use."""
    return {
        "service": st.column_config.TextColumn(_("service")),
        "current_pct": st.column_config.ProgressColumn(_("now"), format="%.0f %%", min_value=0, max_value=100,
                                                       width="small", help=_("The mean of the last 7 days.")),
        "scale_up_at": st.column_config.TextColumn(
            _("measured forecast"), help=_("The first day the measured forecast's mean reaches the scale-up line.")),
        "days_to_scale_up": st.column_config.TextColumn(
            _("days"), width="small", help=_("Days from the data-through date to the measured forecast's crossing.")),
        "upper_at": st.column_config.TextColumn(
            _("its upper bound"), help=_("The pessimistic date: the measured forecast's upper bound crosses.")),
        "plan_at": st.column_config.TextColumn(
            _("sidebar's assumptions"), help=_("The first day the growth scenario of the sidebar (the plan's "
                                               "assumptions unless a slider moved) reaches the scale-up line.")),
    }


def _pct(value: float) -> str:
    return f"{value:g}"


def _joined(parts: tuple[str, ...]) -> str:
    """'a and b' in the language in use: the causes of a crossing, as one phrase."""
    text = parts[0] if parts else ""
    for part in parts[1:]:
        text = _("{first} and {last}").format(first=text, last=part)
    return text


def _day(value: pd.Timestamp) -> str:
    return i18n.date_text(pd.Timestamp(value).date(), "day_padded")


def _month(value: pd.Timestamp) -> str:
    return i18n.date_text(pd.Timestamp(value).date(), "month")


def crossing_table(view: CapacityView, cap: Capacity) -> pd.DataFrame:
    """The crossings as a planner reads them: which line, the first day the measured forecast's
    mean and upper bound reach it, and the day the scenario's mean does, beside."""
    crossings, scenario = view.crossings, view.scenario_crossings
    kinds = {cap.monitor_pct: "monitor", cap.scale_up_pct: "scale up", 100.0: "full"}
    lines = [_(THRESHOLD_LABELS[kinds[t]]).format(value=_pct(t)) if t in kinds else f"{_pct(t)} %"
             for t in crossings["threshold_pct"]]
    upper = _("its upper bound ({level} %) reaches it").format(level=CAP_LEVEL)
    return pd.DataFrame({
        pgettext("chart", "line"): lines,
        _("measured forecast reaches it"): [cap_date(v) for v in crossings["mean_at"]],
        upper: [cap_date(v) for v in crossings["upper_at"]],
        _("{scenario} reach it").format(scenario=_(view.scenario_name)): [cap_date(v) for v in scenario["mean_at"]]})


def crossing_words(view: CapacityView, cap: Capacity) -> tuple[str, str, str | None]:
    """The headline tile (label, value, delta): when the measured forecast's mean reaches the
    scale-up line (or that it does not within the horizon), the scenario's day below it."""
    if view.crossings is None:
        return _("Scale-up line"), _("n/a"), _("data volume is in GB")
    label = _("Reaches {pct} % (measured)").format(pct=_pct(cap.scale_up_pct))
    measured, scenario = scale_up_at(view.crossings, cap), scale_up_at(view.scenario_crossings, cap)
    beside = f"{_(view.scenario_name)}: {cap_date(scenario)}"
    if measured is None:
        return label, "—", _("not by {day}").format(day=_day(view.statistical["ds"].iloc[-1])) + f" · {beside}"
    return label, cap_date(measured), beside


def first_day_note(view: CapacityView, resource: str, cap: Capacity) -> str | None:
    """A scale-up crossing on the forecast's first day, and what causes it: the measured level, or
    which of the scenario's assumptions (models.capacity.crossing_causes)."""
    if view.crossings is None or resource not in models.capacity.LOAD_RESOURCES:
        return None
    first = pd.Timestamp(view.statistical["ds"].iloc[0])
    if scale_up_at(view.crossings, cap) == first:
        return _("The measured forecast is at the {pct} % scale-up line on its first day ({day}): the service is "
                 "already there, whatever the growth assumptions.").format(pct=_pct(cap.scale_up_pct), day=_day(first))
    if scale_up_at(view.scenario_crossings, cap) == first and view.causes:
        return _("{scenario} reach the {pct} % scale-up line on the forecast's first day ({day}) because of "
                 "{causes}. The measured forecast does not.").format(
            scenario=_(view.scenario_name), pct=_pct(cap.scale_up_pct), day=_day(first), causes=_joined(view.causes))
    return None


def scenario_cause_words(view: CapacityView, cap: Capacity) -> str | None:
    """What makes the scenario reach the scale-up line, beside the measured forecast's day: 'Plan's
    assumptions reach 80 % on 19 Dec 2026 because of the plan's +50 % users a quarter; the measured
    forecast on 01 May 2027.' None when the scenario does not reach it."""
    at = None if view.scenario_crossings is None else scale_up_at(view.scenario_crossings, cap)
    if at is None or not view.causes:
        return None
    measured = scale_up_at(view.crossings, cap)
    values = {"scenario": _(view.scenario_name), "pct": _pct(cap.scale_up_pct), "day": cap_date(at),
              "causes": _joined(view.causes)}
    if measured is None:
        return _("{scenario} reach {pct} % on {day} because of {causes}; the measured forecast not within the "
                 "horizon.").format(**values)
    return _("{scenario} reach {pct} % on {day} because of {causes}; the measured forecast on {measured}.").format(
        **values, measured=cap_date(measured))


def plan_peak_words(view: CapacityView, unit: str) -> tuple[str, str, str]:
    """The fourth tile (label, value, delta): the most instances any month needs, or the storage
    to provision by the horizon's end."""
    m = view.monthly
    if "instances_needed" in m:
        peak = m.loc[m["instances_needed"].idxmax()]
        return _("Instances at peak"), f"{int(peak['instances_needed'])}", \
            _("in {month}").format(month=_month(peak["month"]))
    month = _month(m["month"].iloc[-1])
    by = (_("GB by {month}") if unit == "GB" else _("% of today's volume by {month}")).format(month=month)
    return _("Storage to provision"), i18n.number(m["storage_needed"].iloc[-1], 1), by


def capacity_caption(view: CapacityView, resource: str, cap: Capacity) -> str:
    load = resource in models.capacity.LOAD_RESOURCES
    values = {"level": CAP_LEVEL, "scenario": _(view.scenario_name)}
    lines = (_("The solid line is the measured forecast: the data's own trend and seasons. The shaded band is its "
               "{level} % interval: on held-out past data, about {level} % of days fell inside a band made this way "
               "(see the backtest). The dashed line, {scenario}, scales that forecast by the sidebar's growth from "
               "the last measured day on: the peak season ramps in over the month before it, the feature uplift "
               "over a year.") if load else
             _("The solid line is the measured forecast: the data's own trend and seasons. The shaded band is its "
               "{level} % interval: on held-out past data, about {level} % of days fell inside a band made this way "
               "(see the backtest). The dashed line, {scenario}, scales that forecast by the sidebar's growth from "
               "the last measured day on.")).format(**values)
    if CAP_RESOURCES[resource].unit == "%":
        return lines + " " + _("Lines: monitor {monitor} %, scale up {up} %, full 100 %, scale down below {down} % "
                               "(plan.toml [capacity]). The axis stops at 200 %.").format(
            monitor=_pct(cap.monitor_pct), up=_pct(cap.scale_up_pct), down=_pct(cap.scale_down_pct))
    return lines + " " + _("Storage to provision (measured forecast): the month's upper bound x (1 + {reserve} % "
                           "reserve) / {up} % scale-up line.").format(reserve=_pct(cap.reserve_pct),
                                                                       up=_pct(cap.scale_up_pct))


def monthly_plan_words(view: CapacityView, resource: str, cap: Capacity, instances: int) -> str:
    """One line over the monthly plan: the most instances (or storage) any month of the measured
    forecast needs, the scale-down months, and what the scenario beside it would ask for."""
    m, s = view.monthly, view.scenario_monthly
    scenario = _(view.scenario_name)
    if "instances_needed" in m:
        peak = m.loc[m["instances_needed"].idxmax()]
        down = m.loc[m["scale_down"], "month"]
        planned = s.loc[s["instances_needed"].idxmax()]
        text = _("Measured forecast: **{peak} instances** needed at most (in {month}), against **{now}** "
                 "today.").format(peak=int(peak["instances_needed"]), month=_month(peak["month"]), now=instances)
        text += " " + (_("Scale-down opportunity in {months}: the mean stays under {pct} %.").format(
            months=", ".join(_month(d) for d in down), pct=_pct(cap.scale_down_pct)) if len(down) else
            _("No month falls under the scale-down line."))
        return text + " " + _("{scenario}: {peak} at most (in {month}).").format(
            scenario=scenario, peak=int(planned["instances_needed"]), month=_month(planned["month"]))
    words = _("Measured forecast: provision **{need} GB** by {month} to keep the {reserve} % reserve under the {up} % "
              "line; {scenario}: {planned} GB.") if resource == "data_gb" else \
        _("Measured forecast: provision **{need} % of today's volume** by {month} to keep the {reserve} % reserve "
          "under the {up} % line; {scenario}: {planned} % of today's volume.")
    return words.format(need=i18n.number(m["storage_needed"].iloc[-1], 1), month=_month(m["month"].iloc[-1]),
                        reserve=_pct(cap.reserve_pct), up=_pct(cap.scale_up_pct), scenario=scenario,
                        planned=i18n.number(s["storage_needed"].iloc[-1], 1))
