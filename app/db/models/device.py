"""Device authorization grants (RFC 8628): the command line's sign-in, approved on the web."""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import ForeignKey, Integer, String, Uuid
from sqlalchemy.orm import Mapped, mapped_column

from app.db.base import Base, UTCDateTime, new_id


class DeviceGrant(Base):
    """One device's request to act as a member, from its start to its one token.

    Neither code is stored in clear: both are SHA-256 hex digests. ``state`` moves from
    ``pending`` to ``approved`` or ``denied`` (by the member, on /ui/device), and from
    ``approved`` to ``used`` when the device's poll takes its token (once).
    """

    __tablename__ = "device_grants"

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=new_id)
    device_code_hash: Mapped[str] = mapped_column(String(64), unique=True)
    user_code_hash: Mapped[str] = mapped_column(String(64), index=True)
    client_id: Mapped[str] = mapped_column(String(80))
    scope: Mapped[str | None] = mapped_column(String(200), default=None)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime)
    last_polled_at: Mapped[datetime | None] = mapped_column(UTCDateTime, default=None)
    interval_seconds: Mapped[int] = mapped_column(Integer)
    member_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("members.id"), default=None, index=True
    )
    state: Mapped[str] = mapped_column(String(20), default="pending")
    decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime, default=None)
