"""`python -m alerts.check --db PATH [--deliver] [--json] [--lang th|en]`: the alerts active now, for cron.

Without --deliver it reads only (the warehouse opened read-only, as the scorecard's command does).
With --deliver it records the run in the alert log (data/alert_log.py) and sends each new or
cleared alert once, as one notice per run, to the channels of the secrets file's [alerts] table
(alerts/deliver.py). A notice that does not get through stays pending and is sent by the next run.
Exit 0 whether or not alerts are active; 1 when a notice could not be sent; 2 when it cannot run.
--lang sets the language of what reaches people (the notices and the messages the alert log keeps
for them); the printed list and --json stay in English, for scripts.
"""
from __future__ import annotations

import argparse
import json
import sys
from contextlib import closing
from datetime import UTC, date, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import duckdb
import pandas as pd

from alerts.deliver import DEFAULT_SECRETS, Channels, ConfigError, load_channels, send
from analytics.scorecard import CommandError, command_parser, open_command
from core import i18n
from core.i18n import _
from core.period import today_in
from core.plan import Plan
from data import alert_log, snapshot
from models.alerts import Alert, Measured, changes, evaluate, measure, with_first_seen
from ui.formatting import fmt


def message(a: Alert) -> str:
    """The alert in one sentence, numbers as the tiles write them."""
    decimals = 0 if a.unit == "days" else None
    return _("{detail}; now {value}, threshold {threshold}").format(
        detail=a.detail, value=fmt(a.value, a.unit, decimals=decimals),
        threshold=fmt(a.threshold, a.unit, decimals=decimals, trim=True))


def as_json(a: Alert) -> dict:
    return {**a.as_json(), "message": message(a)}


def _first_seen(logged: pd.DataFrame, tz: str) -> dict[tuple[str, str], date]:
    zone = ZoneInfo(tz)
    return {(r.rule, r.subject): pd.Timestamp(r.first_seen_at).to_pydatetime().astimezone(zone).date()
            for r in logged.itertuples()}


def active(con: duckdb.DuckDBPyConnection, plan: Plan, period, through: date | None) -> list[Alert]:
    """The alerts active today on `period`, dated from the log's first sighting where it has one."""
    return active_in(con, plan, period, through, [i18n.language()])[0]


def active_in(con: duckdb.DuckDBPyConnection, plan: Plan, period, through: date | None,
              languages: list[str]) -> list[list[Alert]]:
    """`active` with its texts in each of `languages`, from one measuring (the capacity forecasts
    are most of a run's time; the words are cheap)."""
    today = today_in(plan.timezone)
    measured: Measured = measure(con, plan, period, today, through)
    first_seen = _first_seen(alert_log.open_alerts(con), plan.timezone)
    out = []
    for lang in languages:
        with i18n.use(lang):
            out.append(with_first_seen(evaluate(measured, plan, period, today), first_seen))
    return out


def notice_text(notices: pd.DataFrame, base_url: str) -> str:
    """The notices as lines: what is new, then what has cleared, each with its link."""
    lines = []
    for kind, title in (("new", _("New:")), ("cleared", _("Cleared:"))):
        rows = notices[notices["notice"] == kind]
        if len(rows):
            lines.append(title)
            lines += [_("- {message} (since {since}) {link}").format(
                message=r.message, since=_since(r.since), link=f"{base_url.rstrip('/')}{r.link}")
                for r in rows.itertuples()]
    return "\n".join(lines)


def _since(since: object) -> str:
    """The day an alert began as the language writes it (the log keeps it as an ISO date)."""
    day = pd.Timestamp(since)
    return str(since) if pd.isna(day) or i18n.language() == i18n.ENGLISH else i18n.date_text(day.date())


def notice_subject(plan: Plan, notices: pd.DataFrame) -> str:
    new, cleared = int((notices["notice"] == "new").sum()), int((notices["notice"] == "cleared").sum())
    return _("opsplan alerts: {new} new, {cleared} cleared ({plan})").format(new=new, cleared=cleared,
                                                                            plan=_(plan.name))


def deliver(db: str, plan: Plan, found: list[Alert], channels: Channels, now: datetime) -> int:
    """Record the run, then send what is pending; 1 when a channel failed (kept for the next run).
    Writes go through the warehouse's one writer (data/snapshot.py), so this runs while the app
    serves; the lock is not held while the notices are on their way."""
    with snapshot.writer(db) as con:
        logged = alert_log.open_alerts(con)
        cleared = changes(found, zip(logged["rule"], logged["subject"])).cleared
        alert_log.record_run(con, [as_json(a) for a in found], cleared, now)
        notices = alert_log.pending(con)
    if not len(notices):
        print(_("alerts: nothing new to send"), file=sys.stderr)
        return 0
    if not channels.any:
        print(_("alerts: {n} notice(s) pending; no webhook or e-mail in the secrets' [alerts] table, so none "
                "sent").format(n=len(notices)), file=sys.stderr)
        return 0
    failures = send(channels, notice_subject(plan, notices), notice_text(notices, channels.base_url))
    if failures:
        for failure in failures:
            print(_("error: {problem}").format(problem=failure), file=sys.stderr)
        return 1
    with snapshot.writer(db) as con:
        alert_log.mark_sent(con, notices, now)
    print(_("alerts: sent {n} notice(s)").format(n=len(notices)), file=sys.stderr)
    return 0


def _parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = command_parser("python -m alerts.check",
                            "The alerts active now: KPIs off track, budget lines heading over, capacity lines near, "
                            "stale data, SLAs below their floor.")
    parser.add_argument("--json", action="store_true", help="print a JSON list, one object per active alert")
    parser.add_argument("--deliver", action="store_true",
                        help="record the run in the alert log and send new and cleared alerts once")
    parser.add_argument("--secrets", type=Path, default=DEFAULT_SECRETS,
                        help="secrets file with the [alerts] channels (default: .streamlit/secrets.toml)")
    parser.add_argument("--lang", default=i18n.ENGLISH, choices=sorted(i18n.LANGUAGES),
                        help="the language of the notices sent and the messages logged: en (default) or th")
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    args = _parse_args(argv)
    try:
        channels = load_channels(args.secrets) if args.deliver else Channels()
        plan, con, through, period = open_command(args)
    except (CommandError, ConfigError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    with closing(con):
        try:
            # English for the printed list and the JSON; the notices in --lang
            found, told = active_in(con, plan, period, through, [i18n.ENGLISH, args.lang])
        except (duckdb.Error, ValueError) as exc:
            print(f"error: cannot check alerts on {args.db}: {exc}", file=sys.stderr)
            return 2
    if args.json:
        print(json.dumps([as_json(a) for a in found], indent=2))
    else:
        print(f"{plan.name}: {period.label()}: {len(found)} active alert(s)")
        for a in found:
            print(f"{a.rule:18} {a.subject:36} {message(a)}  {a.link}")
    if not args.deliver:
        return 0
    with i18n.use(args.lang):
        return deliver(args.db, plan, told, channels, datetime.now(UTC))


if __name__ == "__main__":
    sys.exit(main())
