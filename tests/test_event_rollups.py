"""Event rollups: every rolled-up ticket, survey and session query answers exactly as over the raw
rows, after a demo build and after every import mode, and falls back to the raw rows when the
question is not one the rollup was built for."""
from __future__ import annotations

import dataclasses
from datetime import date, datetime, timedelta
from pathlib import Path

import pandas as pd
import pytest

from core.plan import Plan
from data import event_rollups
from data.access import LOCAL_USER
from data.importer import run_import
from data.validate import ImportOptions
from data.warehouse import connect, local_midnight, query
from tests.test_rollups import import_while_open

NOW = datetime(2026, 6, 1, 12, tzinfo=local_midnight(date(2026, 1, 1), "UTC").tzinfo)


def assert_all_same(con, plan: Plan, start: date, end: date, expect_rows: bool = True) -> None:
    """Each rollup's answer for local days [start, end) equals its query over the raw rows."""
    s, e = local_midnight(start, plan.timezone), local_midnight(end, plan.timezone)
    for name, params in event_rollups.plan_params(plan).items():
        rolled = event_rollups.query(con, name, start=s, end=e, **params)
        raw = query(con, name, start=s, end=e, **params)
        assert not expect_rows or not raw.empty, name
        pd.testing.assert_frame_equal(rolled, raw, obj=name)


def served_by_rollup(con, name: str, plan: Plan, start: datetime, end: datetime) -> bool:
    """Whether the rollup table answered, on a warehouse whose rollup tables were emptied (see
    `emptied_rollups`): the raw rows answer with rows, the emptied rollup with none."""
    return event_rollups.query(con, name, start=start, end=end, **event_rollups.plan_params(plan)[name]).empty


def emptied_rollups(demo_db: Path, path: Path):
    """A copy of the demo warehouse with every rollup table emptied but still marked as built."""
    path.write_bytes(demo_db.read_bytes())
    con = connect(path)
    for r in event_rollups.ROLLUPS.values():
        con.execute(f"delete from {r.table}")
    return con


def test_demo_rollups_equal_raw(demo_db: Path, plan: Plan):
    """The demo build fills every rollup; whole months, a quarter and odd day spans match the raw rows."""
    con = connect(demo_db, read_only=True)
    assert set(con.execute("select query from event_rollup_config").df()["query"]) == set(event_rollups.ROLLUPS)
    assert_all_same(con, plan, date(2026, 8, 1), date(2026, 11, 1))
    assert_all_same(con, plan, date(2026, 2, 1), date(2026, 3, 1))
    assert_all_same(con, plan, date(2025, 1, 1), date(2027, 1, 1))
    con.close()


def test_day_bounds_use_the_rollup_and_other_bounds_the_raw_rows(tmp_path: Path, demo_db: Path, plan: Plan):
    """Daily rollups answer for whole local days, monthly ones only for whole months; an hour-shifted
    bound, or a month rollup asked for part of a month, reads the raw rows (and still answers)."""
    con = emptied_rollups(demo_db, tmp_path / "copy.duckdb")
    tz = plan.timezone
    days = (local_midnight(date(2026, 9, 3), tz), local_midnight(date(2026, 9, 17), tz))
    months = (local_midnight(date(2026, 9, 1), tz), local_midnight(date(2026, 10, 1), tz))
    assert served_by_rollup(con, "resolution_daily", plan, *days)
    assert not served_by_rollup(con, "resolution_daily", plan, days[0] + timedelta(hours=1), days[1])
    assert served_by_rollup(con, "ticket_times_monthly", plan, *months)
    assert not served_by_rollup(con, "ticket_times_monthly", plan, *days)
    con.close()


def test_other_parameters_read_raw_until_ensure_builds_them(tmp_path: Path, demo_db: Path, plan: Plan):
    """A plan with other high priorities (or another zone) is not what the rollup holds: the raw rows
    answer until `ensure` rebuilds, which then builds only the rollups whose parameters changed."""
    con = emptied_rollups(demo_db, tmp_path / "copy.duckdb")
    other = dataclasses.replace(plan, settings=dataclasses.replace(plan.settings, high_priority=("critical",)))
    period = (local_midnight(date(2026, 9, 1), plan.timezone), local_midnight(date(2026, 10, 1), plan.timezone))
    assert not served_by_rollup(con, "first_response_daily", other, *period)
    assert event_rollups.ensure(con, plan) == []
    # rebuilt, full again: the two rollups that count high-priority tickets
    assert event_rollups.ensure(con, other) == ["first_response_daily", "high_priority_response_monthly"]
    params = event_rollups.plan_params(other)["first_response_daily"]
    rebuilt = event_rollups.query(con, "first_response_daily", start=period[0], end=period[1], **params)
    assert not rebuilt.empty
    pd.testing.assert_frame_equal(rebuilt, query(con, "first_response_daily", start=period[0], end=period[1], **params))
    con.execute("delete from rollup_first_response_daily")
    assert served_by_rollup(con, "first_response_daily", other, *period)
    con.close()


