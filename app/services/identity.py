"""From a verified token subject or client credentials to a principal."""

from __future__ import annotations

import functools
import secrets
import uuid

import anyio
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from app.audit.log import AuditEvent, Outcome
from app.auth import hash_secret, verify_secret
from app.db.models import Member
from app.errors import Unauthenticated
from app.policies.vocabulary import Clearance, MemberKind, MemberStatus, Role
from app.services.context import Principal

_ROLE_VALUES = frozenset(r.value for r in Role)


@functools.cache
def _dummy_hash() -> str:
    # Verified against when the client id is unknown, so a wrong id costs as long as a wrong secret.
    return hash_secret(secrets.token_urlsafe(16))


def principal_of(member: Member) -> Principal:
    """The request's view of a member row."""
    return Principal(
        member_id=member.id,
        agency_id=member.agency_id,
        kind=MemberKind(member.kind),
        roles=frozenset(Role(r) for r in member.roles if r in _ROLE_VALUES),
        status=MemberStatus(member.status),
        bound_by_secrecy=member.bound_by_secrecy,
        clearance=Clearance(member.clearance),
    )


async def principal_for_subject(session: AsyncSession, subject: str) -> Principal:
    """The member a token names; an unknown member is unauthenticated."""
    try:
        member_id = uuid.UUID(subject)
    except ValueError:
        raise Unauthenticated("the token does not name a member of this hub") from None
    member = await session.get(Member, member_id)
    if member is None:
        raise Unauthenticated("the token does not name a member of this hub")
    if member.status != MemberStatus.ACTIVE.value:
        # Suspended (or not yet approved): the token opens nothing, not only content.
        raise Unauthenticated(
            "this member is not active",
            audit=(rejected(_inactive(member.status), str(member.id)),),
        )
    return principal_of(member)


def _inactive(status: str) -> str:
    return "member_pending" if status == MemberStatus.PENDING.value else "member_suspended"


async def authenticate_client(session: AsyncSession, client_id: str, secret: str) -> Member:
    """A service account by client id and secret (argon2id, checked off the event loop)."""
    member = await session.scalar(select(Member).where(Member.client_id == client_id))
    hashed = member.client_secret_hash if member and member.client_secret_hash else None
    if hashed is None:
        hashed = await anyio.to_thread.run_sync(_dummy_hash)
    ok = await anyio.to_thread.run_sync(verify_secret, hashed, secret)
    if member is None or not ok:
        raise _invalid_client("invalid client credentials", "bad_client_credentials")
    if member.status != MemberStatus.ACTIVE.value:
        raise _invalid_client("this client is not active", _inactive(member.status))
    return member


def rejected(reason: str, member_id: str | None = None) -> AuditEvent:
    """An access-log event for a failed authentication (no actor is known, or a suspended one)."""
    return AuditEvent(
        action="auth:authenticate",
        outcome=Outcome.DENY,
        reason=reason,
        actor_member_id=member_id,
        actor_agency_id=None,
    )


def _invalid_client(detail: str, reason: str) -> Unauthenticated:
    return Unauthenticated(detail, extra={"error": "invalid_client"}, audit=(rejected(reason),))
