"""The secret hasher: argon2 in worker threads, never more at once than its limiter allows."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable

import anyio
import pytest

from app.auth import SecretHasher, hash_secret
from app.auth import secrets as module

DEADLINE = 30.0


class Gate:
    """A stand-in for argon2 that holds each caller until released, counting who is inside."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.inside = 0
        self.most = 0
        self.release = threading.Event()

    def verify(self, hashed: str, secret: str) -> bool:
        with self.lock:
            self.inside += 1
            self.most = max(self.most, self.inside)
        self.release.wait(DEADLINE)
        with self.lock:
            self.inside -= 1
        return False


async def _until(condition: Callable[[], bool]) -> None:
    deadline = time.monotonic() + DEADLINE
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError("the condition was not met in time")
        await anyio.sleep(0.01)


@pytest.mark.parametrize("concurrency", [1, 3])
def test_the_limiter_bounds_the_hashing_threads(
    monkeypatch: pytest.MonkeyPatch, concurrency: int
) -> None:
    gate = Gate()
    monkeypatch.setattr(module, "verify_secret", gate.verify)
    hasher = SecretHasher(concurrency)
    callers = 12

    async def main() -> None:
        async with anyio.create_task_group() as tasks:
            for _ in range(callers):
                tasks.start_soon(hasher.verify, "hash", "guess")
            # Every caller has arrived: `concurrency` inside argon2, the rest queued at the
            # limiter (not in threads). Without the limiter all twelve would be inside.
            stats = hasher.limiter.statistics
            await _until(
                lambda: (
                    stats().tasks_waiting == callers - concurrency and gate.inside == concurrency
                )
            )
            gate.release.set()

    anyio.run(main)
    assert gate.most == concurrency


def test_verify_and_hash_round_trip_through_the_limiter() -> None:
    hasher = SecretHasher(1)

    async def main() -> tuple[bool, bool, str]:
        hashed = await hasher.hash("s3cret")
        return (
            await hasher.verify(hashed, "s3cret"),
            await hasher.verify(hashed, "wrong"),
            await hasher.dummy(),
        )

    right, wrong, dummy = anyio.run(main)
    assert right
    assert not wrong
    assert dummy.startswith("$argon2id$")
    assert hash_secret("x") != dummy
