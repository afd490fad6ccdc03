"""Alembic environment: the URL comes from settings, or a connection handed in by the caller."""

from __future__ import annotations

from alembic import context
from sqlalchemy import Connection

from app.db.base import Base
from app.db.engine import make_sync_engine
from app.db.models import AccessLogEntry  # noqa: F401  (registers every table)
from app.settings import DatabaseSettings

config = context.config
target_metadata = Base.metadata


def _set_timeouts(connection: Connection) -> None:
    if connection.dialect.name == "postgresql":
        # Never wait forever on a lock held by a live app, never run away (warehouse does this).
        connection.exec_driver_sql("SET lock_timeout = '10s'")
        connection.exec_driver_sql("SET statement_timeout = '300s'")
        connection.commit()


def _run(connection: Connection) -> None:
    context.configure(
        connection=connection,
        target_metadata=target_metadata,
        render_as_batch=connection.dialect.name == "sqlite",
        compare_type=True,
    )
    with context.begin_transaction():
        context.run_migrations()


def run_migrations_online() -> None:
    """Migrate over a given connection, or one made from LIVC_DATABASE_URL."""
    connection = config.attributes.get("connection")
    if connection is not None:
        _run(connection)
        return
    url = config.attributes.get("url")
    settings = DatabaseSettings(url=url) if url else DatabaseSettings()
    engine = make_sync_engine(settings)
    try:
        with engine.connect() as conn:
            _set_timeouts(conn)
            _run(conn)
    finally:
        engine.dispose()


if context.is_offline_mode():
    raise SystemExit("offline SQL generation is not supported; run against a database")
run_migrations_online()
