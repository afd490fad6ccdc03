"""Which agencies an access-log entry concerns, so each agency's auditor finds its entries.

An entry concerns the agency that owns the note or the subject it names (the controller of that
data), the agency of the member it acts upon, and the agency it acts upon. For a shared view,
every note whose fields were shown or withheld counts. One query per append, whatever the
number of events.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator, Sequence

from sqlalchemy import select, union_all
from sqlalchemy.ext.asyncio import AsyncSession

from app.audit.log import AuditEvent
from app.db.models import Agency, Member, Note, Subject


def _uuid(value: str | None) -> uuid.UUID | None:
    if value is None:
        return None
    try:
        return uuid.UUID(value)
    except ValueError:
        return None


def _field_notes(names: Sequence[str]) -> Iterator[uuid.UUID]:
    # Shared views name fields "note/version/field" (and "...=reason" when withheld).
    for name in names:
        head, sep, _ = name.partition("/")
        if sep:
            found = _uuid(head)
            if found is not None:
                yield found


def _ids(event: AuditEvent) -> set[uuid.UUID]:
    ids = {_uuid(event.subject_id), _uuid(event.note_id), _uuid(event.object_id)}
    ids.update(_field_notes(event.fields))
    ids.update(_field_notes(event.denied))
    return {i for i in ids if i is not None}


async def resolve_owners(
    session: AsyncSession, events: Sequence[AuditEvent]
) -> list[frozenset[str]]:
    """For each event, the ids of the agencies it concerns (possibly none)."""
    wanted = [_ids(e) for e in events]
    every = set().union(*wanted)
    if not every:
        return [frozenset() for _ in events]
    query = union_all(
        select(Subject.id, Subject.owner_agency_id).where(Subject.id.in_(every)),
        select(Note.id, Note.owner_agency_id).where(Note.id.in_(every)),
        select(Member.id, Member.agency_id).where(Member.id.in_(every)),
        select(Agency.id, Agency.id.label("agency")).where(Agency.id.in_(every)),
    )
    owner: dict[uuid.UUID, set[str]] = {}
    for object_id, agency_id in (await session.execute(query)).all():
        owner.setdefault(object_id, set()).add(str(agency_id))
    return [frozenset().union(*(owner.get(i, set()) for i in ids)) for ids in wanted]
