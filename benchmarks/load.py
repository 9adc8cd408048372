"""Load benchmark: N concurrent browser-free sessions against the running app.

Run: python benchmarks/load.py --sessions 50 [--url http://127.0.0.1:PORT --pid PID] [--no-import]
     python benchmarks/load.py --sessions 50 --compare 2   (one process, then two behind nginx)

Each session speaks Streamlit's own browser protocol (protobuf BackMsg / ForwardMsg over the
websocket at /_stcore/stream, the `websockets` client that ships with streamlit): it opens the
Overview, then two other pages of the navigation, then picks a service in the sidebar's
"Services" filter (the multiselect's widget id is read from the received delta). A step's time
is from the rerun request to the server's `script_finished`. An error is an exception element,
an error alert, a page not found, a run that did not finish, a closed socket, or any text about
a DuckDB lock or connection. While the sessions run, one import goes through the Data page
(pages/data.py, upload -> preview -> confirm) in one headless Chromium, when that page exists:
it goes through the warehouse's one writer (data/snapshot.py) like every write, and every
process then moves to the version it publishes.

Without --url the script builds a fresh seeded demo warehouse in a temporary folder and starts
the app on a free loopback port itself. Only loopback addresses are accepted; sessions are
capped at MAX_SESSIONS and the whole run at --time-limit seconds. Printed: errors, median and
95th-percentile time to a finished render (all steps and per step), the server's resident
memory (before, peak, after) and the machine.
"""
from __future__ import annotations

import argparse
import asyncio
import contextlib
import os
import platform
import re
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.parse
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path
from typing import Iterator

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))  # run as a script from anywhere

TODAY_ENV = "OPSPLAN_TODAY"  # core.period.TODAY_ENV, named here so the script imports nothing of the app
MAX_SESSIONS = 200
DEMO_TODAY = "2026-11-26"
DRILL_PAGES = ("reliability", "support", "monitoring")  # pages the sidebar filters narrow
SKIP_PAGES = ("overview", "data")  # overview is every session's first step; data is the import's
FILTER_LABEL = "Services"
# DuckDB's words for a file another connection or process holds, or a connection gone bad.
DB_TROUBLE = re.compile(r"could not set lock|conflicting lock|lock on file|database is locked|"
                        r"connection (?:error|already closed|has been closed)|IO Error|Catalog Error", re.I)


# ----------------------------------------------------------------------------- one session

@dataclass
class Render:
    """What one script run sent back: its time, the errors seen, and the widgets and pages named."""
    step: str
    seconds: float = 0.0
    errors: list[str] = field(default_factory=list)
    multiselects: dict[str, tuple[str, list[str]]] = field(default_factory=dict)  # label -> (id, options)
    pages: dict[str, str] = field(default_factory=dict)  # url path -> page script hash
    session_id: str = ""
    elements: int = 0
    texts: list[str] = field(default_factory=list)  # markdown bodies, to check what was drawn


def _element_errors(element) -> list[str]:
    """The error an element shows, if any; text about DuckDB locks or connections counts too."""
    kind = element.WhichOneof("type")
    if kind == "exception":
        return [f"exception {element.exception.type}: {element.exception.message[:200]}"]
    text = ""
    if kind == "alert":
        if element.alert.format == 1:  # Alert.Format.ERROR
            return [f"st.error: {element.alert.body[:200]}"]
        text = element.alert.body
    elif kind in ("markdown", "text"):
        text = getattr(element, kind).body
    return [f"DuckDB trouble in {kind}: {text[:200]}"] if DB_TROUBLE.search(text) else []


