"""A tile's sparkline (ui/sparkline.py): hand-worked coordinates on its 120 x 30 drawing, 3 units of
room above and below (so levels map onto y = 27 ... 3)."""
from __future__ import annotations

import math

from ui import sparkline


def test_the_scale_spans_the_values_and_the_target():
    # lo 90 (a value), hi 100 (the target): 90 -> 27, 95 -> 15, 100 -> 3; x steps 120 / 2 = 60
    line, target = sparkline.points([90.0, 95.0, 92.5], 100.0)
    assert line == [(0.0, 27.0), (60.0, 15.0), (120.0, 21.0)]
    assert target == 3.0


def test_a_target_below_the_values_is_at_the_bottom():
    # uptime falling from 99.9 to 99.5 against a 99.0 target: lo 99.0 -> 27, hi 99.9 -> 3
    line, target = sparkline.points([99.9, 99.5], 99.0)
    assert target == 27.0 and line[0] == (0.0, 3.0)
    assert math.isclose(line[1][1], 27 - 0.5 / 0.9 * 24, abs_tol=0.01)


def test_a_flat_series_without_a_target_sits_in_the_middle():
    line, target = sparkline.points([4.0, 4.0, 4.0, 4.0], None)
    assert [y for _, y in line] == [15.0] * 4 and target is None
    assert [x for x, _ in line] == [0.0, 40.0, 80.0, 120.0]


def test_the_svg_draws_the_line_the_target_and_says_what_it_shows():
    out = sparkline.svg([90.0, 95.0, float("nan"), 92.5], 100.0, "#d64541", 'Uptime: 90 % to 92.5 % "<x>"')
    assert 'points="0,27 60,15 120,21"' in out  # the month without data left out
    assert '<line x1="0" y1="3" x2="120" y2="3"' in out and 'stroke-dasharray="3 2"' in out
    assert 'stroke="#d64541"' in out and '<circle cx="120" cy="21"' in out
    assert 'aria-label="Uptime: 90 % to 92.5 % &quot;&lt;x&gt;&quot;"' in out  # escaped, as in the title


def test_fewer_than_two_values_draw_nothing():
    assert sparkline.svg([], 1.0, "#000", "x") == ""
    assert sparkline.svg([3.0, float("nan")], 1.0, "#000", "x") == ""
