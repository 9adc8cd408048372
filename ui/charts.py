"""Every Plotly figure reaches the page through here: drawn by a build of plotly.js with only the trace
types the app draws (TRACES), in the app's theme, without the mode bar, and with its dates in the
reader's language: the date axes' ticks (ui.chart_dates) and, for what Plotly writes itself (a hover's
%{x|%b %Y}), its month and day names from CLDR through Plotly's own locale setting.

Why not st.plotly_chart: it always loads Streamlit's build of the whole of plotly.js (4.6 MB), whose
import is one task of about 0.85 s in the browser here, and the first chart page a reader opens waited
for it (benchmarks/README.md, stops 32 and 33). This build (scripts/build_plotly.sh; 1.2 MB in
shell/static/js, served by the app) loads and runs in about 0.2 s."""
from __future__ import annotations

import json
from contextlib import nullcontext
from functools import cache
from pathlib import Path
from typing import Any

import plotly.graph_objects as go
import streamlit as st
from babel.dates import get_day_names, get_month_names

from core import i18n
from core.i18n import _
from ui.chart_dates import localized
from ui.palette import CHART_CONFIG

HERE = Path(__file__).parent
COMPONENT = "opsplan_plotly_chart"
# The trace types shell/static/js/plotly-opsplan.min.js draws (scripts/build_plotly.sh registers them);
# another would be a blank box in the browser, so it is refused here, where a test sees it.
TRACES = frozenset({"scatter", "bar", "heatmap", "histogram"})
# Streamlit's Plotly theme as st.plotly_chart drew it under .streamlit/config.toml's theme (fonts,
# greys, the categorical colours): the layout.template the browser held, saved once.
# A plain dict, put in the figure's JSON: assigning it through plotly.py validates it again, 6 ms a chart.
THEME = json.loads((HERE / "plotly_theme.json").read_text())


@cache
def _js() -> str:
    return (HERE / "plotly_chart.js").read_text()


def _mount(name: str = COMPONENT, html: str | None = '<div class="opsplan-chart"></div>') -> Any:
    """The chart component, registered in this runtime (again with the same definition is a no-op: a
    served app has one runtime, each AppTest its own)."""
    return st.components.v2.component(name, html=html, js=_js(), isolate_styles=False)


def preload() -> None:
    """Have the browser load plotly.js once it is idle, for the next page's charts: the component's
    script with no figure and no chart box (a page with only this has no chart to wait for).

    Drawn last on the Overview, the landing page, which draws no figure: the first chart page a reader
    opens from it (most often Reliability) found plotly.js still to load. Not on every page: a page
    with a chart loads plotly.js itself, and on another chart-free page the import would run just as a
    quick click to the next page wants the browser."""
    _mount(f"{COMPONENT}_preload", None)(key="plotly_preload", data={"preload": True}, height=0)


def chart(where: Any, fig: go.Figure, *, key: str, selectable: bool = False) -> list[dict]:
    """`fig` drawn in `where` (st, a column or a container). Selectable, a click on a point reruns the
    script and the points clicked are returned (plotly's x, y, curve_number ...; a double click
    clears them); else []."""
    if other := {trace.type for trace in fig.data} - TRACES:
        raise ValueError(f"the app's plotly.js (scripts/build_plotly.sh) cannot draw {sorted(other)} in chart {key}")
    data = {"figure": themed(localized(fig)), "config": chart_config(i18n.language()),
            "selectable": selectable, "failed": _("This chart could not be drawn ({error}).")}
    # A state needs a callback for the click to rerun the script; the rerun itself is all it asks.
    callbacks = {"on_selection_change": _rerun} if selectable else {}
    with nullcontext() if where is st else where:
        result = _mount()(key=key, data=data, **callbacks)
    return list((result.get("selection") or {}).get("points", [])) if selectable else []


def _rerun() -> None:
    """The selection's callback: nothing to do beyond the rerun a state change brings."""


def themed(fig: go.Figure) -> dict:
    """`fig` as JSON in the app's theme (in place of the template plotly.py gave it); the figure's own
    settings win, as a template's do."""
    spec = json.loads(fig.to_json())
    spec["layout"]["template"] = THEME
    return spec


@cache
def chart_config(language: str) -> dict:
    """Plotly's config for a language: English is Plotly's own; another language brings its names."""
    if language == i18n.ENGLISH:
        return CHART_CONFIG
    locale = i18n.LOCALES[language]
    months = get_month_names("wide", locale=locale)
    short_months = get_month_names("abbreviated", locale=locale)
    days = get_day_names("wide", locale=locale)
    short_days = get_day_names("abbreviated", locale=locale)
    week = [6, 0, 1, 2, 3, 4, 5]  # Plotly's weeks start on Sunday, CLDR's names on Monday (0)
    names = {"months": [months[m] for m in range(1, 13)], "shortMonths": [short_months[m] for m in range(1, 13)],
             "days": [days[d] for d in week], "shortDays": [short_days[d] for d in week]}
    return {**CHART_CONFIG, "locale": language, "locales": {language: {"format": names}}}
