"""The canonical form of an access-log entry and its hashes (shared with the offline verifier).

An entry is a flat JSON object; its canonical bytes are RFC 8785 (JCS), computed by the rfc8785
library. ``prev`` is the hex entry hash of the entry before it (zeros for the first), so the
entries form a hash chain; the leaf of the Merkle tree is the canonical bytes.

Fields are only ever added at the end of ``FIELDS``, and a field added later (``LATER``) is left
out of the canonical bytes while it is empty, so entries written before it existed keep their
hashes. ``owners`` (added with agency-scoped auditors) lists the agencies whose data the entry
concerns.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any

import rfc8785

from app.audit.merkle import leaf_hash

GENESIS = "0" * 64

FIELDS = (
    "seq",
    "at",
    "actor",
    "actor_agency",
    "action",
    "decision",
    "reason",
    "cell",
    "case",
    "subject",
    "exchange",
    "note",
    "object",
    "fields",
    "denied",
    "purpose",
    "request_id",
    "prev",
    "owners",
)

# Fields added after the first entries were written: omitted from the canonical bytes when empty.
LATER = frozenset({"owners"})


def timestamp(at: datetime) -> str:
    """The one textual form of an entry's time: UTC with microseconds."""
    return at.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def canonical(entry: Mapping[str, Any]) -> bytes:
    """RFC 8785 bytes of exactly the entry's fields (a ``hash`` key, if present, is left out)."""
    unknown = set(entry) - set(FIELDS) - {"hash"}
    if unknown:
        raise ValueError(f"unknown entry fields: {sorted(unknown)}")
    obj = {k: entry.get(k) for k in FIELDS if k not in LATER or entry.get(k) not in (None, [])}
    return rfc8785.dumps(obj)


def entry_hash(data: bytes) -> str:
    """The chain hash of canonical entry bytes (hex)."""
    return hashlib.sha256(data).hexdigest()


def leaf(data: bytes) -> bytes:
    """The Merkle leaf hash of canonical entry bytes."""
    return leaf_hash(data)
