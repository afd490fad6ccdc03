"""Recurring meetings: a rule whose occurrences are made at once, each a meeting of its own,
moved or cancelled on its own (decision 112)."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import replace
from datetime import datetime, timedelta

from sqlalchemy.ext.asyncio import AsyncSession

from app.db.queries import meetings as queries
from app.db.queries.meetings import SCHEDULED, CellSeat, SeriesRow
from app.errors import NotFound, ValidationFailed
from app.policies.meetings import (
    MeetingReason,
    MeetingVerdict,
    Recurrence,
    expand,
    may_schedule,
    may_see,
)
from app.services.authz import denied, event_for, with_owners
from app.services.context import RequestContext
from app.services.hub import Hub
from app.services.meeting_access import (
    SeriesDetail,
    cell_refusal,
    cell_seat,
    check_invitees,
    check_times,
    meeting_event,
    new_meeting,
    refuse,
    require,
    standing_of,
)


async def schedule_series(
    session: AsyncSession,
    ctx: RequestContext,
    hub: Hub,
    cell_id: uuid.UUID,
    *,
    first_starts_at: datetime,
    duration: timedelta,
    rule: Recurrence,
    invitee_ids: Sequence[uuid.UUID],
) -> SeriesDetail:
    """A recurring meeting: its occurrences are made at once, each its own meeting."""
    seat = await cell_seat(session, ctx, hub, cell_id, "meeting_series:create")
    event = meeting_event(ctx, "meeting_series:create", cell_id, cell_id, seat)
    verdict = may_schedule(ctx.principal.actor(), standing_of(seat))
    if not verdict.allowed:
        raise cell_refusal(verdict, event)
    check_times(first_starts_at, first_starts_at + duration)
    starts = expand(rule, first_starts_at)
    if not isinstance(starts, list):
        raise ValidationFailed(
            f"the recurrence is refused: {starts}",
            extra={"field": "recurrence", "reason": str(starts)},
        )
    seated = await check_invitees(session, cell_id, invitee_ids, event)
    row = SeriesRow(
        uuid.uuid4(),
        cell_id,
        rule.frequency.value,
        rule.interval,
        rule.until,
        rule.count,
        first_starts_at,
        int(duration.total_seconds() // 60),
        ctx.now,
        None,
    )
    occurrences = [new_meeting(cell_id, s, s + duration, ctx.now, row.id) for s in starts]
    await queries.add_series(session, row, ctx.principal.member_id)
    await queries.add_meetings(session, occurrences, ctx.principal.member_id)
    await queries.set_invitees(session, [m.id for m in occurrences], list(seated), ctx.now)
    done = meeting_event(ctx, "meeting_series:create", cell_id, row.id, seat, *seated.values())
    await hub.record(session, ctx, replace(done, reason=str(verdict.reason)))
    return SeriesDetail(row, occurrences)


async def _series(
    session: AsyncSession,
    ctx: RequestContext,
    series_id: uuid.UUID,
    action: str,
    *,
    lock: bool = False,
) -> tuple[SeriesRow, CellSeat, MeetingVerdict]:
    found = await queries.series_reach(session, series_id, ctx.principal.member_id, lock=lock)
    if found is None:
        raise NotFound(audit=(denied(event_for(ctx, action, object_id=series_id), "not_found"),))
    row, seat = found
    seen = may_see(ctx.principal.actor(), standing_of(seat))
    if seen.hides:
        raise refuse(seen, meeting_event(ctx, action, row.cell_id, row.id, seat))
    return row, seat, seen


async def read_series(
    session: AsyncSession, ctx: RequestContext, hub: Hub, series_id: uuid.UUID
) -> SeriesDetail:
    """A series and its occurrences, for the cell's members."""
    row, seat, seen = await _series(session, ctx, series_id, "meeting_series:read")
    event = meeting_event(ctx, "meeting_series:read", row.cell_id, row.id, seat)
    await hub.record(session, ctx, replace(event, reason=str(seen.reason)))
    return SeriesDetail(row, await queries.occurrences(session, row.id))


async def cancel_series(
    session: AsyncSession, ctx: RequestContext, hub: Hub, series_id: uuid.UUID
) -> SeriesDetail:
    """Cancel a series: its meetings not yet begun are cancelled, those held are kept."""
    row, seat, _ = await _series(session, ctx, series_id, "meeting_series:cancel", lock=True)
    event = meeting_event(ctx, "meeting_series:cancel", row.cell_id, row.id, seat)
    verdict = may_schedule(ctx.principal.actor(), standing_of(seat))
    event = require(verdict, event)
    if row.cancelled_at is not None:
        raise refuse(MeetingVerdict(False, MeetingReason.MEETING_CANCELLED), event)
    await queries.cancel_series(session, row.id, ctx.now)
    await hub.record(session, ctx, event)
    return SeriesDetail(
        replace(row, cancelled_at=ctx.now), await queries.occurrences(session, row.id)
    )


async def set_series_invitees(
    session: AsyncSession,
    ctx: RequestContext,
    hub: Hub,
    series_id: uuid.UUID,
    member_ids: Sequence[uuid.UUID],
) -> SeriesDetail:
    """Invite exactly these members to every occurrence not yet begun (held ones keep theirs)."""
    action = "meeting_series:set_invitees"
    row, seat, _ = await _series(session, ctx, series_id, action, lock=True)
    event = meeting_event(ctx, action, row.cell_id, row.id, seat)
    event = require(may_schedule(ctx.principal.actor(), standing_of(seat)), event)
    if row.cancelled_at is not None:
        raise refuse(MeetingVerdict(False, MeetingReason.MEETING_CANCELLED), event)
    seated = await check_invitees(session, row.cell_id, member_ids, event)
    occurrences = await queries.occurrences(session, row.id)
    ahead = [m.id for m in occurrences if m.status == SCHEDULED and m.starts_at > ctx.now]
    await queries.set_invitees(session, ahead, list(seated), ctx.now)
    await hub.record(session, ctx, with_owners(event, *seated.values()))
    return SeriesDetail(row, occurrences)
