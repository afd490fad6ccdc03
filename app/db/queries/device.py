"""Device authorization grants (RFC 8628): looked up by the hashes of their codes, and moved
from one state to the next by conditional UPDATEs, so that of two concurrent requests exactly
one changes the row."""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from app.db.models import DeviceGrant


async def live_by_user_code(
    session: AsyncSession, user_code_hash: str, pending: str, now: datetime
) -> DeviceGrant | None:
    """The one pending, unexpired grant with this user code's hash (None if none or several)."""
    rows = await session.scalars(
        select(DeviceGrant).where(
            DeviceGrant.user_code_hash == user_code_hash,
            DeviceGrant.state == pending,
            DeviceGrant.expires_at > now,
        )
    )
    found = rows.all()
    return found[0] if len(found) == 1 else None


async def by_device_code(session: AsyncSession, device_code_hash: str) -> DeviceGrant | None:
    """The grant with this device code's hash."""
    found: DeviceGrant | None = await session.scalar(
        select(DeviceGrant).where(DeviceGrant.device_code_hash == device_code_hash)
    )
    return found


async def decide(
    session: AsyncSession,
    grant_id: uuid.UUID,
    *,
    pending: str,
    state: str,
    member_id: uuid.UUID,
    now: datetime,
) -> bool:
    """Move a pending, unexpired grant to ``state`` for the member; False if it was not."""
    result = await session.execute(
        update(DeviceGrant)
        .where(
            DeviceGrant.id == grant_id,
            DeviceGrant.state == pending,
            DeviceGrant.expires_at > now,
        )
        .values(state=state, member_id=member_id, decided_at=now)
        .execution_options(synchronize_session=False)
    )
    return bool(result.rowcount == 1)  # type: ignore[attr-defined]


async def take(
    session: AsyncSession, grant_id: uuid.UUID, *, approved: str, used: str, now: datetime
) -> bool:
    """Consume an approved grant (approved -> used); False if another poll took it first."""
    result = await session.execute(
        update(DeviceGrant)
        .where(DeviceGrant.id == grant_id, DeviceGrant.state == approved)
        .values(state=used, last_polled_at=now)
        .execution_options(synchronize_session=False)
    )
    return bool(result.rowcount == 1)  # type: ignore[attr-defined]
