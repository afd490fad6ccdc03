"""The sharing rules of DOMAIN.md (1-10, 13, 15) as data: one small frozen object each.

Each rule says allow, deny (with a ``ShareReason``) or nothing about one ``ShareRequest``, and
declares its ``Scope``: what it reads, hence how rarely the batched evaluation must ask it.
``SHARING_RULES`` is the law's table; a municipality's regulation replaces or adds entries
(``app.policies.local``).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Protocol, runtime_checkable

from app.policies.engine import Effect, RuleOf, Verdict
from app.policies.sharing.coverage import grant_covers, in_force, release_covers
from app.policies.sharing.facts import (
    JUDICIAL_CLASSES,
    KNOWN_CLASSES,
    LIVC_CELLS,
    LTF_SOURCES,
    NO_CONTENT_ROLES,
    POLICE_AND_JUSTICE,
    SECRECY_BOUND_CLASSES,
    ExchangeFacts,
    Scope,
    ShareReason,
    ShareRequest,
)
from app.policies.vocabulary import Clearance, MemberStatus, Sensitivity

ACTIVE = MemberStatus.ACTIVE.value
RESTRICTED = int(Clearance.RESTRICTED)
INTELLIGENCE = Sensitivity.INTELLIGENCE.value


def _deny(reason: ShareReason) -> Verdict:
    return Verdict(Effect.DENY, reason)


def _allow(reason: ShareReason) -> Verdict:
    return Verdict(Effect.ALLOW, reason)


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
class ExchangeOpen:
    """Rule 10: nothing is readable through an exchange before it opens or after it closes."""

    name: str = "exchange_open"
    scope: Scope = Scope.EXCHANGE

    def evaluate(self, request: ShareRequest) -> Verdict | None:
        """Deny outside the exchange's window or once it is closed."""
        reason = exchange_shut(request.exchange, request.now)
        return None if reason is None else _deny(reason)


@dataclass(frozen=True)
class Participates:
    """Rule 1: only an invited, not removed participant sees anything."""

    name: str = "participates"
    scope: Scope = Scope.EXCHANGE

    def evaluate(self, request: ShareRequest) -> Verdict | None:
        """Deny a member who was never invited or has been removed."""
        who = request.participant
        if who.invited_at is None or not in_force(who.invited_at, who.removed_at, request.now):
            return _deny(ShareReason.NOT_PARTICIPANT)
        return None


@dataclass(frozen=True)
class ActiveMember:
    """Rule 1: a suspended member sees nothing from the next read on."""

    name: str = "active_member"
    scope: Scope = Scope.EXCHANGE

    def evaluate(self, request: ShareRequest) -> Verdict | None:
        """Deny a suspended member."""
        if request.participant.status != ACTIVE:
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


def standing(request: ShareRequest) -> tuple[bool, bool]:
    """Whether the request's field is released, and granted to its participant, at its time."""
    field, now = request.field, request.now
    if request.index is not None:
        return request.index.is_released(field), request.index.is_granted(field)
    released = any(release_covers(r, field, now) for r in request.releases)
    granted = any(grant_covers(g, request.participant, field, now) for g in request.grants)
    return released, granted


@dataclass(frozen=True)
class OwnerReleased:
    """Rule 2 (and 9): a field leaves its agency only if released into this exchange."""

    name: str = "owner_released"
    scope: Scope = Scope.INDEX

    def evaluate(self, request: ShareRequest) -> Verdict | None:
        """Allow when a release in force covers the field; deny otherwise."""
        return self.given(*standing(request))

    def given(self, released: bool, granted: bool) -> Verdict | None:
        """The rule's whole test, on the index's two answers."""
        return _allow(ShareReason.RELEASED) if released else _deny(ShareReason.NOT_RELEASED)


@dataclass(frozen=True)
class ChairGranted:
    """Rule 3: the chair (or delegate) granted the field to this participant or their role."""

    name: str = "chair_granted"
    scope: Scope = Scope.INDEX

    def evaluate(self, request: ShareRequest) -> Verdict | None:
        """Allow when a grant in force covers participant and field; deny otherwise."""
        return self.given(*standing(request))

    def given(self, released: bool, granted: bool) -> Verdict | None:
        """The rule's whole test, on the index's two answers."""
        return _allow(ShareReason.GRANTED) if granted else _deny(ShareReason.NOT_GRANTED)


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
        if level is None and field.sensitivity == INTELLIGENCE:
            level = RESTRICTED
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
