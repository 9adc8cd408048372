"""Data: bring an export into the warehouse (preview first, then one all-or-nothing import), see what
each table holds month by month, and every import made."""
import streamlit as st

from core.i18n import N_, _
from ui import auth, cache, charts, coverage, data_import, freshness, import_form, sidebar, widgets

TABS = {"coverage": N_("Coverage by table"), "upload": N_("Import a file"), "log": N_("Import log")}

the_plan = cache.plan()
st.title(_("Data: import exports, see what the KPIs read"))
freshness.page_freshness("data")
st.caption(_("Coverage shows what each table holds month by month. To add or correct data, open **Import a file**: "
             "upload a CSV, Excel or Parquet export into one table; nothing is written until you have seen the "
             "preview and pressed Import, an import is all or nothing, and the Import log keeps every attempt."))

# Coverage and the log are drawn only while their tab is open (widgets.section_tabs says why); the
# import form always is, so a file chosen there is kept while the other tabs are looked at.
coverage_tab, upload_tab, log_tab = widgets.section_tabs(list(TABS.values()), "data_tab")

with upload_tab:
    import_form.last_result()
    allowed = auth.can_import()
    if not allowed:
        st.warning(_("**Your role cannot import data.** Coverage and the import log are open to read; ask an admin "
                     "to import the file."), icon=":material/lock:")
    st.subheader(_("1. Choose the table and the file"))
    table, upload = import_form.file_choice(allowed)
    data = upload.getvalue() if upload is not None else b""
    st.subheader(_("2. Say how to read it"))
    opts, bad_format = import_form.reading_options(the_plan, data)
    if bad_format:
        st.error(bad_format, icon=":material/event_busy:")
    elif upload is None or table is None:
        st.info(_("Choose the target table and upload a file: its preview, with every problem, appears here before "
                  "anything is written."), icon=":material/upload_file:")
    else:
        import_form.preview_and_import(the_plan, data, upload.name, table, opts, allowed)

with coverage_tab:
    if coverage_tab.open:
        st.markdown(_("A KPI says **no data** when a table it reads has no rows in the period. Below: rows per "
                      "table and month (red: none that month), then what each table holds, what reads it and from "
                      "when to when."))
        last = sidebar.plan_today(the_plan)
        charts.chart(st, coverage.coverage_heatmap(coverage.load_monthly_rows(last), last), key="data_heatmap")
        st.caption(_("Local months in {zone}. Catalogue tables (services, staff, certifications, routine "
                     "tasks) are not in the grid: they need no new rows every month.").format(
                     zone=data_import.zone_label(the_plan.timezone)))
        covered = coverage.load_coverage()
        st.dataframe(covered, hide_index=True, column_config=coverage.coverage_config(), key="data_coverage",
                     height=36 * (len(covered) + 1) + 4)

with log_tab:
    if log_tab.open:
        import_form.import_log()
