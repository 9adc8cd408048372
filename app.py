"""opsplan: the Streamlit entry point. Routes the pages and owns the shared sidebar.

Run with `streamlit run app.py`. Every page reads the reporting period with
ui.current_period(); the sidebar below sets it before the page runs.
"""
from pathlib import Path

import streamlit as st

import ui

HERE = Path(__file__).resolve().parent  # page paths must not depend on the working directory

st.set_page_config(page_title="opsplan", page_icon=":material/monitoring:", layout="wide")

# Only pages that exist are listed; reliability, support, cost, capacity, growth, budget,
# scenarios and data join this list as they are written.
PAGES = [
    st.Page(HERE / "pages" / "overview.py", title="Overview", icon=":material/dashboard:", default=True),
]

page = st.navigation(PAGES)
plan = ui.plan()
db_file = ui.db()  # builds the demo warehouse on first start, with a visible status
through = ui.data_through()

with st.sidebar:
    st.markdown(f"**{plan.name}**")
    ui.period_picker(plan, ui.plan_today(plan))
    st.caption(f"Warehouse: `{db_file}`  \nData through: {f'{through:%d %b %Y}' if through else 'no data yet'}")

page.run()
