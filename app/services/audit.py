"""The auditor's side of the access log: query, export, checkpoints. Metadata only, never content.

A hub auditor sees the whole log; an agency's auditor sees the entries that concern their agency:
those whose actor is one of its members, and those whose ``owners`` name it (its notes, its
subjects, its members). The scope is applied in SQL, so nothing outside it is loaded.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass, replace
from datetime import datetime
from typing import Any

from sqlalchemy import or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from app.audit import push
from app.audit.entry import FIELDS, canonical, leaf
from app.audit.log import AuditEvent, as_canonical
from app.db.json_array import json_array_has
from app.db.models import AccessLogEntry, AuditCheckpoint
from app.errors import NotFound
from app.policies import Permission, Resource, ResourceKind
from app.services.authz import denied, event_for
from app.services.context import RequestContext
from app.services.hub import Hub

BATCH = 1000
LEAF_BATCH = 20000


@dataclass(frozen=True)
class Scope:
    """The part of the log an auditor reads: the whole hub (``agency`` None) or one agency's."""

    agency: str | None

    def where(self) -> list[Any]:
        """SQL criteria for the entries in scope."""
        if self.agency is None:
            return []
        # Both columns are part of the hashed entry: editing either to hide an entry from an
        # agency's auditor breaks the chain (no unhashed index decides who sees what).
        e = AccessLogEntry
        return [or_(e.actor_agency_id == self.agency, json_array_has(e.owners, self.agency))]


async def authorise(
    session: AsyncSession,
    ctx: RequestContext,
    hub: Hub,
    action: str,
    *,
    event: AuditEvent | None = None,
) -> Scope:
    """The caller's scope of the log; only auditors have one. Their reads are logged too."""
    event = event or event_for(ctx, action)
    whole = Resource(ResourceKind.AUDIT_LOG)
    if hub.authz.decide(ctx, Permission.AUDIT_READ_HUB, whole).allowed:
        scope = Scope(agency=None)
        event = replace(event, reason="hub_wide")
    else:
        agency = str(ctx.principal.agency_id)
        own = Resource(ResourceKind.AUDIT_LOG, owner_agency_id=agency)
        hub.authz.require(ctx, Permission.AUDIT_READ, own, event=event, hide=False)
        scope = Scope(agency=agency)
        event = replace(event, reason="agency", owners=(agency,))
    await hub.record(session, ctx, event)
    return scope


def out_of_scope(ctx: RequestContext, action: str) -> NotFound:
    """404 for an entry outside the auditor's scope, logged like any denial."""
    return NotFound(audit=(denied(event_for(ctx, action), "out_of_scope"),))


EXPORT_COLUMNS = (*FIELDS, "hash")


def _csv_cells(item: dict[str, object], columns: tuple[str, ...]) -> list[object]:
    # Lists are joined with ';', null is an empty cell.
    return [
        ";".join(map(str, v)) if isinstance(v, list) else ("" if v is None else v)
        for v in (item[k] for k in columns)
    ]


def _csv_line(item: dict[str, object]) -> str:
    buffer = io.StringIO()
    csv.writer(buffer).writerow(_csv_cells(item, EXPORT_COLUMNS))
    return buffer.getvalue()


async def export_lines(
    sessions: Callable[[], AsyncSession],
    up_to: int,
    *,
    fmt: str = "ndjson",
    scope: Scope = Scope(agency=None),
) -> AsyncIterator[bytes]:
    """Entries 0..up_to-1 in scope, in position order as NDJSON or CSV, read in batches.

    Each batch is read in its own short session and written out before the next is read, so
    memory stays bounded whatever the size of the log.
    """
    if fmt == "csv":
        yield ",".join(EXPORT_COLUMNS).encode() + b"\r\n"
    position = 0
    while position < up_to:
        async with sessions() as session:
            rows = (
                await session.scalars(
                    select(AccessLogEntry)
                    .where(AccessLogEntry.position >= position, AccessLogEntry.position < up_to)
                    .where(*scope.where())
                    .order_by(AccessLogEntry.position)
                    .limit(BATCH)
                )
            ).all()
        if not rows:
            return
        chunk = []
        for row in rows:
            item = as_canonical(row)
            item["hash"] = row.entry_hash
            if fmt == "csv":
                chunk.append(_csv_line(item))
            else:
                chunk.append(json.dumps(item, ensure_ascii=False, separators=(",", ":")) + "\n")
        yield "".join(chunk).encode()
        position = rows[-1].position + 1


