"""Unauthenticated endpoints: health, readiness, the token endpoint and the public keys."""

from __future__ import annotations

import base64
import binascii
from typing import Annotated, Any, Final
from urllib.parse import urlencode

from fastapi import APIRouter, Form, Header, Request
from pydantic import AfterValidator
from sqlalchemy.exc import SQLAlchemyError

from app.api.deps import SessionDep, hub_state, request_id
from app.api.schemas.auth import DeviceAuthorizationOut, ProtectedResourceOut, TokenOut
from app.api.schemas.common import UNSTORABLE, Problem, storable_text, text_problem
from app.audit.signing import public_pem
from app.db.queries.orgs import ClientRow
from app.errors import (
    AppError,
    BadRequest,
    NotFound,
    StorageUnavailable,
    TooManyRequests,
    Unauthenticated,
    ValidationFailed,
)
from app.services import health
from app.services.device import PollError
from app.services.identity import authenticate_client, rejected

router = APIRouter()


@router.get("/healthz", tags=["health"])
async def healthz(session: SessionDep) -> dict[str, str]:
    """Liveness and database reachability."""
    await health.alive(session)
    return {"status": "ok"}


@router.get(
    "/readyz",
    tags=["health"],
    responses={503: {"model": Problem, "content": {"application/problem+json": {}}}},
)
async def readyz(request: Request, session: SessionDep) -> dict[str, str]:
    """Ready to serve: the database answers and the access log passed its last integrity check.

    During an integrity alarm this answers 503 with the alarm's reason code, while requests go on
    being served and logged (nothing is signed until an operator clears the alarm).
    """
    await health.ready(session, hub_state(request).hub)
    return {"status": "ready"}


@router.get("/.well-known/jwks.json", tags=["auth"])
async def jwks(request: Request) -> dict[str, Any]:
    """Public keys of the hub's local issuer (dev/demo and client-credentials tokens)."""
    issuer = hub_state(request).issuer
    if issuer is None:
        raise NotFound("the local issuer is disabled")
    return issuer.jwks()


@router.get("/.well-known/oauth-protected-resource", tags=["auth"])
async def protected_resource(request: Request) -> ProtectedResourceOut:
    """Protected resource metadata (RFC 9728): where ``livc-hub login`` gets a token.

    ``authorization_servers`` names the identity provider's issuer when the hub accepts its
    tokens (``LIVC_AUTH_JWKS_URL``, issuer ``LIVC_AUTH_JWKS_ISSUER`` or ``LIVC_AUTH_ISSUER``),
    else the hub itself. ``livc_hub_cli_client_id`` is the command line's public client there
    (``LIVC_AUTH_CLI_CLIENT_ID``).
    """
    auth = hub_state(request).settings.auth
    resource = str(request.base_url).rstrip("/")
    return ProtectedResourceOut(
        resource=resource,
        authorization_servers=[auth.external_issuer or resource],
        livc_hub_cli_client_id=auth.cli_client_id,
    )


def _basic(header: str | None) -> tuple[str, str] | None:
    if not header or not header.lower().startswith("basic "):
        return None
    try:
        user, _, password = base64.b64decode(header[6:], validate=True).decode().partition(":")
    except (binascii.Error, UnicodeDecodeError):
        raise Unauthenticated(
            "malformed Basic credentials", extra={"error": "invalid_client"}
        ) from None
    problem = text_problem(user) or text_problem(password)
    if problem:
        error = {"loc": ["header", "authorization"], "msg": problem, "type": UNSTORABLE}
        raise ValidationFailed(extra={"errors": [error]})
    return user, password


@router.get("/.well-known/livc-hub/audit-key", tags=["audit"])
async def audit_key(request: Request) -> dict[str, str]:
    """The public key that verifies the access log's signed checkpoints (Ed25519)."""
    signer = hub_state(request).hub.log.signer
    if signer is None:
        raise NotFound("this hub signs no checkpoints")
    return {
        "algorithm": "Ed25519",
        "key_id": signer.key_id,
        "public_key_pem": public_pem(signer.public),
    }


# Form fields hold text the database must be able to compare (no NUL, no lone surrogate).
_Credential = Annotated[str | None, Form(max_length=200), AfterValidator(storable_text)]
_PROBLEM = {"model": Problem, "content": {"application/problem+json": {}}}
# Every answer but the token is a problem: 400 unsupported grant, 401 bad credentials, 404 no
# local issuer, 422 bad form, 429 too many attempts, 503 storage.
_TOKEN_ERRORS: dict[int | str, dict[str, Any]] = {
    status: _PROBLEM for status in (400, 401, 404, 422, 429, 503)
}


DEVICE_GRANT: Final = "urn:ietf:params:oauth:grant-type:device_code"
VERIFICATION_PATH: Final = "/ui/device"
_DeviceCode = Annotated[str | None, Form(max_length=100), AfterValidator(storable_text)]


