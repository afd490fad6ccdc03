"""Meetings of a cell: scheduled by its chair, one-off or as a series, with agenda, invitees,
attendance and minutes.

Visibility before permission: a meeting (or series) id is 404 for anyone not in its cell, as for
an id that does not exist; the cell's members may know it and get 403 for what only the chair
does (or what only invitees read). A cell the caller may know (``cells.get_cell``) but is not a
member of answers 403 ``not_in_cell`` for its meeting list. Ids named in an agenda or invitation
that are not of the cell answer 422 without saying whether they exist. Every change and every
refusal is logged; events carry ids only.
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from app.audit.log import AuditEvent
from app.db.queries import meetings as queries
from app.db.queries import notes as note_queries
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
    Attendance,
    CellStanding,
    MeetingReason,
    MeetingState,
    MeetingVerdict,
    Recurrence,
    expand,
    may_change,
    may_record_attendance,
    may_schedule,
    may_see,
    may_write_minutes,
)
from app.services import cells, notes
from app.services.authz import denied, event_for, with_owners
from app.services.context import RequestContext
from app.services.hub import Hub
from app.services.notes import NoteView

MINUTES_TEMPLATE = "meeting_minutes"
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


def _standing(seat: CellSeat, invited: bool = False) -> CellStanding:
    chair = seat.chair_member_id
    return CellStanding(None if chair is None else str(chair), seat.in_cell, invited)


def _event(
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


def _require(verdict: MeetingVerdict, event: AuditEvent) -> AuditEvent:
    if not verdict.allowed:
        raise refuse(verdict, event)
    return replace(event, reason=str(verdict.reason))


async def _reach(
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
    standing = _standing(seat, invited)
    seen = may_see(ctx.principal.actor(), standing)
    if seen.hides:
        raise refuse(seen, _event(ctx, action, meeting.cell_id, meeting.id, seat))
    return Reached(meeting, seat, standing, seen)


async def _cell_seat(
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


def _cell_refusal(verdict: MeetingVerdict, event: AuditEvent) -> AppError:
    # The cell is known to the caller (get_cell): a refusal about it is 403, never 404.
    if verdict.hides:
        return Forbidden(
            f"refused: {verdict.reason}",
            extra={"reason": str(verdict.reason)},
            audit=(denied(event, str(verdict.reason)),),
        )
    return refuse(verdict, event)


def _times(starts_at: datetime, ends_at: datetime) -> None:
    if ends_at <= starts_at:
        raise ValidationFailed("the meeting must end after it starts", extra={"field": "ends_at"})
    if ends_at - starts_at > MAX_DURATION:
        raise ValidationFailed("a meeting lasts at most 12 hours", extra={"field": "ends_at"})


async def _check_invitees(
    session: AsyncSession, cell_id: uuid.UUID, member_ids: Sequence[uuid.UUID]
) -> dict[uuid.UUID, uuid.UUID]:
    seated = await queries.seated_members(session, cell_id, member_ids)
    if len(seated) != len(set(member_ids)):
        raise ValidationFailed(
            "every invitee must be a member of the cell", extra={"field": "member_ids"}
        )
    return seated


def _new_meeting(
    cell_id: uuid.UUID, starts_at: datetime, ends_at: datetime, now: datetime, series: Any = None
) -> MeetingRow:
    return MeetingRow(uuid.uuid4(), cell_id, series, starts_at, ends_at, SCHEDULED, 0, now, now)


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
    seat = await _cell_seat(session, ctx, hub, cell_id, "meeting:create")
    event = _event(ctx, "meeting:create", cell_id, cell_id, seat)
    verdict = may_schedule(ctx.principal.actor(), _standing(seat))
    if not verdict.allowed:
        raise _cell_refusal(verdict, event)
    _times(starts_at, ends_at)
    seated = await _check_invitees(session, cell_id, invitee_ids)
    meeting = _new_meeting(cell_id, starts_at, ends_at, ctx.now)
    await queries.add_meetings(session, [meeting], ctx.principal.member_id)
    await queries.set_invitees(session, [meeting.id], list(seated), ctx.now)
    done = _event(ctx, "meeting:create", cell_id, meeting.id, seat, *seated.values())
    await hub.record(session, ctx, replace(done, reason=str(verdict.reason)))
    return await _detail(session, meeting, invited=ctx.principal.member_id in seated, reads=True)


async def schedule_series(
    session: AsyncSession,
    ctx: RequestContext,
    hub: Hub,
    cell_id: uuid.UUID,
    *,
    first_starts_at: datetime,
    duration: timedelta,
    rule: Recurrence,
    invitee_ids: Sequence[uuid.UUID],
) -> SeriesDetail:
    """A recurring meeting: its occurrences are made at once, each its own meeting."""
    seat = await _cell_seat(session, ctx, hub, cell_id, "meeting_series:create")
    event = _event(ctx, "meeting_series:create", cell_id, cell_id, seat)
    verdict = may_schedule(ctx.principal.actor(), _standing(seat))
    if not verdict.allowed:
        raise _cell_refusal(verdict, event)
    _times(first_starts_at, first_starts_at + duration)
    starts = expand(rule, first_starts_at)
    if not isinstance(starts, list):
        raise ValidationFailed(
            f"the recurrence is refused: {starts}",
            extra={"field": "recurrence", "reason": str(starts)},
        )
    seated = await _check_invitees(session, cell_id, invitee_ids)
    row = SeriesRow(
        uuid.uuid4(),
        cell_id,
        rule.frequency.value,
        rule.interval,
        rule.until,
        rule.count,
        first_starts_at,
        int(duration.total_seconds() // 60),
        ctx.now,
        None,
    )
    occurrences = [_new_meeting(cell_id, s, s + duration, ctx.now, row.id) for s in starts]
    await queries.add_series(session, row, ctx.principal.member_id)
    await queries.add_meetings(session, occurrences, ctx.principal.member_id)
    await queries.set_invitees(session, [m.id for m in occurrences], list(seated), ctx.now)
    done = _event(ctx, "meeting_series:create", cell_id, row.id, seat, *seated.values())
    await hub.record(session, ctx, replace(done, reason=str(verdict.reason)))
    return SeriesDetail(row, occurrences)


async def _series(
    session: AsyncSession,
    ctx: RequestContext,
    series_id: uuid.UUID,
    action: str,
    *,
    lock: bool = False,
) -> tuple[SeriesRow, CellSeat, MeetingVerdict]:
    found = await queries.series_reach(session, series_id, ctx.principal.member_id, lock=lock)
    if found is None:
        raise NotFound(audit=(denied(event_for(ctx, action, object_id=series_id), "not_found"),))
    row, seat = found
    seen = may_see(ctx.principal.actor(), _standing(seat))
    if seen.hides:
        raise refuse(seen, _event(ctx, action, row.cell_id, row.id, seat))
    return row, seat, seen


async def read_series(
    session: AsyncSession, ctx: RequestContext, hub: Hub, series_id: uuid.UUID
) -> SeriesDetail:
    """A series and its occurrences, for the cell's members."""
    row, seat, seen = await _series(session, ctx, series_id, "meeting_series:read")
    event = _event(ctx, "meeting_series:read", row.cell_id, row.id, seat)
    await hub.record(session, ctx, replace(event, reason=str(seen.reason)))
    return SeriesDetail(row, await queries.occurrences(session, row.id))


