"""The page script Streamlit runs on every rerun: the sign-in gate, the navigation, the shared
sidebar, then the page.

It lives here, not in app.py, because Streamlit (1.67) treats a folder named pages/ beside the
page script as a legacy multipage app until st.navigation has run once in the process: a deep
link on a fresh server would run that page alone, without this script. The pages are registered
through st.navigation below, so nothing needs that folder to sit beside this script.
Every page reads the reporting period with sidebar.current_period(); the sidebar below sets it
before the page runs.
"""
from pathlib import Path

import streamlit as st

from core import i18n
from core.i18n import N_, _
from data import access

ROOT = Path(__file__).resolve().parents[1]  # page paths must not depend on the working directory
# The tab icon is a file served by the app itself: a :material/...: page icon is fetched from a font CDN.


# Every page by section: (file in pages/, title, icon). A page is listed once its file exists,
# so pages can be added without touching this list's readers.
SECTIONS = {
    N_("Plan"): [("overview.py", N_("Overview"), ":material/dashboard:")],
    N_("Why and where"): [("reliability.py", N_("Reliability"), ":material/health_and_safety:"),
                      ("support.py", N_("Support"), ":material/support_agent:"),
                      ("cost.py", N_("Cost & improvement"), ":material/payments:"),
                      ("monitoring.py", N_("Monitoring"), ":material/monitor_heart:"),
                      ("adherence.py", N_("Plan adherence"), ":material/fact_check:")],
    N_("Plan ahead"): [("growth.py", N_("Growth"), ":material/trending_up:"),
                   ("capacity.py", N_("Capacity"), ":material/storage:"),
                   ("budget.py", N_("Budget"), ":material/account_balance:"),
                   ("scenarios.py", N_("Scenarios"), ":material/tune:")],
    N_("Data"): [("data.py", N_("Data"), ":material/upload_file:"),
             ("admin.py", N_("Admin"), ":material/admin_panel_settings:")],
}


def pages(actor: access.Actor = access.LOCAL_USER) -> dict[str, list[st.Page]]:
    out = {}
    for section, entries in SECTIONS.items():
        # url_path from the file, not the title: a link stays the same in either language
        found = [st.Page(ROOT / "pages" / f, title=_(t), icon=i, default=(f == "overview.py"),
                         url_path=f.removesuffix(".py"))
                 for f, t, i in entries if (ROOT / "pages" / f).exists()
                 and access.can(actor, access.page_right(f))]
        if found:
            out[_(section)] = found
    return out


# In both languages: shown while the ui layer loads, before the session's language is known.
STARTING = "Starting opsplan · กำลังเริ่ม opsplan ..."
WATCH_SECONDS = 20  # how often an open page asks whether a newer warehouse version was published


@st.fragment(run_every=WATCH_SECONDS)
def watch_warehouse(shown: int) -> None:
    """Reruns the whole page once a write elsewhere (a cron import, another app process) published a
    newer version than the one the page was drawn from: an open dashboard shows new rows without a click."""
    from ui import cache

    if cache.warehouse_version() != shown:
        st.rerun(scope="app")


def main() -> None:
    """The page script: sign-in gate, navigation, the shared sidebar, then the page."""
    st.set_page_config(page_title="opsplan", page_icon=str(ROOT / "assets" / "icon.png"), layout="wide")
    # Imported here, inside the run, not at the top: a new server's first run spends seconds
    # importing the ui layer (pandas, plotly, scipy), and a spinner says so meanwhile.
    with st.spinner(STARTING, show_time=True):
        from ui import auth, cache, forecasting, language, sidebar

    auth.refuse_unsafe_secret()  # before anything else: no page is served with a forgeable identity cookie
    actor = auth.current_actor()
    signed_in = actor is not None and auth.auth_configured()
    language.settle(signed_in)
    if actor is None:  # sign-in on and not signed in, or signed in with no role: one page, nothing else
        gate = auth.sign_in_page if not st.user.to_dict().get("is_logged_in") else auth.no_access_page
        st.navigation([st.Page(gate, title=_("Sign in"), icon=":material/login:")], position="hidden").run()
        st.stop()
    page = st.navigation(pages(actor))
    plan = cache.plan()
    i18n.set_buddhist_era(plan.settings.buddhist_era)
    db_file = cache.db()  # builds the demo warehouse on first start, with a visible status
    shown = cache.warehouse_version()
    through = cache.data_through()

    with st.sidebar:
        language.switch(signed_in)
        auth.warn_if_open()
        st.markdown(f"**{_(plan.name)}**")
        today = sidebar.plan_today(plan)
        sidebar.period_picker(plan, today, through)
        sidebar.filter_picker(plan)
        st.caption(_("Warehouse: `{file}`").format(file=db_file) + f"  \n{sidebar.through_text(through, today)}")
        auth.user_box(actor)

    watch_warehouse(shown)
    page.run()
    forecasting.warm_forecasting()  # after the first page: statsmodels loads while the user reads it


if __name__ == "__main__":  # run by Streamlit as the page script; importable for its page list
    main()
