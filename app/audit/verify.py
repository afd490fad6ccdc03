"""Offline verification of an access-log export: hash chain, Merkle roots, signed checkpoints.

``verify``: the NDJSON export (one entry per line, as ``GET /api/v1/audit/export`` writes it),
the hub's public audit key (PEM) and the checkpoints (NDJSON from
``GET /api/v1/audit/checkpoints``). The answer names the first bad entry and what is wrong; an
export that no checkpoint covers is refused. A line in the export layout (the canonical bytes
followed by the hash, ``entry.export_line``) is hashed as given; any other line (an export
written before that layout) is parsed and its canonical bytes rebuilt.

``check_entry``: one entry (a line of an agency auditor's export), its inclusion proof and the
checkpoints: the leaf is recomputed from the entry's content, never taken from the hub.

Imports: the standard library, rfc8785 and cryptography only.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import itertools
import json
import secrets
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from typing import cast

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

from app.audit.entry import (
    EMPTY_LATER,
    FIELDS,
    GENESIS,
    HASH_KEY,
    LATER,
    canonical,
    entry_hash,
    leaf,
)
from app.audit.merkle import LEAF, Frontier, verify_inclusion
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


# How a line of the export is checked (decision 75). A line in the export layout
# (entry.export_line) carries the canonical bytes themselves: everything before ``,"hash":"``
# plus the closing brace. Those bytes are hashed as given, for the chain and for the leaf, and
# their own prev and seq are found in them. Any line that is not so (an older export, a
# reformatted line, any mismatch) is parsed and rebuilt from its content as before, which also
# names what is wrong. Bytes that are not the canonical form the hub hashed fail the chain at
# once or the signed root at the next checkpoint; the entries no checkpoint covers, and a
# random sample of the others, are rebuilt from content as well (a check of the hub's encoder).
SAMPLE = 256  # on average one entry in SAMPLE is rebuilt from its content; 1 rebuilds all
FLUSH = 4096  # leaves are merged into the tree in batches of at most this many
_PREV, _SEQ = b'"prev":"', b',"seq":%d,'
_END = 73  # len(HASH_KEY) + 64 hex digits: the line's tail starts with the hash's closing quote


def _tails() -> dict[bytes, tuple[bytes | None, tuple[bytes, ...]]]:
    # Each ending an export line may have after its hash, with the keys that ending adds (the
    # first, then any others): they must not be in the hashed bytes too, or a reader would see
    # the unhashed duplicate's value.
    later = [k for k in FIELDS if k in LATER]
    out: dict[bytes, tuple[bytes | None, tuple[bytes, ...]]] = {}
    for n in range(len(later) + 1):
        for keys in itertools.combinations(later, n):
            added = b"".join(EMPTY_LATER[k] for k in keys)
            quoted = [b'"%s":' % k.encode() for k in keys]
            for eol in (b"\n", b"\r\n", b""):
                out[b'"' + added + b"}" + eol] = (
                    (quoted[0], tuple(quoted[1:])) if keys else (None, ())
                )
    return out


_TAILS = _tails()


def _absent(data: bytes, keys: tuple[bytes, ...]) -> bool:
    return all(data.rfind(k) < 0 for k in keys)


def _rebuilt(line: bytes, position: int, number: int, prev: bytes) -> tuple[bytes, bytes] | None:
    """The canonical bytes and hash of an entry rebuilt from its parsed content; None if blank."""
    if not line.strip():
        return None
    try:  # decoded here: json.loads guessing the encoding of bytes costs a sixth of the parse
        entry = json.loads(line.decode("utf-8", "surrogatepass"))
    except (ValueError, RecursionError):  # not UTF-8, not JSON, or nested past the parser
        raise _Stop(f"entry line {number}: not JSON") from None
    if not isinstance(entry, dict):
        raise _Stop(f"entry line {number}: not an object")
    if entry.get("seq") != position:
        raise _Stop(
            f"entry {position} (line {number}): seq is {entry.get('seq')}, expected {position} "
            "(an entry was removed, inserted or moved)"
        )
    if entry.get("prev") != prev.decode():
        raise _Stop(
            f"entry {position} (line {number}): prev does not match the hash of entry "
            f"{position - 1} (entry {position - 1} or {position} was inserted, removed or edited)"
            if position
            else f"entry 0 (line {number}): prev is not the genesis hash (entries were removed "
            "before it)"
        )
    try:
        data = canonical(entry)
    except (ValueError, TypeError) as exc:
        raise _Stop(f"entry {position} (line {number}): {exc}") from None
    digest = entry_hash(data)
    if "hash" in entry and entry["hash"] != digest:
        raise _Stop(f"entry {position} (line {number}): {_mismatch(line, entry['hash'])}")
    return data, digest.encode()


def _mismatch(raw: bytes, digest: object) -> str:
    # Why a line's content does not give its hash, told apart for an export-layout line whose
    # bytes up to the hash do give it: then either those bytes are not the canonical form (a
    # hub whose encoder strays from RFC 8785) or something after the hash repeats a field.
    cut = raw.rfind(HASH_KEY)
    data = raw[:cut] + b"}"
    if cut < 0 or entry_hash(data) != digest:
        return "the content does not match its hash (edited)"
    try:
        canonical_as_given = canonical(json.loads(data)) == data
    except (ValueError, TypeError, RecursionError):
        canonical_as_given = False
    if canonical_as_given:
        return "what follows its hash changes a field (edited after it was hashed)"
    return "the bytes before its hash are not the canonical form of its content"


def _as_bytes(export: Iterable[str] | Iterable[bytes]) -> Iterator[bytes]:
    # Text lines (a file opened as text) are hashed as their UTF-8 bytes, which is what the file
    # holds; a file opened in binary mode is passed through untouched.
    lines: Iterator[str | bytes] = iter(export)
    first = next(lines, None)
    if first is None:
        return iter(())
    if isinstance(first, bytes):
        return itertools.chain((first,), cast(Iterator[bytes], lines))
    text = itertools.chain((first,), cast(Iterator[str], lines))
    return (line.encode("utf-8", "surrogatepass") for line in text)


class _Walk:
    """The state of one verification: the chain, the tree, the checkpoints still ahead."""

    def __init__(self, heads: dict[int, dict[str, object]], key: Ed25519PublicKey, sample: int):
        self.heads, self.key, self.sample = heads, key, max(1, sample)
        self.stops = sorted(heads, reverse=True)  # popped from the end: the next one is last
        self.frontier = Frontier()
        self.batch: list[bytes] = []  # leaves not yet merged into the frontier
        self.position = self.checkpoints = self.signed = 0
        self.unsigned_from = self.stops[0] if self.stops else 0
        self.next_sample = self._draw(-1)

    def _draw(self, after: int) -> int:
        return after + 1 + secrets.randbelow(2 * self.sample - 1)  # a mean gap of ``sample``

    def run(self, export: Iterable[str] | Iterable[bytes]) -> None:
        """Check every line in order; raise _Stop at the first problem."""
        # One loop with local names: this is nearly all of the verifier's time (decision 76).
        sha, tails, batch = hashlib.sha256, _TAILS, self.batch
        position, blank, prev = self.position, 0, GENESIS.encode() + b'"'
        careful = min(self.next_sample, self.unsigned_from)
        event = self._next_event(position)
        try:
            for raw in _as_bytes(export):
                cut = raw.rfind(HASH_KEY)
                data = raw[:cut] + b"}"
                # (A line without the hash key cannot pass: its own bytes would hold their hash.)
                if (
                    data.rfind(_SEQ % position) >= 0  # first: turns today's export away at once
                    and data[(at := data.rfind(_PREV)) + 8 : at + _END] == prev
                    and (added := tails.get(raw[cut + _END :])) is not None
                    and (added[0] is None or data.rfind(added[0]) < 0)
                    and (not added[1] or _absent(data, added[1]))
                    and sha(data).hexdigest().encode() == raw[cut + 9 : cut + _END]
                    and position < careful
                ):
                    prev = raw[cut + 9 : cut + _END + 1]  # the hash and its closing quote
                else:
                    rebuilt = _rebuilt(raw, position, position + blank + 1, prev[:-1])
                    if rebuilt is None:
                        blank += 1
                        continue
                    data, digest = rebuilt
                    prev = digest + b'"'
                    if position == self.next_sample:
                        self.next_sample = self._draw(position)
                        careful = min(self.next_sample, self.unsigned_from)
                batch.append(sha(LEAF + data).digest())
                position += 1
                if position == event:
                    self._reached(position)
                    event = self._next_event(position)
        finally:
            self.position = position
        self.frontier.extend(batch)
        batch.clear()

    def _next_event(self, position: int) -> int:
        flush = (position // FLUSH + 1) * FLUSH
        return min(self.stops[-1], flush) if self.stops else flush

    def _reached(self, size: int) -> None:
        self.frontier.extend(self.batch)
        self.batch.clear()
        if self.stops and self.stops[-1] == size:
            self.stops.pop()
            problem = _check_signature(self.heads[size], self.root(), self.key, self.signed)
            if problem:
                raise _Stop(problem)
            self.checkpoints += 1
            self.signed = size

    def root(self) -> str:
        """The tree head of the entries merged so far."""
        return self.frontier.root().hex()


def verify(
    export: Iterable[str] | Iterable[bytes],
    key: Ed25519PublicKey,
    checkpoints: Iterable[str] | None = None,
    *,
    sample: int = SAMPLE,
) -> Report:
    """Check every entry and checkpoint; stop at the first problem and name it.

    Lines may be text or bytes (a file opened in binary mode is the fast road). On average one
    entry in ``sample`` is also rebuilt from its content (``sample=1``: every entry).
    """
    report = Report()
    try:
        walk = _Walk(_checkpoints(checkpoints), key, sample)
        try:
            walk.run(export)
        finally:
            report.entries, report.checkpoints = walk.position, walk.checkpoints
        beyond = [size for size in walk.heads if size > report.entries]
        if beyond:
            raise _Stop(
                f"entry {report.entries}: missing; the export ends after {report.entries} "
                f"entries but a checkpoint covers {max(beyond)} (entries were removed from the end)"
            )
        if not report.checkpoints:
            raise _Stop(_uncovered(len(walk.heads), report.entries))
        report.root, report.signed = walk.root(), walk.signed
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
