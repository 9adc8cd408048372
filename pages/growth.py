"""Growth: is the plan's growth borne out by the data? Users, traffic, data volume and tickets."""
import streamlit as st

from ui import cache, capacity, freshness, growth, links, palette, sidebar
the_plan = cache.plan()
cap = the_plan.capacity

st.title("Growth: is the plan's growth borne out by the data?")
freshness.page_freshness("growth")
link_warning = sidebar.from_link("growth_horizon", links.GROWTH_HORIZON, list(growth.GROWTH_HORIZONS), 12)
horizon = st.segmented_control("Forecast horizon", list(growth.GROWTH_HORIZONS), key="growth_horizon",
                               required=True, format_func=lambda m: f"{m} months",
                               help="Months ahead of the last full month of data.")
if link_warning:
    st.warning(link_warning)
sidebar.to_link(links.GROWTH_HORIZON, horizon)
views = {metric: growth.load_growth(metric, horizon) for metric in growth.DEMAND}
st.markdown(f"Full months **{growth.growth_span(views['active_users'])}** · the measured forecast with its "
            f"{capacity.CAP_LEVEL} % interval, and beside it **{capacity.PLAN_NAME}** (plan.toml [capacity]) drawn from "
            "the last measured month.")
st.caption(f"Observed growth compares the last three full months with the same three months a year before, so a "
           f"sale season is compared with a sale season, and states it as a compound rate. The shaded band is the "
           f"{capacity.CAP_LEVEL} % interval: about {capacity.CAP_LEVEL} % of months should fall inside it if the past holds.")

summary = st.columns(len(views))
for col, (metric, view) in zip(summary, views.items()):
    spec = growth.DEMAND[metric]
    per = growth.per_words(view)
    col.metric(f"{spec.label} growth", "n/a" if view.observed_pct is None else
               f"{view.observed_pct:+.1f} %", border=True,
               delta=f"plan {view.plan_rate.pct:+g} % a {per}", delta_color="off", delta_arrow="off",
               help=f"{spec.label}, growth a {per}: the last three full months against the same months a year "
                    f"before, compounded per {per}.")

for left_metric, right_metric in (("active_users", "visits"), ("data_gb", "tickets")):
    for col, metric in zip(st.columns(2, gap="medium"), (left_metric, right_metric)):
        view, spec = views[metric], growth.DEMAND[metric]
        with col:
            st.plotly_chart(growth.growth_chart(view, growth.growth_title(metric, cap)), key=f"growth_{metric}", config=palette.NO_BAR)
            st.markdown(f"{growth.growth_gap(view, the_plan)} {growth.growth_words(view, cap)}")
            st.caption(growth.growth_end_words(view, horizon) + f" Model: {view.forecast.attrs.get('model', '?')}, "
                       f"{growth.load_growth_skill(metric, horizon)}.")
