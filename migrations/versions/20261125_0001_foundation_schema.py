"""foundation schema

Revision ID: 0001
Revises: (none)
Create Date: 2026-11-25 00:36:37.616913
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0001"
down_revision: str | None = None
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:

    op.create_table(
        "access_log",
        sa.Column(
            "seq",
            sa.BigInteger().with_variant(sa.Integer(), "sqlite"),
            autoincrement=True,
            nullable=False,
        ),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("request_id", sa.String(length=64), nullable=False),
        sa.Column("actor_member_id", sa.String(length=36), nullable=True),
        sa.Column("actor_agency_id", sa.String(length=36), nullable=True),
        sa.Column("action", sa.String(length=60), nullable=False),
        sa.Column("decision", sa.String(length=10), nullable=False),
        sa.Column("reason", sa.String(length=60), nullable=False),
        sa.Column("cell_id", sa.String(length=36), nullable=True),
        sa.Column("case_id", sa.String(length=36), nullable=True),
        sa.Column("subject_id", sa.String(length=36), nullable=True),
        sa.Column("note_id", sa.String(length=36), nullable=True),
        sa.Column("exchange_id", sa.String(length=36), nullable=True),
        sa.Column("object_id", sa.String(length=36), nullable=True),
        sa.Column("fields", sa.JSON(), nullable=False),
        sa.Column("purpose", sa.String(length=300), nullable=True),
        sa.PrimaryKeyConstraint("seq", name=op.f("pk_access_log")),
    )
    op.create_index(op.f("ix_access_log_action"), "access_log", ["action"], unique=False)
    op.create_index(
        op.f("ix_access_log_actor_agency_id"), "access_log", ["actor_agency_id"], unique=False
    )
    op.create_index(
        op.f("ix_access_log_actor_member_id"), "access_log", ["actor_member_id"], unique=False
    )
    op.create_index(op.f("ix_access_log_at"), "access_log", ["at"], unique=False)
    op.create_index(op.f("ix_access_log_case_id"), "access_log", ["case_id"], unique=False)
    op.create_index(op.f("ix_access_log_subject_id"), "access_log", ["subject_id"], unique=False)

    op.create_table(
        "agencies",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("kind", sa.String(length=40), nullable=False),
        sa.Column("secrecy_regime", sa.String(length=40), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_agencies")),
        sa.UniqueConstraint("name", name=op.f("uq_agencies_name")),
    )
    op.create_table(
        "note_templates",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("key", sa.String(length=80), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("title", sa.String(length=200), nullable=False),
        sa.Column("fields", sa.JSON(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_note_templates")),
        sa.UniqueConstraint("key", "version", name=op.f("uq_note_templates_key")),
    )
    op.create_table(
        "members",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("agency_id", sa.Uuid(), nullable=False),
        sa.Column("display_name", sa.String(length=200), nullable=False),
        sa.Column("kind", sa.String(length=20), nullable=False),
        sa.Column("roles", sa.JSON(), nullable=False),
        sa.Column("bound_by_secrecy", sa.Boolean(), nullable=False),
        sa.Column("clearance", sa.Integer(), nullable=False),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("client_id", sa.String(length=80), nullable=True),
        sa.Column("client_secret_hash", sa.String(length=200), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["agency_id"], ["agencies.id"], name=op.f("fk_members_agency_id_agencies")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_members")),
        sa.UniqueConstraint("client_id", name=op.f("uq_members_client_id")),
    )
    op.create_index(op.f("ix_members_agency_id"), "members", ["agency_id"], unique=False)

    op.create_table(
        "cells",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("kind", sa.String(length=30), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("municipality", sa.String(length=120), nullable=False),
        sa.Column("chair_member_id", sa.Uuid(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["chair_member_id"], ["members.id"], name=op.f("fk_cells_chair_member_id_members")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_cells")),
    )
    op.create_table(
        "subjects",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("pseudonym", sa.String(length=40), nullable=False),
        sa.Column("owner_agency_id", sa.Uuid(), nullable=False),
        sa.Column("key_version", sa.Integer(), nullable=False),
        sa.Column("wrapped_key", sa.LargeBinary(), nullable=False),
        sa.Column("sealed", sa.JSON(), nullable=False),
        sa.Column("nrn_index", sa.String(length=64), nullable=True),
        sa.Column("name_dob_index", sa.String(length=64), nullable=True),
        sa.Column("is_minor", sa.Boolean(), nullable=False),
        sa.Column("created_by", sa.Uuid(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["created_by"], ["members.id"], name=op.f("fk_subjects_created_by_members")
        ),
        sa.ForeignKeyConstraint(
            ["owner_agency_id"], ["agencies.id"], name=op.f("fk_subjects_owner_agency_id_agencies")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_subjects")),
        sa.UniqueConstraint("pseudonym", name=op.f("uq_subjects_pseudonym")),
    )
    op.create_index(
        op.f("ix_subjects_name_dob_index"), "subjects", ["name_dob_index"], unique=False
    )
    op.create_index(op.f("ix_subjects_nrn_index"), "subjects", ["nrn_index"], unique=False)
    op.create_index(
        op.f("ix_subjects_owner_agency_id"), "subjects", ["owner_agency_id"], unique=False
    )

    op.create_table(
        "cell_agencies",
        sa.Column("cell_id", sa.Uuid(), nullable=False),
        sa.Column("agency_id", sa.Uuid(), nullable=False),
        sa.ForeignKeyConstraint(
            ["agency_id"], ["agencies.id"], name=op.f("fk_cell_agencies_agency_id_agencies")
        ),
        sa.ForeignKeyConstraint(
            ["cell_id"], ["cells.id"], name=op.f("fk_cell_agencies_cell_id_cells")
        ),
        sa.PrimaryKeyConstraint("cell_id", "agency_id", name=op.f("pk_cell_agencies")),
    )
    op.create_table(
        "cell_members",
        sa.Column("cell_id", sa.Uuid(), nullable=False),
        sa.Column("member_id", sa.Uuid(), nullable=False),
        sa.Column("added_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["cell_id"], ["cells.id"], name=op.f("fk_cell_members_cell_id_cells")
        ),
        sa.ForeignKeyConstraint(
            ["member_id"], ["members.id"], name=op.f("fk_cell_members_member_id_members")
        ),
        sa.PrimaryKeyConstraint("cell_id", "member_id", name=op.f("pk_cell_members")),
    )
    op.create_table(
        "working_groups",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("cell_id", sa.Uuid(), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["cell_id"], ["cells.id"], name=op.f("fk_working_groups_cell_id_cells")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_working_groups")),
        sa.UniqueConstraint("cell_id", "name", name=op.f("uq_working_groups_cell_id")),
    )
    op.create_index(op.f("ix_working_groups_cell_id"), "working_groups", ["cell_id"], unique=False)

    op.create_table(
        "cases",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("cell_id", sa.Uuid(), nullable=False),
        sa.Column("subject_id", sa.Uuid(), nullable=False),
        sa.Column("working_group_id", sa.Uuid(), nullable=True),
        sa.Column("status", sa.String(length=30), nullable=False),
        sa.Column("retention_until", sa.Date(), nullable=True),
        sa.Column("created_by", sa.Uuid(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["cell_id"], ["cells.id"], name=op.f("fk_cases_cell_id_cells")),
        sa.ForeignKeyConstraint(
            ["created_by"], ["members.id"], name=op.f("fk_cases_created_by_members")
        ),
        sa.ForeignKeyConstraint(
            ["subject_id"], ["subjects.id"], name=op.f("fk_cases_subject_id_subjects")
        ),
        sa.ForeignKeyConstraint(
            ["working_group_id"],
            ["working_groups.id"],
            name=op.f("fk_cases_working_group_id_working_groups"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_cases")),
    )
    op.create_index(op.f("ix_cases_cell_id"), "cases", ["cell_id"], unique=False)
    op.create_index(op.f("ix_cases_subject_id"), "cases", ["subject_id"], unique=False)

    op.create_table(
        "notes",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("case_id", sa.Uuid(), nullable=False),
        sa.Column("template_id", sa.Uuid(), nullable=False),
        sa.Column("owner_agency_id", sa.Uuid(), nullable=False),
        sa.Column("current_version", sa.Integer(), nullable=False),
        sa.Column("created_by", sa.Uuid(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["case_id"], ["cases.id"], name=op.f("fk_notes_case_id_cases")),
        sa.ForeignKeyConstraint(
            ["created_by"], ["members.id"], name=op.f("fk_notes_created_by_members")
        ),
        sa.ForeignKeyConstraint(
            ["owner_agency_id"], ["agencies.id"], name=op.f("fk_notes_owner_agency_id_agencies")
        ),
        sa.ForeignKeyConstraint(
            ["template_id"], ["note_templates.id"], name=op.f("fk_notes_template_id_note_templates")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_notes")),
    )
    op.create_index(op.f("ix_notes_case_id"), "notes", ["case_id"], unique=False)
    op.create_index(op.f("ix_notes_owner_agency_id"), "notes", ["owner_agency_id"], unique=False)

    op.create_table(
        "note_versions",
        sa.Column("note_id", sa.Uuid(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("author_id", sa.Uuid(), nullable=False),
        sa.Column("key_version", sa.Integer(), nullable=False),
        sa.Column("wrapped_key", sa.LargeBinary(), nullable=False),
        sa.Column("sealed", sa.JSON(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["author_id"], ["members.id"], name=op.f("fk_note_versions_author_id_members")
        ),
        sa.ForeignKeyConstraint(
            ["note_id"], ["notes.id"], name=op.f("fk_note_versions_note_id_notes")
        ),
        sa.PrimaryKeyConstraint("note_id", "version", name=op.f("pk_note_versions")),
    )


def downgrade() -> None:

    op.drop_table("note_versions")
    op.drop_index(op.f("ix_notes_owner_agency_id"), table_name="notes")
    op.drop_index(op.f("ix_notes_case_id"), table_name="notes")

    op.drop_table("notes")
    op.drop_index(op.f("ix_cases_subject_id"), table_name="cases")
    op.drop_index(op.f("ix_cases_cell_id"), table_name="cases")

    op.drop_table("cases")
    op.drop_index(op.f("ix_working_groups_cell_id"), table_name="working_groups")

    op.drop_table("working_groups")
    op.drop_table("cell_members")
    op.drop_table("cell_agencies")
    op.drop_index(op.f("ix_subjects_owner_agency_id"), table_name="subjects")
    op.drop_index(op.f("ix_subjects_nrn_index"), table_name="subjects")
    op.drop_index(op.f("ix_subjects_name_dob_index"), table_name="subjects")

    op.drop_table("subjects")
    op.drop_table("cells")
    op.drop_index(op.f("ix_members_agency_id"), table_name="members")

    op.drop_table("members")
    op.drop_table("note_templates")
    op.drop_table("agencies")
    op.drop_index(op.f("ix_access_log_subject_id"), table_name="access_log")
    op.drop_index(op.f("ix_access_log_case_id"), table_name="access_log")
    op.drop_index(op.f("ix_access_log_at"), table_name="access_log")
    op.drop_index(op.f("ix_access_log_actor_member_id"), table_name="access_log")
    op.drop_index(op.f("ix_access_log_actor_agency_id"), table_name="access_log")
    op.drop_index(op.f("ix_access_log_action"), table_name="access_log")

    op.drop_table("access_log")
