"""Engines and sessions for the two supported databases.

The configured URL is driver-neutral (``sqlite:///path`` or ``postgresql://...``); the app uses the
async drivers (aiosqlite, psycopg 3), alembic the sync ones.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from sqlalchemy import Engine, create_engine, event
from sqlalchemy.engine import URL, make_url
from sqlalchemy.ext.asyncio import AsyncEngine, async_sessionmaker, create_async_engine
from sqlalchemy.ext.asyncio import AsyncSession as AsyncSession

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
        # The driver's own transaction handling is switched off so that every transaction starts
        # with BEGIN IMMEDIATE (below): nearly every request writes an access-log entry, and a
        # deferred transaction that later upgrades to a write lock fails instead of waiting.
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA foreign_keys=ON")
        # FULL: an acknowledged write survives power loss, not only a process crash.
        cursor.execute("PRAGMA synchronous=FULL")
        cursor.execute(f"PRAGMA busy_timeout={int(busy_timeout_ms)}")
        cursor.close()

    return on_connect


def _sqlite_begin(conn: Any) -> None:
    conn.exec_driver_sql("BEGIN IMMEDIATE")


def _configure(sync_engine: Engine, settings: DatabaseSettings) -> None:
    if sync_engine.dialect.name == "sqlite":
        event.listen(sync_engine, "connect", _sqlite_pragmas(settings.sqlite_busy_timeout_ms))
        event.listen(sync_engine, "begin", _sqlite_begin)


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
    _configure(engine.sync_engine, settings)
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
