"""Render benchmark: what a click costs the server once the data is cached.

Run: python benchmarks/render.py [--runs 7] [--pages overview,reliability] [--db DEMO.duckdb]

scale.py times a page's data; this times the rest of a rerun, which every click, filter and
slider pays again: tiles, tables, charts and download buttons. Each page runs in Streamlit's
AppTest (its real script runner, no browser) on a demo warehouse (seed 42, ending 2026-11-26;
built in a temporary folder unless --db), on the default period: twice to fill the caches,
then --runs reruns. A rerun is timed inside the script, from the start of app.py to the end of
the page (what the server spends before the browser has the last delta; AppTest's own polling
is not counted). Medians and minimums.

Beside each page: its charts. Above the table: the floor, a rerun of a one-line Streamlit script
(the runner's own cost, paid by any page). Below, one trend chart built the two ways plotly offers:
add_hline plus update_* calls, and one construction with the lines as layout dicts (figures.hline),
which the pages use; the two figures are checked equal before they are timed.
"""
from __future__ import annotations

import argparse
import logging
import os
import platform
import statistics
import sys
import tempfile
import time
from datetime import date
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))  # run as a script from anywhere

PAGES = ("overview", "reliability", "support", "cost", "budget", "monitoring", "capacity", "growth", "scenarios")
DEMO_TODAY = date(2026, 11, 26)
PERIOD = {"start": "2026-08-01", "end": "2026-11-01"}  # the demo's default: its last three full months


def timed_reruns(script: str, runs: int, page: str | None = None) -> tuple[list[float], int]:
    """Seconds of each of `runs` warm reruns of `script` (switched to pages/<page>.py when given),
    timed inside the script run, and the number of charts the last one drew."""
    from streamlit.testing.v1 import AppTest

    log = Path(tempfile.mkstemp(suffix=".times")[1])
    runner = (f"import runpy, time\nt = time.perf_counter()\n"
              f"try:\n    runpy.run_path({script!r}, run_name='__main__')\n"
              f"finally:\n    open({str(log)!r}, 'a').write(f'{{time.perf_counter() - t}}\\n')\n")
    at = AppTest.from_string(runner, default_timeout=300)
    at.query_params.update(PERIOD)
    at.run()
    if page:
        at.switch_page(str(ROOT / "pages" / f"{page}.py")).run()
    at.run()
    log.write_text("")
    for _ in range(runs):
        at.run()
    if at.exception:
        raise RuntimeError(f"{page or script}: {at.exception[0].message}")
    times = [float(line) for line in log.read_text().split()]
    log.unlink()
    return times, len(at.get("plotly_chart"))


