"""Migration 0014 on PostgreSQL: the declaration history is insert-and-read only for the app role,
while the new membership tables are ordinary tables it may change."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.support.databases import PG_URL, ThrowawayDatabase, _pg_admin, create_database


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


def _may(db: ThrowawayDatabase, role: str, table: str, privilege: str) -> object:
    return db.scalar(f"SELECT has_table_privilege('{role}', '{table}', '{privilege}')")  # noqa: S608


@pytest.mark.postgres
def test_declarations_and_acceptances_are_history(db: ThrowawayDatabase, role: str) -> None:
    db.migrate("0014")
    for table in ("cell_declarations", "declaration_acceptances"):
        assert _may(db, role, table, "INSERT")
        assert _may(db, role, table, "SELECT")
        assert not _may(db, role, table, "UPDATE")
        assert not _may(db, role, table, "DELETE")
    assert _may(db, role, "working_group_members", "DELETE")
    assert _may(db, role, "cell_members", "UPDATE")


def test_sqlite_refuses_changes_to_the_declaration_history(tmp_path: Path) -> None:
    database = create_database("sqlite", tmp_path)
    try:
        database.migrate("0014")
        # Foreign keys are not enforced on this raw connection: the rows need no parents.
        database.execute(
            "INSERT INTO cell_declarations VALUES ('d1', 'c1', 1, 'nl', 'fr', 'm1', '2026-11-26')",
            "INSERT INTO declaration_acceptances VALUES ('a1', 'x1', 'm1', 'd1', '2026-11-26')",
        )
        for table in ("cell_declarations", "declaration_acceptances"):
            for statement in (f"UPDATE {table} SET id = id", f"DELETE FROM {table}"):  # noqa: S608
                with pytest.raises(Exception, match="append-only"):
                    database.execute(statement)
        database.downgrade("0013")
        database.migrate("0014")
    finally:
        database.drop()
