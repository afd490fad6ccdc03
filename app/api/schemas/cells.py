"""Cells and working groups."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Annotated

from pydantic import BaseModel, Field

from app.api.schemas.common import Input, Name
from app.policies.membership import Seat
from app.policies.vocabulary import CellKind


class CellIn(Input):
    """A new cell."""

    kind: CellKind
    name: Name
    municipality: str = Field(min_length=1, max_length=120)
    chair_member_id: uuid.UUID | None = None


class CellSeatOut(BaseModel):
    """A person seated in a cell, with their standing."""

    member_id: uuid.UUID
    seat: Seat


class CellOut(BaseModel):
    """A cell with the agencies and people that sit in it."""

    id: uuid.UUID
    kind: CellKind
    name: str
    municipality: str
    chair_member_id: uuid.UUID | None
    agency_ids: list[uuid.UUID]
    member_ids: list[uuid.UUID]
    members: list[CellSeatOut] = Field(description="the people seated, with their seat")
    created_at: datetime


class CellAgencyIn(Input):
    """Seat an agency in a cell."""

    agency_id: uuid.UUID


class CellMemberIn(Input):
    """Invite a member into a cell."""

    member_id: uuid.UUID


class CellSeatIn(Input):
    """Seat a member of a seated agency in the cell (again: change their seat)."""

    member_id: uuid.UUID
    seat: Seat | None = Field(
        default=None,
        description="their standing; null: `member` for a newcomer, unchanged for someone "
        "seated. `korpschef_representative` needs a local police member cleared `secret`",
    )


class WorkingGroupIn(Input):
    """A new working group."""

    name: Name


class WorkingGroupOut(BaseModel):
    """A working group."""

    id: uuid.UUID
    cell_id: uuid.UUID
    name: str


class WorkingGroupMemberIn(Input):
    """Add a person seated in the cell to a working group."""

    member_id: uuid.UUID


class WorkingGroupMemberOut(BaseModel):
    """A member of a working group."""

    member_id: uuid.UUID
    added_at: datetime


class WorkingGroupExchangeOut(BaseModel):
    """An exchange on a working group's agenda: its header, never a person's name."""

    id: uuid.UUID
    case_id: uuid.UUID
    case_status: str
    subject_pseudonym: str
    purpose: str
    opens_at: datetime
    expires_at: datetime
    closed_at: datetime | None
    open: bool
    created_at: datetime


DeclarationText = Annotated[str, Field(min_length=1, max_length=20000)]


class DeclarationIn(Input):
    """The cell's confidentiality declaration (art. 458ter §2), in Dutch and French."""

    text_nl: DeclarationText
    text_fr: DeclarationText


class DeclarationOut(BaseModel):
    """One version of a cell's confidentiality declaration."""

    id: uuid.UUID
    cell_id: uuid.UUID
    version: int
    text_nl: str
    text_fr: str
    set_by: uuid.UUID
    set_at: datetime


class ExchangeDeclarationOut(BaseModel):
    """The cell's declaration as a participant of an exchange sees it."""

    exchange_id: uuid.UUID
    declaration: DeclarationOut | None
    required: bool = Field(description="true for a guest: accept before reading anything")
    accepted_at: datetime | None
    accepted_version: int | None
    accept: str = Field(description="where a guest accepts it (POST)")
