"""Offline verification of an access-log export: hash chain, Merkle roots, signed checkpoints.

Input: the NDJSON export (one entry per line, as ``GET /api/v1/audit/export`` writes it), the
hub's public audit key (PEM) and, optionally, the checkpoints (NDJSON from
``GET /api/v1/audit/checkpoints``). The answer names the first bad entry and what is wrong.
Imports: the standard library, rfc8785 and cryptography only.
"""

from __future__ import annotations

import base64
import binascii
import json
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

from app.audit.entry import GENESIS, canonical, entry_hash, leaf
from app.audit.merkle import Frontier
from app.audit.signing import Checkpoint, key_id


@dataclass
class Report:
    """What the verifier found: entries checked, checkpoints checked, the first problem."""

    entries: int = 0
    checkpoints: int = 0
    problems: list[str] = field(default_factory=list)
    root: str = ""

    @property
    def ok(self) -> bool:
        """True if nothing was wrong."""
        return not self.problems


class _Stop(Exception):
    pass


def load_public_key(pem: bytes) -> Ed25519PublicKey:
    """The hub's public audit key from PEM."""
    key = serialization.load_pem_public_key(pem)
    if not isinstance(key, Ed25519PublicKey):
        raise ValueError("the audit key must be an Ed25519 public key")
    return key


def _lines(source: Iterable[str], what: str) -> Iterator[tuple[int, dict[str, object]]]:
    for number, line in enumerate(source, 1):
        if not line.strip():
            continue
        try:
            item = json.loads(line)
        except json.JSONDecodeError:
            raise _Stop(f"{what} line {number}: not JSON") from None
        if not isinstance(item, dict):
            raise _Stop(f"{what} line {number}: not an object")
        yield number, item


def _checkpoints(source: Iterable[str] | None) -> dict[int, dict[str, object]]:
    if source is None:
        return {}
    out = {}
    for number, item in _lines(source, "checkpoint"):
        size = item.get("tree_size")
        if not isinstance(size, int) or size < 1:
            raise _Stop(f"checkpoint line {number}: bad tree_size")
        out[size] = item
    return out


def _check_signature(
    item: dict[str, object], root: str, key: Ed25519PublicKey, since: int
) -> str | None:
    size = item["tree_size"]
    if item.get("root_hash") != root:
        theirs = item.get("root_hash")
        return (
            f"checkpoint at {size}: the entries give root {root}, the checkpoint {theirs} "
            f"(an entry from {since} to {int(str(size)) - 1} is not the one that was signed)"
        )
    if item.get("key_id") != key_id(key):
        return f"checkpoint at {size}: signed by another key ({item.get('key_id')})"
    head = Checkpoint(int(str(size)), root, str(item.get("at")), key_id(key))
    try:
        key.verify(base64.b64decode(str(item.get("signature")), validate=True), head.message())
    except (InvalidSignature, binascii.Error, ValueError):
        return f"checkpoint at {size}: the signature does not verify"
    return None


def verify(
    export: Iterable[str], key: Ed25519PublicKey, checkpoints: Iterable[str] | None = None
) -> Report:
    """Check every entry and checkpoint; stop at the first problem and name it."""
    report = Report()
    try:
        heads = _checkpoints(checkpoints)
        frontier, prev, signed = Frontier(), GENESIS, 0
        for number, entry in _lines(export, "entry"):
            position = report.entries
            where = f"entry {position} (line {number})"
            if entry.get("seq") != position:
                raise _Stop(
                    f"{where}: seq is {entry.get('seq')}, expected {position} "
                    "(an entry was removed, inserted or moved)"
                )
            if entry.get("prev") != prev:
                raise _Stop(
                    f"{where}: prev does not match the hash of entry {position - 1} "
                    f"(entry {position - 1} or {position} was inserted, removed or edited)"
                    if position
                    else f"{where}: prev is not the genesis hash (entries were removed before it)"
                )
            try:
                data = canonical(entry)
            except (ValueError, TypeError) as exc:
                raise _Stop(f"{where}: {exc}") from None
            digest = entry_hash(data)
            if "hash" in entry and entry["hash"] != digest:
                raise _Stop(f"{where}: the content does not match its hash (edited)")
            frontier.append(leaf(data))
            prev = digest
            report.entries += 1
            if frontier.size in heads:
                root = frontier.root().hex()
                problem = _check_signature(heads[frontier.size], root, key, signed)
                if problem:
                    raise _Stop(problem)
                report.checkpoints += 1
                signed = frontier.size
        beyond = sorted(size for size in heads if size > report.entries)
        if beyond:
            raise _Stop(
                f"entry {report.entries}: missing; the export ends after {report.entries} "
                f"entries but a checkpoint covers {beyond[-1]} (entries were removed from the end)"
            )
        report.root = frontier.root().hex()
    except _Stop as stop:
        report.problems.append(str(stop))
    return report
