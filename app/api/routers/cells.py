"""/api/v1/cells: cells, their agencies and members, working groups (hub admin manages)."""

from __future__ import annotations

import uuid

from fastapi import APIRouter, status
from sqlalchemy.ext.asyncio import AsyncSession

from app.api.deps import ContextDep, HubDep, SessionDep
from app.api.routers.converters import cell_out
from app.api.schemas.cells import (
    CellAgencyIn,
    CellIn,
    CellMemberIn,
    CellOut,
    WorkingGroupIn,
    WorkingGroupOut,
)
from app.api.schemas.common import Cursor, Limit, Page
from app.db.models import Cell
from app.services import cells

router = APIRouter(tags=["cells"])


async def _out(session: AsyncSession, cell: Cell) -> CellOut:
    agencies, members = (await cells.seats(session, [cell.id]))[cell.id]
    return cell_out(cell, agencies, members)


@router.post("/cells", status_code=status.HTTP_201_CREATED)
async def create_cell(body: CellIn, session: SessionDep, ctx: ContextDep, hub: HubDep) -> CellOut:
    """A new cell; its chair is seated with their agency."""
    cell = await cells.create_cell(
        session,
        ctx,
        hub,
        kind=body.kind,
        name=body.name,
        municipality=body.municipality,
        chair_member_id=body.chair_member_id,
    )
    return await _out(session, cell)


@router.get("/cells")
async def list_cells(
    session: SessionDep, ctx: ContextDep, hub: HubDep, limit: Limit = 50, cursor: Cursor = None
) -> Page[CellOut]:
    """The cells you may know: all for the hub admin, else those your agency or you sit in."""
    page = await cells.list_cells(session, ctx, hub, limit=limit, cursor=cursor)
    seated = await cells.seats(session, [c.id for c in page.items])
    items = [cell_out(c, *seated[c.id]) for c in page.items]
    return Page(items=items, next_cursor=page.next_cursor)


@router.get("/cells/{cell_id}")
async def get_cell(
    cell_id: uuid.UUID, session: SessionDep, ctx: ContextDep, hub: HubDep
) -> CellOut:
    """One cell you may know (404 otherwise, as for an id that does not exist)."""
    return await _out(session, await cells.get_cell(session, ctx, hub, cell_id))


@router.put("/cells/{cell_id}/chair")
async def change_chair(
    cell_id: uuid.UUID, body: CellMemberIn, session: SessionDep, ctx: ContextDep, hub: HubDep
) -> CellOut:
    """Set the cell's chair (hub admin); the chair is seated in the cell with their agency."""
    cell = await cells.change_chair(session, ctx, hub, cell_id, body.member_id)
    return await _out(session, cell)


@router.post("/cells/{cell_id}/agencies", status_code=status.HTTP_201_CREATED)
async def add_agency(
    cell_id: uuid.UUID, body: CellAgencyIn, session: SessionDep, ctx: ContextDep, hub: HubDep
) -> CellOut:
    """Seat an agency in the cell."""
    return await _out(session, await cells.add_agency(session, ctx, hub, cell_id, body.agency_id))


@router.post("/cells/{cell_id}/members", status_code=status.HTTP_201_CREATED)
async def add_member(
    cell_id: uuid.UUID, body: CellMemberIn, session: SessionDep, ctx: ContextDep, hub: HubDep
) -> CellOut:
    """Invite a member of a seated agency into the cell."""
    return await _out(session, await cells.add_member(session, ctx, hub, cell_id, body.member_id))


@router.post("/cells/{cell_id}/working-groups", status_code=status.HTTP_201_CREATED)
async def add_working_group(
    cell_id: uuid.UUID, body: WorkingGroupIn, session: SessionDep, ctx: ContextDep, hub: HubDep
) -> WorkingGroupOut:
    """A working group in the cell."""
    group = await cells.add_working_group(session, ctx, hub, cell_id, body.name)
    return WorkingGroupOut(id=group.id, cell_id=group.cell_id, name=group.name)


@router.get("/cells/{cell_id}/working-groups")
async def list_working_groups(
    cell_id: uuid.UUID, session: SessionDep, ctx: ContextDep, hub: HubDep
) -> list[WorkingGroupOut]:
    """The cell's working groups."""
    groups = await cells.list_working_groups(session, ctx, hub, cell_id)
    return [WorkingGroupOut(id=g.id, cell_id=g.cell_id, name=g.name) for g in groups]
