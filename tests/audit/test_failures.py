"""Aggregated authentication failures: the first at once, the rest counted, every one logged once.

The failure log is driven here with a fake clock and a fake access log, so each rule is checked
exactly; tests/api/test_credential_guards.py checks the same through a running hub.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import anyio
import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from hypothesis import given, settings
from hypothesis import strategies as st

from app.audit.entry import GENESIS, canonical, entry_hash, leaf, timestamp
from app.audit.failures import FailureLog
from app.audit.log import AuditEvent, Outcome
from app.audit.merkle import Frontier
from app.audit.signing import AuditSigner, Checkpoint
from app.errors import AuditUnavailable
from tests.audit.test_verify import T0, build, check


def failure(reason: str = "bad_client_credentials", member: str | None = None) -> AuditEvent:
    return AuditEvent(
        action="auth:authenticate",
        outcome=Outcome.DENY,
        reason=reason,
        actor_member_id=None,
        actor_agency_id=None,
        object_id=member,
    )


@dataclass
class FakeLog:
    """Records appends; commits only what a committed session appended."""

    written: list[tuple[AuditEvent, str]] = field(default_factory=list)
    broken: bool = False

    async def append(
        self, session: FakeSession, events: Sequence[AuditEvent], *, request_id: str
    ) -> None:
        if self.broken:
            raise AuditUnavailable()
        session.staged.extend((e, request_id) for e in events)


@dataclass
class FakeSession:
    log: FakeLog
    staged: list[tuple[AuditEvent, str]] = field(default_factory=list)

    async def __aenter__(self) -> FakeSession:
        return self

    async def __aexit__(self, *exc: object) -> None:
        return None

    async def commit(self) -> None:
        self.log.written.extend(self.staged)


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def make(window: float = 60, **kwargs: Any) -> tuple[FailureLog, FakeLog, Clock, Any]:
    log, clock = FakeLog(), Clock()
    failures = FailureLog(log, window, clock=clock, **kwargs)  # type: ignore[arg-type]
    return failures, log, clock, lambda: FakeSession(log)


def run(coro: Any) -> Any:
    async def main() -> Any:
        return await coro

    return anyio.run(main)


def counts(log: FakeLog) -> list[tuple[str, int | None, str]]:
    return [(e.reason, e.count, rid) for e, rid in log.written]


def test_the_first_failure_is_written_at_once_and_identical_ones_are_counted() -> None:
    failures, log, clock, sessions = make()
    run(failures.record(sessions, [failure()], request_id="r1"))
    assert counts(log) == [("bad_client_credentials", None, "r1")]
    for i in range(2, 6):
        clock.now += 5
        run(failures.record(sessions, [failure()], request_id=f"r{i}"))
    assert len(log.written) == 1
    assert failures.pending == 4


def test_a_different_kind_is_written_at_once() -> None:
    failures, log, _, sessions = make()
    run(failures.record(sessions, [failure()], request_id="r1"))
    run(failures.record(sessions, [failure("rate_limited")], request_id="r2"))
    run(failures.record(sessions, [failure(member="m1")], request_id="r3"))
    assert [c[0] for c in counts(log)] == [
        "bad_client_credentials",
        "rate_limited",
        "bad_client_credentials",
    ]


def test_the_next_failure_after_the_window_writes_the_count_then_itself() -> None:
    failures, log, clock, sessions = make(window=60)
    run(failures.record(sessions, [failure()], request_id="r1"))
    clock.now += 10
    run(failures.record(sessions, [failure()], request_id="r2"))
    clock.now += 10
    run(failures.record(sessions, [failure()], request_id="r3"))
    clock.now += 40  # the window (60 s from the first) has closed
    run(failures.record(sessions, [failure("rate_limited")], request_id="r4"))
    assert counts(log) == [
        ("bad_client_credentials", None, "r1"),
        ("bad_client_credentials", 2, "r3"),  # the last counted request's id
        ("rate_limited", None, "r4"),
    ]
    assert failures.pending == 0
    # The same kind after its window is a first failure again.
    run(failures.record(sessions, [failure()], request_id="r5"))
    assert counts(log)[-1] == ("bad_client_credentials", None, "r5")


def test_a_window_with_nothing_counted_writes_nothing_when_it_closes() -> None:
    failures, log, clock, sessions = make(window=60)
    run(failures.record(sessions, [failure()], request_id="r1"))
    clock.now += 61
    assert run(failures.flush(sessions)) == 0
    assert len(log.written) == 1


def test_flush_writes_closed_windows_and_at_shutdown_every_window() -> None:
    failures, log, clock, sessions = make(window=60)
    run(failures.record(sessions, [failure()], request_id="a1"))
    run(failures.record(sessions, [failure()], request_id="a2"))
    clock.now += 30
    run(failures.record(sessions, [failure("rate_limited")], request_id="b1"))
    run(failures.record(sessions, [failure("rate_limited")], request_id="b2"))
    clock.now += 30  # the first window closes; the second is still open
    assert run(failures.flush(sessions)) == 1
    assert counts(log)[-1] == ("bad_client_credentials", 1, "a2")
    assert run(failures.flush(sessions, everything=True)) == 1
    assert counts(log)[-1] == ("rate_limited", 1, "b2")
    assert failures.pending == 0


def test_a_zero_window_writes_every_failure() -> None:
    failures, log, _, sessions = make(window=0)
    for i in range(3):
        run(failures.record(sessions, [failure()], request_id=f"r{i}"))
    assert [c[1] for c in counts(log)] == [None, None, None]


def test_past_max_kinds_failures_are_written_one_by_one() -> None:
    failures, log, _, sessions = make(max_kinds=1)
    run(failures.record(sessions, [failure()], request_id="r1"))
    for i in range(2):
        run(failures.record(sessions, [failure(member="m")], request_id=f"m{i}"))
    assert [c[2] for c in counts(log)] == ["r1", "m0", "m1"]


def test_a_failed_write_keeps_the_counts_and_the_next_first_failure() -> None:
    failures, log, clock, sessions = make(window=60)
    run(failures.record(sessions, [failure()], request_id="r1"))
    run(failures.record(sessions, [failure()], request_id="r2"))
    clock.now += 61
    log.broken = True
    with pytest.raises(AuditUnavailable):
        run(failures.record(sessions, [failure("rate_limited")], request_id="r3"))
    assert failures.pending == 1
    log.broken = False
    run(failures.record(sessions, [failure("rate_limited")], request_id="r4"))
    assert counts(log) == [
        ("bad_client_credentials", None, "r1"),
        ("bad_client_credentials", 1, "r2"),
        ("rate_limited", None, "r4"),  # r3 was not written, so r4 is the first
    ]


kinds = st.sampled_from([failure(), failure("rate_limited"), failure(member="m1")])
steps = st.lists(st.tuples(st.floats(min_value=0, max_value=100), kinds), max_size=60)


@settings(max_examples=300)
@given(steps, st.sampled_from([0, 1, 30, 60]))
def test_every_failure_is_logged_exactly_once(
    sequence: list[tuple[float, AuditEvent]], window: int
) -> None:
    failures, log, clock, sessions = make(window=window)
    for i, (pause, event) in enumerate(sequence):
        clock.now += pause
        run(failures.record(sessions, [event], request_id=f"r{i}"))
        if i % 7 == 6:
            run(failures.flush(sessions))
    run(failures.flush(sessions, everything=True))
    for event in {e for _, e in sequence}:
        logged = sum(
            e.count or 1
            for e, _ in log.written
            if e.reason == event.reason and e.object_id == event.object_id
        )
        assert logged == sum(1 for _, e in sequence if e == event)
    assert all(e.count is None or e.count >= 1 for e, _ in log.written)


# The count in the hashed entry: absent while empty (old hashes hold), verified when present.


def test_count_is_hashed_when_present_and_absent_entries_keep_their_hash() -> None:
    signer = AuditSigner(Ed25519PrivateKey.generate())
    [entry], _ = build(1, signer)
    entry.pop("hash")
    before = canonical(entry)
    assert canonical({**entry, "count": None}) == before
    assert b'"count":7' in canonical({**entry, "count": 7})
    assert canonical({**entry, "count": 7}) != before


def test_the_verifier_checks_counts() -> None:
    signer = AuditSigner(Ed25519PrivateKey.generate())
    entries: list[dict[str, object]] = []
    prev, frontier = GENESIS, Frontier()
    for i in range(4):
        entry = {**build(1, signer)[0][0], "seq": i, "prev": prev, "count": 5 if i == 2 else None}
        entry.pop("hash")
        data = canonical(entry)
        entry["hash"] = prev = entry_hash(data)
        frontier.append(leaf(data))
        entries.append(entry)
    head = Checkpoint(4, frontier.root().hex(), timestamp(T0), signer.key_id)
    heads = [{**head.__dict__, "signature": signer.sign(head)}]
    assert check(entries, heads, signer) == ""
    entries[2]["count"] = 1  # hide how many guesses there were
    assert check(entries, heads, signer).startswith("entry 2 ")
