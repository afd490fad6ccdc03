"""The auditor's side of the access log: export, checkpoints. Metadata only, never content."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator, Callable

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from app.audit.entry import timestamp
from app.audit.log import as_canonical
from app.db.models import AccessLogEntry, AuditCheckpoint
from app.policies import Permission, Resource, ResourceKind
from app.services.authz import event_for
from app.services.context import RequestContext
from app.services.hub import Hub

BATCH = 1000


async def authorise(session: AsyncSession, ctx: RequestContext, hub: Hub, action: str) -> None:
    """Only auditors read the log; their own reads are logged too (before anything leaves)."""
    event = event_for(ctx, action)
    hub.authz.require(
        ctx, Permission.AUDIT_READ, Resource(ResourceKind.AUDIT_LOG), event=event, hide=False
    )
    await hub.record(session, ctx, event)


async def export_lines(sessions: Callable[[], AsyncSession], up_to: int) -> AsyncIterator[bytes]:
    """NDJSON of entries 0..up_to-1 in position order, read in batches (bounded memory)."""
    position = 0
    while position < up_to:
        async with sessions() as session:
            rows = (
                await session.scalars(
                    select(AccessLogEntry)
                    .where(AccessLogEntry.position >= position, AccessLogEntry.position < up_to)
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
            chunk.append(json.dumps(item, ensure_ascii=False, separators=(",", ":")))
        yield ("\n".join(chunk) + "\n").encode()
        position = rows[-1].position + 1


def checkpoint_line(row: AuditCheckpoint) -> str:
    """One checkpoint as the verifier reads it."""
    return json.dumps(
        {
            "tree_size": row.tree_size,
            "root_hash": row.root_hash,
            "at": timestamp(row.at),
            "key_id": row.key_id,
            "signature": row.signature,
        },
        separators=(",", ":"),
    )


async def checkpoints(session: AsyncSession) -> list[AuditCheckpoint]:
    """Every signed checkpoint, oldest first."""
    rows = await session.scalars(select(AuditCheckpoint).order_by(AuditCheckpoint.tree_size))
    return list(rows.all())
