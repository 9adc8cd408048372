"""Budget: the plan's annual budget against actual spend, line by line, and where the year will end."""
import streamlit as st

from ui import admin, auth, budget, cache, downloads, formatting, freshness, palette, sidebar
the_plan = cache.plan()
years = budget.plan_years(sidebar.plan_today(the_plan))

st.title("Budget: where will the plan year end?")
freshness.page_freshness("budget")
with st.container(horizontal=True, vertical_alignment="bottom"):
    year = st.selectbox("Plan year", years, format_func=budget.year_label, key="budget_year", width=260,
                        help=f"Plan years start on the anniversary of {the_plan.first_year_start} (plan.toml). "
                             "The sidebar's period does not apply to the budget.")
    window = st.segmented_control("Run rate over the last", [1, 3, 6], default=3, key="budget_window",
                                  format_func=lambda n: f"{n} month{'s' if n > 1 else ''}", required=True,
                                  help="The 'At run rate' comparison: the rest of the year at the mean spend of these "
                                       "closed months. The projected year end is the forecast's and does not use it.")
    as_pct = st.segmented_control("Show lines in", ["USD", "% of budget"], default="% of budget",
                                  key="budget_units", required=True) == "% of budget"

view = budget.load_budget_view(year, window)
table, totals, over, within = view.table, view.totals, view.over, view.within

st.markdown(budget.plan_year_line(year))

cols = st.columns(4)  # whole dollars in the tiles (their help has the cents): 8 characters fit at 1280 px
cols[0].metric("Annual budget", formatting.fmt(totals["annual_usd"], "USD", decimals=0), border=True,
               delta=f"{len(table)} lines", delta_color="off", delta_arrow="off",
               help=f"{formatting.fmt(totals['annual_usd'], 'USD')} over the lines; the plan's total: "
                    f"{formatting.fmt(the_plan.budget_total_usd, 'USD')}.")
cols[1].metric("Spent to date", formatting.fmt(totals["actual_usd"], "USD", decimals=0), border=True,
               delta=formatting.signed_usd(totals["variance_usd"], decimals=0), delta_description="vs budget",
               delta_color="red" if totals["variance_usd"] > 0 else "green",
               help=f"{formatting.fmt(totals['actual_usd'], 'USD')} spent; below it, the difference from the "
                    f"budget to date, {formatting.fmt(totals['budget_to_date_usd'], 'USD')}: the annual budget x "
                    "closed months / 12, or by a line's monthly profile in plan.toml.")
cols[2].metric("Projected year end", formatting.fmt(totals["projected_usd"], "USD", decimals=0), border=True,
               delta=formatting.signed_usd(totals["projected_variance_usd"], decimals=0), delta_description="vs budget",
               delta_color="red" if totals["projected_variance_usd"] > 0 else "green",
               help=f"{formatting.fmt(totals['projected_usd'], 'USD')}: spent to date plus each line's monthly spend "
                    "forecast over the months left (trend and "
                    f"season). 80 % band {formatting.fmt(totals['lower_usd'], 'USD')} to "
                    f"{formatting.fmt(totals['upper_usd'], 'USD')}: the lines' bands added up.")
cols[3].metric("Heading over budget", f"{len(over)} of {len(table)}", border=True,
               delta=f"first in {formatting.month_text(over['crosses_in'].iloc[0])}" if len(over) else "none this year",
               delta_color="red" if len(over) else "green", delta_arrow="off",
               help=f"A line is heading over budget when its projected overrun is {budget.over_tolerance_text(the_plan)} "
                    "(plan.toml: budget.over_tolerance_pct and over_tolerance_usd).")

st.caption(budget.projection_words(view, window))
if len(over):
    st.warning(f"**{len(over)} line{'s' if len(over) > 1 else ''} heading over budget** on the forecast of each line's "
               f"monthly spend, each by {budget.over_tolerance_text(the_plan)}:\n"
               f"{budget.over_budget_text(over)}", icon=":material/trending_up:")
if len(within):
    st.caption(f"Projected over, but within the tolerance, so not heading over budget: "
               f"{budget.within_tolerance_text(within)}. An overrun counts when it is {budget.over_tolerance_text(the_plan)}.")

left, right = st.columns([4, 3])
left.plotly_chart(budget.budget_projection_chart(table, as_pct), key="budget_projection", config=palette.NO_BAR)
right.plotly_chart(budget.budget_cumulative_chart(view, year), key="budget_cumulative", config=palette.NO_BAR)

by_line, by_month = st.tabs(["By line", "By month"])
with by_line:
    shown = budget.budget_table(table)
    st.dataframe(budget.budget_display(shown), hide_index=True, column_config=budget.BUDGET_COLUMNS, key="budget_table_view",
                 column_order=list(budget.BUDGET_COLUMNS), height=36 * (len(shown) + 1) + 4)
    st.caption("Budget to date is pro rata (annual budget x closed months / 12) unless a line gives its monthly "
               "profile in plan.toml. Projected year end: spent + the forecast of the months left from the line's "
               "monthly spend (trend and season; the model per line is in the export); the 80 % band adds up the "
               "months' 80 % bounds. At run rate: spent + run rate x months left, for comparison.")
    for note in budget.budget_plan_notes():
        st.caption(note)
    downloads.download_both(shown, f"opsplan-budget-{year.start}", "Budget by line")
with by_month:
    st.plotly_chart(budget.budget_monthly_chart(view.months, year), key="budget_monthly", config=palette.NO_BAR)
    wide = budget.budget_month_table(view.months, table)
    st.dataframe(wide, hide_index=True, height=36 * (len(wide) + 1) + 16,
                 column_config={c: st.column_config.NumberColumn(format="dollar") for c in wide.columns[1:]})
    downloads.download_both(wide, f"opsplan-spend-by-month-{year.start}", "Spend by month")

if auth.can("edit_budget"):  # finance and up (data/access.py); plan_edit checks the role again
    with st.expander("Edit the plan's budget lines", icon=":material/edit:"):
        admin.plan_editor("budget_plan", targets=False)
