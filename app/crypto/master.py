"""The master key that seals the local keyring: from the environment or a secret file."""

from __future__ import annotations

import base64
import binascii
import secrets
from pathlib import Path

from app.crypto.errors import MasterKeyError

# Publicly known on purpose: only for demo mode, where no real data may be stored.
DEMO_MASTER_KEY = b"livc-hub demo master key -- NOT SECRET, demo only!!"

MIN_LENGTH = 32


def _decode(text: str) -> bytes:
    text = text.strip()
    try:
        if len(text) >= 2 * MIN_LENGTH and all(c in "0123456789abcdefABCDEF" for c in text):
            return bytes.fromhex(text)
        return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))
    except (ValueError, binascii.Error):
        raise MasterKeyError("the master key is neither base64url nor hex") from None


def master_key_from(value: str | None, file: Path | None, *, demo: bool) -> bytes:
    """The master key from a value or a file; the demo key only in demo mode."""
    if value is not None:
        key = _decode(value)
    elif file is not None:
        try:
            key = _decode(file.read_text())
        except OSError:
            raise MasterKeyError(f"cannot read the master key file {file}") from None
    elif demo:
        return DEMO_MASTER_KEY
    else:
        raise MasterKeyError(
            "a master key is required outside demo mode: "
            "set LIVC_KEYS_MASTER_KEY or LIVC_KEYS_MASTER_KEY_FILE"
        )
    if len(key) < MIN_LENGTH:
        raise MasterKeyError(f"the master key must be at least {MIN_LENGTH} bytes")
    if key == DEMO_MASTER_KEY and not demo:
        raise MasterKeyError("the demo master key is refused outside demo mode")
    return key


def generate_master_key() -> str:
    """A new random 32-byte master key, base64url."""
    return base64.urlsafe_b64encode(secrets.token_bytes(32)).decode().rstrip("=")
