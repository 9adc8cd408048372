"""Scenario drivers: what each one means (help generated from the plan), its input widget, and
the messages left for the next run.
"""
from __future__ import annotations

import math
from dataclasses import replace, asdict, dataclass, fields
from datetime import date
from functools import reduce
from typing import Iterable, Mapping

import pandas as pd
import streamlit as st
from babel.dates import format_date

import models.scenario
from analytics.drilldown import channel_label
from core import i18n
from core.i18n import N_, _
from core.plan import Plan

from ui.cache import plan
from ui.formatting import fmt
from ui.handoff import sc_send_button
from ui.scenarios.session import keep, scenario_state
from ui.state import SC_MONTHS, SC_PREFIX, edited, filled, received, refilled


@dataclass(frozen=True)
class DriverInfo:
    """How a driver shows on the page: its group, label (with unit), unit for fmt, help text. The
    words are the catalogue's English: translate them where shown."""

    group: str
    label: str
    unit: str = ""          # fmt's unit: "USD", "%", "min", "FTE" or "" (a plain number)
    per: str = ""           # what the number is per, after the formatted value
    help: str = ""          # {names} filled from the plan by driver_help
    step: float = 1.0
    fmt: str = "%.1f"
    line: str = ""          # the budget line a unit rate prices
    abbr: str = ""          # a short unit for the narrow unit-cost editor

    @property
    def long_label(self) -> str:
        """The label with its unit, for charts that list drivers of every group, in the language in use."""
        if self.group != "Unit costs":
            return _(self.label)
        return f"{_(self.label)}: {'USD' if self.unit == 'USD' else '%'} {_(self.per)}"


