"""Checkpoints every N seconds, on both databases, with the log's clock under the test's control."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta
from pathlib import Path

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from sqlalchemy import select

from app.audit.log import AccessLog, AuditEvent, Outcome
from app.audit.signing import AuditSigner
from app.db.engine import make_async_engine, make_sessionmaker
from app.db.models import AuditCheckpoint
from app.settings import DatabaseSettings
from tests.support.databases import ThrowawayDatabase, create_database

T0 = datetime(2026, 11, 25, 9, 0, tzinfo=UTC)


def test_a_checkpoint_on_the_first_append_after_n_seconds(
    database: ThrowawayDatabase, tmp_path: Path
) -> None:
    db = create_database(database.backend, tmp_path)
    try:
        db.migrate()
        assert asyncio.run(_appends(db.url)) == [1, 4, 5]
    finally:
        db.drop()


async def _appends(url: str) -> list[int]:
    engine = make_async_engine(DatabaseSettings(url=url))
    sessions = make_sessionmaker(engine)
    now = [T0]
    log = AccessLog(
        clock=lambda: now[0],
        signer=AuditSigner(Ed25519PrivateKey.generate()),
        checkpoint_seconds=60,
    )
    try:
        for seconds in (0, 10, 59, 61, 200):
            now[0] = T0 + timedelta(seconds=seconds)
            async with sessions() as session:
                event = AuditEvent("test:tick", Outcome.ALLOW, "test", None, None)
                await log.append(session, [event], request_id=f"t{seconds}")
                await session.commit()
        # Nothing new to sign: an empty append long after the last checkpoint signs nothing.
        now[0] = T0 + timedelta(seconds=1000)
        async with sessions() as session:
            await log.append(session, [], request_id="empty")
            await session.commit()
        async with sessions() as session:
            rows = await session.scalars(
                select(AuditCheckpoint.tree_size).order_by(AuditCheckpoint.tree_size)
            )
            return list(rows.all())
    finally:
        await engine.dispose()
