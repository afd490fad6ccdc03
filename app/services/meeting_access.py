"""What every meeting use case shares: reaching a meeting or a cell, answering a refusal.

Visibility before permission: a meeting (or series) id is 404 for anyone not in its cell, as for
an id that does not exist; the cell's members may know it and get 403 for what only the chair
does (or what only invitees read). A cell the caller may know (``cells.get_cell``) but is not a
member of answers 403 ``not_in_cell`` for its meetings. Ids named in an agenda or invitation that
are not of the cell answer 422 without saying whether they exist. Every change and every refusal
is logged; events carry ids only (decisions 110-111).
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import datetime
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from app.audit.log import AuditEvent
from app.db.queries import meetings as queries
from app.db.queries.meetings import (
    CANCELLED,
    SCHEDULED,
    AgendaRow,
    CellSeat,
    InviteeRow,
    MeetingRow,
    MinutesRow,
    SeriesRow,
)
from app.errors import AppError, Conflict, Forbidden, NotFound, ValidationFailed
from app.policies.meetings import (
    MAX_DURATION,
    CellStanding,
    MeetingReason,
    MeetingState,
    MeetingVerdict,
    may_see,
)
from app.services import cells
from app.services.authz import denied, event_for
from app.services.context import RequestContext
from app.services.hub import Hub

# The reason logged when an agenda or invitation names an id that is not of the meeting's cell.
ID_NOT_IN_CELL = "id_not_in_cell"
FORBIDDEN = frozenset(
    {
        MeetingReason.NOT_CHAIR,
        MeetingReason.NOT_INVITED,
        MeetingReason.NOT_CHAIRING_MUNICIPALITY,
        MeetingReason.NOT_IN_CELL,
    }
)


@dataclass(frozen=True)
class MeetingDetail:
    """A meeting as the caller may see it: agenda, invitees and minutes only for readers."""

    meeting: MeetingRow
    invited: bool
    agenda: list[AgendaRow] | None
    invitees: list[InviteeRow] | None
    minutes: list[MinutesRow] | None


@dataclass(frozen=True)
class SeriesDetail:
    """A series with its occurrences."""

    series: SeriesRow
    occurrences: list[MeetingRow]


@dataclass(frozen=True)
class Reached:
    """A meeting, its cell's seat of the caller, and what the caller may do with it."""

    meeting: MeetingRow
    seat: CellSeat
    standing: CellStanding
    seen: MeetingVerdict

    @property
    def state(self) -> MeetingState:
        """What changing the meeting depends on."""
        chair_agency = self.seat.chair_agency_id
        return MeetingState(
            cancelled=self.meeting.status == CANCELLED,
            starts_at=self.meeting.starts_at,
            chair_agency_id=None if chair_agency is None else str(chair_agency),
        )


def standing_of(seat: CellSeat, invited: bool = False) -> CellStanding:
    chair = seat.chair_member_id
    return CellStanding(None if chair is None else str(chair), seat.in_cell, invited)


def meeting_event(
    ctx: RequestContext,
    action: str,
    cell_id: uuid.UUID,
    object_id: uuid.UUID,
    seat: CellSeat | None,
    *owners: object,
) -> AuditEvent:
    chair_agency = None if seat is None else seat.chair_agency_id
    return event_for(
        ctx, action, cell_id=cell_id, object_id=object_id, owners=[chair_agency, *owners]
    )


def refuse(verdict: MeetingVerdict, event: AuditEvent) -> AppError:
    """The answer to a refusal: hiding reasons 404, the caller's standing 403, state 409."""
    reason = str(verdict.reason)
    audit = (denied(event, reason),)
    if verdict.hides:
        return NotFound(audit=audit)
    extra = {"reason": reason}
    if verdict.reason in FORBIDDEN:
        return Forbidden(f"refused: {reason}", extra=extra, audit=audit)
    return Conflict(f"refused: {reason}", extra=extra, audit=audit)


