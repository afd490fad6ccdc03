"""The hub's own token issuer (dev/demo tokens and the client-credentials grant)."""

from __future__ import annotations

import base64
import contextlib
import hashlib
import json
import logging
import os
import uuid
from collections.abc import Mapping
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any, Final

from cryptography.exceptions import UnsupportedAlgorithm
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from jose import jwk, jwt

from app.auth.keys import ALLOWED_ALGORITHMS, MIN_RSA_BITS, StaticKeySource, VerificationKey
from app.db.files import create_private_file

PrivateKey = ec.EllipticCurvePrivateKey | rsa.RSAPrivateKey

RESERVED_CLAIMS: Final = frozenset({"iss", "aud", "sub", "iat", "nbf", "exp", "jti"})

_log = logging.getLogger(__name__)


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).decode("ascii").rstrip("=")


def _uint(value: int) -> bytes:
    return value.to_bytes(max(1, (value.bit_length() + 7) // 8), "big")


def _algorithm_of(key: object) -> str:
    if isinstance(key, ec.EllipticCurvePrivateKey) and isinstance(key.curve, ec.SECP256R1):
        return "ES256"
    if isinstance(key, rsa.RSAPrivateKey) and key.key_size >= MIN_RSA_BITS:
        return "RS256"
    raise ValueError(f"the issuer key must be EC P-256 or RSA with >= {MIN_RSA_BITS} bits")


def _required_members(key: PrivateKey) -> dict[str, str]:
    """The public JWK members RFC 7638 hashes for the thumbprint (and nothing else)."""
    if isinstance(key, ec.EllipticCurvePrivateKey):
        point = key.public_key().public_numbers()
        # RFC 7518 6.2.1: coordinates are the full 32 bytes on P-256, leading zeros included.
        return {
            "crv": "P-256",
            "kty": "EC",
            "x": _b64(point.x.to_bytes(32, "big")),
            "y": _b64(point.y.to_bytes(32, "big")),
        }
    numbers = key.public_key().public_numbers()
    return {"e": _b64(_uint(numbers.e)), "kty": "RSA", "n": _b64(_uint(numbers.n))}


def jwk_thumbprint(required_members: Mapping[str, str]) -> str:
    """RFC 7638 JWK thumbprint: base64url SHA-256 of the sorted, compact required members."""
    canonical = json.dumps(dict(required_members), sort_keys=True, separators=(",", ":"))
    return _b64(hashlib.sha256(canonical.encode("utf-8")).digest())


def _private_pem(key: PrivateKey) -> bytes:
    return key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )


def _load_private_key(path: Path, pem: bytes) -> PrivateKey:
    try:
        key = serialization.load_pem_private_key(pem, password=None)
    except (ValueError, TypeError, UnsupportedAlgorithm) as exc:
        raise ValueError(f"{path} does not hold an unencrypted PEM private key") from exc
    _algorithm_of(key)
    assert isinstance(key, ec.EllipticCurvePrivateKey | rsa.RSAPrivateKey)  # noqa: S101
    return key


def _check_algorithm(algorithm: str) -> None:
    if algorithm not in ALLOWED_ALGORITHMS:
        raise ValueError("the local issuer signs with ES256 or RS256")


class IssuerKeyMissing(FileNotFoundError):
    """The issuer's key file does not exist (and may not be created here)."""


class LocalIssuer:
    """Signs tokens with a key kept in a private PEM file."""

    def __init__(self, key: PrivateKey, *, issuer: str, audience: str) -> None:
        self.algorithm: Final = _algorithm_of(key)
        self.issuer: Final = issuer
        self.audience: Final = audience
        # Built once: handing jose the PEM would re-parse (and, for RSA, re-validate) the key on
        # every token, which costs tens of milliseconds.
        self._signer: Final[Any] = jwk.construct(key, self.algorithm)
        members = _required_members(key)
        self.kid: Final = jwk_thumbprint(members)
        self._jwk: Final = {**members, "kid": self.kid, "alg": self.algorithm, "use": "sig"}

    def __repr__(self) -> str:
        return f"LocalIssuer(issuer={self.issuer!r}, kid={self.kid!r}, key=***)"

    @classmethod
    def ephemeral(cls, *, issuer: str, audience: str) -> LocalIssuer:
        """A P-256 issuer whose key lives only in this process's memory (never written)."""
        return cls(ec.generate_private_key(ec.SECP256R1()), issuer=issuer, audience=audience)

    @classmethod
    def load(
        cls, path: Path, *, issuer: str, audience: str, algorithm: str = "ES256"
    ) -> LocalIssuer:
        """Load the signing key from ``path``; never create it."""
        _check_algorithm(algorithm)
        path = Path(path)
        try:
            pem = path.read_bytes()
        except FileNotFoundError:
            raise IssuerKeyMissing(
                f"the token issuer key {path} does not exist; in production keys are never "
                "created implicitly: create them with `livc-hub keys init`"
            ) from None
        if os.name == "posix" and path.stat().st_mode & 0o077:
            _log.warning("the issuer key %s is readable by other users", path)
        loaded = _load_private_key(path, pem)
        if _algorithm_of(loaded) != algorithm:
            raise ValueError(f"{path} holds an {_algorithm_of(loaded)} key, not {algorithm}")
        return cls(loaded, issuer=issuer, audience=audience)

    @classmethod
    def create(
        cls, path: Path, *, issuer: str, audience: str, algorithm: str = "ES256"
    ) -> LocalIssuer:
        """Create a new key at ``path`` (0600, in a 0700 directory); refuse if one exists."""
        _check_algorithm(algorithm)
        key: PrivateKey
        if algorithm == "ES256":
            key = ec.generate_private_key(ec.SECP256R1())
        else:
            key = rsa.generate_private_key(public_exponent=65537, key_size=MIN_RSA_BITS)
        if not create_private_file(Path(path), _private_pem(key)):
            raise FileExistsError(f"{path} already exists; it was not overwritten")
        return cls(key, issuer=issuer, audience=audience)

    @classmethod
    def load_or_create(
        cls, path: Path, *, issuer: str, audience: str, algorithm: str = "ES256"
    ) -> LocalIssuer:
        """Load the signing key, creating it (mode 0600) on first use (development and demo)."""
        path = Path(path)
        if not path.exists():
            with contextlib.suppress(FileExistsError):  # another process won: use its key
                made = cls.create(path, issuer=issuer, audience=audience, algorithm=algorithm)
                _log.warning(
                    "created the token issuer key %s (kid %s); production never creates keys "
                    "implicitly: there, run `livc-hub keys init`",
                    path,
                    made.kid,
                )
                return made
        return cls.load(path, issuer=issuer, audience=audience, algorithm=algorithm)

    def issue(
        self,
        subject: str,
        *,
        ttl_seconds: int = 3600,
        extra: Mapping[str, Any] | None = None,
        now: datetime | None = None,
    ) -> str:
        """A signed token for ``subject``, valid from ``now`` for ``ttl_seconds``."""
        if not isinstance(subject, str) or not subject:
            raise ValueError("a token needs a subject")
        if ttl_seconds <= 0:
            raise ValueError("ttl_seconds must be positive")
        if now is None:
            now = datetime.now(UTC)
        elif now.utcoffset() is None:
            raise ValueError("now must be timezone-aware")
        clash = RESERVED_CLAIMS & (extra or {}).keys()
        if clash:
            raise ValueError(f"extra claims may not set {sorted(clash)}")
        issued = int(now.timestamp())
        claims: dict[str, Any] = {
            **(extra or {}),
            "iss": self.issuer,
            "aud": self.audience,
            "sub": subject,
            "iat": issued,
            "nbf": issued,
            "exp": int((now + timedelta(seconds=ttl_seconds)).timestamp()),
            "jti": str(uuid.uuid4()),
        }
        token = jwt.encode(
            claims, self._signer, algorithm=self.algorithm, headers={"kid": self.kid}
        )
        if not isinstance(token, str):
            raise TypeError("python-jose returned a non-string token")
        return token

    def public_jwk(self) -> dict[str, Any]:
        """The public key as a JWK (with kid, alg and use)."""
        return dict(self._jwk)

    def jwks(self) -> dict[str, Any]:
        """The JWKS document publishing this issuer's key."""
        return {"keys": [self.public_jwk()]}

    def key_source(self) -> StaticKeySource:
        """A key source that verifies this issuer's tokens."""
        return StaticKeySource([VerificationKey(self.kid, self.algorithm, self.public_jwk())])
