"""Need-to-know sharing in an exchange (casusoverleg): one decision per note field.

A field is visible to a participant only if the owner released it into this exchange, the chair
granted it to that participant (or their role), every secrecy rule lets it flow, the exchange is
open and the participant still takes part (DOMAIN.md rules 1-10, 13, 15). Rules are data: each is
a small object in ``SHARING_RULES``; ``decide`` from the engine applies them (any deny wins, an
allow is needed). Time is passed in. Nothing here does I/O.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from typing import Protocol, runtime_checkable

from app.policies.engine import Decision, Effect, RuleOf, Verdict, combine
from app.policies.vocabulary import AgencyKind, CellKind, Clearance, MemberStatus, Role, Sensitivity


class ShareReason(StrEnum):
    """Reason codes of sharing decisions (stable: they go into the access log)."""

    RELEASED = "released"
    GRANTED = "granted"
    NOT_RELEASED = "not_released"
    NOT_GRANTED = "not_granted"
    SECRECY_REGIME = "secrecy_regime"
    CLEARANCE_TOO_LOW = "clearance_too_low"
    JUDICIAL_POLICE_ONLY = "judicial_police_only"
    LTF_VIA_INFORMATION_OFFICER = "ltf_via_information_officer"
    EXCHANGE_CLOSED = "exchange_closed"
    EXCHANGE_NOT_OPEN = "exchange_not_open"
    NOT_PARTICIPANT = "not_participant"
    MEMBER_SUSPENDED = "member_suspended"
    ADMIN_NO_CONTENT = "admin_no_content"
    MINOR_SECRECY = "minor_secrecy"
    UNKNOWN_SENSITIVITY = "unknown_sensitivity"
    NO_RULE_ALLOWS = "no_rule_allows"


# Who may receive what (each set is the rule's data; a local regulation can narrow it).
SECRECY_BOUND_CLASSES = frozenset({Sensitivity.HEALTH.value, Sensitivity.PSYCHOLOGICAL.value})
JUDICIAL_CLASSES = frozenset({Sensitivity.JUDICIAL.value})
POLICE_AND_JUSTICE = frozenset(
    {AgencyKind.LOCAL_POLICE.value, AgencyKind.FEDERAL_POLICE.value, AgencyKind.JUSTICE_HOUSE.value}
)
LTF_SOURCES = frozenset({AgencyKind.STATE_SECURITY.value, AgencyKind.OCAD.value})
LIVC_CELLS = frozenset({CellKind.LIVC_CASE.value, CellKind.LIVC_STRATEGIC.value})
NO_CONTENT_ROLES = frozenset(
    {Role.HUB_ADMIN.value, Role.AGENCY_ADMIN.value, Role.AUDITOR.value, Role.HUB_AUDITOR.value}
)
KNOWN_CLASSES = frozenset(s.value for s in Sensitivity)


@dataclass(frozen=True)
class ParticipantFacts:
    """The member asking, as a participant of the exchange."""

    member_id: str
    agency_id: str
    agency_kind: str
    roles: frozenset[str]
    status: str
    bound_by_secrecy: bool
    clearance: int
    invited_at: datetime | None
    removed_at: datetime | None = None


@dataclass(frozen=True)
class ExchangeFacts:
    """The exchange: its cell's kind and its time window."""

    exchange_id: str
    cell_kind: str
    opens_at: datetime
    expires_at: datetime
    closed_at: datetime | None = None


@dataclass(frozen=True)
class FieldFacts:
    """One field of one note version, and what is known of its owner and subject."""

    note_id: str
    version: int
    is_latest: bool
    name: str
    sensitivity: str
    classification: int | None
    owner_agency_id: str
    owner_agency_kind: str
    subject_is_minor: bool = False


@dataclass(frozen=True)
class ReleaseFacts:
    """An owner's release into this exchange: a field or a class, a version or the latest."""

    note_id: str
    version: int | None
    field: str | None
    sensitivity: str | None
    released_at: datetime
    withdrawn_at: datetime | None = None


