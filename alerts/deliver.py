"""Where alert notices go: incoming webhooks (Slack, Teams: a JSON body with `text`) and e-mail
(SMTP), as configured in the secrets file's [alerts] table:

    [alerts]
    webhooks = ["https://hooks.slack.com/services/..."]
    base_url = "https://opsplan.example.com"   # optional: links in notices become whole URLs
    [alerts.smtp]
    host = "smtp.example.com"
    port = 587
    sender = "opsplan@example.com"
    recipients = ["ops@example.com"]
    starttls = true                            # optional, default false
    username = "opsplan"                       # optional: log in when given
    password = "..."
"""
from __future__ import annotations

import json
import smtplib
import tomllib
import urllib.error
import urllib.parse
import urllib.request
from dataclasses import dataclass
from email.message import EmailMessage
from pathlib import Path
from typing import Any

DEFAULT_SECRETS = Path(__file__).resolve().parent.parent / ".streamlit" / "secrets.toml"
TIMEOUT_S = 20.0  # a receiver that hangs must not hold the cron job for ever


class ConfigError(ValueError):
    """The secrets file's [alerts] table cannot be used; the message names the file and key."""


@dataclass(frozen=True)
class Smtp:
    host: str
    port: int
    sender: str
    recipients: tuple[str, ...]
    starttls: bool = False
    username: str = ""
    password: str = ""


@dataclass(frozen=True)
class Channels:
    webhooks: tuple[str, ...] = ()
    smtp: Smtp | None = None
    base_url: str = ""

    @property
    def any(self) -> bool:
        return bool(self.webhooks or self.smtp)


def _key(table: dict, key: str, kind: type | tuple[type, ...], where: str, default: Any = None) -> Any:
    if key not in table:
        if default is None:
            raise ConfigError(f"{where}: missing key '{key}'")
        return default
    value = table[key]
    if not isinstance(value, kind) or isinstance(value, bool) and kind is int:
        raise ConfigError(f"{where}: key '{key}' = {value!r} is not {getattr(kind, '__name__', kind)}")
    return value


def _strings(table: dict, key: str, where: str, prefix: str = "") -> tuple[str, ...]:
    values = _key(table, key, list, where, [])
    bad = [v for v in values if not isinstance(v, str) or not v.startswith(prefix)]
    if bad:
        raise ConfigError(f"{where}: key '{key}' holds {bad[0]!r}, not a text" + (f" starting {prefix}" if prefix else ""))
    return tuple(values)


def load_channels(path: Path = DEFAULT_SECRETS) -> Channels:
    """The [alerts] table of the secrets file; no file or no table: no channel."""
    try:
        with open(path, "rb") as fh:
            table = tomllib.load(fh).get("alerts", {})
    except FileNotFoundError:
        return Channels()
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{path}: not valid TOML: {exc}") from None
    where = f"{path} [alerts]"
    smtp = None
    if "smtp" in table:
        s, at = _key(table, "smtp", dict, where), f"{path} [alerts.smtp]"
        smtp = Smtp(_key(s, "host", str, at), _key(s, "port", int, at), _key(s, "sender", str, at),
                    _strings(s, "recipients", at) or _fail(at, "recipients"), _key(s, "starttls", bool, at, False),
                    _key(s, "username", str, at, ""), _key(s, "password", str, at, ""))
    return Channels(_strings(table, "webhooks", where, "http"), smtp, _key(table, "base_url", str, where, ""))


def _fail(where: str, key: str) -> tuple[str, ...]:
    raise ConfigError(f"{where}: key '{key}' must name at least one address")


def post_webhook(url: str, text: str) -> None:
    """POST {"text": text} as JSON; an error names the URL's host, never the secret path."""
    request = urllib.request.Request(url, data=json.dumps({"text": text}).encode(), method="POST",
                                     headers={"Content-Type": "application/json"})
    host = urllib.parse.urlparse(url).netloc
    try:
        with urllib.request.urlopen(request, timeout=TIMEOUT_S) as response:
            response.read()
    except urllib.error.HTTPError as exc:
        raise OSError(f"webhook {host} answered {exc.code} {exc.reason}") from None
    except (urllib.error.URLError, OSError) as exc:
        raise OSError(f"webhook {host} unreachable: {getattr(exc, 'reason', exc)}") from None


def send_mail(smtp: Smtp, subject: str, text: str) -> None:
    """One plain-text e-mail to every recipient."""
    message = EmailMessage()
    message["Subject"], message["From"], message["To"] = subject, smtp.sender, ", ".join(smtp.recipients)
    message.set_content(text)
    try:
        with smtplib.SMTP(smtp.host, smtp.port, timeout=TIMEOUT_S) as server:
            if smtp.starttls:
                server.starttls()
            if smtp.username:
                server.login(smtp.username, smtp.password)
            server.send_message(message)
    except (smtplib.SMTPException, OSError) as exc:
        raise OSError(f"e-mail through {smtp.host}:{smtp.port} failed: {exc}") from None


def send(channels: Channels, subject: str, text: str) -> list[str]:
    """The notice to every channel; the failures in words (empty: all got it)."""
    failures = []
    for url in channels.webhooks:
        try:
            post_webhook(url, f"*{subject}*\n{text}")
        except OSError as exc:
            failures.append(str(exc))
    if channels.smtp is not None:
        try:
            send_mail(channels.smtp, subject, text)
        except OSError as exc:
            failures.append(str(exc))
    return failures
