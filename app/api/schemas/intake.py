"""First-line intake of a request for help."""

from __future__ import annotations

import uuid
from datetime import date, datetime
from typing import Any

from pydantic import BaseModel, Field

from app.api.schemas.cases import CaseOut
from app.api.schemas.common import Input, Name
from app.api.schemas.notes import NoteOut


class PersonIn(Input):
    """The person concerned, of any age; identifiers are sealed under your agency's key."""

    name: Name
    date_of_birth: date
    national_register_number: str | None = Field(default=None, min_length=11, max_length=15)


class IntakeIn(Input):
    """A request for help: the person concerned (new, or one of your agency's subjects), the
    cell the case opens in, and the fields of the shipped ``intake`` template."""

    cell_id: uuid.UUID
    working_group_id: uuid.UUID | None = None
    subject_id: uuid.UUID | None = None
    person: PersonIn | None = None
    fields: dict[str, Any] = Field(max_length=100)


class IntakeOut(BaseModel):
    """The case the request started and its sealed intake note."""

    case: CaseOut
    note: NoteOut
    template_key: str
    template_version: int
    receiving_agency_id: uuid.UUID
    taken_in_by: uuid.UUID
    taken_in_at: datetime
