"""Throwaway databases for tests: a SQLite file, or a new database on the PostgreSQL server."""

from __future__ import annotations

import os
import uuid
from dataclasses import dataclass
from pathlib import Path

import pytest
from alembic import command
from alembic.config import Config
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

ROOT = Path(__file__).resolve().parents[2]
PG_URL = os.environ.get("LIVC_TEST_DATABASE_URL", "postgresql://root@127.0.0.1:5432/test")


@dataclass
class ThrowawayDatabase:
    """One throwaway database."""

    backend: str
    url: str
    admin_url: str | None = None
    name: str | None = None
    path: Path | None = None

    def alembic(self) -> Config:
        """An alembic config aimed at this database."""
        cfg = Config(str(ROOT / "alembic.ini"))
        cfg.set_main_option("script_location", str(ROOT / "migrations"))
        cfg.attributes["url"] = self.url
        return cfg

    def migrate(self, revision: str = "head") -> None:
        """Upgrade to ``revision``."""
        command.upgrade(self.alembic(), revision)

    def downgrade(self, revision: str) -> None:
        """Downgrade to ``revision``."""
        command.downgrade(self.alembic(), revision)

    def execute(self, *statements: str) -> None:
        """Run raw SQL with the sync driver (fault injection, inspection)."""
        engine = create_engine(_sync(self.url))
        try:
            with engine.begin() as conn:
                for statement in statements:
                    conn.exec_driver_sql(statement)
        finally:
            engine.dispose()

    def scalar(self, sql: str) -> object:
        """One value from raw SQL."""
        engine = create_engine(_sync(self.url))
        try:
            with engine.connect() as conn:
                return conn.execute(text(sql)).scalar()
        finally:
            engine.dispose()

    def drop(self) -> None:
        """Remove the database."""
        if self.backend == "postgresql" and self.admin_url and self.name:
            _pg_admin(self.admin_url, f'DROP DATABASE IF EXISTS "{self.name}" WITH (FORCE)')


def _sync(url: str) -> str:
    parsed = make_url(url)
    driver = "sqlite+pysqlite" if parsed.get_backend_name() == "sqlite" else "postgresql+psycopg"
    return parsed.set(drivername=driver).render_as_string(hide_password=False)


def _pg_admin(admin_url: str, statement: str) -> None:
    engine = create_engine(_sync(admin_url), isolation_level="AUTOCOMMIT")
    try:
        with engine.connect() as conn:
            conn.exec_driver_sql(statement)
    finally:
        engine.dispose()


def create_database(backend: str, tmp: Path) -> ThrowawayDatabase:
    """A new empty database of the backend; PostgreSQL unreachable fails the tests (no skip)."""
    if backend == "sqlite":
        path = tmp / "livc-test.db"
        return ThrowawayDatabase(backend, f"sqlite:///{path}", path=path)
    name = f"livc_test_{uuid.uuid4().hex[:12]}"
    try:
        _pg_admin(PG_URL, f'CREATE DATABASE "{name}"')
    except Exception as exc:  # noqa: BLE001 - any failure here means PostgreSQL did not run
        pytest.fail(
            f"PostgreSQL tests cannot run: {type(exc).__name__} connecting to "
            f"LIVC_TEST_DATABASE_URL ({make_url(PG_URL).render_as_string(hide_password=True)}). "
            "Start the server or point the variable at one; these tests are never skipped.",
            pytrace=False,
        )
    url = make_url(PG_URL).set(database=name).render_as_string(hide_password=False)
    return ThrowawayDatabase("postgresql", url, admin_url=PG_URL, name=name)
