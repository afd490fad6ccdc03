"""Meetings of a cell: where the caller stands, the meetings, agenda, invitees and minutes."""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any, cast

from sqlalchemy import Table, and_, delete, exists, insert, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from app.db.models import Meeting, MeetingAgendaItem, MeetingInvitee, MeetingMinutes, MeetingSeries
from app.db.queries.tables import cases, cell_members, cells, exchanges, members, subjects

meetings = cast(Table, Meeting.__table__)
series = cast(Table, MeetingSeries.__table__)
agenda_items = cast(Table, MeetingAgendaItem.__table__)
invitees = cast(Table, MeetingInvitee.__table__)
minutes = cast(Table, MeetingMinutes.__table__)

SCHEDULED = "scheduled"
CANCELLED = "cancelled"


@dataclass(frozen=True, slots=True)
class CellSeat:
    """A cell as a member stands towards it: its chair (and the chair's agency), invited in."""

    cell_id: uuid.UUID
    municipality: str
    chair_member_id: uuid.UUID | None
    chair_agency_id: uuid.UUID | None
    in_cell: bool


def _in_cell(cell_id: Any, member_id: uuid.UUID) -> Any:
    return exists().where(cell_members.c.cell_id == cell_id, cell_members.c.member_id == member_id)


def _seat_columns(member_id: uuid.UUID) -> tuple[Any, ...]:
    chair_agency = (
        select(members.c.agency_id).where(members.c.id == cells.c.chair_member_id).scalar_subquery()
    )
    return (
        cells.c.id,
        cells.c.municipality,
        cells.c.chair_member_id,
        chair_agency,
        _in_cell(cells.c.id, member_id),
    )


def _seat(row: Sequence[Any]) -> CellSeat:
    return CellSeat(row[0], row[1], row[2], row[3], bool(row[4]))


async def cell_seat(
    session: AsyncSession, cell_id: uuid.UUID, member_id: uuid.UUID
) -> CellSeat | None:
    """The cell's chair and whether the member was invited into it (one statement)."""
    stmt = select(*_seat_columns(member_id)).where(cells.c.id == cell_id)
    row = (await session.execute(stmt)).first()
    return None if row is None else _seat(row)


@dataclass(frozen=True, slots=True)
class MeetingRow:
    """A meeting without its agenda."""

    id: uuid.UUID
    cell_id: uuid.UUID
    series_id: uuid.UUID | None
    starts_at: datetime
    ends_at: datetime
    status: str
    sequence: int
    created_at: datetime
    updated_at: datetime


MEETING_COLUMNS = (
    meetings.c.id,
    meetings.c.cell_id,
    meetings.c.series_id,
    meetings.c.starts_at,
    meetings.c.ends_at,
    meetings.c.status,
    meetings.c.sequence,
    meetings.c.created_at,
    meetings.c.updated_at,
)


def _is_invited(meeting_id: Any, member_id: uuid.UUID) -> Any:
    return exists().where(invitees.c.meeting_id == meeting_id, invitees.c.member_id == member_id)


async def reach(
    session: AsyncSession, meeting_id: uuid.UUID, member_id: uuid.UUID, *, lock: bool = False
) -> tuple[MeetingRow, CellSeat, bool] | None:
    """The meeting, its cell as the member stands towards it, and whether they are invited.

    ``lock``: the meeting row is locked for the transaction (a change follows), so two changes
    of one meeting (its invitees, agenda, minutes) run one after the other, each seeing the last.
    """
    stmt = (
        select(*MEETING_COLUMNS, *_seat_columns(member_id), _is_invited(meetings.c.id, member_id))
        .join_from(meetings, cells, cells.c.id == meetings.c.cell_id)
        .where(meetings.c.id == meeting_id)
    )
    if lock:
        stmt = stmt.with_for_update(of=meetings)
    row = (await session.execute(stmt)).first()
    if row is None:
        return None
    n = len(MEETING_COLUMNS)
    return MeetingRow(*row[:n]), _seat(row[n : n + 5]), bool(row[n + 5])


