"""Notes and versions."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from pydantic import BaseModel, Field

from app.api.schemas.common import Input


class NoteIn(Input):
    """A new note: the template and its field values."""

    template_id: uuid.UUID
    fields: dict[str, Any] = Field(max_length=100)


class NoteUpdate(Input):
    """A new version: the complete field values (send If-Match)."""

    fields: dict[str, Any] = Field(max_length=100)


class NoteOut(BaseModel):
    """A note version with its fields."""

    id: uuid.UUID
    case_id: uuid.UUID
    template_id: uuid.UUID
    owner_agency_id: uuid.UUID
    version: int
    current_version: int
    author_id: uuid.UUID
    etag: str
    fields: dict[str, Any]
    created_at: datetime
    updated_at: datetime


class NoteSummary(BaseModel):
    """A note without its content."""

    id: uuid.UUID
    case_id: uuid.UUID
    template_id: uuid.UUID
    owner_agency_id: uuid.UUID
    current_version: int
    created_at: datetime
    updated_at: datetime


class NoteVersionOut(BaseModel):
    """A version's metadata."""

    version: int
    author_id: uuid.UUID
    created_at: datetime
    etag: str
