"""Staffing by the hour of week, on the Scenarios page: the FTE each channel needs for the measured
week (models.staffing.fte_by_channel, Erlang C hour by hour) under the scenario's staffing drivers,
against the FTE the scenario pays, and the busiest hour.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from types import MappingProxyType
from typing import Mapping

import numpy as np
import pandas as pd
import streamlit as st
from babel.dates import get_day_names

import models.scenario
import models.staffing
from core import i18n
from core.i18n import N_, _
from core.period import Period
from core.plan import Plan

from ui.cache import LOADER, connection_for, db, plan
from ui.formatting import fmt

WEEKDAYS = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")  # English; hour_text names days in the language in use


@st.cache_data(**LOADER, show_spinner=False)
def _measured_week(db_file: str, the_plan: Plan, today: date) -> tuple[dict[str, np.ndarray], Period]:
    return models.staffing.measured_week(connection_for(db_file), the_plan, today)


@dataclass(frozen=True)
class StaffingView:
    """The measured week staffed under a scenario's drivers."""

    table: pd.DataFrame        # fte_by_channel: one row per channel, then "total"
    window: Period             # the weeks measured (the scenario's base window)
    paid_fte: float | None     # the scenario's support team; None: it hires what Erlang C needs
    busiest: tuple[int, float]  # hour of week (0 = Monday 00:00 local), contacts in it
    settings: Mapping[str, float]  # the staffing drivers used, by driver name


def load_staffing(drivers: models.scenario.Drivers, today: date) -> StaffingView:
    """fte_by_channel for the measured week with the scenario's handling times, service-level goal,
    occupancy ceiling and shrinkage; the paid FTE and the busiest hour beside it."""
    with st.spinner(_("Measuring the week's contacts per hour ...")):
        week, window = _measured_week(db(), plan(), today)
    d = drivers
    table = models.staffing.fte_by_channel(
        week, plan(), {"live_chat": d.aht_live_chat_min, "email": d.aht_email_min, "phone": d.aht_phone_min},
        d.service_level_goal_pct, d.max_occupancy_pct, d.shrinkage_pct)
    settings = {"service_level_goal_pct": d.service_level_goal_pct, "max_occupancy_pct": d.max_occupancy_pct,
                "shrinkage_pct": d.shrinkage_pct}
    return StaffingView(table, window, None if d.staff_to_demand else d.support_fte_plan,
                        models.staffing.busiest_hour(week), MappingProxyType(settings))


def hour_text(hour: int) -> str:
    """'Tue 10:00' for hour of week 34: the hour's start, local time (Thai: 'อ. 10:00')."""
    return f"{get_day_names('abbreviated', locale=i18n.locale_name())[hour // 24]} {hour % 24:02d}:00"


def staffing_tiles(view: StaffingView) -> None:
    """Three numbers: the FTE the measured week needs, the FTE paid (and the gap), the busiest hour."""
    total = view.table.set_index("channel").loc["total"]
    cols = st.columns(3)
    cols[0].metric(_("FTE needed, all channels"), fmt(total["fte"], "FTE"), border=True,
                   delta=_("{hours} agent-hours a week").format(hours=i18n.number(total["agent_hours_per_week"])),
                   delta_color="off", delta_arrow="off",
                   help=_("Agent-hours a week (Erlang C in every hour of the week, each channel against its "
                          "first-response target) / (hours per FTE week x (1 - shrinkage))."))
    if view.paid_fte is None:
        cols[1].metric(_("FTE paid"), _("as needed"), border=True, delta=_("the scenario hires what Erlang C needs"),
                       delta_color="off", delta_arrow="off")
    else:
        short = total["fte"] - view.paid_fte
        gap = fmt(abs(short), "FTE")
        cols[1].metric(_("FTE paid"), fmt(view.paid_fte, "FTE"), border=True,
                       delta=(_("{fte} short") if short > 0 else _("{fte} spare")).format(fte=gap),
                       delta_color="red" if short > 0.05 else "green", delta_arrow="off",
                       help=_("The scenario's support team (driver 'Support team paid'). Short: fewer paid than "
                              "the measured week needs, so contacts wait past their targets."))
    hour, contacts = view.busiest
    cols[2].metric(_("Busiest hour (local time)"), hour_text(hour), border=True,
                   delta=_("{contacts} contacts in that hour").format(contacts=i18n.number(contacts, 1)),
                   delta_color="off", delta_arrow="off",
                   help=_("The hour of an average week (from its start, for an hour) with the most contacts of all "
                          "channels together."))


def staffing_caption(view: StaffingView) -> str:
    s = view.settings
    return _("The measured week: contacts per hour of an average week over {window} (the scenario's base window), "
             "per channel. Each hour is staffed by Erlang C against the channel's first-response target at this "
             "scenario's handling times, a {goal} % service-level goal and a {occupancy} % occupancy ceiling; FTE "
             "allow {shrinkage} % shrinkage. This is today's week; the headline's FTE needed follows the scenario's "
             "demand month by month.").format(window=view.window.label(), goal=f"{s['service_level_goal_pct']:g}",
                                              occupancy=f"{s['max_occupancy_pct']:g}",
                                              shrinkage=f"{s['shrinkage_pct']:g}")


def staffing_table(view: StaffingView) -> pd.DataFrame:
    """fte_by_channel with the plan's channel names, for display and export."""
    names = {c.name: _(c.label) for c in plan().channels} | {"total": _("All channels")}
    return view.table.assign(channel=view.table["channel"].map(names))


# fte_by_channel's columns as headed on screen: (column, header, number format or None for text, help)
STAFFING_HEADERS = (
    ("channel", N_("Channel"), None, None),
    ("contacts_per_week", N_("Contacts a week"), "%.1f", None),
    ("busiest_hour_contacts", N_("Busiest hour (contacts)"), "%.1f", None),
    ("peak_agents", N_("Agents at the peak"), "", N_("The most agents any hour of the week needs.")),
    ("open_hours_per_week", N_("Open hours a week"), "", N_("From each channel's hours in plan.toml; contacts "
                                                            "outside them are still answered and staffed.")),
    ("agent_hours_per_week", N_("Agent-hours a week"), "%.0f", None),
    ("fte", N_("FTE needed"), "%.1f", None),
)


def staffing_columns() -> dict:
    """The staffing table's column_config, headed in the language in use."""
    return {column: st.column_config.TextColumn(_(header)) if number is None else
            st.column_config.NumberColumn(_(header), format=number or None, help=_(tip) if tip else None)
            for column, header, number, tip in STAFFING_HEADERS}
