"""Monitoring: hours beyond each threshold of the plan per service and month, and business alerts."""
import streamlit as st

from core import i18n
from core.i18n import _
from ui import cache, figures, formatting, freshness, monitoring, palette, sidebar, widgets

period, filters, the_plan = sidebar.current_period(), sidebar.current_filters(), cache.plan()
# The header first: a title at once on a cold start, not a blank page while the loads run.
widgets.drill_header(_("Monitoring"), period, filters,
                     _("The service filter selects the hourly samples; the severity and channel filters do not apply "
                       "here. Business and security alerts are for the whole business, whatever the filters."))
freshness.page_freshness("monitoring")
view = monitoring.load_monitoring_view(period, filters)
totals, summary = view.totals, view.summary
alerting = the_plan.section("alerting")

st.info(monitoring.suppression_text(alerting, int(summary["hours_suppressed"])), icon=":material/notifications_off:")

active = monitoring.load_active_breaches(filters)
signal = monitoring.level_card(view.levels, *monitoring.SIGNAL)
st.caption(_("Warning and critical thresholds of the plan; info-level ones are counted apart, below the cards."))
cards = st.columns(4)
cards[0].metric(_("Hours beyond"), signal[0], border=True,
                help=_("Service-hours whose sample broke a warning or critical threshold of the plan, summed over "
                       "metrics and services. Info-level thresholds are counted apart, below."))
cards[1].metric(_("Thresholds breached"), signal[1], border=True,
                help=_("Warning and critical thresholds of the plan broken in at least one hour of the period."))
cards[2].metric(_("Broken now"), i18n.number(len(monitoring.at_levels(active, *monitoring.SIGNAL))), border=True,
                help=_("Service and metric pairs beyond a warning or critical threshold at the last hour of data."))
cards[3].metric(_("Business alerts"), i18n.number(len(view.alerts)), border=True,
                help=_("Days that broke a business or security threshold of the plan (below)."))
info = monitoring.level_card(view.levels, "info")
st.caption(_("Info level, apart: {hours} beyond an info threshold ({count} info thresholds breached); they record "
             "load, not trouble.").format(hours=info[0], count=info[1]))

# ---- thresholds broken at the last hour of data
st.subheader(_("Broken now"), divider="gray")
if active.empty:
    st.success(_("No threshold of the plan is broken at the last hour of data."))
else:
    st.caption(_("At the last hour of data; since: the start of the unbroken run of hours beyond (traced back {days} "
                 "days at most), local time ({zone}).").format(days=monitoring.RECENT_HOURS // 24,
                                                               zone=the_plan.timezone))
    widgets.data_table(active, "opsplan-breaches-now.csv",
                       column_config={"value": st.column_config.NumberColumn(_("value"), format="%.1f"),
                                      "since": st.column_config.DatetimeColumn(_("since"), format=widgets.table_date_format("clock_short"))})
widgets.definitions_popover(*monitoring.DEFINITIONS["active"], key="def_active")

# ---- hours beyond the thresholds: service x threshold, then one threshold by month
st.subheader(_("Hours beyond the plan's thresholds"), divider="gray")
widgets.show_chart(figures.grid_chart(
    totals.assign(cell=[formatting.fmt(float(h), "h", trim=True) if h else "" for h in totals["hours_beyond"]]),
    "service_id", "threshold", text="cell", z="hours_beyond", zmin=0, colorscale="Reds", z_title=_("hours beyond"),
    robust=True,
    y_labels={t: f"{t} ({monitoring.level_label(level)})" for t, level in zip(totals["threshold"], totals["level"])},
    title=_("Hours beyond each threshold of the plan in the period, per service<br><sup>blank: none</sup>"),
    x_title=_("service"),
    y_title=_("threshold (alert level)")), "threshold_grid")
chosen = st.columns(2)[0].selectbox(_("Threshold by month"), view.thresholds,
                                    key="monitoring_threshold", help=_("Thresholds with the most hours beyond first."))
one = view.hours[view.hours["threshold"] == chosen]
widgets.show_chart(figures.grid_chart(
    one.assign(month=[i18n.date_text(m, "month") for m in one["month"]],
               cell=[formatting.fmt(float(h), "h", trim=True) for h in one["hours_beyond"]]),
    "month", "service_id", text="cell", z="hours_beyond", zmin=0, colorscale="Reds", z_title=_("hours beyond"),
    title=_("Hours beyond {threshold} per service and month").format(threshold=chosen), x_title="",
    y_title=_("service")), "threshold_months")
with st.expander(_("Hours beyond each threshold per service and month (table)"), icon=":material/table:"):
    widgets.data_table(view.hours, f"opsplan-threshold-hours-{period.start}-{period.end}.csv")
widgets.definitions_popover(*monitoring.DEFINITIONS["thresholds"], key="def_thresholds")

# ---- business and security alerts
st.subheader(_("Business and security alerts"), divider="gray")
if view.alerts.empty:
    st.success(_("No business or security threshold was broken in the period."))
else:
    widgets.show_chart(monitoring.events_chart(
        view.alerts, "day", "alert", colour="level", colours=palette.LEVEL_COLOURS, value="value", threshold="threshold",
        x_title=_("day (local)"), title=_("Days that broke a business or security threshold")), "alert_days")
widgets.data_table(view.alerts, f"opsplan-business-alerts-{period.start}-{period.end}.csv",
              column_config={"day": st.column_config.DateColumn(_("day"), format=widgets.table_date_format("day")),
                             "value": st.column_config.NumberColumn(_("value"), format="%.1f")})
widgets.definitions_popover(*monitoring.DEFINITIONS["alerts"], key="def_alerts")
