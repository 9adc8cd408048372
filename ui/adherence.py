"""The Plan adherence page's loaders, panels and charts: is the plan's schedule being kept? One
row per promise of the plan, and per area the backup gaps against the RPO, the drills against
RTO, RPO and MTD, the maintenance windows on a calendar and the changes per week.
"""
from __future__ import annotations

import inspect
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

import pandas as pd
import plotly.graph_objects as go
import streamlit as st
from plotly.subplots import make_subplots
from streamlit.errors import StreamlitPageNotFoundError

from analytics import adherence
from core import i18n
from core.i18n import _, N_
from core.period import Period
from core.plan import Plan

from ui.cache import LOADER, connection_for, data_through, db, plan
from ui.downloads import download_csv
from ui.figures import LABEL_BACKGROUND, Line, add_lines, figure, hline, subplot_axes
from ui.formatting import md_escape
from ui.palette import KEPT_COLOUR, OVER_COLOUR, PROMISE_TINTS, RULE_COLOURS, WITHIN_COLOUR
from ui.state import Filters


PAGE = Path(__file__).resolve().parents[1] / "pages" / "adherence.py"  # st.page_link's target
# The definitions behind each area's promises and panels, shown one click away.
DEFINITIONS = {"Backups": (adherence.backups_expected, adherence.backup_counts, adherence.restore_tests,
                           adherence.backup_gaps, adherence.longest_gap),
               "Disaster recovery": (adherence.dr_drills,),
               "Maintenance": (adherence.maintenance, adherence.plan_window),
               "Change control": (adherence.change_outcomes, adherence.change_summary),
               "Security": (adherence.security_schedule,),
               "Vendors": (adherence.vendor_availability,),
               "filter": (adherence.for_services,)}
# The areas and statuses of the promises as a reader sees them; the frames and the CLI keep the English.
AREA_LABELS = {"Backups": N_("Backups"), "Disaster recovery": N_("Disaster recovery"),
               "Maintenance": N_("Maintenance"), "Change control": N_("Change control"), "Security": N_("Security"),
               "Vendors": N_("Vendors")}
STATUS_LABELS = {"missed": N_("missed"), "kept": N_("kept"), "no data": N_("no data")}
# The maintenance window kinds as the plan names them (security_patch stays the plan's own name in English).
WINDOW_KINDS = {"daily": N_("daily"), "weekly": N_("weekly"), "monthly": N_("monthly"),
                "security_patch": N_("security_patch")}
# {areas}: the whole-system areas, named when shown (scope_note)
SCOPE_NOTE = N_("The service filter selects the changes (and the incidents that follow them) and the maintenance "
                "windows (the chosen services' and the whole-system ones). {areas} are whole-system, whatever the "
                "filters. The severity and channel filters do not apply here. Times are local, in the plan's time "
                "zone.")
# The columns of the security and vendor tables, in the order a reader wants them.
SECURITY_COLUMNS = ["activity", "every_days", "done", "last_done", "longest_gap_days", "kept", "overdue_since"]
VENDOR_COLUMNS = ["label", "sla_pct", "availability_pct", "outage_minutes", "met"]


# The loader's spinner, shown at the call site in the reader's language (a decorator's text is fixed at import).
VIEW_SPINNER = N_("Checking the plan's schedule ...")


def area_label(area: str) -> str:
    """A promise's area in the reader's language (an area the analytics add later shows as named)."""
    return _(AREA_LABELS.get(area, area))


def kind_label(kind: str) -> str:
    """A maintenance window's kind in the reader's language (a kind the plan adds later shows as named)."""
    return _(WINDOW_KINDS.get(kind, kind))


def scope_note() -> str:
    """What the filters cover on the page, in the reader's language."""
    return _(SCOPE_NOTE).format(areas=", ".join(area_label(a) for a in adherence.WHOLE_SYSTEM_AREAS))


