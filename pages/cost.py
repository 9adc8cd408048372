"""Cost & improvement: budget lines against the plan, cost per user and share of revenue, and the
improvement KPIs (automation, self-service, certification, training)."""
import streamlit as st

from core import i18n
from core.i18n import N_, _
from ui import cache, cost, figures, formatting, freshness, palette, scorecard, sidebar, widgets

period, filters, the_plan = sidebar.current_period(), sidebar.current_filters(), cache.plan()
# The header first: a title at once on a cold start, not a blank page while the loads run.
widgets.drill_header(_("Cost & improvement"), period, filters,
                     _("Costs are booked per budget line and month, not per service, severity or channel, so the "
                       "sidebar filters do not apply on this page. Monthly views cover the period."))
freshness.page_freshness("cost")
results = scorecard.load_scorecard(period)  # costs have no service or channel: the Overview's numbers
trend = scorecard.load_trend(period.end)
view = cost.load_cost_view(period)
kpis = [r for r in results if r.area in ("Cost", "Improvement")]
totals = view.totals

widgets.kpi_grid(kpis, trend)

# ---- the sections, one tab each: only the open one is drawn (widgets.section_tabs says why)
SECTIONS = (N_("Budget lines"), N_("Cost and improvement trends"))
tabs = widgets.section_tabs(SECTIONS, "cost_tab")

with tabs[0]:  # budget lines: actual spend against the plan's budget for the same months
    if tabs[0].open:
        st.subheader(_("Budget lines against the plan"), divider="gray")
        cards = st.columns(4)
        cards[0].metric(_("Spent in the period"), formatting.fmt(totals["actual_usd"], "USD"), border=True)
        cards[1].metric(_("Budget, same months"), formatting.fmt(totals["budget_usd"], "USD"), border=True,
                        help=_("The budget for the same months: each line's budget for every month with spend "
                               "recorded, its annual budget / 12 or its monthly profile's share (plan.toml)."))
        cards[2].metric(_("Variance"), formatting.fmt(totals["variance_usd"], "USD"), border=True,
                        delta=_("over budget") if totals["variance_usd"] > 0 else _("within budget"),
                        delta_color="red" if totals["variance_usd"] > 0 else "green", delta_arrow="off")
        cards[3].metric(_("Plan budget a year"), formatting.fmt(the_plan.budget_total_usd, "USD"), border=True,
                        help=_("The plan's total operational budget; its lines are listed in plan.toml."))
        widgets.show_chart(figures.bars_chart(
            view.bars, "line", "usd", colour="series", barmode="group", horizontal=True,
            names={series: _(label) for series, label in cost.SERIES_LABELS.items()},
            colours=palette.BUDGET_COLOURS,
            title=_("Spend per budget line in the period, against its budget for the same months"),
            y_title="USD", height=460), "budget_lines")
        grid = view.by_line.assign(month=[i18n.date_text(m, "month") for m in view.by_line["month"]],
                                   cell=cost.variance_cells(view.by_line))
        widgets.show_chart(figures.grid_chart(
            grid, "month", "line", text="cell", z="variance_pct", zmin=-50, zmax=50, colorscale="RdYlGn_r",
            z_title=_("% over (+) or<br>under (-) budget"),
            title=_("Actual spend per month against the line's budget for the month"),
            x_title="", y_title=_("budget line")), "budget_grid")
        st.caption(_("Budget per month is the line's annual budget / 12, or its monthly profile's share. A month still "
                     "running has only part of its costs booked. The contingency line is meant to stay unspent unless "
                     "something unexpected happens."))
        with st.expander(_("Budget lines per month and in total (tables)"), icon=":material/table:"):
            widgets.data_table(view.summary, f"opsplan-budget-lines-{period.start}-{period.end}.csv")
            widgets.data_table(view.by_line, f"opsplan-budget-lines-monthly-{period.start}-{period.end}.csv")
        widgets.definitions_popover(*cost.DEFINITIONS["budget_lines"], key="def_budget_lines")

with tabs[1]:  # cost KPIs and improvement KPIs over 12 months, each against target and baseline
    if tabs[1].open:
        st.subheader(_("Cost and improvement KPIs, last 12 months"), divider="gray")
        cost.month_costs_panel(widgets.trend_charts(kpis, trend, selectable=True))
        with st.expander(_("Monthly cost drivers: infrastructure, support, revenue, active users"),
                         icon=":material/table:"):
            widgets.data_table(view.monthly, f"opsplan-cost-drivers-{period.start}-{period.end}.csv")
        widgets.definitions_popover(*cost.DEFINITIONS["cost"], key="def_cost")

widgets.coherence_panel(_("Plan coherence: does the budget fit the plan's own numbers?"), period, results, "cost")
