"""Shared pieces of the API's bodies, and the one rule every submitted text obeys.

PostgreSQL refuses NUL characters in text and no database can store a lone surrogate (JSON allows
``"\\ud800"``), so either would fail deep in a request as a 5xx. ``text_problem`` is the single
check: request bodies (every field of every ``Input``, nested values included), the query string
(``app.api.middleware.QueryTextMiddleware``) and the token endpoint's form fields apply it, and
the caller gets a 422 naming the field. Datetimes are accepted only with an offset (``Instant``),
cursors only in printable ASCII and within their length.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Annotated, Any, Generic, TypeVar

from fastapi import Query
from pydantic import AfterValidator, AwareDatetime, BaseModel, ConfigDict, Field, field_validator
from pydantic_core import PydanticCustomError

T = TypeVar("T")

# The widest signed 32-bit integer: the size of an Integer column on PostgreSQL.
MAX_INT32 = 2**31 - 1

UNSTORABLE = "string_unstorable"


def text_problem(value: str) -> str | None:
    """Why ``value`` cannot be stored as text (a NUL, a lone surrogate), or None if it can."""
    if "\x00" in value:
        return "text must not contain NUL characters"
    if not value.isascii():
        try:
            value.encode("utf-8")
        except UnicodeEncodeError:
            return "text must be valid Unicode (it contains a lone surrogate)"
    return None


def _storable(value: Any) -> None:
    # Walks the values a field holds (a note's fields are a dict of anything); nested Input
    # models have checked their own fields already.
    if isinstance(value, str):
        problem = text_problem(value)
        if problem:
            raise PydanticCustomError(UNSTORABLE, problem)
    elif isinstance(value, Mapping):
        for key, item in value.items():
            _storable(key)
            _storable(item)
    elif isinstance(value, list | tuple | set | frozenset):
        for item in value:
            _storable(item)


def storable_text(value: T) -> T:
    """A validator: ``value`` if its text can be stored, else a validation error."""
    _storable(value)
    return value


def _utc(value: datetime) -> datetime:
    try:
        return value.astimezone(UTC)
    except OverflowError:
        raise PydanticCustomError("datetime_range", "datetime out of range in UTC") from None


# Cursors are written by the hub in printable ASCII; anything else is refused before decoding
# (one the hub did not write, in that alphabet, is a 400 from the decoder).
PRINTABLE_ASCII = "^[!-~]*$"
# A point in time, which only a datetime with an offset (or Z) names; normalised to UTC.
Instant = Annotated[AwareDatetime, AfterValidator(_utc)]
Name = Annotated[str, Field(min_length=1, max_length=200)]
# A template field's name, as templates define it and releases and grants name it.
FieldName = Annotated[str, Field(max_length=63, pattern="^[a-z][a-z0-9_]{0,62}$")]
Limit = Annotated[int, Query(ge=1, le=200, description="page size")]
Cursor = Annotated[
    str | None,
    Query(
        max_length=200,
        pattern=PRINTABLE_ASCII,
        description="next_cursor of the previous page",
    ),
]
# The access log's cursors are entry positions: digits, within a signed 64-bit integer.
SeqCursor = Annotated[
    str | None,
    Query(max_length=18, pattern=PRINTABLE_ASCII, description="next_cursor of the previous page"),
]


class Input(BaseModel):
    """Request bodies refuse unknown members (a typo must not pass silently) and unstorable text."""

    model_config = ConfigDict(extra="forbid")

    @field_validator("*", mode="after")
    @classmethod
    def _storable_text(cls, value: Any) -> Any:
        _storable(value)
        return value


class Page(BaseModel, Generic[T]):
    """One page of a list; pass ``next_cursor`` as ``cursor`` to get the next."""

    items: list[T]
    next_cursor: str | None = None


class Problem(BaseModel):
    """RFC 9457 problem details."""

    type: str
    title: str
    status: int
    detail: str | None = None
    instance: str | None = None
    request_id: str | None = None
