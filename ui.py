"""Streamlit helpers shared by app.py and the pages.

The cached warehouse connection, cached loaders around analytics, the period picker,
KPI tiles and trend charts. No SQL and no KPI formula here: queries live in data/sql/,
formulas in analytics/. Configuration (OPSPLAN_DB, OPSPLAN_PLAN) is read here, at the edge;
cached functions take every input as an argument so that it is part of the cache key.
"""
from __future__ import annotations

# A new server's first run spends seconds importing this module (pandas, plotly, scipy, statsmodels)
# before a page can draw anything; a deep link's first run even starts in the page. Show a spinner
# meanwhile: opened here, closed at the end of the module (issue #6). Outside a script run it is a no-op.
import contextlib
import gc
import streamlit as _boot_st
from streamlit.runtime.scriptrunner import get_script_run_ctx as _boot_ctx

_BOOT_SPINNER = (_boot_st.spinner("Starting opsplan ...", show_time=True) if _boot_ctx(suppress_warning=True)
                 else contextlib.nullcontext())
_BOOT_SPINNER.__enter__()

import hashlib
import math
import os
import threading
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from functools import cache, partial
from pathlib import Path
from typing import Callable, Mapping, Sequence, TypeVar
from zoneinfo import ZoneInfo

import duckdb
import numpy as np
import pandas as pd
import plotly.graph_objects as go
# Plotly imports PIL.Image lazily while it serialises a figure; two sessions drawing their first
# charts at once raced into a partially initialised module (AttributeError in the 50-session load
# test). Importing it here, once, under this module's import lock, settles it before any session.
import PIL.Image  # noqa: F401
import streamlit as st

from analytics.measure import AT_BASELINE, AT_TARGET, STATUS_CONFIDENCE_PCT
from core.period import Period, add_months, month_start, today_in
from core.plan import DEFAULT_PLAN_PATH, Plan, PlanError, load_plan
from analytics.scorecard import Inputs, KpiResult, evaluate, monthly_results, trend_span
from data import event_rollups, rollups, warehouse

# st.session_state[PERIOD_KEY] holds the Period every page reports on; read it with current_period().
PERIOD_KEY = "opsplan_period"
# Sidebar filters (empty selection = all); read them with current_filters().
SERVICES_KEY, SEVERITIES_KEY, CHANNELS_KEY = "filter_services", "filter_severities", "filter_channels"
PRESET_KEY = "period_preset"
FROM_KEY, THROUGH_KEY = "period_from_month", "period_through_month"
WARNING_KEY = "period_warning"
CUSTOM = "Custom month range"
CACHE_TTL = "10m"  # when an entry is refreshed (LOADER); imports and plan edits clear the caches at once
# Cached loaders take the plan as an argument; Streamlit's own hashing walks its whole dataclass
# tree on every call (17 ms a call), its printed form's digest is the same key in 0.15 ms.
PLAN_KEY = {Plan: lambda p: hashlib.sha256(repr(p).encode()).hexdigest()}
# What every cached loader of the warehouse shares. Once its ten minutes are up, an entry is still
# served (for up to ten minutes more) while Streamlit recomputes it on a thread of its own: the
# warehouse changes only through this app (its connection locks the file), whose imports and plan
# edits clear every cache (forget_results; a refresh then under way is discarded, and the shared
# loads are read again: _loaded_after_clears). So the visitor who comes after the ten minutes is
# not the one who waits for the page's data all over again (at 100M samples: 0.2-0.35 s for a KPI
# page's, about 1 s for the capacity fits); the refresh still takes its share of the two cores.
LOADER = {"hash_funcs": PLAN_KEY, "ttl": CACHE_TTL, "refresh_mode": "background"}

STATUS_COLOURS = {"met": "green", "improving": "orange", "off track": "red", "no data": "gray"}
# Plotly needs real colours; these match Streamlit's palette names above.
LINE_COLOURS = {"target": "#21a366", "baseline": "#8a8f98", "value": "#2f6f8f"}
SPREAD_COLOURS = (LINE_COLOURS["value"], "#7fb3cc", "#7b6ea8")  # a mean, its median, its 90th percentile
AREAS = ("Reliability", "Support", "Cost", "Improvement")
OP_SIGNS = {">": ">", ">=": "≥", "<": "<", "<=": "≤"}
# The per-what tail of a unit: dropped from the big tile number, said once in the caption.
UNIT_TAILS = {"% of revenue": "of revenue", "USD/user/month": "per user per month",
              "h/employee/year": "per employee per year"}
AXIS_TITLES = {"%": "percent", "h": "hours", "/5": "score (1 to 5)", "% of revenue": "% of revenue",
               "USD/user/month": "USD per user per month", "h/employee/year": "hours per employee, 12 months"}

_BUILD_LOCK = threading.Lock()


# ----------------------------------------------------------------------------- formatting

def fmt(value: float | None, unit: str, *, diff: bool = False, short: bool = False, trim: bool = False,
        decimals: int | None = None) -> str:
    """The one place numbers become text.

    diff: `value` is a difference (percent becomes "pp", scores become "pts");
    short: the unit without its per-what tail, for the big tile number;
    trim: drop trailing zeros, for the plan's own round targets;
    decimals: instead of the unit's usual number of them.
    """
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "no data"
    number = f"{abs(value):,.{_decimals(value, unit) if decimals is None else decimals}f}"
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


def _decimals_apart(value: float, other: float, unit: str) -> int:
    """The unit's usual decimals for `value`, or as many more (up to 6) as it takes for `value`
    not to round to what `other` rounds to."""
    decimals = _decimals(value, unit)
    while decimals < 6 and round(value, decimals) == round(other, decimals):
        decimals += 1
    return decimals


def value_text(r: KpiResult, short: bool = True) -> str:
    """A KPI's value as text, with more decimals when the usual ones would round it onto its target
    from the other side (99.8996 % is not met, and must not read 99.90 % beside a 99.9 % target)."""
    value, decimals = r.value, None
    if value is not None and not math.isnan(value) and not math.isclose(value, r.target, rel_tol=1e-9):
        decimals = _decimals_apart(value, r.target, r.unit)
    return fmt(value, r.unit, short=short, decimals=decimals)


def delta_words(r: KpiResult) -> str | None:
    """The distance to target in words, e.g. '0.17 h better than target', of the value the status
    judges ('worst month 0.10 pp worse' for uptime over several months); None without data."""
    value, prefix = r.judged_value, "" if r.judged is None else "worst month "
    if value is None or math.isnan(value):
        return None
    gap = value - r.target
    if gap == 0:
        return f"{prefix}exactly on target"
    better = gap > 0 if r.op.startswith(">") else gap < 0
    tail = "" if prefix else " than target"  # a tile's delta has room for about 24 characters
    decimals = _decimals_apart(abs(gap), 0.0, r.unit)  # never "0.00 pp worse": say how much
    return f"{prefix}{fmt(abs(gap), r.unit, diff=True, decimals=decimals)} {'better' if better else 'worse'}{tail}"


def n_text(r: KpiResult) -> str:
    return f"n = {r.n:,} {r.n_label}"


def interval_text(r: KpiResult) -> str | None:
    """'90 % CI 4.14-4.26' for a mean over n records (its confidence interval, in the value's
    decimals and base unit); None for the other KPIs."""
    if r.interval is None or r.value is None:
        return None
    lo, hi = r.interval
    decimals = _decimals(r.value, r.unit)
    unit = fmt(r.value, r.unit, short=True).split(" ", 1)
    suffix = "" if r.unit == "/5" or len(unit) < 2 else f" {unit[1]}"
    low = f"{lo:,.{decimals}f}"
    if not math.isfinite(hi):  # a single record of hours: no spread to bound it
        return f"{STATUS_CONFIDENCE_PCT:g} % CI from {low}{suffix}, unbounded"
    return f"{STATUS_CONFIDENCE_PCT:g} % CI {low}-{hi:,.{decimals}f}{suffix}"


def at_text(r: KpiResult) -> str | None:
    """'**at baseline** (within 0.1 pp of 18 %)': the value is within noise of that line (the
    badge says met for at target, off track for at baseline): its interval holds the line, or it
    lies within the KPI's tolerance of it. None when it is at neither."""
    if r.at not in (AT_TARGET, AT_BASELINE):
        return None
    line = r.target if r.at == AT_TARGET else r.baseline
    shown = fmt(line, r.unit, short=True, trim=True)
    if r.interval is not None:
        why = "the interval holds it"
    elif r.tolerance > 0:
        why = f"within {fmt(r.tolerance, r.unit, diff=True, trim=True)} of {shown}"
    else:
        why = f"equal to {shown}"
    return f"**at {r.at}** ({why})"


def noise_text(r: KpiResult) -> str | None:
    """The tile's line on noise: the interval and whether the value is at a line, e.g.
    '90 % CI 4.14-4.26 · **at baseline** (the interval holds it)'."""
    parts = [p for p in (interval_text(r), at_text(r)) if p]
    return " · ".join(parts) or None


def status_badge(status: str) -> str:
    """Markdown for a coloured status badge (works inside any Markdown text)."""
    return f":{STATUS_COLOURS.get(status, 'gray')}-badge[{status}]"


def summary_line(results: Sequence[KpiResult]) -> str:
    """'**7 of 12 KPIs met** (1 at target) · 3 improving · 2 off track (2 at baseline)' as coloured
    Markdown: how many of the met and off-track KPIs are so only within noise of the line."""
    counts = {s: sum(r.status == s for r in results) for s in STATUS_COLOURS}
    at = {line: sum(r.at == line for r in results) for line in (AT_TARGET, AT_BASELINE)}
    parts = [f":green[**{counts['met']} of {len(results)} KPIs met**]" + _at_count(at[AT_TARGET], AT_TARGET),
             f":orange[**{counts['improving']}** improving]",
             f":red[**{counts['off track']}** off track]" + _at_count(at[AT_BASELINE], AT_BASELINE)]
    if counts["no data"]:
        parts.append(f":gray[**{counts['no data']}** without data]")
    return " · ".join(parts)


def _at_count(k: int, line: str) -> str:
    return f" ({k} at {line})" if k else ""


# ----------------------------------------------------------------------------- periods

def plan_today(plan: Plan) -> date:
    """Today in the plan's time zone (periods are local plan dates); $OPSPLAN_TODAY pins it."""
    return today_in(plan.timezone)


def year_to_date(today: date) -> Period:
    """[1 Jan, today): the finished days of this year; on 1 January, last year."""
    start = date(today.year, 1, 1)
    return Period(start, today) if today > start else Period(date(today.year - 1, 1, 1), start)


def presets(today: date, months: int, through: date | None = None) -> dict[str, Period]:
    """The named periods, the plan's default (the last `months` full months) first. When the data
    stops before today's month, the full months end with the month the data runs through."""
    default = "Last full month" if months == 1 else f"Last {months} full months"
    out = {default: Period.last_covered_months(today, through, months)}
    out.setdefault("Last full month", Period.last_covered_months(today, through, 1))
    out.setdefault("Last 12 full months", Period.last_covered_months(today, through, 12))
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
        _init_period(presets(plan_today(the_plan), the_plan.settings.scorecard_months, data_through()))
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


def period_picker(plan: Plan, today: date, through: date | None) -> Period:
    """Sidebar widgets for the reporting period, kept in sync with ?start=&end= in the URL; the
    named periods end with the month the data runs through (`through`) when it stops earlier."""
    named = presets(today, plan.settings.scorecard_months, through)
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


def filter_picker(plan: Plan) -> Filters:
    """Sidebar multiselects for services, severities and channels, honoured by every drill-down page."""
    services = query("services")
    with st.expander("Filters", icon=":material/filter_alt:"):
        st.multiselect("Services", list(services["service_id"]), key=SERVICES_KEY, placeholder="All services",
                       format_func=dict(zip(services["service_id"], services["name"])).get)
        st.multiselect("Severity", [s.name for s in plan.severities], key=SEVERITIES_KEY, placeholder="All")
        st.multiselect("Channel", [c.name for c in plan.channels], key=CHANNELS_KEY, placeholder="All",
                       format_func=lambda c: plan.channel(c).label)
    return current_filters()


def current_filters() -> Filters:
    """The filters chosen in the sidebar (none before the sidebar has run), sorted: the same choice
    picked in another order is the same key of the cached inputs and results."""
    state = st.session_state
    return Filters(*(tuple(sorted(state.get(key, ()))) for key in (SERVICES_KEY, SEVERITIES_KEY, CHANNELS_KEY)))


# ----------------------------------------------------------------------------- plan and warehouse

from core.plan import plan_path as _plan_file  # noqa: E402  (the one reader of $OPSPLAN_PLAN)


@st.cache_resource(show_spinner=False)
def _plan(path: str) -> Plan:
    return load_plan(path)


def plan() -> Plan:
    """The plan, loaded once per process; a bad plan.toml stops the app with the key named."""
    path = str(_plan_file())
    try:
        return _plan(path)
    except PlanError as exc:
        st.error(f"**The plan file cannot be used.** {exc}\n\nFix the key in `{path}` and reload the page.")
        st.stop()


def db() -> str:
    """The warehouse path; with no file there yet, the seeded demo is built first. Each call also
    moves this process to the newest published version of it (data/snapshot.py)."""
    path = warehouse.db_path()
    if not path.exists():
        with st.status("Building the demo warehouse ... first start only", expanded=True) as box:
            st.write(f"No warehouse at `{path}` yet: generating seeded demo data (seed 42).")
            _ensure_demo(path)
            box.update(label="Demo warehouse built", state="complete", expanded=False)
    _follow(str(path))
    return str(path)


def _ensure_demo(path: Path) -> None:
    # Sessions run in threads: the lock makes the first build happen once per process.
    from data.demo import build_demo_file

    with _BUILD_LOCK:
        if not path.exists():
            path.parent.mkdir(parents=True, exist_ok=True)
            with contextlib.suppress(FileExistsError):  # another process finished first: use its file
                build_demo_file(path)


from data import snapshot as _snapshot  # noqa: E402


@st.cache_resource(show_spinner="Opening the warehouse (after an upgrade or a change of the plan's time zone, "
                                "priorities or channel targets, its summary tables are built first) ...")
def _published(db_file: str) -> _snapshot.Snapshot | None:
    # Once per process, through the writer: a left-over write published, the rollups a new plan or
    # version lacks built (a snapshot reader cannot write them).
    return _snapshot.prepare(db_file, plan())


def _newest(db_file: str) -> _snapshot.Snapshot:
    """The newest published version of the warehouse `db_file`."""
    published = _published(db_file)
    newest = _snapshot.fresh(db_file) or published  # also publishes a write made without the writer
    if newest is None:
        st.error(f"**The warehouse `{db_file}` cannot be opened**: another program holds it for writing. "
                 "Close that program and reload the page.")
        st.stop()
    return newest


_SEEN: dict[str, int] = {}  # per warehouse, the version this process reads
_FOLLOW_LOCK = threading.Lock()


def _follow(db_file: str) -> None:
    """Switch to a newer published version: drop the old version's connection and every result
    read from it (the next loads read the new one)."""
    newest = _newest(db_file)
    with _FOLLOW_LOCK:
        seen, _SEEN[db_file] = _SEEN.get(db_file), newest.version
    if seen is not None and seen != newest.version:
        _reader.clear()
        forget_results()


def warehouse_version() -> int:
    """The published version of the warehouse this process reads now (it grows with every write)."""
    return _newest(db()).version


def _connection(db_file: str) -> duckdb.DuckDBPyConnection:
    """The process's read-only connection to the version of `db_file` it reads now."""
    return _reader(str(_newest(db_file).file))


@st.cache_resource(show_spinner=False)
def _reader(snapshot_file: str) -> duckdb.DuckDBPyConnection:
    # One connection per process and version; warehouse.query opens a cursor per query, safe across
    # sessions. A write given it goes through the writer (snapshot.writes_through).
    return warehouse.connect(snapshot_file, read_only=True)


def forget_results() -> None:
    """Drop every cached result and loaded input, after the warehouse or the plan changed."""
    _CLEARS[0] += 1  # first: a shared load under way now is read again (_loaded_after_clears)
    _dd_filtered_inputs.clear()  # then: a result cached in between would be built from the old inputs
    _cap_daily.clear()
    st.cache_data.clear()


_CLEARS = [0]  # how many times forget_results has run in this process
T = TypeVar("T")


def _loaded_after_clears(load: Callable[[], T]) -> T:
    """load(), again until no forget_results ran meanwhile. A resource cache keeps what its
    function returns even when it was cleared while the function ran (Streamlit drops only
    cache_data results computed across a clear), so rows read before an import committed must
    not land in it after the import cleared the caches (a background refresh can be that load)."""
    while True:
        clears = _CLEARS[0]
        value = load()
        if _CLEARS[0] == clears:
            return value


@st.cache_data(**LOADER, show_spinner="Computing the scorecard ...")
def _scorecard(db_file: str, the_plan: Plan, period: Period) -> list[KpiResult]:
    # scorecard.scorecard on the page's cached inputs, which its trend and views reuse
    return evaluate(_dd_filtered_inputs(db_file, the_plan, page_span(the_plan, period), Filters()), the_plan, period)


def page_span(the_plan: Plan, period: Period) -> Period:
    """The span whose inputs a page loads for `period`: the months its trend draws when they hold
    the period's whole months, so that the scorecard, the views and the trend share one load
    (every KPI clips to the period it is given); else the period's whole months."""
    year, whole = trend_span(period.end, the_plan.settings.trend_months), _dd_whole_months(period)
    return year if year.holds(whole) else whole


@st.cache_data(**LOADER, show_spinner=False)
def _data_through(db_file: str) -> date | None:
    return warehouse.data_through(_connection(db_file))


@st.cache_data(**LOADER, show_spinner=False)
def _query(db_file: str, name: str, **params) -> pd.DataFrame:
    return warehouse.query(_connection(db_file), name, **params)


def query(name: str, **params) -> pd.DataFrame:
    """A named query of data/sql/ with bound parameters, cached by its plain-value parameters.
    Only for aggregates and small tables: never cache raw event rows."""
    return _query(db(), name, **params)


def connection() -> duckdb.DuckDBPyConnection:
    """The process's one warehouse connection, for cached loaders that call analytics or models."""
    return _connection(db())


def bounds(period: Period) -> tuple[datetime, datetime]:
    """The period's start and end as aware instants in the plan's time zone, for SQL parameters."""
    tz = ZoneInfo(plan().timezone)
    return (datetime.combine(period.start, datetime.min.time(), tzinfo=tz),
            datetime.combine(period.end, datetime.min.time(), tzinfo=tz))


def download_csv(frame: pd.DataFrame, file_name: str, label: str = "Download CSV") -> None:
    """A CSV download of a table; text cells that a spreadsheet would run as formulas are escaped.
    Written when clicked (a callable): a page shows up to a dozen of these, and writing every file
    on every rerun cost 10-20 ms of each. A click does not rerun the page: a rerun gives every
    deferred file a new id, and a second button clicked before the page redrew asked for the
    old one (MediaFileStorageError, nothing downloaded)."""
    from data.importer import to_csv_bytes  # the one spreadsheet-safe writer

    st.download_button(label, partial(to_csv_bytes, frame), file_name=file_name, mime="text/csv",
                       icon=":material/download:", key=f"download_{file_name}", on_click="ignore")


def load_scorecard(period: Period) -> list[KpiResult]:
    """Every KPI of the plan over `period` (cached by warehouse, plan and period)."""
    return _scorecard(db(), plan(), period)


def load_trend(end: date, months: int | None = None) -> pd.DataFrame:
    """Monthly KPI values for the full months before `end`: kpi, month, value, n, status."""
    the_plan = plan()
    return _dd_drill_trend(db(), the_plan, end, months or the_plan.settings.trend_months, Filters())


def data_through() -> date | None:
    """The last local date with business data in the warehouse, None when it is empty."""
    return _data_through(db())


def through_text(through: date | None, today: date) -> str:
    """'Data through 26 Nov 2026 (10 days before today): ...', for the sidebar."""
    if through is None:
        return "Data through: no data yet"
    text = f"Data through {through:%d %b %Y}"
    behind = (today - through).days
    if behind > 1:
        text += f" ({behind} days before today): default periods end with {through:%B %Y}"
        if (through + timedelta(days=1)).day != 1:
            text += f", counted to the {through.day}{_ordinal(through.day)}"
    return text


def _ordinal(day: int) -> str:
    return "th" if 10 <= day % 100 <= 20 else {1: "st", 2: "nd", 3: "rd"}.get(day % 10, "th")


# ----------------------------------------------------------------------------- tiles and charts

# Plan lines (targets, budgets, thresholds, dates) as plain layout dicts. plotly's add_hline and
# add_vline re-lay-out the figure and walk its subplots on every call: 37 ms a line, so a page of
# 12 trend charts spent 0.45 s of each rerun on its targets and baselines. hline and vline build the
# same shape and label (tests/test_ui.py checks them against plotly's own); a figure takes all of
# them in one layout update (add_lines) or at construction (lines_layout).
Line = tuple[dict | None, dict | None]  # a shape and its label, either may be absent
LABEL_BACKGROUND = "rgba(255, 255, 255, 0.75)"  # a line's label kept legible over the bars or band beneath
# Where add_hline / add_vline put a label, by annotation_position: its anchors and its place along
# the line (0 or 1: the start or end of the axis' domain).
_H_LABEL = {"top left": ("left", "bottom", 0), "top right": ("right", "bottom", 1), "right": ("left", "middle", 1)}
_V_LABEL = {"top": ("center", "bottom", 1), "top right": ("left", "top", 1), "bottom": ("center", "top", 0),
            "bottom right": ("left", "bottom", 0)}


def hline(y: float, line: dict, label: str | None = None, position: str = "top left", *, font: dict | None = None,
          bgcolor: str | None = None, axes: tuple[str, str] = ("x", "y")) -> Line:
    """A line across the plot at `y`, labelled at `position` (as fig.add_hline draws it); `axes`:
    a subplot's x and y axis ids, e.g. ("x3", "y5")."""
    x, yref = axes
    shape = {"type": "line", "xref": f"{x} domain", "x0": 0, "x1": 1, "yref": yref, "y0": y, "y1": y, "line": line}
    if label is None:
        return shape, None
    xanchor, yanchor, at = _H_LABEL[position]
    return shape, _line_label(label, font, bgcolor, xref=f"{x} domain", x=at, yref=yref, y=y,
                              xanchor=xanchor, yanchor=yanchor)


def vline(x: object, line: dict, label: str | None = None, position: str = "top", *, font: dict | None = None,
          axes: tuple[str, str] = ("x", "y")) -> Line:
    """A line up the plot at `x`, labelled at `position` (as fig.add_vline draws it)."""
    xref, y = axes
    shape = {"type": "line", "xref": xref, "x0": x, "x1": x, "yref": f"{y} domain", "y0": 0, "y1": 1, "line": line}
    if label is None:
        return shape, None
    xanchor, yanchor, at = _V_LABEL[position]
    return shape, _line_label(label, font, None, xref=xref, x=x, yref=f"{y} domain", y=at,
                              xanchor=xanchor, yanchor=yanchor)


def _line_label(text: str, font: dict | None, bgcolor: str | None, **place: object) -> dict:
    label = {"text": text, "showarrow": False, **place}
    if font:
        label["font"] = font
    if bgcolor:
        label["bgcolor"] = bgcolor
    return label


def plan_line(level: float | None, label: str, kind: str, *, font_size: int | None = None,
              bgcolor: str | None = None, axes: tuple[str, str] = ("x", "y")) -> list[Line]:
    """The plan's target (dashed) or baseline (dotted, `kind`) across a chart in its colour, labelled
    top left; none without a level. The one style of every chart's plan lines."""
    if level is None:
        return []
    font = {"color": LINE_COLOURS[kind], **({"size": font_size} if font_size else {})}
    return [hline(level, {"color": LINE_COLOURS[kind], "dash": "dash" if kind == "target" else "dot", "width": 1.5},
                  label, font=font, bgcolor=bgcolor, axes=axes)]


def lines_layout(lines: Sequence[Line]) -> dict:
    """The layout entries that draw `lines`, in their order."""
    return {"shapes": [s for s, _ in lines if s is not None], "annotations": [a for _, a in lines if a is not None]}


def subplot_axes(fig: go.Figure, row: int, col: int = 1) -> tuple[str, str]:
    """The x and y axis ids ("x3", "y5") of a make_subplots figure's cell (its primary y axis)."""
    cell = fig.get_subplot(row, col)
    return cell.xaxis.plotly_name.replace("axis", ""), cell.yaxis.plotly_name.replace("axis", "")


def add_lines(fig: go.Figure, lines: Sequence[Line]) -> go.Figure:
    """`fig` with `lines` drawn after its own shapes and labels, in one layout update. Call it once
    per figure: a second call re-validates every line the first drew (0.1 s on a six-row chart)."""
    new = lines_layout(lines)
    fig.update_layout(shapes=[*fig.layout.shapes, *new["shapes"]],
                      annotations=[*fig.layout.annotations, *new["annotations"]])
    return fig


def kpi_months(trend_frame: pd.DataFrame, kpi: str) -> dict[str, np.ndarray]:
    """A KPI's rows of a trend frame in month order, as arrays by column (month, value, n, ...):
    masking the frame itself took 1-2 ms a KPI (a copy of its string columns), twice per tile."""
    rows = np.flatnonzero(trend_frame["kpi"].to_numpy(dtype=object) == kpi)
    rows = rows[np.argsort(trend_frame["month"].to_numpy()[rows], kind="stable")]
    return {column: trend_frame[column].to_numpy()[rows] for column in trend_frame.columns}


def spark(trend_frame: pd.DataFrame, kpi: str) -> list[float]:
    """A KPI's monthly values in month order, months without data skipped."""
    return [float(v) for v in kpi_months(trend_frame, kpi)["value"] if not pd.isna(v)]


