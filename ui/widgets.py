"""Shared widgets: KPI tiles and grids, trend charts, tables, headers and definitions behind a click."""
from __future__ import annotations

import inspect
from datetime import date
from typing import Callable, Sequence

import pandas as pd
import plotly.graph_objects as go
import streamlit as st

from analytics.scorecard import KpiResult
from core import i18n
from core.i18n import _, N_
from core.period import Period

from ui.cache import plan
from ui.column_words import COLUMN_WORDS
from ui.downloads import download_csv
from ui.events import clicked_month, load_events
from ui.figures import spark, trend_chart
from ui.formatting import delta_words, fmt, md_escape, n_text, noise_text, target_text, tile_label, value_text
from ui.palette import AREAS, SPARK_COLOURS, STATUS_COLOURS, TABLE_DATE_FORMATS
from ui.scorecard import load_coherence
from ui.state import Filters
from ui import charts
from ui.sparkline import svg as sparkline_svg


def kpi_tile(r: KpiResult, sparkline: Sequence[float], *, delta: str | None = None, better: bool | None = None,
             rank_line: str = "", records: Callable[[], None] | None = None) -> None:
    """One KPI: value, distance to target, 12-month sparkline, status, target, n, definition.
    Given a `delta` (the change from the period before, `better` or not by the plan's comparison),
    the tile shows it in the distance's place and says the distance below; `rank_line` heads the
    caption (the Overview's rank); `records` draws the rows behind the value, in a popover beside
    the definition (run only while it is open)."""
    gap = None if r.judged_value is None else r.judged_value - r.target
    with st.container(border=True):
        value = ("> " if r.is_lower_bound else "") + value_text(r)
        if delta is None:  # the short distance; the caption names the month when a worst month is judged
            shown, colour, arrow, distance = delta_words(r, short=True), STATUS_COLOURS.get(r.status, "gray"), (
                "off" if not gap else "up" if gap > 0 else "down"), None if r.judged is None else delta_words(r)
        else:
            shown, colour, arrow, distance = delta, ("gray" if better is None else "green" if better else "red"), (
                "off" if better is None else "auto"), delta_words(r)
        label, label_help = tile_label(_(r.label))
        st.metric(label, value, delta=shown, delta_color=colour, delta_arrow=arrow, help=label_help)
        spark_line(r, sparkline)
        with st.container(horizontal=True, vertical_alignment="center", gap="small"):
            st.badge(_(r.status), color=STATUS_COLOURS.get(r.status, "gray"))
            with st.popover(_("Definition"), type="tertiary", icon=":material/info:"):
                definition_text(r)
            if records is not None:
                box = st.popover(_("Records"), type="tertiary", icon=":material/table:", key=f"records_{r.kpi}",
                                 on_change="rerun")
                with box:
                    if box.open:
                        records()
        lines = (rank_line, distance, target_text(r), n_text(r), noise_text(r), r.coverage)
        st.caption("  \n".join(line for line in lines if line))


def spark_line(r: KpiResult, values: Sequence[float]) -> None:
    """The tile's last 12 months as inline SVG (ui/sparkline.py says why not st.metric's chart),
    in its status's colour, the target dashed."""
    if len(values) < 2:
        return
    words = _("{kpi}, last 12 months: {first} to {last}; dashed line: target {target}").format(
        kpi=_(r.label), first=fmt(values[0], r.unit, short=True), last=fmt(values[-1], r.unit, short=True),
        target=fmt(r.target, r.unit, short=True, trim=True))
    # st.markdown, not st.html: st.html's sanitiser drops SVG; the label is escaped (ui/sparkline.py)
    st.markdown(sparkline_svg(values, r.target, SPARK_COLOURS.get(r.status, SPARK_COLOURS["no data"]), words),
                unsafe_allow_html=True)


def definition_text(r: KpiResult) -> None:
    """What the popover says: the definition, the plan's numbers and what lies behind the value."""
    words = _("**{kpi}**: {value}, {status} (at {at})") if r.at else _("**{kpi}**: {value}, {status}")
    st.markdown(words.format(kpi=_(r.label), value=value_text(r, short=False), status=_(r.status), at=_(r.at)))
    st.markdown(r.definition or _("No definition recorded."))
    lines = [target_text(r), n_text(r), noise_text(r), r.note, r.coverage,
             _("Sparkline: the last 12 full months; months without data left out.")]
    st.caption("  \n".join(line for line in lines if line))


