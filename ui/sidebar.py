"""The shared sidebar: the period picker (kept in the URL), the filters, and what the data covers."""
from __future__ import annotations

from datetime import date, timedelta
from typing import Mapping, Sequence

import streamlit as st

from analytics import drilldown
from core import i18n
from core.i18n import _
from core.period import Period, today_in
from core.plan import Plan

from ui import links
from ui.cache import data_through, plan, query
from ui.periods import (CUSTOM, month_name, month_options, months_chosen, months_of, opened, period_to_params, preset_chosen,
                        preset_label, preset_of, presets)
from ui.state import (CHANNELS_KEY, EVENTS_KEY, FROM_KEY, LINK_KEY, PERIOD_KEY, PRESET_KEY, SERVICES_KEY, SEVERITIES_KEY,
                      THROUGH_KEY, Filters)


def plan_today(plan: Plan) -> date:
    """Today in the plan's time zone (periods are local plan dates); $OPSPLAN_TODAY pins it."""
    return today_in(plan.timezone)


def current_period() -> Period:
    """The period chosen in the sidebar (shell/main.py renders the picker before any page runs;
    a page run on its own starts from the link's period, else the plan's default)."""
    if PERIOD_KEY not in st.session_state:
        the_plan = plan()
        _init_period(presets(plan_today(the_plan), the_plan.settings.scorecard_months, data_through()))
    return st.session_state[PERIOD_KEY].period


def _on_preset(named: Mapping[str, Period]) -> None:
    state = preset_chosen(st.session_state[PERIOD_KEY], st.session_state[PRESET_KEY], named)
    st.session_state[PERIOD_KEY] = state
    if st.session_state[PRESET_KEY] == CUSTOM:
        _set_months(state.period)


def _set_months(period: Period) -> None:
    st.session_state[FROM_KEY], st.session_state[THROUGH_KEY] = months_of(period)


def _on_months() -> None:
    st.session_state[PERIOD_KEY] = months_chosen(st.session_state[FROM_KEY], st.session_state[THROUGH_KEY])


def _init_period(named: Mapping[str, Period]) -> None:
    """First run of a session: the link's period, else the plan's default."""
    state = opened(st.query_params.to_dict(), named)
    st.session_state[PERIOD_KEY] = state
    st.session_state[PRESET_KEY] = preset_of(state.period, named)
    _set_months(state.period)


def period_picker(plan: Plan, today: date, through: date | None) -> Period:
    """Sidebar widgets for the reporting period, kept in sync with ?start=&end= in the URL; the
    named periods end with the month the data runs through (`through`) when it stops earlier."""
    named = presets(today, plan.settings.scorecard_months, through)
    if PERIOD_KEY not in st.session_state:
        _init_period(named)
    st.selectbox(_("Period"), [*named, CUSTOM], key=PRESET_KEY, on_change=_on_preset, args=(named,),
                 format_func=preset_label,
                 help=_("Full calendar months in the plan's time zone. The URL keeps the period, so a link "
                        "shares this view."))
    if st.session_state[PRESET_KEY] == CUSTOM:
        options = month_options(today, st.session_state[PERIOD_KEY].period)[::-1]  # newest first
        left, right = st.columns(2)
        left.selectbox(_("From"), options, key=FROM_KEY, format_func=month_name, on_change=_on_months)
        right.selectbox(_("Through"), options, key=THROUGH_KEY, format_func=month_name, on_change=_on_months)
    state = st.session_state[PERIOD_KEY]
    if state.warning:
        st.warning(state.warning)
    period = state.period
    params = period_to_params(period)
    if {k: st.query_params.get(k) for k in params} != params:
        st.query_params.update(params)
    return period


def _link_state() -> links.LinkState:
    return st.session_state.get(LINK_KEY) or links.LinkState(st.query_params.to_dict())


def link_pending(control: links.Control) -> bool:
    """Whether the control has not yet been read from the session's link (its options may cost a query)."""
    return control.param not in _link_state().read


def link_value(control: links.Control, options: Sequence) -> tuple[object | None, str | None]:
    """The control's value in the link the session was opened with, the first time it is asked for in
    the session (None after that, or when the link leaves it out), and the warning about an unknown
    value in the link, kept until the control is changed."""
    state, value = links.read_from(_link_state(), control, options)
    st.session_state[LINK_KEY] = state
    return value, links.warning_of(state, control)


