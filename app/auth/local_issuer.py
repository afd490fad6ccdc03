"""The hub's own token issuer (dev/demo tokens and the client-credentials grant)."""

from __future__ import annotations

import base64
import hashlib
import json
import os
import secrets
import uuid
from collections.abc import Mapping
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from jose import jwt

from app.auth.keys import StaticKeySource, VerificationKey


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).decode().rstrip("=")


def _public_jwk(key: ec.EllipticCurvePrivateKey | rsa.RSAPrivateKey) -> dict[str, str]:
    if isinstance(key, ec.EllipticCurvePrivateKey):
        numbers = key.public_key().public_numbers()
        return {
            "crv": "P-256",
            "kty": "EC",
            "x": _b64(numbers.x.to_bytes(32, "big")),
            "y": _b64(numbers.y.to_bytes(32, "big")),
        }
    rsa_numbers = key.public_key().public_numbers()
    n = rsa_numbers.n.to_bytes((rsa_numbers.n.bit_length() + 7) // 8, "big")
    e = rsa_numbers.e.to_bytes((rsa_numbers.e.bit_length() + 7) // 8, "big")
    return {"e": _b64(e), "kty": "RSA", "n": _b64(n)}


def thumbprint(required_members: Mapping[str, str]) -> str:
    """RFC 7638 JWK thumbprint: SHA-256 of the sorted required members, compact JSON."""
    canonical = json.dumps(dict(sorted(required_members.items())), separators=(",", ":"))
    return _b64(hashlib.sha256(canonical.encode()).digest())


def _write_private(path: Path, pem: bytes) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.{secrets.token_hex(4)}.tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    try:
        os.write(fd, pem)
        os.fsync(fd)
    finally:
        os.close(fd)
    os.replace(tmp, path)


class LocalIssuer:
    """Signs tokens with a key kept in a private PEM file."""

    def __init__(self, key: Any, *, issuer: str, audience: str, algorithm: str) -> None:
        self._key = key
        self._pem = key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        ).decode()
        self.issuer = issuer
        self.audience = audience
        self.algorithm = algorithm
        members = _public_jwk(key)
        self.kid = thumbprint(members)
        self._jwk = {**members, "kid": self.kid, "alg": algorithm, "use": "sig"}

    def __repr__(self) -> str:
        return f"LocalIssuer(issuer={self.issuer!r}, kid={self.kid!r}, key=***)"

    @classmethod
    def load_or_create(
        cls, path: Path, *, issuer: str, audience: str, algorithm: str = "ES256"
    ) -> LocalIssuer:
        """Load the signing key, creating it (mode 0600) on first use."""
        path = Path(path)
        if path.exists():
            key: Any = serialization.load_pem_private_key(path.read_bytes(), password=None)
            algorithm = "ES256" if isinstance(key, ec.EllipticCurvePrivateKey) else "RS256"
        else:
            if algorithm == "ES256":
                key = ec.generate_private_key(ec.SECP256R1())
            elif algorithm == "RS256":
                key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
            else:
                raise ValueError("the local issuer signs with ES256 or RS256")
            _write_private(
                path,
                key.private_bytes(
                    serialization.Encoding.PEM,
                    serialization.PrivateFormat.PKCS8,
                    serialization.NoEncryption(),
                ),
            )
        return cls(key, issuer=issuer, audience=audience, algorithm=algorithm)

    def issue(
        self,
        subject: str,
        *,
        ttl_seconds: int = 3600,
        extra: Mapping[str, Any] | None = None,
        now: datetime | None = None,
    ) -> str:
        """A signed token for ``subject`` valid from now for ``ttl_seconds``."""
        now = now or datetime.now(UTC)
        claims: dict[str, Any] = {
            **(extra or {}),
            "iss": self.issuer,
            "aud": self.audience,
            "sub": subject,
            "iat": int(now.timestamp()),
            "nbf": int(now.timestamp()),
            "exp": int((now + timedelta(seconds=ttl_seconds)).timestamp()),
            "jti": str(uuid.uuid4()),
        }
        token = jwt.encode(claims, self._pem, algorithm=self.algorithm, headers={"kid": self.kid})
        return str(token)

    def public_jwk(self) -> dict[str, Any]:
        """The public key as a JWK."""
        return dict(self._jwk)

    def jwks(self) -> dict[str, Any]:
        """The JWKS document."""
        return {"keys": [self.public_jwk()]}

    def key_source(self) -> StaticKeySource:
        """A key source that verifies this issuer's tokens."""
        return StaticKeySource([VerificationKey(self.kid, self.algorithm, self.public_jwk())])
