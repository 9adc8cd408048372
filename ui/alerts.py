"""The Overview's "Active alerts" panel: what the last alert check found (the alert log), and
Acknowledge (who, when) for planners and admins.

The panel reads the log, not the rules: a check fits a forecast per service and resource, far more
than a page should wait for, and the log is what was sent. The log is a few rows and changes with
each acknowledgement, so it is read on every run, not cached.
"""
from __future__ import annotations

from datetime import UTC, datetime

import pandas as pd
import streamlit as st

from core.i18n import _, N_
from data import access, alert_log
from ui import auth
from ui.cache import connection, plan
from ui.formatting import local_clock

RULE_WORDS = {"kpi_off_track": N_("KPI off track"), "budget_over": N_("budget heading over"),
              "capacity_crossing": N_("capacity line near"), "data_stale": N_("data stale"),
              "sla_below_floor": N_("SLA below its floor")}
# The table's headers as a reader sees them (the column names stay: code and tests read them)
ALERT_TITLES = {"alert": N_("alert"), "what": N_("what"), "since": N_("since"), "acknowledged": N_("acknowledged"),
                "page": N_("page")}
CHECK_COMMAND = "python -m alerts.check --db PATH --deliver"
ACK_SELECT, ACK_BUTTON = "alerts_ack_choice", "alerts_ack_button"


def alert_rows(logged: pd.DataFrame, tz: str) -> pd.DataFrame:
    """The log's active alerts as shown: what, since, acknowledged (who, when), link; times in the plan's zone."""
    return pd.DataFrame({
        "alert": [_(RULE_WORDS[r]) if r in RULE_WORDS else r for r in logged["rule"]],
        "what": logged["message"],
        "since": logged["since"],
        "acknowledged": [f"{who}, {local_clock(at, tz)}" if isinstance(who, str) and who else ""
                         for who, at in zip(logged["acknowledged_by"], logged["acknowledged_at"])],
        "page": logged["link"]})


def alerts_panel() -> None:
    """The panel: the active alerts of the last check, and the acknowledge control when allowed."""
    logged = alert_log.open_alerts(connection())
    tz = plan().timezone
    with st.expander(_("Active alerts: {n}").format(n=len(logged)), expanded=False, icon=":material/notifications:"):
        if not len(logged):
            st.caption(_("No active alert as of the last check. The check runs from cron: `{command}` "
                         "(README, Alerts).").format(command=CHECK_COMMAND))
            return
        st.caption(_("As the last check found them, {when} ({tz}); the times below are in that zone too. "
                     "`{command}` refreshes them.").format(when=local_clock(logged["last_seen_at"].max(), tz), tz=tz,
                                                           command=CHECK_COMMAND))
        config = {col: st.column_config.Column(_(title)) for col, title in ALERT_TITLES.items()}
        config["page"] = st.column_config.LinkColumn(config["page"]["label"], display_text=_("open"))
        st.dataframe(alert_rows(logged, tz), hide_index=True, key="alerts_table", column_config=config)
        _acknowledge_control(logged)


def _acknowledge_control(logged: pd.DataFrame) -> None:
    if not auth.can(access.ACKNOWLEDGE_ALERT):
        return
    waiting = logged[logged["acknowledged_at"].isna()]
    if not len(waiting):
        st.caption(_("Every active alert is acknowledged."))
        return
    # the options stay the English words (tests and the saved choice name them); shown translated
    labels = {f"{RULE_WORDS.get(r.rule, r.rule)}: {r.subject}": (r.rule, r.subject) for r in waiting.itertuples()}
    left, right = st.columns([4, 1], vertical_alignment="bottom")
    choice = left.selectbox(_("Acknowledge an alert"), list(labels), key=ACK_SELECT,
                            format_func=lambda option: _("{alert}: {subject}").format(
                                alert=_(RULE_WORDS.get(labels[option][0], labels[option][0])), subject=labels[option][1]))
    if right.button(_("Acknowledge"), key=ACK_BUTTON):
        _acknowledge(*labels[choice])


def _acknowledge(rule: str, subject: str) -> None:
    try:
        done = alert_log.acknowledge(connection(), rule, subject, auth.current_actor(), datetime.now(UTC))
    except access.PermissionDenied as exc:
        st.error(str(exc))
        return
    if done:
        st.rerun()
    st.warning(_("That alert was cleared or acknowledged meanwhile."))