DRIVER_GROUPS = (N_("Demand"), N_("Capacity"), N_("Staffing"), N_("Unit costs"))  # the English names are also keys
DRIVER_INFO: dict[str, DriverInfo] = {
    "user_growth_pct_per_quarter": DriverInfo(
        N_("Demand"), N_("User growth (% per quarter)"), "%", N_("a quarter"),
        N_("Monthly active users grow by this much each quarter, compounded month by month. The plan assumes "
           "{user_growth_pct_per_quarter:g} %.")),
    "tickets_per_user_month": DriverInfo(
        N_("Demand"), N_("Tickets per active user a month"), "", N_("tickets per user a month"),
        N_("Support tickets each active user opens in a month; the base is measured over the last 3 full months."),
        0.01, "%.3f"),
    "revenue_per_user_month_usd": DriverInfo(
        N_("Demand"), N_("Revenue per active user a month (USD)"), "USD", N_("per user a month"),
        N_("What each active user brings in a month: the denominator of the infrastructure cost share and the base "
           "of payment fees. Measured over the last 3 full months."), 0.5, "%.2f"),
    "peak_traffic_growth_pct": DriverInfo(
        N_("Capacity"), N_("Peak-season load uplift (%)"), "%", N_("in peak months"),
        N_("Extra load in the plan's peak months ({peak_months} by the plan's setting). The plan: "
           "+{peak_traffic_growth_pct:g} %."),
        5.0),
    "feature_complexity_pct": DriverInfo(
        N_("Capacity"), N_("Feature complexity uplift (% more CPU)"), "%", N_("more CPU per user"),
        N_("Extra compute per user from new features. The plan assumes {feature_complexity_pct:g} %. Instances are "
           "sized so that peak CPU stays under the plan's {scale_up_pct:g} % scale-up trigger with its "
           "{reserve_pct:g} % reserve.")),
    "data_growth_pct_per_month": DriverInfo(
        N_("Capacity"), N_("Data growth (% per month)"), "%", N_("a month"),
        N_("Stored data grows by this much every month. The plan assumes {data_growth_pct_per_month:g} %. Storage "
           "needed keeps the {reserve_pct:g} % reserve.")),
    "staff_to_demand": DriverInfo(
        N_("Staffing"), N_("Hire the FTE Erlang C needs"), "flag", "",
        N_("Off: pay the plan's support team (the FTE below). On: pay, each month, the tier-1 FTE that Erlang C "
           "needs to answer {answer_targets} at the service-level goal.")),
    "support_fte_plan": DriverInfo(
        N_("Staffing"), N_("Support team paid (FTE)"), "FTE", "",
        N_("Tier-1 support staff paid when not hiring to demand: the plan's support_team line, {support_fte:g} FTE."),
        0.5),
    "maintenance_fte": DriverInfo(
        N_("Staffing"), N_("Maintenance team (FTE)"), "FTE", "",
        N_("Technical staff on the maintenance_team line; the plan has {maintenance_fte:g} FTE."), 0.5),
    "aht_live_chat_min": DriverInfo(
        N_("Staffing"), N_("Handling time, live chat (minutes)"), "min", N_("a chat"),
        N_("Average minutes an agent spends on one chat. Drives the FTE needed (Erlang C). plan.toml [staffing]: "
           "{aht_live_chat_min:g} min."), 0.5),
    "aht_email_min": DriverInfo(
        N_("Staffing"), N_("Handling time, email (minutes)"), "min", N_("an email"),
        N_("Average minutes an agent spends on one email ticket. plan.toml [staffing]: {aht_email_min:g} min."), 0.5),
    "aht_phone_min": DriverInfo(
        N_("Staffing"), N_("Handling time, phone (minutes)"), "min", N_("a call"),
        N_("Average minutes an agent spends on one call (phone: {phone_hours}). plan.toml [staffing]: "
           "{aht_phone_min:g} min."),
        0.5),
    "service_level_goal_pct": DriverInfo(
        N_("Staffing"), N_("Service-level goal (% answered within target)"), "%", "",
        N_("Share of contacts that must get a first response within the channel's target. plan.toml [staffing]: "
           "{service_level_goal_pct:g} %."), 1.0),
    "max_occupancy_pct": DriverInfo(
        N_("Staffing"), N_("Highest agent occupancy (%)"), "%", "",
        N_("Agents are never planned busier than this share of their logged-in time. plan.toml [staffing]: "
           "{max_occupancy_pct:g} %."), 1.0),
    "shrinkage_pct": DriverInfo(
        N_("Staffing"), N_("Shrinkage (% of paid time off the phones)"), "%", "",
        N_("Leave, training and meetings: paid time not spent on contacts. "
           "FTE needed = agent hours / ({hours_per_fte_week:g} h x (1 - shrinkage)). plan.toml [staffing]: "
           "{shrinkage_pct:g} %."),
        1.0),
    "support_cost_per_fte_usd": DriverInfo(
        N_("Unit costs"), N_("Support staff"), "USD", N_("per FTE a year"), line="support_team", abbr=N_("USD/FTE/yr")),
    "maintenance_cost_per_fte_usd": DriverInfo(
        N_("Unit costs"), N_("Maintenance staff"), "USD", N_("per FTE a year"),
        line="maintenance_team", abbr=N_("USD/FTE/yr")),
    "training_per_fte_usd": DriverInfo(
        N_("Unit costs"), N_("Training"), "USD", N_("per FTE a year"), line="training_budget", abbr=N_("USD/FTE/yr")),
    "cloud_usd_per_instance_month": DriverInfo(
        N_("Unit costs"), N_("Compute, on demand"), "USD", N_("per instance a month"), line="cloud_services",
        abbr=N_("USD/instance/mo")),
    "cloud_usd_per_gb_month": DriverInfo(
        N_("Unit costs"), N_("Cloud storage"), "USD", N_("per GB a month"),
        line="cloud_services", abbr=N_("USD/GB/mo")),
    "reserved_share_pct": DriverInfo(
        N_("Unit costs"), N_("Reserved instances"), "%", N_("of the fleet"),
        line="cloud_services", abbr=N_("% of fleet")),
    "reserved_discount_pct": DriverInfo(
        N_("Unit costs"), N_("Reserved discount"), "%", N_("off on demand"), line="cloud_services", abbr=N_("% off")),
    "spot_share_pct": DriverInfo(
        N_("Unit costs"), N_("Spot instances"), "%", N_("of the fleet"), line="cloud_services", abbr=N_("% of fleet")),
    "spot_discount_pct": DriverInfo(
        N_("Unit costs"), N_("Spot discount"), "%", N_("off on demand"), line="cloud_services", abbr=N_("% off")),
    "monitoring_usd_per_instance_month": DriverInfo(
        N_("Unit costs"), N_("Monitoring"), "USD", N_("per instance a month"),
        line="monitoring_tools", abbr=N_("USD/instance/mo")),
    "security_usd_per_month": DriverInfo(
        N_("Unit costs"), N_("Security tools"), "USD", N_("a month"), line="security_tools", abbr=N_("USD/mo")),
    "payment_fee_pct_revenue": DriverInfo(
        N_("Unit costs"), N_("Payment fees"), "%", N_("of revenue"),
        line="payment_processing", abbr=N_("% of revenue")),
    "communication_usd_per_user_month": DriverInfo(
        N_("Unit costs"), N_("SMS and email"), "USD", N_("per user a month"),
        line="communication_services", abbr=N_("USD/user/mo")),
    "backup_usd_per_gb_month": DriverInfo(
        N_("Unit costs"), N_("Backup storage"), "USD", N_("per GB a month"),
        line="backup_storage", abbr=N_("USD/GB/mo")),
    "contingency_pct": DriverInfo(
        N_("Unit costs"), N_("Contingency"), "%", N_("of the other lines"),
        line="contingency", abbr=N_("% of other lines")),
}


