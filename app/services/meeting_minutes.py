"""Minutes: a note of the chairing municipality on one agenda case of a held meeting, written
through the notes service, so it is sealed, versioned and shared like any note (decision 114)."""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from dataclasses import dataclass, replace
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from app.db.queries import meetings as queries
from app.db.queries import notes as note_queries
from app.errors import Conflict, ValidationFailed
from app.policies.meetings import may_write_minutes
from app.services import notes
from app.services.authz import denied, with_owners
from app.services.context import RequestContext
from app.services.hub import Hub
from app.services.meeting_access import meeting_event, reach, require
from app.services.notes import NoteView

MINUTES_TEMPLATE = "meeting_minutes"
MINUTES_EXIST = "minutes_exist"


@dataclass(frozen=True)
class Minutes:
    """Minutes written: the meeting, the case, and the sealed note."""

    meeting_id: uuid.UUID
    case_id: uuid.UUID
    note: NoteView


async def write_minutes(
    session: AsyncSession,
    ctx: RequestContext,
    hub: Hub,
    meeting_id: uuid.UUID,
    *,
    case_id: uuid.UUID,
    values: Mapping[str, Any],
) -> Minutes:
    """The minutes of a held meeting on one agenda case: a note of the chairing municipality.

    Written through the notes service (sealed, versioned, released into exchanges like any
    note) with the newest ``meeting_minutes`` template; one minutes note per case and meeting.
    """
    r = await reach(session, ctx, meeting_id, "meeting:minutes", lock=True)
    event = meeting_event(ctx, "meeting:minutes", r.meeting.cell_id, r.meeting.id, r.seat)
    verdict = may_write_minutes(ctx.principal.actor(), r.standing, r.state, ctx.now)
    event = require(verdict, event)
    agenda = (await queries.agendas(session, [r.meeting.id]))[r.meeting.id]
    if case_id not in {a.case_id for a in agenda if a.case_id is not None}:
        raise ValidationFailed(
            "the case is not on this meeting's agenda", extra={"field": "case_id"}
        )
    if await queries.has_minutes(session, r.meeting.id, case_id):
        raise Conflict(
            "this meeting has minutes on this case; edit that note instead",
            extra={"reason": MINUTES_EXIST},
            audit=(denied(replace(event, case_id=str(case_id)), MINUTES_EXIST),),
        )
    template = await note_queries.latest_template(session, MINUTES_TEMPLATE)
    if template is None:  # pragma: no cover - shipped templates are loaded at start
        raise Conflict("the minutes template is not loaded; restart the hub")
    note = await notes.create_note(
        session, ctx, hub, case_id=case_id, template_id=template.id, values=values
    )
    await queries.add_minutes(
        session, r.meeting.id, case_id, note.note.id, ctx.principal.member_id, ctx.now
    )
    done = replace(event, case_id=str(case_id), note_id=str(note.note.id))
    await hub.record(session, ctx, with_owners(done, note.note.owner_agency_id))
    return Minutes(r.meeting.id, case_id, note)
