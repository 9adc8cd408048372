"""Session-state keys and the frozen view state the pages share (period, filters, the hand-off
between Capacity and Scenarios). One place names every key.
"""
from __future__ import annotations

from dataclasses import dataclass, field, replace
from typing import Mapping

from analytics.drilldown import severity_words
from core.i18n import N_, _


# st.session_state[PERIOD_KEY] holds the sidebar's periods.PeriodState; pages read sidebar.current_period().
PERIOD_KEY = "opsplan_period"
# Sidebar filters (empty selection = all); read them with current_filters().
SERVICES_KEY, SEVERITIES_KEY, CHANNELS_KEY = "filter_services", "filter_severities", "filter_channels"
PRESET_KEY = "period_preset"
FROM_KEY, THROUGH_KEY = "period_from_month", "period_through_month"
OVERVIEW_TABLE_KEY = "overview_table"  # the Overview's scorecard table is open (drawn only then)
OVERVIEW_TRENDS_KEY = "overview_trends"  # ... and its twelve trend charts
EVENTS_KEY = "show_events"  # the sidebar's toggle: incidents, changes and maintenance marked on every trend chart
LINK_KEY = "opsplan_link"  # the session's links.LinkState: the link it was opened with, and what was set from it


@dataclass(frozen=True)
class Filters:
    """The sidebar's filters; an empty tuple means no filter (everything)."""

    services: tuple[str, ...] = ()
    severities: tuple[str, ...] = ()
    channels: tuple[str, ...] = ()

    def label(self) -> str:
        severities = tuple(severity_words(s) for s in self.severities)  # a key in English, a word in Thai
        parts = [f"{_(name)}: {', '.join(values)}" for name, values in
                 ((N_("services"), self.services), (N_("severity"), severities), (N_("channel"), self.channels))
                 if values]
        return "; ".join(parts) or _("all services, severities and channels")


SC_PREFIX = "sc_drv_"           # + driver name: the driver's input widget
SC_MONTHS = "sc_months"         # the horizon's widget
SC_BASE = "sc_base"             # the starting point's widget
SCENARIO_KEY = "sc_state"       # the Scenarios page's ScenarioState
IMPORT_KEY = "data_import_state"       # the Data page's ImportState
DATA_ASSUME = "data_assume"            # widget keys data_assume.<profile>.<column>: the chosen assumptions
DATA_ADD_SERVICES = "data_add_services"
CAP_KEY = "cap_"  # + Capacity field: the slider's widget key
CAPACITY_KEY = "cap_state"  # the Capacity page's CapacityState


@dataclass(frozen=True)
class ImportState:
    """What the Data page keeps between runs (under IMPORT_KEY): the verdict of the import just
    confirmed, shown once on the next run, and the uploader's round, bumped after an import that
    wrote rows so that the uploader starts empty again (a new widget key)."""

    result: object | None = None  # data.importer.ImportResult
    uploader_round: int = 0


def imported(state: ImportState, result, ok: bool) -> ImportState:
    """After an import: its verdict to show, and a fresh uploader when it wrote rows."""
    return ImportState(result, state.uploader_round + 1 if ok else state.uploader_round)


def result_shown(state: ImportState) -> ImportState:
    """After the verdict was shown once."""
    return ImportState(None, state.uploader_round)


@dataclass(frozen=True)
class ScenarioState:
    """What the Scenarios page keeps between runs (under SCENARIO_KEY), beside its widgets' own
    keys: Streamlit drops a widget's state when its page is left, so the drivers as the user left
    them are kept here to refill the inputs on the way back."""

    seed: Mapping | None = None     # the driver values the inputs were last filled from (None: never)
    working: Mapping | None = None  # the values as the user left them
    version: int = 0                # bumped on every fill, so the unit-cost editor starts afresh
    loaded: str | None = None       # the saved scenario last opened or saved, None: the base
    opened: Mapping | None = None   # its values as opened or saved, to tell unsaved edits
    flash: tuple[str, str] | None = None  # (kind, text) shown once after a save, load or delete
    sent: Mapping | None = None     # growth sent from the Capacity page, applied on the next run
    mc_request: tuple | None = None  # the Monte Carlo run asked for: (drivers, months, ranges, runs, seed)
    months_kept: int = 12           # the horizon as left (its widget's state is dropped off-page too)


def filled(s: ScenarioState, values: Mapping, loaded: str | None = None) -> ScenarioState:
    """The inputs filled with `values` (the base, a saved scenario, or what was left): nothing
    unsaved; the unit-cost editor starts afresh."""
    return replace(s, seed=dict(values), working=dict(values), version=s.version + 1, loaded=loaded,
                   opened=dict(values))


def refilled(s: ScenarioState) -> ScenarioState:
    """Back from another page: the inputs as they were left, unsaved edits still marked as such."""
    return replace(filled(s, s.working, s.loaded), opened=s.opened or s.working)


def received(s: ScenarioState) -> ScenarioState:
    """Growth sent from Capacity applied over what was on screen; it shows as an unsaved edit of
    what was open."""
    return replace(filled(s, {**s.working, **s.sent}, s.loaded), opened=s.opened, sent=None)


def edited(s: ScenarioState, values: Mapping, months: int) -> ScenarioState:
    return replace(s, working=dict(values), months_kept=months)


def saved_as(s: ScenarioState, name: str, values: Mapping) -> ScenarioState:
    return replace(s, loaded=name, opened=dict(values))


def deleted(s: ScenarioState, name: str) -> ScenarioState:
    """A saved scenario deleted: the one on screen, if it was that one, is no longer a saved one."""
    return replace(s, loaded=None) if s.loaded == name else s


@dataclass(frozen=True)
class CapacityState:
    """What the Capacity page keeps between runs (under CAPACITY_KEY), beside its sliders' own keys."""

    working: Mapping | None = None  # the sliders' values as the user left them (dropped off-page)
    sent: Mapping | None = None     # growth sent from the Scenarios page, applied on the next run
    ranges: Mapping = field(default_factory=dict)  # each slider's (low, high), widened for values sent


def sliders_from(s: CapacityState, widgets_missing: bool, plan_values: Mapping) -> tuple[Mapping | None, CapacityState]:
    """The values to put in the sliders before they are drawn, if any: growth sent from Scenarios;
    else, back from another page (the sliders' state dropped), what was left, or the plan's on a
    first visit; else none (the sliders keep their own state)."""
    if s.sent is not None:
        return s.sent, replace(s, sent=None)
    if widgets_missing:
        return s.working or plan_values, s
    return None, s


def widened(s: CapacityState, name: str, usual: tuple[float, float], now: float) -> CapacityState:
    """A slider's bounds widened to hold `now` and kept so for the session (bounds are never
    derived from the live value: a slider whose bounds change is reset to its minimum)."""
    low, high = s.ranges.get(name, usual)
    return replace(s, ranges={**s.ranges, name: (min(low, now), max(high, now))})


def slid(s: CapacityState, values: Mapping) -> CapacityState:
    return replace(s, working=dict(values))

