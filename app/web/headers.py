"""The headers every /ui response carries (besides the app's nosniff and no-store).

Referrer-Policy is ``same-origin``, not ``no-referrer``: under no-referrer a browser posts the
hub's own forms with "Origin: null" and no Referer, and the CSRF origin check could not tell
them from a forged post (docs/decisions.md 152). The hub's own URLs carry UUIDs only, and no
other site is ever sent one.
"""

from __future__ import annotations

from typing import Final

from starlette.types import ASGIApp, Message, Receive, Scope, Send

CSP: Final = (
    "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self'; font-src 'self'; "
    "connect-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'"
)
UI_HEADERS: Final = (
    (b"content-security-policy", CSP.encode()),
    (b"x-frame-options", b"DENY"),
    (b"referrer-policy", b"same-origin"),
)
_NAMES: Final = frozenset(name for name, _ in UI_HEADERS)


def is_ui(path: str) -> bool:
    """Whether a path belongs to the web client."""
    return path == "/ui" or path.startswith("/ui/")


class UiHeadersMiddleware:
    """Content-Security-Policy, X-Frame-Options and Referrer-Policy on every /ui response."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Add the headers to the response start of /ui requests."""
        if scope["type"] != "http" or not is_ui(str(scope.get("path", ""))):
            await self.app(scope, receive, send)
            return

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                given = message.get("headers", [])
                kept = [(k, v) for k, v in given if k.lower() not in _NAMES]
                message["headers"] = [*kept, *UI_HEADERS]
            await send(message)

        await self.app(scope, receive, send_with_headers)
