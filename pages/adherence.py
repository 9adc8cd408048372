"""Plan adherence: is the plan's schedule being kept? One row per promise of the plan, missed first,
then backups, disaster-recovery drills, maintenance windows, change control, security and vendors."""
import streamlit as st

from ui import adherence, formatting, sidebar, widgets

period, filters = sidebar.current_period(), sidebar.current_filters()
# The header first: a title at once on a cold start, not a blank page while the loads run.
widgets.drill_header("Plan adherence", period, filters, adherence.SCOPE_NOTE)
view = adherence.load_adherence_view(period, filters)
if view is None:
    adherence.missing_plan_sections()
    st.stop()
changes = view.changes

cards = st.columns(4)
cards[0].metric("Plan promises kept", f"{view.kept} of {view.judged}", border=True,
                help="Promises kept of those the data can judge; a promise without data is not counted.")
cards[1].metric("Promises missed", f"{view.missed}", border=True)
cards[2].metric("Changes deployed", f"{changes['total']:,}", border=True)
cards[3].metric("Change failure rate", formatting.fmt(changes["change_failure_pct"], "%"), border=True,
                help="Changes rolled back or followed by a change-related incident on the same service "
                     "within 24 hours, of the changes deployed in the period.")

# ---- the promises: missed first
st.subheader("The plan's promises", divider="gray")
chosen = adherence.promises_table(view, period)
adherence.row_definition(chosen)

# ---- backups
st.subheader("Backups", divider="gray")
st.caption(f"Every gap between one good backup (any kind) finishing and the next, against the RPO of "
           f"{view.rpo:g} minutes. Gaps longer than the RPO: {len(view.gaps_over_rpo):,}.")
widgets.show_chart(adherence.gaps_chart(view.gaps_by_day, view.rpo), "adherence_gaps")
if len(view.gaps_over_rpo):
    widgets.data_table(view.gaps_over_rpo, f"opsplan-backup-gaps-over-rpo-{period.start}-{period.end}.csv")
widgets.definitions_popover(*adherence.DEFINITIONS["Backups"], key="def_backups")

# ---- disaster-recovery drills
st.subheader("Disaster-recovery drills", divider="gray")
if view.drills.empty:
    st.info("No disaster-recovery drill was held in the period.")
else:
    widgets.show_chart(adherence.drills_chart(view.drills, view.rto, view.rpo, view.mtd), "adherence_drills")
    widgets.data_table(view.drills, f"opsplan-dr-drills-{period.start}-{period.end}.csv", column_config={
        "rto_met": st.column_config.CheckboxColumn("RTO met"), "rpo_met": st.column_config.CheckboxColumn("RPO met"),
        "mtd_met": st.column_config.CheckboxColumn("MTD met")})
widgets.definitions_popover(*adherence.DEFINITIONS["Disaster recovery"], key="def_drills")

# ---- maintenance windows
st.subheader("Maintenance windows", divider="gray")
if view.calendar.empty:
    st.info("No maintenance window was used in the period.")
else:
    widgets.show_chart(adherence.calendar_chart(view.calendar), "adherence_windows")
if len(view.outside):
    widgets.data_table(view.outside, f"opsplan-windows-outside-{period.start}-{period.end}.csv", column_config={
        "overrun_minutes": st.column_config.NumberColumn("minutes past the plan's window", format="%.0f")})
else:
    st.caption("Every window used started and ended inside the plan's window of its kind.")
widgets.definitions_popover(*adherence.DEFINITIONS["Maintenance"], key="def_windows")

# ---- change control
st.subheader("Change control", divider="gray")
st.caption(f"{changes['total']:,} changes: {changes['emergency']:,} emergency, {changes['standard']:,} standard, "
           f"{changes['minor']:,} minor; {changes['failed']:,} failed; {changes['in_maintenance_window']:,} deployed "
           "inside a maintenance window.")
if view.weeks.empty:
    st.info("No change was deployed in the period.")
else:
    widgets.show_chart(adherence.changes_chart(view.weeks), "adherence_changes")
    widgets.data_table(view.weeks, f"opsplan-changes-per-week-{period.start}-{period.end}.csv")
widgets.definitions_popover(*adherence.DEFINITIONS["Change control"], key="def_changes")

# ---- security schedule and vendors
st.subheader("Security schedule and vendors", divider="gray")
widgets.data_table(view.security, f"opsplan-security-schedule-{period.start}-{period.end}.csv", column_config={
    "every_days": st.column_config.NumberColumn("at most days apart"),
    "longest_gap_days": st.column_config.NumberColumn("longest gap (days)"),
    "overdue_since": st.column_config.TextColumn("overdue since")})
widgets.definitions_popover(*adherence.DEFINITIONS["Security"], key="def_security")
widgets.data_table(view.vendors, f"opsplan-vendor-slas-{period.start}-{period.end}.csv", column_config={
    "label": st.column_config.TextColumn("vendor"), "sla_pct": st.column_config.NumberColumn("SLA (%)", format="%.1f"),
    "availability_pct": st.column_config.NumberColumn("availability (%)", format="%.3f"),
    "outage_minutes": st.column_config.NumberColumn("outage (minutes)", format="%.0f"),
    "met": st.column_config.CheckboxColumn("SLA met")})
widgets.definitions_popover(*adherence.DEFINITIONS["Vendors"], key="def_vendors")
widgets.definitions_popover(*adherence.DEFINITIONS["filter"], label="How the service filter applies",
                            key="def_filter")
