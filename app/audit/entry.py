"""The canonical form of an access-log entry and its hashes (shared with the offline verifier).

An entry is a flat JSON object; its canonical bytes are RFC 8785 (JCS), computed by the rfc8785
library. ``prev`` is the hex entry hash of the entry before it (zeros for the first), so the
entries form a hash chain; the leaf of the Merkle tree is the canonical bytes.

Fields are only ever added at the end of ``FIELDS``, and a field added later (``LATER``) is left
out of the canonical bytes while it is empty, so entries written before it existed keep their
hashes. ``owners`` (added with agency-scoped auditors) lists the agencies whose data the entry
concerns; ``count`` (added with aggregated authentication failures) says how many identical
failures one entry stands for (absent: one).

An export line (``export_line``) is the canonical bytes themselves, the closing brace replaced by
``,"hash":"<hex>"``, then the later fields left out as empty (``,"owners":[]``, ``,"count":null``)
and the brace: it parses to the same object as the entry with its hash, and the verifier hashes
the line's own bytes up to the hash instead of rebuilding them (decision 75).
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Mapping
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
    "count",
)

# Fields added after the first entries were written: omitted from the canonical bytes when empty.
LATER = frozenset({"owners", "count"})


def timestamp(at: datetime) -> str:
    """The one textual form of an entry's time: UTC with microseconds."""
    return at.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


# For objects whose keys are ASCII and whose values are only strings, null, booleans, integers
# within +-2**53 and lists of strings, RFC 8785 and the standard library's sorted, compact,
# non-ASCII-escaping JSON are the same bytes: the same key order (code points equal UTF-16 units
# for ASCII), the same string escapes (\b \t \n \f \r, \" \\, other controls as lowercase
# \u00xx, nothing else escaped), the same integers. Entries are such objects, so the stdlib encoder
# (C, 4x faster) serves them; anything else (a float, a big integer, a nested object in a doctored
# export) goes to rfc8785. tests/audit/test_entry.py checks the two agree on generated entries.
_ENCODE = json.JSONEncoder(
    sort_keys=True, separators=(",", ":"), ensure_ascii=False, allow_nan=False
).encode
_SAFE_INT = 2**53
_SCALARS = frozenset({str, bool, type(None)})
_KNOWN = frozenset(FIELDS) | {"hash"}


def _plain(values: Iterable[object]) -> bool:
    for value in values:
        kind = type(value)
        if kind in _SCALARS:
            continue
        if kind is list:
            if not all(type(item) is str for item in value):  # type: ignore[attr-defined]
                return False
        elif kind is not int or not -_SAFE_INT < value < _SAFE_INT:  # type: ignore[operator]
            return False
    return True


def canonical(entry: Mapping[str, Any]) -> bytes:
    """RFC 8785 bytes of exactly the entry's fields (a ``hash`` key, if present, is left out)."""
    if not _KNOWN.issuperset(entry):
        raise ValueError(f"unknown entry fields: {sorted(set(entry) - _KNOWN)}")
    obj = {k: entry.get(k) for k in FIELDS}
    for k in LATER:
        if obj[k] in (None, []):
            del obj[k]
    if _plain(obj.values()):
        try:
            return _ENCODE(obj).encode("utf-8")
        except UnicodeEncodeError:
            pass  # a lone surrogate: let rfc8785 refuse it with its own error
    return rfc8785.dumps(obj)


def entry_hash(data: bytes) -> str:
    """The chain hash of canonical entry bytes (hex)."""
    return hashlib.sha256(data).hexdigest()


def leaf(data: bytes) -> bytes:
    """The Merkle leaf hash of canonical entry bytes."""
    return leaf_hash(data)


HASH_KEY = b',"hash":"'
# What an export line adds after the hash for a later field left out of the canonical bytes, so
# the line still parses to every field (the export has always shown them, empty or not).
EMPTY_LATER = {"owners": b',"owners":[]', "count": b',"count":null'}


def export_line(entry: Mapping[str, Any], digest: str) -> bytes:
    """One NDJSON export line: the canonical bytes, the chain hash, the empty later fields."""
    data = canonical(entry)
    empty = b"".join(EMPTY_LATER[k] for k in FIELDS if k in LATER and entry.get(k) in (None, []))
    quoted = _ENCODE(digest).encode("utf-8")  # a stored hash is text from the database: quote it
    return b"".join((data[:-1], HASH_KEY[:-1], quoted, empty, b"}\n"))
