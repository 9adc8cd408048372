"""The Capacity page: per service and resource, the measured history, the measured forecast (the
default) and a growth scenario beside it (the plan's assumptions, edited by the sliders) against
the plan's thresholds; when each crosses them and what to buy. Statistical fits are cached by
plain values (warehouse, service, resource, horizon, data-through date); a scenario's growth is
applied to the cached fits uncached (it is cheap), so a slider moves without refitting. Formulas
live in models/capacity.py and models/forecast.py, SQL in data/sql/; the page's words and tables
in ui/capacity_words.py.
"""
from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import date, datetime, timedelta
from functools import partial
from types import MappingProxyType
from typing import Mapping

import numpy as np
import pandas as pd
import plotly.graph_objects as go
import streamlit as st

import models.capacity
from core import i18n
from core.i18n import N_, _
from core.plan import Capacity
from data import warehouse

from ui.cache import CACHE_TTL, LOADER, connection_for, data_through, db, forgettable, loaded_after_clears, plan, query
from ui.figures import LABEL_BACKGROUND, Line, band, figure, hline, vline
from ui.forecasting import forecast_model
from ui.palette import FORECAST_COLOURS, THRESHOLD_STYLE
from ui import links
from ui.sidebar import from_link, plan_today, to_link
from ui.state import CAP_KEY, CAPACITY_KEY, CapacityState, sliders_from, slid, widened


@dataclass(frozen=True)
class CapResource:
    """A resource's words, marked for the catalogue: shown through `_()`."""
    label: str
    unit: str
    axis: str
    help: str


CAP_RESOURCES = {
    "cpu_pct": CapResource(N_("CPU"), "%", N_("CPU, busy hours (% of capacity)"),
                           N_("CPU in use, as the 90th percentile of each day's hourly samples: the level the busiest "
                              "hours of the day reach, one stray spike ignored.")),
    "memory_pct": CapResource(N_("Memory"), "%", N_("memory, busy hours (% in use)"),
                              N_("Memory in use, 90th percentile of each day's hourly samples.")),
    "disk_pct": CapResource(N_("Disk"), "%", N_("disk used (% of the volume)"),
                            N_("Disk space in use, 90th percentile of each day's hourly samples. Storage grows with "
                               "the plan's data growth, not with users.")),
    "requests_pct": CapResource(N_("Requests/s"), "%", N_("requests/s, busy hours (% of fleet capacity)"),
                                N_("Requests per second as a share of what today's fleet serves (instances x "
                                   "requests per second one instance handles), 90th percentile of each day's hours.")),
    "data_gb": CapResource(N_("Data volume"), "GB", N_("data stored (GB)"),
                           N_("Data stored by the service at the end of each day, in GB.")),
}
CAP_HORIZONS = {3: 91, 6: 182, 12: 365}  # months -> days forecast (the fits are daily)
CAP_LEVEL = models.capacity.INTERVAL_PCT
CAP_HISTORY_DAYS = models.capacity.HISTORY_DAYS
CAP_SLIDERS = {  # Capacity field -> (label, max, step, help); label and help shown through `_()`
    "user_growth_pct_per_quarter": (N_("User growth (% per quarter)"), 200.0, 5.0,
                                    N_("Compounded monthly; CPU, memory and requests grow with users. "
                                       "plan.toml: [capacity] user_growth_pct_per_quarter.")),
    "peak_traffic_growth_pct": (N_("Peak-season traffic uplift (%)"), 300.0, 10.0,
                                N_("Extra load in the peak months ([capacity] peak_months), on top of the growth.")),
    "data_growth_pct_per_month": (N_("Data growth (% per month)"), 60.0, 1.0,
                                  N_("Compounded monthly; disk and data volume grow at this rate.")),
    "feature_complexity_pct": (N_("Feature complexity uplift (%)"), 100.0, 5.0,
                               N_("A flat extra load on CPU, memory and requests from new features.")),
}
# The scenario the sliders start from, named as the page draws it; names stay English inside the
# view (tests and links compare them) and are translated where shown.
PLAN_NAME = N_("Plan's assumptions")
EDITED_NAME = N_("Edited assumptions")
THRESHOLD_LABELS = {  # a threshold line's label, by THRESHOLD_STYLE's kind
    "full": N_("full {value} %"), "scale up": N_("scale up {value} %"), "monitor": N_("monitor {value} %"),
    "scale down": N_("scale down {value} %")}
