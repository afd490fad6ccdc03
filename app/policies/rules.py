"""The rules of the foundation, as data: each is a small frozen object in ``DEFAULT_RULES``.

The sharing rules of DOMAIN.md (exchanges, releases, grants, secrecy flows) are added to this table
by the next issue; a municipality's stricter local rules are more entries, not code changes.
"""

from __future__ import annotations

from dataclasses import dataclass

from app.policies.engine import AccessRequest, Effect, Reason, ResourceKind, Rule, Verdict
from app.policies.permissions import HUB_WIDE, Permission, permissions_of
from app.policies.vocabulary import MemberStatus, Role

# Objects that belong to one agency: only that agency's members reach them directly.
AGENCY_OWNED = frozenset(
    {ResourceKind.NOTE, ResourceKind.SUBJECT, ResourceKind.MEMBER, ResourceKind.AGENCY}
)


@dataclass(frozen=True)
class ActiveMember:
    """A suspended member can do nothing (DOMAIN.md rule 1)."""

    name: str = "active_member"

    def evaluate(self, request: AccessRequest) -> Verdict | None:
        """Deny a member who is not active."""
        if request.actor.status is not MemberStatus.ACTIVE:
            return Verdict(Effect.DENY, Reason.MEMBER_SUSPENDED)
        return None


@dataclass(frozen=True)
class RolePermits:
    """The action must be in the permissions of one of the actor's roles."""

    name: str = "role_permits"

    def evaluate(self, request: AccessRequest) -> Verdict | None:
        """Deny an action none of the actor's roles carries."""
        if request.action not in permissions_of(request.actor.roles):
            return Verdict(Effect.DENY, Reason.ROLE_NOT_PERMITTED)
        return None


@dataclass(frozen=True)
class OwnAgency:
    """An agency's own objects are reachable by its own members (DOMAIN.md rule 2)."""

    name: str = "own_agency"

    def evaluate(self, request: AccessRequest) -> Verdict | None:
        """Allow when the actor belongs to the owning agency."""
        resource = request.resource
        if resource.kind in AGENCY_OWNED and resource.owner_agency_id == request.actor.agency_id:
            return Verdict(Effect.ALLOW, Reason.OWN_AGENCY)
        return None


@dataclass(frozen=True)
class CellAgency:
    """A case is known to the agencies that sit in its cell."""

    name: str = "cell_agency"

    def evaluate(self, request: AccessRequest) -> Verdict | None:
        """Allow case access to members of the cell's agencies."""
        resource = request.resource
        if (
            resource.kind is ResourceKind.CASE
            and request.actor.agency_id in resource.cell_agency_ids
        ):
            return Verdict(Effect.ALLOW, Reason.CELL_AGENCY)
        return None


@dataclass(frozen=True)
class HubAdministration:
    """Hub admins manage agencies, members, cells and templates anywhere, never content."""

    name: str = "hub_administration"

    def evaluate(self, request: AccessRequest) -> Verdict | None:
        """Allow hub-wide administrative actions to hub admins."""
        if Role.HUB_ADMIN in request.actor.roles and request.action in HUB_WIDE:
            return Verdict(Effect.ALLOW, Reason.HUB_ADMIN)
        return None


@dataclass(frozen=True)
class AuditorsReadTheirAgencysLog:
    """An auditor reads the log entries that concern their own agency (metadata, never content).

    The resource is the log as seen from one agency (``owner_agency_id``); the whole log has no
    owner and is not reachable this way.
    """

    name: str = "auditors_read_their_agencys_log"

    def evaluate(self, request: AccessRequest) -> Verdict | None:
        """Allow reading the agency's part of the log with the audit permission."""
        resource = request.resource
        if (
            resource.kind is ResourceKind.AUDIT_LOG
            and request.action is Permission.AUDIT_READ
            and resource.owner_agency_id is not None
            and resource.owner_agency_id == request.actor.agency_id
        ):
            return Verdict(Effect.ALLOW, Reason.AUDITOR)
        return None


@dataclass(frozen=True)
class HubAuditorsReadTheWholeLog:
    """The hub auditor reads every entry: the full export is what the offline verifier checks."""

    name: str = "hub_auditors_read_the_whole_log"

    def evaluate(self, request: AccessRequest) -> Verdict | None:
        """Allow reading the whole log with the hub-wide audit permission."""
        if (
            request.resource.kind is ResourceKind.AUDIT_LOG
            and request.action is Permission.AUDIT_READ_HUB
        ):
            return Verdict(Effect.ALLOW, Reason.HUB_AUDITOR)
        return None


DEFAULT_RULES: tuple[Rule, ...] = (
    ActiveMember(),
    RolePermits(),
    OwnAgency(),
    CellAgency(),
    HubAdministration(),
    AuditorsReadTheirAgencysLog(),
    HubAuditorsReadTheWholeLog(),
)
