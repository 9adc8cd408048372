"""The pure helpers of ui.py: number formatting, words, statuses and period <-> query string."""
from __future__ import annotations

import os
import subprocess
import sys
from dataclasses import replace
from datetime import date
from pathlib import Path

import pandas as pd
import plotly.graph_objects as go
import pytest
from plotly.subplots import make_subplots

from ui import cache, figures, formatting, palette, periods, scorecard, sidebar, state, support, widgets
from core.period import Period
from analytics.scorecard import KpiResult

TODAY = date(2026, 11, 26)


def result(value: float | None, op: str = "<", target: float = 2.0, unit: str = "h",
           status: str = "met") -> KpiResult:
    return KpiResult("mttr_hours", "MTTR", "Reliability", value, unit, target, 3.2, op, status, 23, "failures",
                     "mean of resolved_at - started_at")


@pytest.mark.parametrize("value, unit, expected", [
    (99.934, "%", "99.9 %"),    # percentages: one decimal
    (84.0, "%", "84.0 %"),
    (0.0, "%", "0.0 %"),        # escalation on time in no month: the same one decimal as 100.0 %
    (100.0, "%", "100.0 %"),
    (99.96, "%", "99.96 %"),    # one decimal would read 100.0 %, which it is not
    (0.03, "%", "0.03 %"),      # nor 0.0 %
    (670000.0, "USD", "$670,000"),       # whole dollars from $100 up: 625,830.56 -> $625,831
    (625830.56, "USD", "$625,831"),
    (99.99, "USD", "$99.99"),            # below $100, cents
    (0.0, "USD", "$0"),                  # but nothing is $0, not $0.00
    (36000.04, "USD", "$36,000"),
    (1.834, "h", "1.83 h"),
    (204.34, "h", "204 h"),
    (2208.0, "h", "2,208 h"),
    (4.371, "/5", "4.37 / 5"),
    (12.61, "% of revenue", "12.6 % of revenue"),
    (3.114, "USD/user/month", "$3.11 per user per month"),
    (28.44, "h/employee/year", "28.4 h per employee per year"),
    (None, "%", "no data"),
    (float("nan"), "h", "no data"),
])
def test_fmt_per_unit(value, unit, expected):
    """Each unit of plan.toml has one written form."""
    assert formatting.fmt(value, unit) == expected


@pytest.mark.parametrize("value, unit, expected", [
    (12.61, "% of revenue", "12.6 %"),
    (3.114, "USD/user/month", "$3.11"),
    (28.44, "h/employee/year", "28.4 h"),
    (4.371, "/5", "4.37 / 5"),
])
def test_fmt_short_drops_the_per_what_tail(value, unit, expected):
    """The big tile number keeps only the base unit."""
    assert formatting.fmt(value, unit, short=True) == expected


@pytest.mark.parametrize("value, unit, expected", [
    (0.034, "%", "0.03 pp"), (-2.4, "% of revenue", "-2.4 pp"), (0.13, "/5", "0.13 pts"),
    (1.89, "USD/user/month", "$1.89"), (0.17, "h", "0.17 h"), (11.6, "h/employee/year", "11.6 h"),
])
def test_fmt_differences(value, unit, expected):
    """Differences of percentages are percentage points, of scores points."""
    assert formatting.fmt(value, unit, diff=True) == expected


def test_a_value_beside_its_target_in_a_grid_is_never_rounded_onto_it():
    # the uptime grid's cells against a 99.9 % target: 99.86 would read 99.9 % (met) at one decimal
    assert formatting.apart_text(99.86, 99.9, "%") == "99.86 %"
    assert formatting.apart_text(100.0, 99.9, "%") == "100.0 %"
    assert formatting.apart_text(99.74, 99.9, "%") == "99.7 %"
    assert formatting.apart_text(None, 99.9, "%") == "no data"


def test_moments_are_shown_in_the_plans_time_zone_named():
    # saved 2026-12-06 19:54 UTC is 2026-12-07 02:54 in Bangkok (UTC+7): the audit log's day
    from datetime import datetime, timezone
    saved = datetime(2026, 12, 6, 19, 54, tzinfo=timezone.utc)
    assert formatting.local_time_text(saved, "Asia/Bangkok") == "07 Dec 2026 02:54 Asia/Bangkok"
    assert formatting.local_time_text(saved, "Asia/Bangkok", clock=False) == "07 Dec 2026"
    # a stored moment without a zone is UTC
    assert formatting.local_time_text(datetime(2026, 12, 6, 19, 54), "Asia/Bangkok") == "07 Dec 2026 02:54 Asia/Bangkok"


def test_fmt_trim_keeps_cents():
    """Round plan numbers lose trailing zeros, money keeps its cents."""
    assert formatting.fmt(99.9, "%", trim=True) == "99.9 %"
    assert formatting.fmt(2.0, "h", trim=True) == "2 h"
    assert formatting.fmt(7.5, "USD/user/month", short=True, trim=True) == "$7.50"


