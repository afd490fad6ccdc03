"""Cells, the agencies and people that sit in them, and their working groups.

The hub admin sets cells up and names their chairs; the cell's chair (or the hub admin) seats
and removes its agencies and people (art. 3: on the mayor's invitation), as
``app.policies.membership`` decides.

A cell is known to those who manage cells (the hub admin), to the agencies seated in it and to
the people invited into it; anyone else gets 404 for it and everything under it, exactly as for
an id that does not exist. Visibility comes before permission: a seated agency's case worker
may know the cell and gets 403 for managing it.
"""

from __future__ import annotations

import uuid
from dataclasses import replace

from sqlalchemy import ColumnElement
from sqlalchemy.ext.asyncio import AsyncSession

from app.audit.log import AuditEvent
from app.db.models import Cell
from app.db.queries import cells as queries
from app.db.queries import exchanges as exchange_queries
from app.db.queries import orgs
from app.db.queries.cells import WorkingGroupRow
from app.db.queries.pagination import Page, paginate
from app.errors import Conflict, Forbidden, NotFound, ValidationFailed
from app.policies import Permission, Resource, ResourceKind
from app.policies.membership import (
    Manager,
    MembershipAction,
    MembershipAsk,
    MembershipReason,
    Seat,
    Seated,
    decide_membership,
)
from app.policies.vocabulary import CellKind
from app.services.authz import denied, event_for
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
) -> dict[uuid.UUID, tuple[list[uuid.UUID], list[tuple[uuid.UUID, str]]]]:
    """Agencies and members (with their seats) of several cells, in two statements."""
    return await queries.seats(session, cell_ids)


# What each refusal says (403 for who asks, 409 for what is asked).
_REFUSALS = {
    MembershipReason.NOT_CHAIR: "only the cell's chair (or the hub admin) manages its membership",
    MembershipReason.MEMBER_SUSPENDED: "a suspended chair manages nothing",
    MembershipReason.AGENCY_NOT_SEATED: (
        "the member's agency does not sit in this cell; add the agency first"
    ),
    MembershipReason.MEMBER_NOT_SEATED: (
        "only people seated in the cell join its working groups; seat them in the cell first"
    ),
    MembershipReason.AGENCY_HAS_MEMBERS: (
        "people of this agency still sit in the cell; remove the members first"
    ),
    MembershipReason.CHAIR_SEAT: "the chair cannot be removed; change the chair first",
    MembershipReason.KORPSCHEF_NOT_LOCAL_POLICE: (
        "the korpschef's representative must be a member of a local police agency (art. 3 §1)"
    ),
    MembershipReason.KORPSCHEF_CLEARANCE_BELOW_SECRET: (
        'the korpschef\'s representative must hold a clearance of at least "secret" (art. 3 §1)'
    ),
}


def manager(ctx: RequestContext, hub: Hub, cell: Cell) -> Manager:
    """The caller as the membership rule sees them."""
    who = ctx.principal
    return Manager(
        member_id=str(who.member_id),
        status=who.status.value,
        manages_cells=hub.authz.decide(ctx, Permission.CELL_MANAGE, _CELL).allowed,
        chairs_cell=cell.chair_member_id == who.member_id,
    )


def require_membership(
    ctx: RequestContext,
    hub: Hub,
    cell: Cell,
    action: MembershipAction,
    event: AuditEvent,
    target: Seated = Seated(),  # noqa: B008 - frozen
    seat: Seat = Seat.MEMBER,
) -> str:
    """Go on if the membership rule allows (returns its reason); else 403/409, logged."""
    verdict = decide_membership(MembershipAsk(action, manager(ctx, hub, cell), target, seat))
    reason = str(verdict.reason)
    if verdict.allowed:
        return reason
    kind = Forbidden if verdict.about_the_caller else Conflict
    text = _REFUSALS.get(verdict.reason, "refused")
    raise kind(text, extra={"reason": reason}, audit=(denied(event, reason),))


async def add_agency(
    session: AsyncSession, ctx: RequestContext, hub: Hub, cell_id: uuid.UUID, agency_id: uuid.UUID
) -> Cell:
    """Seat an agency in a cell (the chair, or the hub admin)."""
    cell = await get_cell(session, ctx, hub, cell_id)
    event = event_for(
        ctx, "cell:add_agency", cell_id=cell.id, object_id=agency_id, owners=[agency_id]
    )
    require_membership(ctx, hub, cell, MembershipAction.SEAT_AGENCY, event)
    if await orgs.agency(session, agency_id) is None:
        raise ValidationFailed("no such agency")
    await queries.seat_agency(session, cell.id, agency_id)
    await hub.record(session, ctx, event)
    return cell


