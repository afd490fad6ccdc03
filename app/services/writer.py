"""Group commit: many requests' access-log entries appended in one transaction, one fsync.

A request that changed no data (a view, a note read, a listing, a denial) has only its entries
to make durable. Instead of each such request taking the write lock, appending and committing on
its own, it hands its entries to the writer and waits. The writer takes every submission queued
while the previous commit was in progress (at most ``max_batch``), appends them in order, each
with its own request id, in one transaction, commits once, and then wakes each request: a
request still answers only after its own entry is durable. If the commit fails, every request
of the batch fails (503) and none of them has disclosed anything.

Requests that change data commit their own transaction with their entries, as before: their
writes and their entries must stand or fall together.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

from sqlalchemy.ext.asyncio import AsyncSession

from app.audit.log import AccessLog, AuditEvent
from app.errors import AuditUnavailable

logger = logging.getLogger(__name__)

Batches = Sequence[tuple[str, Sequence[AuditEvent]]]


@dataclass
class WriterStats:
    """What the writer did: submissions taken, transactions committed (for tests and metrics)."""

    submissions: int = 0
    commits: int = 0
    failures: int = 0


def _future() -> asyncio.Future[None]:
    return asyncio.get_running_loop().create_future()


@dataclass
class _Submission:
    batches: Batches
    done: asyncio.Future[None] = field(default_factory=_future)


class GroupWriter:
    """Appends queued entries in batches on one session at a time; one commit per batch."""

    def __init__(
        self, sessions: Callable[[], AsyncSession], log: AccessLog, *, max_batch: int = 64
    ) -> None:
        self._sessions = sessions
        self._log = log
        self.max_batch = max_batch
        self.stats = WriterStats()
        self._queue: asyncio.Queue[_Submission] = asyncio.Queue()

    async def submit(self, batches: Batches) -> None:
        """Make these entries durable; returns once they are committed (raises if they are not)."""
        if not batches:
            return
        submission = _Submission(batches)
        await self._queue.put(submission)
        await submission.done

    async def run(self) -> None:
        """Serve submissions until cancelled (the app's lifespan runs it as a task)."""
        while True:
            taken = [await self._queue.get()]
            while len(taken) < self.max_batch and not self._queue.empty():
                taken.append(self._queue.get_nowait())
            await self._commit(taken)

    async def _commit(self, taken: list[_Submission]) -> None:
        self.stats.submissions += len(taken)
        try:
            async with self._sessions() as session:
                for submission in taken:
                    for request_id, events in submission.batches:
                        await self._log.append(session, events, request_id=request_id)
                await session.commit()
        except Exception as exc:  # noqa: BLE001 - every waiting request must get an answer
            # The exception's text can carry bound values: only its class is logged.
            self.stats.failures += 1
            logger.error("group commit of %d requests failed (%s)", len(taken), type(exc).__name__)
            for submission in taken:
                _settle(submission, AuditUnavailable())
            return
        self.stats.commits += 1
        for submission in taken:
            _settle(submission, None)


def _settle(submission: _Submission, error: BaseException | None) -> None:
    if submission.done.done():
        return
    if error is None:
        submission.done.set_result(None)
    else:
        submission.done.set_exception(error)