def plan_words(the_plan: Plan) -> dict[str, object]:
    """The plan's numbers the drivers' help quotes, by the names DRIVER_INFO's help texts use."""
    fte = {b.name: b.fte or 0.0 for b in the_plan.budget_lines}
    return {**asdict(the_plan.capacity), "support_fte": fte.get("support_team", 0.0),
            "maintenance_fte": fte.get("maintenance_team", 0.0), "answer_targets": answer_targets(the_plan),
            "peak_months": _both(_month_name(m) for m in the_plan.capacity.peak_months) or _("none"),
            "phone_hours": _(the_plan.channel("phone").hours),
            "hours_per_fte_week": the_plan.staffing.hours_per_fte_week,
            **{f"aht_{c}_min": minutes for c, minutes in the_plan.staffing.handling_minutes},
            "service_level_goal_pct": the_plan.staffing.service_level_goal_pct,
            "max_occupancy_pct": the_plan.staffing.max_occupancy_pct, "shrinkage_pct": the_plan.staffing.shrinkage_pct}


def _month_name(month: int) -> str:
    """'November' (Thai: 'พฤศจิกายน'): a month's full name in the language in use."""
    return format_date(date(2000, month, 1), "MMMM", locale=i18n.locale_name())


def _both(names: Iterable[str]) -> str:
    """'November and December' (and on for more), joined as the language joins two names; '' for none."""
    listed = list(names)
    if not listed:
        return ""
    return reduce(lambda first, second: _("{first} and {second}").format(first=first, second=second), listed)


def answer_targets(the_plan: Plan) -> str:
    """'within each channel's first-response target (Live chat: 2 min, Email: 4 h, Phone: 1 min)'."""
    return _("within each channel's first-response target ({targets})").format(
        targets=", ".join(channel_label(the_plan, c) for c in models.scenario.CHANNELS))


def driver_help(name: str, the_plan: Plan) -> str:
    """A driver's help text with the plan's numbers in it."""
    return _(DRIVER_INFO[name].help).format(**plan_words(the_plan))


def driver_label(name: str) -> str:
    """A driver's label in the language in use (its key, `name`, stays English)."""
    return _(DRIVER_INFO[name].label)


def driver_value_text(name: str, value: float | bool) -> str:
    """'50.0 % a quarter', '$45,000.00 per FTE a year', 'on' for a flag."""
    info = DRIVER_INFO[name]
    if info.unit == "flag":
        return _("on") if value else _("off")
    number = fmt(float(value), info.unit).strip() if info.unit else fmt(float(value), "").strip()
    return f"{number} {_(info.per)}".strip()


def _names(group: str) -> list[str]:
    return [n for n, i in DRIVER_INFO.items() if i.group == group]


def fill_driver_inputs(values: Mapping[str, float | bool], loaded: str | None = None) -> None:
    """Set every driver input to `values` (call before the inputs are drawn, or from a callback)."""
    _set_inputs(values)
    keep(filled(scenario_state(), values, loaded))


def scenario_drivers(base_drivers: models.scenario.Drivers,
                     values: Mapping[str, float | bool]) -> models.scenario.Drivers:
    """The drivers on screen as a checked scenario; ScenarioError names an impossible one."""
    return models.scenario.with_overrides(base_drivers, dict(values))


def changed_drivers(drivers: models.scenario.Drivers, base_drivers: models.scenario.Drivers) -> list[str]:
    """'User growth: 50.0 % a quarter -> 80.0 % a quarter' for each driver that differs from the base."""
    out = []
    for f in fields(drivers):
        now, was = getattr(drivers, f.name), getattr(base_drivers, f.name)
        if not (now == was or (isinstance(now, float) and math.isclose(now, was, rel_tol=1e-9, abs_tol=1e-12))):
            out.append(_change_text(f.name, was, now))
    return out


def _change_text(name: str, was: float | bool, now: float | bool) -> str:
    return f"{driver_label(name)}: {driver_value_text(name, was)} -> {driver_value_text(name, now)}"


def drivers_table(drivers: models.scenario.Drivers, base_drivers: models.scenario.Drivers) -> pd.DataFrame:
    """Every driver with its group, label, value, base value and unit (for export): the column names
    and the driver keys stay English, the words a reader reads are in the language in use."""
    return pd.DataFrame([{"group": _(DRIVER_INFO[f.name].group), "driver": f.name, "label": driver_label(f.name),
                          "value": getattr(drivers, f.name), "base": getattr(base_drivers, f.name),
                          "unit": f"{DRIVER_INFO[f.name].unit} {_(DRIVER_INFO[f.name].per)}".strip()}
                         for f in fields(drivers)])