@dataclass(frozen=True)
class GrantFacts:
    """A chair's grant to a participant or to a role: a field or a class, optionally one note."""

    member_id: str | None
    role: str | None
    note_id: str | None
    field: str | None
    sensitivity: str | None
    granted_at: datetime
    withdrawn_at: datetime | None = None


@dataclass(frozen=True)
class ShareRequest:
    """One question: may this participant see this field, now?"""

    participant: ParticipantFacts
    exchange: ExchangeFacts
    field: FieldFacts
    releases: Sequence[ReleaseFacts]
    grants: Sequence[GrantFacts]
    now: datetime
    index: ShareIndex | None = None


class Scope(StrEnum):
    """What a rule reads, so that decide_fields evaluates it as rarely as is correct."""

    EXCHANGE = "exchange"  # participant, exchange and now only: once per read
    FLOW = "flow"  # also the field's class, level, owner kind and minor flag: once per such kind
    INDEX = "index"  # whether the field is released and granted, through the ShareIndex
    FIELD = "field"  # anything about the field: once per field (the default for local rules)


def _live(start: datetime, end: datetime | None, now: datetime) -> bool:
    return start <= now and (end is None or now < end)


def release_covers(release: ReleaseFacts, field: FieldFacts, now: datetime) -> bool:
    """True if the release is in force and names this field (or its class) of this version."""
    if release.note_id != field.note_id or not _live(
        release.released_at, release.withdrawn_at, now
    ):
        return False
    version_ok = field.is_latest if release.version is None else release.version == field.version
    return version_ok and (release.field == field.name or release.sensitivity == field.sensitivity)


def grant_covers(
    grant: GrantFacts, who: ParticipantFacts, field: FieldFacts, now: datetime
) -> bool:
    """True if the grant is in force, names this participant (or a role of theirs) and the field."""
    if not _live(grant.granted_at, grant.withdrawn_at, now):
        return False
    if grant.member_id != who.member_id and (grant.role is None or grant.role not in who.roles):
        return False
    return grant_names(grant, field)


def grant_names(grant: GrantFacts, field: FieldFacts) -> bool:
    """True if the grant names this field, by name or class, of its note or of any note."""
    if grant.note_id is not None and grant.note_id != field.note_id:
        return False
    return grant.field == field.name or grant.sensitivity == field.sensitivity


def grant_released(
    grant: GrantFacts, fields: Iterable[FieldFacts], releases: Sequence[ReleaseFacts], now: datetime
) -> bool:
    """Rule 2 at grant time: the grant names at least one field a release in force covers.

    ``fields`` are the fields the released notes can hold (their templates' fields, of the
    versions the releases name); whoever the grant goes to does not matter here.
    """
    return any(
        grant_names(grant, f) and any(release_covers(r, f, now) for r in releases) for f in fields
    )


def _keys(field: FieldFacts) -> tuple[str, str]:
    return "f:" + field.name, "c:" + field.sensitivity


@dataclass(frozen=True)
class ShareIndex:
    """Releases and this participant's grants in force, as sets (one read, many fields)."""

    released: frozenset[tuple[str, int | None, str]]
    granted: frozenset[tuple[str | None, str]]

    @classmethod
    def build(
        cls,
        who: ParticipantFacts,
        releases: Iterable[ReleaseFacts],
        grants: Iterable[GrantFacts],
        now: datetime,
    ) -> ShareIndex:
        """Index what is in force at ``now``; ``None`` as version means the latest."""
        released = set()
        for r in releases:
            if _live(r.released_at, r.withdrawn_at, now):
                for key in _named(r.field, r.sensitivity):
                    released.add((r.note_id, r.version, key))
        granted = set()
        for g in grants:
            mine = g.member_id == who.member_id or (g.role is not None and g.role in who.roles)
            if mine and _live(g.granted_at, g.withdrawn_at, now):
                for key in _named(g.field, g.sensitivity):
                    granted.add((g.note_id, key))
        return cls(frozenset(released), frozenset(granted))

    def is_released(self, field: FieldFacts) -> bool:
        """Same answer as ``release_covers`` over every release."""
        for key in _keys(field):
            if (field.note_id, field.version, key) in self.released:
                return True
            if field.is_latest and (field.note_id, None, key) in self.released:
                return True
        return False

    def is_granted(self, field: FieldFacts) -> bool:
        """Same answer as ``grant_covers`` over every grant."""
        return any(
            (field.note_id, key) in self.granted or (None, key) in self.granted
            for key in _keys(field)
        )


