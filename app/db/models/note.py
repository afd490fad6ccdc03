"""Note templates, notes and their append-only versions (fields sealed per agency)."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import JSON, ForeignKey, Integer, LargeBinary, String, UniqueConstraint, Uuid
from sqlalchemy.orm import Mapped, mapped_column

from app.db.base import Base, UTCDateTime, new_id, utcnow


class NoteTemplate(Base):
    """Typed fields, each with a sensitivity class and an optional classification level."""

    __tablename__ = "note_templates"
    __table_args__ = (UniqueConstraint("key", "version"),)

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=new_id)
    key: Mapped[str] = mapped_column(String(80))
    version: Mapped[int] = mapped_column(Integer, default=1)
    title: Mapped[str] = mapped_column(String(200))
    fields: Mapped[list[dict[str, Any]]] = mapped_column(JSON)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    # The title by language ({"nl": ..., "fr": ...}); None for templates made without them.
    titles: Mapped[dict[str, str] | None] = mapped_column(JSON, nullable=True)
    # "shipped" (loaded from the package's template files at start) or "hub" (made by a hub admin).
    origin: Mapped[str] = mapped_column(String(16), default="hub", server_default="hub")
    # Who may write notes with it ({"roles": [...], "agency_kinds": [...]}); None: any author.
    authors: Mapped[dict[str, list[str]] | None] = mapped_column(JSON, nullable=True)


class Note(Base):
    """A note on a case, owned by its author's agency; its content lives in versions."""

    __tablename__ = "notes"

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=new_id)
    case_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("cases.id"), index=True)
    template_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("note_templates.id"))
    owner_agency_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("agencies.id"), index=True)
    current_version: Mapped[int] = mapped_column(Integer)
    created_by: Mapped[uuid.UUID] = mapped_column(ForeignKey("members.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class NoteVersion(Base):
    """One immutable version: a wrapped data key and one AES-GCM blob per field."""

    __tablename__ = "note_versions"

    note_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("notes.id"), primary_key=True)
    version: Mapped[int] = mapped_column(Integer, primary_key=True)
    author_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("members.id"))
    key_version: Mapped[int] = mapped_column(Integer)
    wrapped_key: Mapped[bytes] = mapped_column(LargeBinary)
    sealed: Mapped[dict[str, str]] = mapped_column(JSON)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