@pytest.mark.parametrize("value, op, expected", [
    (1.83, "<", "0.17 h better than target"),
    (2.27, "<", "0.27 h worse than target"),
    (2.0, "<", "exactly on target"),
    (None, "<", None),
])
def test_delta_words(value, op, expected):
    """The distance to target is said in words that follow the KPI's direction."""
    assert formatting.delta_words(result(value, op)) == expected


def test_delta_words_higher_is_better():
    # 99.9 - 99.85 = 0.05 pp, one decimal: 0.1 (the tile shows 99.8 % beside the 99.9 % target)
    assert formatting.delta_words(result(99.85, ">", 99.9, "%")) == "0.1 pp worse than target"
    # 99.9 - 99.86 = 0.04 pp: one decimal reads 0.0, so two
    assert formatting.delta_words(result(99.86, ">", 99.9, "%")) == "0.04 pp worse than target"


@pytest.mark.parametrize("value, expected", [
    (99.8996, "99.8996 %"),   # would read 99.90 %, the target, yet it is under it
    (99.9004, "99.9004 %"),
    (99.934, "99.93 %"),      # one decimal reads 99.9 %, the target: two
    (99.96, "99.96 %"),       # one decimal would read 100.0 %
    (99.86, "99.86 %"),       # one decimal reads 99.9 %, yet it misses a 99.9 % target
    (99.84, "99.8 %"),        # clear of the target: the usual one decimal
    (99.9, "99.9 %"),         # on the target itself
])
def test_value_text_never_rounds_onto_the_target(value, expected):
    """A value the usual decimals would round onto its target gets as many more as it needs."""
    assert formatting.value_text(result(value, ">", 99.9, "%")) == expected


def test_value_text_of_hours_near_a_target():
    """MTTR 1.996 h against < 2 h: '2.00 h' would hide that it is met."""
    assert formatting.value_text(result(1.996)) == "1.996 h" and formatting.value_text(result(2.004)) == "2.004 h"
    assert formatting.delta_words(result(99.8996, ">", 99.9, "%")) == "0.0004 pp worse than target"


def test_delta_words_of_uptime_judged_by_its_worst_month():
    """A quarter at 99.93 % whose worst month was 99.80 %: the words follow the status, not the quarter."""
    quarter = replace(result(99.93, ">", 99.9, "%", "improving"), judged=99.8)
    assert formatting.delta_words(quarter) == "worst month 0.1 pp worse"  # 99.9 - 99.8, one decimal


def test_delta_words_short_fit_a_tile():
    """A tile's delta drops 'than target' and the judged month (its caption says them)."""
    # MTTR 2.27 h against < 2 h: 2.27 - 2 = 0.27 h over, worse
    assert formatting.delta_words(result(2.27), short=True) == "0.27 h worse"
    # 2 - 1.83 = 0.17 h under, better
    assert formatting.delta_words(result(1.83), short=True) == "0.17 h better"
    assert formatting.delta_words(result(2.0), short=True) == "on target"
    # worst month 99.8 % against > 99.9 %: 0.1 pp worse, the month not named
    quarter = replace(result(99.93, ">", 99.9, "%", "improving"), judged=99.8)
    assert formatting.delta_words(quarter, short=True) == "0.1 pp worse"


@pytest.mark.parametrize("label, expected", [
    ("MTTA (time to acknowledge)", ("MTTA", "MTTA (time to acknowledge)")),
    ("First response (high priority)", ("First response", "First response (high priority)")),
    ("Uptime", ("Uptime", None)),
    ("Cost (USD) per user", ("Cost (USD) per user", None)),   # brackets inside, not at the end: kept whole
    ("(draft)", ("(draft)", None)),                            # nothing before the brackets
])
def test_tile_label_moves_the_bracket_to_help(label, expected):
    assert formatting.tile_label(label) == expected


def test_target_text_states_the_per_what_once():
    """Target and baseline in the plan's terms, the unit tail said once."""
    r = KpiResult("support_cost_per_user_usd", "Support cost per user", "Cost", 3.1, "USD/user/month", 5.0, 7.5,
                  "<", "met", 3, "months", "d")
    assert formatting.target_text(r) == "Target < $5.00 · baseline $7.50, per user per month"
    assert formatting.target_text(result(1.0, ">=", 40.0, "h")) == "Target ≥ 40 h · baseline 3.2 h"


def test_status_colours():
    """met green, improving amber, off track red, no data grey."""
    assert palette.STATUS_COLOURS == {"met": "green", "improving": "orange", "off track": "red", "no data": "gray"}
    assert formatting.status_badge("off track") == ":red-badge[off track]"
    assert formatting.status_badge("unheard of") == ":gray-badge[unheard of]"


