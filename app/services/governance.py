"""Four-eyes on privilege changes: proposals, approvals, refusals, and their effects.

The rules are in ``app.policies.administration``; this module loads the facts, applies the plan,
and logs every proposal, decision and effect (the agency's auditor finds them under the member's
agency). A denial is logged too, after the request's work is rolled back.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from app.auth import new_client_secret
from app.db.models import Agency, Member, MemberProposal
from app.db.queries import orgs as queries
from app.db.queries.pagination import Page, paginate
from app.errors import Conflict, NotFound, SeparationOfDuties
from app.policies.administration import (
    AdminActor,
    AdminReason,
    AgencyFacts,
    MemberState,
    ProposalFacts,
    ProposalState,
    Widening,
    may_decide,
    may_see_proposals,
    may_withdraw,
)
from app.policies.vocabulary import Clearance, MemberKind, Role
from app.services import passwords
from app.services.authz import denied, event_for
from app.services.concerns import missing_in
from app.services.context import RequestContext
from app.services.hub import Hub
from app.services.identity import principal_of

DEFAULT_TTL = timedelta(days=7)
_ROLE_VALUES = frozenset(r.value for r in Role)


def actor_of(ctx: RequestContext) -> AdminActor:
    """The caller as the administration rules see them."""
    p = ctx.principal
    return AdminActor(str(p.member_id), str(p.agency_id), p.roles, p.status)


def state_of(member: Member) -> MemberState:
    """What a member may do now."""
    p = principal_of(member)
    return MemberState(p.roles, p.clearance, p.bound_by_secrecy, p.status)


def apply_state(member: Member, state: MemberState) -> None:
    """Write a state onto a member row."""
    member.roles = sorted(r.value for r in state.roles)
    member.clearance = int(state.clearance)
    member.bound_by_secrecy = state.bound_by_secrecy
    member.status = state.status.value


async def agency_facts(session: AsyncSession, agency: Agency) -> AgencyFacts:
    """The agency's approver role and whether it has an agency admin (of any status) yet."""
    roles = await queries.roles_in_agency(session, agency.id)
    has_admin = any(Role.AGENCY_ADMIN.value in r for r in roles)
    return AgencyFacts(str(agency.id), Role(agency.approver_role), has_admin)


def refused(
    ctx: RequestContext, action: str, reason: str, member_id: object, owner: object = None
) -> SeparationOfDuties:
    """A 403 that says which rule refused, logged as a denial (concerning ``owner``, the
    member's agency, once the member exists)."""
    event = event_for(ctx, action, object_id=member_id, owners=[owner])
    return SeparationOfDuties(
        _MESSAGES.get(reason, "refused by the separation of duties"),
        extra={"reason": reason},
        audit=(denied(event, reason),),
    )


_MESSAGES: dict[str, str] = {
    AdminReason.SELF_CHANGE: "nobody changes their own roles, clearance, secrecy flag or status",
    AdminReason.HUB_ONLY_ROLE: "only a hub admin gives or changes the hub admin and hub auditor "
    "roles",
    AdminReason.ADMIN_AND_CONTENT: "a member who holds an admin role cannot also hold a role that "
    "reaches case content (case worker, police reference, information officer, chair, service "
    "account)",
    AdminReason.SERVICE_ACCOUNT_ROLES: "a service account holds the service_account role only, and "
    "only a service account holds it",
    AdminReason.NO_ROLES: "a member needs at least one role",
    AdminReason.HUB_ADMIN_NO_CONTENT: "a hub admin never creates or changes members who can reach "
    "case content, nor service accounts; the agency's own admins do, with a second approver",
    AdminReason.HUB_ADMIN_FIRST_ADMIN_ONLY: "a hub admin creates only an agency's first agency "
    "admin; further members are proposed by the agency's admins",
    AdminReason.NOTHING_TO_CHANGE: "the change asks for nothing that differs from the member now",
    AdminReason.PROPOSER_CANNOT_APPROVE: "the proposer cannot decide on their own proposal; a "
    "second person must",
    AdminReason.NOT_AN_APPROVER: "only a holder of the agency's approver role (or, for admin "
    "roles only, a hub admin) decides on this proposal",
    AdminReason.ACTOR_NOT_ACTIVE: "a member who is not active can change nothing",
}


