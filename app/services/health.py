"""Liveness and readiness: the database answers, and the access log passed its last check."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession

from app.db.queries.health import ping
from app.errors import AuditIntegrityAlarm
from app.services.hub import Hub


async def alive(session: AsyncSession) -> None:
    """The database answers."""
    await ping(session)


async def ready(session: AsyncSession, hub: Hub) -> None:
    """The database answers and no integrity alarm is raised (else 503 with its reason)."""
    await ping(session)
    reason = hub.log.alarm()
    if reason is not None:
        raise AuditIntegrityAlarm(reason)
