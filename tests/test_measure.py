"""The plan's status rule at its boundaries, the ratio helper, and Columns."""
from __future__ import annotations

import math
from datetime import date

import duckdb
import numpy as np
import pandas as pd
import pytest

from analytics.measure import (AT_BASELINE, AT_TARGET, IMPROVING, MET, NO_DATA, OFF_TRACK, Columns, Judgement,
                              before, epoch_array, in_days, judge, ratio, status, t_interval, wilson_interval)


@pytest.mark.parametrize("key,value,expected", [
    ("uptime_pct", 99.95, MET), ("uptime_pct", 99.8, IMPROVING), ("uptime_pct", 99.0, OFF_TRACK),
    ("mttr_hours", 1.9, MET), ("mttr_hours", 2.5, IMPROVING), ("mttr_hours", 5.0, OFF_TRACK),
    ("automation_pct", 80.0, MET), ("automation_pct", 60.0, OFF_TRACK),
    ("certification_pct", 100.0, MET), ("certification_pct", 99.0, IMPROVING),
    ("support_cost_per_user_usd", 4.9, MET), ("support_cost_per_user_usd", 7.6, OFF_TRACK),
])
def test_status_boundaries(plan, key, value, expected):
    """Met on the right side of the target, off track at or beyond the baseline, improving between
    (values farther from either line than its tolerance in plan.toml)."""
    assert status(value, plan.kpi(key)) == expected


def test_a_value_equal_to_a_line_is_at_it(plan):
    """Exactly at the baseline is at baseline (off track); exactly at the target is at target, which
    counts as met even where the plan's comparison is strict ("> 99.9 %", "< 2 h": these read
    "improving" before the status rule had noise)."""
    assert judge(99.7, plan.kpi("uptime_pct")) == Judgement(OFF_TRACK, AT_BASELINE)
    assert judge(99.9, plan.kpi("uptime_pct")) == Judgement(MET, AT_TARGET)
    assert judge(3.2, plan.kpi("mttr_hours")) == Judgement(OFF_TRACK, AT_BASELINE)
    assert judge(2.0, plan.kpi("mttr_hours")) == Judgement(MET, AT_TARGET)


# Higher is better, tolerance 0.01 pp (uptime: target > 99.9, baseline 99.7). Just inside a
# tolerance is 0.009 away, just outside 0.011; the tolerance's own edge (99.91) is inside.
@pytest.mark.parametrize("value,expected", [
    (99.911, Judgement(MET)), (99.91, Judgement(MET, AT_TARGET)), (99.909, Judgement(MET, AT_TARGET)),
    (99.891, Judgement(MET, AT_TARGET)), (99.889, Judgement(IMPROVING)),
    (99.711, Judgement(IMPROVING)), (99.709, Judgement(OFF_TRACK, AT_BASELINE)),
    (99.691, Judgement(OFF_TRACK, AT_BASELINE)), (99.689, Judgement(OFF_TRACK)),
])
def test_tolerance_higher_is_better(plan, value, expected):
    assert plan.kpi("uptime_pct").tolerance == 0.01
    assert judge(value, plan.kpi("uptime_pct")) == expected


# Lower is better, tolerance 0.1 pp (infra share: target < 15 %, baseline 18 %). 17.999998 %
# is the demo's "improving" that was at its baseline but for float noise.
@pytest.mark.parametrize("value,expected", [
    (14.89, Judgement(MET)), (14.91, Judgement(MET, AT_TARGET)), (15.0, Judgement(MET, AT_TARGET)),
    (15.09, Judgement(MET, AT_TARGET)), (15.11, Judgement(IMPROVING)),
    (17.89, Judgement(IMPROVING)), (17.91, Judgement(OFF_TRACK, AT_BASELINE)),
    (17.999998, Judgement(OFF_TRACK, AT_BASELINE)), (18.09, Judgement(OFF_TRACK, AT_BASELINE)),
    (18.11, Judgement(OFF_TRACK)),
])
def test_tolerance_lower_is_better(plan, value, expected):
    assert plan.kpi("infra_cost_pct_revenue").tolerance == 0.1
    assert judge(value, plan.kpi("infra_cost_pct_revenue")) == expected


