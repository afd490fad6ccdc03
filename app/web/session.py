"""STAND-IN for the web session (the web-auth branch replaces this module whole).

Only the interface of the architecture is here. A session is a cookie holding a token of the
hub's own local issuer (tests mint one with ``LiveHub.token``), so nothing new is signed or
stored: the cookie is exactly as powerful as the bearer token it holds. The CSRF token is a
second, random cookie (double submit). Nothing else belongs in this module.
"""

from __future__ import annotations

import hmac
import uuid
from dataclasses import dataclass
from urllib.parse import urlsplit

from fastapi import Request

from app.auth import AuthError

SESSION_COOKIE = "livc_test_session"
CSRF_COOKIE = "livc_test_csrf"
LANGUAGE_COOKIE = "livc_test_lang"
TOKEN_TTL_SECONDS = 60


class SignInRequired(Exception):
    """No valid session: the /ui handler answers with a redirect to the sign-in page."""


class CsrfRejected(Exception):
    """A POST without the right CSRF token or from another origin: a 403 page."""


@dataclass(frozen=True)
class WebSession:
    """The signed-in member, as the pages need them."""

    member_id: uuid.UUID
    csrf_token: str
    language: str | None  # 'nl' | 'fr' or None
    display_name: str


async def current_session(request: Request) -> WebSession:
    """The session of the request's cookie; SignInRequired when there is none or it is invalid."""
    token = request.cookies.get(SESSION_COOKIE)
    csrf = request.cookies.get(CSRF_COOKIE)
    if not token or not csrf:
        raise SignInRequired()
    try:
        claims = request.app.state.hub.verifier.verify(token)
        member_id = uuid.UUID(claims.subject)
    except (AuthError, ValueError):
        raise SignInRequired() from None
    language = request.cookies.get(LANGUAGE_COOKIE)
    name = claims.raw.get("name")
    return WebSession(
        member_id=member_id,
        csrf_token=csrf,
        language=language if language in ("nl", "fr") else None,
        display_name=name if isinstance(name, str) else "",
    )


async def check_csrf(request: Request) -> None:
    """Every POST: the form's ``csrf_token`` equals the session's, and Origin is the hub's own."""
    session = await current_session(request)
    form = await request.form()
    given = form.get("csrf_token")
    if not isinstance(given, str) or not hmac.compare_digest(given, session.csrf_token):
        raise CsrfRejected()
    if not _same_origin(request):
        raise CsrfRejected()


def _same_origin(request: Request) -> bool:
    # Under Referrer-Policy no-referrer (and some privacy settings) a browser sends "Origin: null"
    # and no Referer with a form POST, even to its own origin; Sec-Fetch-Site then says where the
    # request came from.
    own = f"{request.url.scheme}://{request.url.netloc}"
    origin = request.headers.get("origin")
    if origin and origin != "null":
        return origin == own
    referer = request.headers.get("referer")
    if referer:
        parts = urlsplit(referer)
        return f"{parts.scheme}://{parts.netloc}" == own
    return request.headers.get("sec-fetch-site") == "same-origin"


def mint_token(request: Request, member_id: uuid.UUID) -> str:
    """A short-lived bearer token for the member (the real module uses the web issuer)."""
    issuer = request.app.state.hub.issuer
    if issuer is None:
        raise SignInRequired()
    token: str = issuer.issue(str(member_id), ttl_seconds=TOKEN_TTL_SECONDS)
    return token
