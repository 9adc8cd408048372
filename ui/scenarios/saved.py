"""Saved scenarios: save, open, delete and reset, shared by everyone using the warehouse."""
from __future__ import annotations

from dataclasses import asdict

import pandas as pd
import streamlit as st

import models.scenario
from core.i18n import _
from data import access, scenarios_store

from ui import auth, links
from ui.cache import connection, plan
from ui.formatting import local_time_text
from ui.scenarios.drivers import fill_driver_inputs, flash, show_flash
from ui.scenarios.session import keep, scenario_state
from ui.sidebar import from_link, link_pending, link_value, to_link
from ui.state import SC_MONTHS, deleted, saved_as


HORIZONS = (6, 12, 18, 24, 36)


def saved_scenarios() -> pd.DataFrame:
    """The saved scenarios (not cached: saves and deletes must show at once; the table is small)."""
    return scenarios_store.list_saved(connection())


def on_save(drivers: models.scenario.Drivers, months: int) -> None:
    """Save button: the drivers on screen under the typed name (one transaction in the warehouse)."""
    state = st.session_state
    name, note = state.get("sc_save_name", ""), state.get("sc_save_note", "")
    overwrite = state.get("sc_save_replace", False)
    try:
        scenarios_store.save(connection(), name, models.scenario.to_stored(drivers), months, auth.current_actor(),
                             note, replace=overwrite)
    except (scenarios_store.StoreError, models.scenario.ScenarioError, access.PermissionDenied) as exc:
        flash("error", _("Not saved: {error}.").format(error=exc))
        return
    clean = scenarios_store.clean_name(name)
    keep(saved_as(scenario_state(), clean, asdict(drivers)))
    state["sc_pick"] = clean
    flash("success", _("Saved '{name}' by {author}.").format(name=clean, author=auth.scenario_author()))


def on_load(base_drivers: models.scenario.Drivers) -> None:
    """Open button: fill the inputs with the chosen saved scenario's drivers and horizon."""
    name = st.session_state.get("sc_pick")
    try:
        saved = scenarios_store.load(connection(), name)
        drivers, notes = models.scenario.from_stored(saved.drivers, base_drivers)
    except scenarios_store.StoreError as exc:
        flash("error", str(exc))
        return
    except models.scenario.ScenarioError as exc:
        flash("error", _("saved scenario '{name}' cannot be used: {error}").format(name=name, error=exc))
        return
    fill_driver_inputs(asdict(drivers), saved.name)
    st.session_state[SC_MONTHS] = saved.months if saved.months in HORIZONS else 12
    opened = _("Opened '{name}' (saved by {author} on {time}).").format(
        name=saved.name, author=saved.author, time=local_time_text(saved.saved_at, plan().timezone))
    if notes:
        opened += " " + _("Note: {notes}.").format(notes="; ".join(notes))
    flash("success", opened)


def open_from_link(base_drivers: models.scenario.Drivers) -> list[str]:
    """The session's first run: the link's saved scenario opened as the Open button opens it, then the
    link's horizon over the one it was saved with (the sender's view). Returns the warnings about
    values in the link that are not there."""
    name, warning = (link_value(links.SCENARIO, list(saved_scenarios()["name"])) if link_pending(links.SCENARIO)
                     else (None, None))
    if name is not None:
        st.session_state["sc_pick"] = name
        on_load(base_drivers)
    horizon_warning = from_link(SC_MONTHS, links.SCENARIO_HORIZON, HORIZONS)
    return [w for w in (warning, horizon_warning) if w]


def keep_in_link(months: int) -> None:
    """The saved scenario on screen (none: the base or unsaved) and the horizon, in the URL."""
    to_link(links.SCENARIO, scenario_state().loaded)
    to_link(links.SCENARIO_HORIZON, months)


def on_delete() -> None:
    name = st.session_state.get("sc_pick")
    try:
        gone = scenarios_store.delete(connection(), name, auth.current_actor())
    except access.PermissionDenied as exc:
        flash("error", _("Not deleted: {error}.").format(error=exc))
        return
    if gone:
        keep(deleted(scenario_state(), name))
        flash("success", _("Deleted '{name}'.").format(name=name))
    else:
        flash("warning", _("'{name}' was already deleted.").format(name=name))


def on_reset(base_drivers: models.scenario.Drivers) -> None:
    fill_driver_inputs(asdict(base_drivers))
    st.session_state[SC_MONTHS] = 12


def save_panel(drivers: models.scenario.Drivers, base_drivers: models.scenario.Drivers, months: int) -> None:
    """Save the scenario on screen under a name; open or delete a saved one."""
    show_flash()
    with st.container(border=True):
        st.markdown(_("**Save this scenario**"))
        st.text_input(_("Name"), key="sc_save_name", max_chars=scenarios_store.MAX_NAME,
                      placeholder=_("e.g. Fast growth, 2 FTE more"))
        st.text_input(_("Note (optional)"), key="sc_save_note", max_chars=scenarios_store.MAX_NOTE)
        st.checkbox(_("Replace a saved scenario of the same name"), key="sc_save_replace")
        st.button(_("Save to the warehouse"), icon=":material/save:", key="sc_save", on_click=on_save,
                  args=(drivers, months),
                  help=_("Saved with your name ({author}) and the time, for everyone using this warehouse.").format(
                      author=auth.scenario_author()))
    saved = saved_scenarios()
    with st.container(border=True):
        st.markdown(_("**Saved scenarios** ({n})").format(n=len(saved)))
        if saved.empty:
            st.caption(_("None yet."))
            return
        tz = plan().timezone
        labels = {r.name: f"{r.name} · {r.author} · {local_time_text(r.saved_at, tz, clock=False)}"
                  for r in saved.itertuples()}
        if st.session_state.get("sc_pick") not in labels:
            st.session_state["sc_pick"] = next(iter(labels))
        st.selectbox(_("Saved scenario"), list(labels), key="sc_pick", format_func=labels.get)
        with st.container(horizontal=True):
            st.button(_("Open"), icon=":material/folder_open:", key="sc_open", on_click=on_load, args=(base_drivers,))
            with st.popover(_("Delete"), icon=":material/delete:"):
                st.caption(_("Delete '{name}' for everyone using this warehouse?").format(
                    name=st.session_state["sc_pick"]))
                st.button(_("Yes, delete"), key="sc_delete", type="primary", on_click=on_delete)
