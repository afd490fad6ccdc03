"""Engines and sessions for the two supported databases.

The configured URL is driver-neutral (``sqlite:///path`` or ``postgresql://...``); the app uses the
async drivers (aiosqlite, psycopg 3), alembic the sync ones.

On SQLite, reads take no lock: they run outside any transaction, and a transaction begins with
``BEGIN IMMEDIATE`` (the write lock) at the first statement that writes, which for a request
that only reads is the append of its access-log entry at the end. In the app, writers queue in a
``WriteGate`` before asking SQLite for the lock.
"""

from __future__ import annotations

import asyncio
import sqlite3
import weakref
from pathlib import Path
from typing import Any

from sqlalchemy import Connection, Engine, create_engine, event
from sqlalchemy.engine import URL, make_url
from sqlalchemy.ext.asyncio import AsyncEngine, async_sessionmaker, create_async_engine
from sqlalchemy.ext.asyncio import AsyncSession as AsyncSession
from sqlalchemy.util import await_only

from app.db.files import create_empty_private_file, private_directory, warn_if_shared
from app.settings import DatabaseSettings

_ASYNC_DRIVERS = {"sqlite": "sqlite+aiosqlite", "postgresql": "postgresql+psycopg"}
_SYNC_DRIVERS = {"sqlite": "sqlite+pysqlite", "postgresql": "postgresql+psycopg"}


class UnsupportedDatabase(ValueError):
    """The URL names a database the hub does not support."""


def _with_driver(url: str, drivers: dict[str, str]) -> URL:
    parsed = make_url(url)
    backend = parsed.get_backend_name()
    if backend not in drivers:
        raise UnsupportedDatabase(f"unsupported database {backend!r}: use sqlite or postgresql")
    return parsed.set(drivername=drivers[backend])


def async_url(url: str) -> URL:
    """The URL with the async driver the app uses."""
    return _with_driver(url, _ASYNC_DRIVERS)


def sync_url(url: str) -> URL:
    """The URL with the sync driver alembic and maintenance commands use."""
    return _with_driver(url, _SYNC_DRIVERS)


def sqlite_path(url: URL) -> Path | None:
    """The file of a SQLite URL (None for other databases and in-memory ones)."""
    if url.get_backend_name() != "sqlite":
        return None
    name = url.database
    if not name or name == ":memory:" or name.startswith("file:"):
        return None
    return Path(name)


def prepare_sqlite_file(url: URL) -> None:
    """Create a SQLite database file 0600 (its directory 0700) before SQLite opens it.

    SQLite creates a new file 0644 less the umask, and gives the -wal and -shm files the mode of
    the database file: creating it 0600 first keeps all three private.
    """
    path = sqlite_path(url)
    if path is None:
        return
    private_directory(path.parent)
    if not create_empty_private_file(path):
        warn_if_shared(path)


def _sqlite_pragmas(busy_timeout_ms: int) -> Any:
    def on_connect(dbapi_connection: Any, _record: Any) -> None:
        # The driver's own transaction handling is switched off: reads run outside any
        # transaction (each statement sees the last commit, as under PostgreSQL's READ
        # COMMITTED), and a transaction begins, IMMEDIATE, at the first write (below).
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA foreign_keys=ON")
        # FULL: an acknowledged write survives power loss, not only a process crash.
        cursor.execute("PRAGMA synchronous=FULL")
        cursor.execute(f"PRAGMA busy_timeout={int(busy_timeout_ms)}")
        cursor.close()

    return on_connect


_READS = ("SELECT", "PRAGMA", "EXPLAIN", "WITH")
_ENDS = ("BEGIN", "COMMIT", "ROLLBACK", "END", "RELEASE")
_GATE_HELD = "livc_hub_write_gate"


def writes(statement: str, context: Any) -> bool:
    """Whether a statement needs SQLite's write lock: any change, and SELECT ... FOR UPDATE
    (a read whose transaction is about to write, such as the access log's head)."""
    compiled = getattr(context, "compiled", None)
    if getattr(getattr(compiled, "statement", None), "_for_update_arg", None) is not None:
        return True
    if context is not None and (context.isinsert or context.isupdate or context.isdelete):
        return True
    head = statement.lstrip()[:10].upper()
    return not head.startswith(_READS) and not head.startswith(_ENDS)


class WriteGate:
    """One writing transaction at a time per process, taken in arrival order.

    SQLite has one write lock; writers that find it taken wait in its busy handler, which polls
    and serves no one in order. Queueing writers in the process instead lets at most one
    connection wait on SQLite (for another process's writer), and every writer gets its turn.
    """

    def __init__(self, timeout_s: float) -> None:
        self._lock = asyncio.Lock()
        self._timeout = timeout_s
        self.waiting = 0  # writers queued now (for tests and metrics)

    def enter(self) -> None:
        """Wait for the gate (called within the driver's greenlet, where it may await); past the
        busy timeout the writer fails as SQLite's own wait would: "database is locked"."""
        self.waiting += 1
        try:
            await_only(asyncio.wait_for(self._lock.acquire(), self._timeout))
        except TimeoutError:
            raise sqlite3.OperationalError("database is locked") from None
        finally:
            self.waiting -= 1

    def leave(self) -> None:
        """Let the next writer in."""
        if self._lock.locked():
            self._lock.release()


