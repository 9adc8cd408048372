"""Support: satisfaction, response and resolution by channel, escalations and ticket volume."""
import streamlit as st

from ui import cache, events, figures, formatting, freshness, palette, scorecard, sidebar, support, widgets

period, filters, the_plan = sidebar.current_period(), sidebar.current_filters(), cache.plan()
# The header first: a title at once on a cold start, not a blank page while the loads run.
widgets.drill_header("Support", period, filters,
                "The channel filter selects tickets and their surveys; the service and severity filters do not "
                "apply to tickets. Self-service sessions have no channel, so self-service is always for all "
                "channels. Monthly views cover the period.")
freshness.page_freshness("support")
results = scorecard.load_drill_scorecard(period, filters)
trend = scorecard.load_drill_trend(period.end, filters)
view = support.load_support_view(period, filters)
kpis = scorecard.pick(results, "csat", "first_response_hours", "fcr_pct", "kb_self_service_pct")
csat, first_response, fcr, self_service = kpis
surveys = scorecard.total_row(view.csat)

tiles = st.columns(4)
for column, r in zip(tiles, kpis):
    with column:
        widgets.kpi_tile(r, figures.spark(trend, r.kpi))

# ---- satisfaction: mean score with its interval, and how many answered
st.subheader("Support satisfaction", divider="gray")
months = scorecard.month_rows(view.csat)
left, right = st.columns(2)
with left:
    widgets.show_chart(figures.lines_chart(
        months, "span", {"csat": "mean score"}, band=("lower", "upper"), unit="/5",
        title="Mean survey score per month, with its 95 % interval", y_title="score (1 to 5)",
        target=csat.target, target_label=f"target {formatting.fmt(csat.target, '/5', trim=True)}",
        baseline=csat.baseline, baseline_label=f"baseline {formatting.fmt(csat.baseline, '/5', trim=True)}"), "csat_trend")
with right:
    widgets.show_chart(figures.bars_chart(
        months.assign(label=[f"{n:,}<br>{formatting.fmt(p, '%')} scored 4-5" for n, p in zip(months["n_responses"],
                                                                                    months["top2_pct"])]),
        "span", "n_responses", title="Survey responses per month, and the share scoring 4 or 5",
        y_title="responses", text="label"), "csat_responses")
st.caption(f"Period: {formatting.fmt(surveys['csat'], '/5')} from {surveys['n_responses']:,} responses "
           f"(95 % interval {formatting.fmt(surveys['lower'], '/5')} to {formatting.fmt(surveys['upper'], '/5')}); "
           f"{formatting.fmt(surveys['top2_pct'], '%')} scored 4 or 5. A month with few answers has a wide interval.")
widgets.definitions_popover(*support.DEFINITIONS["csat"], key="def_csat")

# ---- channel SLAs: first response and resolution, month x channel
st.subheader("Channel SLAs", divider="gray")
sla = view.sla_rows
widgets.show_chart(support.channel_grid(sla), "channel_grid")
st.caption("Targets come from the plan's channel table; live chat's resolution target covers simple issues only "
           "and the plan sets none for phone. The plan sets no compliance percentage, so the colours run from "
           "50 % or less on time (red) to 100 % (green); 'none': no ticket counted.")
with st.expander("Response and resolution times per channel and month (minutes)", icon=":material/table:"):
    widgets.data_table(view.times, f"opsplan-channel-times-{period.start}-{period.end}.csv")
    widgets.data_table(view.channel_sla, f"opsplan-channel-sla-{period.start}-{period.end}.csv")
widgets.definitions_popover(*support.DEFINITIONS["channels"], key="def_channels")

# ---- first response to high-priority tickets: the mean (the KPI) beside its median and 90th percentile
st.subheader("First response to high-priority tickets", divider="gray")
times = view.first_response
widgets.show_chart(figures.lines_chart(
    times, "span", {"response_mean_hours": "mean (the KPI)", "response_median_hours": "median",
                    "response_p90_hours": "90th percentile"}, colours=palette.SPREAD_COLOURS,
    title="Hours to the first response, per month of creation", y_title="hours", unit="h",
    target=first_response.target, target_label=f"target {palette.OP_SIGNS[first_response.op]} "
                                               f"{formatting.fmt(first_response.target, 'h', trim=True)}",
    baseline=first_response.baseline,
    baseline_label=f"baseline {formatting.fmt(first_response.baseline, 'h', trim=True)}"), "first_response_spread")
st.caption(support.high_priority_response_caption(times, the_plan))
with st.expander("First response to high-priority tickets (table)", icon=":material/table:"):
    widgets.data_table(times, f"opsplan-high-priority-response-{period.start}-{period.end}.csv")

# ---- first contact resolution and escalations by tier
st.subheader("First-contact resolution and escalations", divider="gray")
left, right = st.columns(2)
with left:
    points = widgets.selectable_chart(figures.trend_chart(fcr, trend, events.load_events(trend)), "fcr_trend")
with right:
    widgets.show_chart(figures.bars_chart(
        view.tiers, "month", "n_tickets", colour="tier", colours=palette.TIER_COLOURS,
        title="Tickets created per month, by the highest tier reached", y_title="tickets"), "tier_bars")
st.caption("Support tiers in the plan: " + " · ".join(
    f"{t.name} {t.role} ({t.team_size} people, {t.availability})" for t in the_plan.support_tiers))
with st.expander("Tickets by tier (table)", icon=":material/table:"):
    widgets.data_table(view.tiers, f"opsplan-tiers-{period.start}-{period.end}.csv")
support.month_tickets_panel(events.clicked_month(points), filters)

# ---- self-service and first response over 12 months
st.subheader("Self-service and first response, last 12 months", divider="gray")
widgets.trend_charts([self_service, first_response], trend)

# ---- ticket volume: by channel and by hour of week
st.subheader("Ticket volume", divider="gray")
left, right = st.columns([2, 3])
with left:
    widgets.show_chart(figures.bars_chart(
        view.volume, "month", "n_tickets", colour="channel", colours=palette.CHANNEL_COLOURS,
        names={c.name: c.label for c in the_plan.channels},
        title="Tickets created per month, by channel", y_title="tickets", height=380), "volume_bars")
with right:
    hours = view.hours.assign(cell=[f"{v:.1f} tickets" for v in view.hours["tickets_per_week"]])
    widgets.show_chart(figures.grid_chart(
        hours, "hour", "weekday", text="cell", show_text=False, z="tickets_per_week", colorscale="Blues", zmin=0,
        z_title="tickets per hour", title="Tickets per hour of an average week (local time)",
        x_title=f"hour of day ({the_plan.timezone})", y_title="", height=380), "hour_of_week")
with st.expander("Ticket volume (tables)", icon=":material/table:"):
    widgets.data_table(view.volume, f"opsplan-ticket-volume-{period.start}-{period.end}.csv")
    widgets.data_table(view.hours, f"opsplan-hour-of-week-{period.start}-{period.end}.csv")
