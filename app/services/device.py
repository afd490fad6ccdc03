"""The device authorization grant (RFC 8628): the command line signs in without a password.

A device asks for a pair of codes (``start``); the member types the short user code on the web
page /ui/device, signed in there, and approves or denies (``find`` then ``decide``); the device
polls the token endpoint with its long device code (``poll``) and gets one token for the member.

Codes are stored only as SHA-256 hex digests. The device code is 256 random bits, so a digest is
as good as the code is unguessable. The user code is short (8 letters of 20, about 34 bits) and
alone grants nothing: it lets a signed-in member approve a device to act as that same member;
guessing it on the page is limited (``app.web.device_pages``).
"""

from __future__ import annotations

import hashlib
import secrets
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from enum import StrEnum
from typing import Final

from sqlalchemy.ext.asyncio import AsyncSession

from app.audit.log import AccessLog, AuditEvent, Outcome
from app.db.models import DeviceGrant
from app.db.queries import device as device_queries
from app.db.queries import orgs
from app.db.queries.orgs import MemberRow
from app.errors import BadRequest
from app.policies.vocabulary import MemberStatus

# Consonants only: no vowels (no words), no look-alikes (no I/1, O/0, U/V pairs), one case.
ALPHABET: Final = "BCDFGHJKLMNPQRSTVWXZ"
USER_CODE_LENGTH: Final = 8
SLOW_DOWN_STEP: Final = 5  # seconds added to the interval at each slow_down (RFC 8628 3.5)
DEVICE_CODE_BYTES: Final = 32


class GrantState(StrEnum):
    """Where a device grant is in its life."""

    PENDING = "pending"
    APPROVED = "approved"
    DENIED = "denied"
    USED = "used"


def digest(code: str) -> str:
    """The stored form of a code: SHA-256, hex."""
    return hashlib.sha256(code.encode("utf-8", "surrogatepass")).hexdigest()


def normalise_user_code(typed: str) -> str | None:
    """A typed user code (case, dashes and spaces ignored); None if it cannot be one."""
    letters = "".join(c for c in typed.upper() if c not in "- \t")
    if len(letters) != USER_CODE_LENGTH or any(c not in ALPHABET for c in letters):
        return None
    return letters


def shown(user_code: str) -> str:
    """A user code as people read it: XXXX-XXXX."""
    half = USER_CODE_LENGTH // 2
    return f"{user_code[:half]}-{user_code[half:]}"


def _user_code() -> str:
    return "".join(secrets.choice(ALPHABET) for _ in range(USER_CODE_LENGTH))


@dataclass(frozen=True)
class Started:
    """The codes of a new grant, in clear, for the device only (never stored so)."""

    device_code: str
    user_code: str  # as shown: XXXX-XXXX
    expires_in: int
    interval: int


class PollError(BadRequest):
    """An RFC 8628 / RFC 6749 token error: 400 with ``error`` set to the OAuth code."""

    def __init__(self, error: str, detail: str) -> None:
        super().__init__(detail, extra={"error": error})
        self.error = error


def _now() -> datetime:
    return datetime.now(UTC)


