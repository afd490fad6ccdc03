"""/api/v1/agencies and their members."""

from __future__ import annotations

import uuid

from fastapi import APIRouter, status

from app.api.deps import ContextDep, HubDep, SessionDep
from app.api.routers.converters import agency_out, member_out
from app.api.schemas.common import Cursor, Limit, Page
from app.api.schemas.orgs import AgencyIn, AgencyOut, MemberIn, MemberOut, MemberPatch, NewMemberOut
from app.policies.vocabulary import Clearance
from app.services import orgs

router = APIRouter(tags=["agencies"])


@router.post("/agencies", status_code=status.HTTP_201_CREATED)
async def create_agency(
    body: AgencyIn, session: SessionDep, ctx: ContextDep, hub: HubDep
) -> AgencyOut:
    """Register an agency (hub admin); its key-encryption key is created with it."""
    agency = await orgs.create_agency(
        session, ctx, hub, name=body.name, kind=body.kind, secrecy_regime=body.secrecy_regime
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
    """Add a member (agency admin of this agency, or hub admin); service accounts get a secret."""
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
    )
    out = member_out(created.member)
    return NewMemberOut(**out.model_dump(), client_secret=created.client_secret)


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
) -> MemberOut:
    """Suspend or reactivate a member, or change roles, secrecy flag or clearance."""
    member = await orgs.update_member(
        session,
        ctx,
        hub,
        member_id,
        status=body.status,
        roles=body.roles,
        bound_by_secrecy=body.bound_by_secrecy,
        clearance=None if body.clearance is None else Clearance[body.clearance.upper()],
    )
    return member_out(member)