class Session:
    """One browser-free session: a websocket speaking BackMsg / ForwardMsg protobufs."""

    def __init__(self, url: str, render_timeout: float):
        parts = urllib.parse.urlsplit(url)
        self.ws_url = f"ws://{parts.netloc}{parts.path.rstrip('/')}/_stcore/stream"
        self.render_timeout = render_timeout
        self.ws = None
        self.session_id = ""

    async def __aenter__(self) -> "Session":
        from websockets.asyncio.client import connect

        # The subprotocol list is how the browser passes its tokens; "streamlit" alone opens a new session.
        # No client pings, as a browser sends none: a busy server answers pings late, and the client would
        # close the socket for it, an error of this harness rather than of the app (the server pings itself).
        self.ws = await asyncio.wait_for(connect(self.ws_url, subprotocols=["streamlit"], max_size=None,
                                                 ping_interval=None, open_timeout=self.render_timeout),
                                         self.render_timeout)
        return self

    async def __aexit__(self, *exc) -> None:
        with contextlib.suppress(Exception):
            await asyncio.wait_for(self.ws.close(), 5)

    async def rerun(self, step: str, *, page_hash: str = "", page_name: str = "", query: str = "",
                    widgets: dict[str, list[str]] | None = None) -> Render:
        """Ask for a script run and read ForwardMsgs until it finished (reruns it asks for included)."""
        from streamlit.proto.BackMsg_pb2 import BackMsg

        msg = BackMsg()
        state = msg.rerun_script
        state.query_string = query
        state.page_script_hash = page_hash
        state.page_name = page_name
        for widget_id, values in (widgets or {}).items():
            widget = state.widget_states.widgets.add()
            widget.id = widget_id
            widget.string_array_value.data.extend(values)
        render = Render(step)
        began = time.perf_counter()
        await self.ws.send(msg.SerializeToString())
        try:
            await asyncio.wait_for(self._read_until_finished(render), self.render_timeout)
        except asyncio.TimeoutError:
            render.errors.append(f"no script_finished within {self.render_timeout:.0f} s")
        except Exception as exc:  # a closed socket or a protocol surprise is an error of this run
            render.errors.append(f"{type(exc).__name__}: {exc}"[:200])
        render.seconds = time.perf_counter() - began
        render.session_id = self.session_id
        return render

    async def _read_until_finished(self, render: Render) -> None:
        from streamlit.proto.ForwardMsg_pb2 import ForwardMsg

        while True:
            fwd = ForwardMsg()
            fwd.ParseFromString(await self.ws.recv())
            kind = fwd.WhichOneof("type")
            if kind == "delta" and fwd.delta.WhichOneof("type") == "new_element":
                element = fwd.delta.new_element
                render.elements += 1
                render.errors += _element_errors(element)
                if element.WhichOneof("type") == "markdown":
                    render.texts.append(element.markdown.body)
                if element.WhichOneof("type") == "multiselect":
                    ms = element.multiselect
                    render.multiselects[ms.label] = (ms.id, list(ms.options))
            elif kind == "new_session":
                self.session_id = fwd.new_session.initialize.session_id or self.session_id
            elif kind == "navigation":
                render.pages = {p.url_pathname: p.page_script_hash for p in fwd.navigation.app_pages}
            elif kind == "page_not_found":
                render.errors.append(f"page not found: {fwd.page_not_found.page_name}")
            elif kind == "session_event" and fwd.session_event.WhichOneof("type") == "script_compilation_exception":
                render.errors.append("script compilation exception")
            elif kind == "script_finished":
                status = ForwardMsg.ScriptFinishedStatus.Name(fwd.script_finished)
                if status == "FINISHED_EARLY_FOR_RERUN":
                    continue  # st.rerun inside the script: the next run follows by itself
                if status != "FINISHED_SUCCESSFULLY":
                    render.errors.append(f"script finished: {status}")
                elif not render.elements:
                    render.errors.append("blank render: the run drew nothing")
                return


