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

from sqlalchemy import insert, select
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.ext.asyncio import AsyncSession

from app.audit.entry import canonical, entry_hash, leaf, timestamp
from app.audit.guard import LogGuard
from app.audit.merkle import Frontier
from app.audit.push import WitnessPush, checkpoint_line
from app.audit.signing import AuditSigner, Checkpoint
from app.audit.trust import SignedHead
from app.db.models import AccessLogEntry, AuditCheckpoint, AuditHead
from app.errors import AuditIntegrityAlarm, AuditUnavailable

logger = logging.getLogger(__name__)


# The columns an append writes; ``seq`` comes from the database.
_COLUMNS = tuple(c.key for c in AccessLogEntry.__table__.columns if c.key != "seq")


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
    owners: tuple[str, ...] = field(default_factory=tuple)
    # How many identical events this one stands for (aggregated failures); None means one.
    count: int | None = None


ALARM_ACTION = "audit:integrity_alarm"


def alarm_event(reason: str) -> AuditEvent:
    """The entry that records an integrity alarm: the hub itself refused to sign, and why."""
    return AuditEvent(ALARM_ACTION, Outcome.DENY, reason, None, None)


class AccessLog:
    """Appends entries to the hash chain and the Merkle tree; fails closed (the caller gets 503).

    Appends are serialised by a row lock on the chain head (SELECT ... FOR UPDATE on PostgreSQL;
    on SQLite the same statement first takes the write lock: ``app.db.engine``), so the chain
    stays linear with many requests and several API processes. Every ``checkpoint_every``
    entries, and on the first append ``checkpoint_seconds`` or more after the last checkpoint, a
    signed tree head is stored in the same transaction. (A hub with no appends has nothing new
    to sign.)

    Before any checkpoint is signed, the guard (``app.audit.guard``) checks that the log in the
    database extends the last head this hub signed; if not, nothing is signed, an
    ``audit:integrity_alarm`` entry is appended, and requests go on being served and logged.
    Each committed checkpoint is pushed to the witnesses, if any.
    """

    def __init__(
        self,
        clock: Callable[[], datetime] | None = None,
        signer: AuditSigner | None = None,
        checkpoint_every: int = 0,
        checkpoint_seconds: int = 0,
        guard: LogGuard | None = None,
        witnesses: WitnessPush | None = None,
    ) -> None:
        self._clock = clock or (lambda: datetime.now(UTC))
        self.signer = signer
        self.checkpoint_every = checkpoint_every
        self.checkpoint_seconds = checkpoint_seconds
        # Without a state file the guard trusts only what this process signed (from entry 0).
        self.guard = guard if guard is not None or signer is None else LogGuard(signer)
        self.witnesses = witnesses

    async def append(
        self, session: AsyncSession, events: Sequence[AuditEvent], *, request_id: str
    ) -> None:
        """Chain the entries into the session's transaction and flush, so a failure shows now."""
        try:
            head = await session.scalar(
                select(AuditHead).where(AuditHead.id == 1).with_for_update()
            )
            if head is None:
                raise AuditUnavailable("the access log has no head; run the migrations")
            now = self._clock()
            events = self._with_alarm(session, events)
            due = bool(events) and self._time_for_checkpoint(head.checkpoint_at, now)
            may_sign = True
            if due or self._crosses(head.size, len(events)):
                may_sign = await self._vouch(session, head) is None
                events = self._with_alarm(session, events)
            frontier = Frontier(head.size, [bytes.fromhex(h) for h in head.frontier])
            rows: list[dict[str, object]] = []
            signed = -1
            for event in events:
                # Whom the entry concerns comes with the event, from what its use case loaded.
                owners = sorted(set(event.owners))
                row = _entry(event, now, request_id, position=frontier.size, prev=head.last_hash)
                row.owners = owners or None
                data = canonical(as_canonical(row))
                row.entry_hash = entry_hash(data)
                node = leaf(data)
                row.leaf_hash = node.hex()
                frontier.append(node)
                head.last_hash = row.entry_hash
                rows.append({k: getattr(row, k) for k in _COLUMNS})
                every = self.checkpoint_every
                if may_sign and every and frontier.size % every == 0:
                    session.add(self._signed(session, frontier, head.last_hash, now))
                    head.checkpoint_at, signed = now, frontier.size
            if due and may_sign and signed != frontier.size:
                session.add(self._signed(session, frontier, head.last_hash, now))
                head.checkpoint_at = now
            head.size = frontier.size
            head.frontier = [n.hex() for n in frontier.nodes]
            await session.flush()
            # Plain INSERTs (no ORM unit of work, no RETURNING): the rows are never read back here.
            if rows:
                await session.execute(insert(AccessLogEntry), rows)
        except SQLAlchemyError as exc:
            # The exception text can carry bound parameters; log only its class.
            logger.error("access log write failed (%s)", type(exc).__name__)
            raise AuditUnavailable() from None

    async def checkpoint_now(self, session: AsyncSession) -> AuditCheckpoint:
        """A signed tree head of the log as it stands in this transaction (on demand)."""
        head = await session.scalar(select(AuditHead).where(AuditHead.id == 1).with_for_update())
        if head is None or head.size == 0:
            raise AuditUnavailable("the access log is empty")
        reason = await self._vouch(session, head)
        if reason is not None:
            pending = self.guard.unlogged() if self.guard else None
            # Refused: this transaction is rolled back and the alarm's entry written on its own.
            raise AuditIntegrityAlarm(reason, audit=(alarm_event(pending),) if pending else ())
        existing = await session.get(AuditCheckpoint, head.size)
        if existing is not None:
            return existing
        frontier = Frontier(head.size, [bytes.fromhex(h) for h in head.frontier])
        now = self._clock()
        row = self._signed(session, frontier, head.last_hash, now)
        session.add(row)
        head.checkpoint_at = now
        await session.flush()
        return row

    def alarm(self) -> str | None:
        """The integrity alarm's reason code, or None while the log is sound (for /readyz)."""
        return self.guard.alarm() if self.guard else None

    async def _vouch(self, session: AsyncSession, head: AuditHead) -> str | None:
        """None if the guard finds that the head extends what this hub signed; else the alarm."""
        if self.guard is None:
            return None
        return await self.guard.check(
            session, head.size, head.frontier, head.last_hash, as_canonical
        )

    def _crosses(self, size: int, count: int) -> bool:
        """Whether appending ``count`` entries to ``size`` reaches a multiple of N."""
        every = self.checkpoint_every
        return bool(every) and count > 0 and (size + count) // every > size // every

    def _with_alarm(
        self, session: AsyncSession, events: Sequence[AuditEvent]
    ) -> Sequence[AuditEvent]:
        """The events, with the alarm's entry if it is not logged yet (and these are not empty)."""
        if self.guard is None or not events:
            return events
        if any(e.action == ALARM_ACTION for e in events):
            self.guard.logging_alarm(session)
            return events
        pending = self.guard.unlogged()
        if pending is None:
            return events
        self.guard.logging_alarm(session)
        return [*events, alarm_event(pending)]

    def _signed(
        self, session: AsyncSession, frontier: Frontier, last_hash: str, now: datetime
    ) -> AuditCheckpoint:
        """A checkpoint row; once its transaction commits, the guard trusts it and it is pushed."""
        row = self.checkpoint(frontier, now)
        if self.guard is not None:
            head = SignedHead(
                row.tree_size, row.root_hash, tuple(n.hex() for n in frontier.nodes), last_hash
            )
            push = self.witnesses.push if self.witnesses else None
            line = checkpoint_line(row)
            self.guard.signed(session, head, (lambda: push(line)) if push else None)
        return row

    def _time_for_checkpoint(self, last: datetime | None, now: datetime) -> bool:
        if not self.checkpoint_seconds or self.signer is None:
            return False
        return last is None or (now - last).total_seconds() >= self.checkpoint_seconds

    def checkpoint(self, frontier: Frontier, now: datetime) -> AuditCheckpoint:
        """A signed tree head for the log as the frontier has it."""
        if self.signer is None:
            raise AuditUnavailable("no audit key to sign checkpoints with")
        head = Checkpoint(frontier.size, frontier.root().hex(), timestamp(now), self.signer.key_id)
        return AuditCheckpoint(
            tree_size=head.tree_size,
            root_hash=head.root_hash,
            at=now,
            key_id=head.key_id,
            signature=self.signer.sign(head),
        )


def as_canonical(row: AccessLogEntry) -> dict[str, object]:
    """An entry row as the canonical JSON object (the export and the verifier use the same)."""
    return {
        "seq": row.position,
        "at": timestamp(row.at),
        "actor": row.actor_member_id,
        "actor_agency": row.actor_agency_id,
        "action": row.action,
        "decision": row.decision,
        "reason": row.reason,
        "cell": row.cell_id,
        "case": row.case_id,
        "subject": row.subject_id,
        "exchange": row.exchange_id,
        "note": row.note_id,
        "object": row.object_id,
        "fields": list(row.fields or []),
        "denied": list(row.denied or []),
        "purpose": row.purpose,
        "request_id": row.request_id,
        "prev": row.prev_hash,
        "owners": list(row.owners or []),
        "count": row.count,
    }


def _entry(
    event: AuditEvent, now: datetime, request_id: str, *, position: int, prev: str
) -> AccessLogEntry:
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
        fields=list(event.fields),
        denied=list(event.denied) or None,
        purpose=event.purpose,
        count=event.count,
        position=position,
        prev_hash=prev,
    )
