"""opsplan: the Streamlit entry point. Routes the pages and owns the shared sidebar.

Run with `streamlit run app.py`. Every page reads the reporting period with
ui.current_period(); the sidebar below sets it before the page runs.
"""
from pathlib import Path

import streamlit as st

from data import access

HERE = Path(__file__).resolve().parent  # page paths must not depend on the working directory
# The tab icon is a file served by the app itself: a :material/...: page icon is fetched from a font CDN.


# Every page by section: (file in pages/, title, icon). A page is listed once its file exists,
# so pages can be added without touching this list's readers.
SECTIONS = {
    "Plan": [("overview.py", "Overview", ":material/dashboard:")],
    "Why and where": [("reliability.py", "Reliability", ":material/health_and_safety:"),
                      ("support.py", "Support", ":material/support_agent:"),
                      ("cost.py", "Cost & improvement", ":material/payments:"),
                      ("monitoring.py", "Monitoring", ":material/monitor_heart:")],
    "Plan ahead": [("growth.py", "Growth", ":material/trending_up:"),
                   ("capacity.py", "Capacity", ":material/storage:"),
                   ("budget.py", "Budget", ":material/account_balance:"),
                   ("scenarios.py", "Scenarios", ":material/tune:")],
    "Data": [("data.py", "Data", ":material/upload_file:"),
             ("admin.py", "Admin", ":material/admin_panel_settings:")],
}


def pages(actor: access.Actor = access.LOCAL_USER) -> dict[str, list[st.Page]]:
    out = {}
    for section, entries in SECTIONS.items():
        found = [st.Page(HERE / "pages" / f, title=t, icon=i, default=(f == "overview.py"))
                 for f, t, i in entries if (HERE / "pages" / f).exists()
                 and access.can(actor, access.page_right(f))]
        if found:
            out[section] = found
    return out


WATCH_SECONDS = 20  # how often an open page asks whether a newer warehouse version was published


@st.fragment(run_every=WATCH_SECONDS)
def watch_warehouse(shown: int) -> None:
    """Reruns the whole page once a write elsewhere (a cron import, another app process) published a
    newer version than the one the page was drawn from: an open dashboard shows new rows without a click."""
    import ui

    if ui.warehouse_version() != shown:
        st.rerun(scope="app")


def main() -> None:
    """The page script: sign-in gate, navigation, the shared sidebar, then the page."""
    import ui  # here, not at the top: the server process imports this file too, and must not build pages

    st.set_page_config(page_title="opsplan", page_icon=str(HERE / "assets" / "icon.png"), layout="wide")

    ui.refuse_unsafe_secret()  # before anything else: no page is served with a forgeable identity cookie
    actor = ui.current_actor()
    if actor is None:  # sign-in on and not signed in, or signed in with no role: one page, nothing else
        gate = ui.sign_in_page if not st.user.to_dict().get("is_logged_in") else ui.no_access_page
        st.navigation([st.Page(gate, title="Sign in", icon=":material/login:")], position="hidden").run()
        st.stop()
    page = st.navigation(pages(actor))
    plan = ui.plan()
    db_file = ui.db()  # builds the demo warehouse on first start, with a visible status
    shown = ui.warehouse_version()
    through = ui.data_through()

    with st.sidebar:
        ui.warn_if_open()
        st.markdown(f"**{plan.name}**")
        today = ui.plan_today(plan)
        ui.period_picker(plan, today, through)
        ui.filter_picker(plan)
        st.caption(f"Warehouse: `{db_file}`  \n{ui.through_text(through, today)}")
        ui.user_box(actor)

    watch_warehouse(shown)
    page.run()
    ui.warm_forecasting()  # after the first page: statsmodels loads while the user reads it


if __name__ == "__main__":  # Streamlit runs this file as the page script, once per rerun
    main()
else:  # imported by `streamlit run app.py` (which finds `app` below): the server, with security headers
    from starlette.middleware import Middleware

    from server_api import ROUTES
    from server_headers import SecurityHeaders

    app = st.App(__file__, routes=ROUTES, middleware=[Middleware(SecurityHeaders)])
