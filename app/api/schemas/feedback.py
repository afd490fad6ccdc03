"""Feedback sheets to the police (rule 11)."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Annotated, Any, Literal

from pydantic import BaseModel, Field

from app.api.schemas.common import FieldName, Input
from app.policies.feedback import RefusalReason


class QuoteIn(Input):
    """A reference to a field of a note of the exchange's case (no value is copied)."""

    note_id: uuid.UUID
    field: FieldName


class FeedbackSheetIn(Input):
    """A draft: the police agency of the cell it goes to, the fields of the shipped
    ``feedback_sheet`` template, and any quotes of note fields of the case."""

    police_agency_id: uuid.UUID
    fields: dict[str, Any] = Field(max_length=20)
    quotes: list[QuoteIn] = Field(default_factory=list, max_length=50)


class RefusalIn(Input):
    """Why you refuse the draft (a closed list) and, if you wish, a short text."""

    reason: RefusalReason
    comment: Annotated[str, Field(min_length=1, max_length=500)] | None = None


class QuoteOut(BaseModel):
    """A quoted note field."""

    note_id: uuid.UUID
    field: str


class VoteOut(BaseModel):
    """One member's approval or refusal."""

    member_id: uuid.UUID
    agency_id: uuid.UUID
    decision: Literal["approve", "refuse"]
    reason: RefusalReason | None
    at: datetime
    # A refusal's short text, shown to the exchange's participants while it is open.
    comment: str | None = None


class FeedbackSheetOut(BaseModel):
    """A sheet: who must approve, who did (approvals given before the last invitation no longer
    count), its votes, and its content while it is open (none in listings)."""

    id: uuid.UUID
    exchange_id: uuid.UUID
    police_agency_id: uuid.UUID
    template_id: uuid.UUID
    drafted_by: uuid.UUID
    drafted_at: datetime
    status: Literal["open", "approved", "refused"]
    ended_at: datetime | None
    # The police agency's note the approved sheet became.
    note_id: uuid.UUID | None
    quotes: list[QuoteOut]
    required_approvers: list[uuid.UUID]
    approved_by: list[uuid.UUID]
    votes: list[VoteOut]
    fields: dict[str, Any] | None = None
