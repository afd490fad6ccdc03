"""SQLite's write lock: taken at the first write, queued for in arrival order, never held by reads.

An app engine on a SQLite file, no server: reads run outside any transaction; the first write
begins ``BEGIN IMMEDIATE``; writers of one process wait at a FIFO gate (bounded by the busy
timeout) instead of polling in SQLite's busy handler; the gate is given back whenever the
connection goes back to the pool.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from pathlib import Path

import pytest
from sqlalchemy import text
from sqlalchemy.exc import OperationalError
from sqlalchemy.ext.asyncio import AsyncEngine

from app.db.engine import make_async_engine, make_sessionmaker, write_gate, writes
from app.settings import DatabaseSettings
from tests.support.timing import scaled


async def _until(condition: Callable[[], bool], what: str) -> None:
    deadline = asyncio.get_running_loop().time() + scaled(10)
    while not condition():
        if asyncio.get_running_loop().time() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        await asyncio.sleep(0.005)


def _engine(tmp_path: Path, busy_ms: int = 10_000) -> AsyncEngine:
    settings = DatabaseSettings(url=f"sqlite:///{tmp_path}/gate.db", sqlite_busy_timeout_ms=busy_ms)
    return make_async_engine(settings)


async def _table(engine: AsyncEngine) -> None:
    async with engine.begin() as conn:
        await conn.execute(text("CREATE TABLE t (i INTEGER)"))


def test_writers_take_the_lock_in_arrival_order(tmp_path: Path) -> None:
    async def run() -> list[int]:
        engine = _engine(tmp_path)
        gate = write_gate(engine)
        assert gate is not None
        sessions = make_sessionmaker(engine)
        await _table(engine)

        async def writer(i: int) -> None:
            async with sessions() as s:
                await s.execute(text("INSERT INTO t VALUES (:i)"), {"i": i})
                await s.commit()

        try:
            async with sessions() as first:
                await first.execute(text("INSERT INTO t VALUES (-1)"))
                tasks = []
                for i in range(5):
                    tasks.append(asyncio.create_task(writer(i)))
                    await _until(lambda i=i: gate.waiting == i + 1, f"writer {i} to queue")
                await first.commit()
            await asyncio.gather(*tasks)
            async with engine.connect() as conn:
                return list((await conn.execute(text("SELECT i FROM t ORDER BY rowid"))).scalars())
        finally:
            await engine.dispose()

    assert asyncio.run(run()) == [-1, 0, 1, 2, 3, 4]


def test_reads_take_no_lock_while_a_writer_holds_it(tmp_path: Path) -> None:
    async def run() -> int:
        engine = _engine(tmp_path, busy_ms=200)
        sessions = make_sessionmaker(engine)
        await _table(engine)
        try:
            async with sessions() as writer, sessions() as reader:
                await writer.execute(text("INSERT INTO t VALUES (1)"))
                # The writer holds the write lock; a reader is not kept waiting, and reads the
                # last commit.
                count = (await reader.execute(text("SELECT count(*) FROM t"))).scalar_one()
                await writer.commit()
            return int(count)
        finally:
            await engine.dispose()

    assert asyncio.run(run()) == 0


def test_a_writer_waits_no_longer_than_the_busy_timeout(tmp_path: Path) -> None:
    async def run() -> None:
        engine = _engine(tmp_path, busy_ms=200)
        sessions = make_sessionmaker(engine)
        await _table(engine)
        try:
            async with sessions() as first, sessions() as second:
                await first.execute(text("INSERT INTO t VALUES (1)"))
                with pytest.raises(OperationalError, match="database is locked"):
                    await second.execute(text("INSERT INTO t VALUES (2)"))
                await first.rollback()
            # A failed wait and a rollback both gave the gate back: the next writer goes in.
            async with sessions() as third:
                await third.execute(text("INSERT INTO t VALUES (3)"))
                await third.commit()
        finally:
            await engine.dispose()

    asyncio.run(run())


def test_the_write_lock_is_begun_at_the_first_write_only(tmp_path: Path) -> None:
    async def run() -> list[bool]:
        engine = _engine(tmp_path)
        sessions = make_sessionmaker(engine)
        await _table(engine)
        try:
            async with sessions() as s:
                seen = []
                await s.execute(text("SELECT count(*) FROM t"))
                raw = (await s.connection()).sync_connection
                assert raw is not None
                driver = raw.connection.driver_connection
                seen.append(driver.in_transaction)
                await s.execute(text("INSERT INTO t VALUES (1)"))
                seen.append(driver.in_transaction)
                await s.commit()
            return seen
        finally:
            await engine.dispose()

    assert asyncio.run(run()) == [False, True]


@pytest.mark.parametrize(
    ("statement", "expected"),
    [
        ("SELECT 1", False),
        ("  select * from t", False),
        ("PRAGMA foreign_keys", False),
        ("WITH x AS (SELECT 1) SELECT * FROM x", False),
        ("COMMIT", False),
        ("INSERT INTO t VALUES (1)", True),
        ("UPDATE t SET i = 2", True),
        ("DELETE FROM t", True),
        ("CREATE TABLE u (i INTEGER)", True),
        ("SAVEPOINT sa_1", True),
    ],
)
def test_what_counts_as_a_write(statement: str, expected: bool) -> None:
    assert writes(statement, None) is expected


def test_select_for_update_counts_as_a_write() -> None:
    from sqlalchemy import column, select, table
    from sqlalchemy.dialects import sqlite

    stmt = select(column("size")).select_from(table("audit_head")).with_for_update()

    class Context:
        compiled = stmt.compile(dialect=sqlite.dialect())
        isinsert = isupdate = isdelete = False

    assert writes("SELECT size FROM audit_head", Context()) is True
