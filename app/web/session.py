"""Who is signed in to the web client: the session cookie, CSRF, and the web issuer's tokens.

The session itself is server-side (app/services/web_sessions.py): the cookie carries a random
token, the database its SHA-256. ``current_session`` is the dependency every page takes;
``check_csrf`` the one every POST route takes. The CSRF token is derived from the session token
(an HMAC), so it is the same in every process and nothing secret is stored for it. Before a
session exists (the sign-in form) a random double-submit cookie plays its part.
"""

from __future__ import annotations

import hmac
import secrets
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Final
from urllib.parse import urlsplit

from fastapi import Request
from starlette.responses import Response

from app.api.deps import hub_state
from app.auth import LocalIssuer
from app.policies.permissions import Permission, permissions_of
from app.services import web_sessions
from app.services.identity import principal_of
from app.settings import Settings

WEB_ISSUER: Final = "livc-hub-web"
WEB_TOKEN_TTL_SECONDS: Final = 60
LOGIN_CSRF_COOKIE: Final = "livc_login_csrf"
OIDC_COOKIE: Final = "livc_oidc"
PASSWORD_PATH: Final = "/ui/password"  # noqa: S105 - a path, not a password
LOGIN_PATH: Final = "/ui/login"
# Paths a member who must choose a new password may still reach.
_MUST_CHANGE_OPEN: Final = frozenset({PASSWORD_PATH, "/ui/logout", "/ui/logout-everywhere"})


class SignInRequired(Exception):
    """No valid session: the /ui handler answers 303 to ``location`` (never with personal data)."""

    def __init__(self, location: str = LOGIN_PATH) -> None:
        super().__init__(location)
        self.location = location


class PasswordChangeRequired(SignInRequired):
    """Signed in with a one-time password: nothing opens before a new one is chosen."""

    def __init__(self) -> None:
        super().__init__(PASSWORD_PATH)


class CsrfRejected(Exception):
    """A POST without the right CSRF token or from another origin: a 403 page."""


@dataclass(frozen=True)
class WebSession:
    """The signed-in member as pages see them."""

    member_id: uuid.UUID
    csrf_token: str
    language: str | None  # 'nl' | 'fr' or None
    display_name: str
    # What the member's roles allow, so the menu offers only the pages that will answer them;
    # the API still decides every request (a typed URL gets the refusal page).
    permissions: frozenset[Permission] = frozenset()


def new_issuer(settings: Settings) -> LocalIssuer:
    """The web issuer: an EC P-256 key made now, in memory only, for 60-second page tokens."""
    return LocalIssuer.ephemeral(issuer=WEB_ISSUER, audience=settings.auth.audience)


def mint_token(request: Request, member_id: uuid.UUID) -> str:
    """A bearer token for one page request, as the signed-in member (valid 60 seconds)."""
    issuer = hub_state(request).web_issuer
    if issuer is None:
        raise RuntimeError("the web issuer is not running")
    return issuer.issue(str(member_id), ttl_seconds=WEB_TOKEN_TTL_SECONDS)


def now(request: Request) -> datetime:
    """The web client's clock (tests replace ``app.state.web_clock``)."""
    clock: Callable[[], datetime] | None = getattr(request.app.state, "web_clock", None)
    return clock() if clock is not None else datetime.now(UTC)


def lifetimes(settings: Settings) -> web_sessions.Lifetimes:
    """Idle and absolute timeouts from the settings."""
    return web_sessions.Lifetimes(
        idle=timedelta(minutes=settings.web.idle_minutes),
        absolute=timedelta(hours=settings.web.absolute_hours),
    )


def cookie_name(settings: Settings, base: str = "livc_session") -> str:
    """``__Host-`` names (Secure, Path=/, no Domain) unless Secure is off (loopback only)."""
    return f"__Host-{base}" if settings.web.cookie_secure else base


def session_token(request: Request) -> str | None:
    """The session cookie's token, if the browser sent one."""
    return request.cookies.get(cookie_name(hub_state(request).settings)) or None


