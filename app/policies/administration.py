"""Separation of duties for the people who run the hub (DOMAIN.md rule 4; DESIGN.md 5a).

Admins manage structure and people, never content, and cannot make themselves or anyone they
control a reader: nobody changes their own roles, clearance, secrecy flag or status; a hub admin
creates an agency's first agency admin and manages hub-wide roles, never a member who can reach
content; widening anyone's access is a proposal that a second person approves (four-eyes, as
Vault's control groups and ASVS V8 ask); narrowing takes effect at once.

Pure: facts in, a plan or a verdict with its reason code out. ``now`` is passed in.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime
from enum import StrEnum

from app.policies.vocabulary import Clearance, MemberKind, MemberStatus, Role


class AdminReason(StrEnum):
    """Why a change is refused, applied at once, or waits for a second person."""

    # Refusals.
    ACTOR_NOT_ACTIVE = "member_suspended"
    SELF_CHANGE = "self_change"
    NOT_AN_ADMIN = "not_an_admin_of_agency"
    HUB_ONLY_ROLE = "hub_only_role"
    ADMIN_AND_CONTENT = "admin_and_content_roles"
    SERVICE_ACCOUNT_ROLES = "service_account_roles"
    NO_ROLES = "no_roles"
    HUB_ADMIN_NO_CONTENT = "hub_admin_no_content_members"
    HUB_ADMIN_FIRST_ADMIN_ONLY = "hub_admin_first_agency_admin_only"
    NOTHING_TO_CHANGE = "nothing_to_change"
    PROPOSER_CANNOT_APPROVE = "proposer_cannot_approve"
    NOT_AN_APPROVER = "not_an_approver"
    PROPOSAL_NOT_PENDING = "proposal_not_pending"
    PROPOSAL_EXPIRED = "proposal_expired"
    SERVICE_NO_PASSWORD = "service_account_no_password"  # noqa: S105 - a reason code
    # Effects.
    NARROWING = "narrowing"
    FIRST_AGENCY_ADMIN = "first_agency_admin"
    FOUR_EYES = "four_eyes"
    APPROVED_BY_AGENCY = "four_eyes_approved"
    APPROVED_BY_HUB_ADMIN = "hub_admin_second_eyes"
    REFUSED = "refused"
    WITHDRAWN = "withdrawn_by_proposer"


# Roles that manage people and structure; they never reach content (DOMAIN.md rule 4).
ADMIN_ROLES = frozenset({Role.HUB_ADMIN, Role.AGENCY_ADMIN})
# Roles only a hub admin hands out: they reach every agency.
HUB_ONLY_ROLES = frozenset({Role.HUB_ADMIN, Role.HUB_AUDITOR})
# Roles that read nothing but the access log's metadata.
AUDIT_ROLES = frozenset({Role.AUDITOR, Role.HUB_AUDITOR})
# Everything else can reach case content: directly (note rights) or in an exchange, where a chair
# or any participant reads what is granted to them. Derived, so a new role counts as content
# until it is declared otherwise.
CONTENT_ROLES = frozenset(Role) - ADMIN_ROLES - AUDIT_ROLES
# Roles an agency may name as its approvers: people who see no content themselves.
APPROVER_ROLES = frozenset({Role.AGENCY_ADMIN, Role.AUDITOR})


class ProposalState(StrEnum):
    """Where a proposal stands."""

    PENDING = "pending"
    APPROVED = "approved"
    REFUSED = "refused"
    WITHDRAWN = "withdrawn"
    # Never stored: a pending proposal past its expiry is reported so.
    EXPIRED = "expired"


def shown_state(state: ProposalState, expires_at: datetime, now: datetime) -> ProposalState:
    """The state to report: a pending proposal past its expiry has expired."""
    if state is ProposalState.PENDING and now >= expires_at:
        return ProposalState.EXPIRED
    return state


@dataclass(frozen=True)
class MemberState:
    """What a member may do: roles, clearance, secrecy flag, status."""

    roles: frozenset[Role]
    clearance: Clearance = Clearance.NONE
    bound_by_secrecy: bool = False
    status: MemberStatus = MemberStatus.ACTIVE


# A member created through a proposal holds nothing until a second person approves.
NOTHING = MemberState(roles=frozenset(), status=MemberStatus.PENDING)


@dataclass(frozen=True)
class AdminActor:
    """Who asks: an admin (or anyone; the rules say what they may do)."""

    member_id: str
    agency_id: str
    roles: frozenset[Role]
    status: MemberStatus


@dataclass(frozen=True)
class AgencyFacts:
    """The target's agency: its approver role and whether it has an agency admin yet."""

    agency_id: str
    approver_role: Role = Role.AGENCY_ADMIN
    has_agency_admin: bool = False


