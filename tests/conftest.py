"""Shared fixtures: demo warehouses built by the same generator the app uses."""
from __future__ import annotations

import inspect
import os
from collections.abc import Callable
from datetime import date
from pathlib import Path
from types import CodeType

import pytest

from core.period import TODAY_ENV
from core.plan import Plan, load_plan

# A fixed "today" keeps generated data, and so every expected number, reproducible.
DEMO_TODAY = date(2026, 11, 26)
DEMO_SEED = 42

# The app, every command and every server a test starts read "today" from here (core.period.
# today_in), so no result depends on the day the suite runs. Set at import, before any test or
# subprocess; a test that needs another day sets it with monkeypatch.
os.environ[TODAY_ENV] = DEMO_TODAY.isoformat()


# Markers by what a test does, so that a new test cannot forget its mark (pyproject.toml registers
# them; `-m "not browser and not slow"` is the quick loop). browser: it uses the fixture that launches
# Chromium. slow: it uses a fixture that starts a server or builds a warehouse of its own, or its
# code (with its fixtures' and its module's helpers') runs app.py under AppTest, starts the app's
# server, runs a command in a new interpreter or builds a demo warehouse: each costs seconds (other
# slow tests carry the mark themselves). The session's demo_db is built once for all, so using it
# is not slow.
BROWSER_FIXTURES = {"browser"}
SLOW_FIXTURES = {"server", "signed_app", "demo_file"}
SLOW_NAMES = {"app_test", "open_page", "panel_app", "AppTest", "subprocess", "build_demo", "build_demo_file", "started_app",
              "running_app"}


def _names(code: CodeType) -> set[str]:
    """The global and attribute names a function's code uses, its nested functions' included."""
    return set(code.co_names).union(*(_names(c) for c in code.co_consts if isinstance(c, CodeType)))


def _calls_slow(func: Callable, seen: set[Callable]) -> bool:
    """Whether `func`, or a helper of its own module that it names, uses one of SLOW_NAMES."""
    seen.add(func)
    used = _names(func.__code__)
    helpers = [f for f in map(func.__globals__.get, used)
               if inspect.isfunction(f) and f.__module__ == func.__module__ and f not in seen]
    return bool(SLOW_NAMES & used) or any(_calls_slow(f, seen) for f in helpers)


def _is_slow(item: pytest.Function) -> bool:
    fixtures = [inspect.unwrap(defs[-1].func) for defs in item._fixtureinfo.name2fixturedefs.values()
                if defs[-1].scope != "session"]
    funcs = [f for f in [item.function, *fixtures] if inspect.isfunction(f)]
    return bool(SLOW_FIXTURES & set(item.fixturenames)) or any(_calls_slow(f, set()) for f in funcs)


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        if BROWSER_FIXTURES & set(getattr(item, "fixturenames", ())):
            item.add_marker(pytest.mark.browser)
        if isinstance(item, pytest.Function) and _is_slow(item):
            item.add_marker(pytest.mark.slow)


@pytest.fixture(scope="session")
def plan() -> Plan:
    return load_plan()


@pytest.fixture(scope="session")
def demo_db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A demo warehouse file (seed 42, ending November 2026), built once per test session."""
    from data.demo import build_demo_file

    path = tmp_path_factory.mktemp("demo") / "demo.duckdb"
    build_demo_file(path, seed=DEMO_SEED, today=DEMO_TODAY)
    return path


@pytest.fixture(scope="module")
def app_db(demo_db: Path, tmp_path_factory: pytest.TempPathFactory, request: pytest.FixtureRequest) -> Path:
    """A private copy per test module: the app's cached read-write connection must not meet
    other tests' read-only ones."""
    import shutil

    path = tmp_path_factory.mktemp(request.module.__name__.rsplit(".", 1)[-1]) / "demo.duckdb"
    shutil.copyfile(demo_db, path)
    return path


def app_test(db: Path, monkeypatch: pytest.MonkeyPatch, timeout: float = 90):
    """The app's page script (shell/main.py: sign-in gate, navigation, sidebar, then the page)
    under AppTest, as the served app runs it."""
    import streamlit as st
    from streamlit.testing.v1 import AppTest

    monkeypatch.setenv("OPSPLAN_DB", str(db))
    monkeypatch.delenv("OPSPLAN_PLAN", raising=False)
    st.cache_data.clear()
    st.cache_resource.clear()
    return AppTest.from_file(str(Path(__file__).resolve().parent.parent / "shell" / "main.py"),
                             default_timeout=timeout)


# A fixed period inside the demo data (seed 42, ending November 2026), whatever today is.
DEMO_LINK = {"start": "2026-08-01", "end": "2026-11-01"}


def open_page(db: Path, monkeypatch: pytest.MonkeyPatch, page: str, link: dict[str, str] = DEMO_LINK):
    """The app under AppTest on `link`'s period, switched to pages/<page>; fails on any exception."""
    from contextlib import nullcontext

    from core import i18n

    at = app_test(db, monkeypatch)
    at.query_params.update(link)
    # AppTest formats the widgets' values in this thread between runs: in the link's language
    with i18n.use(link["lang"]) if "lang" in link else nullcontext():
        at.run()
        at.switch_page(str(Path(__file__).resolve().parent.parent / "pages" / page)).run()
    assert not at.exception, at.exception
    return at


def panel_app(db: Path, monkeypatch: pytest.MonkeyPatch, script) -> "AppTest":
    """`script` (a function drawing one panel) run under AppTest on the warehouse `db`; fails on any
    exception. For what a click on a chart would show: AppTest cannot click a plotly point."""
    from streamlit.testing.v1 import AppTest

    monkeypatch.setenv("OPSPLAN_DB", str(db))
    at = AppTest.from_function(script, default_timeout=60).run()
    assert not at.exception, at.exception
    return at


def open_section(at, key: str, name: str) -> None:
    """Opens a page's section tab (ui.widgets.section_tabs draws only the open one) and reruns."""
    at.session_state[key] = name
    at.run()
    assert not at.exception, at.exception


def texts(at) -> str:
    """All markdown and captions of an AppTest run, as one text."""
    return "\n".join([m.value for m in at.markdown] + [c.value for c in at.caption])


def plotly_charts(at) -> list:
    """The run's Plotly charts (ui/charts.py's component), in page order; each one's `.proto.id` ends
    with its key."""
    from ui.charts import COMPONENT

    return [e for e in at.get("bidi_component") if e.proto.component_name == COMPONENT]


def figure(element) -> dict:
    """A chart element's plotly figure as JSON."""
    import json

    return json.loads(element.proto.json)["figure"]


def chart(at, key: str) -> dict:
    """The plotly figure (as JSON) of the chart with this key."""
    found = [c for c in plotly_charts(at) if c.proto.id.endswith(key) or key in c.proto.id]
    assert found, f"no chart {key}"
    return figure(found[0])


def tile(at, label: str) -> str:
    """The value shown by the metric with this label."""
    return next(m.value for m in at.metric if m.label == label)
