"""Agencies and members: created and managed by admins, who never see case content."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass

import anyio
from sqlalchemy.ext.asyncio import AsyncSession

from app.auth import new_client_id
from app.db.models import Agency, Member, MemberProposal
from app.db.queries import orgs as queries
from app.db.queries.pagination import Page, paginate
from app.errors import Conflict, NotFound, ValidationFailed
from app.policies import Permission, Resource, ResourceKind
from app.policies.administration import (
    APPROVER_ROLES,
    NOTHING,
    AdminReason,
    AgencyFacts,
    MemberState,
    Plan,
    Target,
    after_patch,
    plan_change,
    plan_password_reset,
)
from app.policies.vocabulary import (
    AgencyKind,
    Clearance,
    MemberKind,
    MemberStatus,
    Role,
    SecrecyRegime,
)
from app.services.authz import denied, event_for, missing
from app.services.concerns import concerning, missing_in
from app.services.context import RequestContext
from app.services.governance import (
    actor_of,
    agency_facts,
    apply_state,
    propose,
    refused,
    state_of,
)
from app.services.hub import Hub


def _approver(role: Role) -> Role:
    if role not in APPROVER_ROLES:
        names = ", ".join(sorted(r.value for r in APPROVER_ROLES))
        raise ValidationFailed(f"an agency's approver role is one of: {names}")
    return role


async def create_agency(
    session: AsyncSession,
    ctx: RequestContext,
    hub: Hub,
    *,
    name: str,
    kind: AgencyKind,
    secrecy_regime: SecrecyRegime,
    approver_role: Role = Role.AGENCY_ADMIN,
) -> Agency:
    """Register an agency and create its key-encryption key."""
    hub.authz.require(ctx, Permission.AGENCY_MANAGE, Resource(ResourceKind.AGENCY), hide=False)
    _approver(approver_role)
    if await queries.agency_named(session, name) is not None:
        raise Conflict("an agency with this name exists")
    agency = Agency(
        id=uuid.uuid4(),
        name=name,
        kind=kind.value,
        secrecy_regime=secrecy_regime,
        approver_role=approver_role.value,
        created_at=ctx.now,
    )
    session.add(agency)
    await anyio.to_thread.run_sync(hub.keys.ensure_agency_key, str(agency.id))
    event = event_for(ctx, "agency:create", object_id=agency.id, owners=[agency.id])
    await hub.record(session, ctx, event)
    return agency


async def update_agency(
    session: AsyncSession,
    ctx: RequestContext,
    hub: Hub,
    agency_id: uuid.UUID,
    *,
    approver_role: Role,
) -> Agency:
    """Name the role whose holders approve widening changes to the agency's members (hub admin).

    Pending proposals are decided under the rule in force when they are decided.
    """
    agency = await queries.agency(session, agency_id)
    event = event_for(ctx, "agency:update", object_id=agency_id)
    if agency is None:
        event = await concerning(session, event)
    else:
        event = event_for(ctx, "agency:update", object_id=agency_id, owners=[agency_id])
    hub.authz.require(
        ctx, Permission.AGENCY_MANAGE, Resource(ResourceKind.AGENCY), event=event, hide=False
    )
    if agency is None:
        raise missing(event)
    agency.approver_role = _approver(approver_role).value
    changed = event_for(
        ctx,
        "agency:update",
        object_id=agency_id,
        fields=(f"approver_role:{approver_role.value}",),
        owners=[agency_id],
    )
    await hub.record(session, ctx, changed)
    return agency


async def get_agency(session: AsyncSession, agency_id: uuid.UUID) -> Agency:
    """An agency by id; agencies are not secret to authenticated members."""
    agency = await queries.agency(session, agency_id)
    if agency is None:
        raise NotFound()
    return agency


async def list_agencies(session: AsyncSession, *, limit: int, cursor: str | None) -> Page[Agency]:
    """All agencies, paged."""
    return await paginate(
        session,
        queries.all_agencies(),
        created_at=Agency.created_at,
        row_id=Agency.id,
        limit=limit,
        cursor=cursor,
    )


@dataclass(frozen=True)
class NewMember:
    """A member as created (pending when a second person must approve), with the proposal, and
    the client secret of a service account when it takes effect at once (never: see governance).
    """

    member: Member
    client_secret: str | None
    proposal: MemberProposal | None = None


async def _member_scope(
    session: AsyncSession, ctx: RequestContext, hub: Hub, agency_id: uuid.UUID, action: str
) -> Agency:
    agency = await queries.agency(session, agency_id)
    if agency is None:
        raise await missing_in(session, event_for(ctx, action, object_id=agency_id))
    resource = Resource(ResourceKind.MEMBER, owner_agency_id=str(agency_id))
    hub.authz.require(ctx, Permission.MEMBER_MANAGE, resource, event=event_for(ctx, action))
    return agency


def _plan(
    ctx: RequestContext,
    facts: AgencyFacts,
    target: Target,
    after: MemberState,
    action: str,
    *,
    exists: bool,
) -> Plan:
    # A refusal concerns the member's agency once the member exists (not for a creation).
    plan = plan_change(actor_of(ctx), facts, target, after)
    if plan.allowed:
        return plan
    owner = facts.agency_id if exists else None
    if plan.reason is AdminReason.NOT_AN_ADMIN:
        raise missing(event_for(ctx, action, object_id=target.member_id, owners=[owner]))
    raise refused(ctx, action, plan.reason, target.member_id, owner)


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
    username: str | None = None,
) -> NewMember:
    """Add a person or a service account to an agency.

    A hub admin creates an agency's first agency admin at once; anything else an agency admin
    asks for is created pending, holding nothing, with a proposal a second person approves.
    """
    agency = await _member_scope(session, ctx, hub, agency_id, "member:create")
    member_id = uuid.uuid4()
    target = Target(str(member_id), kind, NOTHING)
    after = MemberState(frozenset(roles), clearance, bound_by_secrecy, MemberStatus.ACTIVE)
    facts = await agency_facts(session, agency)
    plan = _plan(ctx, facts, target, after, "member:create", exists=False)
    if username is not None:
        await _username_free(session, username, kind)
    member = Member(
        id=member_id,
        agency_id=agency_id,
        display_name=display_name,
        kind=kind.value,
        created_at=ctx.now,
        username=username,
    )
    apply_state(member, plan.now or NOTHING)
    if kind is MemberKind.SERVICE:
        member.client_id = new_client_id()
    session.add(member)
    await hub.record(
        session,
        ctx,
        event_for(
            ctx, "member:create", reason=plan.reason, object_id=member.id, owners=[agency_id]
        ),
    )
    proposal = None
    if plan.waits:
        await session.flush()
        proposal = await propose(session, ctx, hub, member, plan.waits, kind="create")
    return NewMember(member=member, client_secret=None, proposal=proposal)


async def _username_free(session: AsyncSession, username: str, kind: MemberKind) -> None:
    if kind is MemberKind.SERVICE:
        raise ValidationFailed(
            "a service account signs in with its client id, not a username",
            extra={"reason": "service_account_no_password"},
        )
    if await queries.member_with_username(session, username) is not None:
        raise Conflict("this username is taken", extra={"reason": "username_taken"})


async def propose_password_reset(
    session: AsyncSession, ctx: RequestContext, hub: Hub, member_id: uuid.UUID
) -> MemberProposal:
    """Propose a new one-time password for a member: a second admin approves it and receives
    the password, once; the member chooses their own at the next sign-in."""
    action = "member:password_reset"
    member = await queries.member(session, member_id)
    if member is None:
        raise await missing_in(session, event_for(ctx, action, object_id=member_id))
    if member.id == ctx.principal.member_id:
        raise refused(ctx, action, AdminReason.SELF_CHANGE, member.id, member.agency_id)
    agency = await _member_scope(session, ctx, hub, member.agency_id, action)
    target = Target(str(member.id), MemberKind(member.kind), state_of(member))
    plan = plan_password_reset(actor_of(ctx), await agency_facts(session, agency), target)
    if not plan.allowed:
        if plan.reason is AdminReason.NOT_AN_ADMIN:
            raise missing(event_for(ctx, action, object_id=member.id, owners=[member.agency_id]))
        raise refused(ctx, action, plan.reason, member.id, member.agency_id)
    if member.username is None:
        event = event_for(ctx, action, object_id=member.id, owners=[member.agency_id])
        raise Conflict(
            "the member has no username to sign in with",
            extra={"reason": "no_username"},
            audit=(denied(event, "no_username"),),
        )
    return await propose(session, ctx, hub, member, plan.waits, kind="password")


async def get_member(
    session: AsyncSession, ctx: RequestContext, hub: Hub, member_id: uuid.UUID
) -> Member:
    """A member, visible to their agency's admins, hub admins and themselves."""
    member = await queries.member(session, member_id)
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
    stmt = queries.members_of(agency_id)
    return await paginate(
        session, stmt, created_at=Member.created_at, row_id=Member.id, limit=limit, cursor=cursor
    )


