"""ui/charts.py: every figure in the app's theme, drawn by the app's own plotly.js component."""
from __future__ import annotations

import tomllib
from pathlib import Path

import plotly.graph_objects as go
import pytest

from core import i18n
from ui import charts

ROOT = Path(__file__).resolve().parent.parent


def test_the_saved_theme_is_the_configured_one():
    """plotly_theme.json was saved from st.plotly_chart under .streamlit/config.toml's theme: a change
    of the app's colours or font there fails here until the theme is saved again."""
    theme = tomllib.loads((ROOT / ".streamlit" / "config.toml").read_text())["theme"]
    layout = go.layout.Template(charts.THEME).layout  # also: plotly.py accepts it as a template
    assert layout.paper_bgcolor == layout.plot_bgcolor == theme["backgroundColor"]
    assert layout.title.font.color == theme["textColor"]
    assert layout.font.family.startswith(theme["font"]) and layout.title.font.family.startswith(theme["font"])
    assert layout.hoverlabel.bordercolor == theme["borderColor"]


def test_a_figure_keeps_its_own_settings_over_the_theme():
    fig = go.Figure(go.Bar(x=["a"], y=[1]), layout={"title": {"text": "t"}, "paper_bgcolor": "#ffffff"})
    spec = charts.themed(fig)
    assert spec["layout"]["paper_bgcolor"] == "#ffffff" and spec["layout"]["template"] is charts.THEME
    assert spec["data"][0]["type"] == "bar" and spec["layout"]["title"]["text"] == "t"
    assert fig.layout.template.layout.paper_bgcolor != charts.THEME["layout"]["paper_bgcolor"]  # the caller's is untouched


@pytest.mark.parametrize("language", [i18n.ENGLISH, "th"])
def test_the_config_hides_the_mode_bar_and_names_the_months(language: str):
    config = charts.chart_config(language)
    assert config["displayModeBar"] is False
    if language != i18n.ENGLISH:
        assert config["locale"] == language and config["locales"][language]["format"]["months"][0] == "มกราคม"


def test_a_trace_the_build_cannot_draw_is_refused():
    """A map would be a blank box in the browser: chart() names it instead."""
    with pytest.raises(ValueError, match=r"cannot draw \['scattergeo'\] in chart k"):
        charts.chart(None, go.Figure(go.Scattergeo(lat=[0], lon=[0])), key="k")
