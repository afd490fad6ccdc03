"""Meetings of a cell: scheduled, moved and cancelled by its chair, with agenda, invitees and
attendance (decisions 110-111). Series: ``meeting_series``; minutes: ``meeting_minutes``; the
calendar export: ``meeting_calendar``.
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncSession

from app.audit.log import AuditEvent
from app.db.queries import meetings as queries
from app.db.queries.meetings import CANCELLED, MeetingRow
from app.errors import ValidationFailed
from app.policies.meetings import (
    Attendance,
    may_change,
    may_record_attendance,
    may_schedule,
    may_see,
)
from app.services.authz import with_owners
from app.services.context import RequestContext
from app.services.hub import Hub
from app.services.meeting_access import (
    MeetingDetail,
    Reached,
    cell_refusal,
    cell_seat,
    check_invitees,
    check_times,
    detail_of,
    meeting_event,
    new_meeting,
    not_in_cell,
    reach,
    require,
    standing_of,
)


async def schedule(
    session: AsyncSession,
    ctx: RequestContext,
    hub: Hub,
    cell_id: uuid.UUID,
    *,
    starts_at: datetime,
    ends_at: datetime,
    invitee_ids: Sequence[uuid.UUID],
) -> MeetingDetail:
    """A one-off meeting of the cell (its chair), with its invitees."""
    seat = await cell_seat(session, ctx, hub, cell_id, "meeting:create")
    event = meeting_event(ctx, "meeting:create", cell_id, cell_id, seat)
    verdict = may_schedule(ctx.principal.actor(), standing_of(seat))
    if not verdict.allowed:
        raise cell_refusal(verdict, event)
    check_times(starts_at, ends_at)
    seated = await check_invitees(session, cell_id, invitee_ids, event)
    meeting = new_meeting(cell_id, starts_at, ends_at, ctx.now)
    await queries.add_meetings(session, [meeting], ctx.principal.member_id)
    await queries.set_invitees(session, [meeting.id], list(seated), ctx.now)
    done = meeting_event(ctx, "meeting:create", cell_id, meeting.id, seat, *seated.values())
    await hub.record(session, ctx, replace(done, reason=str(verdict.reason)))
    return await detail_of(session, meeting, invited=ctx.principal.member_id in seated, reads=True)


async def read_meeting(
    session: AsyncSession, ctx: RequestContext, hub: Hub, meeting_id: uuid.UUID
) -> MeetingDetail:
    """A meeting: with agenda, invitees and minutes for its chair and invitees."""
    r = await reach(session, ctx, meeting_id, "meeting:read")
    detail = await detail_of(
        session, r.meeting, invited=r.standing.invited, reads=r.seen.reads_agenda
    )
    owners = [a.owner_agency_id for a in detail.agenda or ()]
    event = meeting_event(ctx, "meeting:read", r.meeting.cell_id, r.meeting.id, r.seat, *owners)
    await hub.record(session, ctx, replace(event, reason=str(r.seen.reason)))
    return detail


async def list_meetings(
    session: AsyncSession,
    ctx: RequestContext,
    hub: Hub,
    cell_id: uuid.UUID,
    *,
    since: datetime | None,
    until: datetime | None,
    limit: int,
) -> list[tuple[MeetingRow, bool]]:
    """The cell's meetings in time order, for its members (each with 'invited')."""
    seat = await cell_seat(session, ctx, hub, cell_id, "meeting:list")
    event = meeting_event(ctx, "meeting:list", cell_id, cell_id, seat)
    verdict = may_see(ctx.principal.actor(), standing_of(seat))
    if not verdict.allowed:
        raise cell_refusal(verdict, event)
    rows = await queries.meetings_of(session, cell_id, ctx.principal.member_id, since, until, limit)
    await hub.record(session, ctx, replace(event, reason=str(verdict.reason)))
    return rows


async def _changing(
    session: AsyncSession, ctx: RequestContext, meeting_id: uuid.UUID, action: str
) -> tuple[Reached, AuditEvent]:
    r = await reach(session, ctx, meeting_id, action, lock=True)
    event = meeting_event(ctx, action, r.meeting.cell_id, r.meeting.id, r.seat)
    verdict = may_change(ctx.principal.actor(), r.standing, r.state)
    return r, require(verdict, event)


async def move(
    session: AsyncSession,
    ctx: RequestContext,
    hub: Hub,
    meeting_id: uuid.UUID,
    *,
    starts_at: datetime | None,
    ends_at: datetime | None,
) -> MeetingDetail:
    """Move a meeting (an occurrence of a series moves on its own)."""
    r, event = await _changing(session, ctx, meeting_id, "meeting:update")
    if starts_at is None and ends_at is None:
        raise ValidationFailed("give starts_at, ends_at or both", extra={"field": "starts_at"})
    new_start = starts_at or r.meeting.starts_at
    new_end = ends_at or (new_start + (r.meeting.ends_at - r.meeting.starts_at))
    check_times(new_start, new_end)
    await queries.change_meeting(
        session, r.meeting.id, ctx.now, starts_at=new_start, ends_at=new_end
    )
    await hub.record(session, ctx, event)
    moved = replace(
        r.meeting,
        starts_at=new_start,
        ends_at=new_end,
        sequence=r.meeting.sequence + 1,
        updated_at=ctx.now,
    )
    return await detail_of(session, moved, invited=r.standing.invited, reads=True)


