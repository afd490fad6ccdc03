"""A stand-in identity provider on 127.0.0.1 for ``livc-hub login --browser`` and ``--device``.

A real server (uvicorn) with OpenID Connect discovery, an authorize endpoint that sends the
browser straight back to the loopback redirect (the person is whoever the test names in
``subject``), a token endpoint for a public client that checks the redirect URI and the PKCE
verifier (S256), the refresh token grant (each refresh token used once: rotated), a device
authorization endpoint whose codes are approved at once, and the JWKS. Its access tokens are real
ES256 JWTs for the hub's audience, which the hub verifies with the JWKS; its ID tokens carry the
nonce of the sign-in. ``expired`` issues an access token that expired an hour ago, as a token
stored that long would have.

Steering: ``deny`` (access_denied), ``forge_state`` (the redirect carries another state),
``down`` (every endpoint answers 503), ``device`` (whether discovery names the device endpoint),
``wrong_nonce`` (the ID token carries another sign-in's nonce), ``other_iss`` (the redirect names
another issuer, RFC 9207), ``access_ttl`` (how long the access tokens it issues last, and the
``expires_in`` it says), ``refuse_refresh`` (every refresh token is refused: invalid_grant).
"""

from __future__ import annotations

import base64
import hashlib
import secrets
import threading
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import urlencode, urlsplit

import uvicorn
from cryptography.hazmat.primitives.asymmetric import ec
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, RedirectResponse, Response
from starlette.routing import Route

from app.auth import LocalIssuer
from app.settings import AuthSettings
from tests.support.live import LiveHub, _serve, serve_in_thread
from tests.support.timing import scaled

CLI_CLIENT = "livc-cli-at-the-idp"
DEVICE_GRANT = "urn:ietf:params:oauth:grant-type:device_code"


def _s256(verifier: str) -> str:
    digest = hashlib.sha256(verifier.encode("ascii")).digest()
    return base64.urlsafe_b64encode(digest).decode("ascii").rstrip("=")


def _error(error: str, status: int = 400) -> Response:
    return JSONResponse({"error": error}, status_code=status)


