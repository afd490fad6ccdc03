"""/api/v1/audit: export the log, list and make signed checkpoints (auditors)."""

from __future__ import annotations

import uuid
from dataclasses import replace
from typing import Annotated

from anyio import to_thread
from fastapi import APIRouter, Query, Request, Response, status
from fastapi.responses import JSONResponse, PlainTextResponse, StreamingResponse
from pydantic import BaseModel
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from app.api.deps import ContextDep, HubDep, SessionDep, hub_state
from app.api.schemas.common import Instant, Limit, SeqCursor
from app.audit import merkle
from app.audit.log import AuditEvent, as_canonical
from app.db.models import AccessLogEntry, AuditHead
from app.errors import BadRequest, ValidationFailed
from app.services import audit
from app.services.authz import event_for
from app.services.context import RequestContext

router = APIRouter(tags=["audit"])

NDJSON = "application/x-ndjson"


async def _size(session: AsyncSession) -> int:
    return int(await session.scalar(select(AuditHead.size).where(AuditHead.id == 1)) or 0)


@router.get(
    "/audit/export",
    response_class=StreamingResponse,
    responses={200: {"content": {NDJSON: {}, "text/csv": {}}}},
)
async def export(
    request: Request,
    session: SessionDep,
    ctx: ContextDep,
    hub: HubDep,
    format: Annotated[str, Query(pattern="^(ndjson|csv)$")] = "ndjson",  # noqa: A002 - API name
) -> StreamingResponse:
    """Every entry in the caller's scope, in order, streamed as NDJSON or CSV.

    A hub auditor's export is the whole log: check it with `livc-hub audit verify`. An agency
    auditor's export holds only the entries that concern their agency; prove any one of them
    with an inclusion proof.
    """
    scope = await audit.authorise(session, ctx, hub, "audit:export")
    size = await _size(session)
    lines = audit.export_lines(hub_state(request).sessions, size, fmt=format, scope=scope)
    return StreamingResponse(lines, media_type="text/csv" if format == "csv" else NDJSON)


@router.get(
    "/audit/checkpoints",
    response_class=PlainTextResponse,
    responses={200: {"content": {NDJSON: {}}}},
)
async def list_checkpoints(session: SessionDep, ctx: ContextDep, hub: HubDep) -> PlainTextResponse:
    """Every signed checkpoint as NDJSON, for `livc-hub audit verify --checkpoints`."""
    await audit.authorise(session, ctx, hub, "audit:checkpoints")
    rows = await audit.checkpoints(session)
    body = "".join(audit.checkpoint_line(r) + "\n" for r in rows)
    return PlainTextResponse(body, media_type=NDJSON)


@router.post("/audit/checkpoints", status_code=status.HTTP_201_CREATED)
async def make_checkpoint(session: SessionDep, ctx: ContextDep, hub: HubDep) -> dict[str, object]:
    """Sign the log's current tree head now (it covers this request's own entry)."""
    await audit.authorise(session, ctx, hub, "audit:checkpoint")
    row = await hub.log.checkpoint_now(session)
    return {
        "tree_size": row.tree_size,
        "root_hash": row.root_hash,
        "key_id": row.key_id,
        "signature": row.signature,
    }


class EntryOut(BaseModel):
    """An access-log entry as auditors see it: metadata, never a value."""

    seq: int
    at: str
    actor: str | None
    actor_agency: str | None
    action: str
    decision: str
    reason: str
    cell: str | None
    case: str | None
    subject: str | None
    exchange: str | None
    note: str | None
    object: str | None
    fields: list[str]
    denied: list[str]
    purpose: str | None
    request_id: str
    prev: str
    owners: list[str]
    count: int | None = None
    hash: str


class EntryPage(BaseModel):
    """One page of entries; pass ``next_cursor`` as ``cursor`` for the next."""

    items: list[EntryOut]
    next_cursor: str | None = None


def _query_event(ctx: RequestContext, f: audit.EntryFilter, action: str) -> AuditEvent:
    # The auditor's own query is logged with what it asked about, so a subject's report shows
    # who looked them up in the log too.
    return replace(
        event_for(ctx, action, case_id=f.case, subject_id=f.subject),
        exchange_id=f.exchange,
        object_id=f.member or f.agency,
    )


def _entry(row: AccessLogEntry) -> EntryOut:
    return EntryOut(**as_canonical(row), hash=row.entry_hash)  # type: ignore[arg-type]


def _cursor(value: str | None) -> int | None:
    if value is None:
        return None
    if not value.isdigit():
        raise BadRequest("the cursor is not valid; start again without one")
    return int(value)


Id = Annotated[str | None, Query(max_length=36)]


