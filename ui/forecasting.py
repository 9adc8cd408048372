"""The forecasting stack, imported on first use or on a background thread after the first page.

models.forecast brings statsmodels and scipy.stats: a large share of a new server's imports, which
only Capacity and Growth need. Importing it lazily lets the first page and the page names show
sooner; warming it after the first page lets the first Capacity or Growth visit fit at once.
"""
from __future__ import annotations

import gc
import threading
from functools import cache

# The (empty) package now, on the page's own import: the background thread's `from models import
# forecast` then resolves through it, even when the thread runs while the app's folder is off
# sys.path (AppTest swaps sys.path around each script run).
import models  # noqa: F401


def forecast_model():
    """models.forecast, imported on first use."""
    from models import forecast
    return forecast


@cache  # once per server process
def warm_forecasting() -> None:
    """Import models.forecast on a background thread, once the first page has run (shell/main.py): the
    first Capacity or Growth visit then fits at once instead of first importing statsmodels and
    scipy.stats. Then freeze what the process holds by then (see _settle)."""
    threading.Thread(target=_settle, name="opsplan-import-forecasting", daemon=True).start()


def _settle() -> None:
    """The forecasting stack imported, every object alive (modules, the first page's caches) is
    moved out of the cyclic garbage collector's reach (gc.freeze): its full collections walked them
    all again, falling on a random user's rerun every few pages. Objects made later are collected
    as before; the frozen ones live as long as the process, as modules do anyway."""
    forecast_model()
    gc.freeze()