def kpi_tile(r: KpiResult, sparkline: Sequence[float]) -> None:
    """One KPI: value, distance to target, 12-month sparkline, status, target, n, definition."""
    gap = None if r.judged_value is None else r.judged_value - r.target
    with st.container(border=True):
        value = ("> " if r.is_lower_bound else "") + value_text(r)
        st.metric(r.label, value, delta=delta_words(r),
                  delta_color=STATUS_COLOURS.get(r.status, "gray"),
                  delta_arrow="off" if not gap else "up" if gap > 0 else "down",
                  chart_data=list(sparkline) or None, chart_type="line")
        with st.container(horizontal=True, vertical_alignment="center", gap="small"):
            st.badge(r.status, color=STATUS_COLOURS.get(r.status, "gray"))
            with st.popover("Definition", type="tertiary", icon=":material/info:"):
                definition_text(r)
        st.caption("  \n".join(line for line in (target_text(r), n_text(r), noise_text(r), r.coverage) if line))


def definition_text(r: KpiResult) -> None:
    """What the popover says: the definition, the plan's numbers and what lies behind the value."""
    at = f" (at {r.at})" if r.at else ""
    st.markdown(f"**{r.label}**: {value_text(r, short=False)}, {r.status}{at}")
    st.markdown(r.definition or "No definition recorded.")
    lines = [target_text(r), n_text(r), noise_text(r), r.note, r.coverage,
             "Sparkline: the last 12 full months; months without data left out."]
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
    rows = kpi_months(trend_frame, r.kpi)
    values = [v for v in rows["value"] if not pd.isna(v)]
    lines = [line for kind, level in (("target", r.target), ("baseline", r.baseline))
             for line in plan_line(level, f"{kind} {fmt(level, r.unit, trim=True)}", kind)]
    lo, hi = min([*values, r.target, r.baseline]), max([*values, r.target, r.baseline])
    pad = (hi - lo) * 0.15 or abs(hi) * 0.05 or 1.0
    # Built in one go: each update_* call re-lays-out the figure (a page draws up to 12 of these)
    return go.Figure(go.Scatter(
        x=pd.to_datetime(rows["month"]), y=rows["value"], mode="lines+markers", name=r.label,
        line={"color": LINE_COLOURS["value"], "width": 2}, connectgaps=False,
        customdata=[[fmt(v, r.unit), n] for v, n in zip(rows["value"], rows["n"])],
        hovertemplate="%{x|%b %Y}: %{customdata[0]} (n = %{customdata[1]})<extra></extra>"),
        layout={"title": {"text": f"{r.label} per month"}, "height": 280, "showlegend": False,
                "margin": {"l": 10, "r": 10, "t": 40, "b": 10},
                "yaxis": {"title": {"text": AXIS_TITLES.get(r.unit, r.unit)}, "range": [lo - pad, hi + pad]},
                "xaxis": {"tickformat": "%b %Y", "dtick": "M2"}, **lines_layout(lines)})


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
        "definition": r.definition, "note": r.note, "key": r.kpi, "at": r.at,
        "ci_lower": None if r.interval is None else r.interval[0],
        "ci_upper": None if r.interval is None else r.interval[1]} for r in results])


def scorecard_table(results: Sequence[KpiResult], period: Period) -> None:
    frame = scorecard_frame(results)
    st.dataframe(frame, hide_index=True, column_config={
        "value": st.column_config.NumberColumn(format="%.2f"),
        "definition": st.column_config.TextColumn(width="large")})
    download_csv(frame, f"opsplan-scorecard-{period.start}-{period.end}.csv")


# ---- budget and scenario loaders
# Loaders, widget state, tables and charts of pages/budget.py and pages/scenarios.py. Cached by plain
# values (dates, the frozen plan, Base, Drivers, tuples); formulas live in models/, SQL in data/sql/.
# Imported here rather than at the top: this section is appended by its own issue.
import getpass  # noqa: E402
from dataclasses import asdict, fields  # noqa: E402

from plotly.subplots import make_subplots  # noqa: E402

from analytics.measure import compare  # noqa: E402
from core.plan import Kpi  # noqa: E402
from data import scenarios_store  # noqa: E402
from data.baseline import monthly_demand  # noqa: E402
from models import budget as budget_model  # noqa: E402
from models import scenario as scenario_model  # noqa: E402
from models import whatif  # noqa: E402

GROUP_COLOURS = {"infrastructure": "#2f6f8f", "human_resources": "#e07b39",
                 "third_party_services": "#8c6bb1", "contingency": "#9aa0a6"}
GROUP_SHORT = {"infrastructure": "Infrastructure", "human_resources": "Staff", "third_party_services": "Third-party",
               "contingency": "Contingency"}  # legend names that fit beside a chart title
OVER_COLOUR, WITHIN_COLOUR, SPENT_COLOUR = "#d64541", "#6c9fb8", "#1f4e66"
SCENARIO_COLOURS = ("#2f6f8f", "#e07b39", "#8c6bb1", "#21a366", "#d64541")
NO_BAR = {"displayModeBar": False}


def line_label(name: str) -> str:
    """'cloud_services' -> 'Cloud services' (plan.toml names budget lines in snake case)."""
    return name.replace("_", " ").capitalize()


def signed_usd(value: float) -> str:
    """'+$1,234.00' or '-$1,234.00': a difference in money, for a metric's delta."""
    return ("+" if value > 0 else "") + fmt(value, "USD")


def month_text(day: date | pd.Timestamp | None) -> str:
    return "no month" if day is None or pd.isna(day) else f"{pd.Timestamp(day):%b %Y}"


def download_xlsx(frame: pd.DataFrame, file_name: str, label: str = "Download Excel", sheet: str = "data") -> None:
    """An .xlsx download of a table; text cells that would run as formulas are written as text.
    Written when clicked, as download_csv."""
    from data.importer import to_xlsx_bytes  # the one spreadsheet-safe writer

    st.download_button(label, partial(to_xlsx_bytes, frame, sheet=sheet[:31]), file_name=file_name,
                       icon=":material/download:",
                       mime="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
                       key=f"download_{file_name}", on_click="ignore")


def download_both(frame: pd.DataFrame, stem: str, what: str) -> None:
    """CSV and Excel buttons side by side for one table."""
    with st.container(horizontal=True):
        download_csv(frame, f"{stem}.csv", f"{what} (CSV)")
        download_xlsx(frame, f"{stem}.xlsx", f"{what} (Excel)", sheet=what)


# ----------------------------------------------------------------------------- budget

@dataclass(frozen=True)
class PlanYear:
    """A plan year and the day its actuals run to: full months before `as_of` count as actual."""

    start: date
    as_of: date

    @property
    def end(self) -> date:
        return add_months(self.start, 12)

    @property
    def months_closed(self) -> int:
        return max(0, min(12, (self.as_of.year - self.start.year) * 12 + self.as_of.month - self.start.month))

    def label(self) -> str:
        return f"{self.start:%d %b %Y} to {self.end - timedelta(days=1):%d %b %Y}"


def plan_years(today: date) -> list[PlanYear]:
    """The plan years from the plan's first to the one holding `today`, newest first; a closed
    year's actuals run to its end."""
    the_plan = plan()
    current = budget_model.plan_year_start(the_plan, today)
    first = date.fromisoformat(the_plan.first_year_start)
    years, start = [], current
    while start >= first:
        years.append(PlanYear(start, today if start == current else add_months(start, 12)))
        start = add_months(start, -12)
    return years or [PlanYear(current, today)]


def plan_year_line(year: PlanYear) -> str:
    """'**Plan year 01 Sep 2026 to 31 Aug 2027** · 2 of 12 months closed · actuals through Oct 2026 · ...'."""
    parts = [f"**Plan year {year.label()}**", f"{year.months_closed} of 12 months closed"]
    if year.months_closed:
        parts.append(f"actuals through {month_text(add_months(year.start, year.months_closed - 1))}")
    if year.months_closed < 12 and year.as_of > month_start(year.as_of):
        parts.append(f"{month_text(year.as_of)} is still running and not counted")
    return " · ".join(parts)


def budget_plan_notes() -> list[str]:
    """What the plan's budget says against what its numbers add up to (analytics.coherence)."""
    from analytics.coherence import budget_checks

    return [f"**{c.name}**: the plan says {c.plan_says}; its numbers give {c.data_says} ({c.gap}). {c.why}."
            for c in budget_checks(plan())]


def load_budget(year: PlanYear, run_rate_months: int = 3) -> pd.DataFrame:
    """Per budget line: models.budget.projection (actual, budget to date, variance, run rate, year-end
    projection with its 80 % band, crossing month) plus label, group and note from the plan.
    The run rate may look back into the previous year, so a year's first months have one."""
    return _budget(db(), plan(), year, run_rate_months)


@st.cache_data(**LOADER, show_spinner=False)  # a projection per line: 30-40 ms a rerun
def _budget(db_file: str, the_plan: Plan, year: PlanYear, run_rate_months: int) -> pd.DataFrame:
    costs = _query(db_file, "costs_by_line_monthly", start_month=add_months(year.start, -12), end_month=year.end)
    table = budget_model.projection(costs, the_plan, year.start, year.as_of, run_rate_months)
    lines = {b.name: b for b in the_plan.budget_lines}
    names = table["line"]
    return table.assign(label=[line_label(n) for n in names], group=[line_label(lines[n].group) for n in names],
                        note=[lines[n].note for n in names])


def budget_totals(table: pd.DataFrame) -> dict[str, float]:
    """Sums over the lines. The band of the total adds up the lines' bands (the cautious reading:
    lines that drift together), so it is wider than the lines' spreads alone would make it."""
    keys = ("annual_usd", "actual_usd", "budget_to_date_usd", "variance_usd", "projected_usd", "lower_usd",
            "upper_usd", "projected_variance_usd")
    return {k: float(table[k].sum()) for k in keys}


def load_budget_months(year: PlanYear) -> pd.DataFrame:
    """Actual spend per month and line of the plan year up to `as_of`'s month: month, line, label,
    group, amount_usd, is_closed (False for the month still running, which the projection does not
    count). The budget per month is budget_model.monthly_budgets'."""
    the_plan = plan()
    costs = query("costs_by_line_monthly", start_month=year.start, end_month=min(year.end, add_months(year.as_of, 1)))
    lines = {b.name: b for b in the_plan.budget_lines}
    costs = costs[costs["line"].isin(lines)]
    month = pd.to_datetime(costs["month"])
    return costs.assign(month=month, label=[line_label(n) for n in costs["line"]],
                        group=[lines[n].group for n in costs["line"]],
                        is_closed=month < pd.Timestamp(add_months(year.start, year.months_closed)))


def budget_table(table: pd.DataFrame) -> pd.DataFrame:
    """The projection as shown and exported: one row per line plus a total row, raw numbers."""
    totals = budget_totals(table)
    rows = table.assign(crosses=[("" if c is None or pd.isna(c) else
                                  month_text(c) if over else f"{month_text(c)} (within tolerance)")
                                 for c, over in zip(table["crosses_in"], table["is_heading_over"])])
    total = pd.DataFrame([{**totals, "label": "Total", "group": "", "note": "", "crosses": "",
                           "run_rate_usd": float(table["run_rate_usd"].sum())}])
    out = pd.concat([rows, total], ignore_index=True)
    return out[["label", "annual_usd", "actual_usd", "budget_to_date_usd", "variance_usd", "run_rate_usd",
                "projected_usd", "lower_usd", "upper_usd", "projected_variance_usd", "crosses", "group", "note"]]


def budget_display(shown: pd.DataFrame) -> pd.DataFrame:
    """budget_table for the screen: the band as one 'from to' text column, the group and note left to the export."""
    band = [f"{fmt(lo, 'USD')} to {fmt(hi, 'USD')}" for lo, hi in zip(shown["lower_usd"], shown["upper_usd"])]
    out = shown.drop(columns=["lower_usd", "upper_usd", "group", "note"])
    out.insert(out.columns.get_loc("projected_usd") + 1, "band", band)
    return out


BUDGET_COLUMNS = {  # in the order shown: what finance reads first comes first
    "label": st.column_config.TextColumn("Budget line"),
    "annual_usd": st.column_config.NumberColumn("Annual budget", format="dollar"),
    "actual_usd": st.column_config.NumberColumn("Spent to date", format="dollar"),
    "variance_usd": st.column_config.NumberColumn("Variance to date", format="dollar",
                                                  help="Spent minus budget to date: above 0 is overspent."),
    "projected_usd": st.column_config.NumberColumn("Projected year end", format="dollar"),
    "projected_variance_usd": st.column_config.NumberColumn("Over (+) / under (-)", format="dollar",
                                                            help="Projected year end minus the annual budget."),
    "crosses": st.column_config.TextColumn("Passes its budget in"),
    "band": st.column_config.TextColumn("80 % band", help="Where the year end lands 8 times in 10, at the spread seen "
                                                         "month to month (never below what is already spent)."),
    "budget_to_date_usd": st.column_config.NumberColumn("Budget to date", format="dollar",
                                                        help="The budget of the closed months: annual x months "
                                                             "/ 12, or by the line's monthly profile (plan.toml)."),
    "run_rate_usd": st.column_config.NumberColumn("Run rate a month", format="dollar",
                                                  help="Mean of the last closed months (the run-rate window)."),
}


def over_budget_lines(table: pd.DataFrame) -> pd.DataFrame:
    """Lines heading over budget (models.budget: a projected overrun beyond the plan's tolerance),
    earliest crossing first."""
    over = table[table["is_heading_over"].astype(bool)]
    return over.sort_values("crosses_in")


def within_tolerance_lines(table: pd.DataFrame) -> pd.DataFrame:
    """Lines projected to pass their budget by no more than the plan's tolerance: not heading over."""
    return table[table["crosses_in"].notna() & ~table["is_heading_over"].astype(bool)]


def within_tolerance_text(within: pd.DataFrame) -> str:
    """'Payment processing ($80.44 over), Backup storage ($79.85 over)'."""
    return ", ".join(f"{r.label} ({fmt(r.projected_variance_usd, 'USD')} over)" for r in within.itertuples())


def over_tolerance_text(the_plan: Plan) -> str:
    """'more than 1 % of the line and more than $500': when an overrun counts (plan.toml)."""
    t = the_plan.over_budget_tolerance
    return f"more than {t.pct:g} % of the line and more than {fmt(t.usd, 'USD')}"


def over_budget_text(over: pd.DataFrame) -> str:
    """One Markdown bullet per line heading over budget: when it crosses, by how much, and whether
    its 80 % band still reaches back under the budget."""
    bullets = []
    for r in over.itertuples():
        maybe = " · *within its 80 % band: may still land on budget*" if r.lower_usd <= r.annual_usd else ""
        bullets.append(f"- **{r.label}** passes its {fmt(r.annual_usd, 'USD')} in **{month_text(r.crosses_in)}**: "
                       f"projected {fmt(r.projected_usd, 'USD')}, {fmt(r.projected_variance_usd, 'USD')} over, at "
                       f"{fmt(r.run_rate_usd, 'USD')} a month{maybe}")
    return "\n".join(bullets)


def budget_projection_chart(table: pd.DataFrame, as_pct: bool) -> go.Figure:
    """Per line: spent so far (dark), projected year end (light bar, 80 % whisker) and the annual budget (tick),
    in USD or as % of each line's budget; red when the line is heading over budget (beyond the plan's tolerance)."""
    rows = table.sort_values("annual_usd")  # plotly draws the first row at the bottom: biggest line on top
    scale = 100 / rows["annual_usd"] if as_pct else 1.0
    over = rows["is_heading_over"].astype(bool)
    hover = [f"{r.label}: spent {fmt(r.actual_usd, 'USD')}, projected {fmt(r.projected_usd, 'USD')} "
             f"({fmt(r.lower_usd, 'USD')} to {fmt(r.upper_usd, 'USD')}), budget {fmt(r.annual_usd, 'USD')}"
             for r in rows.itertuples()]
    fig = go.Figure()
    fig.add_bar(y=rows["label"], x=rows["projected_usd"] * scale, orientation="h", name="Projected year end",
                marker_color=[OVER_COLOUR if o else WITHIN_COLOUR for o in over], opacity=0.45,
                error_x={"type": "data", "array": (rows["upper_usd"] - rows["projected_usd"]) * scale,
                         "arrayminus": (rows["projected_usd"] - rows["lower_usd"]) * scale,
                         "color": "#555", "width": 6},
                hovertext=hover, hoverinfo="text")
    fig.add_bar(y=rows["label"], x=rows["actual_usd"] * scale, orientation="h", name="Spent so far",
                marker_color=SPENT_COLOUR, width=0.35, hovertext=hover, hoverinfo="text")
    fig.add_scatter(y=rows["label"], x=rows["annual_usd"] * scale, mode="markers", name="Annual budget",
                    marker={"symbol": "line-ns", "size": 26, "line": {"width": 3, "color": "#111"}},
                    hovertext=hover, hoverinfo="text")
    fig.update_layout(barmode="overlay", height=430, margin={"l": 10, "r": 10, "t": 50, "b": 10},
                      title={"text": "Year-end projection per line against its budget"},
                      legend={"orientation": "h", "y": 1.08, "x": 1, "xanchor": "right"})
    fig.update_xaxes(title_text="% of the line's annual budget" if as_pct else "USD",
                     ticksuffix=" %" if as_pct else "", tickprefix="" if as_pct else "$", separatethousands=True)
    return fig


def budget_cumulative_chart(months: pd.DataFrame, table: pd.DataFrame, year: PlanYear) -> go.Figure:
    """Cumulative spend of all lines against the budget to date (pro rata, or by the lines' monthly
    profiles), with the year-end projection and its band."""
    totals = budget_totals(table)
    closed = months[months["is_closed"]].groupby("month", as_index=False)["amount_usd"].sum()
    ends = [pd.Timestamp(add_months(year.start, k)) for k in range(13)]
    fig = go.Figure()
    fig.add_scatter(x=ends, y=budget_model.budget_path(plan()), mode="lines", name="Budget to date",
                    line={"color": LINE_COLOURS["target"], "dash": "dash"})
    spent_x = [ends[0], *[pd.Timestamp(add_months(m.date(), 1)) for m in closed["month"]]]
    spent_y = [0.0, *closed["amount_usd"].cumsum()]
    fig.add_scatter(x=spent_x, y=spent_y, mode="lines+markers", name="Spent (closed months)",
                    line={"color": SPENT_COLOUR, "width": 3})
    fig.add_scatter(x=[spent_x[-1], ends[-1]], y=[spent_y[-1], totals["projected_usd"]], mode="lines+markers",
                    name="Projected at run rate", line={"color": OVER_COLOUR if totals["projected_variance_usd"] > 0
                                                        else WITHIN_COLOUR, "dash": "dot", "width": 3},
                    error_y={"type": "data", "array": [0, totals["upper_usd"] - totals["projected_usd"]],
                             "arrayminus": [0, totals["projected_usd"] - totals["lower_usd"]], "width": 8})
    add_lines(fig, [hline(totals["annual_usd"], {"color": "#111", "width": 1},
                          f"annual budget {fmt(totals['annual_usd'], 'USD')}")])
    fig.update_layout(title={"text": "Cumulative spend, all lines"}, height=430,
                      margin={"l": 10, "r": 10, "t": 50, "b": 10}, legend={"orientation": "h", "y": -0.15})
    fig.update_yaxes(title_text="USD, cumulative", tickprefix="$", separatethousands=True, rangemode="tozero")
    fig.update_xaxes(tickformat="%b %Y", dtick="M2")
    return fig


def budget_monthly_chart(months: pd.DataFrame, year: PlanYear) -> go.Figure:
    """Spend per month, stacked by budget group, against the plan's monthly budget (annual / 12, or
    by the lines' monthly profiles: then a step per month)."""
    closed = months[months["is_closed"]]
    by_group = closed.groupby(["month", "group"], as_index=False)["amount_usd"].sum()
    fig = go.Figure()
    for group, colour in GROUP_COLOURS.items():
        part = by_group[by_group["group"] == group]
        fig.add_bar(x=part["month"], y=part["amount_usd"], name=line_label(group), marker_color=colour,
                    hovertemplate="%{x|%b %Y}: $%{y:,.0f}<extra>" + line_label(group) + "</extra>")
    budgets = budget_model.monthly_budgets(plan())
    if len({round(b, 6) for b in budgets}) == 1:  # pro rata: one level all year
        add_lines(fig, [hline(budgets[0], {"color": LINE_COLOURS["target"], "dash": "dash"},
                              f"monthly budget {fmt(budgets[0], 'USD')}")])
    else:
        fig.add_scatter(x=[pd.Timestamp(add_months(year.start, k)) for k in range(12)], y=budgets, mode="lines",
                        line={"color": LINE_COLOURS["target"], "dash": "dash", "shape": "hvh"}, name="monthly budget",
                        hovertemplate="%{x|%b %Y}: budget $%{y:,.0f}<extra></extra>")
    fig.update_layout(barmode="stack", title={"text": "Spend per closed month by budget group"}, height=360,
                      margin={"l": 10, "r": 10, "t": 50, "b": 10}, legend={"orientation": "h", "y": -0.2})
    fig.update_yaxes(title_text="USD a month", tickprefix="$", separatethousands=True)
    half_month = timedelta(days=15)  # the whole plan year on the axis: the months to come show as empty
    fig.update_xaxes(tickformat="%b %Y", dtick="M1", range=[year.start - half_month, year.end - half_month])
    return fig


def budget_month_table(months: pd.DataFrame, table: pd.DataFrame) -> pd.DataFrame:
    """Actual spend by line (rows) and closed month (columns), with each line's annual budget and
    spend to date: what the projection starts from, for display and export."""
    closed = months[months["is_closed"]]
    wide = closed.pivot_table(index="label", columns="month", values="amount_usd", aggfunc="sum")
    wide.columns = [month_text(c) for c in wide.columns]
    info = table.set_index("label")[["annual_usd", "actual_usd"]]
    out = info.join(wide).reset_index()
    total = pd.DataFrame([{"label": "Total", **out.drop(columns="label").sum(numeric_only=True)}])
    return pd.concat([out, total], ignore_index=True).rename(
        columns={"label": "Budget line", "annual_usd": "Annual budget", "actual_usd": "Spent to date"})


# ----------------------------------------------------------------------------- scenario drivers

@dataclass(frozen=True)
class DriverInfo:
    """How a driver shows on the page: its group, label (with unit), unit for fmt, help text."""

    group: str
    label: str
    unit: str = ""          # fmt's unit: "USD", "%", "min", "FTE" or "" (a plain number)
    per: str = ""           # what the number is per, after the formatted value
    help: str = ""
    step: float = 1.0
    fmt: str = "%.1f"
    line: str = ""          # the budget line a unit rate prices
    abbr: str = ""          # a short unit for the narrow unit-cost editor

    @property
    def long_label(self) -> str:
        """The label with its unit, for charts that list drivers of every group."""
        if self.group != "Unit costs":
            return self.label
        return f"{self.label}: {'USD' if self.unit == 'USD' else '%'} {self.per}"


