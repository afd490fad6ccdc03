"""Exchanges: convened by a cell's chair (or delegate) for one case; participants are invited.

Only the chair, delegates and current participants know an exchange exists; anyone else gets 404.
Reaching an exchange is one statement (``app.db.queries.exchanges.reach``): the exchange, its
cell, case and subject, and the caller's standing in it.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, replace
from datetime import datetime, timedelta

from sqlalchemy.ext.asyncio import AsyncSession

from app.audit.log import AuditEvent
from app.db.queries import cells, orgs
from app.db.queries import exchanges as queries
from app.db.queries.cases import CaseRow
from app.db.queries.cells import CellFacts
from app.db.queries.exchanges import ExchangeRow, ParticipantRow
from app.db.queries.orgs import MemberRow
from app.errors import Conflict, Forbidden, NotFound, ValidationFailed
from app.policies import Permission
from app.policies.sharing import ExchangeFacts, exchange_shut
from app.policies.vocabulary import MemberStatus, Role
from app.services.authz import denied, event_for, with_owners
from app.services.cases import load_case
from app.services.concerns import missing_in
from app.services.context import RequestContext
from app.services.hub import Hub

MAX_DURATION = timedelta(days=366)


@dataclass(frozen=True)
class ExchangeAccess:
    """An exchange as one caller reaches it: as chair (or delegate), as participant, or both."""

    exchange: ExchangeRow
    cell: CellFacts
    case: CaseRow
    is_chair: bool
    participant: ParticipantRow | None


def exchange_event(
    ctx: RequestContext, action: str, exchange: ExchangeRow, case: CaseRow | None = None
) -> AuditEvent:
    """An access-log event naming the exchange, its purpose, cell, case and subject (and
    concerning the subject's agency)."""
    event = event_for(
        ctx,
        action,
        cell_id=exchange.cell_id,
        case_id=exchange.case_id,
        subject_id=None if case is None else case.subject_id,
        owners=() if case is None else [case.subject_owner_id],
    )
    return replace(event, exchange_id=str(exchange.id), purpose=exchange.purpose)


def _chairs(ctx: RequestContext, cell: CellFacts, seated: bool) -> bool:
    """True for the cell's chair, and for a chair delegate who sits in the cell."""
    if ctx.principal.status is not MemberStatus.ACTIVE:
        return False
    if cell.chair_member_id == ctx.principal.member_id:
        return True
    return Role.CHAIR_DELEGATE in ctx.principal.roles and seated


async def chairs_cell(session: AsyncSession, ctx: RequestContext, cell: CellFacts) -> bool:
    """True for the cell's chair, and for a chair delegate who sits in the cell."""
    if Role.CHAIR_DELEGATE not in ctx.principal.roles:
        return _chairs(ctx, cell, seated=False)
    seated = await cells.is_seated(session, cell.id, ctx.principal.member_id)
    return _chairs(ctx, cell, seated)


async def reach(
    session: AsyncSession, ctx: RequestContext, hub: Hub, exchange_id: uuid.UUID, action: str
) -> ExchangeAccess:
    """The exchange if the caller chairs it or takes part; 404 (logged) otherwise."""
    found = await queries.reach(session, exchange_id, ctx.principal.member_id)
    if found is None:
        raise await missing_in(session, event_for(ctx, action, object_id=exchange_id))
    exchange, case, participant = found.exchange, found.case, found.participant
    is_chair = _chairs(ctx, found.cell, found.seated)
    active = ctx.principal.status is MemberStatus.ACTIVE
    if not is_chair and (participant is None or not active):
        reason = "member_suspended" if participant is not None else "not_participant"
        raise NotFound(audit=(denied(exchange_event(ctx, action, exchange, case), reason),))
    return ExchangeAccess(exchange, found.cell, case, is_chair, participant)


def require_chair(access: ExchangeAccess, ctx: RequestContext, action: str) -> None:
    """Only the chair or a delegate may do this (the caller already knows the exchange)."""
    if not access.is_chair:
        event = denied(exchange_event(ctx, action, access.exchange, access.case), "not_chair")
        raise Forbidden("only the chair or a chair delegate may do this", audit=(event,))


def shut_reason(exchange: ExchangeRow, now: datetime) -> str | None:
    """Why nothing is readable through the exchange now (the engine's rule 10), or None."""
    # The rule reads the window only; the cell's kind plays no part in it.
    facts = ExchangeFacts(
        str(exchange.id), "", exchange.opens_at, exchange.expires_at, exchange.closed_at
    )
    reason = exchange_shut(facts, now)
    return None if reason is None else reason.value


def is_open(exchange: ExchangeRow, now: datetime) -> bool:
    """True while the exchange accepts reads and changes."""
    return shut_reason(exchange, now) is None


async def convene(
    session: AsyncSession,
    ctx: RequestContext,
    hub: Hub,
    *,
    case_id: uuid.UUID,
    working_group_id: uuid.UUID | None,
    purpose: str,
    legal_basis: str,
    opens_at: datetime | None,
    expires_at: datetime,
) -> ExchangeAccess:
    """Open an exchange on a case of a cell the caller chairs (or is a delegate of)."""
    case = await load_case(session, ctx, hub, case_id, Permission.CASE_READ, "exchange:create")
    cell = await cells.cell_facts(session, case.cell_id)
    assert cell is not None  # noqa: S101 - foreign key
    if not await chairs_cell(session, ctx, cell):
        raise Forbidden("only the cell's chair or a chair delegate convenes an exchange")
    opens = opens_at or ctx.now
    if not (opens < expires_at and ctx.now < expires_at and expires_at - opens <= MAX_DURATION):
        raise ValidationFailed("expires_at must be after opens_at and now, within a year")
    if working_group_id is not None:
        if await cells.working_group_cell(session, working_group_id) != cell.id:
            raise ValidationFailed("the working group is not one of this cell's")
    exchange = ExchangeRow(
        id=uuid.uuid4(),
        cell_id=cell.id,
        case_id=case.id,
        working_group_id=working_group_id,
        purpose=purpose,
        legal_basis=legal_basis,
        opens_at=opens,
        expires_at=expires_at,
        closed_at=None,
        created_at=ctx.now,
    )
    await queries.add_exchange(session, exchange, convened_by=ctx.principal.member_id)
    await hub.record(session, ctx, exchange_event(ctx, "exchange:create", exchange, case))
    return ExchangeAccess(exchange, cell, case, True, None)


async def read(
    session: AsyncSession, ctx: RequestContext, hub: Hub, exchange_id: uuid.UUID
) -> ExchangeAccess:
    """One exchange's header (chair and participants only), logged."""
    access = await reach(session, ctx, hub, exchange_id, "exchange:read")
    event = exchange_event(ctx, "exchange:read", access.exchange, access.case)
    await hub.record(session, ctx, event)
    return access


async def invite(
    session: AsyncSession,
    ctx: RequestContext,
    hub: Hub,
    exchange_id: uuid.UUID,
    member_id: uuid.UUID,
) -> ParticipantRow:
    """The chair invites a member of the cell (law of 30 July 2018, art. 3; rule 1)."""
    access = await reach(session, ctx, hub, exchange_id, "exchange:invite")
    require_chair(access, ctx, "exchange:invite")
    if not is_open(access.exchange, ctx.now):
        raise Conflict("the exchange is closed")
    agency = await orgs.cell_member_agency(session, access.cell.id, member_id)
    if agency is None:
        raise Conflict("only members of the cell can take part; invite them into the cell first")
    current = await queries.participation(session, access.exchange.id, member_id)
    if current is not None:
        return current
    row = await queries.add_participant(
        session, access.exchange.id, member_id, invited_by=ctx.principal.member_id, now=ctx.now
    )
    event = exchange_event(ctx, "exchange:invite", access.exchange, access.case)
    event = with_owners(replace(event, object_id=str(member_id)), agency)
    await hub.record(session, ctx, event)
    return row


async def remove(
    session: AsyncSession,
    ctx: RequestContext,
    hub: Hub,
    exchange_id: uuid.UUID,
    member_id: uuid.UUID,
) -> None:
    """The chair removes a participant; it takes effect on the very next read."""
    access = await reach(session, ctx, hub, exchange_id, "exchange:remove")
    require_chair(access, ctx, "exchange:remove")
    current = await queries.participation(session, access.exchange.id, member_id)
    if current is None:
        raise await missing_in(session, event_for(ctx, "exchange:remove", object_id=member_id))
    await queries.end_participation(session, current.id, ctx.now)
    agency = await orgs.member_row(session, member_id)
    event = exchange_event(ctx, "exchange:remove", access.exchange, access.case)
    event = replace(event, object_id=str(member_id))
    await hub.record(session, ctx, with_owners(event, agency.agency_id if agency else None))


async def close(
    session: AsyncSession, ctx: RequestContext, hub: Hub, exchange_id: uuid.UUID
) -> ExchangeAccess:
    """The chair closes the exchange; nothing is readable through it afterwards."""
    access = await reach(session, ctx, hub, exchange_id, "exchange:close")
    require_chair(access, ctx, "exchange:close")
    if access.exchange.closed_at is None:
        await queries.close(session, access.exchange.id, ctx.now)
        access = replace(access, exchange=replace(access.exchange, closed_at=ctx.now))
    await hub.record(
        session, ctx, exchange_event(ctx, "exchange:close", access.exchange, access.case)
    )
    return access


async def list_participants(
    session: AsyncSession, ctx: RequestContext, hub: Hub, exchange_id: uuid.UUID
) -> list[tuple[ParticipantRow, MemberRow]]:
    """Current participants (chair and participants); none once the exchange is shut."""
    access = await reach(session, ctx, hub, exchange_id, "exchange:participants")
    event = exchange_event(ctx, "exchange:participants", access.exchange, access.case)
    shut = shut_reason(access.exchange, ctx.now)
    if shut is not None:
        # Rule 10: after closing or expiry the exchange answers its header and status only.
        await hub.record(session, ctx, replace(event, reason=shut))
        return []
    await hub.record(session, ctx, event)
    return await queries.current_participants(session, access.exchange.id)


async def my_exchanges(
    session: AsyncSession, ctx: RequestContext, hub: Hub
) -> list[tuple[ExchangeRow, bool, bool]]:
    """Exchanges the caller chairs or takes part in, as (exchange, chairs, participates)."""
    await hub.record(session, ctx, event_for(ctx, "exchange:list"))
    if ctx.principal.status is not MemberStatus.ACTIVE:
        return []
    delegate = Role.CHAIR_DELEGATE in ctx.principal.roles
    return await queries.my_exchanges(session, ctx.principal.member_id, delegate=delegate)
