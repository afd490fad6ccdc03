"""The group writer, without a database: batching, ordering, and failure reaching every waiter."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest

from app.audit.log import AuditEvent, Outcome
from app.errors import AuditUnavailable
from app.services.writer import GroupWriter


class _Session:
    def __init__(self, journal: list[Any], fail: bool) -> None:
        self.journal, self.fail = journal, fail

    async def __aenter__(self) -> _Session:
        return self

    async def __aexit__(self, *exc: object) -> None:
        return None

    async def commit(self) -> None:
        if self.fail:
            raise RuntimeError("disk full")
        self.journal.append("commit")


class _Log:
    def __init__(self, journal: list[Any]) -> None:
        self.journal = journal

    async def append(self, session: Any, events: Any, *, request_id: str) -> None:
        self.journal.append(request_id)


def _event() -> AuditEvent:
    return AuditEvent("note:read", Outcome.ALLOW, "", "m", "a")


async def _run(fail: bool, count: int) -> tuple[list[Any], list[BaseException | None], GroupWriter]:
    journal: list[Any] = []
    writer = GroupWriter(lambda: _Session(journal, fail), _Log(journal), max_batch=8)  # type: ignore[arg-type,return-value]
    task = asyncio.create_task(writer.run())
    results = await asyncio.gather(
        *(writer.submit([(f"r{i}", [_event()])]) for i in range(count)), return_exceptions=True
    )
    task.cancel()
    return journal, list(results), writer


def test_submissions_waiting_together_share_one_commit_in_order() -> None:
    journal, results, writer = asyncio.run(_run(False, 20))
    assert results == [None] * 20
    assert [x for x in journal if x != "commit"] == [f"r{i}" for i in range(20)]
    # 20 submissions queued at once, at most 8 per commit: 3 commits, each after its appends.
    assert writer.stats.commits == journal.count("commit") == 3
    assert journal[8] == "commit"


def test_a_failed_commit_fails_every_request_of_the_batch() -> None:
    journal, results, writer = asyncio.run(_run(True, 5))
    assert all(isinstance(r, AuditUnavailable) for r in results)
    assert writer.stats.failures >= 1
    assert "commit" not in journal


def test_nothing_to_write_returns_at_once() -> None:
    async def go() -> None:
        writer = GroupWriter(lambda: None, None)  # type: ignore[arg-type,return-value]
        await writer.submit([])

    asyncio.run(go())


@pytest.mark.parametrize("batch", [1, 64])
def test_the_batch_size_bounds_each_commit(batch: int) -> None:
    async def go() -> GroupWriter:
        journal: list[Any] = []
        writer = GroupWriter(lambda: _Session(journal, False), _Log(journal), max_batch=batch)  # type: ignore[arg-type,return-value]
        task = asyncio.create_task(writer.run())
        await asyncio.gather(*(writer.submit([(f"r{i}", [_event()])]) for i in range(10)))
        task.cancel()
        return writer

    writer = asyncio.run(go())
    assert writer.stats.commits == (10 if batch == 1 else 1)
