"""Cells, the agencies and people that sit in them, and their working groups (hub admin).

A cell is known to those who manage cells (the hub admin), to the agencies seated in it and to
the people invited into it; anyone else gets 404 for it and everything under it, exactly as for
an id that does not exist. Visibility comes before permission: a seated agency's case worker
may know the cell and gets 403 for managing it.
"""

from __future__ import annotations

import uuid

from sqlalchemy import ColumnElement
from sqlalchemy.ext.asyncio import AsyncSession

from app.db.models import Cell
from app.db.queries import cells as queries
from app.db.queries import orgs
from app.db.queries.cells import WorkingGroupRow
from app.db.queries.pagination import Page, paginate
from app.errors import Conflict, NotFound, ValidationFailed
from app.policies import Permission, Resource, ResourceKind
from app.policies.vocabulary import CellKind
from app.services.authz import event_for
from app.services.context import RequestContext
from app.services.hub import Hub

_CELL = Resource(ResourceKind.CELL)


def _manage(ctx: RequestContext, hub: Hub) -> None:
    hub.authz.require(ctx, Permission.CELL_MANAGE, _CELL, hide=False)


def visible_to(ctx: RequestContext, hub: Hub) -> ColumnElement[bool] | None:
    """The cells the caller may know exist, as a condition on ``Cell.id`` (None: all of them)."""
    if hub.authz.decide(ctx, Permission.CELL_MANAGE, _CELL).allowed:
        return None
    return queries.visible(ctx.principal.agency_id, ctx.principal.member_id)


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


async def _set_chair(session: AsyncSession, cell: Cell, member_id: uuid.UUID) -> uuid.UUID:
    chair = await orgs.member(session, member_id)
    if chair is None:
        raise ValidationFailed("the chair must be an existing member")
    cell.chair_member_id = chair.id
    await queries.seat_agency(session, cell.id, chair.agency_id)
    await queries.seat_member(session, cell.id, chair.id)
    return chair.agency_id


async def change_chair(
    session: AsyncSession, ctx: RequestContext, hub: Hub, cell_id: uuid.UUID, member_id: uuid.UUID
) -> Cell:
    """Set who chairs the cell (after an election, or when the mayor delegates the chair)."""
    cell = await get_cell(session, ctx, hub, cell_id)
    _manage(ctx, hub)
    agency = await _set_chair(session, cell, member_id)
    event = event_for(ctx, "cell:set_chair", cell_id=cell.id, object_id=member_id, owners=[agency])
    await hub.record(session, ctx, event)
    return cell


async def get_cell(
    session: AsyncSession, ctx: RequestContext, hub: Hub, cell_id: uuid.UUID
) -> Cell:
    """A cell the caller may know exists; any other id is 404."""
    cell = await queries.cell(session, cell_id, visible_to(ctx, hub))
    if cell is None:
        raise NotFound()
    return cell


async def list_cells(
    session: AsyncSession, ctx: RequestContext, hub: Hub, *, limit: int, cursor: str | None
) -> Page[Cell]:
    """The cells the caller may know exist, paged."""
    return await paginate(
        session,
        queries.cells_in(visible_to(ctx, hub)),
        created_at=Cell.created_at,
        row_id=Cell.id,
        limit=limit,
        cursor=cursor,
    )


async def seats(
    session: AsyncSession, cell_ids: list[uuid.UUID]
) -> dict[uuid.UUID, tuple[list[uuid.UUID], list[uuid.UUID]]]:
    """Agencies and members of several cells, in two statements."""
    return await queries.seats(session, cell_ids)


async def add_agency(
    session: AsyncSession, ctx: RequestContext, hub: Hub, cell_id: uuid.UUID, agency_id: uuid.UUID
) -> Cell:
    """Seat an agency in a cell."""
    cell = await get_cell(session, ctx, hub, cell_id)
    _manage(ctx, hub)
    if await orgs.agency(session, agency_id) is None:
        raise ValidationFailed("no such agency")
    await queries.seat_agency(session, cell.id, agency_id)
    event = event_for(
        ctx, "cell:add_agency", cell_id=cell.id, object_id=agency_id, owners=[agency_id]
    )
    await hub.record(session, ctx, event)
    return cell


async def add_member(
    session: AsyncSession, ctx: RequestContext, hub: Hub, cell_id: uuid.UUID, member_id: uuid.UUID
) -> Cell:
    """Invite a member of a seated agency into the cell (art. 3: on the mayor's invitation)."""
    cell = await get_cell(session, ctx, hub, cell_id)
    _manage(ctx, hub)
    member = await orgs.member(session, member_id)
    if member is None:
        raise ValidationFailed("no such member")
    if member.agency_id not in await queries.agency_ids(session, cell.id):
        raise Conflict("the member's agency does not sit in this cell; add the agency first")
    await queries.seat_member(session, cell.id, member.id)
    event = event_for(
        ctx, "cell:add_member", cell_id=cell.id, object_id=member.id, owners=[member.agency_id]
    )
    await hub.record(session, ctx, event)
    return cell


async def add_working_group(
    session: AsyncSession, ctx: RequestContext, hub: Hub, cell_id: uuid.UUID, name: str
) -> WorkingGroupRow:
    """A working group inside a cell."""
    cell = await get_cell(session, ctx, hub, cell_id)
    _manage(ctx, hub)
    if await queries.working_group_named(session, cell.id, name):
        raise Conflict("this cell already has a working group with that name")
    group = await queries.add_working_group(session, cell.id, name, ctx.now)
    await hub.record(
        session, ctx, event_for(ctx, "cell:add_working_group", cell_id=cell.id, object_id=group.id)
    )
    return group


async def list_working_groups(
    session: AsyncSession, ctx: RequestContext, hub: Hub, cell_id: uuid.UUID
) -> list[WorkingGroupRow]:
    """The working groups of a cell the caller may know exists."""
    await get_cell(session, ctx, hub, cell_id)
    return await queries.working_groups_of(session, cell_id)
