"""Sign-in through the identity provider: OpenID Connect code flow with PKCE (S256), state and
nonce, with Authlib's httpx client; the ID token is checked in app/auth/oidc.py.

The state is the browser's: kept in a SameSite=Lax cookie (the provider's redirect back is a
cross-site navigation) and, as its SHA-256, in ``oidc_logins`` with the nonce and the PKCE
verifier; that row is deleted when the provider comes back, so a state is used once. The
provider is reached over https://, or http:// on the loopback only (settings).
"""

from __future__ import annotations

import hashlib
import hmac
import uuid
from dataclasses import replace
from datetime import timedelta
from typing import Any, Final

import httpx
from authlib.common.security import generate_token
from fastapi import APIRouter, Request
from starlette.responses import RedirectResponse, Response

from app.api.deps import hub_state, request_id
from app.audit.log import AuditEvent
from app.auth import AuthError
from app.auth.oauth_client import AsyncOAuth2Client
from app.auth.oidc import verify_id_token
from app.db.models import OidcLogin
from app.db.queries import orgs as org_queries
from app.db.queries import web as queries
from app.policies.vocabulary import MemberStatus
from app.services.identity import rejected
from app.settings import WebSettings
from app.web.auth_routes import HOME, start_session
from app.web.render import render
from app.web.session import OIDC_COOKIE, clear_cookie, cookie_name, now, set_cookie

router = APIRouter(prefix="/ui", include_in_schema=False)

LOGIN_TTL: Final = timedelta(minutes=10)
TIMEOUT: Final = httpx.Timeout(5.0)


