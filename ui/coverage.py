"""The Data page's coverage: which months each table holds rows for, as a table and a heatmap."""
from __future__ import annotations

import math
from datetime import date

import pandas as pd
import plotly.graph_objects as go
import streamlit as st

from core import i18n
from core.i18n import N_, _
from core.period import add_months, month_start
from data import catalog, importer

from ui.cache import LOADER, connection_for, db, plan
from ui.data_import import data_tables, table_label


COVERAGE_HEADERS = {"table": (N_("Table"), 150), "holds": (N_("Holds"), 300), "used_for": (N_("Used for"), 300),
                    "rows": (N_("Rows"), None), "first_date": (N_("First date"), None),
                    "last_date": (N_("Last date"), None), "months_without_rows": (N_("Months without rows"), 180)}


def coverage_config() -> dict:
    """The coverage table's column headers in the reader's language."""
    head = {key: _(label) for key, (label, _width) in COVERAGE_HEADERS.items()}
    width = {key: w for key, (_label, w) in COVERAGE_HEADERS.items()}
    return {**{key: st.column_config.TextColumn(head[key], width=width[key])
               for key in ("table", "holds", "used_for", "months_without_rows")},
            "rows": st.column_config.NumberColumn(head["rows"], format="localized"),
            "first_date": st.column_config.DateColumn(head["first_date"]),
            "last_date": st.column_config.DateColumn(head["last_date"])}


@st.cache_data(**LOADER, show_spinner=False)
def _coverage(db_file: str, tz: str) -> pd.DataFrame:
    return importer.coverage(connection_for(db_file), tz)


@st.cache_data(**LOADER, show_spinner=False)
def _monthly(db_file: str, tz: str, since: date) -> pd.DataFrame:
    return catalog.monthly_rows(connection_for(db_file), tz, since)


def _gaps(table: str, rows: int, months: list[str]) -> str:
    """The coverage table's 'months without rows' cell."""
    if not rows:
        return _("no rows")
    if table in catalog.CATALOGUE_TABLES:
        return _("catalogue: gaps are normal")
    if not months:
        return _("none")
    return f"{len(months)}: {', '.join(months[:4])}{' ...' if len(months) > 4 else ''}"


def load_coverage() -> pd.DataFrame:
    """Per table: what it holds, what reads it, rows, first and last local date, and month gaps."""
    with st.spinner(_("Counting rows per table ...")):
        cov = _coverage(db(), plan().timezone)
    gaps = [_gaps(t, n, m) for t, n, m in zip(cov["table"], cov["rows"], cov["empty_months"])]
    return pd.DataFrame({"table": cov["table"], "rows": cov["rows"], "first_date": cov["first_date"],
                         "last_date": cov["last_date"], "months_without_rows": gaps,
                         "used_for": cov["table"].map(table_uses),
                         "holds": [table_label(t).partition(": ")[2] for t in cov["table"]]})


def load_monthly_rows(last: date, months: int = 24) -> pd.DataFrame:
    """Rows per dated table per local month, for the `months` months up to `last`'s month."""
    with st.spinner(_("Counting rows per month ...")):
        return _monthly(db(), plan().timezone, add_months(month_start(last), -(months - 1)))


def _short(v: float) -> str:
    return "0" if v == 0 else (f"{v / 1000:.0f}k" if v >= 10_000 else (f"{v / 1000:.1f}k" if v >= 1000 else f"{v:.0f}"))


def table_uses(table: str) -> str:
    """Which KPIs and pages read the table, in a few words."""
    return _(catalog.TABLE_USES.get(table, ""))


def coverage_heatmap(monthly: pd.DataFrame, last: date, months: int = 24) -> go.Figure:
    """Month-by-table grid of row counts; a month without rows is red, so a KPI's 'no data' is explained."""
    cols = [add_months(month_start(last), -k) for k in range(months - 1, -1, -1)]
    tables = [t for t in data_tables() if t not in catalog.CATALOGUE_TABLES and t in set(monthly["table"])]
    grid = monthly.assign(month=pd.to_datetime(monthly["month"]).dt.date) \
        .pivot_table(index="table", columns="month", values="rows", aggfunc="sum") \
        .reindex(index=tables[::-1], columns=cols).fillna(0)
    x = [f"{i18n.date_text(m, 'month_name')}<br>{i18n.date_text(m, 'year')}" for m in cols]
    counts, y = grid.to_numpy(), list(grid.index)
    filled = [[math.log10(v) if v > 0 else None for v in row] for row in counts]
    empty = [[0 if v == 0 else None for v in row] for row in counts]
    text = [[_short(v) for v in row] for row in counts]
    common = {"x": x, "y": y, "text": text, "texttemplate": "%{text}", "customdata": counts, "xgap": 2, "ygap": 2,
              "showscale": False, "hovertemplate": _("%{y}, %{x}: %{customdata:,.0f} rows") + "<extra></extra>"}
    fig = go.Figure([go.Heatmap(z=empty, colorscale=[[0, "#f7b9b5"], [1, "#f7b9b5"]], **common),
                     go.Heatmap(z=filled, colorscale=[[0, "#dbe8ef"], [1, "#2f6f8f"]], **common)])
    fig.update_layout(height=80 + 28 * len(tables), margin={"l": 10, "r": 10, "t": 50, "b": 10}, font={"size": 11},
                      xaxis={"side": "top", "tickangle": 0, "showgrid": False},
                      yaxis={"showgrid": False}, plot_bgcolor="rgba(0,0,0,0)")
    return fig
