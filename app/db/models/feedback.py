"""Feedback sheets to the police (rule 11): the sealed draft and every member's vote on it.

The draft's content is sealed under the police agency's key (it becomes theirs); a refusal's
short text under the refusing member's agency's key. Votes are append-only history.
"""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import JSON, ForeignKey, Integer, LargeBinary, String, Uuid
from sqlalchemy.orm import Mapped, mapped_column

from app.db.base import Base, UTCDateTime, new_id


class FeedbackSheet(Base):
    """A draft feedback sheet in one exchange, addressed to a police agency of its cell."""

    __tablename__ = "feedback_sheets"

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=new_id)
    exchange_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("exchanges.id"), index=True)
    police_agency_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("agencies.id"))
    template_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("note_templates.id"))
    drafted_by: Mapped[uuid.UUID] = mapped_column(ForeignKey("members.id"))
    drafted_at: Mapped[datetime] = mapped_column(UTCDateTime)
    # "open", "approved" or "refused"; only "open" ever changes.
    status: Mapped[str] = mapped_column(String(16))
    ended_at: Mapped[datetime | None] = mapped_column(UTCDateTime, default=None)
    # The police agency's note the approved sheet became.
    note_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("notes.id"), default=None)
    # References to note fields of the case ([{"note_id": ..., "field": ...}]): no values.
    quotes: Mapped[list[dict[str, str]]] = mapped_column(JSON)
    key_version: Mapped[int] = mapped_column(Integer)
    wrapped_key: Mapped[bytes] = mapped_column(LargeBinary)
    sealed: Mapped[dict[str, Any]] = mapped_column(JSON)


class FeedbackVote(Base):
    """One member's approval or refusal of a sheet (append-only)."""

    __tablename__ = "feedback_votes"

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=new_id)
    sheet_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("feedback_sheets.id"), index=True)
    member_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("members.id"))
    agency_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("agencies.id"))
    # "approve" or "refuse"; a refusal has a reason code and perhaps a sealed short text.
    decision: Mapped[str] = mapped_column(String(16))
    reason: Mapped[str | None] = mapped_column(String(40), default=None)
    at: Mapped[datetime] = mapped_column(UTCDateTime)
    key_version: Mapped[int | None] = mapped_column(Integer, default=None)
    wrapped_key: Mapped[bytes | None] = mapped_column(LargeBinary, default=None)
    sealed: Mapped[dict[str, Any] | None] = mapped_column(JSON, default=None)
