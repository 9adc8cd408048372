"""The alert log (table alert_log): what each alert check found, what was sent, who acknowledged.

Every write is one transaction on its own cursor (data.warehouse.transaction), as the importer's:
`record_run` applies a whole check run, `mark_sent` the notices a delivery got through, and
`acknowledge` (audited) the Overview's button. Reads: `open_alerts` and `pending`.
Alerts come in as plain dicts (rule, subject, since, value, threshold, message, link): the data
layer knows no analytics or models type.
"""
from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from datetime import datetime

import duckdb
import pandas as pd

from data import audit
from data.access import ACKNOWLEDGE_ALERT, Actor, require
from data.warehouse import query, sql_text, transaction

OPEN_COLUMNS = ["rule", "subject", "first_seen_at", "last_seen_at", "since", "value", "threshold", "message", "link",
                "delivered_at", "acknowledged_by", "acknowledged_at"]
PENDING_COLUMNS = ["notice", "rule", "subject", "first_seen_at", "since", "value", "threshold", "message", "link"]


def _read(con: duckdb.DuckDBPyConnection, name: str, columns: list[str]) -> pd.DataFrame:
    """A named read of the log; a warehouse opened read-only before the log existed has none yet,
    which is no alert rather than an error."""
    try:
        return query(con, name)
    except duckdb.CatalogException:
        return pd.DataFrame(columns=columns)


def open_alerts(con: duckdb.DuckDBPyConnection) -> pd.DataFrame:
    """The active episodes, oldest first (OPEN_COLUMNS)."""
    return _read(con, "alert_log_open", OPEN_COLUMNS)


def pending(con: duckdb.DuckDBPyConnection) -> pd.DataFrame:
    """The notices not sent yet (PENDING_COLUMNS): 'new' for an active episode never announced,
    'cleared' for an announced one that has since cleared."""
    return _read(con, "alert_log_pending", PENDING_COLUMNS)


def record_run(con: duckdb.DuckDBPyConnection, found: Sequence[Mapping], cleared: Iterable[tuple[str, str]],
               seen_at: datetime) -> None:
    """One check run in one transaction: each found alert opens an episode or refreshes its active
    one; each (rule, subject) in `cleared` closes its active episode."""
    with transaction(con) as cur:
        rows = cur.execute(sql_text("alert_log_open")).df()
        active = set(zip(rows["rule"], rows["subject"]))
        for alert in found:
            name = "alert_log_seen" if (alert["rule"], alert["subject"]) in active else "alert_log_insert"
            cur.execute(sql_text(name), {**_row(alert), "seen_at": seen_at})
        for rule, subject in cleared:
            cur.execute(sql_text("alert_log_clear"), {"rule": rule, "subject": subject, "seen_at": seen_at})


def _row(alert: Mapping) -> dict:
    return {k: alert[k] for k in ("rule", "subject", "since", "value", "threshold", "message", "link")}


def mark_sent(con: duckdb.DuckDBPyConnection, sent: pd.DataFrame, sent_at: datetime) -> None:
    """Record the notices of `sent` (rows of `pending`) as delivered, in one transaction."""
    with transaction(con) as cur:
        for r in sent.itertuples():
            cur.execute(sql_text("alert_log_delivered"), {"notice": r.notice, "rule": r.rule, "subject": r.subject,
                                                          "first_seen_at": r.first_seen_at, "sent_at": sent_at})


def acknowledge(con: duckdb.DuckDBPyConnection, rule: str, subject: str, actor: Actor, at: datetime) -> bool:
    """Acknowledge the active episode of (rule, subject) as `actor` (a planner or admin), audited;
    False when there is none to acknowledge (cleared meanwhile, or acknowledged already)."""
    require(actor, ACKNOWLEDGE_ALERT)
    with transaction(con) as cur:
        done = cur.execute(sql_text("alert_log_acknowledge"),
                           {"rule": rule, "subject": subject, "acknowledged_by": actor.label(),
                            "acknowledged_at": at}).fetchall()
        if done:
            audit.record(cur, actor, ACKNOWLEDGE_ALERT, f"{rule}: {subject}", None,
                         {"acknowledged_by": actor.label(), "acknowledged_at": at}, at)
    return bool(done)
