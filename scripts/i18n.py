"""The Thai catalogue's chores, with Babel's own commands underneath.

  python scripts/i18n.py extract   code and plan.toml -> locale/messages.pot -> locale/th/.../messages.po
                                   (new texts added untranslated, gone ones marked obsolete)
  python scripts/i18n.py compile   messages.po -> messages.mo (what the app reads)
  python scripts/i18n.py todo [PATH ...]
                                   the texts still without Thai (only those from PATHs' files), as JSON
  python scripts/i18n.py fill FILE.json
                                   put {"english": "thai", ...} into messages.po, then compile
  python scripts/i18n.py check     exit 1 when a text has no Thai or messages.mo is stale
"""
from __future__ import annotations

import io
import os
import json
import sys
from pathlib import Path

from babel.messages.frontend import CommandLineInterface
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po, write_po

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))  # babel.cfg names core.i18n:extract_plan
LOCALE = ROOT / "locale"
POT = LOCALE / "messages.pot"
PO = LOCALE / "th" / "LC_MESSAGES" / "messages.po"
MO = PO.with_suffix(".mo")
# Texts left in English on purpose, each with its reason: the reviewed list.
KEEP_ENGLISH = LOCALE / "th" / "keep-english.txt"


def _babel(*args: str) -> None:
    CommandLineInterface().run(["pybabel", "-q", *args])


def extract() -> None:
    os.chdir(ROOT)  # locations in the catalogue relative to the repository: "ui/overview.py:12"
    _babel("extract", "-F", str(ROOT / "babel.cfg"), "-k", "_", "-k", "N_", "-k", "ngettext:1,2", "-k", "pgettext:1c,2",
           "--no-wrap", "--sort-by-file", "--add-comments", "Translators:", "--project", "opsplan",
           "-o", str(POT.relative_to(ROOT)), ".")
    if PO.exists():
        _babel("update", "-i", str(POT), "-o", str(PO), "-l", "th", "--no-wrap", "--ignore-obsolete")
    else:
        _babel("init", "-i", str(POT), "-o", str(PO), "-l", "th", "--no-wrap")


def read_catalogue():
    with PO.open("rb") as f:
        return read_po(f, locale="th")


def compiled_bytes() -> bytes:
    out = io.BytesIO()
    write_mo(out, read_catalogue())
    return out.getvalue()


def compile_mo() -> None:
    MO.write_bytes(compiled_bytes())


def keep_english() -> set[str]:
    """The reviewed list: one text per line, after its reason on a `#` line."""
    if not KEEP_ENGLISH.exists():
        return set()
    lines = KEEP_ENGLISH.read_text(encoding="utf-8").splitlines()
    return {line for line in lines if line and not line.startswith("#")}


def key_of(message) -> str:
    """The text's key in todo/fill JSON: its msgid, after "context|" where it has a context."""
    text = message.id if isinstance(message.id, str) else message.id[0]
    return f"{message.context}|{text}" if message.context else text


def missing(paths: list[str] | None = None) -> list[str]:
    """msgids without Thai (and not kept in English), optionally only those found in `paths`."""
    wanted = [str(Path(p)) for p in paths or []]
    kept = keep_english()
    out = []
    for message in read_catalogue():
        if not message.id or message.id in kept:
            continue
        text = message.string
        done = all(text) if isinstance(text, tuple) else bool(text)
        if done and not message.fuzzy:
            continue
        if wanted and not any(loc[0].startswith(w) for loc in message.locations for w in wanted):
            continue
        out.append(key_of(message))
    return out


def fill(path: str) -> int:
    """Thai from a {english: thai} JSON into the catalogue; returns how many texts it filled."""
    pairs = json.loads(Path(path).read_text(encoding="utf-8"))
    catalogue = read_catalogue()
    filled = 0
    for message in catalogue:
        key = key_of(message)
        if key in pairs and pairs[key]:
            message.string = pairs[key] if isinstance(message.id, str) else (pairs[key],)
            message.flags.discard("fuzzy")
            filled += 1
    with PO.open("wb") as f:
        write_po(f, catalogue, width=0, sort_by_file=True, ignore_obsolete=True)
    compile_mo()
    return filled


def main(argv: list[str]) -> int:
    command = argv[0] if argv else ""
    if command == "extract":
        extract()
        compile_mo()
    elif command == "compile":
        compile_mo()
    elif command == "todo":
        print(json.dumps({text: "" for text in missing(argv[1:])}, ensure_ascii=False, indent=1))
    elif command == "fill":
        print(f"filled {fill(argv[1])} texts")
    elif command == "check":
        gaps = missing()
        stale = not MO.exists() or MO.read_bytes() != compiled_bytes()
        for text in gaps:
            print(f"no Thai: {text!r}")
        if stale:
            print(f"{MO.relative_to(ROOT)} is older than messages.po: run python scripts/i18n.py compile")
        return 1 if gaps or stale else 0
    else:
        print(__doc__)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
