"""The shared read: what one participant sees in one exchange, and why not the rest.

Loaded in four statements returning plain rows (the exchange with its cell, case, subject and
the caller's standing; releases; grants; the versions shown with their notes, templates and
owners' kinds), decided by the pure engine, recorded (the entry is durable before the answer
leaves, and names the agencies whose data it concerns from what was loaded), and only the
allowed fields are decrypted.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime
from typing import Any, NamedTuple

from sqlalchemy.ext.asyncio import AsyncSession

from app.audit.log import AuditEvent
from app.db.queries import exchanges as queries
from app.db.queries import notes as note_queries
from app.db.queries import orgs
from app.db.queries.exchanges import ExchangeRow, GrantRow, ReleaseRow
from app.db.queries.notes import NoteRow, SharedNoteRow, VersionRow
from app.db.queries.orgs import MemberRow
from app.policies.engine import Decision
from app.policies.sharing import (
    RELEASED,
    ExchangeFacts,
    FieldFacts,
    GrantFacts,
    Names,
    ParticipantFacts,
    ReleaseFacts,
    ShareIndex,
    decide_fields,
    grant_covers,
)
from app.policies.sharing.access import ExchangeAction
from app.services.authz import owned
from app.services.context import RequestContext
from app.services.exchanges import (
    ExchangeAccess,
    exchange_event,
    exchange_facts,
    reach,
    shut_reason,
)
from app.services.fields import decode_fields
from app.services.hub import Hub
from app.services.sealing import UnsealFailed, failed_read, unseal
from app.services.sharing_state import SharingState
from app.services.templates import FieldSpec, specs_for


class FieldKey(NamedTuple):
    """One field of one note version: how decisions and the access log name it."""

    note_id: str
    version: int
    name: str

    def logged(self) -> str:
        """The field as the access log names it: ``note/version/field``."""
        return f"{self.note_id}/{self.version}/{self.name}"


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
    releases: Sequence[ReleaseFacts]
    grants: Sequence[GrantFacts]
    fields: list[FieldFacts]
    rows: dict[tuple[str, int], tuple[NoteRow, VersionRow]] = field(default_factory=dict)

    def released(self, now: datetime) -> set[FieldKey]:
        """The fields a release in force covers, from one index of the releases (not per pair)."""
        index = ShareIndex.build_releases(self.releases, now)
        out: set[FieldKey] = set()
        place: tuple[str, int, bool] | None = None
        names = Names({}, {})
        for f in self.fields:
            if place != (f.note_id, f.version, f.is_latest):
                place = (f.note_id, f.version, f.is_latest)
                names = index.standing_at(*place)
            if names.marks(f) & RELEASED:
                out.add(FieldKey(f.note_id, f.version, f.name))
        return out


def release_facts(r: ReleaseRow) -> ReleaseFacts:
    """The engine's view of a release."""
    return ReleaseFacts(
        str(r.note_id), r.version, r.field, r.sensitivity, r.released_at, r.withdrawn_at
    )


def _grant_facts(g: GrantRow) -> GrantFacts:
    return GrantFacts(
        None if g.member_id is None else str(g.member_id),
        g.role,
        None if g.note_id is None else str(g.note_id),
        g.field,
        g.sensitivity,
        g.granted_at,
        g.withdrawn_at,
    )


def _specs(shared: SharedNoteRow) -> dict[str, FieldSpec]:
    return specs_for(shared.note.template_id, shared.template_fields)


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
    shared = await note_queries.shared_notes(session, {uuid.UUID(n) for n in named})
    out: list[FieldFacts] = []
    for note_id, row in shared.items():
        specs = _specs(row)
        for number in sorted({row.note.current_version, *named[str(note_id)]}):
            out.extend(
                _field_facts(row, number, name, spec, minor=False)
                for name, spec in sorted(specs.items())
            )
    return out


def _field_facts(
    shared: SharedNoteRow, number: int, name: str, spec: FieldSpec | None, *, minor: bool
) -> FieldFacts:
    note = shared.note
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
        owner_agency_kind=shared.owner_kind,
        subject_is_minor=minor,
    )


