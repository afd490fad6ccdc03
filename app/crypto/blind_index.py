"""Keyed blind indexes: agencies can find they signal the same person, no identifier in clear."""

from __future__ import annotations

import unicodedata

from cryptography.hazmat.primitives import hashes, hmac

from app.crypto.provider import KeyProvider

KINDS = frozenset({"nrn", "name_dob"})
_NRN_NOISE = frozenset(".-")


def normalise(kind: str, value: str) -> str:
    """The form that is indexed: NRN without spaces/dots/dashes; names folded, spaces collapsed."""
    if kind not in KINDS:
        # An unknown kind would silently never match anything another agency indexed.
        raise ValueError(f"unknown blind index kind {kind!r}")
    text = unicodedata.normalize("NFKC", value)
    if kind == "nrn":
        text = "".join(c for c in text if not c.isspace() and c not in _NRN_NOISE)
    else:
        text = " ".join(unicodedata.normalize("NFKC", text.casefold()).split())
    # NFKC last as well: folding, or dropping a space NFKC made (U+00AF becomes " " + U+0304),
    # can leave a sequence that NFKC would compose, so normalising twice would change the value.
    return unicodedata.normalize("NFKC", text)


def blind_index(provider: KeyProvider, kind: str, value: str) -> str:
    """HMAC-SHA256 of kind, NUL and the normalised value under the hub's index key, as hex."""
    mac = hmac.HMAC(provider.index_key(), hashes.SHA256())
    mac.update(kind.encode() + b"\x00" + normalise(kind, value).encode("utf-8", "surrogatepass"))
    return mac.finalize().hex()