DRIVER_GROUPS = ("Demand", "Capacity", "Staffing", "Unit costs")
DRIVER_INFO: dict[str, DriverInfo] = {
    "user_growth_pct_per_quarter": DriverInfo(
        "Demand", "User growth (% per quarter)", "%", "a quarter",
        "Monthly active users grow by this much each quarter, compounded month by month. The plan assumes 50 %."),
    "tickets_per_user_month": DriverInfo(
        "Demand", "Tickets per active user a month", "", "tickets per user a month",
        "Support tickets each active user opens in a month; the base is measured over the last 3 full months.",
        0.01, "%.3f"),
    "revenue_per_user_month_usd": DriverInfo(
        "Demand", "Revenue per active user a month (USD)", "USD", "per user a month",
        "What each active user brings in a month: the denominator of the infrastructure cost share and the base "
        "of payment fees. Measured over the last 3 full months.", 0.5, "%.2f"),
    "peak_traffic_growth_pct": DriverInfo(
        "Capacity", "Peak-season load uplift (%)", "%", "in peak months",
        "Extra load in the plan's peak months (November and December by the plan's setting). The plan: +100 %.",
        5.0),
    "feature_complexity_pct": DriverInfo(
        "Capacity", "Feature complexity uplift (% more CPU)", "%", "more CPU per user",
        "Extra compute per user from new features. The plan assumes 20 %. Instances are sized so that peak CPU "
        "stays under the plan's 80 % scale-up trigger with its 20 % reserve."),
    "data_growth_pct_per_month": DriverInfo(
        "Capacity", "Data growth (% per month)", "%", "a month",
        "Stored data grows by this much every month. The plan assumes 25 %. Storage needed keeps the 20 % reserve."),
    "staff_to_demand": DriverInfo(
        "Staffing", "Hire the FTE Erlang C needs", "flag", "",
        "Off: pay the plan's support team (the FTE below). On: pay, each month, the tier-1 FTE that Erlang C "
        "needs to answer chat in 2 min, email in 4 h and phone in 60 s at the service-level goal."),
    "support_fte_plan": DriverInfo(
        "Staffing", "Support team paid (FTE)", "FTE", "",
        "Tier-1 support staff paid when not hiring to demand: the plan's support_team line, 4 FTE.", 0.5),
    "maintenance_fte": DriverInfo(
        "Staffing", "Maintenance team (FTE)", "FTE", "",
        "Technical staff on the maintenance_team line; the plan has 3 FTE.", 0.5),
    "aht_live_chat_min": DriverInfo(
        "Staffing", "Handling time, live chat (minutes)", "min", "a chat",
        "Average minutes an agent spends on one chat. Drives the FTE needed (Erlang C).", 0.5),
    "aht_email_min": DriverInfo(
        "Staffing", "Handling time, email (minutes)", "min", "an email",
        "Average minutes an agent spends on one email ticket.", 0.5),
    "aht_phone_min": DriverInfo(
        "Staffing", "Handling time, phone (minutes)", "min", "a call",
        "Average minutes an agent spends on one call (phone is open 08:00-20:00).", 0.5),
    "service_level_goal_pct": DriverInfo(
        "Staffing", "Service-level goal (% answered within target)", "%", "",
        "Share of contacts that must get a first response within the channel's target.", 1.0),
    "max_occupancy_pct": DriverInfo(
        "Staffing", "Highest agent occupancy (%)", "%", "",
        "Agents are never planned busier than this share of their logged-in time.", 1.0),
    "shrinkage_pct": DriverInfo(
        "Staffing", "Shrinkage (% of paid time off the phones)", "%", "",
        "Leave, training and meetings: paid time not spent on contacts. "
        "FTE needed = agent hours / (40 h x (1 - shrinkage)).",
        1.0),
    "support_cost_per_fte_usd": DriverInfo(
        "Unit costs", "Support staff", "USD", "per FTE a year", line="support_team", abbr="USD/FTE/yr"),
    "maintenance_cost_per_fte_usd": DriverInfo(
        "Unit costs", "Maintenance staff", "USD", "per FTE a year", line="maintenance_team", abbr="USD/FTE/yr"),
    "training_per_fte_usd": DriverInfo(
        "Unit costs", "Training", "USD", "per FTE a year", line="training_budget", abbr="USD/FTE/yr"),
    "cloud_usd_per_instance_month": DriverInfo(
        "Unit costs", "Compute, on demand", "USD", "per instance a month", line="cloud_services",
        abbr="USD/instance/mo"),
    "cloud_usd_per_gb_month": DriverInfo(
        "Unit costs", "Cloud storage", "USD", "per GB a month", line="cloud_services", abbr="USD/GB/mo"),
    "reserved_share_pct": DriverInfo(
        "Unit costs", "Reserved instances", "%", "of the fleet", line="cloud_services", abbr="% of fleet"),
    "reserved_discount_pct": DriverInfo(
        "Unit costs", "Reserved discount", "%", "off on demand", line="cloud_services", abbr="% off"),
    "spot_share_pct": DriverInfo(
        "Unit costs", "Spot instances", "%", "of the fleet", line="cloud_services", abbr="% of fleet"),
    "spot_discount_pct": DriverInfo(
        "Unit costs", "Spot discount", "%", "off on demand", line="cloud_services", abbr="% off"),
    "monitoring_usd_per_instance_month": DriverInfo(
        "Unit costs", "Monitoring", "USD", "per instance a month", line="monitoring_tools", abbr="USD/instance/mo"),
    "security_usd_per_month": DriverInfo(
        "Unit costs", "Security tools", "USD", "a month", line="security_tools", abbr="USD/mo"),
    "payment_fee_pct_revenue": DriverInfo(
        "Unit costs", "Payment fees", "%", "of revenue", line="payment_processing", abbr="% of revenue"),
    "communication_usd_per_user_month": DriverInfo(
        "Unit costs", "SMS and email", "USD", "per user a month", line="communication_services", abbr="USD/user/mo"),
    "backup_usd_per_gb_month": DriverInfo(
        "Unit costs", "Backup storage", "USD", "per GB a month", line="backup_storage", abbr="USD/GB/mo"),
    "contingency_pct": DriverInfo(
        "Unit costs", "Contingency", "%", "of the other lines", line="contingency", abbr="% of other lines"),
}
SC_PREFIX = "sc_drv_"           # + driver name: the driver's input widget
SC_SEED = "sc_seed"             # the driver values the inputs were last filled from
SC_VERSION = "sc_seed_version"  # bumped on every fill, so the unit-cost editor starts afresh
SC_WORKING = "sc_working"       # the values as the user left them (widget state is dropped off-page)
SC_LOADED = "sc_loaded"         # the saved scenario last opened, None: the base
SC_OPENED = "sc_opened"         # its driver values as opened or saved, to tell unsaved edits
SC_MONTHS = "sc_months"
SC_FLASH = "sc_flash"           # (kind, text) shown once after a save, load or delete
SC_SENT = "sc_sent"             # growth sent from the Capacity page, applied to the drivers on the next run


def driver_value_text(name: str, value: float | bool) -> str:
    """'50.0 % a quarter', '$45,000.00 per FTE a year', 'on' for a flag."""
    info = DRIVER_INFO[name]
    if info.unit == "flag":
        return "on" if value else "off"
    number = fmt(float(value), info.unit).strip() if info.unit else fmt(float(value), "").strip()
    return f"{number} {info.per}".strip()


def _names(group: str) -> list[str]:
    return [n for n, i in DRIVER_INFO.items() if i.group == group]


def fill_driver_inputs(values: Mapping[str, float | bool], loaded: str | None = None) -> None:
    """Set every driver input to `values` (call before the inputs are drawn, or from a callback)."""
    state = st.session_state
    for group in DRIVER_GROUPS[:3]:
        for name in _names(group):
            state[SC_PREFIX + name] = bool(values[name]) if DRIVER_INFO[name].unit == "flag" else float(values[name])
    state[SC_SEED] = dict(values)
    state[SC_WORKING] = dict(values)
    state[SC_VERSION] = state.get(SC_VERSION, 0) + 1
    state[SC_LOADED] = loaded
    state[SC_OPENED] = dict(values)


def init_driver_inputs(base_drivers: scenario_model.Drivers) -> None:
    """First visit: the base scenario. Back from another page, where Streamlit dropped the inputs'
    state: the drivers as the user left them."""
    state = st.session_state
    if SC_SEED not in state:
        fill_driver_inputs(asdict(base_drivers))
    elif any(SC_PREFIX + n not in state for g in DRIVER_GROUPS[:3] for n in _names(g)):
        opened = state.get(SC_OPENED)
        fill_driver_inputs(state[SC_WORKING], state.get(SC_LOADED))
        state[SC_OPENED] = opened or state[SC_OPENED]  # unsaved edits stay marked as such
    sent = state.pop(SC_SENT, None)
    if sent:
        opened, was = state[SC_OPENED], state[SC_WORKING]
        fill_driver_inputs({**was, **sent}, state.get(SC_LOADED))
        state[SC_OPENED] = opened  # the sent growth shows as an unsaved edit of what was open
        changed = [f"{DRIVER_INFO[n].label}: {driver_value_text(n, was[n])} -> {driver_value_text(n, v)}"
                   for n, v in sent.items() if v != was[n]]
        _flash("info", "From the Capacity page: " + ("; ".join(changed) if changed else "the same growth as here") + ".")
    state.setdefault(SC_MONTHS, state.get("sc_months_kept", 12))


def _driver_input(name: str, base_value: float | bool) -> float | bool:
    info = DRIVER_INFO[name]
    text = f"{info.help} Base: {driver_value_text(name, base_value)}."
    if info.unit == "flag":
        return st.toggle(info.label, key=SC_PREFIX + name, help=text)
    low, high = scenario_model.LIMITS.get(name, (0.0, math.inf))
    return st.number_input(info.label, min_value=float(low), max_value=None if math.isinf(high) else float(high),
                           step=info.step, format=info.fmt, key=SC_PREFIX + name, help=text)


def _unit_cost_editor(base_drivers: scenario_model.Drivers) -> dict[str, float]:
    seed = st.session_state[SC_SEED]
    names = _names("Unit costs")
    frame = pd.DataFrame({"driver": names, "Rate": [DRIVER_INFO[n].label for n in names],
                          "Value": [float(seed[n]) for n in names], "Unit": [DRIVER_INFO[n].abbr for n in names]})
    edited = st.data_editor(
        frame, key=f"sc_rates_{st.session_state[SC_VERSION]}", hide_index=True, width="stretch", height=36 * 16,
        column_order=["Rate", "Value", "Unit"], disabled=["Rate", "Unit"],
        column_config={"Value": st.column_config.NumberColumn("Value", min_value=0.0, format="localized", required=True,
                                                              help="Type a new rate; the scenario updates at once.")})
    return {n: float(v) if v is not None and not pd.isna(v) else math.nan
            for n, v in zip(edited["driver"], edited["Value"])}


def driver_panel(base_drivers: scenario_model.Drivers) -> dict[str, float | bool]:
    """The drivers in four tabs; returns every value as set on screen (not yet checked)."""
    values: dict[str, float | bool] = {}
    tabs = st.tabs(list(DRIVER_GROUPS))
    for tab, group in zip(tabs[:3], DRIVER_GROUPS[:3]):
        with tab:
            for name in _names(group):
                values[name] = _driver_input(name, getattr(base_drivers, name))
            if group == "Capacity":  # the demand tab came first: every growth driver is read
                sc_send_button(values)
    with tabs[3]:
        st.caption("Unit rates start calibrated so that the base costs exactly the plan's budget, line by line, "
                   "over its first 12 months. Edit the Value column; the header lists what differs from the base.")
        values |= _unit_cost_editor(base_drivers)
    st.session_state[SC_WORKING] = values
    st.session_state["sc_months_kept"] = st.session_state.get(SC_MONTHS, 12)
    return values


def scenario_drivers(base_drivers: scenario_model.Drivers,
                     values: Mapping[str, float | bool]) -> scenario_model.Drivers:
    """The drivers on screen as a checked scenario; ScenarioError names an impossible one."""
    return scenario_model.with_overrides(base_drivers, dict(values))


def changed_drivers(drivers: scenario_model.Drivers, base_drivers: scenario_model.Drivers) -> list[str]:
    """'User growth: 50.0 % a quarter -> 80.0 % a quarter' for each driver that differs from the base."""
    out = []
    for f in fields(drivers):
        now, was = getattr(drivers, f.name), getattr(base_drivers, f.name)
        if not (now == was or (isinstance(now, float) and math.isclose(now, was, rel_tol=1e-9, abs_tol=1e-12))):
            out.append(f"{DRIVER_INFO[f.name].label}: {driver_value_text(f.name, was)} -> "
                       f"{driver_value_text(f.name, now)}")
    return out


def drivers_table(drivers: scenario_model.Drivers, base_drivers: scenario_model.Drivers) -> pd.DataFrame:
    """Every driver with its group, label, value, base value and unit (for export)."""
    return pd.DataFrame([{"group": DRIVER_INFO[f.name].group, "driver": f.name, "label": DRIVER_INFO[f.name].label,
                          "value": getattr(drivers, f.name), "base": getattr(base_drivers, f.name),
                          "unit": f"{DRIVER_INFO[f.name].unit} {DRIVER_INFO[f.name].per}".strip()}
                         for f in fields(drivers)])


# ----------------------------------------------------------------------------- scenario loaders

SC_BASE = "sc_base"
BASE_LABELS = {"measured": "Measured", "plan": "The plan"}
BASE_HELP = ("**Measured** (the default): month 1 is the last closed months as the Overview counts them, "
             "their spend per budget line included, and users, data and the peak season grow as the "
             "warehouse's history forecasts. **The plan**: the plan's growth assumptions, with unit "
             "costs calibrated so that 12 months cost the plan's budget.")


@st.cache_data(**LOADER, show_spinner="Measuring the base from the warehouse ...")
def _starting_point(db_file: str, the_plan: Plan, today: date,
                    kind: str) -> tuple[scenario_model.Base, scenario_model.Drivers, str]:
    return scenario_model.starting_point(_connection(db_file), the_plan, today, kind)


def load_starting_point(today: date, kind: str) -> tuple[scenario_model.Base, scenario_model.Drivers, str]:
    """What scenarios start from (models.scenario.starting_point): the base, its drivers and a note
    naming the months and assumptions taken. ScenarioError when the warehouse lacks data."""
    return _starting_point(db(), plan(), today, kind)


def base_kind() -> str:
    """The base the Scenarios page starts from: measured unless the user chose the plan."""
    return st.session_state.get(SC_BASE) or "measured"


def on_base_change(today: date) -> None:
    """Another base: every driver to that base's values (a scenario is edited against one base)."""
    _, drivers, _ = load_starting_point(today, base_kind())
    fill_driver_inputs(asdict(drivers))


def base_caption(base: scenario_model.Base, note: str) -> str:
    chat, email, phone = base.channel_share
    return (f"{note}. Horizon from {base.start:%b %Y}; "
            f"{fmt(base.active_users, 'users')} active, {base.tickets_per_user_month:.3f} tickets per user a month "
            f"(chat {chat:.0%}, email {email:.0%}, phone {phone:.0%}), {fmt(base.revenue_per_user_month_usd, 'USD')} "
            f"revenue per user a month, {fmt(base.instances, 'instances')} at {fmt(base.cpu_pct, '%')} peak CPU, "
            f"{fmt(base.data_gb, 'GB')} of data.")


@st.cache_data(hash_funcs=PLAN_KEY, max_entries=256, show_spinner=False)
def _evaluate(drivers: scenario_model.Drivers, base: scenario_model.Base, the_plan: Plan, months: int) -> pd.DataFrame:
    frame = scenario_model.evaluate(drivers, base, the_plan, months)
    for key in ("support_cost_per_user_usd", "infra_cost_pct_revenue"):
        frame[f"{key}_missed"] = ~frame[f"{key}_met"].astype(bool)  # for first_month of a miss
    return frame


def evaluate_scenario(drivers: scenario_model.Drivers, base: scenario_model.Base, months: int) -> pd.DataFrame:
    """models.scenario.evaluate, cached by drivers, base, plan and horizon; adds <kpi>_missed flags."""
    return _evaluate(drivers, base, plan(), months)


def scenario_summary(frame: pd.DataFrame, months: int) -> dict:
    """The horizon's totals (models.scenario.annual), the plan's budget for as many months, and the
    first month each cost target is met and missed."""
    the_plan = plan()
    out = dict(scenario_model.annual(frame, the_plan))
    out["plan_total_usd"] = the_plan.budget_total_usd * months / 12
    out["fte_needed_low"], out["fte_needed_high"] = (float(frame["support_fte_needed"].min()),
                                                     float(frame["support_fte_needed"].max()))
    for key in ("support_cost_per_user_usd", "infra_cost_pct_revenue"):
        out[f"{key}_first_met"] = scenario_model.first_month(frame, f"{key}_met")
        out[f"{key}_first_missed"] = scenario_model.first_month(frame, f"{key}_missed")
    return out


def target_words(summary: Mapping, key: str) -> str:
    """When a cost target is met over the horizon, in words: 'met from Feb 2027', 'never met' ..."""
    met, missed = summary[f"{key}_first_met"], summary[f"{key}_first_missed"]
    if met is None:
        return "never met"
    if missed is None:
        return "met every month"
    if met < missed:
        return f"met until {month_text(add_months(missed, -1))}"
    return f"met from {month_text(met)}"


HEADLINE_NAMES = {"support_cost_per_user_usd": "Support cost/user", "infra_cost_pct_revenue": "Infra cost share"}


def scenario_headline(summary: Mapping, months: int) -> None:
    """Four numbers: the horizon's cost against the plan, the two cost KPIs against their targets
    (and the month each is first met), and support FTE paid against what Erlang C needs."""
    the_plan = plan()
    over = summary["total_usd"] - summary["plan_total_usd"]
    cols = st.columns(4)
    cols[0].metric(f"Total cost, {months} months", fmt(summary["total_usd"], "USD"), border=True,
                   delta=("+" if over > 0 else "-" if over < 0 else "") + fmt(abs(over), "USD"),
                   delta_description=f"vs plan {fmt(summary['plan_total_usd'], 'USD')}",
                   delta_color="inverse" if abs(over) >= 0.005 else "off",
                   delta_arrow="auto" if abs(over) >= 0.005 else "off",
                   help=f"The plan's budget pro-rated to the horizon: {fmt(the_plan.budget_total_usd, 'USD')} x "
                        f"{months} / 12.")
    for col, key in zip(cols[1:3], ("support_cost_per_user_usd", "infra_cost_pct_revenue")):
        kpi = the_plan.kpi(key)
        value = summary[key]
        met = value is not None and compare(value, kpi.op, kpi.target)
        words = target_words(summary, key)
        if key == "support_cost_per_user_usd" and met and scenario_model.understaffed(summary):
            met, words = False, f"{words}, understaffed"  # cheap because customers wait: not a plain "met"
        col.metric(f"{HEADLINE_NAMES[key]} ({OP_SIGNS[kpi.op]} {fmt(kpi.target, kpi.unit, short=True, trim=True)})",
                   fmt(value, kpi.unit, short=True), border=True, delta=words,
                   delta_color="green" if met else "orange" if value is not None and
                   compare(value, kpi.op, kpi.target) else "red", delta_arrow="off",
                   help=f"{kpi.label} over the whole horizon ({kpi.measurement.lower()}); target "
                        f"{OP_SIGNS[kpi.op]} {fmt(kpi.target, kpi.unit, trim=True)}. Below the value: the month the "
                        "monthly value first meets it. Month by month in rows 5 and 6 of the chart.")
    short = summary["fte_needed_high"] - summary["support_fte"]
    cols[3].metric("Support FTE paid (mean)", fmt(summary["support_fte"], "FTE"), border=True,
                   delta=f"needs {summary['fte_needed_low']:.1f} to {summary['fte_needed_high']:.1f}",
                   delta_color="red" if short > 0.05 else "green", delta_arrow="off",
                   help="Needed: the tier-1 FTE Erlang C asks for each month to answer chat in 2 min, email in 4 h and "
                        "phone in 60 s at the service-level goal, grossed up for shrinkage.")


def scenario_chain_chart(frame: pd.DataFrame) -> go.Figure:
    """The chain on one figure, month by month, top to bottom: demand -> capacity -> staffing -> cost ->
    the two cost KPIs against the plan's targets. Each row names its series in its own legend."""
    the_plan = plan()
    titles = ("1  Demand", "2  Capacity", "3  Staffing (tier-1 support)", "4  Cost a month",
              "5  Support cost per user", "6  Infrastructure cost share")
    fig = make_subplots(rows=6, cols=1, shared_xaxes=True, vertical_spacing=0.045,
                        row_heights=[1, 1, 1, 1.2, 1, 1], specs=[[{"secondary_y": r < 2}] for r in range(6)])
    x = pd.to_datetime(frame["month"])
    # The rows' axes, legends and lines go into one layout update at the end: each update on this
    # six-row figure re-lays out all of it (10-40 ms a call; a dozen calls took most of the page's rerun).
    layout: dict = {"barmode": "stack"}
    _chain_demand_capacity(fig, frame, x, layout)
    lines = [*_chain_staffing(fig, frame, x, the_plan, layout), *_chain_cost(fig, frame, x, the_plan, layout)]
    for row, key in ((5, "support_cost_per_user_usd"), (6, "infra_cost_pct_revenue")):
        lines += _chain_kpi(fig, frame, x, the_plan.kpi(key), row, layout)
    for i, title in enumerate(titles):  # each row's title leads its own legend, so the two never overlap
        cell = fig.get_subplot(i + 1, 1)
        layout[f"legend{'' if i == 0 else i + 1}"] = {
            "orientation": "h", "x": 0, "xanchor": "left", "y": cell.yaxis.domain[1], "yanchor": "bottom",
            "font": {"size": 12}, "bgcolor": "rgba(0,0,0,0)",
            "title": {"text": f"<b>{title}</b>  ", "font": {"size": 14}}}
        layout[cell.xaxis.plotly_name] = {"tickformat": "%b %Y", "dtick": "M1" if len(frame) <= 12 else "M3"}
    fig.update_layout(layout, height=1250, margin={"l": 10, "r": 70, "t": 30, "b": 10}, hovermode="x unified",
                      bargap=0.25, **lines_layout(lines))
    return fig


def _chain_y(fig: go.Figure, row: int, secondary: bool = False) -> str:
    """The layout key of a chain row's y axis ("yaxis5"), or of its right-hand one (rows 1-2)."""
    return fig.get_subplot(row, 1, secondary_y=secondary).yaxis.plotly_name


def _chain_demand_capacity(fig: go.Figure, frame: pd.DataFrame, x: pd.Series, layout: dict) -> None:
    for row, (left, left_name, right, right_name, unit_l, unit_r) in enumerate((
            ("active_users", "Active users", "tickets", "Tickets a month (right axis)", "users", "tickets"),
            ("instances", "Instances needed", "storage_gb", "Storage needed, GB (right axis)", "instances", "GB")),
            start=1):
        legend = "legend" if row == 1 else f"legend{row}"
        fig.add_scatter(x=x, y=frame[left], name=left_name, mode="lines+markers", line={"color": "#2f6f8f", "width": 3},
                        legend=legend, row=row, col=1, secondary_y=False,
                        hovertemplate="%{y:,.0f} " + unit_l + "<extra>" + left_name + "</extra>")
        fig.add_scatter(x=x, y=frame[right], name=right_name, mode="lines", line={"color": "#e07b39", "dash": "dash"},
                        legend=legend, row=row, col=1, secondary_y=True,
                        hovertemplate="%{y:,.0f} " + unit_r + "<extra>" + right_name + "</extra>")
        layout[_chain_y(fig, row)] = {"title": {"text": unit_l}, "rangemode": "tozero", "separatethousands": True}
        layout[_chain_y(fig, row, secondary=True)] = {"title": {"text": unit_r}, "rangemode": "tozero",
                                                      "showgrid": False, "separatethousands": True}


def _chain_staffing(fig: go.Figure, frame: pd.DataFrame, x: pd.Series, the_plan: Plan, layout: dict) -> list[Line]:
    fig.add_scatter(x=x, y=frame["support_fte_needed"], name="FTE needed (Erlang C)", mode="lines+markers",
                    line={"color": OVER_COLOUR, "width": 3}, legend="legend3", row=3, col=1,
                    hovertemplate="%{y:.1f} FTE<extra>needed</extra>")
    fig.add_scatter(x=x, y=frame["support_fte"], name="FTE paid", mode="lines", line={"color": "#2f6f8f", "width": 3,
                    "shape": "hv"}, legend="legend3", row=3, col=1, hovertemplate="%{y:.1f} FTE<extra>paid</extra>")
    size, names, lines = 0, [], []
    for tier in the_plan.support_tiers:  # cumulative: tier 1 alone, tiers 1-2, all tiers
        size += tier.team_size
        names.append(tier.name.replace("tier", ""))
        lines.append(hline(size, {"color": LINE_COLOURS["baseline"], "dash": "dot", "width": 1},
                           f"tier{'s' if len(names) > 1 else ''} {'+'.join(names)}: {size}", "right",
                           font={"size": 10, "color": "#6b7078"}, axes=subplot_axes(fig, 3)))
    layout[_chain_y(fig, 3)] = {"title": {"text": "FTE"}, "rangemode": "tozero"}
    return lines


def _chain_cost(fig: go.Figure, frame: pd.DataFrame, x: pd.Series, the_plan: Plan, layout: dict) -> list[Line]:
    for group, colour in GROUP_COLOURS.items():
        names = [b.name for b in the_plan.budget_lines if b.group == group]
        fig.add_bar(x=x, y=frame[names].sum(axis=1), name=GROUP_SHORT.get(group, group), marker_color=colour,
                    legend="legend4", row=4, col=1, hovertemplate="$%{y:,.0f}<extra>" + line_label(group) + "</extra>")
    monthly = the_plan.budget_total_usd / 12
    layout[_chain_y(fig, 4)] = {"title": {"text": "USD a month"}, "tickprefix": "$", "separatethousands": True}
    return [hline(monthly, {"color": LINE_COLOURS["target"], "dash": "dash", "width": 2},
                  f"plan {fmt(monthly, 'USD')} a month", font={"color": LINE_COLOURS["target"], "size": 11},
                  axes=subplot_axes(fig, 4))]


def _chain_kpi(fig: go.Figure, frame: pd.DataFrame, x: pd.Series, kpi: Kpi, row: int, layout: dict) -> list[Line]:
    met = frame[f"{kpi.key}_met"].astype(bool)
    fig.add_scatter(x=x, y=frame[kpi.key], name=kpi.label, mode="lines+markers", legend=f"legend{row}",
                    line={"color": "#2f6f8f", "width": 3},
                    marker={"color": [LINE_COLOURS["target"] if m else OVER_COLOUR for m in met], "size": 9},
                    customdata=[fmt(v, kpi.unit) for v in frame[kpi.key]], row=row, col=1,
                    hovertemplate="%{customdata}<extra>" + kpi.label + "</extra>")
    top = max(float(frame[kpi.key].max()), kpi.target, kpi.baseline) * 1.15
    layout[_chain_y(fig, row)] = {"title": {"text": AXIS_TITLES.get(kpi.unit, kpi.unit)}, "range": [0, top],
                                  "tickprefix": "$" if kpi.unit.startswith("USD") else "",
                                  "ticksuffix": " %" if "%" in kpi.unit else ""}
    return [line for kind, level in (("target", kpi.target), ("baseline", kpi.baseline))
            for line in plan_line(level, f"{kind} {OP_SIGNS[kpi.op] if kind == 'target' else ''} "
                                         f"{fmt(level, kpi.unit, short=True, trim=True)}".replace("  ", " "),
                                  kind, font_size=11, axes=subplot_axes(fig, row))]


MONTH_ROWS = (  # (column of evaluate's frame, label, unit) in the order of the chain
    ("active_users", "Active users", "users"), ("tickets", "Tickets a month", "tickets"),
    ("revenue_usd", "Revenue", "USD"), ("cpu_pct", "Peak CPU if the fleet stayed as today", "%"),
    ("instances", "Instances needed", "instances"), ("storage_gb", "Storage needed (GB)", "GB"),
    ("support_fte_needed", "Support FTE needed (Erlang C)", "FTE"), ("support_fte", "Support FTE paid", "FTE"),
    ("maintenance_fte", "Maintenance FTE paid", "FTE"))


def scenario_month_table(frame: pd.DataFrame) -> pd.DataFrame:
    """The chain month by month as finance reads it: one row per quantity (demand, capacity, staffing,
    each cost line, total, plan, KPIs), one column per month, raw numbers and a unit column."""
    the_plan = plan()
    rows = [(c, label, unit) for c, label, unit in MONTH_ROWS]
    rows += [(b.name, f"Cost: {line_label(b.name)}", "USD") for b in the_plan.budget_lines]
    rows += [("total_usd", "Cost: total", "USD"), ("plan_budget_usd", "Plan budget a month", "USD"),
             ("support_cost_per_user_usd", the_plan.kpi("support_cost_per_user_usd").label, "USD/user/month"),
             ("infra_cost_pct_revenue", the_plan.kpi("infra_cost_pct_revenue").label, "% of revenue")]
    out = pd.DataFrame({"quantity": [r[1] for r in rows], "unit": [r[2] for r in rows]})
    for i, month in enumerate(frame["month"]):
        out[month_text(month)] = [float(frame[c].iloc[i]) for c, _, _ in rows]
    return out


