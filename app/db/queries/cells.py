"""Cells, the agencies and people seated in them, and their working groups.

Who may know a cell exists is one predicate (``visible``): the cells the caller's agency sits in
or the caller was invited into; those who manage cells see them all.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime
from typing import Any, TypeVar

from sqlalchemy import ColumnElement, Select, delete, exists, func, insert, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from app.db.models import Cell, CellAgency, CellMember
from app.db.queries.tables import (
    cases,
    cell_agencies,
    cell_declarations,
    cell_members,
    cells,
    exchanges,
    members,
    subjects,
    working_group_members,
    working_groups,
)


@dataclass(frozen=True, slots=True)
class CellFacts:
    """What an exchange needs of its cell: kind and chair."""

    id: uuid.UUID
    kind: str
    chair_member_id: uuid.UUID | None


def visible(agency_id: uuid.UUID, member_id: uuid.UUID) -> ColumnElement[bool]:
    """The cells a member may know exist: seated by agency, or invited in person."""
    seated = select(cell_agencies.c.cell_id).where(cell_agencies.c.agency_id == agency_id)
    invited = select(cell_members.c.cell_id).where(cell_members.c.member_id == member_id)
    return or_(Cell.id.in_(seated), Cell.id.in_(invited))


_S = TypeVar("_S", bound=Select[Any])


def scoped(stmt: _S, scope: ColumnElement[bool] | None) -> _S:
    """``stmt`` within a reader's scope (None: every cell)."""
    return stmt if scope is None else stmt.where(scope)


async def cell(
    session: AsyncSession, cell_id: uuid.UUID, scope: ColumnElement[bool] | None
) -> Cell | None:
    """A cell within the reader's scope."""
    return await session.scalar(scoped(select(Cell).where(Cell.id == cell_id), scope))


def cells_in(scope: ColumnElement[bool] | None) -> Select[Cell]:
    """The cells within the reader's scope, for paging."""
    return scoped(select(Cell), scope)


def seat_exists(cell_id: Any, member_id: Any) -> ColumnElement[bool]:
    """True where the member was invited into the cell (either may be a column or parameter)."""
    return exists().where(cell_members.c.cell_id == cell_id, cell_members.c.member_id == member_id)


async def cell_facts(
    session: AsyncSession, cell_id: uuid.UUID, member_id: uuid.UUID
) -> tuple[CellFacts, bool] | None:
    """A cell's kind and chair, and whether the member was invited into it (one statement)."""
    stmt = select(
        cells.c.id, cells.c.kind, cells.c.chair_member_id, seat_exists(cells.c.id, member_id)
    ).where(cells.c.id == cell_id)
    row = (await session.execute(stmt)).first()
    return None if row is None else (CellFacts(*row[:3]), bool(row[3]))


async def agency_ids(session: AsyncSession, cell_id: uuid.UUID) -> list[uuid.UUID]:
    """The agencies sitting in a cell."""
    stmt = select(cell_agencies.c.agency_id).where(cell_agencies.c.cell_id == cell_id)
    return list((await session.scalars(stmt)).all())


SeatList = list[tuple[uuid.UUID, str]]


async def seats(
    session: AsyncSession, cell_ids: list[uuid.UUID]
) -> dict[uuid.UUID, tuple[list[uuid.UUID], SeatList]]:
    """Agencies and members (with their seats) of several cells, in two statements."""
    out: dict[uuid.UUID, tuple[list[uuid.UUID], SeatList]] = {c: ([], []) for c in cell_ids}
    if not cell_ids:
        return out
    agencies = await session.execute(
        select(cell_agencies.c.cell_id, cell_agencies.c.agency_id).where(
            cell_agencies.c.cell_id.in_(cell_ids)
        )
    )
    for cell_id, agency_id in agencies:
        out[cell_id][0].append(agency_id)
    people = await session.execute(
        select(cell_members.c.cell_id, cell_members.c.member_id, cell_members.c.seat).where(
            cell_members.c.cell_id.in_(cell_ids)
        )
    )
    for cell_id, member_id, seat in people:
        out[cell_id][1].append((member_id, seat))
    return out


async def seat_agency(session: AsyncSession, cell_id: uuid.UUID, agency_id: uuid.UUID) -> None:
    """Seat an agency in a cell unless it sits there already."""
    if await session.get(CellAgency, (cell_id, agency_id)) is None:
        session.add(CellAgency(cell_id=cell_id, agency_id=agency_id))
        await session.flush()