def kpi_grid(results: Sequence[KpiResult], trend_frame: pd.DataFrame, per_row: int = 4) -> None:
    """The tiles, one section per area of the plan, `per_row` tiles to a row."""
    for area in AREAS:
        group = [r for r in results if r.area == area]
        if not group:
            continue
        st.subheader(_(area), divider="gray")
        columns = st.columns(per_row)
        for i, r in enumerate(group):
            with columns[i % per_row]:
                kpi_tile(r, spark(trend_frame, r.kpi))


def trend_charts(results: Sequence[KpiResult], trend_frame: pd.DataFrame, per_row: int = 2,
                 selectable: bool = False) -> date | None:
    """A trend chart per KPI, with every service's events beneath when the sidebar shows them (the
    pages drawing these charts do not filter by service). `selectable`: a month's point can be
    clicked, and the month clicked (on any of the charts) is returned."""
    events, points = load_events(trend_frame), []
    columns = st.columns(per_row)
    for i, r in enumerate(results):
        with columns[i % per_row]:
            fig = trend_chart(r, trend_frame, events)
            if selectable:
                points += selectable_chart(fig, f"trend_{r.kpi}")
            else:
                show_chart(fig, f"trend_{r.kpi}")
    return clicked_month(points)


def scorecard_frame(results: Sequence[KpiResult]) -> pd.DataFrame:
    """The scorecard as a table with raw numbers (for display and CSV export)."""
    return pd.DataFrame([{
        "kpi": r.label, "area": r.area, "value": r.value, "unit": r.unit, "target": f"{r.op} {r.target:g}",
        "baseline": r.baseline, "status": r.status, "n": r.n, "n counts": r.n_label,
        "definition": r.definition, "note": r.note, "key": r.kpi, "at": r.at,
        "ci_lower": None if r.interval is None else r.interval[0],
        "ci_upper": None if r.interval is None else r.interval[1]} for r in results])


# The scorecard table's headers as a reader sees them; the CSV keeps the column names
SCORECARD_TITLES = {"kpi": N_("kpi"), "area": N_("area"), "value": N_("value"), "unit": N_("unit"),
                    "target": N_("target"), "baseline": N_("baseline"), "status": N_("status"), "n": "n",
                    "n counts": N_("n counts"), "definition": N_("definition"), "note": N_("note"),
                    "key": N_("key"), "at": N_("at"), "ci_lower": "ci_lower", "ci_upper": "ci_upper"}


def scorecard_table(results: Sequence[KpiResult], period: Period) -> None:
    frame = scorecard_frame(results)
    shown = frame.assign(kpi=[_(r.label) for r in results], area=[_(r.area) for r in results],
                         status=[_(r.status) for r in results], at=[_(r.at) for r in results])
    config = {col: st.column_config.Column(_(title)) for col, title in SCORECARD_TITLES.items()}
    config["value"] = st.column_config.NumberColumn(_(SCORECARD_TITLES["value"]), format="%.2f")
    config["definition"] = st.column_config.TextColumn(_(SCORECARD_TITLES["definition"]), width="large")
    st.dataframe(shown, hide_index=True, column_config=config)
    download_csv(frame, f"opsplan-scorecard-{period.start}-{period.end}.csv")


def drill_header(title: str, period: Period, f: Filters, scope_note: str) -> None:
    """Title, then the period and the filters in force, then what the filters cover on this page."""
    st.title(title)
    st.markdown(_("**{period}** · Filters: {filters}").format(period=period.label(), filters=md_escape(f.label())))
    st.caption(scope_note)


def definitions_popover(*objects, label: str = N_("Definition"), key: str | None = None) -> None:
    """The docstrings of the analytics functions behind a view, one click away."""
    with st.popover(_(label), type="tertiary", icon=":material/info:", key=key):
        for obj in objects:
            st.markdown(f"`{obj.__name__}`")  # the function's name: code, in either language
            # a docstring is its own catalogue text: Thai where the catalogue carries it
            doc = inspect.getdoc(obj)
            st.markdown(md_escape(_(doc) if doc else _("No definition recorded.")))