# lang: the analytics' words inside the frames may be in the reader's language, so each language caches its own
@st.cache_data(**LOADER, show_spinner=False)
def _adherence_view(db_file: str, the_plan: Plan, period: Period, services: tuple[str, ...],
                    through: date | None, lang: str) -> AdherenceView:
    frames = adherence.for_services(adherence.load(connection_for(db_file), the_plan, period), services)
    r = adherence.evaluate(frames, the_plan, period, adherence.data_until(through, the_plan.timezone))
    out, gaps, windows = r.as_json(), adherence.gaps_frame(r), adherence.windows_frame(r)
    return AdherenceView(
        pd.DataFrame(out["promises"], columns=["status", "area", "promise", "plan", "happened", "since"]),
        out["promises_kept"], out["promises_judged"], sum(p["status"] == "missed" for p in out["promises"]),
        r.changes, adherence.gaps_by_day(r),
        gaps[gaps["over_rpo"]].drop(columns="over_rpo"), pd.DataFrame(r.dr_tests),
        adherence.windows_calendar(r), windows[~windows["inside"].astype(bool)].drop(columns="inside"),
        adherence.changes_by_week(r), pd.DataFrame(r.security, columns=SECURITY_COLUMNS),
        pd.DataFrame(r.vendors, columns=VENDOR_COLUMNS),
        r.plan.rto_minutes, r.plan.rpo_minutes, r.plan.mtd_minutes)


def load_adherence_view(period: Period, f: Filters) -> AdherenceView | None:
    """Every plan promise of `period` under the service filter, as the CLI judges it (its end
    clipped to where the data stops); None when the plan has no adherence sections."""
    the_plan = plan()
    if the_plan.adherence is None:
        return None
    with st.spinner(_(VIEW_SPINNER)):
        return _adherence_view(db(), the_plan, period, f.services, data_through(), i18n.language())


@st.cache_data(**LOADER, show_spinner=False)
def _promises_kept(db_file: str, the_plan: Plan, period: Period, through: date | None) -> tuple[int, int]:
    view = _adherence_view(db_file, the_plan, period, (), through, i18n.DEFAULT)  # counts only: no words kept
    return view.kept, view.judged


def load_promises_kept(period: Period) -> tuple[int, int] | None:
    """(kept, judged) promises of the whole system over `period`: the CLI's promises_kept and
    promises_judged; None when the plan has no adherence sections."""
    the_plan = plan()
    if the_plan.adherence is None:
        return None
    return _promises_kept(db(), the_plan, period, data_through())


@dataclass(frozen=True)
class AdherenceView:
    """What the page draws for one period and service filter."""

    promises: pd.DataFrame   # Result.promises(): status, area, promise, plan, happened, since; missed first
    kept: int                # the CLI's promises_kept
    judged: int              # the CLI's promises_judged (kept or missed; no data is not judged)
    missed: int
    changes: dict[str, Any]  # change_summary
    gaps_by_day: pd.DataFrame   # adherence.gaps_by_day
    gaps_over_rpo: pd.DataFrame  # adherence.gaps_frame, the gaps longer than the RPO
    drills: pd.DataFrame     # adherence.dr_drills
    calendar: pd.DataFrame   # adherence.windows_calendar
    outside: pd.DataFrame    # adherence.windows_frame, the windows not inside the plan's
    weeks: pd.DataFrame      # adherence.changes_by_week
    security: pd.DataFrame   # adherence.security_schedule
    vendors: pd.DataFrame    # adherence.vendor_availability
    rto: float
    rpo: float
    mtd: float


def promise_rows(view: AdherenceView) -> pd.DataFrame:
    """The promises as shown: 'since' as the local day instead of an ISO instant (the CSV keeps it)."""
    since = ["" if pd.isna(s) else s[:10] for s in view.promises["since"]]
    return view.promises.assign(since=since)


def _window_words(cell: Any) -> str:
    """A calendar cell's hover: its windows, how many were outside, and the longest overrun."""
    if pd.isna(cell.overrun_minutes):
        return _("{n} window(s); the plan has no {kind} window that day").format(n=cell.windows,
                                                                                  kind=kind_label(cell.kind))
    if cell.overrun_minutes > 0:
        return _("{n} window(s), {outside} outside, up to {minutes} min past the plan's window").format(
            n=cell.windows, outside=cell.outside, minutes=i18n.number(cell.overrun_minutes))
    return _("{n} window(s), {outside} outside").format(n=cell.windows, outside=cell.outside)


def _rule(level: float, label: str, kind: str, axes: tuple[str, str] = ("x", "y")) -> Line:
    """One of the plan's objectives across a chart, labelled."""
    colour = RULE_COLOURS[kind]
    return hline(level, {"color": colour, "dash": "dash", "width": 1.5}, label, font={"color": colour},
                 bgcolor=LABEL_BACKGROUND, axes=axes)


