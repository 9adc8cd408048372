"""Plotly figures shared by the pages: plan lines (target, baseline, thresholds), KPI trends and
sparklines, lines, bars and grids. Pure plotly: no streamlit here.
"""
from __future__ import annotations

import math
from typing import Mapping, Sequence

import numpy as np
import pandas as pd
import plotly.graph_objects as go

from analytics.scorecard import KpiResult
from core.i18n import _, N_

from ui.formatting import fmt
from ui.palette import AXIS_TITLES, LINE_COLOURS, SEVERITY_COLOURS, STATUS_CODES, STATUS_TINTS


# Plan lines (targets, budgets, thresholds, dates) as plain layout dicts. plotly's add_hline and
# add_vline re-lay-out the figure and walk its subplots on every call, so a page of a dozen trend
# charts spent a large share of each rerun on its targets and baselines. hline and vline build the
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
    per figure: a second call re-validates every line the first drew."""
    new = lines_layout(lines)
    fig.update_layout(shapes=[*fig.layout.shapes, *new["shapes"]],
                      annotations=[*fig.layout.annotations, *new["annotations"]])
    return fig


def kpi_months(trend_frame: pd.DataFrame, kpi: str) -> dict[str, np.ndarray]:
    """A KPI's rows of a trend frame in month order, as arrays by column (month, value, n, ...):
    masking the frame itself copies its string columns, twice per tile."""
    rows = np.flatnonzero(trend_frame["kpi"].to_numpy(dtype=object) == kpi)
    rows = rows[np.argsort(trend_frame["month"].to_numpy()[rows], kind="stable")]
    return {column: trend_frame[column].to_numpy()[rows] for column in trend_frame.columns}


def spark(trend_frame: pd.DataFrame, kpi: str) -> list[float]:
    """A KPI's monthly values in month order, months without data skipped."""
    return [float(v) for v in kpi_months(trend_frame, kpi)["value"] if not pd.isna(v)]


def trend_chart(r: KpiResult, trend_frame: pd.DataFrame, events: pd.DataFrame | None = None) -> go.Figure:
    """A KPI's monthly values with the plan's target and baseline as labelled lines; given `events`
    (month, kind, n: ui/events.py), a strip of markers beneath, one row per kind of event."""
    rows = kpi_months(trend_frame, r.kpi)
    values = [v for v in rows["value"] if not pd.isna(v)]
    lines = [line for kind, level in (("target", r.target), ("baseline", r.baseline))
             for line in plan_line(level, _(PLAN_LINE_WORDS[kind]).format(level=fmt(level, r.unit, trim=True)), kind)]
    lo, hi = min([*values, r.target, r.baseline]), max([*values, r.target, r.baseline])
    pad = (hi - lo) * 0.15 or abs(hi) * 0.05 or 1.0
    layout = {"title": {"text": _("{kpi} per month").format(kpi=_(r.label))}, "height": 280, "showlegend": False,
              "margin": {"l": 10, "r": 10, "t": 40, "b": 10},
              "yaxis": {"title": {"text": _(AXIS_TITLES.get(r.unit, r.unit))}, "range": [lo - pad, hi + pad]},
              "xaxis": {"tickformat": "%b %Y", "dtick": "M2"}, **lines_layout(lines)}
    strip = [] if events is None else event_traces(events)
    if events is not None:
        layout.update(EVENT_STRIP_LAYOUT, height=280 + EVENT_STRIP_PX)
        layout["yaxis2"] = {**layout["yaxis2"], "ticktext": [_(row) for row in EVENT_ROWS]}
        # the months' ticks under the strip, not between it and the line
        layout["yaxis"] = {**layout["yaxis"], "domain": [EVENT_STRIP_SHARE + 0.05, 1]}
        layout["xaxis"] = {**layout["xaxis"], "anchor": "y2"}
    # Built in one go: each update_* call re-lays-out the figure (a page draws up to 12 of these)
    return go.Figure([go.Scatter(
        x=pd.to_datetime(rows["month"]), y=rows["value"], mode="lines+markers", name=_(r.label),
        line={"color": LINE_COLOURS["value"], "width": 2}, connectgaps=False,
        customdata=[[fmt(v, r.unit), n] for v, n in zip(rows["value"], rows["n"])],
        hovertemplate="%{x|%b %Y}: %{customdata[0]} (n = %{customdata[1]})<extra></extra>"), *strip],
        layout=layout)


