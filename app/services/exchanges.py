"""Exchanges: convened by a cell's chair (or delegate) for one case; participants are invited.

Only the chair, delegates and current participants know an exchange exists; anyone else gets 404.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, replace
from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from app.audit.log import AuditEvent
from app.db.models import (
    Case,
    Cell,
    CellMember,
    Exchange,
    ExchangeParticipant,
    Member,
    WorkingGroup,
)
from app.errors import Conflict, Forbidden, NotFound, ValidationFailed
from app.policies import Permission
from app.policies.sharing import ExchangeFacts, exchange_shut
from app.policies.vocabulary import MemberStatus, Role
from app.services.authz import denied, event_for, missing
from app.services.cases import load_case
from app.services.context import RequestContext
from app.services.hub import Hub

MAX_DURATION = timedelta(days=366)


@dataclass(frozen=True)
class ExchangeAccess:
    """An exchange as one caller reaches it: as chair (or delegate), as participant, or both."""

    exchange: Exchange
    cell: Cell
    case: Case
    is_chair: bool
    participant: ExchangeParticipant | None


def exchange_event(
    ctx: RequestContext, action: str, exchange: Exchange, case: Case | None = None
) -> AuditEvent:
    """An access-log event naming the exchange, its purpose, cell, case and subject."""
    event = event_for(
        ctx,
        action,
        cell_id=exchange.cell_id,
        case_id=exchange.case_id,
        subject_id=None if case is None else case.subject_id,
    )
    return replace(event, exchange_id=str(exchange.id), purpose=exchange.purpose)


async def chairs_cell(session: AsyncSession, ctx: RequestContext, cell: Cell) -> bool:
    """True for the cell's chair, and for a chair delegate who sits in the cell."""
    if ctx.principal.status is not MemberStatus.ACTIVE:
        return False
    if cell.chair_member_id == ctx.principal.member_id:
        return True
    if Role.CHAIR_DELEGATE not in ctx.principal.roles:
        return False
    seat = await session.get(CellMember, (cell.id, ctx.principal.member_id))
    return seat is not None


async def _participation(
    session: AsyncSession, exchange_id: uuid.UUID, member_id: uuid.UUID
) -> ExchangeParticipant | None:
    return await session.scalar(
        select(ExchangeParticipant)
        .where(
            ExchangeParticipant.exchange_id == exchange_id,
            ExchangeParticipant.member_id == member_id,
            ExchangeParticipant.removed_at.is_(None),
        )
        .order_by(ExchangeParticipant.invited_at.desc())
        .limit(1)
    )


async def reach(
    session: AsyncSession, ctx: RequestContext, hub: Hub, exchange_id: uuid.UUID, action: str
) -> ExchangeAccess:
    """The exchange if the caller chairs it or takes part; 404 (logged) otherwise."""
    found = (
        await session.execute(
            select(Exchange, Cell, Case)
            .join(Cell, Cell.id == Exchange.cell_id)
            .join(Case, Case.id == Exchange.case_id)
            .where(Exchange.id == exchange_id)
        )
    ).first()
    if found is None:
        raise missing(event_for(ctx, action, object_id=exchange_id))
    exchange, cell, case = found
    is_chair = await chairs_cell(session, ctx, cell)
    participant = await _participation(session, exchange.id, ctx.principal.member_id)
    active = ctx.principal.status is MemberStatus.ACTIVE
    if not is_chair and (participant is None or not active):
        reason = "member_suspended" if participant is not None else "not_participant"
        raise NotFound(audit=(denied(exchange_event(ctx, action, exchange, case), reason),))
    return ExchangeAccess(exchange, cell, case, is_chair, participant)


def require_chair(access: ExchangeAccess, ctx: RequestContext, action: str) -> None:
    """Only the chair or a delegate may do this (the caller already knows the exchange)."""
    if not access.is_chair:
        event = denied(exchange_event(ctx, action, access.exchange, access.case), "not_chair")
        raise Forbidden("only the chair or a chair delegate may do this", audit=(event,))


def shut_reason(exchange: Exchange, now: datetime) -> str | None:
    """Why nothing is readable through the exchange now (the engine's rule 10), or None."""
    # The rule reads the window only; the cell's kind plays no part in it.
    facts = ExchangeFacts(
        str(exchange.id), "", exchange.opens_at, exchange.expires_at, exchange.closed_at
    )
    reason = exchange_shut(facts, now)
    return None if reason is None else reason.value


def is_open(exchange: Exchange, now: datetime) -> bool:
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
    cell = await session.get(Cell, case.cell_id)
    assert cell is not None  # noqa: S101 - foreign key
    if not await chairs_cell(session, ctx, cell):
        raise Forbidden("only the cell's chair or a chair delegate convenes an exchange")
    opens = opens_at or ctx.now
    if not (opens < expires_at and ctx.now < expires_at and expires_at - opens <= MAX_DURATION):
        raise ValidationFailed("expires_at must be after opens_at and now, within a year")
    if working_group_id is not None:
        group = await session.get(WorkingGroup, working_group_id)
        if group is None or group.cell_id != cell.id:
            raise ValidationFailed("the working group is not one of this cell's")
    exchange = Exchange(
        id=uuid.uuid4(),
        cell_id=cell.id,
        case_id=case.id,
        working_group_id=working_group_id,
        purpose=purpose,
        legal_basis=legal_basis,
        convened_by=ctx.principal.member_id,
        opens_at=opens,
        expires_at=expires_at,
        created_at=ctx.now,
    )
    session.add(exchange)
    await session.flush()
    await hub.record(session, ctx, exchange_event(ctx, "exchange:create", exchange, case))
    return ExchangeAccess(exchange, cell, case, True, None)


