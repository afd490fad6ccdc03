"""The bridge between sealed records and database rows (base64 blobs in a JSON column)."""

from __future__ import annotations

import base64
from collections.abc import Iterable, Mapping

from app.crypto import KeyProvider, SealedRecord, open_record, seal_record


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
    """Open only the named fields (all when None) of a stored record."""
    wanted = set(blobs) if names is None else set(names) & set(blobs)
    record = SealedRecord(
        agency_id=agency_id,
        key_version=key_version,
        wrapped_key=wrapped_key,
        fields={n: base64.b64decode(blobs[n]) for n in wanted},
    )
    return open_record(
        keys, record, record_kind=kind, record_id=record_id, version=version, names=sorted(wanted)
    )
