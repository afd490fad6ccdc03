"""Four-eyes proposals on member changes."""

from __future__ import annotations

import uuid
from datetime import datetime

from pydantic import BaseModel, Field

from app.api.schemas.orgs import MemberOut
from app.policies.administration import ProposalState
from app.policies.vocabulary import Role


class ProposedChange(BaseModel):
    """What the proposal gives once approved (added to the member as they are then)."""

    roles_add: list[Role]
    clearance: str | None = None
    bound_by_secrecy: bool = False
    activate: bool = False
    reset_password: bool = Field(
        default=False, description="a one-time password, shown once to the approver"
    )


class ProposalOut(BaseModel):
    """A widening change to a member that waits for a second person, or was decided."""

    id: uuid.UUID
    agency_id: uuid.UUID
    member_id: uuid.UUID
    kind: str
    changes: ProposedChange
    state: ProposalState
    proposed_by: uuid.UUID
    proposed_at: datetime
    expires_at: datetime
    decided_by: uuid.UUID | None = None
    decided_at: datetime | None = None


class DecisionOut(BaseModel):
    """A decided proposal and the member as it is now.

    When the approval brings a service account into effect, its client secret is shown here,
    once, to the approver: nobody held a usable secret before a second person agreed.
    """

    proposal: ProposalOut
    member: MemberOut
    client_secret: str | None = None
    initial_password: str | None = Field(
        default=None,
        description="on approving a password reset: the one-time password, shown only here and "
        "only now; the member must choose a new one when signing in",
    )
