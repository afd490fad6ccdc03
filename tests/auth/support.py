"""Helpers for the auth tests: a fixed clock, claim sets, and hand-built (forged) tokens."""

from __future__ import annotations

import base64
import functools
import json
from collections.abc import Callable, Sequence
from datetime import UTC, datetime
from typing import Any

import httpx
from jose import jwk, jwt

from app.auth import KeySource, LocalIssuer, TokenVerifier

NOW = datetime(2026, 11, 25, 9, 0, tzinfo=UTC)
T = int(NOW.timestamp())
HUB = "hub"
IDP = "https://idp.example"
AUDIENCE = "livc"
JWKS_URL = "https://idp.example/jwks"


def b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).decode().rstrip("=")


def b64json(value: Any) -> str:
    return b64(json.dumps(value).encode())


def claims(**over: Any) -> dict[str, Any]:
    """A valid claim set at NOW for the hub; a None override removes the claim."""
    base: dict[str, Any] = {
        "iss": HUB,
        "aud": AUDIENCE,
        "sub": "member-1",
        "iat": T,
        "nbf": T,
        "exp": T + 600,
        "jti": "6c0f6f4e-3d0a-4a57-9f77-0d1b3a1f2b10",
    }
    base.update(over)
    return {k: v for k, v in base.items() if v is not None}


@functools.cache
def _signer(pem: bytes, alg: str) -> Any:
    # Parsing an RSA PEM re-validates the key (slow): once per key, not per token.
    return jwk.construct(pem.decode(), alg)


def sign(
    pem: bytes,
    body: dict[str, Any],
    *,
    alg: str,
    kid: str | None,
    header: dict[str, Any] | None = None,
) -> str:
    """A token signed with jose; kid=None leaves the kid out (unless ``header`` sets one)."""
    headers = {**({} if kid is None else {"kid": kid}), **(header or {})}
    return str(jwt.encode(body, _signer(pem, alg), algorithm=alg, headers=headers))


def unsigned(header: dict[str, Any], body: Any, signature: str = "") -> str:
    """A token built by hand (for attacks jose refuses to produce)."""
    return f"{b64json(header)}.{b64json(body)}.{signature}"


def verifier(
    *sources: KeySource,
    issuer: str | Sequence[str] = (HUB, IDP),
    now: datetime = NOW,
    leeway: int = 30,
) -> TokenVerifier:
    return TokenVerifier(
        sources=list(sources),
        issuer=issuer,
        audience=AUDIENCE,
        leeway_seconds=leeway,
        now=lambda: now,
    )


class FakeIdp:
    """A JWKS endpoint behind httpx.MockTransport that counts its calls."""

    def __init__(self, *issuers: LocalIssuer) -> None:
        self.keys: list[Any] = [i.public_jwk() for i in issuers]
        self.calls = 0
        self.status = 200
        self.body: bytes | None = None
        self.error: Exception | None = None
        self.timeouts: list[Any] = []
        self.on_call: Callable[[], None] | None = None

    def handler(self, request: httpx.Request) -> httpx.Response:
        self.calls += 1
        self.timeouts.append(request.extensions.get("timeout"))
        if self.on_call is not None:
            self.on_call()
        if self.error is not None:
            raise self.error
        if self.body is not None:
            return httpx.Response(self.status, content=self.body)
        return httpx.Response(self.status, json={"keys": self.keys})

    def client(self) -> httpx.Client:
        return httpx.Client(transport=httpx.MockTransport(self.handler))


class Clock:
    """A monotonic clock the test moves by hand."""

    def __init__(self, start: float = 1000.0) -> None:
        self.value = start

    def __call__(self) -> float:
        return self.value

    def advance(self, seconds: float) -> None:
        self.value += seconds
