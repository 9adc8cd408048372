"""The Capacity page: per service and resource, the measured history, the forecast and a growth
scenario against the plan's thresholds; when each crosses them and what to buy. Statistical fits
are cached by plain values (warehouse, service, resource, horizon, data-through date); a
scenario's growth is applied to the cached fits uncached (it is cheap), so a slider moves without
refitting. Formulas live in models/capacity.py and models/forecast.py, SQL in data/sql/.
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
from core.plan import Capacity
from data import warehouse

from ui.cache import CACHE_TTL, LOADER, connection_for, data_through, db, forgettable, loaded_after_clears, plan, query
from ui.figures import LABEL_BACKGROUND, Line, band, figure, hline, vline
from ui.forecasting import forecast_model
from ui.palette import FORECAST_COLOURS, THRESHOLD_STYLE
from ui.sidebar import plan_today
from ui.state import CAP_KEY, CAP_RANGE, CAP_SENT, CAP_WORKING


@dataclass(frozen=True)
class CapResource:
    label: str
    unit: str
    axis: str
    help: str


CAP_RESOURCES = {
    "cpu_pct": CapResource("CPU", "%", "CPU, busy hours (% of capacity)",
                           "CPU in use, as the 90th percentile of each day's hourly samples: the level the busiest "
                           "hours of the day reach, one stray spike ignored."),
    "memory_pct": CapResource("Memory", "%", "memory, busy hours (% in use)",
                              "Memory in use, 90th percentile of each day's hourly samples."),
    "disk_pct": CapResource("Disk", "%", "disk used (% of the volume)",
                            "Disk space in use, 90th percentile of each day's hourly samples. Storage grows with "
                            "the plan's data growth, not with users."),
    "requests_pct": CapResource("Requests/s", "%", "requests/s, busy hours (% of fleet capacity)",
                                "Requests per second as a share of what today's fleet serves (instances x "
                                "requests per second one instance handles), 90th percentile of each day's hours."),
    "data_gb": CapResource("Data volume", "GB", "data stored (GB)",
                           "Data stored by the service at the end of each day, in GB."),
}
CAP_HORIZONS = {3: 91, 6: 182, 12: 365}  # months -> days forecast (the fits are daily)
CAP_LEVEL = 80  # the forecast interval, percent
CAP_HISTORY_DAYS = 730
CAP_SLIDERS = {  # Capacity field -> (label, max, step, help)
    "user_growth_pct_per_quarter": ("User growth (% per quarter)", 200.0, 5.0,
                                    "Compounded monthly; CPU, memory and requests grow with users. "
                                    "plan.toml: [capacity] user_growth_pct_per_quarter."),
    "peak_traffic_growth_pct": ("Peak-season traffic uplift (%)", 300.0, 10.0,
                                "Extra load in the peak months ([capacity] peak_months), on top of the growth."),
    "data_growth_pct_per_month": ("Data growth (% per month)", 60.0, 1.0,
                                  "Compounded monthly; disk and data volume grow at this rate."),
    "feature_complexity_pct": ("Feature complexity uplift (%)", 100.0, 5.0,
                               "A flat extra load on CPU, memory and requests from new features."),
}


def cap_seed_sliders(cap: Capacity, *, trend_only: bool = False) -> None:
    """Set the scenario sliders to the plan's values (or all to zero: the statistical trend alone)."""
    for name in CAP_SLIDERS:
        st.session_state[CAP_KEY + name] = 0.0 if trend_only else float(getattr(cap, name))


def cap_scenario(cap: Capacity) -> Capacity:
    """The scenario the sliders describe: the plan's [capacity] with the slider values in place.
    First visit: the plan's values. Back from another page (where Streamlit dropped the sliders'
    state): as the user left them. Sent from the Scenarios page: that scenario's growth."""
    state = st.session_state
    source = state.pop(CAP_SENT, None)
    if source is None and any(CAP_KEY + name not in state for name in CAP_SLIDERS):
        source = state.get(CAP_WORKING) or {name: getattr(cap, name) for name in CAP_SLIDERS}
    if source is not None:
        for name in CAP_SLIDERS:
            state[CAP_KEY + name] = float(source[name])
    values = {}
    for name, (label, _, step, help_text) in CAP_SLIDERS.items():
        low, high = _slider_range(name, cap)
        values[name] = st.slider(label, low, high, step=step, key=CAP_KEY + name, format="%.1f %%",
                                 help=f"{help_text} The plan: {getattr(cap, name):g} %.")
    state[CAP_WORKING] = values
    return replace(cap, **values)


