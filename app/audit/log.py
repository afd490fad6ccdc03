"""The access-log service: one way in, in the transaction of the work it records.

Entries hold metadata only (who, what, which objects and field names, decision, reason), never a
value. The tamper-evident form (hash chain, Merkle tree, signed checkpoints) replaces the body of
``append`` and keeps its signature.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from enum import StrEnum

from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.ext.asyncio import AsyncSession

from app.db.models import AccessLogEntry
from app.errors import AuditUnavailable

logger = logging.getLogger(__name__)


class Outcome(StrEnum):
    """What happened to the request."""

    ALLOW = "allow"
    DENY = "deny"


@dataclass(frozen=True)
class AuditEvent:
    """One access to record; ids are strings so the log outlives the rows it names."""

    action: str
    outcome: Outcome
    reason: str
    actor_member_id: str | None
    actor_agency_id: str | None
    cell_id: str | None = None
    case_id: str | None = None
    subject_id: str | None = None
    note_id: str | None = None
    exchange_id: str | None = None
    object_id: str | None = None
    denied: tuple[str, ...] = field(default_factory=tuple)
    fields: tuple[str, ...] = field(default_factory=tuple)
    purpose: str | None = None


class AccessLog:
    """Appends entries; if an entry cannot be written the caller's request must fail (503)."""

    def __init__(self, clock: Callable[[], datetime] | None = None) -> None:
        self._clock = clock or (lambda: datetime.now(UTC))

    async def append(
        self, session: AsyncSession, events: Sequence[AuditEvent], *, request_id: str
    ) -> None:
        """Add the entries to the session's transaction and flush, so a failure shows now."""
        now = self._clock()
        session.add_all([_entry(e, now, request_id) for e in events])
        try:
            await session.flush()
        except SQLAlchemyError as exc:
            # The exception text can carry bound parameters; log only its class.
            logger.error("access log write failed (%s)", type(exc).__name__)
            raise AuditUnavailable() from None


def _entry(event: AuditEvent, now: datetime, request_id: str) -> AccessLogEntry:
    return AccessLogEntry(
        at=now,
        request_id=request_id,
        actor_member_id=event.actor_member_id,
        actor_agency_id=event.actor_agency_id,
        action=event.action,
        decision=event.outcome.value,
        reason=event.reason,
        cell_id=event.cell_id,
        case_id=event.case_id,
        subject_id=event.subject_id,
        note_id=event.note_id,
        exchange_id=event.exchange_id,
        object_id=event.object_id,
        denied=list(event.denied) or None,
        fields=list(event.fields),
        purpose=event.purpose,
    )
