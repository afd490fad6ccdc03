"""Who is asking, in which request: handed by the API layer to every use case."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime

from app.policies import Actor
from app.policies.vocabulary import Clearance, MemberKind, MemberStatus, Role


@dataclass(frozen=True)
class Principal:
    """The authenticated member, as the database knows them at the start of the request."""

    member_id: uuid.UUID
    agency_id: uuid.UUID
    kind: MemberKind
    roles: frozenset[Role]
    status: MemberStatus
    bound_by_secrecy: bool
    clearance: Clearance
    # The kind of the member's agency, as read with the member (None where it was not read).
    agency_kind: str | None = None

    def actor(self) -> Actor:
        """The facts the policy engine takes."""
        return Actor(
            member_id=str(self.member_id),
            agency_id=str(self.agency_id),
            roles=self.roles,
            status=self.status,
            bound_by_secrecy=self.bound_by_secrecy,
            clearance=self.clearance,
        )


@dataclass(frozen=True)
class RequestContext:
    """The principal, the request id that goes into every log entry, and the request's clock."""

    principal: Principal
    request_id: str
    now: datetime