def test_cost_per_user_within_five_cents(plan):
    """Support cost per user (< $5, baseline $7.50, tolerance $0.05): $5.04 is at target (met),
    $5.06 is improving; $7.46 at baseline (off track), $7.44 improving."""
    kpi = plan.kpi("support_cost_per_user_usd")
    assert [judge(v, kpi) for v in (5.04, 5.06, 7.46, 7.44)] == [
        Judgement(MET, AT_TARGET), Judgement(IMPROVING), Judgement(OFF_TRACK, AT_BASELINE), Judgement(IMPROVING)]


# A mean over n records is judged by its 90 % interval, not by a tolerance. Higher is better:
# support satisfaction, target > 4.5, baseline 4.2. "Just inside": the interval's edge lies
# 0.0001 beyond the line; "just outside": 0.0001 short of it.
@pytest.mark.parametrize("value,interval,expected", [
    (4.2003, (4.17, 4.23), Judgement(OFF_TRACK, AT_BASELINE)),  # the review's CSAT: not "improving"
    (4.25, (4.1999, 4.30), Judgement(OFF_TRACK, AT_BASELINE)), (4.25, (4.2001, 4.30), Judgement(IMPROVING)),
    (4.15, (4.10, 4.2001), Judgement(OFF_TRACK, AT_BASELINE)), (4.15, (4.10, 4.1999), Judgement(OFF_TRACK)),
    (4.45, (4.40, 4.5001), Judgement(MET, AT_TARGET)), (4.45, (4.40, 4.4999), Judgement(IMPROVING)),
    (4.55, (4.4999, 4.60), Judgement(MET, AT_TARGET)), (4.55, (4.5001, 4.60), Judgement(MET)),
    # an interval holding both lines: the line nearer the value (halfway, 4.35: the baseline)
    (4.30, (4.0, 4.6), Judgement(OFF_TRACK, AT_BASELINE)), (4.40, (4.0, 4.6), Judgement(MET, AT_TARGET)),
    (4.35, (4.0, 4.7), Judgement(OFF_TRACK, AT_BASELINE)),
])
def test_interval_higher_is_better(plan, value, interval, expected):
    assert judge(value, plan.kpi("csat"), interval=interval) == expected


# Lower is better: first response, target < 2 h, baseline 3.5 h.
@pytest.mark.parametrize("value,interval,expected", [
    (3.5, (3.5, 3.5), Judgement(OFF_TRACK, AT_BASELINE)),  # every record agrees, exactly at the baseline
    (3.4, (3.3, 3.5001), Judgement(OFF_TRACK, AT_BASELINE)), (3.4, (3.3, 3.4999), Judgement(IMPROVING)),
    (3.6, (3.4999, 3.7), Judgement(OFF_TRACK, AT_BASELINE)), (3.6, (3.5001, 3.7), Judgement(OFF_TRACK)),
    (2.1, (1.9999, 2.2), Judgement(MET, AT_TARGET)), (2.1, (2.0001, 2.2), Judgement(IMPROVING)),
    (1.9, (1.8, 2.0001), Judgement(MET, AT_TARGET)), (1.9, (1.8, 1.9999), Judgement(MET)),
])
def test_interval_lower_is_better(plan, value, interval, expected):
    assert judge(value, plan.kpi("first_response_hours"), interval=interval) == expected


def test_an_interval_decides_instead_of_the_tolerance(plan):
    """With an interval, the tolerance plays no part: 17.95 % is within infra share's 0.1 pp of
    18 %, but an interval [17.9, 17.99] that excludes 18 says the difference is real."""
    infra = plan.kpi("infra_cost_pct_revenue")
    assert judge(17.95, infra) == Judgement(OFF_TRACK, AT_BASELINE)
    assert judge(17.95, infra, interval=(17.9, 17.99)) == Judgement(IMPROVING)


def test_float_rounding_lands_on_the_limit(plan):
    """A mean of 3.2 h computed as 3.1999999999999997 is at the baseline (off track); with no
    tolerance (MTTR's is 0: its interval decides) a real difference still counts."""
    mttr = plan.kpi("mttr_hours")
    assert mttr.tolerance == 0.0
    assert judge(3.1999999999999997, mttr) == Judgement(OFF_TRACK, AT_BASELINE)
    assert judge(2.0 - 2e-16, mttr) == Judgement(MET, AT_TARGET)
    assert status(3.19, mttr) == IMPROVING
    assert status(3.21, mttr) == OFF_TRACK


