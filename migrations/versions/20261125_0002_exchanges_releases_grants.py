"""exchanges releases grants

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-25 01:22:40.260334
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0002"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # Access-log entries of shared reads name the fields denied and why ("note/field=reason").
    op.add_column("access_log", sa.Column("denied", sa.JSON(), nullable=True))

    op.create_table(
        "exchanges",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("cell_id", sa.Uuid(), nullable=False),
        sa.Column("case_id", sa.Uuid(), nullable=False),
        sa.Column("working_group_id", sa.Uuid(), nullable=True),
        sa.Column("purpose", sa.String(length=300), nullable=False),
        sa.Column("legal_basis", sa.String(length=300), nullable=False),
        sa.Column("convened_by", sa.Uuid(), nullable=False),
        sa.Column("opens_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("closed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["case_id"], ["cases.id"], name=op.f("fk_exchanges_case_id_cases")),
        sa.ForeignKeyConstraint(["cell_id"], ["cells.id"], name=op.f("fk_exchanges_cell_id_cells")),
        sa.ForeignKeyConstraint(
            ["convened_by"], ["members.id"], name=op.f("fk_exchanges_convened_by_members")
        ),
        sa.ForeignKeyConstraint(
            ["working_group_id"],
            ["working_groups.id"],
            name=op.f("fk_exchanges_working_group_id_working_groups"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_exchanges")),
    )
    op.create_index(op.f("ix_exchanges_case_id"), "exchanges", ["case_id"], unique=False)
    op.create_index(op.f("ix_exchanges_cell_id"), "exchanges", ["cell_id"], unique=False)

    op.create_table(
        "exchange_grants",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("exchange_id", sa.Uuid(), nullable=False),
        sa.Column("member_id", sa.Uuid(), nullable=True),
        sa.Column("role", sa.String(length=40), nullable=True),
        sa.Column("note_id", sa.Uuid(), nullable=True),
        sa.Column("field", sa.String(length=80), nullable=True),
        sa.Column("sensitivity", sa.String(length=40), nullable=True),
        sa.Column("granted_by", sa.Uuid(), nullable=False),
        sa.Column("granted_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("withdrawn_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["exchange_id"], ["exchanges.id"], name=op.f("fk_exchange_grants_exchange_id_exchanges")
        ),
        sa.ForeignKeyConstraint(
            ["granted_by"], ["members.id"], name=op.f("fk_exchange_grants_granted_by_members")
        ),
        sa.ForeignKeyConstraint(
            ["member_id"], ["members.id"], name=op.f("fk_exchange_grants_member_id_members")
        ),
        sa.ForeignKeyConstraint(
            ["note_id"], ["notes.id"], name=op.f("fk_exchange_grants_note_id_notes")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_exchange_grants")),
    )
    op.create_index(
        op.f("ix_exchange_grants_exchange_id"), "exchange_grants", ["exchange_id"], unique=False
    )

    op.create_table(
        "exchange_participants",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("exchange_id", sa.Uuid(), nullable=False),
        sa.Column("member_id", sa.Uuid(), nullable=False),
        sa.Column("invited_by", sa.Uuid(), nullable=False),
        sa.Column("invited_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("removed_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["exchange_id"],
            ["exchanges.id"],
            name=op.f("fk_exchange_participants_exchange_id_exchanges"),
        ),
        sa.ForeignKeyConstraint(
            ["invited_by"], ["members.id"], name=op.f("fk_exchange_participants_invited_by_members")
        ),
        sa.ForeignKeyConstraint(
            ["member_id"], ["members.id"], name=op.f("fk_exchange_participants_member_id_members")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_exchange_participants")),
    )
    op.create_index(
        op.f("ix_exchange_participants_exchange_id"),
        "exchange_participants",
        ["exchange_id"],
        unique=False,
    )
    op.create_index(
        op.f("ix_exchange_participants_member_id"),
        "exchange_participants",
        ["member_id"],
        unique=False,
    )

    op.create_table(
        "exchange_releases",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("exchange_id", sa.Uuid(), nullable=False),
        sa.Column("note_id", sa.Uuid(), nullable=False),
        sa.Column("owner_agency_id", sa.Uuid(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=True),
        sa.Column("field", sa.String(length=80), nullable=True),
        sa.Column("sensitivity", sa.String(length=40), nullable=True),
        sa.Column("released_by", sa.Uuid(), nullable=False),
        sa.Column("released_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("withdrawn_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["exchange_id"],
            ["exchanges.id"],
            name=op.f("fk_exchange_releases_exchange_id_exchanges"),
        ),
        sa.ForeignKeyConstraint(
            ["note_id"], ["notes.id"], name=op.f("fk_exchange_releases_note_id_notes")
        ),
        sa.ForeignKeyConstraint(
            ["owner_agency_id"],
            ["agencies.id"],
            name=op.f("fk_exchange_releases_owner_agency_id_agencies"),
        ),
        sa.ForeignKeyConstraint(
            ["released_by"], ["members.id"], name=op.f("fk_exchange_releases_released_by_members")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_exchange_releases")),
    )
    op.create_index(
        op.f("ix_exchange_releases_exchange_id"), "exchange_releases", ["exchange_id"], unique=False
    )
    op.create_index(
        op.f("ix_exchange_releases_note_id"), "exchange_releases", ["note_id"], unique=False
    )


def downgrade() -> None:
    with op.batch_alter_table("access_log") as batch:
        batch.drop_column("denied")

    op.drop_index(op.f("ix_exchange_releases_note_id"), table_name="exchange_releases")
    op.drop_index(op.f("ix_exchange_releases_exchange_id"), table_name="exchange_releases")

    op.drop_table("exchange_releases")
    op.drop_index(op.f("ix_exchange_participants_member_id"), table_name="exchange_participants")
    op.drop_index(op.f("ix_exchange_participants_exchange_id"), table_name="exchange_participants")

    op.drop_table("exchange_participants")
    op.drop_index(op.f("ix_exchange_grants_exchange_id"), table_name="exchange_grants")

    op.drop_table("exchange_grants")
    op.drop_index(op.f("ix_exchanges_cell_id"), table_name="exchanges")
    op.drop_index(op.f("ix_exchanges_case_id"), table_name="exchanges")

    op.drop_table("exchanges")
