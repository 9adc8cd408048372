"""Progress audit: is any page a blank or frozen screen for more than two seconds?

Run: python benchmarks/progress_audit.py [--pages overview,reliability,...] [--warm]

For each page, a fresh server (empty caches; --warm reuses one server for all pages) over a
fresh seeded demo warehouse, and a new headless Chromium tab (Debian's /usr/bin/chromium).
From navigation on, the page samples its own DOM every 250 ms: whether the main pane shows
content, whether a spinner, progress bar, status box or Streamlit's running indicator is on
screen, and the script state Streamlit writes on stApp (data-test-script-state). Printed per
page: time to first content, to first indicator, to the finished run, the longest stretch with
neither content nor an indicator ("blank"), and the longest stretch where the script ran with
no spinner, progress bar or status box of the page's own while nothing on screen changed
("quiet": only the small corner "Running" badge said anything).
"""
from __future__ import annotations

import argparse
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

PAGES = ("overview", "reliability", "support", "cost", "monitoring", "budget", "scenarios")
LIMIT_S = 2.0
# The page's own progress: st.spinner and cached loaders' spinners, st.progress, st.status.
OWN_PROGRESS = ('[data-testid="stSpinner"]', '[data-testid="stProgress"]',
                '[data-testid="stExpanderIconSpinner"]')
# Streamlit's own signs of work: the corner badge while a script runs, the skeleton before the first delta.
RUNNING = ('[data-testid="stStatusWidget"]', '[data-testid="stSkeleton"]', '[data-testid="stAppSkeleton"]')

# Runs in the page before any of its scripts: samples the DOM every 250 ms into window.__samples.
SAMPLER_JS = """
(() => {
  const own = %s, running = %s;
  window.__samples = [];
  const t0 = performance.now();
  const sample = () => {
    const app = document.querySelector('[data-testid="stApp"]');
    const main = document.querySelector('[data-testid="stMain"]');
    const text = main ? main.innerText.trim() : '';
    const visible = sel => [...document.querySelectorAll(sel)].some(e => e.offsetParent !== null || e.getClientRects().length);
    window.__samples.push({
      t: (performance.now() - t0) / 1000,
      state: app ? app.getAttribute('data-test-script-state') : null,
      content: text.length > 0 && !!main.querySelector('[data-testid="stElementContainer"], h1, [data-testid="stMarkdown"]'),
      own: own.some(visible),
      running: running.some(visible),
      size: text.length,
    });
  };
  sample();
  setInterval(sample, 250);
})();
"""


def sampler_script() -> str:
    import json

    return SAMPLER_JS % (json.dumps(list(OWN_PROGRESS)), json.dumps(list(RUNNING)))


@dataclass
class Audit:
    page: str
    first_content: float | None
    first_indicator: float | None
    done: float | None
    mount: float | None  # when Streamlit's frontend had loaded and drawn its (empty) app
    blank: float       # longest stretch with neither content nor any indicator, from navigation
    blank_mounted: float  # the same from the mount on: what the app itself controls
    quiet: float       # longest stretch running with no own progress and an unchanged screen
    exceptions: int


def longest(samples: list[dict], bad) -> float:
    """The longest run of consecutive samples for which bad(sample, previous) holds, in seconds."""
    best, began, prev = 0.0, None, None
    for s in samples:  # a stretch lasts from its first bad sample to the next good one (or the last sample)
        if bad(s, prev):
            began = s["t"] if began is None else began
            best = max(best, s["t"] - began)
        elif began is not None:
            best, began = max(best, s["t"] - began), None
        prev = s
    return best


def blank_stretch(samples: list[dict]) -> float:
    return longest(samples, lambda s, _: not s["content"] and not s["own"] and not s["running"])


def mounted(samples: list[dict]) -> list[dict]:
    """The samples from the moment Streamlit's frontend drew its app (before: its own script bundle loading)."""
    return [s for s in samples if s["state"] is not None]


def quiet_stretch(samples: list[dict]) -> float:
    return longest(samples, lambda s, p: s["state"] == "running" and not s["own"]
                   and (p is None or p["size"] == s["size"]))


def audit_samples(page: str, samples: list[dict], exceptions: int) -> Audit:
    first = lambda key: next((s["t"] for s in samples if s[key]), None)  # noqa: E731
    done = next((s["t"] for s in samples if s["state"] == "notRunning" and s["content"]), None)
    return Audit(page, first("content"), next((s["t"] for s in samples if s["own"] or s["running"]), None),
                 done, next((s["t"] for s in samples if s["state"] is not None), None), blank_stretch(samples),
                 blank_stretch(mounted(samples)), quiet_stretch(samples), exceptions)


def sample_page(browser, url: str, settle_s: float = 120) -> tuple[list[dict], int]:
    """Open `url` in a new tab, let it run to the end (at most settle_s), return the samples."""
    context = browser.new_context(viewport={"width": 1400, "height": 1000})
    try:
        tab = context.new_page()
        tab.add_init_script(sampler_script())
        tab.goto(url)
        deadline = time.monotonic() + settle_s
        while time.monotonic() < deadline:
            tab.wait_for_timeout(500)
            samples = tab.evaluate("() => window.__samples")
            # finished: idle with content for a second (a run may rerun itself once)
            tail = [s for s in samples if s["t"] > samples[-1]["t"] - 1.0]
            if len(tail) >= 4 and all(s["state"] == "notRunning" and s["content"] and not s["own"] for s in tail):
                break
        samples = tab.evaluate("() => window.__samples")
        return samples, tab.locator('[data-testid="stException"]').count()
    finally:
        context.close()


def page_url(base: str, page: str) -> str:
    return base if page == "overview" else f"{base}/{page}"


def main(argv: list[str] | None = None) -> int:
    from playwright.sync_api import sync_playwright

    from benchmarks.load import started_app
    from tests.test_browser import CHROMIUM, CHROMIUM_ARGS

    parser = argparse.ArgumentParser(prog="python benchmarks/progress_audit.py", description=__doc__.split("\n")[0])
    parser.add_argument("--pages", default=",".join(PAGES))
    parser.add_argument("--warm", action="store_true", help="one server for all pages (later pages reuse caches)")
    parser.add_argument("--trace", action="store_true", help="print every sample")
    args = parser.parse_args(argv)
    pages = args.pages.split(",")
    results: list[Audit] = []
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=str(CHROMIUM), headless=True, args=CHROMIUM_ARGS)
        groups = [pages] if args.warm else [[page] for page in pages]
        for group in groups:
            with tempfile.TemporaryDirectory(prefix="opsplan-audit-") as tmp, started_app(Path(tmp)) as (url, _):
                for page in group:
                    samples, exceptions = sample_page(browser, page_url(url, page))
                    if args.trace:
                        for s in samples:
                            print(page, s)
                    results.append(audit_samples(page, samples, exceptions))
        browser.close()
    fmt = lambda v: "-" if v is None else f"{v:.2f}"  # noqa: E731
    print("| page | app mounted s | first content s | first indicator s | finished s | longest blank s "
          "| blank after mount s | longest quiet s | exceptions |")
    print("|---|---:|---:|---:|---:|---:|---:|---:|---:|")
    for a in results:
        print(f"| {a.page} | {fmt(a.mount)} | {fmt(a.first_content)} | {fmt(a.first_indicator)} | {fmt(a.done)} "
              f"| {a.blank:.2f} | {a.blank_mounted:.2f} | {a.quiet:.2f} | {a.exceptions} |")
    bad = [a for a in results if a.blank_mounted > LIMIT_S or a.exceptions]
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
