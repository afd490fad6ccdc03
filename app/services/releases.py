"""Releases (owner agency -> exchange) and grants (chair -> participant or role).

No one outside the owning agency can release, and nothing forces a release (judgment 52/2021
(a)). Both can be withdrawn; a withdrawal takes effect on the very next read.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import replace
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from app.audit.log import AuditEvent
from app.db.models import Agency, Grant, Note, NoteTemplate, Release
from app.errors import Conflict, Forbidden, NotFound, ValidationFailed
from app.policies import Permission, Resource, ResourceKind
from app.policies.sharing import (
    KNOWN_CLASSES,
    GrantFacts,
    ShareReason,
    grant_released,
    release_refusal,
)
from app.policies.vocabulary import Role
from app.services.authz import denied, missing
from app.services.context import RequestContext
from app.services.exchanges import (
    ExchangeAccess,
    exchange_event,
    is_open,
    participants_of,
    reach,
    require_chair,
    shut_reason,
)
from app.services.hub import Hub
from app.services.templates import specs_of
from app.services.views import releasable_fields, release_facts


async def release(
    session: AsyncSession,
    ctx: RequestContext,
    hub: Hub,
    exchange_id: uuid.UUID,
    *,
    note_id: uuid.UUID,
    version: int | None,
    fields: Sequence[str],
    sensitivities: Sequence[str],
) -> list[Release]:
    """Release fields or classes of one of the caller's agency's notes into the exchange."""
    access = await reach(session, ctx, hub, exchange_id, "release:create")
    event = exchange_event(ctx, "release:create", access.exchange, access.case)
    if access.participant is None:
        raise NotFound(audit=(denied(event, "not_participant"),))
    note = await session.get(Note, note_id)
    if note is None or note.case_id != access.case.id:
        raise missing(replace(event, note_id=str(note_id)))
    resource = Resource(ResourceKind.NOTE, owner_agency_id=str(note.owner_agency_id))
    hub.authz.require(
        ctx, Permission.NOTE_RELEASE, resource, event=replace(event, note_id=str(note.id))
    )
    if not is_open(access.exchange, ctx.now):
        raise Conflict("the exchange is closed")
    await _check_names(session, note, version, fields, sensitivities)
    named = [*fields, *(f"class:{c}" for c in sensitivities)]
    event = replace(event, note_id=str(note.id), fields=tuple(named))
    await _check_flow(session, hub, access.cell.kind, note, event)
    rows = [
        Release(
            id=uuid.uuid4(),
            exchange_id=access.exchange.id,
            note_id=note.id,
            owner_agency_id=note.owner_agency_id,
            version=version,
            field=name,
            sensitivity=cls,
            released_by=ctx.principal.member_id,
            released_at=ctx.now,
        )
        for name, cls in [*((f, None) for f in fields), *((None, c) for c in sensitivities)]
    ]
    session.add_all(rows)
    await hub.record(session, ctx, event)
    return rows


async def _check_flow(
    session: AsyncSession, hub: Hub, cell_kind: str, note: Note, event: AuditEvent
) -> None:
    # A release the rule table would deny to every reader is refused now rather than accepted
    # and never shown (rule 8); the test is the rule's own, as the hub's local policy set it.
    owner_kind = await session.scalar(select(Agency.kind).where(Agency.id == note.owner_agency_id))
    reason = release_refusal(
        hub.authz.sharing_rules, cell_kind=cell_kind, owner_agency_kind=str(owner_kind)
    )
    if reason is not None:
        raise Forbidden(
            "no participant could ever see this release in this exchange",
            extra={"reason": reason.value},
            audit=(denied(event, reason.value),),
        )


async def _check_names(
    session: AsyncSession,
    note: Note,
    version: int | None,
    fields: Sequence[str],
    sensitivities: Sequence[str],
) -> None:
    if not fields and not sensitivities:
        raise ValidationFailed("name at least one field or sensitivity class to release")
    if version is not None and not 1 <= version <= note.current_version:
        raise ValidationFailed("no such version of this note", extra={"field": "version"})
    template = await session.get(NoteTemplate, note.template_id)
    assert template is not None  # noqa: S101 - foreign key
    unknown = sorted(set(fields) - set(specs_of(template)))
    if unknown:
        raise ValidationFailed("fields not in the note's template", extra={"fields": unknown})
    bad = sorted(set(sensitivities) - KNOWN_CLASSES)
    if bad:
        raise ValidationFailed("unknown sensitivity classes", extra={"sensitivities": bad})


async def withdraw_release(
    session: AsyncSession,
    ctx: RequestContext,
    hub: Hub,
    exchange_id: uuid.UUID,
    release_id: uuid.UUID,
) -> Release:
    """The owning agency withdraws a release (even after the exchange closed)."""
    access = await reach(session, ctx, hub, exchange_id, "release:withdraw")
    event = exchange_event(ctx, "release:withdraw", access.exchange, access.case)
    row = await session.get(Release, release_id)
    if row is None or row.exchange_id != access.exchange.id:
        raise missing(event)
    resource = Resource(ResourceKind.NOTE, owner_agency_id=str(row.owner_agency_id))
    hub.authz.require(ctx, Permission.NOTE_RELEASE, resource, event=event)
    if row.withdrawn_at is None:
        row.withdrawn_at = ctx.now
    await hub.record(session, ctx, replace(event, note_id=str(row.note_id), object_id=str(row.id)))
    return row


async def list_releases(
    session: AsyncSession, ctx: RequestContext, hub: Hub, exchange_id: uuid.UUID
) -> list[Release]:
    """Releases in force: all for the chair (names and classes, never values); own for others.

    None once the exchange is shut (closed or expired), for every caller.
    """
    access = await reach(session, ctx, hub, exchange_id, "release:list")
    event = exchange_event(ctx, "release:list", access.exchange, access.case)
    shut = shut_reason(access.exchange, ctx.now)
    if shut is not None:
        # Rule 10: after closing or expiry the exchange answers its header and status only.
        await hub.record(session, ctx, replace(event, reason=shut))
        return []
    stmt = select(Release).where(
        Release.exchange_id == access.exchange.id, Release.withdrawn_at.is_(None)
    )
    if not access.is_chair:
        stmt = stmt.where(Release.owner_agency_id == ctx.principal.agency_id)
    rows = list((await session.scalars(stmt.order_by(Release.released_at, Release.id))).all())
    await hub.record(session, ctx, event)
    return rows


async def grant(
    session: AsyncSession,
    ctx: RequestContext,
    hub: Hub,
    exchange_id: uuid.UUID,
    *,
    member_id: uuid.UUID | None,
    role: Role | None,
    note_id: uuid.UUID | None,
    field: str | None,
    sensitivity: str | None,
) -> Grant:
    """The chair grants a released field or class to a participant or to a role."""
    access = await reach(session, ctx, hub, exchange_id, "grant:create")
    require_chair(access, ctx, "grant:create")
    if (member_id is None) == (role is None):
        raise ValidationFailed("grant to exactly one of member_id or role")
    if (field is None) == (sensitivity is None):
        raise ValidationFailed("grant exactly one of field or sensitivity")
    if sensitivity is not None and sensitivity not in KNOWN_CLASSES:
        raise ValidationFailed("unknown sensitivity class", extra={"field": "sensitivity"})
    if not is_open(access.exchange, ctx.now):
        raise Conflict("the exchange is closed")
    if note_id is not None:
        note = await session.get(Note, note_id)
        if note is None or note.case_id != access.case.id:
            raise missing(
                replace(exchange_event(ctx, "grant:create", access.exchange), note_id=str(note_id))
            )
    if member_id is not None:
        current = {m.id for _, m in await participants_of(session, access.exchange.id)}
        if member_id not in current:
            raise Conflict("grants go to current participants of the exchange")
    event = exchange_event(ctx, "grant:create", access.exchange, access.case)
    event = replace(
        event,
        object_id=None if member_id is None else str(member_id),
        fields=(field,) if field else (f"class:{sensitivity}",),
        note_id=None if note_id is None else str(note_id),
    )
    wanted = GrantFacts(
        None if member_id is None else str(member_id),
        None if role is None else role.value,
        None if note_id is None else str(note_id),
        field,
        sensitivity,
        ctx.now,
    )
    await _check_released(session, access, wanted, ctx.now, event)
    row = Grant(
        id=uuid.uuid4(),
        exchange_id=access.exchange.id,
        member_id=member_id,
        role=None if role is None else role.value,
        note_id=note_id,
        field=field,
        sensitivity=sensitivity,
        granted_by=ctx.principal.member_id,
        granted_at=ctx.now,
    )
    session.add(row)
    await hub.record(session, ctx, event)
    return row


async def _check_released(
    session: AsyncSession,
    access: ExchangeAccess,
    wanted: GrantFacts,
    now: datetime,
    event: AuditEvent,
) -> None:
    # Rule 2 at grant time: a grant must name a field that a release in force covers now.
    releases = [
        release_facts(r)
        for r in await session.scalars(
            select(Release).where(
                Release.exchange_id == access.exchange.id, Release.withdrawn_at.is_(None)
            )
        )
    ]
    fields = await releasable_fields(session, releases)
    if not grant_released(wanted, fields, releases, now):
        reason = ShareReason.NOT_RELEASED.value
        raise Conflict(
            "not released: the grant names no field released into this exchange",
            extra={"reason": reason},
            audit=(denied(event, reason),),
        )


async def withdraw_grant(
    session: AsyncSession,
    ctx: RequestContext,
    hub: Hub,
    exchange_id: uuid.UUID,
    grant_id: uuid.UUID,
) -> Grant:
    """The chair withdraws a grant."""
    access = await reach(session, ctx, hub, exchange_id, "grant:withdraw")
    require_chair(access, ctx, "grant:withdraw")
    event = exchange_event(ctx, "grant:withdraw", access.exchange, access.case)
    row = await session.get(Grant, grant_id)
    if row is None or row.exchange_id != access.exchange.id:
        raise missing(event)
    if row.withdrawn_at is None:
        row.withdrawn_at = ctx.now
    await hub.record(session, ctx, replace(event, object_id=str(row.id)))
    return row


async def list_grants(
    session: AsyncSession, ctx: RequestContext, hub: Hub, exchange_id: uuid.UUID
) -> list[Grant]:
    """Grants in force (the chair's view); none once the exchange is shut."""
    access = await reach(session, ctx, hub, exchange_id, "grant:list")
    require_chair(access, ctx, "grant:list")
    event = exchange_event(ctx, "grant:list", access.exchange, access.case)
    shut = shut_reason(access.exchange, ctx.now)
    if shut is not None:
        await hub.record(session, ctx, replace(event, reason=shut))
        return []
    rows = await session.scalars(
        select(Grant)
        .where(Grant.exchange_id == access.exchange.id, Grant.withdrawn_at.is_(None))
        .order_by(Grant.granted_at, Grant.id)
    )
    await hub.record(session, ctx, event)
    return list(rows.all())