async def one_session(index: int, url: str, render_timeout: float) -> list[Render]:
    """Overview, two more pages, then a service picked in the sidebar filter on the second page."""
    renders: list[Render] = []
    try:
        async with Session(url, render_timeout) as s:
            first = await s.rerun("overview")
            renders.append(first)
            if first.errors:  # a session that failed its first page goes no further
                return renders
            pages = first.pages
            others = [p for p in pages if p and p not in SKIP_PAGES]
            drill = [p for p in others if p in DRILL_PAGES] or others
            second = drill[index % len(drill)]
            rest = [p for p in others if p != second] or [second]
            for path in (rest[index % len(rest)], second):
                render = await s.rerun(path, page_hash=pages[path])
                renders.append(render)
                if render.errors:
                    return renders
            widget_id, options = render.multiselects.get(FILTER_LABEL, ("", []))
            if not widget_id:
                renders.append(Render("filter", errors=[f"no '{FILTER_LABEL}' multiselect on {second}"]))
            else:
                pick = [options[index % len(options)]]
                renders.append(await s.rerun("filter", page_hash=pages[second], widgets={widget_id: pick}))
    except Exception as exc:  # could not connect at all
        renders.append(Render("connect", errors=[f"{type(exc).__name__}: {exc}"[:200]]))
    return renders


# ----------------------------------------------------------------------------- the import beside them

def import_status() -> str | None:
    """Why no import can run alongside, or None when the Data page is there to run one."""
    if not (ROOT / "pages" / "data.py").exists():
        return "no import: pages/data.py (the Data page) does not exist yet"
    if not Path("/usr/bin/chromium").exists():
        return "no import: /usr/bin/chromium is missing"
    return None


def run_import(url: str, csv: Path, timeout: float, out: dict) -> None:
    """One import through the Data page in headless Chromium: its errors (empty = fine) and times into `out`."""
    from benchmarks.load_import import import_through_data_page

    out["began"] = time.perf_counter()
    try:
        out["errors"], out["began"], out["ended"] = import_through_data_page(url, csv, timeout)
    except Exception as exc:
        out["errors"], out["ended"] = [f"import: {type(exc).__name__}: {exc}"[:300]], time.perf_counter()


# ----------------------------------------------------------------------------- server and memory

def rss_mb(pid: int) -> float | None:
    """Resident memory of the process in MiB (psutil when installed, else /proc)."""
    try:
        import psutil

        return psutil.Process(pid).memory_info().rss / 2**20
    except ImportError:
        pass
    except Exception:
        return None
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    except OSError:
        return None
    return None


class MemorySampler(threading.Thread):
    """Samples a process's RSS every `every` seconds until stopped; keeps the peak."""

    def __init__(self, pid: int | None, every: float = 0.25):
        super().__init__(daemon=True)
        self.pid, self.every, self.peak = pid, every, 0.0
        self._halt = threading.Event()

    def run(self) -> None:
        while self.pid and not self._halt.wait(self.every):
            self.peak = max(self.peak, rss_mb(self.pid) or 0.0)

    def stop(self) -> float:
        self._halt.set()
        self.join(timeout=2)
        return self.peak


def free_port() -> int:
    """A free loopback TCP port (for a Streamlit server here and in the browser tests)."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_healthy(url: str, proc: subprocess.Popen | None, seconds: float, log: Path | None = None) -> None:
    """Wait until the Streamlit server at `url` answers its health check; fail early if `proc`
    exits. A failure quotes the server's `log` output when there is one."""
    def failed(why: str) -> RuntimeError:
        return RuntimeError(why + (f":\n{log.read_text()}" if log is not None else ""))

    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if proc is not None and proc.poll() is not None:
            raise failed(f"streamlit exited with {proc.returncode}")
        with contextlib.suppress(OSError):
            with urllib.request.urlopen(f"{url}/_stcore/health", timeout=2) as response:
                if response.status == 200:
                    return
        time.sleep(0.3)
    raise failed(f"{url} not healthy after {seconds:.0f} s")


@contextlib.contextmanager
def started_app(workdir: Path, source: Path | None = None) -> Iterator[tuple[str, int]]:
    """`streamlit run app.py` on a free loopback port over a fresh seeded demo warehouse in `workdir`
    (a copy of `source` when given)."""
    with serving(demo_warehouse(workdir, source), workdir / "streamlit.log") as served:
        yield served


