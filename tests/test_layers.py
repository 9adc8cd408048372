"""The layers are a checked contract: import-linter's contracts (pyproject.toml) hold, and the
project's modules import one another without a cycle (imports inside functions count)."""
from __future__ import annotations

import ast
import graphlib
import subprocess
import sys
import tomllib
from pathlib import Path

import grimp

ROOT = Path(__file__).resolve().parent.parent
LINTER = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["importlinter"]
# The run-time settings and the one module that reads each (it offers a function the rest call).
SETTINGS = {"OPSPLAN_PLAN": "core.plan", "OPSPLAN_TODAY": "core.period", "OPSPLAN_DB": "data.warehouse",
            "OPSPLAN_ACCESS": "data.access"}


def test_import_contracts_hold():
    """lint-imports from the repository root, as scripts/test.sh runs it: every contract kept."""
    run = subprocess.run([sys.executable, "-c", "from importlinter.cli import lint_imports_command; "
                          "lint_imports_command()", "--no-logo", "--no-cache"],
                         cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert run.returncode == 0, run.stdout + run.stderr
    assert f"{len(LINTER['contracts'])} kept, 0 broken" in run.stdout


def project_modules() -> dict[str, Path]:
    """Every module of the project that is not a test or a benchmark: the root packages' (pages/ as a
    namespace package) and the single-file modules beside them (app.py)."""
    files = {p.stem: p for p in ROOT.glob("*.py")}
    for package in LINTER["root_packages"]:
        for path in (ROOT / package).rglob("*.py"):
            parts = path.relative_to(ROOT).with_suffix("").parts
            files[".".join(parts[:-1] if parts[-1] == "__init__" else parts)] = path
    return files


def imports_in(source: str, known: set[str]) -> set[str]:
    """The `known` modules a module's source imports anywhere in it (top level or inside a function),
    as the deepest known module each import names (`from data import params` -> data.params)."""
    found = set()
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            names = [a.name for a in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
            names = [f"{node.module}.{a.name}" for a in node.names] + [node.module]
        else:
            continue
        for name in names:
            while name and name not in known:
                name = name.rpartition(".")[0]
            found |= {name} if name else set()
    return found


def import_graph() -> dict[str, set[str]]:
    """Module -> the project modules it imports: grimp's graph of the root packages (what
    import-linter checks) joined with the single-file modules' imports, read from their source."""
    files = project_modules()
    graph = grimp.build_graph(*LINTER["root_packages"], cache_dir=None)
    edges = {m: set(graph.find_modules_directly_imported_by(m)) for m in graph.modules}
    for name in set(files) - set(edges):
        edges[name] = imports_in(files[name].read_text(), set(files))
    return {m: {i for i in imported if i != m} for m, imported in edges.items()}


def test_the_module_graph_has_no_cycle():
    """No module reaches itself through imports, wherever in a module they are written."""
    try:
        order = list(graphlib.TopologicalSorter(import_graph()).static_order())
    except graphlib.CycleError as exc:
        raise AssertionError(f"import cycle: {' -> '.join(reversed(exc.args[1]))}") from None
    assert {"core.plan", "data.params", "analytics.drilldown", "pages.overview", "app"} <= set(order)


def test_the_cycle_check_sees_imports_inside_functions():
    """The graph holds an import written inside a function (the kind that closed the last cycle)."""
    probe = "import pandas\n\ndef configure():\n    from data.params import threshold_params\n    import ui\n"
    assert imports_in(probe, set(project_modules())) == {"data.params", "ui"}


def test_each_setting_is_read_in_one_module():
    """Each $OPSPLAN_* variable is named in the code of one module only, which the others call."""
    files = project_modules()
    named = {name: sorted(m for m, path in files.items()
                          if any(isinstance(n, ast.Constant) and n.value == name
                                 for n in ast.walk(ast.parse(path.read_text()))))
             for name in SETTINGS}
    assert named == {name: [module] for name, module in SETTINGS.items()}
