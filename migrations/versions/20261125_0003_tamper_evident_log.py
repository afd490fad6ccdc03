"""tamper-evident access log: hash chain, Merkle head, signed checkpoints

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-25

Existing entries are chained in seq order, so a hub upgraded with history keeps all of it
verifiable. The canonical form is frozen here on purpose: it must not follow later code.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any

import rfc8785
import sqlalchemy as sa
from alembic import op

revision: str = "0003"
down_revision: str | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

GENESIS = "0" * 64
FIELDS = (
    "seq",
    "at",
    "actor",
    "actor_agency",
    "action",
    "decision",
    "reason",
    "cell",
    "case",
    "subject",
    "exchange",
    "note",
    "object",
    "fields",
    "denied",
    "purpose",
    "request_id",
    "prev",
)


def _at(value: Any) -> str:
    moment = value if isinstance(value, datetime) else datetime.fromisoformat(str(value))
    moment = moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)
    return moment.strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def _list(value: Any) -> list[str]:
    if value is None:
        return []
    if isinstance(value, str):
        import json

        # A JSON column holding null comes back as the text "null" here.
        return list(json.loads(value) or [])
    return list(value)


def _frontier(nodes: list[bytes], size: int, leaf: bytes) -> list[bytes]:
    nodes.append(leaf)
    while size & 1:
        right, left = nodes.pop(), nodes.pop()
        nodes.append(hashlib.sha256(b"\x01" + left + right).digest())
        size >>= 1
    return nodes


def _backfill() -> tuple[int, str, list[str]]:
    conn = op.get_bind()
    log = sa.table(
        "access_log",
        sa.column("seq"),
        sa.column("at", sa.DateTime(timezone=True)),
        sa.column("actor_member_id"),
        sa.column("actor_agency_id"),
        sa.column("action"),
        sa.column("decision"),
        sa.column("reason"),
        sa.column("cell_id"),
        sa.column("case_id"),
        sa.column("subject_id"),
        sa.column("exchange_id"),
        sa.column("note_id"),
        sa.column("object_id"),
        sa.column("fields"),
        sa.column("denied"),
        sa.column("purpose"),
        sa.column("request_id"),
        sa.column("position"),
        sa.column("prev_hash"),
        sa.column("entry_hash"),
    )
    prev, nodes, size = GENESIS, [], 0
    for row in conn.execute(sa.select(log).order_by(log.c.seq)).mappings().all():
        entry = {
            "seq": size,
            "at": _at(row["at"]),
            "actor": row["actor_member_id"],
            "actor_agency": row["actor_agency_id"],
            "action": row["action"],
            "decision": row["decision"],
            "reason": row["reason"],
            "cell": row["cell_id"],
            "case": row["case_id"],
            "subject": row["subject_id"],
            "exchange": row["exchange_id"],
            "note": row["note_id"],
            "object": row["object_id"],
            "fields": _list(row["fields"]),
            "denied": _list(row["denied"]),
            "purpose": row["purpose"],
            "request_id": row["request_id"],
            "prev": prev,
        }
        data = rfc8785.dumps({k: entry[k] for k in FIELDS})
        digest = hashlib.sha256(data).hexdigest()
        conn.execute(
            log.update()
            .where(log.c.seq == row["seq"])
            .values(position=size, prev_hash=prev, entry_hash=digest)
        )
        nodes = _frontier(nodes, size, hashlib.sha256(b"\x00" + data).digest())
        prev, size = digest, size + 1
    return size, prev, [n.hex() for n in nodes]


def upgrade() -> None:
    op.add_column("access_log", sa.Column("position", sa.BigInteger(), nullable=True))
    op.add_column("access_log", sa.Column("prev_hash", sa.String(length=64), nullable=True))
    op.add_column("access_log", sa.Column("entry_hash", sa.String(length=64), nullable=True))
    head = op.create_table(
        "audit_head",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("size", sa.BigInteger(), nullable=False),
        sa.Column("last_hash", sa.String(length=64), nullable=False),
        sa.Column("frontier", sa.JSON(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_audit_head")),
    )
    op.create_table(
        "audit_checkpoints",
        sa.Column(
            "tree_size",
            sa.BigInteger().with_variant(sa.Integer(), "sqlite"),
            autoincrement=False,
            nullable=False,
        ),
        sa.Column("root_hash", sa.String(length=64), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("key_id", sa.String(length=64), nullable=False),
        sa.Column("signature", sa.String(length=200), nullable=False),
        sa.PrimaryKeyConstraint("tree_size", name=op.f("pk_audit_checkpoints")),
    )
    size, last, frontier = _backfill()
    op.bulk_insert(head, [{"id": 1, "size": size, "last_hash": last, "frontier": frontier}])
    with op.batch_alter_table("access_log") as batch:
        batch.alter_column("position", existing_type=sa.BigInteger(), nullable=False)
        batch.alter_column("prev_hash", existing_type=sa.String(length=64), nullable=False)
        batch.alter_column("entry_hash", existing_type=sa.String(length=64), nullable=False)
        batch.create_unique_constraint(op.f("uq_access_log_position"), ["position"])


def downgrade() -> None:
    op.drop_table("audit_checkpoints")
    op.drop_table("audit_head")
    with op.batch_alter_table("access_log") as batch:
        batch.drop_constraint(op.f("uq_access_log_position"), type_="unique")
        batch.drop_column("entry_hash")
        batch.drop_column("prev_hash")
        batch.drop_column("position")
