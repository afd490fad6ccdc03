"""Agencies and members: created and managed by admins, who never see case content."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass

import anyio
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from app.auth import hash_secret, new_client_id, new_client_secret
from app.db.models import Agency, Member
from app.errors import Conflict, Forbidden, NotFound, ValidationFailed
from app.policies import Permission, Resource, ResourceKind
from app.policies.vocabulary import (
    AgencyKind,
    Clearance,
    MemberKind,
    MemberStatus,
    Role,
    SecrecyRegime,
)
from app.services.authz import event_for
from app.services.context import RequestContext
from app.services.hub import Hub
from app.services.pagination import Page, paginate

# Only a hub admin can make another hub admin: an agency admin must not escalate.
# Nor may it make a hub-wide auditor, who reads every agency's entries in the access log.
HUB_ONLY_ROLES = frozenset({Role.HUB_ADMIN, Role.HUB_AUDITOR})


async def create_agency(
    session: AsyncSession,
    ctx: RequestContext,
    hub: Hub,
    *,
    name: str,
    kind: AgencyKind,
    secrecy_regime: SecrecyRegime,
) -> Agency:
    """Register an agency and create its key-encryption key."""
    hub.authz.require(ctx, Permission.AGENCY_MANAGE, Resource(ResourceKind.AGENCY), hide=False)
    if await session.scalar(select(Agency.id).where(Agency.name == name)) is not None:
        raise Conflict("an agency with this name exists")
    agency = Agency(id=uuid.uuid4(), name=name, kind=kind.value, secrecy_regime=secrecy_regime)
    session.add(agency)
    await anyio.to_thread.run_sync(hub.keys.ensure_agency_key, str(agency.id))
    await hub.record(session, ctx, event_for(ctx, "agency:create", object_id=agency.id))
    return agency


async def get_agency(session: AsyncSession, agency_id: uuid.UUID) -> Agency:
    """An agency by id; agencies are not secret to authenticated members."""
    agency = await session.get(Agency, agency_id)
    if agency is None:
        raise NotFound()
    return agency


async def list_agencies(session: AsyncSession, *, limit: int, cursor: str | None) -> Page[Agency]:
    """All agencies, paged."""
    return await paginate(
        session,
        select(Agency),
        created_at=Agency.created_at,
        row_id=Agency.id,
        limit=limit,
        cursor=cursor,
    )


@dataclass(frozen=True)
class NewMember:
    """A member as created, with the client secret of a service account shown this once."""

    member: Member
    client_secret: str | None


def _check_roles(ctx: RequestContext, roles: Sequence[Role], kind: MemberKind) -> None:
    if not roles:
        raise ValidationFailed("a member needs at least one role")
    if HUB_ONLY_ROLES.intersection(roles) and Role.HUB_ADMIN not in ctx.principal.roles:
        raise Forbidden("only a hub admin can grant the hub admin and hub auditor roles")
    if kind is MemberKind.SERVICE and Role.SERVICE_ACCOUNT not in roles:
        raise ValidationFailed("a service account must hold the service_account role")


async def _member_scope(
    session: AsyncSession, ctx: RequestContext, hub: Hub, agency_id: uuid.UUID, action: str
) -> None:
    agency = await session.get(Agency, agency_id)
    if agency is None:
        raise NotFound()
    resource = Resource(ResourceKind.MEMBER, owner_agency_id=str(agency_id))
    hub.authz.require(ctx, Permission.MEMBER_MANAGE, resource, event=event_for(ctx, action))


async def create_member(
    session: AsyncSession,
    ctx: RequestContext,
    hub: Hub,
    *,
    agency_id: uuid.UUID,
    display_name: str,
    kind: MemberKind,
    roles: Sequence[Role],
    bound_by_secrecy: bool,
    clearance: Clearance,
) -> NewMember:
    """Add a person or a service account to an agency (agency admin of it, or hub admin)."""
    await _member_scope(session, ctx, hub, agency_id, "member:create")
    _check_roles(ctx, roles, kind)
    member = Member(
        id=uuid.uuid4(),
        agency_id=agency_id,
        display_name=display_name,
        kind=kind.value,
        roles=sorted(r.value for r in set(roles)),
        bound_by_secrecy=bound_by_secrecy,
        clearance=int(clearance),
        status=MemberStatus.ACTIVE.value,
    )
    secret = None
    if kind is MemberKind.SERVICE:
        secret = new_client_secret()
        member.client_id = new_client_id()
        member.client_secret_hash = await anyio.to_thread.run_sync(hash_secret, secret)
    session.add(member)
    await hub.record(session, ctx, event_for(ctx, "member:create", object_id=member.id))
    return NewMember(member=member, client_secret=secret)


async def get_member(
    session: AsyncSession, ctx: RequestContext, hub: Hub, member_id: uuid.UUID
) -> Member:
    """A member, visible to their agency's admins, hub admins and themselves."""
    member = await session.get(Member, member_id)
    if member is None:
        raise NotFound()
    if member.id != ctx.principal.member_id:
        resource = Resource(ResourceKind.MEMBER, owner_agency_id=str(member.agency_id))
        hub.authz.require(ctx, Permission.MEMBER_MANAGE, resource)
    return member


async def list_members(
    session: AsyncSession,
    ctx: RequestContext,
    hub: Hub,
    agency_id: uuid.UUID,
    *,
    limit: int,
    cursor: str | None,
) -> Page[Member]:
    """An agency's members, for its admins and hub admins."""
    await _member_scope(session, ctx, hub, agency_id, "member:list")
    stmt = select(Member).where(Member.agency_id == agency_id)
    return await paginate(
        session, stmt, created_at=Member.created_at, row_id=Member.id, limit=limit, cursor=cursor
    )


async def update_member(
    session: AsyncSession,
    ctx: RequestContext,
    hub: Hub,
    member_id: uuid.UUID,
    *,
    status: MemberStatus | None,
    roles: Sequence[Role] | None,
    bound_by_secrecy: bool | None,
    clearance: Clearance | None,
) -> Member:
    """Suspend or reactivate a member, change roles, secrecy flag or clearance."""
    member = await session.get(Member, member_id)
    if member is None:
        raise NotFound()
    await _member_scope(session, ctx, hub, member.agency_id, "member:update")
    if HUB_ONLY_ROLES.intersection(member.roles) and Role.HUB_ADMIN not in ctx.principal.roles:
        raise Forbidden("only a hub admin can change a hub admin or a hub auditor")
    if roles is not None:
        _check_roles(ctx, roles, MemberKind(member.kind))
        member.roles = sorted(r.value for r in set(roles))
    if status is not None:
        member.status = status.value
    if bound_by_secrecy is not None:
        member.bound_by_secrecy = bound_by_secrecy
    if clearance is not None:
        member.clearance = int(clearance)
    await hub.record(session, ctx, event_for(ctx, "member:update", object_id=member.id))
    return member
