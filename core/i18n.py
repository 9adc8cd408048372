"""The dashboard's two languages, Thai and English: one gettext catalogue and Babel's locale formats.

Code is written in English. `_("text")` gives the text in the language in use; `N_("text")` only
marks a text for the catalogue (a constant built at import time), and `_(constant)` translates it
where it is shown. A text with values keeps named placeholders inside the catalogue's text, so a
translation can move them: `_("{n} of {total} met").format(n=..., total=...)`, never an f-string
inside `_()` (the extractor reads only literals).

The catalogue is `locale/th/LC_MESSAGES/messages.po`, extracted from the code by Babel
(`python scripts/i18n.py extract`) and compiled to the `messages.mo` that the standard library's
gettext reads (`python scripts/i18n.py compile`; a test checks the two agree).

Which language is in use: inside `with use("th"):` that one (commands and reports); else what the
registered source says (the app registers the session's choice, see ui.language); else English.
"""
from __future__ import annotations

import gettext
import re
from contextlib import contextmanager
from contextvars import ContextVar
from datetime import date, datetime
from functools import cache
from pathlib import Path
from typing import Callable, Iterator

from babel.dates import format_date, format_datetime
from babel.numbers import format_decimal, get_currency_symbol

ENGLISH = "en"
THAI = "th"
LANGUAGES: dict[str, str] = {ENGLISH: "English", THAI: "ไทย"}  # each named in its own language
DEFAULT = ENGLISH
LOCALES = {ENGLISH: "en_US", THAI: "th_TH"}  # dates take the patterns below, so English keeps "7 Dec 2026"
LOCALE_DIR = Path(__file__).resolve().parent.parent / "locale"
DOMAIN = "messages"
BUDDHIST_ERA_OFFSET = 543  # 2026 CE is 2569 BE

_chosen: ContextVar[str | None] = ContextVar("opsplan_language", default=None)
_source: list[Callable[[], str]] = [lambda: DEFAULT]
_buddhist_era: list[bool] = [True]


def known(lang: str | None) -> str | None:
    """`lang` if it is one of ours ("th", "th-TH", "th_TH" all name Thai), else None."""
    if not lang:
        return None
    head = re.split(r"[-_]", lang.strip().lower())[0]
    return head if head in LANGUAGES else None


def set_source(source: Callable[[], str]) -> None:
    """Where the language in use comes from outside `use`: the app's session choice."""
    _source[0] = source


def set_buddhist_era(on: bool) -> None:
    """Thai dates in Buddhist Era years (plan.toml [display] buddhist_era)."""
    _buddhist_era[0] = on


def language() -> str:
    """The language in use now: "en" or "th"."""
    return _chosen.get() or known(_source[0]()) or DEFAULT


@contextmanager
def use(lang: str) -> Iterator[None]:
    """Everything inside speaks `lang` (a command's --lang, a report built for a reader)."""
    token = _chosen.set(known(lang) or DEFAULT)
    try:
        yield
    finally:
        _chosen.reset(token)


@cache
def _translations(lang: str) -> gettext.NullTranslations:
    # fallback: English is the code's own text, and a catalogue not yet compiled must not break a page
    return gettext.translation(DOMAIN, LOCALE_DIR, languages=[lang], fallback=True)


def _(text: str) -> str:
    """`text` in the language in use (itself where the catalogue has no translation)."""
    return _translations(language()).gettext(text) if text else text


def ngettext(singular: str, plural: str, n: float) -> str:
    """The singular or plural form for `n` in the language in use (Thai has one form)."""
    return _translations(language()).ngettext(singular, plural, int(n) if float(n).is_integer() else 2)


def pgettext(context: str, text: str) -> str:
    """`text` where the same English word means different things ("line" of a budget, of a file, of
    a chart): `context` tells the translator which."""
    return _translations(language()).pgettext(context, text) if text else text


def N_(text: str) -> str:
    """Marks `text` for the catalogue and returns it as is: translate it with `_()` where shown."""
    return text


def locale_name() -> str:
    """Babel's locale for the language in use."""
    return LOCALES[language()]


def money_symbol() -> str:
    """The US dollar's symbol in the language in use: "$" in English, "US$" in Thai (CLDR's)."""
    return get_currency_symbol("USD", locale=locale_name())


