"""Streamlit helpers shared by app.py and the pages.

The cached warehouse connection, cached loaders around analytics, the period picker,
KPI tiles and trend charts. No SQL and no KPI formula here: queries live in data/sql/,
formulas in analytics/. Configuration (OPSPLAN_DB, OPSPLAN_PLAN) is read here, at the edge;
cached functions take every input as an argument so that it is part of the cache key.
"""
from __future__ import annotations

import contextlib
import math
import os
import threading
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Mapping, Sequence
from zoneinfo import ZoneInfo

import duckdb
import pandas as pd
import plotly.graph_objects as go
import streamlit as st

from analytics.period import Period, add_months, month_start
from analytics.plan import DEFAULT_PLAN_PATH, Plan, PlanError, load_plan
from analytics.scorecard import KpiResult, scorecard, trend
from data import warehouse

# st.session_state[PERIOD_KEY] holds the Period every page reports on; read it with current_period().
PERIOD_KEY = "opsplan_period"
PRESET_KEY = "period_preset"
FROM_KEY, THROUGH_KEY = "period_from_month", "period_through_month"
WARNING_KEY = "period_warning"
CUSTOM = "Custom month range"
CACHE_TTL = "10m"  # imports can change the warehouse under a running app

STATUS_COLOURS = {"met": "green", "improving": "orange", "off track": "red", "no data": "gray"}
# Plotly needs real colours; these match Streamlit's palette names above.
LINE_COLOURS = {"target": "#21a366", "baseline": "#8a8f98", "value": "#2f6f8f"}
AREAS = ("Reliability", "Support", "Cost", "Improvement")
OP_SIGNS = {">": ">", ">=": "≥", "<": "<", "<=": "≤"}
# The per-what tail of a unit: dropped from the big tile number, said once in the caption.
UNIT_TAILS = {"% of revenue": "of revenue", "USD/user/month": "per user per month",
              "h/employee/year": "per employee per year"}
AXIS_TITLES = {"%": "percent", "h": "hours", "/5": "score (1 to 5)", "% of revenue": "% of revenue",
               "USD/user/month": "USD per user per month", "h/employee/year": "hours per employee, 12 months"}

_BUILD_LOCK = threading.Lock()


# ----------------------------------------------------------------------------- formatting

def fmt(value: float | None, unit: str, *, diff: bool = False, short: bool = False, trim: bool = False) -> str:
    """The one place numbers become text.

    diff: `value` is a difference (percent becomes "pp", scores become "pts");
    short: the unit without its per-what tail, for the big tile number;
    trim: drop trailing zeros, for the plan's own round targets.
    """
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "no data"
    number = f"{abs(value):,.{_decimals(value, unit)}f}"
    if trim and "." in number and not unit.startswith("USD"):  # money keeps its cents
        number = number.rstrip("0").rstrip(".")
    sign = "-" if value < 0 else ""
    tail = "" if short or diff or unit not in UNIT_TAILS else f" {UNIT_TAILS[unit]}"
    if unit.startswith("USD"):
        return f"{sign}${number}{tail}"
    base = unit.split(" ")[0].split("/")[0] or unit  # "% of revenue" -> "%", "h/employee/year" -> "h"
    if diff:
        suffix = {"%": " pp", "/5": " pts"}.get(base, f" {base}")
    else:
        suffix = " / 5" if unit == "/5" else f" {base}"
    return f"{sign}{number}{suffix}{tail}"


def _decimals(value: float, unit: str) -> int:
    """Enough decimals to tell a value from its target (99.93 % vs 99.9 %), no more."""
    size = abs(value)
    if unit.startswith("USD") or unit == "/5":
        return 2
    if unit.startswith("%"):
        if 99 <= size < 100:
            return 3 if size >= 99.995 else 2  # 99.996 % must not read as 100.00 %
        return 2 if size < 1 else 1
    return 2 if size < 10 else 1 if size < 100 else 0