CAP_CONTROLS = (("cap_service", links.CAP_SERVICE), ("cap_resource", links.CAP_RESOURCE),
                ("cap_months", links.CAP_HORIZON))
CAP_DEFAULT_MONTHS = 6


@forgettable
@st.cache_resource(ttl=CACHE_TTL, max_entries=4, show_spinner=False)
def _daily(db_file: str, tz: str, through: date) -> Mapping[str, Mapping[str, np.ndarray]]:
    """Every service's daily levels (capacity_daily, one query), by service and column, shared and
    not copied: the page ranks all services, and filtering a cached copy of the whole frame per
    service cost more than the rest of its load. Every session reads the same arrays, so they are
    frozen (read-only arrays in read-only mappings); forget_results() drops them with the results."""
    start, end = _bounds(tz, through)
    daily = loaded_after_clears(partial(warehouse.query, connection_for(db_file), "capacity_daily", tz=tz, start=start,
                                         end=end))
    return MappingProxyType({str(sid): _frozen_columns(rows) for sid, rows in daily.groupby("service_id", sort=False)})


@st.cache_data(**LOADER, max_entries=512, show_spinner=False)
def _history(db_file: str, tz: str, service_id: str, resource: str, through: date) -> pd.DataFrame:
    rows = _daily(db_file, tz, through).get(service_id)
    if rows is None:  # no samples for this service in the two years
        return pd.DataFrame({"ds": pd.Series(dtype="datetime64[us]"), "y": pd.Series(dtype=float)})
    return pd.DataFrame({"ds": pd.to_datetime(rows["day"]), "y": np.asarray(rows[resource], dtype=float)})


@st.cache_data(**LOADER, max_entries=512, show_spinner=False)
def _fit(db_file: str, tz: str, service_id: str, resource: str, days: int, through: date) -> pd.DataFrame:
    """The statistical forecast of one service and resource (attrs name the model)."""
    return forecast_model().forecast(_history(db_file, tz, service_id, resource, through), days, CAP_LEVEL,
                                          freq="D")


@st.cache_data(**LOADER, max_entries=128, show_spinner=False)
def _backtest(db_file: str, tz: str, service_id: str, resource: str, days: int, through: date) -> pd.DataFrame:
    return forecast_model().backtest(_history(db_file, tz, service_id, resource, through), days, CAP_LEVEL)


@st.cache_data(**LOADER, max_entries=128, show_spinner=False)
def _skill(db_file: str, tz: str, service_id: str, resource: str, days: int, through: date, lang: str) -> str:
    # `lang`: the words are the forecaster's, in the language in use; one cache entry per language
    with i18n.use(lang):
        return forecast_model().skill(_history(db_file, tz, service_id, resource, through), days)[1]


def load_skill(service_id: str, resource: str, months: int) -> str:
    """The forecast's skill against seasonal naive in a planner's words (models.forecast.skill):
    '23 % better than repeating last week'."""
    return _skill(db(), plan().timezone, service_id, resource, CAP_HORIZONS[months], cap_through(), i18n.language())


