"""indexes for the read paths: each scope predicate and auditor filter is served by an index

Revision ID: 0010
Revises: 0009
Create Date: 2026-11-26

The statements of ``app.db.queries`` look rows up by key; these indexes cover the lookups that
had none: the cells an agency sits in and a member was invited into (every reader's scope of
cells and cases), the cells a member chairs (their exchanges), and the auditor's query by
exchange. ``tests/api/test_query_plans.py`` fails on a full scan of a large table.
"""

from __future__ import annotations

from collections.abc import Sequence

from alembic import op

revision: str = "0010"
down_revision: str | None = "0009"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

INDEXES = (
    ("ix_cell_agencies_agency_id", "cell_agencies", ["agency_id"]),
    ("ix_cell_members_member_id", "cell_members", ["member_id"]),
    ("ix_cells_chair_member_id", "cells", ["chair_member_id"]),
    ("ix_access_log_exchange_id", "access_log", ["exchange_id"]),
)


def upgrade() -> None:
    for name, table, columns in INDEXES:
        op.create_index(name, table, columns)


def downgrade() -> None:
    for name, table, _ in reversed(INDEXES):
        op.drop_index(name, table_name=table)
