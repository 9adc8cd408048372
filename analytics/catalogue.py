"""Babel extraction of analytics/ for the Thai catalogue: the code's `_()` texts, and the KPI
definitions, which are the 'Definition:' paragraphs of the KPI functions' docstrings
(analytics.scorecard.definition) and so are no literal inside `_()`. One text, one place: the
docstring stays the definition, and the catalogue takes it as `definition()` returns it."""
from __future__ import annotations

import inspect
from pathlib import Path

from babel.messages.extract import extract_python


def extract(fileobj, keywords, comment_tags, options):
    """Babel extraction method (babel.cfg maps analytics/ to it): (line, funcname, text, comments)."""
    yield from extract_python(fileobj, keywords, comment_tags, options)
    from analytics.scorecard import MEASURES, definition  # the extractor runs before nothing else imports it

    here = Path(getattr(fileobj, "name", "")).resolve()
    for key, (_compute, _n_label, function) in MEASURES.items():
        if Path(inspect.getsourcefile(function)).resolve() == here:
            line = inspect.getsourcelines(function)[1]
            yield line, None, definition(key), [f"the definition of KPI {key} (its docstring)"]
