"""Budget: the plan's annual budget against actual spend, line by line, and where the year will end."""
import streamlit as st

from core.i18n import _, ngettext
from ui import admin, auth, budget, cache, charts, downloads, formatting, freshness, sidebar
the_plan = cache.plan()
years = budget.plan_years(sidebar.plan_today(the_plan))

st.title(_("Budget: where will the plan year end?"))
freshness.page_freshness("budget")
with st.container(horizontal=True, vertical_alignment="bottom"):
    year = st.selectbox(_("Plan year"), years, format_func=budget.year_label, key="budget_year", width=260,
                        help=_("Plan years start on the anniversary of {day} (plan.toml). The sidebar's period does "
                               "not apply to the budget.").format(day=budget.first_year_text(the_plan)))
    window = st.segmented_control(_("Run rate over the last"), [1, 3, 6], default=3, key="budget_window",
                                  format_func=lambda n: ngettext("{n} month", "{n} months", n).format(n=n),
                                  required=True,
                                  help=_("The 'At run rate' comparison: the rest of the year at the mean spend of these "
                                         "closed months. The projected year end is the forecast's and does not use it."))
    as_pct = st.segmented_control(_("Show lines in"), list(budget.UNITS), default="% of budget",
                                  format_func=lambda u: _(budget.UNITS[u]), key="budget_units",
                                  required=True) == "% of budget"

view = budget.load_budget_view(year, window)
table, totals, over, within = view.table, view.totals, view.over, view.within

st.markdown(budget.plan_year_line(year))

cols = st.columns(4)  # whole dollars in the tiles (their help has the cents): 8 characters fit at 1280 px
usd = formatting.fmt
tolerance = budget.over_tolerance_text(the_plan)
cols[0].metric(_("Annual budget"), usd(totals["annual_usd"], "USD", decimals=0), border=True,
               delta=ngettext("{n} line", "{n} lines", len(table)).format(n=len(table)), delta_color="off",
               delta_arrow="off",
               help=_("{annual} over the lines; the plan's total: {total}.").format(
                   annual=usd(totals["annual_usd"], "USD"), total=usd(the_plan.budget_total_usd, "USD")))
cols[1].metric(_("Spent to date"), usd(totals["actual_usd"], "USD", decimals=0), border=True,
               delta=formatting.signed_usd(totals["variance_usd"], decimals=0), delta_description=_("vs budget"),
               delta_color="red" if totals["variance_usd"] > 0 else "green",
               help=_("{spent} spent; below it, the difference from the budget to date, {to_date}: the annual budget x "
                      "closed months / 12, or by a line's monthly profile in plan.toml.").format(
                   spent=usd(totals["actual_usd"], "USD"), to_date=usd(totals["budget_to_date_usd"], "USD")))
cols[2].metric(_("Projected year end"), usd(totals["projected_usd"], "USD", decimals=0), border=True,
               delta=formatting.signed_usd(totals["projected_variance_usd"], decimals=0),
               delta_description=_("vs budget"),
               delta_color="red" if totals["projected_variance_usd"] > 0 else "green",
               help=_("{projected}: spent to date plus each line's monthly spend forecast over the months left (trend "
                      "and season). 80 % band {low} to {high}: the lines' bands added up.").format(
                   projected=usd(totals["projected_usd"], "USD"), low=usd(totals["lower_usd"], "USD"),
                   high=usd(totals["upper_usd"], "USD")))
cols[3].metric(_("Heading over budget"), _("{n} of {total}").format(n=len(over), total=len(table)), border=True,
               delta=_("first in {month}").format(month=formatting.month_text(over["crosses_in"].iloc[0]))
               if len(over) else _("none this year"),
               delta_color="red" if len(over) else "green", delta_arrow="off",
               help=_("A line is heading over budget when its projected overrun is {tolerance} (plan.toml: "
                      "budget.over_tolerance_pct and over_tolerance_usd).").format(tolerance=tolerance))

st.caption(budget.projection_words(view, window))
if len(over):
    st.warning(ngettext("**{n} line heading over budget** on the forecast of each line's monthly spend, each by "
                        "{tolerance}:", "**{n} lines heading over budget** on the forecast of each line's monthly "
                        "spend, each by {tolerance}:", len(over)).format(n=len(over), tolerance=tolerance)
               + "\n" + budget.over_budget_text(over), icon=":material/trending_up:")
if len(within):
    st.caption(_("Projected over, but within the tolerance, so not heading over budget: {lines}. An overrun counts "
                 "when it is {tolerance}.").format(lines=budget.within_tolerance_text(within), tolerance=tolerance))

left, right = st.columns([4, 3])
charts.chart(left, budget.budget_projection_chart(table, as_pct), key="budget_projection")
charts.chart(right, budget.budget_cumulative_chart(view, year), key="budget_cumulative")

by_line, by_month = st.tabs([_("By line"), _("By month")])
with by_line:
    shown = budget.budget_table(table)
    columns = budget.budget_columns()
    st.dataframe(budget.budget_display(shown), hide_index=True, column_config=columns, key="budget_table_view",
                 column_order=list(columns), height=36 * (len(shown) + 1) + 4)
    st.caption(_("Budget to date is pro rata (annual budget x closed months / 12) unless a line gives its monthly "
                 "profile in plan.toml. Projected year end: spent + the forecast of the months left from the line's "
                 "monthly spend (trend and season; the model per line is in the export); the 80 % band adds up the "
                 "months' 80 % bounds. At run rate: spent + run rate x months left, for comparison."))
    for note in budget.budget_plan_notes():
        st.caption(note)
    downloads.download_both(shown, f"opsplan-budget-{year.start}", _("Budget by line"))
with by_month:
    charts.chart(st, budget.budget_monthly_chart(view.months, year), key="budget_monthly")
    wide = budget.budget_month_table(view.months, table)
    st.dataframe(wide, hide_index=True, height=36 * (len(wide) + 1) + 16,
                 column_config={c: st.column_config.NumberColumn(format="dollar") for c in wide.columns[1:]})
    downloads.download_both(wide, f"opsplan-spend-by-month-{year.start}", _("Spend by month"))

if auth.can("edit_budget"):  # finance and up (data/access.py); plan_edit checks the role again
    with st.expander(_("Edit the plan's budget lines"), icon=":material/edit:"):
        admin.plan_editor("budget_plan", targets=False)
