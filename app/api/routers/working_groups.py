"""/api/v1/cells/{cell_id}/working-groups/{group_id}: a working group's members and agenda."""

from __future__ import annotations

import uuid
from datetime import datetime

from fastapi import APIRouter, Response, status

from app.api.deps import ContextDep, HubDep, SessionDep
from app.api.schemas.cells import (
    WorkingGroupExchangeOut,
    WorkingGroupMemberIn,
    WorkingGroupMemberOut,
)
from app.services import working_groups

router = APIRouter(tags=["cells"])

_GROUP = "/cells/{cell_id}/working-groups/{group_id}"


def _members(rows: list[tuple[uuid.UUID, datetime]]) -> list[WorkingGroupMemberOut]:
    return [WorkingGroupMemberOut(member_id=m, added_at=at) for m, at in rows]


@router.get(f"{_GROUP}/members")
async def list_members(
    cell_id: uuid.UUID, group_id: uuid.UUID, session: SessionDep, ctx: ContextDep, hub: HubDep
) -> list[WorkingGroupMemberOut]:
    """The working group's members (whoever may know the cell)."""
    return _members(await working_groups.members(session, ctx, hub, cell_id, group_id))


@router.post(f"{_GROUP}/members", status_code=status.HTTP_201_CREATED)
async def add_member(
    cell_id: uuid.UUID,
    group_id: uuid.UUID,
    body: WorkingGroupMemberIn,
    session: SessionDep,
    ctx: ContextDep,
    hub: HubDep,
) -> list[WorkingGroupMemberOut]:
    """Add a person seated in the cell to the working group (the chair or the hub admin; 409
    `member_not_seated` for someone not seated). Returns the group's members."""
    rows = await working_groups.add_member(session, ctx, hub, cell_id, group_id, body.member_id)
    return _members(rows)


@router.delete(f"{_GROUP}/members/{{member_id}}", status_code=status.HTTP_204_NO_CONTENT)
async def remove_member(
    cell_id: uuid.UUID,
    group_id: uuid.UUID,
    member_id: uuid.UUID,
    session: SessionDep,
    ctx: ContextDep,
    hub: HubDep,
) -> Response:
    """Take a person out of the working group (the chair or the hub admin)."""
    await working_groups.remove_member(session, ctx, hub, cell_id, group_id, member_id)
    return Response(status_code=status.HTTP_204_NO_CONTENT)


@router.get(f"{_GROUP}/exchanges")
async def agenda(
    cell_id: uuid.UUID, group_id: uuid.UUID, session: SessionDep, ctx: ContextDep, hub: HubDep
) -> list[WorkingGroupExchangeOut]:
    """The group's agenda: its exchanges' headers (case pseudonym and status, purpose, dates;
    never a person's name), for its members and the cell's chair (403 `not_in_working_group`
    for others in the cell)."""
    rows = await working_groups.agenda(session, ctx, hub, cell_id, group_id)
    return [
        WorkingGroupExchangeOut(
            id=r.id,
            case_id=r.case_id,
            case_status=r.case_status,
            subject_pseudonym=r.subject_pseudonym,
            purpose=r.purpose,
            opens_at=r.opens_at,
            expires_at=r.expires_at,
            closed_at=r.closed_at,
            open=is_open,
            created_at=r.created_at,
        )
        for r, is_open in rows
    ]
