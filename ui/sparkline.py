"""A tile's 12-month sparkline as a few hundred bytes of inline SVG, with the plan's target drawn.

st.metric's own sparkline is a Vega-Lite chart: the first tile of a session made the browser fetch
and parse Vega (about 780 kB) before the tile could settle, and each tile then ran a Vega view. An
SVG polyline needs no script at all. Pure: no streamlit here.
"""
from __future__ import annotations

import math
from html import escape
from typing import Sequence

WIDTH, HEIGHT = 120.0, 30.0  # the drawing's own units; the SVG stretches to the tile's width
PAD = 3.0  # room above and below, so the line and the target are not cut by the edge
TARGET_COLOUR = "#8a8f98"


def points(values: Sequence[float], target: float | None) -> tuple[list[tuple[float, float]], float | None]:
    """The line's (x, y) in drawing units and the target's y (None when no target is given). The
    scale spans the values and the target, so the line's distance from the dashed target is what
    a reader sees at a glance; a flat series with no target sits in the middle."""
    levels = [*values, *([] if target is None else [target])]
    lo, hi = min(levels), max(levels)
    span = hi - lo

    def y(v: float) -> float:
        share = 0.5 if span == 0 else (v - lo) / span
        return round(HEIGHT - PAD - share * (HEIGHT - 2 * PAD), 2)

    step = WIDTH / (len(values) - 1) if len(values) > 1 else 0.0
    return [(round(i * step, 2), y(v)) for i, v in enumerate(values)], (None if target is None else y(target))


def svg(values: Sequence[float], target: float | None, colour: str, label: str) -> str:
    """The sparkline of `values` (at least two finite ones; else "") with the target dashed; `label`
    is what a screen reader says and a hover shows."""
    finite = [v for v in values if v is not None and math.isfinite(v)]
    if len(finite) < 2:
        return ""
    line, target_y = points(finite, target)
    path = " ".join(f"{x:g},{y:g}" for x, y in line)
    last_x, last_y = line[-1]
    target_line = "" if target_y is None else (
        f'<line x1="0" y1="{target_y:g}" x2="{WIDTH:g}" y2="{target_y:g}" stroke="{TARGET_COLOUR}" '
        f'stroke-width="1" stroke-dasharray="3 2" vector-effect="non-scaling-stroke"/>')
    text = escape(label, quote=True)
    return (f'<svg role="img" aria-label="{text}" viewBox="0 0 {WIDTH:g} {HEIGHT:g}" preserveAspectRatio="none" '
            f'style="width:100%;height:36px;display:block;overflow:visible"><title>{text}</title>{target_line}'
            f'<polyline points="{path}" fill="none" stroke="{colour}" stroke-width="2" stroke-linejoin="round" '
            f'vector-effect="non-scaling-stroke"/>'
            f'<circle cx="{last_x:g}" cy="{last_y:g}" r="2.5" fill="{colour}"/></svg>')
