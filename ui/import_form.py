"""The Data page's import form: which table and file, how to read it, and the preview with its
verdict and the Import button; then the log of every import. Panels that read widgets; the reading
and the checks are data.importer's.
"""
from __future__ import annotations

import streamlit as st

from core.i18n import _
from core.plan import Plan
from data.validate import ImportOptions
from data.wording import localized

from ui import data_import
from ui.cache import plan
from ui.coverage import table_uses
from ui.formatting import md_text
from ui.state import DATA_ADD_SERVICES, IMPORT_KEY, ImportState, result_shown


def last_result() -> None:
    """The verdict of the import confirmed on the last run, shown once."""
    state = st.session_state.get(IMPORT_KEY, ImportState())
    done = state.result
    st.session_state[IMPORT_KEY] = result_shown(state)
    if done is not None:
        kind, text = data_import.import_result_text(done)
        getattr(st, kind)(text)
        if not done.ok:
            st.dataframe(data_import.problems_table(done.errors), hide_index=True,
                         column_config=data_import.problem_config())
            data_import.rejected_download(done, "data_rejected_after")


def file_choice(allowed: bool):
    """The target table and the uploaded file (None until both are chosen)."""
    left, right = st.columns(2, gap="medium")
    with left:
        table = st.selectbox(_("Target table"), data_import.data_tables(), index=None,
                             format_func=data_import.table_label,
                             placeholder=_("Which table does the file hold?"), key="data_table",
                             help=_("Only the tables the KPIs read can be imported. The file's headers must be "
                                    "the table's column names (or known aliases)."))
        if table:
            st.caption(_("**{table}** is used for: {uses}").format(table=table, uses=table_uses(table)))
    with right:
        upload = st.file_uploader(_("Export file (CSV, Excel .xlsx or Parquet; at most {mb} MB)").format(
                                      mb=data_import.DATA_UPLOAD_MB),
                                  type=list(data_import.DATA_TYPES), max_upload_size=data_import.DATA_UPLOAD_MB,
                                  key=f"data_upload_{st.session_state.get(IMPORT_KEY, ImportState()).uploader_round}", disabled=not allowed,
                                  help=_("The format is read from the content, not the name. The original file is "
                                         "kept beside the warehouse under a generated name."))
    return table, upload


