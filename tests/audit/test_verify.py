"""The offline verifier on logs built in memory: it finds every kind of tampering.

Each tampering is tried on three layouts of the same entries: the export layout (each line the
canonical bytes plus the hash, checked as given), today's hub export (keys in FIELDS order,
rebuilt from content) and a reformatted one (spaces, as json.dumps writes by default).
"""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from app.audit.entry import FIELDS, GENESIS, canonical, entry_hash, export_line, leaf, timestamp
from app.audit.merkle import Frontier
from app.audit.signing import AuditSigner, Checkpoint
from app.audit.verify import verify

T0 = datetime(2026, 11, 25, 9, 0, tzinfo=UTC)


def build(
    n: int, signer: AuditSigner, every: int = 4
) -> tuple[list[dict[str, object]], list[dict[str, object]]]:
    entries, heads, prev, frontier = [], [], GENESIS, Frontier()
    for i in range(n):
        entry: dict[str, object] = {
            "seq": i,
            "at": timestamp(T0 + timedelta(seconds=i)),
            "actor": f"m{i % 3}",
            "actor_agency": "a",
            "action": "note:read",
            "decision": "allow",
            "reason": "own_agency",
            "cell": None,
            "case": "c",
            "subject": "s",
            "exchange": None,
            "note": f"n{i}",
            "object": None,
            "fields": ["summary"],
            "denied": [],
            "purpose": None,
            "request_id": f"r{i}",
            "prev": prev,
        }
        data = canonical(entry)
        entry["hash"] = prev = entry_hash(data)
        frontier.append(leaf(data))
        entries.append(entry)
        if (i + 1) % every == 0 or i == n - 1:
            head = Checkpoint(i + 1, frontier.root().hex(), timestamp(T0), signer.key_id)
            heads.append(
                {
                    "tree_size": i + 1,
                    "root_hash": head.root_hash,
                    "at": head.at,
                    "key_id": head.key_id,
                    "signature": signer.sign(head),
                }
            )
    return entries, heads


LAYOUTS = ("export", "today", "spaced")


def line(item: dict[str, object], layout: str = "spaced") -> str:
    """One export line of ``item`` (an entry with its hash, or without it) in a layout."""
    if layout == "export":
        entry = {k: v for k, v in item.items() if k != "hash"}
        return export_line(entry, str(item.get("hash") or entry_hash(canonical(entry)))).decode()
    if layout == "today":  # as GET /api/v1/audit/export writes it before the export layout
        today = {**{k: item.get(k) for k in FIELDS}, "owners": item.get("owners") or []}
        return json.dumps(
            today | {k: v for k, v in item.items() if k not in today},
            ensure_ascii=False,
            separators=(",", ":"),
        )
    return json.dumps(item)


def lines(items: list[dict[str, object]], layout: str = "spaced") -> list[str]:
    return [line(i, layout) for i in items]


@pytest.fixture
def signer() -> AuditSigner:
    return AuditSigner(Ed25519PrivateKey.generate())


@pytest.fixture(params=LAYOUTS)
def layout(request: pytest.FixtureRequest) -> str:
    return str(request.param)


def check(
    entries: list[dict[str, object]],
    heads: list[dict[str, object]],
    signer: AuditSigner,
    layout: str = "spaced",
) -> str:
    report = verify(lines(entries, layout), signer.public, lines(heads))
    return "" if report.ok else report.problems[0]


def test_an_untouched_log_verifies(signer: AuditSigner, layout: str) -> None:
    entries, heads = build(10, signer)
    report = verify(lines(entries, layout), signer.public, lines(heads))
    assert report.ok, report.problems
    assert (report.entries, report.checkpoints) == (10, 3)


def test_edited_entry(signer: AuditSigner, layout: str) -> None:
    entries, heads = build(10, signer)
    entries[3]["fields"] = ["summary", "health"]
    assert check(entries, heads, signer, layout).startswith("entry 3 ")


def test_edited_entry_with_its_hash_recomputed(signer: AuditSigner, layout: str) -> None:
    entries, heads = build(10, signer)
    entries[5]["actor"] = "someone-else"
    del entries[5]["hash"]
    assert check(entries, heads, signer, layout).startswith("entry 6 ")  # the next prev breaks


