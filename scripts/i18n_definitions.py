"""Babel extraction of ui/ for the Thai catalogue: the code's `_()` texts, and the docstrings the
pages show behind their "Definition" popovers (each page module's DEFINITIONS, and the ranking's
gap_closed). A docstring stays the one definition in the code; the catalogue takes it as
ui.widgets.definitions_popover shows it (inspect.getdoc). Lives in scripts/, not ui/, because it
imports the ui modules it reads."""
from __future__ import annotations

import importlib
import inspect
from pathlib import Path

from babel.messages.extract import extract_python

ROOT = Path(__file__).resolve().parent.parent


def shown_definitions(module) -> list[object]:
    """The objects whose docstrings a page module shows as definitions."""
    objects = [obj for group in getattr(module, "DEFINITIONS", {}).values() for obj in group]
    if module.__name__ == "ui.overview":
        from analytics.ranking import gap_closed

        objects.append(gap_closed)
    return objects


def extract(fileobj, keywords, comment_tags, options):
    """Babel extraction method (babel.cfg maps ui/ to it): (line, funcname, text, comments)."""
    yield from extract_python(fileobj, keywords, comment_tags, options)
    path = Path(getattr(fileobj, "name", "")).resolve()
    if path.parent.name != "ui" or path.name.startswith("_"):
        return
    module = importlib.import_module(f"ui.{path.stem}")
    for obj in shown_definitions(module):
        doc = inspect.getdoc(obj)
        if doc:
            yield 1, None, doc, [f"the definition shown for {obj.__module__}.{obj.__name__} (its docstring)"]
