"""The access log table: metadata about each access, never a value.

The tamper-evident form (hash chain, Merkle tree, checkpoints) adds columns at the end.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, BigInteger, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from app.db.base import Base, UTCDateTime

# SQLite only auto-increments an INTEGER PRIMARY KEY; PostgreSQL gets a bigint.
SeqType = BigInteger().with_variant(Integer(), "sqlite")


class AccessLogEntry(Base):
    """Who did what to which objects, which fields, allowed or denied and why."""

    __tablename__ = "access_log"

    seq: Mapped[int] = mapped_column(SeqType, primary_key=True, autoincrement=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)
    request_id: Mapped[str] = mapped_column(String(64))
    actor_member_id: Mapped[str | None] = mapped_column(String(36), index=True)
    actor_agency_id: Mapped[str | None] = mapped_column(String(36), index=True)
    action: Mapped[str] = mapped_column(String(60), index=True)
    decision: Mapped[str] = mapped_column(String(10))
    reason: Mapped[str] = mapped_column(String(60))
    cell_id: Mapped[str | None] = mapped_column(String(36))
    case_id: Mapped[str | None] = mapped_column(String(36), index=True)
    subject_id: Mapped[str | None] = mapped_column(String(36), index=True)
    note_id: Mapped[str | None] = mapped_column(String(36))
    exchange_id: Mapped[str | None] = mapped_column(String(36), index=True)
    object_id: Mapped[str | None] = mapped_column(String(36))
    denied: Mapped[list[str] | None] = mapped_column(JSON, default=None)
    fields: Mapped[list[str]] = mapped_column(JSON)
    purpose: Mapped[str | None] = mapped_column(String(300))
    # The chain: position in the log (0-based, gapless), the previous entry's hash, this one's.
    position: Mapped[int] = mapped_column(SeqType, unique=True)
    prev_hash: Mapped[str] = mapped_column(String(64))
    entry_hash: Mapped[str] = mapped_column(String(64))
    # The Merkle leaf hash of the canonical entry, so proofs need not re-canonicalise the log.
    leaf_hash: Mapped[str | None] = mapped_column(String(64), default=None)
    # The agencies whose data the entry concerns (hashed into the entry when not empty);
    # PostgreSQL indexes it with GIN for the agency auditor's queries (migration 0004).
    owners: Mapped[list[str] | None] = mapped_column(JSON, default=None)
    # How many identical authentication failures the entry stands for (hashed when set; null:
    # one). Repeated failures are counted in memory and written as one entry (migration 0009).
    count: Mapped[int | None] = mapped_column(Integer, default=None)


class AuditHead(Base):
    """The one row every append locks: size, last hash and the Merkle frontier of the log."""

    __tablename__ = "audit_head"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    size: Mapped[int] = mapped_column(BigInteger)
    last_hash: Mapped[str] = mapped_column(String(64))
    frontier: Mapped[list[str]] = mapped_column(JSON)
    # When the last checkpoint was signed, for checkpoints every N seconds.
    checkpoint_at: Mapped[datetime | None] = mapped_column(UTCDateTime, default=None)


class AuditCheckpoint(Base):
    """A signed tree head: size, root, time, signed with the hub's Ed25519 audit key."""

    __tablename__ = "audit_checkpoints"

    tree_size: Mapped[int] = mapped_column(SeqType, primary_key=True, autoincrement=False)
    root_hash: Mapped[str] = mapped_column(String(64))
    at: Mapped[datetime] = mapped_column(UTCDateTime)
    key_id: Mapped[str] = mapped_column(String(64))
    signature: Mapped[str] = mapped_column(String(200))
