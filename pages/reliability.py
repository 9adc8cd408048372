"""Reliability: where uptime, MTTR and MTBF come from, by month, service and severity."""
import streamlit as st

from core import i18n
from core.i18n import N_, _
from ui import cache, events, figures, formatting, freshness, palette, reliability, scorecard, sidebar, widgets

period, filters, the_plan = sidebar.current_period(), sidebar.current_filters(), cache.plan()
# The header first: a title at once on a cold start, not a blank page while the loads run.
widgets.drill_header(_("Reliability"), period, filters,
                     _("The service and severity filters select incidents; the channel filter does not apply here. "
                       "With services chosen, uptime is the union of their own outages. Monthly views cover the "
                       "period; pick 'Last 12 full months' in the sidebar for a longer view."))
freshness.page_freshness("reliability")
results = scorecard.load_drill_scorecard(period, filters)
trend = scorecard.load_drill_trend(period.end, filters)
view = reliability.load_reliability_view(period, filters)
uptime, mttr, mtbf = scorecard.pick(results, "uptime_pct", "mttr_hours", "mtbf_hours")
months, whole = scorecard.month_rows(view.by_span), scorecard.total_row(view.by_span)
target = formatting.fmt(uptime.target, uptime.unit, trim=True)
nominal = view.nominal_budget_minutes

# ---- headline: the plan's three reliability KPIs and time to acknowledge
tiles = st.columns(4)
for column, r in zip(tiles, (uptime, mttr, mtbf)):
    with column:
        widgets.kpi_tile(r, figures.spark(trend, r.kpi))
with tiles[3], st.container(border=True):
    st.metric(_("MTTA"), formatting.fmt(whole["mtta_hours"], "h"),
              help=_("MTTA, mean time to acknowledge: the mean of acknowledged_at - detected_at over incidents "
                     "detected in the period. The plan sets no MTTA target; it sets a response time per severity "
                     "(grid below)."))
    st.caption(_("n = {n} incidents acknowledged  \nRecovery of failures: median {median}, 90th percentile {p90}")
               .format(n=i18n.number(int(whole["n_acknowledged"])),
                       median=formatting.fmt(whole["mttr_median_hours"], "h"),
                       p90=formatting.fmt(whole["mttr_p90_hours"], "h")))
    widgets.definitions_popover(*reliability.DEFINITIONS["mtta"], key="def_mtta")

# ---- the sections, one tab each: only the open one is drawn (widgets.section_tabs says why)
SECTIONS = (N_("Uptime"), N_("Error budget"), N_("Recovery"), N_("Incidents and SLAs"), N_("Longest incidents"))
tabs = widgets.section_tabs(SECTIONS, "reliability_tab")

with tabs[0]:  # uptime per month and per service
    if tabs[0].open:
        st.subheader(_("Uptime against the {target} target").format(target=target), divider="gray")
        left, right = st.columns(2)
        with left:
            points = widgets.selectable_chart(
                figures.trend_chart(uptime, trend, events.load_events(trend, filters.services)), "uptime_trend")
        with right:
            widgets.show_chart(figures.bars_chart(
                months, "span", "down_minutes", title=_("Unplanned downtime per month"),
                y_title=_("minutes of unplanned downtime"), label_format=_("%{y:.0f} min"), target=nominal,
                target_label=_("error budget ≈ {minutes} min per 30 days at {target}").format(
                    minutes=i18n.number(nominal, 1), target=target)), "downtime_bars")
        st.caption(_("Planned maintenance excluded from each month: {months}. Maintenance windows are taken out of "
                     "the month before uptime is computed, and outage minutes inside a window do not count as "
                     "downtime.").format(
            months=" · ".join(_("{span}: {hours} h").format(span=i18n.date_text(r.start, "month"),
                                                             hours=i18n.number(r.planned_hours, 1))
                              for r in months.itertuples())))
        reliability.month_incidents_panel(events.clicked_month(points), filters)
        widgets.show_chart(figures.grid_chart(
            view.by_service.assign(
                cell=[formatting.apart_text(v, uptime.target, "%") for v in view.by_service["uptime_pct"]]),
            "span", "service_id", text="cell", status="status",
            title=_("Uptime per service and month (target {target})").format(target=target),
            x_title="", y_title=_("service")), "service_grid")
        widgets.status_legend()
        # Built when opened: closed, the tables would still load the browser's table code (1.2 MB) on the
        # first switch to this page, a fifth of that switch's wait.
        widgets.lazy_expander(_("Monthly figures and uptime per service (tables)"), ":material/table:",
                              "reliability_tables", lambda: reliability.month_tables(view, period))

