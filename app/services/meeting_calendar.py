"""Meetings as iCalendar (RFC 5545), with no personal data in them.

An event says when the cell meets, whether the meeting holds or was cancelled, and (for those who
read the agenda) which cases, by pseudonym, are discussed. No member, no name, no free text: the
summary is fixed text and the municipality, the description lists pseudonyms only (decision 113).
Times are written in UTC; calendars show them in the reader's zone (Europe/Brussels in Belgium).
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import replace
from datetime import datetime

from icalendar import Calendar, Event
from sqlalchemy.ext.asyncio import AsyncSession

from app.db.queries import meetings as queries
from app.db.queries.meetings import CANCELLED
from app.policies.meetings import may_see
from app.services.authz import with_owners
from app.services.context import RequestContext
from app.services.hub import Hub
from app.services.meeting_access import (
    MeetingDetail,
    cell_refusal,
    cell_seat,
    detail_of,
    meeting_event,
    reach,
    standing_of,
)

MEDIA_TYPE = "text/calendar"
PRODID = "-//LIVC Hub//meetings//EN"


def _description(detail: MeetingDetail) -> str | None:
    if detail.agenda is None:
        return None
    lines = []
    for item in detail.agenda:
        what = "case" if item.case_id is not None else "exchange on case"
        lines.append(f"{item.position}. {what} {item.pseudonym}")
    return "Agenda:\n" + "\n".join(lines) if lines else "Agenda: (empty)"


def _event(detail: MeetingDetail, municipality: str, now: datetime) -> Event:
    m = detail.meeting
    event = Event()
    event.add("uid", f"{m.id}@livc-hub")
    event.add("dtstamp", now)
    event.add("dtstart", m.starts_at)
    event.add("dtend", m.ends_at)
    event.add("sequence", m.sequence)
    event.add("status", "CANCELLED" if m.status == CANCELLED else "CONFIRMED")
    event.add("summary", f"LIVC {municipality}")
    event.add("class", "CONFIDENTIAL")
    description = _description(detail)
    if description is not None:
        event.add("description", description)
    return event


def calendar(details: Sequence[MeetingDetail], municipality: str, now: datetime) -> bytes:
    """The meetings as one iCalendar document."""
    cal = Calendar()
    cal.add("prodid", PRODID)
    cal.add("version", "2.0")
    cal.add("method", "PUBLISH")
    cal.add("x-wr-timezone", "Europe/Brussels")
    for detail in details:
        cal.add_component(_event(detail, municipality, now))
    return bytes(cal.to_ical())


async def calendar_of_meeting(
    session: AsyncSession, ctx: RequestContext, hub: Hub, meeting_id: uuid.UUID
) -> tuple[str, MeetingDetail]:
    """What the calendar export of one meeting may show (logged as an export)."""
    r = await reach(session, ctx, meeting_id, "meeting:export")
    detail = await detail_of(
        session, r.meeting, invited=r.standing.invited, reads=r.seen.reads_agenda
    )
    owners = [a.owner_agency_id for a in detail.agenda or ()]
    event = meeting_event(ctx, "meeting:export", r.meeting.cell_id, r.meeting.id, r.seat, *owners)
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
    seat = await cell_seat(session, ctx, hub, cell_id, "meeting:export")
    event = meeting_event(ctx, "meeting:export", cell_id, cell_id, seat)
    standing = standing_of(seat)
    verdict = may_see(ctx.principal.actor(), standing)
    if not verdict.allowed:
        raise cell_refusal(verdict, event)
    rows = await queries.meetings_of(session, cell_id, ctx.principal.member_id, since, until, limit)
    readable = [m.id for m, invited in rows if verdict.reads_agenda or invited]
    agendas = await queries.agendas(session, readable)
    details = [MeetingDetail(m, invited, agendas.get(m.id), None, None) for m, invited in rows]
    owners = {a.owner_agency_id for items in agendas.values() for a in items}
    await hub.record(session, ctx, with_owners(replace(event, reason=str(verdict.reason)), *owners))
    return seat.municipality, details