def _named(field: str | None, sensitivity: str | None) -> list[str]:
    return [*([f"f:{field}"] if field else []), *([f"c:{sensitivity}"] if sensitivity else [])]


def _deny(reason: ShareReason) -> Verdict:
    return Verdict(Effect.DENY, reason)


def _allow(reason: ShareReason) -> Verdict:
    return Verdict(Effect.ALLOW, reason)


@dataclass(frozen=True)
class ExchangeOpen:
    """Rule 10: nothing is readable through an exchange before it opens or after it closes."""

    name: str = "exchange_open"
    scope: Scope = Scope.EXCHANGE

    def evaluate(self, request: ShareRequest) -> Verdict | None:
        """Deny outside the exchange's window or once it is closed."""
        reason = exchange_shut(request.exchange, request.now)
        return None if reason is None else _deny(reason)


def exchange_shut(exchange: ExchangeFacts, now: datetime) -> ShareReason | None:
    """Rule 10's test: why nothing is readable through the exchange at ``now``, or None."""
    if exchange.closed_at is not None and exchange.closed_at <= now:
        return ShareReason.EXCHANGE_CLOSED
    if now >= exchange.expires_at:
        return ShareReason.EXCHANGE_CLOSED
    if now < exchange.opens_at:
        return ShareReason.EXCHANGE_NOT_OPEN
    return None


@dataclass(frozen=True)
class Participates:
    """Rule 1: only an invited, not removed participant sees anything."""

    name: str = "participates"
    scope: Scope = Scope.EXCHANGE

    def evaluate(self, request: ShareRequest) -> Verdict | None:
        """Deny a member who was never invited or has been removed."""
        who = request.participant
        if who.invited_at is None or not _live(who.invited_at, who.removed_at, request.now):
            return _deny(ShareReason.NOT_PARTICIPANT)
        return None


@dataclass(frozen=True)
class ActiveMember:
    """Rule 1: a suspended member sees nothing from the next read on."""

    name: str = "active_member"
    scope: Scope = Scope.EXCHANGE

    def evaluate(self, request: ShareRequest) -> Verdict | None:
        """Deny a suspended member."""
        if request.participant.status != MemberStatus.ACTIVE.value:
            return _deny(ShareReason.MEMBER_SUSPENDED)
        return None


@dataclass(frozen=True)
class AdminsSeeNoContent:
    """Rule 4: hub admins, agency admins and auditors see no case content at all."""

    name: str = "admins_see_no_content"
    scope: Scope = Scope.EXCHANGE
    roles: frozenset[str] = NO_CONTENT_ROLES

    def evaluate(self, request: ShareRequest) -> Verdict | None:
        """Deny a member whose roles are all administrative (or who has none)."""
        if request.participant.roles <= self.roles:
            return _deny(ShareReason.ADMIN_NO_CONTENT)
        return None


@dataclass(frozen=True)
class KnownSensitivity:
    """Rule 15: a field of an unknown sensitivity class is denied."""

    name: str = "known_sensitivity"
    scope: Scope = Scope.FLOW

    def evaluate(self, request: ShareRequest) -> Verdict | None:
        """Deny fields whose class the hub does not know."""
        if request.field.sensitivity not in KNOWN_CLASSES:
            return _deny(ShareReason.UNKNOWN_SENSITIVITY)
        return None


