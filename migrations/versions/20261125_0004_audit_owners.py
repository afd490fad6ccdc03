"""agency-scoped auditors: the agencies whose data each access-log entry concerns

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-25

``access_log.owners`` is hashed into entries written from now on; entries written before stay
as they were (their canonical form has no ``owners``), so their hashes and the chain hold. An
agency auditor's scope is read from this hashed column itself; on PostgreSQL a GIN index serves
the containment test (SQLite scans, as befits the embedded default).
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0004"
down_revision: str | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("access_log") as batch:
        batch.add_column(sa.Column("owners", sa.JSON(), nullable=True))
    if op.get_bind().dialect.name == "postgresql":
        op.execute(
            "CREATE INDEX ix_access_log_owners_gin ON access_log"
            " USING gin ((CAST(owners AS JSONB)) jsonb_path_ops)"
        )


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP INDEX ix_access_log_owners_gin")
    with op.batch_alter_table("access_log") as batch:
        batch.drop_column("owners")
