"""Throwaway databases for tests: a SQLite file, or a new database on the PostgreSQL server.

On PostgreSQL two URLs: ``url`` is the superuser that migrates (and tampers, as a database
administrator would); ``app_url`` is the login role the hub runs as, a member of the app's group
role (LIVC_DATABASE_APP_ROLE) that owns nothing, so every API test runs with only the grants
migration 0007 gives.
"""

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

from app.settings import DatabaseSettings

ROOT = Path(__file__).resolve().parents[2]
PG_URL = os.environ.get("LIVC_TEST_DATABASE_URL", "postgresql://root@127.0.0.1:5432/test")
APP_ROLE = DatabaseSettings().app_role
APP_LOGIN = "livc_test_hub"  # cluster-wide and shared by every test session on the server


@dataclass
class ThrowawayDatabase:
    """One throwaway database."""

    backend: str
    url: str
    admin_url: str | None = None
    name: str | None = None
    path: Path | None = None
    app_url: str = ""

    def __post_init__(self) -> None:
        self.app_url = self.app_url or self.url

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

    def rows(self, sql: str) -> list[tuple[object, ...]]:
        """Every row of raw SQL, as tuples."""
        engine = create_engine(_sync(self.url))
        try:
            with engine.connect() as conn:
                return [tuple(row) for row in conn.execute(text(sql))]
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
    ensure_app_login(PG_URL)
    url = make_url(PG_URL).set(database=name)
    app_url = url.set(username=APP_LOGIN, password=None)
    return ThrowawayDatabase(
        "postgresql",
        url.render_as_string(hide_password=False),
        admin_url=PG_URL,
        name=name,
        app_url=app_url.render_as_string(hide_password=False),
    )


# Race-safe against other test sessions on the same server: whoever loses a race to create a
# role or a membership gets duplicate_object or unique_violation, and leaves it be.
_APP_LOGIN_SQL = """
DO $$
BEGIN
  IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = '{group}') THEN
    BEGIN
      CREATE ROLE "{group}" NOLOGIN;
    EXCEPTION WHEN duplicate_object OR unique_violation THEN NULL;
    END;
  END IF;
  IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = '{login}') THEN
    BEGIN
      CREATE ROLE "{login}" LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE INHERIT;
    EXCEPTION WHEN duplicate_object OR unique_violation THEN NULL;
    END;
  END IF;
  IF NOT pg_has_role('{login}', '{group}', 'MEMBER') THEN
    BEGIN
      GRANT "{group}" TO "{login}";
    EXCEPTION WHEN duplicate_object OR unique_violation THEN NULL;
    END;
  END IF;
END $$
"""
_app_login_ready: set[tuple[str, str]] = set()


def ensure_app_login(admin_url: str, group: str = APP_ROLE, login: str = APP_LOGIN) -> None:
    """The hub's test login role exists and is a member of the app's group role."""
    if (group, login) in _app_login_ready:
        return
    _pg_admin(admin_url, _APP_LOGIN_SQL.format(group=group, login=login))
    _app_login_ready.add((group, login))