@dataclass(frozen=True)
class OwnerReleased:
    """Rule 2 (and 9): a field leaves its agency only if released into this exchange."""

    name: str = "owner_released"
    scope: Scope = Scope.INDEX

    def evaluate(self, request: ShareRequest) -> Verdict | None:
        """Allow when a release in force covers the field; deny otherwise."""
        if request.index is not None:
            released = request.index.is_released(request.field)
        else:
            released = any(release_covers(r, request.field, request.now) for r in request.releases)
        if released:
            return _allow(ShareReason.RELEASED)
        return _deny(ShareReason.NOT_RELEASED)


@dataclass(frozen=True)
class ChairGranted:
    """Rule 3: the chair (or delegate) granted the field to this participant or their role."""

    name: str = "chair_granted"
    scope: Scope = Scope.INDEX

    def evaluate(self, request: ShareRequest) -> Verdict | None:
        """Allow when a grant in force covers participant and field; deny otherwise."""
        who, field, now = request.participant, request.field, request.now
        if request.index is not None:
            granted = request.index.is_granted(field)
        else:
            granted = any(grant_covers(g, who, field, now) for g in request.grants)
        if granted:
            return _allow(ShareReason.GRANTED)
        return _deny(ShareReason.NOT_GRANTED)


@dataclass(frozen=True)
class SecrecyFlows:
    """Rule 5: health and psychological content only to participants bound by secrecy."""

    name: str = "secrecy_flows"
    scope: Scope = Scope.FLOW
    classes: frozenset[str] = SECRECY_BOUND_CLASSES

    def evaluate(self, request: ShareRequest) -> Verdict | None:
        """Deny secrecy-bound classes to a participant not bound by professional secrecy."""
        if request.field.sensitivity in self.classes and not request.participant.bound_by_secrecy:
            return _deny(ShareReason.SECRECY_REGIME)
        return None


@dataclass(frozen=True)
class Classified:
    """Rule 6: classified content only to participants cleared at least to its level.

    Intelligence without an explicit level is treated as RESTRICTED (design: never unclassified).
    """

    name: str = "classified"
    scope: Scope = Scope.FLOW

    def evaluate(self, request: ShareRequest) -> Verdict | None:
        """Deny when the participant's clearance is below the field's classification."""
        field = request.field
        level = field.classification
        if level is None and field.sensitivity == Sensitivity.INTELLIGENCE.value:
            level = Clearance.RESTRICTED
        if level is not None and request.participant.clearance < level:
            return _deny(ShareReason.CLEARANCE_TOO_LOW)
        return None


@dataclass(frozen=True)
class JudicialPoliceOnly:
    """Rule 7: content of a judicial investigation only to police and justice participants."""

    name: str = "judicial_police_only"
    scope: Scope = Scope.FLOW
    classes: frozenset[str] = JUDICIAL_CLASSES
    receivers: frozenset[str] = POLICE_AND_JUSTICE

    def evaluate(self, request: ShareRequest) -> Verdict | None:
        """Deny judicial classes to participants of other agency kinds."""
        if (
            request.field.sensitivity in self.classes
            and request.participant.agency_kind not in self.receivers
        ):
            return _deny(ShareReason.JUDICIAL_POLICE_ONLY)
        return None


@dataclass(frozen=True)
class LtfBridge:
    """Rule 8: LTF information enters a LIVC exchange only through the information officer.

    Inside the hub the information officer (local police) owns what the LTF contributes, so a note
    owned by an LTF source agency (State Security, OCAD) never flows in a LIVC exchange directly.
    """

    name: str = "ltf_bridge"
    scope: Scope = Scope.FLOW
    sources: frozenset[str] = LTF_SOURCES
    livc_cells: frozenset[str] = LIVC_CELLS

    def evaluate(self, request: ShareRequest) -> Verdict | None:
        """Deny LTF-source notes in LIVC exchanges."""
        reason = self.refuses_release(request.exchange.cell_kind, request.field.owner_agency_kind)
        return None if reason is None else _deny(reason)

    def refuses_release(self, cell_kind: str, owner_agency_kind: str) -> ShareReason | None:
        """The rule's whole test: it reads nothing of the field but its owner's kind."""
        if cell_kind in self.livc_cells and owner_agency_kind in self.sources:
            return ShareReason.LTF_VIA_INFORMATION_OFFICER
        return None


