"""app.audit.merkle against published known-answer vectors, not only a reference of our own.

The vectors in vectors/rfc6962_merkle.json come from transparency-dev/merkle (Google's Go
library behind trillian; testonly/constants.go, proof/verify_test.go and
testonly/reference_test.go), which carries those of the Certificate Transparency C++ log: eight
leaf inputs, every node hash, the root of each tree size 0..8, inclusion and consistency proofs.
The wrong proofs below are made by the same corruptions as proof/verify_test.go
(corruptInclusionProof, corruptConsistencyProof), named as there; each must fail.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

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

VECTORS: dict[str, Any] = json.loads(
    (Path(__file__).parent / "vectors" / "rfc6962_merkle.json").read_text()
)
INPUTS = [bytes.fromhex(h) for h in VECTORS["leaf_inputs"]]
LEVELS = [[bytes.fromhex(h) for h in level] for level in VECTORS["node_hashes_by_level"]]
ROOTS = [bytes.fromhex(h) for h in VECTORS["roots_by_size"]]
LEAVES = LEVELS[0]
SOME_HASH = bytes.fromhex("abacaba000000000000000000000000000000000000000000060061e00123456")
EMPTY_ROOT = ROOTS[0]

INCLUSION = [
    (case["index"], case["size"], [bytes.fromhex(h) for h in case["proof"]])
    for case in VECTORS["inclusion_proofs"]
]
CONSISTENCY = [
    (case["size1"], case["size2"], [bytes.fromhex(h) for h in case["proof"]])
    for case in VECTORS["consistency_proofs"]
]


def _id(case: tuple[int, int, list[bytes]]) -> str:
    return f"{case[0]}-of-{case[1]}"


def test_the_vectors_are_the_ones_published() -> None:
    assert (len(INPUTS), len(ROOTS)) == (8, 9)
    assert EMPTY_ROOT.hex() == "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
    assert ROOTS[8].hex().startswith("5dc9da79a70659a9")


def test_leaf_hashes() -> None:
    assert [leaf_hash(data) for data in INPUTS] == LEAVES


def test_every_interior_node() -> None:
    for below, level in zip(LEVELS, LEVELS[1:], strict=False):
        assert [node_hash(below[i], below[i + 1]) for i in range(0, len(below), 2)] == level


@pytest.mark.parametrize("size", range(9))
def test_root_of_each_tree_size(size: int) -> None:
    assert root(LEAVES[:size]) == ROOTS[size]


@pytest.mark.parametrize("size", range(9))
def test_the_frontier_holds_the_published_compact_tree(size: int) -> None:
    one_by_one, batched = Frontier(), Frontier()
    for leaf in LEAVES[:size]:
        one_by_one.append(leaf)
    batched.extend(LEAVES[:size])
    expected = [
        LEVELS[int(level)][int(index)]
        for level, index in (name.split("/") for name in VECTORS["compact_trees_by_size"][size])
    ]
    for frontier in (one_by_one, batched):
        assert frontier.nodes == expected
        assert frontier.root() == ROOTS[size]


@pytest.mark.parametrize("case", INCLUSION, ids=_id)
def test_inclusion_proofs_are_the_published_ones_and_verify(
    case: tuple[int, int, list[bytes]],
) -> None:
    index, size, proof = case
    assert inclusion_proof(index, LEAVES[:size]) == proof
    assert verify_inclusion(LEAVES[index], index, size, proof, ROOTS[size])


def _corrupt_inclusion(
    index: int, size: int, proof: list[bytes], head: bytes, leaf: bytes
) -> list[tuple[str, tuple[bytes, int, int, list[bytes], bytes]]]:
    probes = [
        ("leafIndex - 1", (leaf, index - 1, size, proof, head)),
        ("leafIndex + 1", (leaf, index + 1, size, proof, head)),
        ("leafIndex ^ 2", (leaf, index ^ 2, size, proof, head)),
        ("treeSize * 2", (leaf, index, size * 2, proof, head)),
        ("treeSize / 2", (leaf, index, size // 2, proof, head)),
        ("wrong leaf", (b"WrongLeaf", index, size, proof, head)),
        ("empty root", (leaf, index, size, proof, EMPTY_ROOT)),
        ("random root", (leaf, index, size, proof, SOME_HASH)),
        ("trailing garbage", (leaf, index, size, [*proof, b""], head)),
        ("trailing root", (leaf, index, size, [*proof, head], head)),
        ("preceding garbage", (leaf, index, size, [b"", *proof], head)),
        ("preceding root", (leaf, index, size, [head, *proof], head)),
    ]
    for i in range(len(proof)):
        flipped = [*proof]
        flipped[i] = bytes([proof[i][0] ^ 8]) + proof[i][1:]
        probes.append((f"modified proof[{i}] bit 3", (leaf, index, size, flipped, head)))
    if proof:
        probes.append(("removed component", (leaf, index, size, proof[:-1], head)))
    if len(proof) > 1:
        inserted = [proof[0], SOME_HASH, *proof[1:]]
        probes.append(("inserted component", (leaf, index, size, inserted, head)))
    return probes


@pytest.mark.parametrize("case", INCLUSION, ids=_id)
def test_corrupted_inclusion_proofs_fail(case: tuple[int, int, list[bytes]]) -> None:
    index, size, proof = case
    probes = _corrupt_inclusion(index, size, proof, ROOTS[size], LEAVES[index])
    passed = [name for name, args in probes if verify_inclusion(*args)]
    assert passed == []


@pytest.mark.parametrize("case", CONSISTENCY, ids=_id)
def test_consistency_proofs_are_the_published_ones_and_verify(
    case: tuple[int, int, list[bytes]],
) -> None:
    old, new, proof = case
    assert consistency_proof(old, LEAVES[:new]) == proof
    assert verify_consistency(old, new, ROOTS[old], ROOTS[new], proof)


def _corrupt_consistency(
    old: int, new: int, first: bytes, second: bytes, proof: list[bytes]
) -> list[tuple[str, tuple[int, int, bytes, bytes, list[bytes]]]]:
    probes = [
        ("size1 - 1", (old - 1, new, first, second, proof)),
        ("size1 + 1", (old + 1, new, first, second, proof)),
        ("size1 ^ 2", (old ^ 2, new, first, second, proof)),
        ("size2 * 2", (old, new * 2, first, second, proof)),
        ("size2 / 2", (old, new // 2, first, second, proof)),
        ("wrong root1", (old, new, b"WrongRoot", second, proof)),
        ("wrong root2", (old, new, first, b"WrongRoot", proof)),
        ("swapped roots", (old, new, second, first, proof)),
        ("empty proof", (old, new, first, second, [])),
        ("trailing garbage", (old, new, first, second, [*proof, b""])),
        ("trailing root1", (old, new, first, second, [*proof, first])),
        ("trailing root2", (old, new, first, second, [*proof, second])),
        ("preceding garbage", (old, new, first, second, [b"", *proof])),
        ("preceding root1", (old, new, first, second, [first, *proof])),
        ("preceding root2", (old, new, first, second, [second, *proof])),
        ("preceding proof[0]", (old, new, first, second, [proof[0], *proof])),
        ("truncated proof", (old, new, first, second, proof[:-1])),
    ]
    for i in range(len(proof)):
        flipped = [*proof]
        flipped[i] = bytes([proof[i][0] ^ 16]) + proof[i][1:]
        probes.append((f"modified proof[{i}] bit 4", (old, new, first, second, flipped)))
    return probes


@pytest.mark.parametrize("case", [c for c in CONSISTENCY if c[2]], ids=_id)
def test_corrupted_consistency_proofs_fail(case: tuple[int, int, list[bytes]]) -> None:
    old, new, proof = case
    probes = _corrupt_consistency(old, new, ROOTS[old], ROOTS[new], proof)
    passed = [name for name, args in probes if verify_consistency(*args)]
    assert passed == []


def test_trivial_consistency_cases_of_the_go_suite() -> None:
    # proof/verify_test.go TestVerifyConsistency, for the sizes our log can have (a checkpoint
    # is never of size 0, so old size 0 is refused here where the Go library accepts it).
    assert verify_consistency(1, 1, ROOTS[1], ROOTS[1], [])
    assert not verify_consistency(1, 1, ROOTS[1], ROOTS[2], [])  # roots differ
    assert not verify_consistency(1, 1, EMPTY_ROOT, EMPTY_ROOT, [EMPTY_ROOT])  # proof not empty
    assert not verify_consistency(1, 2, ROOTS[1], ROOTS[2], [])  # empty proof
    assert not verify_consistency(2, 1, ROOTS[2], ROOTS[1], [])  # time travel
    assert not verify_consistency(0, 1, EMPTY_ROOT, ROOTS[1], [])


def test_single_entry_inclusion_of_the_go_suite() -> None:
    # proof/verify_test.go TestVerifyInclusionSingleEntry and TestVerifyInclusion.
    single = leaf_hash(b"data")
    assert verify_inclusion(single, 0, 1, [], single)
    assert not verify_inclusion(b"", 0, 1, [], single)
    assert not verify_inclusion(single, 0, 1, [], b"")
    for index, size in ((0, 0), (0, 1), (1, 0), (2, 1)):
        assert not verify_inclusion(SOME_HASH, index, size, [], b"")
        assert not verify_inclusion(b"", index, size, [], EMPTY_ROOT)
        assert not verify_inclusion(SOME_HASH, index, size, [], EMPTY_ROOT)
