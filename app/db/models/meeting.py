"""Meetings of a cell: one-off or occurrences of a series, with agenda, invitees and minutes.

No free text: a meeting is its cell, its times and its status; the agenda names cases and
exchanges by id; minutes are notes (sealed) linked by id (decisions 110-113).
"""

from __future__ import annotations

import uuid
from datetime import date, datetime

from sqlalchemy import Date, ForeignKey, Index, Integer, String, UniqueConstraint, Uuid
from sqlalchemy.orm import Mapped, mapped_column

from app.db.base import Base, UTCDateTime, new_id, utcnow


class MeetingSeries(Base):
    """A recurring meeting: every ``interval`` weeks or months, until a day or ``count`` times."""

    __tablename__ = "meeting_series"

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=new_id)
    cell_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("cells.id"), index=True)
    frequency: Mapped[str] = mapped_column(String(16))
    interval: Mapped[int] = mapped_column(Integer)
    until: Mapped[date | None] = mapped_column(Date, default=None)
    count: Mapped[int | None] = mapped_column(Integer, default=None)
    first_starts_at: Mapped[datetime] = mapped_column(UTCDateTime)
    duration_minutes: Mapped[int] = mapped_column(Integer)
    created_by: Mapped[uuid.UUID] = mapped_column(ForeignKey("members.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    cancelled_at: Mapped[datetime | None] = mapped_column(UTCDateTime, default=None)


class Meeting(Base):
    """One meeting: on its own, or an occurrence of a series (moved or cancelled on its own)."""

    __tablename__ = "meetings"
    __table_args__ = (Index("ix_meetings_cell_id_starts_at", "cell_id", "starts_at"),)

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=new_id)
    cell_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("cells.id"))
    series_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("meeting_series.id"), index=True, default=None
    )
    starts_at: Mapped[datetime] = mapped_column(UTCDateTime)
    ends_at: Mapped[datetime] = mapped_column(UTCDateTime)
    # "scheduled" or "cancelled"; a cancelled meeting is kept (and exported as cancelled).
    status: Mapped[str] = mapped_column(String(16), default="scheduled")
    # RFC 5545 SEQUENCE: raised on every change, so calendars replace their copy.
    sequence: Mapped[int] = mapped_column(Integer, default=0)
    created_by: Mapped[uuid.UUID] = mapped_column(ForeignKey("members.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class MeetingAgendaItem(Base):
    """An item of a meeting's agenda: a case or an exchange of the meeting's cell."""

    __tablename__ = "meeting_agenda_items"

    meeting_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("meetings.id"), primary_key=True)
    position: Mapped[int] = mapped_column(Integer, primary_key=True)
    case_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("cases.id"), index=True, default=None
    )
    exchange_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("exchanges.id"), index=True, default=None
    )


class MeetingInvitee(Base):
    """A member of the cell invited to a meeting, and their attendance once recorded."""

    __tablename__ = "meeting_invitees"

    meeting_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("meetings.id"), primary_key=True)
    member_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("members.id"), primary_key=True, index=True
    )
    invited_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    # "present", "excused" or "absent"; None until the chair records it.
    attendance: Mapped[str | None] = mapped_column(String(16), default=None)
    attendance_by: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("members.id"), default=None)
    attendance_at: Mapped[datetime | None] = mapped_column(UTCDateTime, default=None)


class MeetingMinutes(Base):
    """The minutes note a meeting has on one case of its agenda (one per case and meeting)."""

    __tablename__ = "meeting_minutes"
    __table_args__ = (UniqueConstraint("note_id"),)

    meeting_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("meetings.id"), primary_key=True)
    case_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("cases.id"), primary_key=True)
    note_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("notes.id"))
    created_by: Mapped[uuid.UUID] = mapped_column(ForeignKey("members.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
