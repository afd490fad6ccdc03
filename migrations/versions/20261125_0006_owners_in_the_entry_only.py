"""agency auditors' scope read from the hashed entry; drop the separate index table

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-25

``access_log_owners`` (0004) was not part of any hash: deleting its rows would have hidden
entries from an agency's auditor without breaking the chain. The scope is now read from
``access_log.owners`` itself, which is hashed; on PostgreSQL a GIN index on it serves the
containment test (SQLite scans, as befits the embedded default).
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0006"
down_revision: str | None = "0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

Position = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade() -> None:
    op.drop_table("access_log_owners")
    if op.get_bind().dialect.name == "postgresql":
        op.execute(
            "CREATE INDEX ix_access_log_owners_gin ON access_log"
            " USING gin ((CAST(owners AS JSONB)) jsonb_path_ops)"
        )


def downgrade() -> None:
    postgresql = op.get_bind().dialect.name == "postgresql"
    if postgresql:
        op.execute("DROP INDEX ix_access_log_owners_gin")
    op.create_table(
        "access_log_owners",
        sa.Column("agency_id", sa.String(36), nullable=False),
        sa.Column("position", Position, nullable=False),
        sa.PrimaryKeyConstraint("agency_id", "position", name=op.f("pk_access_log_owners")),
    )
    if postgresql:
        op.execute(
            "INSERT INTO access_log_owners (agency_id, position)"
            " SELECT jsonb_array_elements_text(CAST(owners AS JSONB)), position"
            " FROM access_log WHERE owners IS NOT NULL"
        )
    else:
        op.execute(
            "INSERT INTO access_log_owners (agency_id, position)"
            " SELECT json_each.value, access_log.position"
            " FROM access_log, json_each(access_log.owners) WHERE access_log.owners IS NOT NULL"
        )