@contextlib.contextmanager
def started_cluster(workdir: Path, processes: int, source: Path | None = None) -> Iterator[str]:
    """`processes` app processes over one fresh demo warehouse behind nginx (deploy/proxy.py), as
    deploy/run.sh runs them; yields the proxy's loopback URL."""
    from deploy import proxy

    db = demo_warehouse(workdir, source)
    with contextlib.ExitStack() as stack:
        urls = [stack.enter_context(serving(db, workdir / f"streamlit-{i}.log"))[0] for i in range(processes)]
        listen = free_port()
        conf = proxy.write(listen, [int(u.rsplit(":", 1)[1]) for u in urls], workdir / "proxy")
        nginx = subprocess.Popen(proxy.command(conf, workdir / "proxy"), stdout=subprocess.DEVNULL,
                                 stderr=subprocess.DEVNULL)
        stack.callback(nginx.wait, 15)
        stack.callback(nginx.terminate)
        url = f"http://127.0.0.1:{listen}"
        wait_healthy(url, nginx, 30)
        yield url


def demo_warehouse(workdir: Path, source: Path | None = None) -> Path:
    """A seeded demo warehouse in `workdir`: built, or a copy of `source`."""
    db = workdir / "demo.duckdb"
    if source is not None:
        shutil.copyfile(source, db)
    else:
        subprocess.run([sys.executable, "-m", "data.demo", "--db", str(db), "--today", DEMO_TODAY],
                       cwd=ROOT, check=True, stdout=subprocess.DEVNULL)
    return db


@contextlib.contextmanager
def serving(db: Path, log_path: Path) -> Iterator[tuple[str, int]]:
    """One `streamlit run app.py` over `db` on a free loopback port: (url, pid); stopped at the end."""
    port = free_port()
    # the app's today is the demo's, so its default period and scenario base are the same every day
    env = {**os.environ, "OPSPLAN_DB": str(db), TODAY_ENV: DEMO_TODAY}
    env.pop("OPSPLAN_PLAN", None)
    log = open(log_path, "w")
    proc = subprocess.Popen(
        [sys.executable, "-m", "streamlit", "run", "app.py", "--server.port", str(port), "--server.headless",
         "true", "--server.address", "127.0.0.1", "--browser.gatherUsageStats", "false",
         # no file watcher: a source file saved during the run must not reload modules under the sessions
         "--server.fileWatcherType", "none"],
        cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT)
    try:
        url = f"http://127.0.0.1:{port}"
        wait_healthy(url, proc, 60)
        yield url, proc.pid
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
        log.close()


# ----------------------------------------------------------------------------- the run and its report

def percentile(values: list[float], pct: float) -> float:
    """Nearest-rank percentile (pct in 0..100) of a non-empty list."""
    ordered = sorted(values)
    return ordered[max(0, min(len(ordered) - 1, int(round(pct / 100 * len(ordered) + 0.5)) - 1))]


@dataclass
class Result:
    sessions: int
    renders: list[Render]
    import_errors: list[str]
    import_note: str
    wall_s: float
    rss_before: float | None
    rss_peak: float | None
    rss_after: float | None

    @property
    def errors(self) -> list[str]:
        return [f"{r.step}: {e}" for r in self.renders for e in r.errors] + self.import_errors

    def times(self, step: str | None = None) -> list[float]:
        return [r.seconds for r in self.renders if not r.errors and r.seconds and (step is None or r.step == step)]


async def _all_sessions(url: str, n: int, ramp: float, render_timeout: float, time_limit: float) -> list[Render]:
    async def later(i: int) -> list[Render]:
        await asyncio.sleep(ramp * i / max(n, 1))  # spread the connects; all sessions still overlap
        return await one_session(i, url, render_timeout)

    tasks = [asyncio.create_task(later(i)) for i in range(n)]
    done, pending = await asyncio.wait(tasks, timeout=time_limit)
    for task in pending:
        task.cancel()
    out = [r for t in done for r in t.result()]
    return out + [Render("session", errors=[f"stopped at the {time_limit:.0f} s time limit"]) for _ in pending]


