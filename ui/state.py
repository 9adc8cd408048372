"""Session-state keys and the frozen view state the pages share (period, filters, the hand-off
between Capacity and Scenarios). One place names every key.
"""
from __future__ import annotations

from dataclasses import dataclass


# st.session_state[PERIOD_KEY] holds the sidebar's periods.PeriodState; pages read sidebar.current_period().
PERIOD_KEY = "opsplan_period"
# Sidebar filters (empty selection = all); read them with current_filters().
SERVICES_KEY, SEVERITIES_KEY, CHANNELS_KEY = "filter_services", "filter_severities", "filter_channels"
PRESET_KEY = "period_preset"
FROM_KEY, THROUGH_KEY = "period_from_month", "period_through_month"


@dataclass(frozen=True)
class Filters:
    """The sidebar's filters; an empty tuple means no filter (everything)."""

    services: tuple[str, ...] = ()
    severities: tuple[str, ...] = ()
    channels: tuple[str, ...] = ()

    def label(self) -> str:
        parts = [f"{name}: {', '.join(values)}" for name, values in
                 (("services", self.services), ("severity", self.severities), ("channel", self.channels)) if values]
        return "; ".join(parts) or "all services, severities and channels"


SC_PREFIX = "sc_drv_"           # + driver name: the driver's input widget
SC_SEED = "sc_seed"             # the driver values the inputs were last filled from
SC_VERSION = "sc_seed_version"  # bumped on every fill, so the unit-cost editor starts afresh
SC_WORKING = "sc_working"       # the values as the user left them (widget state is dropped off-page)
SC_LOADED = "sc_loaded"         # the saved scenario last opened, None: the base
SC_OPENED = "sc_opened"         # its driver values as opened or saved, to tell unsaved edits
SC_MONTHS = "sc_months"
SC_FLASH = "sc_flash"           # (kind, text) shown once after a save, load or delete
SC_SENT = "sc_sent"             # growth sent from the Capacity page, applied to the drivers on the next run
SC_BASE = "sc_base"
MC_REQUEST = "sc_mc_request"
IMPORT_KEY = "data_import_state"       # the Data page's ImportState
DATA_ASSUME = "data_assume"            # widget keys data_assume.<profile>.<column>: the chosen assumptions
DATA_ADD_SERVICES = "data_add_services"
CAP_KEY = "cap_"  # + Capacity field: the slider's widget key
CAP_WORKING = "cap_working"  # the sliders' values as the user left them (widget state is dropped off-page)
CAP_SENT = "cap_sent"  # growth sent from the Scenarios page, applied to the sliders on Capacity's next run
CAP_RANGE = "cap_range"  # each slider's (low, high), widened for values sent from Scenarios


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

