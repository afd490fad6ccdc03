"""agency-scoped auditors: the agencies whose data each access-log entry concerns

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-25

``access_log.owners`` is hashed into entries written from now on; entries written before stay
as they were (their canonical form has no ``owners``), so their hashes and the chain hold. The
``access_log_owners`` table indexes the list for the agency auditor's queries.
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0004"
down_revision: str | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

Position = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade() -> None:
    with op.batch_alter_table("access_log") as batch:
        batch.add_column(sa.Column("owners", sa.JSON(), nullable=True))
    op.create_table(
        "access_log_owners",
        sa.Column("agency_id", sa.String(36), nullable=False),
        sa.Column("position", Position, nullable=False),
        sa.PrimaryKeyConstraint("agency_id", "position", name=op.f("pk_access_log_owners")),
    )


def downgrade() -> None:
    op.drop_table("access_log_owners")
    with op.batch_alter_table("access_log") as batch:
        batch.drop_column("owners")
