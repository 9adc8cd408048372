"""The Scenarios page's state between runs: one ui.state.ScenarioState under one key."""
from __future__ import annotations

import streamlit as st

from core.i18n import N_
from ui.state import SCENARIO_KEY, ScenarioState

TAB_KEY = "sc_tab"  # the results' tabs: the open one's label, in the language it was drawn in
TAB_NAMES = (N_("Cost by line vs plan"), N_("Month by month"), N_("Staffing by hour"), N_("Compare"),
             N_("Sensitivity"), N_("Monte Carlo"), N_("Goal seek"))


def scenario_state() -> ScenarioState:
    """The page's state between runs (a new session's: empty)."""
    return st.session_state.get(SCENARIO_KEY, ScenarioState())


def keep(s: ScenarioState) -> None:
    st.session_state[SCENARIO_KEY] = s