def run_load(url: str, pid: int | None, sessions: int, *, with_import: bool = True, ramp: float = 2.0,
             render_timeout: float = 180.0, time_limit: float = 900.0) -> Result:
    """N sessions at once (and one import through the Data page, when asked and possible)."""
    host = urllib.parse.urlsplit(url).hostname or ""
    if not (host.startswith("127.") or host in ("localhost", "::1")):
        raise SystemExit(f"refusing {url}: this benchmark only targets loopback addresses")
    if not 1 <= sessions <= MAX_SESSIONS:
        raise SystemExit(f"--sessions must be 1 to {MAX_SESSIONS}")
    note = import_status() if with_import else "no import (--no-import)"
    workdir = tempfile.TemporaryDirectory(prefix="opsplan-load-import-")
    csv = None
    if note is None:
        from benchmarks.load_import import tickets_csv

        csv = tickets_csv(Path(workdir.name) / "load-tickets.csv")
    rss_before = rss_mb(pid) if pid else None
    sampler = MemorySampler(pid)
    sampler.start()
    began = time.perf_counter()
    imported: dict = {}
    importer = None
    if csv is not None:
        importer = threading.Thread(target=run_import, args=(url, csv, time_limit, imported), daemon=True)
        importer.start()
    renders = asyncio.run(_all_sessions(url, sessions, ramp, render_timeout, time_limit))
    sessions_ended = time.perf_counter()
    import_errors: list[str] = []
    if importer is not None:
        importer.join(timeout=max(1.0, time_limit - (time.perf_counter() - began)))
        import_errors = list(imported.get("errors", ["import: did not finish within the time limit"]))
        note = "one import through the Data page during the sessions"
        if "ended" in imported:
            note = (f"one import of {rows_in(csv):,} tickets through the Data page, "
                    f"{imported['began'] - began:.1f} s to {imported['ended'] - began:.1f} s "
                    f"(sessions ended at {sessions_ended - began:.1f} s)")
    workdir.cleanup()
    wall = time.perf_counter() - began
    peak = sampler.stop()
    return Result(sessions, renders, import_errors, note, wall, rss_before, peak or None,
                  rss_mb(pid) if pid else None)


def rows_in(csv: Path) -> int:
    with open(csv) as f:
        return sum(1 for _ in f) - 1


def machine() -> str:
    import streamlit

    load = ", ".join(f"{v:.1f}" for v in os.getloadavg())  # other work on the machine skews every time
    return (f"{os.cpu_count()} cores, {platform.machine()}, Python {platform.python_version()}, "
            f"streamlit {streamlit.__version__}; load average at the end {load}")


def report(result: Result) -> str:
    """The printed table: errors, median and p95 per step and overall, memory, machine."""
    def row(name: str, times: list[float], count: int) -> str:
        if not times:
            return f"| {name:<10} | {count:>5} | {'-':>8} | {'-':>8} | {'-':>8} |"
        return (f"| {name:<10} | {count:>5} | {statistics.median(times):>8.2f} | {percentile(times, 95):>8.2f} "
                f"| {max(times):>8.2f} |")

    mb = lambda v: f"{v:,.0f} MiB" if v else "n/a"  # noqa: E731
    groups: dict[str, list[Render]] = {"overview": [], "pages": [], "filter": []}
    for r in result.renders:  # the two middle pages differ per session: one group for them
        if r.step not in ("connect", "session"):
            groups[r.step if r.step in groups else "pages"].append(r)
    lines = [f"Load: {result.sessions} sessions, {len(result.renders)} renders in {result.wall_s:.1f} s; "
             f"{result.import_note}",
             f"errors: {len(result.errors)}",
             *[f"  - {e}" for e in result.errors[:20]],
             "", "| step       | count | median s |    p95 s |    max s |",
             "|------------|------:|---------:|---------:|---------:|"]
    for name, renders in groups.items():
        lines.append(row(name, [r.seconds for r in renders if not r.errors], len(renders)))
    lines.append(row("all", result.times(), len(result.renders)))
    lines += ["", f"server memory (RSS): before {mb(result.rss_before)}, peak {mb(result.rss_peak)}, "
                  f"after {mb(result.rss_after)}", f"machine: {machine()}"]
    return "\n".join(lines)