def load_capacity(service: pd.Series, resource: str, months: int, cap: Capacity) -> CapacityView:
    """History and cached fit (the measured forecast), and (uncached, cheap) the sliders' scenario
    beside it: both sets of crossings and monthly plans, and what makes the scenario cross."""
    db_file, tz, through = db(), plan().timezone, cap_through()
    history = _history(db_file, tz, service["service_id"], resource, through)
    fit = _fit(db_file, tz, service["service_id"], resource, CAP_HORIZONS[months], through)
    growth = models.capacity.growth_for(resource, cap)
    planned = models.capacity.plan_scenario(history, fit, growth)
    instances = int(service["instances"])
    crossings, monthly = models.capacity.plan_for(resource, fit, instances, cap)
    scenario_crossings, scenario_monthly = models.capacity.plan_for(resource, planned, instances, cap)
    current = models.capacity.current_level(history)
    name = scenario_name(cap, plan().capacity)
    causes: tuple[str, ...] = ()
    at = None if scenario_crossings is None else \
        scenario_crossings.set_index("threshold_pct").loc[cap.scale_up_pct, "mean_at"]
    if at is not None and pd.notna(at):
        causes = tuple(models.capacity.crossing_causes(
            resource, growth, current, models.capacity.measured_and_plan(history, fit, growth), history["ds"].max(),
            cap.scale_up_pct, at, whose="the plan's" if name == PLAN_NAME else "the edited scenario's"))
    return CapacityView(history, fit, planned, fit.attrs.get("model", "?"), crossings, monthly, current, name,
                        scenario_crossings, scenario_monthly, causes)


def load_backtest(service_id: str, resource: str, months: int) -> dict:
    """Held-out accuracy of the forecaster on this series, the folds' means
    (models.forecast.backtest_means: folds, mase, smape, coverage)."""
    folds = _backtest(db(), plan().timezone, service_id, resource, CAP_HORIZONS[months], cap_through())
    return forecast_model().backtest_means(folds)


def load_headroom(resource: str, months: int, cap: Capacity) -> pd.DataFrame:
    """Every service ranked by days until the measured forecast's mean crosses the scale-up line,
    with the sliders' scenario's crossing beside it (fits cached per service; the first visit fits
    them all, with a spinner)."""
    db_file, tz, through = db(), plan().timezone, cap_through()
    services = cap_services()
    fits = ((s.service_id, _history(db_file, tz, s.service_id, resource, through),
             _fit(db_file, tz, s.service_id, resource, CAP_HORIZONS[months], through)) for s in services.itertuples())
    with st.spinner(_("Forecasting {resource} for all {n} services ...").format(
            resource=_(CAP_RESOURCES[resource].label), n=len(services)), show_time=True):
        table = models.capacity.headroom_table(resource, fits, cap, pd.Timestamp(through))
    names = dict(zip(services["service_id"], services["name"]))
    never = _("not within {months} months").format(months=months)
    dates = {column: [cap_date(v) if v is not None and pd.notna(v) else never for v in table[column]]
             for column in ("scale_up_at", "upper_at", "plan_at")}
    return table.assign(service=table["service_id"].map(names), resource=_(CAP_RESOURCES[resource].label),
                        days_to_scale_up=[i18n.number(int(d)) if pd.notna(d) else "—"
                                          for d in table["days_to_scale_up"]],
                        **dates)


@dataclass(frozen=True)
class CapacityView:
    history: pd.DataFrame      # ds, y: the daily busy-hour level
    statistical: pd.DataFrame  # ds, mean, lower, upper: the measured forecast, the page's default
    scenario: pd.DataFrame     # the same with the sliders' growth from where the history ends, drawn beside it
    model: str
    crossings: pd.DataFrame | None   # threshold_pct, mean_at, upper_at of the measured forecast (percent resources)
    monthly: pd.DataFrame      # the monthly capacity plan of the measured forecast
    current: float | None      # the mean of the last 7 days
    scenario_name: str         # PLAN_NAME, or EDITED_NAME once a slider moved (English: `_()` where shown)
    scenario_crossings: pd.DataFrame | None  # the scenario's crossings, as crossings
    scenario_monthly: pd.DataFrame  # the scenario's monthly plan
    causes: tuple[str, ...]    # why the scenario's mean reaches the scale-up line (models.capacity.crossing_causes)


def cap_controls_from_link(service_ids: list[str]) -> list[str]:
    """Service, resource and horizon from the session's link (the first run) or their defaults; the
    warnings about values in the link that are not on the page."""
    options = (service_ids, list(CAP_RESOURCES), list(CAP_HORIZONS))
    defaults = (None, None, CAP_DEFAULT_MONTHS)
    return [w for (key, control), allowed, default in zip(CAP_CONTROLS, options, defaults)
            if (w := from_link(key, control, allowed, default))]


