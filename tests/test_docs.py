"""The documentation agrees with the code: KPIs and definitions, command-line flags, links."""
from __future__ import annotations

import ast
import re
import subprocess
import sys
import tomllib
from fnmatch import fnmatch
from functools import cache
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
DOCS = sorted((ROOT / "docs").glob("*.md"))
PAGES = [ROOT / "README.md", *DOCS]
KPIS = ROOT / "docs" / "kpis.md"
LIBRARY = ("core", "data", "analytics", "models", "reports")
COMMAND_PACKAGES = (*LIBRARY, "alerts")  # packages whose modules the docs show as commands
DEFINITION = re.compile(r"^Definition:", re.MULTILINE)
LINK = re.compile(r"!?\[[^\]]*\]\(([^)\s]+)\)")
FENCE = re.compile(r"^ *```[^\n]*\n(.*?)^ *```", re.MULTILINE | re.DOTALL)  # fenced blocks, also in lists
INLINE = re.compile(r"`([^`]+)`")
# `python -m pkg.mod ...` or `python path/to/script.py ...` (python, python3 or python3.11)
COMMAND = re.compile(r"\bpython(?:3(?:\.11)?)?\s+(?:-m\s+([\w.]+)|([\w./-]+\.py))(.*)", re.DOTALL)
SHELL_SEPARATOR = re.compile(r"&&|;|\s\|\s|>>|\s>\s")
FLAG = re.compile(r"(?<![\w-])--[a-z][\w-]*")
# Commands small enough that docs/operating.md shows every flag they take.
FULLY_DOCUMENTED = ("analytics.scorecard", "analytics.adherence", "models.scenario", "data.backup", "data.demo",
                    "reports.monthly")


def run(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, *args], cwd=ROOT, capture_output=True, text=True, timeout=120)


def code_texts(text: str) -> list[str]:
    """Every line of the fenced blocks (continued lines joined) and every inline code span (which
    markdown may wrap over lines) of a markdown text."""
    lines = [line for b in FENCE.findall(text) for line in b.replace("\\\n", " ").splitlines()]
    return lines + [" ".join(span.split()) for span in INLINE.findall(FENCE.sub("", text))]


def documented_commands() -> dict[str, set[str]]:
    """Each project command shown in the README or docs/ (module, or script path), with the flags
    shown with it."""
    found: dict[str, set[str]] = {}
    for page in PAGES:
        for code in code_texts(page.read_text(encoding="utf-8")):
            for segment in SHELL_SEPARATOR.split(code):
                m = COMMAND.search(segment)
                if m and is_project(m[1] or m[2]):
                    found.setdefault(m[1] or m[2], set()).update(FLAG.findall(m[3]))
    return found


def is_project(command: str) -> bool:
    return (ROOT / command).is_file() or command.split(".")[0] in COMMAND_PACKAGES


@cache
def help_flags(command: str) -> frozenset[str]:
    """The flags a command's --help lists."""
    done = run(command, "--help") if command.endswith(".py") else run("-m", command, "--help")
    assert done.returncode == 0, f"{command} --help failed: {done.stderr[-500:]}"
    return frozenset(FLAG.findall(done.stdout))


def definitions_in_code() -> list[tuple[str, str]]:
    """(module, name) of every function or class of the library layers whose docstring has a
    line starting 'Definition:'."""
    out = []
    for package in LIBRARY:
        for path in sorted((ROOT / package).rglob("*.py")):
            module = ".".join(path.relative_to(ROOT).with_suffix("").parts)
            for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
                if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)) \
                        and DEFINITION.search(ast.get_docstring(node) or ""):
                    out.append((module, node.name))
    return out


def slug(heading: str) -> str:
    """GitHub's anchor for a heading: lower case, punctuation dropped, spaces to hyphens."""
    return re.sub(r"[^\w\- ]", "", heading.strip().lower()).replace(" ", "-")


def anchors(page: Path) -> set[str]:
    text = FENCE.sub("", page.read_text(encoding="utf-8"))
    return ({slug(h) for h in re.findall(r"^#+ (.+)$", text, re.MULTILINE)}
            | set(re.findall(r'<a id="([^"]+)"', text)))


def test_generated_parts_of_kpis_md_equal_what_the_code_says():
    """docs/kpis.md's generated blocks are what scripts/kpi_docs.py writes from the code now."""
    done = run("scripts/kpi_docs.py", "--check")
    assert done.returncode == 0, done.stderr


def test_every_kpi_of_the_plan_has_its_section_with_its_target_and_baseline():
    """One '### Label (`key`)' section per [kpis.*] of plan.toml, quoting its target and baseline."""
    kpis = tomllib.loads((ROOT / "plan.toml").read_text(encoding="utf-8"))["kpis"]
    text = KPIS.read_text(encoding="utf-8")
    sections = dict(re.findall(r"^### [^\n]*\(`(\w+)`\)\n(.*?)(?=^### |\Z)", text, re.MULTILINE | re.DOTALL))
    assert set(kpis) <= set(sections), f"no section for {sorted(set(kpis) - set(sections))}"
    for key, kpi in kpis.items():
        assert f"| Target | {kpi['op']} {kpi['target']:g} |" in sections[key], key
        assert f"| Baseline | {kpi['baseline']:g} |" in sections[key], key
        assert f"`[kpis.{key}]`" in sections[key], key
        assert "**Definition:**" in sections[key], key


