"""The web client at /ui (stand-in shell; the integrator keeps the web shell's own).

``install`` mounts the routers in ``ROUTERS``, the exception handlers of the sign-in, and the
security headers of every /ui response.
"""

from __future__ import annotations

from fastapi import APIRouter, FastAPI, Request
from starlette.responses import RedirectResponse, Response
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from app.settings import Settings
from app.web import auth_routes, oidc
from app.web.session import CsrfRejected, SignInRequired

ROUTERS: list[APIRouter] = [auth_routes.router, oidc.router]

CSP = (
    "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self'; font-src 'self'; "
    "connect-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'"
)
# same-origin, not no-referrer: with no-referrer a browser sends "Origin: null" on the hub's own
# form posts, and the CSRF check could not tell them from a forged one (docs/decisions.md 141).
_HEADERS = (
    (b"content-security-policy", CSP.encode()),
    (b"x-frame-options", b"DENY"),
    (b"referrer-policy", b"same-origin"),
)


class _UiHeaders:
    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or not str(scope.get("path", "")).startswith("/ui"):
            await self.app(scope, receive, send)
            return

        async def with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                given = [(k, v) for k, v in message.get("headers", []) if k.lower() not in _NAMES]
                message["headers"] = [*given, *_HEADERS]
            await send(message)

        await self.app(scope, receive, with_headers)


_NAMES = frozenset(name for name, _ in _HEADERS)


def install_handlers(app: FastAPI) -> None:
    """Sign-in required: 303 to the sign-in (or the password) page; CSRF refused: a 403 page."""

    async def sign_in(request: Request, exc: Exception) -> Response:
        location = exc.location if isinstance(exc, SignInRequired) else "/ui/login"
        return RedirectResponse(location, status_code=303)

    async def csrf(request: Request, exc: Exception) -> Response:
        return auth_routes.forbidden_page(request)

    app.add_exception_handler(SignInRequired, sign_in)
    app.add_exception_handler(CsrfRejected, csrf)


def install(app: FastAPI, settings: Settings) -> None:
    """Mount the web client on the app."""
    for router in ROUTERS:
        app.include_router(router)
    install_handlers(app)
    app.add_middleware(_UiHeaders)
