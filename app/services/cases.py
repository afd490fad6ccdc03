"""Cases: a subject followed within a cell, known to the agencies that sit in that cell."""

from __future__ import annotations

import uuid

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from app.audit.log import AuditEvent
from app.db.models import Case, CellAgency, Subject, WorkingGroup
from app.errors import ValidationFailed
from app.policies import Permission, Resource, ResourceKind
from app.policies.vocabulary import CaseStatus
from app.services.authz import event_for, missing
from app.services.cells import cell_agency_ids
from app.services.context import RequestContext
from app.services.hub import Hub
from app.services.pagination import Page, paginate


async def _case_resource(session: AsyncSession, cell_id: uuid.UUID) -> Resource:
    agencies = await cell_agency_ids(session, cell_id)
    return Resource(ResourceKind.CASE, cell_agency_ids=frozenset(str(a) for a in agencies))


async def open_case(
    session: AsyncSession,
    ctx: RequestContext,
    hub: Hub,
    *,
    cell_id: uuid.UUID,
    subject_id: uuid.UUID,
    working_group_id: uuid.UUID | None,
    status: CaseStatus,
) -> Case:
    """Open a case for one of the agency's subjects in a cell the agency sits in."""
    event = event_for(ctx, "case:create", cell_id=cell_id, subject_id=subject_id)
    hub.authz.require(
        ctx, Permission.CASE_WRITE, await _case_resource(session, cell_id), event=event
    )
    subject = await session.get(Subject, subject_id)
    if subject is None:
        raise missing(event)
    owned = Resource(ResourceKind.SUBJECT, owner_agency_id=str(subject.owner_agency_id))
    hub.authz.require(ctx, Permission.SUBJECT_READ, owned, event=event)
    if working_group_id is not None:
        group = await session.get(WorkingGroup, working_group_id)
        if group is None or group.cell_id != cell_id:
            raise ValidationFailed("the working group is not one of this cell's")
    case = Case(
        id=uuid.uuid4(),
        cell_id=cell_id,
        subject_id=subject_id,
        working_group_id=working_group_id,
        status=status.value,
        created_by=ctx.principal.member_id,
    )
    session.add(case)
    await hub.record(
        session,
        ctx,
        event_for(ctx, "case:create", cell_id=cell_id, case_id=case.id, subject_id=subject_id),
    )
    return case


async def load_case(
    session: AsyncSession,
    ctx: RequestContext,
    hub: Hub,
    case_id: uuid.UUID,
    action: Permission,
    log_action: str,
) -> Case:
    """A case the caller's agency may know; anything else is 404 (and logged)."""
    case = await session.get(Case, case_id)
    event = event_for(ctx, log_action, case_id=case_id)
    if case is None:
        raise missing(event)
    event = case_event(ctx, log_action, case)
    hub.authz.require(ctx, action, await _case_resource(session, case.cell_id), event=event)
    return case


def case_event(ctx: RequestContext, action: str, case: Case) -> AuditEvent:
    """An access-log event naming the case, its cell and its subject."""
    return event_for(ctx, action, case_id=case.id, cell_id=case.cell_id, subject_id=case.subject_id)


async def read_case(
    session: AsyncSession, ctx: RequestContext, hub: Hub, case_id: uuid.UUID
) -> Case:
    """One case's metadata (pseudonym, status), logged."""
    case = await load_case(session, ctx, hub, case_id, Permission.CASE_READ, "case:read")
    await hub.record(session, ctx, case_event(ctx, "case:read", case))
    return case


async def update_case(
    session: AsyncSession, ctx: RequestContext, hub: Hub, case_id: uuid.UUID, *, status: CaseStatus
) -> Case:
    """Move a case to another status."""
    case = await load_case(session, ctx, hub, case_id, Permission.CASE_WRITE, "case:update")
    case.status = status.value
    case.updated_at = ctx.now
    await hub.record(session, ctx, case_event(ctx, "case:update", case))
    return case


async def list_cases(
    session: AsyncSession,
    ctx: RequestContext,
    hub: Hub,
    *,
    cell_id: uuid.UUID | None,
    limit: int,
    cursor: str | None,
) -> Page[Case]:
    """Cases in the cells the caller's agency sits in (optionally one cell), logged."""
    agency_cells = select(CellAgency.cell_id).where(CellAgency.agency_id == ctx.principal.agency_id)
    probe = Resource(ResourceKind.CASE, cell_agency_ids=frozenset({str(ctx.principal.agency_id)}))
    hub.authz.require(
        ctx, Permission.CASE_READ, probe, event=event_for(ctx, "case:list"), hide=False
    )
    stmt = select(Case).where(Case.cell_id.in_(agency_cells))
    if cell_id is not None:
        stmt = stmt.where(Case.cell_id == cell_id)
    page = await paginate(
        session, stmt, created_at=Case.created_at, row_id=Case.id, limit=limit, cursor=cursor
    )
    await hub.record(session, ctx, event_for(ctx, "case:list", cell_id=cell_id))
    return page


async def subject_pseudonyms(session: AsyncSession, ids: list[uuid.UUID]) -> dict[uuid.UUID, str]:
    """Pseudonyms for a set of subjects, in one query."""
    if not ids:
        return {}
    rows = await session.execute(select(Subject.id, Subject.pseudonym).where(Subject.id.in_(ids)))
    return {row[0]: row[1] for row in rows}
