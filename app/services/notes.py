"""Notes: written and read by the owning agency; every edit is a new sealed version.

Reads decide first, record the access-log entry second (fail closed: it is durable before the
answer leaves), and decrypt last.
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from typing import Any

from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from app.audit.log import AuditEvent
from app.db.queries import notes as queries
from app.db.queries import orgs
from app.db.queries.cases import CaseRow
from app.db.queries.notes import NoteRow, TemplateRow, VersionMeta, VersionRow
from app.db.queries.pagination import Page, paginate_rows
from app.db.queries.tables import notes as note_table
from app.errors import (
    Forbidden,
    NotFound,
    PreconditionFailed,
    PreconditionRequired,
    ValidationFailed,
)
from app.policies import Permission, Resource, ResourceKind
from app.policies.authorship import Authors, authorship_refusal
from app.services.authz import denied, event_for, with_owners
from app.services.cases import case_event, load_case
from app.services.concerns import missing_in
from app.services.context import RequestContext
from app.services.fields import agency_references, decode_fields, encode_fields
from app.services.hub import Hub
from app.services.sealing import open_or_fail, seal
from app.services.templates import specs_of


@dataclass(frozen=True)
class NoteView:
    """A note version with its opened fields."""

    note: NoteRow
    version: VersionRow
    fields: dict[str, Any]

    @property
    def etag(self) -> str:
        """The strong ETag of this version, for If-Match."""
        return etag_of(self.note.id, self.version.version)


def etag_of(note_id: uuid.UUID, version: int) -> str:
    """ETags name note and version, so one from another note never matches."""
    return f'"{note_id.hex}.{version}"'


def _own_note(ctx: RequestContext) -> Resource:
    return Resource(ResourceKind.NOTE, owner_agency_id=str(ctx.principal.agency_id))


async def _template(session: AsyncSession, template_id: uuid.UUID) -> TemplateRow:
    template = await queries.template(session, template_id)
    if template is None:
        raise ValidationFailed("no such template", extra={"field": "template_id"})
    return template


async def _may_author(
    session: AsyncSession, ctx: RequestContext, template: TemplateRow, event: AuditEvent
) -> None:
    """Refuse (403, logged) a member the template does not let write (rule 8 and the like)."""
    authors = Authors.from_json(template.authors)
    if authors.roles or authors.agency_kinds:
        who = ctx.principal
        kind = who.agency_kind or await orgs.agency_kind(session, who.agency_id)
        reason = authorship_refusal(authors, roles=who.roles, agency_kind=kind)
        if reason is not None:
            raise Forbidden(
                f"template {template.key!r} is written only by its authors ({reason.value})",
                extra={"reason": reason.value},
                audit=(denied(replace(event, object_id=str(template.id)), reason.value),),
            )


async def _encode(
    session: AsyncSession, template: TemplateRow, values: Mapping[str, Any]
) -> dict[str, str]:
    """The values checked against the template and encoded; agencies they name must exist."""
    specs = specs_of(template)
    encoded = encode_fields(specs, values)
    for name, ids in sorted(agency_references(specs, encoded).items()):
        if await queries.unknown_agencies(session, ids):
            raise ValidationFailed(f"field {name!r}: no such agency", extra={"field": name})
    return encoded


def _seal_version(
    hub: Hub, ctx: RequestContext, note: NoteRow, version: int, values: Mapping[str, str]
) -> VersionRow:
    key_version, wrapped, blobs = seal(
        hub.keys,
        agency_id=str(note.owner_agency_id),
        kind="note",
        record_id=str(note.id),
        version=version,
        values=values,
    )
    return VersionRow(
        note_id=note.id,
        version=version,
        author_id=ctx.principal.member_id,
        key_version=key_version,
        wrapped_key=wrapped,
        sealed=blobs,
        created_at=ctx.now,
    )


def _open(hub: Hub, note: NoteRow, version: VersionRow, event: AuditEvent) -> dict[str, Any]:
    opened = open_or_fail(
        hub.keys,
        event,
        agency_id=str(note.owner_agency_id),
        kind="note",
        record_id=str(note.id),
        version=version.version,
        key_version=version.key_version,
        wrapped_key=version.wrapped_key,
        blobs=version.sealed,
    )
    return decode_fields(opened)


def _event(
    ctx: RequestContext, action: str, note: NoteRow, case: CaseRow, fields: Sequence[str] = ()
) -> AuditEvent:
    # Names the subject too: the subject report must find every access to a person's notes.
    event = replace(case_event(ctx, action, case), note_id=str(note.id), fields=tuple(fields))
    return with_owners(event, note.owner_agency_id)


async def create_note(
    session: AsyncSession,
    ctx: RequestContext,
    hub: Hub,
    *,
    case_id: uuid.UUID,
    template_id: uuid.UUID,
    values: Mapping[str, Any],
) -> NoteView:
    """Write a new note on a case the agency may know, sealed under the agency's key."""
    case = await load_case(session, ctx, hub, case_id, Permission.CASE_READ, "note:create")
    hub.authz.require(
        ctx,
        Permission.NOTE_WRITE,
        _own_note(ctx),
        event=case_event(ctx, "note:create", case),
        hide=False,
    )
    template = await _template(session, template_id)
    await _may_author(session, ctx, template, case_event(ctx, "note:create", case))
    encoded = await _encode(session, template, values)
    note = NoteRow(
        id=uuid.uuid4(),
        case_id=case.id,
        template_id=template.id,
        owner_agency_id=ctx.principal.agency_id,
        current_version=1,
        created_at=ctx.now,
        updated_at=ctx.now,
    )
    version = _seal_version(hub, ctx, note, 1, encoded)
    await queries.add_note(session, note, created_by=ctx.principal.member_id)
    await queries.add_version(session, version)
    await hub.record(session, ctx, _event(ctx, "note:create", note, case, sorted(encoded)))
    return NoteView(note=note, version=version, fields=decode_fields(encoded))


