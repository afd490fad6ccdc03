"""The auditor's side of the access log: query, export, proofs, checkpoints. Metadata only.

A hub auditor sees the whole log; an agency's auditor sees the entries that concern their agency:
those whose actor is one of its members, and those whose ``owners`` name it (its notes, its
subjects, its members). The scope is applied in SQL, so nothing outside it is loaded. Every read
of the log is itself logged, with what it asked about.
"""

from __future__ import annotations

import csv
import io
import uuid
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass, replace
from datetime import datetime
from typing import Any

from anyio import to_thread
from sqlalchemy import ColumnElement
from sqlalchemy.ext.asyncio import AsyncSession

from app.audit import merkle, push
from app.audit.entry import FIELDS, canonical, export_line, leaf
from app.audit.log import AuditEvent, as_canonical
from app.db.queries import audit as queries
from app.db.queries.audit import Entry
from app.errors import NotFound, ValidationFailed
from app.policies import Permission, Resource, ResourceKind
from app.services.authz import denied, event_for, with_owners
from app.services.concerns import concerning
from app.services.context import RequestContext
from app.services.hub import Hub

BATCH = 1000
REPORT_PAGE = 1000


@dataclass(frozen=True)
class Scope:
    """The part of the log an auditor reads: the whole hub (``agency`` None) or one agency's."""

    agency: str | None

    def where(self) -> list[ColumnElement[bool]]:
        """SQL criteria for the entries in scope."""
        return [] if self.agency is None else [queries.concerning(self.agency)]


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

    def where(self) -> list[ColumnElement[bool]]:
        """SQL criteria for the entries asked for."""
        return queries.matching(
            subject=self.subject,
            case=self.case,
            member=self.member,
            agency=self.agency,
            exchange=self.exchange,
            action=self.action,
            decision=self.decision,
            since=self.since,
            until=self.until,
        )


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
    if event.subject_id or event.object_id:
        # The query names ids from the request: the entry concerns whom they belong to.
        event = await concerning(session, event)
    whole = Resource(ResourceKind.AUDIT_LOG)
    if hub.authz.decide(ctx, Permission.AUDIT_READ_HUB, whole).allowed:
        scope = Scope(agency=None)
        event = replace(event, reason="hub_wide")
    else:
        agency = str(ctx.principal.agency_id)
        own = Resource(ResourceKind.AUDIT_LOG, owner_agency_id=agency)
        hub.authz.require(ctx, Permission.AUDIT_READ, own, event=event, hide=False)
        scope = Scope(agency=agency)
        event = with_owners(replace(event, reason="agency"), agency)
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


async def export(
    session: AsyncSession,
    ctx: RequestContext,
    hub: Hub,
    sessions: Callable[[], AsyncSession],
    *,
    fmt: str,
) -> AsyncIterator[bytes]:
    """Every entry in the caller's scope up to this request's own entry, as NDJSON or CSV.

    The export's own entry is made durable first (the export ends with it); the entries are
    then read in batches, each in its own short session, after this request's transaction.
    """
    scope = await authorise(session, ctx, hub, "audit:export")
    await hub.commit(session)
    size = await queries.size(session)
    return export_lines(sessions, size, fmt=fmt, scope=scope)


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
            rows = await queries.batch(
                session, scope.where(), start=position, end=up_to, limit=BATCH
            )
        if not rows:
            return
        chunk: list[bytes] = []
        for row in rows:
            item = as_canonical(row)
            if fmt == "csv":
                item["hash"] = row.entry_hash
                chunk.append(_csv_line(item).encode())
            else:
                # The canonical bytes, then the hash: the verifier hashes the line as given.
                chunk.append(export_line(item, row.entry_hash))
        yield b"".join(chunk)
        position = rows[-1].position + 1


def checkpoint_line(row: Any) -> str:
    """One checkpoint as the verifier reads it (the same line witnesses are pushed)."""
    return push.checkpoint_line(row)


async def checkpoint_lines(session: AsyncSession, ctx: RequestContext, hub: Hub) -> str:
    """Every signed checkpoint, oldest first, as NDJSON."""
    await authorise(session, ctx, hub, "audit:checkpoints")
    rows = await queries.checkpoints(session)
    return "".join(checkpoint_line(r) + "\n" for r in rows)


async def make_checkpoint(
    session: AsyncSession, ctx: RequestContext, hub: Hub
) -> dict[str, object]:
    """Sign the log's tree head now: it covers this request's own entry."""
    await authorise(session, ctx, hub, "audit:checkpoint")
    await hub.append_staged(session)
    row = await hub.log.checkpoint_now(session)
    return {
        "tree_size": row.tree_size,
        "root_hash": row.root_hash,
        "key_id": row.key_id,
        "signature": row.signature,
    }


