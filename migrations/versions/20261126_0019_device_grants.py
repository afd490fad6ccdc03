"""device_grants: the command line's sign-in (RFC 8628 device authorization grant)

Revision ID: 0019
Revises: 0018
Create Date: 2026-11-26

A device (``livc-hub login``) asks for a device code and a user code; a signed-in member types
the user code at /ui/device and approves or denies; the device's poll takes one token. Both codes
are stored only as SHA-256 hex digests. The app role gets the table through the default
privileges of migration 0007 (SELECT, INSERT, UPDATE, DELETE), as every other table.

(Written beside 0018, which another branch adds at the same time; whoever merges both re-chains
this one onto 0018.)
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0019"
down_revision: str | None = "0018"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "device_grants",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("device_code_hash", sa.String(length=64), nullable=False),
        sa.Column("user_code_hash", sa.String(length=64), nullable=False),
        sa.Column("client_id", sa.String(length=80), nullable=False),
        sa.Column("scope", sa.String(length=200), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("last_polled_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("interval_seconds", sa.Integer(), nullable=False),
        sa.Column("member_id", sa.Uuid(), nullable=True),
        sa.Column("state", sa.String(length=20), nullable=False),
        sa.Column("decided_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["member_id"], ["members.id"], name=op.f("fk_device_grants_member_id_members")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_device_grants")),
        sa.UniqueConstraint("device_code_hash", name=op.f("uq_device_grants_device_code_hash")),
    )
    op.create_index(
        op.f("ix_device_grants_user_code_hash"), "device_grants", ["user_code_hash"], unique=False
    )
    op.create_index(
        op.f("ix_device_grants_member_id"), "device_grants", ["member_id"], unique=False
    )


def downgrade() -> None:
    op.drop_index(op.f("ix_device_grants_member_id"), table_name="device_grants")
    op.drop_index(op.f("ix_device_grants_user_code_hash"), table_name="device_grants")
    op.drop_table("device_grants")
