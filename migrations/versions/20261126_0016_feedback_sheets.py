"""feedback sheets to the police and the members' votes on them (rule 11)

Revision ID: 0016
Revises: 0015
Create Date: 2026-11-26

A feedback sheet is drafted in an exchange, sealed under the police agency's key it is addressed
to, and becomes that agency's note once every member who must agree approved it. Votes are
history: on PostgreSQL the app role may only INSERT and SELECT them (like the log tables; the
default privileges of migration 0007 give it the sheets table in full).
"""

from __future__ import annotations

import os
import re
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0016"
down_revision: str | None = "0015"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

ROLE_NAME = re.compile(r"^[a-z_][a-z0-9_]{0,62}$")


def _role() -> str:
    # The same variable and rule as migration 0007 (frozen here, as migrations are).
    name = os.environ.get("LIVC_DATABASE_APP_ROLE", "livc_app")
    if not ROLE_NAME.match(name):
        raise ValueError("LIVC_DATABASE_APP_ROLE must be a lower-case PostgreSQL identifier")
    return name


def _fk(table: str, column: str, target: str) -> sa.ForeignKeyConstraint:
    return sa.ForeignKeyConstraint(
        [column], [f"{target}.id"], name=op.f(f"fk_{table}_{column}_{target}")
    )


def upgrade() -> None:
    op.create_table(
        "feedback_sheets",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("exchange_id", sa.Uuid(), nullable=False),
        sa.Column("police_agency_id", sa.Uuid(), nullable=False),
        sa.Column("template_id", sa.Uuid(), nullable=False),
        sa.Column("drafted_by", sa.Uuid(), nullable=False),
        sa.Column("drafted_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("ended_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("note_id", sa.Uuid(), nullable=True),
        sa.Column("quotes", sa.JSON(), nullable=False),
        sa.Column("key_version", sa.Integer(), nullable=False),
        sa.Column("wrapped_key", sa.LargeBinary(), nullable=False),
        sa.Column("sealed", sa.JSON(), nullable=False),
        _fk("feedback_sheets", "exchange_id", "exchanges"),
        _fk("feedback_sheets", "police_agency_id", "agencies"),
        _fk("feedback_sheets", "template_id", "note_templates"),
        _fk("feedback_sheets", "drafted_by", "members"),
        _fk("feedback_sheets", "note_id", "notes"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_feedback_sheets")),
    )
    op.create_index(
        op.f("ix_feedback_sheets_exchange_id"), "feedback_sheets", ["exchange_id"], unique=False
    )
    op.create_table(
        "feedback_votes",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("sheet_id", sa.Uuid(), nullable=False),
        sa.Column("member_id", sa.Uuid(), nullable=False),
        sa.Column("agency_id", sa.Uuid(), nullable=False),
        sa.Column("decision", sa.String(length=16), nullable=False),
        sa.Column("reason", sa.String(length=40), nullable=True),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("key_version", sa.Integer(), nullable=True),
        sa.Column("wrapped_key", sa.LargeBinary(), nullable=True),
        sa.Column("sealed", sa.JSON(), nullable=True),
        _fk("feedback_votes", "sheet_id", "feedback_sheets"),
        _fk("feedback_votes", "member_id", "members"),
        _fk("feedback_votes", "agency_id", "agencies"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_feedback_votes")),
    )
    op.create_index(
        op.f("ix_feedback_votes_sheet_id"), "feedback_votes", ["sheet_id"], unique=False
    )
    conn = op.get_bind()
    if conn.dialect.name == "postgresql":
        grantee = f'"{_role()}"'
        conn.exec_driver_sql(f"GRANT SELECT, INSERT ON feedback_votes TO {grantee}")
        conn.exec_driver_sql(f"REVOKE UPDATE, DELETE, TRUNCATE ON feedback_votes FROM {grantee}")
        return
    # SQLite has no roles: triggers refuse changes to the votes, as for the log (0007).
    for action in ("UPDATE", "DELETE"):
        conn.exec_driver_sql(
            f"CREATE TRIGGER feedback_votes_no_{action.lower()} BEFORE {action} ON feedback_votes "
            f"BEGIN SELECT RAISE(ABORT, 'feedback_votes is append-only: {action} refused'); END"
        )


def downgrade() -> None:
    op.drop_index(op.f("ix_feedback_votes_sheet_id"), table_name="feedback_votes")
    op.drop_table("feedback_votes")
    op.drop_index(op.f("ix_feedback_sheets_exchange_id"), table_name="feedback_sheets")
    op.drop_table("feedback_sheets")
