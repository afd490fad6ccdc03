"""Cells, the agencies and people that sit in them, and their working groups (hub admin).

A cell is known to those who manage cells (the hub admin), to the agencies seated in it and to
the people invited into it; anyone else gets 404 for it and everything under it, exactly as for
an id that does not exist. Visibility comes before permission: a seated agency's case worker
may know the cell and gets 403 for managing it.
"""

from __future__ import annotations

import uuid
from typing import Any, TypeVar

from sqlalchemy import ColumnElement, Select, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from app.db.models import Agency, Cell, CellAgency, CellMember, Member, WorkingGroup
from app.errors import Conflict, NotFound, ValidationFailed
from app.policies import Permission, Resource, ResourceKind
from app.policies.vocabulary import CellKind
from app.services.authz import event_for
from app.services.context import RequestContext
from app.services.hub import Hub
from app.services.pagination import Page, paginate

_CELL = Resource(ResourceKind.CELL)


def _manage(ctx: RequestContext, hub: Hub) -> None:
    hub.authz.require(ctx, Permission.CELL_MANAGE, _CELL, hide=False)


def visible_to(ctx: RequestContext, hub: Hub) -> ColumnElement[bool] | None:
    """The cells the caller may know exist, as a condition on ``Cell.id`` (None: all of them)."""
    if hub.authz.decide(ctx, Permission.CELL_MANAGE, _CELL).allowed:
        return None
    seated = select(CellAgency.cell_id).where(CellAgency.agency_id == ctx.principal.agency_id)
    invited = select(CellMember.cell_id).where(CellMember.member_id == ctx.principal.member_id)
    return or_(Cell.id.in_(seated), Cell.id.in_(invited))


_S = TypeVar("_S", bound=Select[Any])


def _scoped(stmt: _S, ctx: RequestContext, hub: Hub) -> _S:
    condition = visible_to(ctx, hub)
    return stmt if condition is None else stmt.where(condition)


async def create_cell(
    session: AsyncSession,
    ctx: RequestContext,
    hub: Hub,
    *,
    kind: CellKind,
    name: str,
    municipality: str,
    chair_member_id: uuid.UUID | None,
) -> Cell:
    """A new cell; the chair (the mayor for a LIVC) becomes a member of it."""
    _manage(ctx, hub)
    cell = Cell(id=uuid.uuid4(), kind=kind.value, name=name, municipality=municipality)
    session.add(cell)
    await session.flush()
    if chair_member_id is not None:
        await _set_chair(session, cell, chair_member_id)
    await hub.record(session, ctx, event_for(ctx, "cell:create", cell_id=cell.id))
    return cell


async def _set_chair(session: AsyncSession, cell: Cell, member_id: uuid.UUID) -> None:
    chair = await session.get(Member, member_id)
    if chair is None:
        raise ValidationFailed("the chair must be an existing member")
    cell.chair_member_id = chair.id
    await _ensure_agency(session, cell.id, chair.agency_id)
    await _ensure_member(session, cell.id, chair.id)


async def change_chair(
    session: AsyncSession, ctx: RequestContext, hub: Hub, cell_id: uuid.UUID, member_id: uuid.UUID
) -> Cell:
    """Set who chairs the cell (after an election, or when the mayor delegates the chair)."""
    cell = await get_cell(session, ctx, hub, cell_id)
    _manage(ctx, hub)
    await _set_chair(session, cell, member_id)
    await hub.record(
        session, ctx, event_for(ctx, "cell:set_chair", cell_id=cell.id, object_id=member_id)
    )
    return cell


async def _ensure_agency(session: AsyncSession, cell_id: uuid.UUID, agency_id: uuid.UUID) -> None:
    if await session.get(CellAgency, (cell_id, agency_id)) is None:
        session.add(CellAgency(cell_id=cell_id, agency_id=agency_id))
        await session.flush()


async def _ensure_member(session: AsyncSession, cell_id: uuid.UUID, member_id: uuid.UUID) -> None:
    if await session.get(CellMember, (cell_id, member_id)) is None:
        session.add(CellMember(cell_id=cell_id, member_id=member_id))
        await session.flush()


async def get_cell(
    session: AsyncSession, ctx: RequestContext, hub: Hub, cell_id: uuid.UUID
) -> Cell:
    """A cell the caller may know exists; any other id is 404."""
    cell = await session.scalar(_scoped(select(Cell).where(Cell.id == cell_id), ctx, hub))
    if cell is None:
        raise NotFound()
    return cell


