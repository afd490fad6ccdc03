"""the access log is append-only for the app: grants on PostgreSQL, triggers on SQLite

Revision ID: 0007
Revises: 0006
Create Date: 2026-11-26

PostgreSQL: a NOLOGIN group role (``LIVC_DATABASE_APP_ROLE``, default ``livc_app``; created if
absent, never dropped: roles belong to the whole cluster) gets SELECT and INSERT on the log
tables, SELECT, INSERT, UPDATE and DELETE on every other table, and what the sequences need. The
hub logs in as a member of that role that does not own the tables; the migrating role (the
owner) keeps every right. Default privileges give tables a later migration creates the same
rights as the other tables: a migration that adds a log table must revoke UPDATE and DELETE.

SQLite: triggers refuse UPDATE and DELETE on the log tables (an attacker with the file can drop
them; they stop the hub itself, and anyone who only has its connection, from rewriting).
"""

from __future__ import annotations

import os
import re
from collections.abc import Sequence

from alembic import op
from sqlalchemy import Connection

revision: str = "0007"
down_revision: str | None = "0006"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

LOG_TABLES = ("access_log", "audit_checkpoints")
NOT_GRANTED = ("alembic_version",)
DML = "SELECT, INSERT, UPDATE, DELETE"
ROLE_NAME = re.compile(r"^[a-z_][a-z0-9_]{0,62}$")


def _role() -> str:
    # The same variable and rule as DatabaseSettings.app_role (frozen here, as migrations are).
    name = os.environ.get("LIVC_DATABASE_APP_ROLE", "livc_app")
    if not ROLE_NAME.match(name):
        raise ValueError("LIVC_DATABASE_APP_ROLE must be a lower-case PostgreSQL identifier")
    return name


def _create_role(conn: Connection, role: str) -> None:
    # Race-safe: two migrations on the same cluster may both find it absent; the loser of the
    # race gets duplicate_object or unique_violation (pg_authid's index) and leaves it be.
    conn.exec_driver_sql("SELECT set_config('livc.app_role', %(role)s, true)", {"role": role})
    conn.exec_driver_sql(
        """
        DO $$
        DECLARE
          name text := current_setting('livc.app_role');
        BEGIN
          IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = name) THEN
            BEGIN
              EXECUTE 'CREATE ROLE ' || quote_ident(name) || ' NOLOGIN';
            EXCEPTION WHEN duplicate_object OR unique_violation THEN NULL;
            END;
          END IF;
        END $$
        """
    )


def _tables(conn: Connection, schema: str) -> list[str]:
    rows = conn.exec_driver_sql(
        "SELECT tablename FROM pg_tables WHERE schemaname = %(schema)s ORDER BY tablename",
        {"schema": schema},
    )
    return [name for (name,) in rows if name not in NOT_GRANTED]


def _upgrade_postgresql(conn: Connection) -> None:
    role = _role()
    _create_role(conn, role)
    schema = str(conn.exec_driver_sql("SELECT current_schema()").scalar())
    tables = _tables(conn, schema)
    others = [t for t in tables if t not in LOG_TABLES]
    # Identifiers cannot be bound parameters: the role name is checked against ROLE_NAME and
    # the schema and table names come from the catalogue; all are quoted.
    grantee, where = f'"{role}"', f'"{schema}"'
    statements = [
        f"GRANT USAGE ON SCHEMA {where} TO {grantee}",
        f"GRANT SELECT, INSERT ON {', '.join(LOG_TABLES)} TO {grantee}",
        f"REVOKE UPDATE, DELETE, TRUNCATE ON {', '.join(LOG_TABLES)} FROM {grantee}",
        f"GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA {where} TO {grantee}",
        f"ALTER DEFAULT PRIVILEGES IN SCHEMA {where} GRANT {DML} ON TABLES TO {grantee}",
        f"ALTER DEFAULT PRIVILEGES IN SCHEMA {where} GRANT USAGE, SELECT ON SEQUENCES TO {grantee}",
    ]
    if others:
        listed = ", ".join(f'"{t}"' for t in others)
        statements.insert(1, f"GRANT {DML} ON {listed} TO {grantee}")
    for statement in statements:
        conn.exec_driver_sql(statement)


def _role_exists(conn: Connection, role: str) -> bool:
    found = conn.exec_driver_sql(
        "SELECT 1 FROM pg_roles WHERE rolname = %(role)s", {"role": role}
    ).scalar()
    return found is not None


def _downgrade_postgresql(conn: Connection) -> None:
    role = _role()
    if not _role_exists(conn, role):
        return
    schema = str(conn.exec_driver_sql("SELECT current_schema()").scalar())
    grantee, where = f'"{role}"', f'"{schema}"'
    for statement in (
        f"ALTER DEFAULT PRIVILEGES IN SCHEMA {where} REVOKE {DML} ON TABLES FROM {grantee}",
        f"ALTER DEFAULT PRIVILEGES IN SCHEMA {where} REVOKE USAGE, SELECT ON SEQUENCES "  # noqa: S608
        f"FROM {grantee}",
        f"REVOKE ALL ON ALL TABLES IN SCHEMA {where} FROM {grantee}",
        f"REVOKE ALL ON ALL SEQUENCES IN SCHEMA {where} FROM {grantee}",
        f"REVOKE USAGE ON SCHEMA {where} FROM {grantee}",
    ):
        conn.exec_driver_sql(statement)


def _triggers() -> list[tuple[str, str, str]]:
    return [
        (f"{table}_no_{action.lower()}", action, table)
        for table in LOG_TABLES
        for action in ("UPDATE", "DELETE")
    ]


def upgrade() -> None:
    conn = op.get_bind()
    if conn.dialect.name == "postgresql":
        _upgrade_postgresql(conn)
        return
    for name, action, table in _triggers():
        conn.exec_driver_sql(
            f"CREATE TRIGGER {name} BEFORE {action} ON {table} BEGIN "
            f"SELECT RAISE(ABORT, '{table} is append-only: {action} refused'); END"
        )


def downgrade() -> None:
    conn = op.get_bind()
    if conn.dialect.name == "postgresql":
        _downgrade_postgresql(conn)
        return
    for name, _, _ in _triggers():
        conn.exec_driver_sql(f"DROP TRIGGER IF EXISTS {name}")
