"""Numbers, units, statuses and dates as the pages write them. Pure: no streamlit here."""
from __future__ import annotations

import math
import re
from datetime import date
from typing import Sequence

import pandas as pd

from analytics.measure import AT_BASELINE, AT_TARGET, STATUS_CONFIDENCE_PCT
from analytics.scorecard import KpiResult
from core import i18n
from core.i18n import _

from ui.palette import OP_SIGNS, STATUS_COLOURS, STATUS_WORDS, UNIT_TAILS, UNIT_WORDS


def fmt(value: float | None, unit: str, *, diff: bool = False, short: bool = False, trim: bool = False,
        decimals: int | None = None) -> str:
    """The one place numbers become text.

    diff: `value` is a difference (percent becomes "pp", scores become "pts");
    short: the unit without its per-what tail, for the big tile number;
    trim: drop trailing zeros, for the plan's own round targets;
    decimals: instead of the unit's usual number of them.
    """
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return _("no data")
    places = _decimals(value, unit) if decimals is None else decimals
    number = i18n.number(abs(value), places)
    if trim and places and not unit.startswith("USD"):  # money keeps its cents
        number = number.rstrip("0").rstrip(".")
    sign = "-" if value < 0 else ""
    tail = "" if short or diff or unit not in UNIT_TAILS else f" {_(UNIT_TAILS[unit])}"
    if unit.startswith("USD"):
        return f"{sign}{i18n.money_symbol()}{number}{tail}"
    base = unit.split(" ")[0].split("/")[0] or unit  # "% of revenue" -> "%", "h/employee/year" -> "h"
    if diff:
        base = {"%": "pp", "/5": "pts"}.get(base, base)
        suffix = f" {unit_word(base)}"
    else:
        suffix = " / 5" if unit == "/5" else f" {unit_word(base)}"
    return f"{sign}{number}{suffix}{tail}"


def unit_word(unit: str) -> str:
    """A unit's word after a number in the language in use ("h" reads "ชม." in Thai); "%" stays."""
    return _(UNIT_WORDS[unit]) if unit in UNIT_WORDS else unit


WHOLE_DOLLARS_FROM = 100.0  # amounts from $100 up in whole dollars; below, cents (a rate per user is its cents), but $0


def _decimals(value: float, unit: str) -> int:
    """The unit's one rule: percentages one decimal, more only where one would round a value onto 0 %
    or 100 % that it is not (99.96 % is not 100.0 %); money in whole dollars from $100 up (and $0),
    cents below; scores two decimals; other units by size. value_text adds decimals near a target."""
    size = abs(value)
    if unit.startswith("USD"):
        return 0 if size >= WHOLE_DOLLARS_FROM or size == 0 else 2
    if unit == "/5":
        return 2
    if unit.startswith("%"):
        decimals = 1
        for edge in (0.0, 100.0):
            while decimals < 6 and size != edge and round(size, decimals) == edge:
                decimals += 1
        return decimals
    return 2 if size < 10 else 1 if size < 100 else 0


def target_text(r: KpiResult) -> str:
    """'Target < $5.00 · baseline $7.50, per user per month': the plan's comparison kept."""
    text = _("Target {op} {target} · baseline {baseline}").format(
        op=OP_SIGNS.get(r.op, r.op), target=fmt(r.target, r.unit, short=True, trim=True),
        baseline=fmt(r.baseline, r.unit, short=True, trim=True))
    return f"{text}, {_(UNIT_TAILS[r.unit])}" if r.unit in UNIT_TAILS else text


def _decimals_apart(value: float, other: float, unit: str) -> int:
    """The unit's usual decimals for `value`, or as many more (up to 6) as it takes for `value`
    not to round to what `other` rounds to."""
    decimals = _decimals(value, unit)
    while decimals < 6 and round(value, decimals) == round(other, decimals):
        decimals += 1
    return decimals


def apart_text(value: float | None, target: float, unit: str, short: bool = True) -> str:
    """A value beside its target, with more decimals when the usual ones would round it onto the
    target from the other side (99.86 % is not met, and must not read 99.9 % beside a 99.9 % target)."""
    decimals = None
    if value is not None and not math.isnan(value) and not math.isclose(value, target, rel_tol=1e-9):
        decimals = _decimals_apart(value, target, unit)
    return fmt(value, unit, short=short, decimals=decimals)


def value_text(r: KpiResult, short: bool = True) -> str:
    """A KPI's value as text, never rounded onto its target (apart_text)."""
    return apart_text(r.value, r.target, r.unit, short)


