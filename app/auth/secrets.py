"""Client secrets of service accounts: argon2id hashes, never the secret itself.

Hashing is deliberately expensive (about 64 MiB and tens of milliseconds of a core each), so the
hub runs it through one ``SecretHasher`` per process: worker threads, at most ``concurrency`` at a
time. A flood of guesses then queues behind that limiter instead of taking every worker thread,
core and megabyte the rest of the hub needs.
"""

from __future__ import annotations

import secrets as _random

import anyio
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


class SecretHasher:
    """Hashes and verifies secrets in worker threads, at most ``concurrency`` at once."""

    def __init__(self, concurrency: int) -> None:
        self.limiter = anyio.CapacityLimiter(concurrency)
        self._dummy: str | None = None

    async def verify(self, hashed: str, secret: str) -> bool:
        """``verify_secret`` off the event loop, within the limiter."""
        return await anyio.to_thread.run_sync(verify_secret, hashed, secret, limiter=self.limiter)

    async def hash(self, secret: str) -> str:
        """``hash_secret`` off the event loop, within the limiter."""
        return await anyio.to_thread.run_sync(hash_secret, secret, limiter=self.limiter)

    async def dummy(self) -> str:
        """A hash of a random secret, to verify against when an account has none (same cost)."""
        if self._dummy is None:
            self._dummy = await self.hash(new_client_secret())
        return self._dummy


def new_client_secret() -> str:
    """A fresh client secret (256 bits)."""
    return _random.token_urlsafe(32)


def new_client_id(prefix: str = "svc") -> str:
    """A fresh, non-secret client id."""
    return f"{prefix}-{_random.token_hex(8)}"
