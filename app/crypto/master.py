"""The master key that seals the local keyring: from the environment or a secret file."""

from __future__ import annotations

import base64
import binascii
import re
import secrets
from pathlib import Path

from app.crypto.errors import MasterKeyError

# Publicly known on purpose: only for demo mode, where no real data may be stored.
DEMO_MASTER_KEY = b"livc-hub demo master key -- NOT SECRET, demo only!!"

MIN_LENGTH = 32

# Any even-length run of hex digits is hex, whatever its length: otherwise a too-short hex key
# would be misread as longer base64 and pass the length check. A random base64url key that is
# all hex digits is vanishingly unlikely; `generate_master_key` output (43 chars) never is.
_HEX = re.compile(r"(?:[0-9a-fA-F]{2})+")


def _decode(text: str) -> bytes:
    text = text.strip()
    if _HEX.fullmatch(text):
        return bytes.fromhex(text)
    body = text.rstrip("=")
    try:
        # validate=True: the lenient decoder silently drops stray characters from a typo'd key.
        return base64.b64decode(body + "=" * (-len(body) % 4), altchars=b"-_", validate=True)
    except (ValueError, binascii.Error):
        raise MasterKeyError("the master key is neither base64url nor hex") from None


def _read_key_file(file: Path) -> str:
    try:
        return file.read_text()
    except (OSError, UnicodeDecodeError):
        raise MasterKeyError(f"cannot read the master key file {file}") from None


def master_key_from(value: str | None, file: Path | None, *, demo: bool) -> bytes:
    """The master key from a value (preferred) or a file; the demo key only in demo mode."""
    if value is not None:
        key = _decode(value)
    elif file is not None:
        key = _decode(_read_key_file(file))
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
    """A new random 32-byte master key, base64url without padding."""
    return base64.urlsafe_b64encode(secrets.token_bytes(MIN_LENGTH)).decode().rstrip("=")
