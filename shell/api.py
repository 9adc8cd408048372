"""HTTP routes served beside the app by its st.App (app.py): health, the scorecard, imports.

- `GET /healthz`: 200 `{"status": "ok", "data_through": ISO 8601 timestamp | null, "warehouse_version": N}`
  (data_through: the last instant of the last local day with business data, in the plan's zone)
  (the published version this process reads: it grows with every write; data/snapshot.py), for
  a load balancer or a monitor; 503 with `"status": "no warehouse"` before there is one. No token.
- `GET /api/v1/scorecard?start=YYYY-MM-DD&end=YYYY-MM-DD`: the JSON list that
  `python -m analytics.scorecard --json` prints for the same period (both optional, as there).
- `POST /api/v1/import/TABLE?filename=NAME&mode=...`: the body is the file; the importer's
  command-line options are query parameters (`mode=upsert`, `source=none`, `dry_run=true`, ...);
  the answer is the importer's verdict as JSON: 200 imported (or a clean dry run), 422 rejected,
  400 a bad request, 413 over the size limit, 503 another write still running.

The two API routes take `Authorization: Bearer <token>` with the token from the secrets
(`[api] token = "..."` in .streamlit/secrets.toml). With sign-in off (no `[auth]` section) a
client on this machine (loopback, also through deploy/'s nginx) needs no token; with sign-in on
every call needs it (401).
Errors are JSON `{"error": "..."}`, never a traceback.
"""
from __future__ import annotations

import argparse
import getpass
import hmac
import ipaddress
import json
import logging
from datetime import date, datetime, time
from pathlib import Path
from zoneinfo import ZoneInfo
from typing import Any

import streamlit as st
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from analytics.scorecard import CommandError, open_command, scorecard
from core.plan import load_plan
from data import importer, snapshot, warehouse
from data.access import Actor

log = logging.getLogger("opsplan.api")
_THROUGH: dict[Path, tuple[int, date | None]] = {}  # per warehouse, the data-through day of the version read


def _json(value: Any, status: int = 200) -> Response:
    # json.dumps as the command line prints it (a KPI with no value is null; Starlette's own
    # JSONResponse would refuse a NaN where the command line writes one)
    return Response(json.dumps(value), status_code=status, media_type="application/json")


def _error(status: int, message: str, **headers: str) -> Response:
    return Response(json.dumps({"error": message}), status_code=status, media_type="application/json",
                    headers=headers or None)


def sign_in_on() -> bool:
    """The same switch as the pages' sign-in: the secrets have an [auth] section."""
    return bool(st.secrets.load_if_toml_exists() and "auth" in st.secrets)


def api_token() -> str:
    """The API's bearer token from the secrets ([api] token), '' when none is set."""
    if not st.secrets.load_if_toml_exists():
        return ""
    return str(st.secrets.get("api", {}).get("token") or "")


def _loopback(request: Request) -> bool:
    """The caller is on this machine: its address, and every address a proxy in front says it
    forwarded for (nginx appends the real one to X-Forwarded-For), are loopback."""
    forwarded = [a.strip() for a in request.headers.get("x-forwarded-for", "").split(",") if a.strip()]
    try:
        return request.client is not None and all(ipaddress.ip_address(a).is_loopback
                                                  for a in [request.client.host, *forwarded])
    except ValueError:  # an address that is not an IP: not known to be loopback
        return False


def refused(request: Request) -> Response | None:
    """None when the caller may use the API, else the 401 to answer."""
    token, given = api_token(), request.headers.get("authorization", "")
    if token and hmac.compare_digest(given.encode(), f"Bearer {token}".encode()):
        return None
    if not sign_in_on() and _loopback(request):
        return None
    if not token and not sign_in_on():
        why = "with sign-in off the API answers this machine only; set [api] token in the secrets to call it from elsewhere"
    else:
        why = "send 'Authorization: Bearer <token>' with the [api] token from the app's secrets"
    return _error(401, why, **{"WWW-Authenticate": "Bearer"})


def _primary() -> Path:
    return warehouse.db_path()


def healthz(request: Request) -> Response:
    primary = _primary()
    snap = snapshot.current(primary) or snapshot.fresh(primary) if primary.exists() else None
    if snap is None:
        return _json({"status": "no warehouse", "data_through": None, "warehouse_version": None}, 503)
    return _json({"status": "ok", "data_through": _through(primary, snap), "warehouse_version": snap.version})


