"""cell membership: seats, working group members, confidentiality declarations, guests

Revision ID: 0014
Revises: 0013
Create Date: 2026-11-26

``cell_members.seat`` gives a person's standing in the cell (existing rows: ``member``).
``working_group_members`` holds the people of a working group (a subset of the cell's).
``cell_declarations`` keeps every version of a cell's confidentiality declaration (art. 458ter
§2) in Dutch and French; ``exchange_participants.guest`` marks a participant invited into one
exchange without a seat, and ``declaration_acceptances`` records that such a guest accepted the
declaration. Both declaration tables are history: on PostgreSQL the app role may only insert and
read them, like the log tables; on SQLite triggers refuse updates and deletes.
"""

from __future__ import annotations

import os
import re
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0014"
down_revision: str | None = "0013"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

HISTORY = ("cell_declarations", "declaration_acceptances")
ROLE_NAME = re.compile(r"^[a-z_][a-z0-9_]{0,62}$")


def _role() -> str:
    # The same variable and rule as migration 0007 (frozen here, as migrations are).
    name = os.environ.get("LIVC_DATABASE_APP_ROLE", "livc_app")
    if not ROLE_NAME.match(name):
        raise ValueError("LIVC_DATABASE_APP_ROLE must be a lower-case PostgreSQL identifier")
    return name


def _history_only(conn: sa.Connection) -> None:
    role = _role()
    exists = conn.exec_driver_sql(
        "SELECT 1 FROM pg_roles WHERE rolname = %(role)s", {"role": role}
    ).scalar()
    if exists is None:
        return
    listed = ", ".join(f'"{t}"' for t in HISTORY)
    conn.exec_driver_sql(f'GRANT SELECT, INSERT ON {listed} TO "{role}"')
    conn.exec_driver_sql(f'REVOKE UPDATE, DELETE, TRUNCATE ON {listed} FROM "{role}"')


def upgrade() -> None:
    with op.batch_alter_table("cell_members") as batch:
        batch.add_column(
            sa.Column("seat", sa.String(length=40), nullable=False, server_default="member")
        )
    with op.batch_alter_table("exchange_participants") as batch:
        batch.add_column(
            sa.Column("guest", sa.Boolean(), nullable=False, server_default=sa.false())
        )
    op.create_table(
        "working_group_members",
        sa.Column("working_group_id", sa.Uuid(), nullable=False),
        sa.Column("member_id", sa.Uuid(), nullable=False),
        sa.Column("added_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["working_group_id"],
            ["working_groups.id"],
            name=op.f("fk_working_group_members_working_group_id_working_groups"),
        ),
        sa.ForeignKeyConstraint(
            ["member_id"], ["members.id"], name=op.f("fk_working_group_members_member_id_members")
        ),
        sa.PrimaryKeyConstraint(
            "working_group_id", "member_id", name=op.f("pk_working_group_members")
        ),
    )
    op.create_index(
        op.f("ix_working_group_members_member_id"),
        "working_group_members",
        ["member_id"],
        unique=False,
    )
    op.create_table(
        "cell_declarations",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("cell_id", sa.Uuid(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("text_nl", sa.Text(), nullable=False),
        sa.Column("text_fr", sa.Text(), nullable=False),
        sa.Column("set_by", sa.Uuid(), nullable=False),
        sa.Column("set_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["cell_id"], ["cells.id"], name=op.f("fk_cell_declarations_cell_id_cells")
        ),
        sa.ForeignKeyConstraint(
            ["set_by"], ["members.id"], name=op.f("fk_cell_declarations_set_by_members")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_cell_declarations")),
        sa.UniqueConstraint("cell_id", "version", name=op.f("uq_cell_declarations_cell_id")),
    )
    op.create_index(
        op.f("ix_cell_declarations_cell_id"), "cell_declarations", ["cell_id"], unique=False
    )
    op.create_table(
        "declaration_acceptances",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("exchange_id", sa.Uuid(), nullable=False),
        sa.Column("member_id", sa.Uuid(), nullable=False),
        sa.Column("declaration_id", sa.Uuid(), nullable=False),
        sa.Column("accepted_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["exchange_id"],
            ["exchanges.id"],
            name=op.f("fk_declaration_acceptances_exchange_id_exchanges"),
        ),
        sa.ForeignKeyConstraint(
            ["member_id"],
            ["members.id"],
            name=op.f("fk_declaration_acceptances_member_id_members"),
        ),
        sa.ForeignKeyConstraint(
            ["declaration_id"],
            ["cell_declarations.id"],
            name=op.f("fk_declaration_acceptances_declaration_id_cell_declarations"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_declaration_acceptances")),
    )
    op.create_index(
        op.f("ix_declaration_acceptances_exchange_id"),
        "declaration_acceptances",
        ["exchange_id"],
        unique=False,
    )
    op.create_index(
        op.f("ix_declaration_acceptances_member_id"),
        "declaration_acceptances",
        ["member_id"],
        unique=False,
    )
    conn = op.get_bind()
    if conn.dialect.name == "postgresql":
        _history_only(conn)
        return
    # SQLite has no roles: triggers refuse changes to the history, as for the log (0007).
    for table in HISTORY:
        for action in ("UPDATE", "DELETE"):
            conn.exec_driver_sql(
                f"CREATE TRIGGER {table}_no_{action.lower()} BEFORE {action} ON {table} BEGIN "
                f"SELECT RAISE(ABORT, '{table} is append-only: {action} refused'); END"
            )


def downgrade() -> None:
    op.drop_index(
        op.f("ix_declaration_acceptances_member_id"), table_name="declaration_acceptances"
    )
    op.drop_index(
        op.f("ix_declaration_acceptances_exchange_id"), table_name="declaration_acceptances"
    )
    op.drop_table("declaration_acceptances")
    op.drop_index(op.f("ix_cell_declarations_cell_id"), table_name="cell_declarations")
    op.drop_table("cell_declarations")
    op.drop_index(op.f("ix_working_group_members_member_id"), table_name="working_group_members")
    op.drop_table("working_group_members")
    with op.batch_alter_table("exchange_participants") as batch:
        batch.drop_column("guest")
    with op.batch_alter_table("cell_members") as batch:
        batch.drop_column("seat")
