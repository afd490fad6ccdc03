"""/api/v1 meetings of a cell: scheduling, series, agenda, invitees, attendance, minutes and
the calendar export (iCalendar, no personal data)."""

from __future__ import annotations

import uuid
from datetime import timedelta
from typing import Annotated, Any

from fastapi import APIRouter, Query, Response, status

from app.api.deps import ContextDep, HubDep, SessionDep
from app.api.routers.converters import note_out
from app.api.schemas.common import Instant
from app.api.schemas.meetings import (
    AgendaIn,
    AgendaItemOut,
    AttendanceIn,
    InviteeOut,
    InviteesIn,
    MeetingIn,
    MeetingOut,
    MeetingPatch,
    MinutesIn,
    MinutesOut,
    MinutesRef,
    SeriesIn,
    SeriesOut,
)
from app.db.queries.meetings import MeetingRow
from app.policies.meetings import Attendance, Frequency, Recurrence, local_time
from app.services import meeting_calendar, meeting_minutes, meeting_series, meetings
from app.services.meeting_access import MeetingDetail, SeriesDetail
from app.services.meetings import AgendaEntry

router = APIRouter(tags=["meetings"])

CALENDAR: dict[int | str, dict[str, Any]] = {200: {"content": {meeting_calendar.MEDIA_TYPE: {}}}}
Since = Annotated[Instant | None, Query(description="meetings starting at or after")]
Until = Annotated[Instant | None, Query(description="meetings starting before")]
MeetingLimit = Annotated[int, Query(ge=1, le=500)]


def _out(row: MeetingRow, invited: bool, detail: MeetingDetail | None = None) -> MeetingOut:
    out = MeetingOut(
        id=row.id,
        cell_id=row.cell_id,
        series_id=row.series_id,
        starts_at=row.starts_at,
        ends_at=row.ends_at,
        starts_at_local=local_time(row.starts_at).isoformat(),
        status="cancelled" if row.status == "cancelled" else "scheduled",
        sequence=row.sequence,
        invited=invited,
    )
    if detail is None:
        return out
    if detail.agenda is not None:
        out.agenda = [
            AgendaItemOut(
                position=a.position,
                case_id=a.case_id,
                exchange_id=a.exchange_id,
                pseudonym=a.pseudonym,
            )
            for a in detail.agenda
        ]
    if detail.invitees is not None:
        out.invitees = [
            InviteeOut(
                member_id=i.member_id,
                attendance=None if i.attendance is None else Attendance(i.attendance),
            )
            for i in detail.invitees
        ]
    if detail.minutes is not None:
        out.minutes = [MinutesRef(case_id=m.case_id, note_id=m.note_id) for m in detail.minutes]
    return out


def _detail_out(detail: MeetingDetail) -> MeetingOut:
    return _out(detail.meeting, detail.invited, detail)


def _series_out(found: SeriesDetail) -> SeriesOut:
    s = found.series
    return SeriesOut(
        id=s.id,
        cell_id=s.cell_id,
        frequency=Frequency(s.frequency),
        interval=s.interval,
        until=s.until,
        count=s.count,
        duration_minutes=s.duration_minutes,
        cancelled_at=s.cancelled_at,
        occurrences=[_out(m, False) for m in found.occurrences],
    )


@router.post("/cells/{cell_id}/meetings", status_code=status.HTTP_201_CREATED)
async def schedule_meeting(
    cell_id: uuid.UUID, body: MeetingIn, session: SessionDep, ctx: ContextDep, hub: HubDep
) -> MeetingOut:
    """A one-off meeting of the cell (its chair), with the members of the cell it invites."""
    found = await meetings.schedule(
        session,
        ctx,
        hub,
        cell_id,
        starts_at=body.starts_at,
        ends_at=body.ends_at,
        invitee_ids=body.member_ids,
    )
    return _detail_out(found)


@router.get("/cells/{cell_id}/meetings")
async def list_meetings(
    cell_id: uuid.UUID,
    session: SessionDep,
    ctx: ContextDep,
    hub: HubDep,
    since: Since = None,
    until: Until = None,
    limit: MeetingLimit = 100,
) -> list[MeetingOut]:
    """The cell's meetings in time order, for its members (agendas: see each meeting)."""
    rows = await meetings.list_meetings(
        session, ctx, hub, cell_id, since=since, until=until, limit=limit
    )
    return [_out(m, invited) for m, invited in rows]


@router.get("/cells/{cell_id}/meetings.ics", response_class=Response, responses=CALENDAR)
async def cell_calendar(
    cell_id: uuid.UUID,
    session: SessionDep,
    ctx: ContextDep,
    hub: HubDep,
    since: Since = None,
    until: Until = None,
    limit: MeetingLimit = 100,
) -> Response:
    """The cell's meetings as iCalendar: no names, agendas by pseudonym for their readers."""
    municipality, details = await meeting_calendar.calendar_of_cell(
        session, ctx, hub, cell_id, since=since, until=until, limit=limit
    )
    body = meeting_calendar.calendar(details, municipality, ctx.now)
    return Response(body, media_type=meeting_calendar.MEDIA_TYPE)


