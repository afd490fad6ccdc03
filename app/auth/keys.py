"""Verification keys with their algorithm pinned, from a fixed set or a JWKS endpoint."""

from __future__ import annotations

import base64
import ipaddress
import logging
import math
import threading
import time
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Any, Final, Protocol

import httpx
from cryptography.hazmat.primitives.asymmetric import ec, rsa

from app.auth.errors import AuthError

ALLOWED_ALGORITHMS: Final[frozenset[str]] = frozenset({"RS256", "ES256"})
MIN_RSA_BITS: Final = 2048
JWKS_TIMEOUT_SECONDS: Final = 5.0

_KTY_OF: Final[Mapping[str, str]] = MappingProxyType({"RS256": "RSA", "ES256": "EC"})
_ALG_OF: Final[Mapping[str, str]] = MappingProxyType({"RSA": "RS256", "EC": "ES256"})
_PUBLIC_MEMBERS: Final[Mapping[str, tuple[str, ...]]] = MappingProxyType(
    {"RSA": ("kty", "n", "e"), "EC": ("kty", "crv", "x", "y")}
)
# Members that only a private (or symmetric) key has: such a JWK must never verify anything.
_SECRET_MEMBERS: Final = frozenset({"d", "p", "q", "dp", "dq", "qi", "oth", "k"})
_LOOPBACK_HOSTS: Final = frozenset({"localhost"})

_log = logging.getLogger(__name__)


def _b64_uint(value: object) -> int:
    """The unsigned integer a base64url JWK member encodes; ValueError if it is not one."""
    if not isinstance(value, str) or not value:
        raise ValueError("a JWK integer member is missing")
    # urlsafe_b64decode raises binascii.Error (a ValueError) on bad input, ValueError on non-ASCII.
    return int.from_bytes(base64.urlsafe_b64decode(value + "=" * (-len(value) % 4)), "big")


def check_public_jwk(jwk: Mapping[str, Any], algorithm: str) -> None:
    """Raise ValueError unless ``jwk`` is a public key that can verify ``algorithm``."""
    if algorithm not in ALLOWED_ALGORITHMS:
        raise ValueError("only RS256 and ES256 keys are accepted")
    if jwk.get("kty") != _KTY_OF[algorithm]:
        raise ValueError(f"a {algorithm} key must have kty {_KTY_OF[algorithm]}")
    if _SECRET_MEMBERS & jwk.keys():
        raise ValueError("a verification key must not contain private members")
    if algorithm == "RS256":
        public = rsa.RSAPublicNumbers(_b64_uint(jwk.get("e")), _b64_uint(jwk.get("n")))
        if public.public_key().key_size < MIN_RSA_BITS:
            raise ValueError(f"RSA keys must have at least {MIN_RSA_BITS} bits")
    else:
        if jwk.get("crv") != "P-256":
            raise ValueError("ES256 keys must be on P-256")
        # Building the key checks that the point is on the curve (invalid-curve attacks).
        ec.EllipticCurvePublicNumbers(
            _b64_uint(jwk.get("x")), _b64_uint(jwk.get("y")), ec.SECP256R1()
        ).public_key()


@dataclass(frozen=True)
class VerificationKey:
    """A public key and the one algorithm it may verify."""

    kid: str
    algorithm: str
    jwk: Mapping[str, Any] = field(repr=False, hash=False)

    def __post_init__(self) -> None:
        if not isinstance(self.kid, str) or not self.kid:
            raise ValueError("a verification key needs a kid")
        check_public_jwk(self.jwk, self.algorithm)
        # A read-only copy, so no holder can swap the key material after validation.
        object.__setattr__(self, "jwk", MappingProxyType(dict(self.jwk)))


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
        self._keys: dict[str, VerificationKey] = {}
        for key in keys:
            if self._keys.get(key.kid, key) != key:
                raise ValueError(f"two different keys share the kid {key.kid!r}")
            self._keys[key.kid] = key

    def get(self, kid: str) -> VerificationKey | None:
        """The key with this id, or None."""
        return self._keys.get(kid)

    def refresh(self) -> None:
        """Nothing to reload."""


def key_from_jwk(jwk: Mapping[str, Any]) -> VerificationKey | None:
    """A verification key if the JWK is an acceptable public signing key, else None."""
    kid, kty = jwk.get("kid"), jwk.get("kty")
    if not isinstance(kid, str) or not kid or not isinstance(kty, str) or kty not in _ALG_OF:
        return None
    if jwk.get("use", "sig") != "sig":
        return None
    key_ops = jwk.get("key_ops")
    if key_ops is not None and (not isinstance(key_ops, list) or "verify" not in key_ops):
        return None
    algorithm = _ALG_OF[kty]
    # An "alg" we do not accept (or one for another key type) means the key is not for us.
    if jwk.get("alg", algorithm) != algorithm:
        return None
    # A JWKS that publishes a private key has leaked it: anyone could sign with it.
    if _SECRET_MEMBERS & jwk.keys():
        return None
    public = {m: jwk[m] for m in _PUBLIC_MEMBERS[kty] if m in jwk}
    public.update(kid=kid, alg=algorithm, use="sig")
    try:
        return VerificationKey(kid, algorithm, public)
    except (ValueError, TypeError, OverflowError):
        return None


