"""Subjects and cases."""

from __future__ import annotations

import uuid
from datetime import date, datetime

from pydantic import BaseModel, Field

from app.api.schemas.common import Input, Name
from app.policies.cartography import OcadCategory
from app.policies.casework import AxisOutcome, InterventionAxis
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
    """Move a case one step of its workflow; closing names an outcome for every axis."""

    status: CaseStatus
    outcomes: dict[InterventionAxis, AxisOutcome] | None = Field(
        default=None,
        description="Only when closing: one outcome from the closed list for each axis.",
    )


class CaseOut(BaseModel):
    """A case (pseudonymous)."""

    id: uuid.UUID
    cell_id: uuid.UUID
    subject_id: uuid.UUID
    subject_pseudonym: str
    subject_is_minor: bool = Field(
        description="Under 18 today, from the birth date (DOMAIN.md rule 13)."
    )
    working_group_id: uuid.UUID | None
    status: CaseStatus
    created_at: datetime
    updated_at: datetime


class CaseStepOut(BaseModel):
    """One step of a case's workflow: from which status to which, who and when."""

    from_status: CaseStatus | None
    to_status: CaseStatus
    member_id: uuid.UUID
    agency_id: uuid.UUID
    at: datetime


class CaseHistoryOut(BaseModel):
    """A case's steps in order and, once closed, its outcome per intervention axis."""

    case_id: uuid.UUID
    status: CaseStatus
    steps: list[CaseStepOut]
    outcomes: dict[InterventionAxis, AxisOutcome]


class CategoryIn(Input):
    """The OCAD category the information officer records for a subject."""

    category: OcadCategory


class CategoryOut(BaseModel):
    """A subject's recorded OCAD category (pseudonymous)."""

    subject_id: uuid.UUID
    pseudonym: str
    category: OcadCategory
    set_at: datetime


class RegisterOut(BaseModel):
    """The cartography of one cell: its subjects by OCAD category (cleared readers only)."""

    cell_id: uuid.UUID
    items: list[CategoryOut]