@pytest.fixture()
def con(tmp_path: Path, plan: Plan):
    con = connect(tmp_path / "e.duckdb")
    event_rollups.ensure(con, plan)  # on an empty warehouse: empty rollups, built for the plan
    return con


def imp(con, text: str, table: str, mode: str) -> None:
    result = run_import(con, text.encode(), f"{table}.csv", table, ImportOptions(tz="UTC", mode=mode), user="t",
                        now=NOW, actor=LOCAL_USER)
    assert result.outcome == "imported", result.summary()


TICKET_HEAD = "ticket_id,channel,priority,category,is_simple,created_at,first_response_at,resolved_at,escalation_count,max_tier,is_reopened\n"


def ticket(i: int, day: int, channel: str = "email", priority: str = "high", resolve_days: int = 2,
           escalations: int = 0, month: int = 3) -> str:
    created = datetime(2026, month, day, 9 + i % 8, 17 * i % 60)
    responded = created + timedelta(minutes=5 + 7 * i)
    resolved = created + timedelta(days=resolve_days, hours=i % 5)  # often in another day or month
    return (f"t{i},{channel},{priority},access,{'true' if i % 2 else 'false'},{created:%Y-%m-%d %H:%M},"
            f"{responded:%Y-%m-%d %H:%M},{resolved:%Y-%m-%d %H:%M},{escalations},{1 + escalations},false\n")


def test_imports_keep_every_rollup_equal_to_raw(con, plan: Plan):
    """Append, upsert (a channel change moves the ticket's surveys too), survey and session imports,
    and replaces, each leave every rollup equal to its raw query, across month ends and time zones."""
    span = (date(2026, 1, 1), date(2026, 6, 1))
    channels = ["email", "live_chat", "phone"]
    imp(con, TICKET_HEAD + "".join(ticket(i, 1 + i % 28, channels[i % 3], ["high", "low", "critical"][i % 3],
                                          resolve_days=i % 6) for i in range(60)), "tickets", "append")
    assert_all_same(con, plan, *span, expect_rows=False)
    imp(con, "response_id,ticket_id,submitted_at,score\n" + "".join(
        f"r{i},t{i},2026-04-{1 + i % 28:02d} 10:00,{1 + i % 5}\n" for i in range(0, 60, 2)), "survey_responses", "append")
    imp(con, "session_id,started_at,source,ticket_id,is_resolved\n" + "".join(
        f"s{i},2026-03-{1 + i % 28:02d} 08:00,chatbot,{f't{i}' if i % 4 == 0 else ''},{'true' if i % 3 else 'false'}\n"
        for i in range(40)), "self_service_sessions", "append")
    assert_all_same(con, plan, *span)
    # A survey dated before its ticket (as exports have): only the linked-row rule finds its day
    # when the ticket's channel changes.
    imp(con, "response_id,ticket_id,submitted_at,score\nr0,t0,2026-02-27 23:30,5\n", "survey_responses", "upsert")
    assert_all_same(con, plan, *span)
    # Upsert: earlier tickets change channel and escalation; a new ticket lands in January.
    imp(con, TICKET_HEAD + ticket(0, 1, "phone") + ticket(4, 5, "phone", escalations=1) + ticket(10, 11, "live_chat"),
        "tickets", "upsert")
    assert_all_same(con, plan, *span)
    imp(con, TICKET_HEAD + ticket(99, 20, "email", month=1), "tickets", "upsert")
    assert_all_same(con, plan, *span)
    imp(con, "session_id,started_at,source,ticket_id,is_resolved\ns1,2026-03-02 08:00,chatbot,t99,true\n",
        "self_service_sessions", "upsert")  # takes January's t99 out of the direct tickets
    assert_all_same(con, plan, *span)
    imp(con, "session_id,started_at,source,ticket_id,is_resolved\nx1,2026-03-05 08:00,forum,,true\n",
        "self_service_sessions", "replace")
    imp(con, "response_id,ticket_id,submitted_at,score\nq1,t3,2026-03-09 12:00,4\n", "survey_responses", "replace")
    assert_all_same(con, plan, *span)


def test_a_failed_import_leaves_the_rollups_as_they_were(con, plan: Plan):
    """The rollups are written in the import's transaction: a refused file changes none of them."""
    imp(con, TICKET_HEAD + "".join(ticket(i, 1 + i % 28) for i in range(10)), "tickets", "append")
    before = {r.table: con.execute(f"select * from {r.table} order by all").df() for r in event_rollups.ROLLUPS.values()}
    bad = run_import(con, (TICKET_HEAD + ticket(50, 3) + "t51,email,urgent,access,false,2026-03-04 10:00,,,0,1,false\n")
                     .encode(), "tickets.csv", "tickets", ImportOptions(tz="UTC", mode="append"), user="t", now=NOW,
                     actor=LOCAL_USER)
    assert bad.outcome != "imported"
    for table, frame in before.items():
        pd.testing.assert_frame_equal(con.execute(f"select * from {table} order by all").df(), frame)