def _query_event(ctx: RequestContext, f: EntryFilter, action: str) -> AuditEvent:
    # The auditor's own query is logged with what it asked about, so a subject's report shows
    # who looked them up in the log too.
    return replace(
        event_for(ctx, action, case_id=f.case, subject_id=f.subject),
        exchange_id=f.exchange,
        object_id=f.member or f.agency,
    )


async def query(
    session: AsyncSession,
    ctx: RequestContext,
    hub: Hub,
    f: EntryFilter,
    *,
    after: int | None,
    limit: int,
) -> tuple[list[Entry], int | None]:
    """Entries in scope matching the filter in log order, after a position; and the next cursor."""
    event = _query_event(ctx, f, "audit:query")
    scope = await authorise(session, ctx, hub, "audit:query", event=event)
    return await _page(session, f, scope, after=after, limit=limit)


async def _page(
    session: AsyncSession, f: EntryFilter, scope: Scope, *, after: int | None, limit: int
) -> tuple[list[Entry], int | None]:
    rows = await queries.entries(
        session, [*f.where(), *scope.where()], after=after, limit=limit + 1
    )
    more = len(rows) > limit
    rows = rows[:limit]
    return rows, rows[-1].position if more and rows else None


async def subject_report(
    session: AsyncSession, ctx: RequestContext, hub: Hub, subject_id: uuid.UUID
) -> list[Entry]:
    """Every access to one subject's data in the caller's scope (GDPR art. 15 / LED)."""
    f = EntryFilter(subject=str(subject_id))
    event = _query_event(ctx, f, "audit:subject_report")
    scope = await authorise(session, ctx, hub, "audit:subject_report", event=event)
    rows: list[Entry] = []
    after: int | None = None
    while True:
        page, after = await _page(session, f, scope, after=after, limit=REPORT_PAGE)
        rows.extend(page)
        if after is None:
            return rows


async def leaves(session: AsyncSession, size: int) -> list[bytes]:
    """The Merkle leaves of the first ``size`` entries, from their stored leaf hashes.

    A leaf hash that is missing is recomputed from its entry. A wrong one cannot pass: the proof
    built from it would not match the signed checkpoint the auditor checks it against.
    """
    out: list[bytes] = []
    position = 0
    while position < size:
        rows = await queries.leaf_hashes(session, position, size)
        if not rows:
            break
        for at, hashed in rows:
            if hashed is None:
                out.append(leaf(canonical(as_canonical(await queries.entry_at(session, at)))))
            else:
                out.append(bytes.fromhex(hashed))
        position = rows[-1][0] + 1
    return out


async def inclusion(
    session: AsyncSession, ctx: RequestContext, hub: Hub, *, seq: int, size: int
) -> dict[str, object]:
    """RFC 9162 inclusion proof of entry ``seq`` in the tree of the first ``size`` entries."""
    scope = await authorise(session, ctx, hub, "audit:proof")
    if size > await queries.size(session) or seq >= size:
        raise ValidationFailed("seq must be below size, and size at most the log's size")
    if not await queries.in_scope(session, seq, scope.where()):
        raise out_of_scope(ctx, "audit:proof")
    found = await leaves(session, size)
    # Hashing a large tree takes a while: off the event loop, so other requests go on.
    root, path = await to_thread.run_sync(_inclusion, seq, found)
    return {
        "seq": seq,
        "tree_size": size,
        "leaf_hash": found[seq].hex(),
        "root_hash": root.hex(),
        "audit_path": [h.hex() for h in path],
    }


def _inclusion(seq: int, found: list[bytes]) -> tuple[bytes, list[bytes]]:
    return merkle.root(found), merkle.inclusion_proof(seq, found)


def _consistency(first: int, found: list[bytes]) -> tuple[bytes, bytes, list[bytes]]:
    return (
        merkle.root(found[:first]),
        merkle.root(found),
        merkle.consistency_proof(first, found),
    )


async def consistency(
    session: AsyncSession, ctx: RequestContext, hub: Hub, *, first: int, second: int
) -> dict[str, object]:
    """RFC 9162 consistency proof between the trees of the first ``first`` and ``second``."""
    await authorise(session, ctx, hub, "audit:proof")
    if not first <= second <= await queries.size(session):
        raise ValidationFailed("from must be at most to, and to at most the log's size")
    found = await leaves(session, second)
    old_root, new_root, proof = await to_thread.run_sync(_consistency, first, found)
    return {
        "from": first,
        "to": second,
        "old_root": old_root.hex(),
        "new_root": new_root.hex(),
        "proof": [h.hex() for h in proof],
    }


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


def report_row(row: Entry) -> dict[str, object]:
    """One access to a subject's data: who, when, which fields, in which exchange, why."""
    item = as_canonical(row)
    return {k: item[k] for k in REPORT_COLUMNS}


def report_csv(rows: list[Entry]) -> str:
    """The subject report as CSV (lists joined with ';')."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(REPORT_COLUMNS)
    for row in rows:
        writer.writerow(_csv_cells(report_row(row), REPORT_COLUMNS))
    return buffer.getvalue()