def test_status_without_value_or_with_unmet_lower_bound(plan):
    """No value is 'no data'; a lower bound under the target cannot be judged, above it is met,
    within the tolerance (MTBF: 1 h) below it is at target."""
    mtbf = plan.kpi("mtbf_hours")
    assert status(None, mtbf) == NO_DATA
    assert status(float("nan"), mtbf) == NO_DATA
    assert status(100.0, mtbf, is_lower_bound=True) == NO_DATA
    assert judge(720.0, mtbf, is_lower_bound=True) == Judgement(MET)
    assert judge(167.5, mtbf, is_lower_bound=True) == Judgement(MET, AT_TARGET)


def test_t_interval_by_hand():
    """Four first-response times, 1, 2, 3 and 6 h: n = 4, sum 12, sum of squares 1 + 4 + 9 + 36 = 50.
    Mean 3; s^2 = (50 - 12 x 3) / 3 = 14/3, s = 2.1602469; s / sqrt(4) = 1.0801234;
    t(0.95, 3 df) = 2.3533634 (table); half-width 2.3533634 x 1.0801234 = 2.5419230:
    [0.458077, 5.541923]. Kept at or above 0 h, it is unchanged."""
    low, high = t_interval(4, 12.0, 50.0, (0.0, math.inf))
    assert low == pytest.approx(0.458077, abs=2e-6) and high == pytest.approx(5.541923, abs=2e-6)
    # Scores 3, 4, 5, 4: mean 4, s^2 = (66 - 64) / 3 = 2/3, s / 2 = 0.408248, x 2.353363 = 0.960757
    assert t_interval(4, 16.0, 66.0, (1.0, 5.0)) == pytest.approx((3.039243, 4.960757), abs=1e-6)


def test_t_interval_edges():
    """No record: no interval. One record says nothing about the spread: the whole scale. Records
    that all agree: the mean itself. Two far-apart scores: clipped to the 1-5 scale."""
    assert t_interval(0, 0.0, 0.0) is None
    assert t_interval(1, 4.0, 16.0, (1.0, 5.0)) == (1.0, 5.0)
    assert t_interval(1, 2.5, 6.25, (0.0, math.inf)) == (0.0, math.inf)
    assert t_interval(3, 12.0, 48.0, (1.0, 5.0)) == (4.0, 4.0)
    assert t_interval(2, 6.0, 26.0, (1.0, 5.0)) == (1.0, 5.0)  # 1 and 5: 3 +- 6.31 x 2


def test_wilson_interval_by_hand():
    """78 first-contact resolutions of 100, z = 1.644854 (90 %), z^2 = 2.705543:
    centre = (0.78 + 2.705543/200) / (1 + 2.705543/100) = 0.793528 / 1.027055 = 0.772624;
    half = 1.644854 x sqrt(0.78 x 0.22/100 + 2.705543/40000) / 1.027055
         = 1.644854 x sqrt(0.001783639) / 1.027055 = 0.067638;
    [70.4986 %, 84.0262 %]. All of one record resolved at first contact: [27.0 %, 100 %]."""
    low, high = wilson_interval(78, 100, 100.0)
    assert low == pytest.approx(70.4986, abs=1e-3) and high == pytest.approx(84.0262, abs=1e-3)
    low, high = wilson_interval(1, 1, 100.0)
    assert low == pytest.approx(26.9866, abs=1e-3) and high == 100.0
    assert wilson_interval(0, 5)[0] == 0.0 and wilson_interval(0, 0) is None


def test_ratio_with_zero_denominator_is_none():
    """Division by zero is 'no data', never an error or infinity."""
    assert ratio(5, 0) is None
    assert ratio(1, 4, 100.0) == 25.0


