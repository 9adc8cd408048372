"""The Overview page, run headless through the app's page script with Streamlit's AppTest on the demo warehouse.
"""
from __future__ import annotations

from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from ui import formatting, palette, periods, state
from tests.conftest import app_test, plotly_charts
from core.plan import Plan

ROOT = Path(__file__).resolve().parent.parent
STATUSES = set(palette.STATUS_COLOURS)
# A fixed period inside the demo data (seed 42, ending November 2026), whatever today is.
LINK = {"start": "2026-08-01", "end": "2026-11-01"}


@pytest.fixture
def app(app_db: Path, monkeypatch: pytest.MonkeyPatch) -> AppTest:
    return app_test(app_db, monkeypatch, timeout=60)


def period_line(at: AppTest) -> str:
    return next(m.value for m in at.markdown if "KPIs met" in m.value)


def badges(at: AppTest) -> list[str]:
    return [m.value for m in at.markdown if "-badge[" in m.value]


def test_overview_shows_every_kpi_with_status(app: AppTest, plan: Plan):
    """12 tiles, labelled as in plan.toml, each with a status badge, and no exception."""
    app.query_params.update(LINK)
    app.run()
    assert not app.exception
    assert app.title[0].value == "Is the plan on track?"
    assert sorted(m.label for m in app.metric) == sorted(formatting.tile_label(k.label)[0] for k in plan.kpis)
    assert len(app.metric) == 12
    shown = badges(app)
    assert len(shown) == 12
    assert all(any(f"[{s}]" in b for s in STATUSES) for b in shown)
    assert "01 Aug 2026 to 31 Oct 2026" in period_line(app)
    assert all(m.value and m.value != "no data" for m in app.metric)
    assert len(app.get("download_button")) == 1  # the month's review; the table and the coherence checks are closed


def test_choosing_a_preset_changes_the_period(app: AppTest):
    """Picking 'Last full month' reruns the page for that month and writes it to the URL."""
    app.run()
    before = period_line(app)
    app.selectbox(key=state.PRESET_KEY).select("Last full month").run()
    assert not app.exception
    after = period_line(app)
    assert after != before
    period = app.session_state[state.PERIOD_KEY].period
    assert period.label() in after
    assert app.query_params["start"] == period.start.isoformat()
    assert len(app.metric) == 12


def test_custom_month_range(app: AppTest):
    """A custom range is whole months, from and through."""
    app.query_params.update(LINK)
    app.run()
    app.selectbox(key=state.PRESET_KEY).select(periods.CUSTOM).run()
    months = app.selectbox(key=state.FROM_KEY).options
    app.selectbox(key=state.FROM_KEY).select(months[-1]).run()  # the oldest month
    assert not app.exception
    assert app.session_state[state.PERIOD_KEY].period.end.isoformat() == LINK["end"]
    assert "to 31 Oct 2026" in period_line(app)


def test_bad_link_falls_back_to_default_with_warning(app: AppTest):
    """A broken ?start= shows the default period and says so, never an exception."""
    app.query_params.update({"start": "2026-02-30", "end": "2026-11-01"})
    app.run()
    assert not app.exception
    assert any("ignored" in w.value for w in app.sidebar.warning)
    assert len(app.metric) == 12


def test_bad_plan_is_an_error_naming_the_key(app: AppTest, monkeypatch: pytest.MonkeyPatch, tmp_path: Path):
    """A plan.toml with a wrong value stops the app with the key named, no traceback."""
    text = (ROOT / "plan.toml").read_text().replace('op = ">"', 'op = "more"', 1)
    bad = tmp_path / "plan.toml"
    bad.write_text(text)
    monkeypatch.setenv("OPSPLAN_PLAN", str(bad))
    app.run()
    assert not app.exception
    assert any("kpis.uptime_pct.op" in e.value for e in app.error)
    assert len(app.metric) == 0


def test_page_alone_uses_the_link_period(app: AppTest):
    """Run on its own (without the page script's sidebar), the page still reads the period from
    the link instead of failing."""
    alone = AppTest.from_file(str(ROOT / "pages" / "overview.py"), default_timeout=60)
    alone.query_params.update(LINK)
    alone.run()
    assert not alone.exception
    assert len(alone.metric) == 12
    assert "01 Aug 2026 to 31 Oct 2026" in period_line(alone)


