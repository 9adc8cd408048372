"""Server-side sign-out: the identity cookie Streamlit keeps is signed, not revocable, so the app
records each sign-out (table signed_out) and refuses a cookie issued before it. Pure policy
(`verdict`) plus two small warehouse calls; no Streamlit here.

An identity is the provider's (issuer, subject). A cookie whose token was issued (`iat`) before the
identity's last sign-out is refused, and so is one older than MAX_AGE: roles come from the provider's
claims at sign-in (data/access.py), so a day-old sign-in signs in again and its groups are read anew.
"""
from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any, Mapping

import duckdb

from data.snapshot import writes_through

MAX_AGE = timedelta(days=1)


def identity(claims: Mapping[str, Any]) -> tuple[str, str]:
    """(issuer, subject) of a signed-in user's claims; the e-mail when a provider sends no subject."""
    return str(claims.get("iss") or ""), str(claims.get("sub") or claims.get("email") or "")


def issued_at(claims: Mapping[str, Any]) -> datetime | None:
    """When the provider issued the token behind the cookie (`iat`), None when absent or unreadable."""
    try:
        return datetime.fromtimestamp(float(claims["iat"]), UTC)
    except (KeyError, TypeError, ValueError, OverflowError):
        return None


def signed_out_at(con: duckdb.DuckDBPyConnection, claims: Mapping[str, Any]) -> datetime | None:
    """The identity's last recorded sign-out, or None."""
    issuer, subject = identity(claims)
    rows = con.execute("select signed_out_at from signed_out where issuer = $i and subject = $s",
                       {"i": issuer, "s": subject}).fetchall()
    return rows[0][0] if rows else None


def verdict(claims: Mapping[str, Any], last_sign_out: datetime | None, now: datetime) -> str | None:
    """Why a signed-in cookie must not be honoured ('signed out', 'expired', 'no issue time'), None if fine."""
    issued = issued_at(claims)
    if issued is None:
        return "no issue time"
    if last_sign_out is not None and issued <= last_sign_out:
        return "signed out"
    if now - issued > MAX_AGE:
        return "expired"
    return None


def record_sign_out(con: duckdb.DuckDBPyConnection, claims: Mapping[str, Any], now: datetime | None = None) -> None:
    """Remember that this identity signed out now: every cookie issued until now is refused from here on."""
    issuer, subject = identity(claims)
    with writes_through(con) as w:
        w.execute("insert or replace into signed_out values ($i, $s, $at)",
                  {"i": issuer, "s": subject, "at": now or datetime.now(UTC)})


def language_of(con: duckdb.DuckDBPyConnection, claims: Mapping[str, Any]) -> str | None:
    """The language this identity last chose ("en", "th"), or None."""
    issuer, subject = identity(claims)
    try:
        rows = con.execute("select language from user_preferences where issuer = $i and subject = $s",
                           {"i": issuer, "s": subject}).fetchall()
    except duckdb.CatalogException:  # a warehouse written before preferences existed: none saved yet
        return None
    return rows[0][0] if rows else None


def save_language(con: duckdb.DuckDBPyConnection, claims: Mapping[str, Any], language: str,
                  now: datetime | None = None) -> None:
    """Remember the identity's language for its next sessions."""
    issuer, subject = identity(claims)
    with writes_through(con) as w:
        w.execute("insert or replace into user_preferences values ($i, $s, $l, $at)",
                  {"i": issuer, "s": subject, "l": language, "at": now or datetime.now(UTC)})