def test_summary_line_counts_statuses():
    rows = [result(1.0, status=s) for s in ("met", "met", "improving", "off track", "no data")]
    line = formatting.summary_line(rows)
    assert "**2 of 5 KPIs met**" in line and "**1** improving" in line and "**1** off track" in line
    assert "**1** without data" in line
    assert "at target" not in line and "at baseline" not in line
    rows = [replace(result(2.0, status="met"), at="target"), replace(result(3.2, status="off track"), at="baseline"),
            replace(result(3.3, status="off track"), at="baseline"), result(4.0, status="off track")]
    line = formatting.summary_line(rows)
    assert ":green[**1 of 4 KPIs met**] (1 at target)" in line
    assert ":red[**3** off track] (2 at baseline)" in line


def test_n_text():
    assert formatting.n_text(result(1.0)) == "n = 23 failures"


def test_presets_default_first():
    """The plan's default (last N full months) comes first; presets are full months before today."""
    named = periods.presets(TODAY, 3)
    assert list(named) == ["Last 3 full months", "Last full month", "Last 12 full months", "Year to date"]
    assert named["Last 3 full months"] == Period(date(2026, 8, 1), date(2026, 11, 1))
    assert named["Last full month"] == Period(date(2026, 10, 1), date(2026, 11, 1))
    assert named["Last 12 full months"] == Period(date(2025, 11, 1), date(2026, 11, 1))
    assert named["Year to date"] == Period(date(2026, 1, 1), TODAY)


def test_presets_without_duplicates():
    assert list(periods.presets(TODAY, 1)) == ["Last full month", "Last 12 full months", "Year to date"]


def test_year_to_date_on_new_year():
    """On 1 January there is no finished day this year: last year is shown."""
    assert periods.year_to_date(date(2027, 1, 1)) == Period(date(2026, 1, 1), date(2027, 1, 1))


def test_period_params_round_trip():
    period = Period(date(2026, 8, 1), date(2026, 11, 1))
    params = periods.period_to_params(period)
    assert params == {"start": "2026-08-01", "end": "2026-11-01"}
    assert periods.period_from_params(params, Period.month(TODAY)) == (period, None)


def test_period_from_params_absent_is_default_silently():
    default = Period.month(TODAY)
    assert periods.period_from_params({}, default) == (default, None)


@pytest.mark.parametrize("params", [
    {"start": "2026-13-01", "end": "2026-11-01"},
    {"start": "yesterday", "end": "2026-11-01"},
    {"start": "2026-11-01", "end": "2026-08-01"},
    {"start": "2026-08-01"},
    {"end": "2026-08-01"},
])
def test_period_from_params_bad_values_fall_back_with_warning(params):
    """A bad link shows the default period and says what was wrong."""
    default = Period(date(2026, 8, 1), date(2026, 11, 1))
    period, warning = periods.period_from_params(params, default)
    assert period == default
    assert warning and "ignored" in warning and default.label() in warning


def test_preset_of():
    named = periods.presets(TODAY, 3)
    assert periods.preset_of(Period(date(2026, 10, 1), date(2026, 11, 1)), named) == "Last full month"
    assert periods.preset_of(Period(date(2026, 8, 15), date(2026, 9, 1)), named) == periods.CUSTOM


def test_month_range_helpers():
    """A custom range is whole months, either order; the options cover today and the period."""
    assert periods.period_of_months(date(2026, 9, 1), date(2026, 7, 1)) == Period(date(2026, 7, 1), date(2026, 10, 1))
    assert periods.months_of(Period(date(2026, 8, 15), date(2026, 10, 1))) == (date(2026, 8, 1), date(2026, 9, 1))
    options = periods.month_options(TODAY, Period(date(2020, 5, 3), date(2020, 6, 1)), back=2)
    assert options[0] == date(2020, 5, 1) and options[-1] == date(2026, 11, 1)
    assert periods.month_options(TODAY, Period.month(TODAY), back=2) == [date(2026, 9, 1), date(2026, 10, 1),
                                                                     date(2026, 11, 1)]


def test_spark_skips_months_without_data():
    frame = pd.DataFrame({"kpi": ["a", "a", "a", "b"],
                          "month": [date(2026, 3, 1), date(2026, 1, 1), date(2026, 2, 1), date(2026, 1, 1)],
                          "value": [3.0, 1.0, float("nan"), 9.0], "n": [1, 1, 0, 1], "status": ["met"] * 4})
    assert figures.spark(frame, "a") == [1.0, 3.0]


def test_trend_chart_draws_target_and_baseline():
    """The chart carries the values, both plan lines labelled, and the unit on the axis."""
    frame = pd.DataFrame({"kpi": ["mttr_hours"] * 3, "month": [date(2026, m, 1) for m in (1, 2, 3)],
                          "value": [2.5, float("nan"), 1.5], "n": [3, 0, 4], "status": ["improving"] * 3})
    fig = figures.trend_chart(result(1.8), frame)
    labels = [a.text for a in fig.layout.annotations]
    assert "target 2 h" in labels and "baseline 3.2 h" in labels
    assert fig.layout.yaxis.title.text == "hours"
    low, high = fig.layout.yaxis.range
    assert low < 1.5 and high > 3.2



