"""Verification keys with their algorithm pinned, from a fixed set or a JWKS endpoint."""

from __future__ import annotations

import base64
import threading
import time
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any, Protocol

import httpx

from app.auth.errors import AuthError

ALLOWED_ALGORITHMS = frozenset({"RS256", "ES256"})


@dataclass(frozen=True)
class VerificationKey:
    """A public key and the one algorithm it may verify."""

    kid: str
    algorithm: str
    jwk: Mapping[str, Any] = field(repr=False)


class KeySource(Protocol):
    """Somewhere verification keys come from."""

    def get(self, kid: str) -> VerificationKey | None:
        """The key with this id, or None."""
        ...

    def refresh(self) -> None:
        """Reload keys if the source can."""
        ...


class StaticKeySource:
    """A fixed set of keys (the hub's local issuer)."""

    def __init__(self, keys: Iterable[VerificationKey]) -> None:
        self._keys = {k.kid: k for k in keys}

    def get(self, kid: str) -> VerificationKey | None:
        """The key with this id, or None."""
        return self._keys.get(kid)

    def refresh(self) -> None:
        """Nothing to reload."""


def _b64_len_bits(value: str) -> int:
    raw = base64.urlsafe_b64decode(value + "=" * (-len(value) % 4))
    return len(raw.lstrip(b"\x00")) * 8


def key_from_jwk(jwk: Mapping[str, Any]) -> VerificationKey | None:
    """A verification key if the JWK is an acceptable signing key, else None."""
    kid, kty, use = jwk.get("kid"), jwk.get("kty"), jwk.get("use", "sig")
    if not isinstance(kid, str) or use != "sig":
        return None
    if kty == "RSA" and isinstance(jwk.get("n"), str) and _b64_len_bits(jwk["n"]) >= 2048:
        algorithm = "RS256"
    elif kty == "EC" and jwk.get("crv") == "P-256":
        algorithm = "ES256"
    else:
        return None
    if jwk.get("alg", algorithm) != algorithm:
        return None
    public = {k: v for k, v in jwk.items() if k not in ("d", "p", "q", "dp", "dq", "qi")}
    return VerificationKey(kid=kid, algorithm=algorithm, jwk=public)


class JwksKeySource:
    """Keys from an identity provider's JWKS, cached; refreshed on an unknown kid, rate-limited."""

    def __init__(
        self,
        url: str,
        *,
        client: httpx.Client | None = None,
        ttl_seconds: float = 300,
        min_refresh_interval: float = 10,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._url = url
        self._client = client or httpx.Client(timeout=5)
        self._ttl = ttl_seconds
        self._min_interval = min_refresh_interval
        self._clock = clock
        self._lock = threading.Lock()
        self._keys: dict[str, VerificationKey] | None = None
        self._fetched_at = float("-inf")

    def _fetch(self) -> None:
        try:
            response = self._client.get(self._url)
            response.raise_for_status()
            document = response.json()
            entries = document["keys"]
        except (httpx.HTTPError, ValueError, KeyError, TypeError):
            if self._keys is None:
                raise AuthError(
                    "jwks_unavailable", "the identity provider's keys are unavailable"
                ) from None
            return
        finally:
            self._fetched_at = self._clock()
        keys = (key_from_jwk(e) for e in entries if isinstance(e, dict))
        self._keys = {k.kid: k for k in keys if k is not None}

    def refresh(self) -> None:
        """Fetch the JWKS now, unless it was fetched within the minimum interval."""
        with self._lock:
            if self._clock() - self._fetched_at >= self._min_interval or self._keys is None:
                self._fetch()

    def get(self, kid: str) -> VerificationKey | None:
        """The key with this id; refetch when stale or when the kid is unknown."""
        with self._lock:
            if self._keys is None or self._clock() - self._fetched_at >= self._ttl:
                self._fetch()
            assert self._keys is not None  # noqa: S101 - _fetch sets it or raises
            if kid in self._keys:
                return self._keys[kid]
            if self._clock() - self._fetched_at >= self._min_interval:
                self._fetch()
            return self._keys.get(kid)
