"""The Scenarios page's state between runs: one ui.state.ScenarioState under one key."""
from __future__ import annotations

import streamlit as st

from ui.state import SCENARIO_KEY, ScenarioState


def scenario_state() -> ScenarioState:
    """The page's state between runs (a new session's: empty)."""
    return st.session_state.get(SCENARIO_KEY, ScenarioState())


def keep(s: ScenarioState) -> None:
    st.session_state[SCENARIO_KEY] = s
