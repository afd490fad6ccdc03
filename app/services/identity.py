"""From a verified token subject or client credentials to a principal."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from dataclasses import replace

from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.ext.asyncio import AsyncSession

from app.audit.log import AuditEvent, Outcome
from app.auth import SecretHasher
from app.db.models import Member
from app.db.queries import orgs
from app.db.queries.orgs import ClientRow, MemberRow
from app.errors import StorageUnavailable, Unauthenticated
from app.policies.vocabulary import Clearance, MemberKind, MemberStatus, Role
from app.services.context import Principal

_ROLE_VALUES = frozenset(r.value for r in Role)


def principal_of(member: Member | MemberRow, agency_kind: str | None = None) -> Principal:
    """The request's view of a member (with its agency's kind, when it was read)."""
    if isinstance(member, MemberRow):
        agency_kind = member.agency_kind
    return Principal(
        member_id=member.id,
        agency_id=member.agency_id,
        kind=MemberKind(member.kind),
        roles=frozenset(Role(r) for r in member.roles if r in _ROLE_VALUES),
        status=MemberStatus(member.status),
        bound_by_secrecy=member.bound_by_secrecy,
        clearance=Clearance(member.clearance),
        agency_kind=agency_kind,
    )


async def principal_for_subject(session: AsyncSession, subject: str) -> Principal:
    """The member a token names, read once with its agency; an unknown member is
    unauthenticated."""
    try:
        member_id = uuid.UUID(subject)
    except ValueError:
        raise Unauthenticated("the token does not name a member of this hub") from None
    member = await orgs.member_row(session, member_id)
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


async def authenticate_client(
    sessions: Callable[[], AsyncSession], hasher: SecretHasher, client_id: str, secret: str
) -> ClientRow:
    """A service account by client id and secret (argon2id, within the hasher's limiter).

    The lookup runs in its own short transaction, closed before the hash is checked: a flood of
    guesses then holds no database connection (nor, on SQLite, the write lock) while it waits
    for the hasher. An unknown id is checked against a dummy hash, so it costs what a wrong
    secret costs.
    """
    try:
        async with sessions() as session:
            member = await orgs.client(session, client_id)
    except SQLAlchemyError:
        raise StorageUnavailable() from None
    hashed = member.secret_hash if member and member.secret_hash else None
    ok = await hasher.verify(hashed or await hasher.dummy(), secret)
    if member is None or hashed is None or not ok:
        raise _invalid_client("invalid client credentials", "bad_client_credentials", member)
    if member.status != MemberStatus.ACTIVE.value:
        raise _invalid_client("this client is not active", _inactive(member.status), member)
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


def _invalid_client(detail: str, reason: str, member: ClientRow | None) -> Unauthenticated:
    # A known account is named as the object (so its agency's auditor sees attempts on it);
    # what the caller typed as a client id never is.
    event = rejected(reason)
    if member is not None:
        event = replace(event, object_id=str(member.id), owners=(str(member.agency_id),))
    return Unauthenticated(detail, extra={"error": "invalid_client"}, audit=(event,))
