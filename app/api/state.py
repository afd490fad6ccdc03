"""What the app factory builds once and every request reaches through ``app.state``."""

from __future__ import annotations

from dataclasses import dataclass, field

from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from app.api.throttle import Throttle
from app.audit.failures import FailureLog
from app.auth import LocalIssuer, SecretHasher, TokenVerifier
from app.services.device import DeviceFlow
from app.services.hub import Hub
from app.services.writer import GroupWriter
from app.settings import Settings


@dataclass
class Guards:
    """What stands in front of the credential endpoints."""

    throttle: Throttle  # attempts per client id and per source address
    hasher: SecretHasher  # argon2 in worker threads, a bounded number at once
    failures: FailureLog  # authentication failures, identical ones aggregated


@dataclass
class HubState:
    """Long-lived objects of one running hub."""

    settings: Settings
    engine: AsyncEngine
    sessions: async_sessionmaker[AsyncSession]
    hub: Hub
    verifier: TokenVerifier
    issuer: LocalIssuer | None
    verify_blocks: bool
    guards: Guards
    # Commits the entries of requests that changed no data, many at once (None: each alone).
    writer: GroupWriter | None = None
    # Signs the web client's 60-second tokens; its key exists only in this process's memory.
    web_issuer: LocalIssuer | None = None
    # The device authorization grant's rules and clock (RFC 8628: the command line's sign-in).
    device: DeviceFlow = field(default_factory=DeviceFlow)
