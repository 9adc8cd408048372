"""The view's controls in the URL's query string (the sidebar's filters and the pages' controls): what
each name means, read from a link and written back, without Streamlit. The period has its own form in
ui/periods.py (`?start=&end=`)."""
from __future__ import annotations

from dataclasses import dataclass, field, replace
from typing import Mapping, Sequence

from core.i18n import N_, _, ngettext


@dataclass(frozen=True)
class Control:
    """A control kept in the link: its name in the query string, how a warning names it, and whether
    it holds several values (comma-separated)."""

    param: str
    label: str
    many: bool = False


SERVICES = Control("services", N_("services"), many=True)
SEVERITIES = Control("severities", N_("severities"), many=True)
CHANNELS = Control("channels", N_("channels"), many=True)
CAP_SERVICE = Control("service", N_("Capacity service"))
CAP_RESOURCE = Control("resource", N_("Capacity resource"))
CAP_HORIZON = Control("horizon", N_("Capacity horizon"))
GROWTH_HORIZON = Control("growth_horizon", N_("Growth horizon"))
SCENARIO = Control("scenario", N_("saved scenario"))
SCENARIO_HORIZON = Control("scenario_horizon", N_("Scenarios horizon"))


@dataclass(frozen=True)
class LinkState:
    """What a session keeps of the link it was opened with (under state.LINK_KEY): the query string
    of its first run, the controls already set from it, and the warnings about its unknown values with
    the text each control was set to. A control is set from the link once, so a page left and opened
    again starts from its default, not from the link again; a warning stays until its control is changed."""

    params: Mapping[str, str] = field(default_factory=dict)
    read: frozenset[str] = frozenset()
    warnings: Mapping[str, tuple[str, str | None]] = field(default_factory=dict)


def read_from(state: LinkState, control: Control, options: Sequence) -> tuple[LinkState, object | tuple | None]:
    """The control's value in the link the first time it is asked for (None after that, or when the
    link leaves it out), and the state that remembers it was read and any warning about it."""
    if control.param in state.read:
        return state, None
    value, warning = value_from_params(state.params, control, options)
    warnings = dict(state.warnings)
    if warning:
        warnings[control.param] = (warning, value_to_param(control, value))
    return replace(state, read=state.read | {control.param}, warnings=warnings), value


def written(state: LinkState, control: Control, text: str | None) -> LinkState:
    """The control's value as now written to the URL: its warning goes once the user changed it."""
    kept = state.warnings.get(control.param)
    if kept is None or kept[1] == text:
        return state
    return replace(state, warnings={k: v for k, v in state.warnings.items() if k != control.param})


def warning_of(state: LinkState, control: Control) -> str | None:
    kept = state.warnings.get(control.param)
    return kept[0] if kept else None


def value_from_params(params: Mapping[str, str], control: Control,
                      options: Sequence) -> tuple[object | tuple | None, str | None]:
    """The control's value in a link, matched against `options` by their text (so `6` reads as the
    option 6): None when the link leaves it out; an unknown value is dropped with a warning that names
    it and the values allowed. A control of several values keeps the known ones, in the link's order."""
    text = params.get(control.param)
    if text is None:
        return None, None
    by_text = {str(option): option for option in options}
    words = [w.strip() for w in text.split(",") if w.strip()] if control.many else [text.strip()]
    unknown = [w for w in words if w not in by_text]
    known = [by_text[w] for w in words if w in by_text]
    warning = None
    if unknown or not (known or control.many):
        shown = ", ".join(repr(w) for w in unknown) or "''"
        warning = ngettext("The link's {control} {values} was ignored: not one of {allowed}.",
                           "The link's {control} {values} were ignored: not one of {allowed}.",
                           max(len(unknown), 1)).format(control=_(control.label), values=shown,
                                                        allowed=", ".join(by_text))
    if control.many:
        return tuple(dict.fromkeys(known)), warning
    return (known[0] if known else None), warning


def value_to_param(control: Control, value: object) -> str | None:
    """The control's text in the query string; None leaves it out (no value, or no filter)."""
    if control.many:
        return ",".join(str(v) for v in value or ()) or None
    return None if value is None else str(value)
