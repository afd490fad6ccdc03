"""strategy_tokens: a token per cell that triggers replace when the strategic counts' inputs
change; strategy_priorities: a strategic cell's priorities per year, versioned, sealed

Revision ID: 0017
Revises: 0016
Create Date: 2026-11-26

The strategic publication is kept between reads under the tokens of the municipality's case
cells (decision 120). Triggers replace a cell's token, in the writing transaction, on every
change of what the counts read: a case created, deleted or changed in status, cell, subject or
date; an outcome recorded, changed or deleted; a subject's OCAD category or owning agency; an
agency's kind. Whoever writes (this worker, another, an operator's SQL) the token changes. A new
cell gets its token row from a trigger on cells; existing cells get one here. Random, not a
counter, so a rolled-back change's token is never reused (as exchanges.sharing_token, 0011).

``strategy_priorities`` is append-only history: on PostgreSQL the app role keeps only SELECT and
INSERT (default privileges gave it more); on SQLite triggers refuse UPDATE and DELETE.
"""

from __future__ import annotations

import os
import re
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0017"
down_revision: str | None = "0016"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

ROLE_NAME = re.compile(r"^[a-z_][a-z0-9_]{0,62}$")

_PG_NEW = "replace(gen_random_uuid()::text, '-', '')"
_SQLITE_NEW = "lower(hex(randomblob(16)))"

# What each table's change touches: the cells whose token changes, as a subquery over OLD/NEW.
_CASES_OF_CASE = "SELECT cell_id FROM cases WHERE id = {row}.case_id"
_CASES_OF_SUBJECT = "SELECT cell_id FROM cases WHERE subject_id = {row}.id"
_CASES_OF_AGENCY = (
    "SELECT c.cell_id FROM cases c JOIN subjects s ON s.id = c.subject_id "
    "WHERE s.owner_agency_id = {row}.id"
)

# Constant SQL (no input reaches it).
_PG_FUNCTION = f"""
CREATE OR REPLACE FUNCTION livc_new_strategy_token() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
  IF TG_TABLE_NAME = 'cells' THEN
    INSERT INTO strategy_tokens (cell_id, token) VALUES (NEW.id, {_PG_NEW})
      ON CONFLICT (cell_id) DO NOTHING;
  ELSIF TG_TABLE_NAME = 'cases' THEN
    IF TG_OP IN ('UPDATE', 'DELETE') THEN
      UPDATE strategy_tokens SET token = {_PG_NEW} WHERE cell_id = OLD.cell_id;
    END IF;
    IF TG_OP IN ('INSERT', 'UPDATE') THEN
      UPDATE strategy_tokens SET token = {_PG_NEW} WHERE cell_id = NEW.cell_id;
    END IF;
  ELSIF TG_TABLE_NAME = 'case_outcomes' THEN
    IF TG_OP IN ('UPDATE', 'DELETE') THEN
      UPDATE strategy_tokens SET token = {_PG_NEW}
       WHERE cell_id IN ({_CASES_OF_CASE.format(row="OLD")});
    END IF;
    IF TG_OP IN ('INSERT', 'UPDATE') THEN
      UPDATE strategy_tokens SET token = {_PG_NEW}
       WHERE cell_id IN ({_CASES_OF_CASE.format(row="NEW")});
    END IF;
  ELSIF TG_TABLE_NAME = 'subjects' THEN
    UPDATE strategy_tokens SET token = {_PG_NEW}
     WHERE cell_id IN ({_CASES_OF_SUBJECT.format(row="NEW")});
  ELSIF TG_TABLE_NAME = 'agencies' THEN
    UPDATE strategy_tokens SET token = {_PG_NEW}
     WHERE cell_id IN ({_CASES_OF_AGENCY.format(row="NEW")});
  END IF;
  RETURN NULL;
END $$
"""  # noqa: S608

# (trigger name, when) on PostgreSQL; all call livc_new_strategy_token().
_PG_TRIGGERS = (
    ("trg_cells_strategy_token", "AFTER INSERT ON cells"),
    (
        "trg_cases_strategy_token",
        "AFTER INSERT OR DELETE OR UPDATE OF status, cell_id, subject_id, created_at ON cases",
    ),
    ("trg_case_outcomes_strategy_token", "AFTER INSERT OR UPDATE OR DELETE ON case_outcomes"),
    ("trg_subjects_strategy_token", "AFTER UPDATE OF ocad_category, owner_agency_id ON subjects"),
    ("trg_agencies_strategy_token", "AFTER UPDATE OF kind ON agencies"),
)


def _bump(cells: str) -> str:
    return f"UPDATE strategy_tokens SET token = {_SQLITE_NEW} WHERE cell_id IN ({cells});"  # noqa: S608 - constant SQL


