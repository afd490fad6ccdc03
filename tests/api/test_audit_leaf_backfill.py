"""Migration 0006 recomputes leaf hashes with its frozen canonical form: the same as the hub's."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta
from pathlib import Path

from sqlalchemy import select

from app.audit.log import AccessLog, AuditEvent, Outcome
from app.db.engine import make_async_engine, make_sessionmaker
from app.db.models import AccessLogEntry
from app.settings import DatabaseSettings
from tests.support.databases import ThrowawayDatabase, create_database

T0 = datetime(2026, 11, 25, 9, 0, 0, 123456, tzinfo=UTC)

EVENTS = [
    AuditEvent("note:read", Outcome.ALLOW, "own_agency", "m1", "a1", note_id="n1", fields=("x",)),
    AuditEvent(
        "exchange:view",
        Outcome.ALLOW,
        "need_to_know",
        "m2",
        "a2",
        fields=("n1/1/household",),
        denied=("n1/1/health=secrecy_regime",),
        purpose='Casusoverleg: é, "quotes" and \n a newline',
        owners=("a1", "a3"),
    ),
    AuditEvent("case:read", Outcome.DENY, "not_found", None, None, case_id="c1"),
]


async def _write_and_read(url: str) -> list[tuple[int, str | None]]:
    engine = make_async_engine(DatabaseSettings(url=url))
    sessions = make_sessionmaker(engine)
    try:
        moments = iter(T0 + timedelta(seconds=i) for i in range(100))
        log = AccessLog(clock=lambda: next(moments))
        for event in EVENTS:
            async with sessions() as session:
                await log.append(session, [event], request_id="r")
                await session.commit()
    finally:
        await engine.dispose()
    return await _read(url)


async def _read(url: str) -> list[tuple[int, str | None]]:
    engine = make_async_engine(DatabaseSettings(url=url))
    try:
        async with make_sessionmaker(engine)() as session:
            rows = await session.execute(
                select(AccessLogEntry.position, AccessLogEntry.leaf_hash).order_by(
                    AccessLogEntry.position
                )
            )
            return [(p, h) for p, h in rows.all()]
    finally:
        await engine.dispose()


def test_backfilled_leaf_hashes_match_the_hubs(database: ThrowawayDatabase, tmp_path: Path) -> None:
    db = create_database(database.backend, tmp_path)
    try:
        db.migrate()
        written = asyncio.run(_write_and_read(db.url))
        assert len(written) == len(EVENTS)
        assert all(h is not None for _, h in written)
        db.downgrade("0005")
        db.migrate()
        assert asyncio.run(_read(db.url)) == written
    finally:
        db.drop()