@dataclass(frozen=True)
class ChangedMember:
    """A member after the narrowing part of a change, and the proposal for the widening part."""

    member: Member
    proposal: MemberProposal | None = None


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
) -> ChangedMember:
    """Change roles, secrecy flag, clearance or status: narrowing now, widening on approval."""
    if status is MemberStatus.PENDING:
        raise ValidationFailed("a member becomes pending only when created through a proposal")
    member = await queries.member(session, member_id)
    if member is None:
        raise await missing_in(session, event_for(ctx, "member:update", object_id=member_id))
    if member.id == ctx.principal.member_id:
        # Whoever they are, they know their own record exists: 403 with the rule, not 404.
        raise refused(ctx, "member:update", AdminReason.SELF_CHANGE, member.id, member.agency_id)
    agency = await _member_scope(session, ctx, hub, member.agency_id, "member:update")
    before = state_of(member)
    after = after_patch(
        before,
        roles=None if roles is None else frozenset(roles),
        clearance=clearance,
        bound_by_secrecy=bound_by_secrecy,
        status=status,
    )
    target = Target(str(member.id), MemberKind(member.kind), before)
    facts = await agency_facts(session, agency)
    plan = _plan(ctx, facts, target, after, "member:update", exists=True)
    proposal = None
    if plan.now is not None and plan.now != before:
        apply_state(member, plan.now)
        narrowed = _changes(before, plan.now)
        await hub.record(
            session,
            ctx,
            event_for(
                ctx,
                "member:update",
                reason=plan.reason,
                object_id=member.id,
                fields=narrowed,
                owners=[member.agency_id],
            ),
        )
    if plan.waits:
        proposal = await propose(session, ctx, hub, member, plan.waits, kind="change")
    return ChangedMember(member=member, proposal=proposal)


def _changes(before: MemberState, now: MemberState) -> tuple[str, ...]:
    out = [f"-role:{r.value}" for r in sorted(before.roles - now.roles)]
    out += [f"+role:{r.value}" for r in sorted(now.roles - before.roles)]
    if now.clearance != before.clearance:
        out.append(f"clearance:{now.clearance.name.lower()}")
    if now.bound_by_secrecy != before.bound_by_secrecy:
        out.append(f"bound_by_secrecy:{str(now.bound_by_secrecy).lower()}")
    if now.status != before.status:
        out.append(f"status:{now.status.value}")
    return tuple(out)
