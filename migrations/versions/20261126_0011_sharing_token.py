"""exchanges.sharing_token: a fresh random value whenever an exchange's releases or grants change

Revision ID: 0011
Revises: 0010
Create Date: 2026-11-26

The view keeps an exchange's releases and grants in memory keyed by this token (decision 89).
Triggers set it on every INSERT, UPDATE and DELETE of ``exchange_releases`` and
``exchange_grants``, in the writing transaction, so no writer can change what an exchange shares
without changing the token: not the hub, not a second worker, not an operator's SQL. The value
is random, not a counter, so a transaction that rolls back never leaves its token to be reused
by a later, different change.
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0011"
down_revision: str | None = "0010"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

TABLES = ("exchange_releases", "exchange_grants")

_PG_FUNCTION = """
CREATE OR REPLACE FUNCTION livc_new_sharing_token() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
  IF TG_OP IN ('UPDATE', 'DELETE') THEN
    UPDATE exchanges SET sharing_token = replace(gen_random_uuid()::text, '-', '')
     WHERE id = OLD.exchange_id;
  END IF;
  IF TG_OP IN ('INSERT', 'UPDATE') THEN
    UPDATE exchanges SET sharing_token = replace(gen_random_uuid()::text, '-', '')
     WHERE id = NEW.exchange_id;
  END IF;
  RETURN NULL;
END $$
"""

_SQLITE_NEW = "UPDATE exchanges SET sharing_token = lower(hex(randomblob(16))) WHERE id = {}"


def _sqlite_triggers(table: str) -> list[tuple[str, str]]:
    return [
        (
            f"trg_{table}_token_ins",
            f"AFTER INSERT ON {table} BEGIN {_SQLITE_NEW.format('NEW.exchange_id')}; END",
        ),
        (
            f"trg_{table}_token_upd",
            f"AFTER UPDATE ON {table} BEGIN "
            f"{_SQLITE_NEW.format('OLD.exchange_id')}; {_SQLITE_NEW.format('NEW.exchange_id')}; END",
        ),
        (
            f"trg_{table}_token_del",
            f"AFTER DELETE ON {table} BEGIN {_SQLITE_NEW.format('OLD.exchange_id')}; END",
        ),
    ]


def upgrade() -> None:
    with op.batch_alter_table("exchanges") as batch:
        batch.add_column(sa.Column("sharing_token", sa.String(length=32), nullable=True))
    conn = op.get_bind()
    if conn.dialect.name == "postgresql":
        conn.exec_driver_sql(_PG_FUNCTION)
        for table in TABLES:
            conn.exec_driver_sql(
                f"CREATE TRIGGER trg_{table}_token AFTER INSERT OR UPDATE OR DELETE ON {table} "
                "FOR EACH ROW EXECUTE FUNCTION livc_new_sharing_token()"
            )
        conn.exec_driver_sql(
            "UPDATE exchanges SET sharing_token = replace(gen_random_uuid()::text, '-', '')"
        )
    else:
        for table in TABLES:
            for name, body in _sqlite_triggers(table):
                conn.exec_driver_sql(f"CREATE TRIGGER {name} {body}")
        conn.exec_driver_sql("UPDATE exchanges SET sharing_token = lower(hex(randomblob(16)))")


def downgrade() -> None:
    conn = op.get_bind()
    if conn.dialect.name == "postgresql":
        for table in TABLES:
            conn.exec_driver_sql(f"DROP TRIGGER IF EXISTS trg_{table}_token ON {table}")
        conn.exec_driver_sql("DROP FUNCTION IF EXISTS livc_new_sharing_token()")
    else:
        for table in TABLES:
            for name, _ in _sqlite_triggers(table):
                conn.exec_driver_sql(f"DROP TRIGGER IF EXISTS {name}")
    with op.batch_alter_table("exchanges") as batch:
        batch.drop_column("sharing_token")