def target_text(r: KpiResult) -> str:
    """'Target < $5.00 · baseline $7.50, per user per month': the plan's comparison kept."""
    tail = f", {UNIT_TAILS[r.unit]}" if r.unit in UNIT_TAILS else ""
    return (f"Target {OP_SIGNS.get(r.op, r.op)} {fmt(r.target, r.unit, short=True, trim=True)} · "
            f"baseline {fmt(r.baseline, r.unit, short=True, trim=True)}{tail}")


def delta_words(r: KpiResult) -> str | None:
    """The distance to target in words, e.g. '0.17 h better than target'; None without data."""
    if r.value is None or math.isnan(r.value):
        return None
    gap = r.value - r.target
    if gap == 0:
        return "exactly on target"
    better = gap > 0 if r.op.startswith(">") else gap < 0
    return f"{fmt(abs(gap), r.unit, diff=True)} {'better' if better else 'worse'} than target"


def n_text(r: KpiResult) -> str:
    return f"n = {r.n:,} {r.n_label}"


def status_badge(status: str) -> str:
    """Markdown for a coloured status badge (works inside any Markdown text)."""
    return f":{STATUS_COLOURS.get(status, 'gray')}-badge[{status}]"


def summary_line(results: Sequence[KpiResult]) -> str:
    """'**7 of 12 KPIs met** · 3 improving · 2 off track' as coloured Markdown."""
    counts = {s: sum(r.status == s for r in results) for s in STATUS_COLOURS}
    parts = [f":green[**{counts['met']} of {len(results)} KPIs met**]",
             f":orange[**{counts['improving']}** improving]", f":red[**{counts['off track']}** off track]"]
    if counts["no data"]:
        parts.append(f":gray[**{counts['no data']}** without data]")
    return " · ".join(parts)


# ----------------------------------------------------------------------------- periods

def plan_today(plan: Plan) -> date:
    """Today in the plan's time zone (periods are local plan dates)."""
    return datetime.now(ZoneInfo(plan.timezone)).date()


def year_to_date(today: date) -> Period:
    """[1 Jan, today): the finished days of this year; on 1 January, last year."""
    start = date(today.year, 1, 1)
    return Period(start, today) if today > start else Period(date(today.year - 1, 1, 1), start)


def presets(today: date, months: int) -> dict[str, Period]:
    """The named periods, the plan's default (the last `months` full months) first."""
    default = "Last full month" if months == 1 else f"Last {months} full months"
    out = {default: Period.last_full_months(today, months)}
    out.setdefault("Last full month", Period.last_full_months(today, 1))
    out.setdefault("Last 12 full months", Period.last_full_months(today, 12))
    out["Year to date"] = year_to_date(today)
    return out


def preset_of(period: Period, named: Mapping[str, Period]) -> str:
    """The preset a period equals, else CUSTOM."""
    return next((name for name, p in named.items() if p == period), CUSTOM)


def period_to_params(period: Period) -> dict[str, str]:
    """Query-string form; `end` is exclusive, as in Period and the scorecard CLI."""
    return {"start": period.start.isoformat(), "end": period.end.isoformat()}


def period_from_params(params: Mapping[str, str], default: Period) -> tuple[Period, str | None]:
    """The period in a shared link, or `default` and a warning saying what was wrong."""
    start, end = params.get("start"), params.get("end")
    if start is None and end is None:
        return default, None
    try:
        if start is None or end is None:
            raise ValueError("both start and end are needed")
        return Period(date.fromisoformat(start), date.fromisoformat(end)), None
    except ValueError as exc:
        return default, (f"The link's period (start={start!r}, end={end!r}) was ignored: {exc}. "
                         f"Showing {default.label()} instead; dates are YYYY-MM-DD, end exclusive.")


def month_options(today: date, period: Period, back: int = 36) -> list[date]:
    """First days of the months a custom range can pick from: `back` months before today's
    month up to it, widened to cover `period`."""
    first = min(add_months(month_start(today), -back), month_start(period.start))
    last = max(month_start(today), month_start(period.end - timedelta(days=1)))
    out, cursor = [], first
    while cursor <= last:
        out.append(cursor)
        cursor = add_months(cursor, 1)
    return out


