"""Admin: the audit log of every write, a warehouse backup, and edits of the plan's targets and budget lines."""
import streamlit as st

from core import i18n
from core.i18n import _

from ui import admin, auth, freshness, widgets
from core.plan import plan_path
st.title(_("Admin: who changed what"))
freshness.page_freshness("admin")
log_tab, backup_tab, plan_tab = st.tabs([_("Audit log"), _("Backup"), _("Plan targets and budget")])

with log_tab:
    with st.container(horizontal=True, vertical_alignment="bottom"):
        span = st.date_input(_("From, to"), admin.audit_span(), key="audit_span", width=260)
        action = st.selectbox(_("Action"), auth.AUDIT_ACTIONS, format_func=lambda a: _(auth.AUDIT_WORDS[a]),
                              key="audit_action", width=220)
        who = st.text_input(_("Who (name or e-mail contains)"), key="audit_who", max_chars=100, width=260)
    first, last = (span[0], span[-1]) if span else admin.audit_span()
    log = admin.load_audit(first, last, action, who)
    st.caption(_("{n} audited write(s): imports, scenario saves and deletes, plan edits, backups. "
                 "Before and after are JSON; each row was written in the same transaction as its change.").format(
        n=i18n.number(len(log))))
    widgets.data_table(log, f"opsplan-audit-{first}-{last}.csv", key="audit_table")

with backup_tab:
    st.write(_("Every warehouse table as Parquet, with a manifest of row counts and checksums, in a new "
               "folder beside the warehouse. Restore with `python -m data.backup --restore DIR --db NEWPATH`."))
    if st.button(_("Back up the warehouse now"), icon=":material/backup:", key="admin_backup"):
        kind, text = admin.run_backup()
        getattr(st, kind)(text)

with plan_tab:
    st.write(_("Edits are checked by loading the whole plan before `{file}` is replaced "
               "(atomically), and audited with the values before and after.").format(file=plan_path().name))
    admin.plan_editor("admin_plan", targets=True)
