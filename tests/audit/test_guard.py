"""The guard's pure parts: extending a signed tree from content, and the monotonic state file."""

from __future__ import annotations

import json
import multiprocessing
import os
import stat
from dataclasses import replace
from pathlib import Path

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from app.audit.entry import canonical, entry_hash, leaf
from app.audit.guard import Broken, Walk
from app.audit.merkle import root
from app.audit.signing import AuditSigner
from app.audit.trust import (
    SignedHead,
    StateFile,
    StateUnreadable,
    TrustState,
    cleared,
    decode,
    disagreement,
    encode,
    merge,
)
from tests.audit.test_verify import build

KEY = "k" * 64
ENTRIES, _ = build(80, AuditSigner(Ed25519PrivateKey.generate()))
LEAVES = [leaf(canonical(e)) for e in ENTRIES]


def _walk(head: SignedHead, entries: list[dict[str, object]]) -> Walk:
    walk = Walk(head)
    for entry in entries:
        walk.add(entry)
    return walk


@settings(deadline=None)
@given(st.integers(0, 80), st.integers(0, 80))
def test_extending_a_signed_head_gives_the_roots_of_the_whole_tree(a: int, b: int) -> None:
    signed_at, n = min(a, b), max(a, b)
    signed = _walk(SignedHead(), ENTRIES[:signed_at]).head()
    assert signed.root == root(LEAVES[:signed_at]).hex()
    walk = _walk(signed, ENTRIES[signed_at:n])
    assert walk.size == n
    assert walk.root() == root(LEAVES[:n]).hex()
    whole = _walk(SignedHead(), ENTRIES[:n]).head()
    assert walk.head() == whole
    walk.require(n, whole.frontier, whole.last_hash)


def test_an_edited_entry_with_its_chain_recomputed_does_not_follow_the_signed_head() -> None:
    signed = _walk(SignedHead(), ENTRIES[:40]).head()
    forged = [dict(e) for e in ENTRIES[:50]]
    forged[30]["reason"] = "forged"
    prev = forged[30]["prev"]
    for entry in forged[30:]:
        entry["prev"] = prev
        prev = entry_hash(canonical(entry))
    with pytest.raises(Broken) as broken:
        _walk(signed, forged[40:])
    assert broken.value.code == "chain_broken"


def test_a_missing_entry_and_a_wrong_head_are_named() -> None:
    signed = _walk(SignedHead(), ENTRIES[:10]).head()
    with pytest.raises(Broken) as missing:
        _walk(signed, ENTRIES[11:20])
    assert missing.value.code == "entries_missing"
    walk = _walk(signed, ENTRIES[10:20])
    other = _walk(SignedHead(), ENTRIES[:20]).head()
    with pytest.raises(Broken) as short:
        walk.require(21, other.frontier, other.last_hash)
    assert short.value.code == "entries_missing"
    with pytest.raises(Broken) as wrong:
        walk.require(20, other.frontier, "0" * 64)
    assert wrong.value.code == "head_mismatch"
    odd = dict(ENTRIES[20])
    odd["reason"] = "\ud800"  # a lone surrogate has no canonical form
    with pytest.raises(Broken) as unreadable:
        walk.add(odd)
    assert unreadable.value.code == "entry_unreadable"


def _head(size: int) -> SignedHead:
    return _walk(SignedHead(), ENTRIES[:size]).head()


HEADS = st.integers(0, 80).map(_head)
STATES = st.builds(
    TrustState,
    key_id=st.just(KEY),
    head=HEADS,
    alarm=st.sampled_from([None, None, "chain_broken"]),
    epoch=st.integers(0, 2),
)


@given(st.lists(STATES, min_size=1, max_size=8))
def test_merging_keeps_the_latest_epoch_the_largest_head_and_any_alarm(
    states: list[TrustState],
) -> None:
    merged = states[0]
    for state in states[1:]:
        merged = merge(merged, state)
    top = max(s.epoch for s in states)
    same = [s for s in states if s.epoch == top]
    assert merged.epoch == top
    assert merged.head.size == max(s.head.size for s in same)
    assert (merged.alarm is None) == all(s.alarm is None for s in same)


