"""checkpoints every N seconds: when the last checkpoint was signed

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-25

The head remembers when it was last checkpointed; an append that long after signs a new one.
Existing hubs start with the time of their newest checkpoint.
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0005"
down_revision: str | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("audit_head") as batch:
        batch.add_column(sa.Column("checkpoint_at", sa.DateTime(timezone=True), nullable=True))
    op.execute(
        "UPDATE audit_head SET checkpoint_at = (SELECT at FROM audit_checkpoints"
        " ORDER BY tree_size DESC LIMIT 1)"
    )


def downgrade() -> None:
    with op.batch_alter_table("audit_head") as batch:
        batch.drop_column("checkpoint_at")
