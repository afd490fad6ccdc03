"""The meetings rule: who sees, schedules, changes, records attendance and writes minutes; and
how a series recurs in Brussels time."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from app.policies.engine import Actor
from app.policies.meetings import (
    LOCAL_ZONE,
    MAX_OCCURRENCES,
    CellStanding,
    Frequency,
    MeetingReason,
    MeetingState,
    MeetingVerdict,
    Recurrence,
    RecurrenceProblem,
    chairs,
    expand,
    local_time,
    may_change,
    may_record_attendance,
    may_schedule,
    may_see,
    may_write_minutes,
)
from app.policies.vocabulary import MemberStatus, Role

NOW = datetime(2026, 11, 26, 12, 0, tzinfo=UTC)
STAD = "agency-stad"


def _actor(
    *roles: Role,
    member: str = "m1",
    agency: str = STAD,
    status: MemberStatus = MemberStatus.ACTIVE,
) -> Actor:
    return Actor(member, agency, frozenset(roles), status)


CHAIR = _actor(Role.CHAIR, member="chair")
ONE = CellStanding("chair", in_cell=True)


def _state(*, cancelled: bool = False, started: bool = True) -> MeetingState:
    starts = NOW - timedelta(hours=1) if started else NOW + timedelta(days=1)
    return MeetingState(cancelled, starts, STAD)


def _is(verdict: MeetingVerdict, allowed: bool, reason: MeetingReason) -> None:
    assert (verdict.allowed, verdict.reason) == (allowed, reason)


def test_the_chair_and_a_delegate_in_the_cell_schedule() -> None:
    _is(may_schedule(CHAIR, ONE), True, MeetingReason.CHAIR)
    delegate = _actor(Role.CHAIR_DELEGATE, member="d")
    _is(may_schedule(delegate, ONE), True, MeetingReason.CHAIR_DELEGATE)
    # A delegate not invited into the cell is nobody there.
    outside = CellStanding("chair", in_cell=False)
    _is(may_schedule(delegate, outside), False, MeetingReason.NOT_IN_CELL)


def test_a_member_of_the_cell_does_not_schedule() -> None:
    worker = _actor(Role.CASE_WORKER)
    _is(may_schedule(worker, ONE), False, MeetingReason.NOT_CHAIR)
    # The chair role alone is not chair-ness: the cell names its chair.
    other_chair = _actor(Role.CHAIR, member="elsewhere")
    _is(may_schedule(other_chair, ONE), False, MeetingReason.NOT_CHAIR)


def test_a_suspended_chair_is_nobody() -> None:
    suspended = _actor(Role.CHAIR, member="chair", status=MemberStatus.SUSPENDED)
    verdict = may_schedule(suspended, ONE)
    _is(verdict, False, MeetingReason.MEMBER_SUSPENDED)
    assert verdict.hides
    assert chairs(suspended, ONE) is None
    assert chairs(CHAIR, ONE) is MeetingReason.CHAIR


def test_invitees_read_the_agenda_other_members_see_the_meeting_only() -> None:
    worker = _actor(Role.CASE_WORKER)
    invited = may_see(worker, CellStanding("chair", in_cell=True, invited=True))
    _is(invited, True, MeetingReason.INVITED)
    assert invited.reads_agenda
    member = may_see(worker, ONE)
    _is(member, True, MeetingReason.CELL_MEMBER)
    assert not member.reads_agenda
    assert may_see(CHAIR, ONE).reads_agenda
    lapsed = may_see(worker, CellStanding("chair", in_cell=False, invited=True))
    _is(lapsed, False, MeetingReason.NOT_IN_CELL)  # invited, then no longer in the cell
    outsider = may_see(worker, CellStanding("chair", in_cell=False))
    _is(outsider, False, MeetingReason.NOT_IN_CELL)
    assert outsider.hides
    assert not outsider.reads_agenda


def test_a_cancelled_meeting_does_not_change() -> None:
    _is(may_change(CHAIR, ONE, _state()), True, MeetingReason.CHAIR)
    _is(may_change(CHAIR, ONE, _state(cancelled=True)), False, MeetingReason.MEETING_CANCELLED)
    worker = _actor(Role.CASE_WORKER)
    _is(may_change(worker, ONE, _state(cancelled=True)), False, MeetingReason.NOT_CHAIR)


def test_attendance_once_the_meeting_began() -> None:
    _is(may_record_attendance(CHAIR, ONE, _state(), NOW), True, MeetingReason.CHAIR)
    ahead = may_record_attendance(CHAIR, ONE, _state(started=False), NOW)
    _is(ahead, False, MeetingReason.MEETING_NOT_STARTED)
    worker = _actor(Role.CASE_WORKER)
    _is(may_record_attendance(worker, ONE, _state(), NOW), False, MeetingReason.NOT_CHAIR)


def test_minutes_by_an_invited_member_of_the_chairing_municipality() -> None:
    invited = CellStanding("chair", in_cell=True, invited=True)
    secretary = _actor(Role.CASE_WORKER, member="secretary")
    _is(may_write_minutes(secretary, invited, _state(), NOW), True, MeetingReason.INVITED)
    social = _actor(Role.CASE_WORKER, agency="agency-ocmw")
    refused = may_write_minutes(social, invited, _state(), NOW)
    _is(refused, False, MeetingReason.NOT_CHAIRING_MUNICIPALITY)
    _is(may_write_minutes(secretary, ONE, _state(), NOW), False, MeetingReason.NOT_INVITED)
    _is(
        may_write_minutes(secretary, invited, _state(cancelled=True), NOW),
        False,
        MeetingReason.MEETING_CANCELLED,
    )
    _is(
        may_write_minutes(secretary, invited, _state(started=False), NOW),
        False,
        MeetingReason.MEETING_NOT_STARTED,
    )
    no_chair = MeetingState(False, NOW - timedelta(hours=1), None)
    _is(
        may_write_minutes(secretary, invited, no_chair, NOW),
        False,
        MeetingReason.NOT_CHAIRING_MUNICIPALITY,
    )
    outside = CellStanding("chair", in_cell=False)
    _is(may_write_minutes(secretary, outside, _state(), NOW), False, MeetingReason.NOT_IN_CELL)


def test_every_two_months_across_daylight_saving_time() -> None:
    first = datetime(2026, 1, 15, 13, 0, tzinfo=UTC)  # 14:00 in Brussels (CET)
    starts = expand(Recurrence(Frequency.MONTHLY, 2, count=6), first)
    assert isinstance(starts, list)
    local = [s.astimezone(LOCAL_ZONE) for s in starts]
    assert [(t.month, t.day, t.hour) for t in local] == [
        (1, 15, 14),
        (3, 15, 14),
        (5, 15, 14),
        (7, 15, 14),
        (9, 15, 14),
        (11, 15, 14),
    ]
    assert starts[2].hour == 12  # CEST: an hour earlier in UTC
    assert all(s.tzinfo is UTC for s in starts)


def test_until_is_a_brussels_day_and_included() -> None:
    first = datetime(2026, 1, 5, 18, 0, tzinfo=UTC)
    starts = expand(Recurrence(Frequency.WEEKLY, 1, until=date(2026, 1, 26)), first)
    assert isinstance(starts, list)
    assert [s.day for s in starts] == [5, 12, 19, 26]


def test_a_monthly_series_from_the_31st_skips_short_months() -> None:
    starts = expand(Recurrence(Frequency.MONTHLY, 1, count=3), datetime(2026, 1, 31, 9, tzinfo=UTC))
    assert isinstance(starts, list)
    assert [s.month for s in starts] == [1, 3, 5]


@pytest.mark.parametrize(
    ("rule", "problem"),
    [
        (Recurrence(Frequency.WEEKLY, 1), RecurrenceProblem.UNTIL_OR_COUNT),
        (
            Recurrence(Frequency.WEEKLY, 1, until=date(2027, 1, 1), count=2),
            RecurrenceProblem.UNTIL_OR_COUNT,
        ),
        (Recurrence(Frequency.WEEKLY, 0, count=2), RecurrenceProblem.INTERVAL_OUT_OF_RANGE),
        (Recurrence(Frequency.MONTHLY, 13, count=2), RecurrenceProblem.INTERVAL_OUT_OF_RANGE),
        (Recurrence(Frequency.WEEKLY, 1, count=0), RecurrenceProblem.TOO_MANY_OCCURRENCES),
        (Recurrence(Frequency.WEEKLY, 1, count=61), RecurrenceProblem.TOO_MANY_OCCURRENCES),
        (
            Recurrence(Frequency.WEEKLY, 1, until=date(2030, 1, 1)),
            RecurrenceProblem.TOO_MANY_OCCURRENCES,
        ),
        (
            Recurrence(Frequency.WEEKLY, 1, until=date(2025, 1, 1)),
            RecurrenceProblem.UNTIL_BEFORE_START,
        ),
    ],
)
def test_refused_rules(rule: Recurrence, problem: RecurrenceProblem) -> None:
    assert expand(rule, NOW) == problem


@given(
    frequency=st.sampled_from(Frequency),
    interval=st.integers(1, 12),
    count=st.integers(1, MAX_OCCURRENCES),
    first=st.datetimes(
        min_value=datetime(2020, 1, 1),  # noqa: DTZ001 - hypothesis wants naive bounds
        max_value=datetime(2040, 1, 1),  # noqa: DTZ001
        timezones=st.just(UTC),
    ),
)
def test_a_series_keeps_its_wall_clock_time_and_order(
    frequency: Frequency, interval: int, count: int, first: datetime
) -> None:
    starts = expand(Recurrence(frequency, interval, count=count), first)
    assert isinstance(starts, list)
    assert 1 <= len(starts) <= count
    assert starts == sorted(starts)
    assert len(set(starts)) == len(starts)
    local = [s.astimezone(LOCAL_ZONE) for s in starts]
    wall = local[0].replace(tzinfo=None).time()
    # Every occurrence at the first one's Brussels time (one nonexistent in a DST gap shifts).
    assert all(abs(_minutes(t.replace(tzinfo=None).time()) - _minutes(wall)) <= 60 for t in local)
    if frequency is Frequency.WEEKLY:
        assert len(starts) == count
        assert all(
            (b.date() - a.date()).days == 7 * interval
            for a, b in zip(local, local[1:], strict=False)
        )


def _minutes(t: time) -> int:
    return t.hour * 60 + t.minute


# ---- written for mutants that survived `make mutate` (docs/decisions.md 125) ----------------


def test_attendance_and_minutes_from_the_minute_the_meeting_starts() -> None:
    at_start = MeetingState(False, NOW, STAD)
    _is(may_record_attendance(CHAIR, ONE, at_start, NOW), True, MeetingReason.CHAIR)
    invited = CellStanding("chair", in_cell=True, invited=True)
    secretary = _actor(Role.CASE_WORKER, member="secretary")
    _is(may_write_minutes(secretary, invited, at_start, NOW), True, MeetingReason.INVITED)
    just_before = NOW - timedelta(microseconds=1)
    _is(
        may_record_attendance(CHAIR, ONE, at_start, just_before),
        False,
        MeetingReason.MEETING_NOT_STARTED,
    )


def test_a_series_of_exactly_max_occurrences_is_kept_whole() -> None:
    by_count = expand(Recurrence(Frequency.WEEKLY, 1, count=MAX_OCCURRENCES), NOW)
    assert isinstance(by_count, list)
    assert len(by_count) == MAX_OCCURRENCES
    last = (NOW + timedelta(weeks=MAX_OCCURRENCES - 1)).astimezone(LOCAL_ZONE).date()
    by_until = expand(Recurrence(Frequency.WEEKLY, 1, until=last), NOW)
    assert by_until == by_count
    one_more = expand(Recurrence(Frequency.WEEKLY, 1, until=last + timedelta(weeks=1)), NOW)
    assert one_more == RecurrenceProblem.TOO_MANY_OCCURRENCES


def test_a_series_until_its_first_day_is_that_one_meeting() -> None:
    first = datetime(2026, 1, 5, 23, 30, tzinfo=UTC)  # already 6 January in Brussels
    assert expand(Recurrence(Frequency.WEEKLY, 1, until=date(2026, 1, 6)), first) == [first]
    before = expand(Recurrence(Frequency.WEEKLY, 1, until=date(2026, 1, 5)), first)
    assert before == RecurrenceProblem.UNTIL_BEFORE_START


def test_local_time_is_brussels_time() -> None:
    winter = local_time(datetime(2026, 1, 15, 13, 0, tzinfo=UTC))
    assert (winter.hour, winter.utcoffset()) == (14, timedelta(hours=1))
    summer = local_time(datetime(2026, 7, 15, 13, 0, tzinfo=UTC))
    assert (summer.hour, summer.utcoffset()) == (15, timedelta(hours=2))