def trend_chart_both_ways(repeat: int) -> tuple[float, float]:
    """Milliseconds to build and serialise one trend chart (12 months, target and baseline) with
    plotly's add_hline and update_* calls, and with figures.trend_chart; medians of `repeat`."""
    import json

    import pandas as pd
    import plotly.graph_objects as go
    import plotly.io
    import plotly.tools

    from analytics.scorecard import KpiResult
    from ui import figures, formatting, palette

    r = KpiResult("uptime_pct", "Uptime", "Reliability", 99.9, "%", 99.9, 99.5, ">=", "met", 12, "outages", "")
    frame = pd.DataFrame({"kpi": "uptime_pct", "month": [date(2026, m, 1) for m in range(1, 13)],
                          "value": [99.5 + m / 30 for m in range(12)], "n": list(range(12)), "status": "met"})

    def incremental():
        rows = frame.sort_values("month")
        fig = go.Figure(go.Scatter(
            x=pd.to_datetime(rows["month"]), y=rows["value"], mode="lines+markers", name=r.label,
            line={"color": palette.LINE_COLOURS["value"], "width": 2}, connectgaps=False,
            customdata=[[formatting.fmt(v, r.unit), n] for v, n in zip(rows["value"], rows["n"])],
            hovertemplate="%{x|%b %Y}: %{customdata[0]} (n = %{customdata[1]})<extra></extra>"))
        for name, level, dash in (("target", r.target, "dash"), ("baseline", r.baseline, "dot")):
            fig.add_hline(y=level, line={"color": palette.LINE_COLOURS[name], "dash": dash, "width": 1.5},
                          annotation_text=f"{name} {formatting.fmt(level, r.unit, trim=True)}",
                          annotation_position="top left", annotation_font_color=palette.LINE_COLOURS[name])
        values = list(rows["value"])
        lo, hi = min([*values, r.target, r.baseline]), max([*values, r.target, r.baseline])
        pad = (hi - lo) * 0.15 or abs(hi) * 0.05 or 1.0
        fig.update_layout(title={"text": f"{r.label} per month"}, height=280, showlegend=False,
                          margin={"l": 10, "r": 10, "t": 40, "b": 10})
        fig.update_yaxes(title_text=palette.AXIS_TITLES.get(r.unit, r.unit), range=[lo - pad, hi + pad])
        fig.update_xaxes(tickformat="%b %Y", dtick="M2")
        return fig

    def served(build) -> str:  # what st.plotly_chart does with a figure
        return plotly.io.to_json(plotly.tools.return_figure_from_figure_or_data(build(), True), validate=False)

    one_go = lambda: figures.trend_chart(r, frame)  # noqa: E731
    if json.loads(served(incremental)) != json.loads(served(one_go)):
        raise AssertionError("the two ways drew different trend charts")
    out = []
    for build in (incremental, one_go):
        times = []
        for _ in range(repeat):
            start = time.perf_counter()
            served(build)
            times.append(time.perf_counter() - start)
        out.append(statistics.median(times) * 1000)
    return out[0], out[1]


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=7, help="timed warm reruns per page (default 7)")
    parser.add_argument("--pages", default=",".join(PAGES), help="comma-separated names of pages/*.py")
    parser.add_argument("--db", type=Path, help="a demo warehouse to read (default: build one)")
    args = parser.parse_args(argv)
    logging.disable(logging.WARNING)  # AppTest's "missing ScriptRunContext" chatter
    os.chdir(ROOT)

    with tempfile.TemporaryDirectory() as tmp:
        db = args.db
        if db is None:
            from data.demo import build_demo_file

            db = Path(tmp) / "demo.duckdb"
            build_demo_file(db, seed=42, today=DEMO_TODAY)
            os.environ["OPSPLAN_TODAY"] = DEMO_TODAY.isoformat()  # the app's today is the demo's
        os.environ["OPSPLAN_DB"] = str(db)
        os.environ.pop("OPSPLAN_PLAN", None)
        from ui import forecasting
        forecasting._settle()  # forecasting imported and objects frozen, as app.py has a server do after its first page
        bare = Path(tmp) / "bare.py"
        bare.write_text("import streamlit as st\nst.write('floor')\n")
        floor = statistics.median(timed_reruns(str(bare), args.runs)[0])

        print(f"Machine: {platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}; "
              f"{args.runs} warm reruns a page; floor = a one-line script's rerun, {floor * 1000:.1f} ms")
        print(f"{'page':12s} {'median ms':>10s} {'min ms':>8s} {'charts':>7s}")
        for page in args.pages.split(","):
            times, charts = timed_reruns(str(ROOT / "shell" / "main.py"), args.runs, page)
            median = statistics.median(times)
            print(f"{page:12s} {median * 1000:10.0f} {min(times) * 1000:8.0f} {charts:7d}", flush=True)

    incremental, one_go = trend_chart_both_ways(max(args.runs * 3, 15))
    print(f"\nOne trend chart, built and serialised as st.plotly_chart does: add_hline + update_* "
          f"{incremental:.1f} ms, one construction (figures.trend_chart) {one_go:.1f} ms, "
          f"{incremental / one_go:.1f}x faster")


if __name__ == "__main__":
    main()
