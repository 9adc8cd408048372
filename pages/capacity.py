"""Capacity: when does a service reach the plan's thresholds, and what must be added to stay under them?"""
import streamlit as st

from ui import cache, capacity, capacity_words, downloads, freshness, handoff, palette
the_plan = cache.plan()
services = capacity.cap_services()
through = capacity.cap_through()
names = dict(zip(services["service_id"], services["name"]))

st.title("Capacity: when do we run out?")
freshness.page_freshness("capacity")
link_warnings = capacity.cap_controls_from_link(list(names))
with st.container(horizontal=True, vertical_alignment="bottom"):
    service_id = st.selectbox("Service", list(names), format_func=names.get, key="cap_service", width=260)
    resource = st.selectbox("Resource", list(capacity.CAP_RESOURCES), key="cap_resource", width=220,
                            format_func=lambda r: capacity.CAP_RESOURCES[r].label, help=capacity.CAP_RESOURCES["cpu_pct"].help)
    months = st.segmented_control("Horizon", list(capacity.CAP_HORIZONS), key="cap_months", required=True,
                                  format_func=lambda m: f"{m} months",
                                  help=f"How far the daily forecast reaches past the data ({through:%d %b %Y}).")
for warning in link_warnings:
    st.warning(warning)
capacity.cap_controls_to_link(service_id, resource, months)

service = services[services["service_id"] == service_id].iloc[0]
spec = capacity.CAP_RESOURCES[resource]

with st.sidebar.expander("Growth scenario", expanded=True, icon=":material/tune:"):
    st.caption(f"**{capacity.PLAN_NAME}** (plan.toml [capacity]), drawn beside the measured forecast from the last "
               "measured day; the sliders edit them. The Scenarios page has the same four drivers: send them there to "
               "see what they cost.")
    cap = capacity.cap_scenario(the_plan.capacity)
    with st.container(horizontal=True):
        st.button("The plan's values", key="cap_reset", on_click=capacity.cap_seed_sliders, args=(the_plan.capacity,),
                  help="Every slider back to plan.toml.")
        st.button("Trend only", key="cap_trend", on_click=capacity.cap_seed_sliders, args=(the_plan.capacity,),
                  kwargs={"trend_only": True}, help="No growth on top of the data's own trend: every slider to 0.")
    handoff.cap_send_button(cap)

view = capacity.load_capacity(service, resource, months, cap)
st.markdown(f"**{service['name']}** · {spec.label} · daily busy-hour level over two years to {through:%d %b %Y}, "
            f"forecast {months} months ahead · {int(service['instances'])} instances today")

label, when, when_note = capacity_words.crossing_words(view, cap)
cols = st.columns([0.75, 1.25, 1.25, 0.85])  # the crossing's date and the scenario's beside it need the room
cols[0].metric("Now (7 days)", f"{view.current:,.1f} {spec.unit}", border=True, help=spec.help)
cols[1].metric(label, when, delta=when_note, delta_color="off", delta_arrow="off", border=True,
               help=f"The first day the measured forecast's mean reaches the plan's scale-up trigger "
                    f"({cap.scale_up_pct:g} %); below it, the day the sidebar's growth scenario does.")
cols[2].metric(f"End of horizon ({months} months)", f"{view.statistical['mean'].iloc[-1]:,.1f} {spec.unit}",
               border=True, delta=f"{view.scenario_name}: {view.scenario['mean'].iloc[-1]:,.1f} {spec.unit}",
               delta_color="off", delta_arrow="off", help="The measured forecast's mean on the last day; below it, "
                                                          "the sidebar's growth scenario's.")
peak_label, peak_value, peak_when = capacity_words.plan_peak_words(view, spec.unit)
cols[3].metric(peak_label, peak_value, delta=peak_when, delta_color="off", delta_arrow="off", border=True,
               help="From the monthly capacity plan below: instances (or storage) to keep the month's peak under "
                    f"the {cap.scale_up_pct:g} % scale-up line with the {cap.reserve_pct:g} % reserve.")
note = capacity_words.first_day_note(view, resource, cap)
if note:
    st.info(note, icon=":material/info:")

chart_col, accuracy_col = st.columns([3, 1], gap="medium")
with chart_col:
    title = (f"Will {service['name']} {spec.label} reach the {cap.scale_up_pct:g} % scale-up line in {months} months?"
             if spec.unit == "%" else f"How much storage will {service['name']} need in {months} months?")
    st.plotly_chart(capacity.capacity_chart(view, resource, cap, title, through), key="cap_chart", config=palette.NO_BAR)
    st.caption(capacity_words.capacity_caption(view, resource, cap))
with accuracy_col:
    st.markdown("**How good is this forecast?**")
    with st.spinner("Backtesting ...", show_time=True):
        score = capacity.load_backtest(service_id, resource, months)
    st.markdown(f"**{capacity.load_skill(service_id, resource, months).capitalize()}**",
                help="The forecast's mean absolute scaled error over that of repeating the last season, on the "
                     "same held-out tails: below 1 (better) means the model earns its keep.")
    st.metric("MASE", "n/a" if score["mase"] is None else f"{score['mase']:.2f}",
              help="Mean absolute scaled error: the forecast's mean absolute error on the held-out tails over the "
                   "in-sample error of repeating last week one week ahead. It grows with the horizon for every "
                   "method; the line above compares the forecast with repeating last week over the same tails.")
    st.metric("sMAPE", "n/a" if score["smape"] is None else f"{score['smape']:.1f} %",
              help="Symmetric mean absolute percentage error: 2|actual - forecast| / (|actual| + |forecast|), averaged.")
    st.metric("Interval coverage", "n/a" if score["coverage"] is None else f"{score['coverage'] * 100:.0f} %",
              delta=f"aim {capacity.CAP_LEVEL} %", delta_color="off", delta_arrow="off",
              help=f"Share of held-out days inside the {capacity.CAP_LEVEL} % interval; near {capacity.CAP_LEVEL} % means the "
                   "band can be trusted.")
    st.caption(f"Scored on {score['folds']} held-out tail{'s' if score['folds'] != 1 else ''} of {months} months, each "
               f"forecast from the data before it. Model now: {view.model}.")

if view.crossings is not None:
    st.subheader("When are the lines crossed?")
    st.table(capacity_words.crossing_table(view, cap).set_index("line"))
    cause = capacity_words.scenario_cause_words(view, cap)
    if cause:
        st.caption(cause)

st.subheader("Monthly capacity plan")
st.markdown(capacity_words.monthly_plan_words(view, resource, cap, int(service["instances"])))
st.dataframe(view.monthly, hide_index=True, column_config=capacity_words.CAP_PLAN_COLUMNS, key="cap_plan_table")
downloads.download_csv(view.monthly, f"opsplan-capacity-plan-{service_id}-{resource}.csv")

headroom_resource = "disk_pct" if resource == "data_gb" else resource
st.subheader(f"Which services reach the {cap.scale_up_pct:g} % scale-up line first? "
             f"({capacity.CAP_RESOURCES[headroom_resource].label})")
headroom = capacity.load_headroom(headroom_resource, months, cap)
st.dataframe(headroom, hide_index=True, column_config=capacity_words.HEADROOM_COLUMNS, key="cap_headroom",
             column_order=list(capacity_words.HEADROOM_COLUMNS))
st.caption(f"Every service ranked by its measured forecast's crossing, soonest first; beside it, the day the "
           f"sidebar's assumptions ({view.scenario_name.lower()}) reach the line. Days count from {through:%d %b %Y}. "
           + ("Data volume has no percent line, so services are ranked by disk. " if resource == "data_gb" else ""))
