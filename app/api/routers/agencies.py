"""/api/v1/agencies and their members."""

from __future__ import annotations

import uuid

from fastapi import APIRouter, status

from app.api.deps import ContextDep, HubDep, SessionDep
from app.api.routers.converters import agency_out, member_out, proposal_out, proposal_ref
from app.api.schemas.common import Cursor, Limit, Page
from app.api.schemas.orgs import (
    AgencyIn,
    AgencyOut,
    AgencyPatch,
    ChangedMemberOut,
    MemberIn,
    MemberOut,
    MemberPatch,
    NewMemberOut,
)
from app.api.schemas.proposals import ProposalOut
from app.policies.vocabulary import Clearance
from app.services import orgs

router = APIRouter(tags=["agencies"])


@router.post("/agencies", status_code=status.HTTP_201_CREATED)
async def create_agency(
    body: AgencyIn, session: SessionDep, ctx: ContextDep, hub: HubDep
) -> AgencyOut:
    """Register an agency (hub admin); its key-encryption key is created with it."""
    agency = await orgs.create_agency(
        session,
        ctx,
        hub,
        name=body.name,
        kind=body.kind,
        secrecy_regime=body.secrecy_regime,
        approver_role=body.approver_role,
    )
    return agency_out(agency)


@router.patch("/agencies/{agency_id}")
async def update_agency(
    agency_id: uuid.UUID, body: AgencyPatch, session: SessionDep, ctx: ContextDep, hub: HubDep
) -> AgencyOut:
    """Name the role whose holders approve widening changes to the agency's members (hub admin)."""
    agency = await orgs.update_agency(
        session, ctx, hub, agency_id, approver_role=body.approver_role
    )
    return agency_out(agency)


@router.get("/agencies")
async def list_agencies(
    session: SessionDep, ctx: ContextDep, limit: Limit = 50, cursor: Cursor = None
) -> Page[AgencyOut]:
    """All agencies (names and kinds are not personal data)."""
    page = await orgs.list_agencies(session, limit=limit, cursor=cursor)
    return Page(items=[agency_out(a) for a in page.items], next_cursor=page.next_cursor)


@router.get("/agencies/{agency_id}")
async def get_agency(agency_id: uuid.UUID, session: SessionDep, ctx: ContextDep) -> AgencyOut:
    """One agency."""
    return agency_out(await orgs.get_agency(session, agency_id))


@router.post("/agencies/{agency_id}/members", status_code=status.HTTP_201_CREATED)
async def create_member(
    agency_id: uuid.UUID, body: MemberIn, session: SessionDep, ctx: ContextDep, hub: HubDep
) -> NewMemberOut:
    """Add a member. A hub admin creates an agency's first agency admin; an agency admin's
    request creates the member pending, holding nothing, until a second person approves the
    proposal (four-eyes). A service account's secret is shown to the approver."""
    created = await orgs.create_member(
        session,
        ctx,
        hub,
        agency_id=agency_id,
        display_name=body.display_name,
        kind=body.kind,
        roles=body.roles,
        bound_by_secrecy=body.bound_by_secrecy,
        clearance=Clearance[body.clearance.upper()],
        username=body.username,
    )
    out = member_out(created.member)
    return NewMemberOut(**out.model_dump(), proposal=proposal_ref(created.proposal))


@router.get("/agencies/{agency_id}/members")
async def list_members(
    agency_id: uuid.UUID,
    session: SessionDep,
    ctx: ContextDep,
    hub: HubDep,
    limit: Limit = 50,
    cursor: Cursor = None,
) -> Page[MemberOut]:
    """An agency's members (its admins and hub admins)."""
    page = await orgs.list_members(session, ctx, hub, agency_id, limit=limit, cursor=cursor)
    return Page(items=[member_out(m) for m in page.items], next_cursor=page.next_cursor)


@router.get("/members/{member_id}")
async def get_member(
    member_id: uuid.UUID, session: SessionDep, ctx: ContextDep, hub: HubDep
) -> MemberOut:
    """One member (themselves, their agency's admins, hub admins)."""
    return member_out(await orgs.get_member(session, ctx, hub, member_id))


@router.patch("/members/{member_id}")
async def update_member(
    member_id: uuid.UUID, body: MemberPatch, session: SessionDep, ctx: ContextDep, hub: HubDep
) -> ChangedMemberOut:
    """Change a member's roles, secrecy flag, clearance or status. What narrows access (removing
    a role, lowering a clearance, suspending) takes effect at once; what widens it is proposed,
    for a second person to approve. Nobody changes themselves."""
    changed = await orgs.update_member(
        session,
        ctx,
        hub,
        member_id,
        status=body.status,
        roles=body.roles,
        bound_by_secrecy=body.bound_by_secrecy,
        clearance=None if body.clearance is None else Clearance[body.clearance.upper()],
    )
    out = member_out(changed.member)
    return ChangedMemberOut(**out.model_dump(), proposal=proposal_ref(changed.proposal))


@router.post("/members/{member_id}/password-reset", status_code=status.HTTP_201_CREATED)
async def propose_password_reset(
    member_id: uuid.UUID, session: SessionDep, ctx: ContextDep, hub: HubDep
) -> ProposalOut:
    """Propose a new password for a member's web sign-in (four-eyes): when a second person
    approves (``POST /proposals/{id}/approve``), a one-time password is made and returned to
    them, once, as ``initial_password``; the member must choose their own at the next sign-in.
    The member needs a username. Nobody resets their own; a hub admin only for members who reach
    no content. Passwords and their hashes are never returned."""
    row = await orgs.propose_password_reset(session, ctx, hub, member_id)
    return proposal_out(row, ctx.now)
