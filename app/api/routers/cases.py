"""/api/v1/subjects and /api/v1/cases."""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, Query, status

from app.api.deps import ContextDep, HubDep, SessionDep
from app.api.routers.converters import case_out, subject_identifiers_out, subject_out
from app.api.schemas.cases import (
    CaseHistoryOut,
    CaseIn,
    CaseOut,
    CasePatch,
    CaseStepOut,
    CategoryIn,
    CategoryOut,
    RegisterOut,
    SubjectIdentifiersOut,
    SubjectIn,
    SubjectOut,
)
from app.api.schemas.common import Cursor, Limit, Page
from app.policies.cartography import OcadCategory
from app.policies.casework import AxisOutcome, InterventionAxis
from app.policies.vocabulary import CaseStatus
from app.services import cartography, cases, subjects

router = APIRouter(tags=["cases"])


@router.post("/subjects", status_code=status.HTTP_201_CREATED)
async def create_subject(
    body: SubjectIn, session: SessionDep, ctx: ContextDep, hub: HubDep
) -> SubjectOut:
    """Register a person under a pseudonym; identifiers are sealed under your agency's key."""
    subject = await subjects.create_subject(
        session,
        ctx,
        hub,
        name=body.name,
        date_of_birth=body.date_of_birth,
        national_register_number=body.national_register_number,
    )
    return subject_out(subject, ctx.now.date())


@router.get("/subjects/{subject_id}")
async def read_subject(
    subject_id: uuid.UUID, session: SessionDep, ctx: ContextDep, hub: HubDep
) -> SubjectIdentifiersOut:
    """A subject with identifiers (owning agency only; 404 for anyone else)."""
    view = await subjects.read_subject(session, ctx, hub, subject_id)
    return subject_identifiers_out(view, ctx.now.date())


@router.post("/cases", status_code=status.HTTP_201_CREATED)
async def open_case(body: CaseIn, session: SessionDep, ctx: ContextDep, hub: HubDep) -> CaseOut:
    """Open a case for one of your agency's subjects in a cell your agency sits in."""
    case = await cases.open_case(
        session,
        ctx,
        hub,
        cell_id=body.cell_id,
        subject_id=body.subject_id,
        working_group_id=body.working_group_id,
        status=body.status,
    )
    return case_out(case, ctx.now.date())


@router.get("/cases")
async def list_cases(
    session: SessionDep,
    ctx: ContextDep,
    hub: HubDep,
    cell_id: Annotated[uuid.UUID | None, Query()] = None,
    limit: Limit = 50,
    cursor: Cursor = None,
) -> Page[CaseOut]:
    """Cases in the cells your agency sits in."""
    page = await cases.list_cases(session, ctx, hub, cell_id=cell_id, limit=limit, cursor=cursor)
    today = ctx.now.date()
    return Page(items=[case_out(c, today) for c in page.items], next_cursor=page.next_cursor)


@router.get("/cases/{case_id}")
async def read_case(
    case_id: uuid.UUID, session: SessionDep, ctx: ContextDep, hub: HubDep
) -> CaseOut:
    """One case."""
    return case_out(await cases.read_case(session, ctx, hub, case_id), ctx.now.date())


@router.patch("/cases/{case_id}")
async def update_case(
    case_id: uuid.UUID, body: CasePatch, session: SessionDep, ctx: ContextDep, hub: HubDep
) -> CaseOut:
    """Move a case one step: signalled, under discussion, follow-up, closed.

    The case worker of the agency whose subject it is, or the cell's chair, moves it; closing
    names an outcome for each intervention axis. A refusal is 403, 409 or 422 with a `reason`.
    """
    case = await cases.update_case(
        session, ctx, hub, case_id, status=body.status, outcomes=body.outcomes
    )
    return case_out(case, ctx.now.date())


@router.get("/cases/{case_id}/history")
async def case_history(
    case_id: uuid.UUID, session: SessionDep, ctx: ContextDep, hub: HubDep
) -> CaseHistoryOut:
    """Each step of the case's workflow (who, when) and, once closed, its outcomes."""
    found = await cases.case_history(session, ctx, hub, case_id)
    return CaseHistoryOut(
        case_id=found.case.id,
        status=CaseStatus(found.case.status),
        steps=[
            CaseStepOut(
                from_status=None if s.from_status is None else CaseStatus(s.from_status),
                to_status=CaseStatus(s.to_status),
                member_id=s.actor_member_id,
                agency_id=s.actor_agency_id,
                at=s.at,
            )
            for s in found.steps
        ],
        outcomes={InterventionAxis(a): AxisOutcome(o) for a, o in found.outcomes.items()},
    )


@router.put("/subjects/{subject_id}/ocad-category")
async def set_category(
    subject_id: uuid.UUID, body: CategoryIn, session: SessionDep, ctx: ContextDep, hub: HubDep
) -> CategoryOut:
    """Record a subject's OCAD category (the information officer of a cell it has a case in)."""
    row = await cartography.set_category(session, ctx, hub, subject_id, body.category)
    return CategoryOut(
        subject_id=row.subject_id, pseudonym=row.pseudonym, category=row.category, set_at=row.set_at
    )


@router.get("/cells/{cell_id}/cartography")
async def read_register(
    cell_id: uuid.UUID, session: SessionDep, ctx: ContextDep, hub: HubDep
) -> RegisterOut:
    """The cell's persons by OCAD category: members of the cell or its LTF cleared 'secret'."""
    rows = await cartography.read_register(session, ctx, hub, cell_id)
    return RegisterOut(
        cell_id=cell_id,
        items=[
            CategoryOut(
                subject_id=r.subject_id,
                pseudonym=r.pseudonym,
                category=OcadCategory(r.category),
                set_at=r.set_at,
            )
            for r in rows
        ],
    )
