"""Plan adherence: is the plan's schedule being kept? One row per promise of the plan, missed first,
then backups, disaster-recovery drills, maintenance windows, change control, security and vendors."""
import streamlit as st

from core import i18n
from core.i18n import _
from ui import adherence, formatting, sidebar, widgets

period, filters = sidebar.current_period(), sidebar.current_filters()
# The header first: a title at once on a cold start, not a blank page while the loads run.
widgets.drill_header(_("Plan adherence"), period, filters, adherence.scope_note())
view = adherence.load_adherence_view(period, filters)
if view is None:
    adherence.missing_plan_sections()
    st.stop()
changes = view.changes

cards = st.columns(4)
cards[0].metric(_("Plan promises kept"), _("{kept} of {judged}").format(kept=view.kept, judged=view.judged),
                border=True,
                help=_("Promises kept of those the data can judge; a promise without data is not counted."))
cards[1].metric(_("Promises missed"), f"{view.missed}", border=True)
cards[2].metric(_("Changes deployed"), i18n.number(changes["total"]), border=True)
cards[3].metric(_("Change failure rate"), formatting.fmt(changes["change_failure_pct"], "%"), border=True,
                help=_("Changes rolled back or followed by a change-related incident on the same service "
                       "within 24 hours, of the changes deployed in the period."))

# ---- the promises: missed first
st.subheader(_("The plan's promises"), divider="gray")
chosen = adherence.promises_table(view, period)
adherence.row_definition(chosen)

# ---- backups
st.subheader(_("Backups"), divider="gray")
st.caption(_("Every gap between one good backup (any kind) finishing and the next, against the RPO of {rpo} minutes. "
             "Gaps longer than the RPO: {n}.").format(rpo=f"{view.rpo:g}", n=i18n.number(len(view.gaps_over_rpo))))
widgets.show_chart(adherence.gaps_chart(view.gaps_by_day, view.rpo), "adherence_gaps")
if len(view.gaps_over_rpo):
    widgets.data_table(view.gaps_over_rpo, f"opsplan-backup-gaps-over-rpo-{period.start}-{period.end}.csv")
widgets.definitions_popover(*adherence.DEFINITIONS["Backups"], key="def_backups")

# ---- disaster-recovery drills
st.subheader(_("Disaster-recovery drills"), divider="gray")
if view.drills.empty:
    st.info(_("No disaster-recovery drill was held in the period."))
else:
    widgets.show_chart(adherence.drills_chart(view.drills, view.rto, view.rpo, view.mtd), "adherence_drills")
    widgets.data_table(view.drills, f"opsplan-dr-drills-{period.start}-{period.end}.csv", column_config={
        "rto_met": st.column_config.CheckboxColumn(_("RTO met")),
        "rpo_met": st.column_config.CheckboxColumn(_("RPO met")),
        "mtd_met": st.column_config.CheckboxColumn(_("MTD met"))})
widgets.definitions_popover(*adherence.DEFINITIONS["Disaster recovery"], key="def_drills")

# ---- maintenance windows
st.subheader(_("Maintenance windows"), divider="gray")
if view.calendar.empty:
    st.info(_("No maintenance window was used in the period."))
else:
    widgets.show_chart(adherence.calendar_chart(view.calendar), "adherence_windows")
if len(view.outside):
    widgets.data_table(view.outside, f"opsplan-windows-outside-{period.start}-{period.end}.csv", column_config={
        "overrun_minutes": st.column_config.NumberColumn(_("minutes past the plan's window"), format="%.0f")})
else:
    st.caption(_("Every window used started and ended inside the plan's window of its kind."))
widgets.definitions_popover(*adherence.DEFINITIONS["Maintenance"], key="def_windows")

# ---- change control
st.subheader(_("Change control"), divider="gray")
st.caption(_("{total} changes: {emergency} emergency, {standard} standard, {minor} minor; {failed} failed; {inside} "
             "deployed inside a maintenance window.").format(
    total=i18n.number(changes["total"]), emergency=i18n.number(changes["emergency"]),
    standard=i18n.number(changes["standard"]), minor=i18n.number(changes["minor"]),
    failed=i18n.number(changes["failed"]), inside=i18n.number(changes["in_maintenance_window"])))
if view.weeks.empty:
    st.info(_("No change was deployed in the period."))
else:
    widgets.show_chart(adherence.changes_chart(view.weeks), "adherence_changes")
    widgets.data_table(view.weeks, f"opsplan-changes-per-week-{period.start}-{period.end}.csv")
widgets.definitions_popover(*adherence.DEFINITIONS["Change control"], key="def_changes")

# ---- security schedule and vendors
st.subheader(_("Security schedule and vendors"), divider="gray")
widgets.data_table(view.security, f"opsplan-security-schedule-{period.start}-{period.end}.csv", column_config={
    "every_days": st.column_config.NumberColumn(_("at most days apart")),
    "longest_gap_days": st.column_config.NumberColumn(_("longest gap (days)")),
    "overdue_since": st.column_config.TextColumn(_("overdue since"))})
widgets.definitions_popover(*adherence.DEFINITIONS["Security"], key="def_security")
widgets.data_table(view.vendors, f"opsplan-vendor-slas-{period.start}-{period.end}.csv", column_config={
    "label": st.column_config.TextColumn(_("vendor")),
    "sla_pct": st.column_config.NumberColumn(_("SLA (%)"), format="%.1f"),
    "availability_pct": st.column_config.NumberColumn(_("availability (%)"), format="%.3f"),
    "outage_minutes": st.column_config.NumberColumn(_("outage (minutes)"), format="%.0f"),
    "met": st.column_config.CheckboxColumn(_("SLA met"))})
widgets.definitions_popover(*adherence.DEFINITIONS["Vendors"], key="def_vendors")
widgets.definitions_popover(*adherence.DEFINITIONS["filter"], label=_("How the service filter applies"),
                            key="def_filter")