def missing_plan_sections() -> None:
    st.error(_("**The plan file has no adherence sections** (backups, disaster_recovery, maintenance, "
               "change_control, security, vendors): add them to plan.toml to judge the plan's schedule."))


def summary_link(period: Period) -> None:
    """The Overview's line: how many plan promises were kept this period, linking to the page."""
    counts = load_promises_kept(period)
    if counts is None:
        return
    label = _("{kept} of {judged} plan promises kept this period").format(kept=counts[0], judged=counts[1])
    try:
        st.page_link(str(PAGE), label=label, icon=":material/fact_check:",
                     help=_("Plan adherence: backups, disaster recovery, maintenance windows, change control, "
                            "security and vendors."))
    except StreamlitPageNotFoundError:  # the Overview run alone, without the navigation: no page to link to
        st.markdown(_(":material/fact_check: {label} (Plan adherence)").format(label=label))


def promises_table(view: AdherenceView, period: Period) -> pd.DataFrame:
    """One row per promise, its status coloured; a row clicked shows its definition. Returns the
    rows chosen (none or one)."""
    rows = promise_rows(view)
    # the reader's words in the cells; the tint follows the status as the analytics name it
    shown = rows.assign(status=[_(STATUS_LABELS.get(s, s)) for s in rows["status"]],
                        area=[area_label(a) for a in rows["area"]])
    tints = [f"background-color: {PROMISE_TINTS[s]}" for s in rows["status"]]
    styled = shown.style.apply(lambda _column: tints, subset=["status"])
    event = st.dataframe(styled, hide_index=True, key="adherence_promises", on_select="rerun",
                         selection_mode="single-row", height=35 * (len(rows) + 1) + 3, column_config={
                             # widths that fit the main pane beside the sidebar on a 1280 px screen
                             "status": st.column_config.TextColumn(_("status"), width=62),
                             "area": st.column_config.TextColumn(_("area"), width=110),
                             "promise": st.column_config.TextColumn(_("promise"), width=200),
                             "plan": st.column_config.TextColumn(_("the plan says"), width=170),
                             "happened": st.column_config.TextColumn(_("what happened"), width=160),
                             "since": st.column_config.TextColumn(_("missed since"), width=88)})
    download_csv(view.promises, f"opsplan-plan-adherence-{period.start}-{period.end}.csv")
    return rows.iloc[list(event.selection.rows)]


def row_definition(chosen: pd.DataFrame) -> None:
    """The definition behind the promise chosen in the table, or how to see it."""
    if chosen.empty:
        st.caption(_("Click a row to read how its promise is judged."))
        return
    row = chosen.iloc[0]
    with st.container(border=True):
        st.markdown(_("**{area}: {promise}** is judged this way:").format(
            area=md_escape(area_label(row["area"])), promise=md_escape(row["promise"])))
        for obj in DEFINITIONS[row["area"]]:
            st.markdown(f"`{obj.__name__}`: {md_escape(inspect.getdoc(obj) or '')}")


def gaps_chart(days: pd.DataFrame, rpo: float) -> go.Figure:
    """Per local day, the longest gap between good backups that opened that day, red past the RPO."""
    over = days["over_rpo"] > 0
    traces = [go.Bar(x=rows["day"], y=rows["longest_minutes"], name=name, marker_color=colour,
                     hovertemplate=_("%{x|%d %b %Y}: longest gap %{y:,.0f} min") + "<extra></extra>")
              for rows, name, colour in ((days[~over], _("within the RPO"), WITHIN_COLOUR),
                                         (days[over], _("longer than the RPO"), OVER_COLOUR)) if len(rows)]
    top = max([rpo, *days["longest_minutes"]]) * 1.15
    return figure(traces, _("Longest gap between good backups, per day it opened"), 320,
                  lines=[_rule(rpo, _rule_text("RPO", rpo), "rpo")], showlegend=True,
                  xaxis={"title": {"text": _("day (local)")}},
                  yaxis={"title": {"text": _("minutes")}, "range": [0, top]})


def _rule_text(objective: str, minutes: float) -> str:
    """An objective's line label: 'RPO 60 min', 'MTD 1,440 min'."""
    decimals = 0 if float(minutes).is_integer() else 1
    return _("{objective} {minutes} min").format(objective=objective, minutes=i18n.number(minutes, decimals))


