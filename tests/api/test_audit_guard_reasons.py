"""The guard on the access log itself, on both databases: each reason it refuses for, and the
rolled-back checkpoint that must not become a false alarm."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from sqlalchemy import select

from app.audit.guard import LogGuard
from app.audit.log import ALARM_ACTION, AccessLog, AuditEvent, Outcome, as_canonical
from app.audit.signing import AuditSigner
from app.audit.trust import StateFile, TrustState
from app.db.engine import make_async_engine, make_sessionmaker
from app.db.models import AccessLogEntry, AuditCheckpoint
from app.errors import AuditIntegrityAlarm
from app.settings import DatabaseSettings
from tests.support.databases import ThrowawayDatabase, create_database
from tests.support.forgery import tamper

EVERY = 5


@pytest.fixture
def db(database: ThrowawayDatabase, tmp_path: Path) -> Iterator[ThrowawayDatabase]:
    fresh = create_database(database.backend, tmp_path)
    try:
        fresh.migrate()
        yield fresh
    finally:
        fresh.drop()


class Hub:
    """An access log over a database, as one hub process holds it (guard, state file)."""

    def __init__(self, url: str, signer: AuditSigner, state: Path) -> None:
        self.engine = make_async_engine(DatabaseSettings(url=url))
        self.sessions = make_sessionmaker(self.engine)
        # A small batch, so that the guard's walk crosses batches.
        self.guard = LogGuard(signer, StateFile(state), batch=3)
        self.log = AccessLog(signer=signer, checkpoint_every=EVERY, guard=self.guard)

    async def append(self, n: int = 1, *, commit: bool = True) -> None:
        for _ in range(n):
            async with self.sessions() as session:
                event = AuditEvent("test:tick", Outcome.ALLOW, "test", None, None)
                await self.log.append(session, [event], request_id="t")
                await (session.commit() if commit else session.rollback())

    async def checkpoint(self) -> int:
        async with self.sessions() as session:
            row = await self.log.checkpoint_now(session)
            await session.commit()
            return row.tree_size

    async def stored(self) -> list[int]:
        async with self.sessions() as session:
            sizes = await session.scalars(select(AuditCheckpoint.tree_size))
            return sorted(sizes.all())

    async def alarms(self) -> list[str]:
        async with self.sessions() as session:
            rows = await session.scalars(
                select(AccessLogEntry.reason)
                .where(AccessLogEntry.action == ALARM_ACTION)
                .order_by(AccessLogEntry.position)
            )
            return list(rows.all())


def _run(db: ThrowawayDatabase, tmp: Path, work: Callable[[Any], Awaitable[None]]) -> None:
    signer = AuditSigner(Ed25519PrivateKey.generate())

    async def go() -> None:
        hubs: list[Hub] = []

        def hub() -> Hub:  # a new process of the same hub: same key, same state file
            hubs.append(Hub(db.url, signer, tmp / "audit-key.pem.state.json"))
            return hubs[-1]

        try:
            await work(hub)
        finally:
            for h in hubs:
                await h.engine.dispose()

    asyncio.run(go())


def test_a_rolled_back_checkpoint_is_not_trusted_and_raises_no_false_alarm(
    db: ThrowawayDatabase, tmp_path: Path
) -> None:
    async def work(hub: Callable[[], Hub]) -> None:
        h = hub()
        await h.append(EVERY - 1)
        await h.append(commit=False)  # would have signed EVERY, rolled back
        state = h.guard.store.read() if h.guard.store else None
        assert state is None or state.head.size < EVERY
        await h.append(3)  # other entries take those positions
        assert await h.stored() == [EVERY]
        assert await h.checkpoint() == EVERY + 2
        assert h.log.alarm() is None
        assert await h.alarms() == []

    _run(db, tmp_path, work)


def test_a_fresh_process_recomputes_from_the_first_entry_and_checks_stored_checkpoints(
    db: ThrowawayDatabase, tmp_path: Path
) -> None:
    async def work(hub: Callable[[], Hub]) -> None:
        h = hub()
        await h.append(2 * EVERY + 2)
        assert await h.stored() == [EVERY, 2 * EVERY]
        tamper(db, f"UPDATE audit_checkpoints SET root_hash = '{'ab' * 32}' WHERE tree_size = 5")
        h.guard.store.path.unlink()  # type: ignore[union-attr]
        fresh = hub()  # no state file: trusts nothing but what it recomputes from entry 0
        with pytest.raises(AuditIntegrityAlarm) as refused:
            await fresh.checkpoint()
        assert refused.value.reason == "checkpoint_mismatch"

    _run(db, tmp_path, work)


def test_a_checkpoint_with_a_bad_signature_on_the_way_is_refused(
    db: ThrowawayDatabase, tmp_path: Path
) -> None:
    async def work(hub: Callable[[], Hub]) -> None:
        h = hub()
        await h.append(EVERY)
        signature = await _signature_of(h, EVERY)
        await h.append(EVERY)
        tamper(db, f"UPDATE audit_checkpoints SET signature = '{signature}' WHERE tree_size = 10")
        h.guard.store.path.unlink()  # type: ignore[union-attr]
        with pytest.raises(AuditIntegrityAlarm) as refused:
            await hub().checkpoint()
        assert refused.value.reason == "checkpoint_signature"

    _run(db, tmp_path, work)


async def _signature_of(h: Hub, size: int) -> str:
    async with h.sessions() as session:
        row = await session.get(AuditCheckpoint, size)
        assert row is not None
        return row.signature


def test_the_alarm_survives_a_restart_and_the_state_file_is_checked(
    db: ThrowawayDatabase, tmp_path: Path
) -> None:
    async def work(hub: Callable[[], Hub]) -> None:
        h = hub()
        await h.append(EVERY + 1)
        tamper(db, "UPDATE audit_head SET size = 3 WHERE id = 1")
        with pytest.raises(AuditIntegrityAlarm) as refused:
            await h.checkpoint()
        assert refused.value.reason == "tail_cut"
        again = hub()  # a restart: the alarm comes back from the state file
        assert again.log.alarm() == "tail_cut"
        tamper(db, "UPDATE audit_head SET size = 6 WHERE id = 1")
        await h.append()  # the process that raised the alarm logs it with its next append
        await again.append(EVERY)  # served and logged, nothing signed
        assert await again.stored() == [EVERY]
        assert await h.alarms() == ["tail_cut"]
        again.guard.clear()
        assert await again.checkpoint() > EVERY  # the database is whole again

        store = h.guard.store
        assert store is not None
        # A state file this hub cannot read, or one for another key: alarms, logged like others.
        store.path.write_text("{not json")
        unreadable = hub()
        assert unreadable.log.alarm() == "state_unreadable"
        await unreadable.append()
        store.path.unlink()
        store.update(lambda _: TrustState(key_id="f" * 64))
        foreign = hub()
        assert foreign.log.alarm() == "state_key_mismatch"
        await foreign.append()
        assert (await h.alarms())[-2:] == ["state_unreadable", "state_key_mismatch"]

    _run(db, tmp_path, work)


def test_a_hub_without_a_signed_head_primes_from_its_latest_checkpoint(
    db: ThrowawayDatabase, tmp_path: Path
) -> None:
    async def work(hub: Callable[[], Hub]) -> None:
        h = hub()
        await h.append(3 * EVERY + 1)
        store = h.guard.store
        assert store is not None
        store.path.unlink()
        fresh = hub()
        await fresh.guard.prime(fresh.sessions, as_canonical)
        primed = store.read()
        assert primed is not None
        assert primed.head.size == 3 * EVERY  # recomputed and matched, outside any lock
        assert await fresh.checkpoint() == 3 * EVERY + 1

        tamper(db, f"UPDATE audit_checkpoints SET root_hash = '{'cd' * 32}' WHERE tree_size = 10")
        store.path.unlink()
        broken = hub()
        await broken.guard.prime(broken.sessions, as_canonical)
        assert broken.log.alarm() == "checkpoint_mismatch"

    _run(db, tmp_path, work)
