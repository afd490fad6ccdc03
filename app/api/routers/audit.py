"""/api/v1/audit: export the log, list and make signed checkpoints (auditors)."""

from __future__ import annotations

from fastapi import APIRouter, Request, status
from fastapi.responses import PlainTextResponse, StreamingResponse
from sqlalchemy import select

from app.api.deps import ContextDep, HubDep, SessionDep, hub_state
from app.db.models import AuditHead
from app.services import audit

router = APIRouter(tags=["audit"])

NDJSON = "application/x-ndjson"


@router.get(
    "/audit/export", response_class=StreamingResponse, responses={200: {"content": {NDJSON: {}}}}
)
async def export(
    request: Request, session: SessionDep, ctx: ContextDep, hub: HubDep
) -> StreamingResponse:
    """Every entry, in order, as NDJSON (streamed); verify with `livc-hub audit verify`."""
    await audit.authorise(session, ctx, hub, "audit:export")
    size = await session.scalar(select(AuditHead.size).where(AuditHead.id == 1)) or 0
    lines = audit.export_lines(hub_state(request).sessions, size)
    return StreamingResponse(lines, media_type=NDJSON)


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