async def cancel_series(
    session: AsyncSession, ctx: RequestContext, hub: Hub, series_id: uuid.UUID
) -> SeriesDetail:
    """Cancel a series: its meetings not yet begun are cancelled, those held are kept."""
    row, seat, _ = await _series(session, ctx, series_id, "meeting_series:cancel", lock=True)
    event = _event(ctx, "meeting_series:cancel", row.cell_id, row.id, seat)
    verdict = may_schedule(ctx.principal.actor(), _standing(seat))
    event = _require(verdict, event)
    if row.cancelled_at is not None:
        raise refuse(MeetingVerdict(False, MeetingReason.MEETING_CANCELLED), event)
    await queries.cancel_series(session, row.id, ctx.now)
    await hub.record(session, ctx, event)
    return SeriesDetail(
        replace(row, cancelled_at=ctx.now), await queries.occurrences(session, row.id)
    )


async def set_series_invitees(
    session: AsyncSession,
    ctx: RequestContext,
    hub: Hub,
    series_id: uuid.UUID,
    member_ids: Sequence[uuid.UUID],
) -> SeriesDetail:
    """Invite exactly these members to every occurrence not yet begun (held ones keep theirs)."""
    action = "meeting_series:set_invitees"
    row, seat, _ = await _series(session, ctx, series_id, action, lock=True)
    event = _event(ctx, action, row.cell_id, row.id, seat)
    event = _require(may_schedule(ctx.principal.actor(), _standing(seat)), event)
    if row.cancelled_at is not None:
        raise refuse(MeetingVerdict(False, MeetingReason.MEETING_CANCELLED), event)
    seated = await _check_invitees(session, row.cell_id, member_ids)
    occurrences = await queries.occurrences(session, row.id)
    ahead = [m.id for m in occurrences if m.status == SCHEDULED and m.starts_at > ctx.now]
    await queries.set_invitees(session, ahead, list(seated), ctx.now)
    await hub.record(session, ctx, with_owners(event, *seated.values()))
    return SeriesDetail(row, occurrences)


