"""Every Plotly figure reaches the page through here: without the mode bar, and with its date axes in
the reader's language (ui.chart_dates)."""
from __future__ import annotations

from typing import Any

import plotly.graph_objects as go
from ui.chart_dates import localized
from ui.palette import CHART_CONFIG


def chart(where: Any, fig: go.Figure, **kwargs: Any) -> Any:
    """`where.plotly_chart(fig, ...)` (where: st, a column or a container); returns what it returns
    (the selection, with on_select)."""
    return where.plotly_chart(localized(fig), config=CHART_CONFIG, **kwargs)