def require(verdict: MeetingVerdict, event: AuditEvent) -> AuditEvent:
    if not verdict.allowed:
        raise refuse(verdict, event)
    return replace(event, reason=str(verdict.reason))


async def reach(
    session: AsyncSession,
    ctx: RequestContext,
    meeting_id: uuid.UUID,
    action: str,
    *,
    lock: bool = False,
) -> Reached:
    found = await queries.reach(session, meeting_id, ctx.principal.member_id, lock=lock)
    if found is None:
        raise NotFound(audit=(denied(event_for(ctx, action, object_id=meeting_id), "not_found"),))
    meeting, seat, invited = found
    standing = standing_of(seat, invited)
    seen = may_see(ctx.principal.actor(), standing)
    if seen.hides:
        raise refuse(seen, meeting_event(ctx, action, meeting.cell_id, meeting.id, seat))
    return Reached(meeting, seat, standing, seen)


async def cell_seat(
    session: AsyncSession, ctx: RequestContext, hub: Hub, cell_id: uuid.UUID, action: str
) -> CellSeat:
    """A cell the caller may know (404 otherwise, logged) and how they stand towards it."""
    try:
        await cells.get_cell(session, ctx, hub, cell_id)
    except NotFound:
        raise NotFound(
            audit=(denied(event_for(ctx, action, cell_id=cell_id), "not_found"),)
        ) from None
    seat = await queries.cell_seat(session, cell_id, ctx.principal.member_id)
    if seat is None:  # pragma: no cover - get_cell found it in this transaction
        raise NotFound()
    return seat


def cell_refusal(verdict: MeetingVerdict, event: AuditEvent) -> AppError:
    # The cell is known to the caller (get_cell): a refusal about it is 403, never 404.
    if verdict.hides:
        return Forbidden(
            f"refused: {verdict.reason}",
            extra={"reason": str(verdict.reason)},
            audit=(denied(event, str(verdict.reason)),),
        )
    return refuse(verdict, event)


def check_times(starts_at: datetime, ends_at: datetime) -> None:
    if ends_at <= starts_at:
        raise ValidationFailed("the meeting must end after it starts", extra={"field": "ends_at"})
    if ends_at - starts_at > MAX_DURATION:
        raise ValidationFailed("a meeting lasts at most 12 hours", extra={"field": "ends_at"})


def not_in_cell(message: str, field: str, event: AuditEvent) -> ValidationFailed:
    """A 422 for ids that are not of the cell (unknown or elsewhere alike), logged as a probe."""
    return ValidationFailed(message, extra={"field": field}, audit=(denied(event, ID_NOT_IN_CELL),))


async def check_invitees(
    session: AsyncSession,
    cell_id: uuid.UUID,
    member_ids: Sequence[uuid.UUID],
    event: AuditEvent,
) -> dict[uuid.UUID, uuid.UUID]:
    """The invitees with their agencies, if every one of them is in the cell."""
    seated = await queries.seated_members(session, cell_id, member_ids)
    if len(seated) != len(set(member_ids)):
        raise not_in_cell("every invitee must be a member of the cell", "member_ids", event)
    return seated


def new_meeting(
    cell_id: uuid.UUID, starts_at: datetime, ends_at: datetime, now: datetime, series: Any = None
) -> MeetingRow:
    return MeetingRow(uuid.uuid4(), cell_id, series, starts_at, ends_at, SCHEDULED, 0, now, now)


async def detail_of(
    session: AsyncSession, meeting: MeetingRow, *, invited: bool, reads: bool
) -> MeetingDetail:
    if not reads:
        return MeetingDetail(meeting, invited, None, None, None)
    ids = [meeting.id]
    agenda = (await queries.agendas(session, ids))[meeting.id]
    people = (await queries.invitees_of(session, ids))[meeting.id]
    minutes = (await queries.minutes_of(session, ids))[meeting.id]
    return MeetingDetail(meeting, invited, agenda, people, minutes)
