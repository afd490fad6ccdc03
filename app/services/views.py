"""The shared read: what one participant sees in one exchange, and why not the rest.

Loaded in a fixed number of queries (exchange, participant, releases, grants, notes with their
templates, the versions shown), decided by the pure engine, logged (fail closed), and only then
are the allowed fields decrypted.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime
from typing import Any

from sqlalchemy import select, tuple_
from sqlalchemy.ext.asyncio import AsyncSession

from app.audit.log import AuditEvent
from app.db.models import Agency, Grant, Member, Note, NoteTemplate, NoteVersion, Release, Subject
from app.policies.engine import Decision
from app.policies.sharing import (
    ExchangeFacts,
    FieldFacts,
    GrantFacts,
    ParticipantFacts,
    ReleaseFacts,
    decide_fields,
    grant_covers,
    release_covers,
)
from app.services.context import RequestContext
from app.services.exchanges import (
    ExchangeAccess,
    exchange_event,
    participants_of,
    reach,
    shut_reason,
)
from app.services.fields import decode_fields
from app.services.hub import Hub
from app.services.sealing import UnsealFailed, failed_read, unseal
from app.services.templates import FieldSpec, specs_of

FieldKey = tuple[str, int, str]


@dataclass(frozen=True)
class SharedNote:
    """One note version as a participant sees it: only the visible fields."""

    note_id: uuid.UUID
    version: int
    template_id: uuid.UUID
    owner_agency_id: uuid.UUID
    fields: dict[str, Any]


@dataclass(frozen=True)
class FieldVerdict:
    """The engine's answer for one released field (names and reasons, never a value)."""

    note_id: str
    version: int
    field: str
    sensitivity: str
    visible: bool
    reasons: tuple[str, ...]


@dataclass
class _World:
    exchange: ExchangeFacts
    releases: list[ReleaseFacts]
    grants: list[GrantFacts]
    fields: list[FieldFacts]
    rows: dict[tuple[str, int], tuple[Note, NoteVersion]] = field(default_factory=dict)


def _exchange_facts(access: ExchangeAccess) -> ExchangeFacts:
    x = access.exchange
    return ExchangeFacts(str(x.id), access.cell.kind, x.opens_at, x.expires_at, x.closed_at)


def release_facts(r: Release) -> ReleaseFacts:
    """The engine's view of a release."""
    return ReleaseFacts(
        str(r.note_id), r.version, r.field, r.sensitivity, r.released_at, r.withdrawn_at
    )


def _grant_facts(g: Grant) -> GrantFacts:
    return GrantFacts(
        None if g.member_id is None else str(g.member_id),
        g.role,
        None if g.note_id is None else str(g.note_id),
        g.field,
        g.sensitivity,
        g.granted_at,
        g.withdrawn_at,
    )


async def releasable_fields(
    session: AsyncSession, releases: Sequence[ReleaseFacts]
) -> list[FieldFacts]:
    """Every field the released notes' templates define, for the latest and each named version.

    What a grant is checked against: a field released by name or class counts whether or not the
    note holds a value for it (the chair sees the release, not the note).
    """
    named: dict[str, set[int]] = {}
    for r in releases:
        named.setdefault(r.note_id, set()).update([] if r.version is None else [r.version])
    if not named:
        return []
    rows = await session.execute(
        select(Note, NoteTemplate, Agency.kind)
        .join(NoteTemplate, NoteTemplate.id == Note.template_id)
        .join(Agency, Agency.id == Note.owner_agency_id)
        .where(Note.id.in_({uuid.UUID(n) for n in named}))
    )
    out: list[FieldFacts] = []
    for note, template, owner_kind in rows:
        for number in sorted({note.current_version, *named[str(note.id)]}):
            out.extend(
                _field_facts(note, number, name, spec, owner_kind, minor=False)
                for name, spec in sorted(specs_of(template).items())
            )
    return out


def _field_facts(
    note: Note, number: int, name: str, spec: FieldSpec | None, owner_kind: str, *, minor: bool
) -> FieldFacts:
    return FieldFacts(
        note_id=str(note.id),
        version=number,
        is_latest=number == note.current_version,
        name=name,
        sensitivity=spec.sensitivity.value if spec else "unknown",
        classification=None
        if spec is None or spec.classification is None
        else int(spec.classification),
        owner_agency_id=str(note.owner_agency_id),
        owner_agency_kind=owner_kind,
        subject_is_minor=minor,
    )