class SignInFailed(Exception):
    """The provider's answer was refused; ``reason`` goes to the access log."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


def _hash(state: str) -> str:
    return hashlib.sha256(state.encode("utf-8", "surrogatepass")).hexdigest()


def _client(web: WebSettings) -> AsyncOAuth2Client:
    secret = web.oidc_client_secret.get_secret_value() if web.oidc_client_secret else None
    return AsyncOAuth2Client(
        client_id=web.oidc_client_id,
        client_secret=secret,
        scope=web.oidc_scopes,
        redirect_uri=web.oidc_redirect_url,
        code_challenge_method="S256",
        timeout=TIMEOUT,
        follow_redirects=False,
    )


async def _json(url: str) -> dict[str, Any]:
    # Discovery and keys are public documents: a plain client, no token.
    try:
        async with httpx.AsyncClient(timeout=TIMEOUT, follow_redirects=False) as client:
            answer = await client.get(url)
        answer.raise_for_status()
        data = answer.json()
    except (httpx.HTTPError, ValueError):
        raise SignInFailed("provider_unreachable") from None
    if not isinstance(data, dict):
        raise SignInFailed("provider_unreachable")
    return data


async def _discovery(web: WebSettings) -> dict[str, Any]:
    issuer = str(web.oidc_issuer).rstrip("/")
    document = await _json(f"{issuer}/.well-known/openid-configuration")
    if str(document.get("issuer", "")).rstrip("/") != issuer:
        raise SignInFailed("provider_issuer_mismatch")
    for name in ("authorization_endpoint", "token_endpoint", "jwks_uri"):
        if not isinstance(document.get(name), str):
            raise SignInFailed("provider_discovery_incomplete")
    return document


@router.get("/login/oidc")
async def begin(request: Request) -> Response:
    """Send the browser to the identity provider."""
    state = hub_state(request)
    web = state.settings.web
    if not web.oidc_enabled:
        return render(request, "signin_failed.html", {}, status=404)
    try:
        document = await _discovery(web)
    except SignInFailed:
        return render(request, "signin_failed.html", {}, status=502)
    async with _client(web) as client:
        login_state, nonce, verifier = generate_token(43), generate_token(43), generate_token(64)
        url, _ = client.create_authorization_url(
            document["authorization_endpoint"],
            state=login_state,
            nonce=nonce,
            code_verifier=verifier,
        )
    when = now(request)
    async with state.sessions() as db:
        await queries.drop_expired_oidc_logins(db, when)
        db.add(
            OidcLogin(
                state_hash=_hash(login_state),
                nonce=nonce,
                code_verifier=verifier,
                created_at=when,
                expires_at=when + LOGIN_TTL,
            )
        )
        await db.commit()
    response = RedirectResponse(url, status_code=303)
    set_cookie(response, state.settings, OIDC_COOKIE, login_state, same_site="lax")
    return response


@router.get("/login/oidc/callback")
async def callback(request: Request) -> Response:
    """The provider's redirect back: check state, exchange the code (with the PKCE verifier),
    check the ID token, and sign the member in."""
    state = hub_state(request)
    try:
        member_id, agency_id = await _member_of_callback(request)
    except SignInFailed as exc:
        await state.guards.failures.record(
            state.sessions,
            [_failure(exc.reason)],
            request_id=request_id(request),
        )
        failed = render(request, "signin_failed.html", {}, status=400)
        clear_cookie(failed, state.settings, OIDC_COOKIE)
        return failed
    response = await start_session(request, state, member_id, agency_id, method="oidc", then=HOME)
    clear_cookie(response, state.settings, OIDC_COOKIE)
    return response


def _failure(reason: str) -> AuditEvent:
    return replace(rejected(reason), action="auth:sign_in")


async def _member_of_callback(request: Request) -> tuple[uuid.UUID, uuid.UUID]:
    state = hub_state(request)
    web = state.settings.web
    if not web.oidc_enabled:
        raise SignInFailed("oidc_disabled")
    params = request.query_params
    given, code = params.get("state", ""), params.get("code", "")
    cookie = request.cookies.get(_cookie(request))
    if not given or not cookie or not hmac.compare_digest(given, cookie):
        raise SignInFailed("oidc_state_mismatch")
    when = now(request)
    async with state.sessions() as db:
        login = await queries.take_oidc_login(db, _hash(given))
        await db.commit()
    if login is None:
        raise SignInFailed("oidc_state_unknown")
    if when >= login.expires_at:
        raise SignInFailed("oidc_state_expired")
    if params.get("error") or not code:
        raise SignInFailed("oidc_provider_refused")
    document = await _discovery(web)
    async with _client(web) as client:
        try:
            token = await client.fetch_token(
                document["token_endpoint"],
                grant_type="authorization_code",
                code=code,
                code_verifier=login.code_verifier,
            )
        except Exception:  # Authlib raises its OAuthError or httpx's; either way: refused
            raise SignInFailed("oidc_code_refused") from None
    jwks = await _json(document["jwks_uri"])
    id_token = token.get("id_token")
    if not isinstance(id_token, str):
        raise SignInFailed("oidc_no_id_token")
    try:
        claims = verify_id_token(
            id_token,
            jwks,
            issuer=str(document["issuer"]),
            client_id=str(web.oidc_client_id),
            nonce=login.nonce,
            now=when,
        )
    except AuthError as exc:
        raise SignInFailed(f"oidc_{exc.reason}") from None
    return await _member(request, web, claims)


def _cookie(request: Request) -> str:
    return cookie_name(hub_state(request).settings, OIDC_COOKIE)


async def _member(
    request: Request, web: WebSettings, claims: dict[str, Any]
) -> tuple[uuid.UUID, uuid.UUID]:
    async with hub_state(request).sessions() as db:
        if web.oidc_member_claim == "sub":
            try:
                member = await org_queries.member(db, uuid.UUID(str(claims["sub"])))
            except ValueError:
                member = None
        else:
            name = claims.get("preferred_username")
            member = (
                await org_queries.member_with_username(db, name.lower())
                if isinstance(name, str)
                else None
            )
        if member is None:
            raise SignInFailed("unknown_member")
        if member.status != MemberStatus.ACTIVE.value:
            raise SignInFailed("member_not_active")
        return member.id, member.agency_id
