"""Web sessions and OpenID Connect logins in progress."""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import delete, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from app.db.models import Member, OidcLogin, WebSession


async def session_with_member(
    session: AsyncSession, session_id: str
) -> tuple[WebSession, Member] | None:
    """A web session and its member, in one round trip."""
    stmt = (
        select(WebSession, Member)
        .join(Member, Member.id == WebSession.member_id)
        .where(WebSession.id == session_id)
    )
    row = (await session.execute(stmt)).first()
    return None if row is None else (row[0], row[1])


async def revoke_all(
    session: AsyncSession,
    member_id: uuid.UUID,
    now: datetime,
    reason: str,
    *,
    keep: str | None = None,
) -> int:
    """Revoke every live session of a member (but ``keep``); how many."""
    stmt = (
        update(WebSession)
        .where(WebSession.member_id == member_id, WebSession.revoked_at.is_(None))
        .values(revoked_at=now, revoked_reason=reason)
    )
    if keep is not None:
        stmt = stmt.where(WebSession.id != keep)
    result = await session.execute(stmt)
    return int(getattr(result, "rowcount", 0) or 0)


async def take_oidc_login(session: AsyncSession, state_hash: str) -> OidcLogin | None:
    """The pending login for this state, deleted in the same statement: it is used once."""
    stmt = delete(OidcLogin).where(OidcLogin.state_hash == state_hash).returning(OidcLogin)
    return (await session.execute(stmt)).scalars().first()


async def drop_expired_oidc_logins(session: AsyncSession, now: datetime) -> None:
    """Forget logins that never came back."""
    await session.execute(delete(OidcLogin).where(OidcLogin.expires_at <= now))