def formatted(table: pd.DataFrame, unit_column: str = "unit",
              text_columns: Sequence[str] = ("quantity",)) -> pd.DataFrame:
    """A table of numbers with a unit per row, as text through fmt (for display only). Money and
    percentages keep their sign; counts (users, FTE, GB ...) are bare, their unit is in the row's name."""
    out = table.copy()
    for c in out.columns:
        if c not in (unit_column, *text_columns):
            out[c] = [fmt(v, u if u.startswith("USD") or "%" in u else "", short=True).strip()
                      for v, u in zip(out[c], out[unit_column])]
    return out.drop(columns=[unit_column]).rename(columns={"quantity": ""})


def line_vs_plan(frame: pd.DataFrame, months: int) -> pd.DataFrame:
    """Cost per budget line over the horizon against the plan's budget for as many months:
    line, group, plan_usd, scenario_usd, difference_usd."""
    the_plan = plan()
    lines = scenario_model.annual(frame, the_plan)["lines_usd"]
    out = pd.DataFrame([{"line": line_label(b.name), "group": line_label(b.group),
                         "plan_usd": b.annual_usd * months / 12, "scenario_usd": lines[b.name]}
                        for b in the_plan.budget_lines])
    out["difference_usd"] = out["scenario_usd"] - out["plan_usd"]
    total = pd.DataFrame([{"line": "Total", "group": "", **out[["plan_usd", "scenario_usd", "difference_usd"]].sum()}])
    return pd.concat([out, total], ignore_index=True)


LINE_VS_PLAN_COLUMNS = {
    "line": st.column_config.TextColumn("Budget line"), "group": st.column_config.TextColumn("Group"),
    "plan_usd": st.column_config.NumberColumn("Plan for the horizon", format="dollar",
                                              help="The line's annual budget x months / 12."),
    "scenario_usd": st.column_config.NumberColumn("Scenario", format="dollar"),
    "difference_usd": st.column_config.NumberColumn("Scenario - plan", format="dollar")}


# ----------------------------------------------------------------------------- saved scenarios

def scenario_author() -> str:
    """Who saves: the signed-in user's name, or with sign-in off the operating-system user the app runs as."""
    actor = current_actor()
    return actor.name if actor else "nobody"


def saved_scenarios() -> pd.DataFrame:
    """The saved scenarios (not cached: saves and deletes must show at once; the table is small)."""
    return scenarios_store.list_saved(connection())


def _flash(kind: str, text: str) -> None:
    st.session_state[SC_FLASH] = (kind, text)


def show_flash() -> None:
    """The message left by the last save, load or delete, shown once."""
    kind, text = st.session_state.pop(SC_FLASH, (None, None))
    if kind:
        getattr(st, kind)(text)


def on_save(drivers: scenario_model.Drivers, months: int) -> None:
    """Save button: the drivers on screen under the typed name (one transaction in the warehouse)."""
    state = st.session_state
    name, note = state.get("sc_save_name", ""), state.get("sc_save_note", "")
    overwrite = state.get("sc_save_replace", False)
    try:
        scenarios_store.save(connection(), name, drivers, months, current_actor(), note, replace=overwrite)
    except (scenarios_store.StoreError, scenario_model.ScenarioError, _ac.PermissionDenied) as exc:
        _flash("error", f"Not saved: {exc}.")
        return
    clean = scenarios_store.clean_name(name)
    state[SC_LOADED] = clean
    state[SC_OPENED] = asdict(drivers)
    state["sc_pick"] = clean
    _flash("success", f"Saved '{clean}' by {scenario_author()}.")


def on_load(base_drivers: scenario_model.Drivers) -> None:
    """Open button: fill the inputs with the chosen saved scenario's drivers and horizon."""
    name = st.session_state.get("sc_pick")
    try:
        saved = scenarios_store.load(connection(), name, base_drivers)
    except scenarios_store.StoreError as exc:
        _flash("error", str(exc))
        return
    fill_driver_inputs(asdict(saved.drivers), saved.name)
    st.session_state[SC_MONTHS] = saved.months if saved.months in HORIZONS else 12
    extra = f" Note: {'; '.join(saved.notes)}." if saved.notes else ""
    _flash("success", f"Opened '{saved.name}' (saved by {saved.author} on {saved.saved_at:%d %b %Y %H:%M} UTC).{extra}")


def on_delete() -> None:
    name = st.session_state.get("sc_pick")
    try:
        gone = scenarios_store.delete(connection(), name, current_actor())
    except _ac.PermissionDenied as exc:
        _flash("error", f"Not deleted: {exc}.")
        return
    if gone:
        if st.session_state.get(SC_LOADED) == name:
            st.session_state[SC_LOADED] = None
        _flash("success", f"Deleted '{name}'.")
    else:
        _flash("warning", f"'{name}' was already deleted.")


def on_reset(base_drivers: scenario_model.Drivers) -> None:
    fill_driver_inputs(asdict(base_drivers))
    st.session_state[SC_MONTHS] = 12


HORIZONS = (6, 12, 18, 24, 36)


def save_panel(drivers: scenario_model.Drivers, base_drivers: scenario_model.Drivers, months: int) -> None:
    """Save the scenario on screen under a name; open or delete a saved one."""
    show_flash()
    with st.container(border=True):
        st.markdown("**Save this scenario**")
        st.text_input("Name", key="sc_save_name", max_chars=scenarios_store.MAX_NAME,
                      placeholder="e.g. Fast growth, 2 FTE more")
        st.text_input("Note (optional)", key="sc_save_note", max_chars=scenarios_store.MAX_NOTE)
        st.checkbox("Replace a saved scenario of the same name", key="sc_save_replace")
        st.button("Save to the warehouse", icon=":material/save:", key="sc_save", on_click=on_save,
                  args=(drivers, months),
                  help=f"Saved with your name ({scenario_author()}) and the time, for everyone using this warehouse.")
    saved = saved_scenarios()
    with st.container(border=True):
        st.markdown(f"**Saved scenarios** ({len(saved)})")
        if saved.empty:
            st.caption("None yet.")
            return
        labels = {r.name: f"{r.name} · {r.author} · {pd.Timestamp(r.saved_at):%d %b %Y}" for r in saved.itertuples()}
        if st.session_state.get("sc_pick") not in labels:
            st.session_state["sc_pick"] = next(iter(labels))
        st.selectbox("Saved scenario", list(labels), key="sc_pick", format_func=labels.get)
        with st.container(horizontal=True):
            st.button("Open", icon=":material/folder_open:", key="sc_open", on_click=on_load, args=(base_drivers,))
            with st.popover("Delete", icon=":material/delete:"):
                st.caption(f"Delete '{st.session_state['sc_pick']}' for everyone using this warehouse?")
                st.button("Yes, delete", key="sc_delete", type="primary", on_click=on_delete)


# ----------------------------------------------------------------------------- compare

CURRENT = "Current (on screen)"


def scenarios_to_compare(picked: Sequence[str], current: scenario_model.Drivers,
                         base_drivers: scenario_model.Drivers) -> dict[str, scenario_model.Drivers]:
    """The drivers of each picked scenario: the one on screen, or a saved one from the warehouse."""
    out = {}
    for name in picked:
        out[name] = current if name == CURRENT else scenarios_store.load(connection(), name, base_drivers).drivers
    return out


def compare_scenarios(named: Mapping[str, scenario_model.Drivers], base: scenario_model.Base,
                      months: int) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Side by side over the same horizon and base. Returns (table, monthly): table has metric, unit, the
    plan's number and one column per scenario; monthly is long: scenario, month, total_usd,
    support_cost_per_user_usd, infra_cost_pct_revenue, plus one column per budget line."""
    the_plan = plan()
    frames = {name: evaluate_scenario(d, base, months) for name, d in named.items()}
    sums = {name: scenario_summary(f, months) for name, f in frames.items()}
    rows = [(f"{line_label(b.name)}", "USD", b.annual_usd * months / 12, lambda s, n=b.name: s["lines_usd"][n])
            for b in the_plan.budget_lines]
    rows += [("Total", "USD", the_plan.budget_total_usd * months / 12, lambda s: s["total_usd"])]
    for key in ("support_cost_per_user_usd", "infra_cost_pct_revenue"):
        kpi = the_plan.kpi(key)
        rows += [(f"{kpi.label} (target {OP_SIGNS[kpi.op]} {kpi.target:g})", kpi.unit, kpi.target,
                  lambda s, k=key: s[k]),
                 (f"{kpi.label}: when", "text", "", lambda s, k=key: target_words(s, k))]
    rows += [("Peak instances", "instances", math.nan, lambda s: s["instances"]),
             ("Support FTE paid (mean)", "FTE",
              next((b.fte for b in the_plan.budget_lines if b.name == "support_team"), math.nan),
              lambda s: s["support_fte"]),
             ("Support FTE needed (peak month)", "FTE", math.nan, lambda s: s["fte_needed_high"])]
    table = pd.DataFrame({"metric": [r[0] for r in rows], "unit": [r[1] for r in rows],
                          "Plan": [r[2] for r in rows], **{n: [r[3](s) for r in rows] for n, s in sums.items()}})
    monthly = pd.concat([f.assign(scenario=n) for n, f in frames.items()], ignore_index=True)
    keep = ["scenario", "month", "total_usd", "support_cost_per_user_usd", "infra_cost_pct_revenue",
            *[b.name for b in the_plan.budget_lines]]
    return table, monthly[keep]


def compare_display(table: pd.DataFrame) -> pd.DataFrame:
    """The comparison as text, each number through fmt; 'text' rows as they are."""
    out = table.copy()
    for c in out.columns[2:]:
        out[c] = ["" if (isinstance(v, float) and math.isnan(v)) or v == "" else v if u == "text" else fmt(v, u)
                  for v, u in zip(out[c], out["unit"])]
    return out.drop(columns="unit").rename(columns={"metric": ""})


def compare_lines_chart(table: pd.DataFrame) -> go.Figure:
    """Cost per budget line per scenario (grouped bars) with the plan's budget as a tick."""
    lines = table[(table["unit"] == "USD") & (table["metric"] != "Total")].iloc[::-1]  # the total would dwarf the lines
    fig = go.Figure()
    for i, name in enumerate(table.columns[3:]):
        fig.add_bar(y=lines["metric"], x=lines[name], orientation="h", name=name,
                    marker_color=SCENARIO_COLOURS[i % len(SCENARIO_COLOURS)],
                    hovertemplate="%{y}: $%{x:,.0f}<extra>" + name + "</extra>")
    fig.add_scatter(y=lines["metric"], x=lines["Plan"], mode="markers", name="Plan budget",
                    marker={"symbol": "line-ns", "size": 24, "line": {"width": 3, "color": "#111"}},
                    hovertemplate="%{y}: plan $%{x:,.0f}<extra></extra>")
    fig.update_layout(barmode="group", height=560, title={"text": "Cost per budget line over the horizon"},
                      margin={"l": 10, "r": 10, "t": 50, "b": 10}, legend={"orientation": "h", "y": -0.1})
    fig.update_xaxes(title_text="USD over the horizon", tickprefix="$", separatethousands=True)
    return fig


def compare_kpi_chart(monthly: pd.DataFrame, key: str) -> go.Figure:
    """A cost KPI month by month for each scenario, with the plan's target and baseline."""
    kpi = plan().kpi(key)
    fig = go.Figure()
    for i, (name, part) in enumerate(monthly.groupby("scenario", sort=False)):
        fig.add_scatter(x=pd.to_datetime(part["month"]), y=part[key], name=name, mode="lines+markers",
                        line={"color": SCENARIO_COLOURS[i % len(SCENARIO_COLOURS)], "width": 2.5},
                        customdata=[fmt(v, kpi.unit) for v in part[key]],
                        hovertemplate="%{x|%b %Y}: %{customdata}<extra>" + name + "</extra>")
    add_lines(fig, [line for kind, level in (("target", kpi.target), ("baseline", kpi.baseline))
                    for line in plan_line(level, f"{kind} {fmt(level, kpi.unit, short=True, trim=True)}", kind)])
    fig.update_layout(title={"text": f"{kpi.label} per month"}, height=330, margin={"l": 10, "r": 10, "t": 50, "b": 10},
                      legend={"orientation": "h", "y": -0.2})
    fig.update_yaxes(title_text=AXIS_TITLES.get(kpi.unit, kpi.unit), rangemode="tozero")
    fig.update_xaxes(tickformat="%b %Y")
    return fig


# ----------------------------------------------------------------------------- sensitivity, Monte Carlo, goal seek

@st.cache_data(hash_funcs=PLAN_KEY, max_entries=64, show_spinner="Moving each driver down and up ...")
def _tornado(drivers: scenario_model.Drivers, base: scenario_model.Base, the_plan: Plan, months: int,
             pct: float) -> pd.DataFrame:
    outcome = whatif.scenario_outcome(base, the_plan, months)
    return whatif.tornado(outcome, drivers, pct, limits=scenario_model.LIMITS)


def load_tornado(drivers: scenario_model.Drivers, base: scenario_model.Base, months: int, pct: float) -> pd.DataFrame:
    """models.whatif.tornado on the scenario (total cost and support cost per user), cached."""
    return _tornado(drivers, base, plan(), months, pct)


def tornado_chart(table: pd.DataFrame, metric: str, unit: str, title: str, pct: float,
                  reference: tuple[float, str] | None = None, top: int = 12) -> go.Figure:
    """The drivers that move `metric` most: a bar from the scenario's value to the value with the
    driver down `pct` % (blue) and up `pct` % (orange)."""
    rows = table[(table["metric"] == metric) & (table["swing"] > 1e-9)].head(top).iloc[::-1]
    labels = [DRIVER_INFO[n].long_label for n in rows["driver"]]
    base = float(table.loc[table["metric"] == metric, "base"].iloc[0])
    fig = go.Figure()
    for side, colour, name in (("low", "#2f6f8f", f"driver -{pct:g} %"), ("high", "#e07b39", f"driver +{pct:g} %")):
        texts = [f"{driver_value_text(d, v)}: {fmt(o, unit)}" for d, v, o in
                 zip(rows["driver"], rows[f"{side}_value"], rows[side])]
        fig.add_bar(y=labels, x=rows[side] - base, base=base, orientation="h", name=name, marker_color=colour,
                    hovertext=texts, hoverinfo="text")
    lines = [vline(base, {"color": "#111", "width": 1}, f"scenario {fmt(base, unit, short=True)}")]
    if reference:
        lines.append(vline(reference[0], {"color": LINE_COLOURS["target"], "dash": "dash", "width": 2}, reference[1],
                           "bottom", font={"color": LINE_COLOURS["target"]}))
    add_lines(fig, lines)
    fig.update_layout(barmode="overlay", title={"text": title}, height=120 + 30 * max(len(rows), 6),
                      margin={"l": 10, "r": 10, "t": 60, "b": 10}, legend={"orientation": "h", "y": -0.12})
    fig.update_xaxes(title_text=AXIS_TITLES.get(unit, "USD over the horizon"), tickprefix="$", separatethousands=True)
    return fig


def tornado_caption(table: pd.DataFrame) -> str:
    """Which drivers move nothing, and which moves the model refused."""
    still = table.groupby("driver")["swing"].max()
    none = [DRIVER_INFO[n].long_label for n in still[still <= 1e-9].index]
    refused = table[table["note"] != ""].drop_duplicates("driver")
    parts = [f"No effect on either number (a driver at 0 does not move by a percentage; handling times and "
             f"service levels count only when hiring to demand): {', '.join(none)}." if none else ""]
    parts += [f"{DRIVER_INFO[r.driver].label} not moved: {r.note}." for r in refused.itertuples()]
    return " ".join(p for p in parts if p) or "Every driver moves at least one of the two numbers."


MC_BATCH = 250  # runs per cached batch and progress step: about 0.1-0.2 s (a run takes 0.4-0.6 ms)
MC_DEFAULT_SPREAD = {"user_growth_pct_per_quarter": 40, "tickets_per_user_month": 25, "aht_email_min": 25,
                     "aht_live_chat_min": 25, "support_cost_per_fte_usd": 10, "cloud_usd_per_instance_month": 20,
                     "data_growth_pct_per_month": 40}


def mc_ranges_frame(drivers: scenario_model.Drivers) -> pd.DataFrame:
    """Every numeric driver as a row to vary: a few that matter most ticked, with a default spread."""
    rows = []
    for name in whatif.numeric_drivers(drivers):
        value = float(getattr(drivers, name))
        spread = MC_DEFAULT_SPREAD.get(name, 20)
        limits = scenario_model.LIMITS.get(name, (0.0, math.inf))
        rows.append({"driver": name, "Vary": name in MC_DEFAULT_SPREAD, "Driver": DRIVER_INFO[name].long_label,
                     "Group": DRIVER_INFO[name].group, "Scenario value": value,
                     "Low": whatif.moved(value, -spread, limits), "High": whatif.moved(value, spread, limits)})
    return pd.DataFrame(rows)


def mc_ranges(edited: pd.DataFrame) -> tuple[tuple[str, float, float], ...]:
    """The ticked rows of the ranges editor as a hashable tuple (driver, low, high)."""
    ticked = edited[edited["Vary"].astype(bool)]
    return tuple((r.driver, float(r.Low), float(r.High)) for r in ticked.itertuples())


@st.cache_data(hash_funcs=PLAN_KEY, max_entries=400, show_spinner=False)
def _mc_batch(drivers: scenario_model.Drivers, base: scenario_model.Base, the_plan: Plan, months: int,
              ranges: tuple[tuple[str, float, float], ...], runs: int, seed: int, start: int,
              stop: int) -> pd.DataFrame:
    # Every batch draws all runs from the seed and keeps its slice: the same runs however they are batched.
    draws = whatif.draw(drivers, {n: (lo, hi) for n, lo, hi in ranges}, runs, seed).iloc[start:stop]
    return whatif.simulate(whatif.scenario_outcome(base, the_plan, months), drivers, draws)


def run_monte_carlo(drivers: scenario_model.Drivers, base: scenario_model.Base, months: int,
                    ranges: tuple[tuple[str, float, float], ...], runs: int, seed: int) -> pd.DataFrame:
    """models.whatif's Monte Carlo on the scenario, in cached batches behind a progress bar.
    Returns one row per run: the drawn drivers, total_usd and support_cost_per_user_usd."""
    whatif.check_ranges(drivers, {n: (lo, hi) for n, lo, hi in ranges}, scenario_model.LIMITS)
    bar = st.progress(0.0, text=f"Simulating {runs:,} runs ...")
    parts = []
    try:
        for start in range(0, runs, MC_BATCH):
            stop = min(start + MC_BATCH, runs)
            parts.append(_mc_batch(drivers, base, plan(), months, ranges, runs, seed, start, stop))
            bar.progress(stop / runs, text=f"Simulated {stop:,} of {runs:,} runs")
    finally:
        bar.empty()  # also when a draw is refused: no bar left half full
    return pd.concat(parts)


def mc_histogram(results: pd.DataFrame, column: str, unit: str, title: str,
                 reference: tuple[float, str]) -> go.Figure:
    """The runs' distribution with P10 / P50 / P90 and the plan's number (budget or target) marked."""
    table = whatif.percentiles(results, [column]).iloc[0]
    fig = go.Figure(go.Histogram(x=results[column], nbinsx=40, marker_color="#6c9fb8", name="runs",
                                 hovertemplate="%{x}: %{y} runs<extra></extra>"))
    add_lines(fig, [*(vline(table[q], {"color": "#1f4e66", "dash": dash, "width": 2}, q.upper())
                      for q, dash in (("p10", "dot"), ("p50", "solid"), ("p90", "dot"))),
                    vline(reference[0], {"color": LINE_COLOURS["target"], "dash": "dash", "width": 2}, reference[1],
                          "bottom right", font={"color": LINE_COLOURS["target"]})])
    fig.update_layout(title={"text": title}, height=330, margin={"l": 10, "r": 10, "t": 60, "b": 10}, showlegend=False,
                      bargap=0.05)
    fig.update_xaxes(title_text=AXIS_TITLES.get(unit, "USD over the horizon"), tickprefix="$", separatethousands=True)
    fig.update_yaxes(title_text="runs")
    return fig


MC_REQUEST = "sc_mc_request"
MC_COLUMNS = {
    "Vary": st.column_config.CheckboxColumn("Vary", help="Draw this driver at random in each run."),
    "Scenario value": st.column_config.NumberColumn(format="localized"),
    "Low": st.column_config.NumberColumn(format="localized", required=True),
    "High": st.column_config.NumberColumn(format="localized", required=True)}


def monte_carlo_section(drivers: scenario_model.Drivers, base: scenario_model.Base, months: int) -> None:
    """Ranges, runs and seed in a form; on Run, the simulation (cached, with progress) and its P10 / P50 / P90."""
    with st.form("sc_mc_form", border=False):
        st.caption("Each ticked driver is drawn in every run between its low and high (triangular, peaking at the "
                   "scenario's value); the others stay as on screen.")
        edited = st.data_editor(mc_ranges_frame(drivers), key="sc_mc_ranges", hide_index=True, height=300,
                                column_order=["Vary", "Group", "Driver", "Scenario value", "Low", "High"],
                                disabled=["Group", "Driver", "Scenario value"], column_config=MC_COLUMNS)
        runs_col, seed_col = st.columns(2)
        runs = runs_col.slider("Runs", 200, 2000, 500, step=100, key="sc_mc_runs",
                               help="More runs steady the percentiles; each run evaluates the whole horizon.")
        seed = seed_col.number_input("Seed", 0, 2**31 - 1, 42, step=1, key="sc_mc_seed",
                                     help="The same seed and ranges give the same runs (numpy default_rng).")
        if st.form_submit_button("Run the simulation", icon=":material/casino:", type="primary"):
            st.session_state[MC_REQUEST] = (drivers, months, mc_ranges(edited), int(runs), int(seed))
    request = st.session_state.get(MC_REQUEST)
    if request is None:
        st.info("Set the ranges and press **Run the simulation**.")
        return
    _monte_carlo_results(request, drivers, base, months)


def _monte_carlo_results(request: tuple, drivers: scenario_model.Drivers, base: scenario_model.Base,
                         months: int) -> None:
    ran_drivers, ran_months, ranges, runs, seed = request
    if not ranges:
        st.warning("Tick at least one driver to vary.")
        return
    if (ran_drivers, ran_months) != (drivers, months):
        st.warning("The drivers or the horizon changed since this run: it shows the scenario as it was. "
                   "Press **Run the simulation** again for the one on screen.")
    try:
        results = run_monte_carlo(ran_drivers, base, ran_months, ranges, runs, seed)
    except scenario_model.ScenarioError as exc:
        st.error(f"**The simulation cannot run:** {exc}.")
        return
    kpi = plan().kpi("support_cost_per_user_usd")
    budget = plan().budget_total_usd * ran_months / 12
    st.dataframe(mc_summary(results, budget, kpi), hide_index=True)
    left, right = st.columns(2)
    left.plotly_chart(mc_histogram(results, "total_usd", "USD", f"Total cost over {ran_months} months, {runs:,} runs",
                                   (budget, "plan budget")), key="sc_mc_total", config=NO_BAR)
    right.plotly_chart(mc_histogram(results, kpi.key, kpi.unit, "Support cost per user (horizon)",
                                    (kpi.target, "target")), key="sc_mc_cpu", config=NO_BAR)
    varied = ", ".join(f"{DRIVER_INFO[n].label} {driver_value_text(n, lo)} to {driver_value_text(n, hi)}"
                       for n, lo, hi in ranges)
    st.caption(f"{runs:,} runs, seed {seed} (numpy default_rng), triangular draws: {varied}.")
    download_both(results.reset_index(), f"opsplan-monte-carlo-seed{seed}", "Monte Carlo runs")


def mc_summary(results: pd.DataFrame, budget: float, kpi: Kpi) -> pd.DataFrame:
    """P10 / P50 / P90 of the two outcomes and the share of runs on the right side of the plan, as text."""
    table = whatif.percentiles(results, whatif.OUTCOMES).set_index("metric")
    chances = {"total_usd": (f"{whatif.chance(results, 'total_usd', '<=', budget):.0%} within the budget of "
                             f"{fmt(budget, 'USD')}"),
               kpi.key: (f"{whatif.chance(results, kpi.key, kpi.op, kpi.target):.0%} meet the target "
                         f"{OP_SIGNS[kpi.op]} {fmt(kpi.target, kpi.unit, short=True)}, "
                         f"{whatif.chance(results, kpi.key, kpi.op, kpi.target, staffed=True):.0%} while paying the "
                         "support FTE Erlang C needs")}
    names = {"total_usd": ("Total cost over the horizon", "USD"), kpi.key: (f"{kpi.label} (horizon)", kpi.unit)}
    return pd.DataFrame([{"": names[k][0], **{q.upper(): fmt(table.loc[k, q], names[k][1], short=True)
                                              for q in ("p10", "p50", "p90")}, "Runs": chances[k]}
                         for k in whatif.OUTCOMES])


@st.cache_data(hash_funcs=PLAN_KEY, max_entries=64, show_spinner="Seeking the break-even ...")
def _goal_seek(drivers: scenario_model.Drivers, base: scenario_model.Base, the_plan: Plan, months: int,
               month: date) -> dict:
    kpi = the_plan.kpi("support_cost_per_user_usd")
    frame = scenario_model.evaluate(drivers, base, the_plan, months)
    row = frame[frame["month"] == month].iloc[0]
    users = whatif.users_for_target(drivers, base, the_plan, month, kpi.target)
    fte = whatif.support_fte_for_target(drivers, base, the_plan, month, float(row["active_users"]), kpi.target)
    reached = None if users is None else scenario_model.first_month(
        frame.assign(hit=frame["active_users"] >= users), "hit")
    return {"month": month, "users": float(row["active_users"]),
            "cost_per_user": float(row["support_cost_per_user_usd"]),
            "fte_paid": float(row["support_fte"]), "fte_needed": float(row["support_fte_needed"]),
            "users_needed": users, "users_reached_in": reached, "fte_for_target": fte, "target": kpi.target}