def from_link(key: str, control: links.Control, options: Sequence, default: object = None) -> str | None:
    """Before the widget under `key` is drawn: on the session's first run of that control, its value in
    the link; else, when the widget has no state (a new session, or its page was left), `default`
    (None: the widget's own). Returns the warning about an unknown value in the link, for the caller
    to show beside the control."""
    value, warning = link_value(control, options)
    if value is None and key not in st.session_state:
        value = default
    if value is not None:
        st.session_state[key] = list(value) if control.many else value
    return warning


def to_link(control: links.Control, value: object) -> None:
    """Write the control's value into the URL (only when it changed: each write is a message to the browser)."""
    text = links.value_to_param(control, value)
    st.session_state[LINK_KEY] = links.written(_link_state(), control, text)
    if st.query_params.get(control.param) != text:
        if text is None:
            del st.query_params[control.param]
        else:
            st.query_params[control.param] = text


FILTERS = ((SERVICES_KEY, links.SERVICES), (SEVERITIES_KEY, links.SEVERITIES), (CHANNELS_KEY, links.CHANNELS))


def filter_picker(plan: Plan) -> Filters:
    """Sidebar multiselects for services, severities and channels, honoured by every drill-down page,
    kept in the URL (?services=a,b&severities=...&channels=...) like the period."""
    services = query("services")
    options = (list(services["service_id"]), [s.name for s in plan.severities], [c.name for c in plan.channels])
    warnings = [w for (key, control), allowed in zip(FILTERS, options) if (w := from_link(key, control, allowed))]
    with st.expander(_("Filters"), icon=":material/filter_alt:", expanded=current_filters() != Filters()):
        st.multiselect(_("Services"), options[0], key=SERVICES_KEY, placeholder=_("All services"),
                       format_func=dict(zip(services["service_id"], services["name"])).get)
        st.multiselect(_("Severity"), options[1], key=SEVERITIES_KEY, placeholder=_("All"),
                       format_func=severity_word)
        st.multiselect(_("Channel"), options[2], key=CHANNELS_KEY, placeholder=_("All"),
                       format_func=lambda c: _(plan.channel(c).label))
    for warning in warnings:
        st.warning(warning)
    # Off by default: the trends are read for their line first, and a dozen small charts with
    # markers beneath each are busier and cost a query more; one switch for every page's trends.
    st.toggle(_("Show events on charts"), key=EVENTS_KEY,
              help=_("Critical and high incidents, changes (rolled-back ones crossed) and maintenance windows, "
                     "counted per month in a strip beneath every trend chart; the service filter applies."))
    for key, control in FILTERS:
        to_link(control, st.session_state.get(key, ()))
    return current_filters()


def current_filters() -> Filters:
    """The filters chosen in the sidebar (none before the sidebar has run), sorted: the same choice
    picked in another order is the same key of the cached inputs and results."""
    state = st.session_state
    return Filters(*(tuple(sorted(state.get(key, ()))) for key in (SERVICES_KEY, SEVERITIES_KEY, CHANNELS_KEY)))


def through_text(through: date | None, today: date) -> str:
    """'Data through 26 Nov 2026 (10 days before today): ...', for the sidebar."""
    if through is None:
        return _("Data through: no data yet")
    day = i18n.date_text(through, "day_padded")
    behind = (today - through).days
    if behind <= 1:
        return _("Data through {day}").format(day=day)
    month = i18n.date_text(through, "month_long")
    if (through + timedelta(days=1)).day == 1:
        return _("Data through {day} ({behind} days before today): default periods end with {month}").format(
            day=day, behind=behind, month=month)
    # {nth} is English's ordinal ("the 26th"); a language without one writes the day {n}
    return _("Data through {day} ({behind} days before today): default periods end with {month}, counted to "
             "the {nth}").format(day=day, behind=behind, month=month, n=through.day,
                                 nth=f"{through.day}{_ordinal(through.day)}")


def _ordinal(day: int) -> str:
    return "th" if 10 <= day % 100 <= 20 else {1: "st", 2: "nd", 3: "rd"}.get(day % 10, "th")


def severity_word(severity: str) -> str:
    """A severity's name (data: a key of plan.toml) as the reader's word: the SLA grids' one wording."""
    return drilldown.severity_words(severity)