async def add_meetings(session: AsyncSession, rows: Sequence[MeetingRow], by: uuid.UUID) -> None:
    """Store new meetings."""
    await session.execute(
        insert(meetings),
        [
            {
                "id": r.id,
                "cell_id": r.cell_id,
                "series_id": r.series_id,
                "starts_at": r.starts_at,
                "ends_at": r.ends_at,
                "status": r.status,
                "sequence": r.sequence,
                "created_by": by,
                "created_at": r.created_at,
                "updated_at": r.updated_at,
            }
            for r in rows
        ],
    )


@dataclass(frozen=True, slots=True)
class SeriesRow:
    """A recurring meeting's rule."""

    id: uuid.UUID
    cell_id: uuid.UUID
    frequency: str
    interval: int
    until: date | None
    count: int | None
    first_starts_at: datetime
    duration_minutes: int
    created_at: datetime
    cancelled_at: datetime | None


SERIES_COLUMNS = (
    series.c.id,
    series.c.cell_id,
    series.c.frequency,
    series.c.interval,
    series.c.until,
    series.c.count,
    series.c.first_starts_at,
    series.c.duration_minutes,
    series.c.created_at,
    series.c.cancelled_at,
)


async def add_series(session: AsyncSession, row: SeriesRow, by: uuid.UUID) -> None:
    """Store a series' rule (its occurrences go in with ``add_meetings``)."""
    values = {c.name: getattr(row, c.name) for c in SERIES_COLUMNS}
    await session.execute(insert(series).values(**values, created_by=by))


async def series_reach(
    session: AsyncSession, series_id: uuid.UUID, member_id: uuid.UUID, *, lock: bool = False
) -> tuple[SeriesRow, CellSeat] | None:
    """A series and its cell as the member stands towards it (``lock``: for a change)."""
    stmt = (
        select(*SERIES_COLUMNS, *_seat_columns(member_id))
        .join_from(series, cells, cells.c.id == series.c.cell_id)
        .where(series.c.id == series_id)
    )
    if lock:
        stmt = stmt.with_for_update(of=series)
    row = (await session.execute(stmt)).first()
    if row is None:
        return None
    n = len(SERIES_COLUMNS)
    return SeriesRow(*row[:n]), _seat(row[n:])


async def occurrences(session: AsyncSession, series_id: uuid.UUID) -> list[MeetingRow]:
    """A series' meetings in time order."""
    stmt = (
        select(*MEETING_COLUMNS)
        .where(meetings.c.series_id == series_id)
        .order_by(meetings.c.starts_at, meetings.c.id)
    )
    return [MeetingRow(*r) for r in await session.execute(stmt)]


async def cancel_series(
    session: AsyncSession, series_id: uuid.UUID, now: datetime
) -> list[uuid.UUID]:
    """Mark the series cancelled and cancel its scheduled meetings not yet begun."""
    await session.execute(update(series).where(series.c.id == series_id).values(cancelled_at=now))
    ahead = and_(
        meetings.c.series_id == series_id,
        meetings.c.status == SCHEDULED,
        meetings.c.starts_at > now,
    )
    ids = list((await session.scalars(select(meetings.c.id).where(ahead))).all())
    if ids:
        await session.execute(
            update(meetings)
            .where(meetings.c.id.in_(ids))
            .values(status=CANCELLED, sequence=meetings.c.sequence + 1, updated_at=now)
        )
    return ids


async def change_meeting(
    session: AsyncSession, meeting_id: uuid.UUID, now: datetime, **values: Any
) -> None:
    """Change times or status; the RFC 5545 sequence goes up."""
    await session.execute(
        update(meetings)
        .where(meetings.c.id == meeting_id)
        .values(**values, sequence=meetings.c.sequence + 1, updated_at=now)
    )


