"""The access log as auditors read it: entries, leaves, checkpoints and the head's size.

An agency auditor's scope is one predicate (``concerning``): the entries whose actor is one of
the agency's members or whose ``owners`` name it. Both columns are hashed into the entry, so
editing either to hide an entry from an agency's auditor breaks the chain.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import ColumnElement, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from app.db.json_array import json_array_has
from app.db.models import AuditCheckpoint
from app.db.queries.tables import access_log, audit_head

LEAF_BATCH = 20000


def concerning(agency: str) -> ColumnElement[bool]:
    """The entries that concern an agency: its members acted, or its data was touched."""
    e = access_log.c
    return or_(e.actor_agency_id == agency, json_array_has(e.owners, agency))


def matching(
    *,
    subject: str | None = None,
    case: str | None = None,
    member: str | None = None,
    agency: str | None = None,
    exchange: str | None = None,
    action: str | None = None,
    decision: str | None = None,
    since: datetime | None = None,
    until: datetime | None = None,
) -> list[ColumnElement[bool]]:
    """Criteria for an auditor's query; every given one must match."""
    e = access_log.c
    pairs: list[tuple[Any, str | None]] = [
        (e.subject_id, subject),
        (e.case_id, case),
        (e.actor_member_id, member),
        (e.actor_agency_id, agency),
        (e.exchange_id, exchange),
        (e.action, action),
        (e.decision, decision),
    ]
    clauses: list[ColumnElement[bool]] = [c == v for c, v in pairs if v is not None]
    if since is not None:
        clauses.append(e.at >= since)
    if until is not None:
        clauses.append(e.at < until)
    return clauses


async def size(session: AsyncSession) -> int:
    """How many entries the log holds (the head's size)."""
    found = await session.scalar(select(audit_head.c.size).where(audit_head.c.id == 1))
    return int(found or 0)


# Entries are plain rows with the entry's attribute names (what ``as_canonical`` reads).
Entry = Any


async def entries(
    session: AsyncSession,
    criteria: Sequence[ColumnElement[bool]],
    *,
    after: int | None,
    limit: int,
) -> list[Entry]:
    """Entries matching the criteria in log order, after a position (at most ``limit``)."""
    e = access_log.c
    stmt = select(access_log).where(*criteria)
    if after is not None:
        stmt = stmt.where(e.position > after)
    return list(await session.execute(stmt.order_by(e.position).limit(limit)))


async def batch(
    session: AsyncSession,
    criteria: Sequence[ColumnElement[bool]],
    *,
    start: int,
    end: int,
    limit: int,
) -> list[Entry]:
    """Entries at positions start..end-1 matching the criteria, in order (at most ``limit``)."""
    e = access_log.c
    stmt = select(access_log).where(e.position >= start, e.position < end, *criteria)
    return list(await session.execute(stmt.order_by(e.position).limit(limit)))


async def in_scope(
    session: AsyncSession, position: int, criteria: Sequence[ColumnElement[bool]]
) -> bool:
    """Whether the entry at ``position`` matches the criteria (an auditor's scope)."""
    stmt = select(access_log.c.position).where(access_log.c.position == position, *criteria)
    return await session.scalar(stmt) is not None


async def leaf_hashes(session: AsyncSession, start: int, end: int) -> list[tuple[int, str | None]]:
    """Stored leaf hashes of positions start..end-1 (at most ``LEAF_BATCH``), in order."""
    e = access_log.c
    stmt = (
        select(e.position, e.leaf_hash)
        .where(e.position >= start, e.position < end)
        .order_by(e.position)
        .limit(LEAF_BATCH)
    )
    return [(int(p), h) for p, h in await session.execute(stmt)]


async def entry_at(session: AsyncSession, position: int) -> Entry:
    """The entry at a position (to recompute a leaf hash that was never stored)."""
    stmt = select(access_log).where(access_log.c.position == position)
    return (await session.execute(stmt)).one()


async def checkpoints(session: AsyncSession) -> list[AuditCheckpoint]:
    """Every signed checkpoint, oldest first."""
    rows = await session.scalars(select(AuditCheckpoint).order_by(AuditCheckpoint.tree_size))
    return list(rows.all())
