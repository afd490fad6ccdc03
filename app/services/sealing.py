"""The bridge between sealed records and database rows (base64 blobs in a JSON column).

A stored record that does not open (a ciphertext tampered with or moved from another row or
field, a wrong or unknown key version) is a failed read: ``unseal`` says why with a stable reason
code and the names of the fields concerned, never a value or a key, and ``failed_read`` turns
that into the problem answer with its access-log entry.
"""

from __future__ import annotations

import base64
from collections.abc import Callable, Iterable, Mapping
from dataclasses import replace

from app.audit.log import AuditEvent
from app.crypto import CryptoError, KeyProvider, SealedRecord, open_record, seal_record
from app.errors import RecordUnreadable
from app.services.authz import denied

# Reason codes of failed reads (stable: they go into the access log).
KEY_MISSING = "decrypt_key_missing"
KEY_VERSION_UNKNOWN = "decrypt_key_version_unknown"
DATA_KEY_INVALID = "decrypt_data_key_invalid"
FIELD_INVALID = "decrypt_field_invalid"

_Attempt = Callable[[list[str]], dict[str, str]]


class UnsealFailed(Exception):
    """A stored record did not open: a reason code and field names, nothing else."""

    def __init__(self, reason: str, fields: Iterable[str]) -> None:
        super().__init__(reason)
        self.reason = reason
        self.fields = tuple(sorted(fields))


def seal(
    keys: KeyProvider,
    *,
    agency_id: str,
    kind: str,
    record_id: str,
    version: int,
    values: Mapping[str, str],
) -> tuple[int, bytes, dict[str, str]]:
    """Seal ``values`` under the agency's key; return (key version, wrapped key, stored blobs)."""
    record = seal_record(
        keys,
        agency_id=agency_id,
        record_kind=kind,
        record_id=record_id,
        version=version,
        fields=values,
    )
    blobs = {name: base64.b64encode(blob).decode() for name, blob in record.fields.items()}
    return record.key_version, record.wrapped_key, blobs


def unseal(
    keys: KeyProvider,
    *,
    agency_id: str,
    kind: str,
    record_id: str,
    version: int,
    key_version: int,
    wrapped_key: bytes,
    blobs: Mapping[str, str],
    names: Iterable[str] | None,
) -> dict[str, str]:
    """Open only the named fields (all when None) of a stored record; UnsealFailed if it fails."""
    wanted = sorted(set(blobs) if names is None else set(names) & set(blobs))

    def attempt(fields: list[str]) -> dict[str, str]:
        record = SealedRecord(
            agency_id=agency_id,
            key_version=key_version,
            wrapped_key=wrapped_key,
            fields={n: base64.b64decode(blobs[n], validate=True) for n in fields},
        )
        return open_record(
            keys, record, record_kind=kind, record_id=record_id, version=version, names=fields
        )

    try:
        return attempt(wanted)
    except (CryptoError, ValueError):  # binascii.Error is a ValueError
        raise _diagnose(keys, agency_id, key_version, wanted, attempt) from None


def open_or_fail(
    keys: KeyProvider,
    event: AuditEvent,
    *,
    agency_id: str,
    kind: str,
    record_id: str,
    version: int,
    key_version: int,
    wrapped_key: bytes,
    blobs: Mapping[str, str],
    names: Iterable[str] | None = None,
) -> dict[str, str]:
    """``unseal`` for a read logged as ``event``: a record that does not open raises the
    failed-read problem (``failed_read``) with its denied entry."""
    try:
        return unseal(
            keys,
            agency_id=agency_id,
            kind=kind,
            record_id=record_id,
            version=version,
            key_version=key_version,
            wrapped_key=wrapped_key,
            blobs=blobs,
            names=names,
        )
    except UnsealFailed as exc:
        raise failed_read(event, exc) from None


def _diagnose(
    keys: KeyProvider,
    agency_id: str,
    key_version: int,
    wanted: list[str],
    attempt: _Attempt,
) -> UnsealFailed:
    # Only on failure: which layer did not open, and which fields. Messages of the crypto errors
    # are not passed on; the codes say enough and carry nothing of the key or the data.
    try:
        current = keys.current_version(agency_id)
    except CryptoError:
        return UnsealFailed(KEY_MISSING, wanted)
    if not 1 <= key_version <= current:
        return UnsealFailed(KEY_VERSION_UNKNOWN, wanted)
    if not _opens(attempt, []):
        return UnsealFailed(DATA_KEY_INVALID, wanted)
    return UnsealFailed(FIELD_INVALID, [n for n in wanted if not _opens(attempt, [n])])


def _opens(attempt: _Attempt, fields: list[str]) -> bool:
    try:
        attempt(fields)
    except (CryptoError, ValueError):
        return False
    return True


def failed_read(
    event: AuditEvent, error: UnsealFailed, *, fields: Iterable[str] = ()
) -> RecordUnreadable:
    """The problem answer to a read that did not open, with its failed-read log entry.

    The entry is the read's own event, denied with the reason; ``denied`` names the fields
    concerned (``fields`` if given, in the caller's format). It is written after the request's
    transaction is rolled back, so the read's allow entry never stands alone.
    """
    named = tuple(fields) or error.fields
    entry = denied(replace(event, fields=(), denied=named), error.reason)
    return RecordUnreadable(audit=(entry,))