def _widening_of(row: MemberProposal) -> Widening:
    return Widening(
        roles=frozenset(Role(r) for r in row.roles_add if r in _ROLE_VALUES),
        clearance=None if row.clearance is None else Clearance(row.clearance),
        bound_by_secrecy=row.bound_by_secrecy,
        activate=row.activate,
        password=row.reset_password,
    )


def _facts(row: MemberProposal, member: Member) -> ProposalFacts:
    return ProposalFacts(
        proposer_id=str(row.proposed_by),
        member_id=str(row.member_id),
        member_kind=MemberKind(member.kind),
        agency_id=str(row.agency_id),
        widening=_widening_of(row),
        state=ProposalState(row.state),
        expires_at=row.expires_at,
    )


def describe(row: MemberProposal) -> tuple[str, ...]:
    """What a proposal gives, for the access log, with the proposal's id."""
    return (f"proposal:{row.id}", *_widening_of(row).describe())


async def propose(
    session: AsyncSession,
    ctx: RequestContext,
    hub: Hub,
    member: Member,
    widening: Widening,
    *,
    kind: str,
) -> MemberProposal:
    """Store a proposal for the widening part of a change and log it."""
    row = MemberProposal(
        id=uuid.uuid4(),
        agency_id=member.agency_id,
        member_id=member.id,
        kind=kind,
        roles_add=sorted(r.value for r in widening.roles),
        clearance=None if widening.clearance is None else int(widening.clearance),
        bound_by_secrecy=widening.bound_by_secrecy,
        activate=widening.activate,
        reset_password=widening.password,
        proposed_by=ctx.principal.member_id,
        proposed_at=ctx.now,
        expires_at=ctx.now + hub.proposal_ttl,
        state=ProposalState.PENDING.value,
    )
    session.add(row)
    event = event_for(
        ctx,
        "member:propose",
        reason=AdminReason.FOUR_EYES,
        object_id=member.id,
        fields=describe(row),
        owners=[member.agency_id],
    )
    await hub.record(session, ctx, event)
    return row


async def _visible(
    session: AsyncSession, ctx: RequestContext, proposal_id: uuid.UUID, action: str
) -> tuple[MemberProposal, Member, Agency]:
    row = await queries.proposal_for_update(session, proposal_id)
    if row is not None and may_see_proposals(actor_of(ctx), str(row.agency_id)):
        member = await queries.member(session, row.member_id)
        agency = await queries.agency(session, row.agency_id)
        if member is not None and agency is not None:
            return row, member, agency
    raise await missing_in(session, event_for(ctx, action, object_id=proposal_id))


async def get_proposal(
    session: AsyncSession, ctx: RequestContext, hub: Hub, proposal_id: uuid.UUID
) -> MemberProposal:
    """One proposal, for the agency's admins, approvers and auditors, and hub-wide staff."""
    row, member, _ = await _visible(session, ctx, proposal_id, "member:proposal_read")
    event = event_for(ctx, "member:proposal_read", object_id=member.id, owners=[member.agency_id])
    await hub.record(session, ctx, event)
    return row


@dataclass(frozen=True)
class Decided:
    """A decided proposal, the member as it is now, and a service account's secret or a
    one-time password (once, to the approver)."""

    proposal: MemberProposal
    member: Member
    client_secret: str | None = None
    initial_password: str | None = None


