"""Every Plotly figure reaches the page through here: without the mode bar, and with its dates in the
reader's language: the date axes' ticks (ui.chart_dates) and, for what Plotly writes itself (a hover's
%{x|%b %Y}), its month and day names from CLDR through Plotly's own locale setting."""
from __future__ import annotations

from functools import cache
from typing import Any

import plotly.graph_objects as go
from babel.dates import get_day_names, get_month_names

from core import i18n
from ui.chart_dates import localized
from ui.palette import CHART_CONFIG


def chart(where: Any, fig: go.Figure, **kwargs: Any) -> Any:
    """`where.plotly_chart(fig, ...)` (where: st, a column or a container); returns what it returns
    (the selection, with on_select)."""
    return where.plotly_chart(localized(fig), config=chart_config(i18n.language()), **kwargs)


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
