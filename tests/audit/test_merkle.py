"""Merkle hashing and proofs against a straight reference implementation of RFC 9162."""

from __future__ import annotations

import hashlib

from hypothesis import given, settings
from hypothesis import strategies as st

from app.audit.merkle import (
    Frontier,
    consistency_proof,
    inclusion_proof,
    leaf_hash,
    node_hash,
    root,
    verify_consistency,
    verify_inclusion,
)


def ref_mth(leaves: list[bytes]) -> bytes:
    """RFC 9162 2.1.1, recursively, as written."""
    n = len(leaves)
    if n == 0:
        return hashlib.sha256(b"").digest()
    if n == 1:
        return leaves[0]
    k = 1
    while k * 2 < n:
        k *= 2
    return hashlib.sha256(b"\x01" + ref_mth(leaves[:k]) + ref_mth(leaves[k:])).digest()


def tree(n: int) -> list[bytes]:
    return [leaf_hash(str(i).encode()) for i in range(n)]


@given(st.integers(0, 300))
def test_root_and_frontier_match_the_reference(n: int) -> None:
    leaves = tree(n)
    frontier = Frontier()
    for leaf in leaves:
        frontier.append(leaf)
    assert root(leaves) == ref_mth(leaves) == frontier.root()
    assert len(frontier.nodes) == bin(n).count("1")


@settings(max_examples=300)
@given(st.integers(1, 200).flatmap(lambda n: st.tuples(st.just(n), st.integers(0, n - 1))))
def test_inclusion_proofs_verify_and_wrong_ones_fail(case: tuple[int, int]) -> None:
    n, i = case
    leaves = tree(n)
    head = ref_mth(leaves)
    proof = inclusion_proof(i, leaves)
    assert verify_inclusion(leaves[i], i, n, proof, head)
    assert not verify_inclusion(leaf_hash(b"other"), i, n, proof, head)
    if n > 1:
        assert not verify_inclusion(leaves[i], (i + 1) % n, n, proof, head)
    if proof:
        bad = [*proof[:-1], node_hash(proof[-1], proof[-1])]
        assert not verify_inclusion(leaves[i], i, n, bad, head)


@settings(max_examples=300)
@given(st.integers(1, 200).flatmap(lambda n: st.tuples(st.integers(1, n), st.just(n))))
def test_consistency_proofs_verify_and_forks_fail(case: tuple[int, int]) -> None:
    m, n = case
    leaves = tree(n)
    proof = consistency_proof(m, leaves)
    old, new = ref_mth(leaves[:m]), ref_mth(leaves)
    assert verify_consistency(m, n, old, new, proof)
    forked = [*leaves[: m - 1], leaf_hash(b"rewritten"), *leaves[m:]]
    assert not verify_consistency(m, n, ref_mth(forked[:m]), new, proof)
    if m < n:
        assert not verify_consistency(m, n, old, ref_mth(forked), proof)


def test_leaf_and_node_prefixes_differ() -> None:
    a, b = leaf_hash(b"a"), leaf_hash(b"b")
    assert leaf_hash(a + b) != node_hash(a, b)
