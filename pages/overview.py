"""Overview: is the plan on track? Every KPI of the plan against target and baseline."""
import streamlit as st

import ui

period = ui.current_period()
st.title("Is the plan on track?")  # before the loads: a title at once on a cold start, not a blank page
results = ui.load_scorecard(period)
trend = ui.load_trend(period.end)

st.markdown(f"**{period.label()}** · {ui.summary_line(results)}")
ui.page_freshness("overview")
ui.kpi_grid(results, trend)

trends_tab, table_tab = st.tabs(["Trends, last 12 months", "Scorecard table"])
with trends_tab:
    ui.trend_charts(results, trend)
with table_tab:
    ui.scorecard_table(results, period)

with st.expander("Plan coherence: do the plan's numbers fit together?", icon=":material/rule:"):
    ui.coherence_table(period, results)