def section_tabs(names: Sequence[str], key: str) -> list:
    """Tabs over a page's sections (`names` untranslated), of which only the open one is drawn: the
    caller checks each tab's `.open`. A Plotly figure costs the browser 100-200 ms to draw, and a page
    of eight made every switch to it wait for all eight. The open tab's label is kept under `key`, in
    the language it was drawn in, and carried over a language switch before the tabs are drawn."""
    open_label, labels = st.session_state.get(key), [_(name) for name in names]
    for lang in i18n.LANGUAGES:
        with i18n.use(lang):
            drawn = [_(name) for name in names]
        # Written only when the language changed: a write also sets the tab in the browser, which
        # would undo a click on another tab made while this run was drawing.
        if open_label in drawn and labels[drawn.index(open_label)] != open_label:
            st.session_state[key] = labels[drawn.index(open_label)]
            break
    return st.tabs(labels, key=key, on_change="rerun")


def show_chart(fig: go.Figure, key: str) -> None:
    charts.chart(st, fig, key=key)


def selectable_chart(fig: go.Figure, key: str) -> list[dict]:
    """`fig` whose points can be clicked; the points selected (plotly's x, y, curve_number ...)."""
    return charts.chart(st, fig, key=key, selectable=True)


HIDDEN_COLUMNS = ("is_month",)  # bookkeeping of the drill-down frames, not for readers


# A local moment in a table: '26 Nov 2026 06:00', not '2026-11-26 06:00:00+07:00' (the caption names
# the zone once; the CSV keeps the offset).
def table_date_format(form: str) -> str:
    """A table's date format for `form` ("clock", "clock_short", "day", "month") in the reader's language."""
    return TABLE_DATE_FORMATS[i18n.language()][form]


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


def column_labels(frame: pd.DataFrame, given: dict | None) -> dict:
    """Readable headers ('down minutes', in the reader's language where the catalogue has it) and
    two decimals for measured numbers, unless given."""
    config = {}
    for col in frame.columns:
        label = _(COLUMN_WORDS.get(str(col), str(col).replace("_", " ")))
        config[col] = (st.column_config.NumberColumn(label, format="%.2f") if pd.api.types.is_float_dtype(frame[col])
                       else st.column_config.DatetimeColumn(label, format=table_date_format("clock"))
                       if isinstance(frame[col].dtype, pd.DatetimeTZDtype) else st.column_config.Column(label))
    return {**config, **(given or {})}


def data_table(frame: pd.DataFrame, file_name: str, *, key: str | None = None, column_config: dict | None = None,
               **kwargs):
    """A table with its CSV download (spreadsheet-safe; numbers stay numbers). Extra keyword
    arguments go to st.dataframe (e.g. on_select); its return value is passed back."""
    shown = local_times(frame)
    event = st.dataframe(shown, hide_index=True, key=key, column_config=column_labels(shown, column_config), **kwargs)
    download_csv(shown, file_name)
    return event


def status_legend() -> None:
    """What the status colours of a grid mean (the plan's own rule)."""
    st.caption(_("Cell colours follow the plan's status rule: :green-badge[met] on the right side of the target · "
                 ":orange-badge[improving] between baseline and target · :red-badge[off track] at or beyond the "
                 "baseline · :gray-badge[no data]. Within the KPI's tolerance (plan.toml) of a line is at it: at "
                 "target is met, at baseline off track."))


# The coherence table's headers as a reader sees them (analytics.drilldown.checks_frame's columns)
COHERENCE_TITLES = {"check": N_("check"), "plan says": N_("plan says"), "data says": N_("data says"),
                    "gap": N_("gap"), "why": N_("why")}


def lazy_expander(label: str, icon: str, key: str, draw: Callable[[], None]) -> None:
    """An expander whose contents `draw` runs only while it is open: closed, it costs the page
    neither their work on the server nor their drawing in the browser."""
    box = st.expander(label, icon=icon, key=key, on_change="rerun")
    with box:
        if box.open:
            draw()


def coherence_panel(label: str, period: Period, results: Sequence[KpiResult], part: str = "all") -> None:
    """The plan-coherence checks, built only while their expander is open."""
    lazy_expander(label, ":material/rule:", f"coherence_{part}", lambda: coherence_table(period, results, part))


def coherence_table(period: Period, results: Sequence[KpiResult], part: str = "all") -> None:
    """The plan-coherence checks as plan says / data says / gap / why, with a CSV download."""
    frame = load_coherence(period, results, part)
    st.caption(_("What the plan's own numbers imply, beside what the data of the period says. A gap here is not a "
                 "data error: it shows where the plan's targets, baselines or budget do not fit together."))
    titles = {col: _(COHERENCE_TITLES.get(col, col)) for col in frame.columns}  # st.table takes no column_config
    st.table(frame.rename(columns=titles).set_index(titles["check"]))
    download_csv(frame, f"opsplan-coherence-{part}-{period.start}-{period.end}.csv")
