"""First-line intake: a citizen's request for help taken in as the start of a case.

One request does, in one transaction, what the receiving agency would otherwise do in three: it
registers the person concerned (or names one of its subjects), opens a case in a cell it sits
in, and writes the request as a note with the newest version of the shipped ``intake`` template.
The agency owns the subject and the note; who took the request in and when are the note's author
and time (and the access-log entry). The request's content is sealed like any note field: it is
never in clear in the database or a log.
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from dataclasses import dataclass, replace
from datetime import date
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from app.db.queries import notes as note_queries
from app.db.queries.cases import CaseRow
from app.errors import Conflict, ValidationFailed
from app.policies.vocabulary import CaseStatus
from app.services import cases, notes, subjects
from app.services.context import RequestContext
from app.services.hub import Hub
from app.services.notes import NoteView

INTAKE_TEMPLATE = "intake"


@dataclass(frozen=True)
class NewPerson:
    """The person concerned, registered by the receiving agency (identifiers sealed)."""

    name: str
    date_of_birth: date
    national_register_number: str | None = None


@dataclass(frozen=True)
class Intake:
    """What one intake made: the case (with its subject's pseudonym) and the sealed note."""

    case: CaseRow
    note: NoteView
    template_version: int


def _given(subject_id: uuid.UUID | None) -> uuid.UUID:
    if subject_id is None:  # pragma: no cover - take_in checks one of the two is given
        raise ValidationFailed("name either subject_id or person", extra={"field": "subject_id"})
    return subject_id


async def take_in(
    session: AsyncSession,
    ctx: RequestContext,
    hub: Hub,
    *,
    cell_id: uuid.UUID,
    working_group_id: uuid.UUID | None,
    subject_id: uuid.UUID | None,
    person: NewPerson | None,
    values: Mapping[str, Any],
) -> Intake:
    """Register (or name) the person, open a signalled case and write the request as a note."""
    if (subject_id is None) == (person is None):
        raise ValidationFailed("name either subject_id or person", extra={"field": "subject_id"})
    template = await note_queries.latest_template(session, INTAKE_TEMPLATE)
    if template is None:
        raise Conflict("the intake template is not loaded; restart the hub")
    if person is not None:
        subject = await subjects.create_subject(
            session,
            ctx,
            hub,
            name=person.name,
            date_of_birth=person.date_of_birth,
            national_register_number=person.national_register_number,
        )
        subject_id = subject.id
    case = await cases.open_case(
        session,
        ctx,
        hub,
        cell_id=cell_id,
        subject_id=_given(subject_id),
        working_group_id=working_group_id,
        status=CaseStatus.SIGNALLED,
    )
    note = await notes.create_note(
        session, ctx, hub, case_id=case.id, template_id=template.id, values=values
    )
    event = replace(cases.case_event(ctx, "intake:create", case), note_id=str(note.note.id))
    await hub.record(session, ctx, event)
    return Intake(case=case, note=note, template_version=template.version)