def load_goal_seek(drivers: scenario_model.Drivers, base: scenario_model.Base, months: int, month: date) -> dict:
    """Goal seek on support cost per user in `month`: the active users that bring it to the target with
    the scenario's staffing, the paid headcount that does at the month's users, and that month's
    Erlang FTE; cached."""
    return _goal_seek(drivers, base, plan(), months, month)


def goal_seek_chart(drivers: scenario_model.Drivers, base: scenario_model.Base, seek: Mapping) -> go.Figure:
    """Support cost per user against active users in the month, the target, the month's users and the break-even."""
    the_plan = plan()
    kpi = the_plan.kpi("support_cost_per_user_usd")
    top = max(seek["users"], seek["users_needed"] or 0) * 2.5
    users = [top * k / 60 for k in range(1, 61)]
    curve = whatif.cost_per_user_curve(drivers, base, the_plan, seek["month"], users)
    fig = go.Figure(go.Scatter(x=curve["active_users"], y=curve["support_cost_per_user_usd"], mode="lines",
                               name="support cost per user", line={"color": "#2f6f8f", "width": 3},
                               hovertemplate="%{x:,.0f} users: $%{y:.2f}<extra></extra>"))
    lines = [hline(kpi.target, {"color": LINE_COLOURS["target"], "dash": "dash"},
                   f"target {OP_SIGNS[kpi.op]} {fmt(kpi.target, kpi.unit, short=True)}", "top right",
                   font={"color": LINE_COLOURS["target"]})]
    fig.add_scatter(x=[seek["users"]], y=[seek["cost_per_user"]], mode="markers+text", name="the scenario",
                    marker={"size": 12, "color": OVER_COLOUR}, text=[f"{month_text(seek['month'])}"],
                    textposition="top right")
    if seek["users_needed"]:
        lines.append(vline(seek["users_needed"], {"color": LINE_COLOURS["target"], "width": 1},
                           f"break-even {fmt(seek['users_needed'], 'users')}", "top right"))
    add_lines(fig, lines)
    fig.update_layout(title={"text": f"Support cost per user against active users, {month_text(seek['month'])}"},
                      height=360, margin={"l": 10, "r": 10, "t": 50, "b": 10}, showlegend=False)
    fig.update_xaxes(title_text="active users in the month", separatethousands=True)
    fig.update_yaxes(title_text="USD per user per month", tickprefix="$",
                     range=[0, max(kpi.target * 3, seek["cost_per_user"] * 1.3)])
    return fig


def goal_seek_text(seek: Mapping) -> None:
    """The goal seek's answers in sentences, with the month's Erlang FTE beside the headcount answer."""
    kpi = plan().kpi("support_cost_per_user_usd")
    target = f"{OP_SIGNS[kpi.op]} {fmt(kpi.target, kpi.unit, short=True)}"
    month = month_text(seek["month"])
    st.markdown(f"In **{month}** the scenario has **{fmt(seek['users'], 'users')}** and pays "
                f"**{fmt(seek['fte_paid'], 'FTE')}** of support: **{fmt(seek['cost_per_user'], kpi.unit)}**.")
    if seek["users_needed"] is None:
        st.markdown(f"- **Active users for {target}:** none; at this staffing no user count up to 100 million "
                    "gets there.")
    else:
        reached = (f"the scenario gets there in **{month_text(seek['users_reached_in'])}**" if seek["users_reached_in"]
                   else "the scenario does not get there within the horizon")
        st.markdown(f"- **Active users for {target}:** more than **{fmt(seek['users_needed'], 'users')}** "
                    f"with the month's support staffing; {reached}.")
    fte = seek["fte_for_target"]
    if fte is None:
        st.markdown(f"- **Paid support headcount for {target}:** none found up to 1,000 FTE.")
        return
    clash = fte < seek["fte_needed"]
    st.markdown(f"- **Paid support headcount for {target}** at {fmt(seek['users'], 'users')}: "
                f"below **{fmt(fte, 'FTE')}**. "
                f"Erlang C needs **{fmt(seek['fte_needed'], 'FTE')}** that month for the answer targets"
                + (": :red[the cost target and the service level cannot both be met at this size.]" if clash
                   else ": both can be met."))


def scenario_title_line(drivers: scenario_model.Drivers, base_drivers: scenario_model.Drivers,
                        base: scenario_model.Base, months: int) -> str:
    """'**Fast growth**, 12 months from Nov 2026 · 1 driver changed from the base: ...' (Markdown)."""
    changes = changed_drivers(drivers, base_drivers)
    name = st.session_state.get(SC_LOADED)
    if name and scenario_model.with_overrides(base_drivers, st.session_state[SC_OPENED]) != drivers:
        name += " (edited since opened, not saved)"
    what = (f"{len(changes)} driver{'s' if len(changes) > 1 else ''} changed from the base: {' · '.join(changes)}"
            if changes else "every driver as in the base")
    name = name or ("Unsaved scenario" if changes else "Base scenario")
    return f"**{name}**, {months} months from {base.start:%b %Y} · {what}"


# ---- drill-down loaders
# The Reliability, Support, Cost & improvement and Monitoring pages load through these. Cached
# loaders take plain values only (warehouse path, plan, Period, Filters, dates) and call
# analytics.drilldown, which applies the plan's KPI functions to slices; no formula lives here.
# The render helpers after them draw the grids, charts and tables those pages share.
import inspect as _dd_inspect  # imported here: this section is appended to ui.py

from analytics import coherence as _dd_coherence
from analytics import drilldown as _dd_drill
from analytics import reliability as _dd_reliability
from analytics.measure import in_days as _dd_in_days

SEVERITY_COLOURS = {"critical": "#b3261e", "high": "#e8710a", "medium": "#f2c94c", "low": "#8fa6b8"}
CHANNEL_COLOURS = {"live_chat": "#2f6f8f", "email": "#7b9e3e", "phone": "#c77c3b"}
BUDGET_COLOURS = {"actual": "#2f6f8f", "budget of the same months": "#c9d3da"}  # drilldown.budget_bars' series
LEVEL_COLOURS = {"critical": "#b3261e", "alert": "#e8710a", "warning": "#f2c94c", "info": "#8fa6b8"}
TIER_COLOURS = {"tier 1 only": "#9cc3d5", "reached tier 2": "#2f6f8f", "reached tier 3": "#16384a"}
# Light tints of STATUS_COLOURS so that dark cell text stays readable on a status grid.
STATUS_TINTS = {"met": "#bfe5cc", "improving": "#ffe0a8", "off track": "#f7b9b5", "no data": "#e6e9ec"}
CHART_CONFIG = {"displayModeBar": False}


def _dd_whole_months(period: Period) -> Period:
    """The calendar months a period touches, whole (the error budget is monthly)."""
    return Period(month_start(period.start), add_months(period.end - timedelta(days=1), 1))


@st.cache_resource(hash_funcs=PLAN_KEY, ttl=CACHE_TTL, max_entries=16, show_spinner=False)
def _dd_filtered_inputs(db_file: str, the_plan: Plan, span: Period, f: Filters) -> Inputs:
    """Shared, not copied: a page's scorecard, trend and views (reliability, error-budget burn)
    of one span and filter set read the same rows, and build its Timeline once. Inputs are
    frozen and nothing mutates their frames; forget_results() drops them with the results. (No
    other process can write the warehouse while the app holds it: DuckDB locks the file.)"""
    return _loaded_after_clears(partial(_dd_drill.load_inputs, _connection(db_file), the_plan, span, f.services,
                                        f.severities, f.channels))


@st.cache_data(**LOADER, show_spinner="Computing the KPIs for the filters ...")
def _dd_drill_scorecard(db_file: str, the_plan: Plan, period: Period, f: Filters) -> list[KpiResult]:
    return evaluate(_dd_filtered_inputs(db_file, the_plan, page_span(the_plan, period), f), the_plan, period)


@st.cache_data(**LOADER, show_spinner="Computing monthly trends ...")
def _dd_drill_trend(db_file: str, the_plan: Plan, end: date, months: int, f: Filters) -> pd.DataFrame:
    span = trend_span(end, months)
    return monthly_results(_dd_filtered_inputs(db_file, the_plan, span, f), the_plan, span.months())


def load_drill_scorecard(period: Period, f: Filters) -> list[KpiResult]:
    """Every KPI of the plan over `period` with the sidebar filters applied; with no filter these
    are the Overview's numbers (and its cache)."""
    return load_scorecard(period) if f == Filters() else _dd_drill_scorecard(db(), plan(), period, f)


def load_drill_trend(end: date, f: Filters) -> pd.DataFrame:
    """load_trend with the sidebar filters applied: kpi, month, value, n, status."""
    the_plan = plan()
    if f == Filters():
        return load_trend(end)
    return _dd_drill_trend(db(), the_plan, end, the_plan.settings.trend_months, f)


def pick(results: Sequence[KpiResult], *keys: str) -> list[KpiResult]:
    """The results of the named KPIs, in the order asked."""
    by_key = {r.kpi: r for r in results}
    return [by_key[k] for k in keys]


@dataclass(frozen=True)
class ReliabilityView:
    """Frames of the Reliability page; `spans` rows are the period's months, then the period."""

    by_span: pd.DataFrame      # drilldown.reliability_by_span
    by_service: pd.DataFrame   # drilldown.uptime_by_service
    by_severity: pd.DataFrame  # drilldown.incidents_by_severity (months only)
    sla: pd.DataFrame          # drilldown.severity_sla_by_span
    budget: pd.DataFrame       # drilldown.error_budget_by_month (months only)
    worst: pd.DataFrame        # reliability.worst_incidents of the period


@st.cache_data(**LOADER, show_spinner="Drilling into incidents ...")
def _dd_reliability_view(db_file: str, the_plan: Plan, period: Period, f: Filters, as_of: date) -> ReliabilityView:
    i = _dd_filtered_inputs(db_file, the_plan, page_span(the_plan, period), f)
    months = period.months()
    spans = [*months, period] if len(months) > 1 else months
    services = list(f.services) or list(_query(db_file, "services")["service_id"])
    start, end = (warehouse.local_midnight(d, the_plan.timezone) for d in (period.start, period.end))
    return ReliabilityView(
        _dd_drill.reliability_by_span(i.incidents, i.windows, the_plan, spans, i.outages),
        _dd_drill.uptime_by_service(i.incidents, i.windows, the_plan, spans, services, i.outages),
        _dd_drill.incidents_by_severity(i.outages.incidents, the_plan, months, f.severities),
        _dd_drill.severity_sla_by_span(i.outages.incidents, the_plan, spans, f.severities),
        _dd_drill.error_budget_by_month(i.incidents, i.windows, the_plan, months, as_of, i.outages),
        _dd_reliability.worst_incidents(i.incidents, start, end, limit=15, times=i.outages.incidents))


def load_reliability_view(period: Period, f: Filters) -> ReliabilityView:
    """Uptime by month and service, recovery times, SLA grid, error budget and worst incidents."""
    the_plan = plan()
    return _dd_reliability_view(db(), the_plan, period, f, plan_today(the_plan))


@st.cache_data(**LOADER, show_spinner="Tracing the error budget day by day ...")
def _dd_budget_burn(db_file: str, the_plan: Plan, month: Period, span: Period, f: Filters, as_of: date) -> pd.DataFrame:
    i = _dd_filtered_inputs(db_file, the_plan, span, f)
    return _dd_drill.budget_burn(i.incidents, i.windows, the_plan, month, as_of, i.outages)


def load_budget_burn(first_day: date, f: Filters, period: Period | None = None) -> pd.DataFrame:
    """Cumulative unplanned downtime per passed day of the month starting `first_day`, against
    its allowance. With the page's `period` (which holds that month), it reuses the inputs the
    page loaded for the period."""
    the_plan, month = plan(), Period.month(first_day)
    span = page_span(the_plan, period) if period else month
    if not span.holds(month):  # a period without that month
        span = month
    return _dd_budget_burn(db(), the_plan, month, span, f, plan_today(the_plan))


def load_incident(incident_id: str) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    """One incident's record (one row), its timeline against the plan, and the changes to its
    service in the 24 hours before it started."""
    record = query("incident_detail", incident_id=incident_id)
    if record.empty:
        return record, pd.DataFrame(), pd.DataFrame()
    timeline = _dd_drill.incident_timeline(record.iloc[0], plan())
    return record, timeline, query("changes_before_incident", incident_id=incident_id, lookback_hours=24)


@dataclass(frozen=True)
class SupportView:
    """Frames of the Support page, for the chosen channels."""

    csat: pd.DataFrame         # drilldown.csat_by_span: months, then the period
    channel_sla: pd.DataFrame  # drilldown.channel_sla_by_span: months, then the period
    times: pd.DataFrame        # drilldown.channel_times
    tiers: pd.DataFrame        # drilldown.tiers_by_month
    volume: pd.DataFrame       # drilldown.volume_by_month
    hours: pd.DataFrame        # drilldown.hour_of_week
    first_response: pd.DataFrame  # drilldown.high_priority_times: mean, median, p90 and unanswered per month


@st.cache_data(**LOADER, show_spinner="Drilling into tickets ...")
def _dd_support_view(db_file: str, the_plan: Plan, period: Period, channels: tuple[str, ...]) -> SupportView:
    con, tz = _connection(db_file), the_plan.timezone
    start, end = (warehouse.local_midnight(d, tz) for d in (period.start, period.end))
    months = period.months()
    spans = [*months, period] if len(months) > 1 else months
    read = partial(event_rollups.query, con, tz=tz, start=start, end=end)
    r = warehouse.side_by_side({  # independent reads, side by side (each on its own cursor)
        "survey": partial(read, "survey_daily_by_channel" if channels else "survey_daily"),
        "sla": partial(read, "channel_sla_daily", **_dd_drill.channel_sla_params(the_plan)),
        "times": partial(read, "ticket_times_monthly"),
        "channel_times": partial(read, "channel_times_monthly"),
        "hours": partial(read, "ticket_hour_of_week"),
        "first_response": partial(read, "high_priority_response_monthly",
                                  priorities=list(the_plan.settings.high_priority), channels=list(channels))})
    survey = _dd_drill.sum_channels(r["survey"], channels) if channels else r["survey"]
    return SupportView(
        _dd_drill.csat_by_span(survey, spans),
        _dd_drill.channel_sla_by_span(r["sla"], spans, channels),
        _dd_drill.channel_times(r["channel_times"], the_plan, channels),
        _dd_drill.tiers_by_month(r["times"], channels),
        _dd_drill.volume_by_month(r["times"], channels),
        _dd_drill.hour_of_week(r["hours"], period, channels),
        _dd_drill.high_priority_times(r["first_response"]))


def high_priority_response_caption(times: pd.DataFrame, the_plan: Plan) -> str:
    """What lies behind the high-priority response chart: tickets answered and not yet answered."""
    answered, unanswered = int(times["n_answered"].sum()), int(times["n_unanswered"].sum())
    left = f"{unanswered:,} not answered yet, left out of these times" if unanswered else "none left unanswered"
    return (f"{answered:,} high-priority tickets ({', '.join(the_plan.settings.high_priority)}) answered in the "
            f"period; {left}. A mean far above the median says a few slow answers, not slow answers in general, "
            f"keep the KPI from its target.")


def load_support_view(period: Period, f: Filters) -> SupportView:
    """CSAT with its interval, channel SLA grid, ticket times, tiers and volume shape."""
    return _dd_support_view(db(), plan(), period, f.channels)


@dataclass(frozen=True)
class CostView:
    by_line: pd.DataFrame  # drilldown.budget_by_line: month x line
    summary: pd.DataFrame  # drilldown.budget_summary: per line over the period
    monthly: pd.DataFrame  # cost_monthly.sql rows of the period: infra, support, revenue, active users


@st.cache_data(**LOADER, show_spinner="Adding up the budget lines ...")
def _dd_cost_view(db_file: str, the_plan: Plan, period: Period) -> CostView:
    con, s = _connection(db_file), the_plan.settings
    months = _dd_whole_months(period)
    lines = warehouse.query(con, "costs_by_line_monthly", start_month=months.start, end_month=months.end)
    by_line = _dd_drill.budget_by_line(lines, the_plan, period.months())
    monthly = warehouse.query(con, "cost_monthly", infra_lines=list(s.infrastructure_cost_categories),
                              support_lines=list(s.support_cost_categories))
    in_period = _dd_in_days(monthly, months.start, months.end, "month").reset_index(drop=True)
    return CostView(by_line, _dd_drill.budget_summary(by_line), in_period)


def load_cost_view(period: Period) -> CostView:
    """Budget lines against the plan per month and in total, and the monthly cost drivers."""
    return _dd_cost_view(db(), plan(), period)


@dataclass(frozen=True)
class MonitoringView:
    hours: pd.DataFrame   # drilldown.threshold_hours: service x month x metric
    alerts: pd.DataFrame  # drilldown.alerts_in_period


@st.cache_data(**LOADER, show_spinner="Counting hours beyond the thresholds ...")
def _dd_monitoring_view(db_file: str, the_plan: Plan, period: Period, services: tuple[str, ...]) -> MonitoringView:
    from analytics.monitoring import threshold_params

    con, tz = _connection(db_file), the_plan.timezone
    start, end = (warehouse.local_midnight(d, tz) for d in (period.start, period.end))
    hours = rollups.threshold_hours_monthly(con, start=start, end=end, tz=tz, **threshold_params(the_plan))
    first_day, end_day = _dd_drill.alert_days(the_plan, period)
    daily = warehouse.query(con, "business_daily", start_day=first_day, end_day=end_day)
    survey = event_rollups.query(con, "survey_daily", tz=tz, start=warehouse.local_midnight(first_day, tz),
                             end=warehouse.local_midnight(end_day, tz))
    alerts = _dd_drill.alerts_in_period(daily, survey, the_plan, period)
    return MonitoringView(_dd_drill.threshold_hours(hours, the_plan, services), alerts)


def load_monitoring_view(period: Period, f: Filters) -> MonitoringView:
    """Hours beyond each plan threshold per service and month, and the business alerts."""
    return _dd_monitoring_view(db(), plan(), period, f.services)


@st.cache_data(**LOADER, show_spinner=False)
def _dd_coherence_checks(db_file: str, the_plan: Plan, measured: tuple[tuple[str, float | None], ...], end: date,
                      part: str) -> pd.DataFrame:
    s = the_plan.settings
    monthly = warehouse.query(_connection(db_file), "cost_monthly", infra_lines=list(s.infrastructure_cost_categories),
                              support_lines=list(s.support_cost_categories))
    users = _dd_drill.latest_active_users(monthly, end)
    checks = {"all": lambda: _dd_coherence.coherence(the_plan, dict(measured), users),
              "reliability": lambda: _dd_coherence.reliability_checks(the_plan, dict(measured)),
              "cost": lambda: _dd_coherence.budget_checks(the_plan) + _dd_coherence.users_checks(the_plan, users)}[part]()
    return _dd_drill.checks_frame(checks)


def load_coherence(period: Period, results: Sequence[KpiResult], part: str = "all") -> pd.DataFrame:
    """Plan coherence checks (analytics.coherence) with the period's measured KPIs and the latest
    monthly active users: check, plan says, data says, gap, why. part: all, reliability or cost."""
    measured = tuple(sorted(_dd_drill.measured_kpis(results).items()))
    return _dd_coherence_checks(db(), plan(), measured, period.end, part)


# ----------------------------------------------------------------------------- drill-down rendering

def _dd_md_escape(text: str) -> str:
    """Text shown as Markdown verbatim: no emphasis from snake_case, no :colour[...] directives."""
    return "".join(f"\\{c}" if c in "\\`*_[]<>#|~$" else c for c in text)


def drill_header(title: str, period: Period, f: Filters, scope_note: str) -> None:
    """Title, then the period and the filters in force, then what the filters cover on this page."""
    st.title(title)
    st.markdown(f"**{period.label()}** · Filters: {_dd_md_escape(f.label())}")
    st.caption(scope_note)


def definitions_popover(*objects, label: str = "Definition", key: str | None = None) -> None:
    """The docstrings of the analytics functions behind a view, one click away."""
    with st.popover(label, type="tertiary", icon=":material/info:", key=key):
        for obj in objects:
            st.markdown(f"**{_dd_md_escape(obj.__name__)}**")
            st.markdown(_dd_md_escape(_dd_inspect.getdoc(obj) or "No definition recorded."))


def show_chart(fig: go.Figure, key: str) -> None:
    st.plotly_chart(fig, key=key, config=CHART_CONFIG)


HIDDEN_COLUMNS = ("is_month",)  # bookkeeping of the drill-down frames, not for readers


def local_times(frame: pd.DataFrame) -> pd.DataFrame:
    """A frame as people read it: aware timestamps in the plan's time zone (the CSV keeps the
    +07:00 offset), month and day columns as dates, bookkeeping columns dropped."""
    out, tz = frame.drop(columns=[c for c in HIDDEN_COLUMNS if c in frame.columns]), plan().timezone
    for col in out.columns:
        values = out[col]
        if isinstance(values.dtype, pd.DatetimeTZDtype):
            out[col] = values.dt.tz_convert(tz)
        elif pd.api.types.is_datetime64_dtype(values) and (values.dropna() == values.dropna().dt.normalize()).all():
            out[col] = values.dt.date  # a SQL date comes back as midnight; show it as the date it is
    return out


def _dd_column_labels(frame: pd.DataFrame, given: dict | None) -> dict:
    """Readable headers ('down minutes') and two decimals for measured numbers, unless given."""
    config = {}
    for col in frame.columns:
        label = str(col).replace("_", " ")
        config[col] = (st.column_config.NumberColumn(label, format="%.2f") if pd.api.types.is_float_dtype(frame[col])
                       else st.column_config.Column(label))
    return {**config, **(given or {})}


def data_table(frame: pd.DataFrame, file_name: str, *, key: str | None = None, column_config: dict | None = None,
               **kwargs):
    """A table with its CSV download (spreadsheet-safe; numbers stay numbers). Extra keyword
    arguments go to st.dataframe (e.g. on_select); its return value is passed back."""
    shown = local_times(frame)
    event = st.dataframe(shown, hide_index=True, key=key, column_config=_dd_column_labels(shown, column_config), **kwargs)
    download_csv(shown, file_name)
    return event


def _dd_figure(traces: Sequence[go.Scatter | go.Bar | go.Heatmap], title: str, height: int, *, top: int = 50,
               lines: Sequence[Line] = (), **layout: object) -> go.Figure:
    """A drill-down chart built in one go (every update_* call on a built figure re-lays it out, 3-8 ms
    each, and a page draws dozens): `layout` as go.Layout takes it, the title on the left, the legend
    on its own line above the plot (never over the title), and `lines` drawn."""
    if len(traces) > 1:
        top += 25
    return go.Figure(data=list(traces), layout={
        **layout, "title": {"text": title, "y": 1.0, "yanchor": "top", "yref": "container", "pad": {"t": 12}},
        "height": height, "margin": {"l": 10, "r": 10, "t": top, "b": 10},
        "legend": {"orientation": "h", "yanchor": "bottom", "y": 1.0, "xanchor": "right", "x": 1.0},
        "hoverlabel": {"namelength": -1}, **lines_layout(lines)})


def lines_chart(frame: pd.DataFrame, x: str, series: Mapping[str, str], *, title: str, y_title: str,
                target: float | None = None, target_label: str = "", baseline: float | None = None,
                baseline_label: str = "", band: tuple[str, str] | None = None, unit: str = "",
                colours: Sequence[str] = (), height: int = 300) -> go.Figure:
    """One line per column of `series` (column -> legend name) against `x`, with the plan's target
    and baseline drawn; `band` (low, high columns) adds error bars to the first series; `colours`
    in series order (else plotly's)."""
    traces = []
    for n, (col, name) in enumerate(series.items()):
        error = None
        if band and n == 0:
            lo, hi = frame[band[0]].astype(float), frame[band[1]].astype(float)
            value = frame[col].astype(float)
            error = {"type": "data", "symmetric": False, "array": (hi - value).tolist(),
                     "arrayminus": (value - lo).tolist(), "thickness": 1.2, "width": 4}
        line = {"color": colours[n]} if n < len(colours) else None
        traces.append(go.Scatter(x=frame[x], y=frame[col], name=name, mode="lines+markers", error_y=error, line=line,
                                 customdata=[fmt(v, unit) for v in frame[col]],
                                 hovertemplate=f"{name}: %{{customdata}}<extra></extra>"))
    return _dd_figure(traces, title, height,
                      lines=[*plan_line(target, target_label, "target", bgcolor=LABEL_BACKGROUND),
                             *plan_line(baseline, baseline_label, "baseline", bgcolor=LABEL_BACKGROUND)],
                      yaxis={"title": {"text": y_title}, "rangemode": "tozero" if target is None else "normal"})


def bars_chart(frame: pd.DataFrame, x: str, y: str, *, title: str, y_title: str, colour: str | None = None,
               colours: Mapping[str, str] | None = None, names: Mapping[str, str] | None = None,
               barmode: str = "stack", horizontal: bool = False,
               label_format: str | None = None, text: str | None = None, target: float | None = None,
               target_label: str = "", height: int = 320) -> go.Figure:
    """Bars of `y` per `x`, one trace per value of `colour` (stacked or grouped); a target line
    when the plan sets one. Each bar is labelled with `label_format` (e.g. "%{y:.0f} min") or the
    strings of column `text`."""
    groups = [(None, frame)] if colour is None else list(frame.groupby(colour, sort=False))
    traces = []
    for name, rows in groups:
        xs, ys = (rows[y], rows[x]) if horizontal else (rows[x], rows[y])
        traces.append(go.Bar(x=xs, y=ys, name=(names or {}).get(name, str(name or y_title)),
                             orientation="h" if horizontal else "v", marker_color=(colours or {}).get(name),
                             textposition="auto", textangle=0,
                             text=None if text is None else rows[text],
                             texttemplate=label_format or ("%{text}" if text else None)))
    axes = ({"xaxis": {"title": {"text": y_title}}, "yaxis": {"autorange": "reversed"}} if horizontal
            else {"yaxis": {"title": {"text": y_title}}})
    return _dd_figure(traces, title, height,
                      lines=plan_line(target, target_label, "target", bgcolor=LABEL_BACKGROUND),
                      barmode=barmode, showlegend=colour is not None, **axes)


