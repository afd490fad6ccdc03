"""Releases (owner agency -> exchange) and grants (chair -> participant or role).

No one outside the owning agency can release, and nothing forces a release (judgment 52/2021
(a)). Both can be withdrawn; a withdrawal takes effect on the very next read.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import replace
from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncSession

from app.audit.log import AuditEvent
from app.db.queries import exchanges as queries
from app.db.queries import notes as note_queries
from app.db.queries.exchanges import GrantRow, ReleaseRow
from app.db.queries.notes import SharedNoteRow
from app.errors import Conflict, Forbidden, ValidationFailed
from app.policies.sharing import (
    KNOWN_CLASSES,
    ExchangeAction,
    GrantFacts,
    ShareReason,
    grant_released,
    hides,
    release_refusal,
)
from app.policies.vocabulary import Role
from app.services.authz import denied, missing, with_owners
from app.services.concerns import missing_in
from app.services.context import RequestContext
from app.services.exchanges import (
    ExchangeAccess,
    exchange_event,
    permit,
    reach,
    refusal,
    shut_reason,
)
from app.services.hub import Hub
from app.services.templates import specs_for
from app.services.views import releasable_fields, release_facts


async def _case_note(
    session: AsyncSession, access: ExchangeAccess, note_id: uuid.UUID, event: AuditEvent
) -> SharedNoteRow:
    """A note of the exchange's case; 404 (logged, concerning its owner) for any other id."""
    found = (await note_queries.shared_notes(session, {note_id})).get(note_id)
    return await _of_case(session, access, note_id, found, event)


async def _of_case(
    session: AsyncSession,
    access: ExchangeAccess,
    note_id: uuid.UUID,
    found: SharedNoteRow | None,
    event: AuditEvent,
) -> SharedNoteRow:
    """The note as loaded if it is one of the exchange's case; 404 (logged) otherwise."""
    if found is None:
        raise await missing_in(session, replace(event, note_id=str(note_id)))
    if found.note.case_id != access.case.id:
        owned_by = with_owners(replace(event, note_id=str(note_id)), found.note.owner_agency_id)
        raise missing(owned_by)
    return found


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
) -> list[ReleaseRow]:
    """Release fields or classes of one of the caller's agency's notes into the exchange."""
    access = await reach(session, ctx, hub, exchange_id, "release:create")
    event = exchange_event(ctx, "release:create", access.exchange, access.case)
    loaded = (await note_queries.shared_notes(session, {note_id})).get(note_id)
    owner = None if loaded is None else loaded.note.owner_agency_id
    decision = hub.authz.decide_exchange(access.ask(ctx, ExchangeAction.RELEASE, note_owner=owner))
    if hides(decision):
        # Who may not release here (a chair not taking part) learns nothing of the note.
        raise refusal(decision, event)
    shared = await _of_case(session, access, note_id, loaded, event)
    note = shared.note
    event = with_owners(replace(event, note_id=str(note.id)), note.owner_agency_id)
    if not decision.allowed:
        raise refusal(decision, event)
    _check_names(shared, version, fields, sensitivities)
    named = [*fields, *(f"class:{c}" for c in sensitivities)]
    event = replace(event, fields=tuple(named))
    _check_flow(hub, access.cell.kind, shared.owner_kind, event)
    rows = [
        ReleaseRow(
            id=uuid.uuid4(),
            note_id=note.id,
            owner_agency_id=note.owner_agency_id,
            version=version,
            field=name,
            sensitivity=cls,
            released_at=ctx.now,
            withdrawn_at=None,
            template_id=note.template_id,
        )
        for name, cls in [*((f, None) for f in fields), *((None, c) for c in sensitivities)]
    ]
    await queries.add_releases(session, access.exchange.id, rows, ctx.principal.member_id)
    await hub.record(session, ctx, event)
    return rows


def _check_flow(hub: Hub, cell_kind: str, owner_kind: str, event: AuditEvent) -> None:
    # A release the rule table would deny to every reader is refused now rather than accepted
    # and never shown (rule 8); the test is the rule's own, as the hub's local policy set it.
    reason = release_refusal(
        hub.authz.sharing_rules, cell_kind=cell_kind, owner_agency_kind=owner_kind
    )
    if reason is not None:
        raise Forbidden(
            "no participant could ever see this release in this exchange",
            extra={"reason": reason.value},
            audit=(denied(event, reason.value),),
        )


