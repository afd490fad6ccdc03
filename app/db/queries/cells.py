"""Cells, the agencies and people seated in them, and their working groups.

Who may know a cell exists is one predicate (``visible``): the cells the caller's agency sits in
or the caller was invited into; those who manage cells see them all.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime
from typing import Any, TypeVar

from sqlalchemy import ColumnElement, Select, exists, insert, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from app.db.models import Cell, CellAgency, CellMember
from app.db.queries.tables import cell_agencies, cell_members, cells, working_groups


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


async def seats(
    session: AsyncSession, cell_ids: list[uuid.UUID]
) -> dict[uuid.UUID, tuple[list[uuid.UUID], list[uuid.UUID]]]:
    """Agencies and members of several cells, in two statements."""
    out: dict[uuid.UUID, tuple[list[uuid.UUID], list[uuid.UUID]]] = {c: ([], []) for c in cell_ids}
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
        select(cell_members.c.cell_id, cell_members.c.member_id).where(
            cell_members.c.cell_id.in_(cell_ids)
        )
    )
    for cell_id, member_id in people:
        out[cell_id][1].append(member_id)
    return out


async def seat_agency(session: AsyncSession, cell_id: uuid.UUID, agency_id: uuid.UUID) -> None:
    """Seat an agency in a cell unless it sits there already."""
    if await session.get(CellAgency, (cell_id, agency_id)) is None:
        session.add(CellAgency(cell_id=cell_id, agency_id=agency_id))
        await session.flush()


async def seat_member(session: AsyncSession, cell_id: uuid.UUID, member_id: uuid.UUID) -> None:
    """Invite a member into a cell unless they are in it already."""
    if await session.get(CellMember, (cell_id, member_id)) is None:
        session.add(CellMember(cell_id=cell_id, member_id=member_id))
        await session.flush()


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
