"""Import problems and notes in the reader's language, from the English sentences the importer wrote.

The importer words every problem in English (the CLI prints it, its JSON keeps it, and the warehouse's
import_problems stores it), each sentence made from one catalogue text with named placeholders:
`N_("more than {scale} decimal places (would be rounded)").format(scale=2)`. A Thai reader of an
import made by an English one must read Thai, so the sentence is translated where it is shown: matched
back against the catalogue's texts that the data layer writes (the placeholders become the values),
then the translation is filled with the same values. Only the data layer's texts are candidates (the
catalogue's template, locale/messages.pot, names where each text is written): a page's "{n} tickets"
must not claim a profile's "freshdesk: Freshdesk tickets (CSV export) -> tickets". Values are data (column names, cells, zones) and stay as written, except
the placeholders named in SENTENCES, which hold a whole English sentence of their own (a rule inside
"... and 12 more rows with: {rule}") and are translated the same way.
"""
from __future__ import annotations

import re
from functools import cache, lru_cache
from string import Formatter

from babel.messages.mofile import read_mo
from babel.messages.pofile import read_po

from core import i18n

# Placeholders that carry a sentence of the catalogue rather than data.
SENTENCES = frozenset({"rule", "system", "how", "what", "widened"})
# A text needs this many characters besides its placeholders to be matched ("{a}: {b}" would match anything).
MIN_LITERAL = 6


TEMPLATE = i18n.LOCALE_DIR / "messages.pot"
WRITERS = ("data/",)  # where the texts this module reads back are written


@cache
def _data_texts() -> frozenset[str]:
    """The catalogue's texts written by the data layer (the importer's problems, fixes and notes)."""
    if not TEMPLATE.exists():
        return frozenset()
    with TEMPLATE.open("rb") as f:
        template = read_po(f)
    return frozenset(m.id for m in template if isinstance(m.id, str) and m.id and not m.context
                     and any(where.startswith(WRITERS) for where, _line in m.locations))


def _fields(text: str) -> list[tuple[str, str | None]] | None:
    """(literal, placeholder name) pieces of a catalogue text; None when it has positional or odd fields."""
    try:
        pieces = [(literal, name) for literal, name, _spec, _conv in Formatter().parse(text)]
    except ValueError:
        return None
    names = [n for _, n in pieces if n is not None]
    if any(not n.isidentifier() for n in names):
        return None
    return pieces


def _pattern(pieces: list[tuple[str, str | None]]) -> re.Pattern:
    seen: set[str] = set()
    parts = []
    for literal, name in pieces:
        parts.append(re.escape(literal))
        if name is not None:
            # a sentence placeholder is greedy: its own text may hold the separators that follow it
            parts.append(f"(?P={name})" if name in seen else f"(?P<{name}>.+)" if name in SENTENCES
                         else f"(?P<{name}>.+?)")
            seen.add(name)
    return re.compile("".join(parts), re.DOTALL)


@cache
def _templates(lang: str) -> tuple[tuple[re.Pattern, list[tuple[str, str | None]]], ...]:
    """The catalogue's translated texts with placeholders, as (English pattern, translated pieces),
    the most specific (longest fixed text) first."""
    path = i18n.LOCALE_DIR / lang / "LC_MESSAGES" / f"{i18n.DOMAIN}.mo"
    if not path.exists():
        return ()
    with path.open("rb") as f:
        catalogue = read_mo(f)
    found = []
    for message in catalogue:
        english, translated = message.id, message.string
        if not isinstance(english, str) or "{" not in english or not translated or english not in _data_texts():
            continue
        source, target = _fields(english), _fields(translated)
        if source is None or target is None or not any(n for _, n in source):
            continue
        fixed = sum(len(literal) for literal, _ in source)
        if fixed < MIN_LITERAL or {n for _, n in target if n} - {n for _, n in source if n}:
            continue
        found.append((fixed, _pattern(source), target))
    found.sort(key=lambda item: -item[0])
    return tuple((pattern, target) for _, pattern, target in found)


@lru_cache(maxsize=8192)
def _localized(text: str, lang: str) -> str:
    if text in _data_texts():
        return i18n._(text)
    for pattern, target in _templates(lang):
        match = pattern.fullmatch(text)
        if not match:
            continue
        values = match.groupdict()
        sentences = {name: _localized(values[name], lang) for name in values if name in SENTENCES}
        if any(said == values[name] and " " in said for name, said in sentences.items()):
            continue  # split in the wrong place: a phrase in a sentence placeholder is one the catalogue knows
                      # (a one-word value, "JSON", is a name and may stay as it is)
        values.update(sentences)
        return "".join(literal + ("" if name is None else values[name]) for literal, name in target)
    return text


def localized(text: str | None) -> str | None:
    """An importer's English problem, fix or note in the language in use (itself when not in the catalogue)."""
    if not text or i18n.language() == i18n.ENGLISH:
        return text
    return _localized(text, i18n.language())