def test_monthly_demand_counts_tickets_opened_per_local_month(demo_db: Path, plan: Plan):
    """The growth series' tickets (from the rollup) are the tickets created in each local month."""
    from data.baseline import monthly_demand

    con = connect(demo_db, read_only=True)
    demand = monthly_demand(con, plan.timezone, date(2025, 6, 1), date(2026, 12, 1))
    raw = con.execute("select date_trunc('month', timezone($tz, created_at))::date as month, count(*) as n "
                      "from tickets where created_at >= $s and created_at < $e group by all",
                      {"tz": plan.timezone, "s": local_midnight(date(2025, 6, 1), plan.timezone),
                       "e": local_midnight(date(2026, 12, 1), plan.timezone)}).df()
    counts = dict(zip(pd.to_datetime(raw["month"]).dt.date, raw["n"]))
    assert len(demand) == 18 and demand["tickets"].sum() == raw["n"].sum() > 0
    for month, tickets in zip(pd.to_datetime(demand["month"]).dt.date, demand["tickets"]):
        assert tickets == counts.get(month, 0), month
    con.close()


def test_an_import_leaves_a_rollup_of_another_query_text_alone(con, plan: Plan):
    """After an upgrade changes a query, its stored rollup (shaped by the old text) is neither
    written by an import nor read, by this release or the old one (it is marked unbuilt): the
    import succeeds, answers come from the raw rows, and `ensure` rebuilds exactly that rollup."""
    con.execute("update event_rollup_config set fingerprint = 'old text' where query = 'resolution_daily'")
    imp(con, TICKET_HEAD + "".join(ticket(i, 1 + i % 28) for i in range(10)), "tickets", "append")
    assert con.execute("select count(*) from rollup_resolution_daily").fetchone()[0] == 0
    assert con.execute("select count(*) from event_rollup_config where query = 'resolution_daily'").fetchone()[0] == 0
    assert con.execute("select count(*) from rollup_first_response_daily").fetchone()[0] > 0
    assert_all_same(con, plan, date(2026, 1, 1), date(2026, 6, 1), expect_rows=False)  # no surveys here
    assert event_rollups.ensure(con, plan) == ["resolution_daily"]
    assert con.execute("select count(*) from rollup_resolution_daily").fetchone()[0] > 0


def test_two_imports_at_once_take_turns(con, plan: Plan, monkeypatch: pytest.MonkeyPatch):
    """A second import that recounts the same rollups while the first's transaction is open is
    asked to retry (each would otherwise recount without the other's rows: here a survey would
    keep its ticket's old channel); the rollups stay equal to the raw rows, and the retry works."""
    imp(con, TICKET_HEAD + ticket(1, 1), "tickets", "append")
    imp(con, "response_id,ticket_id,submitted_at,score\nr0,t1,2026-03-03 10:00,4\n", "survey_responses", "append")
    moved = TICKET_HEAD + ticket(1, 1, "phone")
    second = import_while_open(monkeypatch, con, moved, "tickets", "upsert", now=NOW)
    imp(con, "response_id,ticket_id,submitted_at,score\nr1,t1,2026-04-25 10:00,5\n", "survey_responses", "append")
    monkeypatch.undo()
    assert second["result"].outcome == "retry"
    assert_all_same(con, plan, date(2026, 1, 1), date(2026, 6, 1))
    imp(con, moved, "tickets", "upsert")
    assert_all_same(con, plan, date(2026, 1, 1), date(2026, 6, 1))


def test_ensure_rebuilds_after_imports_that_did_not_recount(con, plan: Plan):
    """An import by a release without rollups (here: its rows and its import_log row written
    directly) leaves them stale; import_log shows it, and `ensure` rebuilds every rollup."""
    imp(con, TICKET_HEAD + "".join(ticket(i, 1 + i % 28) for i in range(10)), "tickets", "append")
    assert event_rollups.ensure(con, plan) == []
    con.execute("insert into tickets (ticket_id, channel, priority, category, created_at, first_response_at, resolved_at) "
                "values ('old1', 'phone', 'high', 'access', '2026-03-05 10:00+00', '2026-03-05 10:20+00', "
                "'2026-03-06 10:00+00')")
    con.execute("insert into import_log values ('x', 'old.csv', null, 'sha', 'tickets', 'append', 'old release', "
                "now(), 1, 1, 0, 0, 0, 0, 'imported', '{}')")
    assert sorted(event_rollups.ensure(con, plan)) == sorted(event_rollups.ROLLUPS)
    assert_all_same(con, plan, date(2026, 1, 1), date(2026, 6, 1), expect_rows=False)
    assert event_rollups.ensure(con, plan) == []
