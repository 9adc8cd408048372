"""What a Thai reader sees of an AppTest run, and the English left in it.

A text is left in English when, after code spans, links, icons, the data's own names (services,
files) and the terms Thai IT teams keep in English (locale/th/english-terms.txt) are taken out,
a word of three Latin letters or more remains.
"""
from __future__ import annotations

import json
import re
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
TERMS_FILE = ROOT / "locale" / "th" / "english-terms.txt"
THAI = re.compile(r"[\u0E00-\u0E7F]")
WORD = re.compile(r"(?<![A-Za-z0-9_])[A-Za-z][A-Za-z'’]{2,}(?![A-Za-z0-9_])")
NOISE = [re.compile(p) for p in (
    r"`[^`]*`",                      # code: file names, commands, column names
    r"\]\([^)]*\)",                  # a markdown link's target
    r"https?://\S+", r"\S+@\S+",     # addresses
    r":material/[a-z_]+:",           # icons
    r":[a-z]+(?:-badge)?\[",          # markdown colour directives and badges (:red[...], :red-badge[...])
    r"\b[\w./-]+\.(?:csv|json|xlsx|parquet|duckdb|toml|pdf|html|py|txt)\b",
    r"\?[a-z_]+=",                   # query parameters named in help
    r"\b[A-Z][a-z]+/[A-Z][A-Za-z_]+\b",  # an IANA time zone's id (Asia/Bangkok): an identifier
    r"<[^>]+>",                      # HTML tags in chart titles (<sup>, <br>)
    r"\b[a-z0-9]+(?:\\?_[a-z0-9]+)+\b",  # snake_case names of columns and settings in a formula
    r"--[a-z][a-z-]+",               # a command-line option named in a fix
    r'"[a-z_]+"',                    # a setting's value quoted ("period")
)]


def english_terms() -> set[str]:
    """Terms a Thai operations team writes in English (one per line; `#` lines say why)."""
    words = set()
    for line in TERMS_FILE.read_text(encoding="utf-8").splitlines():
        line = line.split("#", 1)[0].strip()
        if line:
            words.add(line.lower())
    return words


def english_left(text: str, keep: set[str]) -> list[str]:
    """The English words in `text` a Thai reader should not meet."""
    for pattern in NOISE:
        text = pattern.sub(" ", text)
    lowered = text.lower()
    for phrase in sorted((k for k in keep if " " in k), key=len, reverse=True):
        lowered = lowered.replace(phrase, " ")
    return [w for w in WORD.findall(lowered) if w.lower().strip("'’") not in keep]


def _figure_texts(spec: dict) -> list[str]:
    layout = spec.get("layout", {})
    out = []
    title = layout.get("title")
    out.append(title.get("text", "") if isinstance(title, dict) else title or "")
    for key, axis in layout.items():
        if key.startswith(("xaxis", "yaxis")) and isinstance(axis, dict):
            axis_title = axis.get("title")
            out.append(axis_title.get("text", "") if isinstance(axis_title, dict) else axis_title or "")
            out.extend(str(t) for t in axis.get("ticktext") or [])
    out.extend(a.get("text", "") for a in layout.get("annotations", []) or [])
    legend = layout.get("legend", {}) or {}
    if isinstance(legend.get("title"), dict):
        out.append(legend["title"].get("text", ""))
    for trace in spec.get("data", []):
        if trace.get("showlegend", True) is not False:
            out.append(str(trace.get("name") or ""))
        if isinstance(trace.get("hovertemplate"), str):
            out.append(re.sub(r"%\{[^}]*\}|<extra>.*?</extra>|<[^>]+>", " ", trace["hovertemplate"]))
    return [t for t in out if t]


def visible_texts(at) -> list[tuple[str, str]]:
    """(element kind, text) of everything an AppTest run shows: headings, text, labels, options,
    table headers and the charts' titles, axes, legends and annotations."""
    out: list[tuple[str, str]] = []
    for kind in ("title", "header", "subheader", "markdown", "caption", "info", "warning", "error",
                 "success", "exception"):
        out += [(kind, str(e.value)) for e in at.get(kind)]
    for kind in ("button", "download_button", "checkbox", "toggle", "text_input", "number_input",
                 "date_input", "slider", "select_slider", "selectbox", "multiselect", "radio",
                 "segmented_control", "pills", "text_area", "time_input", "color_picker"):
        for e in at.get(kind):
            out.append((kind, str(getattr(e, "label", "") or "")))
            out.append((kind, str(getattr(e, "help", "") or "")))
            for option in getattr(e, "options", None) or []:
                out.append((f"{kind} option", str(option)))
    for e in at.get("metric"):
        out += [("metric", str(e.label)), ("metric", str(e.proto.help or "")),
                ("metric", str(e.value)), ("metric", str(e.proto.body or ""))]
    for kind in ("tab", "expander", "popover", "status"):
        out += [(kind, str(getattr(e, "label", "") or "")) for e in at.get(kind)]
    for e in at.get("arrow_data_frame") + at.get("dataframe") + at.get("table"):
        try:
            columns = list(e.value.columns)
        except Exception:  # an element without a frame behind it (AppTest's unknown kinds)
            continue
        try:  # what a reader sees is the column_config label where there is one
            config = json.loads(e.proto.columns or "{}")
        except (AttributeError, ValueError):
            config = {}
        for column in columns:
            shown = (config.get(str(column)) or {}).get("label") if isinstance(config.get(str(column)), dict) else None
            out.append(("table header", str(shown or column)))
    from tests.conftest import figure, plotly_charts

    for e in plotly_charts(at):
        out += [("chart", t) for t in _figure_texts(figure(e))]
    return [(k, t) for k, t in out if t.strip()]


def english_on(at, keep: set[str]) -> list[str]:
    """Each text of the run with English left in it, with its kind and the words, for a failure message."""
    found = []
    for kind, text in visible_texts(at):
        words = english_left(text, keep)
        if words:
            found.append(f"{kind}: {text[:160]!r} -> {sorted(set(words))}")
    return sorted(set(found))
