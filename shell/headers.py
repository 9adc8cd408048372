"""Security headers on every HTTP response the app serves (ASGI middleware for st.App).

`streamlit run app.py` finds the st.App that app.py defines when it is imported (not when it runs
as the page script) and serves it with this middleware in front of Streamlit's own:

- `Content-Security-Policy: frame-ancestors 'self'` and `X-Frame-Options: SAMEORIGIN`: no other
  site can frame the app (clickjacking); Streamlit's own component iframes are same-origin;
- `X-Content-Type-Options: nosniff`: a kept upload or a download is never run as another type;
- `Referrer-Policy: no-referrer`: a link out of the app does not carry the app's address or query.
"""
from __future__ import annotations

from typing import Any, Awaitable, Callable

HEADERS: tuple[tuple[bytes, bytes], ...] = (
    (b"content-security-policy", b"frame-ancestors 'self'"),
    (b"x-frame-options", b"SAMEORIGIN"),
    (b"x-content-type-options", b"nosniff"),
    (b"referrer-policy", b"no-referrer"),
)

Scope = dict[str, Any]
Message = dict[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]


class SecurityHeaders:
    """Adds HEADERS to each HTTP response (replacing a same-named header); websockets pass through."""

    def __init__(self, app: Callable[[Scope, Receive, Send], Awaitable[None]]) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                names = {name for name, _ in HEADERS}
                kept = [(k, v) for k, v in message.get("headers", []) if k.lower() not in names]
                message = {**message, "headers": kept + list(HEADERS)}
            await send(message)

        await self.app(scope, receive, send_with_headers)