with tabs[1]:  # error budget
    if tabs[1].open:
        st.subheader(_("Error budget"), divider="gray")
        st.caption(_("The uptime target allows {minutes} minutes of unplanned downtime in a 30-day month ({target} of "
                     "{month_minutes} minutes). Planned maintenance is taken out of the month first, so each month's "
                     "allowance is a little smaller; a running month burns at its rate so far.").format(
            minutes=i18n.number(nominal, 1), target=target, month_minutes=i18n.number(43_200)))
        reliability.error_budget_panel(view.budget, filters, period)
        widgets.definitions_popover(*reliability.DEFINITIONS["budget"], key="def_budget")

with tabs[2]:  # recovery: MTTR spread and MTBF interval
    if tabs[2].open:
        st.subheader(_("Recovery and time between failures"), divider="gray")
        left, right = st.columns(2)
        with left:
            widgets.show_chart(figures.lines_chart(
                months, "span", {"mttr_hours": _("mean (MTTR)"), "mttr_median_hours": _("median"),
                                 "mttr_p90_hours": _("90th percentile")},
                title=_("Time to recover from failures"), y_title=_("hours"), unit="h", target=mttr.target,
                target_label=_("MTTR target {value}").format(value=formatting.fmt(mttr.target, "h", trim=True)),
                baseline=mttr.baseline,
                baseline_label=_("baseline {value}").format(value=formatting.fmt(mttr.baseline, "h", trim=True))),
                "mttr_spread")
        with right:
            widgets.show_chart(figures.lines_chart(
                months, "span", {"mtbf_hours": "MTBF"}, band=("mtbf_lower_hours", "mtbf_upper_hours"), unit="h",
                title=_("MTBF with its {level} % confidence interval").format(
                    level=f"{the_plan.settings.mtbf_confidence_pct:g}"),
                y_title=_("hours between failures"), target=mtbf.target,
                target_label=_("target {value}").format(value=formatting.fmt(mtbf.target, "h", trim=True)),
                baseline=mtbf.baseline,
                baseline_label=_("baseline {value}").format(value=formatting.fmt(mtbf.baseline, "h", trim=True))),
                "mtbf_interval")
        st.caption(_("Period: MTTR {mttr} (n = {n} failures resolved), MTBF {mtbf} ({note}). Failures are {severities} "
                     "incidents; a month with few failures has a wide interval.").format(
            mttr=formatting.fmt(mttr.value, "h"), n=mttr.n, mtbf=formatting.fmt(mtbf.value, "h"), note=mtbf.note,
            severities=", ".join(sidebar.severity_word(s) for s in the_plan.settings.failure_severities)))
        widgets.definitions_popover(*reliability.DEFINITIONS["recovery"], key="def_recovery")

with tabs[3]:  # incidents by severity and SLA compliance
    if tabs[3].open:
        st.subheader(_("Incidents and severity SLAs"), divider="gray")
        widgets.show_chart(figures.bars_chart(
            view.by_severity, "span", "n_incidents", colour="severity", colours=palette.SEVERITY_COLOURS,
            names={severity: sidebar.severity_word(severity) for severity in palette.SEVERITY_COLOURS},
            title=_("Incidents started per month, by severity"), y_title=_("incidents")), "severity_bars")
        sla = view.sla_rows
        widgets.show_chart(figures.grid_chart(
            sla.assign(cell=scorecard.pct_cells(sla, "on_time_pct", "n")), "span", "target", text="cell",
            z="on_time_pct", zmin=50, zmax=100, z_title=_("% on time"),
            title=_("Response, resolution and escalation on time, per severity and month"),
            x_title="", y_title=_("measure · severity: the plan's target")), "sla_grid")
        st.caption(_("Each row names the plan's target for that severity; escalation counts only incidents still "
                     "open at the escalation point. The plan sets no compliance percentage, so the colours run from "
                     "50 % or less on time (red) to 100 % (green); 'none': no incident counted."))
        with st.expander(_("SLA compliance per severity and month (table)"), icon=":material/table:"):
            widgets.data_table(view.sla, f"opsplan-severity-sla-{period.start}-{period.end}.csv")
        widgets.definitions_popover(*reliability.DEFINITIONS["sla"], key="def_sla")

with tabs[4]:  # worst incidents, with one incident's record and timeline
    if tabs[4].open:
        st.subheader(_("Longest incidents"), divider="gray")
        st.caption(_("Incidents started in the period, longest time to resolve first (still open ones at the top). "
                     "Select a row to see its record and timeline."))
        event = widgets.data_table(
            view.worst, f"opsplan-worst-incidents-{period.start}-{period.end}.csv", key="worst_incidents",
            on_select="rerun", selection_mode="single-row",
            column_config={"hours": st.column_config.NumberColumn(_("hours to resolve"), format="%.1f")})
        rows = event.selection.rows if event else []
        if rows:
            reliability.incident_details(view.worst.iloc[rows[0]]["incident_id"])

# ---- does the plan hold together?
widgets.coherence_panel(_("Plan coherence: do uptime, MTBF and MTTR fit together?"), period, results, "reliability")
