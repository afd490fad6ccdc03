"""four-eyes: member proposals and each agency's approver role

Revision ID: 0008
Revises: 0007
Create Date: 2026-11-26

A widening change to a member (a content role, a higher clearance, the secrecy flag, a service
account, a reactivation) is stored as a proposal and applied only when a second person approves.
Each agency names the role whose holders approve (default: agency_admin).
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0008"
down_revision: str | None = "0007"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("agencies") as batch:
        batch.add_column(
            sa.Column(
                "approver_role",
                sa.String(length=40),
                nullable=False,
                server_default="agency_admin",
            )
        )
    op.create_table(
        "member_proposals",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("agency_id", sa.Uuid(), nullable=False),
        sa.Column("member_id", sa.Uuid(), nullable=False),
        sa.Column("kind", sa.String(length=20), nullable=False),
        sa.Column("roles_add", sa.JSON(), nullable=False),
        sa.Column("clearance", sa.Integer(), nullable=True),
        sa.Column("bound_by_secrecy", sa.Boolean(), nullable=False),
        sa.Column("activate", sa.Boolean(), nullable=False),
        sa.Column("proposed_by", sa.Uuid(), nullable=False),
        sa.Column("proposed_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("state", sa.String(length=20), nullable=False),
        sa.Column("decided_by", sa.Uuid(), nullable=True),
        sa.Column("decided_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["agency_id"], ["agencies.id"], name=op.f("fk_member_proposals_agency_id_agencies")
        ),
        sa.ForeignKeyConstraint(
            ["member_id"], ["members.id"], name=op.f("fk_member_proposals_member_id_members")
        ),
        sa.ForeignKeyConstraint(
            ["proposed_by"], ["members.id"], name=op.f("fk_member_proposals_proposed_by_members")
        ),
        sa.ForeignKeyConstraint(
            ["decided_by"], ["members.id"], name=op.f("fk_member_proposals_decided_by_members")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_member_proposals")),
    )
    op.create_index(
        op.f("ix_member_proposals_agency_id"), "member_proposals", ["agency_id"], unique=False
    )
    op.create_index(
        op.f("ix_member_proposals_member_id"), "member_proposals", ["member_id"], unique=False
    )


def downgrade() -> None:
    op.drop_index(op.f("ix_member_proposals_member_id"), table_name="member_proposals")
    op.drop_index(op.f("ix_member_proposals_agency_id"), table_name="member_proposals")
    op.drop_table("member_proposals")
    with op.batch_alter_table("agencies") as batch:
        batch.drop_column("approver_role")
