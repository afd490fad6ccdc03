"""store each entry's Merkle leaf hash, so proofs read hashes instead of re-canonicalising

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-25

Existing entries get theirs computed here from the stored columns with a frozen copy of the
canonical form (RFC 8785 of the entry's fields; ``owners`` only when not empty), in batches.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any

import rfc8785
import sqlalchemy as sa
from alembic import op

revision: str = "0006"
down_revision: str | None = "0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

BATCH = 5000
COLUMNS = {
    "seq": "position",
    "at": "at",
    "actor": "actor_member_id",
    "actor_agency": "actor_agency_id",
    "action": "action",
    "decision": "decision",
    "reason": "reason",
    "cell": "cell_id",
    "case": "case_id",
    "subject": "subject_id",
    "exchange": "exchange_id",
    "note": "note_id",
    "object": "object_id",
    "fields": "fields",
    "denied": "denied",
    "purpose": "purpose",
    "request_id": "request_id",
    "prev": "prev_hash",
    "owners": "owners",
}
LISTS = {"fields", "denied", "owners"}


def _at(value: Any) -> str:
    moment = value if isinstance(value, datetime) else datetime.fromisoformat(str(value))
    moment = moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)
    return moment.strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def _list(value: Any) -> list[str]:
    if isinstance(value, str):
        value = json.loads(value)
    return list(value or [])


def _leaf(row: Any) -> str:
    entry: dict[str, Any] = {}
    for key, column in COLUMNS.items():
        value = row[column]
        entry[key] = _list(value) if key in LISTS else (_at(value) if key == "at" else value)
    if not entry["owners"]:
        del entry["owners"]
    return hashlib.sha256(b"\x00" + rfc8785.dumps(entry)).hexdigest()


def upgrade() -> None:
    with op.batch_alter_table("access_log") as batch:
        batch.add_column(sa.Column("leaf_hash", sa.String(64), nullable=True))
    conn = op.get_bind()
    log = sa.table(
        "access_log",
        sa.column("seq"),
        sa.column("leaf_hash"),
        *(sa.column(c) for c in COLUMNS.values() if c != "at"),
        sa.column("at", sa.DateTime(timezone=True)),
    )
    after = -1
    while True:
        rows = (
            conn.execute(
                sa.select(log).where(log.c.position > after).order_by(log.c.position).limit(BATCH)
            )
            .mappings()
            .all()
        )
        if not rows:
            break
        conn.execute(
            log.update().where(log.c.seq == sa.bindparam("row_seq")),
            [{"row_seq": r["seq"], "leaf_hash": _leaf(r)} for r in rows],
        )
        after = rows[-1]["position"]


def downgrade() -> None:
    with op.batch_alter_table("access_log") as batch:
        batch.drop_column("leaf_hash")