def reading_options(the_plan: Plan, data: bytes) -> tuple[ImportOptions, str | None]:
    """How to read the file, from the form's widgets, and what is wrong with the date format (None: fine)."""
    source = st.selectbox(_("Source tool"), data_import.source_choices(), format_func=data_import.source_label,
                          key="data_source",
                          help=_("The tool that wrote the export (PagerDuty, Jira, Zendesk, a cloud bill ...): its "
                                 "profile in data/sources/ maps the tool's headers and words onto the table. By "
                                 "default the profile is detected from the headers, and the preview says which."))
    c1, c2, c3 = st.columns(3, gap="medium")
    tz = c1.selectbox(_("Time zone of times without an offset"), data_import.data_zones(the_plan), key="data_tz",
                      format_func=data_import.zone_label,
                      help=_("A cell like 2026-03-10 08:30 is read in this zone and stored as UTC. The plan's zone "
                             "is {zone}. Cells with an offset (+07:00, Z) keep their own.").format(
                          zone=data_import.zone_label(the_plan.timezone)))
    date_format = c2.selectbox(_("Date format"), list(data_import.DATE_FORMATS), key="data_date_format",
                               accept_new_options=True, format_func=data_import.choice_label(data_import.DATE_FORMATS),
                               help=_("How the file writes dates. Day/month and month/day are never guessed. Or "
                                      "type a strptime format, e.g. %Y/%m/%d %H:%M."))
    sheets = data_import.upload_sheets(data)
    sheet = c3.selectbox(_("Sheet"), sheets, key="data_sheet", help=_("The sheet that holds the table; its header row "
                         "is found by the column names.")) if sheets else None
    if not sheets:
        c3.caption(_("Sheet: only asked for an Excel workbook."))
    mode = st.radio(_("Mode"), list(data_import.DATA_MODES), captions=[_(c) for c in data_import.DATA_MODES.values()],
                    format_func=data_import.choice_label(data_import.MODE_WORDS), horizontal=True, key="data_mode")
    with st.expander(_("More reading options (encoding, separators, scales)")):
        m1, m2, m3, m4 = st.columns(4)
        encoding = m1.selectbox(_("Text encoding"), list(data_import.ENCODINGS),
                                format_func=data_import.choice_label(data_import.ENCODINGS), key="data_encoding")
        delimiter = m2.selectbox(_("Delimiter"), list(data_import.DELIMITERS),
                                 format_func=data_import.choice_label(data_import.DELIMITERS), key="data_delimiter")
        decimal = m3.selectbox(_("Decimal separator"), [".", ","], key="data_decimal")
        thousands = m4.selectbox(_("Thousands separator"), list(data_import.THOUSANDS),
                                 format_func=data_import.choice_label(data_import.THOUSANDS), key="data_thousands")
        pct_scale = m1.selectbox(_("Percent values"), list(data_import.PCT_SCALES),
                                 format_func=data_import.choice_label(data_import.PCT_SCALES), key="data_pct")
        score_scale = m2.selectbox(_("Survey scores"), [5, 10], format_func=lambda s: f"1-{s}", key="data_scores",
                                   help=_("1-10 scores are mapped to 1-5 (ceil of half)."))
        buddhist = m3.checkbox(_("Buddhist Era years (2567 -> 2024)"), key="data_buddhist")
        shift = m3.checkbox(_("Local times in a DST gap: shift"), key="data_dst")
        naive = m4.checkbox(_("Accept times without offset"), key="data_naive",
                            help=_("In a file whose other times have offsets."))
        allow_empty = m4.checkbox(_("Allow a header-only file"), key="data_allow_empty",
                                  help=_("Never in replace mode: an empty file does not wipe a table."))
        s1, s2 = st.columns(2)
        covers_from = s1.date_input(_("The file covers from (--covers-from)"), value=None, key="data_covers_from",
                                    help=_("The first local day the export speaks for: a month with no record in it "
                                           "then counts as one without incidents. Empty: inferred (e.g. incidents: "
                                           "the first of the month of the first record)."))
        covers_through = s2.date_input(_("The file covers through (--covers-through)"), value=None,
                                       key="data_covers_through",
                                       help=_("The last local day it speaks for. Empty: inferred (e.g. incidents: "
                                              "the moment of the import)."))
    opts = ImportOptions(tz=tz, date_format=date_format or None, mode=mode, sheet=sheet,
                         encoding=encoding or None, delimiter=delimiter or None, decimal=decimal,
                         thousands=thousands or None, pct_scale=pct_scale or None, score_scale=score_scale,
                         buddhist_era=buddhist, dst="shift" if shift else "reject", confirm_naive=naive,
                         allow_empty=allow_empty, source=source or None,
                         add_services=bool(st.session_state.get(DATA_ADD_SERVICES)),
                         covers_from=covers_from, covers_through=covers_through)
    return opts, data_import.date_format_error(date_format)