class DeviceFlow:
    """The grant's rules; ``clock`` is what "now" is (tests move it)."""

    def __init__(self, clock: Callable[[], datetime] = _now) -> None:
        self.clock = clock

    async def start(
        self,
        session: AsyncSession,
        *,
        client_id: str,
        scope: str | None,
        ttl_seconds: int,
        interval: int,
    ) -> Started:
        """A new pending grant; its user code differs from every other live grant's."""
        now = self.clock()
        for _ in range(8):
            user_code = _user_code()
            if await self._live(session, digest(user_code), now) is None:
                break
        else:  # 2.6e10 codes; eight collisions in a row mean something else is wrong
            raise RuntimeError("no free user code")
        device_code = secrets.token_urlsafe(DEVICE_CODE_BYTES)
        session.add(
            DeviceGrant(
                device_code_hash=digest(device_code),
                user_code_hash=digest(user_code),
                client_id=client_id,
                scope=scope,
                created_at=now,
                expires_at=now + timedelta(seconds=ttl_seconds),
                interval_seconds=interval,
                state=GrantState.PENDING.value,
            )
        )
        await session.flush()
        return Started(device_code, shown(user_code), ttl_seconds, interval)

    async def _live(
        self, session: AsyncSession, user_code_hash: str, now: datetime
    ) -> DeviceGrant | None:
        return await device_queries.live_by_user_code(
            session, user_code_hash, GrantState.PENDING.value, now
        )

    async def find(self, session: AsyncSession, typed: str) -> DeviceGrant | None:
        """The pending, unexpired grant of a typed user code; None for a wrong code."""
        code = normalise_user_code(typed)
        if code is None:
            return None
        return await self._live(session, digest(code), self.clock())

    async def decide(
        self,
        session: AsyncSession,
        log: AccessLog,
        grant: DeviceGrant,
        member: MemberRow,
        *,
        approve: bool,
        request_id: str,
    ) -> bool:
        """Approve (for ``member``) or deny a pending grant, logged; False if it was no longer
        pending (decided meanwhile in another tab, or expired)."""
        now = self.clock()
        state = GrantState.APPROVED if approve else GrantState.DENIED
        decided = await device_queries.decide(
            session,
            grant.id,
            pending=GrantState.PENDING.value,
            state=state.value,
            member_id=member.id,
            now=now,
        )
        if not decided:
            return False
        action = "auth:device_approve" if approve else "auth:device_deny"
        await log.append(
            session,
            [_event(action, Outcome.ALLOW, "member_decided", member, grant.id)],
            request_id=request_id,
        )
        return True

    async def poll(
        self,
        session: AsyncSession,
        log: AccessLog,
        *,
        client_id: str,
        device_code: str,
        request_id: str,
    ) -> MemberRow | PollError:
        """The member a device may now act as, once; otherwise the RFC 8628 error.

        Errors are returned, not raised: the caller commits what the poll changed (the last
        poll's time, a longer interval, a consumed grant) and then raises them. The grant is
        consumed by one conditional UPDATE (approved -> used): of two concurrent polls, the
        database lets exactly one change the row, and only that one gets the member.
        """
        now = self.clock()
        grant = await device_queries.by_device_code(session, digest(device_code))
        if grant is None or grant.client_id != client_id:
            return PollError("invalid_grant", "unknown device code")
        if grant.state == GrantState.USED.value:
            return PollError("invalid_grant", "this device code has been used")
        if grant.expires_at <= now:
            return PollError("expired_token", "the device code has expired; start again")
        if grant.state == GrantState.DENIED.value:
            return PollError("access_denied", "the member denied the request")
        if grant.state == GrantState.PENDING.value:
            return await self._pending(session, grant, now)
        # Approved: this poll takes it, unless another one did first.
        taken = await device_queries.take(
            session,
            grant.id,
            approved=GrantState.APPROVED.value,
            used=GrantState.USED.value,
            now=now,
        )
        if not taken or grant.member_id is None:
            return PollError("invalid_grant", "this device code has been used")
        member = await orgs.member_row(session, grant.member_id)
        if member is None or member.status != MemberStatus.ACTIVE.value:
            # Consumed all the same: an approval does not wait for the member's reinstatement.
            if member is not None:
                event = _event(
                    "auth:device_token", Outcome.DENY, "member_suspended", member, grant.id
                )
                await log.append(session, [event], request_id=request_id)
            return PollError("access_denied", "the member is not active")
        event = _event("auth:device_token", Outcome.ALLOW, "device_grant", member, grant.id)
        await log.append(session, [event], request_id=request_id)
        return member

    async def _pending(self, session: AsyncSession, grant: DeviceGrant, now: datetime) -> PollError:
        # Polled before the interval passed: slow_down, and the interval grows (RFC 8628 3.5).
        last = grant.last_polled_at
        early = last is not None and now < last + timedelta(seconds=grant.interval_seconds)
        grant.last_polled_at = now
        if early:
            grant.interval_seconds += SLOW_DOWN_STEP
        await session.flush()
        if early:
            return PollError(
                "slow_down",
                f"polled too often; wait {grant.interval_seconds} seconds between polls",
            )
        return PollError("authorization_pending", "the member has not yet approved the request")


def _event(
    action: str, outcome: Outcome, reason: str, member: MemberRow, grant_id: uuid.UUID
) -> AuditEvent:
    return AuditEvent(
        action=action,
        outcome=outcome,
        reason=reason,
        actor_member_id=str(member.id),
        actor_agency_id=str(member.agency_id),
        object_id=str(grant_id),
        owners=(str(member.agency_id),),
    )