@dataclass
class StandInIdp:
    """The provider's state, read and steered by the tests."""

    audience: str = "livc-hub"
    subject: str = ""
    deny: bool = False
    forge_state: bool = False
    down: bool = False
    device: bool = False
    wrong_nonce: bool = False
    other_iss: bool = False
    access_ttl: int = 300
    refuse_refresh: bool = False
    refresh_tokens: dict[str, str] = field(default_factory=dict)  # refresh token -> subject
    authorize_requests: list[dict[str, str]] = field(default_factory=list)
    token_requests: list[dict[str, str]] = field(default_factory=list)
    codes: dict[str, dict[str, str]] = field(default_factory=dict)
    device_codes: set[str] = field(default_factory=set)
    pending_polls: int = 1  # how many polls answer authorization_pending first
    base_url: str = ""
    server: uvicorn.Server | None = None
    thread: threading.Thread | None = None
    access: LocalIssuer = field(init=False)
    identity: LocalIssuer = field(init=False)

    def reset(self, subject: str = "") -> None:
        """Back to a provider that signs ``subject`` in."""
        self.subject = subject
        self.deny = self.forge_state = self.down = self.device = self.wrong_nonce = False
        self.other_iss = self.refuse_refresh = False
        self.access_ttl = 300
        self.pending_polls = 1
        self.authorize_requests.clear()
        self.token_requests.clear()

    def app(self) -> Starlette:
        return Starlette(
            routes=[
                Route("/.well-known/openid-configuration", self.discovery),
                Route("/authorize", self.authorize),
                Route("/token", self.token, methods=["POST"]),
                Route("/device", self.device_authorization, methods=["POST"]),
                Route("/jwks", self.jwks),
            ]
        )

    async def discovery(self, request: Request) -> Response:
        if self.down:
            return _error("temporarily_unavailable", 503)
        document = {
            "issuer": self.base_url,
            "authorization_endpoint": f"{self.base_url}/authorize",
            "token_endpoint": f"{self.base_url}/token",
            "jwks_uri": f"{self.base_url}/jwks",
            "response_types_supported": ["code"],
            "code_challenge_methods_supported": ["S256"],
            "grant_types_supported": ["authorization_code", "refresh_token", DEVICE_GRANT],
        }
        if self.device:
            document["device_authorization_endpoint"] = f"{self.base_url}/device"
        return JSONResponse(document)

    async def authorize(self, request: Request) -> Response:
        params = dict(request.query_params)
        self.authorize_requests.append(params)
        redirect = params.get("redirect_uri", "")
        # A native app's redirect: http on the loopback address, any port (RFC 8252 section 7.3).
        loopback = urlsplit(redirect)
        if (
            params.get("client_id") != CLI_CLIENT
            or params.get("response_type") != "code"
            or params.get("code_challenge_method") != "S256"
            or loopback.scheme != "http"
            or loopback.hostname != "127.0.0.1"
        ):
            return _error("invalid_request")
        state = "forged-" + secrets.token_urlsafe(8) if self.forge_state else params["state"]
        if self.deny:
            back = {"error": "access_denied", "state": state}
        else:
            code = secrets.token_urlsafe(16)
            self.codes[code] = {**params, "subject": self.subject}
            back = {"code": code, "state": state}
        # RFC 9207: the provider names itself in the answer (or, to test a mix-up, another).
        back["iss"] = "https://another-idp.example.org" if self.other_iss else self.base_url
        return RedirectResponse(f"{redirect}?{urlencode(back)}", status_code=302)

    def expired(self, subject: str) -> str:
        """An access token of ``subject`` that expired an hour ago."""
        issued = datetime.now(UTC) - timedelta(hours=2)
        return self.access.issue(subject, ttl_seconds=3600, now=issued)

    def _tokens(self, subject: str, nonce: str | None) -> dict[str, Any]:
        refresh = secrets.token_urlsafe(24)
        self.refresh_tokens[refresh] = subject
        answer: dict[str, Any] = {
            "access_token": self.access.issue(subject, ttl_seconds=self.access_ttl),
            "token_type": "Bearer",
            "expires_in": self.access_ttl,
            "refresh_token": refresh,
        }
        if nonce is not None:
            signed = "another-sign-in" if self.wrong_nonce else nonce
            answer["id_token"] = self.identity.issue(
                subject, ttl_seconds=300, extra={"nonce": signed}
            )
        return answer

    async def token(self, request: Request) -> Response:
        form = {k: str(v) for k, v in (await request.form()).items()}
        self.token_requests.append(form)
        if self.down:
            return _error("temporarily_unavailable", 503)
        if "authorization" in request.headers or form.get("client_id") != CLI_CLIENT:
            return _error("invalid_client", 401)  # a public client: its id, no secret
        if form.get("grant_type") == DEVICE_GRANT:
            if form.get("device_code") not in self.device_codes:
                return _error("invalid_grant")
            if self.deny:
                return _error("access_denied")
            if self.pending_polls > 0:
                self.pending_polls -= 1
                return _error("authorization_pending")
            self.device_codes.discard(form["device_code"])
            return JSONResponse(self._tokens(self.subject, None))
        if form.get("grant_type") == "refresh_token":
            # Rotated: a refresh token is good once (RFC 9700 section 4.14.2).
            subject = self.refresh_tokens.pop(form.get("refresh_token", ""), None)
            if subject is None or self.refuse_refresh:
                return _error("invalid_grant")
            return JSONResponse(self._tokens(subject, None))
        issued = self.codes.pop(form.get("code", ""), None)  # a code is used once
        if issued is None or form.get("grant_type") != "authorization_code":
            return _error("invalid_grant")
        if form.get("redirect_uri") != issued["redirect_uri"]:
            return _error("invalid_grant")
        if _s256(form.get("code_verifier", "")) != issued.get("code_challenge"):
            return _error("invalid_grant")
        return JSONResponse(self._tokens(issued["subject"], issued.get("nonce", "")))

    async def device_authorization(self, request: Request) -> Response:
        form = {k: str(v) for k, v in (await request.form()).items()}
        if form.get("client_id") != CLI_CLIENT:
            return _error("invalid_client", 401)
        code = secrets.token_urlsafe(16)
        self.device_codes.add(code)
        return JSONResponse(
            {
                "device_code": code,
                "user_code": "WDJB-MJHT",
                "verification_uri": f"{self.base_url}/activate",
                "expires_in": 600,
                "interval": 1,
            }
        )

    async def jwks(self, request: Request) -> Response:
        if self.down:
            return _error("temporarily_unavailable", 503)
        return JSONResponse(self.access.jwks())

    def start(self) -> StandInIdp:
        self.server, self.thread, port = serve_in_thread(
            self.app(), name="stand-in-idp", what="the stand-in identity provider"
        )
        self.base_url = f"http://127.0.0.1:{port}"
        # One key: access tokens for the hub, ID tokens for the command line's client.
        key = ec.generate_private_key(ec.SECP256R1())
        self.access = LocalIssuer(key, issuer=self.base_url, audience=self.audience)
        self.identity = LocalIssuer(key, issuer=self.base_url, audience=CLI_CLIENT)
        return self

    def stop(self) -> None:
        if self.server is not None and self.thread is not None:
            self.server.should_exit = True
            self.thread.join(timeout=scaled(15))


def hub_trusting(hub: LiveHub, idp: StandInIdp) -> LiveHub:
    """A second worker of ``hub`` (same database and keys) that accepts the provider's tokens
    and names it in its protected resource metadata. Stop it with ``stop()``."""
    s = hub.settings
    auth = AuthSettings(
        local_issuer_key_path=s.auth.local_issuer_key_path,
        jwks_url=f"{idp.base_url}/jwks",
        jwks_issuer=idp.base_url,
        cli_client_id=CLI_CLIENT,
    )
    settings = s.but(auth=auth)
    server, thread, port = _serve(settings)
    return LiveHub(
        database=hub.database,
        settings=settings,
        base_url=f"http://127.0.0.1:{port}",
        issuer=hub.issuer,
        admin_id=hub.admin_id,
        server=server,
        thread=thread,
    )
