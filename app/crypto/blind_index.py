"""Keyed blind indexes: agencies can find they signal the same person, no identifier in clear."""

from __future__ import annotations

import unicodedata

from cryptography.hazmat.primitives import hashes, hmac

from app.crypto.provider import KeyProvider


def normalise(kind: str, value: str) -> str:
    """The form that is indexed: NRN digits only; names folded and whitespace collapsed."""
    if kind == "nrn":
        return "".join(c for c in value if c not in " .-").strip()
    folded = unicodedata.normalize("NFKC", value).casefold()
    return " ".join(folded.split())


def blind_index(provider: KeyProvider, kind: str, value: str) -> str:
    """HMAC-SHA256 of the normalised value under the hub's index key, as hex."""
    mac = hmac.HMAC(provider.index_key(), hashes.SHA256())
    mac.update(kind.encode() + b"\x00" + normalise(kind, value).encode())
    return mac.finalize().hex()
