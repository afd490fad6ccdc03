"""Subjects and cases."""

from __future__ import annotations

import uuid
from datetime import date, datetime

from pydantic import BaseModel, Field

from app.api.schemas.common import Input, Name
from app.policies.vocabulary import CaseStatus


class SubjectIn(Input):
    """A person to register; identifiers are sealed under the caller's agency key at once."""

    name: Name
    date_of_birth: date
    national_register_number: str | None = Field(default=None, min_length=11, max_length=15)


class SubjectOut(BaseModel):
    """A subject as other agencies may know it: a pseudonym."""

    id: uuid.UUID
    pseudonym: str
    is_minor: bool
    created_at: datetime


class SubjectIdentifiersOut(SubjectOut):
    """A subject with identifiers, for the owning agency."""

    name: str
    date_of_birth: date
    national_register_number: str | None = None


class CaseIn(Input):
    """Open a case for a subject in a cell."""

    cell_id: uuid.UUID
    subject_id: uuid.UUID
    working_group_id: uuid.UUID | None = None
    status: CaseStatus = CaseStatus.SIGNALLED


class CasePatch(Input):
    """Change a case's status."""

    status: CaseStatus


class CaseOut(BaseModel):
    """A case (pseudonymous)."""

    id: uuid.UUID
    cell_id: uuid.UUID
    subject_id: uuid.UUID
    subject_pseudonym: str
    working_group_id: uuid.UUID | None
    status: CaseStatus
    created_at: datetime
    updated_at: datetime