def test_two_heads_of_one_size_or_another_key_raise_an_alarm() -> None:
    mine = TrustState(KEY, _head(10))
    other = replace(mine, head=replace(_head(10), root="f" * 64))
    assert merge(mine, other).alarm == "state_conflict"
    assert merge(mine, replace(mine, key_id="x" * 64)).alarm == "state_key_mismatch"
    assert disagreement(mine, replace(mine, key_id="x" * 64, epoch=3)) == "state_key_mismatch"
    assert merge(mine, replace(mine, head=_head(12))).alarm is None


def test_clearing_starts_a_new_epoch_that_wins_over_the_old_alarm() -> None:
    alarmed = TrustState(KEY, _head(30), alarm="tail_cut")
    kept = cleared(alarmed, KEY, reset=False)
    assert (kept.alarm, kept.epoch, kept.head) == (None, 1, alarmed.head)
    reset = cleared(alarmed, KEY, reset=True)
    assert (reset.head.size, reset.epoch) == (0, 1)
    assert merge(alarmed, reset) == reset  # a process still in epoch 0 adopts the clear
    assert merge(reset, alarmed) == reset  # and a stale write cannot bring the alarm back


@settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(st.lists(st.integers(0, 80), min_size=1, max_size=10))
def test_the_state_file_never_goes_back_to_a_smaller_head(tmp_path: Path, sizes: list[int]) -> None:
    store = StateFile(tmp_path / f"state-{len(os.listdir(tmp_path))}.json")
    for size in sizes:
        store.update(lambda disk, s=size: merge(TrustState(KEY, _head(s)), disk))  # type: ignore[misc]
        on_disk = store.read()
        assert on_disk is not None
    assert on_disk.head == _head(max(sizes))


def test_the_state_file_is_private_atomic_and_checked(tmp_path: Path) -> None:
    path = tmp_path / "audit-key.pem.state.json"
    store = StateFile(path)
    assert store.read() is None
    store.update(lambda _: TrustState(KEY, _head(7)))
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert sorted(p.name for p in tmp_path.iterdir()) == [path.name, path.name + ".lock"]
    assert decode(path.read_bytes()) == TrustState(KEY, _head(7))
    body = json.loads(encode(TrustState(KEY, _head(7))))
    for broken in (
        b"not json",
        b"[]",
        json.dumps({**body, "frontier": body["frontier"][:-1]}).encode(),
        json.dumps({**body, "root_hash": "zz" * 32}).encode(),
        json.dumps({**body, "tree_size": -1}).encode(),
        json.dumps({**body, "alarm": "<script>"}).encode(),
    ):
        with pytest.raises(StateUnreadable):
            decode(broken)


def _hammer(path: str, sizes: list[int]) -> None:
    store = StateFile(Path(path))
    for size in sizes:
        store.update(lambda disk, s=size: merge(TrustState(KEY, _head(s)), disk))  # type: ignore[misc]


def test_processes_sharing_the_state_file_keep_the_largest_head(tmp_path: Path) -> None:
    path = tmp_path / "state.json"
    plans = [[(i * 7 + j * 13) % 80 for j in range(15)] for i in range(4)]
    context = multiprocessing.get_context("spawn")
    workers = [context.Process(target=_hammer, args=(str(path), plan)) for plan in plans]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join(timeout=120)
        assert worker.exitcode == 0
    stored = StateFile(path).read()
    assert stored is not None
    assert stored.head == _head(max(max(plan) for plan in plans))


def test_the_guard_reads_every_column_the_canonical_form_is_made_of() -> None:
    # A column added to entries (as `count` was) must be recomputed from too, or every entry
    # after it would look unreadable and raise a false alarm.
    from app.audit.guard import ENTRY_COLUMNS
    from app.db.models import AccessLogEntry

    stored_only = {"seq", "entry_hash", "leaf_hash"}
    every = {c.key for c in AccessLogEntry.__table__.columns} - stored_only
    assert {c.key for c in ENTRY_COLUMNS} == every