def _slider_range(name: str, cap: Capacity) -> tuple[float, float]:
    """A slider's bounds: 0 to its usual top (or the plan's value), widened to take a value sent
    from Scenarios (a shrinking scenario goes below 0) and kept so for the session. Never derived
    from the live value: a slider whose bounds change is reset, and would jump to its minimum."""
    ranges = st.session_state.setdefault(CAP_RANGE, {})
    low, high = ranges.get(name, (0.0, max(CAP_SLIDERS[name][1], float(getattr(cap, name)))))
    now = float(st.session_state[CAP_KEY + name])
    ranges[name] = (min(low, now), max(high, now))
    return ranges[name]


def _bounds(tz: str, through: date) -> tuple[datetime, datetime]:
    end = through + timedelta(days=1)
    return (warehouse.local_midnight(end - timedelta(days=CAP_HISTORY_DAYS), tz), warehouse.local_midnight(end, tz))


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


def _frozen_columns(rows: pd.DataFrame) -> Mapping[str, np.ndarray]:
    out = {}
    for column in rows.columns:
        values = rows[column].to_numpy(copy=True)
        values.flags.writeable = False
        out[column] = values
    return MappingProxyType(out)


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
def _skill(db_file: str, tz: str, service_id: str, resource: str, days: int, through: date) -> str:
    return forecast_model().skill(_history(db_file, tz, service_id, resource, through), days)[1]


def load_skill(service_id: str, resource: str, months: int) -> str:
    """The forecast's skill against seasonal naive in a planner's words (models.forecast.skill):
    '23 % better than repeating last week'."""
    return _skill(db(), plan().timezone, service_id, resource, CAP_HORIZONS[months], cap_through())


def cap_services() -> pd.DataFrame:
    """The service catalogue: service_id, name, instances, instance_rps_capacity ..."""
    return query("services")


def cap_through() -> date:
    """The last day the fits use (the warehouse's data-through date; today without data)."""
    return data_through() or plan_today(plan())


@dataclass
class CapacityView:
    history: pd.DataFrame      # ds, y: the daily busy-hour level
    statistical: pd.DataFrame  # ds, mean, lower, upper: the fit, no scenario growth
    scenario: pd.DataFrame     # the same with the scenario's growth applied
    model: str
    crossings: pd.DataFrame | None   # threshold_pct, mean_at, upper_at (percent resources)
    monthly: pd.DataFrame      # the monthly capacity plan
    current: float | None      # the mean of the last 7 days


def load_capacity(service: pd.Series, resource: str, months: int, cap: Capacity) -> CapacityView:
    """History, cached fit, and (uncached) the scenario's growth, crossings and monthly plan."""
    db_file, tz, through = db(), plan().timezone, cap_through()
    history = _history(db_file, tz, service["service_id"], resource, through)
    fit = _fit(db_file, tz, service["service_id"], resource, CAP_HORIZONS[months], through)
    grown = models.capacity.scenario_forecast(fit, resource, cap)
    crossings, monthly = models.capacity.plan_for(resource, grown, int(service["instances"]), cap)
    return CapacityView(history, fit, grown, fit.attrs.get("model", "?"), crossings, monthly,
                        models.capacity.current_level(history))


def load_backtest(service_id: str, resource: str, months: int) -> pd.DataFrame:
    """Held-out accuracy of the forecaster on this series: fold, cutoff, model, mase, smape, coverage."""
    return _backtest(db(), plan().timezone, service_id, resource, CAP_HORIZONS[months], cap_through())


def load_headroom(resource: str, months: int, cap: Capacity) -> pd.DataFrame:
    """Every service ranked by days until the scenario's mean crosses the scale-up line (fits
    cached per service; the first visit fits them all, with a spinner)."""
    db_file, tz, through = db(), plan().timezone, cap_through()
    services = cap_services()
    fits = ((s.service_id, _history(db_file, tz, s.service_id, resource, through),
             _fit(db_file, tz, s.service_id, resource, CAP_HORIZONS[months], through)) for s in services.itertuples())
    with st.spinner(f"Forecasting {CAP_RESOURCES[resource].label} for all {len(services)} services ...",
                    show_time=True):
        table = models.capacity.headroom_table(resource, fits, cap, pd.Timestamp(through))
    names = dict(zip(services["service_id"], services["name"]))
    never = f"not within {months} months"
    return table.assign(service=table["service_id"].map(names), resource=CAP_RESOURCES[resource].label,
                        scale_up_at=[cap_date(v) if v is not None and pd.notna(v) else never for v in table["scale_up_at"]],
                        days_to_scale_up=[f"{int(d):,}" if pd.notna(d) else never for d in table["days_to_scale_up"]],
                        upper_at=[cap_date(v) if v is not None and pd.notna(v) else never for v in table["upper_at"]])