def test_trend_chart_puts_events_in_a_strip_beneath():
    """Given events, one marker trace per kind present, on the strip's axis and its row; sizes run
    from 4 (none) to 13 (the kind's busiest month): changes 2 and 4 give 4 + 9 * 2/4 = 8.5 and 13;
    a lone critical incident is its kind's busiest, 13. No kind without events gets a trace."""
    frame = pd.DataFrame({"kpi": ["mttr_hours"] * 2, "month": [date(2026, 1, 1), date(2026, 2, 1)],
                          "value": [2.5, 1.5], "n": [3, 4], "status": ["improving"] * 2})
    events = pd.DataFrame({"month": [date(2026, 1, 1), date(2026, 2, 1), date(2026, 2, 1)],
                           "kind": ["change", "change", "critical"], "n": [2, 4, 1]})
    fig = figures.trend_chart(result(1.8), frame, events)
    changes, critical = fig.data[1], fig.data[2]
    assert len(fig.data) == 3 and (changes.name, critical.name) == ("changes deployed", "critical incidents")
    assert list(changes.marker.size) == [8.5, 13.0] and list(critical.marker.size) == [13.0]
    assert changes.yaxis == "y2" and list(changes.y) == [2, 2] and list(critical.y) == [4]
    assert fig.layout.xaxis.anchor == "y2" and fig.layout.yaxis.domain[0] > fig.layout.yaxis2.domain[1]
    assert len(figures.trend_chart(result(1.8), frame).data) == 1  # without events: the line alone


def _plotly_lines(fig) -> tuple[list[dict], list[dict]]:
    layout = fig.to_dict()["layout"]
    return layout.get("shapes", []), layout.get("annotations", [])


LINE = {"color": "#21a366", "dash": "dash", "width": 1.5}


@pytest.mark.parametrize("position", ["top left", "top right", "right"])
@pytest.mark.parametrize("style", [{}, {"font": {"color": "#21a366"}, "bgcolor": "rgba(255, 255, 255, 0.75)"},
                                   {"font": {"size": 10, "color": "#6b7078"}}])
def test_hline_draws_what_plotly_add_hline_draws(position, style):
    """Same shape and label as fig.add_hline, for every label position the pages use."""
    plotly_kwargs = {f"annotation_{k}": v for k, v in style.items()}
    theirs = go.Figure(go.Scatter(x=[1, 2], y=[3, 4]))
    theirs.add_hline(y=3.5, line=LINE, annotation_text="target 3.5", annotation_position=position, **plotly_kwargs)
    ours = figures.add_lines(go.Figure(go.Scatter(x=[1, 2], y=[3, 4])),
                        [figures.hline(3.5, LINE, "target 3.5", position, **style)])
    assert _plotly_lines(ours) == _plotly_lines(theirs)


@pytest.mark.parametrize("position", ["top", "top right", "bottom", "bottom right"])
def test_vline_draws_what_plotly_add_vline_draws(position):
    theirs = go.Figure(go.Bar(x=[1, 2], y=[3, 4]))
    theirs.add_vline(x=1.5, line=LINE, annotation_text="P50", annotation_position=position,
                     annotation_font_color="#21a366")
    theirs.add_vline(x=pd.Timestamp("2026-11-26"), line=LINE)  # no label
    ours = figures.add_lines(go.Figure(go.Bar(x=[1, 2], y=[3, 4])),
                        [figures.vline(1.5, LINE, "P50", position, font={"color": "#21a366"}),
                         figures.vline(pd.Timestamp("2026-11-26"), LINE)])
    assert _plotly_lines(ours) == _plotly_lines(theirs)
    assert len(_plotly_lines(ours)[0]) == 2 and len(_plotly_lines(ours)[1]) == 1


def test_lines_on_a_subplot_row_as_plotly_draws_them():
    """A row of a make_subplots figure whose first rows have second y axes (the scenario chain):
    the line goes to that row's own axes, as fig.add_hline(row=, col=) puts it."""
    def chain():
        fig = make_subplots(rows=4, cols=1, specs=[[{"secondary_y": r < 2}] for r in range(4)])
        for row in range(1, 5):
            fig.add_scatter(x=[1, 2], y=[3, 4], row=row, col=1)
        return fig
    theirs, ours = chain(), chain()
    for row in (3, 4):
        theirs.add_hline(y=3.5, row=row, col=1, line=LINE, annotation_text=f"row {row}",
                         annotation_position="top left", annotation_font={"color": "#21a366", "size": 11})
    figures.add_lines(ours, [figures.hline(3.5, LINE, f"row {row}", font={"color": "#21a366", "size": 11},
                                 axes=figures.subplot_axes(ours, row)) for row in (3, 4)])
    assert _plotly_lines(ours) == _plotly_lines(theirs)
    assert {s["yref"] for s in _plotly_lines(ours)[0]} == {"y5", "y6"}  # rows 1-2 hold y1-y4