def set_cookie(
    response: Response, settings: Settings, base: str, value: str, *, same_site: str = "strict"
) -> None:
    """Set one of the web client's cookies: HttpOnly, Path=/, Secure unless turned off."""
    response.set_cookie(
        cookie_name(settings, base),
        value,
        path="/",
        secure=settings.web.cookie_secure,
        httponly=True,
        samesite=same_site,  # type: ignore[arg-type]
    )


def clear_cookie(response: Response, settings: Settings, base: str) -> None:
    """Remove one of the web client's cookies."""
    response.delete_cookie(
        cookie_name(settings, base),
        path="/",
        secure=settings.web.cookie_secure,
        httponly=True,
        samesite="strict",
    )


async def current_session(request: Request) -> WebSession:
    """The signed-in member (FastAPI dependency); SignInRequired when there is none."""
    cached: WebSession | None = getattr(request.state, "web_session", None)
    if cached is not None:
        return cached
    token = session_token(request)
    if token is None:
        raise SignInRequired()
    state = hub_state(request)
    async with state.sessions() as db:
        found = await web_sessions.find(
            db, token, now=now(request), lifetimes=lifetimes(state.settings)
        )
        await db.commit()  # a touch, or the revocation of a session found ended
    if found is None:
        raise SignInRequired()
    if found.member.password_must_change and request.url.path not in _MUST_CHANGE_OPEN:
        raise PasswordChangeRequired()
    session = WebSession(
        member_id=found.member.id,
        csrf_token=web_sessions.csrf_token(token),
        language=found.row.language,
        display_name=found.member.display_name,
        permissions=permissions_of(principal_of(found.member).roles),
    )
    request.state.web_session = session
    return session


async def optional_session(request: Request) -> WebSession | None:
    """The signed-in member, or None (pages that anyone may see)."""
    try:
        return await current_session(request)
    except PasswordChangeRequired:
        raise
    except SignInRequired:
        return None


def own_origin(request: Request) -> str:
    """The origin the browser used to reach the hub (scheme://host[:port])."""
    return f"{request.url.scheme}://{request.url.netloc}"


def same_origin(request: Request) -> bool:
    """Whether Origin names this hub; where a browser sent no usable Origin ("null", as Chromium
    does under Referrer-Policy no-referrer), whether its Sec-Fetch-Site says same-origin (a
    header pages cannot set); failing both, whether Referer names this hub."""
    expected = own_origin(request)
    origin = request.headers.get("origin")
    if origin and origin != "null":
        return hmac.compare_digest(origin, expected)
    fetch_site = request.headers.get("sec-fetch-site")
    if fetch_site is not None:
        return fetch_site == "same-origin"
    referer = request.headers.get("referer")
    if not referer:
        return False
    parts = urlsplit(referer)
    return hmac.compare_digest(f"{parts.scheme}://{parts.netloc}", expected)


async def _form_token(request: Request) -> str:
    form = await request.form()
    value = form.get("csrf_token")
    return value if isinstance(value, str) else ""


async def check_csrf(request: Request) -> None:
    """Every POST of a signed-in member: the form's csrf_token is the session's, and the
    request comes from the hub's own origin; CsrfRejected (a 403 page) otherwise."""
    session = await current_session(request)
    given = await _form_token(request)
    if not (given and hmac.compare_digest(given, session.csrf_token)):
        raise CsrfRejected()
    if not same_origin(request):
        raise CsrfRejected()


def new_login_csrf() -> str:
    """A random double-submit token for the forms shown before sign-in."""
    return secrets.token_urlsafe(32)


def login_csrf(request: Request) -> str | None:
    """The pre-session CSRF cookie's value, if sent."""
    return request.cookies.get(cookie_name(hub_state(request).settings, LOGIN_CSRF_COOKIE))


async def check_login_csrf(request: Request) -> None:
    """The sign-in form: the form's token equals the pre-session cookie's (double submit), and
    the request comes from the hub's own origin."""
    cookie = login_csrf(request)
    given = await _form_token(request)
    if not (cookie and given and hmac.compare_digest(given, cookie)):
        raise CsrfRejected()
    if not same_origin(request):
        raise CsrfRejected()


def chosen_language(request: Request) -> str | None:
    """The language chosen before sign-in (the language cookie), if any."""
    value = request.cookies.get(cookie_name(hub_state(request).settings, "livc_lang"))
    return value if value in web_sessions.LANGUAGES else None
