"""Meetings as iCalendar (RFC 5545), with no personal data in them.

An event says when the cell meets, whether the meeting holds or was cancelled, and (for those who
read the agenda) which cases, by pseudonym, are discussed. No member, no name, no free text: the
summary is fixed text and the municipality, the description lists pseudonyms only (decision 113).
Times are written in UTC; calendars show them in the reader's zone (Europe/Brussels in Belgium).
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from icalendar import Calendar, Event

from app.db.queries.meetings import CANCELLED
from app.services.meetings import MeetingDetail

MEDIA_TYPE = "text/calendar"
PRODID = "-//LIVC Hub//meetings//EN"


def _description(detail: MeetingDetail) -> str | None:
    if detail.agenda is None:
        return None
    lines = []
    for item in detail.agenda:
        what = "case" if item.case_id is not None else "exchange on case"
        lines.append(f"{item.position}. {what} {item.pseudonym}")
    return "Agenda:\n" + "\n".join(lines) if lines else "Agenda: (empty)"


def _event(detail: MeetingDetail, municipality: str, now: datetime) -> Event:
    m = detail.meeting
    event = Event()
    event.add("uid", f"{m.id}@livc-hub")
    event.add("dtstamp", now)
    event.add("dtstart", m.starts_at)
    event.add("dtend", m.ends_at)
    event.add("sequence", m.sequence)
    event.add("status", "CANCELLED" if m.status == CANCELLED else "CONFIRMED")
    event.add("summary", f"LIVC {municipality}")
    event.add("class", "CONFIDENTIAL")
    description = _description(detail)
    if description is not None:
        event.add("description", description)
    return event


def calendar(details: Sequence[MeetingDetail], municipality: str, now: datetime) -> bytes:
    """The meetings as one iCalendar document."""
    cal = Calendar()
    cal.add("prodid", PRODID)
    cal.add("version", "2.0")
    cal.add("method", "PUBLISH")
    cal.add("x-wr-timezone", "Europe/Brussels")
    for detail in details:
        cal.add_component(_event(detail, municipality, now))
    return bytes(cal.to_ical())