def cap_date(value) -> str:
    return "not within the horizon" if value is None or pd.isna(value) else f"{pd.Timestamp(value):%d %b %Y}"


def crossing_table(crossings: pd.DataFrame, cap: Capacity) -> pd.DataFrame:
    """The crossings as a planner reads them: which line, and the first day the mean and the
    upper bound reach it."""
    names = {cap.monitor_pct: "monitor", cap.scale_up_pct: "scale up", 100.0: "full"}
    return pd.DataFrame({
        "line": [f"{names.get(t, '')} {t:g} %".strip() for t in crossings["threshold_pct"]],
        "forecast mean reaches it": [cap_date(v) for v in crossings["mean_at"]],
        f"upper bound ({CAP_LEVEL} %) reaches it": [cap_date(v) for v in crossings["upper_at"]]})


def crossing_words(view: CapacityView, cap: Capacity) -> tuple[str, str, str | None]:
    """The headline tile (label, value, delta): when the mean reaches the scale-up line, or that it
    does not within the horizon."""
    if view.crossings is None:
        return "Scale-up line", "n/a", "data volume is in GB"
    row = view.crossings.set_index("threshold_pct").loc[cap.scale_up_pct]
    if pd.notna(row["mean_at"]):
        return f"Mean reaches {cap.scale_up_pct:g} %", cap_date(row["mean_at"]), None
    return f"Mean reaches {cap.scale_up_pct:g} %", "—", f"not by {view.scenario['ds'].iloc[-1]:%d %b %Y}"


def _threshold_lines(cap: Capacity) -> list[Line]:
    lines = []
    for kind, value in (("full", 100.0), ("scale up", cap.scale_up_pct), ("monitor", cap.monitor_pct),
                        ("scale down", cap.scale_down_pct)):
        colour, dash = THRESHOLD_STYLE[kind]
        lines.append(hline(value, {"color": colour, "dash": dash, "width": 1.5}, f"{kind} {value:g} %",
                           font={"color": colour}, bgcolor=LABEL_BACKGROUND))
    return lines


def capacity_chart(view: CapacityView, resource: str, cap: Capacity, title: str, through: date) -> go.Figure:
    """History, the statistical forecast, the scenario's forecast with its band, the plan's
    thresholds (percent) or the storage to provision (GB), and the scale-up crossing."""
    r = CAP_RESOURCES[resource]
    traces = [
        go.Scatter(x=view.history["ds"], y=view.history["y"], name="measured (daily busy hours)",
                   mode="lines", line={"color": FORECAST_COLOURS["history"], "width": 1},
                   hovertemplate=f"%{{x|%d %b %Y}}: %{{y:,.1f}} {r.unit}<extra></extra>"),
        *band(view.scenario, f"{CAP_LEVEL} % interval (scenario)", "rgba(224, 123, 57, 0.18)"),
        go.Scatter(x=view.statistical["ds"], y=view.statistical["mean"], name="statistical trend only",
                   mode="lines", line={"color": FORECAST_COLOURS["statistical"], "dash": "dot"},
                   hovertemplate=f"trend %{{x|%d %b %Y}}: %{{y:,.1f}} {r.unit}<extra></extra>"),
        go.Scatter(x=view.scenario["ds"], y=view.scenario["mean"], name="forecast with scenario growth",
                   mode="lines", line={"color": FORECAST_COLOURS["scenario"], "width": 2.5},
                   hovertemplate=f"scenario %{{x|%d %b %Y}}: %{{y:,.1f}} {r.unit}<extra></extra>")]
    lines: list[Line] = []
    yaxis: dict = {"title": {"text": r.axis}}
    if r.unit == "%":
        lines += _threshold_lines(cap)
        top = float(max(view.scenario["upper"].max(), view.history["y"].max(), 100.0))
        yaxis["range"] = [0, min(top * 1.05, 200.0)]
        hit = view.crossings.set_index("threshold_pct").loc[cap.scale_up_pct, "mean_at"]
        if pd.notna(hit):
            lines += [vline(pd.Timestamp(hit), {"color": THRESHOLD_STYLE["scale up"][0], "width": 1}),
                      (None, {"x": pd.Timestamp(hit), "y": 1.0, "yref": "paper",
                              "text": f"mean reaches {cap.scale_up_pct:g} %", "showarrow": False, "xanchor": "left",
                              "yanchor": "top", "font": {"color": "#d64541"}, "bgcolor": LABEL_BACKGROUND})]
    else:
        traces.append(go.Scatter(x=view.monthly["month"], y=view.monthly["storage_needed"], mode="lines",
                                 line={"color": THRESHOLD_STYLE["scale up"][0], "dash": "dash", "shape": "hv"},
                                 name="storage to provision", hovertemplate="%{x|%b %Y}: %{y:,.1f} GB<extra></extra>"))
        yaxis["rangemode"] = "tozero"
    lines += [vline(pd.Timestamp(through), {"color": "#8a8f98", "width": 1, "dash": "dot"}),
              (None, {"x": pd.Timestamp(through), "y": 0.0, "yref": "paper", "text": "data through",
                      "showarrow": False, "xanchor": "right", "yanchor": "bottom",
                      "font": {"color": "#5f6368", "size": 11}})]
    return figure(traces, title, 460, lines=lines, yaxis=yaxis, xaxis={"title": {"text": "day"}})


