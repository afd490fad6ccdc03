"""Cells and working groups."""

from __future__ import annotations

import uuid
from datetime import datetime

from pydantic import BaseModel, Field

from app.api.schemas.common import Input, Name
from app.policies.vocabulary import CellKind


class CellIn(Input):
    """A new cell."""

    kind: CellKind
    name: Name
    municipality: str = Field(min_length=1, max_length=120)
    chair_member_id: uuid.UUID | None = None


class CellOut(BaseModel):
    """A cell with the agencies and people that sit in it."""

    id: uuid.UUID
    kind: CellKind
    name: str
    municipality: str
    chair_member_id: uuid.UUID | None
    agency_ids: list[uuid.UUID]
    member_ids: list[uuid.UUID]
    created_at: datetime


class CellAgencyIn(Input):
    """Seat an agency in a cell."""

    agency_id: uuid.UUID


class CellMemberIn(Input):
    """Invite a member into a cell."""

    member_id: uuid.UUID


class WorkingGroupIn(Input):
    """A new working group."""

    name: Name


class WorkingGroupOut(BaseModel):
    """A working group."""

    id: uuid.UUID
    cell_id: uuid.UUID
    name: str
