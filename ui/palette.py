"""Colours and chart constants shared by every figure and page. Words here are marked for the
catalogue (N_) and translated where shown."""
from __future__ import annotations

from core.i18n import N_

STATUS_COLOURS = {"met": "green", "improving": "orange", "off track": "red", "no data": "gray"}
# A status is data (its English name is the key everywhere); a reader sees its word.
STATUS_WORDS = {"met": N_("met"), "improving": N_("improving"), "off track": N_("off track"),
                "no data": N_("no data")}
# Plotly needs real colours; these match Streamlit's palette names above.
LINE_COLOURS = {"target": "#21a366", "baseline": "#8a8f98", "value": "#2f6f8f"}
SPREAD_COLOURS = (LINE_COLOURS["value"], "#7fb3cc", "#7b6ea8")  # a mean, its median, its 90th percentile
AREAS = ("Reliability", "Support", "Cost", "Improvement")
OP_SIGNS = {">": ">", ">=": "≥", "<": "<", "<=": "≤"}
# The per-what tail of a unit: dropped from the big tile number, said once in the caption.
UNIT_TAILS = {"% of revenue": N_("of revenue"), "USD/user/month": N_("per user per month"),
              "h/employee/year": N_("per employee per year")}
# A unit's short word after a number (a difference of percentages is in percentage points).
UNIT_WORDS = {"h": N_("h"), "min": N_("min"), "d": N_("d"), "pp": N_("pp"), "pts": N_("pts"),
              "users": N_("users"), "instances": N_("instances"), "tickets": N_("tickets"),
              "contacts": N_("contacts"), "months": N_("months"), "days": N_("days")}


AXIS_TITLES = {"%": N_("percent"), "h": N_("hours"), "/5": N_("score (1 to 5)"), "% of revenue": N_("% of revenue"),
               "USD/user/month": N_("USD per user per month"),
               "h/employee/year": N_("hours per employee, 12 months")}


GROUP_COLOURS = {"infrastructure": "#2f6f8f", "human_resources": "#e07b39",
                 "third_party_services": "#8c6bb1", "contingency": "#9aa0a6"}


GROUP_SHORT = {"infrastructure": N_("Infrastructure"), "human_resources": N_("Staff"),
               "third_party_services": N_("Third-party"), "contingency": N_("Contingency")}  # legend names that fit beside a chart title


OVER_COLOUR, WITHIN_COLOUR, SPENT_COLOUR = "#d64541", "#6c9fb8", "#1f4e66"
SCENARIO_COLOURS = ("#2f6f8f", "#e07b39", "#8c6bb1", "#21a366", "#d64541")
SEVERITY_COLOURS = {"critical": "#b3261e", "high": "#e8710a", "medium": "#f2c94c", "low": "#8fa6b8"}
CHANNEL_COLOURS = {"live_chat": "#2f6f8f", "email": "#7b9e3e", "phone": "#c77c3b"}
BUDGET_COLOURS = {"actual": "#2f6f8f", "budget of the same months": "#c9d3da"}  # drilldown.budget_bars' series
LEVEL_COLOURS = {"critical": "#b3261e", "alert": "#e8710a", "warning": "#f2c94c", "info": "#8fa6b8"}
TIER_COLOURS = {"tier 1 only": "#9cc3d5", "reached tier 2": "#2f6f8f", "reached tier 3": "#16384a"}
# Light tints of STATUS_COLOURS so that dark cell text stays readable on a status grid.
# A tile's sparkline in its status's colour (Streamlit's named colours above, as hex for SVG)
SPARK_COLOURS = {"met": "#21a366", "improving": "#e8a33d", "off track": "#d64541", "no data": "#8a8f98"}
STATUS_TINTS = {"met": "#bfe5cc", "improving": "#ffe0a8", "off track": "#f7b9b5", "no data": "#e6e9ec"}
CHART_CONFIG = {"displayModeBar": False}
# How a table writes its dates (Streamlit's column formats, day.js tokens): month names in English; in Thai
# numbers, since the table's formatter knows no Thai month or Buddhist Era year (and numbers still sort).
TABLE_DATE_FORMATS = {"en": {"clock": "DD MMM YYYY HH:mm", "clock_short": "DD MMM HH:mm", "day": "DD MMM YYYY",
                             "month": "MMM YYYY"},
                      "th": {"clock": "DD/MM/YYYY HH:mm", "clock_short": "DD/MM HH:mm", "day": "DD/MM/YYYY",
                             "month": "MM/YYYY"}}
STATUS_CODES = {"no data": 0, "off track": 1, "improving": 2, "met": 3}
THRESHOLD_STYLE = {"monitor": ("#e8a33d", "dot"), "scale up": ("#d64541", "dash"), "full": ("#16384a", "solid"),
                   "scale down": ("#8a8f98", "dot")}


FORECAST_COLOURS = {"history": "#2f6f8f", "statistical": "#8a8f98", "scenario": "#e07b39", "plan": "#8c6bb1"}
# Plan adherence: a promise's status as a cell tint, and each recovery objective's line.
PROMISE_TINTS = {"missed": STATUS_TINTS["off track"], "kept": STATUS_TINTS["met"], "no data": STATUS_TINTS["no data"]}
KEPT_COLOUR = "#4caf7a"  # a calendar cell whose every window was kept
RULE_COLOURS = {"rpo": "#b3261e", "rto": "#e8710a", "mtd": "#16384a"}