def number(value: float, decimals: int = 0) -> str:
    """`value` with thousands separators and exactly `decimals` decimals, in the locale's symbols."""
    pattern = "#,##0" + ("." + "0" * decimals if decimals > 0 else "")
    # rounded as Python rounds the float (f"{99.95:.1f}" is 99.9: its binary value is below 99.95), so
    # the text is the number the decimals rules reasoned about; Babel would round the decimal 99.95 up
    return format_decimal(round(value, decimals), format=pattern, locale=locale_name())


# How each form of a date reads; the pattern letters are CLDR's (d day, MMM short month, y year).
DATE_FORMS = {
    "day": "d MMM y",          # 7 Dec 2026 / 7 ธ.ค. 2569
    "day_padded": "dd MMM y",  # 07 Dec 2026
    "day_short": "d MMM",      # 7 Dec / 7 ธ.ค.
    "weekday": "EEE d MMM y",  # Mon 7 Dec 2026 / จ. 7 ธ.ค. 2569
    "month": "MMM y",          # Dec 2026 / ธ.ค. 2569
    "month_long": "MMMM y",    # December 2026 / ธันวาคม 2569
    "month_name": "MMM",       # Dec / ธ.ค.
    "month_name_long": "MMMM",  # December / ธันวาคม
    "year": "y",               # 2026 / 2569
}
DATETIME_FORMS = {
    "minute": "d MMM y HH:mm",       # 7 Dec 2026 14:05
    "clock": "dd MMM y HH:mm",       # 07 Dec 2026 14:05 (a column of moments lines up)
    "clock_short": "dd MMM HH:mm",   # 07 Dec 14:05
    "time": "HH:mm",
}


def date_text(day: date | datetime, form: str = "day") -> str:
    """A date as the language writes it: Thai months, and Buddhist Era years where set."""
    if isinstance(day, datetime):
        pattern = DATETIME_FORMS.get(form) or DATE_FORMS[form]
        text = format_datetime(day, pattern, tzinfo=day.tzinfo, locale=locale_name())
    else:
        text = format_date(day, DATE_FORMS[form], locale=locale_name())
    return _era(text, day.year)


def _era(text: str, year: int) -> str:
    """Babel writes Gregorian years only; Thai official writing counts years from the Buddha."""
    if language() != THAI or not _buddhist_era[0]:
        return text
    return re.sub(rf"(?<!\d){year}(?!\d)", str(year + BUDDHIST_ERA_OFFSET), text)


# plan.toml's words a reader sees (KPI labels and areas, the plan's notes): the catalogue takes
# them like the code's texts, so a page shows `_(kpi.label)`.
PLAN_TEXT_KEYS = frozenset({"name", "label", "area", "measurement", "note", "notification", "role",
                            "automation", "availability", "hours"})


# Tables whose names a page shows as words: [budget.lines.cloud_services] reads "Cloud services".
PLAN_NAMED_TABLES = ("budget.lines", "channels", "severities", "monitoring", "maintenance", "backup",
                     "support_tiers")


def plan_name_label(name: str) -> str:
    """'cloud_services' -> 'Cloud services': a plan.toml table name as a page writes it."""
    return name.replace("_", " ").capitalize()


def extract_plan(fileobj, keywords, comment_tags, options):  # noqa: ARG001 (Babel's extractor signature)
    """Babel extraction method for plan.toml (babel.cfg maps it): (line, funcname, text, comments)."""
    pattern = re.compile(r'^\s*([A-Za-z_]+)\s*=\s*"((?:[^"\\]|\\.)*)"')
    table = re.compile(r"^\[(" + "|".join(re.escape(t) for t in PLAN_NAMED_TABLES) + r")\.([a-z0-9_]+)\]")
    for lineno, raw in enumerate(fileobj.read().decode("utf-8").splitlines(), start=1):
        named = table.match(raw)
        if named:
            yield lineno, None, plan_name_label(named.group(2)), [f"plan.toml: [{named.group(1)}.{named.group(2)}]"]
        match = pattern.match(raw)
        if match and match.group(1) == "group":  # a budget line's group, shown as words like a table's name
            yield lineno, None, plan_name_label(match.group(2)), ["plan.toml: group"]
        elif match and match.group(1) in PLAN_TEXT_KEYS and re.search(r"[A-Za-z]{2}", match.group(2)):
            yield lineno, None, match.group(2), [f"plan.toml: {match.group(1)}"]