def participant_facts(
    member: MemberRow, invited_at: datetime | None, removed_at: datetime | None
) -> ParticipantFacts:
    """The engine's view of a member taking part."""
    return ParticipantFacts(
        member_id=str(member.id),
        agency_id=str(member.agency_id),
        agency_kind=member.agency_kind,
        roles=frozenset(member.roles),
        status=member.status,
        bound_by_secrecy=member.bound_by_secrecy,
        clearance=member.clearance,
        invited_at=invited_at,
        removed_at=removed_at,
    )


def _wanted(
    releases: Iterable[ReleaseRow], now: datetime
) -> dict[uuid.UUID, tuple[bool, frozenset[int]]]:
    # A release in force names a version or "latest" (the note's current version at read time).
    latest: dict[uuid.UUID, bool] = {}
    numbered: dict[uuid.UUID, set[int]] = {}
    for r in releases:
        if r.released_at <= now and (r.withdrawn_at is None or now < r.withdrawn_at):
            latest[r.note_id] = latest.get(r.note_id, False) or r.version is None
            numbered.setdefault(r.note_id, set()).update(() if r.version is None else (r.version,))
    return {n: (latest[n], frozenset(numbered[n])) for n in latest}


async def _sharing(session: AsyncSession, hub: Hub, exchange: ExchangeRow) -> SharingState:
    # Kept between reads under the exchange's sharing token (app.services.sharing_state).
    state = hub.sharing.get(exchange.id, exchange.sharing_token)
    if state is None:
        releases = await queries.releases_of(session, exchange.id)
        grants = await queries.grants_of(session, exchange.id)
        state = SharingState(
            tuple(releases),
            tuple(grants),
            tuple(release_facts(r) for r in releases),
            tuple(_grant_facts(g) for g in grants),
        )
        hub.sharing.put(exchange.id, exchange.sharing_token, state)
    return state


async def _load_world(
    session: AsyncSession, hub: Hub, access: ExchangeAccess, now: datetime
) -> _World:
    state = await _sharing(session, hub, access.exchange)
    shown = await note_queries.shown_versions(session, _wanted(state.releases, now))
    minor = access.case.subject_is_minor_on(now.date())
    world = _World(
        exchange_facts(access.exchange, access.cell.kind),
        state.release_facts,
        state.grant_facts,
        [],
    )
    for shared, version in sorted(shown, key=lambda sv: (str(sv[0].note.id), sv[1].version)):
        specs = _specs(shared)
        world.fields.extend(
            _field_facts(shared, version.version, name, specs.get(name), minor=minor)
            for name in sorted(version.sealed)
        )
        world.rows[(str(shared.note.id), version.version)] = (shared.note, version)
    return world


async def _me(
    session: AsyncSession, ctx: RequestContext, access: ExchangeAccess
) -> ParticipantFacts:
    # The member as the principal dependency read them for this request, with their agency.
    p, who = access.participant, ctx.principal
    kind = who.agency_kind or await orgs.agency_kind(session, who.agency_id) or ""
    return ParticipantFacts(
        member_id=str(who.member_id),
        agency_id=str(who.agency_id),
        agency_kind=kind,
        roles=frozenset(who.roles),
        status=who.status,
        bound_by_secrecy=who.bound_by_secrecy,
        clearance=who.clearance,
        invited_at=p.invited_at if p else None,
        removed_at=p.removed_at if p else None,
    )


def _decide(
    hub: Hub, who: ParticipantFacts, world: _World, now: datetime
) -> dict[FieldKey, Decision]:
    decisions = decide_fields(
        who,
        world.exchange,
        world.fields,
        world.releases,
        world.grants,
        now,
        hub.authz.sharing_rules,
    )
    return {FieldKey(*key): d for key, d in decisions.items()}


def _log_lists(
    decisions: Mapping[FieldKey, Decision], released: set[FieldKey]
) -> tuple[tuple[FieldKey, ...], tuple[tuple[FieldKey, str], ...]]:
    shown = tuple(k for k, d in sorted(decisions.items()) if d.allowed)
    hidden = tuple(
        (k, d.reasons[0]) for k, d in sorted(decisions.items()) if not d.allowed and k in released
    )
    return shown, hidden


def _view_event(
    event: AuditEvent,
    world: _World,
    shown: Sequence[FieldKey],
    hidden: Sequence[tuple[FieldKey, str]],
) -> AuditEvent:
    # The entry concerns the subject's agency and the owner of every note it names.
    named = {k.note_id for k in shown} | {k.note_id for k, _ in hidden}
    owners = {str(note.owner_agency_id) for (n, _), (note, _) in world.rows.items() if n in named}
    return replace(
        event,
        fields=tuple(k.logged() for k in shown),
        denied=tuple(f"{k.logged()}={reason}" for k, reason in hidden),
        owners=owned(*event.owners, *owners),
    )