async def decide(
    session: AsyncSession,
    ctx: RequestContext,
    hub: Hub,
    proposal_id: uuid.UUID,
    *,
    approve: bool,
) -> Decided:
    """Approve (the widening takes effect) or refuse a pending proposal, as the second person."""
    action = "member:approve" if approve else "member:refuse"
    row, member, agency = await _visible(session, ctx, proposal_id, action)
    facts = await agency_facts(session, agency)
    verdict = may_decide(
        actor_of(ctx), facts, _facts(row, member), state_of(member), ctx.now, approve=approve
    )
    if not verdict.allowed:
        raise _decision_refused(ctx, action, verdict.reason, member, row)
    row.state = (ProposalState.APPROVED if approve else ProposalState.REFUSED).value
    row.decided_by = ctx.principal.member_id
    row.decided_at = ctx.now
    owners = [member.agency_id]
    events = [
        event_for(
            ctx,
            action,
            reason=verdict.reason,
            object_id=member.id,
            fields=describe(row),
            owners=owners,
        )
    ]
    secret = password = None
    if approve:
        apply_state(member, _widening_of(row).apply(state_of(member)))
        if member.kind == MemberKind.SERVICE.value and member.client_secret_hash is None:
            secret = new_client_secret()
            member.client_secret_hash = await hub.hasher.hash(secret)
        if row.reset_password:
            password = await passwords.set_one_time_password(session, hub, member, ctx.now)
        events.append(
            event_for(
                ctx,
                "member:update",
                reason=verdict.reason,
                object_id=member.id,
                fields=describe(row),
                owners=owners,
            )
        )
    await hub.record(session, ctx, *events)
    return Decided(proposal=row, member=member, client_secret=secret, initial_password=password)


def _decision_refused(
    ctx: RequestContext, action: str, reason: str, member: Member, row: MemberProposal
) -> Exception:
    if reason in (AdminReason.PROPOSAL_NOT_PENDING, AdminReason.PROPOSAL_EXPIRED):
        event = event_for(
            ctx,
            action,
            object_id=member.id,
            fields=(f"proposal:{row.id}",),
            owners=[member.agency_id],
        )
        detail = (
            "the proposal has expired; propose again"
            if reason == AdminReason.PROPOSAL_EXPIRED
            else f"the proposal is {row.state} already"
        )
        return Conflict(detail, extra={"reason": reason}, audit=(denied(event, reason),))
    return refused(ctx, action, reason, member.id, member.agency_id)


async def withdraw(
    session: AsyncSession, ctx: RequestContext, hub: Hub, proposal_id: uuid.UUID
) -> MemberProposal:
    """The proposer takes a pending proposal back."""
    row, member, _ = await _visible(session, ctx, proposal_id, "member:withdraw")
    verdict = may_withdraw(actor_of(ctx), _facts(row, member))
    if not verdict.allowed:
        raise _decision_refused(ctx, "member:withdraw", verdict.reason, member, row)
    row.state = ProposalState.WITHDRAWN.value
    row.decided_by = ctx.principal.member_id
    row.decided_at = ctx.now
    event = event_for(
        ctx,
        "member:withdraw",
        reason=verdict.reason,
        object_id=member.id,
        fields=describe(row),
        owners=[member.agency_id],
    )
    await hub.record(session, ctx, event)
    return row


async def list_proposals(
    session: AsyncSession,
    ctx: RequestContext,
    hub: Hub,
    agency_id: uuid.UUID,
    *,
    state: ProposalState | None,
    limit: int,
    cursor: str | None,
) -> Page[MemberProposal]:
    """An agency's proposals, newest last, for its admins, approvers and auditors."""
    agency = await queries.agency(session, agency_id)
    event = event_for(ctx, "member:proposal_list", object_id=agency_id)
    if agency is None:
        raise await missing_in(session, event)
    event = event_for(ctx, "member:proposal_list", object_id=agency_id, owners=[agency_id])
    if not may_see_proposals(actor_of(ctx), str(agency_id)):
        raise NotFound(audit=(denied(event, "not_found"),))
    criteria = () if state is None else _in_state(state, ctx.now)
    stmt = queries.proposals_of(agency_id, *criteria)
    await hub.record(session, ctx, event)
    return await paginate(
        session,
        stmt,
        created_at=MemberProposal.proposed_at,
        row_id=MemberProposal.id,
        limit=limit,
        cursor=cursor,
    )


def _in_state(state: ProposalState, now: datetime) -> list[Any]:
    # "expired" is never stored: it is a pending proposal past its expiry.
    row = MemberProposal
    if state is ProposalState.EXPIRED:
        return [row.state == ProposalState.PENDING.value, row.expires_at <= now]
    if state is ProposalState.PENDING:
        return [row.state == state.value, row.expires_at > now]
    return [row.state == state.value]