async def remove_agency(
    session: AsyncSession, ctx: RequestContext, hub: Hub, cell_id: uuid.UUID, agency_id: uuid.UUID
) -> Cell:
    """Remove an agency from a cell once none of its people sit there (chair or hub admin)."""
    cell = await get_cell(session, ctx, hub, cell_id)
    event = event_for(
        ctx, "cell:remove_agency", cell_id=cell.id, object_id=agency_id, owners=[agency_id]
    )
    # Who may not manage the cell learns nothing about the agency (403 before 404).
    require_membership(ctx, hub, cell, MembershipAction.REMOVE_AGENCY, event)
    if agency_id not in await queries.agency_ids(session, cell.id):
        raise NotFound(audit=(denied(event, "not_found"),))
    target = Seated(seated_members=await queries.seated_of_agency(session, cell.id, agency_id))
    require_membership(ctx, hub, cell, MembershipAction.REMOVE_AGENCY, event, target)
    await queries.unseat_agency(session, cell.id, agency_id)
    await hub.record(session, ctx, event)
    return cell


async def add_member(
    session: AsyncSession,
    ctx: RequestContext,
    hub: Hub,
    cell_id: uuid.UUID,
    member_id: uuid.UUID,
    seat: Seat | None = None,
) -> Cell:
    """Invite a member of a seated agency into the cell (art. 3: on the mayor's invitation),
    with a seat (None: ``member`` for a newcomer; someone seated keeps theirs)."""
    cell = await get_cell(session, ctx, hub, cell_id)
    event = event_for(ctx, "cell:add_member", cell_id=cell.id, object_id=member_id)
    require_membership(ctx, hub, cell, MembershipAction.SEAT_MEMBER, event)
    found = await orgs.cell_member(session, cell.id, member_id)
    if found is None:
        raise ValidationFailed("no such member")
    member, _ = found
    event = replace(event, owners=(str(member.agency_id),))
    if seat is None:
        seat = Seat(await queries.seat_of(session, cell.id, member.id) or Seat.MEMBER.value)
    target = Seated(
        agency_kind=member.agency_kind,
        clearance=member.clearance,
        agency_seated=member.agency_id in await queries.agency_ids(session, cell.id),
    )
    require_membership(ctx, hub, cell, MembershipAction.SEAT_MEMBER, event, target, seat)
    await queries.seat_member(session, cell.id, member.id, seat.value)
    await hub.record(session, ctx, replace(event, reason=seat.value))
    return cell


async def remove_member(
    session: AsyncSession, ctx: RequestContext, hub: Hub, cell_id: uuid.UUID, member_id: uuid.UUID
) -> Cell:
    """Remove a person from the cell (chair or hub admin): from its working groups too, and
    from its exchanges at once (their participations end now, rule 1)."""
    cell = await get_cell(session, ctx, hub, cell_id)
    event = event_for(ctx, "cell:remove_member", cell_id=cell.id, object_id=member_id)
    require_membership(ctx, hub, cell, MembershipAction.REMOVE_MEMBER, event)
    found = await orgs.cell_member(session, cell.id, member_id)
    if found is None or not found[1]:
        raise NotFound(audit=(denied(event, "not_found"),))
    member = found[0]
    event = replace(event, owners=(str(member.agency_id),))
    target = Seated(is_chair=cell.chair_member_id == member.id)
    require_membership(ctx, hub, cell, MembershipAction.REMOVE_MEMBER, event, target)
    await queries.unseat_member(session, cell.id, member.id)
    await hub.record(session, ctx, event)
    ended = await exchange_queries.end_participations_in_cell(session, cell.id, member.id, ctx.now)
    for exchange_id in ended:
        left = event_for(
            ctx,
            "exchange:remove",
            reason=MembershipReason.LEFT_THE_CELL.value,
            cell_id=cell.id,
            object_id=member.id,
            owners=[member.agency_id],
        )
        await hub.record(session, ctx, replace(left, exchange_id=str(exchange_id)))
    return cell


async def add_working_group(
    session: AsyncSession, ctx: RequestContext, hub: Hub, cell_id: uuid.UUID, name: str
) -> WorkingGroupRow:
    """A working group inside a cell (the chair or the hub admin)."""
    cell = await get_cell(session, ctx, hub, cell_id)
    event = event_for(ctx, "cell:add_working_group", cell_id=cell.id)
    require_membership(ctx, hub, cell, MembershipAction.CREATE_WORKING_GROUP, event)
    if await queries.working_group_named(session, cell.id, name):
        raise Conflict("this cell already has a working group with that name")
    group = await queries.add_working_group(session, cell.id, name, ctx.now)
    await hub.record(session, ctx, replace(event, object_id=str(group.id)))
    return group


async def list_working_groups(
    session: AsyncSession, ctx: RequestContext, hub: Hub, cell_id: uuid.UUID
) -> list[WorkingGroupRow]:
    """The working groups of a cell the caller may know exists."""
    await get_cell(session, ctx, hub, cell_id)
    return await queries.working_groups_of(session, cell_id)
