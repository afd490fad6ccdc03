"""Migration 0007 on PostgreSQL: the app's group role is made if absent, even in a race, and the
downgrade takes the grants back but leaves the role (roles belong to the whole cluster).

Each test uses a role name of its own, so the shared ``livc_app`` of other test sessions on the
same server is never touched; the role is dropped at the end, after its databases.
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text

from tests.support.databases import PG_URL, ThrowawayDatabase, _pg_admin, _sync, create_database

pytestmark = pytest.mark.postgres


@pytest.fixture
def role(monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    name = f"livc_app_t{uuid.uuid4().hex[:10]}"
    monkeypatch.setenv("LIVC_DATABASE_APP_ROLE", name)
    yield name
    _pg_admin(PG_URL, f'DROP ROLE IF EXISTS "{name}"')


@pytest.fixture
def db(tmp_path: Path, role: str) -> Iterator[ThrowawayDatabase]:
    database = create_database("postgresql", tmp_path)
    try:
        yield database
    finally:
        database.drop()


def _role(db: ThrowawayDatabase, name: str) -> tuple[object, ...] | None:
    rows = db.rows(f"SELECT rolcanlogin, rolsuper FROM pg_roles WHERE rolname = '{name}'")  # noqa: S608
    return rows[0] if rows else None


def _may(db: ThrowawayDatabase, role: str, table: str, privilege: str) -> object:
    return db.scalar(f"SELECT has_table_privilege('{role}', '{table}', '{privilege}')")  # noqa: S608


def test_the_role_is_made_if_absent_granted_and_kept_on_downgrade(
    db: ThrowawayDatabase, role: str
) -> None:
    db.migrate("0006")
    assert _role(db, role) is None
    db.migrate("0007")
    assert _role(db, role) == (False, False)  # NOLOGIN, no superuser
    assert _may(db, role, "access_log", "INSERT")
    assert not _may(db, role, "access_log", "UPDATE")
    assert _may(db, role, "members", "UPDATE")
    db.downgrade("0006")
    assert _role(db, role) == (False, False)
    assert not _may(db, role, "access_log", "SELECT")
    assert not _may(db, role, "members", "SELECT")
    db.migrate("0007")  # and again, now that the role exists
    assert _may(db, role, "audit_checkpoints", "SELECT")
    assert not _may(db, role, "audit_checkpoints", "DELETE")


def _migrate_in_a_process(db: ThrowawayDatabase, role: str) -> subprocess.Popen[str]:
    env = {**os.environ, "LIVC_DATABASE_URL": db.url, "LIVC_DATABASE_APP_ROLE": role}
    return subprocess.Popen(  # noqa: S603 - our own CLI, fixed arguments
        [sys.executable, "-m", "app.cli", "migrate", "--revision", "0007"],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def _waiting_on_a_lock(db: ThrowawayDatabase) -> bool:
    waiting = db.scalar(
        "SELECT count(*) FROM pg_stat_activity WHERE wait_event_type = 'Lock'"
        f" AND datname = '{db.name}'"  # noqa: S608 - our own generated name
    )
    return bool(waiting)


def test_two_migrations_racing_to_make_the_role_both_succeed(
    db: ThrowawayDatabase, role: str
) -> None:
    db.migrate("0006")
    # Someone else is creating the role right now and has not committed: the migration finds it
    # absent, its CREATE ROLE waits on theirs, then fails as a duplicate, which it must accept.
    engine = create_engine(_sync(PG_URL))
    migration: subprocess.Popen[str] | None = None
    try:
        with engine.connect() as rival:
            rival.execute(text(f'CREATE ROLE "{role}" NOLOGIN'))
            migration = _migrate_in_a_process(db, role)
            try:
                deadline = time.monotonic() + 60
                while not _waiting_on_a_lock(db):
                    assert migration.poll() is None, migration.communicate()
                    assert time.monotonic() < deadline, "the migration never waited on the role"
                    time.sleep(0.05)
            finally:
                rival.commit()
            _, err = migration.communicate(timeout=120)
    finally:
        if migration is not None and migration.poll() is None:
            migration.kill()  # the one process this test started
            migration.wait()
        engine.dispose()
    assert migration.returncode == 0, err
    assert _may(db, role, "access_log", "INSERT")
    assert not _may(db, role, "access_log", "DELETE")
