"""Reliability: where uptime, MTTR and MTBF come from, by month, service and severity."""
import streamlit as st

from ui import cache, events, figures, formatting, freshness, palette, reliability, scorecard, sidebar, widgets

period, filters, the_plan = sidebar.current_period(), sidebar.current_filters(), cache.plan()
# The header first: a title at once on a cold start, not a blank page while the loads run.
widgets.drill_header("Reliability", period, filters,
                "The service and severity filters select incidents; the channel filter does not apply here. "
                "With services chosen, uptime is the union of their own outages. Monthly views cover the period; "
                "pick 'Last 12 full months' in the sidebar for a longer view.")
freshness.page_freshness("reliability")
results = scorecard.load_drill_scorecard(period, filters)
trend = scorecard.load_drill_trend(period.end, filters)
view = reliability.load_reliability_view(period, filters)
uptime, mttr, mtbf = scorecard.pick(results, "uptime_pct", "mttr_hours", "mtbf_hours")
months, whole = scorecard.month_rows(view.by_span), scorecard.total_row(view.by_span)
target = formatting.fmt(uptime.target, uptime.unit, trim=True)

# ---- headline: the plan's three reliability KPIs and time to acknowledge
tiles = st.columns(4)
for column, r in zip(tiles, (uptime, mttr, mtbf)):
    with column:
        widgets.kpi_tile(r, figures.spark(trend, r.kpi))
with tiles[3], st.container(border=True):
    st.metric("MTTA", formatting.fmt(whole["mtta_hours"], "h"),
              help="MTTA, mean time to acknowledge: the mean of acknowledged_at - detected_at over incidents "
                   "detected in the period. The plan sets no MTTA target; it sets a response time per severity "
                   "(grid below).")
    st.caption(f"n = {int(whole['n_acknowledged']):,} incidents acknowledged  \nRecovery of failures: median "
               f"{formatting.fmt(whole['mttr_median_hours'], 'h')}, 90th percentile {formatting.fmt(whole['mttr_p90_hours'], 'h')}")
    widgets.definitions_popover(*reliability.DEFINITIONS["mtta"], key="def_mtta")

# ---- uptime per month and per service
st.subheader(f"Uptime against the {target} target", divider="gray")
left, right = st.columns(2)
with left:
    points = widgets.selectable_chart(figures.trend_chart(uptime, trend, events.load_events(trend, filters.services)),
                                      "uptime_trend")
with right:
    nominal = view.nominal_budget_minutes
    widgets.show_chart(figures.bars_chart(
        months, "span", "down_minutes", title="Unplanned downtime per month",
        y_title="minutes of unplanned downtime", label_format="%{y:.0f} min", target=nominal,
        target_label=f"error budget ≈ {nominal:.1f} min per 30 days at {target}"), "downtime_bars")
st.caption("Planned maintenance excluded from each month: "
           + " · ".join(f"{r.span}: {r.planned_hours:.1f} h" for r in months.itertuples())
           + ". Maintenance windows are taken out of the month before uptime is computed, and outage minutes "
             "inside a window do not count as downtime.")
reliability.month_incidents_panel(events.clicked_month(points), filters)
widgets.show_chart(figures.grid_chart(
    view.by_service.assign(cell=[formatting.apart_text(v, uptime.target, "%") for v in view.by_service["uptime_pct"]]),
    "span", "service_id",
    text="cell", status="status", title=f"Uptime per service and month (target {target})", x_title="",
    y_title="service"), "service_grid")
widgets.status_legend()
with st.expander("Monthly figures and uptime per service (tables)", icon=":material/table:"):
    widgets.data_table(view.by_span, f"opsplan-reliability-{period.start}-{period.end}.csv")
    widgets.data_table(view.by_service, f"opsplan-uptime-by-service-{period.start}-{period.end}.csv")

# ---- error budget
st.subheader("Error budget", divider="gray")
st.caption(f"The uptime target allows {nominal:.1f} minutes of unplanned downtime in a 30-day month "
           f"({target} of 43,200 minutes). Planned maintenance is taken out of the month first, so each month's "
           "allowance is a little smaller; a running month burns at its rate so far.")
