"""Overview: is the plan on track? Every KPI of the plan against target and baseline, worst first."""
import streamlit as st

from core.i18n import _
from reports.download import review_button
from ui import adherence, alerts, formatting, freshness, overview, scorecard, sidebar, state, widgets

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

# Only the open tab is drawn, and it opens on the table: twelve trend charts were most of what a
# browser spent drawing this page, and each tile's sparkline already shows its last 12 months.
tab_names = [_("Trends, last 12 months"), _("Scorecard table")]
trends_tab, table_tab = st.tabs(tab_names, default=tab_names[1], on_change="rerun", key=state.OVERVIEW_TAB_KEY)
with trends_tab:
    if trends_tab.open:
        widgets.trend_charts(results, trend)
with table_tab:
    if table_tab.open:
        widgets.scorecard_table(results, period)

with st.expander(_("Plan coherence: do the plan's numbers fit together?"), icon=":material/rule:"):
    widgets.coherence_table(period, results)
