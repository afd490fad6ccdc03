"""Pure ASGI middleware (no BaseHTTPMiddleware overhead): request ids, a body-size limit, text
the database can store in the query string, and the headers every response carries.
"""

from __future__ import annotations

import json
import re
import uuid
from collections.abc import Sequence
from typing import Any
from urllib.parse import parse_qsl

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from app.api.schemas.common import UNSTORABLE, text_problem
from app.errors import AppError, PayloadTooLarge, ValidationFailed

_SAFE_ID = re.compile(r"^[A-Za-z0-9._-]{1,64}$")


class RequestIdMiddleware:
    """Give each request an id (a caller's safe one is kept) and echo it in the response."""

    def __init__(self, app: ASGIApp, header: str = "X-Request-ID") -> None:
        self.app = app
        self.header = header.lower().encode()

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Attach the id to the scope state and the response headers."""
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        given = dict(scope["headers"]).get(self.header, b"").decode("latin-1")
        request_id = given if _SAFE_ID.match(given) else uuid.uuid4().hex
        scope.setdefault("state", {})["request_id"] = request_id

        async def send_with_id(message: Message) -> None:
            if message["type"] == "http.response.start":
                message.setdefault("headers", [])
                message["headers"] = [*message["headers"], (self.header, request_id.encode())]
            await send(message)

        await self.app(scope, receive, send_with_id)


class BodyLimitMiddleware:
    """Refuse bodies over the limit before they are read into memory."""

    def __init__(self, app: ASGIApp, limit: int = 1_048_576) -> None:
        self.app = app
        self.limit = limit

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Check Content-Length up front and count streamed bytes."""
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        length = dict(scope["headers"]).get(b"content-length")
        if length is not None and (not length.isdigit() or int(length) > self.limit):
            await _too_large(scope, send)
            return
        seen = 0

        async def counted() -> Message:
            nonlocal seen
            message = await receive()
            if message["type"] == "http.request":
                seen += len(message.get("body", b""))
                if seen > self.limit:
                    raise PayloadTooLarge()
            return message

        await self.app(scope, counted, send)


class QueryTextMiddleware:
    """Answer 422 for a query string whose names or values hold text no database stores.

    Bodies are checked by the request models (``app.api.schemas.common.Input``); the query
    string is checked here once for every route, so no parameter of any router can carry a NUL
    to PostgreSQL. Percent-decoding makes the same text Starlette's QueryParams would.
    """

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Pass the request on, or answer the problem naming each bad parameter."""
        if scope["type"] == "http":
            query: bytes = scope.get("query_string", b"")
            if b"\x00" in query or b"%00" in query:
                errors = _query_errors(query)
                if errors:
                    await _problem(scope, send, ValidationFailed(extra={"errors": errors}))
                    return
        await self.app(scope, receive, send)


def _query_errors(query: bytes) -> list[dict[str, Any]]:
    errors = []
    for name, value in parse_qsl(query.decode("latin-1"), keep_blank_values=True):
        problem = text_problem(name) or text_problem(value)
        if problem:
            # A parameter name with a NUL is not echoed: the location is the query string.
            loc = ["query"] if text_problem(name) else ["query", name]
            errors.append({"loc": loc, "msg": problem, "type": UNSTORABLE})
    return errors


class SecurityHeadersMiddleware:
    """Headers on every response: ``nosniff``, and ``no-store`` unless the path is public.

    Wrapped around the whole stack (error pages included) by the app factory. Responses are
    ``no-store`` by default, so a new route carrying personal data or tokens cannot be cached
    by mistake; only the paths in ``cacheable`` (health, public keys, docs) are left alone.
    Any ``server`` header is dropped.
    """

    def __init__(self, app: ASGIApp, cacheable: Sequence[str] = ()) -> None:
        self.app = app
        self.cacheable = tuple(cacheable)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Add the headers to the response start."""
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        no_store = not str(scope.get("path", "")).startswith(self.cacheable)

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                dropped = _DROPPED_WITH_NO_STORE if no_store else _DROPPED
                given = message.get("headers", [])
                headers = [(k, v) for k, v in given if k.lower() not in dropped]
                headers.append((b"x-content-type-options", b"nosniff"))
                if no_store:
                    headers.append((b"cache-control", b"no-store"))
                message["headers"] = headers
            await send(message)

        await self.app(scope, receive, send_with_headers)


_DROPPED = frozenset({b"server", b"x-powered-by", b"x-content-type-options"})
_DROPPED_WITH_NO_STORE = _DROPPED | {b"cache-control", b"expires", b"pragma"}


async def _too_large(scope: Scope, send: Send) -> None:
    await _problem(scope, send, PayloadTooLarge())


async def _problem(scope: Scope, send: Send, error: AppError) -> None:
    # The same body app.api.problems renders, for answers given before the app is reached.
    content: dict[str, Any] = {
        "type": error.type_uri(),
        "title": error.title,
        "status": error.status,
        "detail": error.detail,
        "instance": scope.get("path", ""),
    }
    request_id = scope.get("state", {}).get("request_id")
    if request_id:
        content["request_id"] = request_id
    content.update(error.extra)
    body = json.dumps(content).encode()
    await send(
        {
            "type": "http.response.start",
            "status": error.status,
            "headers": [
                (b"content-type", b"application/problem+json"),
                (b"content-length", str(len(body)).encode()),
            ],
        }
    )
    await send({"type": "http.response.body", "body": body})
