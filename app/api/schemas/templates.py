"""Note templates."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Annotated, Literal

from pydantic import BaseModel, Field

from app.api.schemas.common import FieldName, Input, Name
from app.policies.vocabulary import AgencyKind, FieldType, Language, Role, Sensitivity

Choice = Annotated[str, Field(min_length=1, max_length=100)]
LabelsIn = Annotated[dict[Language, Name], Field(max_length=3)]
PartType = Literal["text", "date", "boolean", "integer", "choice", "agency"]


class PartSpecIn(Input):
    """One typed part of a record field (parts do not nest)."""

    name: FieldName
    label: Name
    type: PartType
    required: bool = False
    choices: list[Choice] = Field(default_factory=list, max_length=100)
    labels: LabelsIn = Field(default_factory=dict)
    choice_labels: dict[Choice, LabelsIn] = Field(default_factory=dict, max_length=100)


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
    choices: list[Choice] = Field(default_factory=list, max_length=100)
    labels: LabelsIn = Field(default_factory=dict)
    choice_labels: dict[Choice, LabelsIn] = Field(default_factory=dict, max_length=100)
    parts: list[PartSpecIn] = Field(default_factory=list, max_length=30)
    max_items: int = Field(default=0, ge=0, le=200)


class PartSpecOut(BaseModel):
    """One part of a record field; ``label`` is in the language asked for."""

    name: str
    label: str
    labels: dict[str, str]
    type: FieldType
    required: bool
    choices: list[str]
    choice_labels: dict[str, dict[str, str]]


class FieldSpecOut(BaseModel):
    """One typed field as stored; ``label`` is in the language asked for."""

    name: str
    label: str
    labels: dict[str, str]
    type: FieldType
    sensitivity: Sensitivity
    classification: str | None
    required: bool
    choices: list[str]
    choice_labels: dict[str, dict[str, str]]
    parts: list[PartSpecOut]
    max_items: int


class TemplateIn(Input):
    """A new template (or a new version of a key)."""

    key: Annotated[str, Field(max_length=80, pattern="^[a-z][a-z0-9_-]{0,79}$")]
    title: Name
    titles: LabelsIn = Field(default_factory=dict)
    fields: list[FieldSpecIn] = Field(min_length=1, max_length=100)


class AuthorsOut(BaseModel):
    """Who may write notes with a template: any of the roles, of any of the agency kinds
    (an empty list does not restrict)."""

    roles: list[Role]
    agency_kinds: list[AgencyKind]


class TemplateOut(BaseModel):
    """A template version; ``title`` and labels are in the language asked for."""

    id: uuid.UUID
    key: str
    version: int
    title: str
    titles: dict[str, str]
    language: Language | None
    origin: Literal["shipped", "hub"]
    authors: AuthorsOut | None
    fields: list[FieldSpecOut]
    created_at: datetime