def checkpoint_line(row: AuditCheckpoint) -> str:
    """One checkpoint as the verifier reads it (the same line witnesses are pushed)."""
    return push.checkpoint_line(row)


async def checkpoints(session: AsyncSession) -> list[AuditCheckpoint]:
    """Every signed checkpoint, oldest first."""
    rows = await session.scalars(select(AuditCheckpoint).order_by(AuditCheckpoint.tree_size))
    return list(rows.all())


@dataclass(frozen=True)
class EntryFilter:
    """What an auditor asks for; every given criterion must match."""

    subject: str | None = None
    case: str | None = None
    member: str | None = None
    agency: str | None = None
    exchange: str | None = None
    action: str | None = None
    decision: str | None = None
    since: datetime | None = None
    until: datetime | None = None


def _where(f: EntryFilter) -> list[Any]:
    e = AccessLogEntry
    pairs = [
        (e.subject_id, f.subject),
        (e.case_id, f.case),
        (e.actor_member_id, f.member),
        (e.actor_agency_id, f.agency),
        (e.exchange_id, f.exchange),
        (e.action, f.action),
        (e.decision, f.decision),
    ]
    clauses: list[Any] = [column == value for column, value in pairs if value is not None]
    if f.since is not None:
        clauses.append(e.at >= f.since)
    if f.until is not None:
        clauses.append(e.at < f.until)
    return clauses


async def query(
    session: AsyncSession, f: EntryFilter, scope: Scope, *, after: int | None, limit: int
) -> tuple[list[AccessLogEntry], int | None]:
    """Entries in scope matching the filter in log order, after a position; and the next cursor."""
    stmt = select(AccessLogEntry).where(*_where(f), *scope.where())
    if after is not None:
        stmt = stmt.where(AccessLogEntry.position > after)
    rows = list(
        (await session.scalars(stmt.order_by(AccessLogEntry.position).limit(limit + 1))).all()
    )
    more = len(rows) > limit
    rows = rows[:limit]
    return rows, rows[-1].position if more and rows else None


async def leaves(session: AsyncSession, size: int) -> list[bytes]:
    """The Merkle leaves of the first ``size`` entries, from their stored leaf hashes.

    A leaf hash that is missing is recomputed from its entry. A wrong one cannot pass: the proof
    built from it would not match the signed checkpoint the auditor checks it against.
    """
    out: list[bytes] = []
    position = 0
    e = AccessLogEntry
    while position < size:
        rows = (
            await session.execute(
                select(e.position, e.leaf_hash)
                .where(e.position >= position, e.position < size)
                .order_by(e.position)
                .limit(LEAF_BATCH)
            )
        ).all()
        if not rows:
            break
        for at, hashed in rows:
            if hashed is None:
                row = (await session.execute(select(e).where(e.position == at))).scalar_one()
                out.append(leaf(canonical(as_canonical(row))))
            else:
                out.append(bytes.fromhex(hashed))
        position = rows[-1][0] + 1
    return out


REPORT_COLUMNS = (
    "seq",
    "at",
    "actor",
    "actor_agency",
    "action",
    "decision",
    "reason",
    "exchange",
    "purpose",
    "fields",
    "denied",
    "note",
    "case",
)


def report_row(row: AccessLogEntry) -> dict[str, object]:
    """One access to a subject's data: who, when, which fields, in which exchange, why."""
    item = as_canonical(row)
    return {k: item[k] for k in REPORT_COLUMNS}


def report_csv(rows: list[AccessLogEntry]) -> str:
    """The subject report as CSV (lists joined with ';')."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(REPORT_COLUMNS)
    for row in rows:
        writer.writerow(_csv_cells(report_row(row), REPORT_COLUMNS))
    return buffer.getvalue()