reliability.error_budget_panel(view.budget, filters, period)
widgets.definitions_popover(*reliability.DEFINITIONS["budget"], key="def_budget")

# ---- recovery: MTTR spread and MTBF interval
st.subheader("Recovery and time between failures", divider="gray")
left, right = st.columns(2)
with left:
    widgets.show_chart(figures.lines_chart(
        months, "span", {"mttr_hours": "mean (MTTR)", "mttr_median_hours": "median", "mttr_p90_hours": "90th percentile"},
        title="Time to recover from failures", y_title="hours", unit="h", target=mttr.target,
        target_label=f"MTTR target {formatting.fmt(mttr.target, 'h', trim=True)}", baseline=mttr.baseline,
        baseline_label=f"baseline {formatting.fmt(mttr.baseline, 'h', trim=True)}"), "mttr_spread")
with right:
    widgets.show_chart(figures.lines_chart(
        months, "span", {"mtbf_hours": "MTBF"}, band=("mtbf_lower_hours", "mtbf_upper_hours"), unit="h",
        title=f"MTBF with its {the_plan.settings.mtbf_confidence_pct:g} % confidence interval",
        y_title="hours between failures", target=mtbf.target,
        target_label=f"target {formatting.fmt(mtbf.target, 'h', trim=True)}", baseline=mtbf.baseline,
        baseline_label=f"baseline {formatting.fmt(mtbf.baseline, 'h', trim=True)}"), "mtbf_interval")
st.caption(f"Period: MTTR {formatting.fmt(mttr.value, 'h')} (n = {mttr.n} failures resolved), MTBF "
           f"{formatting.fmt(mtbf.value, 'h')} ({mtbf.note}). Failures are {', '.join(the_plan.settings.failure_severities)} "
           "incidents; a month with few failures has a wide interval.")
widgets.definitions_popover(*reliability.DEFINITIONS["recovery"], key="def_recovery")

# ---- incidents by severity and SLA compliance
st.subheader("Incidents and severity SLAs", divider="gray")
widgets.show_chart(figures.bars_chart(
    view.by_severity, "span", "n_incidents", colour="severity", colours=palette.SEVERITY_COLOURS,
    title="Incidents started per month, by severity", y_title="incidents"), "severity_bars")
sla = view.sla_rows
widgets.show_chart(figures.grid_chart(
    sla.assign(cell=scorecard.pct_cells(sla, "on_time_pct", "n")), "span", "target", text="cell", z="on_time_pct", zmin=50,
    zmax=100, z_title="% on time", title="Response, resolution and escalation on time, per severity and month",
    x_title="", y_title="measure · severity: the plan's target"), "sla_grid")
st.caption("Each row names the plan's target for that severity; escalation counts only incidents still open at "
           "the escalation point. The plan sets no compliance percentage, so the colours run from 50 % or less on "
           "time (red) to 100 % (green); 'none': no incident counted.")
with st.expander("SLA compliance per severity and month (table)", icon=":material/table:"):
    widgets.data_table(view.sla, f"opsplan-severity-sla-{period.start}-{period.end}.csv")
widgets.definitions_popover(*reliability.DEFINITIONS["sla"], key="def_sla")

# ---- worst incidents, with one incident's record and timeline
st.subheader("Longest incidents", divider="gray")
st.caption("Incidents started in the period, longest time to resolve first (still open ones at the top). "
           "Select a row to see its record and timeline.")
event = widgets.data_table(view.worst, f"opsplan-worst-incidents-{period.start}-{period.end}.csv", key="worst_incidents",
                      on_select="rerun", selection_mode="single-row",
                      column_config={"hours": st.column_config.NumberColumn("hours to resolve", format="%.1f")})
rows = event.selection.rows if event else []
if rows:
    reliability.incident_details(view.worst.iloc[rows[0]]["incident_id"])

# ---- does the plan hold together?
with st.expander("Plan coherence: do uptime, MTBF and MTTR fit together?", icon=":material/rule:"):
    widgets.coherence_table(period, results, "reliability")
