"""The access log is append-only for the hub's own connection (migration 0007).

PostgreSQL: the hub logs in as a member of the app's group role that owns nothing; the group may
SELECT and INSERT the log tables, never UPDATE, DELETE or TRUNCATE them. SQLite: triggers refuse
UPDATE and DELETE. Each test connects the way the running test hub does (``database.app_url``).
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator

import pytest
from sqlalchemy import Connection, create_engine, text
from sqlalchemy.exc import DBAPIError

from app.db.base import Base
from app.db.guards import HISTORY_TABLES, LOG_TABLES
from app.db.models import AccessLogEntry  # noqa: F401  (registers every table)
from tests.support.databases import APP_LOGIN, APP_ROLE, ThrowawayDatabase, _sync
from tests.support.live import LiveHub


@pytest.fixture
def app_conn(hub: LiveHub) -> Iterator[Connection]:
    """A connection as the running hub makes them, in a transaction that is rolled back."""
    engine = create_engine(_sync(hub.settings.database.url))
    try:
        with engine.connect() as conn:
            yield conn
            conn.rollback()
    finally:
        engine.dispose()


def _insert_entry(conn: Connection) -> None:
    conn.execute(
        text(
            "INSERT INTO access_log (at, request_id, action, decision, reason, fields, position,"
            " prev_hash, entry_hash) VALUES (:at, 'append-only-test', 'test:probe', 'allow',"
            " 'test', '[]', :position, :h, :h)"
        ),
        {"at": "2026-11-26 09:00:00+00:00", "position": -1 - uuid.uuid4().int % 10**9, "h": "0"},
    )
    conn.execute(
        text(
            "INSERT INTO audit_checkpoints (tree_size, root_hash, at, key_id, signature)"
            " VALUES (-1, '0', :at, 'k', 's')"
        ),
        {"at": "2026-11-26 09:00:00+00:00"},
    )


FORBIDDEN = [
    "UPDATE access_log SET action = 'note:list' WHERE request_id = 'append-only-test'",
    "DELETE FROM access_log WHERE request_id = 'append-only-test'",
    "UPDATE audit_checkpoints SET root_hash = 'f' WHERE tree_size = -1",
    "DELETE FROM audit_checkpoints WHERE tree_size = -1",
]


@pytest.mark.parametrize("statement", FORBIDDEN)
def test_the_hubs_connection_cannot_update_or_delete_the_log(
    hub: LiveHub, app_conn: Connection, statement: str
) -> None:
    _insert_entry(app_conn)  # INSERT succeeds (and gives the SQLite row triggers a row to see)
    assert app_conn.execute(text("SELECT count(*) FROM audit_checkpoints")).scalar()
    refusal = "permission denied" if hub.database.backend == "postgresql" else "append-only"
    with pytest.raises(DBAPIError, match=refusal):
        app_conn.execute(text(statement))


def test_the_hubs_way_into_the_database_is_narrow(hub: LiveHub) -> None:
    """PostgreSQL: a member of the app role, no superuser, owning no table. SQLite: 0600 files."""
    if hub.database.backend == "sqlite":
        path = hub.database.path
        assert path is not None
        files = [path, path.with_name(f"{path.name}-wal"), path.with_name(f"{path.name}-shm")]
        assert [f.stat().st_mode & 0o777 for f in files] == [0o600] * 3
        return
    engine = create_engine(_sync(hub.settings.database.url))
    try:
        with engine.connect() as conn:
            user = conn.execute(text("SELECT current_user")).scalar()
            member = conn.execute(
                text("SELECT pg_has_role(current_user, :role, 'MEMBER')"), {"role": APP_ROLE}
            ).scalar()
            owned = conn.execute(
                text("SELECT count(*) FROM pg_tables WHERE tableowner = current_user")
            ).scalar()
            superuser = conn.execute(
                text("SELECT rolsuper FROM pg_roles WHERE rolname = current_user")
            ).scalar()
    finally:
        engine.dispose()
    assert (user, member, owned, superuser) == (APP_LOGIN, True, 0, False)


def _privileges(conn: Connection, table: str) -> dict[str, bool]:
    return {
        p: bool(
            conn.execute(text("SELECT has_table_privilege(:t, :p)"), {"t": table, "p": p}).scalar()
        )
        for p in ("SELECT", "INSERT", "UPDATE", "DELETE", "TRUNCATE")
    }


def _sequences_usable(conn: Connection, table: str) -> bool:
    usable = True
    for column in Base.metadata.tables[table].columns:
        sequence = conn.execute(
            text("SELECT pg_get_serial_sequence(:t, :c)"), {"t": table, "c": column.name}
        ).scalar()
        if sequence is not None:
            usable &= bool(
                conn.execute(
                    text("SELECT has_sequence_privilege(:s, 'USAGE')"), {"s": sequence}
                ).scalar()
            )
    return usable


def _sqlite_guards(db: ThrowawayDatabase) -> dict[str, set[str]]:
    guards: dict[str, set[str]] = {}
    for name, table in db.rows("SELECT name, tbl_name FROM sqlite_master WHERE type = 'trigger'"):
        guards.setdefault(str(table), set()).add(str(name))
    return guards


def test_every_table_the_app_uses_carries_the_rights_it_needs(
    hub: LiveHub, app_conn: Connection
) -> None:
    tables = sorted(Base.metadata.tables)
    kept = (*LOG_TABLES, *HISTORY_TABLES)
    assert set(kept) <= set(tables)
    if hub.database.backend == "sqlite":
        guards = _sqlite_guards(hub.database)
        for table in kept:
            assert {f"{table}_no_update", f"{table}_no_delete"} <= guards.get(table, set()), table
        return
    append_only = {"SELECT": True, "INSERT": True, "UPDATE": False, "DELETE": False}
    read_write = {"SELECT": True, "INSERT": True, "UPDATE": True, "DELETE": True}
    for table in tables:
        rights = _privileges(app_conn, table)
        expected = append_only if table in kept else read_write
        assert {p: rights[p] for p in expected} == expected, table
        assert not rights["TRUNCATE"], table
        assert _sequences_usable(app_conn, table), table
