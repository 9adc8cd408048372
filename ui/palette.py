"""Colours and chart constants shared by every figure and page."""
from __future__ import annotations




STATUS_COLOURS = {"met": "green", "improving": "orange", "off track": "red", "no data": "gray"}
# Plotly needs real colours; these match Streamlit's palette names above.
LINE_COLOURS = {"target": "#21a366", "baseline": "#8a8f98", "value": "#2f6f8f"}
SPREAD_COLOURS = (LINE_COLOURS["value"], "#7fb3cc", "#7b6ea8")  # a mean, its median, its 90th percentile
AREAS = ("Reliability", "Support", "Cost", "Improvement")
OP_SIGNS = {">": ">", ">=": "≥", "<": "<", "<=": "≤"}
# The per-what tail of a unit: dropped from the big tile number, said once in the caption.
UNIT_TAILS = {"% of revenue": "of revenue", "USD/user/month": "per user per month",
              "h/employee/year": "per employee per year"}


AXIS_TITLES = {"%": "percent", "h": "hours", "/5": "score (1 to 5)", "% of revenue": "% of revenue",
               "USD/user/month": "USD per user per month", "h/employee/year": "hours per employee, 12 months"}


GROUP_COLOURS = {"infrastructure": "#2f6f8f", "human_resources": "#e07b39",
                 "third_party_services": "#8c6bb1", "contingency": "#9aa0a6"}


GROUP_SHORT = {"infrastructure": "Infrastructure", "human_resources": "Staff", "third_party_services": "Third-party",
               "contingency": "Contingency"}  # legend names that fit beside a chart title


OVER_COLOUR, WITHIN_COLOUR, SPENT_COLOUR = "#d64541", "#6c9fb8", "#1f4e66"
SCENARIO_COLOURS = ("#2f6f8f", "#e07b39", "#8c6bb1", "#21a366", "#d64541")
NO_BAR = {"displayModeBar": False}
SEVERITY_COLOURS = {"critical": "#b3261e", "high": "#e8710a", "medium": "#f2c94c", "low": "#8fa6b8"}
CHANNEL_COLOURS = {"live_chat": "#2f6f8f", "email": "#7b9e3e", "phone": "#c77c3b"}
BUDGET_COLOURS = {"actual": "#2f6f8f", "budget of the same months": "#c9d3da"}  # drilldown.budget_bars' series
LEVEL_COLOURS = {"critical": "#b3261e", "alert": "#e8710a", "warning": "#f2c94c", "info": "#8fa6b8"}
TIER_COLOURS = {"tier 1 only": "#9cc3d5", "reached tier 2": "#2f6f8f", "reached tier 3": "#16384a"}
# Light tints of STATUS_COLOURS so that dark cell text stays readable on a status grid.
STATUS_TINTS = {"met": "#bfe5cc", "improving": "#ffe0a8", "off track": "#f7b9b5", "no data": "#e6e9ec"}
CHART_CONFIG = {"displayModeBar": False}
STATUS_CODES = {"no data": 0, "off track": 1, "improving": 2, "met": 3}
THRESHOLD_STYLE = {"monitor": ("#e8a33d", "dot"), "scale up": ("#d64541", "dash"), "full": ("#16384a", "solid"),
                   "scale down": ("#8a8f98", "dot")}


FORECAST_COLOURS = {"history": "#2f6f8f", "statistical": "#8a8f98", "scenario": "#e07b39", "plan": "#8c6bb1"}
# Plan adherence: a promise's status as a cell tint, and each recovery objective's line.
PROMISE_TINTS = {"missed": STATUS_TINTS["off track"], "kept": STATUS_TINTS["met"], "no data": STATUS_TINTS["no data"]}
KEPT_COLOUR = "#4caf7a"  # a calendar cell whose every window was kept
RULE_COLOURS = {"rpo": "#b3261e", "rto": "#e8710a", "mtd": "#16384a"}
