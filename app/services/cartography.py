"""Cartography: the information officer records a subject's OCAD category; cleared members of
the cell or of the municipality's LTF read the register of persons by category.

Visibility before permission: a subject the caller's agency cannot reach through a cell (or own)
is 404, as is a cell it may not know; a known one that the rule refuses is 403 with the rule's
reason. Everything is logged; the register read names every subject it shows.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, replace
from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncSession

from app.audit.log import AuditEvent
from app.db.queries import cartography as queries
from app.db.queries.cartography import RegisterRow
from app.errors import Forbidden, NotFound
from app.policies.cartography import (
    CartographyVerdict,
    OcadCategory,
    may_read_register,
    may_set_category,
)
from app.services import cells
from app.services.authz import denied, event_for
from app.services.concerns import missing_in
from app.services.context import RequestContext
from app.services.hub import Hub


@dataclass(frozen=True)
class CategoryRow:
    """A subject's recorded category."""

    subject_id: uuid.UUID
    pseudonym: str
    category: OcadCategory
    set_at: datetime


def _require(verdict: CartographyVerdict, event: AuditEvent, message: str) -> None:
    if not verdict.allowed:
        reason = str(verdict.reason)
        raise Forbidden(message, extra={"reason": reason}, audit=(denied(event, reason),))


async def set_category(
    session: AsyncSession,
    ctx: RequestContext,
    hub: Hub,
    subject_id: uuid.UUID,
    category: OcadCategory,
) -> CategoryRow:
    """Record a subject's OCAD category (the information officer of one of its case's cells)."""
    who = ctx.principal
    found = await queries.reach(session, subject_id, who.agency_id, who.member_id)
    event = event_for(ctx, "subject:set_category", subject_id=subject_id)
    if found is None or not (found.seated or found.owner_agency_id == who.agency_id):
        raise await missing_in(session, event)
    event = event_for(
        ctx,
        "subject:set_category",
        subject_id=subject_id,
        fields=("ocad_category",),
        owners=[found.owner_agency_id],
    )
    verdict = may_set_category(who.actor(), invited_to_case_cell=found.invited)
    _require(verdict, event, "only the information officer of the subject's cell sets this")
    await queries.set_category(session, subject_id, category.value, who.member_id, ctx.now)
    await hub.record(session, ctx, replace(event, reason=str(verdict.reason)))
    return CategoryRow(subject_id, found.pseudonym, category, ctx.now)


async def read_register(
    session: AsyncSession, ctx: RequestContext, hub: Hub, cell_id: uuid.UUID
) -> list[RegisterRow]:
    """The cell's subjects by OCAD category, for cleared members of the cell or its LTF."""
    try:
        cell = await cells.get_cell(session, ctx, hub, cell_id)
    except NotFound:
        raise NotFound(audit=(denied(event_for(ctx, "cartography:read"), "not_found"),)) from None
    access = await queries.register_access(
        session, cell.id, cell.municipality, ctx.principal.member_id
    )
    verdict = may_read_register(
        ctx.principal.actor(),
        invited_to_cell=access.invited_to_cell,
        invited_to_ltf=access.invited_to_ltf,
    )
    event = event_for(ctx, "cartography:read", cell_id=cell.id)
    _require(verdict, event, "the register is for members of the cell or its LTF cleared 'secret'")
    rows = await queries.register(session, cell.id)
    reason = str(verdict.reason)
    await hub.record(
        session,
        ctx,
        replace(event, reason=reason),
        *(
            event_for(
                ctx,
                "cartography:read",
                reason=reason,
                cell_id=cell.id,
                subject_id=row.subject_id,
                fields=("ocad_category",),
                owners=[row.owner_agency_id],
            )
            for row in rows
        ),
    )
    return rows
