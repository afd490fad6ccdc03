"""web sign-in: members' usernames and password hashes, web sessions, pending OIDC logins,
and the password flag of a four-eyes proposal

Revision ID: 0018
Revises: 0017
Create Date: 2026-11-26

A member may have a username (lower case, unique) and an argon2id password hash; a password is
set only through a proposal a second person approves (``member_proposals.reset_password``).
``web_sessions`` is keyed by the SHA-256 of the cookie's random token: the token itself is never
stored. ``oidc_logins`` holds an OpenID Connect sign-in between the redirect to the identity
provider and its return (keyed by the SHA-256 of ``state``), deleted when used.

New tables get the app role's rights from the default privileges set in 0007.
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0018"
down_revision: str | None = "0017"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("members") as batch:
        batch.add_column(sa.Column("username", sa.String(length=80), nullable=True))
        batch.add_column(sa.Column("password_hash", sa.String(length=200), nullable=True))
        batch.add_column(sa.Column("password_set_at", sa.DateTime(timezone=True), nullable=True))
        batch.add_column(
            sa.Column(
                "password_must_change",
                sa.Boolean(),
                nullable=False,
                server_default=sa.false(),
            )
        )
    # A unique index rather than a constraint: on SQLite, adding a constraint rebuilds the table.
    op.create_index(op.f("ix_members_username"), "members", ["username"], unique=True)
    with op.batch_alter_table("member_proposals") as batch:
        batch.add_column(
            sa.Column("reset_password", sa.Boolean(), nullable=False, server_default=sa.false())
        )
    op.create_table(
        "web_sessions",
        sa.Column("id", sa.String(length=64), nullable=False),
        sa.Column("member_id", sa.Uuid(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("last_seen_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("language", sa.String(length=2), nullable=True),
        sa.Column("method", sa.String(length=10), nullable=False),
        sa.Column("revoked_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("revoked_reason", sa.String(length=40), nullable=True),
        sa.ForeignKeyConstraint(
            ["member_id"], ["members.id"], name=op.f("fk_web_sessions_member_id_members")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_web_sessions")),
    )
    op.create_index(op.f("ix_web_sessions_member_id"), "web_sessions", ["member_id"])
    op.create_table(
        "oidc_logins",
        sa.Column("state_hash", sa.String(length=64), nullable=False),
        sa.Column("nonce", sa.String(length=100), nullable=False),
        sa.Column("code_verifier", sa.String(length=128), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("state_hash", name=op.f("pk_oidc_logins")),
    )


def downgrade() -> None:
    op.drop_table("oidc_logins")
    op.drop_index(op.f("ix_web_sessions_member_id"), table_name="web_sessions")
    op.drop_table("web_sessions")
    with op.batch_alter_table("member_proposals") as batch:
        batch.drop_column("reset_password")
    op.drop_index(op.f("ix_members_username"), table_name="members")
    with op.batch_alter_table("members") as batch:
        batch.drop_column("password_must_change")
        batch.drop_column("password_set_at")
        batch.drop_column("password_hash")
        batch.drop_column("username")
