"""/api/v1/subjects and /api/v1/cases."""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, Query, status

from app.api.deps import ContextDep, HubDep, SessionDep
from app.api.routers.converters import case_out, subject_identifiers_out, subject_out
from app.api.schemas.cases import (
    CaseIn,
    CaseOut,
    CasePatch,
    SubjectIdentifiersOut,
    SubjectIn,
    SubjectOut,
)
from app.api.schemas.common import Cursor, Limit, Page
from app.services import cases, subjects

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
    return subject_out(subject)


@router.get("/subjects/{subject_id}")
async def read_subject(
    subject_id: uuid.UUID, session: SessionDep, ctx: ContextDep, hub: HubDep
) -> SubjectIdentifiersOut:
    """A subject with identifiers (owning agency only; 404 for anyone else)."""
    return subject_identifiers_out(await subjects.read_subject(session, ctx, hub, subject_id))


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
    return case_out(case)


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
    return Page(items=[case_out(c) for c in page.items], next_cursor=page.next_cursor)


@router.get("/cases/{case_id}")
async def read_case(
    case_id: uuid.UUID, session: SessionDep, ctx: ContextDep, hub: HubDep
) -> CaseOut:
    """One case."""
    return case_out(await cases.read_case(session, ctx, hub, case_id))


@router.patch("/cases/{case_id}")
async def update_case(
    case_id: uuid.UUID, body: CasePatch, session: SessionDep, ctx: ContextDep, hub: HubDep
) -> CaseOut:
    """Change a case's status."""
    return case_out(await cases.update_case(session, ctx, hub, case_id, status=body.status))