def months_of(period: Period) -> tuple[date, date]:
    """The first and last month a period touches (for the custom range pickers)."""
    return month_start(period.start), month_start(period.end - timedelta(days=1))


def period_of_months(first: date, last: date) -> Period:
    """Whole months from `first` through `last`, in either order."""
    first, last = sorted((month_start(first), month_start(last)))
    return Period(first, add_months(last, 1))


def _month_name(day: date) -> str:
    return f"{day:%b %Y}"


def current_period() -> Period:
    """The period chosen in the sidebar (app.py renders the picker before any page runs)."""
    if PERIOD_KEY not in st.session_state:
        _rerun_through_app()
        # Still here (the page run on its own, as AppTest.from_file does): take the link's period.
        the_plan = plan()
        _init_period(presets(plan_today(the_plan), the_plan.settings.scorecard_months))
    return st.session_state[PERIOD_KEY]


def _rerun_through_app() -> None:
    """Make a deep link on a fresh server run app.py. Until app.py has called st.navigation once
    in the process, Streamlit treats a folder named pages/ as a legacy multipage app and runs
    the linked page alone, without our sidebar. Switch it to st.navigation mode and rerun once."""
    from streamlit.runtime.pages_manager import PagesManager  # the flag st.navigation itself clears

    if PagesManager.uses_pages_directory and not st.session_state.get("_opsplan_rerouted"):
        PagesManager.uses_pages_directory = False
        st.session_state["_opsplan_rerouted"] = True
        st.rerun()


def _on_preset(named: Mapping[str, Period]) -> None:
    choice = st.session_state[PRESET_KEY]
    st.session_state[WARNING_KEY] = None
    if choice == CUSTOM:
        _set_months(st.session_state[PERIOD_KEY])
    else:
        st.session_state[PERIOD_KEY] = named[choice]


def _set_months(period: Period) -> None:
    st.session_state[FROM_KEY], st.session_state[THROUGH_KEY] = months_of(period)


def _on_months() -> None:
    st.session_state[WARNING_KEY] = None
    st.session_state[PERIOD_KEY] = period_of_months(st.session_state[FROM_KEY], st.session_state[THROUGH_KEY])


def _init_period(named: Mapping[str, Period]) -> None:
    """First run of a session: the link's period, else the plan's default."""
    default = next(iter(named.values()))
    period, warning = period_from_params(st.query_params.to_dict(), default)
    st.session_state[PERIOD_KEY] = period
    st.session_state[WARNING_KEY] = warning
    st.session_state[PRESET_KEY] = preset_of(period, named)
    _set_months(period)


def period_picker(plan: Plan, today: date) -> Period:
    """Sidebar widgets for the reporting period, kept in sync with ?start=&end= in the URL."""
    named = presets(today, plan.settings.scorecard_months)
    if PERIOD_KEY not in st.session_state:
        _init_period(named)
    st.selectbox("Period", [*named, CUSTOM], key=PRESET_KEY, on_change=_on_preset, args=(named,),
                 help="Full calendar months in the plan's time zone. The URL keeps the period, so a link "
                      "shares this view.")
    if st.session_state[PRESET_KEY] == CUSTOM:
        options = month_options(today, st.session_state[PERIOD_KEY])[::-1]  # newest first
        left, right = st.columns(2)
        left.selectbox("From", options, key=FROM_KEY, format_func=_month_name, on_change=_on_months)
        right.selectbox("Through", options, key=THROUGH_KEY, format_func=_month_name, on_change=_on_months)
    if st.session_state.get(WARNING_KEY):
        st.warning(st.session_state[WARNING_KEY])
    period = st.session_state[PERIOD_KEY]
    params = period_to_params(period)
    if {k: st.query_params.get(k) for k in params} != params:
        st.query_params.update(params)
    return period


# ----------------------------------------------------------------------------- plan and warehouse

@st.cache_resource(show_spinner=False)
def _plan(path: str) -> Plan:
    return load_plan(path)