def test_columns_convert_once_and_slice_like_the_frame():
    """Columns keeps each converted column; in_days gives the frame's rows whether the days are
    sorted (a slice), out of order or missing (a mask); a slice of a slice is refused, not wrong."""
    frame = pd.DataFrame({"day": pd.to_datetime(["2026-01-01", "2026-01-31", "2026-02-01", "2026-03-01"]),
                          "n": [1, 2, 3, 4], "who": ["a", "b", "c", "d"]})
    cols = Columns(frame)
    assert cols["day"] is cols["day"]  # converted once
    assert cols["n"].dtype == float and cols["who"].dtype == object
    jan = in_days(cols, date(2026, 1, 1), date(2026, 2, 1))
    assert list(jan["n"]) == [1.0, 2.0] and len(jan) == 2
    assert list(in_days(cols, date(2026, 2, 1), date(2026, 3, 1))["who"]) == ["c"]
    shuffled = frame.iloc[[3, 0, 2, 1]].reset_index(drop=True)
    shuffled.loc[0, "day"] = pd.NaT
    feb_on = in_days(Columns(shuffled), date(2026, 1, 15), date(2027, 1, 1))
    assert sorted(feb_on["who"]) == sorted(in_days(shuffled, date(2026, 1, 15), date(2027, 1, 1))["who"]) == ["b", "c"]
    assert len(feb_on) == 2
    with pytest.raises(ValueError):
        in_days(jan, date(2026, 1, 1), date(2026, 1, 2))
    objects = pd.DataFrame({"on": [date(2026, 1, 5), None]})  # date objects, as hand-built frames hold them
    assert list(before(Columns(objects)["on"], date(2026, 2, 1))) == [True, False]


def test_epoch_array_reads_ticks_in_any_unit():
    """Loaded stamps (microseconds) are read through their ticks; other units and naive strings
    give the same seconds; a missing moment is NaN."""
    stamps = pd.Series(pd.to_datetime(["2026-01-01 00:00:01.5", None], utc=True)).astype("datetime64[us, UTC]")
    expected = [pd.Timestamp("2026-01-01", tz="UTC").timestamp() + 1.5, float("nan")]
    for values in (stamps, stamps.astype("datetime64[ns, UTC]"), pd.Series(["2026-01-01 00:00:01.5", None])):
        got = epoch_array(values)
        assert got[0] == expected[0] and math.isnan(got[1])


def test_columns_of_fetched_arrays_equal_the_frames():
    """Columns from a query's numpy columns (NULLs masked) hold what Columns from its frame hold:
    NaN for a missing number or flag, NaT for a missing date, NaN for a missing label; dates as
    datetime64[us], numbers and flags as floats. Fails when a mask is dropped (its fill value
    would be read as a number, a date or a label)."""
    con = duckdb.connect()
    sql = ("select * from (values (date '2026-01-02', 3, 2.5, true, 'a', timestamp '2026-01-02 03:04:05'), "
           "(null, null, null, null, null, null), (date '2026-02-01', 7, null, false, 'b', null)) "
           "as t(day, n, x, flag, who, stamp)")
    framed, fetched = Columns(con.execute(sql).df()), Columns(con.execute(sql).fetchnumpy())
    assert len(framed) == len(fetched) == 3
    for column in ("day", "n", "x", "flag", "who", "stamp"):
        a, b = framed[column], fetched[column]
        assert a.dtype == b.dtype, column
        assert list(pd.isna(a)) == list(pd.isna(b)), column
        assert list(a[~pd.isna(a)]) == list(b[~pd.isna(b)]), column
    assert fetched["day"].dtype == np.dtype("datetime64[us]") and fetched["n"].dtype == float
    assert list(in_days(fetched, date(2026, 1, 1), date(2026, 2, 1))["n"]) == [3.0]
    empty = Columns(con.execute(sql + " where false").fetchnumpy())
    assert len(empty) == 0 and len(in_days(empty, date(2026, 1, 1), date(2027, 1, 1))) == 0
    # The rollups' sums (HUGEINT, DECIMAL, BIGINT), over more than one 2048-row chunk with NULLs in
    # some chunks only.
    wide = ("select range::bigint as k, (range * 3)::hugeint as h, (range / 8)::decimal(18, 3) as d, "
            "case when range % 3000 = 7 then null else range end as nk from range(5000)")
    framed, fetched = Columns(con.execute(wide).df()), Columns(con.execute(wide).fetchnumpy())
    for column in ("k", "h", "d", "nk"):
        a, b = framed[column], fetched[column]
        assert a.dtype == b.dtype == float, column
        assert np.array_equal(a, b, equal_nan=True), column
    assert int(np.isnan(fetched["nk"]).sum()) == 2