@router.post("/cells/{cell_id}/meeting-series", status_code=status.HTTP_201_CREATED)
async def schedule_series(
    cell_id: uuid.UUID, body: SeriesIn, session: SessionDep, ctx: ContextDep, hub: HubDep
) -> SeriesOut:
    """A recurring meeting (every N weeks or months, until a day or N times); each occurrence
    is its own meeting, moved or cancelled on its own."""
    r = body.recurrence
    found = await meeting_series.schedule_series(
        session,
        ctx,
        hub,
        cell_id,
        first_starts_at=body.starts_at,
        duration=timedelta(minutes=body.duration_minutes),
        rule=Recurrence(r.frequency, r.interval, r.until, r.count),
        invitee_ids=body.member_ids,
    )
    return _series_out(found)


@router.get("/meeting-series/{series_id}")
async def read_series(
    series_id: uuid.UUID, session: SessionDep, ctx: ContextDep, hub: HubDep
) -> SeriesOut:
    """A series and its occurrences."""
    return _series_out(await meeting_series.read_series(session, ctx, hub, series_id))


@router.delete("/meeting-series/{series_id}")
async def cancel_series(
    series_id: uuid.UUID, session: SessionDep, ctx: ContextDep, hub: HubDep
) -> SeriesOut:
    """Cancel a series: its meetings not yet begun are cancelled, those held are kept."""
    return _series_out(await meeting_series.cancel_series(session, ctx, hub, series_id))


@router.put("/meeting-series/{series_id}/invitees")
async def set_series_invitees(
    series_id: uuid.UUID, body: InviteesIn, session: SessionDep, ctx: ContextDep, hub: HubDep
) -> SeriesOut:
    """Invite exactly these members of the cell to every occurrence not yet begun (the chair)."""
    found = await meeting_series.set_series_invitees(session, ctx, hub, series_id, body.member_ids)
    return _series_out(found)


@router.get("/meetings/{meeting_id}")
async def read_meeting(
    meeting_id: uuid.UUID, session: SessionDep, ctx: ContextDep, hub: HubDep
) -> MeetingOut:
    """A meeting; its agenda, invitees and minutes for the chair and the invited members."""
    return _detail_out(await meetings.read_meeting(session, ctx, hub, meeting_id))


@router.patch("/meetings/{meeting_id}")
async def move_meeting(
    meeting_id: uuid.UUID, body: MeetingPatch, session: SessionDep, ctx: ContextDep, hub: HubDep
) -> MeetingOut:
    """Move a meeting (the chair); its duration is kept unless ``ends_at`` is given."""
    found = await meetings.move(
        session, ctx, hub, meeting_id, starts_at=body.starts_at, ends_at=body.ends_at
    )
    return _detail_out(found)


@router.delete("/meetings/{meeting_id}", status_code=status.HTTP_204_NO_CONTENT)
async def cancel_meeting(
    meeting_id: uuid.UUID, session: SessionDep, ctx: ContextDep, hub: HubDep
) -> None:
    """Cancel a meeting (the chair); it is kept, and shown as cancelled."""
    await meetings.cancel(session, ctx, hub, meeting_id)


@router.put("/meetings/{meeting_id}/agenda")
async def set_agenda(
    meeting_id: uuid.UUID, body: AgendaIn, session: SessionDep, ctx: ContextDep, hub: HubDep
) -> MeetingOut:
    """Replace the agenda with cases and exchanges of the meeting's cell (the chair)."""
    items = [AgendaEntry(i.case_id, i.exchange_id) for i in body.items]
    return _detail_out(await meetings.set_agenda(session, ctx, hub, meeting_id, items))


@router.put("/meetings/{meeting_id}/invitees")
async def set_invitees(
    meeting_id: uuid.UUID, body: InviteesIn, session: SessionDep, ctx: ContextDep, hub: HubDep
) -> MeetingOut:
    """Invite exactly these members of the cell (the chair)."""
    found = await meetings.set_invitees(session, ctx, hub, meeting_id, body.member_ids)
    return _detail_out(found)


@router.put("/meetings/{meeting_id}/attendance")
async def record_attendance(
    meeting_id: uuid.UUID, body: AttendanceIn, session: SessionDep, ctx: ContextDep, hub: HubDep
) -> MeetingOut:
    """Record present, excused or absent for invited members (the chair, once it began)."""
    entries = {e.member_id: e.attendance for e in body.entries}
    found = await meetings.record_attendance(session, ctx, hub, meeting_id, entries)
    return _detail_out(found)


@router.post("/meetings/{meeting_id}/minutes", status_code=status.HTTP_201_CREATED)
async def write_minutes(
    meeting_id: uuid.UUID, body: MinutesIn, session: SessionDep, ctx: ContextDep, hub: HubDep
) -> MinutesOut:
    """The minutes on one agenda case: a note of the chairing municipality (meeting_minutes
    template), written by one of its members invited to the meeting, shared like any note."""
    found = await meeting_minutes.write_minutes(
        session, ctx, hub, meeting_id, case_id=body.case_id, values=body.fields
    )
    return MinutesOut(meeting_id=found.meeting_id, case_id=found.case_id, note=note_out(found.note))


@router.get("/meetings/{meeting_id}/calendar.ics", response_class=Response, responses=CALENDAR)
async def meeting_calendar_file(
    meeting_id: uuid.UUID, session: SessionDep, ctx: ContextDep, hub: HubDep
) -> Response:
    """One meeting as iCalendar: no names; the agenda by pseudonym for its readers."""
    municipality, detail = await meeting_calendar.calendar_of_meeting(session, ctx, hub, meeting_id)
    body = meeting_calendar.calendar([detail], municipality, ctx.now)
    return Response(body, media_type=meeting_calendar.MEDIA_TYPE)