async def meetings_of(
    session: AsyncSession,
    cell_id: uuid.UUID,
    member_id: uuid.UUID,
    since: datetime | None,
    until: datetime | None,
    limit: int,
) -> list[tuple[MeetingRow, bool]]:
    """The cell's meetings in time order (starting in [since, until)), each with 'invited'."""
    stmt = select(*MEETING_COLUMNS, _is_invited(meetings.c.id, member_id)).where(
        meetings.c.cell_id == cell_id
    )
    if since is not None:
        stmt = stmt.where(meetings.c.starts_at >= since)
    if until is not None:
        stmt = stmt.where(meetings.c.starts_at < until)
    stmt = stmt.order_by(meetings.c.starts_at, meetings.c.id).limit(limit)
    return [(MeetingRow(*r[:-1]), bool(r[-1])) for r in await session.execute(stmt)]


@dataclass(frozen=True, slots=True)
class AgendaRow:
    """An agenda item: a case (with its pseudonym and owner) or an exchange (with its case)."""

    position: int
    case_id: uuid.UUID | None
    exchange_id: uuid.UUID | None
    pseudonym: str
    owner_agency_id: uuid.UUID


async def agendas(
    session: AsyncSession, meeting_ids: Sequence[uuid.UUID]
) -> dict[uuid.UUID, list[AgendaRow]]:
    """The agendas of several meetings, in order, each item with its case's pseudonym."""
    out: dict[uuid.UUID, list[AgendaRow]] = {m: [] for m in meeting_ids}
    if not meeting_ids:
        return out
    a = agenda_items.c
    case_of = cases.c.id == a.case_id
    exchange_case = cases.c.id == exchanges.c.case_id
    stmt = (
        select(
            a.meeting_id,
            a.position,
            a.case_id,
            a.exchange_id,
            subjects.c.pseudonym,
            subjects.c.owner_agency_id,
        )
        .select_from(agenda_items)
        .outerjoin(exchanges, exchanges.c.id == a.exchange_id)
        .join(cases, case_of | and_(a.case_id.is_(None), exchange_case))
        .join(subjects, subjects.c.id == cases.c.subject_id)
        .where(a.meeting_id.in_(meeting_ids))
        .order_by(a.meeting_id, a.position)
    )
    for row in await session.execute(stmt):
        out[row[0]].append(AgendaRow(*row[1:]))
    return out


async def cases_in_cell(
    session: AsyncSession, cell_id: uuid.UUID, ids: Iterable[uuid.UUID]
) -> set[uuid.UUID]:
    """Which of these ids are cases of the cell."""
    wanted = list(set(ids))
    if not wanted:
        return set()
    stmt = select(cases.c.id).where(cases.c.cell_id == cell_id, cases.c.id.in_(wanted))
    return set((await session.scalars(stmt)).all())


async def exchanges_in_cell(
    session: AsyncSession, cell_id: uuid.UUID, ids: Iterable[uuid.UUID]
) -> set[uuid.UUID]:
    """Which of these ids are exchanges of the cell."""
    wanted = list(set(ids))
    if not wanted:
        return set()
    stmt = select(exchanges.c.id).where(exchanges.c.cell_id == cell_id, exchanges.c.id.in_(wanted))
    return set((await session.scalars(stmt)).all())


async def set_agenda(
    session: AsyncSession,
    meeting_id: uuid.UUID,
    items: Sequence[tuple[uuid.UUID | None, uuid.UUID | None]],
) -> None:
    """Replace the agenda with these (case, exchange) items, in order."""
    await session.execute(delete(agenda_items).where(agenda_items.c.meeting_id == meeting_id))
    if items:
        await session.execute(
            insert(agenda_items),
            [
                {"meeting_id": meeting_id, "position": i, "case_id": c, "exchange_id": x}
                for i, (c, x) in enumerate(items, start=1)
            ],
        )


@dataclass(frozen=True, slots=True)
class InviteeRow:
    """An invited member, their agency, and their attendance once recorded."""

    member_id: uuid.UUID
    agency_id: uuid.UUID
    attendance: str | None


async def invitees_of(
    session: AsyncSession, meeting_ids: Sequence[uuid.UUID]
) -> dict[uuid.UUID, list[InviteeRow]]:
    """The invitees of several meetings (by member id)."""
    out: dict[uuid.UUID, list[InviteeRow]] = {m: [] for m in meeting_ids}
    if not meeting_ids:
        return out
    i = invitees.c
    stmt = (
        select(i.meeting_id, i.member_id, members.c.agency_id, i.attendance)
        .join_from(invitees, members, members.c.id == i.member_id)
        .where(i.meeting_id.in_(meeting_ids))
        .order_by(i.meeting_id, i.member_id)
    )
    for row in await session.execute(stmt):
        out[row[0]].append(InviteeRow(*row[1:]))
    return out


