"""Subjects (the persons discussed, identifiers sealed) and cases (a subject within a cell)."""

from __future__ import annotations

import uuid
from datetime import date, datetime

from sqlalchemy import JSON, Date, ForeignKey, Index, Integer, LargeBinary, String, Uuid
from sqlalchemy.orm import Mapped, mapped_column

from app.db.base import Base, UTCDateTime, new_id, utcnow


class Subject(Base):
    """A person discussed, known by a pseudonym; name, birth date and NRN exist only sealed."""

    __tablename__ = "subjects"

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=new_id)
    pseudonym: Mapped[str] = mapped_column(String(40), unique=True)
    owner_agency_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("agencies.id"), index=True)
    key_version: Mapped[int] = mapped_column(Integer)
    wrapped_key: Mapped[bytes] = mapped_column(LargeBinary)
    sealed: Mapped[dict[str, str]] = mapped_column(JSON)
    nrn_index: Mapped[str | None] = mapped_column(String(64), index=True, default=None)
    name_dob_index: Mapped[str | None] = mapped_column(String(64), index=True, default=None)
    # DOMAIN.md rule 13: the day a subject registered under 18 turns 18 (None for an adult).
    # Whether they are a minor is asked of this day at read time, never stored (decision 100).
    adult_on: Mapped[date | None] = mapped_column(Date, default=None)
    # The OCAD category the information officer recorded (cartography); None: never set.
    ocad_category: Mapped[str | None] = mapped_column(String(8), default=None)
    ocad_category_set_by: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("members.id"), default=None
    )
    ocad_category_set_at: Mapped[datetime | None] = mapped_column(UTCDateTime, default=None)
    created_by: Mapped[uuid.UUID] = mapped_column(ForeignKey("members.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class Case(Base):
    """A subject followed within one cell."""

    __tablename__ = "cases"

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=new_id)
    cell_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("cells.id"), index=True)
    subject_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("subjects.id"), index=True)
    working_group_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("working_groups.id"), default=None
    )
    status: Mapped[str] = mapped_column(String(30))
    retention_until: Mapped[date | None] = mapped_column(Date, default=None)
    created_by: Mapped[uuid.UUID] = mapped_column(ForeignKey("members.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class CaseStatusChange(Base):
    """One step of a case's workflow: from which status to which, who moved it and when."""

    __tablename__ = "case_status_changes"
    __table_args__ = (Index("ix_case_status_changes_case_id_at", "case_id", "at"),)

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=new_id)
    case_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("cases.id"))
    # None on the step that opened the case.
    from_status: Mapped[str | None] = mapped_column(String(30), default=None)
    to_status: Mapped[str] = mapped_column(String(30))
    actor_member_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("members.id"))
    actor_agency_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("agencies.id"))
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class CaseOutcome(Base):
    """The outcome a closed case recorded on one intervention axis (a closed list)."""

    __tablename__ = "case_outcomes"

    case_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("cases.id"), primary_key=True)
    axis: Mapped[str] = mapped_column(String(30), primary_key=True)
    outcome: Mapped[str] = mapped_column(String(30))
    recorded_by: Mapped[uuid.UUID] = mapped_column(ForeignKey("members.id"))
    recorded_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
