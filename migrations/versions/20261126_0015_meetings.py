"""meetings of a cell: series, occurrences, agenda, invitees with attendance, minutes

Revision ID: 0015
Revises: 0014
Create Date: 2026-11-26

A meeting is its cell, its times and its status (no free text); a series keeps its rule and
materialises its occurrences as meetings, each moved or cancelled on its own. The agenda names
cases and exchanges of the cell by id, invitees carry their attendance, and minutes link a
meeting and an agenda case to a (sealed) note. On PostgreSQL the app role gets its privileges on
these tables from the default privileges of migration 0007, as 0012 and 0013 do.
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0015"
down_revision: str | None = "0014"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

AT = sa.DateTime(timezone=True)


def _fk(table: str, column: str, target: str) -> sa.ForeignKeyConstraint:
    return sa.ForeignKeyConstraint(
        [column], [f"{target}.id"], name=op.f(f"fk_{table}_{column}_{target}")
    )


def upgrade() -> None:
    op.create_table(
        "meeting_series",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("cell_id", sa.Uuid(), nullable=False),
        sa.Column("frequency", sa.String(length=16), nullable=False),
        sa.Column("interval", sa.Integer(), nullable=False),
        sa.Column("until", sa.Date(), nullable=True),
        sa.Column("count", sa.Integer(), nullable=True),
        sa.Column("first_starts_at", AT, nullable=False),
        sa.Column("duration_minutes", sa.Integer(), nullable=False),
        sa.Column("created_by", sa.Uuid(), nullable=False),
        sa.Column("created_at", AT, nullable=False),
        sa.Column("cancelled_at", AT, nullable=True),
        _fk("meeting_series", "cell_id", "cells"),
        _fk("meeting_series", "created_by", "members"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_meeting_series")),
    )
    op.create_index(op.f("ix_meeting_series_cell_id"), "meeting_series", ["cell_id"])
    op.create_table(
        "meetings",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("cell_id", sa.Uuid(), nullable=False),
        sa.Column("series_id", sa.Uuid(), nullable=True),
        sa.Column("starts_at", AT, nullable=False),
        sa.Column("ends_at", AT, nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("sequence", sa.Integer(), nullable=False),
        sa.Column("created_by", sa.Uuid(), nullable=False),
        sa.Column("created_at", AT, nullable=False),
        sa.Column("updated_at", AT, nullable=False),
        _fk("meetings", "cell_id", "cells"),
        _fk("meetings", "created_by", "members"),
        sa.ForeignKeyConstraint(
            ["series_id"],
            ["meeting_series.id"],
            name=op.f("fk_meetings_series_id_meeting_series"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_meetings")),
    )
    op.create_index("ix_meetings_cell_id_starts_at", "meetings", ["cell_id", "starts_at"])
    op.create_index(op.f("ix_meetings_series_id"), "meetings", ["series_id"])
    op.create_table(
        "meeting_invitees",
        sa.Column("meeting_id", sa.Uuid(), nullable=False),
        sa.Column("member_id", sa.Uuid(), nullable=False),
        sa.Column("invited_at", AT, nullable=False),
        sa.Column("attendance", sa.String(length=16), nullable=True),
        sa.Column("attendance_by", sa.Uuid(), nullable=True),
        sa.Column("attendance_at", AT, nullable=True),
        _fk("meeting_invitees", "attendance_by", "members"),
        _fk("meeting_invitees", "meeting_id", "meetings"),
        _fk("meeting_invitees", "member_id", "members"),
        sa.PrimaryKeyConstraint("meeting_id", "member_id", name=op.f("pk_meeting_invitees")),
    )
    op.create_index(op.f("ix_meeting_invitees_member_id"), "meeting_invitees", ["member_id"])
    op.create_table(
        "meeting_agenda_items",
        sa.Column("meeting_id", sa.Uuid(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("case_id", sa.Uuid(), nullable=True),
        sa.Column("exchange_id", sa.Uuid(), nullable=True),
        _fk("meeting_agenda_items", "case_id", "cases"),
        _fk("meeting_agenda_items", "exchange_id", "exchanges"),
        _fk("meeting_agenda_items", "meeting_id", "meetings"),
        sa.PrimaryKeyConstraint("meeting_id", "position", name=op.f("pk_meeting_agenda_items")),
    )
    op.create_index(op.f("ix_meeting_agenda_items_case_id"), "meeting_agenda_items", ["case_id"])
    op.create_index(
        op.f("ix_meeting_agenda_items_exchange_id"), "meeting_agenda_items", ["exchange_id"]
    )
    op.create_table(
        "meeting_minutes",
        sa.Column("meeting_id", sa.Uuid(), nullable=False),
        sa.Column("case_id", sa.Uuid(), nullable=False),
        sa.Column("note_id", sa.Uuid(), nullable=False),
        sa.Column("created_by", sa.Uuid(), nullable=False),
        sa.Column("created_at", AT, nullable=False),
        _fk("meeting_minutes", "case_id", "cases"),
        _fk("meeting_minutes", "created_by", "members"),
        _fk("meeting_minutes", "meeting_id", "meetings"),
        _fk("meeting_minutes", "note_id", "notes"),
        sa.PrimaryKeyConstraint("meeting_id", "case_id", name=op.f("pk_meeting_minutes")),
        sa.UniqueConstraint("note_id", name=op.f("uq_meeting_minutes_note_id")),
    )


def downgrade() -> None:
    op.drop_table("meeting_minutes")
    op.drop_index(op.f("ix_meeting_agenda_items_exchange_id"), table_name="meeting_agenda_items")
    op.drop_index(op.f("ix_meeting_agenda_items_case_id"), table_name="meeting_agenda_items")
    op.drop_table("meeting_agenda_items")
    op.drop_index(op.f("ix_meeting_invitees_member_id"), table_name="meeting_invitees")
    op.drop_table("meeting_invitees")
    op.drop_index(op.f("ix_meetings_series_id"), table_name="meetings")
    op.drop_index("ix_meetings_cell_id_starts_at", table_name="meetings")
    op.drop_table("meetings")
    op.drop_index(op.f("ix_meeting_series_cell_id"), table_name="meeting_series")
    op.drop_table("meeting_series")
