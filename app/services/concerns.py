"""Owners for events about ids a use case did not load (a 404 on an id from the request).

Every other event takes its owners from the rows its use case loaded; this lookup is for the
refusals that come before, or instead of, a row: the entry still concerns whatever agency the
named id belongs to (a subject's, a note's or a member's agency, or the agency itself), so an
agency's auditor sees probes of its data.
"""

from __future__ import annotations

import uuid
from dataclasses import replace

from sqlalchemy.ext.asyncio import AsyncSession

from app.audit.log import AuditEvent
from app.db.queries.owners import owners_of
from app.errors import NotFound
from app.services.authz import denied, owned


def _uuid(value: str | None) -> uuid.UUID | None:
    if value is None:
        return None
    try:
        return uuid.UUID(value)
    except ValueError:
        return None


async def concerning(session: AsyncSession, event: AuditEvent) -> AuditEvent:
    """The event with the agencies its subject, note and object ids belong to, looked up."""
    ids = {_uuid(event.subject_id), _uuid(event.note_id), _uuid(event.object_id)}
    found = await owners_of(session, [i for i in ids if i is not None])
    agencies = [a for owners in found.values() for a in owners]
    return replace(event, owners=owned(*event.owners, *agencies))


async def missing_in(session: AsyncSession, event: AuditEvent) -> NotFound:
    """A logged 404 for an id that names nothing the caller may reach (probing shows up)."""
    return NotFound(audit=(denied(await concerning(session, event), "not_found"),))