@router.get("/audit/entries")
async def entries(
    session: SessionDep,
    ctx: ContextDep,
    hub: HubDep,
    subject: Id = None,
    case: Id = None,
    member: Id = None,
    agency: Id = None,
    exchange: Id = None,
    action: Annotated[str | None, Query(max_length=60)] = None,
    decision: Annotated[str | None, Query(pattern="^(allow|deny)$")] = None,
    since: Annotated[Instant | None, Query()] = None,
    until: Annotated[Instant | None, Query()] = None,
    limit: Limit = 100,
    cursor: SeqCursor = None,
) -> EntryPage:
    """Query the log by subject, case, member, agency, exchange, action, decision and time.

    An agency auditor gets only the entries that concern their agency.
    """
    f = audit.EntryFilter(subject, case, member, agency, exchange, action, decision, since, until)
    scope = await audit.authorise(
        session, ctx, hub, "audit:query", event=_query_event(ctx, f, "audit:query")
    )
    rows, after = await audit.query(session, f, scope, after=_cursor(cursor), limit=limit)
    return EntryPage(
        items=[_entry(r) for r in rows], next_cursor=None if after is None else str(after)
    )


@router.get("/audit/subjects/{subject_id}/report", responses={200: {"content": {"text/csv": {}}}})
async def subject_report(
    subject_id: uuid.UUID,
    session: SessionDep,
    ctx: ContextDep,
    hub: HubDep,
    format: Annotated[str, Query(pattern="^(json|csv)$")] = "json",  # noqa: A002 - API name
) -> Response:
    """Every access to one subject's data (GDPR art. 15 / LED): who, when, which fields, why.

    For an agency auditor, the accesses that concern their agency (all of them if it registered
    the subject).
    """
    f = audit.EntryFilter(subject=str(subject_id))
    event = _query_event(ctx, f, "audit:subject_report")
    scope = await audit.authorise(session, ctx, hub, "audit:subject_report", event=event)
    rows: list[AccessLogEntry] = []
    after: int | None = None
    while True:
        page, after = await audit.query(session, f, scope, after=after, limit=1000)
        rows.extend(page)
        if after is None:
            break
    if format == "csv":
        return PlainTextResponse(audit.report_csv(rows), media_type="text/csv")
    return JSONResponse(
        {"subject": str(subject_id), "accesses": [audit.report_row(r) for r in rows]}
    )


@router.get("/audit/proofs/inclusion")
async def inclusion(
    session: SessionDep,
    ctx: ContextDep,
    hub: HubDep,
    seq: Annotated[int, Query(ge=0)],
    size: Annotated[int, Query(ge=1)],
) -> dict[str, object]:
    """RFC 9162 inclusion proof of entry ``seq`` in the tree of the first ``size`` entries.

    An agency auditor can prove the entries in their scope; others answer 404.
    """
    scope = await audit.authorise(session, ctx, hub, "audit:proof")
    if size > await _size(session) or seq >= size:
        raise ValidationFailed("seq must be below size, and size at most the log's size")
    in_scope = select(AccessLogEntry.position).where(AccessLogEntry.position == seq, *scope.where())
    if await session.scalar(in_scope) is None:
        raise audit.out_of_scope(ctx, "audit:proof")
    leaves = await audit.leaves(session, size)
    # Hashing a large tree takes a while: off the event loop, so other requests go on.
    root, path = await to_thread.run_sync(_inclusion, seq, leaves)
    return {
        "seq": seq,
        "tree_size": size,
        "leaf_hash": leaves[seq].hex(),
        "root_hash": root.hex(),
        "audit_path": [h.hex() for h in path],
    }


def _inclusion(seq: int, leaves: list[bytes]) -> tuple[bytes, list[bytes]]:
    return merkle.root(leaves), merkle.inclusion_proof(seq, leaves)


def _consistency(first: int, leaves: list[bytes]) -> tuple[bytes, bytes, list[bytes]]:
    return (
        merkle.root(leaves[:first]),
        merkle.root(leaves),
        merkle.consistency_proof(first, leaves),
    )


@router.get("/audit/proofs/consistency")
async def consistency(
    session: SessionDep,
    ctx: ContextDep,
    hub: HubDep,
    first: Annotated[int, Query(alias="from", ge=1)],
    second: Annotated[int, Query(alias="to", ge=1)],
) -> dict[str, object]:
    """RFC 9162 consistency proof between the trees of the first ``from`` and ``to`` entries."""
    await audit.authorise(session, ctx, hub, "audit:proof")
    if not first <= second <= await _size(session):
        raise ValidationFailed("from must be at most to, and to at most the log's size")
    leaves = await audit.leaves(session, second)
    old_root, new_root, proof = await to_thread.run_sync(_consistency, first, leaves)
    return {
        "from": first,
        "to": second,
        "old_root": old_root.hex(),
        "new_root": new_root.hex(),
        "proof": [h.hex() for h in proof],
    }