def delta_words(r: KpiResult, short: bool = False) -> str | None:
    """The distance to target in words, e.g. '0.17 h better than target', of the value the status
    judges ('worst month 0.10 pp worse' for uptime over several months); None without data.
    `short` ('0.17 h better') fits a tile's delta at four tiles a row on a 1280 px screen, about
    16 characters; the tile's caption then carries the target and the judged month."""
    value = r.judged_value
    worst = r.judged is not None and not short
    if value is None or math.isnan(value):
        return None
    gap = value - r.target
    if gap == 0:
        return _("on target") if short else _("worst month exactly on target") if worst else _("exactly on target")
    better = gap > 0 if r.op.startswith(">") else gap < 0
    decimals = _decimals_apart(abs(gap), 0.0, r.unit)  # never "0.00 pp worse": say how much
    words = ((_("{gap} better"), _("{gap} worse")) if short
             else (_("worst month {gap} better"), _("worst month {gap} worse")) if worst
             else (_("{gap} better than target"), _("{gap} worse than target")))
    return words[0 if better else 1].format(gap=fmt(abs(gap), r.unit, diff=True, decimals=decimals))


def n_text(r: KpiResult) -> str:
    return f"n = {i18n.number(r.n)} {_(r.n_label)}"


def interval_text(r: KpiResult) -> str | None:
    """'90 % CI 4.14-4.26' for a mean over n records (its confidence interval, in the value's
    decimals and base unit); None for the other KPIs."""
    if r.interval is None or r.value is None:
        return None
    lo, hi = r.interval
    decimals = _decimals(r.value, r.unit)
    unit = fmt(r.value, r.unit, short=True).split(" ", 1)
    suffix = "" if r.unit == "/5" or len(unit) < 2 else f" {unit[1]}"
    low = i18n.number(lo, decimals)
    if not math.isfinite(hi):  # a single record of hours: no spread to bound it
        return _("{pct} % CI from {low}{unit}, unbounded").format(pct=f"{STATUS_CONFIDENCE_PCT:g}", low=low, unit=suffix)
    return _("{pct} % CI {low}-{high}{unit}").format(pct=f"{STATUS_CONFIDENCE_PCT:g}", low=low,
                                                     high=i18n.number(hi, decimals), unit=suffix)


def at_text(r: KpiResult) -> str | None:
    """'**at baseline** (within 0.1 pp of 18 %)': the value is within noise of that line (the
    badge says met for at target, off track for at baseline): its interval holds the line, or it
    lies within the KPI's tolerance of it. None when it is at neither."""
    if r.at not in (AT_TARGET, AT_BASELINE):
        return None
    line = r.target if r.at == AT_TARGET else r.baseline
    shown = fmt(line, r.unit, short=True, trim=True)
    if r.interval is not None:
        why = _("the interval holds it")
    elif r.tolerance > 0:
        why = _("within {tolerance} of {line}").format(tolerance=fmt(r.tolerance, r.unit, diff=True, trim=True),
                                                       line=shown)
    else:
        why = _("equal to {line}").format(line=shown)
    at = _("at target") if r.at == AT_TARGET else _("at baseline")
    return f"**{at}** ({why})"


def noise_text(r: KpiResult) -> str | None:
    """The tile's line on noise: the interval and whether the value is at a line, e.g.
    '90 % CI 4.14-4.26 · **at baseline** (the interval holds it)'."""
    parts = [p for p in (interval_text(r), at_text(r)) if p]
    return " · ".join(parts) or None


def status_word(status: str) -> str:
    """A status ("met", "off track", ...: data) as the reader's word."""
    return _(STATUS_WORDS[status]) if status in STATUS_WORDS else status


def status_badge(status: str) -> str:
    """Markdown for a coloured status badge (works inside any Markdown text)."""
    return f":{STATUS_COLOURS.get(status, 'gray')}-badge[{status_word(status)}]"


def summary_line(results: Sequence[KpiResult]) -> str:
    """'**7 of 12 KPIs met** (1 at target) · 3 improving · 2 off track (2 at baseline)' as coloured
    Markdown: how many of the met and off-track KPIs are so only within noise of the line."""
    counts = {s: sum(r.status == s for r in results) for s in STATUS_COLOURS}
    at = {line: sum(r.at == line for r in results) for line in (AT_TARGET, AT_BASELINE)}
    met = _(":green[**{met} of {total} KPIs met**]").format(met=counts["met"], total=len(results))
    parts = [met + _at_count(at[AT_TARGET], AT_TARGET),
             _(":orange[**{n}** improving]").format(n=counts["improving"]),
             _(":red[**{n}** off track]").format(n=counts["off track"]) + _at_count(at[AT_BASELINE], AT_BASELINE)]
    if counts["no data"]:
        parts.append(_(":gray[**{n}** without data]").format(n=counts["no data"]))
    return " · ".join(parts)


