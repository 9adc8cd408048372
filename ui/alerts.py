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

from data import access, alert_log
from ui import auth
from ui.cache import connection, plan
from ui.formatting import local_clock

RULE_WORDS = {"kpi_off_track": "KPI off track", "budget_over": "budget heading over",
              "capacity_crossing": "capacity line near", "data_stale": "data stale",
              "sla_below_floor": "SLA below its floor"}
CHECK_COMMAND = "python -m alerts.check --db PATH --deliver"
ACK_SELECT, ACK_BUTTON = "alerts_ack_choice", "alerts_ack_button"


def alert_rows(logged: pd.DataFrame, tz: str) -> pd.DataFrame:
    """The log's active alerts as shown: what, since, acknowledged (who, when), link; times in the plan's zone."""
    return pd.DataFrame({
        "alert": [RULE_WORDS.get(r, r) for r in logged["rule"]],
        "what": logged["message"],
        "since": logged["since"],
        "acknowledged": [f"{who}, {local_clock(at, tz)}" if isinstance(who, str) and who else ""
                         for who, at in zip(logged["acknowledged_by"], logged["acknowledged_at"])],
        "page": logged["link"]})


def alerts_panel() -> None:
    """The panel: the active alerts of the last check, and the acknowledge control when allowed."""
    logged = alert_log.open_alerts(connection())
    tz = plan().timezone
    with st.expander(f"Active alerts: {len(logged)}", expanded=False, icon=":material/notifications:"):
        if not len(logged):
            st.caption(f"No active alert as of the last check. The check runs from cron: `{CHECK_COMMAND}` "
                       "(README, Alerts).")
            return
        st.caption(f"As the last check found them, {local_clock(logged['last_seen_at'].max(), tz)} ({tz}); the "
                   f"times below are in that zone too. `{CHECK_COMMAND}` refreshes them.")
        st.dataframe(alert_rows(logged, tz), hide_index=True, key="alerts_table",
                     column_config={"page": st.column_config.LinkColumn("page", display_text="open")})
        _acknowledge_control(logged)


def _acknowledge_control(logged: pd.DataFrame) -> None:
    if not auth.can(access.ACKNOWLEDGE_ALERT):
        return
    waiting = logged[logged["acknowledged_at"].isna()]
    if not len(waiting):
        st.caption("Every active alert is acknowledged.")
        return
    labels = {f"{RULE_WORDS.get(r.rule, r.rule)}: {r.subject}": (r.rule, r.subject) for r in waiting.itertuples()}
    left, right = st.columns([4, 1], vertical_alignment="bottom")
    choice = left.selectbox("Acknowledge an alert", list(labels), key=ACK_SELECT)
    if right.button("Acknowledge", key=ACK_BUTTON):
        _acknowledge(*labels[choice])


def _acknowledge(rule: str, subject: str) -> None:
    try:
        done = alert_log.acknowledge(connection(), rule, subject, auth.current_actor(), datetime.now(UTC))
    except access.PermissionDenied as exc:
        st.error(str(exc))
        return
    if done:
        st.rerun()
    st.warning("That alert was cleared or acknowledged meanwhile.")