@router.post("/oauth/token", tags=["auth"], responses=_TOKEN_ERRORS)
async def token(
    request: Request,
    grant_type: Annotated[str, Form(max_length=50), AfterValidator(storable_text)],
    client_id: _Credential = None,
    client_secret: _Credential = None,
    device_code: _DeviceCode = None,
    authorization: Annotated[str | None, Header()] = None,
) -> TokenOut:
    """OAuth 2.0 token endpoint: two grants.

    - ``client_credentials`` (RFC 6749 section 4.4) for agency systems. Attempts are limited per
      source address and per client id (429 with Retry-After).
    - ``urn:ietf:params:oauth:grant-type:device_code`` (RFC 8628 section 3.4) for the command
      line, a public client (``client_id``, no secret) polling with the ``device_code`` of
      ``POST /oauth/device_authorization``: 400 with ``error`` ``authorization_pending``,
      ``slow_down`` (polled before ``interval`` seconds passed; the interval grows by 5),
      ``access_denied``, ``expired_token`` or ``invalid_grant`` (unknown or already used),
      until the member approved at /ui/device; then one token for the member, once.
    """
    if grant_type == DEVICE_GRANT:
        return await _device_token(request, client_id, device_code)
    if grant_type != "client_credentials":
        raise BadRequest(
            "only the client_credentials and device_code grants are supported",
            extra={"error": "unsupported_grant_type"},
        )
    basic = _basic(authorization)
    if basic is not None:
        client_id, client_secret = basic
    if not client_id or not client_secret:
        raise Unauthenticated("client credentials are required", extra={"error": "invalid_client"})
    state = hub_state(request)
    if state.issuer is None:
        raise NotFound("the local issuer is disabled")
    member = await _authenticate(request, client_id, client_secret)
    ttl = state.settings.auth.token_ttl_seconds
    return TokenOut(
        access_token=state.issuer.issue(str(member.id), ttl_seconds=ttl), expires_in=ttl
    )


def _device_client(request: Request, client_id: str | None) -> str:
    # A public client: known by its id alone (RFC 8628 section 3.1), from the settings.
    if not client_id or client_id not in hub_state(request).settings.auth.device_client_ids:
        raise Unauthenticated(
            "this client may not use the device authorization grant",
            extra={"error": "invalid_client"},
        )
    return client_id


@router.post(
    "/oauth/device_authorization",
    tags=["auth"],
    responses={status: _PROBLEM for status in (401, 404, 422, 429, 503)},
)
async def device_authorization(
    request: Request,
    client_id: _Credential = None,
    scope: Annotated[str | None, Form(max_length=200), AfterValidator(storable_text)] = None,
) -> DeviceAuthorizationOut:
    """Device authorization request (RFC 8628 section 3.1): how ``livc-hub login`` starts.

    ``client_id`` is a registered public client (``LIVC_AUTH_DEVICE_CLIENTS``, by default
    ``livc-hub-cli``). The person opens ``verification_uri`` in a browser, signs in, types the
    ``user_code`` and approves; meanwhile the device polls ``POST /oauth/token`` with the
    ``device_code`` every ``interval`` seconds. Requests are limited per source address (429).
    """
    state = hub_state(request)
    client = _device_client(request, client_id)
    if state.issuer is None:
        raise NotFound("the local issuer is disabled")
    address = request.client.host if request.client else ""
    await state.guards.throttle.hit(device_address=address)
    auth = state.settings.auth
    try:
        async with state.sessions() as session:
            started = await state.device.start(
                session,
                client_id=client,
                scope=scope,
                ttl_seconds=auth.device_code_ttl_seconds,
                interval=auth.device_poll_interval_seconds,
            )
            await session.commit()
    except SQLAlchemyError:
        raise StorageUnavailable() from None
    uri = str(request.base_url).rstrip("/") + VERIFICATION_PATH
    return DeviceAuthorizationOut(
        device_code=started.device_code,
        user_code=started.user_code,
        verification_uri=uri,
        verification_uri_complete=f"{uri}?{urlencode({'user_code': started.user_code})}",
        expires_in=started.expires_in,
        interval=started.interval,
    )


async def _device_token(
    request: Request, client_id: str | None, device_code: str | None
) -> TokenOut:
    state = hub_state(request)
    client = _device_client(request, client_id)
    if state.issuer is None:
        raise NotFound("the local issuer is disabled")
    if not device_code:
        raise PollError("invalid_request", "the device_code is required")
    try:
        async with state.sessions() as session:
            polled = await state.device.poll(
                session,
                state.hub.log,
                client_id=client,
                device_code=device_code,
                request_id=request_id(request),
            )
            await session.commit()
    except SQLAlchemyError:
        raise StorageUnavailable() from None
    if isinstance(polled, PollError):
        raise polled
    ttl = state.settings.auth.token_ttl_seconds
    access = state.issuer.issue(str(polled.id), ttl_seconds=ttl, extra={"client_id": client})
    return TokenOut(access_token=access, expires_in=ttl)


async def _authenticate(request: Request, client_id: str, secret: str) -> ClientRow:
    # Limits first, so a refused attempt costs no hashing; failures go to the failure log
    # (identical ones aggregated), never with the client id or the address in clear.
    state = hub_state(request)
    guards = state.guards
    address = request.client.host if request.client else ""
    try:
        try:
            await guards.throttle.hit(token_address=address, token_client=client_id)
        except TooManyRequests as exc:
            raise TooManyRequests(
                exc.retry_after, exc.detail, extra=exc.extra, audit=(rejected("rate_limited"),)
            ) from None
        return await authenticate_client(state.sessions, guards.hasher, client_id, secret)
    except AppError as exc:
        if exc.audit:
            await guards.failures.record(state.sessions, exc.audit, request_id=request_id(request))
        raise