async def invite(
    session: AsyncSession,
    ctx: RequestContext,
    hub: Hub,
    exchange_id: uuid.UUID,
    member_id: uuid.UUID,
) -> ExchangeParticipant:
    """The chair invites a member of the cell (law of 30 July 2018, art. 3; rule 1)."""
    access = await reach(session, ctx, hub, exchange_id, "exchange:invite")
    require_chair(access, ctx, "exchange:invite")
    if not is_open(access.exchange, ctx.now):
        raise Conflict("the exchange is closed")
    if await session.get(CellMember, (access.cell.id, member_id)) is None:
        raise Conflict("only members of the cell can take part; invite them into the cell first")
    current = await _participation(session, access.exchange.id, member_id)
    if current is not None:
        return current
    row = ExchangeParticipant(
        id=uuid.uuid4(),
        exchange_id=access.exchange.id,
        member_id=member_id,
        invited_by=ctx.principal.member_id,
        invited_at=ctx.now,
    )
    session.add(row)
    event = exchange_event(ctx, "exchange:invite", access.exchange, access.case)
    await hub.record(session, ctx, replace(event, object_id=str(member_id)))
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
    current = await _participation(session, access.exchange.id, member_id)
    if current is None:
        raise missing(event_for(ctx, "exchange:remove", object_id=member_id))
    current.removed_at = ctx.now
    event = exchange_event(ctx, "exchange:remove", access.exchange, access.case)
    await hub.record(session, ctx, replace(event, object_id=str(member_id)))


async def close(
    session: AsyncSession, ctx: RequestContext, hub: Hub, exchange_id: uuid.UUID
) -> ExchangeAccess:
    """The chair closes the exchange; nothing is readable through it afterwards."""
    access = await reach(session, ctx, hub, exchange_id, "exchange:close")
    require_chair(access, ctx, "exchange:close")
    if access.exchange.closed_at is None:
        access.exchange.closed_at = ctx.now
    await hub.record(
        session, ctx, exchange_event(ctx, "exchange:close", access.exchange, access.case)
    )
    return access


async def list_participants(
    session: AsyncSession, ctx: RequestContext, hub: Hub, exchange_id: uuid.UUID
) -> list[tuple[ExchangeParticipant, Member]]:
    """Current participants (chair and participants); none once the exchange is shut."""
    access = await reach(session, ctx, hub, exchange_id, "exchange:participants")
    event = exchange_event(ctx, "exchange:participants", access.exchange, access.case)
    shut = shut_reason(access.exchange, ctx.now)
    if shut is not None:
        # Rule 10: after closing or expiry the exchange answers its header and status only.
        await hub.record(session, ctx, replace(event, reason=shut))
        return []
    await hub.record(session, ctx, event)
    return await participants_of(session, access.exchange.id)


async def participants_of(
    session: AsyncSession, exchange_id: uuid.UUID
) -> list[tuple[ExchangeParticipant, Member]]:
    """Current participants with their member rows, in one query."""
    rows = await session.execute(
        select(ExchangeParticipant, Member)
        .join(Member, Member.id == ExchangeParticipant.member_id)
        .where(
            ExchangeParticipant.exchange_id == exchange_id,
            ExchangeParticipant.removed_at.is_(None),
        )
        .order_by(ExchangeParticipant.invited_at)
    )
    return [(p, m) for p, m in rows]


async def my_exchanges(
    session: AsyncSession, ctx: RequestContext
) -> list[tuple[Exchange, bool, bool]]:
    """Exchanges the caller chairs or takes part in, as (exchange, chairs, participates)."""
    if ctx.principal.status is not MemberStatus.ACTIVE:
        return []
    me = ctx.principal.member_id
    taking_part = set(
        (
            await session.scalars(
                select(ExchangeParticipant.exchange_id).where(
                    ExchangeParticipant.member_id == me, ExchangeParticipant.removed_at.is_(None)
                )
            )
        ).all()
    )
    chaired = set((await session.scalars(select(Cell.id).where(Cell.chair_member_id == me))).all())
    if Role.CHAIR_DELEGATE in ctx.principal.roles:
        seats = select(CellMember.cell_id).where(CellMember.member_id == me)
        chaired |= set((await session.scalars(seats)).all())
    stmt = select(Exchange).where(Exchange.id.in_(taking_part) | Exchange.cell_id.in_(chaired))
    rows = await session.scalars(stmt.order_by(Exchange.created_at, Exchange.id).limit(500))
    return [(x, x.cell_id in chaired, x.id in taking_part) for x in rows]
