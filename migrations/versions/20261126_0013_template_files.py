"""note_templates: titles by language, origin and allowed authors, for shipped template files

Revision ID: 0013
Revises: 0012
Create Date: 2026-11-26

Templates ship as versioned YAML files in the package (app/templates_data) and are loaded at start,
keyed by (key, version): ``origin`` tells a shipped version from one a hub admin made, ``titles``
holds the Dutch and French titles (field labels live in ``fields``), and ``authors`` names the
roles and agency kinds that may write notes with the template (None: any author the note rules
allow). Existing rows are hub-made, with no titles and no author restriction.
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0013"
down_revision: str | None = "0012"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("note_templates") as batch:
        batch.add_column(sa.Column("titles", sa.JSON(), nullable=True))
        batch.add_column(
            sa.Column("origin", sa.String(length=16), nullable=False, server_default="hub")
        )
        batch.add_column(sa.Column("authors", sa.JSON(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("note_templates") as batch:
        batch.drop_column("authors")
        batch.drop_column("origin")
        batch.drop_column("titles")