def cap_controls_to_link(service_id: str, resource: str, months: int) -> None:
    for (_key, control), value in zip(CAP_CONTROLS, (service_id, resource, months)):
        to_link(control, value)


def _bounds(tz: str, through: date) -> tuple[datetime, datetime]:
    end = through + timedelta(days=1)
    return (warehouse.local_midnight(end - timedelta(days=CAP_HISTORY_DAYS), tz), warehouse.local_midnight(end, tz))


def _frozen_columns(rows: pd.DataFrame) -> Mapping[str, np.ndarray]:
    out = {}
    for column in rows.columns:
        values = rows[column].to_numpy(copy=True)
        values.flags.writeable = False
        out[column] = values
    return MappingProxyType(out)


def cap_services() -> pd.DataFrame:
    """The service catalogue: service_id, name, instances, instance_rps_capacity ..."""
    return query("services")


def cap_through() -> date:
    """The last day the fits use (the warehouse's data-through date; today without data)."""
    return data_through() or plan_today(plan())


def scenario_name(cap: Capacity, the_plan: Capacity) -> str:
    """The sliders' scenario as the page names it: the plan's assumptions while the sliders hold the
    plan's values, else an edited scenario (the plan's line would be a claim the plan does not make)."""
    same = all(float(getattr(cap, n)) == float(getattr(the_plan, n)) for n in CAP_SLIDERS)
    return PLAN_NAME if same else EDITED_NAME


def cap_date(value) -> str:
    if value is None or pd.isna(value):
        return _("not within the horizon")
    return i18n.date_text(pd.Timestamp(value).date(), "day_padded")


def scale_up_at(crossings: pd.DataFrame, cap: Capacity) -> pd.Timestamp | None:
    """The first day a forecast's mean reaches the scale-up line (crossings' frame), None: never."""
    at = crossings.set_index("threshold_pct").loc[cap.scale_up_pct, "mean_at"]
    return None if pd.isna(at) else pd.Timestamp(at)


def _threshold_lines(cap: Capacity) -> list[Line]:
    lines = []
    for kind, value in (("full", 100.0), ("scale up", cap.scale_up_pct), ("monitor", cap.monitor_pct),
                        ("scale down", cap.scale_down_pct)):
        colour, dash = THRESHOLD_STYLE[kind]
        lines.append(hline(value, {"color": colour, "dash": dash, "width": 1.5},
                           _(THRESHOLD_LABELS[kind]).format(value=f"{value:g}"),
                           font={"color": colour}, bgcolor=LABEL_BACKGROUND))
    return lines


def cap_seed_sliders(cap: Capacity, *, trend_only: bool = False) -> None:
    """Set the scenario sliders to the plan's values (or all to zero: the statistical trend alone)."""
    for name in CAP_SLIDERS:
        st.session_state[CAP_KEY + name] = 0.0 if trend_only else float(getattr(cap, name))


def cap_scenario(cap: Capacity) -> Capacity:
    """The scenario the sliders describe: the plan's [capacity] with the slider values in place.
    First visit: the plan's values. Back from another page (where Streamlit dropped the sliders'
    state): as the user left them. Sent from the Scenarios page: that scenario's growth."""
    missing = any(CAP_KEY + name not in st.session_state for name in CAP_SLIDERS)
    source, s = sliders_from(capacity_state(), missing, {name: getattr(cap, name) for name in CAP_SLIDERS})
    if source is not None:
        for name in CAP_SLIDERS:
            st.session_state[CAP_KEY + name] = float(source[name])
    values = {}
    for name, (label, _top, step, help_text) in CAP_SLIDERS.items():
        usual = (0.0, max(CAP_SLIDERS[name][1], float(getattr(cap, name))))
        s = widened(s, name, usual, float(st.session_state[CAP_KEY + name]))
        low, high = s.ranges[name]
        values[name] = st.slider(_(label), low, high, step=step, key=CAP_KEY + name, format="%.1f %%",
                                 help=_("{help} The plan: {value} %.").format(help=_(help_text),
                                                                             value=f"{getattr(cap, name):g}"))
    st.session_state[CAPACITY_KEY] = slid(s, values)
    return replace(cap, **values)