async def list_cells(
    session: AsyncSession, ctx: RequestContext, hub: Hub, *, limit: int, cursor: str | None
) -> Page[Cell]:
    """The cells the caller may know exist, paged."""
    return await paginate(
        session,
        _scoped(select(Cell), ctx, hub),
        created_at=Cell.created_at,
        row_id=Cell.id,
        limit=limit,
        cursor=cursor,
    )


async def cell_agency_ids(session: AsyncSession, cell_id: uuid.UUID) -> list[uuid.UUID]:
    """The agencies sitting in a cell."""
    rows = await session.scalars(select(CellAgency.agency_id).where(CellAgency.cell_id == cell_id))
    return list(rows.all())


async def seats(
    session: AsyncSession, cell_ids: list[uuid.UUID]
) -> dict[uuid.UUID, tuple[list[uuid.UUID], list[uuid.UUID]]]:
    """Agencies and members of several cells, in two queries."""
    out: dict[uuid.UUID, tuple[list[uuid.UUID], list[uuid.UUID]]] = {c: ([], []) for c in cell_ids}
    if not cell_ids:
        return out
    agencies = await session.execute(
        select(CellAgency.cell_id, CellAgency.agency_id).where(CellAgency.cell_id.in_(cell_ids))
    )
    for cell_id, agency_id in agencies:
        out[cell_id][0].append(agency_id)
    members = await session.execute(
        select(CellMember.cell_id, CellMember.member_id).where(CellMember.cell_id.in_(cell_ids))
    )
    for cell_id, member_id in members:
        out[cell_id][1].append(member_id)
    return out


async def add_agency(
    session: AsyncSession, ctx: RequestContext, hub: Hub, cell_id: uuid.UUID, agency_id: uuid.UUID
) -> None:
    """Seat an agency in a cell."""
    cell = await get_cell(session, ctx, hub, cell_id)
    _manage(ctx, hub)
    if await session.get(Agency, agency_id) is None:
        raise ValidationFailed("no such agency")
    await _ensure_agency(session, cell.id, agency_id)
    await hub.record(
        session, ctx, event_for(ctx, "cell:add_agency", cell_id=cell.id, object_id=agency_id)
    )


async def add_member(
    session: AsyncSession, ctx: RequestContext, hub: Hub, cell_id: uuid.UUID, member_id: uuid.UUID
) -> None:
    """Invite a member of a seated agency into the cell (art. 3: on the mayor's invitation)."""
    cell = await get_cell(session, ctx, hub, cell_id)
    _manage(ctx, hub)
    member = await session.get(Member, member_id)
    if member is None:
        raise ValidationFailed("no such member")
    if member.agency_id not in await cell_agency_ids(session, cell.id):
        raise Conflict("the member's agency does not sit in this cell; add the agency first")
    await _ensure_member(session, cell.id, member.id)
    await hub.record(
        session, ctx, event_for(ctx, "cell:add_member", cell_id=cell.id, object_id=member.id)
    )


async def add_working_group(
    session: AsyncSession, ctx: RequestContext, hub: Hub, cell_id: uuid.UUID, name: str
) -> WorkingGroup:
    """A working group inside a cell."""
    cell = await get_cell(session, ctx, hub, cell_id)
    _manage(ctx, hub)
    exists = await session.scalar(
        select(WorkingGroup.id).where(WorkingGroup.cell_id == cell.id, WorkingGroup.name == name)
    )
    if exists is not None:
        raise Conflict("this cell already has a working group with that name")
    group = WorkingGroup(id=uuid.uuid4(), cell_id=cell.id, name=name)
    session.add(group)
    await hub.record(
        session, ctx, event_for(ctx, "cell:add_working_group", cell_id=cell.id, object_id=group.id)
    )
    return group


async def list_working_groups(
    session: AsyncSession, ctx: RequestContext, hub: Hub, cell_id: uuid.UUID
) -> list[WorkingGroup]:
    """The working groups of a cell the caller may know exists."""
    await get_cell(session, ctx, hub, cell_id)
    rows = await session.scalars(
        select(WorkingGroup).where(WorkingGroup.cell_id == cell_id).order_by(WorkingGroup.name)
    )
    return list(rows.all())