@dataclass(frozen=True)
class Widening:
    """What a change adds; applied only when a second person approves."""

    roles: frozenset[Role] = frozenset()
    clearance: Clearance | None = None
    bound_by_secrecy: bool = False
    activate: bool = False
    # A password (re)set: a one-time password, shown once to the approver, changed at sign-in.
    password: bool = False

    def __bool__(self) -> bool:
        return (
            bool(self.roles)
            or self.clearance is not None
            or self.bound_by_secrecy
            or self.activate
            or self.password
        )

    def apply(self, state: MemberState) -> MemberState:
        """The state once approved (on the member as it is then)."""
        return MemberState(
            roles=state.roles | self.roles,
            clearance=max(state.clearance, self.clearance or Clearance.NONE),
            bound_by_secrecy=state.bound_by_secrecy or self.bound_by_secrecy,
            status=MemberStatus.ACTIVE if self.activate else state.status,
        )

    def describe(self) -> tuple[str, ...]:
        """Names for the access log (role names and levels; nothing personal)."""
        out = [f"+role:{r.value}" for r in sorted(self.roles)]
        if self.clearance is not None:
            out.append(f"clearance:{self.clearance.name.lower()}")
        if self.bound_by_secrecy:
            out.append("bound_by_secrecy:true")
        if self.activate:
            out.append("status:active")
        if self.password:
            out.append("password:reset")
        return tuple(out)


@dataclass(frozen=True)
class Plan:
    """The answer to a requested change: refused, or what applies now and what waits."""

    allowed: bool
    reason: AdminReason
    now: MemberState | None = None
    waits: Widening = Widening()


@dataclass(frozen=True)
class Target:
    """The member being created or changed."""

    member_id: str | None
    kind: MemberKind
    state: MemberState


def _refuse(reason: AdminReason) -> Plan:
    return Plan(allowed=False, reason=reason)


def holds_admin(roles: frozenset[Role]) -> bool:
    """True if any of the roles manages people or structure."""
    return bool(roles & ADMIN_ROLES)


def reaches_content(roles: frozenset[Role]) -> bool:
    """True if any of the roles can read case content."""
    return bool(roles & CONTENT_ROLES)


def valid_roles(roles: frozenset[Role], kind: MemberKind) -> AdminReason | None:
    """Why a set of roles may not be held together (None: it may)."""
    if not roles:
        return AdminReason.NO_ROLES
    if holds_admin(roles) and reaches_content(roles):
        return AdminReason.ADMIN_AND_CONTENT
    is_service = kind is MemberKind.SERVICE
    if is_service != (Role.SERVICE_ACCOUNT in roles) or (is_service and len(roles) != 1):
        return AdminReason.SERVICE_ACCOUNT_ROLES
    return None


def split(before: MemberState, after: MemberState) -> tuple[MemberState, Widening]:
    """The narrowing part of a change (applied now) and the widening part (waits)."""
    now = MemberState(
        roles=before.roles & after.roles,
        clearance=min(before.clearance, after.clearance),
        bound_by_secrecy=before.bound_by_secrecy and after.bound_by_secrecy,
        status=(
            MemberStatus.SUSPENDED if after.status is MemberStatus.SUSPENDED else before.status
        ),
    )
    widening = Widening(
        roles=after.roles - before.roles,
        clearance=after.clearance if after.clearance > before.clearance else None,
        bound_by_secrecy=after.bound_by_secrecy and not before.bound_by_secrecy,
        activate=after.status is MemberStatus.ACTIVE and before.status is not MemberStatus.ACTIVE,
    )
    return now, widening


def _common(actor: AdminActor, target: Target, after: MemberState) -> AdminReason | None:
    if actor.status is not MemberStatus.ACTIVE:
        return AdminReason.ACTOR_NOT_ACTIVE
    if target.member_id is not None and target.member_id == actor.member_id:
        return AdminReason.SELF_CHANGE
    return valid_roles(after.roles, target.kind)