def participant_facts(
    member: Member, agency_kind: str, invited_at: datetime | None, removed_at: datetime | None
) -> ParticipantFacts:
    """The engine's view of a member taking part."""
    return ParticipantFacts(
        member_id=str(member.id),
        agency_id=str(member.agency_id),
        agency_kind=agency_kind,
        roles=frozenset(member.roles),
        status=member.status,
        bound_by_secrecy=member.bound_by_secrecy,
        clearance=member.clearance,
        invited_at=invited_at,
        removed_at=removed_at,
    )


def _shown_versions(
    releases: Iterable[Release], notes: dict[uuid.UUID, Note]
) -> set[tuple[uuid.UUID, int]]:
    # A release names a version or "latest" (the note's current version at read time).
    shown = set()
    for r in releases:
        note = notes.get(r.note_id)
        if note is not None:
            shown.add((note.id, note.current_version if r.version is None else r.version))
    return shown


async def _load_world(session: AsyncSession, access: ExchangeAccess, now: datetime) -> _World:
    releases = list(
        (
            await session.scalars(select(Release).where(Release.exchange_id == access.exchange.id))
        ).all()
    )
    grants = list(
        (await session.scalars(select(Grant).where(Grant.exchange_id == access.exchange.id))).all()
    )
    live = [
        r
        for r in releases
        if r.released_at <= now and (r.withdrawn_at is None or now < r.withdrawn_at)
    ]
    note_rows = await session.execute(
        select(Note, NoteTemplate, Agency.kind)
        .join(NoteTemplate, NoteTemplate.id == Note.template_id)
        .join(Agency, Agency.id == Note.owner_agency_id)
        .where(Note.id.in_({r.note_id for r in live}))
    )
    notes = {n.id: (n, t, kind) for n, t, kind in note_rows}
    shown = _shown_versions(live, {k: v[0] for k, v in notes.items()})
    versions = {}
    if shown:
        rows = await session.scalars(
            select(NoteVersion).where(tuple_(NoteVersion.note_id, NoteVersion.version).in_(shown))
        )
        versions = {(v.note_id, v.version): v for v in rows}
    minor = bool(
        await session.scalar(select(Subject.is_minor).where(Subject.id == access.case.subject_id))
    )
    world = _World(
        _exchange_facts(access),
        [release_facts(r) for r in releases],
        [_grant_facts(g) for g in grants],
        [],
    )
    for (note_id, number), version in sorted(
        versions.items(), key=lambda kv: (str(kv[0][0]), kv[0][1])
    ):
        note, template, owner_kind = notes[note_id]
        specs = specs_of(template)
        world.fields.extend(
            _field_facts(note, number, name, specs.get(name), owner_kind, minor=minor)
            for name in sorted(version.sealed)
        )
        world.rows[(str(note_id), number)] = (note, version)
    return world


async def _me(
    session: AsyncSession, ctx: RequestContext, access: ExchangeAccess
) -> ParticipantFacts:
    row = await session.execute(
        select(Member, Agency.kind)
        .join(Agency, Agency.id == Member.agency_id)
        .where(Member.id == ctx.principal.member_id)
    )
    member, kind = row.one()
    p = access.participant
    return participant_facts(member, kind, p.invited_at if p else None, p.removed_at if p else None)


def _log_lists(
    decisions: dict[FieldKey, Decision], released: set[FieldKey]
) -> tuple[tuple[str, ...], tuple[str, ...]]:
    shown = tuple(f"{n}/{v}/{f}" for (n, v, f), d in sorted(decisions.items()) if d.allowed)
    hidden = tuple(
        f"{n}/{v}/{f}={d.reasons[0]}"
        for (n, v, f), d in sorted(decisions.items())
        if not d.allowed and (n, v, f) in released
    )
    return shown, hidden


async def view(
    session: AsyncSession, ctx: RequestContext, hub: Hub, exchange_id: uuid.UUID
) -> tuple[ExchangeAccess, list[SharedNote]]:
    """The caller's view of the exchange: only visible fields, decrypted after logging."""
    access = await reach(session, ctx, hub, exchange_id, "exchange:view")
    world = await _load_world(session, access, ctx.now)
    me = await _me(session, ctx, access)
    decisions = dict(
        decide_fields(
            me,
            world.exchange,
            world.fields,
            world.releases,
            world.grants,
            ctx.now,
            hub.authz.sharing_rules,
        )
    )
    released = {
        (f.note_id, f.version, f.name)
        for f in world.fields
        if any(release_covers(r, f, ctx.now) for r in world.releases)
    }
    shown, hidden = _log_lists(decisions, released)
    event = exchange_event(ctx, "exchange:view", access.exchange, access.case)
    # Shut (rule 10), the entry gives that reason, as those of explain and the listings do.
    reason = shut_reason(access.exchange, ctx.now) or "need_to_know"
    event = replace(event, fields=shown, denied=hidden, reason=reason)
    await hub.record(session, ctx, event)
    return access, _open_allowed(hub, world, decisions, event)


