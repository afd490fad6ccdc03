"""Repeated identical authentication failures: counted, then written as one entry.

A guessing flood at the token endpoint would otherwise append one entry per guess: the log grows
at the attacker's rate and every guess takes the chain's write lock. Instead the first failure of
a kind is appended at once (the alarm is never late), identical failures within ``window``
seconds of it are counted in memory, and one entry with ``count`` records them when the window
has closed: on the next failure after it, on the periodic flush, and at shutdown. Every failure
is in the log exactly once: as its own entry, or within one entry's ``count``.

"Identical" is the whole event (action, reason, actor, ...). Nothing an attacker submits is in
an event, so the number of kinds stays small; past ``max_kinds`` failures are appended one by one.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace

import anyio
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.ext.asyncio import AsyncSession

from app.audit.log import AccessLog, AuditEvent
from app.errors import AuditUnavailable

logger = logging.getLogger(__name__)

Sessions = Callable[[], AsyncSession]


@dataclass
class _Tally:
    opened: float  # when the kind's first failure was appended (monotonic seconds)
    count: int = 0  # identical failures since, not yet written
    request_id: str = ""  # the last of them, to find it in the server's own logs


class FailureLog:
    """Appends authentication failures to the access log, aggregating identical ones."""

    def __init__(
        self,
        log: AccessLog,
        window_seconds: float,
        *,
        clock: Callable[[], float] = time.monotonic,
        max_kinds: int = 10_000,
    ) -> None:
        self.log = log
        self.window = window_seconds
        self._clock = clock
        self._max_kinds = max_kinds
        self._tallies: dict[AuditEvent, _Tally] = {}

    @property
    def pending(self) -> int:
        """Failures counted but not yet written."""
        return sum(t.count for t in self._tallies.values())

    async def record(
        self, sessions: Sessions, events: Sequence[AuditEvent], *, request_id: str
    ) -> None:
        """Log these failures: closed windows' counts and first-of-a-kind events are appended."""
        now = self._clock()
        due = self._take(lambda tally: tally.opened + self.window <= now)
        fresh = [event for event in events if self._first(event, now, request_id)]
        await self._write(sessions, due, fresh, request_id)

    async def flush(self, sessions: Sessions, *, everything: bool = False) -> int:
        """Write the counts of closed windows (of all windows with ``everything``); how many."""
        now = self._clock()
        due = self._take(lambda tally: everything or tally.opened + self.window <= now)
        await self._write(sessions, due, [], "")
        return len(due)

    async def flush_periodically(self, sessions: Sessions) -> None:
        """Flush closed windows every few seconds, for as long as the task runs."""
        period = min(max(self.window / 4, 0.5), 5.0)
        while True:
            await anyio.sleep(period)
            try:
                await self.flush(sessions)
            except Exception as exc:  # noqa: BLE001 - the flush must outlive any one failure
                # Counts stay pending (restored on a failed write); only the class is logged.
                logger.error(
                    "could not write counted authentication failures (%s)", type(exc).__name__
                )

    def _first(self, event: AuditEvent, now: float, request_id: str) -> bool:
        # True when the event is appended now; False when it is counted.
        tally = self._tallies.get(event)
        if tally is not None:
            tally.count += 1
            tally.request_id = request_id
            return False
        if self.window > 0 and len(self._tallies) < self._max_kinds:
            self._tallies[event] = _Tally(opened=now)
        return True

    def _take(self, closed: Callable[[_Tally], bool]) -> list[tuple[AuditEvent, _Tally]]:
        # Taken out synchronously, so two requests never write the same count.
        taken = [(event, tally) for event, tally in self._tallies.items() if closed(tally)]
        for event, _ in taken:
            del self._tallies[event]
        return [(event, tally) for event, tally in taken if tally.count]

    async def _write(
        self,
        sessions: Sessions,
        due: list[tuple[AuditEvent, _Tally]],
        fresh: list[AuditEvent],
        request_id: str,
    ) -> None:
        if not due and not fresh:
            return
        try:
            async with sessions() as session:
                for event, tally in due:
                    summary = replace(event, count=tally.count)
                    await self.log.append(session, [summary], request_id=tally.request_id)
                if fresh:
                    await self.log.append(session, fresh, request_id=request_id)
                await session.commit()
        except Exception as exc:
            self._restore(due, fresh)
            if isinstance(exc, AuditUnavailable | SQLAlchemyError):
                raise AuditUnavailable() from None
            raise

    def _restore(self, due: list[tuple[AuditEvent, _Tally]], fresh: list[AuditEvent]) -> None:
        # Nothing was written: the counts go back, and a failed first entry is first again.
        for event, tally in due:
            current = self._tallies.get(event)
            if current is None:
                self._tallies[event] = tally
            else:
                current.count += tally.count
        for event in fresh:
            current = self._tallies.get(event)
            if current is not None and current.count == 0:
                del self._tallies[event]