def _check_names(
    shared: SharedNoteRow,
    version: int | None,
    fields: Sequence[str],
    sensitivities: Sequence[str],
) -> None:
    if not fields and not sensitivities:
        raise ValidationFailed("name at least one field or sensitivity class to release")
    if version is not None and not 1 <= version <= shared.note.current_version:
        raise ValidationFailed("no such version of this note", extra={"field": "version"})
    specs = specs_for(shared.note.template_id, shared.template_fields)
    unknown = sorted(set(fields) - set(specs))
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
) -> None:
    """The owning agency withdraws a release (even after the exchange closed)."""
    access = await reach(session, ctx, hub, exchange_id, "release:withdraw")
    event = exchange_event(ctx, "release:withdraw", access.exchange, access.case)
    row = await queries.release(session, access.exchange.id, release_id)
    if row is None:
        raise missing(event)
    question = access.ask(ctx, ExchangeAction.WITHDRAW_RELEASE, note_owner=row.owner_agency_id)
    permit(hub, question, event)
    if row.withdrawn_at is None:
        await queries.withdraw_release(session, row.id, ctx.now)
    done = replace(event, note_id=str(row.note_id), object_id=str(row.id))
    await hub.record(session, ctx, with_owners(done, row.owner_agency_id))


async def list_releases(
    session: AsyncSession, ctx: RequestContext, hub: Hub, exchange_id: uuid.UUID
) -> list[ReleaseRow]:
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
    owner = None if access.is_chair else ctx.principal.agency_id
    rows = await queries.releases_of(session, access.exchange.id, in_force=True, owner=owner)
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
) -> GrantRow:
    """The chair grants a released field or class to a participant or to a role."""
    access = await reach(session, ctx, hub, exchange_id, "grant:create", ExchangeAction.CHAIR)
    if (member_id is None) == (role is None):
        raise ValidationFailed("grant to exactly one of member_id or role")
    if (field is None) == (sensitivity is None):
        raise ValidationFailed("grant exactly one of field or sensitivity")
    if sensitivity is not None and sensitivity not in KNOWN_CLASSES:
        raise ValidationFailed("unknown sensitivity class", extra={"field": "sensitivity"})
    event = exchange_event(ctx, "grant:create", access.exchange, access.case)
    note_owner = None
    if note_id is not None:
        # Named without the case: a refusal here concerns the note's owner only.
        probe = exchange_event(ctx, "grant:create", access.exchange)
        note_owner = (await _case_note(session, access, note_id, probe)).note.owner_agency_id
    member_agency, participates = None, None
    if member_id is not None:
        current = {
            m.id: m for _, m in await queries.current_participants(session, access.exchange.id)
        }
        participates = member_id in current
        member_agency = current[member_id].agency_id if participates else None
    event = replace(
        event,
        object_id=None if member_id is None else str(member_id),
        fields=(field,) if field else (f"class:{sensitivity}",),
        note_id=None if note_id is None else str(note_id),
    )
    event = with_owners(event, note_owner, member_agency)
    permit(hub, access.ask(ctx, ExchangeAction.GRANT, grantee_participates=participates), event)
    wanted = GrantFacts(
        None if member_id is None else str(member_id),
        None if role is None else role.value,
        None if note_id is None else str(note_id),
        field,
        sensitivity,
        ctx.now,
    )
    await _check_released(session, access, wanted, ctx.now, event)
    row = GrantRow(
        id=uuid.uuid4(),
        member_id=member_id,
        role=None if role is None else role.value,
        note_id=note_id,
        field=field,
        sensitivity=sensitivity,
        granted_at=ctx.now,
        withdrawn_at=None,
    )
    await queries.add_grant(session, access.exchange.id, row, ctx.principal.member_id)
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
        for r in await queries.releases_of(session, access.exchange.id, in_force=True)
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
) -> None:
    """The chair withdraws a grant."""
    access = await reach(session, ctx, hub, exchange_id, "grant:withdraw", ExchangeAction.CHAIR)
    event = exchange_event(ctx, "grant:withdraw", access.exchange, access.case)
    row = await queries.grant(session, access.exchange.id, grant_id)
    if row is None:
        raise missing(event)
    if row.withdrawn_at is None:
        await queries.withdraw_grant(session, row.id, ctx.now)
    await hub.record(session, ctx, replace(event, object_id=str(row.id)))


async def list_grants(
    session: AsyncSession, ctx: RequestContext, hub: Hub, exchange_id: uuid.UUID
) -> list[GrantRow]:
    """Grants in force (the chair's view); none once the exchange is shut."""
    access = await reach(session, ctx, hub, exchange_id, "grant:list", ExchangeAction.CHAIR)
    event = exchange_event(ctx, "grant:list", access.exchange, access.case)
    shut = shut_reason(access.exchange, ctx.now)
    if shut is not None:
        await hub.record(session, ctx, replace(event, reason=shut))
        return []
    rows = await queries.grants_of(session, access.exchange.id, in_force=True)
    await hub.record(session, ctx, event)
    return rows
