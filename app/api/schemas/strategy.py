"""The strategic LIVC's counts: no person, no pseudonym, no count below 5."""

from __future__ import annotations

import uuid
from typing import Literal

from pydantic import BaseModel, Field

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
