"""Overview: is the plan on track? Every KPI of the plan against target and baseline, worst first."""
import streamlit as st

from core.i18n import _
from reports.download import review_button
from ui import adherence, alerts, formatting, freshness, overview, scorecard, sidebar, widgets

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
overview.ranked_grid(results, trend, previous, previous_label)

trends_tab, table_tab = st.tabs([_("Trends, last 12 months"), _("Scorecard table")])
with trends_tab:
    widgets.trend_charts(results, trend)
with table_tab:
    widgets.scorecard_table(results, period)

with st.expander(_("Plan coherence: do the plan's numbers fit together?"), icon=":material/rule:"):
    widgets.coherence_table(period, results)
