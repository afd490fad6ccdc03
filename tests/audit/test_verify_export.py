"""The export layout: each line is the canonical bytes plus the hash, verified as given.

What the fast road must still catch: bytes that are not the canonical form (at the signed root,
in the unsigned tail, or by the sample when the hub itself hashed them), fields repeated after
the hash, a wrong hash, seq or prev inside signed bytes. And what it must accept: every line
the hub writes, in any line ending, as text or bytes, with any text in its fields.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import timedelta

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from hypothesis import given, settings
from hypothesis import strategies as st

from app.audit import verify as verifier
from app.audit.entry import (
    FIELDS,
    GENESIS,
    HASH_KEY,
    canonical,
    entry_hash,
    export_line,
    leaf,
    timestamp,
)
from app.audit.merkle import Frontier, inclusion_proof
from app.audit.signing import AuditSigner, Checkpoint
from app.audit.verify import SAMPLE, check_entry, verify
from tests.audit.test_verify import T0, line

Encoder = Callable[[dict[str, object]], bytes]
OFF = 10**9  # a sample so sparse it never comes: the checks of the fast road alone


@pytest.fixture
def signer() -> AuditSigner:
    return AuditSigner(Ed25519PrivateKey.generate())


def entry(i: int, prev: str, **fields: object) -> dict[str, object]:
    base: dict[str, object] = {k: None for k in FIELDS}
    base |= {
        "seq": i,
        "at": timestamp(T0 + timedelta(seconds=i)),
        "actor": f"m{i % 3}",
        "actor_agency": "a",
        "action": "note:read",
        "decision": "allow",
        "reason": "own_agency",
        "fields": ["summary"],
        "denied": [],
        "request_id": f"r{i}",
        "owners": ["ocmw"] if i % 2 else [],
        "prev": prev,
    }
    return base | fields


class Log:
    """A log written line by line as the hub writes its export, with signed checkpoints."""

    def __init__(self, signer: AuditSigner) -> None:
        self.signer, self.frontier, self.prev = signer, Frontier(), GENESIS
        self.lines: list[bytes] = []
        self.heads: list[str] = []
        self.items: list[dict[str, object]] = []  # each entry with its hash

    def add(self, item: dict[str, object], encode: Encoder = canonical) -> None:
        """Hash ``encode(item)`` as the hub would (canonical, unless a test says otherwise)."""
        data = encode(item)
        digest = entry_hash(data)
        self.frontier.append(leaf(data))
        tail = export_line(item, digest)[len(canonical(item)) - 1 :]  # the hash and what follows
        self.lines.append(data[:-1] + tail)
        self.items.append({**item, "hash": digest})
        self.prev = digest

    def extend(self, n: int, encode: Encoder = canonical, **fields: object) -> None:
        for _ in range(n):
            self.add(entry(len(self.lines), self.prev, **fields), encode)

    def sign(self) -> None:
        size = len(self.lines)
        head = Checkpoint(size, self.frontier.root().hex(), timestamp(T0), self.signer.key_id)
        self.heads.append(json.dumps({**head.__dict__, "signature": self.signer.sign(head)}))

    def check(self, lines: list[bytes] | None = None, sample: int = SAMPLE) -> str:
        given = self.lines if lines is None else lines
        report = verify(given, self.signer.public, self.heads, sample=sample)
        return "" if report.ok else report.problems[0]


def ascii_escaped(item: dict[str, object]) -> bytes:
    """Sorted and compact like RFC 8785, but non-ASCII escaped: not the canonical form."""
    obj = {k: v for k, v in item.items() if k not in ("owners", "count") or v not in (None, [])}
    return json.dumps(obj, sort_keys=True, separators=(",", ":")).encode()


def rebuilds(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """Count the lines the verifier parses and rebuilds instead of hashing them as given."""
    seen: list[int] = []
    real = verifier._rebuilt

    def counting(line: bytes, position: int, number: int, prev: bytes) -> object:
        seen.append(position)
        return real(line, position, number, prev)

    monkeypatch.setattr(verifier, "_rebuilt", counting)
    return seen


def test_the_export_layout_is_hashed_as_given(
    signer: AuditSigner, monkeypatch: pytest.MonkeyPatch
) -> None:
    log = Log(signer)
    log.extend(40)
    log.sign()
    seen = rebuilds(monkeypatch)
    report = verify(log.lines, signer.public, log.heads, sample=OFF)
    assert report.ok, report.problems
    assert (report.entries, report.signed, seen) == (40, 40, [])


def test_todays_export_is_still_rebuilt_and_verified(
    signer: AuditSigner, monkeypatch: pytest.MonkeyPatch
) -> None:
    log = Log(signer)
    log.extend(12)
    log.sign()
    today = [line(json.loads(raw), "today") for raw in log.lines]  # keys in FIELDS order
    assert all(t.startswith('{"seq":') for t in today)
    seen = rebuilds(monkeypatch)
    assert verify(today, signer.public, log.heads).ok
    assert seen == list(range(12))


def test_the_line_parses_to_the_object_the_export_has_always_shown(signer: AuditSigner) -> None:
    log = Log(signer)
    log.extend(4, count=None)
    log.add(entry(4, log.prev, owners=["ocmw"], count=3))
    for raw in log.lines:
        item = json.loads(raw)
        assert set(item) == {*FIELDS, "hash"}  # owners and count too, empty or not
        assert raw.startswith(canonical(item)[:-1] + HASH_KEY)


def test_one_line_of_the_export_layout_proves_its_entry(signer: AuditSigner) -> None:
    log = Log(signer)
    log.extend(5)
    log.sign()
    leaves = [leaf(canonical(item)) for item in log.items]
    proof = {"seq": 3, "tree_size": 5, "audit_path": [h.hex() for h in inclusion_proof(3, leaves)]}
    found = check_entry(log.lines[3].decode(), proof, log.heads, signer.public)
    assert found.ok, found.problems


def test_entries_after_the_last_checkpoint_are_rebuilt(
    signer: AuditSigner, monkeypatch: pytest.MonkeyPatch
) -> None:
    log = Log(signer)
    log.extend(8)
    log.sign()
    log.extend(3)
    seen = rebuilds(monkeypatch)
    report = verify(log.lines, signer.public, log.heads, sample=OFF)
    assert (report.ok, report.unsigned, seen) == (True, 3, [8, 9, 10])


def test_non_canonical_bytes_hashed_as_given_fail_the_signed_root(signer: AuditSigner) -> None:
    log = Log(signer)
    log.extend(8, purpose="Casusoverleg é")
    log.sign()
    forged = Log(signer)  # the same entries, entry 5 onwards hashed in another form
    for i in range(8):
        forged.add(
            entry(i, forged.prev, purpose="Casusoverleg é"), ascii_escaped if i >= 5 else canonical
        )
    problem = log.check(forged.lines, sample=OFF)
    assert problem.startswith("checkpoint at 8: the entries give root")


def test_non_canonical_bytes_after_the_last_checkpoint_are_refused(signer: AuditSigner) -> None:
    log = Log(signer)
    log.extend(8, purpose="Casusoverleg é")
    log.sign()
    log.extend(2, ascii_escaped, purpose="Casusoverleg é")  # chained, but not canonical
    problem = log.check(sample=OFF)
    assert problem == (
        "entry 8 (line 9): the bytes before its hash are not the canonical form of its content"
    )


def test_the_sample_finds_a_hub_that_hashed_non_canonical_bytes(signer: AuditSigner) -> None:
    # Everything hashes and the signed root matches: only rebuilding some entries from their
    # content shows that the hub's bytes are not RFC 8785. The first sample comes before
    # 2 * SAMPLE entries, so this log always has one.
    log = Log(signer)
    log.extend(2 * SAMPLE, ascii_escaped, purpose="Casusoverleg é")
    log.sign()
    assert log.check(sample=OFF) == ""  # what the hashes alone cannot see
    assert "are not the canonical form of its content" in log.check()
    assert "are not the canonical form" in log.check(sample=1).split(": ", 1)[1]


@pytest.mark.parametrize(
    ("owners", "field", "after"),
    [
        (["ocmw"], "owners", b',"owners":[]'),
        (["ocmw"], "count", b',"count":null'),
        ([], "count", b',"count":null'),  # after the line's own empty owners: the second key
    ],
)
def test_a_field_repeated_after_the_hash_is_refused(
    signer: AuditSigner, owners: list[str], field: str, after: bytes
) -> None:
    # A JSON reader keeps the last value: the entry would read as unowned or uncounted.
    log = Log(signer)
    log.extend(3)
    log.add(entry(3, log.prev, owners=owners, count=4))
    log.extend(2)
    log.sign()
    lines = list(log.lines)
    assert field.encode() not in lines[3][lines[3].rfind(HASH_KEY) :]
    lines[3] = lines[3].rstrip(b"}\n") + after + b"}\n"
    assert json.loads(lines[3])[field] in ([], None)
    assert log.check(lines, sample=OFF) == (
        "entry 3 (line 4): what follows its hash changes a field (edited after it was hashed)"
    )


def test_anything_else_after_the_hash_is_refused(signer: AuditSigner) -> None:
    log = Log(signer)
    log.extend(4)
    log.sign()
    lines = list(log.lines)
    lines[1] = lines[1].rstrip(b"}\n") + b',"actor":"someone-else"}\n'
    assert log.check(lines, sample=OFF).startswith("entry 1 (line 2): what follows its hash")


def test_a_wrong_hash_on_the_last_line_is_refused(signer: AuditSigner) -> None:
    log = Log(signer)
    log.extend(4)
    log.sign()
    lines = list(log.lines)
    cut = lines[3].rfind(HASH_KEY) + len(HASH_KEY)
    lines[3] = lines[3][:cut] + b"0" * 64 + lines[3][cut + 64 :]
    assert log.check(lines, sample=OFF) == (
        "entry 3 (line 4): the content does not match its hash (edited)"
    )


@pytest.mark.parametrize(
    ("fields", "problem"),
    [
        ({"seq": 7}, "entry 3 (line 4): seq is 7, expected 3"),
        ({"prev": "ab" * 32}, "entry 3 (line 4): prev does not match the hash of entry 2"),
    ],
)
def test_a_wrong_seq_or_prev_is_found_even_when_signed(
    signer: AuditSigner, fields: dict[str, object], problem: str
) -> None:
    # A hub that numbered or chained an entry wrongly, and signed it: hashes and root agree.
    log = Log(signer)
    log.extend(3)
    log.add(entry(3, log.prev) | fields)
    log.extend(2)
    log.sign()
    assert log.check(sample=OFF).startswith(problem)


def test_line_endings_blank_lines_text_and_bytes(signer: AuditSigner) -> None:
    log = Log(signer)
    log.extend(6)
    log.sign()
    crlf = [line.replace(b"\n", b"\r\n") for line in log.lines]
    bare = [line.rstrip(b"\n") for line in log.lines]
    text = [line.decode() for line in log.lines]
    spaced = [*log.lines[:2], b"\n", *log.lines[2:]]
    for lines in (crlf, bare, text, spaced):
        assert log.check(lines, sample=OFF) == ""  # type: ignore[arg-type]
    garbage = [*spaced[:4], b"{oops\n", *spaced[4:]]
    assert log.check(garbage) == "entry line 5: not JSON"


awkward = st.sampled_from(
    ['","hash":"' + "0" * 64, '"prev":"x', ',"seq":1,', '"owners":', "\\", '"', "é€😀", "\x00\n"]
)
texts = st.one_of(st.text(max_size=12), awkward)


@settings(max_examples=150, deadline=None)
@given(
    st.lists(
        st.fixed_dictionaries(
            {
                "actor": st.none() | texts,
                "purpose": st.none() | texts,
                "fields": st.lists(texts, max_size=3),
                "owners": st.lists(texts, max_size=2),
                "count": st.none() | st.integers(1, 2**40),
            }
        ),
        min_size=1,
        max_size=6,
    )
)
def test_any_entry_the_hub_writes_takes_the_fast_road(contents: list[dict[str, object]]) -> None:
    signer = AuditSigner(Ed25519PrivateKey.generate())
    log = Log(signer)
    for content in contents:
        log.add(entry(len(log.lines), log.prev, **content))
    log.sign()
    report = verify(log.lines, signer.public, log.heads, sample=OFF)
    assert report.ok, report.problems
    with pytest.MonkeyPatch.context() as patch:
        seen = rebuilds(patch)
        verify(log.lines, signer.public, log.heads, sample=OFF)
    assert seen == []  # none of them needed rebuilding
    for raw, item in zip(log.lines, log.items, strict=True):
        assert json.loads(raw) == json.loads(line(item, "today"))  # what the export always said