async def create_on_consensus(
    session: AsyncSession,
    ctx: RequestContext,
    hub: Hub,
    *,
    case: CaseRow,
    template: TemplateRow,
    owner_agency_id: uuid.UUID,
    author_id: uuid.UUID,
    encoded: Mapping[str, str],
    reason: str,
) -> NoteView:
    """Write a note owned by ``owner_agency_id`` that a collective decision made (the feedback
    sheet's consensus, rule 11): the caller's rule decided, not the note rules; ``encoded`` was
    checked against ``template``. Logged as ``note:create`` with ``reason``."""
    note = NoteRow(
        id=uuid.uuid4(),
        case_id=case.id,
        template_id=template.id,
        owner_agency_id=owner_agency_id,
        current_version=1,
        created_at=ctx.now,
        updated_at=ctx.now,
    )
    version = replace(_seal_version(hub, ctx, note, 1, encoded), author_id=author_id)
    await queries.add_note(session, note, created_by=author_id)
    await queries.add_version(session, version)
    event = _event(ctx, "note:create", note, case, sorted(encoded))
    await hub.record(session, ctx, replace(event, reason=reason))
    return NoteView(note=note, version=version, fields=decode_fields(encoded))


async def _load_note(
    session: AsyncSession,
    ctx: RequestContext,
    hub: Hub,
    note_id: uuid.UUID,
    action: Permission,
    log_action: str,
    *,
    read: bool = False,
    version: int | None = None,
) -> tuple[NoteRow, CaseRow, VersionRow | None]:
    found = await queries.note(session, note_id, version=version, read=read)
    if found is None:
        raise await missing_in(session, event_for(ctx, log_action, note_id=note_id))
    note, case, shown = found
    resource = Resource(ResourceKind.NOTE, owner_agency_id=str(note.owner_agency_id))
    hub.authz.require(ctx, action, resource, event=_event(ctx, log_action, note, case))
    return note, case, shown


async def read_note(
    session: AsyncSession,
    ctx: RequestContext,
    hub: Hub,
    note_id: uuid.UUID,
    version: int | None = None,
) -> NoteView:
    """A note's current (or a given) version, decrypted after the read is recorded."""
    note, case, row = await _load_note(
        session, ctx, hub, note_id, Permission.NOTE_READ, "note:read", read=True, version=version
    )
    if row is None:
        raise NotFound()
    event = _event(ctx, "note:read", note, case, sorted(row.sealed))
    await hub.record(session, ctx, event)
    return NoteView(note=note, version=row, fields=_open(hub, note, row, event))


async def update_note(
    session: AsyncSession,
    ctx: RequestContext,
    hub: Hub,
    note_id: uuid.UUID,
    *,
    if_match: str | None,
    values: Mapping[str, Any],
) -> NoteView:
    """Append a new version if the caller edited the current one (If-Match), else 412."""
    note, case, _ = await _load_note(
        session, ctx, hub, note_id, Permission.NOTE_WRITE, "note:update"
    )
    if not if_match:
        raise PreconditionRequired("send If-Match with the ETag of the version you edited")
    current = note.current_version
    if not _matches(if_match, etag_of(note.id, current)):
        raise PreconditionFailed(headers={"ETag": etag_of(note.id, current)})
    template = await _template(session, note.template_id)
    await _may_author(session, ctx, template, _event(ctx, "note:update", note, case))
    encoded = await _encode(session, template, values)
    # Compare-and-set on the head: of two concurrent edits of the same version only one wins.
    if not await queries.advance(session, note.id, current, ctx.now):
        raise PreconditionFailed()
    version = _seal_version(hub, ctx, note, current + 1, encoded)
    try:
        await queries.add_version(session, version)
    except IntegrityError:
        raise PreconditionFailed() from None
    note = replace(note, current_version=current + 1, updated_at=ctx.now)
    await hub.record(session, ctx, _event(ctx, "note:update", note, case, sorted(encoded)))
    return NoteView(note=note, version=version, fields=decode_fields(encoded))


def _matches(header: str, etag: str) -> bool:
    candidates = [c.strip() for c in header.split(",")]
    return "*" in candidates or etag in candidates


async def list_versions(
    session: AsyncSession, ctx: RequestContext, hub: Hub, note_id: uuid.UUID
) -> tuple[NoteRow, list[VersionMeta]]:
    """A note's version history (metadata only)."""
    note, case, _ = await _load_note(
        session, ctx, hub, note_id, Permission.NOTE_READ, "note:history"
    )
    rows = await queries.history(session, note.id)
    await hub.record(session, ctx, _event(ctx, "note:history", note, case))
    return note, rows


async def list_case_notes(
    session: AsyncSession,
    ctx: RequestContext,
    hub: Hub,
    case_id: uuid.UUID,
    *,
    limit: int,
    cursor: str | None,
) -> Page[NoteRow]:
    """The caller's agency's notes on a case (metadata); other agencies' notes are not counted."""
    case = await load_case(session, ctx, hub, case_id, Permission.CASE_READ, "note:list")
    hub.authz.require(
        ctx,
        Permission.NOTE_READ,
        _own_note(ctx),
        event=case_event(ctx, "note:list", case),
        hide=False,
    )
    page = await paginate_rows(
        session,
        queries.notes_of(case.id, ctx.principal.agency_id),
        queries.note_row,
        created_at=note_table.c.created_at,
        row_id=note_table.c.id,
        limit=limit,
        cursor=cursor,
    )
    await hub.record(session, ctx, case_event(ctx, "note:list", case))
    return page
