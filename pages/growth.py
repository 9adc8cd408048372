"""Growth: is the plan's growth borne out by the data? Users, traffic, data volume and tickets."""
import streamlit as st

from core.i18n import _
from ui import cache, capacity, charts, freshness, growth, links, sidebar
the_plan = cache.plan()
cap = the_plan.capacity

st.title(_("Growth: is the plan's growth borne out by the data?"))
freshness.page_freshness("growth")
link_warning = sidebar.from_link("growth_horizon", links.GROWTH_HORIZON, list(growth.GROWTH_HORIZONS), 12)
horizon = st.segmented_control(_("Forecast horizon"), list(growth.GROWTH_HORIZONS), key="growth_horizon",
                               required=True, format_func=lambda m: _("{n} months").format(n=m),
                               help=_("Months ahead of the last full month of data."))
if link_warning:
    st.warning(link_warning)
sidebar.to_link(links.GROWTH_HORIZON, horizon)
views = {metric: growth.load_growth(metric, horizon) for metric in growth.DEMAND}
st.markdown(_("Full months **{span}** · the measured forecast with its {level} % interval, and beside it **{plan}** "
              "(plan.toml [capacity]) drawn from the last measured month.").format(
    span=growth.growth_span(views["active_users"]), level=capacity.CAP_LEVEL, plan=_(capacity.PLAN_NAME)))
st.caption(_("Observed growth compares the last three full months with the same three months a year before, so a sale "
             "season is compared with a sale season, and states it as a compound rate. The shaded band is the {level} % "
             "interval: about {level} % of months should fall inside it if the past holds.").format(
    level=capacity.CAP_LEVEL))

summary = st.columns(len(views))
for col, (metric, view) in zip(summary, views.items()):
    spec = growth.DEMAND[metric]
    col.metric(_("{label} growth").format(label=_(spec.label)), _("n/a") if view.observed_pct is None else
               f"{view.observed_pct:+.1f} %", border=True,
               delta=growth.plan_rate_words(view), delta_color="off", delta_arrow="off",
               help=growth.growth_help(view))

for left_metric, right_metric in (("active_users", "visits"), ("data_gb", "tickets")):
    for col, metric in zip(st.columns(2, gap="medium"), (left_metric, right_metric)):
        view, spec = views[metric], growth.DEMAND[metric]
        with col:
            charts.chart(st, growth.growth_chart(view, growth.growth_title(metric, cap)), key=f"growth_{metric}")
            st.markdown(f"{growth.growth_gap(view, the_plan)} {growth.growth_words(view, cap)}")
            st.caption(growth.growth_end_words(view, horizon) + " " + _("Model: `{model}`, {skill}.").format(
                model=view.forecast.attrs.get("model", "?"), skill=growth.load_growth_skill(metric, horizon)))
