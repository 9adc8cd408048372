"""Ask the browser to fetch and compile Plotly's code while the reader looks at the first page.

Streamlit loads each element's code the first time a page shows one. The Overview and the tiles
draw no Plotly figure, so the first page with one (most often Reliability, a click away) waited
for plotly.js too: about 0.9 s of a 1.5 s switch on this machine, and 3.5 MB over a real network.
A `<link rel="modulepreload">` to the same file lets the browser do that work once it is idle; the
figure's own import then finds the module ready. The file name carries the build's hash, so it is
read from the installed Streamlit; with none found (a future layout) no hint is given.
"""
from __future__ import annotations

from functools import cache
from pathlib import Path

import streamlit as st

CHUNK = "PlotlyChart.*.js"  # Streamlit's code for st.plotly_chart in its static build


@cache
def plotly_chunk() -> str | None:
    """The static path of Streamlit's Plotly chunk ('static/js/PlotlyChart.<hash>.js'), if there is one."""
    folder = Path(st.__file__).parent / "static" / "static" / "js"
    found = sorted(folder.glob(CHUNK))
    return f"static/js/{found[0].name}" if found else None


def plotly_hint() -> None:
    """Once the browser is idle, import Streamlit's Plotly module (the same URL, so the same module
    instance the first figure will import). An element that shows nothing, drawn last on the
    Overview, the landing page and the only chart-free one most sessions see first. Not on every
    page: a page with a chart loads the module itself, and on another chart-free page the import
    would run just as a quick click to the next page wants the browser."""
    chunk = plotly_chunk()
    if chunk:
        st.html(f'<script>(window.requestIdleCallback || setTimeout)(() => import("./{chunk}"))</script>',
                unsafe_allow_javascript=True)
