"""Monitoring: hours beyond each threshold of the plan per service and month, and business alerts."""
import streamlit as st

from ui import cache, figures, formatting, freshness, monitoring, palette, sidebar, widgets

period, filters, the_plan = sidebar.current_period(), sidebar.current_filters(), cache.plan()
# The header first: a title at once on a cold start, not a blank page while the loads run.
widgets.drill_header("Monitoring", period, filters,
                "The service filter selects the hourly samples; the severity and channel filters do not apply here. "
                "Business and security alerts are for the whole business, whatever the filters.")
freshness.page_freshness("monitoring")
view = monitoring.load_monitoring_view(period, filters)
totals, summary = view.totals, view.summary
alerting = the_plan.section("alerting")

st.info(monitoring.suppression_text(alerting, int(summary["hours_suppressed"])), icon=":material/notifications_off:")

cards = st.columns(4)
cards[0].metric("Hours beyond a threshold", formatting.fmt(summary["hours_beyond"], "h", trim=True), border=True,
                help="Service-hours whose sample broke a plan threshold, summed over metrics and services.")
cards[1].metric("Thresholds breached", f"{summary['n_breached']} of {summary['n_thresholds']}", border=True)
cards[2].metric("Suppressed in maintenance", formatting.fmt(summary["hours_suppressed"], "h", trim=True), border=True)
cards[3].metric("Business and security alerts", f"{len(view.alerts):,}", border=True)

# ---- hours beyond the thresholds: service x threshold, then one threshold by month
st.subheader("Hours beyond the plan's thresholds", divider="gray")
widgets.show_chart(figures.grid_chart(
    totals.assign(cell=[formatting.fmt(float(h), "h", trim=True) if h else "" for h in totals["hours_beyond"]]),
    "service_id", "threshold", text="cell", z="hours_beyond", zmin=0, colorscale="Reds", z_title="hours beyond", robust=True,
    y_labels={t: f"{t} ({level})" for t, level in zip(totals["threshold"], totals["level"])},
    title="Hours beyond each threshold of the plan in the period, per service (blank: none)", x_title="service",
    y_title="threshold (alert level)"), "threshold_grid")
chosen = st.columns(2)[0].selectbox("Threshold by month", view.thresholds,
                                    key="monitoring_threshold", help="Thresholds with the most hours beyond first.")
one = view.hours[view.hours["threshold"] == chosen]
widgets.show_chart(figures.grid_chart(
    one.assign(month=[f"{m:%b %Y}" for m in one["month"]],
               cell=[formatting.fmt(float(h), "h", trim=True) for h in one["hours_beyond"]]),
    "month", "service_id", text="cell", z="hours_beyond", zmin=0, colorscale="Reds", z_title="hours beyond",
    title=f"Hours beyond {chosen} per service and month", x_title="", y_title="service"), "threshold_months")
with st.expander("Hours beyond each threshold per service and month (table)", icon=":material/table:"):
    widgets.data_table(view.hours, f"opsplan-threshold-hours-{period.start}-{period.end}.csv")
widgets.definitions_popover(*monitoring.DEFINITIONS["thresholds"], key="def_thresholds")

# ---- business and security alerts
st.subheader("Business and security alerts", divider="gray")
if view.alerts.empty:
    st.success("No business or security threshold was broken in the period.")
else:
    widgets.show_chart(monitoring.events_chart(
        view.alerts, "day", "alert", colour="level", colours=palette.LEVEL_COLOURS, value="value", threshold="threshold",
        x_title="day (local)", title="Days that broke a business or security threshold"), "alert_days")
widgets.data_table(view.alerts, f"opsplan-business-alerts-{period.start}-{period.end}.csv",
              column_config={"day": st.column_config.DateColumn(format="DD MMM YYYY"),
                             "value": st.column_config.NumberColumn(format="%.1f")})
widgets.definitions_popover(*monitoring.DEFINITIONS["alerts"], key="def_alerts")