def _sqlite_write_lock(gate: WriteGate | None) -> Any:
    def before_cursor_execute(
        conn: Any, cursor: Any, statement: str, params: Any, context: Any, many: bool
    ) -> None:
        if not writes(statement, context):
            return
        if conn.connection.driver_connection.in_transaction:
            return
        if gate is not None and not conn.info.get(_GATE_HELD):
            gate.enter()
            conn.info[_GATE_HELD] = True
        try:
            cursor.execute("BEGIN IMMEDIATE")
        except BaseException:
            _release(gate, conn.info)
            raise

    return before_cursor_execute


def _release(gate: WriteGate | None, info: dict[Any, Any]) -> None:
    if gate is not None and info.pop(_GATE_HELD, False):
        gate.leave()


_WROTE = "livc_hub_wrote"


def _mark_writes(
    conn: Any, cursor: Any, statement: str, params: Any, context: Any, many: bool
) -> None:
    if writes(statement, context):
        conn.info[_WROTE] = True


def _forget_writes(_dbapi: Any, record: Any) -> None:
    record.info.pop(_WROTE, None)


def wrote(connection: Connection) -> bool:
    """Whether this connection, since it was checked out, ran a statement that writes (or
    locks for writing): such a transaction must commit its own work, not only log entries."""
    return bool(connection.info.get(_WROTE))


_GATES: weakref.WeakKeyDictionary[Engine, WriteGate] = weakref.WeakKeyDictionary()


def write_gate(engine: AsyncEngine) -> WriteGate | None:
    """The gate an app engine's writers queue at (None on PostgreSQL)."""
    return _GATES.get(engine.sync_engine)


def _configure(sync_engine: Engine, settings: DatabaseSettings, *, gate: bool = False) -> None:
    event.listen(sync_engine, "before_cursor_execute", _mark_writes)
    event.listen(sync_engine.pool, "checkin", _forget_writes)
    if sync_engine.dialect.name != "sqlite":
        return
    timeout_ms = settings.sqlite_busy_timeout_ms
    event.listen(sync_engine, "connect", _sqlite_pragmas(timeout_ms))
    writers = WriteGate(timeout_ms / 1000) if gate else None
    if writers is not None:
        _GATES[sync_engine] = writers
    event.listen(sync_engine, "before_cursor_execute", _sqlite_write_lock(writers))
    if writers is not None:
        # The gate is the connection's until it goes back to the pool (after its commit or
        # rollback), whatever path it takes there.
        def checkin(_dbapi: Any, record: Any) -> None:
            _release(writers, record.info)

        def invalidate(_dbapi: Any, record: Any, _exc: Any) -> None:
            _release(writers, record.info)

        event.listen(sync_engine.pool, "checkin", checkin)
        event.listen(sync_engine.pool, "invalidate", invalidate)


def _connect_args(url: URL, settings: DatabaseSettings) -> dict[str, Any]:
    if url.get_backend_name() == "postgresql":
        timeout = int(settings.statement_timeout_ms)
        return {"options": f"-c statement_timeout={timeout} -c lock_timeout={timeout}"}
    return {}


def make_async_engine(settings: DatabaseSettings) -> AsyncEngine:
    """The application's engine."""
    url = async_url(settings.url)
    prepare_sqlite_file(url)
    kwargs: dict[str, Any] = {"echo": settings.echo, "connect_args": _connect_args(url, settings)}
    if url.get_backend_name() == "postgresql":
        kwargs.update(pool_size=settings.pool_size, pool_pre_ping=True)
    # hide_parameters: an exception message must never carry a bound (personal) value.
    engine = create_async_engine(url, hide_parameters=True, **kwargs)
    _configure(engine.sync_engine, settings, gate=True)
    return engine


def make_sync_engine(settings: DatabaseSettings) -> Engine:
    """A sync engine for migrations and maintenance commands."""
    url = sync_url(settings.url)
    prepare_sqlite_file(url)
    engine = create_engine(
        url, echo=settings.echo, hide_parameters=True, connect_args=_connect_args(url, settings)
    )
    _configure(engine, settings)
    return engine


def make_sessionmaker(engine: AsyncEngine) -> async_sessionmaker[AsyncSession]:
    """Sessions that keep loaded objects usable after commit."""
    return async_sessionmaker(engine, expire_on_commit=False)