async def _detail(
    session: AsyncSession, meeting: MeetingRow, *, invited: bool, reads: bool
) -> MeetingDetail:
    if not reads:
        return MeetingDetail(meeting, invited, None, None, None)
    ids = [meeting.id]
    agenda = (await queries.agendas(session, ids))[meeting.id]
    people = (await queries.invitees_of(session, ids))[meeting.id]
    minutes = (await queries.minutes_of(session, ids))[meeting.id]
    return MeetingDetail(meeting, invited, agenda, people, minutes)


async def read_meeting(
    session: AsyncSession, ctx: RequestContext, hub: Hub, meeting_id: uuid.UUID
) -> MeetingDetail:
    """A meeting: with agenda, invitees and minutes for its chair and invitees."""
    r = await _reach(session, ctx, meeting_id, "meeting:read")
    detail = await _detail(
        session, r.meeting, invited=r.standing.invited, reads=r.seen.reads_agenda
    )
    owners = [a.owner_agency_id for a in detail.agenda or ()]
    event = _event(ctx, "meeting:read", r.meeting.cell_id, r.meeting.id, r.seat, *owners)
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
    seat = await _cell_seat(session, ctx, hub, cell_id, "meeting:list")
    event = _event(ctx, "meeting:list", cell_id, cell_id, seat)
    verdict = may_see(ctx.principal.actor(), _standing(seat))
    if not verdict.allowed:
        raise _cell_refusal(verdict, event)
    rows = await queries.meetings_of(session, cell_id, ctx.principal.member_id, since, until, limit)
    await hub.record(session, ctx, replace(event, reason=str(verdict.reason)))
    return rows


async def _changing(
    session: AsyncSession, ctx: RequestContext, meeting_id: uuid.UUID, action: str
) -> tuple[Reached, AuditEvent]:
    r = await _reach(session, ctx, meeting_id, action, lock=True)
    event = _event(ctx, action, r.meeting.cell_id, r.meeting.id, r.seat)
    verdict = may_change(ctx.principal.actor(), r.standing, r.state)
    return r, _require(verdict, event)


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
    _times(new_start, new_end)
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
    return await _detail(session, moved, invited=r.standing.invited, reads=True)


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
        raise ValidationFailed("no such case in this cell", extra={"field": "items"})
    if await queries.exchanges_in_cell(session, cell_id, exchange_ids) != set(exchange_ids):
        raise ValidationFailed("no such exchange in this cell", extra={"field": "items"})
    await queries.set_agenda(session, r.meeting.id, [(i.case_id, i.exchange_id) for i in items])
    await queries.change_meeting(session, r.meeting.id, ctx.now)
    detail = await _detail(session, r.meeting, invited=r.standing.invited, reads=True)
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
    seated = await _check_invitees(session, r.meeting.cell_id, member_ids)
    await queries.set_invitees(session, [r.meeting.id], list(seated), ctx.now)
    await queries.change_meeting(session, r.meeting.id, ctx.now)
    await hub.record(session, ctx, with_owners(event, *seated.values()))
    invited = ctx.principal.member_id in seated
    return await _detail(session, r.meeting, invited=invited, reads=True)


async def record_attendance(
    session: AsyncSession,
    ctx: RequestContext,
    hub: Hub,
    meeting_id: uuid.UUID,
    entries: Mapping[uuid.UUID, Attendance],
) -> MeetingDetail:
    """Record present, excused or absent for invited members, once the meeting has begun."""
    r = await _reach(session, ctx, meeting_id, "meeting:attendance", lock=True)
    event = _event(ctx, "meeting:attendance", r.meeting.cell_id, r.meeting.id, r.seat)
    verdict = may_record_attendance(ctx.principal.actor(), r.standing, r.state, ctx.now)
    event = _require(verdict, event)
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
    return await _detail(session, r.meeting, invited=r.standing.invited, reads=True)