def test_grid_chart_cells():
    """Each cell shows its row's text and colour; a missing row or value leaves the cell empty."""
    frame = pd.DataFrame({"service": ["api", "api", "web"], "month": ["Jan", "Feb", "Jan"],
                          "status": ["met", "off track", None], "label": ["99.9 %", "98 %", None]})
    heat = figures.grid_chart(frame, "month", "service", text="label", title="t", x_title="", y_title="",
                         status="status").data[0]
    assert [list(r) for r in heat.z] == [[3, 1], [None, None]]
    assert [list(r) for r in heat.text] == [["99.9 %", "98 %"], ["", ""]]
    numbers = frame.assign(pct=[99.9, float("nan"), 97.0])
    heat = figures.grid_chart(numbers, "month", "service", text="label", title="t", x_title="", y_title="", z="pct").data[0]
    assert [list(r) for r in heat.z] == [[99.9, None], [97.0, None]]


def test_scorecard_frame_columns():
    frame = widgets.scorecard_frame([result(1.8)])
    assert list(frame.columns)[:8] == ["kpi", "area", "value", "unit", "target", "baseline", "status", "n"]
    assert frame.loc[0, "target"] == "< 2" and frame.loc[0, "definition"].startswith("mean")


def test_page_span_is_the_trend_year_when_it_holds_the_period(plan):
    """Aug-Oct 2026 (the default) and Oct 2026 alone read the trend's Nov 2025-Oct 2026; a period
    ending mid-month, and one longer than the trend, read their own whole months."""
    year = Period(date(2025, 11, 1), date(2026, 11, 1))
    assert scorecard.page_span(plan, Period(date(2026, 8, 1), date(2026, 11, 1))) == year
    assert scorecard.page_span(plan, Period(date(2026, 10, 1), date(2026, 11, 1))) == year
    assert scorecard.page_span(plan, Period(date(2026, 8, 10), date(2026, 11, 20))) == Period(date(2026, 8, 1), date(2026, 12, 1))
    assert scorecard.page_span(plan, Period(date(2025, 1, 1), date(2026, 11, 1))) == Period(date(2025, 1, 1), date(2026, 11, 1))


def test_filters_picked_in_another_order_are_the_same_key():
    """The cached inputs and results are keyed by the Filters: sorted, one choice is one key."""
    import streamlit as st

    st.session_state[state.SERVICES_KEY], st.session_state[state.CHANNELS_KEY] = ["web", "api"], ["phone", "email"]
    first = sidebar.current_filters()
    st.session_state[state.SERVICES_KEY], st.session_state[state.CHANNELS_KEY] = ["api", "web"], ["email", "phone"]
    assert sidebar.current_filters() == first == state.Filters(("api", "web"), (), ("email", "phone"))
    for key in (state.SERVICES_KEY, state.CHANNELS_KEY):
        del st.session_state[key]


def test_importing_ui_leaves_the_forecasting_stack_for_its_pages():
    """A new server imports ui before it can show any page or the pages' names; statsmodels and
    scipy.stats (half of that import) load only when Capacity or Growth fits a forecast."""
    code = "import sys, ui; print(sorted(m for m in ('statsmodels', 'scipy.stats') if m in sys.modules))"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True,
                         cwd=Path(__file__).resolve().parents[1])
    assert out.stdout.strip() == "[]"


def test_app_loads_the_forecasting_stack_after_its_first_page(demo_db):
    """The Overview's run does not need statsmodels; after it, the page script imports models.forecast on a
    background thread (forecasting.warm_forecasting), so a new server's first Capacity or Growth visit does
    not wait 1.2-2 s for the import; then the objects alive are frozen out of the collector's way."""
    app = Path(__file__).resolve().parents[1] / "shell" / "main.py"
    code = (
        "import sys, threading\n"
        "from streamlit.testing.v1 import AppTest\n"
        f"at = AppTest.from_file({str(app)!r}, default_timeout=120)\n"
        "at.query_params.update({'start': '2026-08-01', 'end': '2026-11-01'})\n"
        "at.run()\n"
        "assert not at.exception, at.exception\n"
        "for t in [t for t in threading.enumerate() if t.name == 'opsplan-import-forecasting']:\n"
        "    t.join(120)\n"
        "import gc\n"
        "print('models.forecast' in sys.modules, gc.get_freeze_count() > 100_000)\n"
    )
    # the repository on the path as `streamlit run app.py` puts it (AppTest runs from a folder of its own)
    env = {**os.environ, "OPSPLAN_DB": str(demo_db), "PYTHONPATH": str(app.parents[1])}
    env.pop("OPSPLAN_PLAN", None)
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env,
                         cwd=app.parents[1], timeout=300)
    assert out.returncode == 0, out.stderr[-2000:]
    assert out.stdout.strip().splitlines()[-1] == "True True"  # and the objects alive then frozen


