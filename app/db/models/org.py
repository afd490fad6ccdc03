"""Agencies and their members (people and service accounts)."""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import JSON, Boolean, ForeignKey, Index, Integer, String, Uuid
from sqlalchemy.orm import Mapped, mapped_column

from app.db.base import Base, UTCDateTime, new_id, utcnow


class Agency(Base):
    """An organisation taking part: police, OCMW/CPAS, municipality, LTF partner, ..."""

    __tablename__ = "agencies"

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=new_id)
    name: Mapped[str] = mapped_column(String(200), unique=True)
    kind: Mapped[str] = mapped_column(String(40))
    secrecy_regime: Mapped[str] = mapped_column(String(40))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    # Who is the second pair of eyes on a widening change to one of its members (four-eyes).
    approver_role: Mapped[str] = mapped_column(String(40), default="agency_admin")


class Member(Base):
    """A person or an agency system of one agency, with roles, secrecy flag and clearance."""

    __tablename__ = "members"

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=new_id)
    agency_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("agencies.id"), index=True)
    display_name: Mapped[str] = mapped_column(String(200))
    kind: Mapped[str] = mapped_column(String(20))
    roles: Mapped[list[str]] = mapped_column(JSON)
    bound_by_secrecy: Mapped[bool] = mapped_column(Boolean, default=False)
    clearance: Mapped[int] = mapped_column(Integer, default=0)
    status: Mapped[str] = mapped_column(String(20), default="active")
    client_id: Mapped[str | None] = mapped_column(String(80), unique=True, default=None)
    client_secret_hash: Mapped[str | None] = mapped_column(String(200), default=None)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    # Web sign-in (0018): a lower-case username, an argon2id hash set only on a second person's
    # approval (or by the member, knowing the current one), and whether it must be changed.
    username: Mapped[str | None] = mapped_column(String(80), default=None)
    password_hash: Mapped[str | None] = mapped_column(String(200), default=None)
    password_set_at: Mapped[datetime | None] = mapped_column(UTCDateTime, default=None)
    password_must_change: Mapped[bool] = mapped_column(Boolean, default=False)

    __table_args__ = (Index("ix_members_username", "username", unique=True),)


class MemberProposal(Base):
    """A widening change to a member that waits for a second person (four-eyes).

    Nothing here is deleted: decided proposals stay, with who decided and when.
    """

    __tablename__ = "member_proposals"

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=new_id)
    agency_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("agencies.id"), index=True)
    member_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("members.id"), index=True)
    kind: Mapped[str] = mapped_column(String(20))
    roles_add: Mapped[list[str]] = mapped_column(JSON)
    clearance: Mapped[int | None] = mapped_column(Integer, default=None)
    bound_by_secrecy: Mapped[bool] = mapped_column(Boolean, default=False)
    activate: Mapped[bool] = mapped_column(Boolean, default=False)
    proposed_by: Mapped[uuid.UUID] = mapped_column(ForeignKey("members.id"))
    proposed_at: Mapped[datetime] = mapped_column(UTCDateTime)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime)
    state: Mapped[str] = mapped_column(String(20), default="pending")
    decided_by: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("members.id"), default=None)
    decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime, default=None)
    # A password (re)set: on approval a one-time password is made and shown to the approver.
    reset_password: Mapped[bool] = mapped_column(Boolean, default=False)
