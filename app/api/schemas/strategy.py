"""The strategic LIVC's counts (no person, no pseudonym, no count below 5) and priorities."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Literal

from pydantic import BaseModel, Field

from app.api.schemas.common import Input
from app.policies.priorities import MAX_PRIORITIES, MAX_TEXT, Theme
from app.policies.strategy import Dimension, Granularity


class CountOut(BaseModel):
    """One count: a number of 5 or more, or hidden: "<5"; "suppressed" (5 or more, hidden to
    protect a "<5"); "withheld" (no safe way to publish the table was found: nothing is shown)."""

    period: str = Field(description="'2025' or '2025-Q3'")
    value: str
    count: int | None
    shown: Literal["count", "<5", "suppressed", "withheld"]


class CountsOut(BaseModel):
    """The answer to one strategic query, read from the one publication of the municipality."""

    cell_id: uuid.UUID
    municipality: str
    dimension: Dimension
    granularity: Granularity
    from_year: int
    to_year: int
    rows: list[CountOut]


class Bilingual(Input):
    """A text in Dutch and in French."""

    nl: str = Field(min_length=1, max_length=MAX_TEXT)
    fr: str = Field(min_length=1, max_length=MAX_TEXT)


class PriorityIn(Input):
    """One priority: a theme from the closed list and its text."""

    theme: Theme
    text: Bilingual


class PrioritiesIn(Input):
    """The year's priorities (policy text: name no person and no case)."""

    introduction: Bilingual
    priorities: list[PriorityIn] = Field(min_length=1, max_length=MAX_PRIORITIES)


class PriorityOut(BaseModel):
    """One priority."""

    theme: Theme
    text: dict[str, str]


class PrioritiesOut(BaseModel):
    """One version of a strategic cell's priorities for a year."""

    cell_id: uuid.UUID
    year: int
    version: int
    author_member_id: uuid.UUID
    created_at: datetime
    introduction: dict[str, str]
    priorities: list[PriorityOut]