STATUS_CODES = {"no data": 0, "off track": 1, "improving": 2, "met": 3}


def grid_chart(frame: pd.DataFrame, x: str, y: str, *, text: str, title: str, x_title: str, y_title: str,
               z: str | None = None, status: str | None = None, z_title: str = "", zmin: float | None = None,
               zmax: float | None = None, colorscale: str = "RdYlGn", y_labels: Mapping[str, str] | None = None,
               show_text: bool = True, robust: bool = False, height: int | None = None) -> go.Figure:
    """A heatmap of rows `y` by columns `x` (orders as they first appear), each cell showing `text`.

    Cells are coloured by the plan's status rule (`status`: met, improving, off track) or on a
    continuous scale (`z`, e.g. compliance in percent); a missing value is grey. `robust` tops the
    scale at the 90th percentile of the non-zero values, so one huge cell does not wash out the rest."""
    xs, ys = list(dict.fromkeys(frame[x])), list(dict.fromkeys(frame[y]))
    cells = list(zip(frame[y], frame[x]))  # looked up in dicts: .loc per cell cost 0.1 ms, a grid has hundreds
    z_of, text_of = dict(zip(cells, frame[status or z])), dict(zip(cells, frame[text]))
    codes = {"z": lambda v: v, "status": lambda v: STATUS_CODES.get(v, 0)}["status" if status else "z"]
    zs = [[_dd_cell(z_of.get((r, c)), codes) for c in xs] for r in ys]
    texts = [[_dd_cell(text_of.get((r, c)), str, "") for c in xs] for r in ys]
    labels = [(y_labels or {}).get(r, str(r)) for r in ys]
    if robust and z:
        positive = frame.loc[frame[z] > 0, z]
        zmax = float(positive.quantile(0.9)) if len(positive) else zmax
    if status:
        steps = list(STATUS_TINTS.values())[::-1]  # no data, off track, improving, met
        scale = [[k / 4 + e, steps[k]] for k in range(4) for e in (0, 0.25)]
        heat = go.Heatmap(z=zs, x=xs, y=labels, text=texts, texttemplate="%{text}" if show_text else "", zmin=-0.5, zmax=3.5,
                          colorscale=[[min(p, 1.0), c] for p, c in scale], showscale=False, xgap=2, ygap=2,
                          hovertemplate="%{y}<br>%{x}: %{text}<extra></extra>")
    else:
        heat = go.Heatmap(z=zs, x=xs, y=labels, text=texts, texttemplate="%{text}" if show_text else "", zmin=zmin, zmax=zmax,
                          colorscale=colorscale, xgap=2, ygap=2, colorbar={"title": {"text": z_title}},
                          hovertemplate="%{y}<br>%{x}: %{text}<extra></extra>")
    return _dd_figure([heat], title, height or 100 + 38 * len(ys), top=90 if x_title else 70,
                      xaxis={"title": {"text": x_title}, "side": "top", "type": "category"},
                      yaxis={"title": {"text": y_title}, "autorange": "reversed", "type": "category"})


def _dd_cell(value: object, convert, missing=None):
    """A grid cell's value converted; `missing` for no row (None) or no value (NaN)."""
    return missing if value is None or (isinstance(value, float) and math.isnan(value)) else convert(value)


def month_rows(frame: pd.DataFrame) -> pd.DataFrame:
    """The rows of single months (a drill-down frame may end with the whole period's row)."""
    return frame[frame["is_month"]].reset_index(drop=True)


def total_row(frame: pd.DataFrame) -> pd.Series:
    """The whole period's row: the total when there is one, else the only month."""
    return frame.iloc[-1]


def pct_cells(frame: pd.DataFrame, pct: str, n: str, unit: str = "%") -> list[str]:
    """Grid cell text: the share and the count it rests on, e.g. '93.3 %<br>n = 15'."""
    return [f"{fmt(v, unit)}<br>n = {int(k):,}" if k else "none" for v, k in zip(frame[pct], frame[n])]


def status_legend() -> None:
    """What the status colours of a grid mean (the plan's own rule)."""
    st.caption("Cell colours follow the plan's status rule: :green-badge[met] on the right side of the target · "
               ":orange-badge[improving] between baseline and target · :red-badge[off track] at or beyond the "
               "baseline · :gray-badge[no data]. Within the KPI's tolerance (plan.toml) of a line is at it: at "
               "target is met, at baseline off track.")


def incident_chart(timeline: pd.DataFrame, title: str) -> go.Figure:
    """An incident's steps on a local time axis, with the plan's deadlines as hollow diamonds."""
    tz = plan().timezone
    done = timeline[timeline["at"].notna()]
    due = timeline[timeline["due_at"].notna()]
    return _dd_figure([
        go.Scatter(x=pd.to_datetime(done["at"], utc=True).dt.tz_convert(tz), y=done["step"], mode="markers+text",
                   text=done["outcome"], textposition="middle right", name="happened",
                   marker={"size": 12, "color": LINE_COLOURS["value"]}),
        go.Scatter(x=pd.to_datetime(due["due_at"], utc=True).dt.tz_convert(tz), y=due["step"], mode="markers",
                   name="plan deadline", marker={"size": 12, "symbol": "diamond-open", "color": "#b3261e"},
                   text=due["target"], hovertemplate="deadline %{x}: %{text}<extra></extra>")], title, 300,
        yaxis={"categoryorder": "array", "categoryarray": list(timeline["step"])[::-1], "title": {"text": ""}},
        xaxis={"title": {"text": f"local time ({tz})"}})


def remaining_words(month: pd.Series) -> tuple[str, str]:
    """The third error-budget card: what is left, or by how much the month overspent."""
    left = month["remaining_minutes"]
    return ("Remaining", fmt(left, "min")) if left >= 0 else ("Overspent by", fmt(-left, "min"))


def exhaustion_words(month: pd.Series) -> tuple[str, str]:
    """The last error-budget card: the day it ran out, or how long it lasts at the burn so far."""
    if pd.notna(month["exhausted_on"]):
        return "Exhausted on", f"{pd.Timestamp(month['exhausted_on']):%d %b %Y}"
    if not month["is_open"]:
        return "Exhausted on", "not exhausted"
    days = month["days_to_exhaustion"]
    return "Days to exhaustion", "no burn yet" if pd.isna(days) else f"{days:,.1f} days at the current burn"


def incident_details(incident_id: str) -> None:
    """One incident: its record, its timeline against the plan's targets, and recent changes."""
    record, timeline, changes = load_incident(incident_id)
    if record.empty:
        st.warning(f"Incident {incident_id} is no longer in the warehouse.")
        return
    r = local_times(record).iloc[0]
    with st.container(border=True):
        st.markdown(f"#### {_dd_md_escape(r['incident_id'])} · {_dd_md_escape(r['service_name'])} · "
                    f"{_dd_md_escape(r['severity'])} · {_dd_md_escape(r['impact'])}")
        st.markdown(_dd_md_escape("No summary recorded." if pd.isna(r["summary"]) else str(r["summary"])))
        show_chart(incident_chart(timeline, f"Timeline of {incident_id} against the {r['severity']} targets"),
                   "incident_timeline")
        data_table(timeline, f"opsplan-incident-{incident_id}-timeline.csv", column_config={
            "minutes_after_detection": st.column_config.NumberColumn("minutes after detection", format="%.0f")})
        left, right = st.columns(2)
        with left:
            st.markdown("**Full record**")
            fields = pd.DataFrame({"field": r.index, "value": [str(v) for v in r.to_numpy()]})
            st.dataframe(fields, hide_index=True, height=36 * (len(fields) + 1))
            download_csv(local_times(record), f"opsplan-incident-{incident_id}.csv", label="Download record")
        with right:
            _dd_changes_before(changes, incident_id)


def _dd_changes_before(changes: pd.DataFrame, incident_id: str) -> None:
    st.markdown("**Changes to this service in the 24 hours before it started**")
    if changes.empty:
        st.caption("None: no change was deployed to this service in the 24 hours before the incident started.")
    else:
        data_table(changes, f"opsplan-incident-{incident_id}-changes.csv")


def coherence_table(period: Period, results: Sequence[KpiResult], part: str = "all") -> None:
    """The plan-coherence checks as plan says / data says / gap / why, with a CSV download."""
    frame = load_coherence(period, results, part)
    st.caption("What the plan's own numbers imply, beside what the data of the period says. A gap here is not a "
               "data error: it shows where the plan's targets, baselines or budget do not fit together.")
    st.table(frame.set_index("check"))
    download_csv(frame, f"opsplan-coherence-{part}-{period.start}-{period.end}.csv")


def variance_cells(by_line: pd.DataFrame) -> list[str]:
    """Budget grid cell text: the month's spend and how far it is over or under plan / 12."""
    out = []
    for actual, pct in zip(by_line["actual_usd"], by_line["variance_pct"]):
        if pd.isna(actual):
            out.append("no data")
        else:
            side = "over" if pct > 0 else "under"
            out.append(f"{fmt(actual, 'USD')}<br>{fmt(abs(pct), '%')} {side}")
    return out


def events_chart(frame: pd.DataFrame, x: str, y: str, *, colour: str, colours: Mapping[str, str], title: str,
                 x_title: str, value: str, threshold: str, height: int = 320) -> go.Figure:
    """One marker per event (e.g. an alert on a day), rows by `y`, coloured by `colour`; the hover
    gives the value and the threshold it broke."""
    traces = [go.Scatter(x=rows[x], y=rows[y], mode="markers", name=str(name),
                         customdata=rows[[value, threshold]].to_numpy(),
                         marker={"size": 11, "color": colours.get(name), "symbol": "square"},
                         hovertemplate="%{x|%d %b %Y}: %{y}<br>value %{customdata[0]:,.1f} "
                                       "(threshold %{customdata[1]})<extra></extra>")
              for name, rows in frame.groupby(colour, sort=False)]
    return _dd_figure(traces, title, height, xaxis={"title": {"text": x_title}},
                      yaxis={"type": "category", "title": {"text": ""}})


def suppression_text(alerting: Mapping, suppressed_hours: int) -> str:
    """The plan's alert suppression rules in words, with the hours they took out of the counts."""
    during = ("alerts during scheduled maintenance windows are suppressed" if alerting["suppress_during_maintenance"]
              else "alerts during maintenance windows are not suppressed")
    return (f"**Alert suppression applies**, as the plan sets it: repeats of an alert within "
            f"{alerting['duplicate_suppression_minutes']:g} minutes are suppressed, and {during}. Samples here are "
            f"hourly, so they cannot repeat within {alerting['duplicate_suppression_minutes']:g} minutes; "
            f"{suppressed_hours:,} service-hours beyond a threshold fell inside a maintenance window and are "
            "counted as suppressed, not as hours beyond.")


# ---- data page loaders (issue #5 item 5): upload, preview, the one import path, import log, coverage
# The Data page reads widgets into an ImportOptions, shows preview_file()'s checks, and writes only
# through import_file(), on the app's one connection. SQL stays in data/sql/ and data/catalog.py.
import hashlib as _dp_hashlib  # noqa: E402
import re as _dp_re  # noqa: E402
from zoneinfo import available_timezones as _dp_zones  # noqa: E402

from data import access as _dp_access  # noqa: E402
from data import catalog as _dp_catalog  # noqa: E402
from data import importer as _dp_importer  # noqa: E402
from data import readers as _dp_readers  # noqa: E402
from data.validate import ImportOptions  # noqa: E402
from data.validate import importable_tables as _dp_tables  # noqa: E402

DATA_TYPES = ("csv", "parquet", "xlsx")
DATA_UPLOAD_MB = ImportOptions.max_bytes // 2**20  # the importer's limit; .streamlit/config.toml's maxUploadSize too
DATA_RESULT = "data_result"            # the last confirmed import's ImportResult, shown once
DATA_UPLOADER = "data_uploader_round"  # bumped after an import, so the uploader starts empty again
DATA_MODES = {
    "append": "Add the file's new rows. A row whose key is already stored is skipped when identical and "
              "rejected when it differs.",
    "upsert": "Add new rows, and update stored rows that have the same key to the file's values.",
    "replace": "Make the table exactly the file: add, update, and delete the stored rows the file does not "
               "have. A file without data rows never empties a table.",
}
DATE_FORMATS = {  # strptime format -> what a cell looks like; "" is ISO 8601, the importer's default
    "": "ISO 8601: 2026-01-31 14:30",
    "%d/%m/%Y %H:%M": "day first: 31/01/2026 14:30",
    "%d/%m/%Y": "day first: 31/01/2026",
    "%m/%d/%Y %H:%M": "month first: 01/31/2026 14:30",
    "%m/%d/%Y": "month first: 01/31/2026",
    "%d.%m.%Y %H:%M": "31.01.2026 14:30",
    "%d-%b-%Y %H:%M": "31-Jan-2026 14:30",
}
ENCODINGS = {"": "UTF-8 (default)", "cp874": "Thai Windows (cp874 / TIS-620)", "cp1252": "Western Windows (cp1252)"}
DELIMITERS = {"": "detect", ",": "comma ,", ";": "semicolon ;", "\t": "tab", "|": "bar |"}
THOUSANDS = {"": "none", ",": "comma 1,234.50", ".": "dot 1.234,50", " ": "space 1 234,50"}
PCT_SCALES = {"": "as written (85 = 85 %)", "percent": "all percent", "fraction": "fractions (0.85 = 85 %)"}
# The importer's fixes name its CLI flags; on the page they are the choices above the preview.
_DP_FLAG_WORDS = (
    (r",? or map (it|them) with --column( SOURCE=COLUMN)?", ""),
    (r"--mode upsert", "mode 'upsert'"),
    (r"--sheet", "choose a Sheet,"),
    (r"--date-format", "'Date format'"),
    (r"--encoding", "'Text encoding' (More reading options)"),
    (r"--delimiter", "'Delimiter' (More reading options)"),
    (r"--thousands", "'Thousands separator' (More reading options)"),
    (r"--decimal", "'Decimal separator' (More reading options)"),
    (r"--pct-scale", "'Percent values' (More reading options)"),
    (r"--buddhist-era", "'Buddhist Era years' (More reading options)"),
    (r"--dst shift", "'Local times in a DST gap: shift' (More reading options)"),
    (r"--confirm-naive", "'Accept times without offset' (More reading options)"),
    (r"--score-scale 10", "'Survey scores 1-10' (More reading options)"),
    (r"--allow-empty", "'Allow a header-only file' (More reading options)"),
    (r"--add-services", "'Add these services' (below the preview)"),
    (r"--assume COLUMN=VALUE", "the assumption choices above the preview"),
    (r"raise --max-problems to list them all", "fix these first; the rest are listed after the next upload"),
    (r"raise --max-rows", "import it in parts"),
)


def page_words(text: str | None) -> str:
    """An importer fix as the Data page words it: each CLI flag becomes the page choice it stands for."""
    out = text or ""
    for pattern, words in _DP_FLAG_WORDS:
        out = _dp_re.sub(pattern, words, out)
    return out


def importer_actor() -> _dp_access.Actor:
    """Who imports: the signed-in actor once sign-in (issue #7) gives ui a `current_actor()`, else the
    one local user with every right (sign-in off)."""
    current = globals().get("current_actor")
    return current() if callable(current) else _dp_access.LOCAL_USER


def can_import() -> bool:
    """Whether the user on screen may import (the importer checks again itself)."""
    return _dp_access.can(importer_actor(), _dp_access.IMPORT)


def date_format_error(fmt: str | None) -> str | None:
    """Why a typed date format cannot be used (pandas refuses unknown % codes), None when it can."""
    if not fmt:
        return None
    try:
        pd.to_datetime(pd.Series(["2026-01-31"]), format=fmt, errors="coerce")
    except ValueError as err:
        return (f"**{fmt!r} is not a date format:** {err}. Use strptime codes such as %d (day), %m (month), "
                "%Y (year), %H:%M (time), or choose one from the list.")
    return None


from data import sources as _dp_sources  # noqa: E402

SOURCE_DETECT, SOURCE_NONE = "", _dp_sources.NO_PROFILE
DATA_ASSUME = "data_assume"            # widget keys data_assume.<profile>.<column>: the chosen assumptions
DATA_ADD_SERVICES = "data_add_services"


def source_choices() -> list[str]:
    """The Source tool picker's options: detect, none, then every profile in data/sources/."""
    return [SOURCE_DETECT, SOURCE_NONE, *_dp_sources.names()]


def source_label(name: str) -> str:
    """'Detect from the headers', 'None: ...', or 'pagerduty: PagerDuty incidents -> incidents'."""
    if name == SOURCE_DETECT:
        return "Detect from the headers"
    if name == SOURCE_NONE:
        return "None: the headers are the table's column names"
    try:
        return _dp_sources.describe(_dp_sources.find(name))
    except _dp_sources.ProfileError:
        return f"{name} (cannot be read)"


def assume_key(profile: str, column: str) -> str:
    return f"{DATA_ASSUME}.{profile}.{column}"


def chosen_assumptions(profile: str | None) -> tuple[tuple[str, str], ...]:
    """The assumptions the user changed on the page for this profile (widget state), as (column, value)."""
    if not profile:
        return ()
    prefix = f"{DATA_ASSUME}.{profile}."
    return tuple(sorted((k[len(prefix):], v) for k, v in st.session_state.items()
                        if isinstance(k, str) and k.startswith(prefix) and v))


def profile_docs(name: str) -> list[tuple[str, str]]:
    """(url, title) of the pages a profile's column names come from."""
    try:
        return list(_dp_sources.find(name).docs)
    except _dp_sources.ProfileError:
        return []


def data_tables() -> list[str]:
    """The tables an import may write (those the KPIs read), sorted."""
    return list(_dp_tables(connection()))


def table_label(table: str) -> str:
    """'tickets: one row per support ticket', for the table picker."""
    grain = _dp_catalog.table_grains().get(table, "")
    return f"{table}: {grain[0].lower() + grain[1:]}" if grain else table


def data_zones(the_plan: Plan) -> list[str]:
    """Time zones to read naive timestamps in: the plan's first, then UTC, then every IANA zone."""
    first = [the_plan.timezone, "UTC"]
    return first + sorted(z for z in _dp_zones() if z not in first)


def upload_sheets(data: bytes) -> tuple[str, ...]:
    """The sheet names of an .xlsx upload; () for any other file (or an unreadable workbook)."""
    return _dp_readers.sheet_names(data) if data[:4] == b"PK\x03\x04" else ()


@st.cache_data(hash_funcs=PLAN_KEY, max_entries=4, show_spinner="Reading and checking the file ... nothing is written yet")
def _dp_preview(db_file: str, sha: str, name: str, table: str, opts: ImportOptions, actor: _dp_access.Actor,
                _data: bytes) -> tuple[_dp_importer.Preview, _dp_importer.ImportResult]:
    # Keyed by the content hash, not the bytes (underscore: not hashed). The dry run counts what
    # would be inserted, updated and skipped, and finds the append conflicts the preview cannot.
    con = _connection(db_file)
    return (_dp_importer.preview(_data, name, table, opts, con=con),
            _dp_importer.run_import(con, _data, name, table, opts, user=scenario_author(), dry_run=True,
                                    actor=actor))


def preview_file(data: bytes, name: str, table: str,
                 opts: ImportOptions) -> tuple[_dp_importer.Preview, _dp_importer.ImportResult]:
    """The file as the import would read it (first rows, header mapping) and a dry run of the import
    (every problem, the counts); nothing is written. Cached by content hash and options."""
    return _dp_preview(db(), _dp_hashlib.sha256(data).hexdigest(), name, table, opts, importer_actor(), data)


def import_file(data: bytes, name: str, table: str, opts: ImportOptions) -> _dp_importer.ImportResult:
    """The app's one way to write an import: all or nothing on the process's one connection, logged
    under the user's name; every cached result is dropped so each page reads the new rows."""
    result = _dp_importer.run_import(connection(), data, name, table, opts, user=scenario_author(),
                                     actor=importer_actor())
    forget_results()  # after a rejection too: the import log gained a row
    return result


def on_import(data: bytes, name: str, table: str, opts: ImportOptions) -> None:
    """Import button: write, keep the result to show once, and empty the uploader after a success."""
    try:
        with st.spinner(f"Importing {name} into {table} ... all rows or none", show_time=True):  # issue #6
            result = import_file(data, name, table, opts)
    except _dp_access.PermissionDenied as exc:  # the role changed since the page was drawn
        result = _dp_importer.ImportResult("rejected", table, _dp_readers.display_name(name), "", opts.mode,
                                           issues=(_dp_importer.Problem("error", str(exc), file=name),))
    st.session_state[DATA_RESULT] = result
    if result.ok:
        st.session_state[DATA_UPLOADER] = st.session_state.get(DATA_UPLOADER, 0) + 1


def problems_table(issues: Sequence) -> pd.DataFrame:
    """Problems as the page lists them: level, where (file:line:column), value, rule, fix."""
    return pd.DataFrame({"level": [p.level for p in issues], "where": [p.location() for p in issues],
                         "value": [p.value for p in issues], "rule": [p.rule for p in issues],
                         "fix": [page_words(p.fix) for p in issues]}, columns=PROBLEM_COLUMNS)


PROBLEM_COLUMNS = ["level", "where", "value", "rule", "fix"]
PROBLEM_CONFIG = {"level": st.column_config.TextColumn("Level", width=70),
                  "where": st.column_config.TextColumn("Where (file:line:column)", width=190),
                  "value": st.column_config.TextColumn("Value", width=110),
                  "rule": st.column_config.TextColumn("Rule broken", width=340),
                  "fix": st.column_config.TextColumn("How to fix", width=400)}


def problem_counts(issues: Sequence) -> dict[str, int]:
    """How many errors, warnings and notes."""
    return {level: sum(p.level == level for p in issues) for level in ("error", "warning", "info")}


KIND_WORDS = {"text": "text", "int": "whole number", "float": "number", "decimal": "amount", "bool": "true/false",
              "date": "date", "timestamp": "date and time"}


def _dp_kinds(table: str) -> dict[str, str]:
    """Column -> its type in words ('date and time' for TIMESTAMPTZ)."""
    return {c.name: KIND_WORDS.get(c.kind, c.data_type) for c in _dp_catalog.table_spec(connection(), table).columns}


def mapping_table(shown: _dp_importer.Preview) -> pd.DataFrame:
    """Header mapping: source header -> warehouse column, its type, and how it was matched."""
    spec = _dp_kinds(shown.table)
    frame = shown.mapping.rename(columns={"source_column": "source header", "column": "warehouse column"})
    frame.insert(2, "type", frame["warehouse column"].map(spec))
    frame["how"] = frame["how"].map({"exact": "same name", "alias": "known alias",
                                     "ignored": "not a column of the table: ignored",
                                     "assumed": "assumed: not in the export (choose above)"}).fillna(frame["how"])
    return frame


def preview_rows(shown: _dp_importer.Preview) -> tuple[pd.DataFrame, dict]:
    """The first rows as they would be stored (mapped columns only; times in the plan's zone), with
    each header naming the column's warehouse type."""
    mapped = [c for c in shown.mapping["column"].dropna() if c in shown.rows.columns]
    rows = local_times(shown.rows[["_line", *mapped]])
    types = _dp_kinds(shown.table)
    config = {"_line": st.column_config.NumberColumn("line", format="%d", width="small")}
    config.update({c: st.column_config.Column(f"{c} · {types.get(c, '?')}") for c in mapped})
    return rows, config


def preview_counts(dry: _dp_importer.ImportResult) -> list[tuple[str, str, str]]:
    """(label, value, help) tiles for what the import would do (with errors: how many rows have them)."""
    if dry.outcome != "dry_run":
        return [("Rows read", f"{dry.rows_read:,}", "Data rows in the file (or sheet), header excluded."),
                ("Rows with errors", f"{dry.rows_rejected:,}", "Download them below, with what is wrong in each."),
                ("Rows without errors", f"{max(dry.rows_read - dry.rows_rejected, 0):,}",
                 "Nothing is imported until every row is right: an import is all or nothing.")]
    tiles = [("Rows read", f"{dry.rows_read:,}", "Data rows in the file (or sheet), header excluded."),
             ("Would insert", f"{dry.inserted:,}", "Rows whose key is not in the table yet."),
             ("Would update", f"{dry.updated:,}", ("Stored rows with the same key and other values (upsert, "
                                                    "replace). In append mode these are errors.")),
             ("Would skip", f"{dry.skipped_identical + dry.skipped_older:,}",
              "Rows already stored exactly so: importing them again changes nothing.")]
    if dry.mode == "replace":
        tiles.append(("Would delete", f"{dry.deleted:,}", "Stored rows the file does not have (replace mode)."))
    return tiles


def import_verdict(dry: _dp_importer.ImportResult) -> tuple[str, str]:
    """(kind, text): what the preview means and what to do next."""
    n = problem_counts(dry.issues)
    if dry.outcome == "failed":
        return "error", ("**The file could not be checked** (an internal error, logged on the server). Nothing "
                         "was written. Report it with the file.")
    if n["error"]:
        rows = f" in {dry.rows_rejected:,} row(s)" if dry.rows_rejected else ""
        first = [p for p in dry.issues if p.level == "error"][:3]
        listed = "".join(f"\n- {md_text(p.location())}" + (f" {md_text(p.value)}" if p.value is not None else "")
                         + f": {md_text(p.rule)}" for p in first)
        more = f"\n\n... and {n['error'] - len(first):,} more in the table below." if n["error"] > len(first) else ""
        return "error", (f"**{n['error']:,} error(s){rows}: nothing can be imported yet.** Fix them in the "
                         "source file or change a reading choice above, then upload again; an import is all or "
                         f"nothing.{listed}{more}")
    changes = dry.inserted + dry.updated + dry.deleted
    if not changes:
        return "info", "**Every row is already in the warehouse as it is:** importing changes nothing."
    warn = f" Read the {n['warning']} warning(s) below first." if n["warning"] else ""
    return "success", f"**No errors: ready to import.** Check the first rows and the counts, then import.{warn}"


