"""Shared helpers for the crypto tests."""

from __future__ import annotations

import base64
from collections.abc import Iterable

from app.crypto import LocalKeyring

MASTER = b"m" * 32


def all_keys(ring: LocalKeyring) -> list[bytes]:
    """Every KEK and the index key (if any) the keyring holds in memory."""
    contents = ring._contents
    keks = [k for versions in contents.keks.values() for k in versions.values()]
    return keks + ([contents.index] if contents.index is not None else [])


def encodings(secret: bytes) -> list[str]:
    """The textual forms a leaked secret could take: repr, hex, base64, base64url."""
    return [
        repr(secret),
        secret.hex(),
        secret.hex().upper(),
        base64.b64encode(secret).decode(),
        base64.urlsafe_b64encode(secret).decode(),
    ]


def leaks(text: str, secrets: Iterable[bytes]) -> list[bytes]:
    """The secrets that appear in ``text`` in any of their encodings."""
    return [s for s in secrets if any(form in text for form in encodings(s))]