@dataclass(frozen=True)
class MinorsUnderSecrecy:
    """Rule 13: a minor's notes fall under the youth regime: only to secrecy-bound participants."""

    name: str = "minors_under_secrecy"
    scope: Scope = Scope.FLOW

    def evaluate(self, request: ShareRequest) -> Verdict | None:
        """Deny a minor's fields to participants not bound by professional secrecy."""
        if request.field.subject_is_minor and not request.participant.bound_by_secrecy:
            return _deny(ShareReason.MINOR_SECRECY)
        return None


SHARING_RULES: tuple[RuleOf[ShareRequest], ...] = (
    ExchangeOpen(),
    Participates(),
    ActiveMember(),
    AdminsSeeNoContent(),
    KnownSensitivity(),
    OwnerReleased(),
    ChairGranted(),
    SecrecyFlows(),
    Classified(),
    JudicialPoliceOnly(),
    LtfBridge(),
    MinorsUnderSecrecy(),
)


@runtime_checkable
class ReleaseGate(Protocol):
    """A rule that, from the exchange's cell and a note's owner alone, denies every field."""

    def refuses_release(self, cell_kind: str, owner_agency_kind: str) -> ShareReason | None:
        """The reason no field of such an owner ever flows in such a cell, or None."""
        ...


def release_refusal(
    rules: Iterable[RuleOf[ShareRequest]], *, cell_kind: str, owner_agency_kind: str
) -> ShareReason | None:
    """Why a release into this exchange would never be shown to anyone, by the table's own rules.

    Asks the rules of ``rules`` that are ``ReleaseGate``s (rule 8, as a local policy configures
    it), so the release-time refusal and the read-time denial are one test.
    """
    for rule in rules:
        if isinstance(rule, ReleaseGate):
            reason = rule.refuses_release(cell_kind, owner_agency_kind)
            if reason is not None:
                return reason
    return None


def decide_fields(
    participant: ParticipantFacts,
    exchange: ExchangeFacts,
    fields: Iterable[FieldFacts],
    releases: Sequence[ReleaseFacts],
    grants: Sequence[GrantFacts],
    now: datetime,
    rules: Sequence[RuleOf[ShareRequest]] = SHARING_RULES,
) -> Mapping[tuple[str, int, str], Decision]:
    """A decision per (note id, version, field name) for one participant in one exchange.

    The same answers as ``decide`` per field, computed once per scope: exchange-scoped rules
    once, flow rules once per kind of field, field rules per field against an index.
    """
    todo = list(fields)
    if not todo:
        return {}
    index = ShareIndex.build(participant, releases, grants, now)
    scoped: dict[Scope, list[RuleOf[ShareRequest]]] = {s: [] for s in Scope}
    for rule in rules:
        scoped[getattr(rule, "scope", Scope.FIELD)].append(rule)

    def ask(field: FieldFacts, group: Sequence[RuleOf[ShareRequest]]) -> list[Verdict]:
        request = ShareRequest(participant, exchange, field, releases, grants, now, index)
        return [v for v in (rule.evaluate(request) for rule in group) if v is not None]

    before = ask(todo[0], scoped[Scope.EXCHANGE])
    if any(v.effect is Effect.DENY for v in before):
        closed = combine(before)
        return {(f.note_id, f.version, f.name): closed for f in todo}
    flows: dict[tuple[str, int | None, str, bool], list[Verdict]] = {}
    field_rules = [*scoped[Scope.INDEX], *scoped[Scope.FIELD]]
    out = {}
    for field in todo:
        kind = (
            field.sensitivity,
            field.classification,
            field.owner_agency_kind,
            field.subject_is_minor,
        )
        if kind not in flows:
            flows[kind] = ask(field, scoped[Scope.FLOW])
        verdicts = [*before, *flows[kind], *ask(field, field_rules)]
        out[(field.note_id, field.version, field.name)] = combine(verdicts)
    return out