_SQLITE_TRIGGERS = (
    (
        "trg_cells_strategy_token",
        "AFTER INSERT ON cells BEGIN INSERT OR IGNORE INTO strategy_tokens (cell_id, token) "  # noqa: S608 - constant SQL
        f"VALUES (NEW.id, {_SQLITE_NEW}); END",
    ),
    ("trg_cases_strategy_token_ins", f"AFTER INSERT ON cases BEGIN {_bump('NEW.cell_id')} END"),
    ("trg_cases_strategy_token_del", f"AFTER DELETE ON cases BEGIN {_bump('OLD.cell_id')} END"),
    (
        "trg_cases_strategy_token_upd",
        "AFTER UPDATE OF status, cell_id, subject_id, created_at ON cases BEGIN "
        f"{_bump('OLD.cell_id')} {_bump('NEW.cell_id')} END",
    ),
    (
        "trg_case_outcomes_strategy_token_ins",
        f"AFTER INSERT ON case_outcomes BEGIN {_bump(_CASES_OF_CASE.format(row='NEW'))} END",
    ),
    (
        "trg_case_outcomes_strategy_token_del",
        f"AFTER DELETE ON case_outcomes BEGIN {_bump(_CASES_OF_CASE.format(row='OLD'))} END",
    ),
    (
        "trg_case_outcomes_strategy_token_upd",
        "AFTER UPDATE ON case_outcomes BEGIN "
        f"{_bump(_CASES_OF_CASE.format(row='OLD'))} {_bump(_CASES_OF_CASE.format(row='NEW'))} END",
    ),
    (
        "trg_subjects_strategy_token",
        "AFTER UPDATE OF ocad_category, owner_agency_id ON subjects BEGIN "
        f"{_bump(_CASES_OF_SUBJECT.format(row='NEW'))} END",
    ),
    (
        "trg_agencies_strategy_token",
        f"AFTER UPDATE OF kind ON agencies BEGIN {_bump(_CASES_OF_AGENCY.format(row='NEW'))} END",
    ),
)

_TRIGGER_TABLES = {
    "trg_cells_strategy_token": "cells",
    "trg_cases_strategy_token": "cases",
    "trg_case_outcomes_strategy_token": "case_outcomes",
    "trg_subjects_strategy_token": "subjects",
    "trg_agencies_strategy_token": "agencies",
}

_APPEND_ONLY = ("UPDATE", "DELETE")


def _role() -> str:
    # The same variable and rule as DatabaseSettings.app_role (frozen here, as in 0007).
    name = os.environ.get("LIVC_DATABASE_APP_ROLE", "livc_app")
    if not ROLE_NAME.match(name):
        raise ValueError("LIVC_DATABASE_APP_ROLE must be a lower-case PostgreSQL identifier")
    return name


def _role_exists(role: str) -> bool:
    found = (
        op.get_bind()
        .exec_driver_sql("SELECT 1 FROM pg_roles WHERE rolname = %(role)s", {"role": role})
        .scalar()
    )
    return found is not None


def upgrade() -> None:
    op.create_table(
        "strategy_tokens",
        sa.Column("cell_id", sa.Uuid(), nullable=False),
        sa.Column("token", sa.String(length=32), nullable=False),
        sa.PrimaryKeyConstraint("cell_id", name=op.f("pk_strategy_tokens")),
    )
    op.create_table(
        "strategy_priorities",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("cell_id", sa.Uuid(), nullable=False),
        sa.Column("year", sa.Integer(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("author_member_id", sa.Uuid(), nullable=False),
        sa.Column("agency_id", sa.Uuid(), nullable=False),
        sa.Column("key_version", sa.Integer(), nullable=False),
        sa.Column("wrapped_key", sa.LargeBinary(), nullable=False),
        sa.Column("sealed", sa.JSON(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["cell_id"], ["cells.id"], name=op.f("fk_strategy_priorities_cell_id_cells")
        ),
        sa.ForeignKeyConstraint(
            ["author_member_id"],
            ["members.id"],
            name=op.f("fk_strategy_priorities_author_member_id_members"),
        ),
        sa.ForeignKeyConstraint(
            ["agency_id"], ["agencies.id"], name=op.f("fk_strategy_priorities_agency_id_agencies")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_strategy_priorities")),
        sa.UniqueConstraint(
            "cell_id", "year", "version", name=op.f("uq_strategy_priorities_cell_id")
        ),
    )
    conn = op.get_bind()
    if conn.dialect.name == "postgresql":
        conn.exec_driver_sql(f"INSERT INTO strategy_tokens SELECT id, {_PG_NEW} FROM cells")  # noqa: S608 - constant SQL
        conn.exec_driver_sql(_PG_FUNCTION)
        for name, when in _PG_TRIGGERS:
            conn.exec_driver_sql(
                f"CREATE TRIGGER {name} {when} "
                "FOR EACH ROW EXECUTE FUNCTION livc_new_strategy_token()"
            )
        role = _role()
        if _role_exists(role):
            conn.exec_driver_sql(
                f'REVOKE UPDATE, DELETE, TRUNCATE ON strategy_priorities FROM "{role}"'
            )
    else:
        conn.exec_driver_sql(f"INSERT INTO strategy_tokens SELECT id, {_SQLITE_NEW} FROM cells")  # noqa: S608 - constant SQL
        for name, body in _SQLITE_TRIGGERS:
            conn.exec_driver_sql(f"CREATE TRIGGER {name} {body}")
        for action in _APPEND_ONLY:
            conn.exec_driver_sql(
                f"CREATE TRIGGER strategy_priorities_no_{action.lower()} BEFORE {action} "
                "ON strategy_priorities BEGIN "
                f"SELECT RAISE(ABORT, 'strategy_priorities is append-only: {action} refused'); END"
            )


def downgrade() -> None:
    conn = op.get_bind()
    if conn.dialect.name == "postgresql":
        for name, table in _TRIGGER_TABLES.items():
            conn.exec_driver_sql(f"DROP TRIGGER IF EXISTS {name} ON {table}")
        conn.exec_driver_sql("DROP FUNCTION IF EXISTS livc_new_strategy_token()")
    else:
        for name, _ in _SQLITE_TRIGGERS:
            conn.exec_driver_sql(f"DROP TRIGGER IF EXISTS {name}")
        for action in _APPEND_ONLY:
            conn.exec_driver_sql(f"DROP TRIGGER IF EXISTS strategy_priorities_no_{action.lower()}")
    op.drop_table("strategy_priorities")
    op.drop_table("strategy_tokens")
