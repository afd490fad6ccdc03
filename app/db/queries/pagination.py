"""Cursor pagination: opaque cursors over (created_at, id), stable under inserts."""

from __future__ import annotations

import base64
import binascii
import json
import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Generic, TypeVar

from sqlalchemy import ColumnElement, Select, and_, or_
from sqlalchemy.ext.asyncio import AsyncSession

from app.errors import BadRequest

T = TypeVar("T")

MAX_LIMIT = 200


@dataclass(frozen=True)
class Page(Generic[T]):
    """One page of results and the cursor of the next one (None at the end)."""

    items: Sequence[T]
    next_cursor: str | None


def _encode(created_at: datetime, row_id: uuid.UUID) -> str:
    raw = json.dumps([created_at.isoformat(), str(row_id)]).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def _decode(cursor: str) -> tuple[datetime, uuid.UUID]:
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4))
        stamp, row_id = json.loads(raw)
        moment = datetime.fromisoformat(stamp)
        if moment.tzinfo is None:
            raise ValueError("a cursor's time has an offset")
        return moment, uuid.UUID(row_id)
    except (binascii.Error, ValueError, TypeError, UnicodeDecodeError) as exc:
        raise BadRequest("the cursor is not valid; start again without one") from exc


def _after(
    stmt: Select[Any],
    created_at: ColumnElement[datetime],
    row_id: ColumnElement[uuid.UUID],
    limit: int,
    cursor: str | None,
) -> Select[Any]:
    if cursor:
        stamp, last_id = _decode(cursor)
        stmt = stmt.where(or_(created_at > stamp, and_(created_at == stamp, row_id > last_id)))
    return stmt.order_by(created_at, row_id).limit(limit + 1)


def _page(rows: list[T], limit: int, key: Callable[[T], tuple[datetime, uuid.UUID]]) -> Page[T]:
    more = len(rows) > limit
    rows = rows[:limit]
    return Page(items=rows, next_cursor=_encode(*key(rows[-1])) if more and rows else None)


async def paginate(
    session: AsyncSession,
    stmt: Select[Any],
    *,
    created_at: Any,
    row_id: Any,
    limit: int,
    cursor: str | None,
) -> Page[Any]:
    """Mapped objects of ``stmt`` ordered by (created_at, id) after the cursor (admin lists)."""
    rows = list((await session.scalars(_after(stmt, created_at, row_id, limit, cursor))).all())
    return _page(rows, limit, lambda r: (getattr(r, created_at.key), getattr(r, row_id.key)))


async def paginate_rows(
    session: AsyncSession,
    stmt: Select[Any],
    build: Callable[[Any], T],
    *,
    created_at: ColumnElement[datetime],
    row_id: ColumnElement[uuid.UUID],
    limit: int,
    cursor: str | None,
) -> Page[T]:
    """Plain rows of a Core ``stmt``, each made by ``build``, paged like ``paginate``."""
    result = await session.execute(_after(stmt, created_at, row_id, limit, cursor))
    raw = list(result)
    page = _page(raw, limit, lambda r: (r._mapping[created_at], r._mapping[row_id]))
    return Page(items=[build(r) for r in page.items], next_cursor=page.next_cursor)
