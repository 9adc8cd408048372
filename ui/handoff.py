"""Buttons that carry the four growth values between Capacity and Scenarios."""
from __future__ import annotations

from pathlib import Path
from dataclasses import replace
from typing import Callable, Mapping

import streamlit as st

from core.i18n import _
from core.plan import Capacity
from data import access

from ui.auth import can
from ui.capacity import CAP_SLIDERS, capacity_state
from ui.scenarios.session import keep, scenario_state
from ui.state import CAPACITY_KEY


PAGES_DIR = Path(__file__).resolve().parent.parent / "pages"  # for st.switch_page, wherever the server was started


def cap_send_button(cap: Capacity) -> None:
    """'Cost it in Scenarios': the sliders' growth becomes the Scenarios page's drivers of the same
    names (on its next run), which carry it through staffing and cost to the KPI targets."""
    _send_growth({name: getattr(cap, name) for name in CAP_SLIDERS}, "scenarios.py",
                 lambda sent: keep(replace(scenario_state(), sent=sent)), _("Cost it in Scenarios"), "cap_to_scenarios",
                 ":material/payments:",
                 _("Open the Scenarios page with these four growth values in its drivers of the same names: staffing, "
                   "the budget and the cost KPIs follow."))


def sc_send_button(values: Mapping[str, float | bool]) -> None:
    """'See it on Capacity': the scenario's four growth drivers become the Capacity page's sliders
    (on its next run), to see when each service crosses the scale-up line under them."""
    _send_growth(values, "capacity.py", _to_capacity,
                 _("See this growth on Capacity"), "sc_to_capacity",
                 ":material/storage:", _("Open the Capacity page with its growth sliders set to these drivers: when "
                                         "does each service reach the plan's thresholds under them?"))


def _send_growth(growth: Mapping[str, float | bool], page: str, leave: Callable[[dict[str, float]], None],
                 label: str, key: str, icon: str, help_text: str) -> None:
    """A button that leaves the four growth values (CAP_SLIDERS) for pages/<page> (`leave`), read on
    its next run, and opens it. Shown to those who may open that page (access.page_right,
    as shell/main.py lists it)."""
    if can(access.page_right(page)) and st.button(label, key=key, icon=icon, help=help_text):
        leave({name: float(growth[name]) for name in CAP_SLIDERS})
        st.switch_page(PAGES_DIR / page)


def _to_capacity(sent: dict[str, float]) -> None:
    st.session_state[CAPACITY_KEY] = replace(capacity_state(), sent=sent)
