"""What every use case needs besides the session: keys, the access log and the authoriser.

Entries are staged on the request's session and appended by ``Hub.commit`` at the end of the
request, just before its transaction commits: the write lock (SQLite) and the log head's row lock
(PostgreSQL) are then held for the append and the commit only, never while a use case reads or
decrypts. A request that changed no data hands its staged entries (``take_staged``) to the group
writer (``app.services.writer``) instead, which commits many requests' entries at once. A
session that was not opened for staging (the command line, tests) appends at once, as before.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import timedelta

from sqlalchemy.ext.asyncio import AsyncSession

from app.audit.log import AccessLog, AuditEvent
from app.auth import SecretHasher
from app.crypto import KeyProvider
from app.services.authz import Authorizer
from app.services.context import RequestContext
from app.services.publications import Publications
from app.services.sharing_state import SharingStates

_STAGED = "livc_hub.staged_entries"


@dataclass(frozen=True)
class Hub:
    """Long-lived collaborators, built once in the app factory."""

    keys: KeyProvider
    log: AccessLog
    authz: Authorizer
    # How long a four-eyes proposal waits for its second person.
    proposal_ttl: timedelta = timedelta(days=7)
    # Argon2 work (service-account secrets) runs within one bounded limiter, shared with the
    # token endpoint, so a flood cannot starve other requests.
    hasher: SecretHasher = field(default_factory=lambda: SecretHasher(2))
    # Exchanges' releases and grants between reads, each under the token it was read with.
    sharing: SharingStates = field(default_factory=SharingStates)
    # The strategic publication per municipality and year, under its data version.
    publications: Publications = field(default_factory=Publications)

    @staticmethod
    def stage_entries(session: AsyncSession) -> None:
        """From now on, entries recorded in this session wait for ``commit``."""
        session.info[_STAGED] = []

    async def record(self, session: AsyncSession, ctx: RequestContext, *events: AuditEvent) -> None:
        """Record access-log entries in the request's transaction (fail closed)."""
        await self.stage(session, events, request_id=ctx.request_id)

    async def stage(
        self, session: AsyncSession, events: Sequence[AuditEvent], *, request_id: str
    ) -> None:
        """Stage entries for ``commit`` (or append them now, if the session does not stage)."""
        staged: list[tuple[str, Sequence[AuditEvent]]] | None = session.info.get(_STAGED)
        if staged is None:
            await self.log.append(session, events, request_id=request_id)
        else:
            staged.append((request_id, events))

    @staticmethod
    def take_staged(session: AsyncSession) -> list[tuple[str, list[AuditEvent]]]:
        """The staged entries, grouped by request id in order, and forget them on the session."""
        staged: list[tuple[str, Sequence[AuditEvent]]] = session.info.get(_STAGED) or []
        if staged:
            session.info[_STAGED] = []
        batches: list[tuple[str, list[AuditEvent]]] = []
        for request_id, events in staged:
            if batches and batches[-1][0] == request_id:
                batches[-1][1].extend(events)
            else:
                batches.append((request_id, list(events)))
        return batches

    async def append_staged(self, session: AsyncSession) -> None:
        """Append what was staged, in order, in the session's transaction (not committed yet)."""
        for request_id, events in self.take_staged(session):
            await self.log.append(session, events, request_id=request_id)

    async def commit(self, session: AsyncSession) -> None:
        """Append the staged entries and commit: nothing the request did is durable without
        its entries, and the answer leaves only after this returns."""
        await self.append_staged(session)
        await session.commit()

    @staticmethod
    def discard_staged(session: AsyncSession) -> None:
        """Forget staged entries (their transaction was rolled back)."""
        if session.info.get(_STAGED):
            session.info[_STAGED] = []
