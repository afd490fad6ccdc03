"""Cells (LIVC case-level, LIVC strategic, LTF), their agencies, members and working groups."""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import ForeignKey, Integer, String, Text, UniqueConstraint, Uuid
from sqlalchemy.orm import Mapped, mapped_column

from app.db.base import Base, UTCDateTime, new_id, utcnow


class Cell(Base):
    """A LIVC-R (case-level or strategic) or an LTF of one municipality, chaired by one member."""

    __tablename__ = "cells"

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=new_id)
    kind: Mapped[str] = mapped_column(String(30))
    name: Mapped[str] = mapped_column(String(200))
    municipality: Mapped[str] = mapped_column(String(120))
    chair_member_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("members.id"), index=True, default=None
    )
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class CellAgency(Base):
    """An agency that sits in a cell."""

    __tablename__ = "cell_agencies"

    cell_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("cells.id"), primary_key=True)
    # Indexed on its own too: the cells an agency sits in (its scope of cells and cases).
    agency_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("agencies.id"), primary_key=True, index=True
    )


class CellMember(Base):
    """A person the chair invited into the cell (law of 30 July 2018, art. 3)."""

    __tablename__ = "cell_members"

    cell_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("cells.id"), primary_key=True)
    member_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("members.id"), primary_key=True, index=True
    )
    added_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    # The person's standing in the cell (app.policies.membership.Seat).
    seat: Mapped[str] = mapped_column(String(40), default="member", server_default="member")


class WorkingGroup(Base):
    """A working group inside a cell (a LIVC can have several)."""

    __tablename__ = "working_groups"
    __table_args__ = (UniqueConstraint("cell_id", "name"),)

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=new_id)
    cell_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("cells.id"), index=True)
    name: Mapped[str] = mapped_column(String(200))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class WorkingGroupMember(Base):
    """A person of the cell in one of its working groups (the chair chooses them)."""

    __tablename__ = "working_group_members"

    working_group_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("working_groups.id"), primary_key=True
    )
    member_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("members.id"), primary_key=True, index=True
    )
    added_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class CellDeclaration(Base):
    """One version of a cell's confidentiality declaration (art. 458ter §2), in Dutch and French.

    Append-only: a new text is a new version; the latest is the cell's current declaration.
    """

    __tablename__ = "cell_declarations"
    __table_args__ = (UniqueConstraint("cell_id", "version"),)

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=new_id)
    cell_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("cells.id"), index=True)
    version: Mapped[int] = mapped_column(Integer)
    text_nl: Mapped[str] = mapped_column(Text)
    text_fr: Mapped[str] = mapped_column(Text)
    set_by: Mapped[uuid.UUID] = mapped_column(ForeignKey("members.id"))
    set_at: Mapped[datetime] = mapped_column(UTCDateTime)