async def seat_member(
    session: AsyncSession, cell_id: uuid.UUID, member_id: uuid.UUID, seat: str | None = None
) -> None:
    """Invite a member into a cell unless they are in it already; ``seat`` sets their standing
    (None: ``member`` for a newcomer, unchanged for someone seated)."""
    found = await session.get(CellMember, (cell_id, member_id))
    if found is None:
        session.add(CellMember(cell_id=cell_id, member_id=member_id, seat=seat or "member"))
        await session.flush()
    elif seat is not None and found.seat != seat:
        await session.execute(
            update(cell_members)
            .where(cell_members.c.cell_id == cell_id, cell_members.c.member_id == member_id)
            .values(seat=seat)
        )
        await session.refresh(found)


async def unseat_member(session: AsyncSession, cell_id: uuid.UUID, member_id: uuid.UUID) -> bool:
    """Remove a member from a cell and from its working groups; False if not seated."""
    of_cell = select(working_groups.c.id).where(working_groups.c.cell_id == cell_id)
    await session.execute(
        delete(working_group_members).where(
            working_group_members.c.member_id == member_id,
            working_group_members.c.working_group_id.in_(of_cell),
        )
    )
    gone = await session.execute(
        delete(cell_members).where(
            cell_members.c.cell_id == cell_id, cell_members.c.member_id == member_id
        )
    )
    return bool(getattr(gone, "rowcount", 0))


async def unseat_agency(session: AsyncSession, cell_id: uuid.UUID, agency_id: uuid.UUID) -> bool:
    """Remove an agency from a cell; False if it did not sit there."""
    gone = await session.execute(
        delete(cell_agencies).where(
            cell_agencies.c.cell_id == cell_id, cell_agencies.c.agency_id == agency_id
        )
    )
    return bool(getattr(gone, "rowcount", 0))


async def seated_of_agency(session: AsyncSession, cell_id: uuid.UUID, agency_id: uuid.UUID) -> int:
    """How many people of an agency sit in a cell."""
    stmt = (
        select(func.count())
        .select_from(cell_members)
        .join(members, members.c.id == cell_members.c.member_id)
        .where(cell_members.c.cell_id == cell_id, members.c.agency_id == agency_id)
    )
    return int(await session.scalar(stmt) or 0)


async def seat_of(session: AsyncSession, cell_id: uuid.UUID, member_id: uuid.UUID) -> str | None:
    """A member's seat in a cell, or None if they do not sit in it."""
    stmt = select(cell_members.c.seat).where(
        cell_members.c.cell_id == cell_id, cell_members.c.member_id == member_id
    )
    seat: str | None = await session.scalar(stmt)
    return seat


async def working_group_cell(session: AsyncSession, group_id: uuid.UUID) -> uuid.UUID | None:
    """The cell a working group belongs to."""
    stmt = select(working_groups.c.cell_id).where(working_groups.c.id == group_id)
    found: uuid.UUID | None = await session.scalar(stmt)
    return found


async def working_group_named(session: AsyncSession, cell_id: uuid.UUID, name: str) -> bool:
    """Whether the cell has a working group with this name."""
    stmt = select(working_groups.c.id).where(
        working_groups.c.cell_id == cell_id, working_groups.c.name == name
    )
    return await session.scalar(stmt) is not None


@dataclass(frozen=True, slots=True)
class WorkingGroupRow:
    """A working group of a cell."""

    id: uuid.UUID
    cell_id: uuid.UUID
    name: str


async def add_working_group(
    session: AsyncSession, cell_id: uuid.UUID, name: str, now: datetime
) -> WorkingGroupRow:
    """A new working group in a cell."""
    row = WorkingGroupRow(uuid.uuid4(), cell_id, name)
    await session.execute(
        insert(working_groups).values(id=row.id, cell_id=cell_id, name=name, created_at=now)
    )
    return row


async def working_groups_of(session: AsyncSession, cell_id: uuid.UUID) -> list[WorkingGroupRow]:
    """A cell's working groups by name."""
    g = working_groups.c
    stmt = select(g.id, g.cell_id, g.name).where(g.cell_id == cell_id).order_by(g.name)
    return [WorkingGroupRow(*row) for row in await session.execute(stmt)]


async def working_group(
    session: AsyncSession, cell_id: uuid.UUID, group_id: uuid.UUID
) -> WorkingGroupRow | None:
    """A working group of this cell (None for another cell's or an unknown id)."""
    g = working_groups.c
    stmt = select(g.id, g.cell_id, g.name).where(g.id == group_id, g.cell_id == cell_id)
    row = (await session.execute(stmt)).first()
    return None if row is None else WorkingGroupRow(*row)


async def in_working_group(
    session: AsyncSession, group_id: uuid.UUID, member_id: uuid.UUID
) -> bool:
    """Whether the member belongs to the working group."""
    w = working_group_members.c
    stmt = select(w.member_id).where(w.working_group_id == group_id, w.member_id == member_id)
    return await session.scalar(stmt) is not None


