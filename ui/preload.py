"""Have the browser load plotly.js while the reader looks at the first page.

The Overview and its tiles draw no Plotly figure, so the first page with one (most often Reliability,
a click away) waited for plotly.js too: its import is one task of about 0.45 s on this machine
(0.85 s for Streamlit's whole build, which the app no longer uses: ui/charts.py). The chart
component, mounted with no figure, starts that import once the browser is idle; the next page's
figures find it done.
"""
from __future__ import annotations

from ui import charts


def plotly_hint() -> None:
    """Drawn last on the Overview, the landing page and the only chart-free one most sessions see first.
    Not on every page: a page with a chart loads plotly.js itself, and on another chart-free page the
    import would run just as a quick click to the next page wants the browser."""
    charts.preload()