def capacity_state() -> CapacityState:
    """The page's state between runs (a new session's: empty)."""
    return st.session_state.get(CAPACITY_KEY, CapacityState())


def capacity_chart(view: CapacityView, resource: str, cap: Capacity, title: str, through: date) -> go.Figure:
    """History, the measured forecast with its band (the default), the sliders' scenario beside it
    as a dashed line, the plan's thresholds (percent) or the storage to provision (GB), and where
    the measured forecast crosses the scale-up line."""
    r = CAP_RESOURCES[resource]
    scenario = _(view.scenario_name)
    # plotly's own placeholders stay outside the catalogue's text: a translator moves {day} and {value}
    day, value = "%{x|%d %b %Y}", f"%{{y:,.1f}} {r.unit}"
    traces = [
        go.Scatter(x=view.history["ds"], y=view.history["y"], name=_("measured (daily busy hours)"),
                   mode="lines", line={"color": FORECAST_COLOURS["history"], "width": 1},
                   hovertemplate=f"{day}: {value}<extra></extra>"),
        *band(view.statistical, _("{level} % interval (measured forecast)").format(level=CAP_LEVEL),
              "rgba(47, 111, 143, 0.18)"),
        go.Scatter(x=view.statistical["ds"], y=view.statistical["mean"], name=_("measured forecast"),
                   mode="lines", line={"color": FORECAST_COLOURS["history"], "width": 2},
                   hovertemplate=_("measured forecast {day}: {value}").format(day=day, value=value)
                   + "<extra></extra>"),
        go.Scatter(x=view.scenario["ds"], y=view.scenario["mean"], name=scenario,
                   mode="lines", line={"color": FORECAST_COLOURS["plan"], "dash": "dash", "width": 2},
                   hovertemplate=f"{scenario} {day}: {value}<extra></extra>")]
    lines: list[Line] = []
    yaxis: dict = {"title": {"text": _(r.axis)}}
    if r.unit == "%":
        lines += _threshold_lines(cap)
        top = float(max(view.statistical["upper"].max(), view.scenario["mean"].max(), view.history["y"].max(), 100.0))
        yaxis["range"] = [0, min(top * 1.05, 200.0)]
        hit = scale_up_at(view.crossings, cap)
        if hit is not None:
            lines += [vline(hit, {"color": THRESHOLD_STYLE["scale up"][0], "width": 1}),
                      (None, {"x": hit, "y": 1.0, "yref": "paper",
                              "text": _("measured forecast reaches {pct} %").format(pct=f"{cap.scale_up_pct:g}"),
                              "showarrow": False,
                              "xanchor": "right", "yanchor": "top", "font": {"color": "#d64541"},
                              "bgcolor": LABEL_BACKGROUND})]
    else:
        traces.append(go.Scatter(x=view.monthly["month"], y=view.monthly["storage_needed"], mode="lines",
                                 line={"color": THRESHOLD_STYLE["scale up"][0], "dash": "dash", "shape": "hv"},
                                 name=_("storage to provision"),
                                 hovertemplate="%{x|%b %Y}: %{y:,.1f} GB<extra></extra>"))
        yaxis["rangemode"] = "tozero"
    lines += [vline(pd.Timestamp(through), {"color": "#8a8f98", "width": 1, "dash": "dot"}),
              (None, {"x": pd.Timestamp(through), "y": 0.0, "yref": "paper", "text": _("data through"),
                      "showarrow": False, "xanchor": "right", "yanchor": "bottom",
                      "font": {"color": "#5f6368", "size": 11}})]
    return figure(traces, title, 460, lines=lines, yaxis=yaxis, xaxis={"title": {"text": _("day")}})
