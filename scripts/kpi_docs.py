"""Write the generated parts of docs/kpis.md from the code and plan.toml, or check them.

    python scripts/kpi_docs.py          # rewrite the generated blocks of docs/kpis.md
    python scripts/kpi_docs.py --check  # exit 1, naming the block, when the file is out of date

The KPI text is the one each dashboard tile shows behind its "Definition" button
(`analytics.scorecard.definition`), so the documentation cannot drift from the dashboard.
The other blocks are every `Definition:` paragraph in core/, data/, analytics/, models/ and reports/,
and the [settings] of plan.toml with their comments. Everything outside the markers is
written by hand and left as it is.
"""
from __future__ import annotations

import argparse
import ast
import importlib
import re
import sys
from functools import cache
from pathlib import Path
from types import ModuleType

import tomlkit

ROOT = Path(__file__).resolve().parent.parent
DOC = ROOT / "docs" / "kpis.md"
PLAN = ROOT / "plan.toml"  # the committed plan, never $OPSPLAN_PLAN: the docs describe the repository
PACKAGES = ("core", "data", "analytics", "models", "reports")
DEFINITION = re.compile(r"^Definition:", re.MULTILINE)
# A Definition: paragraph ends at a blank line or where the docstring names its input or output.
PARAGRAPH_END = re.compile(r"\n\s*\n|\n(?:Input|Output):")
BLOCK = re.compile(r"(<!-- BEGIN GENERATED: (?P<name>[\w-]+) .*?-->\n)(?P<body>.*?)(<!-- END GENERATED: (?P=name) -->)",
                   re.DOTALL)


@cache
def scorecard() -> ModuleType:
    """analytics.scorecard, imported from the repository this script sits in (run as a file, the
    script's own folder is on sys.path, not the root that holds the packages)."""
    sys.path.insert(0, str(ROOT))
    return importlib.import_module("analytics.scorecard")


def definition_paragraph(doc: str) -> str:
    """The text after `Definition:` up to the end of its paragraph, as one line."""
    text = DEFINITION.split(doc, 1)[1]
    return " ".join(PARAGRAPH_END.split(text, 1)[0].split())


def documented_functions() -> list[tuple[str, str, str]]:
    """(module path, qualified name, definition) of every function or class in PACKAGES whose
    docstring holds a line starting `Definition:`, in file and line order."""
    found = []
    for package in PACKAGES:
        for path in sorted((ROOT / package).rglob("*.py")):
            module = ".".join(path.relative_to(ROOT).with_suffix("").parts)
            for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
                if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
                    doc = ast.get_docstring(node) or ""
                    if DEFINITION.search(doc):
                        found.append((node.lineno, module, f"{module}.{node.name}", definition_paragraph(doc)))
    return [(module, name, text) for _, module, name, text in sorted(found, key=lambda f: (f[1], f[0]))]


def kpi_function(key: str) -> str:
    """The qualified name of the function that counts KPI `key` (its docstring is the definition)."""
    function = scorecard().MEASURES[key][2]
    return f"{function.__module__}.{function.__qualname__}"


def anchor(key: str) -> str:
    """The HTML anchor of a KPI's section: its plan key, so links survive a change of label."""
    return f'<a id="{key.replace("_", "-")}"></a>'


def kpi_sections(plan: dict) -> str:
    """One section per [kpis.*] table of the plan, in plan order."""
    out = []
    for key, kpi in plan["kpis"].items():
        tolerance = "none: its confidence interval decides" if kpi.get("tolerance") is None \
            else f"{kpi['tolerance']:g} {kpi['unit']}"
        out += [f"### {kpi['label']} (`{key}`)", "", anchor(key), "",
                "| | |", "|---|---|",
                f"| Area | {kpi['area']} |",
                f"| Unit | {kpi['unit']} |",
                f"| The plan's measure | {kpi['measurement']} |",
                f"| Target | {kpi['op']} {kpi['target']:g} |",
                f"| Baseline | {kpi['baseline']:g} |",
                f"| Tolerance | {tolerance} |",
                f"| Target source | `plan.toml` `[kpis.{key}]` |",
                f"| Counted by | `{kpi_function(key)}` |",
                "", f"**Definition:** {scorecard().definition(key)}", ""]
    return "\n".join(out)


def other_sections() -> str:
    """Every Definition: paragraph that is not a KPI's own, grouped by module."""
    kpis = {kpi_function(key) for key in scorecard().MEASURES}
    out, module_seen = [], None
    for module, name, text in documented_functions():
        if name in kpis:
            continue
        if module != module_seen:
            out += [f"### `{module}`", ""]
            module_seen = module
        out += [f"- **`{name.rsplit('.', 1)[1]}`**: {text}", ""]
    return "\n".join(out)


def settings_table(text: str) -> str:
    """The [settings] of the plan, each with its value and its comment in plan.toml."""
    rows, last = ["| Setting | Value | What it decides |", "|---|---|---|"], None
    for key, item in tomlkit.parse(text)["settings"].value.body:
        if key is not None:
            value = item.as_string().strip()
            rows.append([f"`{key.key}`", f"`{value}`", item.trivia.comment.lstrip("# ")])
            last = rows[-1]
        elif isinstance(item, tomlkit.items.Comment) and item.as_string().startswith(" ") and last is not None:
            # an indented comment carries the setting's comment on; one at the margin heads the next table
            last[2] += " " + item.as_string().strip().lstrip("# ")
    return "\n".join(r if isinstance(r, str) else "| " + " | ".join(c.replace("|", "\\|") for c in r) + " |"
                     for r in rows) + "\n"


def generated() -> dict[str, str]:
    """The body of each generated block, by name."""
    text = PLAN.read_text(encoding="utf-8")
    plan = tomlkit.parse(text).unwrap()
    return {"settings": settings_table(text), "kpis": kpi_sections(plan), "definitions": other_sections()}


def render(current: str) -> str:
    """docs/kpis.md with every generated block replaced by what the code says now."""
    bodies = generated()
    missing = set(bodies) - {m["name"] for m in BLOCK.finditer(current)}
    if missing:
        raise SystemExit(f"{DOC.relative_to(ROOT)}: no block marked <!-- BEGIN GENERATED: "
                         f"{sorted(missing)[0]} ... --> ... <!-- END GENERATED: {sorted(missing)[0]} -->")
    return BLOCK.sub(lambda m: m.group(1) + bodies[m["name"]] + m.group(4), current)


def stale_blocks(current: str, fresh: str) -> list[str]:
    """The names of the generated blocks whose text differs between `current` and `fresh`."""
    old = {m["name"]: m["body"] for m in BLOCK.finditer(current)}
    return [m["name"] for m in BLOCK.finditer(fresh) if old.get(m["name"]) != m["body"]]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Write (or check) the generated blocks of docs/kpis.md.")
    parser.add_argument("--check", action="store_true", help="write nothing; exit 1 when the file is out of date")
    args = parser.parse_args(argv)
    current = DOC.read_text(encoding="utf-8")
    fresh = render(current)
    if args.check:
        stale = stale_blocks(current, fresh)
        if stale:
            print(f"{DOC.relative_to(ROOT)}: the generated block(s) {', '.join(stale)} disagree with the code "
                  "or plan.toml: run python scripts/kpi_docs.py and commit the result", file=sys.stderr)
            return 1
        return 0
    DOC.write_text(fresh, encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