def test_an_expired_page_result_is_served_while_it_is_recomputed_on_another_thread(app_db):
    """Past the cache's ten minutes, a page's scorecard comes back at once, as it was; the
    recomputation runs on Streamlit's refresh thread, not the visitor's (cache.LOADER)."""
    code = (
        "import threading, time\n"
        "from ui import scorecard\n"
        "from streamlit.runtime.caching import cache_utils\n"
        "from datetime import date\nfrom core.period import Period\n"
        "ran_on, real = [], scorecard.evaluate\n"
        "scorecard.evaluate = lambda *a, **k: ran_on.append(threading.get_ident()) or real(*a, **k)\n"
        "p = Period(date(2026, 8, 1), date(2026, 11, 1))\n"
        "first = scorecard.load_scorecard(p)\n"
        "clock = cache_utils.TTLCACHE_TIMER\n"
        "cache_utils.TTLCACHE_TIMER = lambda: clock() + 11 * 60\n"
        "again = scorecard.load_scorecard(p)\n"
        "for _ in range(600):\n"
        "    if len(ran_on) > 1: break\n"
        "    time.sleep(0.05)\n"
        "me = threading.get_ident()\n"
        "print(again == first, ran_on[0] == me, len(ran_on) == 2 and ran_on[1] != me)\n"
    )
    env = {**os.environ, "OPSPLAN_DB": str(app_db), "STREAMLIT_LOGGER_LEVEL": "error"}
    env.pop("OPSPLAN_PLAN", None)
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env,
                         cwd=Path(__file__).resolve().parents[1], timeout=300)
    assert out.returncode == 0, out.stderr[-2000:]
    assert out.stdout.strip().splitlines()[-1] == "True True True"


def test_a_shared_load_across_a_clear_is_read_again():
    """A load during which forget_results ran (an import committed meanwhile) is read again, so a
    resource cache never keeps rows from before the import; an undisturbed load runs once."""
    calls = []

    def load() -> int:
        calls.append(len(calls))
        if len(calls) == 1:
            cache.forget_results()
        return len(calls)

    assert cache.loaded_after_clears(load) == 2 and calls == [0, 1]
    assert cache.loaded_after_clears(lambda: "once") == "once"


def test_high_priority_response_caption_names_the_unanswered(plan):
    """Answered and unanswered tickets are counted over the period's months."""
    times = pd.DataFrame({"n_answered": [10, 5], "n_unanswered": [0, 2]})
    assert support.high_priority_response_caption(times, plan).startswith(
        "15 high-priority tickets (critical, high) answered in the period; 2 not answered yet, left out")
    assert "none left unanswered" in support.high_priority_response_caption(times.assign(n_unanswered=0), plan)


def test_interval_and_at_words_on_a_tile():
    """A mean's tile says its 90 % interval in the value's decimals and whether it is at a line;
    a KPI judged by its tolerance says how near; one at neither line says nothing of it."""
    csat = replace(result(4.2003, op=">", target=4.5, unit="/5", status="off track"), kpi="csat", baseline=4.2,
                   interval=(4.1712, 4.2294), at="baseline")
    assert formatting.interval_text(csat) == "90 % CI 4.17-4.23"
    assert formatting.noise_text(csat) == "90 % CI 4.17-4.23 · **at baseline** (the interval holds it)"
    hours = replace(result(2.1, status="met"), interval=(1.95, 2.25), at="target")
    assert formatting.noise_text(hours) == "90 % CI 1.95-2.25 h · **at target** (the interval holds it)"
    one = replace(result(2.5, status="improving"), interval=(0.0, float("inf")), n=1)
    assert formatting.interval_text(one) == "90 % CI from 0.00 h, unbounded"
    infra = KpiResult("infra_cost_pct_revenue", "Infrastructure cost share", "Cost", 17.999998, "% of revenue",
                      15.0, 18.0, "<", "off track", 3, "months", "", at="baseline", tolerance=0.1)
    assert formatting.interval_text(infra) is None
    assert formatting.noise_text(infra) == "**at baseline** (within 0.1 pp of 18 %)"
    cost = replace(infra, kpi="support_cost_per_user_usd", value=5.04, unit="USD/user/month", target=5.0,
                   baseline=7.5, status="met", at="target", tolerance=0.05)
    assert formatting.noise_text(cost) == "**at target** (within $0.05 of $5.00)"
    assert formatting.noise_text(replace(infra, value=16.5, status="improving", at="")) is None


def test_scorecard_frame_carries_the_interval_and_at():
    """The exported scorecard has the interval's bounds and the line a value is at."""
    frame = widgets.scorecard_frame([replace(result(2.1), interval=(1.95, 2.25), at="target"), result(1.8)])
    assert list(frame.loc[0, ["at", "ci_lower", "ci_upper"]]) == ["target", 1.95, 2.25]
    assert frame.loc[1, "at"] == "" and pd.isna(frame.loc[1, "ci_lower"])


# ---- the period picker's state: pure transitions, no Streamlit

NAMED = {"Last 3 full months": Period(date(2026, 8, 1), date(2026, 11, 1)),
         "Last full month": Period(date(2026, 10, 1), date(2026, 11, 1))}