def plan_change(actor: AdminActor, agency: AgencyFacts, target: Target, after: MemberState) -> Plan:
    """Plan creating (``target.state`` is ``NOTHING``) or changing a member to ``after``."""
    refused = _common(actor, target, after)
    if refused is not None:
        return _refuse(refused)
    if Role.AGENCY_ADMIN in actor.roles and actor.agency_id == agency.agency_id:
        return _by_agency_admin(target, after)
    if Role.HUB_ADMIN in actor.roles:
        return _by_hub_admin(agency, target, after)
    return _refuse(AdminReason.NOT_AN_ADMIN)


def _by_agency_admin(target: Target, after: MemberState) -> Plan:
    # An agency admin never hands out, nor changes holders of, hub-wide roles.
    if (target.state.roles | after.roles) & HUB_ONLY_ROLES:
        return _refuse(AdminReason.HUB_ONLY_ROLE)
    return _narrow_now_widen_later(target, after)


def _by_hub_admin(agency: AgencyFacts, target: Target, after: MemberState) -> Plan:
    touched = target.state.roles | after.roles
    # A service account holds the service_account role (valid_roles), itself a content role.
    if reaches_content(touched):
        return _refuse(AdminReason.HUB_ADMIN_NO_CONTENT)
    if not touched <= ADMIN_ROLES | HUB_ONLY_ROLES:
        return _refuse(AdminReason.HUB_ADMIN_FIRST_ADMIN_ONLY)
    now, widening = split(target.state, after)
    first_admin = (
        widening.roles == {Role.AGENCY_ADMIN}
        and not agency.has_agency_admin
        and not widening.bound_by_secrecy
        and widening.clearance is None
    )
    if first_admin:
        return Plan(allowed=True, reason=AdminReason.FIRST_AGENCY_ADMIN, now=after)
    if Role.AGENCY_ADMIN in widening.roles:
        return _refuse(AdminReason.HUB_ADMIN_FIRST_ADMIN_ONLY)
    return _narrow_now_widen_later(target, after)


def _narrow_now_widen_later(target: Target, after: MemberState) -> Plan:
    now, widening = split(target.state, after)
    if widening:
        return Plan(allowed=True, reason=AdminReason.FOUR_EYES, now=now, waits=widening)
    if now == target.state:
        return _refuse(AdminReason.NOTHING_TO_CHANGE)
    return Plan(allowed=True, reason=AdminReason.NARROWING, now=now)


def plan_password_reset(actor: AdminActor, agency: AgencyFacts, target: Target) -> Plan:
    """Plan a password (re)set: always a proposal, by an admin who may manage the member.

    An agency admin proposes it for a member of their own agency who holds no hub-wide role; a
    hub admin for a member who reaches no content. Nobody resets their own (they change it,
    knowing the current one); a service account has a client secret, not a password.
    """
    if actor.status is not MemberStatus.ACTIVE:
        return _refuse(AdminReason.ACTOR_NOT_ACTIVE)
    if target.member_id is not None and target.member_id == actor.member_id:
        return _refuse(AdminReason.SELF_CHANGE)
    if target.kind is MemberKind.SERVICE:
        return _refuse(AdminReason.SERVICE_NO_PASSWORD)
    reset = Widening(password=True)
    if Role.AGENCY_ADMIN in actor.roles and actor.agency_id == agency.agency_id:
        if target.state.roles & HUB_ONLY_ROLES:
            return _refuse(AdminReason.HUB_ONLY_ROLE)
        return Plan(allowed=True, reason=AdminReason.FOUR_EYES, now=target.state, waits=reset)
    if Role.HUB_ADMIN in actor.roles:
        if reaches_content(target.state.roles):
            return _refuse(AdminReason.HUB_ADMIN_NO_CONTENT)
        return Plan(allowed=True, reason=AdminReason.FOUR_EYES, now=target.state, waits=reset)
    return _refuse(AdminReason.NOT_AN_ADMIN)


@dataclass(frozen=True)
class ProposalFacts:
    """A proposal as the approval rules see it."""

    proposer_id: str
    member_id: str
    member_kind: MemberKind
    agency_id: str
    widening: Widening
    state: ProposalState
    expires_at: datetime