def _through(primary: Path, snap: snapshot.Snapshot) -> str | None:
    """The version's data-through day as an ISO 8601 timestamp, its last second in the plan's time
    zone (e.g. 2026-11-20T23:59:59+07:00), read once per version."""
    seen = _THROUGH.get(primary)
    if seen is None or seen[0] != snap.version:
        con = warehouse.connect(snap.file, read_only=True)
        try:
            seen = _THROUGH[primary] = (snap.version, warehouse.data_through(con))
        finally:
            con.close()
    if seen[1] is None:
        return None
    return datetime.combine(seen[1], time(23, 59, 59), ZoneInfo(load_plan().timezone)).isoformat()


def _day(request: Request, name: str) -> date | None:
    text = request.query_params.get(name)
    if not text:
        return None
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise CommandError(f"{name}={text!r} is not a date (YYYY-MM-DD)") from None


def scorecard_json(request: Request) -> Response:
    if (no := refused(request)) is not None:
        return no
    try:
        args = argparse.Namespace(db=str(_primary()), plan=None, start=_day(request, "start"), end=_day(request, "end"))
        plan, con, _, period = open_command(args)  # the command line's own opening and period rule
    except CommandError as exc:
        return _error(400, str(exc))
    try:
        return _json([r.as_json() for r in scorecard(con, plan, period)])
    finally:
        con.close()


# Options that name server paths or the command itself: the request's own path and body say these.
NOT_OPTIONS = frozenset({"--db", "--table", "--quarantine", "--help"})


def _import_args(table: str, request: Request) -> argparse.Namespace:
    """The importer's command-line arguments for this request: its query parameters as options
    (`dry_run=true` is `--dry-run`), each matched whole (argparse would take a prefix)."""
    parser = importer._parser()
    known = {flag for action in parser._actions for flag in action.option_strings} - NOT_OPTIONS
    argv = ["--db", str(_primary()), "--table", table]
    for key, value in request.query_params.multi_items():
        if key == "filename":
            continue
        flag = "--" + key.replace("_", "-")
        if flag not in known:
            raise ValueError(f"unknown import option {key!r}")
        takes_value = next(a for a in parser._actions if flag in a.option_strings).nargs != 0
        argv += [flag, value] if takes_value else [flag]
    argv.append(Path(request.query_params.get("filename") or f"{table}.csv").name)
    try:
        return parser.parse_args(argv)
    except SystemExit:
        raise ValueError(f"bad import options {str(request.query_params)!r}") from None


def _api_actor() -> Actor:
    """Who an API import is audited as: the token holder, with the command line's rights."""
    try:
        name = getpass.getuser() or "local user"
    except (KeyError, OSError):
        name = "local user"
    return Actor(f"{name} (HTTP API)", "", "admin")


async def import_file(request: Request) -> Response:
    if (no := refused(request)) is not None:
        return no
    table = request.path_params["table"]
    try:
        args = _import_args(table, request)
        opts = importer.options_from_args(args)
    except (ValueError, SystemExit) as exc:  # options_from_args: SystemExit for a bad --column, ValueError for the plan
        return _error(400, str(exc))
    declared = request.headers.get("content-length")
    if declared and declared.isdigit() and int(declared) > opts.max_bytes:
        return _error(413, f"the file is {int(declared):,} bytes, over the {opts.max_bytes:,}-byte limit")
    body = await request.body()
    if len(body) > opts.max_bytes:
        return _error(413, f"the file is {len(body):,} bytes, over the {opts.max_bytes:,}-byte limit")
    return await run_in_threadpool(_import, args, opts, body)


def _import(args: argparse.Namespace, opts: importer.ImportOptions, body: bytes) -> Response:
    """The import through the one writer (it waits for a write running elsewhere, then publishes)."""
    try:
        with snapshot.writer(args.db) as con:
            tables = importer.importable_tables(con)
            if args.table not in tables:
                return _error(400, f"unknown table {args.table!r}; tables: {', '.join(tables)}")
            result = importer.run_import(con, body, args.files[0], args.table, opts, user=args.user or None,
                                         dry_run=args.dry_run, actor=_api_actor())
    except snapshot.Busy as exc:
        return _error(503, f"{exc}; retry", **{"Retry-After": "30"})
    except Exception as exc:  # the warehouse could not be opened: said, not a traceback
        log.exception("HTTP import into %s failed", args.table)
        return _error(500, f"the import could not run: {str(exc).splitlines()[0]}")
    return _json(result.as_json(), 200 if result.ok else 422)


ROUTES = [
    Route("/healthz", healthz, methods=["GET"]),
    Route("/api/v1/scorecard", scorecard_json, methods=["GET"]),
    Route("/api/v1/import/{table}", import_file, methods=["POST"]),
]
