"""Agencies and members."""

from __future__ import annotations

import uuid
from datetime import datetime

from pydantic import BaseModel, Field

from app.api.schemas.common import Input, Name
from app.policies.vocabulary import AgencyKind, MemberKind, MemberStatus, Role, SecrecyRegime
from app.services.passwords import MAX_LENGTH, MIN_LENGTH, USERNAME_PATTERN

CLEARANCE_PATTERN = "^(none|restricted|confidential|secret|top_secret)$"


class AgencyIn(Input):
    """A new agency."""

    name: Name
    kind: AgencyKind
    secrecy_regime: SecrecyRegime
    approver_role: Role = Field(
        default=Role.AGENCY_ADMIN,
        description="whose approval widening changes to the agency's members need (four-eyes): "
        "agency_admin or auditor",
    )


class AgencyPatch(Input):
    """Changes to an agency (hub admin)."""

    approver_role: Role


class AgencyOut(BaseModel):
    """An agency."""

    id: uuid.UUID
    name: str
    kind: AgencyKind
    secrecy_regime: SecrecyRegime
    approver_role: Role
    created_at: datetime


class MemberIn(Input):
    """A new member of an agency."""

    display_name: Name
    kind: MemberKind = MemberKind.PERSON
    roles: list[Role] = Field(min_length=1, max_length=9)
    bound_by_secrecy: bool = False
    clearance: str = Field(default="none", pattern=CLEARANCE_PATTERN)
    username: str | None = Field(
        default=None,
        max_length=80,
        pattern=USERNAME_PATTERN,
        description="for the web sign-in: lower case letters, digits, '.', '_', '-' (3-80); "
        "unique in the hub (409 username_taken). A password is set by a four-eyes proposal "
        "(POST /members/{id}/password-reset)",
    )


class PasswordChangeIn(Input):
    """A member's new password, with the current one (never stored; only hashes are)."""

    current_password: str = Field(min_length=1, max_length=MAX_LENGTH)
    new_password: str = Field(
        min_length=1,
        max_length=MAX_LENGTH,
        description=f"at least {MIN_LENGTH} characters, not the username, not the current one",
    )


class MemberPatch(Input):
    """Changes to a member; absent members of the body stay as they are."""

    status: MemberStatus | None = None
    roles: list[Role] | None = Field(default=None, min_length=1, max_length=9)
    bound_by_secrecy: bool | None = None
    clearance: str | None = Field(default=None, pattern=CLEARANCE_PATTERN)


class MemberOut(BaseModel):
    """A member (never their secret)."""

    id: uuid.UUID
    agency_id: uuid.UUID
    display_name: str
    kind: MemberKind
    roles: list[Role]
    bound_by_secrecy: bool
    clearance: str
    status: MemberStatus
    client_id: str | None = None
    created_at: datetime
    username: str | None = None
    has_password: bool = Field(
        default=False, description="whether a password is set (it and its hash never leave)"
    )


class ProposalRef(BaseModel):
    """The proposal a change waits on (GET /proposals/{id} for the whole of it)."""

    id: uuid.UUID
    state: str
    expires_at: datetime


class NewMemberOut(MemberOut):
    """A created member: active at once, or pending (holding nothing) until a second person
    approves ``proposal``. A service account's client secret is shown once, to the approver."""

    proposal: ProposalRef | None = None


class ChangedMemberOut(MemberOut):
    """A member after the narrowing part of a change (at once); ``proposal`` holds the widening
    part until a second person approves it."""

    proposal: ProposalRef | None = None