async def readable_fields(
    session: AsyncSession, ctx: RequestContext, hub: Hub, access: ExchangeAccess
) -> set[tuple[str, str]]:
    """The (note id, field) pairs the caller's view of the exchange shows now, decided as the
    view decides them; nothing is opened or logged (for checks about what the caller could
    have read, such as a feedback sheet's copied text)."""
    world = await _load_world(session, hub, access, ctx.now)
    decisions = _decide(hub, await _me(session, ctx, access), world, ctx.now)
    return {(k.note_id, k.name) for k, d in decisions.items() if d.allowed}


async def view(
    session: AsyncSession, ctx: RequestContext, hub: Hub, exchange_id: uuid.UUID
) -> tuple[ExchangeAccess, list[SharedNote]]:
    """The caller's view of the exchange: only visible fields, decrypted after logging."""
    access = await reach(session, ctx, hub, exchange_id, "exchange:view", ExchangeAction.VIEW)
    world = await _load_world(session, hub, access, ctx.now)
    decisions = _decide(hub, await _me(session, ctx, access), world, ctx.now)
    shown, hidden = _log_lists(decisions, world.released(ctx.now))
    event = exchange_event(ctx, "exchange:view", access.exchange, access.case)
    # Shut (rule 10), the entry gives that reason, as those of explain and the listings do.
    event = replace(event, reason=shut_reason(access.exchange, ctx.now) or "need_to_know")
    event = _view_event(event, world, shown, hidden)
    await hub.record(session, ctx, event)
    return access, _open_allowed(hub, world, shown, event, access.case.subject_owner_id)


def _open_allowed(
    hub: Hub,
    world: _World,
    shown: Sequence[FieldKey],
    event: AuditEvent,
    subject_owner: uuid.UUID,
) -> list[SharedNote]:
    allowed: dict[tuple[str, int], list[str]] = {}
    for key in shown:
        allowed.setdefault((key.note_id, key.version), []).append(key.name)
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
            # One note that does not open fails the whole view: nothing is disclosed. The entry
            # names that note only, and concerns its owner and the subject's agency.
            failed = [FieldKey(note_id, number, name).logged() for name in exc.fields]
            owners = owned(subject_owner, note.owner_agency_id)
            entry = replace(event, note_id=note_id, owners=owners)
            raise failed_read(entry, exc, fields=failed) from None
        out.append(
            SharedNote(
                note.id, number, note.template_id, note.owner_agency_id, decode_fields(opened)
            )
        )
    return out


def _verdicts(
    hub: Hub, who: ParticipantFacts, world: _World, now: datetime, *, granted_only: bool
) -> list[FieldVerdict]:
    decisions = _decide(hub, who, world, now)
    released = world.released(now)
    out = []
    for f in world.fields:
        if FieldKey(f.note_id, f.version, f.name) not in released:
            continue  # never reveal a field that was not released
        if granted_only and not any(grant_covers(g, who, f, now) for g in world.grants):
            continue
        d = decisions[FieldKey(f.note_id, f.version, f.name)]
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
    access = await reach(session, ctx, hub, exchange_id, "exchange:explain", ExchangeAction.EXPLAIN)
    event = exchange_event(ctx, "exchange:explain", access.exchange, access.case)
    shut = shut_reason(access.exchange, ctx.now)
    if shut is not None:
        await hub.record(session, ctx, replace(event, reason=shut))
        return access, [], {}
    world = await _load_world(session, hub, access, ctx.now)
    mine: list[FieldVerdict] = []
    if access.participant is not None:
        me = await _me(session, ctx, access)
        mine = _verdicts(hub, me, world, ctx.now, granted_only=True)
    per_participant: dict[uuid.UUID, list[FieldVerdict]] = {}
    if access.is_chair:
        for p, m in await queries.current_participants(session, access.exchange.id):
            facts = participant_facts(m, p.invited_at, p.removed_at)
            per_participant[m.id] = _verdicts(hub, facts, world, ctx.now, granted_only=False)
    await hub.record(session, ctx, event)
    return access, mine, per_participant