async def cancel(
    session: AsyncSession, ctx: RequestContext, hub: Hub, meeting_id: uuid.UUID
) -> None:
    """Cancel a meeting; it is kept, and exported as cancelled."""
    r, event = await _changing(session, ctx, meeting_id, "meeting:cancel")
    await queries.change_meeting(session, r.meeting.id, ctx.now, status=CANCELLED)
    await hub.record(session, ctx, event)


@dataclass(frozen=True)
class AgendaEntry:
    """What the chair puts on the agenda: one case or one exchange of the cell."""

    case_id: uuid.UUID | None = None
    exchange_id: uuid.UUID | None = None


async def set_agenda(
    session: AsyncSession,
    ctx: RequestContext,
    hub: Hub,
    meeting_id: uuid.UUID,
    items: Sequence[AgendaEntry],
) -> MeetingDetail:
    """Replace the agenda; every case and exchange must be of the meeting's cell."""
    r, event = await _changing(session, ctx, meeting_id, "meeting:set_agenda")
    cell_id = r.meeting.cell_id
    case_ids = [i.case_id for i in items if i.case_id is not None]
    exchange_ids = [i.exchange_id for i in items if i.exchange_id is not None]
    if any((i.case_id is None) == (i.exchange_id is None) for i in items):
        raise ValidationFailed("each item names a case or an exchange", extra={"field": "items"})
    if len(set(case_ids)) != len(case_ids) or len(set(exchange_ids)) != len(exchange_ids):
        raise ValidationFailed("an item is on the agenda twice", extra={"field": "items"})
    # One answer for unknown ids and ids of other cells: the agenda reveals neither.
    if await queries.cases_in_cell(session, cell_id, case_ids) != set(case_ids):
        raise not_in_cell("no such case in this cell", "items", event)
    if await queries.exchanges_in_cell(session, cell_id, exchange_ids) != set(exchange_ids):
        raise not_in_cell("no such exchange in this cell", "items", event)
    await queries.set_agenda(session, r.meeting.id, [(i.case_id, i.exchange_id) for i in items])
    await queries.change_meeting(session, r.meeting.id, ctx.now)
    detail = await detail_of(session, r.meeting, invited=r.standing.invited, reads=True)
    owners = [a.owner_agency_id for a in detail.agenda or ()]
    await hub.record(session, ctx, with_owners(event, *owners))
    return detail


async def set_invitees(
    session: AsyncSession,
    ctx: RequestContext,
    hub: Hub,
    meeting_id: uuid.UUID,
    member_ids: Sequence[uuid.UUID],
) -> MeetingDetail:
    """Invite exactly these members of the cell (those kept keep their attendance)."""
    r, event = await _changing(session, ctx, meeting_id, "meeting:set_invitees")
    seated = await check_invitees(session, r.meeting.cell_id, member_ids, event)
    await queries.set_invitees(session, [r.meeting.id], list(seated), ctx.now)
    await queries.change_meeting(session, r.meeting.id, ctx.now)
    await hub.record(session, ctx, with_owners(event, *seated.values()))
    invited = ctx.principal.member_id in seated
    return await detail_of(session, r.meeting, invited=invited, reads=True)


async def record_attendance(
    session: AsyncSession,
    ctx: RequestContext,
    hub: Hub,
    meeting_id: uuid.UUID,
    entries: Mapping[uuid.UUID, Attendance],
) -> MeetingDetail:
    """Record present, excused or absent for invited members, once the meeting has begun."""
    r = await reach(session, ctx, meeting_id, "meeting:attendance", lock=True)
    event = meeting_event(ctx, "meeting:attendance", r.meeting.cell_id, r.meeting.id, r.seat)
    verdict = may_record_attendance(ctx.principal.actor(), r.standing, r.state, ctx.now)
    event = require(verdict, event)
    people = {
        i.member_id: i for i in (await queries.invitees_of(session, [r.meeting.id]))[r.meeting.id]
    }
    if not set(entries) <= set(people):
        raise ValidationFailed(
            "attendance is recorded for invited members only", extra={"field": "entries"}
        )
    await queries.record_attendance(
        session,
        r.meeting.id,
        [(m, a.value) for m, a in entries.items()],
        ctx.principal.member_id,
        ctx.now,
    )
    await hub.record(session, ctx, with_owners(event, *(people[m].agency_id for m in entries)))
    return await detail_of(session, r.meeting, invited=r.standing.invited, reads=True)
