"""/api/v1/audit: export the log, list and make signed checkpoints, query, prove (auditors)."""

from __future__ import annotations

import uuid
from typing import Annotated, Any

from fastapi import APIRouter, Query, Request, Response, status
from fastapi.responses import JSONResponse, PlainTextResponse, StreamingResponse
from pydantic import BaseModel

from app.api.deps import ContextDep, HubDep, SessionDep, hub_state
from app.api.schemas.common import Instant, Limit, SeqCursor
from app.audit.log import as_canonical
from app.errors import BadRequest
from app.services import audit

router = APIRouter(tags=["audit"])

NDJSON = "application/x-ndjson"


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
    sessions = hub_state(request).sessions
    lines = await audit.export(session, ctx, hub, sessions, fmt=format)
    return StreamingResponse(lines, media_type="text/csv" if format == "csv" else NDJSON)


@router.get(
    "/audit/checkpoints",
    response_class=PlainTextResponse,
    responses={200: {"content": {NDJSON: {}}}},
)
async def list_checkpoints(session: SessionDep, ctx: ContextDep, hub: HubDep) -> PlainTextResponse:
    """Every signed checkpoint as NDJSON, for `livc-hub audit verify --checkpoints`."""
    body = await audit.checkpoint_lines(session, ctx, hub)
    return PlainTextResponse(body, media_type=NDJSON)


@router.post("/audit/checkpoints", status_code=status.HTTP_201_CREATED)
async def make_checkpoint(session: SessionDep, ctx: ContextDep, hub: HubDep) -> dict[str, object]:
    """Sign the log's current tree head now (it covers this request's own entry)."""
    return await audit.make_checkpoint(session, ctx, hub)


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


def _entry(row: Any) -> EntryOut:
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
    rows, after = await audit.query(session, ctx, hub, f, after=_cursor(cursor), limit=limit)
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
    rows = await audit.subject_report(session, ctx, hub, subject_id)
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
    return await audit.inclusion(session, ctx, hub, seq=seq, size=size)


@router.get("/audit/proofs/consistency")
async def consistency(
    session: SessionDep,
    ctx: ContextDep,
    hub: HubDep,
    first: Annotated[int, Query(alias="from", ge=1)],
    second: Annotated[int, Query(alias="to", ge=1)],
) -> dict[str, object]:
    """RFC 9162 consistency proof between the trees of the first ``from`` and ``to`` entries."""
    return await audit.consistency(session, ctx, hub, first=first, second=second)
