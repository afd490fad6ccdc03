"""Passwords of people for the web sign-in: argon2id hashes, set only with four eyes.

A password is (re)set only when a second admin approves a proposal: a random one-time password
is made, stored as its argon2id hash and shown once to the approver; the member must choose a
new one at the next sign-in. A member changes their own password knowing the current one.
Nobody can read a password or its hash through the hub.
"""

from __future__ import annotations

import re
import secrets
import uuid
from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import datetime
from typing import Final

from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.ext.asyncio import AsyncSession

from app.db.models import Member
from app.db.queries import orgs as queries
from app.errors import Forbidden, StorageUnavailable, Unauthenticated, ValidationFailed
from app.policies.vocabulary import MemberStatus
from app.services import web_sessions
from app.services.authz import denied, event_for
from app.services.context import RequestContext
from app.services.hub import Hub
from app.services.identity import rejected

USERNAME_PATTERN: Final = r"^[a-z0-9._-]{3,80}$"
MIN_LENGTH: Final = 12
# Long enough for any passphrase, short enough that hashing it costs what hashing any costs.
MAX_LENGTH: Final = 200
_USERNAME = re.compile(USERNAME_PATTERN)


def normal_username(text: str) -> str | None:
    """The username as stored (lower case), or None if it cannot be one."""
    name = text.strip().lower()
    return name if _USERNAME.fullmatch(name) else None


def one_time_password() -> str:
    """A random one-time password (120 bits, URL-safe text of 20 characters)."""
    return secrets.token_urlsafe(15)


def weakness(new: str, username: str | None, current: str | None = None) -> str | None:
    """Why a chosen password is refused (a reason code), or None."""
    if len(new) < MIN_LENGTH:
        return "password_too_short"
    if len(new) > MAX_LENGTH:
        return "password_too_long"
    if username is not None and new.strip().lower() == username.lower():
        return "password_is_username"
    if current is not None and new == current:
        return "password_unchanged"
    return None


_WEAKNESS_TEXT: Final = {
    "password_too_short": f"a password has at least {MIN_LENGTH} characters",
    "password_too_long": f"a password has at most {MAX_LENGTH} characters",
    "password_is_username": "the password may not be the username",
    "password_unchanged": "the new password must differ from the current one",
}


def refuse_weak(new: str, username: str | None, current: str | None = None) -> None:
    """422 with the reason if the chosen password is refused."""
    reason = weakness(new, username, current)
    if reason is not None:
        raise ValidationFailed(_WEAKNESS_TEXT[reason], extra={"reason": reason})


async def set_one_time_password(
    session: AsyncSession, hub: Hub, member: Member, now: datetime
) -> str:
    """Give the member a one-time password (to change at sign-in); end their web sessions."""
    password = one_time_password()
    member.password_hash = await hub.hasher.hash(password)
    member.password_set_at = now
    member.password_must_change = True
    await web_sessions.revoke_member(session, member.id, now, "password_reset")
    return password


async def change_own(
    session: AsyncSession,
    ctx: RequestContext,
    hub: Hub,
    *,
    current: str,
    new: str,
    keep_token: str | None = None,
) -> Member:
    """The member changes their own password, proving the current one; every other web session
    of theirs ends (``keep_token``: the one they are using)."""
    member = await queries.member(session, ctx.principal.member_id)
    if member is None:  # the principal was read in this request
        raise Unauthenticated()
    hashed = member.password_hash
    ok = await hub.hasher.verify(hashed or await hub.hasher.dummy(), current)
    event = event_for(ctx, "member:password_change", object_id=member.id, owners=[member.agency_id])
    if hashed is None or not ok:
        raise Forbidden(
            "the current password is not right",
            extra={"reason": "current_password_wrong"},
            audit=(denied(event, "current_password_wrong"),),
        )
    refuse_weak(new, member.username, current)
    member.password_hash = await hub.hasher.hash(new)
    member.password_set_at = ctx.now
    member.password_must_change = False
    await web_sessions.revoke_member(
        session, member.id, ctx.now, "password_changed", keep_token=keep_token
    )
    await hub.record(session, ctx, event)
    return member


@dataclass(frozen=True)
class SignedIn:
    """Who signed in with a password, and whether they must choose a new one first."""

    member_id: uuid.UUID
    agency_id: uuid.UUID


async def authenticate_password(
    sessions: Callable[[], AsyncSession], hub: Hub, username: str, password: str
) -> SignedIn:
    """A person by username and password (argon2id, within the hasher's limiter).

    As for client secrets: the lookup's transaction is closed before hashing, and an unknown
    username (or one without a password) is checked against a dummy hash, so it costs what a
    wrong password costs. The failure names the member (for their agency's auditor) only when
    the username exists; what was typed is never logged.
    """
    name = normal_username(username)
    row = None
    if name is not None:
        try:
            async with sessions() as session:
                row = await queries.login(session, name)
        except SQLAlchemyError:
            raise StorageUnavailable() from None
    hashed = row.password_hash if row is not None else None
    ok = await hub.hasher.verify(hashed or await hub.hasher.dummy(), password)
    if row is None or hashed is None or not ok:
        raise _failed("bad_password", row)
    if row.status != MemberStatus.ACTIVE.value:
        reason = "member_pending" if row.status == MemberStatus.PENDING.value else None
        raise _failed(reason or "member_suspended", row)
    return SignedIn(member_id=row.id, agency_id=row.agency_id)


def _failed(reason: str, row: queries.LoginRow | None) -> Unauthenticated:
    event = rejected(reason)
    if row is not None:
        event = replace(event, object_id=str(row.id), owners=(str(row.agency_id),))
    return Unauthenticated("the username or password is not right", audit=(event,))