@dataclass(frozen=True)
class Minutes:
    """Minutes written: the meeting, the case, and the sealed note."""

    meeting_id: uuid.UUID
    case_id: uuid.UUID
    note: NoteView


async def write_minutes(
    session: AsyncSession,
    ctx: RequestContext,
    hub: Hub,
    meeting_id: uuid.UUID,
    *,
    case_id: uuid.UUID,
    values: Mapping[str, Any],
) -> Minutes:
    """The minutes of a held meeting on one agenda case: a note of the chairing municipality.

    Written through the notes service (sealed, versioned, released into exchanges like any
    note) with the newest ``meeting_minutes`` template; one minutes note per case and meeting.
    """
    r = await _reach(session, ctx, meeting_id, "meeting:minutes", lock=True)
    event = _event(ctx, "meeting:minutes", r.meeting.cell_id, r.meeting.id, r.seat)
    verdict = may_write_minutes(ctx.principal.actor(), r.standing, r.state, ctx.now)
    event = _require(verdict, event)
    agenda = (await queries.agendas(session, [r.meeting.id]))[r.meeting.id]
    if case_id not in {a.case_id for a in agenda if a.case_id is not None}:
        raise ValidationFailed(
            "the case is not on this meeting's agenda", extra={"field": "case_id"}
        )
    if await queries.has_minutes(session, r.meeting.id, case_id):
        raise Conflict(
            "this meeting has minutes on this case; edit that note instead",
            extra={"reason": "minutes_exist"},
        )
    template = await note_queries.latest_template(session, MINUTES_TEMPLATE)
    if template is None:  # pragma: no cover - shipped templates are loaded at start
        raise Conflict("the minutes template is not loaded; restart the hub")
    note = await notes.create_note(
        session, ctx, hub, case_id=case_id, template_id=template.id, values=values
    )
    await queries.add_minutes(
        session, r.meeting.id, case_id, note.note.id, ctx.principal.member_id, ctx.now
    )
    done = replace(event, case_id=str(case_id), note_id=str(note.note.id))
    await hub.record(session, ctx, with_owners(done, note.note.owner_agency_id))
    return Minutes(r.meeting.id, case_id, note)


async def calendar_of_meeting(
    session: AsyncSession, ctx: RequestContext, hub: Hub, meeting_id: uuid.UUID
) -> tuple[str, MeetingDetail]:
    """What the calendar export of one meeting may show (logged as an export)."""
    r = await _reach(session, ctx, meeting_id, "meeting:export")
    detail = await _detail(
        session, r.meeting, invited=r.standing.invited, reads=r.seen.reads_agenda
    )
    owners = [a.owner_agency_id for a in detail.agenda or ()]
    event = _event(ctx, "meeting:export", r.meeting.cell_id, r.meeting.id, r.seat, *owners)
    await hub.record(session, ctx, replace(event, reason=str(r.seen.reason)))
    return r.seat.municipality, detail


async def calendar_of_cell(
    session: AsyncSession,
    ctx: RequestContext,
    hub: Hub,
    cell_id: uuid.UUID,
    *,
    since: datetime | None,
    until: datetime | None,
    limit: int,
) -> tuple[str, list[MeetingDetail]]:
    """The cell's meetings for a calendar: agendas only of meetings the caller reads."""
    seat = await _cell_seat(session, ctx, hub, cell_id, "meeting:export")
    event = _event(ctx, "meeting:export", cell_id, cell_id, seat)
    standing = _standing(seat)
    verdict = may_see(ctx.principal.actor(), standing)
    if not verdict.allowed:
        raise _cell_refusal(verdict, event)
    rows = await queries.meetings_of(session, cell_id, ctx.principal.member_id, since, until, limit)
    readable = [m.id for m, invited in rows if verdict.reads_agenda or invited]
    agendas = await queries.agendas(session, readable)
    details = [MeetingDetail(m, invited, agendas.get(m.id), None, None) for m, invited in rows]
    owners = {a.owner_agency_id for items in agendas.values() for a in items}
    await hub.record(session, ctx, with_owners(replace(event, reason=str(verdict.reason)), *owners))
    return seat.municipality, details