def test_edited_last_entry_with_hash_recomputed_fails_the_checkpoint(
    signer: AuditSigner, layout: str
) -> None:
    entries, heads = build(8, signer)
    entries[7]["actor"] = "someone-else"
    entries[7]["hash"] = entry_hash(canonical(entries[7]))
    assert check(entries, heads, signer, layout).startswith("checkpoint at 8")


def test_deleted_entry(signer: AuditSigner, layout: str) -> None:
    entries, heads = build(10, signer)
    del entries[5]
    assert check(entries, heads, signer, layout).startswith("entry 5 ")


def test_inserted_entry(signer: AuditSigner, layout: str) -> None:
    entries, heads = build(10, signer)
    entries.insert(2, dict(entries[2]))
    assert check(entries, heads, signer, layout).startswith("entry 3 ")


def test_swapped_entries(signer: AuditSigner, layout: str) -> None:
    entries, heads = build(10, signer)
    entries[4], entries[6] = entries[6], entries[4]
    assert check(entries, heads, signer, layout).startswith("entry 4 ")


def test_truncated_tail(signer: AuditSigner, layout: str) -> None:
    entries, heads = build(10, signer)
    assert "removed from the end" in check(entries[:9], heads, signer, layout)


def test_replaced_checkpoint_signature(signer: AuditSigner, layout: str) -> None:
    entries, heads = build(10, signer)
    other = build(10, signer)[1]
    heads[1]["signature"] = heads[0]["signature"]
    assert "signature does not verify" in check(entries, heads, signer, layout)
    assert other  # (a second, valid set exists: the failure is the swap, not the key)


def test_checkpoint_signed_with_another_key(signer: AuditSigner, layout: str) -> None:
    entries, _ = build(10, signer)
    _, forged = build(10, AuditSigner(Ed25519PrivateKey.generate()))
    assert "another key" in check(entries, forged, signer, layout)


def test_garbage_lines_are_named(signer: AuditSigner, layout: str) -> None:
    entries, heads = build(3, signer)
    assert (
        "not JSON"
        in verify([*lines(entries, layout), "{oops"], signer.public, lines(heads)).problems[0]
    )


def test_owners_is_hashed_when_present_and_absent_entries_keep_their_hash(
    signer: AuditSigner,
) -> None:
    entries, _ = build(1, signer)
    [entry] = entries
    before = canonical(entry)
    assert canonical({**entry, "owners": []}) == before
    assert canonical({**entry, "owners": None}) == before
    assert canonical({**entry, "owners": ["a"]}) != before
    assert b'"owners":["a"]' in canonical({**entry, "owners": ["a"]})


def test_an_agency_removed_from_owners_is_found(signer: AuditSigner, layout: str) -> None:
    entries, heads, prev, frontier = [], [], GENESIS, Frontier()
    for i in range(6):
        entry = {**build(1, signer)[0][0], "seq": i, "prev": prev, "owners": ["ocmw"]}
        entry.pop("hash")
        data = canonical(entry)
        entry["hash"] = prev = entry_hash(data)
        frontier.append(leaf(data))
        entries.append(entry)
    head = Checkpoint(6, frontier.root().hex(), timestamp(T0), signer.key_id)
    heads.append({**head.__dict__, "signature": signer.sign(head)})
    assert check(entries, heads, signer, layout) == ""
    entries[2]["owners"] = []  # hide the entry from the OCMW's auditor
    assert check(entries, heads, signer, layout).startswith("entry 2 ")


def test_an_export_no_checkpoint_covers_is_refused(signer: AuditSigner, layout: str) -> None:
    entries, _ = build(10, signer)
    assert "no checkpoints were given" in verify(lines(entries, layout), signer.public).problems[0]
    assert "no checkpoints were given" in check(entries, [], signer, layout)
    assert "no checkpoints were given" in check([], [], signer, layout)


def test_entries_after_the_last_checkpoint_are_counted_as_unsigned(
    signer: AuditSigner, layout: str
) -> None:
    entries, heads = build(10, signer)  # checkpoints at 4, 8 and 10
    report = verify(lines(entries, layout), signer.public, lines(heads[:-1]))
    assert report.ok, report.problems
    assert (report.signed, report.unsigned) == (8, 2)
    full = verify(lines(entries, layout), signer.public, lines(heads))
    assert (full.signed, full.unsigned) == (10, 0)
