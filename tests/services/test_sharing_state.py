"""The kept sharing states: only under the exact token, never without one, and bounded."""

from __future__ import annotations

import uuid

from app.services.sharing_state import SharingState, SharingStates

EMPTY = SharingState((), (), (), ())


def test_a_state_is_given_only_under_the_token_it_was_read_with() -> None:
    kept, x = SharingStates(), uuid.uuid4()
    kept.put(x, "a" * 32, EMPTY)
    assert kept.get(x, "a" * 32) is EMPTY
    assert kept.get(x, "b" * 32) is None
    assert kept.get(uuid.uuid4(), "a" * 32) is None


def test_an_exchange_without_a_token_is_never_kept() -> None:
    kept, x = SharingStates(), uuid.uuid4()
    kept.put(x, None, EMPTY)
    assert len(kept) == 0
    assert kept.get(x, None) is None


def test_a_newer_token_replaces_the_older_state() -> None:
    kept, x = SharingStates(), uuid.uuid4()
    newer = SharingState((), (), (), ())
    kept.put(x, "a" * 32, EMPTY)
    kept.put(x, "b" * 32, newer)
    assert len(kept) == 1
    assert kept.get(x, "a" * 32) is None
    assert kept.get(x, "b" * 32) is newer


def test_the_least_recently_read_exchange_goes_first_and_size_zero_keeps_nothing() -> None:
    kept = SharingStates(size=2)
    a, b, c = uuid.uuid4(), uuid.uuid4(), uuid.uuid4()
    kept.put(a, "t", EMPTY)
    kept.put(b, "t", EMPTY)
    assert kept.get(a, "t") is EMPTY  # a is now the most recent
    kept.put(c, "t", EMPTY)
    assert len(kept) == 2
    assert kept.get(b, "t") is None
    assert kept.get(a, "t") is EMPTY
    assert kept.get(c, "t") is EMPTY
    off = SharingStates(size=0)
    off.put(a, "t", EMPTY)
    assert off.get(a, "t") is None
    assert len(off) == 0
