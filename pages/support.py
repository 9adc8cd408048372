"""Support: satisfaction, response and resolution by channel, escalations and ticket volume."""
import streamlit as st

from core import i18n
from core.i18n import N_, _
from ui import cache, events, figures, formatting, freshness, palette, scorecard, sidebar, support, widgets

period, filters, the_plan = sidebar.current_period(), sidebar.current_filters(), cache.plan()
# The header first: a title at once on a cold start, not a blank page while the loads run.
widgets.drill_header(_("Support"), period, filters,
                     _("The channel filter selects tickets and their surveys; the service and severity filters do "
                       "not apply to tickets. Self-service sessions have no channel, so self-service is always for "
                       "all channels. Monthly views cover the period."))
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

# ---- the sections, one tab each: only the open one is drawn (widgets.section_tabs says why)
SECTIONS = (N_("Satisfaction"), N_("Channel SLAs"), N_("High-priority response"), N_("Resolution and escalation"),
            N_("Self-service"), N_("Ticket volume"))
tabs = widgets.section_tabs(SECTIONS, "support_tab")

with tabs[0]:  # satisfaction: mean score with its interval, and how many answered
    if tabs[0].open:
        st.subheader(_("Support satisfaction"), divider="gray")
        months = scorecard.month_rows(view.csat)
        left, right = st.columns(2)
        with left:
            widgets.show_chart(figures.lines_chart(
                months, "span", {"csat": _("mean score")}, band=("lower", "upper"), unit="/5",
                title=_("Mean survey score per month, with its 95 % interval"), y_title=_("score (1 to 5)"),
                target=csat.target,
                target_label=_("target {value}").format(value=formatting.fmt(csat.target, "/5", trim=True)),
                baseline=csat.baseline,
                baseline_label=_("baseline {value}").format(value=formatting.fmt(csat.baseline, "/5", trim=True))),
                "csat_trend")
        with right:
            widgets.show_chart(figures.bars_chart(
                months.assign(label=[_("{n}<br>{share} scored 4-5").format(n=i18n.number(n),
                                                                           share=formatting.fmt(p, "%"))
                                     for n, p in zip(months["n_responses"], months["top2_pct"])]),
                "span", "n_responses", title=_("Survey responses per month, and the share scoring 4-5"),
                y_title=_("responses"), text="label"), "csat_responses")
        st.caption(_("Period: {score} from {n} responses (95 % interval {lower} to {upper}); {share} scored 4 or "
                     "5. A month with few answers has a wide interval.").format(
            score=formatting.fmt(surveys["csat"], "/5"), n=i18n.number(surveys["n_responses"]),
            lower=formatting.fmt(surveys["lower"], "/5"), upper=formatting.fmt(surveys["upper"], "/5"),
            share=formatting.fmt(surveys["top2_pct"], "%")))
        widgets.definitions_popover(*support.DEFINITIONS["csat"], key="def_csat")

with tabs[1]:  # channel SLAs: first response and resolution, month x channel
    if tabs[1].open:
        st.subheader(_("Channel SLAs"), divider="gray")
        sla = view.sla_rows
        widgets.show_chart(support.channel_grid(sla), "channel_grid")
        st.caption(_("Targets come from the plan's channel table; live chat's resolution target covers simple "
                     "issues only and the plan sets none for phone. The plan sets no compliance percentage, so the "
                     "colours run from 50 % or less on time (red) to 100 % (green); 'none': no ticket counted."))
        with st.expander(_("Response and resolution times per channel and month (minutes)"), icon=":material/table:"):
            widgets.data_table(view.times, f"opsplan-channel-times-{period.start}-{period.end}.csv")
            widgets.data_table(view.channel_sla, f"opsplan-channel-sla-{period.start}-{period.end}.csv")
        widgets.definitions_popover(*support.DEFINITIONS["channels"], key="def_channels")