def keys_from_jwks(entries: Iterable[object]) -> dict[str, VerificationKey]:
    """The acceptable keys of a JWKS "keys" array, by kid."""
    found: dict[str, VerificationKey] = {}
    ambiguous: set[str] = set()
    for entry in entries:
        key = key_from_jwk(entry) if isinstance(entry, Mapping) else None
        if key is None:
            _log.debug("skipping a JWKS entry that is not an acceptable signing key")
            continue
        if found.get(key.kid, key) != key:
            # A token naming this kid could not say which of the two keys it means.
            ambiguous.add(key.kid)
        found[key.kid] = key
    for kid in ambiguous:
        _log.warning("the JWKS lists different keys under one kid; ignoring kid %r", kid)
        del found[kid]
    return found


def _check_jwks_url(url: str) -> None:
    """Raise ValueError unless the URL is https (or http on the loopback interface)."""
    # Keys fetched over plain HTTP could be swapped by anyone on the path.
    try:
        parsed = httpx.URL(url)
    except httpx.InvalidURL:
        raise ValueError("the JWKS URL is not a valid https:// URL") from None
    if parsed.scheme == "https" and parsed.host:
        return
    if parsed.scheme == "http" and parsed.host:
        if parsed.host in _LOOPBACK_HOSTS:
            return
        try:
            if ipaddress.ip_address(parsed.host).is_loopback:
                return
        except ValueError:
            pass
    raise ValueError("the JWKS URL must be https:// (http:// only for loopback)")


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
        _check_jwks_url(url)
        if not ttl_seconds > 0 or not min_refresh_interval >= 0:
            raise ValueError("ttl_seconds must be positive and min_refresh_interval not negative")
        self._url = url
        self._owns_client = client is None
        self._client = client if client is not None else httpx.Client(timeout=JWKS_TIMEOUT_SECONDS)
        self._ttl = ttl_seconds
        self._min_interval = min_refresh_interval
        self._clock = clock
        self._lock = threading.Lock()
        self._keys: dict[str, VerificationKey] | None = None
        self._fetched_at = -math.inf  # last successful fetch: decides staleness
        self._attempted_at = -math.inf  # last attempt, failed or not: decides the rate limit

    def __repr__(self) -> str:
        return f"JwksKeySource({self._url!r})"

    def _download(self) -> dict[str, VerificationKey] | None:
        try:
            response = self._client.get(self._url, timeout=JWKS_TIMEOUT_SECONDS)
            response.raise_for_status()
            document = response.json()
        except (httpx.HTTPError, httpx.InvalidURL, ValueError) as exc:
            _log.warning("fetching the JWKS from %s failed: %s", self._url, type(exc).__name__)
            return None
        entries = document.get("keys") if isinstance(document, dict) else None
        if not isinstance(entries, list):
            _log.warning("the JWKS from %s has no 'keys' array", self._url)
            return None
        return keys_from_jwks(entries)

    def _may_fetch(self) -> bool:
        return self._clock() - self._attempted_at >= self._min_interval

    def _fetch(self) -> None:
        """Fetch under the lock; a failure keeps the old keys and only raises if there are none."""
        self._attempted_at = self._clock()
        keys = self._download()
        if keys is not None:
            self._keys, self._fetched_at = keys, self._attempted_at
        elif self._keys is None:
            raise AuthError("jwks_unavailable", "the identity provider's keys are unavailable")

    def refresh(self) -> None:
        """Fetch the JWKS now, unless an attempt was made within the minimum interval."""
        with self._lock:
            if self._may_fetch():
                self._fetch()

    def get(self, kid: str) -> VerificationKey | None:
        """The key with this id; refetch when stale or when the kid is unknown (rate-limited)."""
        with self._lock:
            stale = self._keys is None or self._clock() - self._fetched_at >= self._ttl
            if stale and self._may_fetch():
                self._fetch()
            if self._keys is None:
                # The last attempt failed moments ago: answer at once instead of queueing
                # every request behind another timeout against an IdP that is down.
                raise AuthError("jwks_unavailable", "the identity provider's keys are unavailable")
            key = self._keys.get(kid)
            if key is None and self._may_fetch():
                self._fetch()
                key = self._keys.get(kid)
            return key

    def close(self) -> None:
        """Close the HTTP client if this source created it."""
        if self._owns_client:
            self._client.close()