# A plan line's label on a trend, by kind: the level goes in {level}
PLAN_LINE_WORDS = {"target": N_("target {level}"), "baseline": N_("baseline {level}")}
# The event strip beneath a trend: its rows bottom up (the row a kind sits on, its words, marker
# and colour), incidents on top as they matter most to a KPI's dip.
EVENT_KINDS = {
    "maintenance": (0, N_("maintenance windows"), "square", "#8fa6b8"),
    "change_failed": (1, N_("changes rolled back"), "x", "#b3261e"),
    "change": (2, N_("changes deployed"), "circle", "#7b6ea8"),
    "high": (3, N_("high incidents"), "diamond", SEVERITY_COLOURS["high"]),
    "critical": (4, N_("critical incidents"), "diamond", SEVERITY_COLOURS["critical"]),
}
# A month's count of each kind in the hover: one sentence each, as Thai puts the count after the noun
EVENT_COUNTS = {
    "maintenance": N_("{n} maintenance windows"),
    "change_failed": N_("{n} changes rolled back"),
    "change": N_("{n} changes deployed"),
    "high": N_("{n} high incidents"),
    "critical": N_("{n} critical incidents"),
}
EVENT_ROWS = (N_("maint."), N_("rolled back"), N_("changes"), N_("high"), N_("critical"))
EVENT_STRIP_SHARE, EVENT_STRIP_PX = 0.3, 90
EVENT_STRIP_LAYOUT = {"yaxis2": {"domain": [0, EVENT_STRIP_SHARE], "range": [-0.6, len(EVENT_ROWS) - 0.4],
                                 "tickvals": list(range(len(EVENT_ROWS))), "ticktext": list(EVENT_ROWS),
                                 "tickfont": {"size": 9}, "showgrid": False, "zeroline": False, "fixedrange": True}}
EVENT_SIZES = (4, 13)  # a marker's size for the fewest and the most events of its kind in the months shown


def event_traces(events: pd.DataFrame) -> list[go.Scatter]:
    """One marker trace per kind of event with any, on the strip's axis (y2): a marker at each month
    with events, sized against the busiest month of that kind (every month of a busy estate has
    some changes: the size tells the months apart), the count in the hover."""
    traces = []
    small, big = EVENT_SIZES
    for kind, (row, words, symbol, colour) in EVENT_KINDS.items():
        part = events[events["kind"] == kind]
        if part.empty:
            continue
        counts = part["n"].to_numpy()
        traces.append(go.Scatter(
            x=pd.to_datetime(part["month"]), y=[row] * len(part), yaxis="y2", mode="markers", name=_(words),
            marker={"symbol": symbol, "color": colour, "size": small + (big - small) * counts / counts.max(),
                    "line": {"width": 1.5 if symbol == "x" else 0, "color": colour}},
            customdata=counts,
            hovertemplate="%{x|%b %Y}: " + _(EVENT_COUNTS[kind]).format(n="%{customdata}") + "<extra></extra>"))
    return traces


def figure(traces: Sequence[go.Scatter | go.Bar | go.Heatmap], title: str, height: int, *, top: int = 50,
               lines: Sequence[Line] = (), **layout: object) -> go.Figure:
    """A drill-down chart built in one go (every update_* call on a built figure re-lays it out,
    and a page draws dozens): `layout` as go.Layout takes it, the title on the left, the legend
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
    return figure(traces, title, height,
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
    return figure(traces, title, height,
                      lines=plan_line(target, target_label, "target", bgcolor=LABEL_BACKGROUND),
                      barmode=barmode, showlegend=colour is not None, **axes)


def grid_chart(frame: pd.DataFrame, x: str, y: str, *, text: str, title: str, x_title: str, y_title: str,
               z: str | None = None, status: str | None = None, z_title: str = "", zmin: float | None = None,
               zmax: float | None = None, colorscale: str = "RdYlGn", y_labels: Mapping[str, str] | None = None,
               show_text: bool = True, robust: bool = False, height: int | None = None) -> go.Figure:
    """A heatmap of rows `y` by columns `x` (orders as they first appear), each cell showing `text`.

    Cells are coloured by the plan's status rule (`status`: met, improving, off track) or on a
    continuous scale (`z`, e.g. compliance in percent); a missing value is grey. `robust` tops the
    scale at the 90th percentile of the non-zero values, so one huge cell does not wash out the rest."""
    xs, ys = list(dict.fromkeys(frame[x])), list(dict.fromkeys(frame[y]))
    cells = list(zip(frame[y], frame[x]))  # looked up in dicts, not .loc per cell: a grid has hundreds
    z_of, text_of = dict(zip(cells, frame[status or z])), dict(zip(cells, frame[text]))
    codes = {"z": lambda v: v, "status": lambda v: STATUS_CODES.get(v, 0)}["status" if status else "z"]
    zs = [[cell(z_of.get((r, c)), codes) for c in xs] for r in ys]
    texts = [[cell(text_of.get((r, c)), str, "") for c in xs] for r in ys]
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
    return figure([heat], title, height or 100 + 38 * len(ys), top=90 if x_title else 70,
                      xaxis={"title": {"text": x_title}, "side": "top", "type": "category"},
                      yaxis={"title": {"text": y_title}, "autorange": "reversed", "type": "category"})


def cell(value: object, convert, missing=None):
    """A grid cell's value converted; `missing` for no row (None) or no value (NaN)."""
    return missing if value is None or (isinstance(value, float) and math.isnan(value)) else convert(value)


def band(frame: pd.DataFrame, name: str, colour: str) -> list[go.Scatter]:
    """A forecast's interval as a filled band: its upper edge, then its lower edge filled up to it."""
    return [go.Scatter(x=frame["ds"], y=frame["upper"], mode="lines", line={"width": 0}, showlegend=False,
                       hoverinfo="skip"),
            go.Scatter(x=frame["ds"], y=frame["lower"], mode="lines", line={"width": 0}, fill="tonexty",
                       fillcolor=colour, name=name, hoverinfo="skip")]