def compare(sessions: int, processes: int, kwargs: dict) -> int:
    """The same load against one process, then against `processes` behind the proxy: both reports,
    then one table side by side."""
    results = {}
    with tempfile.TemporaryDirectory(prefix="opsplan-load-") as tmp:
        with started_app(Path(tmp)) as (url, pid):
            results["1 process"] = run_load(url, pid, sessions, **kwargs)
    with tempfile.TemporaryDirectory(prefix="opsplan-load-") as tmp:
        with started_cluster(Path(tmp), processes) as url:
            results[f"{processes} processes + nginx"] = run_load(url, None, sessions, **kwargs)
    for name, result in results.items():
        print(f"## {name}\n\n{report(result)}\n")
    print("| setup | errors | median s | p95 s | max s | wall s |\n|---|---:|---:|---:|---:|---:|")
    for name, result in results.items():
        times = result.times()
        spread = (f"{statistics.median(times):.2f} | {percentile(times, 95):.2f} | {max(times):.2f}" if times
                  else "- | - | -")
        print(f"| {name} | {len(result.errors)} | {spread} | {result.wall_s:.1f} |")
    return 1 if any(r.errors for r in results.values()) else 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python benchmarks/load.py", description=__doc__.split("\n")[0])
    parser.add_argument("--sessions", type=int, default=10, help=f"concurrent sessions, 1 to {MAX_SESSIONS}")
    parser.add_argument("--url", help="a running app on a loopback address (default: start one)")
    parser.add_argument("--pid", type=int, help="with --url: the server's process id, for its memory")
    parser.add_argument("--no-import", action="store_true", help="no import through the Data page alongside")
    parser.add_argument("--ramp", type=float, default=2.0, help="seconds over which the sessions connect")
    parser.add_argument("--time-limit", type=float, default=900, help="stop everything after this many seconds")
    parser.add_argument("--compare", type=int, metavar="N", help="run once against one process, then against N "
                        "processes behind nginx (deploy/), each over its own fresh demo warehouse; print both")
    args = parser.parse_args(argv)
    if not 1 <= args.sessions <= MAX_SESSIONS:
        parser.error(f"--sessions must be 1 to {MAX_SESSIONS}")
    kwargs = dict(with_import=not args.no_import, ramp=args.ramp, time_limit=args.time_limit)
    if args.compare:
        if args.url or args.compare < 2:
            parser.error("--compare takes the number of processes (2 or more) and starts them itself")
        return compare(args.sessions, args.compare, kwargs)
    if args.url:
        wait_healthy(args.url.rstrip("/"), None, 30)
        result = run_load(args.url.rstrip("/"), args.pid, args.sessions, **kwargs)
    else:
        with tempfile.TemporaryDirectory(prefix="opsplan-load-") as tmp:
            with started_app(Path(tmp)) as (url, pid):
                result = run_load(url, pid, args.sessions, **kwargs)
            server_log = (Path(tmp) / "streamlit.log").read_text(errors="replace")
        if result.errors and "Traceback" in server_log:  # the server's side of the errors
            print("server log, from its first traceback:\n" + server_log[server_log.find("Traceback"):][:6000])
    print(report(result))
    return 1 if result.errors else 0


if __name__ == "__main__":
    sys.exit(main())