def test_first_start_builds_the_demo(app: AppTest, monkeypatch: pytest.MonkeyPatch, tmp_path: Path):
    """With no warehouse file, the app builds the seeded demo, says so, and shows the dashboard."""
    path = tmp_path / "fresh" / "warehouse.duckdb"
    monkeypatch.setenv("OPSPLAN_DB", str(path))
    app.run()
    assert not app.exception
    assert path.exists()
    assert "Demo warehouse built" in [s.label for s in app.status]
    assert len(app.metric) == 12


def test_tiles_say_at_baseline_and_show_the_interval(app: AppTest):
    """Aug-Oct 2026 of the demo: infrastructure cost share is 18.0000014 %, against a baseline of 18 %
    and a tolerance of 0.1 pp: at baseline, off track (it read 'improving' at 17.999998 % before the
    status rule had noise). Support satisfaction's tile gives its 90 % interval, which holds the
    baseline 4.2: at baseline too. Each tile's caption (target, n, then noise) says so."""
    app.query_params.update(LINK)
    app.run()
    assert not app.exception
    captions = [c.value for c in app.caption]
    infra = next(c for c in captions if c.startswith("Target < 15 % · baseline 18 %"))
    assert "**at baseline** (within 0.1 pp of 18 %)" in infra
    csat = next(c for c in captions if c.startswith("Target > 4.5 / 5 · baseline 4.2 / 5"))
    assert "90 % CI 4.14-4.26 · **at baseline** (the interval holds it)" in csat
    # the demo is calibrated to sit on its baselines: every KPI is off track, none 'improving' by noise
    # (uptime is off track beyond its baseline: judged by its worst month, Oct 2026 at 99.55 %)
    assert ":orange[**0** improving]" in period_line(app)
    assert ":red[**12** off track] (11 at baseline)" in period_line(app)


def test_the_months_review_downloads_from_the_overview(app: AppTest):
    """The "Download this month's review" button: the last whole month of the period (Oct 2026 for
    Aug-Oct), as HTML, built only when clicked and without rerunning the page."""
    app.query_params.update(LINK)
    app.run()
    assert not app.exception
    button = next(b for b in app.get("download_button") if b.proto.label.startswith("Download this month's review"))
    assert button.proto.label == "Download this month's review (Oct 2026, HTML)"
    assert button.proto.ignore_rerun


def test_tiles_are_ranked_worst_first_against_the_period_before(app: AppTest, demo_db: Path, plan: Plan):
    """The tiles in the order of the share of the baseline-to-target gap closed (the scorecard's
    own numbers, read from the warehouse), each with its change from May-Jul (the three months
    before Aug-Oct); the worst named above them with its facts; the scope said."""
    from datetime import date

    from analytics.ranking import gap_closed, worst_first
    from analytics.scorecard import scorecard
    from core.period import Period
    from data.warehouse import connect

    app.query_params.update(LINK)
    app.run()
    assert not app.exception
    con = connect(demo_db, read_only=True)
    try:
        ranked = worst_first(scorecard(con, plan, Period(date(2026, 8, 1), date(2026, 11, 1))))
    finally:
        con.close()
    assert [m.label for m in app.metric] == [formatting.tile_label(r.label)[0] for r in ranked]
    closed = [gap_closed(r) for r in ranked]
    assert closed == sorted(closed)  # every demo KPI can be ranked: none without data
    assert ranked[0].kpi == "uptime_pct"  # its worst month lies below the baseline: a negative share
    assert all(str(m.delta).endswith("vs May-Jul") for m in app.metric)
    worst = next(w.value for w in app.warning if "Worst:" in w.value)
    assert "Worst: Uptime" in worst and "worst month" in worst and "most downtime" in worst
    assert any("whole system" in c.value for c in app.caption)
    assert any("#1 · Reliability · gap closed -" in c.value for c in app.caption)


def test_the_previous_periods_name_is_short_within_the_year():
    from datetime import date

    from core.period import Period
    from ui.overview import short_span

    aug_oct = Period(date(2026, 8, 1), date(2026, 11, 1))
    assert short_span(Period(date(2026, 5, 1), date(2026, 8, 1)), aug_oct) == "May-Jul"
    # Feb-Apr 2026 before: Nov 2025-Jan 2026 crosses the year, so it keeps its years
    feb_apr = Period(date(2026, 2, 1), date(2026, 5, 1))
    assert short_span(Period(date(2025, 11, 1), date(2026, 2, 1)), feb_apr) == "Nov 2025-Jan 2026"
    # a month of the year before keeps its year
    assert short_span(Period(date(2025, 12, 1), date(2026, 1, 1)), Period(date(2026, 1, 1), date(2026, 2, 1))) \
        == "Dec 2025"


