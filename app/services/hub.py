"""What every use case needs besides the session: keys, the access log and the authoriser."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import timedelta

from sqlalchemy.ext.asyncio import AsyncSession

from app.audit.log import AccessLog, AuditEvent
from app.auth import SecretHasher
from app.crypto import KeyProvider
from app.services.authz import Authorizer
from app.services.context import RequestContext


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

    async def record(self, session: AsyncSession, ctx: RequestContext, *events: AuditEvent) -> None:
        """Append access-log entries in the request's transaction (fail closed)."""
        await self.log.append(session, events, request_id=ctx.request_id)
