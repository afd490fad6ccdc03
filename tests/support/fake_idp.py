"""A fake OpenID Connect provider on 127.0.0.1 for the web sign-in tests (no network).

Discovery, an authorize endpoint that redirects straight back with a code (the person is whoever
the test names in ``subject``), a token endpoint that checks the client, the redirect URI and the
PKCE verifier (S256) of that code, and the JWKS. ``nonce_override`` makes it sign a wrong nonce.
"""

from __future__ import annotations

import base64
import hashlib
import secrets
import threading
import time
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlencode

import uvicorn
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, RedirectResponse, Response
from starlette.routing import Route

from app.auth import LocalIssuer
from tests.support.live import serve_in_thread
from tests.support.timing import scaled

CLIENT_ID = "livc-hub-test"
CLIENT_SECRET = "fake-idp-client-secret"  # a test fixture, not a credential


def _s256(verifier: str) -> str:
    digest = hashlib.sha256(verifier.encode("ascii")).digest()
    return base64.urlsafe_b64encode(digest).decode("ascii").rstrip("=")


@dataclass
class FakeIdp:
    """The provider's state, read and steered by the tests."""

    subject: str = ""
    extra_claims: dict[str, Any] = field(default_factory=dict)
    nonce_override: str | None = None
    authorize_requests: list[dict[str, str]] = field(default_factory=list)
    token_requests: list[dict[str, str]] = field(default_factory=list)
    codes: dict[str, dict[str, str]] = field(default_factory=dict)
    base_url: str = ""
    server: uvicorn.Server | None = None
    thread: threading.Thread | None = None

    def __post_init__(self) -> None:
        self.signer = LocalIssuer.ephemeral(issuer="unused", audience=CLIENT_ID)

    def app(self) -> Starlette:
        return Starlette(
            routes=[
                Route("/.well-known/openid-configuration", self.discovery),
                Route("/authorize", self.authorize),
                Route("/token", self.token, methods=["POST"]),
                Route("/jwks", self.jwks),
            ]
        )

    async def discovery(self, request: Request) -> Response:
        return JSONResponse(
            {
                "issuer": self.base_url,
                "authorization_endpoint": f"{self.base_url}/authorize",
                "token_endpoint": f"{self.base_url}/token",
                "jwks_uri": f"{self.base_url}/jwks",
                "response_types_supported": ["code"],
                "code_challenge_methods_supported": ["S256"],
                "id_token_signing_alg_values_supported": ["ES256"],
            }
        )

    async def authorize(self, request: Request) -> Response:
        params = dict(request.query_params)
        self.authorize_requests.append(params)
        code = secrets.token_urlsafe(16)
        self.codes[code] = {**params, "subject": self.subject}
        back = {"code": code, "state": params.get("state", "")}
        return RedirectResponse(f"{params['redirect_uri']}?{urlencode(back)}", status_code=303)

    async def token(self, request: Request) -> Response:
        form = {k: str(v) for k, v in (await request.form()).items()}
        self.token_requests.append(form)
        auth = request.headers.get("authorization", "")
        expected = base64.b64encode(f"{CLIENT_ID}:{CLIENT_SECRET}".encode()).decode()
        if auth != f"Basic {expected}":
            return JSONResponse({"error": "invalid_client"}, status_code=401)
        issued = self.codes.pop(form.get("code", ""), None)  # a code is used once
        if issued is None or form.get("grant_type") != "authorization_code":
            return JSONResponse({"error": "invalid_grant"}, status_code=400)
        if form.get("redirect_uri") != issued["redirect_uri"]:
            return JSONResponse({"error": "invalid_grant"}, status_code=400)
        verifier = form.get("code_verifier", "")
        if issued.get("code_challenge_method") != "S256" or _s256(verifier) != issued.get(
            "code_challenge"
        ):
            return JSONResponse({"error": "invalid_grant", "why": "pkce"}, status_code=400)
        now = int(time.time())
        claims = {
            "iss": self.base_url,
            "aud": CLIENT_ID,
            "sub": issued["subject"],
            "iat": now,
            "exp": now + 300,
            "nonce": self.nonce_override or issued.get("nonce", ""),
            **self.extra_claims,
        }
        id_token = _sign(self.signer, claims)
        return JSONResponse(
            {
                "access_token": secrets.token_urlsafe(16),
                "token_type": "Bearer",
                "id_token": id_token,
            }
        )

    async def jwks(self, request: Request) -> Response:
        return JSONResponse(self.signer.jwks())

    def start(self) -> FakeIdp:
        self.server, self.thread, port = serve_in_thread(
            self.app(), name="fake-idp", what="the fake identity provider"
        )
        self.base_url = f"http://127.0.0.1:{port}"
        return self

    def stop(self) -> None:
        if self.server is not None and self.thread is not None:
            self.server.should_exit = True
            self.thread.join(timeout=scaled(15))


def _sign(signer: LocalIssuer, claims: dict[str, Any]) -> str:
    from jose import jwt

    return str(
        jwt.encode(claims, signer._signer, algorithm=signer.algorithm, headers={"kid": signer.kid})
    )