def import_ready(dry: _dp_importer.ImportResult) -> bool:
    """Whether the Import button is on: no errors, and something would change."""
    return dry.outcome == "dry_run" and bool(dry.inserted + dry.updated + dry.deleted)


def import_button_label(dry: _dp_importer.ImportResult) -> str:
    if dry.outcome != "dry_run":
        return "Import (fix the errors first)"
    parts = [f"{n:,} {what}" for n, what in ((dry.inserted, "new"), (dry.updated, "updated"),
                                            (dry.deleted, "deleted")) if n]
    return f"Import into {dry.table}: {', '.join(parts) or 'nothing changes'}"


def import_result_text(result: _dp_importer.ImportResult) -> tuple[str, str]:
    """(kind, text) for a confirmed import's outcome."""
    if result.ok:
        parts = [f"{result.inserted:,} inserted", f"{result.updated:,} updated",
                 f"{result.skipped_identical + result.skipped_older:,} skipped as already stored"]
        parts += [f"{result.deleted:,} deleted"] if result.deleted else []
        notes = "".join(f"\n- {md_text(n)}" for n in result.notes)
        return "success", (f"**Imported {md_text(result.file_name)} into {result.table}** ({result.mode}): "
                           f"{', '.join(parts)}. Every page now reads the new data.{notes}")
    retry = " Another import wrote the same rows at the same time: import again." if result.outcome == "retry" else ""
    return "error", (f"**{md_text(result.file_name)} was not imported** ({len(result.errors)} error(s)); the warehouse "
                     f"is unchanged.{retry}")


def rejected_download(result: _dp_importer.ImportResult, key: str) -> None:
    """The rows with errors as CSV (escaped against formula injection), with their problems."""
    if len(result.rejected):
        st.download_button(f"Rows with errors ({len(result.rejected):,}, CSV)", _dp_importer.quarantine_csv(result),
                           file_name=f"rejected-{Path(result.file_name).stem}.csv", mime="text/csv",
                           icon=":material/download:", key=key, on_click="ignore",
                           help="Each row as read, with its line and what is wrong. Fix and upload again.")


@st.cache_data(**LOADER, show_spinner=False)
def _dp_import_log(db_file: str, limit: int) -> pd.DataFrame:
    return warehouse.query(_connection(db_file), "import_log", limit=limit)


def load_import_log(limit: int = 200) -> pd.DataFrame:
    """The latest import attempts, newest first (cached; an import clears it)."""
    return _dp_import_log(db(), limit)


def import_log_display(log: pd.DataFrame) -> pd.DataFrame:
    """The log as read on the page: local time, short hash, counts."""
    out = local_times(log.drop(columns=["import_id"]))
    out["content_sha256"] = out["content_sha256"].str[:12]
    return out


IMPORT_LOG_CONFIG = {
    "imported_at": st.column_config.DatetimeColumn("When", format="YYYY-MM-DD HH:mm"),
    "file_name": "File", "table_name": "Table", "mode": "Mode", "user_name": "User", "outcome": "Outcome",
    "rows_read": "Read", "rows_inserted": "Inserted", "rows_updated": "Updated", "rows_skipped": "Skipped",
    "rows_deleted": "Deleted", "rows_rejected": "Rejected rows",
    "content_sha256": st.column_config.TextColumn("Content hash", help="SHA-256 of the file (first 12 characters)"),
}


def import_log_line(log: pd.DataFrame) -> str:
    """'3 import attempts; the latest: new.csv into tickets, imported, 27 Nov 2026 11:04 (ana)'."""
    last = log.iloc[0]
    when = pd.Timestamp(last["imported_at"]).tz_convert(plan().timezone)
    return (f"**{len(log):,} import attempt{'s' if len(log) != 1 else ''}**; the latest: **{last['file_name']}** "
            f"into {last['table_name']}, {last['outcome']}, {when:%d %b %Y %H:%M} ({last['user_name']})")


def load_import_problems(import_id: str) -> pd.DataFrame:
    """The problems one logged attempt reported (not cached: small, and read on a click)."""
    frame = warehouse.query(connection(), "import_problems", import_id=import_id)
    return frame.drop(columns=["problem_no"]).rename(columns={"column_name": "column"})


@st.cache_data(**LOADER, show_spinner="Counting rows per table ...")
def _dp_coverage(db_file: str, tz: str) -> pd.DataFrame:
    return _dp_importer.coverage(_connection(db_file), tz)


@st.cache_data(**LOADER, show_spinner="Counting rows per month ...")
def _dp_monthly(db_file: str, tz: str, since: date) -> pd.DataFrame:
    return _dp_catalog.monthly_rows(_connection(db_file), tz, since)


def load_coverage() -> pd.DataFrame:
    """Per table: what it holds, what reads it, rows, first and last local date, and month gaps."""
    cov = _dp_coverage(db(), plan().timezone)
    gaps = [("catalogue: gaps are normal" if t in _dp_catalog.CATALOGUE_TABLES else
             ("none" if not m else f"{len(m)}: {', '.join(m[:4])}{' ...' if len(m) > 4 else ''}"))
            if n else "no rows" for t, n, m in zip(cov["table"], cov["rows"], cov["empty_months"])]
    return pd.DataFrame({"table": cov["table"], "rows": cov["rows"], "first_date": cov["first_date"],
                         "last_date": cov["last_date"], "months_without_rows": gaps,
                         "used_for": cov["table"].map(_dp_catalog.TABLE_USES),
                         "holds": [table_label(t).partition(": ")[2] for t in cov["table"]]})


COVERAGE_CONFIG = {"table": st.column_config.TextColumn("Table", width=150),
                   "holds": st.column_config.TextColumn("Holds", width=300),
                   "used_for": st.column_config.TextColumn("Used for", width=300),
                   "rows": st.column_config.NumberColumn("Rows", format="localized"),
                   "first_date": st.column_config.DateColumn("First date"),
                   "last_date": st.column_config.DateColumn("Last date"),
                   "months_without_rows": st.column_config.TextColumn("Months without rows", width=180)}


def load_monthly_rows(last: date, months: int = 24) -> pd.DataFrame:
    """Rows per dated table per local month, for the `months` months up to `last`'s month."""
    return _dp_monthly(db(), plan().timezone, add_months(month_start(last), -(months - 1)))


def coverage_heatmap(monthly: pd.DataFrame, last: date, months: int = 24) -> go.Figure:
    """Month-by-table grid of row counts; a month without rows is red, so a KPI's 'no data' is explained."""
    cols = [add_months(month_start(last), -k) for k in range(months - 1, -1, -1)]
    tables = [t for t in data_tables() if t not in _dp_catalog.CATALOGUE_TABLES and t in set(monthly["table"])]
    grid = monthly.assign(month=pd.to_datetime(monthly["month"]).dt.date) \
        .pivot_table(index="table", columns="month", values="rows", aggfunc="sum") \
        .reindex(index=tables[::-1], columns=cols).fillna(0)
    counts, x, y = grid.to_numpy(), [f"{m:%b}<br>{m:%Y}" for m in cols], list(grid.index)
    filled = [[math.log10(v) if v > 0 else None for v in row] for row in counts]
    empty = [[0 if v == 0 else None for v in row] for row in counts]
    text = [[_dp_short(v) for v in row] for row in counts]
    common = {"x": x, "y": y, "text": text, "texttemplate": "%{text}", "customdata": counts, "xgap": 2, "ygap": 2,
              "showscale": False, "hovertemplate": "%{y}, %{x}: %{customdata:,.0f} rows<extra></extra>"}
    fig = go.Figure([go.Heatmap(z=empty, colorscale=[[0, "#f7b9b5"], [1, "#f7b9b5"]], **common),
                     go.Heatmap(z=filled, colorscale=[[0, "#dbe8ef"], [1, "#2f6f8f"]], **common)])
    fig.update_layout(height=80 + 28 * len(tables), margin={"l": 10, "r": 10, "t": 50, "b": 10}, font={"size": 11},
                      xaxis={"side": "top", "tickangle": 0, "showgrid": False},
                      yaxis={"showgrid": False}, plot_bgcolor="rgba(0,0,0,0)")
    return fig


def _dp_short(v: float) -> str:
    return "0" if v == 0 else (f"{v / 1000:.0f}k" if v >= 10_000 else (f"{v / 1000:.1f}k" if v >= 1000 else f"{v:.0f}"))


def table_uses(table: str) -> str:
    """Which KPIs and pages read the table, in a few words."""
    return _dp_catalog.TABLE_USES.get(table, "")



# ---- capacity and growth loaders
# Loaders, control seeds, tables and charts of pages/capacity.py and pages/growth.py. Statistical fits are
# cached by plain values (warehouse, service, resource, horizon, data-through date); a scenario's growth is
# applied to the cached fits uncached (it is cheap), so a slider moves without refitting. Formulas live in
# models/capacity.py and models/forecast.py, SQL in data/sql/ (capacity_daily, growth_monthly).
from dataclasses import replace as _cap_replace  # noqa: E402

from core.plan import Capacity as _CapPlan  # noqa: E402
from models import capacity as _cap_model  # noqa: E402


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


def _cap_forecast_model():
    """models.forecast, imported on first use: it brings statsmodels and scipy.stats, 1.5 of a new
    server's 3 s of imports before any page (and the page names) can show, and only Capacity and
    Growth fit forecasts."""
    from models import forecast
    return forecast


@cache  # once per server process
def warm_forecasting() -> None:
    """Import models.forecast on a background thread, once the first page has run (app.py): the
    first Capacity or Growth visit then fits at once instead of first importing statsmodels and
    scipy.stats (1.2-2 s, which alone took a new server's first Capacity page past 2 s). Then
    freeze what the process holds by then (see _settle)."""
    threading.Thread(target=_settle, name="opsplan-import-forecasting", daemon=True).start()


def _settle() -> None:
    """The forecasting stack imported, every object alive (modules, the first page's caches) is
    moved out of the cyclic garbage collector's reach (gc.freeze). Its full collections walked them
    all again: 150-230 ms, falling on a random user's rerun every few pages. Objects made later are
    collected as before; the frozen ones live as long as the process, as modules do anyway."""
    _cap_forecast_model()
    gc.freeze()


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
CAP_KEY = "cap_"  # + Capacity field: the slider's widget key
PAGES_DIR = Path(__file__).resolve().parent / "pages"  # for st.switch_page, wherever the server was started
CAP_WORKING = "cap_working"  # the sliders' values as the user left them (widget state is dropped off-page)
CAP_SENT = "cap_sent"  # growth sent from the Scenarios page, applied to the sliders on Capacity's next run
CAP_RANGE = "cap_range"  # each slider's (low, high), widened for values sent from Scenarios
THRESHOLD_STYLE = {"monitor": ("#e8a33d", "dot"), "scale up": ("#d64541", "dash"), "full": ("#16384a", "solid"),
                   "scale down": ("#8a8f98", "dot")}
FORECAST_COLOURS = {"history": "#2f6f8f", "statistical": "#8a8f98", "scenario": "#e07b39", "plan": "#8c6bb1"}


def cap_seed_sliders(cap: _CapPlan, *, trend_only: bool = False) -> None:
    """Set the scenario sliders to the plan's values (or all to zero: the statistical trend alone)."""
    for name in CAP_SLIDERS:
        st.session_state[CAP_KEY + name] = 0.0 if trend_only else float(getattr(cap, name))


def cap_scenario(cap: _CapPlan) -> _CapPlan:
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
        low, high = _cap_range(name, cap)
        values[name] = st.slider(label, low, high, step=step, key=CAP_KEY + name, format="%.1f %%",
                                 help=f"{help_text} The plan: {getattr(cap, name):g} %.")
    state[CAP_WORKING] = values
    return _cap_replace(cap, **values)


def _cap_range(name: str, cap: _CapPlan) -> tuple[float, float]:
    """A slider's bounds: 0 to its usual top (or the plan's value), widened to take a value sent
    from Scenarios (a shrinking scenario goes below 0) and kept so for the session. Never derived
    from the live value: a slider whose bounds change is reset, and would jump to its minimum."""
    ranges = st.session_state.setdefault(CAP_RANGE, {})
    low, high = ranges.get(name, (0.0, max(CAP_SLIDERS[name][1], float(getattr(cap, name)))))
    now = float(st.session_state[CAP_KEY + name])
    ranges[name] = (min(low, now), max(high, now))
    return ranges[name]


def cap_send_button(cap: _CapPlan) -> None:
    """'Cost it in Scenarios': the sliders' growth becomes the Scenarios page's drivers of the same
    names (on its next run), which carry it through staffing and cost to the KPI targets."""
    _send_growth({name: getattr(cap, name) for name in CAP_SLIDERS}, "scenarios.py", SC_SENT,
                 "Cost it in Scenarios", "cap_to_scenarios", ":material/payments:",
                 "Open the Scenarios page with these four growth values in its drivers of the same names: staffing, "
                 "the budget and the cost KPIs follow.")


def sc_send_button(values: Mapping[str, float | bool]) -> None:
    """'See it on Capacity': the scenario's four growth drivers become the Capacity page's sliders
    (on its next run), to see when each service crosses the scale-up line under them."""
    _send_growth(values, "capacity.py", CAP_SENT, "See this growth on Capacity", "sc_to_capacity",
                 ":material/storage:", "Open the Capacity page with its growth sliders set to these drivers: when "
                 "does each service reach the plan's thresholds under them?")


def _send_growth(growth: Mapping[str, float | bool], page: str, sent_key: str, label: str, key: str, icon: str,
                 help_text: str) -> None:
    """A button that leaves the four growth values (CAP_SLIDERS) under `sent_key` for pages/<page>,
    read on its next run, and opens it. Shown to those who may open that page (access.page_right,
    as app.py lists it)."""
    if can(_ac.page_right(page)) and st.button(label, key=key, icon=icon, help=help_text):
        st.session_state[sent_key] = {name: float(growth[name]) for name in CAP_SLIDERS}
        st.switch_page(PAGES_DIR / page)


def _cap_bounds(tz: str, through: date) -> tuple[datetime, datetime]:
    end = through + timedelta(days=1)
    return (warehouse.local_midnight(end - timedelta(days=CAP_HISTORY_DAYS), tz), warehouse.local_midnight(end, tz))


@st.cache_resource(ttl=CACHE_TTL, max_entries=4, show_spinner=False)
def _cap_daily(db_file: str, tz: str, through: date) -> dict[str, pd.DataFrame]:
    """Every service's daily levels (capacity_daily, one query), by service, shared and not
    copied: the page ranks all services, and filtering a cached copy of the whole frame per
    service cost 3 ms each at 100M. Read-only; forget_results() drops it with the results."""
    start, end = _cap_bounds(tz, through)
    daily = _loaded_after_clears(partial(warehouse.query, _connection(db_file), "capacity_daily", tz=tz, start=start,
                                         end=end))
    return {str(sid): rows for sid, rows in daily.groupby("service_id", sort=False)}


@st.cache_data(**LOADER, max_entries=512, show_spinner=False)
def _cap_history(db_file: str, tz: str, service_id: str, resource: str, through: date) -> pd.DataFrame:
    rows = _cap_daily(db_file, tz, through).get(service_id)
    if rows is None:  # no samples for this service in the two years
        return pd.DataFrame({"ds": pd.Series(dtype="datetime64[us]"), "y": pd.Series(dtype=float)})
    return pd.DataFrame({"ds": pd.to_datetime(rows["day"]).to_numpy(), "y": rows[resource].to_numpy(dtype=float)})


@st.cache_data(**LOADER, max_entries=512, show_spinner=False)
def _cap_fit(db_file: str, tz: str, service_id: str, resource: str, days: int, through: date) -> pd.DataFrame:
    """The statistical forecast of one service and resource (attrs name the model)."""
    return _cap_forecast_model().forecast(_cap_history(db_file, tz, service_id, resource, through), days, CAP_LEVEL,
                                          freq="D")


@st.cache_data(**LOADER, max_entries=128, show_spinner=False)
def _cap_backtest(db_file: str, tz: str, service_id: str, resource: str, days: int, through: date) -> pd.DataFrame:
    return _cap_forecast_model().backtest(_cap_history(db_file, tz, service_id, resource, through), days, CAP_LEVEL)


@st.cache_data(**LOADER, max_entries=128, show_spinner=False)
def _cap_skill(db_file: str, tz: str, service_id: str, resource: str, days: int, through: date) -> str:
    return _cap_forecast_model().skill(_cap_history(db_file, tz, service_id, resource, through), days)[1]


def load_skill(service_id: str, resource: str, months: int) -> str:
    """The forecast's skill against seasonal naive in a planner's words (models.forecast.skill):
    '23 % better than repeating last week'."""
    return _cap_skill(db(), plan().timezone, service_id, resource, CAP_HORIZONS[months], cap_through())


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


def load_capacity(service: pd.Series, resource: str, months: int, cap: _CapPlan) -> CapacityView:
    """History, cached fit, and (uncached) the scenario's growth, crossings and monthly plan."""
    db_file, tz, through = db(), plan().timezone, cap_through()
    history = _cap_history(db_file, tz, service["service_id"], resource, through)
    fit = _cap_fit(db_file, tz, service["service_id"], resource, CAP_HORIZONS[months], through)
    grown = _cap_model.apply_growth(fit, _cap_model.growth_for(resource, cap))
    if resource in ("disk_pct", "data_gb"):
        crossings = _cap_model.crossings(grown, cap) if resource == "disk_pct" else None
        monthly = _cap_model.monthly_storage(grown, cap)
    else:
        crossings = _cap_model.crossings(grown, cap)
        monthly = _cap_model.monthly_plan(grown, int(service["instances"]), cap)
    return CapacityView(history, fit, grown, fit.attrs.get("model", "?"), crossings, monthly,
                        _cap_model.current_level(history))


def load_backtest(service_id: str, resource: str, months: int) -> pd.DataFrame:
    """Held-out accuracy of the forecaster on this series: fold, cutoff, model, mase, smape, coverage."""
    return _cap_backtest(db(), plan().timezone, service_id, resource, CAP_HORIZONS[months], cap_through())


def load_headroom(resource: str, months: int, cap: _CapPlan) -> pd.DataFrame:
    """Every service ranked by days until the scenario's mean crosses the scale-up line (fits
    cached per service; the first visit fits them all, with a spinner)."""
    db_file, tz, through = db(), plan().timezone, cap_through()
    services = cap_services()
    rows, upper = [], {}
    with st.spinner(f"Forecasting {CAP_RESOURCES[resource].label} for all {len(services)} services ...",
                    show_time=True):
        for s in services.itertuples():
            history = _cap_history(db_file, tz, s.service_id, resource, through)
            grown = _cap_model.apply_growth(_cap_fit(db_file, tz, s.service_id, resource, CAP_HORIZONS[months], through),
                                            _cap_model.growth_for(resource, cap))
            rows.append({"service_id": s.service_id, "resource": CAP_RESOURCES[resource].label,
                         "current_pct": _cap_model.current_level(history),
                         "scale_up_at": _cap_model.first_crossing(grown, "mean", cap.scale_up_pct)})
            upper[s.service_id] = _cap_model.first_crossing(grown, "upper", cap.scale_up_pct)
    table = _cap_model.headroom(rows, pd.Timestamp(through))
    names = dict(zip(services["service_id"], services["name"]))
    never = f"not within {months} months"
    return table.assign(service=table["service_id"].map(names),
                        scale_up_at=[cap_date(v) if v is not None and pd.notna(v) else never for v in table["scale_up_at"]],
                        days_to_scale_up=[f"{int(d):,}" if pd.notna(d) else never for d in table["days_to_scale_up"]],
                        upper_at=[cap_date(upper[s]) if upper[s] is not None else never for s in table["service_id"]])


def cap_date(value) -> str:
    return "not within the horizon" if value is None or pd.isna(value) else f"{pd.Timestamp(value):%d %b %Y}"


def crossing_table(crossings: pd.DataFrame, cap: _CapPlan) -> pd.DataFrame:
    """The crossings as a planner reads them: which line, and the first day the mean and the
    upper bound reach it."""
    names = {cap.monitor_pct: "monitor", cap.scale_up_pct: "scale up", 100.0: "full"}
    return pd.DataFrame({
        "line": [f"{names.get(t, '')} {t:g} %".strip() for t in crossings["threshold_pct"]],
        "forecast mean reaches it": [cap_date(v) for v in crossings["mean_at"]],
        f"upper bound ({CAP_LEVEL} %) reaches it": [cap_date(v) for v in crossings["upper_at"]]})


def crossing_words(view: CapacityView, cap: _CapPlan) -> tuple[str, str, str | None]:
    """The headline tile (label, value, delta): when the mean reaches the scale-up line, or that it
    does not within the horizon."""
    if view.crossings is None:
        return "Scale-up line", "n/a", "data volume is in GB"
    row = view.crossings.set_index("threshold_pct").loc[cap.scale_up_pct]
    if pd.notna(row["mean_at"]):
        return f"Mean reaches {cap.scale_up_pct:g} %", cap_date(row["mean_at"]), None
    return f"Mean reaches {cap.scale_up_pct:g} %", "—", f"not by {view.scenario['ds'].iloc[-1]:%d %b %Y}"


def _cap_threshold_lines(cap: _CapPlan) -> list[Line]:
    lines = []
    for kind, value in (("full", 100.0), ("scale up", cap.scale_up_pct), ("monitor", cap.monitor_pct),
                        ("scale down", cap.scale_down_pct)):
        colour, dash = THRESHOLD_STYLE[kind]
        lines.append(hline(value, {"color": colour, "dash": dash, "width": 1.5}, f"{kind} {value:g} %",
                           font={"color": colour}, bgcolor=LABEL_BACKGROUND))
    return lines


def _cap_band(frame: pd.DataFrame, name: str, colour: str) -> list[go.Scatter]:
    """A forecast's interval as a filled band: its upper edge, then its lower edge filled up to it."""
    return [go.Scatter(x=frame["ds"], y=frame["upper"], mode="lines", line={"width": 0}, showlegend=False,
                       hoverinfo="skip"),
            go.Scatter(x=frame["ds"], y=frame["lower"], mode="lines", line={"width": 0}, fill="tonexty",
                       fillcolor=colour, name=name, hoverinfo="skip")]


def capacity_chart(view: CapacityView, resource: str, cap: _CapPlan, title: str, through: date) -> go.Figure:
    """History, the statistical forecast, the scenario's forecast with its band, the plan's
    thresholds (percent) or the storage to provision (GB), and the scale-up crossing."""
    r = CAP_RESOURCES[resource]
    traces = [
        go.Scatter(x=view.history["ds"], y=view.history["y"], name="measured (daily busy hours)",
                   mode="lines", line={"color": FORECAST_COLOURS["history"], "width": 1},
                   hovertemplate=f"%{{x|%d %b %Y}}: %{{y:,.1f}} {r.unit}<extra></extra>"),
        *_cap_band(view.scenario, f"{CAP_LEVEL} % interval (scenario)", "rgba(224, 123, 57, 0.18)"),
        go.Scatter(x=view.statistical["ds"], y=view.statistical["mean"], name="statistical trend only",
                   mode="lines", line={"color": FORECAST_COLOURS["statistical"], "dash": "dot"},
                   hovertemplate=f"trend %{{x|%d %b %Y}}: %{{y:,.1f}} {r.unit}<extra></extra>"),
        go.Scatter(x=view.scenario["ds"], y=view.scenario["mean"], name="forecast with scenario growth",
                   mode="lines", line={"color": FORECAST_COLOURS["scenario"], "width": 2.5},
                   hovertemplate=f"scenario %{{x|%d %b %Y}}: %{{y:,.1f}} {r.unit}<extra></extra>")]
    lines: list[Line] = []
    yaxis: dict = {"title": {"text": r.axis}}
    if r.unit == "%":
        lines += _cap_threshold_lines(cap)
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
    return _dd_figure(traces, title, 460, lines=lines, yaxis=yaxis, xaxis={"title": {"text": "day"}})


def capacity_caption(resource: str, cap: _CapPlan) -> str:
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


def monthly_plan_words(view: CapacityView, resource: str, cap: _CapPlan, instances: int) -> str:
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


def backtest_summary(folds: pd.DataFrame) -> dict:
    """The backtest's folds averaged: mase, smape, coverage (share), folds, model of the last fold."""
    if folds.empty:
        return {"mase": None, "smape": None, "coverage": None, "folds": 0}
    return {"mase": float(folds["mase"].mean()), "smape": float(folds["smape"].mean()),
            "coverage": float(folds["coverage"].mean()), "folds": len(folds)}


# ---- capacity and growth loaders, continued: the growth page

@dataclass(frozen=True)
class DemandSeries:
    label: str
    axis: str
    per_months: int   # the rate is stated per quarter (3) or per month (1)
    plan_words: str   # the plan's assumption, {} filled from plan.toml
    question: str     # the chart's title, {} filled from plan.toml


DEMAND = {
    "active_users": DemandSeries("Users", "monthly active users", 3, "+{user_growth_pct_per_quarter:g} % a quarter",
                                 "Users: do they grow {user_growth_pct_per_quarter:g} % a quarter?"),
    "visits": DemandSeries("Traffic", "site visits per month", 3,
                           "+{user_growth_pct_per_quarter:g} % a quarter with users, and "
                           "+{peak_traffic_growth_pct:g} % in the peak season",
                           "Traffic: +{user_growth_pct_per_quarter:g} % a quarter, +{peak_traffic_growth_pct:g} % at peak?"),
    "data_gb": DemandSeries("Data", "data stored, all services (GB)", 1, "+{data_growth_pct_per_month:g} % a month",
                            "Data volume: does it grow {data_growth_pct_per_month:g} % a month?"),
    "tickets": DemandSeries("Tickets", "support tickets per month", 3,
                            "+{user_growth_pct_per_quarter:g} % a quarter (tickets follow users)",
                            "Tickets: do they grow {user_growth_pct_per_quarter:g} % a quarter with users?"),
}
GROWTH_HORIZONS = (6, 12, 18)


