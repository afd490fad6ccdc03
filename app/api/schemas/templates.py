"""Note templates."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Annotated

from pydantic import BaseModel, Field

from app.api.schemas.common import FieldName, Input, Name
from app.policies.vocabulary import FieldType, Sensitivity


class FieldSpecIn(Input):
    """One typed field."""

    name: FieldName
    label: Name
    type: FieldType
    sensitivity: Sensitivity
    classification: str | None = Field(
        default=None, pattern="^(restricted|confidential|secret|top_secret)$"
    )
    required: bool = False
    choices: list[Annotated[str, Field(min_length=1, max_length=100)]] = Field(
        default_factory=list, max_length=100
    )


class FieldSpecOut(BaseModel):
    """One typed field as stored."""

    name: str
    label: str
    type: FieldType
    sensitivity: Sensitivity
    classification: str | None
    required: bool
    choices: list[str]


class TemplateIn(Input):
    """A new template (or a new version of a key)."""

    key: Annotated[str, Field(max_length=80, pattern="^[a-z][a-z0-9_-]{0,79}$")]
    title: Name
    fields: list[FieldSpecIn] = Field(min_length=1, max_length=100)


class TemplateOut(BaseModel):
    """A template."""

    id: uuid.UUID
    key: str
    version: int
    title: str
    fields: list[FieldSpecOut]
    created_at: datetime