def _at_count(k: int, line: str) -> str:
    if not k:
        return ""
    return (_(" ({n} at target)") if line == AT_TARGET else _(" ({n} at baseline)")).format(n=k)


def line_label(name: str) -> str:
    """'cloud_services' -> 'Cloud services' (plan.toml names budget lines in snake case; the catalogue
    has the plan's own names, core.i18n.extract_plan)."""
    return _(i18n.plan_name_label(name))


def signed_usd(value: float, decimals: int | None = None) -> str:
    """'+$1,234.00' or '-$1,234.00': a difference in money, for a metric's delta (`decimals`: 0 for
    whole dollars)."""
    return ("+" if value > 0 else "") + fmt(value, "USD", decimals=decimals)


def local_time_text(at: object, tz: str, clock: bool = True) -> str:
    """A moment in the plan's time zone, the zone named: '07 Dec 2026 02:54 Asia/Bangkok' (a stored
    moment without a zone is UTC); without `clock`, the local day only."""
    return f"{local_clock(at, tz)} {tz}" if clock else i18n.date_text(_in_zone(at, tz).date(), "day_padded")


def local_clock(at: object, tz: str, year: bool = True) -> str:
    """A moment in the plan's time zone without the zone's name, for a table or list whose caption
    names the zone once: '26 Nov 2026 06:00', or '26 Nov 06:00' without `year`; '' for no moment."""
    if at is None or pd.isna(at):
        return ""
    return i18n.date_text(_in_zone(at, tz).to_pydatetime(), "clock" if year else "clock_short")


def _in_zone(at: object, tz: str) -> pd.Timestamp:
    moment = pd.Timestamp(at)
    return (moment.tz_localize("UTC") if moment.tzinfo is None else moment).tz_convert(tz)


def month_text(day: date | pd.Timestamp | None) -> str:
    return _("no month") if day is None or pd.isna(day) else i18n.date_text(pd.Timestamp(day).date(), "month")


def tile_label(label: str) -> tuple[str, str | None]:
    """A tile's label and its help: 'MTTA (time to acknowledge)' shows as 'MTTA', the words in
    brackets behind the help icon, since a tile a quarter of a 1280 px page cuts a label past
    about 24 characters. A label without brackets is shown whole, with no help."""
    head, bracket, rest = label.partition(" (")
    return (head, label) if bracket and rest.endswith(")") and head else (label, None)


def md_escape(text: str) -> str:
    """Text shown as Markdown verbatim: no emphasis from snake_case, no :colour[...] directives."""
    return "".join(f"\\{c}" if c in "\\`*_[]<>#|~$" else c for c in text)


# What Markdown (and Streamlit's :directives: and $math$) reads anywhere in a line; '.', '-', '+' and
# '=' only matter at the start of one (lists, headings), and are escaped there only.
_MD_PUNCTUATION = re.compile(r"([\\`*_\[\]()<>#|~$:!{}&^\"])")
_MD_LEAD = re.compile(r"^(\s*)([-+=]|\d+(?=[.)]))")
# Bare URLs and e-mail addresses are linked after escapes are read (GFM autolink literals work on the
# text): an invisible word joiner after the scheme, after "www" and before "@" stops that.
_MD_AUTOLINK = re.compile(r"(?i)\b(https?|ftp|mailto|www)(?=[:.])|(?=@)")


def md_text(text: object) -> str:
    """Text from a file or a user, for a Markdown element, shown exactly as written: the marks Markdown
    reads escaped (no link, image, emphasis, HTML, entity, :directive: or $math$; no list or heading at
    the start), bare URLs and e-mail addresses not linked, line breaks as spaces."""
    flat = _MD_AUTOLINK.sub(lambda m: (m.group(1) or "") + "\u2060", " ".join(str(text).splitlines()))
    escaped = _MD_PUNCTUATION.sub(r"\\\1", flat)
    lead = _MD_LEAD.match(escaped)
    if lead:  # "- x", "1. x": a list item; "1" is kept and its "." or ")" escaped
        head, mark = lead.group(1), lead.group(2)
        rest = escaped[lead.end():]
        escaped = head + ("\\" + mark if not mark[0].isdigit() else mark + ("\\" if rest[:1] == "." else "")) + rest
    return escaped
