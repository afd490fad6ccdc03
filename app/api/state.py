"""What the app factory builds once and every request reaches through ``app.state``."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from app.auth import LocalIssuer, TokenVerifier
from app.services.hub import Hub
from app.settings import Settings


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
