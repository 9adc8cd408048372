"""The plan's status rule at its boundaries, the ratio helper, and Columns."""
from __future__ import annotations

import math
from datetime import date

import duckdb
import numpy as np
import pandas as pd
import pytest

from analytics.measure import (IMPROVING, MET, NO_DATA, OFF_TRACK, Columns, before, epoch_array, in_days,
                              ratio, status)


@pytest.mark.parametrize("key,value,expected", [
    ("uptime_pct", 99.95, MET), ("uptime_pct", 99.9, IMPROVING),  # "> 99.9 %": the target itself is not met
    ("uptime_pct", 99.8, IMPROVING), ("uptime_pct", 99.7, OFF_TRACK), ("uptime_pct", 99.0, OFF_TRACK),
    ("mttr_hours", 1.9, MET), ("mttr_hours", 2.0, IMPROVING), ("mttr_hours", 3.2, OFF_TRACK),
    ("mttr_hours", 5.0, OFF_TRACK), ("automation_pct", 80.0, MET), ("automation_pct", 60.0, OFF_TRACK),
    ("certification_pct", 100.0, MET), ("certification_pct", 99.0, IMPROVING),
    ("support_cost_per_user_usd", 4.99, MET), ("support_cost_per_user_usd", 7.6, OFF_TRACK),
])
def test_status_boundaries(plan, key, value, expected):
    """Met on the right side of the target, off track at or beyond the baseline, improving between."""
    assert status(value, plan.kpi(key)) == expected


def test_float_rounding_lands_on_the_limit(plan):
    """A mean of 3.2 h computed as 3.1999999999999997 is at the baseline (off track), not below it;
    1.9999999999999998 h is at the "< 2 h" target (not met); a real difference still counts."""
    mttr = plan.kpi("mttr_hours")
    assert status(3.1999999999999997, mttr) == OFF_TRACK
    assert status(2.0 - 2e-16, mttr) == IMPROVING
    assert status(3.19, mttr) == IMPROVING
    assert status(99.9 + 1e-13, plan.kpi("uptime_pct")) == IMPROVING


def test_status_without_value_or_with_unmet_lower_bound(plan):
    """No value is 'no data'; a lower bound under the target cannot be judged, above it is met."""
    mtbf = plan.kpi("mtbf_hours")
    assert status(None, mtbf) == NO_DATA
    assert status(100.0, mtbf, is_lower_bound=True) == NO_DATA
    assert status(720.0, mtbf, is_lower_bound=True) == MET


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
