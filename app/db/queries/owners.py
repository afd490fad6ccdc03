"""Which agency an id belongs to, whatever it names: a subject, a note, a member or an agency.

For the access-log events of requests about ids a use case did not load (a 404 on an id from the
request, a refusal before the row was read): the entry concerns the agency the id belongs to, if
it names anything at all. Every other event takes its owners from the rows the use case loaded.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable

from sqlalchemy import select, union_all
from sqlalchemy.ext.asyncio import AsyncSession

from app.db.queries.tables import agencies, members, notes, subjects


async def owners_of(
    session: AsyncSession, ids: Iterable[uuid.UUID]
) -> dict[uuid.UUID, frozenset[str]]:
    """For each id that names a subject, note, member or agency, the agencies it belongs to."""
    wanted = set(ids)
    if not wanted:
        return {}
    query = union_all(
        select(subjects.c.id, subjects.c.owner_agency_id).where(subjects.c.id.in_(wanted)),
        select(notes.c.id, notes.c.owner_agency_id).where(notes.c.id.in_(wanted)),
        select(members.c.id, members.c.agency_id).where(members.c.id.in_(wanted)),
        select(agencies.c.id, agencies.c.id).where(agencies.c.id.in_(wanted)),
    )
    found: dict[uuid.UUID, set[str]] = {}
    for object_id, agency_id in await session.execute(query):
        found.setdefault(object_id, set()).add(str(agency_id))
    return {k: frozenset(v) for k, v in found.items()}
