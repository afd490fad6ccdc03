"""aggregated authentication failures: how many identical failures an entry stands for

Revision ID: 0009
Revises: 0008
Create Date: 2026-11-26

Repeated identical authentication failures are counted in memory and written as one entry with
``count``; the column is null for every other entry (and for all earlier ones, whose hashes do
not change: an empty ``count`` is left out of the canonical bytes). Downgrading drops the
counts, and with them the verifiability of the entries that carried one.
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0009"
down_revision: str | None = "0008"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # A plain ADD/DROP COLUMN on both databases (SQLite >= 3.35): no table copy, so whatever
    # guards the log table (grants, triggers) stays in place.
    op.add_column("access_log", sa.Column("count", sa.Integer(), nullable=True))


def downgrade() -> None:
    op.drop_column("access_log", "count")