def test_every_definition_docstring_is_documented():
    """Each Definition: docstring is a KPI's 'Counted by' or an entry under its module's heading."""
    text = KPIS.read_text(encoding="utf-8")
    missing = [f"{module}.{name}" for module, name in definitions_in_code()
               if f"| Counted by | `{module}.{name}` |" not in text
               and not re.search(rf"^### `{re.escape(module)}`\n(?:(?!^### ).)*^- \*\*`{name}`\*\*", text,
                                 re.MULTILINE | re.DOTALL)]
    assert not missing, f"docs/kpis.md lacks {missing}: run python scripts/kpi_docs.py"


def test_the_docs_show_the_project_commands():
    """The parser below finds the commands it checks (a change of markup cannot empty the check)."""
    assert {"analytics.scorecard", "analytics.adherence", "models.scenario", "data.importer", "data.backup",
            "data.demo"} <= set(documented_commands())


@pytest.mark.parametrize("command", sorted(c for c, flags in documented_commands().items() if flags))
def test_every_documented_flag_exists(command):
    """Every flag shown with a command in the README or docs/ is one its --help lists."""
    unknown = sorted(documented_commands()[command] - help_flags(command))
    assert not unknown, f"{command}: documented flags {unknown} are not in its --help"


def test_every_flag_named_on_its_own_exists():
    """A flag quoted apart from its command (`--covers-from YYYY-MM-DD`) is one of a documented
    command's --help."""
    known = set().union(*(help_flags(c) for c, flags in documented_commands().items() if flags))
    loose = {f: page.name for page in PAGES for code in code_texts(page.read_text(encoding="utf-8"))
             if not COMMAND.search(code) for f in FLAG.findall(code)}
    assert loose, "no flag found on its own: the parser no longer sees the docs' code spans"
    assert not {f: p for f, p in loose.items() if f not in known}, "flags no command lists in its --help"


@pytest.mark.parametrize("command", FULLY_DOCUMENTED)
def test_every_flag_of_a_small_command_is_documented(command):
    """docs/operating.md shows every flag of the read-only, backup and demo commands."""
    text = (ROOT / "docs" / "operating.md").read_text(encoding="utf-8")
    shown = set().union(*(FLAG.findall(m[3]) for code in code_texts(text) for seg in SHELL_SEPARATOR.split(code)
                          if (m := COMMAND.search(seg)) and m[1] == command))
    assert not sorted(help_flags(command) - {"--help"} - shown), f"{command}: not shown in docs/operating.md"


@pytest.mark.parametrize("page", PAGES, ids=lambda p: str(p.relative_to(ROOT)))
def test_links_resolve_inside_the_repository(page):
    """Every relative link (and #anchor) of the README and docs/ names a file of the repository."""
    text = page.read_text(encoding="utf-8")
    assert "../shared" not in text and "/work/" not in text, f"{page.name} points outside the repository"
    broken = []
    for target in LINK.findall(FENCE.sub("", text)):
        if re.match(r"[a-z]+:", target):  # https:, mailto:
            continue
        path, _, anchor = target.partition("#")
        file = (page.parent / path).resolve() if path else page
        if Path(path).is_absolute() or not file.is_relative_to(ROOT) or not file.exists():
            broken.append(target)
        elif anchor and file.suffix == ".md" and anchor not in anchors(file):
            broken.append(target)
    assert not broken, f"{page.name}: links that do not resolve inside the repository: {broken}"


def test_paths_named_in_the_docs_exist():
    """A repository path quoted in the README or docs/ (`data/spans.py`, `ui/cache.py`, `tests/fixtures/`)
    names a file or folder that exists; placeholders (`<tool>`, `*`), machine paths (`/srv/...`) and
    files the app makes (git-ignored: `data/warehouse.duckdb`) aside."""
    tops = "|".join(p.name for p in ROOT.iterdir() if p.is_dir() and not p.name.startswith("."))
    named = {m for page in PAGES for code in code_texts(page.read_text(encoding="utf-8"))
             for m in re.findall(rf"(?<![\w./-])(?:{tops})/[\w./<>*-]*", code)}
    assert len(named) > 20, "the docs name hardly any path: the parser no longer sees them"
    ignored = [line.strip() for line in (ROOT / ".gitignore").read_text().splitlines() if line.strip()[:1] not in "#"]
    missing = sorted(p for p in named if not re.search(r"[<*]", p) and not (ROOT / p).exists()
                     and not any(fnmatch(p, g) or fnmatch(Path(p).name, g) for g in ignored))  # made at run time
    assert not missing, f"paths named in the docs that the repository lacks: {missing}"


def test_readme_names_python_and_shows_the_virtualenv_before_its_two_commands():
    """The README's set-up: the virtualenv step, then exactly two commands (run the app; run the tests)."""
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    blocks = [b.strip() for b in FENCE.findall(text)]
    assert "Python 3.11" in text
    assert blocks == ["python3.11 -m venv .venv && . .venv/bin/activate",
                      "pip install -r requirements.txt && streamlit run app.py",
                      "bash scripts/test.sh"]
    assert (ROOT / "requirements.txt").is_file() and (ROOT / "scripts" / "test.sh").is_file()
