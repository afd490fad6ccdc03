"""Subjects (the persons discussed, identifiers sealed) and cases (a subject within a cell)."""

from __future__ import annotations

import uuid
from datetime import date, datetime

from sqlalchemy import JSON, Boolean, Date, ForeignKey, Integer, LargeBinary, String, Uuid
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
    is_minor: Mapped[bool] = mapped_column(Boolean, default=False)
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
