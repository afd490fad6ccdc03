"""The strategic LIVC: each cell's data token (for the kept publication), the priorities."""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import JSON, ForeignKey, Integer, LargeBinary, String, UniqueConstraint, Uuid
from sqlalchemy.orm import Mapped, mapped_column

from app.db.base import Base, UTCDateTime, new_id, utcnow


class StrategyToken(Base):
    """A random value database triggers replace whenever anything the strategic counts read of
    the cell's cases changes (migration 0017, decision 120); one row per cell."""

    __tablename__ = "strategy_tokens"

    # No foreign key: the row is written by a trigger on cells and read joined to them.
    cell_id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True)
    token: Mapped[str] = mapped_column(String(32))


class StrategyPriorities(Base):
    """One version of a strategic cell's priorities for a year (append-only; content sealed
    under the writing chair's agency)."""

    __tablename__ = "strategy_priorities"
    __table_args__ = (UniqueConstraint("cell_id", "year", "version"),)

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=new_id)
    cell_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("cells.id"))
    year: Mapped[int] = mapped_column(Integer)
    version: Mapped[int] = mapped_column(Integer)
    author_member_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("members.id"))
    # The agency whose key seals the text: the chair's at the time of writing.
    agency_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("agencies.id"))
    key_version: Mapped[int] = mapped_column(Integer)
    wrapped_key: Mapped[bytes] = mapped_column(LargeBinary)
    sealed: Mapped[dict[str, str]] = mapped_column(JSON)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
