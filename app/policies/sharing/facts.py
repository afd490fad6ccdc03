"""What the sharing engine is told: facts about one read, reason codes, and the rules' data.

Frozen value objects only; nothing here decides anything. Time is a fact like the others.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from typing import Protocol

from app.policies.vocabulary import AgencyKind, CellKind, Role, Sensitivity


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


@dataclass(frozen=True, slots=True)
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


@dataclass(frozen=True, slots=True)
class ExchangeFacts:
    """The exchange: its cell's kind and its time window."""

    exchange_id: str
    cell_kind: str
    opens_at: datetime
    expires_at: datetime
    closed_at: datetime | None = None


@dataclass(frozen=True, slots=True)
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


@dataclass(frozen=True, slots=True)
class ReleaseFacts:
    """An owner's release into this exchange: a field or a class, a version or the latest."""

    note_id: str
    version: int | None
    field: str | None
    sensitivity: str | None
    released_at: datetime
    withdrawn_at: datetime | None = None


@dataclass(frozen=True, slots=True)
class GrantFacts:
    """A chair's grant to a participant or to a role: a field or a class, optionally one note."""

    member_id: str | None
    role: str | None
    note_id: str | None
    field: str | None
    sensitivity: str | None
    granted_at: datetime
    withdrawn_at: datetime | None = None


class Coverage(Protocol):
    """Answers, for one participant at one time, whether a field is released and granted."""

    def is_released(self, field: FieldFacts) -> bool:
        """True if a release in force covers the field."""
        ...

    def is_granted(self, field: FieldFacts) -> bool:
        """True if a grant in force to this participant covers the field."""
        ...


@dataclass(frozen=True, slots=True)
class ShareRequest:
    """One question: may this participant see this field, now?

    ``index``, when given, answers coverage for the releases and grants (a ``ShareIndex``
    built from them); rules then need not scan ``releases`` and ``grants``.
    """

    participant: ParticipantFacts
    exchange: ExchangeFacts
    field: FieldFacts
    releases: Sequence[ReleaseFacts]
    grants: Sequence[GrantFacts]
    now: datetime
    index: Coverage | None = None


FieldKey = tuple[str, int, str]


def field_key(field: FieldFacts) -> FieldKey:
    """How a read's decisions are keyed: (note id, version, field name)."""
    return field.note_id, field.version, field.name


class Scope(StrEnum):
    """What a rule reads: the evaluator asks it only as often as that can change the answer.

    The scope is a promise the evaluator relies on; the property tests hold each built-in rule
    to it by comparing the batched evaluation with ``decide`` per field.
    """

    # The participant's status and participation, the exchange and now; nothing of the field.
    # Asked once per read.
    EXCHANGE = "exchange"
    # The field's class, level, owner kind and minor flag (see ``flow_kind``), and of the
    # participant and exchange only what ``profile`` names; never time. Asked once per kind of
    # field per profile, and remembered by the policy across reads (see ``SharingPolicy``).
    FLOW = "flow"
    # Only whether the field is released and granted: the rule has ``given(released, granted)``.
    # Asked once per policy for each of the four answers.
    INDEX = "index"
    # Anything. Asked for every field (the default for a rule without a scope).
    FIELD = "field"


FlowKind = tuple[str, int | None, str, bool]
Profile = tuple[str, frozenset[str], bool, int, str]


def flow_kind(field: FieldFacts) -> FlowKind:
    """What a flow rule may read of a field: class, level, owner's kind, minor flag."""
    return field.sensitivity, field.classification, field.owner_agency_kind, field.subject_is_minor


def profile(participant: ParticipantFacts, exchange: ExchangeFacts) -> Profile:
    """What a flow rule may read of the participant and the exchange (never time or status)."""
    return (
        participant.agency_kind,
        participant.roles,
        participant.bound_by_secrecy,
        participant.clearance,
        exchange.cell_kind,
    )
