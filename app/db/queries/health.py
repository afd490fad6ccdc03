"""Whether the database answers."""

from __future__ import annotations

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession


async def ping(session: AsyncSession) -> None:
    """One round trip (raises if the database does not answer)."""
    await session.execute(text("SELECT 1"))