def growth_months(through: date) -> tuple[date, date]:
    """[first, end) of the full months the growth page uses: two years up to the last full month."""
    end = month_start(through + timedelta(days=1))
    return add_months(end, -24), end


@st.cache_data(**LOADER, show_spinner=False)
def _growth_history(db_file: str, tz: str, start_month: date, end_month: date) -> pd.DataFrame:
    frame = monthly_demand(_connection(db_file), tz, start_month, end_month)
    return frame[frame["days_observed"] > 0].reset_index(drop=True)


@st.cache_data(**LOADER, max_entries=64, show_spinner=False)
def _growth_fit(db_file: str, tz: str, metric: str, start_month: date, end_month: date, horizon: int) -> pd.DataFrame:
    history = _growth_history(db_file, tz, start_month, end_month)
    series = pd.DataFrame({"ds": pd.to_datetime(history["month"]), "y": history[metric].astype(float)})
    return _cap_forecast_model().forecast(series, horizon, CAP_LEVEL, freq="MS")


@st.cache_data(**LOADER, max_entries=64, show_spinner=False)
def _growth_skill(db_file: str, tz: str, metric: str, start_month: date, end_month: date, horizon: int) -> str:
    history = _growth_history(db_file, tz, start_month, end_month)
    series = pd.DataFrame({"ds": pd.to_datetime(history["month"]), "y": history[metric].astype(float)})
    return _cap_forecast_model().skill(series, horizon)[1]


def load_growth_skill(metric: str, horizon: int) -> str:
    """A demand series' forecast skill against seasonal naive, in words (models.forecast.skill)."""
    first, end = growth_months(cap_through())
    return _growth_skill(db(), plan().timezone, metric, first, end, horizon)


@dataclass
class GrowthView:
    metric: str
    history: pd.DataFrame    # ds, y: full months
    forecast: pd.DataFrame   # ds, mean, lower, upper
    plan: pd.Series          # the plan's assumption at the forecast's months
    observed_pct: float | None
    peak: tuple | None       # (first month of the last peak season, uplift %) for traffic


def load_growth(metric: str, horizon: int) -> GrowthView:
    """A demand series, its cached statistical forecast and the plan's assumption beside it."""
    the_plan, tz = plan(), plan().timezone
    first, end = growth_months(cap_through())
    with st.spinner("Forecasting the demand series ...", show_time=True):
        fit = _growth_fit(db(), tz, metric, first, end, horizon)
    rows = _growth_history(db(), tz, first, end)
    history = pd.DataFrame({"ds": pd.to_datetime(rows["month"]), "y": rows[metric].astype(float)})
    cap, spec = the_plan.capacity, DEMAND[metric]
    line = _cap_model.plan_line(history["ds"].iloc[-1], history["y"].iloc[-1], fit["ds"],
                                _cap_model.demand_growth(metric, cap))
    peak = _cap_model.peak_uplift_pct(history, cap.peak_months) if metric == "visits" else None
    return GrowthView(metric, history, fit, pd.Series(line, index=fit.index),
                      _cap_model.observed_growth_pct(history, spec.per_months), peak)


def growth_words(view: GrowthView, cap: _CapPlan) -> str:
    """'Users grew 11 % a quarter over the last year; the plan assumes +50 % a quarter.'"""
    spec = DEMAND[view.metric]
    per = "a quarter" if spec.per_months == 3 else "a month"
    assumes = spec.plan_words.format(**{f.name: getattr(cap, f.name) for f in fields(cap)})
    if view.observed_pct is None:
        text = f"Not enough history to measure a year's growth; the plan assumes {assumes}."
    else:
        verb = "grew" if view.observed_pct >= 0 else "shrank"
        text = (f"**{spec.label} {verb} {abs(view.observed_pct):.1f} % {per}** over the last year; "
                f"the plan assumes **{assumes}**.")
    if view.peak is not None:
        start, pct = view.peak
        text += (f" In the last peak season ({start:%b %Y} on) traffic was {pct:+.1f} % against the months "
                 f"before; the plan assumes +{cap.peak_traffic_growth_pct:g} %.")
    return text


def growth_gap(view: GrowthView, plan_pct: float) -> str:
    """How the data compares with the plan, as a coloured badge."""
    if view.observed_pct is None:
        return ":gray-badge[not measurable]"
    ratio = view.observed_pct / plan_pct if plan_pct else math.inf
    if 0.8 <= ratio <= 1.25:
        return ":green-badge[borne out]"
    return ":orange-badge[data grows slower than the plan]" if ratio < 0.8 else ":red-badge[data grows faster than the plan]"


def plan_rate_pct(metric: str, cap: _CapPlan) -> float:
    """The plan's rate for a series in the unit its words use (per quarter or per month)."""
    return cap.data_growth_pct_per_month if metric == "data_gb" else cap.user_growth_pct_per_quarter


def growth_title(metric: str, cap: _CapPlan) -> str:
    return DEMAND[metric].question.format(**asdict(cap))


def growth_span(view: GrowthView) -> str:
    """'Dec 2024 to Oct 2026': the full months measured."""
    return f"{view.history['ds'].iloc[0]:%b %Y} to {view.history['ds'].iloc[-1]:%b %Y}"


def growth_chart(view: GrowthView, title: str) -> go.Figure:
    """Measured months, the statistical forecast with its band, and the plan's assumption drawn
    from the last measured month."""
    spec = DEMAND[view.metric]
    f = view.forecast
    anchor = view.history.iloc[-1]
    return _dd_figure([
        go.Scatter(x=view.history["ds"], y=view.history["y"], name="measured", mode="lines+markers",
                   line={"color": FORECAST_COLOURS["history"]}, hovertemplate="%{x|%b %Y}: %{y:,.0f}<extra></extra>"),
        *_cap_band(f, f"{CAP_LEVEL} % interval", "rgba(47, 111, 143, 0.15)"),
        go.Scatter(x=f["ds"], y=f["mean"], name="statistical forecast", mode="lines",
                   line={"color": FORECAST_COLOURS["history"], "dash": "dot", "width": 2},
                   hovertemplate="forecast %{x|%b %Y}: %{y:,.0f}<extra></extra>"),
        go.Scatter(x=[anchor["ds"], *f["ds"]], y=[anchor["y"], *view.plan], name="plan's assumption",
                   mode="lines", line={"color": FORECAST_COLOURS["plan"], "dash": "dash", "width": 2},
                   hovertemplate="plan %{x|%b %Y}: %{y:,.0f}<extra></extra>")], title, 360,
        yaxis={"title": {"text": spec.axis}, "rangemode": "tozero"}, xaxis={"title": {"text": "month"}})


def growth_end_words(view: GrowthView, horizon: int) -> str:
    """Where each line ends: the forecast (and its band) against the plan, at the horizon."""
    last = view.forecast.iloc[-1]
    plan_end = float(view.plan.iloc[-1])
    return (f"In {horizon} months ({last['ds']:%b %Y}): statistical forecast **{last['mean']:,.0f}** "
            f"({CAP_LEVEL} % interval {last['lower']:,.0f} to {last['upper']:,.0f}); the plan's assumption "
            f"**{plan_end:,.0f}**, {plan_end / last['mean']:.1f} x the forecast.")


def plan_peak_words(view: CapacityView, unit: str) -> tuple[str, str, str]:
    """The fourth tile (label, value, delta): the most instances any month needs, or the storage
    to provision by the horizon's end."""
    m = view.monthly
    if "instances_needed" in m:
        peak = m.loc[m["instances_needed"].idxmax()]
        return "Instances needed at peak", f"{int(peak['instances_needed'])}", f"in {peak['month']:%b %Y}"
    unit = "GB" if unit == "GB" else "% of today's volume"
    return "Storage to provision", f"{m['storage_needed'].iloc[-1]:,.1f}", f"{unit} by {m['month'].iloc[-1]:%b %Y}"


def first_day_note(view: CapacityView, resource: str, cap: _CapPlan) -> str | None:
    """Why a line is crossed on the forecast's first day: the scenario's flat uplifts start at once."""
    if view.crossings is None or resource not in _cap_model.LOAD_RESOURCES:
        return None
    first = view.scenario["ds"].iloc[0]
    if not (view.crossings["mean_at"] == first).any():
        return None
    peak = pd.Timestamp(first).month in cap.peak_months
    parts = [f"the feature uplift (+{cap.feature_complexity_pct:g} %)"] if cap.feature_complexity_pct else []
    if peak and cap.peak_traffic_growth_pct:
        parts.append(f"the peak-season uplift (+{cap.peak_traffic_growth_pct:g} % in "
                     f"{', '.join(f'{date(2000, m, 1):%b}' for m in cap.peak_months)})")
    if not parts:
        return None
    return (f"Under this scenario a line is crossed on the forecast's first day ({first:%d %b %Y}): "
            f"{' and '.join(parts)} apply from the start, on top of the trend. **Trend only** in the sidebar shows "
            "the data alone.")


# ---- access and audit (issue #7): sign-in, roles, the audit log, backups and plan edits
# The role model is data/access.py (pure); every data-layer write checks the actor again itself.
# Sign-in is on when .streamlit/secrets.toml has an [auth] section; roles come from access.toml.
from data import access as _ac  # noqa: E402
from data import audit as _ac_audit  # noqa: E402
from data import backup as _ac_backup  # noqa: E402
from data import plan_edit as _ac_plan_edit  # noqa: E402
from data import sessions as _ac_sessions  # noqa: E402
import logging as _ac_logging  # noqa: E402
from datetime import UTC as _AC_UTC  # noqa: E402

_ac_log = _ac_logging.getLogger("opsplan.access")

AUDIT_ACTIONS = ("", _ac.IMPORT, _ac.SAVE_SCENARIO, _ac.DELETE_SCENARIO, _ac.EDIT_PLAN, _ac.EDIT_BUDGET, _ac.BACKUP)


def auth_configured() -> bool:
    """Sign-in is on: the secrets have an [auth] section (st.login's own configuration)."""
    return st.secrets.load_if_toml_exists() and "auth" in st.secrets


@st.cache_resource(show_spinner=False)
def _ac_rules(path: str, mtime: float) -> _ac.Rules:
    return _ac.load_rules(path)  # keyed by mtime: an edited access.toml applies on the next rerun


def access_rules() -> _ac.Rules:
    """access.toml ($OPSPLAN_ACCESS, else the repo root's); a bad file stops the app with the key named."""
    path = Path(os.environ.get("OPSPLAN_ACCESS") or _ac.DEFAULT_ACCESS_PATH)
    try:
        return _ac_rules(str(path), path.stat().st_mtime if path.exists() else 0.0)
    except _ac.AccessError as exc:
        st.error(f"**The access file cannot be used.** {exc}")
        st.stop()


def _os_user() -> str:
    try:
        return getpass.getuser() or "local user"
    except Exception:  # no user name in the environment (some containers)
        return "local user"


def current_actor() -> _ac.Actor | None:
    """Who is using the app. Sign-in off: the one local user (named as the OS user) with every right.
    Sign-in on: the signed-in user with the role access.toml gives them; None when not signed in or
    given no role (app.py then shows only the sign-in or no-access page)."""
    if not auth_configured():
        return _ac.Actor(_os_user(), "", "admin")
    claims = st.user.to_dict()
    if not claims.get("is_logged_in"):
        return None
    why = _ac_sessions.verdict(claims, _ac_sessions.signed_out_at(connection(), claims), datetime.now(_AC_UTC))
    if why is not None:  # signed out elsewhere (a copied cookie), or signed in over a day ago: sign in again
        _ac_log.info("identity cookie refused (%s): signing out", why)
        st.logout()
        return None
    return _ac.actor_for(claims, access_rules())


def can(action: str) -> bool:
    """Whether the user on screen may do `action` (for showing controls; the writes check again)."""
    return _ac.can(current_actor(), action)


def _ac_providers() -> list[str]:
    """Named providers ([auth.NAME] tables); [] when [auth] itself names the one provider."""
    section = st.secrets["auth"]
    return [k for k, v in section.items() if isinstance(v, Mapping)]


def sign_in_page() -> None:
    """The only page before sign-in: what the app is, and a button per configured provider."""
    st.title("opsplan")
    st.write("Sign in to see the IT operations plan.")
    providers = _ac_providers()
    for provider in providers or [None]:
        st.button(f"Sign in with {provider}" if provider else "Sign in", icon=":material/login:",
                  key=f"sign_in_{provider or 'default'}", on_click=st.login, args=(provider,) if provider else ())


def no_access_page() -> None:
    """A signed-in user whom access.toml gives no role: told so, with a way out."""
    who = st.user.to_dict()
    st.title("No access")
    st.write(f"You are signed in as {who.get('email') or who.get('name') or 'an unnamed user'}, but this "
             "dashboard has not given you a role. Ask an administrator to add you to access.toml.")
    st.button("Sign out", icon=":material/logout:", on_click=sign_out, key="sign_out_no_access")


def user_box(actor: _ac.Actor) -> None:
    """Sidebar: who is signed in and their role, or that sign-in is off and the local user has every right."""
    if not auth_configured():
        st.caption(f"Sign-in is off: you are the single local user ({actor.name}) with every right. "
                   "Add an [auth] section to .streamlit/secrets.toml to require sign-in.")
        return
    st.caption(f"Signed in as **{_dd_md_escape(actor.label())}** · role: {actor.role}")
    st.button("Sign out", icon=":material/logout:", on_click=sign_out, key="sign_out")


def sign_out() -> None:
    """Sign out here and everywhere: the sign-out is recorded server-side first, so this identity's
    cookies issued until now (a copy in another browser included) are refused from now on."""
    claims = st.user.to_dict()
    if claims.get("is_logged_in"):
        _ac_sessions.record_sign_out(connection(), claims)
    st.logout()


# The example's placeholder, and anything this short, is guessable: whoever knows it can forge a cookie.
EXAMPLE_COOKIE_SECRETS = ("a long random string", "xxx", "changeme", "change me", "secret")
MIN_COOKIE_SECRET = 32
LOOPBACK = ("127.0.0.1", "localhost", "::1")


def cookie_secret_problem() -> str | None:
    """Why the configured sign-in cookie secret must not be used, None when sign-in is off or it is fine."""
    if not auth_configured():
        return None
    secret = str(st.secrets["auth"].get("cookie_secret") or "")
    if secret.strip().lower() in EXAMPLE_COOKIE_SECRETS:
        return "it is the example's placeholder"
    if len(secret) < MIN_COOKIE_SECRET:
        return f"it has {len(secret)} characters; at least {MIN_COOKIE_SECRET} are needed"
    return None


def refuse_unsafe_secret() -> None:
    """Stop with a clear page (no traceback) while the cookie secret is the example's or too short."""
    problem = cookie_secret_problem()
    if problem is None:
        return
    _ac_log.error("refusing to serve: the [auth] cookie_secret cannot be used (%s)", problem)
    st.title("opsplan cannot start")
    st.error(f"**Sign-in is configured with an unsafe cookie secret:** {problem}. Anyone who knows it can "
             "forge a signed-in identity. Set `cookie_secret` in `.streamlit/secrets.toml` to a new random "
             "value, e.g. the output of `python -c \"import secrets; print(secrets.token_urlsafe(48))\"`, "
             "and restart the app.", icon=":material/key_off:")
    st.stop()


def open_without_sign_in() -> str | None:
    """The address the server listens on when it is reachable from other machines while sign-in is off
    (every visitor an admin); None when sign-in is on or it listens on loopback only."""
    address = st.get_option("server.address") or "0.0.0.0"  # unset: every interface
    if auth_configured() or address in LOOPBACK:
        return None
    return address


def warn_if_open() -> None:
    """Sidebar (and log, once per process) warning while the app is open to the network without sign-in."""
    address = open_without_sign_in()
    if address is None:
        return
    _warn_open_once(address)
    st.warning(f"**Open to the network without sign-in** (listening on {address}): anyone who can reach this "
               "server is an admin. Turn sign-in on, or set `server.address = \"127.0.0.1\"`.",
               icon=":material/public:")


@st.cache_resource(show_spinner=False)
def _warn_open_once(address: str) -> None:
    _ac_log.warning("listening on %s with sign-in off: every visitor is an admin; turn sign-in on or set "
                    "server.address = 127.0.0.1", address)


def audit_span() -> tuple[date, date]:
    """The audit log's default span: the last 30 days by the wall clock in the plan's zone. Writes
    are stamped by the wall clock, so a pinned $OPSPLAN_TODAY (a replayed day) must not hide them."""
    today = datetime.now(ZoneInfo(plan().timezone)).date()
    return today - timedelta(days=30), today


def load_audit(start: date, end: date, action: str = "", who: str = "") -> pd.DataFrame:
    """Audit rows from `start` to `end` (inclusive, plan dates), newest first; not cached: writes show at once."""
    _ac.require(current_actor(), _ac.VIEW_AUDIT)
    tz = ZoneInfo(plan().timezone)
    frame = _ac_audit.entries(connection(), datetime.combine(start, datetime.min.time(), tzinfo=tz),
                              datetime.combine(end + timedelta(days=1), datetime.min.time(), tzinfo=tz), action, who)
    return local_times(frame)


def backup_folder(now: datetime | None = None) -> Path:
    """A new folder for an app backup: <warehouse>.backups/<UTC time>."""
    stamp = (now or datetime.now(ZoneInfo("UTC"))).strftime("%Y%m%dT%H%M%S%fZ")
    return Path(db() + ".backups") / stamp


def run_backup() -> tuple[str, str]:
    """Back up the warehouse (admins; audited) into a new folder; (kind, message) for the page."""
    out = backup_folder()
    try:
        manifest = _ac_backup.backup(connection(), out, current_actor())
    except _ac.PermissionDenied as exc:
        return "error", f"Not backed up: {exc}."
    except (_ac_backup.BackupError, duckdb.Error, OSError) as exc:
        return "error", f"Backup failed: {str(exc).splitlines()[0]}"
    rows = sum(e["rows"] for e in manifest["tables"].values())
    return "success", f"Backed up {len(manifest['tables'])} tables ({rows:,} rows) to `{out}`."


def plan_path() -> Path:
    """The plan file the app reads ($OPSPLAN_PLAN, else plan.toml)."""
    return _plan_file()


def plan_targets() -> pd.DataFrame:
    """The plan's KPI targets as on disk: kpi, label, unit, op, target, baseline."""
    return _ac_plan_edit.targets(plan_path())


def plan_budget_lines() -> pd.DataFrame:
    """The plan's budget lines as on disk: line, group, annual_usd."""
    return _ac_plan_edit.budget_lines(plan_path())


def _ac_changes(before: pd.DataFrame, after: pd.DataFrame, key: str, value: str) -> dict[str, object]:
    old = dict(zip(before[key], before[value]))
    return {k: v for k, v in zip(after[key], after[value]) if k in old and v != old[k]}


def save_plan_edits(targets_before: pd.DataFrame, targets_after: pd.DataFrame | None,
                    lines_before: pd.DataFrame, lines_after: pd.DataFrame | None) -> tuple[str, str]:
    """Write the edited targets and budget lines to the plan (checked, atomic, audited); (kind, message)."""
    targets = _ac_changes(targets_before, targets_after, "kpi", "target") if targets_after is not None else {}
    lines = _ac_changes(lines_before, lines_after, "line", "annual_usd") if lines_after is not None else {}
    try:
        before, after = _ac_plan_edit.edit_plan(connection(), current_actor(), plan_path(), targets, lines)
    except (_ac.PermissionDenied, _ac_plan_edit.PlanEditError) as exc:
        return "error", f"Plan not changed: {exc}."
    if not after:
        return "info", "Nothing changed."
    _plan.clear()
    forget_results()
    return "success", "Plan updated: " + "; ".join(f"{k} {before[k]} -> {after[k]}" for k in after) + "."


def plan_editor(key: str, *, targets: bool) -> None:
    """Editable tables of the plan's budget lines (and KPI targets, for admins) with one save button."""
    t_before, l_before = plan_targets(), plan_budget_lines()
    t_after = None
    if targets:
        t_after = st.data_editor(t_before, key=f"{key}_targets", hide_index=True, disabled=["kpi", "label", "unit", "op",
                                                                                            "baseline"],
                                 column_config={"target": st.column_config.NumberColumn("target", required=True)})
    l_after = st.data_editor(l_before, key=f"{key}_lines", hide_index=True, disabled=["line", "group"],
                             column_config={"annual_usd": st.column_config.NumberColumn(
                                 "annual budget (USD)", min_value=0, format="dollar", required=True)})
    if st.button("Save to plan.toml", icon=":material/save:", key=f"{key}_save"):
        kind, text = save_plan_edits(t_before, t_after, l_before, l_after)
        getattr(st, kind)(text)


# ----------------------------------------------------------------------------- freshness of the sources
from analytics import freshness as _fr  # noqa: E402  (this section is appended to ui.py)
from data.validate import KPI_TABLES as _fr_KPI_TABLES  # noqa: E402

SOURCES = {  # the tables each page reads, for its freshness line
    "overview": tuple(dict.fromkeys(t for tables in _fr.KPI_SOURCES.values() for t in tables)),
    "reliability": ("incidents", "maintenance_windows", "changes", "services"),
    "support": ("tickets", "survey_responses", "self_service_sessions"),
    "cost": ("costs_monthly", "business_daily", "active_users_daily", "routine_tasks", "staff", "certifications",
             "training_log"),
    "budget": ("costs_monthly",),
    "monitoring": ("utilisation_hourly", "database_hourly", "maintenance_windows"),
    "growth": ("active_users_daily", "business_daily", "utilisation_hourly"),
    "capacity": ("utilisation_hourly", "services"),
    "scenarios": ("active_users_daily", "tickets", "business_daily", "utilisation_hourly", "services",
                  "costs_monthly"),
    "data": tuple(sorted(_fr_KPI_TABLES)),
    "admin": ("backup_runs", "dr_tests"),
}
FRESHNESS_INLINE = 3  # sources listed on the caption line itself; more go into an expander beneath


@st.cache_data(**LOADER, show_spinner=False)
def _fr_spans(db_file: str, tz: str) -> pd.DataFrame:
    return warehouse.query(_connection(db_file), "covered_spans", tz=tz)


def source_freshness(tables: Sequence[str]) -> None:
    """Near the top of a page: per source the page reads, when it was last imported and the span it
    covers, on one caption line (an expander beneath when there are more than FRESHNESS_INLINE:
    the line then flags the stale ones by their last day of data); a stale source is always on
    the line, in the warning colour (setting stale_after_days)."""
    the_plan = plan()
    tz, days, today = the_plan.timezone, the_plan.settings.stale_after_days, plan_today(the_plan)
    found = _fr.sources(_fr_spans(db(), tz), tables)
    lines = [(_dd_md_escape(_fr.source_line(s, today, tz, days)), _fr.is_stale(s, today, tz, days)) for s in found]
    if len(lines) <= FRESHNESS_INLINE:
        st.caption("Data: " + " · ".join(f":orange[**{text}**]" if stale else text for text, stale in lines))
        return
    flags = [f":orange[**{_dd_md_escape(g)}**]" for g in _fr.stale_groups(found, today, tz, days)]
    n_fresh = sum(s.recorded and not _fr.is_stale(s, today, tz, days) for s in found)
    unknown = sum(not s.recorded for s in found)
    head = f"Data: {len(lines)} sources, {n_fresh} fresh" + (f", {unknown} with no import recorded" if unknown else "")
    st.caption(" · ".join([head, *flags]))
    with st.expander("When each source was imported and what it covers", icon=":material/update:"):
        st.caption("  \n".join(f":orange[**{text}**]" if stale else text for text, stale in lines))


def page_freshness(page: str) -> None:
    """source_freshness of a page's sources (SOURCES)."""
    source_freshness(SOURCES[page])


# ----------------------------------------------------------------------------- user text as text

# What Markdown (and Streamlit's :directives: and $math$) reads anywhere in a line; '.', '-', '+' and
# '=' only matter at the start of one (lists, headings), and are escaped there only.
_MD_PUNCTUATION = _dp_re.compile(r"([\\`*_\[\]()<>#|~$:!{}&^\"])")
_MD_LEAD = _dp_re.compile(r"^(\s*)([-+=]|\d+(?=[.)]))")
# Bare URLs and e-mail addresses are linked after escapes are read (GFM autolink literals work on the
# text): an invisible word joiner after the scheme, after "www" and before "@" stops that.
_MD_AUTOLINK = _dp_re.compile(r"(?i)\b(https?|ftp|mailto|www)(?=[:.])|(?=@)")


def md_text(text: object) -> str:
    """Text from a file or a user, for a Markdown element, shown exactly as written: the marks Markdown
    reads escaped (no link, image, emphasis, HTML, entity, :directive: or $math$; no list or heading at
    the start), bare URLs and e-mail addresses not linked, line breaks as spaces."""
    flat = _MD_AUTOLINK.sub(lambda m: (m.group(1) or "") + "\u2060", " ".join(str(text).splitlines()))
    escaped = _MD_PUNCTUATION.sub(r"\\\1", flat)
    lead = _MD_LEAD.match(escaped)
    if lead:  # "- x", "1. x": a list item; "1" is kept and its "." or ")" escaped
        head, mark = lead.group(1), lead.group(2)
        rest = escaped[lead.end():]
        escaped = head + ("\\" + mark if not mark[0].isdigit() else mark + ("\\" if rest[:1] == "." else "")) + rest
    return escaped


# ----------------------------------------------------------------------------- boot spinner (issue #6)
# Every import of this module is done: close the spinner opened at its top.
_BOOT_SPINNER.__exit__(None, None, None)