async def seated_members(
    session: AsyncSession, cell_id: uuid.UUID, ids: Iterable[uuid.UUID]
) -> dict[uuid.UUID, uuid.UUID]:
    """Which of these members were invited into the cell, with their agencies."""
    wanted = list(set(ids))
    if not wanted:
        return {}
    stmt = (
        select(members.c.id, members.c.agency_id)
        .join_from(cell_members, members, members.c.id == cell_members.c.member_id)
        .where(cell_members.c.cell_id == cell_id, members.c.id.in_(wanted))
    )
    return {row[0]: row[1] for row in await session.execute(stmt)}


async def set_invitees(
    session: AsyncSession,
    meeting_ids: Sequence[uuid.UUID],
    member_ids: Sequence[uuid.UUID],
    now: datetime,
) -> None:
    """Make exactly these members the invitees of each meeting; those kept keep attendance."""
    for meeting_id in meeting_ids:
        current = set(
            (
                await session.scalars(
                    select(invitees.c.member_id).where(invitees.c.meeting_id == meeting_id)
                )
            ).all()
        )
        gone = current - set(member_ids)
        if gone:
            await session.execute(
                delete(invitees).where(
                    invitees.c.meeting_id == meeting_id, invitees.c.member_id.in_(gone)
                )
            )
        new = [m for m in dict.fromkeys(member_ids) if m not in current]
        if new:
            await session.execute(
                insert(invitees),
                [{"meeting_id": meeting_id, "member_id": m, "invited_at": now} for m in new],
            )


async def record_attendance(
    session: AsyncSession,
    meeting_id: uuid.UUID,
    entries: Sequence[tuple[uuid.UUID, str]],
    by: uuid.UUID,
    now: datetime,
) -> None:
    """Record each invitee's attendance."""
    for member_id, attendance in entries:
        await session.execute(
            update(invitees)
            .where(invitees.c.meeting_id == meeting_id, invitees.c.member_id == member_id)
            .values(attendance=attendance, attendance_by=by, attendance_at=now)
        )


@dataclass(frozen=True, slots=True)
class MinutesRow:
    """A meeting's minutes on one case: the note that holds them."""

    case_id: uuid.UUID
    note_id: uuid.UUID
    created_at: datetime


async def minutes_of(
    session: AsyncSession, meeting_ids: Sequence[uuid.UUID]
) -> dict[uuid.UUID, list[MinutesRow]]:
    """The minutes notes of several meetings."""
    out: dict[uuid.UUID, list[MinutesRow]] = {m: [] for m in meeting_ids}
    if not meeting_ids:
        return out
    m = minutes.c
    stmt = (
        select(m.meeting_id, m.case_id, m.note_id, m.created_at)
        .where(m.meeting_id.in_(meeting_ids))
        .order_by(m.meeting_id, m.created_at)
    )
    for row in await session.execute(stmt):
        out[row[0]].append(MinutesRow(*row[1:]))
    return out


async def add_minutes(
    session: AsyncSession,
    meeting_id: uuid.UUID,
    case_id: uuid.UUID,
    note_id: uuid.UUID,
    by: uuid.UUID,
    now: datetime,
) -> None:
    """Link a minutes note to the meeting and the case."""
    await session.execute(
        insert(minutes).values(
            meeting_id=meeting_id, case_id=case_id, note_id=note_id, created_by=by, created_at=now
        )
    )


async def has_minutes(session: AsyncSession, meeting_id: uuid.UUID, case_id: uuid.UUID) -> bool:
    """Whether the meeting already has minutes on the case."""
    stmt = select(exists().where(minutes.c.meeting_id == meeting_id, minutes.c.case_id == case_id))
    return bool(await session.scalar(stmt))