def _open_allowed(
    hub: Hub, world: _World, decisions: dict[FieldKey, Decision], event: AuditEvent
) -> list[SharedNote]:
    allowed: dict[tuple[str, int], list[str]] = {}
    for (note_id, number, name), decision in decisions.items():
        if decision.allowed:
            allowed.setdefault((note_id, number), []).append(name)
    out = []
    for (note_id, number), names in sorted(allowed.items()):
        note, version = world.rows[(note_id, number)]
        try:
            opened = unseal(
                hub.keys,
                agency_id=str(note.owner_agency_id),
                kind="note",
                record_id=str(note.id),
                version=number,
                key_version=version.key_version,
                wrapped_key=version.wrapped_key,
                blobs=version.sealed,
                names=names,
            )
        except UnsealFailed as exc:
            # One note that does not open fails the whole view: nothing is disclosed.
            failed = [f"{note_id}/{number}/{name}" for name in exc.fields]
            raise failed_read(replace(event, note_id=note_id), exc, fields=failed) from None
        out.append(
            SharedNote(
                note.id, number, note.template_id, note.owner_agency_id, decode_fields(opened)
            )
        )
    return out


def _verdicts(
    hub: Hub, who: ParticipantFacts, world: _World, now: datetime, *, granted_only: bool
) -> list[FieldVerdict]:
    decisions = decide_fields(
        who,
        world.exchange,
        world.fields,
        world.releases,
        world.grants,
        now,
        hub.authz.sharing_rules,
    )
    out = []
    for f in world.fields:
        if not any(release_covers(r, f, now) for r in world.releases):
            continue  # never reveal a field that was not released
        if granted_only and not any(grant_covers(g, who, f, now) for g in world.grants):
            continue
        d = decisions[(f.note_id, f.version, f.name)]
        reasons = tuple(r for r in d.reasons if not d.allowed) if not d.allowed else ()
        out.append(FieldVerdict(f.note_id, f.version, f.name, f.sensitivity, d.allowed, reasons))
    return out


async def explain(
    session: AsyncSession, ctx: RequestContext, hub: Hub, exchange_id: uuid.UUID
) -> tuple[ExchangeAccess, list[FieldVerdict], dict[uuid.UUID, list[FieldVerdict]]]:
    """For a participant: released fields granted to them and why each is or is not visible.

    For the chair: per current participant and released field, what the engine decides.
    Once the exchange is shut (closed or expired) nothing, for anyone: like the view.
    """
    access = await reach(session, ctx, hub, exchange_id, "exchange:explain")
    event = exchange_event(ctx, "exchange:explain", access.exchange, access.case)
    shut = shut_reason(access.exchange, ctx.now)
    if shut is not None:
        await hub.record(session, ctx, replace(event, reason=shut))
        return access, [], {}
    world = await _load_world(session, access, ctx.now)
    mine: list[FieldVerdict] = []
    if access.participant is not None:
        mine = _verdicts(hub, await _me(session, ctx, access), world, ctx.now, granted_only=True)
    per_participant: dict[uuid.UUID, list[FieldVerdict]] = {}
    if access.is_chair:
        members = await participants_of(session, access.exchange.id)
        kinds = await _agency_kinds(session, [m.agency_id for _, m in members])
        for p, m in members:
            facts = participant_facts(m, kinds[m.agency_id], p.invited_at, p.removed_at)
            per_participant[m.id] = _verdicts(hub, facts, world, ctx.now, granted_only=False)
    await hub.record(session, ctx, event)
    return access, mine, per_participant


async def _agency_kinds(session: AsyncSession, ids: Sequence[uuid.UUID]) -> dict[uuid.UUID, str]:
    if not ids:
        return {}
    rows = await session.execute(select(Agency.id, Agency.kind).where(Agency.id.in_(set(ids))))
    return {agency_id: kind for agency_id, kind in rows}