def test_a_session_opens_on_the_links_period_else_the_plans_default():
    assert periods.opened({}, NAMED) == periods.PeriodState(NAMED["Last 3 full months"])
    link = {"start": "2026-01-01", "end": "2026-02-01"}
    assert periods.opened(link, NAMED) == periods.PeriodState(Period(date(2026, 1, 1), date(2026, 2, 1)))
    bad = periods.opened({"start": "2026-13-01", "end": "2026-02-01"}, NAMED)
    assert bad.period == NAMED["Last 3 full months"] and "was ignored" in bad.warning


def test_a_preset_replaces_the_period_and_clears_the_warning_custom_keeps_it():
    warned = periods.PeriodState(Period(date(2026, 1, 1), date(2026, 2, 1)), "the link's period was ignored")
    assert periods.preset_chosen(warned, "Last full month", NAMED) == periods.PeriodState(NAMED["Last full month"])
    assert periods.preset_chosen(warned, periods.CUSTOM, NAMED) == periods.PeriodState(warned.period)


def test_months_picked_in_either_order_give_whole_months():
    # July through September 2026, picked September first: [1 Jul, 1 Oct)
    assert periods.months_chosen(date(2026, 9, 1), date(2026, 7, 1)) == periods.PeriodState(
        Period(date(2026, 7, 1), date(2026, 10, 1)))


def test_an_import_leaves_its_verdict_once_and_a_fresh_uploader_when_it_wrote():
    s0 = state.ImportState()
    after_ok = state.imported(s0, "verdict", ok=True)
    assert after_ok == state.ImportState("verdict", 1)
    assert state.result_shown(after_ok) == state.ImportState(None, 1)
    # a rejected import keeps the file in the uploader (same round) to fix and try again
    assert state.imported(after_ok, "rejected", ok=False) == state.ImportState("rejected", 1)


# ---- the Scenarios page's state: pure transitions, no Streamlit

def test_a_fill_starts_afresh_and_back_from_another_page_keeps_unsaved_edits_marked():
    base = {"users": 1000.0, "growth": 10.0}
    s = state.filled(state.ScenarioState(), base)
    assert (s.seed, s.working, s.opened, s.loaded, s.version) == (base, base, base, None, 1)
    s = state.edited(s, {"users": 1200.0, "growth": 10.0}, months=24)
    assert s.working["users"] == 1200.0 and s.opened == base and s.months_kept == 24
    back = state.refilled(s)  # the inputs refilled from what was left; what was opened is still the base
    assert back.seed == back.working == {"users": 1200.0, "growth": 10.0} and back.opened == base
    assert back.version == 2


def test_growth_sent_from_capacity_is_an_unsaved_edit_of_what_was_open():
    s = state.saved_as(state.filled(state.ScenarioState(), {"users": 1000.0, "growth": 10.0}), "q1",
                       {"users": 1000.0, "growth": 10.0})
    from dataclasses import replace
    got = state.received(replace(s, sent={"growth": 25.0}))
    assert got.working == {"users": 1000.0, "growth": 25.0} and got.sent is None
    assert got.loaded == "q1" and got.opened == {"users": 1000.0, "growth": 10.0}


def test_deleting_the_open_scenario_makes_it_unsaved_another_leaves_it():
    s = state.saved_as(state.ScenarioState(), "q1", {"users": 1.0})
    assert state.deleted(s, "q2") == s
    assert state.deleted(s, "q1").loaded is None


# ---- the view in the link: filters and page controls, read and written without Streamlit

def test_a_links_filters_and_controls_read_as_the_pages_options():
    from ui import links
    params = {"services": "auth,payments", "horizon": "12", "resource": "cpu_pct"}
    assert links.value_from_params(params, links.SERVICES, ["api", "auth", "payments"]) == (("auth", "payments"), None)
    # the horizon's options are numbers: "12" in the link is the option 12, not the text
    assert links.value_from_params(params, links.CAP_HORIZON, [3, 6, 12]) == (12, None)
    assert links.value_from_params(params, links.CAP_RESOURCE, ["cpu_pct", "mem_pct"]) == ("cpu_pct", None)
    # left out of the link: nothing, silently
    assert links.value_from_params(params, links.CHANNELS, ["chat"]) == (None, None)
    assert links.value_from_params({}, links.CAP_SERVICE, ["api"]) == (None, None)


def test_an_unknown_value_in_a_link_is_dropped_with_a_warning_naming_it_and_the_allowed():
    from ui import links
    got, warning = links.value_from_params({"services": "auth,nope"}, links.SERVICES, ["api", "auth"])
    assert got == ("auth",)
    assert warning == "The link's services 'nope' was ignored: not one of api, auth."
    got, warning = links.value_from_params({"horizon": "7"}, links.CAP_HORIZON, [3, 6, 12])
    assert got is None and warning == "The link's Capacity horizon '7' was ignored: not one of 3, 6, 12."
    got, warning = links.value_from_params({"scenario": ""}, links.SCENARIO, ["q1"])
    assert got is None and "saved scenario '' was ignored" in warning
    # a repeated value counts once
    assert links.value_from_params({"severities": "high,high"}, links.SEVERITIES, ["high"]) == (("high",), None)


