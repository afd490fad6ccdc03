"""Server-side web sessions: opened at sign-in, found by the cookie's token, revoked.

The cookie holds a random token; the database holds only its SHA-256, so a reader of the
database (or of a backup) can take over no session. Every sign-in opens a new session (no
fixation). A session ends when it is idle too long, at its absolute expiry, when revoked
(sign-out, sign-out everywhere, a password change or reset), or when its member stops being
active: all are checked on every request.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Final

from sqlalchemy.ext.asyncio import AsyncSession

from app.db.models import Member, WebSession
from app.db.queries import web as queries
from app.policies.vocabulary import MemberStatus

# last_seen_at is written at most this often, so reading pages does not write on every request.
TOUCH_EVERY: Final = timedelta(minutes=1)
METHODS: Final = frozenset({"local", "oidc"})
LANGUAGES: Final = frozenset({"nl", "fr"})


def new_token() -> str:
    """A fresh session token (256 bits), for the cookie only."""
    return secrets.token_urlsafe(32)


def session_id(token: str) -> str:
    """The stored id of a session: the SHA-256 (hex) of its token."""
    return hashlib.sha256(token.encode("utf-8", "surrogatepass")).hexdigest()


def csrf_token(token: str) -> str:
    """The session's CSRF token: an HMAC of a constant keyed by the session token (nothing to
    store, the same in every process, and useless without the cookie)."""
    return hmac.new(token.encode("utf-8", "surrogatepass"), b"livc-hub csrf", "sha256").hexdigest()


@dataclass(frozen=True)
class Lifetimes:
    """How long a session lives: since the last request, and at most since sign-in."""

    idle: timedelta
    absolute: timedelta


async def open_session(
    session: AsyncSession,
    member_id: uuid.UUID,
    *,
    method: str,
    language: str | None,
    now: datetime,
    lifetimes: Lifetimes,
) -> str:
    """Store a new session for the member; its token (the cookie's value)."""
    if method not in METHODS:
        raise ValueError(f"unknown sign-in method {method!r}")
    token = new_token()
    session.add(
        WebSession(
            id=session_id(token),
            member_id=member_id,
            created_at=now,
            last_seen_at=now,
            expires_at=now + lifetimes.absolute,
            language=language if language in LANGUAGES else None,
            method=method,
        )
    )
    await session.flush()
    return token


@dataclass(frozen=True)
class Found:
    """A live session and its member."""

    row: WebSession
    member: Member


def ended_because(row: WebSession, member: Member, now: datetime, idle: timedelta) -> str | None:
    """Why a session no longer opens anything (None: it does)."""
    if row.revoked_at is not None:
        return "revoked"
    if now >= row.expires_at:
        return "absolute_timeout"
    if now >= row.last_seen_at + idle:
        return "idle_timeout"
    if member.status != MemberStatus.ACTIVE.value:
        return "member_not_active"
    return None


async def find(
    session: AsyncSession, token: str, *, now: datetime, lifetimes: Lifetimes
) -> Found | None:
    """The live session this token opens (touched at most once a minute), or None.

    A session found ended is revoked with the reason, so it never comes back (a member made
    active again signs in again).
    """
    if not token or len(token) > 200:
        return None
    found = await queries.session_with_member(session, session_id(token))
    if found is None:
        return None
    row, member = found
    reason = ended_because(row, member, now, lifetimes.idle)
    if reason is not None:
        if row.revoked_at is None:
            row.revoked_at, row.revoked_reason = now, reason
        return None
    if now - row.last_seen_at >= TOUCH_EVERY:
        row.last_seen_at = now
    return Found(row=row, member=member)


async def revoke(session: AsyncSession, token: str, now: datetime, reason: str) -> None:
    """End the session this token opens (if any)."""
    found = await queries.session_with_member(session, session_id(token))
    if found is not None and found[0].revoked_at is None:
        found[0].revoked_at, found[0].revoked_reason = now, reason


async def revoke_member(
    session: AsyncSession,
    member_id: uuid.UUID,
    now: datetime,
    reason: str,
    *,
    keep_token: str | None = None,
) -> int:
    """End every session of a member (but the one ``keep_token`` opens); how many."""
    keep = None if keep_token is None else session_id(keep_token)
    return await queries.revoke_all(session, member_id, now, reason, keep=keep)
