"""One entry's inclusion, checked offline: the leaf comes from the entry's own content."""

from __future__ import annotations

import json

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from app.audit import merkle
from app.audit.entry import canonical, leaf
from app.audit.signing import AuditSigner
from app.audit.verify import check_entry
from tests.audit.test_verify import build, lines


@pytest.fixture
def signer() -> AuditSigner:
    return AuditSigner(Ed25519PrivateKey.generate())


def _proof(entries: list[dict[str, object]], seq: int, size: int) -> dict[str, object]:
    leaves = [leaf(canonical(e)) for e in entries[:size]]
    return {
        "seq": seq,
        "tree_size": size,
        "leaf_hash": leaves[seq].hex(),
        "root_hash": merkle.root(leaves).hex(),
        "audit_path": [h.hex() for h in merkle.inclusion_proof(seq, leaves)],
    }


def _check(
    entry: dict[str, object],
    proof: dict[str, object],
    heads: list[dict[str, object]],
    signer: AuditSigner,
) -> str:
    found = check_entry(json.dumps(entry), proof, lines(heads), signer.public)
    return "" if found.ok else found.problems[0]


def test_every_entry_is_proved_in_every_checkpoint_that_covers_it(signer: AuditSigner) -> None:
    entries, heads = build(11, signer, every=3)
    for head in heads:
        size = int(str(head["tree_size"]))
        for seq in range(size):
            assert _check(entries[seq], _proof(entries, seq, size), heads, signer) == ""


def test_an_edited_entry_is_not_included_whatever_the_proof_claims(signer: AuditSigner) -> None:
    entries, heads = build(8, signer)
    proof = _proof(entries, 5, 8)
    forged = {**entries[5], "actor": "someone-else"}
    assert "does not match its hash" in _check(forged, proof, heads, signer)
    del forged["hash"]
    assert "not in the log signed at size 8" in _check(forged, proof, heads, signer)
    # A leaf hash sent along with the proof is never used.
    lying = {**proof, "leaf_hash": leaf(canonical(forged)).hex()}
    assert "not in the log signed at size 8" in _check(forged, lying, heads, signer)


def test_a_proof_for_another_entry_fails(signer: AuditSigner) -> None:
    entries, heads = build(8, signer)
    other = _proof(entries, 2, 8)
    assert "the proof is for entry 2, not entry 5" in _check(entries[5], other, heads, signer)
    relabelled = {**other, "seq": 5}
    assert "not in the log signed" in _check(entries[5], relabelled, heads, signer)


def test_the_checkpoint_must_be_signed_and_of_the_proofs_size(signer: AuditSigner) -> None:
    entries, heads = build(8, signer)  # checkpoints at 4 and 8
    proof = _proof(entries, 1, 8)
    bad = [heads[0], {**heads[1], "signature": heads[0]["signature"]}]
    assert "signature does not verify" in _check(entries[1], proof, bad, signer)
    assert "no signed checkpoint of size 8" in _check(entries[1], proof, heads[:1], signer)
    _, forged = build(8, AuditSigner(Ed25519PrivateKey.generate()))
    assert "another key" in _check(entries[1], proof, forged, signer)
    # The hub's proof of a root that is not the signed one does not help it.
    other_root = {**heads[1], "root_hash": heads[0]["root_hash"]}
    assert "signature does not verify" in _check(entries[1], proof, [other_root], signer)
