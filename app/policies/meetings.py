"""Meetings of a cell: who sees them, who schedules them, and how a series recurs.

The cell's chair (the mayor, or a chair delegate invited into the cell) leads the consultation
(law of 30 July 2018, art. 2-3): they schedule, move and cancel meetings and series, set the
agenda, invite members seated in the cell and record attendance. The members invited to a
meeting see it with its agenda; the cell's other members see only that it takes place and when
(decision 111); anyone not in the cell may not know it exists. Minutes are a note of the chairing
municipality, written by one of its members invited to the meeting. Pure: facts in, a verdict
with its reason code out; time is passed in.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from enum import StrEnum
from itertools import islice
from typing import Literal
from zoneinfo import ZoneInfo

from dateutil.rrule import MONTHLY, WEEKLY, rrule

from app.policies.engine import Actor
from app.policies.vocabulary import MemberStatus, Role

# Meetings are held, shown and recur in Belgian local time; they are stored in UTC.
LOCAL_ZONE = ZoneInfo("Europe/Brussels")
MAX_OCCURRENCES = 60
MAX_INTERVAL = 12
MAX_DURATION = timedelta(hours=12)


class MeetingReason(StrEnum):
    """Why a meeting action is allowed or refused (stable: they go into the access log)."""

    CHAIR = "chair"
    CHAIR_DELEGATE = "chair_delegate"
    INVITED = "invited"
    CELL_MEMBER = "cell_member"
    MEMBER_SUSPENDED = "member_suspended"
    NOT_IN_CELL = "not_in_cell"
    NOT_CHAIR = "not_chair"
    NOT_INVITED = "not_invited"
    NOT_CHAIRING_MUNICIPALITY = "not_chairing_municipality"
    MEETING_CANCELLED = "meeting_cancelled"
    MEETING_NOT_STARTED = "meeting_not_started"


# A caller refused for one of these may not know the meeting exists: answer as for an unknown id.
HIDING = frozenset({MeetingReason.NOT_IN_CELL, MeetingReason.MEMBER_SUSPENDED})
# Who sees the agenda, the invitees, their attendance and the minutes.
AGENDA_READERS = frozenset(
    {MeetingReason.CHAIR, MeetingReason.CHAIR_DELEGATE, MeetingReason.INVITED}
)


class Attendance(StrEnum):
    """What the chair records for an invited member."""

    PRESENT = "present"
    EXCUSED = "excused"
    ABSENT = "absent"


@dataclass(frozen=True)
class CellStanding:
    """The cell's chair, and where the caller stands: invited into the cell, to the meeting."""

    chair_member_id: str | None
    in_cell: bool
    invited: bool = False


@dataclass(frozen=True)
class MeetingState:
    """What changing a meeting depends on: cancelled or not, when it starts, who chairs it."""

    cancelled: bool
    starts_at: datetime
    chair_agency_id: str | None


@dataclass(frozen=True)
class MeetingVerdict:
    """Allowed or not, with the reason code."""

    allowed: bool
    reason: MeetingReason

    @property
    def hides(self) -> bool:
        """True if the caller may not know the meeting (or the cell's meetings) exist."""
        return not self.allowed and self.reason in HIDING

    @property
    def reads_agenda(self) -> bool:
        """True if the caller sees the agenda, the invitees and the minutes."""
        return self.allowed and self.reason in AGENDA_READERS


def _deny(reason: MeetingReason) -> MeetingVerdict:
    return MeetingVerdict(False, reason)


def chairs(actor: Actor, standing: CellStanding) -> MeetingReason | None:
    """The cell's chair, or a chair delegate invited into the cell (both active)."""
    if actor.status is not MemberStatus.ACTIVE:
        return None
    if standing.chair_member_id is not None and actor.member_id == standing.chair_member_id:
        return MeetingReason.CHAIR
    if Role.CHAIR_DELEGATE in actor.roles and standing.in_cell:
        return MeetingReason.CHAIR_DELEGATE
    return None


def may_see(actor: Actor, standing: CellStanding) -> MeetingVerdict:
    """Whether the actor may know a meeting of the cell (the agenda: ``reads_agenda``)."""
    if actor.status is not MemberStatus.ACTIVE:
        return _deny(MeetingReason.MEMBER_SUSPENDED)
    chair = chairs(actor, standing)
    if chair is not None:
        return MeetingVerdict(True, chair)
    # An invitation lapses with the seat: someone no longer in the cell sees none of its meetings.
    if not standing.in_cell:
        return _deny(MeetingReason.NOT_IN_CELL)
    if standing.invited:
        return MeetingVerdict(True, MeetingReason.INVITED)
    return MeetingVerdict(True, MeetingReason.CELL_MEMBER)


