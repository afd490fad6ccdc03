"""Exchanges, releases, grants, the shared view and its explanation."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Annotated, Any

from pydantic import BaseModel, Field

from app.api.schemas.common import MAX_INT32, FieldName, Input, Instant
from app.policies.vocabulary import Role, Sensitivity

Text300 = Annotated[str, Field(min_length=1, max_length=300)]


class ExchangeIn(Input):
    """Convene an exchange on a case: purpose and legal basis are required (rule 9)."""

    case_id: uuid.UUID
    working_group_id: uuid.UUID | None = None
    purpose: Text300
    legal_basis: Text300
    opens_at: Instant | None = None
    expires_at: Instant


class ParticipantOut(BaseModel):
    """A current participant, named (a guest only once they accepted the declaration)."""

    member_id: uuid.UUID
    invited_at: datetime
    guest: bool = False
    display_name: str | None = Field(
        default=None,
        description="null for a guest who has not yet accepted the cell's declaration, and in "
        "the answer to an invitation",
    )
    agency_id: uuid.UUID | None = None
    agency_name: str | None = None


class ExchangeOut(BaseModel):
    """An exchange, as its chair and participants see it."""

    id: uuid.UUID
    cell_id: uuid.UUID
    case_id: uuid.UUID
    working_group_id: uuid.UUID | None
    purpose: str
    legal_basis: str
    opens_at: datetime
    expires_at: datetime
    closed_at: datetime | None
    open: bool
    you_chair: bool
    you_participate: bool


class ParticipantIn(Input):
    """Invite a member of the cell, or (``guest``) a member invited into this exchange only."""

    member_id: uuid.UUID
    guest: bool = Field(
        default=False,
        description="invite someone not seated in the cell into this exchange only; they accept "
        "the cell's confidentiality declaration before reading (the cell must have one)",
    )


class ReleaseIn(Input):
    """Release fields and/or whole sensitivity classes of one of your agency's notes."""

    note_id: uuid.UUID
    version: int | None = Field(
        default=None, ge=1, le=MAX_INT32, description="a version, or null for the latest"
    )
    fields: list[FieldName] = Field(default_factory=list, max_length=100)
    sensitivities: list[Sensitivity] = Field(default_factory=list, max_length=13)


class ReleaseOut(BaseModel):
    """A release in force: names and classes, never values."""

    id: uuid.UUID
    note_id: uuid.UUID
    owner_agency_id: uuid.UUID
    version: int | None
    field: str | None
    sensitivity: str | None
    released_at: datetime
    template_id: uuid.UUID = Field(
        description="the released note's template, whose field labels name the released fields"
    )


class GrantIn(Input):
    """Grant a released field or class to one participant or to every participant of a role."""

    member_id: uuid.UUID | None = None
    role: Role | None = None
    note_id: uuid.UUID | None = None
    field: FieldName | None = None
    sensitivity: Sensitivity | None = None


class GrantOut(BaseModel):
    """A grant in force."""

    id: uuid.UUID
    member_id: uuid.UUID | None
    role: str | None
    note_id: uuid.UUID | None
    field: str | None
    sensitivity: str | None
    granted_at: datetime


class SharedNoteOut(BaseModel):
    """A note version with only the fields visible to you."""

    note_id: uuid.UUID
    version: int
    template_id: uuid.UUID
    owner_agency_id: uuid.UUID
    fields: dict[str, Any]


class ViewOut(BaseModel):
    """What you see in this exchange."""

    exchange: ExchangeOut
    case_id: uuid.UUID
    subject_pseudonym: str
    notes: list[SharedNoteOut]


class FieldVerdictOut(BaseModel):
    """The engine's decision on one released field (never its value)."""

    note_id: uuid.UUID
    version: int
    field: str
    sensitivity: str
    visible: bool
    reasons: list[str]


class ParticipantVerdictsOut(BaseModel):
    """For the chair: what one participant would see of the released fields."""

    member_id: uuid.UUID
    fields: list[FieldVerdictOut]


class ExplainOut(BaseModel):
    """Why: your granted fields, and for the chair every participant's (none once shut)."""

    exchange_id: uuid.UUID
    yours: list[FieldVerdictOut]
    participants: list[ParticipantVerdictsOut]
    exchange: ExchangeOut