def test_a_controls_value_written_to_the_link_reads_back_the_same():
    from ui import links
    assert links.value_to_param(links.SERVICES, ("auth", "payments")) == "auth,payments"
    assert links.value_to_param(links.SERVICES, ()) is None  # no filter: left out of the link
    assert links.value_to_param(links.CAP_HORIZON, 6) == "6"
    assert links.value_to_param(links.SCENARIO, None) is None
    params = {"services": links.value_to_param(links.SERVICES, ["auth"]), "horizon": "6"}
    assert links.value_from_params(params, links.SERVICES, ["auth"]) == (("auth",), None)
    assert links.value_from_params(params, links.CAP_HORIZON, [3, 6, 12]) == (6, None)


def test_a_control_is_read_from_the_link_once_a_session_and_its_warning_stays_until_changed():
    from ui import links
    s = links.LinkState({"service": "db", "services": "auth,nope"})
    s, got = links.read_from(s, links.CAP_SERVICE, ["api", "db"])
    assert got == "db" and s.read == {"service"}
    assert links.read_from(s, links.CAP_SERVICE, ["api", "db"]) == (s, None)  # a page opened again: its default
    s, got = links.read_from(s, links.SERVICES, ["auth"])
    assert got == ("auth",)
    warning = "The link's services 'nope' was ignored: not one of auth."
    assert links.warning_of(s, links.SERVICES) == warning
    # the control written as the link set it ("auth"): the warning stays; changed: it goes
    assert links.warning_of(links.written(s, links.SERVICES, "auth"), links.SERVICES) == warning
    assert links.warning_of(links.written(s, links.SERVICES, "auth,db"), links.SERVICES) is None
    assert links.written(s, links.CAP_SERVICE, "api") == s  # no warning to clear


# ---- the Capacity page's state: pure transitions, no Streamlit

def test_capacity_sliders_take_what_was_sent_then_what_was_left_then_the_plan():
    plan_values = {"growth": 50.0}
    fresh = state.CapacityState()
    assert state.sliders_from(fresh, True, plan_values) == (plan_values, fresh)  # first visit: the plan's
    left = state.slid(fresh, {"growth": 80.0})
    assert state.sliders_from(left, True, plan_values)[0] == {"growth": 80.0}  # back from another page
    assert state.sliders_from(left, False, plan_values) == (None, left)  # still on the page: the widgets'
    from dataclasses import replace
    sent, after = state.sliders_from(replace(left, sent={"growth": -10.0}), False, plan_values)
    assert sent == {"growth": -10.0} and after.sent is None  # applied once


def test_a_slider_range_widens_to_hold_a_sent_value_and_stays_so():
    s = state.widened(state.CapacityState(), "growth", (0.0, 200.0), -10.0)
    assert s.ranges["growth"] == (-10.0, 200.0)
    assert state.widened(s, "growth", (0.0, 200.0), 50.0).ranges["growth"] == (-10.0, 200.0)  # kept


def _sla_rows(months: int) -> pd.DataFrame:
    spans = [f"M{k:02d}" for k in range(months)]
    targets = ["first response · Email: 4 h", "resolution · Live chat: 30 min, simple issues"]
    return pd.DataFrame([{"span": s, "target": t, "on_time_pct": 80.0, "n": 10} for s in spans for t in targets])


def test_channel_grid_keeps_months_as_columns_up_to_six():
    """Six months: a column per month, a row per measure and channel, as the page always drew it."""
    heat = support.channel_grid(_sla_rows(support.WIDE_MONTHS)).data[0]
    assert list(heat.x) == [f"M{k:02d}" for k in range(6)]
    assert list(heat.y) == ["first response · Email: 4 h", "resolution · Live chat: 30 min, simple issues"]


def test_channel_grid_turns_past_six_months():
    """Twelve months: a row per month and a column per measure, the label broken over three lines."""
    heat = support.channel_grid(_sla_rows(12)).data[0]
    assert list(heat.y) == [f"M{k:02d}" for k in range(12)]
    assert list(heat.x) == ["first response<br>Email:<br>4 h", "resolution<br>Live chat:<br>30 min, simple issues"]
    assert heat.text[0][0] == "80.0 %<br>n = 10"  # the cell still says share and count


def test_local_clock_leaves_the_zone_to_the_caption():
    """23:00 UTC on 25 Nov is 06:00 on 26 Nov in Bangkok (UTC+7); a naive moment is read as UTC."""
    at = pd.Timestamp("2026-11-25 23:00", tz="UTC")
    assert formatting.local_clock(at, "Asia/Bangkok", year=False) == "26 Nov 06:00"
    assert formatting.local_clock(pd.Timestamp("2026-11-25 23:00"), "Asia/Bangkok") == "26 Nov 2026 06:00"
    assert formatting.local_time_text(at, "Asia/Bangkok") == "26 Nov 2026 06:00 Asia/Bangkok"
    assert formatting.local_clock(None, "Asia/Bangkok") == "" and formatting.local_clock(pd.NaT, "Asia/Bangkok") == ""
