"""Capacity: when does a service reach the plan's thresholds, and what must be added to stay under them?"""
import streamlit as st

from core import i18n
from core.i18n import _, ngettext
from ui import cache, capacity, capacity_words, charts, downloads, freshness, handoff
the_plan = cache.plan()
services = capacity.cap_services()
through = capacity.cap_through()
names = dict(zip(services["service_id"], services["name"]))
through_day = i18n.date_text(through, "day_padded")
cpu_help = capacity.CAP_RESOURCES["cpu_pct"].help

st.title(_("Capacity: when do we run out?"))
freshness.page_freshness("capacity")
link_warnings = capacity.cap_controls_from_link(list(names))
with st.container(horizontal=True, vertical_alignment="bottom"):
    service_id = st.selectbox(_("Service"), list(names), format_func=names.get, key="cap_service", width=260)
    resource = st.selectbox(_("Resource"), list(capacity.CAP_RESOURCES), key="cap_resource", width=220,
                            format_func=lambda r: _(capacity.CAP_RESOURCES[r].label), help=_(cpu_help))
    months = st.segmented_control(_("Horizon"), list(capacity.CAP_HORIZONS), key="cap_months", required=True,
                                  format_func=lambda m: _("{n} months").format(n=m),
                                  help=_("How far the daily forecast reaches past the data ({day}).").format(
                                      day=through_day))
for warning in link_warnings:
    st.warning(warning)
capacity.cap_controls_to_link(service_id, resource, months)

service = services[services["service_id"] == service_id].iloc[0]
spec = capacity.CAP_RESOURCES[resource]
resource_label = _(spec.label)

with st.sidebar.expander(_("Growth scenario"), expanded=True, icon=":material/tune:"):
    st.caption(_("**{plan}** (plan.toml [capacity]), drawn beside the measured forecast from the last measured day; "
                 "the sliders edit them. The Scenarios page has the same four drivers: send them there to see what "
                 "they cost.").format(plan=_(capacity.PLAN_NAME)))
    cap = capacity.cap_scenario(the_plan.capacity)
    with st.container(horizontal=True):
        st.button(_("The plan's values"), key="cap_reset", on_click=capacity.cap_seed_sliders,
                  args=(the_plan.capacity,),
                  help=_("Every slider back to plan.toml."))
        st.button(_("Trend only"), key="cap_trend", on_click=capacity.cap_seed_sliders, args=(the_plan.capacity,),
                  kwargs={"trend_only": True}, help=_("No growth on top of the data's own trend: every slider to 0."))
    handoff.cap_send_button(cap)

view = capacity.load_capacity(service, resource, months, cap)
scenario_name = _(view.scenario_name)
scale_up = f"{cap.scale_up_pct:g}"
st.markdown(_("**{service}** · {resource} · daily busy-hour level over two years to {day}, forecast {months} months "
              "ahead · {instances} instances today").format(service=service["name"], resource=resource_label,
                                                            day=through_day, months=months,
                                                            instances=int(service["instances"])))

label, when, when_note = capacity_words.crossing_words(view, cap)
cols = st.columns([0.75, 1.25, 1.25, 0.85])  # the crossing's date and the scenario's beside it need the room
cols[0].metric(_("Now (7 days)"), f"{i18n.number(view.current, 1)} {spec.unit}", border=True, help=_(spec.help))
cols[1].metric(label, when, delta=when_note, delta_color="off", delta_arrow="off", border=True,
               help=_("The first day the measured forecast's mean reaches the plan's scale-up trigger ({pct} %); below "
                      "it, the day the sidebar's growth scenario does.").format(pct=scale_up))
cols[2].metric(_("End of horizon ({months} months)").format(months=months),
               f"{i18n.number(view.statistical['mean'].iloc[-1], 1)} {spec.unit}", border=True,
               delta=f"{scenario_name}: {i18n.number(view.scenario['mean'].iloc[-1], 1)} {spec.unit}",
               delta_color="off", delta_arrow="off",
               help=_("The measured forecast's mean on the last day; below it, the sidebar's growth scenario's."))
peak_label, peak_value, peak_when = capacity_words.plan_peak_words(view, spec.unit)
cols[3].metric(peak_label, peak_value, delta=peak_when, delta_color="off", delta_arrow="off", border=True,
               help=_("From the monthly capacity plan below: instances (or storage) to keep the month's peak under the "
                      "{pct} % scale-up line with the {reserve} % reserve.").format(pct=scale_up,
                                                                                   reserve=f"{cap.reserve_pct:g}"))
