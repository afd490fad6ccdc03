"""Working groups' members and agenda.

A working group has its own members, a subset of the cell's seated people, chosen by the chair
(or the hub admin). An exchange of a working group can invite only its members (the exchange
permissions' ``working_group_only``). The group's members and the chair see the group's agenda:
the headers of its exchanges, with the case's pseudonym and status, never a person's name.
Anyone who may not know the cell gets 404 for it and its groups, as for an unknown id.
"""

from __future__ import annotations

import uuid
from dataclasses import replace
from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncSession

from app.db.models import Cell
from app.db.queries import cells as queries
from app.db.queries import orgs
from app.db.queries.cells import GroupExchangeRow, WorkingGroupRow
from app.errors import Forbidden, NotFound, ValidationFailed
from app.policies.membership import MembershipAction, Seated, may_see_agenda
from app.policies.sharing import ExchangeFacts, exchange_shut
from app.services.authz import denied, event_for
from app.services.cells import get_cell, require_membership
from app.services.context import RequestContext
from app.services.hub import Hub


def _named(group: WorkingGroupRow) -> str:
    # The entry names the group in ``fields`` (its object is the member).
    return f"working_group/{group.id}"


async def _group(
    session: AsyncSession,
    ctx: RequestContext,
    hub: Hub,
    cell_id: uuid.UUID,
    group_id: uuid.UUID,
    action: str,
) -> tuple[Cell, WorkingGroupRow]:
    cell = await get_cell(session, ctx, hub, cell_id)
    group = await queries.working_group(session, cell.id, group_id)
    if group is None:
        event = event_for(ctx, action, cell_id=cell.id, object_id=group_id)
        raise NotFound(audit=(denied(event, "not_found"),))
    return cell, group


async def add_member(
    session: AsyncSession,
    ctx: RequestContext,
    hub: Hub,
    cell_id: uuid.UUID,
    group_id: uuid.UUID,
    member_id: uuid.UUID,
) -> list[tuple[uuid.UUID, datetime]]:
    """Add a person seated in the cell to one of its working groups (chair or hub admin)."""
    action = MembershipAction.ADD_TO_WORKING_GROUP.value
    cell, group = await _group(session, ctx, hub, cell_id, group_id, action)
    event = event_for(ctx, action, cell_id=cell.id, object_id=member_id)
    require_membership(ctx, hub, cell, MembershipAction.ADD_TO_WORKING_GROUP, event)
    found = await orgs.cell_member(session, cell.id, member_id)
    if found is None:
        raise ValidationFailed("no such member")
    member, seated = found
    event = replace(event, owners=(str(member.agency_id),), fields=(_named(group),))
    target = Seated(member_seated=seated)
    require_membership(ctx, hub, cell, MembershipAction.ADD_TO_WORKING_GROUP, event, target)
    if await queries.add_working_group_member(session, group.id, member.id, ctx.now):
        await hub.record(session, ctx, event)
    return await queries.working_group_members_of(session, group.id)


async def remove_member(
    session: AsyncSession,
    ctx: RequestContext,
    hub: Hub,
    cell_id: uuid.UUID,
    group_id: uuid.UUID,
    member_id: uuid.UUID,
) -> None:
    """Take a person out of a working group (chair or hub admin); 404 if not in it."""
    action = MembershipAction.REMOVE_FROM_WORKING_GROUP.value
    cell, group = await _group(session, ctx, hub, cell_id, group_id, action)
    event = event_for(ctx, action, cell_id=cell.id, object_id=member_id, fields=[_named(group)])
    require_membership(ctx, hub, cell, MembershipAction.REMOVE_FROM_WORKING_GROUP, event)
    if not await queries.remove_working_group_member(session, group.id, member_id):
        raise NotFound(audit=(denied(event, "not_found"),))
    member = await orgs.member_row(session, member_id)
    owners = () if member is None else (str(member.agency_id),)
    await hub.record(session, ctx, replace(event, owners=owners))


async def members(
    session: AsyncSession, ctx: RequestContext, hub: Hub, cell_id: uuid.UUID, group_id: uuid.UUID
) -> list[tuple[uuid.UUID, datetime]]:
    """The members of a working group (whoever may know the cell, like its seats)."""
    _, group = await _group(session, ctx, hub, cell_id, group_id, "working_group:members")
    return await queries.working_group_members_of(session, group.id)


async def agenda(
    session: AsyncSession, ctx: RequestContext, hub: Hub, cell_id: uuid.UUID, group_id: uuid.UUID
) -> list[tuple[GroupExchangeRow, bool]]:
    """The group's exchanges (headers only, each with whether it is open now) for its members
    and the cell's chair; logged."""
    action = "working_group:agenda"
    cell, group = await _group(session, ctx, hub, cell_id, group_id, action)
    event = event_for(ctx, action, cell_id=cell.id, object_id=group.id)
    who = ctx.principal
    allowed, reason = may_see_agenda(
        status=who.status.value,
        chairs_cell=cell.chair_member_id == who.member_id,
        in_group=await queries.in_working_group(session, group.id, who.member_id),
    )
    if not allowed:
        text = "only the working group's members and the cell's chair see its agenda"
        raise Forbidden(text, extra={"reason": reason.value}, audit=(denied(event, reason),))
    rows = await queries.working_group_exchanges(session, group.id)
    owners = sorted({str(r.subject_owner_id) for r in rows})
    await hub.record(session, ctx, replace(event, reason=reason.value, owners=tuple(owners)))
    return [(r, _open(r, ctx.now)) for r in rows]


def _open(row: GroupExchangeRow, now: datetime) -> bool:
    # Rule 10's window, as for the exchange itself (the cell's kind plays no part in it).
    facts = ExchangeFacts(str(row.id), "", row.opens_at, row.expires_at, row.closed_at)
    return exchange_shut(facts, now) is None