async def working_group_members_of(
    session: AsyncSession, group_id: uuid.UUID
) -> list[tuple[uuid.UUID, datetime]]:
    """A working group's members, with when they were added, oldest first."""
    w = working_group_members.c
    stmt = (
        select(w.member_id, w.added_at)
        .where(w.working_group_id == group_id)
        .order_by(w.added_at, w.member_id)
    )
    return [(m, at) for m, at in await session.execute(stmt)]


async def add_working_group_member(
    session: AsyncSession, group_id: uuid.UUID, member_id: uuid.UUID, now: datetime
) -> bool:
    """Add a member to a working group; False if they were in it already."""
    if await in_working_group(session, group_id, member_id):
        return False
    await session.execute(
        insert(working_group_members).values(
            working_group_id=group_id, member_id=member_id, added_at=now
        )
    )
    return True


async def remove_working_group_member(
    session: AsyncSession, group_id: uuid.UUID, member_id: uuid.UUID
) -> bool:
    """Take a member out of a working group; False if they were not in it."""
    w = working_group_members.c
    gone = await session.execute(
        delete(working_group_members).where(
            w.working_group_id == group_id, w.member_id == member_id
        )
    )
    return bool(getattr(gone, "rowcount", 0))


@dataclass(frozen=True, slots=True)
class GroupExchangeRow:
    """An exchange of a working group, as its agenda shows it (no person, no content)."""

    id: uuid.UUID
    case_id: uuid.UUID
    case_status: str
    subject_pseudonym: str
    purpose: str
    opens_at: datetime
    expires_at: datetime
    closed_at: datetime | None
    created_at: datetime
    subject_owner_id: uuid.UUID


async def working_group_exchanges(
    session: AsyncSession, group_id: uuid.UUID
) -> list[GroupExchangeRow]:
    """The exchanges of a working group, oldest first (at most 500)."""
    x = exchanges.c
    stmt = (
        select(
            x.id,
            x.case_id,
            cases.c.status,
            subjects.c.pseudonym,
            x.purpose,
            x.opens_at,
            x.expires_at,
            x.closed_at,
            x.created_at,
            subjects.c.owner_agency_id,
        )
        .join_from(exchanges, cases, cases.c.id == x.case_id)
        .join(subjects, subjects.c.id == cases.c.subject_id)
        .where(x.working_group_id == group_id)
        .order_by(x.created_at, x.id)
        .limit(500)
    )
    rows: list[tuple[Any, ...]] = [tuple(row) for row in await session.execute(stmt)]
    return [GroupExchangeRow(*row) for row in rows]


@dataclass(frozen=True, slots=True)
class DeclarationRow:
    """One version of a cell's confidentiality declaration."""

    id: uuid.UUID
    cell_id: uuid.UUID
    version: int
    text_nl: str
    text_fr: str
    set_by: uuid.UUID
    set_at: datetime


_D = cell_declarations.c
_DECLARATION = select(_D.id, _D.cell_id, _D.version, _D.text_nl, _D.text_fr, _D.set_by, _D.set_at)


async def current_declaration(session: AsyncSession, cell_id: uuid.UUID) -> DeclarationRow | None:
    """The cell's latest declaration, or None if it has none."""
    stmt = _DECLARATION.where(_D.cell_id == cell_id).order_by(_D.version.desc()).limit(1)
    row = (await session.execute(stmt)).first()
    return None if row is None else DeclarationRow(*row)


async def declarations_of(session: AsyncSession, cell_id: uuid.UUID) -> list[DeclarationRow]:
    """Every version of the cell's declaration, oldest first."""
    stmt = _DECLARATION.where(_D.cell_id == cell_id).order_by(_D.version)
    return [DeclarationRow(*row) for row in await session.execute(stmt)]


async def add_declaration(
    session: AsyncSession,
    cell_id: uuid.UUID,
    *,
    text_nl: str,
    text_fr: str,
    set_by: uuid.UUID,
    now: datetime,
) -> DeclarationRow:
    """A new version of the cell's declaration (the next number; of two racing writers one
    loses on the unique constraint: a storage error, nothing written, to retry)."""
    last = await session.scalar(select(func.max(_D.version)).where(_D.cell_id == cell_id))
    row = DeclarationRow(uuid.uuid4(), cell_id, int(last or 0) + 1, text_nl, text_fr, set_by, now)
    await session.execute(
        insert(cell_declarations).values(
            id=row.id,
            cell_id=cell_id,
            version=row.version,
            text_nl=text_nl,
            text_fr=text_fr,
            set_by=set_by,
            set_at=now,
        )
    )
    return row
