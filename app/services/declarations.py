"""The cell's confidentiality declaration (art. 458ter §2) and its acceptance by guests.

The chair sets the declaration in Dutch and French; every version is kept and the latest is the
cell's current one. A guest (invited by the chair into one exchange, without a seat in the cell)
reads nothing of the exchange before accepting the current declaration: the exchange permission
``guests_accept_the_declaration`` answers their view and explanation with the problem
``confidentiality-declaration-required`` until then. Standing members need no acceptance.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, replace
from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncSession

from app.db.queries import cells as queries
from app.db.queries import exchanges as exchange_queries
from app.db.queries.cells import DeclarationRow
from app.errors import Conflict, NotFound
from app.policies.membership import MembershipAction
from app.services.authz import denied, event_for
from app.services.cells import get_cell, require_membership
from app.services.context import RequestContext
from app.services.exchanges import exchange_event, reach
from app.services.hub import Hub


async def set_declaration(
    session: AsyncSession,
    ctx: RequestContext,
    hub: Hub,
    cell_id: uuid.UUID,
    *,
    text_nl: str,
    text_fr: str,
) -> DeclarationRow:
    """A new version of the cell's declaration (the chair's alone); earlier ones are kept."""
    cell = await get_cell(session, ctx, hub, cell_id)
    event = event_for(ctx, MembershipAction.SET_DECLARATION.value, cell_id=cell.id)
    reason = require_membership(ctx, hub, cell, MembershipAction.SET_DECLARATION, event)
    row = await queries.add_declaration(
        session,
        cell.id,
        text_nl=text_nl,
        text_fr=text_fr,
        set_by=ctx.principal.member_id,
        now=ctx.now,
    )
    recorded = replace(event, object_id=str(row.id), reason=reason, fields=(f"v{row.version}",))
    await hub.record(session, ctx, recorded)
    return row


async def current(
    session: AsyncSession, ctx: RequestContext, hub: Hub, cell_id: uuid.UUID
) -> DeclarationRow:
    """The cell's current declaration (whoever may know the cell); 404 if it has none."""
    cell = await get_cell(session, ctx, hub, cell_id)
    row = await queries.current_declaration(session, cell.id)
    if row is None:
        raise NotFound("this cell has no confidentiality declaration yet")
    return row


async def versions(
    session: AsyncSession, ctx: RequestContext, hub: Hub, cell_id: uuid.UUID
) -> list[DeclarationRow]:
    """Every version of the cell's declaration, oldest first."""
    cell = await get_cell(session, ctx, hub, cell_id)
    return await queries.declarations_of(session, cell.id)


@dataclass(frozen=True)
class ExchangeDeclaration:
    """The declaration as a participant of an exchange sees it."""

    exchange_id: uuid.UUID
    declaration: DeclarationRow | None
    required: bool
    accepted_at: datetime | None
    accepted_version: int | None


async def _state(
    session: AsyncSession, exchange_id: uuid.UUID, member_id: uuid.UUID, cell_id: uuid.UUID
) -> tuple[DeclarationRow | None, tuple[uuid.UUID, datetime] | None]:
    declaration = await queries.current_declaration(session, cell_id)
    accepted = await exchange_queries.acceptance(session, exchange_id, member_id)
    return declaration, accepted


async def _version(session: AsyncSession, cell_id: uuid.UUID, declaration_id: uuid.UUID) -> int:
    for row in await queries.declarations_of(session, cell_id):
        if row.id == declaration_id:
            return row.version
    return 0  # pragma: no cover - a foreign key


async def for_exchange(
    session: AsyncSession, ctx: RequestContext, hub: Hub, exchange_id: uuid.UUID
) -> ExchangeDeclaration:
    """The cell's current declaration for a participant (or the chair) of the exchange, and
    whether the caller must accept it and did."""
    access = await reach(session, ctx, hub, exchange_id, "exchange:declaration")
    declaration, accepted = await _state(
        session, access.exchange.id, ctx.principal.member_id, access.cell.id
    )
    guest = access.participant is not None and access.participant.guest
    event = exchange_event(ctx, "exchange:declaration", access.exchange, access.case)
    await hub.record(session, ctx, event)
    return ExchangeDeclaration(
        access.exchange.id,
        declaration,
        guest,
        None if accepted is None else accepted[1],
        None if accepted is None else await _version(session, access.cell.id, accepted[0]),
    )


async def accept(
    session: AsyncSession, ctx: RequestContext, hub: Hub, exchange_id: uuid.UUID
) -> ExchangeDeclaration:
    """A guest accepts the cell's current declaration for this exchange (once; logged)."""
    action = "exchange:accept_declaration"
    access = await reach(session, ctx, hub, exchange_id, action)
    event = exchange_event(ctx, action, access.exchange, access.case)
    if access.participant is None or not access.participant.guest:
        reason = "not_a_guest"
        text = "only a guest of the exchange accepts the declaration; members of the cell need not"
        raise Conflict(text, extra={"reason": reason}, audit=(denied(event, reason),))
    declaration, accepted = await _state(
        session, access.exchange.id, ctx.principal.member_id, access.cell.id
    )
    if declaration is None:  # pragma: no cover - a guest is invited only under a declaration
        reason = "no_declaration"
        text = "the cell has no confidentiality declaration: the chair must set one first"
        raise Conflict(text, extra={"reason": reason}, audit=(denied(event, reason),))
    if accepted is None:
        await exchange_queries.accept_declaration(
            session, access.exchange.id, ctx.principal.member_id, declaration.id, ctx.now
        )
        named = f"v{declaration.version}"
        recorded = replace(event, object_id=str(declaration.id), fields=(named,))
        await hub.record(session, ctx, recorded)
        accepted = (declaration.id, ctx.now)
    version = await _version(session, access.cell.id, accepted[0])
    return ExchangeDeclaration(access.exchange.id, declaration, True, accepted[1], version)
