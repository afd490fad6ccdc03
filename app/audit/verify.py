"""Offline verification of an access-log export: hash chain, Merkle roots, signed checkpoints.

``verify``: the NDJSON export (one entry per line, as ``GET /api/v1/audit/export`` writes it),
the hub's public audit key (PEM) and the checkpoints (NDJSON from
``GET /api/v1/audit/checkpoints``). The answer names the first bad entry and what is wrong; an
export that no checkpoint covers is refused.

``check_entry``: one entry (a line of an agency auditor's export), its inclusion proof and the
checkpoints: the leaf is recomputed from the entry's content, never taken from the hub.

Imports: the standard library, rfc8785 and cryptography only.
"""

from __future__ import annotations

import base64
import binascii
import json
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

from app.audit.entry import GENESIS, canonical, entry_hash, leaf
from app.audit.merkle import Frontier, verify_inclusion
from app.audit.signing import Checkpoint, key_id


@dataclass
class Report:
    """What the verifier found: entries checked, checkpoints checked, the first problem."""

    entries: int = 0
    checkpoints: int = 0
    problems: list[str] = field(default_factory=list)
    root: str = ""
    signed: int = 0  # the entries up to the last checkpoint that verified

    @property
    def ok(self) -> bool:
        """True if nothing was wrong."""
        return not self.problems

    @property
    def unsigned(self) -> int:
        """Entries after the last verified checkpoint: chained, but covered by no signature."""
        return self.entries - self.signed


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


def _signature_problem(item: Mapping[str, object], key: Ed25519PublicKey) -> str | None:
    size = item["tree_size"]
    if item.get("key_id") != key_id(key):
        return f"checkpoint at {size}: signed by another key ({item.get('key_id')})"
    head = Checkpoint(int(str(size)), str(item.get("root_hash")), str(item.get("at")), key_id(key))
    try:
        key.verify(base64.b64decode(str(item.get("signature")), validate=True), head.message())
    except (InvalidSignature, binascii.Error, ValueError):
        return f"checkpoint at {size}: the signature does not verify"
    return None


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
    return _signature_problem(item, key)


def _uncovered(given: int, entries: int) -> str:
    if not given:
        return (
            f"no signed checkpoint covers this export of {entries} entries: no checkpoints "
            "were given (fetch GET /api/v1/audit/checkpoints before the export, and pass it)"
        )
    return f"no signed checkpoint covers this export: none of the {given} given is within it"


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
        if not report.checkpoints:
            raise _Stop(_uncovered(len(heads), report.entries))
        report.root, report.signed = frontier.root().hex(), signed
    except _Stop as stop:
        report.problems.append(str(stop))
    return report


@dataclass
class Inclusion:
    """What ``check_entry`` found: the entry, the signed checkpoint it is in, or the problem."""

    seq: int = -1
    tree_size: int = 0
    root: str = ""
    at: str = ""
    problems: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        """True if the entry is in the log under a checkpoint whose signature verifies."""
        return not self.problems


def _entry_leaf(line: str) -> tuple[int, bytes]:
    try:
        entry = json.loads(line)
    except json.JSONDecodeError:
        raise _Stop("the entry is not JSON") from None
    if not isinstance(entry, dict):
        raise _Stop("the entry is not a JSON object")
    seq = entry.get("seq")
    if type(seq) is not int or seq < 0:
        raise _Stop("the entry has no valid seq")
    try:
        data = canonical(entry)
    except (ValueError, TypeError) as exc:
        raise _Stop(f"the entry: {exc}") from None
    if "hash" in entry and entry["hash"] != entry_hash(data):
        raise _Stop(f"entry {seq}: the content does not match its hash (edited)")
    return seq, leaf(data)  # from the content itself: no stored or served leaf hash is used


def _proof_path(proof: Mapping[str, object], seq: int) -> tuple[int, list[bytes]]:
    size, path = proof.get("tree_size"), proof.get("audit_path")
    if proof.get("seq") != seq:
        raise _Stop(f"the proof is for entry {proof.get('seq')}, not entry {seq}")
    if type(size) is not int or size < 1 or not isinstance(path, list):
        raise _Stop("the proof has no valid tree_size and audit_path")
    try:
        return size, [bytes.fromhex(str(node)) for node in path]
    except ValueError:
        raise _Stop("the proof's audit_path is not hex") from None


def check_entry(
    entry: str,
    proof: Mapping[str, object],
    checkpoints: Iterable[str],
    key: Ed25519PublicKey,
) -> Inclusion:
    """Is this entry, as written, in the log under a signed checkpoint (RFC 9162 inclusion)?"""
    found = Inclusion()
    try:
        found.seq, node = _entry_leaf(entry)
        size, path = _proof_path(proof, found.seq)
        head = _checkpoints(checkpoints).get(size)
        if head is None:
            raise _Stop(
                f"no signed checkpoint of size {size} among those given: ask for a proof "
                "against one of them (GET /api/v1/audit/proofs/inclusion?seq=..&size=..)"
            )
        problem = _signature_problem(head, key)
        if problem:
            raise _Stop(problem)
        try:
            root = bytes.fromhex(str(head.get("root_hash")))
        except ValueError:
            raise _Stop(f"checkpoint at {size}: the root is not hex") from None
        if not verify_inclusion(node, found.seq, size, path, root):
            raise _Stop(
                f"entry {found.seq} is not in the log signed at size {size}: its content and "
                "the proof do not lead to the signed root (an edited entry, or a proof for "
                "another one)"
            )
        found.tree_size, found.root, found.at = size, root.hex(), str(head.get("at"))
    except _Stop as stop:
        found.problems.append(str(stop))
    return found
