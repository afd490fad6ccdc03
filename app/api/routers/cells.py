"""/api/v1/cells: cells, their agencies and members, working groups.

The hub admin creates cells and names their chairs; the chair (or the hub admin) seats and removes
the cell's agencies and people."""

from __future__ import annotations

import uuid

from fastapi import APIRouter, Response, status
from sqlalchemy.ext.asyncio import AsyncSession

from app.api.deps import ContextDep, HubDep, SessionDep
from app.api.routers.converters import cell_out
from app.api.schemas.cells import (
    CellAgencyIn,
    CellIn,
    CellMemberIn,
    CellOut,
    CellSeatIn,
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
    """Seat an agency in the cell (the chair or the hub admin)."""
    return await _out(session, await cells.add_agency(session, ctx, hub, cell_id, body.agency_id))


@router.delete("/cells/{cell_id}/agencies/{agency_id}", status_code=status.HTTP_204_NO_CONTENT)
async def remove_agency(
    cell_id: uuid.UUID, agency_id: uuid.UUID, session: SessionDep, ctx: ContextDep, hub: HubDep
) -> Response:
    """Remove an agency from the cell (the chair or the hub admin); 409 `agency_has_members`
    while people of it sit in the cell: remove them first."""
    await cells.remove_agency(session, ctx, hub, cell_id, agency_id)
    return Response(status_code=status.HTTP_204_NO_CONTENT)


@router.post("/cells/{cell_id}/members", status_code=status.HTTP_201_CREATED)
async def add_member(
    cell_id: uuid.UUID, body: CellSeatIn, session: SessionDep, ctx: ContextDep, hub: HubDep
) -> CellOut:
    """Seat a member of a seated agency in the cell, with a seat (the chair or the hub admin;
    art. 3: on the mayor's invitation). Again for someone seated: change their seat."""
    cell = await cells.add_member(session, ctx, hub, cell_id, body.member_id, body.seat)
    return await _out(session, cell)


@router.delete("/cells/{cell_id}/members/{member_id}", status_code=status.HTTP_204_NO_CONTENT)
async def remove_member(
    cell_id: uuid.UUID, member_id: uuid.UUID, session: SessionDep, ctx: ContextDep, hub: HubDep
) -> Response:
    """Remove a person from the cell (the chair or the hub admin): from its working groups and
    exchanges too, at once. The chair is not removed (409 `chair_seat`)."""
    await cells.remove_member(session, ctx, hub, cell_id, member_id)
    return Response(status_code=status.HTTP_204_NO_CONTENT)


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
