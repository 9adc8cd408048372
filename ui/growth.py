"""The Growth page: measured demand (users, tickets, revenue, data) per month, its measured
forecast (the default), the plan's assumptions drawn beside it as a named scenario, and the
observed growth against them.
"""
from __future__ import annotations

from dataclasses import asdict, dataclass, fields
from datetime import date, timedelta

import pandas as pd
import plotly.graph_objects as go
import streamlit as st

import models.capacity
from core import i18n
from core.i18n import N_, _
from core.period import add_months, month_start
from core.plan import Capacity, Plan
from data.baseline import monthly_demand

from ui.cache import LOADER, connection_for, db, plan
from ui.capacity import CAP_LEVEL, PLAN_NAME, cap_through
from ui.figures import band, figure
from ui.forecasting import forecast_model
from ui.palette import FORECAST_COLOURS


@dataclass(frozen=True)
class DemandSeries:
    """A demand series' words, marked for the catalogue: shown through `_()`."""
    label: str
    axis: str
    plan_words: str   # the plan's assumption, {} filled from plan.toml
    question: str     # the chart's title, {} filled from plan.toml


DEMAND = {
    "active_users": DemandSeries(N_("Users"), N_("monthly active users"),
                                 N_("+{user_growth_pct_per_quarter:g} % a quarter"),
                                 N_("Users: do they grow {user_growth_pct_per_quarter:g} % a quarter?")),
    "visits": DemandSeries(N_("Traffic"), N_("site visits per month"),
                           N_("+{user_growth_pct_per_quarter:g} % a quarter with users, and "
                              "+{peak_traffic_growth_pct:g} % in the peak season"),
                           N_("Traffic: +{user_growth_pct_per_quarter:g} % a quarter, +{peak_traffic_growth_pct:g} % "
                              "at peak?")),
    "data_gb": DemandSeries(N_("Data"), N_("data stored, all services (GB)"),
                            N_("+{data_growth_pct_per_month:g} % a month"),
                            N_("Data volume: does it grow {data_growth_pct_per_month:g} % a month?")),
    "tickets": DemandSeries(N_("Tickets"), N_("support tickets per month"),
                            N_("+{user_growth_pct_per_quarter:g} % a quarter (tickets follow users)"),
                            N_("Tickets: do they grow {user_growth_pct_per_quarter:g} % a quarter with users?")),
}
GROWTH_HORIZONS = (6, 12, 18)
GROWTH_BADGES = {"unmeasurable": N_(":gray-badge[not measurable]"), "borne_out": N_(":green-badge[borne out]"),
                 "slower": N_(":orange-badge[data grows slower than the plan]"),
                 "faster": N_(":red-badge[data grows faster than the plan]")}
# A series' growth in a sentence, by the period the plan states it for (per_words) and its sign:
# whole sentences, since Thai places the period and the verb differently.
GROWTH_SENTENCES = {
    ("quarter", True): N_("**{label} grew {pct} % a quarter** over the last year; the plan assumes **{assumes}**."),
    ("quarter", False): N_("**{label} shrank {pct} % a quarter** over the last year; the plan assumes **{assumes}**."),
    ("month", True): N_("**{label} grew {pct} % a month** over the last year; the plan assumes **{assumes}**."),
    ("month", False): N_("**{label} shrank {pct} % a month** over the last year; the plan assumes **{assumes}**."),
}
PLAN_RATES = {"quarter": N_("plan {pct} % a quarter"), "month": N_("plan {pct} % a month")}
GROWTH_HELP = {
    "quarter": N_("{label}, growth a quarter: the last three full months against the same months a year before, "
                  "compounded per quarter."),
    "month": N_("{label}, growth a month: the last three full months against the same months a year before, "
                "compounded per month."),
}


@st.cache_data(**LOADER, show_spinner=False)
def _growth_history(db_file: str, tz: str, start_month: date, end_month: date) -> pd.DataFrame:
    frame = monthly_demand(connection_for(db_file), tz, start_month, end_month)
    return frame[frame["days_observed"] > 0].reset_index(drop=True)


