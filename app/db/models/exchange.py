"""Exchanges (casusoverleg): participants, owners' releases and the chair's grants.

Nothing here is deleted: removal and withdrawal are timestamps, so the history of who could see
what, when, stays answerable.
"""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import Boolean, ForeignKey, Integer, String, Uuid, false
from sqlalchemy.orm import Mapped, mapped_column

from app.db.base import Base, UTCDateTime, new_id, utcnow


class Exchange(Base):
    """A case consultation convened by a cell's chair for one case, with purpose and legal basis."""

    __tablename__ = "exchanges"

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=new_id)
    cell_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("cells.id"), index=True)
    case_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("cases.id"), index=True)
    working_group_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("working_groups.id"), default=None
    )
    purpose: Mapped[str] = mapped_column(String(300))
    legal_basis: Mapped[str] = mapped_column(String(300))
    convened_by: Mapped[uuid.UUID] = mapped_column(ForeignKey("members.id"))
    opens_at: Mapped[datetime] = mapped_column(UTCDateTime)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime)
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime, default=None)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    # A fresh random value whenever a release or grant of this exchange is stored, changed or
    # removed, set by database triggers (migration 0011) in the same transaction, whoever writes.
    # Readers key what they keep of the exchange's releases and grants on it (decision 89).
    sharing_token: Mapped[str | None] = mapped_column(String(32), default=None)


class ExchangeParticipant(Base):
    """A cell member the chair invited into an exchange; ``removed_at`` ends it."""

    __tablename__ = "exchange_participants"

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=new_id)
    exchange_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("exchanges.id"), index=True)
    member_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("members.id"), index=True)
    invited_by: Mapped[uuid.UUID] = mapped_column(ForeignKey("members.id"))
    invited_at: Mapped[datetime] = mapped_column(UTCDateTime)
    removed_at: Mapped[datetime | None] = mapped_column(UTCDateTime, default=None)
    # A guest: not seated in the cell, invited by the chair into this one exchange only, who
    # reads nothing before accepting the cell's confidentiality declaration (art. 458ter §2).
    guest: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())


class DeclarationAcceptance(Base):
    """A guest accepted a version of the cell's confidentiality declaration for one exchange.

    Append-only, like the log: an acceptance is never changed or taken back.
    """

    __tablename__ = "declaration_acceptances"

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=new_id)
    exchange_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("exchanges.id"), index=True)
    member_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("members.id"), index=True)
    declaration_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("cell_declarations.id"))
    accepted_at: Mapped[datetime] = mapped_column(UTCDateTime)


class Release(Base):
    """The owning agency releases a field (or a sensitivity class) of a note into an exchange."""

    __tablename__ = "exchange_releases"

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=new_id)
    exchange_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("exchanges.id"), index=True)
    note_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("notes.id"), index=True)
    owner_agency_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("agencies.id"))
    version: Mapped[int | None] = mapped_column(Integer, default=None)
    field: Mapped[str | None] = mapped_column(String(80), default=None)
    sensitivity: Mapped[str | None] = mapped_column(String(40), default=None)
    released_by: Mapped[uuid.UUID] = mapped_column(ForeignKey("members.id"))
    released_at: Mapped[datetime] = mapped_column(UTCDateTime)
    withdrawn_at: Mapped[datetime | None] = mapped_column(UTCDateTime, default=None)


class Grant(Base):
    """The chair grants released fields (or classes) to a participant or to a role."""

    __tablename__ = "exchange_grants"

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=new_id)
    exchange_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("exchanges.id"), index=True)
    member_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("members.id"), default=None)
    role: Mapped[str | None] = mapped_column(String(40), default=None)
    note_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("notes.id"), default=None)
    field: Mapped[str | None] = mapped_column(String(80), default=None)
    sensitivity: Mapped[str | None] = mapped_column(String(40), default=None)
    granted_by: Mapped[uuid.UUID] = mapped_column(ForeignKey("members.id"))
    granted_at: Mapped[datetime] = mapped_column(UTCDateTime)
    withdrawn_at: Mapped[datetime | None] = mapped_column(UTCDateTime, default=None)