def may_schedule(actor: Actor, standing: CellStanding) -> MeetingVerdict:
    """Whether the actor may schedule a meeting or a series in the cell: its chair."""
    seen = may_see(actor, standing)
    if not seen.allowed:
        return seen
    chair = chairs(actor, standing)
    return _deny(MeetingReason.NOT_CHAIR) if chair is None else MeetingVerdict(True, chair)


def may_change(actor: Actor, standing: CellStanding, meeting: MeetingState) -> MeetingVerdict:
    """Whether the actor may move, cancel, set the agenda of or invite to a meeting."""
    verdict = may_schedule(actor, standing)
    if verdict.allowed and meeting.cancelled:
        return _deny(MeetingReason.MEETING_CANCELLED)
    return verdict


def may_record_attendance(
    actor: Actor, standing: CellStanding, meeting: MeetingState, now: datetime
) -> MeetingVerdict:
    """The chair records attendance of a meeting that has begun and is not cancelled."""
    verdict = may_change(actor, standing, meeting)
    if verdict.allowed and now < meeting.starts_at:
        return _deny(MeetingReason.MEETING_NOT_STARTED)
    return verdict


def may_write_minutes(
    actor: Actor, standing: CellStanding, meeting: MeetingState, now: datetime
) -> MeetingVerdict:
    """A member of the chairing municipality, invited to (or chairing) a meeting that was held."""
    seen = may_see(actor, standing)
    if not seen.allowed:
        return seen
    if not seen.reads_agenda:
        return _deny(MeetingReason.NOT_INVITED)
    if meeting.chair_agency_id is None or actor.agency_id != meeting.chair_agency_id:
        return _deny(MeetingReason.NOT_CHAIRING_MUNICIPALITY)
    if meeting.cancelled:
        return _deny(MeetingReason.MEETING_CANCELLED)
    if now < meeting.starts_at:
        return _deny(MeetingReason.MEETING_NOT_STARTED)
    return seen


class Frequency(StrEnum):
    """How a series repeats."""

    WEEKLY = "weekly"
    MONTHLY = "monthly"


class RecurrenceProblem(StrEnum):
    """Why a recurrence rule is refused."""

    UNTIL_OR_COUNT = "until_or_count"
    INTERVAL_OUT_OF_RANGE = "interval_out_of_range"
    TOO_MANY_OCCURRENCES = "too_many_occurrences"
    UNTIL_BEFORE_START = "until_before_start"


@dataclass(frozen=True)
class Recurrence:
    """Every ``interval`` weeks or months, until a day (Brussels) or ``count`` times."""

    frequency: Frequency
    interval: int
    until: date | None = None
    count: int | None = None


_FREQ: dict[Frequency, Literal[1, 2]] = {Frequency.MONTHLY: MONTHLY, Frequency.WEEKLY: WEEKLY}


def expand(rule: Recurrence, first: datetime) -> list[datetime] | RecurrenceProblem:
    """The starts of a series in UTC, kept at the first one's wall-clock time in Brussels.

    RFC 5545 semantics (dateutil's rrule): a monthly series begun on the 31st skips months
    without one. ``first`` must be aware.
    """
    if (rule.until is None) == (rule.count is None):
        return RecurrenceProblem.UNTIL_OR_COUNT
    if not 1 <= rule.interval <= MAX_INTERVAL:
        return RecurrenceProblem.INTERVAL_OUT_OF_RANGE
    if rule.count is not None and not 1 <= rule.count <= MAX_OCCURRENCES:
        return RecurrenceProblem.TOO_MANY_OCCURRENCES
    local = first.astimezone(LOCAL_ZONE)
    if rule.until is not None and rule.until < local.date():
        return RecurrenceProblem.UNTIL_BEFORE_START
    last = rule.until
    until = None if last is None else datetime.combine(last, time.max, tzinfo=LOCAL_ZONE)
    series = rrule(
        _FREQ[rule.frequency], interval=rule.interval, dtstart=local, until=until, count=rule.count
    )
    # One more than allowed, so a rule that would give too many is refused, not cut short.
    starts = list(islice(series, MAX_OCCURRENCES + 1))
    if len(starts) > MAX_OCCURRENCES:
        return RecurrenceProblem.TOO_MANY_OCCURRENCES
    return [s.astimezone(UTC) for s in starts]


def local_time(at: datetime) -> datetime:
    """A stored (UTC) time as shown in Belgium."""
    return at.astimezone(LOCAL_ZONE)