@st.cache_data(**LOADER, max_entries=64, show_spinner=False)
def _growth_fit(db_file: str, tz: str, metric: str, start_month: date, end_month: date, horizon: int) -> pd.DataFrame:
    history = _growth_history(db_file, tz, start_month, end_month)
    series = pd.DataFrame({"ds": pd.to_datetime(history["month"]), "y": history[metric].astype(float)})
    return forecast_model().forecast(series, horizon, CAP_LEVEL, freq="MS")


@st.cache_data(**LOADER, max_entries=64, show_spinner=False)
def _growth_skill(db_file: str, tz: str, metric: str, start_month: date, end_month: date, horizon: int,
                  lang: str) -> str:
    # `lang`: the words are the forecaster's, in the language in use; one cache entry per language
    history = _growth_history(db_file, tz, start_month, end_month)
    series = pd.DataFrame({"ds": pd.to_datetime(history["month"]), "y": history[metric].astype(float)})
    with i18n.use(lang):
        return forecast_model().skill(series, horizon)[1]


def load_growth_skill(metric: str, horizon: int) -> str:
    """A demand series' forecast skill against seasonal naive, in words (models.forecast.skill)."""
    first, end = growth_months(cap_through())
    return _growth_skill(db(), plan().timezone, metric, first, end, horizon, i18n.language())


def load_growth(metric: str, horizon: int) -> GrowthView:
    """A demand series, its cached measured forecast and the plan's assumptions beside it."""
    the_plan, tz = plan(), plan().timezone
    first, end = growth_months(cap_through())
    with st.spinner(_("Forecasting the demand series ..."), show_time=True):
        fit = _growth_fit(db(), tz, metric, first, end, horizon)
    rows = _growth_history(db(), tz, first, end)
    history = pd.DataFrame({"ds": pd.to_datetime(rows["month"]), "y": rows[metric].astype(float)})
    cap = the_plan.capacity
    line = models.capacity.plan_line(history["ds"].iloc[-1], history["y"].iloc[-1], fit["ds"],
                                models.capacity.demand_growth(metric, cap))
    peak = models.capacity.peak_uplift_pct(history, cap.peak_months) if metric == "visits" else None
    rate = models.capacity.plan_rate(metric, cap)
    return GrowthView(metric, history, fit, pd.Series(line, index=fit.index),
                      models.capacity.observed_growth_pct(history, rate.per_months), rate, peak)


@dataclass(frozen=True)
class GrowthView:
    metric: str
    history: pd.DataFrame    # ds, y: full months
    forecast: pd.DataFrame   # ds, mean, lower, upper: the measured forecast
    plan: pd.Series          # the plan's assumptions at the forecast's months, from the last measured month
    observed_pct: float | None
    plan_rate: models.capacity.PlanRate  # the plan's rate for the series, as the plan states it
    peak: tuple | None       # (first month of the last peak season, uplift %) for traffic


def growth_months(through: date) -> tuple[date, date]:
    """[first, end) of the full months the growth page uses: two years up to the last full month."""
    end = month_start(through + timedelta(days=1))
    return add_months(end, -24), end


def growth_words(view: GrowthView, cap: Capacity) -> str:
    """'Users grew 11 % a quarter over the last year; the plan assumes +50 % a quarter.'"""
    spec = DEMAND[view.metric]
    assumes = _(spec.plan_words).format(**{f.name: getattr(cap, f.name) for f in fields(cap)})
    if view.observed_pct is None:
        text = _("Not enough history to measure a year's growth; the plan assumes {assumes}.").format(assumes=assumes)
    else:
        sentence = GROWTH_SENTENCES[per_words(view), view.observed_pct >= 0]
        text = _(sentence).format(label=_(spec.label), pct=i18n.number(abs(view.observed_pct), 1), assumes=assumes)
    if view.peak is not None:
        start, pct = view.peak
        text += " " + _("In the last peak season ({month} on) traffic was {pct} % against the months before; the plan "
                        "assumes +{plan} %.").format(month=_month_text(start),
                                                     pct=f"{pct:+.1f}", plan=f"{cap.peak_traffic_growth_pct:g}")
    return text


