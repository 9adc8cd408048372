"""CSV and Excel downloads of a table, written only when clicked."""
from __future__ import annotations

from functools import partial

import pandas as pd
import streamlit as st

from core.i18n import _, N_


def download_csv(frame: pd.DataFrame, file_name: str, label: str = N_("Download CSV")) -> None:
    """A CSV download of a table; text cells that a spreadsheet would run as formulas are escaped.
    Written when clicked (a callable): a page shows up to a dozen of these, and writing every file
    on every rerun would slow each rerun for a file rarely asked for. A click does not rerun the page: a rerun gives every
    deferred file a new id, and a second button clicked before the page redrew asked for the
    old one (MediaFileStorageError, nothing downloaded)."""
    from data.importer import to_csv_bytes  # the one spreadsheet-safe writer

    st.download_button(_(label), partial(to_csv_bytes, frame), file_name=file_name, mime="text/csv",
                       icon=":material/download:", key=f"download_{file_name}", on_click="ignore")


def download_xlsx(frame: pd.DataFrame, file_name: str, label: str = N_("Download Excel"), sheet: str = "data") -> None:
    """An .xlsx download of a table; text cells that would run as formulas are written as text.
    Written when clicked, as download_csv."""
    from data.importer import to_xlsx_bytes  # the one spreadsheet-safe writer

    st.download_button(_(label), partial(to_xlsx_bytes, frame, sheet=sheet[:31]), file_name=file_name,
                       icon=":material/download:",
                       mime="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
                       key=f"download_{file_name}", on_click="ignore")


def download_both(frame: pd.DataFrame, stem: str, what: str) -> None:
    """CSV and Excel buttons side by side for one table."""
    with st.container(horizontal=True):
        download_csv(frame, f"{stem}.csv", _("{what} (CSV)").format(what=what))
        download_xlsx(frame, f"{stem}.xlsx", _("{what} (Excel)").format(what=what), sheet=what)
