"""Overview: is the plan on track? Every KPI of the plan against target and baseline, worst first."""
import streamlit as st

from core.i18n import _
from reports.download import review_button
from ui import adherence, alerts, charts, formatting, freshness, overview, scorecard, sidebar, state, widgets

period = sidebar.current_period()
st.title(_("Is the plan on track?"))  # before the loads: a title at once on a cold start, not a blank page
results = scorecard.load_scorecard(period)
trend = scorecard.load_trend(period.end)
previous, previous_label = overview.load_previous(period)

st.markdown(f"**{period.label()}** · {formatting.summary_line(results)}")
st.caption(_(overview.SCOPE_NOTE))
adherence.summary_link(period)
freshness.page_freshness("overview")
alerts.alerts_panel()
review_button(period)
st.subheader(_("Worst first"), divider="gray")
overview.worst_panel(results, trend, period)
overview.ranked_grid(results, trend, previous, previous_label, period=period)

# The table and the twelve trend charts are drawn only when opened: each tile already shows its last
# 12 months, and loading the table's and the charts' code was most of a new session's wait.
widgets.lazy_expander(_("Scorecard table"), ":material/table:", state.OVERVIEW_TABLE_KEY,
                      lambda: widgets.scorecard_table(results, period))
widgets.lazy_expander(_("Trends, last 12 months"), ":material/show_chart:", state.OVERVIEW_TRENDS_KEY,
                      lambda: widgets.trend_charts(results, trend))

widgets.coherence_panel(_("Plan coherence: do the plan's numbers fit together?"), period, results)
charts.preload()  # the landing page draws no Plotly figure: the next page's charts find plotly.js loaded
