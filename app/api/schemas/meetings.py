"""Meetings, series, agenda, invitees, attendance and minutes."""

from __future__ import annotations

import uuid
from datetime import date, datetime
from typing import Any, Literal

from pydantic import BaseModel, Field

from app.api.schemas.common import Input, Instant
from app.api.schemas.notes import NoteOut
from app.policies.meetings import MAX_INTERVAL, MAX_OCCURRENCES, Attendance, Frequency

MemberIds = list[uuid.UUID]
MAX_INVITEES = 200


class MeetingIn(Input):
    """A one-off meeting: when (with an offset; shown in Europe/Brussels) and who is invited."""

    starts_at: Instant
    ends_at: Instant
    member_ids: MemberIds = Field(default_factory=list, max_length=MAX_INVITEES)


class RecurrenceIn(Input):
    """Every ``interval`` weeks or months, until a day (Brussels) or ``count`` times."""

    frequency: Frequency
    interval: int = Field(ge=1, le=MAX_INTERVAL)
    until: date | None = None
    count: int | None = Field(default=None, ge=1, le=MAX_OCCURRENCES)


class SeriesIn(Input):
    """A recurring meeting; every occurrence gets the same invitees."""

    starts_at: Instant
    duration_minutes: int = Field(ge=1, le=720)
    recurrence: RecurrenceIn
    member_ids: MemberIds = Field(default_factory=list, max_length=MAX_INVITEES)


class MeetingPatch(Input):
    """Move a meeting (an occurrence of a series moves on its own)."""

    starts_at: Instant | None = None
    ends_at: Instant | None = None


class AgendaItemIn(Input):
    """A case or an exchange of the meeting's cell (exactly one)."""

    case_id: uuid.UUID | None = None
    exchange_id: uuid.UUID | None = None


class AgendaIn(Input):
    """The whole agenda, in order."""

    items: list[AgendaItemIn] = Field(max_length=100)


class InviteesIn(Input):
    """Exactly these members of the cell are invited."""

    member_ids: MemberIds = Field(max_length=MAX_INVITEES)


class AttendanceEntry(Input):
    """One invited member's attendance."""

    member_id: uuid.UUID
    attendance: Attendance


class AttendanceIn(Input):
    """Attendance of invited members (others keep what was recorded)."""

    entries: list[AttendanceEntry] = Field(min_length=1, max_length=MAX_INVITEES)


class MinutesIn(Input):
    """Minutes on one case of the agenda, with the fields of the meeting_minutes template."""

    case_id: uuid.UUID
    fields: dict[str, Any] = Field(max_length=100)


class AgendaItemOut(BaseModel):
    """An agenda item, its case known by pseudonym only."""

    position: int
    case_id: uuid.UUID | None
    exchange_id: uuid.UUID | None
    pseudonym: str


class InviteeOut(BaseModel):
    """An invited member (by id) and their attendance once recorded."""

    member_id: uuid.UUID
    attendance: Attendance | None


class MinutesRef(BaseModel):
    """The minutes note of the meeting on one case."""

    case_id: uuid.UUID
    note_id: uuid.UUID


class MeetingOut(BaseModel):
    """A meeting; agenda, invitees and minutes are null for cell members not invited to it."""

    id: uuid.UUID
    cell_id: uuid.UUID
    series_id: uuid.UUID | None
    starts_at: datetime
    ends_at: datetime
    starts_at_local: str = Field(description="the start in Europe/Brussels, ISO 8601")
    status: Literal["scheduled", "cancelled"]
    sequence: int
    invited: bool
    agenda: list[AgendaItemOut] | None = None
    invitees: list[InviteeOut] | None = None
    minutes: list[MinutesRef] | None = None


class SeriesOut(BaseModel):
    """A series and its occurrences (agendas are per occurrence: see each meeting)."""

    id: uuid.UUID
    cell_id: uuid.UUID
    frequency: Frequency
    interval: int
    until: date | None
    count: int | None
    duration_minutes: int
    cancelled_at: datetime | None
    occurrences: list[MeetingOut]


class MinutesOut(BaseModel):
    """Minutes written: the note (owned by the chairing municipality) and where it belongs."""

    meeting_id: uuid.UUID
    case_id: uuid.UUID
    note: NoteOut
