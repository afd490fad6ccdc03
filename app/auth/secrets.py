"""Client secrets of service accounts: argon2id hashes, never the secret itself."""

from __future__ import annotations

import secrets as _random

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError

_hasher = PasswordHasher()


def hash_secret(secret: str) -> str:
    """An argon2id hash of the secret."""
    return _hasher.hash(secret)


def verify_secret(hashed: str, secret: str) -> bool:
    """True if the secret matches; False on mismatch or an invalid hash, never an exception."""
    try:
        return _hasher.verify(hashed, secret)
    except (VerifyMismatchError, VerificationError, InvalidHashError):
        return False


def new_client_secret() -> str:
    """A fresh client secret (256 bits)."""
    return _random.token_urlsafe(32)


def new_client_id(prefix: str = "svc") -> str:
    """A fresh, non-secret client id."""
    return f"{prefix}-{_random.token_hex(8)}"
