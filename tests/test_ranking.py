"""The one scale the Overview ranks KPIs on (gap_closed), the order it gives, the period a tile
compares with and the change from it, with hand-made values."""
from __future__ import annotations

from datetime import date

import pandas as pd
import pytest

from analytics.ranking import change, gap_closed, is_better, previous_period, worst_first, worst_kpi, worst_row
from analytics.scorecard import KpiResult
from core.period import Period


def kpi(value: float | None, target: float, baseline: float, op: str = ">=", status: str = "off track",
        judged: float | None = None, key: str = "k") -> KpiResult:
    return KpiResult(key, key.upper(), "Area", value, "%", target, baseline, op, status, 1, "things", "",
                     judged=judged)


def test_gap_closed_is_the_share_of_the_way_from_baseline_to_target():
    # higher is better: baseline 60, target 80, value 70: (70 - 60) / (80 - 60) = 10 / 20 = 0.5, halfway
    assert gap_closed(kpi(70.0, 80.0, 60.0)) == pytest.approx(0.5)
    # higher is better: baseline 60, target 80, value 65: (65 - 60) / (80 - 60) = 5 / 20 = 0.25
    assert gap_closed(kpi(65.0, 80.0, 60.0)) == pytest.approx(0.25)
    # lower is better: baseline 8 h, target 4 h, value 7 h: (7 - 8) / (4 - 8) = -1 / -4 = 0.25
    assert gap_closed(kpi(7.0, 4.0, 8.0, op="<")) == pytest.approx(0.25)
    # past the target, lower is better: baseline 8, target 4, value 3: (3 - 8) / (4 - 8) = 1.25
    assert gap_closed(kpi(3.0, 4.0, 8.0, op="<")) == pytest.approx(1.25)
    # worse than the baseline: 99.5 against 99.7 -> 99.9: (99.5 - 99.7) / 0.2 = -1.0
    assert gap_closed(kpi(99.5, 99.9, 99.7, op=">")) == pytest.approx(-1.0)
    # the judged value (uptime's worst month, 99.6) counts, not the period's 99.8: (99.6 - 99.7) / 0.2 = -0.5
    assert gap_closed(kpi(99.8, 99.9, 99.7, op=">", judged=99.6)) == pytest.approx(-0.5)
    assert gap_closed(kpi(None, 80.0, 60.0)) is None
    assert gap_closed(kpi(70.0, 80.0, 80.0)) is None  # no way to come: target equals baseline


def test_worst_first_orders_by_the_way_come_and_puts_the_unrankable_last():
    up = kpi(99.5, 99.9, 99.7, op=">", key="up")           # (99.5 - 99.7) / 0.2 = -1.0
    fr = kpi(7.5, 4.0, 8.0, op="<", key="fr")              # (7.5 - 8) / (4 - 8) = 0.125
    half = kpi(70.0, 80.0, 60.0, key="half")               # 0.5
    met = kpi(85.0, 80.0, 60.0, status="met", key="met")   # (85 - 60) / 20 = 1.25
    empty = kpi(None, 80.0, 60.0, status="no data", key="empty")
    flat = kpi(70.0, 80.0, 80.0, key="flat")               # target equals baseline: no scale
    assert [r.kpi for r in worst_first([empty, met, half, flat, fr, up])] == ["up", "fr", "half", "met", "empty",
                                                                              "flat"]


def test_the_worst_kpi_has_come_least_of_the_way_among_those_not_met():
    a = kpi(65.0, 80.0, 60.0, key="a")                     # 0.25
    b = kpi(7.5, 4.0, 8.0, op="<", key="b")                # (7.5 - 8) / (4 - 8) = 0.125
    met = kpi(50.0, 80.0, 60.0, status="met", key="c")    # -0.5, but met: not ranked
    assert worst_kpi([a, b, met]) is b
    assert worst_kpi([met]) is None


def test_the_previous_period_has_the_same_length():
    # Aug-Oct (three whole months) -> May-Jul, though Aug-Oct has 92 days and May-Jul 92, Jun-Aug 92
    assert previous_period(Period(date(2026, 8, 1), date(2026, 11, 1))) == Period(date(2026, 5, 1), date(2026, 8, 1))
    # Sep-Nov (91 days) -> Jun-Aug (92 days): whole months, not days
    assert previous_period(Period(date(2026, 9, 1), date(2026, 12, 1))) == Period(date(2026, 6, 1), date(2026, 9, 1))
    # a year across New Year: Dec 2025-Nov 2026 -> Dec 2024-Nov 2025
    assert previous_period(Period(date(2025, 12, 1), date(2026, 12, 1))) == Period(date(2024, 12, 1),
                                                                                    date(2025, 12, 1))
    # 10 days, 11-20 Nov -> 1-10 Nov
    assert previous_period(Period(date(2026, 11, 11), date(2026, 11, 21))) == Period(date(2026, 11, 1),
                                                                                      date(2026, 11, 11))


def test_change_from_the_previous_period_and_whether_it_is_better():
    # uptime 99.70 -> 99.58: 99.58 - 99.70 = -0.12 (pp), worse for ">"
    delta = change(kpi(99.58, 99.9, 99.7, op=">"), kpi(99.70, 99.9, 99.7, op=">"))
    assert delta == pytest.approx(-0.12)
    assert not is_better(delta, ">")
    # first response 3.5 h -> 3.2 h: -0.3 h, better for "<"
    assert is_better(change(kpi(3.2, 2.0, 4.0, op="<"), kpi(3.5, 2.0, 4.0, op="<")), "<")
    assert change(kpi(3.2, 2.0, 4.0), None) is None
    assert change(kpi(3.2, 2.0, 4.0), kpi(None, 2.0, 4.0)) is None


def test_the_worst_row_is_lowest_when_higher_is_better_and_needs_something_counted():
    sla = pd.DataFrame({"channel": ["chat", "email", "phone", "portal"],
                        "on_time_pct": [91.0, 23.0, 0.0, None], "n": [40, 300, 0, 12]})
    # phone's 0 % rests on no ticket and portal has no value: email's 23 % is the worst share
    assert worst_row(sla, "on_time_pct", ">=", n="n")["channel"] == "email"
    # without `n`, phone's 0 % counts
    assert worst_row(sla, "on_time_pct", ">=")["channel"] == "phone"
    down = pd.DataFrame({"service_id": ["auth", "web", "api"], "down_minutes": [120.0, 45.0, 120.0]})
    # lower is better: the most minutes down; the tie of auth and api keeps the first, auth
    assert worst_row(down, "down_minutes", "<")["service_id"] == "auth"
    assert worst_row(sla.iloc[:0], "on_time_pct", ">=") is None