def capacity_caption(resource: str, cap: Capacity) -> str:
    unit = CAP_RESOURCES[resource].unit
    lines = (f"The shaded band is the {CAP_LEVEL} % interval: on held-out past data, about {CAP_LEVEL} % of days fell "
             "inside a band made this way (see the backtest). The dotted grey line is the statistical forecast alone; "
             "the orange line adds the scenario's growth on top of the trend the data already shows.")
    if unit == "%":
        return (lines + f" Lines: monitor {cap.monitor_pct:g} %, scale up {cap.scale_up_pct:g} %, full 100 %, "
                f"scale down below {cap.scale_down_pct:g} % (plan.toml [capacity]). The axis stops at 200 %.")
    return (lines + f" Storage to provision: the month's upper bound x (1 + {cap.reserve_pct:g} % reserve) / "
            f"{cap.scale_up_pct:g} % scale-up line.")


CAP_PLAN_COLUMNS = {
    "month": st.column_config.DateColumn("month", format="MMM YYYY"),
    "peak_upper_pct": st.column_config.NumberColumn("peak of upper bound", format="%.1f %%",
                                                    help="The month's highest daily upper bound, % of today's fleet."),
    "mean_pct": st.column_config.NumberColumn("mean forecast", format="%.1f %%"),
    "instances_now": st.column_config.NumberColumn("instances now"),
    "instances_needed": st.column_config.NumberColumn(
        "instances needed", help="ceil(instances now x peak upper bound x (1 + reserve) / scale-up line): enough "
                                 "that the month's peak stays under the scale-up trigger with the reserve kept."),
    "change": st.column_config.NumberColumn("change", format="%+d"),
    "scale_down": st.column_config.CheckboxColumn("scale-down opportunity",
                                                  help="The month's mean forecast stays under the scale-down line."),
    "peak_upper": st.column_config.NumberColumn("peak of upper bound", format="%.1f"),
    "mean": st.column_config.NumberColumn("mean forecast", format="%.1f"),
    "storage_needed": st.column_config.NumberColumn(
        "storage to provision", format="%.1f",
        help="The month's peak upper bound x (1 + reserve) / scale-up line."),
}


def monthly_plan_words(view: CapacityView, resource: str, cap: Capacity, instances: int) -> str:
    """One line over the monthly plan: the most instances (or storage) any month needs, and
    the scale-down months."""
    m = view.monthly
    if "instances_needed" in m:
        peak = m.loc[m["instances_needed"].idxmax()]
        down = m.loc[m["scale_down"], "month"]
        text = (f"**{int(peak['instances_needed'])} instances** needed at most (in {peak['month']:%b %Y}), "
                f"against **{instances}** today.")
        return text + (f" Scale-down opportunity in {', '.join(f'{d:%b %Y}' for d in down)}: the mean stays "
                       f"under {cap.scale_down_pct:g} %." if len(down) else " No month falls under the scale-down line.")
    last = m.iloc[-1]
    unit = "GB" if resource == "data_gb" else "% of today's volume"
    return (f"Provision **{last['storage_needed']:,.1f} {unit}** by {last['month']:%b %Y} to keep the "
            f"{cap.reserve_pct:g} % reserve under the {cap.scale_up_pct:g} % line.")


HEADROOM_COLUMNS = {
    "service": st.column_config.TextColumn("service"),
    "current_pct": st.column_config.ProgressColumn("now (mean of last 7 days)", format="%.0f %%", min_value=0,
                                                   max_value=100),
    "scale_up_at": st.column_config.TextColumn("mean reaches scale-up on"),
    "days_to_scale_up": st.column_config.TextColumn("days to scale-up", help="Days from the data-through date."),
    "upper_at": st.column_config.TextColumn("upper bound reaches it on",
                                            help="The pessimistic date: the interval's upper bound crosses."),
}