note = capacity_words.first_day_note(view, resource, cap)
if note:
    st.info(note, icon=":material/info:")

chart_col, accuracy_col = st.columns([3, 1], gap="medium")
with chart_col:
    title = (_("Will {service} {resource} reach the {pct} % scale-up line in {months} months?") if spec.unit == "%"
             else _("How much storage will {service} need in {months} months?")).format(
        service=service["name"], resource=resource_label, pct=scale_up, months=months)
    charts.chart(st, capacity.capacity_chart(view, resource, cap, title, through), key="cap_chart")
    st.caption(capacity_words.capacity_caption(view, resource, cap))
with accuracy_col:
    st.markdown(_("**How good is this forecast?**"))
    with st.spinner(_("Backtesting ..."), show_time=True):
        score = capacity.load_backtest(service_id, resource, months)
    st.markdown(f"**{capacity.load_skill(service_id, resource, months).capitalize()}**",
                help=_("The forecast's mean absolute scaled error over that of repeating the last season, on the "
                       "same held-out tails: below 1 (better) means the model earns its keep."))
    st.metric(_("MASE"), _("n/a") if score["mase"] is None else i18n.number(score["mase"], 2),
              help=_("Mean absolute scaled error: the forecast's mean absolute error on the held-out tails over the "
                     "in-sample error of repeating last week one week ahead. It grows with the horizon for every "
                     "method; the line above compares the forecast with repeating last week over the same tails."))
    st.metric(_("sMAPE"), _("n/a") if score["smape"] is None else f"{i18n.number(score['smape'], 1)} %",
              help=_("Symmetric mean absolute percentage error: 2|actual - forecast| / (|actual| + |forecast|), "
                     "averaged."))
    st.metric(_("Interval coverage"), _("n/a") if score["coverage"] is None else
              f"{i18n.number(score['coverage'] * 100)} %",
              delta=_("aim {level} %").format(level=capacity.CAP_LEVEL), delta_color="off", delta_arrow="off",
              help=_("Share of held-out days inside the {level} % interval; near {level} % means the band can be "
                     "trusted.").format(level=capacity.CAP_LEVEL))
    st.caption(ngettext("Scored on {folds} held-out tail of {months} months, each forecast from the data before it. "
                        "Model now: `{model}`.",
                        "Scored on {folds} held-out tails of {months} months, each forecast from the data before it. "
                        "Model now: `{model}`.", score["folds"]).format(folds=score["folds"], months=months,
                                                                     model=view.model))

if view.crossings is not None:
    st.subheader(_("When are the lines crossed?"))
    crossings = capacity_words.crossing_table(view, cap)
    st.table(crossings.set_index(crossings.columns[0]))
    cause = capacity_words.scenario_cause_words(view, cap)
    if cause:
        st.caption(cause)

st.subheader(_("Monthly capacity plan"))
st.markdown(capacity_words.monthly_plan_words(view, resource, cap, int(service["instances"])))
st.dataframe(view.monthly, hide_index=True, column_config=capacity_words.cap_plan_columns(), key="cap_plan_table")
downloads.download_csv(view.monthly, f"opsplan-capacity-plan-{service_id}-{resource}.csv")

headroom_resource = "disk_pct" if resource == "data_gb" else resource
st.subheader(_("Which services reach the {pct} % scale-up line first? ({resource})").format(
    pct=scale_up, resource=_(capacity.CAP_RESOURCES[headroom_resource].label)))
headroom = capacity.load_headroom(headroom_resource, months, cap)
headroom_columns = capacity_words.headroom_columns()
st.dataframe(headroom[list(headroom_columns)], hide_index=True, column_config=headroom_columns, key="cap_headroom")
ranked = _("Every service ranked by its measured forecast's crossing, soonest first; beside it, the day the sidebar's "
           "assumptions ({scenario}) reach the line. Days count from {day}.").format(
    scenario=scenario_name.lower(), day=through_day)
by_disk = _("Data volume has no percent line, so services are ranked by disk.")
st.caption(ranked + (" " + by_disk if resource == "data_gb" else ""))