def plan() -> Plan:
    """The plan, loaded once per process; a bad plan.toml stops the app with the key named."""
    path = os.environ.get("OPSPLAN_PLAN") or str(DEFAULT_PLAN_PATH)
    try:
        return _plan(path)
    except PlanError as exc:
        st.error(f"**The plan file cannot be used.** {exc}\n\nFix the key in `{path}` and reload the page.")
        st.stop()


def db() -> str:
    """The warehouse path; with no file there yet, the seeded demo is built first."""
    path = warehouse.db_path()
    if not path.exists():
        with st.status("Building the demo warehouse ... first start only", expanded=True) as box:
            st.write(f"No warehouse at `{path}` yet: generating seeded demo data (seed 42).")
            _ensure_demo(path)
            box.update(label="Demo warehouse built", state="complete", expanded=False)
    return str(path)


def _ensure_demo(path: Path) -> None:
    # Sessions run in threads: the lock makes the first build happen once per process.
    from data.demo import build_demo_file

    with _BUILD_LOCK:
        if not path.exists():
            path.parent.mkdir(parents=True, exist_ok=True)
            with contextlib.suppress(FileExistsError):  # another process finished first: use its file
                build_demo_file(path)


@st.cache_resource(show_spinner=False)
def _connection(db_file: str) -> duckdb.DuckDBPyConnection:
    # One connection per process; warehouse.query opens a cursor per query, safe across sessions.
    return warehouse.connect(db_file)


@st.cache_data(ttl=CACHE_TTL, show_spinner="Computing the scorecard ...")
def _scorecard(db_file: str, the_plan: Plan, period: Period) -> list[KpiResult]:
    return scorecard(_connection(db_file), the_plan, period)


@st.cache_data(ttl=CACHE_TTL, show_spinner="Computing monthly trends ...")
def _trend(db_file: str, the_plan: Plan, end: date, months: int) -> pd.DataFrame:
    return trend(_connection(db_file), the_plan, end, months)


@st.cache_data(ttl=CACHE_TTL, show_spinner=False)
def _data_through(db_file: str) -> date | None:
    last = warehouse.query(_connection(db_file), "data_through")["last_day"].iloc[0]
    return None if pd.isna(last) else pd.Timestamp(last).date()


def load_scorecard(period: Period) -> list[KpiResult]:
    """Every KPI of the plan over `period` (cached by warehouse, plan and period)."""
    return _scorecard(db(), plan(), period)


def load_trend(end: date, months: int | None = None) -> pd.DataFrame:
    """Monthly KPI values for the full months before `end`: kpi, month, value, n, status."""
    the_plan = plan()
    return _trend(db(), the_plan, end, months or the_plan.settings.trend_months)


def data_through() -> date | None:
    """The last local date with business data in the warehouse, None when it is empty."""
    return _data_through(db())


# ----------------------------------------------------------------------------- tiles and charts

def spark(trend_frame: pd.DataFrame, kpi: str) -> list[float]:
    """A KPI's monthly values in month order, months without data skipped."""
    rows = trend_frame[trend_frame["kpi"] == kpi].sort_values("month")
    return [float(v) for v in rows["value"] if not pd.isna(v)]


def kpi_tile(r: KpiResult, sparkline: Sequence[float]) -> None:
    """One KPI: value, distance to target, 12-month sparkline, status, target, n, definition."""
    gap = None if r.value is None else r.value - r.target
    with st.container(border=True):
        value = ("> " if r.is_lower_bound else "") + fmt(r.value, r.unit, short=True)
        st.metric(r.label, value, delta=delta_words(r),
                  delta_color=STATUS_COLOURS.get(r.status, "gray"),
                  delta_arrow="off" if not gap else "up" if gap > 0 else "down",
                  chart_data=list(sparkline) or None, chart_type="line")
        with st.container(horizontal=True, vertical_alignment="center", gap="small"):
            st.badge(r.status, color=STATUS_COLOURS.get(r.status, "gray"))
            with st.popover("Definition", type="tertiary", icon=":material/info:"):
                definition_text(r)
        st.caption(f"{target_text(r)}  \n{n_text(r)}")