def drills_chart(drills: pd.DataFrame, rto: float, rpo: float, mtd: float) -> go.Figure:
    """Each drill's recovery time against the RTO and MTD (left) and its data lost against the
    RPO (right); a bar past its line is red."""
    fig = make_subplots(rows=1, cols=2, horizontal_spacing=0.08,
                        subplot_titles=(_("Recovery time ({rto}, {mtd})").format(rto=_rule_text("RTO", rto),
                                                                                mtd=_rule_text("MTD", mtd)),
                                        _("Data lost ({rpo})").format(rpo=_rule_text("RPO", rpo))))
    for col, value, met in ((1, "recovery_minutes", "rto_met"), (2, "data_loss_minutes", "rpo_met")):
        fig.add_trace(go.Bar(x=drills["test_id"], y=drills[value].tolist(), showlegend=False,
                             texttemplate="%{y:,.0f}", textposition="outside", textangle=0, textfont={"size": 10},
                             customdata=drills[["tested_on", "scenario"]].to_numpy(),
                             marker_color=[WITHIN_COLOUR if m else OVER_COLOUR for m in drills[met]],
                             hovertemplate=_("%{x} on %{customdata[0]} (%{customdata[1]}): %{y:,.1f} min")
                             + "<extra></extra>"),
                      row=1, col=col)
    fig.update_layout(height=360, margin={"l": 10, "r": 10, "t": 60, "b": 10},
                      title={"text": _("Disaster-recovery drills against the plan's objectives"), "y": 1.0,
                             "yanchor": "top", "yref": "container", "pad": {"t": 12}},
                      yaxis={"title": {"text": _("minutes")}}, yaxis2={"title": {"text": _("minutes")}},
                      xaxis={"title": {"text": _("drill")}}, xaxis2={"title": {"text": _("drill")}})
    left, right = subplot_axes(fig, 1, 1), subplot_axes(fig, 1, 2)
    return add_lines(fig, [_rule(rto, _rule_text("RTO", rto), "rto", left),
                           _rule(mtd, _rule_text("MTD", mtd), "mtd", left),
                           _rule(rpo, _rule_text("RPO", rpo), "rpo", right)])


def calendar_chart(calendar: pd.DataFrame) -> go.Figure:
    """Maintenance windows used, day by kind: green all inside the plan's window, red any not."""
    kinds = list(dict.fromkeys(calendar["kind"]))
    days = pd.date_range(calendar["day"].min(), calendar["day"].max(), freq="D").date if len(calendar) else []
    cells = {(r.day, r.kind): r for r in calendar.itertuples()}
    z = [[None if (d, k) not in cells else int(cells[(d, k)].outside > 0) for d in days] for k in kinds]
    text = [["" if (d, k) not in cells else _window_words(cells[(d, k)]) for d in days] for k in kinds]
    heat = go.Heatmap(z=z, x=list(days), y=[kind_label(k) for k in kinds], text=text, zmin=0, zmax=1, showscale=False,
                      xgap=1, ygap=3,
                      colorscale=[[0, KEPT_COLOUR], [1, OVER_COLOUR]],
                      hovertemplate="%{x|%a %d %b %Y}, %{y}: %{text}<extra></extra>")
    return figure([heat], _("Maintenance windows used, by day and kind (green: inside the plan's window, red: not)"),
                  120 + 40 * len(kinds),
                  xaxis={"title": {"text": _("day (local)")}, "type": "date"},
                  yaxis={"title": {"text": ""}, "type": "category"})


def changes_chart(weeks: pd.DataFrame) -> go.Figure:
    """Changes deployed per local week, the failed ones (rolled back or followed by a
    change-related incident within 24 h) in red over them."""
    # one hover sentence per series: plotly's %{...} braces keep str.format away
    series = (("total", _("changes deployed"), _("week of %{x|%d %b %Y}: %{y} changes deployed"), WITHIN_COLOUR),
              ("failed", _("failed"), _("week of %{x|%d %b %Y}: %{y} failed"), OVER_COLOUR))
    traces = [go.Bar(x=weeks["week"], y=weeks[col].tolist(), name=name, marker_color=colour, width=5 * 86_400_000,
                     hovertemplate=hover + "<extra></extra>")
              for col, name, hover, colour in series]
    return figure(traces, _("Changes deployed per week (weeks start on Monday; the first and last may be partial), "
                            "failed in red"), 320,
                  barmode="overlay", xaxis={"title": {"text": _("week (local)")}},
                  yaxis={"title": {"text": _("changes")}})
