"""The review pack's own arithmetic (the summary's ranking, the change from the previous month, the
month asked for) with hand-made values, and its numbers gathered from the demo warehouse."""
from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

from analytics.scorecard import scorecard
from core.period import Period
from core.plan import Plan
from data.warehouse import connect, data_through
from reports import summary
from reports.download import review_month
from reports.html import change_text, since_text
from analytics.ranking import worst_kpi
from reports.review import gather, month_of

DEMO_TODAY = date(2026, 11, 26)


def test_change_from_the_previous_month_says_better_or_worse_by_the_plans_comparison():
    # MTTR 3.62 h -> 2.77 h, lower is better: 2.77 - 3.62 = -0.85 h, better
    assert change_text(2.77, 3.62, "h", "<") == "-0.85 h (better)"
    # uptime 99.68 % -> 99.55 %, higher is better: -0.13 pp, worse; percentages one decimal: -0.1 pp
    assert change_text(99.55, 99.68, "%", ">") == "-0.1 pp (worse)"
    # 99.58 % -> 99.55 %: -0.03 pp would read -0.0 at one decimal, so two
    assert change_text(99.55, 99.58, "%", ">") == "-0.03 pp (worse)"
    # training 25.4 h -> 28.0 h, higher is better: +2.60 h
    assert change_text(28.0, 25.4, "h/employee/year", ">=") == "+2.60 h (better)"
    assert change_text(60.0, 60.0, "%", ">=") == "no change"
    assert change_text(None, 60.0, "%", ">=") == "n/a"


def test_a_month_is_yyyy_mm_and_anything_else_names_the_value():
    assert month_of("2026-10") == Period(date(2026, 10, 1), date(2026, 11, 1))
    assert month_of("2026-12") == Period(date(2026, 12, 1), date(2027, 1, 1))
    for bad in ("2026-13", "2026-1", "Oct 2026", "2026-10-01", ""):
        with pytest.raises(ValueError, match=repr(bad)):
            month_of(bad)


def test_the_overviews_review_is_of_the_last_whole_month_ended_by_today():
    # Sep-Nov with today 26 Nov: November is still running, so October
    assert review_month(Period(date(2026, 9, 1), date(2026, 12, 1)), DEMO_TODAY) == Period.month(date(2026, 10, 1))
    # Jun-Aug: its last month, August
    assert review_month(Period(date(2026, 6, 1), date(2026, 9, 1)), DEMO_TODAY) == Period.month(date(2026, 8, 1))


def test_missed_since_reads_in_local_time():
    assert since_text("2026-10-01T13:02:39+07:00") == "1 Oct 2026 13:02"  # written as every date is (i18n.date_text)
    assert since_text("2026-09-10") == "10 Sep 2026"
    assert since_text(None) == ""


@pytest.mark.slow  # fits every service's capacity forecast
def test_the_review_of_october_holds_the_scorecards_numbers(demo_db: Path, plan: Plan):
    con = connect(demo_db, read_only=True)
    october = month_of("2026-10")
    review = gather(con, plan, october, data_through(con), DEMO_TODAY)
    assert [(r.kpi, r.value, r.status) for r in review.kpis] == \
        [(r.kpi, r.value, r.status) for r in scorecard(con, plan, october)]
    assert [(r.kpi, r.value) for r in review.previous] == \
        [(r.kpi, r.value) for r in scorecard(con, plan, Period.month(date(2026, 9, 1)))]
    uptimes = list(review.services["uptime_pct"])
    assert uptimes == sorted(uptimes) and len(uptimes) == 5
    assert set(review.severity_sla["measure"]) == {"response", "resolution", "escalation"}
    assert set(review.channel_sla["measure"]) == {"first response", "resolution"}
    assert (review.budget_year.start, review.budget_year.months_closed) == (date(2026, 9, 1), 2)  # Sep and Oct
    days = review.capacity["days_to_scale_up"].dropna()
    assert list(days) == sorted(days)  # soonest first
    sentences = summary.summary(review)
    assert len(sentences) == 3
    assert sentences[0].startswith("In Oct 2026, ")
    worst = worst_kpi(review.kpis)
    assert worst is not None and worst.label.lower() in sentences[1]
    assert sentences[2].startswith("Budget: ")


def test_an_empty_month_is_no_data(demo_db: Path, plan: Plan):
    con = connect(demo_db, read_only=True)
    with pytest.raises(ValueError, match="no data for 2030-01"):
        gather(con, plan, month_of("2030-01"), data_through(con), DEMO_TODAY)
    with pytest.raises(ValueError, match="no data for 2020-01"):
        gather(con, plan, month_of("2020-01"), data_through(con), DEMO_TODAY)