def definition_text(r: KpiResult) -> None:
    """What the popover says: the definition, the plan's numbers and what lies behind the value."""
    st.markdown(f"**{r.label}**: {fmt(r.value, r.unit)}, {r.status}")
    st.markdown(r.definition or "No definition recorded.")
    lines = [target_text(r), n_text(r), r.note, "Sparkline: the last 12 full months; months without data left out."]
    st.caption("  \n".join(line for line in lines if line))


def kpi_grid(results: Sequence[KpiResult], trend_frame: pd.DataFrame, per_row: int = 4) -> None:
    """The tiles, one section per area of the plan, `per_row` tiles to a row."""
    for area in AREAS:
        group = [r for r in results if r.area == area]
        if not group:
            continue
        st.subheader(area, divider="gray")
        columns = st.columns(per_row)
        for i, r in enumerate(group):
            with columns[i % per_row]:
                kpi_tile(r, spark(trend_frame, r.kpi))


def trend_chart(r: KpiResult, trend_frame: pd.DataFrame) -> go.Figure:
    """A KPI's monthly values with the plan's target and baseline as labelled lines."""
    rows = trend_frame[trend_frame["kpi"] == r.kpi].sort_values("month")
    values = [v for v in rows["value"] if not pd.isna(v)]
    fig = go.Figure(go.Scatter(
        x=pd.to_datetime(rows["month"]), y=rows["value"], mode="lines+markers", name=r.label,
        line={"color": LINE_COLOURS["value"], "width": 2}, connectgaps=False,
        customdata=[[fmt(v, r.unit), n] for v, n in zip(rows["value"], rows["n"])],
        hovertemplate="%{x|%b %Y}: %{customdata[0]} (n = %{customdata[1]})<extra></extra>"))
    for name, level, dash in (("target", r.target, "dash"), ("baseline", r.baseline, "dot")):
        fig.add_hline(y=level, line={"color": LINE_COLOURS[name], "dash": dash, "width": 1.5},
                      annotation_text=f"{name} {fmt(level, r.unit, trim=True)}",
                      annotation_position="top left", annotation_font_color=LINE_COLOURS[name])
    lo, hi = min([*values, r.target, r.baseline]), max([*values, r.target, r.baseline])
    pad = (hi - lo) * 0.15 or abs(hi) * 0.05 or 1.0
    fig.update_layout(title={"text": f"{r.label} per month"}, height=280, showlegend=False,
                      margin={"l": 10, "r": 10, "t": 40, "b": 10})
    fig.update_yaxes(title_text=AXIS_TITLES.get(r.unit, r.unit), range=[lo - pad, hi + pad])
    fig.update_xaxes(tickformat="%b %Y", dtick="M2")
    return fig


def trend_charts(results: Sequence[KpiResult], trend_frame: pd.DataFrame, per_row: int = 2) -> None:
    columns = st.columns(per_row)
    for i, r in enumerate(results):
        with columns[i % per_row]:
            st.plotly_chart(trend_chart(r, trend_frame), key=f"trend_{r.kpi}",
                            config={"displayModeBar": False})


def scorecard_frame(results: Sequence[KpiResult]) -> pd.DataFrame:
    """The scorecard as a table with raw numbers (for display and CSV export)."""
    return pd.DataFrame([{
        "kpi": r.label, "area": r.area, "value": r.value, "unit": r.unit, "target": f"{r.op} {r.target:g}",
        "baseline": r.baseline, "status": r.status, "n": r.n, "n counts": r.n_label,
        "definition": r.definition, "note": r.note, "key": r.kpi} for r in results])


def scorecard_table(results: Sequence[KpiResult], period: Period) -> None:
    frame = scorecard_frame(results)
    st.dataframe(frame, hide_index=True, column_config={
        "value": st.column_config.NumberColumn(format="%.2f"),
        "definition": st.column_config.TextColumn(width="large")})
    st.download_button("Download CSV", frame.to_csv(index=False).encode(), icon=":material/download:",
                       file_name=f"opsplan-scorecard-{period.start}-{period.end}.csv", mime="text/csv")
