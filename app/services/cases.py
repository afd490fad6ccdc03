"""Cases: a subject followed within a cell, known to the agencies that sit in that cell."""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from dataclasses import dataclass, replace
from typing import NoReturn

from sqlalchemy.ext.asyncio import AsyncSession

from app.audit.log import AuditEvent
from app.db.queries import cases as queries
from app.db.queries import cells
from app.db.queries.cases import CaseRow, StepRow
from app.db.queries.pagination import Page, paginate_rows
from app.db.queries.tables import cases as case_table
from app.errors import Conflict, Forbidden, NotFound, ValidationFailed
from app.policies import Permission, Resource, ResourceKind, casework
from app.policies.casework import AxisOutcome, InterventionAxis
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
    refusal = casework.opening(status)
    if refusal is not None:
        raise ValidationFailed(
            "a case opens as signalled or under discussion",
            extra={"field": "status", "reason": str(refusal.reason)},
        )
    case = await queries.add_case(
        session,
        subject,
        cell_id=cell_id,
        working_group_id=working_group_id,
        status=status.value,
        created_by=ctx.principal.member_id,
        now=ctx.now,
    )
    await queries.add_step(session, case.id, _step(ctx, None, status))
    await hub.record(session, ctx, case_event(ctx, "case:create", case))
    return case


def _step(ctx: RequestContext, from_status: CaseStatus | None, to: CaseStatus) -> StepRow:
    return StepRow(
        None if from_status is None else from_status.value,
        to.value,
        ctx.principal.member_id,
        ctx.principal.agency_id,
        ctx.now,
    )


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
    session: AsyncSession,
    ctx: RequestContext,
    hub: Hub,
    case_id: uuid.UUID,
    *,
    status: CaseStatus,
    outcomes: Mapping[InterventionAxis, AxisOutcome] | None = None,
) -> CaseRow:
    """Move a case one step of its workflow (closing records an outcome per axis)."""
    case = await load_case(session, ctx, hub, case_id, Permission.CASE_READ, "case:update")
    found = await cells.cell_facts(session, case.cell_id, ctx.principal.member_id)
    cell = None if found is None else found[0]
    chair = None if cell is None or cell.chair_member_id is None else str(cell.chair_member_id)
    facts = casework.CaseFacts(str(case.subject_owner_id), chair, CaseStatus(case.status))
    verdict = casework.transition(ctx.principal.actor(), facts, status, outcomes)
    event = case_event(ctx, "case:update", case)
    if not verdict.allowed:
        _refuse(event, verdict.reason)
    moved = await queries.move(
        session, case.id, case.status, _step(ctx, CaseStatus(case.status), status)
    )
    if not moved:
        raise Conflict(
            "the case was moved by someone else meanwhile; read it again",
            extra={"reason": "status_changed"},
        )
    if status is CaseStatus.CLOSED and outcomes is not None:
        chosen = {a.value: o.value for a, o in outcomes.items()}
        await queries.add_outcomes(session, case.id, chosen, ctx.principal.member_id, ctx.now)
    await hub.record(
        session,
        ctx,
        replace(event, reason=str(verdict.reason), fields=_changed(status)),
    )
    return replace(case, status=status.value, updated_at=ctx.now)


def _changed(status: CaseStatus) -> tuple[str, ...]:
    return ("outcomes", "status") if status is CaseStatus.CLOSED else ("status",)


def _refuse(event: AuditEvent, reason: casework.CaseReason) -> NoReturn:
    audit = (denied(event, str(reason)),)
    extra = {"reason": str(reason)}
    if reason in _CONFLICTS:
        raise Conflict(_MESSAGES[reason], extra=extra, audit=audit)
    if reason in _INVALID:
        raise ValidationFailed(_MESSAGES[reason], extra=extra, audit=audit)
    raise Forbidden(_MESSAGES[reason], extra=extra, audit=audit)


_CONFLICTS = frozenset(
    {casework.CaseReason.STATUS_UNCHANGED, casework.CaseReason.TRANSITION_NOT_ALLOWED}
)
_INVALID = frozenset(
    {casework.CaseReason.OUTCOMES_REQUIRED, casework.CaseReason.OUTCOMES_ONLY_WHEN_CLOSING}
)
_MESSAGES = {
    casework.CaseReason.MEMBER_SUSPENDED: "a suspended member cannot move a case",
    casework.CaseReason.NOT_CASE_WORKER_OR_CHAIR: (
        "only a case worker of the agency whose subject it is, or the cell's chair, moves a case"
    ),
    casework.CaseReason.STATUS_UNCHANGED: "the case already has this status",
    casework.CaseReason.TRANSITION_NOT_ALLOWED: "the workflow does not go from this status to that",
    casework.CaseReason.OUTCOMES_REQUIRED: "closing records an outcome on each intervention axis",
    casework.CaseReason.OUTCOMES_ONLY_WHEN_CLOSING: "outcomes are recorded only when closing",
}


@dataclass(frozen=True)
class CaseHistory:
    """A case's steps and, once closed, its outcome per axis."""

    case: CaseRow
    steps: list[StepRow]
    outcomes: dict[str, str]


async def case_history(
    session: AsyncSession, ctx: RequestContext, hub: Hub, case_id: uuid.UUID
) -> CaseHistory:
    """Who moved the case, from which status to which and when; logged."""
    case = await load_case(session, ctx, hub, case_id, Permission.CASE_READ, "case:history")
    steps, outcomes = await queries.history(session, case.id)
    await hub.record(session, ctx, case_event(ctx, "case:history", case))
    return CaseHistory(case, steps, outcomes)


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
