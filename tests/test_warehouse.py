"""The warehouse layer: migrations, named queries, bound parameters."""
from __future__ import annotations

from datetime import datetime, timezone

import pytest

from data.warehouse import SQL_DIR, connect, query, table_counts


def test_migrate_is_idempotent(tmp_path):
    """Opening twice creates the tables once and records one schema version."""
    path = tmp_path / "w.duckdb"
    connect(path).close()
    con = connect(path)
    assert con.execute("select count(*) from schema_version").fetchone()[0] == 1
    assert {"incidents", "tickets", "costs_monthly", "utilisation_hourly"} <= set(table_counts(con))


def test_every_table_states_its_grain():
    """Each create table in schema.sql is headed by a 'One row per' comment."""
    text = (SQL_DIR.parent / "schema.sql").read_text()
    blocks = text.split("create table")[1:]
    heads = text.split("create table")[:-1]
    assert len(blocks) >= 18
    assert all("One row per" in head.strip().splitlines()[-1] for head in heads)


def test_query_names_are_not_paths(tmp_path):
    """A query name with path characters is refused before any file is read."""
    con = connect(tmp_path / "w.duckdb")
    with pytest.raises(ValueError):
        query(con, "../schema")


def test_parameters_are_bound_not_spliced(tmp_path):
    """A hostile string in a parameter is data, not SQL: it matches nothing and drops nothing."""
    con = connect(tmp_path / "w.duckdb")
    con.execute("insert into tickets (ticket_id, channel, priority, category, created_at, first_response_at) "
                "values ('T1', 'email', 'high', 'x', '2026-01-01 00:00+00', '2026-01-01 01:00+00')")
    span = {"start": datetime(2025, 12, 31, tzinfo=timezone.utc), "end": datetime(2026, 1, 2, tzinfo=timezone.utc)}
    assert len(query(con, "first_response_daily", tz="Asia/Bangkok", priorities=["high"], **span)) == 1
    hostile = ["x') or true; drop table tickets; --"]
    assert query(con, "first_response_daily", tz="Asia/Bangkok", priorities=hostile, **span).empty
    assert table_counts(con)["tickets"] == 1


def test_query_events_equals_query_for_the_event_queries(demo_db):
    """The Arrow path returns the same frame, dtypes included, for the raw event rows it serves."""
    import pandas as pd

    from data.warehouse import query_events

    con = connect(demo_db, read_only=True)
    span = {"start": datetime(2026, 5, 1, tzinfo=timezone.utc), "end": datetime(2026, 11, 1, tzinfo=timezone.utc)}
    for name in ("incidents_in_window", "maintenance_in_window"):
        expected = query(con, name, **span)
        assert len(expected) > 10
        # enums: DuckDB's own conversion marks the categories ordered, Arrow's does not (same categories)
        enums = [c for c in expected.columns if isinstance(expected[c].dtype, pd.CategoricalDtype)]
        expected = expected.assign(**{c: expected[c].cat.as_unordered() for c in enums})
        pd.testing.assert_frame_equal(query_events(con, name, **span), expected)
    con.close()


def test_incident_enums_match_the_schema_checks():
    """incidents_in_window.sql casts severity and impact to enums of the values schema.sql allows:
    the same lists, so that no stored row fails the cast and no allowed value is missing."""
    import re

    schema = (SQL_DIR.parent / "schema.sql").read_text()
    query_text = (SQL_DIR / "incidents_in_window.sql").read_text()
    for column in ("severity", "impact"):
        allowed = re.search(rf"{column} varchar not null check \({column} in \(([^)]*)\)\)", schema).group(1)
        cast = re.search(rf"i\.{column}::enum\(([^)]*)\) as {column}", query_text).group(1)
        assert cast == allowed, column


def test_side_by_side_returns_results_by_name_and_raises_a_failure(tmp_path):
    """Queries on one connection run side by side give the results of running them one by one;
    a failing load's error reaches the caller."""
    from functools import partial

    from data.warehouse import side_by_side

    con = connect(tmp_path / "w.duckdb")
    loads = {f"q{k}": partial(query, con, "services") for k in range(6)}
    assert list(side_by_side(loads)) == list(loads)
    assert all(frame.equals(query(con, "services")) for frame in side_by_side(loads).values())
    with pytest.raises(ValueError, match="bad query name"):
        side_by_side({**loads, "bad": partial(query, con, "../schema")})
    con.close()