def test_the_table_and_the_trends_are_drawn_when_opened(app: AppTest):
    """The Overview draws no table, no trend chart and no coherence check until asked: the tiles show
    every KPI. Opening the scorecard table draws it with its download; opening the trends draws one
    chart per KPI; opening the coherence checks draws their table and download."""
    app.query_params.update(LINK)
    app.run()
    assert not plotly_charts(app) and not app.dataframe and not app.table
    app.session_state[state.OVERVIEW_TABLE_KEY] = True
    app.run()
    assert not app.exception
    assert len(app.dataframe) == 1 and not plotly_charts(app)
    assert len(app.get("download_button")) == 2  # the month's review and the scorecard
    app.session_state[state.OVERVIEW_TABLE_KEY] = False
    app.session_state[state.OVERVIEW_TRENDS_KEY] = True
    app.run()
    assert not app.exception
    assert len(plotly_charts(app)) == len(app.metric) == 12 and not app.dataframe
    app.session_state["coherence_all"] = True
    app.run()
    assert len(app.table) == 1 and len(app.get("download_button")) == 2  # the review and the coherence checks


def test_the_sidebar_switch_adds_event_markers_to_every_trend(app: AppTest):
    """Off by default: each trend chart is its one line. Switched on: every trend chart gains the
    event strip (a second y axis) with critical-incident and change markers from the demo's year,
    and the switch stays on in the session."""
    from tests.conftest import chart

    app.query_params.update(LINK)
    app.session_state[state.OVERVIEW_TRENDS_KEY] = True
    app.run()
    trend_keys = [c.proto.id.split("-trend_")[1] for c in plotly_charts(app) if "-trend_" in c.proto.id]
    assert trend_keys and all(len(chart(app, f"-trend_{k}")["data"]) == 1 for k in trend_keys)
    app.toggle(key=state.EVENTS_KEY).set_value(True).run()
    assert not app.exception, app.exception
    figures = [chart(app, f"-trend_{k}") for k in trend_keys]
    for fig in figures:
        names = {t.get("name") for t in fig["data"][1:]}
        assert {"critical incidents", "changes deployed", "maintenance windows"} <= names
        assert all(t["yaxis"] == "y2" for t in fig["data"][1:]) and "yaxis2" in fig["layout"]
    assert app.session_state[state.EVENTS_KEY] is True


def test_a_tile_opens_the_records_behind_it(app: AppTest, app_db: Path):
    """A tile's Records popover lists the rows of the period behind its KPI, for the whole system:
    uptime the incidents started in Aug-Oct 2026 (local time, UTC+7), first response the tickets
    created then, support cost per user the cost rows (a budget line's month each) of the three
    months; counted here with plain SQL on the warehouse. An Improvement tile has no records."""
    import duckdb

    start, end = "timestamptz '2026-08-01 00:00:00+07'", "timestamptz '2026-11-01 00:00:00+07'"
    with duckdb.connect(str(app_db), read_only=True) as con:  # before the app opens the file read-write
        counts = {kpi: con.execute(sql).fetchone()[0] for kpi, sql in (
            ("uptime_pct", f"select count(*) from incidents where started_at >= {start} and started_at < {end}"),
            ("first_response_hours", f"select count(*) from tickets where created_at >= {start} and created_at < {end}"),
            ("support_cost_per_user_usd",
             "select count(*) from costs_monthly where month >= date '2026-08-01' and month < date '2026-11-01'"))}
    assert all(counts.values())
    app.query_params.update(LINK)
    app.run()
    labels = [p.proto.popover.label for p in app.get("popover")]
    assert labels.count("Records") == 8  # reliability 3, support 3, cost 2; none on the 4 improvement tiles
    for kpi, n in counts.items():
        app.session_state[f"records_{kpi}"] = True
        app.run()
        assert not app.exception, app.exception
        assert len(app.dataframe) == 1  # the records (the scorecard table is closed)
        assert len(app.dataframe[0].value) == n, kpi
        assert any(m.value.startswith(f"**{n:,} ") for m in app.markdown)
        app.session_state[f"records_{kpi}"] = False