def plan_rate_words(view: GrowthView) -> str:
    """'plan +50 % a quarter': the plan's rate for a series, under its tile."""
    return _(PLAN_RATES[per_words(view)]).format(pct=f"{view.plan_rate.pct:+g}")


def growth_help(view: GrowthView) -> str:
    """What a series' growth tile measures, per the period the plan states it for."""
    return _(GROWTH_HELP[per_words(view)]).format(label=_(DEMAND[view.metric].label))


def growth_gap(view: GrowthView, the_plan: Plan) -> str:
    """How the data compares with the plan (models.capacity.growth_verdict), as a coloured badge."""
    return _(GROWTH_BADGES[models.capacity.growth_verdict(view.observed_pct, view.plan_rate.pct,
                                                        the_plan.settings.growth_borne_out_ratio)])


def per_words(view: GrowthView) -> str:
    """'quarter' or 'month': the period the plan states a series' growth for (a key, not shown)."""
    return "quarter" if view.plan_rate.per_months == 3 else "month"


def growth_title(metric: str, cap: Capacity) -> str:
    return _(DEMAND[metric].question).format(**asdict(cap))


def growth_span(view: GrowthView) -> str:
    """'Dec 2024 to Oct 2026': the full months measured."""
    first, last = (_month_text(d) for d in view.history["ds"].iloc[[0, -1]])
    return _("{first} to {last}").format(first=first, last=last)


def growth_end_words(view: GrowthView, horizon: int) -> str:
    """Where each line ends: the measured forecast (and its band), and the plan's assumptions beside
    it, at the horizon."""
    last = view.forecast.iloc[-1]
    plan_end = float(view.plan.iloc[-1])
    return _("In {horizon} months ({month}): measured forecast **{mean}** ({level} % interval {lower} to {upper}); "
             "{plan} **{plan_end}**, {ratio} x the forecast.").format(
        horizon=horizon, month=_month_text(last["ds"]), mean=i18n.number(last["mean"]),
        level=CAP_LEVEL, lower=i18n.number(last["lower"]), upper=i18n.number(last["upper"]),
        plan=_(PLAN_NAME).lower(), plan_end=i18n.number(plan_end), ratio=i18n.number(plan_end / last["mean"], 1))


def _month_text(month) -> str:
    """A month (a date, a Timestamp or a pandas Period) as the reader's language writes it: 'Oct 2026'."""
    return i18n.date_text(date(month.year, month.month, 1), "month")


def growth_chart(view: GrowthView, title: str) -> go.Figure:
    """Measured months, the measured forecast with its band (the default), and the plan's
    assumptions drawn beside it from the last measured month (ramped as models.capacity.plan_line)."""
    spec = DEMAND[view.metric]
    f = view.forecast
    anchor = view.history.iloc[-1]
    # plotly's own placeholders stay outside the catalogue's text: a translator moves {month} and {value}
    at = {"month": "%{x|%b %Y}", "value": "%{y:,.0f}"}
    return figure([
        go.Scatter(x=view.history["ds"], y=view.history["y"], name=_("measured"), mode="lines+markers",
                   line={"color": FORECAST_COLOURS["history"]}, hovertemplate="%{x|%b %Y}: %{y:,.0f}<extra></extra>"),
        *band(f, _("{level} % interval").format(level=CAP_LEVEL), "rgba(47, 111, 143, 0.15)"),
        go.Scatter(x=f["ds"], y=f["mean"], name=_("measured forecast"), mode="lines",
                   line={"color": FORECAST_COLOURS["history"], "width": 2.5},
                   hovertemplate=_("forecast {month}: {value}").format(**at) + "<extra></extra>"),
        go.Scatter(x=[anchor["ds"], *f["ds"]], y=[anchor["y"], *view.plan], name=_(PLAN_NAME),
                   mode="lines", line={"color": FORECAST_COLOURS["plan"], "dash": "dash", "width": 2},
                   hovertemplate=_("the plan's assumptions {month}: {value}").format(**at) + "<extra></extra>")],
        title, 360, yaxis={"title": {"text": _(spec.axis)}, "rangemode": "tozero"},
        xaxis={"title": {"text": _("month")}})