def flash(kind: str, text: str) -> None:
    keep(replace(scenario_state(), flash=(kind, text)))


def _set_inputs(values: Mapping[str, float | bool]) -> None:
    # the widgets' own keys: set before the inputs are drawn, or from a callback
    for group in DRIVER_GROUPS[:3]:
        for name in _names(group):
            st.session_state[SC_PREFIX + name] = (bool(values[name]) if DRIVER_INFO[name].unit == "flag"
                                                  else float(values[name]))


def init_driver_inputs(base_drivers: models.scenario.Drivers) -> None:
    """First visit: the base scenario. Back from another page, where Streamlit dropped the inputs'
    state: the drivers as the user left them. Then growth sent from Capacity, if any."""
    s = scenario_state()
    if s.seed is None:
        s = filled(s, asdict(base_drivers))
    elif any(SC_PREFIX + n not in st.session_state for g in DRIVER_GROUPS[:3] for n in _names(g)):
        s = refilled(s)
    if s.sent:
        was = s.working
        changed = [_change_text(n, was[n], v) for n, v in s.sent.items() if v != was[n]]
        what = "; ".join(changed) if changed else _("the same growth as here")
        s = replace(received(s), flash=("info", _("From the Capacity page: {changes}.").format(changes=what)))
    if s.version != scenario_state().version:
        _set_inputs(s.working)
    keep(s)
    st.session_state.setdefault(SC_MONTHS, s.months_kept)


def _driver_input(name: str, base_value: float | bool) -> float | bool:
    info = DRIVER_INFO[name]
    text = _("{help} Base: {value}.").format(help=driver_help(name, plan()), value=driver_value_text(name, base_value))
    if info.unit == "flag":
        return st.toggle(driver_label(name), key=SC_PREFIX + name, help=text)
    low, high = models.scenario.LIMITS.get(name, (0.0, math.inf))
    return st.number_input(driver_label(name), min_value=float(low),
                           max_value=None if math.isinf(high) else float(high), step=info.step, format=info.fmt,
                           key=SC_PREFIX + name, help=text)


def _unit_cost_editor(base_drivers: models.scenario.Drivers) -> dict[str, float]:
    seed = scenario_state().seed
    names = _names("Unit costs")
    # Column keys stay the same in every language (the editor keeps its edits by column across a
    # switch); the reader sees the headers of column_config. The driver keys are the hidden index.
    frame = pd.DataFrame({"rate_label": [driver_label(n) for n in names],
                          "rate_value": [float(seed[n]) for n in names],
                          "rate_unit": [_(DRIVER_INFO[n].abbr) for n in names]}, index=names)
    edited = st.data_editor(
        frame, key=f"sc_rates_{scenario_state().version}", hide_index=True, width="stretch", height=36 * 16,
        disabled=["rate_label", "rate_unit"],
        column_config={"rate_label": st.column_config.TextColumn(_("Rate")),
                       "rate_value": st.column_config.NumberColumn(_("Value"), min_value=0.0, format="localized",
                                                                   required=True,
                                                                   help=_("Type a new rate; the scenario updates at "
                                                                          "once.")),
                       "rate_unit": st.column_config.TextColumn(_("Unit"))})
    return {n: float(v) if v is not None and not pd.isna(v) else math.nan
            for n, v in zip(edited.index, edited["rate_value"])}


def driver_panel(base_drivers: models.scenario.Drivers) -> dict[str, float | bool]:
    """The drivers in four tabs; returns every value as set on screen (not yet checked)."""
    values: dict[str, float | bool] = {}
    tabs = st.tabs([_(g) for g in DRIVER_GROUPS])
    for tab, group in zip(tabs[:3], DRIVER_GROUPS[:3]):
        with tab:
            for name in _names(group):
                values[name] = _driver_input(name, getattr(base_drivers, name))
            if group == "Capacity":  # the demand tab came first: every growth driver is read
                sc_send_button(values)
    with tabs[3]:
        st.caption(_("Unit rates start calibrated so that the base costs exactly the plan's budget, line by line, "
                     "over its first 12 months. Edit the Value column; the header lists what differs from the base."))
        values |= _unit_cost_editor(base_drivers)
    keep(edited(scenario_state(), values, st.session_state.get(SC_MONTHS, 12)))
    return values


def show_flash() -> None:
    """The message left by the last save, load or delete, shown once."""
    s = scenario_state()
    if s.flash:
        keep(replace(s, flash=None))
        kind, text = s.flash
        getattr(st, kind)(text)