with tabs[2]:  # first response to high-priority tickets: the mean (the KPI) beside its median and 90th percentile
    if tabs[2].open:
        st.subheader(_("First response to high-priority tickets"), divider="gray")
        times = view.first_response
        widgets.show_chart(figures.lines_chart(
            times, "span", {"response_mean_hours": _("mean (the KPI)"), "response_median_hours": _("median"),
                            "response_p90_hours": _("90th percentile")}, colours=palette.SPREAD_COLOURS,
            title=_("Hours to the first response, per month of creation"), y_title=_("hours"), unit="h",
            target=first_response.target,
            target_label=_("target {value}").format(value=f"{palette.OP_SIGNS[first_response.op]} "
                                                          f"{formatting.fmt(first_response.target, 'h', trim=True)}"),
            baseline=first_response.baseline,
            baseline_label=_("baseline {value}").format(value=formatting.fmt(first_response.baseline, "h", trim=True))),
            "first_response_spread")
        st.caption(support.high_priority_response_caption(times, the_plan))
        with st.expander(_("First response to high-priority tickets (table)"), icon=":material/table:"):
            widgets.data_table(times, f"opsplan-high-priority-response-{period.start}-{period.end}.csv")

with tabs[3]:  # first contact resolution and escalations by tier
    if tabs[3].open:
        st.subheader(_("First-contact resolution and escalations"), divider="gray")
        left, right = st.columns(2)
        with left:
            points = widgets.selectable_chart(figures.trend_chart(fcr, trend, events.load_events(trend)), "fcr_trend")
        with right:
            widgets.show_chart(figures.bars_chart(
                view.tiers, "month", "n_tickets", colour="tier", colours=palette.TIER_COLOURS,
                names={tier: _(label) for tier, label in support.TIER_LABELS.items()},
                title=_("Tickets created per month, by the highest tier reached"), y_title=_("tickets")), "tier_bars")
        st.caption(_("Support tiers in the plan: {tiers}").format(tiers=" · ".join(
            _("{tier} {role} ({n} people, {availability})").format(
                tier=t.name, role=_(t.role), n=t.team_size, availability=_(t.availability))
            for t in the_plan.support_tiers)))
        with st.expander(_("Tickets by tier (table)"), icon=":material/table:"):
            widgets.data_table(view.tiers, f"opsplan-tiers-{period.start}-{period.end}.csv")
        support.month_tickets_panel(events.clicked_month(points), filters)

with tabs[4]:  # self-service and first response over 12 months
    if tabs[4].open:
        st.subheader(_("Self-service and first response, last 12 months"), divider="gray")
        widgets.trend_charts([self_service, first_response], trend)

with tabs[5]:  # ticket volume: by channel and by hour of week
    if tabs[5].open:
        st.subheader(_("Ticket volume"), divider="gray")
        left, right = st.columns([2, 3])
        with left:
            widgets.show_chart(figures.bars_chart(
                view.volume, "month", "n_tickets", colour="channel", colours=palette.CHANNEL_COLOURS,
                names={c.name: _(c.label) for c in the_plan.channels},
                title=_("Tickets created per month, by channel"), y_title=_("tickets"), height=380), "volume_bars")
        with right:
            hours = view.hours.assign(cell=[_("{n} tickets").format(n=i18n.number(v, 1))
                                            for v in view.hours["tickets_per_week"]])
            widgets.show_chart(figures.grid_chart(
                hours, "hour", "weekday", text="cell", show_text=False, z="tickets_per_week", colorscale="Blues",
                zmin=0, z_title=_("tickets per hour"), title=_("Tickets per hour of an average week (local time)"),
                x_title=_("hour of day ({zone})").format(zone=the_plan.timezone), y_title="", height=380),
                "hour_of_week")
        with st.expander(_("Ticket volume (tables)"), icon=":material/table:"):
            widgets.data_table(view.volume, f"opsplan-ticket-volume-{period.start}-{period.end}.csv")
            widgets.data_table(view.hours, f"opsplan-hour-of-week-{period.start}-{period.end}.csv")
