"""Cases: a subject followed within a cell, known to the agencies that sit in that cell."""

from __future__ import annotations

import uuid

from sqlalchemy.ext.asyncio import AsyncSession

from app.audit.log import AuditEvent
from app.db.queries import cases as queries
from app.db.queries import cells
from app.db.queries.cases import CaseRow
from app.db.queries.pagination import Page, paginate_rows
from app.db.queries.tables import cases as case_table
from app.errors import NotFound, ValidationFailed
from app.policies import Permission, Resource, ResourceKind
from app.policies.vocabulary import CaseStatus
from app.services.authz import denied, event_for, missing
from app.services.concerns import concerning
from app.services.context import RequestContext
from app.services.hub import Hub


def _case_resource(agency_ids: frozenset[str]) -> Resource:
    return Resource(ResourceKind.CASE, cell_agency_ids=agency_ids)


async def open_case(
    session: AsyncSession,
    ctx: RequestContext,
    hub: Hub,
    *,
    cell_id: uuid.UUID,
    subject_id: uuid.UUID,
    working_group_id: uuid.UUID | None,
    status: CaseStatus,
) -> CaseRow:
    """Open a case for one of the agency's subjects in a cell the agency sits in."""
    # The subject is read first so that a refusal names the agency whose subject it is.
    subject = await queries.subject(session, subject_id)
    event = event_for(ctx, "case:create", cell_id=cell_id, subject_id=subject_id)
    if subject is None:
        event = await concerning(session, event)
    else:
        event = event_for(
            ctx,
            "case:create",
            cell_id=cell_id,
            subject_id=subject_id,
            owners=[subject.owner_agency_id],
        )
    seated = frozenset(str(a) for a in await cells.agency_ids(session, cell_id))
    hub.authz.require(ctx, Permission.CASE_WRITE, _case_resource(seated), event=event)
    if subject is None:
        raise NotFound(audit=(denied(event, "not_found"),))
    owned = Resource(ResourceKind.SUBJECT, owner_agency_id=str(subject.owner_agency_id))
    hub.authz.require(ctx, Permission.SUBJECT_READ, owned, event=event)
    if working_group_id is not None:
        if await cells.working_group_cell(session, working_group_id) != cell_id:
            raise ValidationFailed("the working group is not one of this cell's")
    case = await queries.add_case(
        session,
        subject,
        cell_id=cell_id,
        working_group_id=working_group_id,
        status=status.value,
        created_by=ctx.principal.member_id,
        now=ctx.now,
    )
    await hub.record(session, ctx, case_event(ctx, "case:create", case))
    return case


async def load_case(
    session: AsyncSession,
    ctx: RequestContext,
    hub: Hub,
    case_id: uuid.UUID,
    action: Permission,
    log_action: str,
) -> CaseRow:
    """A case the caller's agency may know; anything else is 404 (and logged)."""
    found = await queries.case(session, case_id, ctx.principal.agency_id)
    if found is None:
        raise missing(event_for(ctx, log_action, case_id=case_id))
    case, seated = found
    # The rule asks whether the caller's agency sits in the case's cell: that is what was read.
    agencies = frozenset({str(ctx.principal.agency_id)} if seated else ())
    event = case_event(ctx, log_action, case)
    hub.authz.require(ctx, action, _case_resource(agencies), event=event)
    return case


def case_event(ctx: RequestContext, action: str, case: CaseRow) -> AuditEvent:
    """An access-log event naming the case, its cell and its subject (whose agency it concerns)."""
    return event_for(
        ctx,
        action,
        case_id=case.id,
        cell_id=case.cell_id,
        subject_id=case.subject_id,
        owners=[case.subject_owner_id],
    )


async def read_case(
    session: AsyncSession, ctx: RequestContext, hub: Hub, case_id: uuid.UUID
) -> CaseRow:
    """One case's metadata (pseudonym, status), logged."""
    case = await load_case(session, ctx, hub, case_id, Permission.CASE_READ, "case:read")
    await hub.record(session, ctx, case_event(ctx, "case:read", case))
    return case


async def update_case(
    session: AsyncSession, ctx: RequestContext, hub: Hub, case_id: uuid.UUID, *, status: CaseStatus
) -> CaseRow:
    """Move a case to another status."""
    case = await load_case(session, ctx, hub, case_id, Permission.CASE_WRITE, "case:update")
    await queries.set_status(session, case.id, status.value, ctx.now)
    await hub.record(session, ctx, case_event(ctx, "case:update", case))
    return CaseRow(
        case.id,
        case.cell_id,
        case.subject_id,
        case.working_group_id,
        status.value,
        case.created_at,
        ctx.now,
        case.subject_owner_id,
        case.subject_pseudonym,
        case.subject_is_minor,
    )


async def list_cases(
    session: AsyncSession,
    ctx: RequestContext,
    hub: Hub,
    *,
    cell_id: uuid.UUID | None,
    limit: int,
    cursor: str | None,
) -> Page[CaseRow]:
    """Cases in the cells the caller's agency sits in (optionally one cell), logged."""
    probe = Resource(ResourceKind.CASE, cell_agency_ids=frozenset({str(ctx.principal.agency_id)}))
    hub.authz.require(
        ctx, Permission.CASE_READ, probe, event=event_for(ctx, "case:list"), hide=False
    )
    page = await paginate_rows(
        session,
        queries.cases_of_agency(ctx.principal.agency_id, cell_id),
        queries.case_row,
        created_at=case_table.c.created_at,
        row_id=case_table.c.id,
        limit=limit,
        cursor=cursor,
    )
    await hub.record(session, ctx, event_for(ctx, "case:list", cell_id=cell_id))
    return page
