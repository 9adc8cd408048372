"""Scenarios: one editable what-if from demand through capacity and staffing to cost and the plan's targets."""
import streamlit as st

from core import i18n
from core.i18n import _
from ui import cache, charts, downloads, formatting, freshness, sidebar, state, widgets
from ui.scenarios import compare, drivers, results, saved, session, staffing, whatif
from data.scenarios_store import StoreError
from models.scenario import ScenarioError

the_plan = cache.plan()
st.title(_("Scenarios: from demand to cost to the targets"))
freshness.page_freshness("scenarios")
today = sidebar.plan_today(the_plan)
st.segmented_control(_("Start from"), list(results.BASE_LABELS), format_func=lambda k: _(results.BASE_LABELS[k]),
                     key=state.SC_BASE, default="measured", on_change=results.on_base_change, args=(today,),
                     help=_(results.BASE_HELP))
try:
    base, base_drivers, note = results.load_starting_point(today, results.base_kind())
except ScenarioError as exc:
    st.error(_("**No base to start a scenario from:** {error}. Import recent tickets, users, revenue, costs and "
               "utilisation on the Data page, start from the plan instead, or build the demo warehouse.").format(
        error=exc))
    st.stop()
drivers.init_driver_inputs(base_drivers)
for warning in saved.open_from_link(base_drivers):
    st.warning(warning)
st.caption(results.base_caption(base, note))
headline = st.container()  # filled once the drivers below are read: the answer goes first

left, right = st.columns([1.3, 2.2], gap="medium")
with left:
    with st.container(horizontal=True, vertical_alignment="bottom"):
        months = st.selectbox(_("Horizon"), saved.HORIZONS, key=state.SC_MONTHS,
                              format_func=lambda m: _("{n} months").format(n=m),
                              help=_("Months from {month}. The plan's budget is taken for the same months (pro rata, "
                                     "or by a line's monthly profile).").format(
                                  month=i18n.date_text(base.start, "month")))
        st.button(_("Reset to the base"), icon=":material/restart_alt:", key="sc_reset", on_click=saved.on_reset,
                  args=(base_drivers,), help=_("Every driver back to the base scenario chosen above."))
    values = drivers.driver_panel(base_drivers)
    try:
        scenario = drivers.scenario_drivers(base_drivers, values)
    except ScenarioError as exc:
        st.error(_("**This scenario cannot be computed:** {error}. Change that driver to see the results.").format(
            error=exc))
        st.stop()
    saved.save_panel(scenario, base_drivers, months)
    saved.keep_in_link(months)

frame = results.evaluate_scenario(scenario, base, months)
summary = results.scenario_summary(frame, months)
with headline:
    st.markdown(results.scenario_title_line(scenario, base_drivers, base, months))
    results.scenario_headline(summary, months)
with right:
    charts.chart(st, results.scenario_chain_chart(frame), key="sc_chain")

tabs = widgets.section_tabs(session.TAB_NAMES, session.TAB_KEY)
with tabs[0]:
    if tabs[0].open:
        lines = results.line_vs_plan(frame, months)
        shown_lines, line_columns = results.line_vs_plan_shown(lines)
        st.dataframe(shown_lines, hide_index=True, column_config=line_columns, height=36 * (len(lines) + 1) + 4)
        downloads.download_both(lines, f"opsplan-scenario-lines-{months}m", _("Cost by line"))
with tabs[1]:
    if tabs[1].open:
        table = results.scenario_month_table(frame)
        st.dataframe(results.formatted(table), hide_index=True, key="sc_months_table", height=36 * (len(table) + 1) + 4)
        downloads.download_both(table, f"opsplan-scenario-{months}m", _("Scenario by month"))
        downloads.download_both(drivers.drivers_table(scenario, base_drivers), "opsplan-scenario-drivers", _("Drivers"))
with tabs[2]:
    if tabs[2].open:
        staff = staffing.load_staffing(scenario, today)
        staffing.staffing_tiles(staff)
        shown = staffing.staffing_table(staff)
        st.dataframe(shown, hide_index=True, column_config=staffing.staffing_columns(), key="sc_staffing_table")
        st.caption(staffing.staffing_caption(staff))
        downloads.download_both(shown, "opsplan-staffing-by-channel", _("Staffing by channel"))
with tabs[3]:
    if tabs[3].open:
        stored = saved.saved_scenarios()
        options = [compare.CURRENT, *stored["name"]]
        picked = st.multiselect(_("Scenarios to compare (two to four)"), options, max_selections=4, key="sc_compare",
                                default=options[:2], format_func=compare.scenario_name)
        if len(picked) < 2:
            st.info(_("Pick two to four scenarios: the one on screen and saved ones (save one on the left first)."))
        else:
            try:
                named = compare.scenarios_to_compare(picked, scenario, base_drivers)
            except StoreError as exc:
                st.error(str(exc))
                st.stop()
            table, monthly = compare.compare_scenarios(named, base, months)
            st.caption(_("All on today's base and the same {months}-month horizon; 'Plan' is the plan's budget "
                         "for the same months, or its target.").format(months=months))
            st.dataframe(compare.compare_display(table), hide_index=True, height=36 * (len(table) + 1) + 4)
            downloads.download_both(table, f"opsplan-comparison-{months}m", _("Comparison"))
            charts.chart(st, compare.compare_lines_chart(table), key="sc_compare_lines")
            kpi_left, kpi_right = st.columns(2)
            charts.chart(kpi_left, compare.compare_kpi_chart(monthly, "support_cost_per_user_usd"), key="sc_compare_cpu")
            charts.chart(kpi_right, compare.compare_kpi_chart(monthly, "infra_cost_pct_revenue"), key="sc_compare_infra")
with tabs[4]:
    if tabs[4].open:
        pct = st.slider(_("Move each driver down and up by (%)"), 1, 50, 10, key="sc_tornado_pct",
                        help=_("Each numeric driver in turn, the others held; moves stop at a driver's allowed range."))
        tornado = whatif.load_tornado(scenario, base, months, float(pct))
        target = the_plan.kpi("support_cost_per_user_usd")
        t_left, t_right = st.columns(2)
        charts.chart(t_left, whatif.tornado_chart(tornado, "total_usd", "USD",
                                                 _("Total cost over {months} months").format(months=months), pct,
                                                 (summary["plan_total_usd"], _("plan budget"))),
                            key="sc_tornado_total")
        charts.chart(t_right, whatif.tornado_chart(tornado, "support_cost_per_user_usd", target.unit,
                                                  _("Support cost per user (horizon)"), pct,
                                                  (target.target, _("target"))),
                             key="sc_tornado_cpu")
        st.caption(whatif.tornado_caption(tornado))
with tabs[5]:
    if tabs[5].open:
        whatif.monte_carlo_section(scenario, base, months)
with tabs[6]:
    if tabs[6].open:
        month = st.selectbox(_("Month"), whatif.seek_months(base, months), format_func=formatting.month_text,
                             key="sc_seek_month", width=220)
        seek = whatif.load_goal_seek(scenario, base, months, month)
        whatif.goal_seek_text(seek)
        charts.chart(st, whatif.goal_seek_chart(scenario, base, seek), key="sc_seek_chart")