@dataclass(frozen=True)
class Verdict:
    """Allowed or not, with the reason code."""

    allowed: bool
    reason: AdminReason


def may_decide(
    actor: AdminActor,
    agency: AgencyFacts,
    proposal: ProposalFacts,
    member_now: MemberState,
    now: datetime,
    *,
    approve: bool,
) -> Verdict:
    """Whether ``actor`` may approve (or refuse) the proposal, and on what ground.

    The second person is a holder of the agency's approver role in the member's agency; for a
    proposal that gives only admin roles (no content, no clearance, no secrecy flag) a hub admin
    may be the second person too, and hub-wide roles only a hub admin may approve. Nobody
    decides on their own proposal or on a proposal about themselves.
    """
    if actor.status is not MemberStatus.ACTIVE:
        return Verdict(False, AdminReason.ACTOR_NOT_ACTIVE)
    if proposal.state is not ProposalState.PENDING:
        return Verdict(False, AdminReason.PROPOSAL_NOT_PENDING)
    if now >= proposal.expires_at:
        return Verdict(False, AdminReason.PROPOSAL_EXPIRED)
    if actor.member_id == proposal.member_id:
        return Verdict(False, AdminReason.SELF_CHANGE)
    if actor.member_id == proposal.proposer_id:
        return Verdict(False, AdminReason.PROPOSER_CANNOT_APPROVE)
    ground = _second_person(actor, agency, proposal, member_now)
    if ground is None:
        return Verdict(False, AdminReason.NOT_AN_APPROVER)
    if approve:
        after = proposal.widening.apply(member_now)
        invalid = valid_roles(after.roles, proposal.member_kind)
        if invalid is not None:
            return Verdict(False, invalid)
    return Verdict(True, ground)


def _second_person(
    actor: AdminActor, agency: AgencyFacts, proposal: ProposalFacts, member_now: MemberState
) -> AdminReason | None:
    roles = proposal.widening.roles
    # The approver of a password reset receives the one-time password: for that proposal the
    # roles the member holds count as if they were given.
    if proposal.widening.password:
        roles = roles | member_now.roles
    hub_wide = bool(roles & HUB_ONLY_ROLES)
    admin_only = (
        roles <= ADMIN_ROLES | HUB_ONLY_ROLES
        and proposal.widening.clearance is None
        and not proposal.widening.bound_by_secrecy
        and proposal.member_kind is MemberKind.PERSON
    )
    if Role.HUB_ADMIN in actor.roles and admin_only:
        return AdminReason.APPROVED_BY_HUB_ADMIN
    approver = agency.approver_role in actor.roles and actor.agency_id == proposal.agency_id
    if approver and not hub_wide:
        return AdminReason.APPROVED_BY_AGENCY
    return None


def may_withdraw(actor: AdminActor, proposal: ProposalFacts) -> Verdict:
    """Only the proposer withdraws a pending proposal."""
    if proposal.state is not ProposalState.PENDING:
        return Verdict(False, AdminReason.PROPOSAL_NOT_PENDING)
    if actor.member_id != proposal.proposer_id:
        return Verdict(False, AdminReason.NOT_AN_APPROVER)
    return Verdict(True, AdminReason.WITHDRAWN)


def may_see_proposals(actor: AdminActor, agency_id: str) -> bool:
    """Admins and auditors of the agency, the agency's approvers, and hub-wide staff."""
    if actor.status is not MemberStatus.ACTIVE:
        return False
    hub_wide = actor.roles & {Role.HUB_ADMIN, Role.HUB_AUDITOR}
    own = actor.agency_id == agency_id and actor.roles & (APPROVER_ROLES | {Role.AGENCY_ADMIN})
    return bool(hub_wide or own)


def after_patch(
    before: MemberState,
    *,
    roles: frozenset[Role] | None,
    clearance: Clearance | None,
    bound_by_secrecy: bool | None,
    status: MemberStatus | None,
) -> MemberState:
    """The state a PATCH asks for (absent members stay as they are)."""
    return replace(
        before,
        roles=before.roles if roles is None else roles,
        clearance=before.clearance if clearance is None else clearance,
        bound_by_secrecy=before.bound_by_secrecy if bound_by_secrecy is None else bound_by_secrecy,
        status=before.status if status is None else status,
    )
