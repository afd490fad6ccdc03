"""Envelope encryption of one record version: a fresh data key, one AES-256-GCM blob per field.

Each field's associated data binds it to (format, record kind, record id, version, field name,
agency, key version), so a ciphertext moved to another field, record, version or agency fails.
"""

from __future__ import annotations

import json
import secrets
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from app.crypto.errors import DecryptionError
from app.crypto.provider import KeyProvider, WrappedKey

BLOB_FORMAT = b"\x01"
_NONCE = 12
# "surrogatepass": any Python str round-trips, even a lone surrogate that came in via JSON.
_TEXT = "surrogatepass"


@dataclass(frozen=True)
class SealedRecord:
    """A record version as stored: wrapped data key and per-field ciphertexts."""

    agency_id: str
    key_version: int
    wrapped_key: bytes
    fields: Mapping[str, bytes]

    def __repr__(self) -> str:
        names = sorted(self.fields)
        return (
            f"SealedRecord(agency={self.agency_id!r}, version={self.key_version}, "
            f"fields={names}, ***)"
        )


def _canonical(*parts: object) -> bytes:
    # JSON of a list is unambiguous: no two distinct contexts give the same bytes. ASCII escapes
    # keep it total: a lone surrogate in an id or field name cannot make encoding fail.
    return json.dumps(list(parts), separators=(",", ":")).encode()


def _record_aad(kind: str, record_id: str, version: int) -> bytes:
    return _canonical("livc-record/1", kind, record_id, version)


def _field_aad(
    kind: str, record_id: str, version: int, name: str, agency_id: str, key_version: int
) -> bytes:
    return _canonical("livc-field/1", kind, record_id, version, name, agency_id, key_version)


def seal_record(
    provider: KeyProvider,
    *,
    agency_id: str,
    record_kind: str,
    record_id: str,
    version: int,
    fields: Mapping[str, str],
) -> SealedRecord:
    """Seal each field under a fresh data key wrapped by the agency's current KEK."""
    data_key = AESGCM.generate_key(bit_length=256)
    wrapped = provider.wrap(agency_id, data_key, _record_aad(record_kind, record_id, version))
    aead = AESGCM(data_key)
    blobs = {}
    for name, value in fields.items():
        nonce = secrets.token_bytes(_NONCE)
        aad = _field_aad(record_kind, record_id, version, name, agency_id, wrapped.key_version)
        blobs[name] = BLOB_FORMAT + nonce + aead.encrypt(nonce, value.encode("utf-8", _TEXT), aad)
    return SealedRecord(
        agency_id=agency_id,
        key_version=wrapped.key_version,
        wrapped_key=wrapped.wrapped,
        fields=blobs,
    )


def open_record(
    provider: KeyProvider,
    sealed: SealedRecord,
    *,
    record_kind: str,
    record_id: str,
    version: int,
    names: Iterable[str] | None = None,
) -> dict[str, str]:
    """Open only the named fields (all if None); DecryptionError on any failure or absent name."""
    if isinstance(names, str):
        # A bare str is an Iterable[str] of its characters: almost certainly a caller's slip.
        raise TypeError("names must be a collection of field names, not a str")
    wrapped = WrappedKey(sealed.agency_id, sealed.key_version, sealed.wrapped_key)
    aead = AESGCM(provider.unwrap(wrapped, _record_aad(record_kind, record_id, version)))
    wanted = list(sealed.fields) if names is None else list(names)
    opened = {}
    for name in wanted:
        blob = sealed.fields.get(name)
        if blob is None:
            raise DecryptionError("the record has no such field")
        aad = _field_aad(
            record_kind, record_id, version, name, sealed.agency_id, sealed.key_version
        )
        opened[name] = _open_blob(aead, blob, aad)
    return opened


def _open_blob(aead: AESGCM, blob: bytes, aad: bytes) -> str:
    if blob[:1] != BLOB_FORMAT:
        raise DecryptionError("unknown ciphertext format")
    nonce, body = blob[1 : 1 + _NONCE], blob[1 + _NONCE :]
    try:
        return aead.decrypt(nonce, body, aad).decode("utf-8", _TEXT)
    except (InvalidTag, ValueError):
        # UnicodeDecodeError is a ValueError; it can only follow a forged tag anyway.
        raise DecryptionError("a field did not open") from None
