"""The thin web client at /ui: server-rendered pages in Dutch and French.

Pages call the hub's public API in process (``app.web.bff``) as the signed-in member; they
never reach the database or the services for case data. ``install`` is called by the app
factory; the /ui routes are not part of the API contract (``include_in_schema=False``).
"""

from __future__ import annotations

import inspect
from pathlib import Path
from typing import Final

from fastapi import APIRouter, FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import RedirectResponse, Response
from fastapi.staticfiles import StaticFiles
from livc_hub_client import ProblemError, Unauthenticated
from starlette.exceptions import HTTPException as StarletteHTTPException

from app.settings import Settings
from app.web import (
    audit_pages,
    auth_routes,
    device_pages,
    exchange_pages,
    grant_pages,
    home_pages,
    note_pages,
    oidc,
    release_pages,
)
from app.web.headers import UiHeadersMiddleware, is_ui
from app.web.messages import problem_text, status_text
from app.web.render import render
from app.web.session import CsrfRejected, SignInRequired, WebSession, current_session

STATIC: Final = Path(__file__).resolve().parent / "static"
SIGN_IN: Final = "/ui/login"

# Every /ui router: sign-in (local and through the identity provider), then the pages.
ROUTERS: list[APIRouter] = [
    auth_routes.router,
    oidc.router,
    home_pages.router,
    exchange_pages.router,
    grant_pages.router,
    release_pages.router,
    note_pages.router,
    audit_pages.router,
    device_pages.router,
]


def install(app: FastAPI, settings: Settings) -> None:
    """Mount the /ui routes, the vendored static files, the headers and the error pages."""
    for router in ROUTERS:
        app.include_router(router)
    app.mount("/ui/static", StaticFiles(directory=STATIC), name="ui-static")
    app.add_middleware(UiHeadersMiddleware)
    app.add_exception_handler(SignInRequired, _sign_in)
    app.add_exception_handler(CsrfRejected, _csrf_refused)
    app.add_exception_handler(ProblemError, _problem_page)
    for kind in (StarletteHTTPException, RequestValidationError):
        _page_for_ui(app, kind)


async def _sign_in(request: Request, exc: Exception) -> Response:
    # Never a URL that carries where the person was going: it may name an exchange. The session
    # module may name another /ui page (choosing a new password, say).
    location = getattr(exc, "location", SIGN_IN)
    if not (isinstance(location, str) and location.startswith("/ui/")):
        location = SIGN_IN
    return RedirectResponse(location, status_code=303)


async def _csrf_refused(request: Request, exc: Exception) -> Response:
    session = await _session_or_none(request)
    context = {"session": session, "message": status_text(403), "status": 403}
    return render(request, "error.html", context, status=403)


async def _session_or_none(request: Request) -> WebSession | None:
    try:
        return await current_session(request)
    except SignInRequired:
        return None


async def _problem_page(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, ProblemError)  # noqa: S101 (registered for ProblemError only)
    if isinstance(exc, Unauthenticated):
        return await _sign_in(request, exc)
    session = await _session_or_none(request)
    context = {"session": session, "message": problem_text(exc), "status": exc.status}
    return render(request, "error.html", context, status=exc.status)


def _status_of(exc: Exception) -> int:
    if isinstance(exc, StarletteHTTPException):
        return exc.status_code
    # An id in the path that is not a UUID names nothing: 404; a bad form is a bad request.
    if isinstance(exc, RequestValidationError):
        in_path = any(e.get("loc", ("",))[0] == "path" for e in exc.errors())
        return 404 if in_path else 400
    return 400


def _page_for_ui(app: FastAPI, kind: type[Exception]) -> None:
    """Under /ui, an error page in the person's language; elsewhere the API's problem answer."""
    api_handler = app.exception_handlers[kind]

    async def handler(request: Request, exc: Exception) -> Response:
        if not is_ui(request.url.path):
            response = api_handler(request, exc)
            return await response if inspect.isawaitable(response) else response
        status = _status_of(exc)
        session = await _session_or_none(request)
        context = {"session": session, "message": status_text(status), "status": status}
        return render(request, "error.html", context, status=status)

    app.add_exception_handler(kind, handler)