def preview_and_import(the_plan: Plan, data: bytes, file_name: str, table: str, opts: ImportOptions,
                       allowed: bool) -> None:
    """The dry run's preview (source profile, assumptions, unknown services, verdict, problems,
    the first rows and the header mapping), then the Import button."""
    source = opts.source
    shown, dry = data_import.preview_file(data, file_name, table, opts)
    if shown.profile and data_import.chosen_assumptions(shown.profile):  # the user changed an assumption below
        opts = ImportOptions(**{**opts.__dict__, "assume": data_import.chosen_assumptions(shown.profile)})
        shown, dry = data_import.preview_file(data, file_name, table, opts)
    st.subheader(_("3. Check the preview, then import"))
    if shown.profile:
        docs = ", ".join(f"[{t}]({u})" for u, t in data_import.profile_docs(shown.profile)[:2])
        said = (_("**Source profile: {profile}** (chosen above). Its column names come from {docs}.") if source else
                _("**Source profile: {profile}** (detected from the file's headers). Its column names come from {docs}."))
        st.info(said.format(profile=data_import.source_label(shown.profile), docs=docs), icon=":material/extension:")
    if shown.assumptions:
        st.markdown(_("**Assumptions** (the export has no column for these; every row gets the value chosen "
                      "here)"))
        for col, (column, value, options, why) in zip(st.columns(max(len(shown.assumptions), 2)),
                                                      shown.assumptions):
            choices = list(options) or [value]
            col.selectbox(_("{column} (assumed)").format(column=column), choices,
                          index=choices.index(value) if value in choices else 0,
                          key=data_import.assume_key(shown.profile, column), help=localized(why) or None)
    if shown.unknown_services or st.session_state.get(DATA_ADD_SERVICES):
        names = ", ".join(f"**{md_text(s)}**" for s in shown.unknown_services)
        if shown.unknown_services and opts.add_services:
            st.info(_("**{n} service(s) will be added with this import:** {names} (name = id, customer-facing, "
                      "1 instance; correct them later by importing services).").format(
                        n=len(shown.unknown_services), names=names), icon=":material/dns:")
        elif shown.unknown_services:
            st.warning(_("**{n} service(s) named in the file are not in the warehouse:** {names}. Add them with this "
                         "import (name = id, customer-facing, 1 instance; correct them later by importing services), "
                         "or import the services first.").format(n=len(shown.unknown_services), names=names),
                       icon=":material/dns:")
        st.checkbox(_("Add these services to the warehouse with this import"), key=DATA_ADD_SERVICES,
                    disabled=not allowed, help=_("Only a role that may import (an admin) can add services."))
    kind, text = data_import.import_verdict(dry)
    getattr(st, kind)(text)
    tiles = data_import.preview_counts(dry)
    for col, (label, value, why) in zip(st.columns(len(tiles)), tiles):
        col.metric(label, value, help=why, border=True)
    counts = data_import.problem_counts(dry.issues)
    if dry.issues:
        st.markdown(_("**Problems:** {errors} error(s), {warnings} warning(s), {notes} note(s)").format(
            errors=counts["error"], warnings=counts["warning"], notes=counts["info"]))
        problems = data_import.problems_table(dry.issues)
        st.dataframe(problems, hide_index=True, column_config=data_import.problem_config(), key="data_problems",
                     height=min(36 * (len(problems) + 1) + 4, 400))
        data_import.rejected_download(dry, "data_rejected_preview")
    for note in dry.notes:
        st.caption(md_text(localized(note)))
    if len(shown.rows):
        rows, config = data_import.preview_rows(shown)
        st.markdown(_("**First {n} rows as they would be stored** (times shown in {zone})").format(
            n=len(rows), zone=data_import.zone_label(the_plan.timezone)))
        st.dataframe(rows, hide_index=True, column_config=config, key="data_rows")
        with st.expander(_("Header mapping: which file column feeds which warehouse column"),
                         expanded=bool((shown.mapping["how"] != "exact").any())):
            st.dataframe(data_import.mapping_table(shown), hide_index=True, key="data_mapping")
    st.button(data_import.import_button_label(dry), type="primary", icon=":material/database_upload:", key="data_import",
              disabled=not data_import.import_ready(dry), on_click=data_import.on_import, args=(data, file_name, table, opts),
              help=_("One transaction: all rows or none.") if data_import.import_ready(dry) else
              _("Fix every error first: an import with errors writes nothing.") if dry.outcome != "dry_run" else
              _("Every row is already stored as it is."))


def import_log() -> None:
    """Every import attempt, newest first; a selected row shows the problems it reported."""
    log = data_import.load_import_log()
    if log.empty:
        st.info(_("No imports yet. Every import attempt, imported or rejected, is listed here with its file, "
                  "content hash, table, user and counts."))
    else:
        st.markdown(data_import.import_log_line(log))
        st.caption(_("Every import attempt, newest first, times in the plan's zone ({zone}). Select a row "
                     "to see the problems it reported.").format(
                         zone=data_import.zone_label(plan().timezone)))
        event = st.dataframe(data_import.import_log_display(log), hide_index=True,
                             column_config=data_import.import_log_config(),
                             on_select="rerun", selection_mode="single-row", key="data_log")
        if event.selection.rows:
            picked = log.iloc[event.selection.rows[0]]
            found = data_import.load_import_problems(picked["import_id"])
            st.markdown(_("**{file}** into {table}: {n} problem(s) and notes").format(
                file=md_text(picked["file_name"]), table=picked["table_name"], n=len(found)))
            if len(found):
                st.dataframe(found, hide_index=True, column_config=data_import.log_problem_config(),
                             key="data_log_problems")
