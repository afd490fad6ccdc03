"""case workflow history and outcomes; minors by their day of majority; OCAD category

Revision ID: 0012
Revises: 0011
Create Date: 2026-11-26

A case's steps (who moved it, from which status to which, when) and the outcome it recorded per
intervention axis on closing. A subject's minor flag is no longer stored: ``adult_on`` keeps the
day a subject registered under 18 turns 18, and the flag is asked of it at read time. Subjects
already flagged get, as that day, 18 years after their registration: the latest it can be, so
nobody loses the youth regime early (their birth date exists only sealed). The OCAD category the
information officer records, with who and when.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import date, datetime

import sqlalchemy as sa
from alembic import op

revision: str = "0012"
down_revision: str | None = "0011"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def _plus_18(day: date) -> date:
    try:
        return day.replace(year=day.year + 18)
    except ValueError:
        return date(day.year + 18, 3, 1)


def _day(value: object) -> date:
    if isinstance(value, str):  # SQLite hands back text
        return date.fromisoformat(value[:10])
    if isinstance(value, datetime):
        return value.date()
    if not isinstance(value, date):
        raise TypeError(type(value).__name__)
    return value


def upgrade() -> None:
    with op.batch_alter_table("subjects") as batch:
        batch.add_column(sa.Column("adult_on", sa.Date(), nullable=True))
        batch.add_column(sa.Column("ocad_category", sa.String(length=8), nullable=True))
        batch.add_column(sa.Column("ocad_category_set_by", sa.Uuid(), nullable=True))
        batch.add_column(
            sa.Column("ocad_category_set_at", sa.DateTime(timezone=True), nullable=True)
        )
        batch.create_foreign_key(
            op.f("fk_subjects_ocad_category_set_by_members"),
            "members",
            ["ocad_category_set_by"],
            ["id"],
        )
    conn = op.get_bind()
    subjects = sa.table(
        "subjects",
        sa.column("id", sa.Uuid()),
        sa.column("is_minor", sa.Boolean()),
        sa.column("created_at", sa.DateTime(timezone=True)),
        sa.column("adult_on", sa.Date()),
    )
    flagged = conn.execute(
        sa.select(subjects.c.id, subjects.c.created_at).where(subjects.c.is_minor.is_(True))
    ).all()
    for subject_id, created_at in flagged:
        conn.execute(
            subjects.update()
            .where(subjects.c.id == subject_id)
            .values(adult_on=_plus_18(_day(created_at)))
        )
    with op.batch_alter_table("subjects") as batch:
        batch.drop_column("is_minor")

    op.create_table(
        "case_status_changes",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("case_id", sa.Uuid(), nullable=False),
        sa.Column("from_status", sa.String(length=30), nullable=True),
        sa.Column("to_status", sa.String(length=30), nullable=False),
        sa.Column("actor_member_id", sa.Uuid(), nullable=False),
        sa.Column("actor_agency_id", sa.Uuid(), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["case_id"], ["cases.id"], name=op.f("fk_case_status_changes_case_id_cases")
        ),
        sa.ForeignKeyConstraint(
            ["actor_member_id"],
            ["members.id"],
            name=op.f("fk_case_status_changes_actor_member_id_members"),
        ),
        sa.ForeignKeyConstraint(
            ["actor_agency_id"],
            ["agencies.id"],
            name=op.f("fk_case_status_changes_actor_agency_id_agencies"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_case_status_changes")),
    )
    op.create_index(
        "ix_case_status_changes_case_id_at", "case_status_changes", ["case_id", "at"], unique=False
    )
    op.create_table(
        "case_outcomes",
        sa.Column("case_id", sa.Uuid(), nullable=False),
        sa.Column("axis", sa.String(length=30), nullable=False),
        sa.Column("outcome", sa.String(length=30), nullable=False),
        sa.Column("recorded_by", sa.Uuid(), nullable=False),
        sa.Column("recorded_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["case_id"], ["cases.id"], name=op.f("fk_case_outcomes_case_id_cases")
        ),
        sa.ForeignKeyConstraint(
            ["recorded_by"], ["members.id"], name=op.f("fk_case_outcomes_recorded_by_members")
        ),
        sa.PrimaryKeyConstraint("case_id", "axis", name=op.f("pk_case_outcomes")),
    )
    # Every existing case opened in its current status: its first step, by whoever opened it.
    cases = sa.table(
        "cases",
        sa.column("id", sa.Uuid()),
        sa.column("status", sa.String()),
        sa.column("created_by", sa.Uuid()),
        sa.column("created_at", sa.DateTime(timezone=True)),
    )
    members = sa.table("members", sa.column("id", sa.Uuid()), sa.column("agency_id", sa.Uuid()))
    steps = sa.table(
        "case_status_changes",
        sa.column("id", sa.Uuid()),
        sa.column("case_id", sa.Uuid()),
        sa.column("from_status", sa.String()),
        sa.column("to_status", sa.String()),
        sa.column("actor_member_id", sa.Uuid()),
        sa.column("actor_agency_id", sa.Uuid()),
        sa.column("at", sa.DateTime(timezone=True)),
    )
    rows = conn.execute(
        sa.select(
            cases.c.id, cases.c.status, cases.c.created_by, members.c.agency_id, cases.c.created_at
        ).join(members, members.c.id == cases.c.created_by)
    ).all()
    if rows:
        conn.execute(
            steps.insert(),
            [
                {
                    "id": uuid.uuid4(),
                    "case_id": case_id,
                    "from_status": None,
                    "to_status": status,
                    "actor_member_id": by,
                    "actor_agency_id": agency,
                    "at": at,
                }
                for case_id, status, by, agency, at in rows
            ],
        )


def downgrade() -> None:
    op.drop_table("case_outcomes")
    op.drop_index("ix_case_status_changes_case_id_at", table_name="case_status_changes")
    op.drop_table("case_status_changes")
    with op.batch_alter_table("subjects") as batch:
        batch.add_column(
            sa.Column("is_minor", sa.Boolean(), nullable=False, server_default=sa.false())
        )
    conn = op.get_bind()
    subjects = sa.table(
        "subjects", sa.column("is_minor", sa.Boolean()), sa.column("adult_on", sa.Date())
    )
    conn.execute(
        subjects.update()
        .where(subjects.c.adult_on > date.today())  # noqa: DTZ011 - the flag as of the downgrade
        .values(is_minor=True)
    )
    with op.batch_alter_table("subjects") as batch:
        batch.drop_constraint(op.f("fk_subjects_ocad_category_set_by_members"), type_="foreignkey")
        batch.drop_column("ocad_category_set_at")
        batch.drop_column("ocad_category_set_by")
        batch.drop_column("ocad_category")
        batch.drop_column("adult_on")
