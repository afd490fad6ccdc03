"""Typed models of the hub's resources (pydantic v2), written by hand.

Each model names the component schema of the hub's ``openapi.yaml`` that it mirrors in
``__schema__``; the hub's test suite checks every field, its type and whether it is required
against that schema, so the SDK cannot drift from the contract silently. Unknown members the hub
may add later are ignored, so an older SDK keeps working against a newer hub.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any, ClassVar, Generic, Literal, TypeVar
from uuid import UUID

from pydantic import BaseModel, ConfigDict, Field

MemberKind = Literal["person", "service"]
MemberStatus = Literal["active", "suspended", "pending"]
Role = Literal[
    "hub_admin",
    "agency_admin",
    "chair",
    "chair_delegate",
    "information_officer",
    "case_worker",
    "police_reference",
    "auditor",
    "hub_auditor",
    "service_account",
]
AgencyKind = Literal[
    "municipality",
    "local_police",
    "federal_police",
    "social_service",
    "prevention",
    "youth",
    "education",
    "justice_house",
    "state_security",
    "ocad",
    "health",
    "other",
]
CellKind = Literal["livc_case", "livc_strategic", "ltf"]
Seat = Literal[
    "member",
    "korpschef_representative",
    "prevention_coordinator",
    "radicalism_reference",
    "ltf_contact",
]
CaseStatus = Literal["signalled", "under_discussion", "follow_up", "closed"]
AxisOutcome = Literal["not_applicable", "achieved", "partly_achieved", "not_achieved", "referred"]
InterventionAxis = Literal["primary_prevention", "secondary_prevention", "psychosocial_guidance"]
FieldType = Literal[
    "text", "date", "boolean", "integer", "choice", "checklist", "agency", "record", "records"
]
Sensitivity = Literal[
    "identity",
    "contact",
    "family",
    "school_work",
    "social_situation",
    "health",
    "psychological",
    "judicial",
    "intelligence",
    "radicalisation_signals",
    "risk_assessment",
    "intervention",
    "free_text",
]
Language = Literal["en", "nl", "fr"]
RefusalReason = Literal[
    "contains_secret_information", "inaccurate", "not_needed", "premature", "other"
]
Attendance = Literal["present", "excused", "absent"]
SecrecyRegime = Literal[
    "livc_458ter", "police", "professional", "medical", "classified", "judicial", "none"
]
ProposalState = Literal["pending", "approved", "refused", "withdrawn", "expired"]
Dimension = Literal["total", "ocad_category", "case_status", "agency_kind", "outcome"]
Granularity = Literal["quarter", "year"]
Theme = Literal[
    "primary_prevention",
    "youth_and_families",
    "schools_and_education",
    "online_polarisation",
    "community_resilience",
    "psychosocial_care",
    "returnees_and_release",
    "information_sharing",
    "training_of_professionals",
]
DiagnosisLanguage = Literal["nl", "fr"]

T = TypeVar("T")


class Model(BaseModel):
    """Base of every resource model."""

    model_config = ConfigDict(extra="ignore", frozen=True)
    __schema__: ClassVar[str] = ""


class Page(BaseModel, Generic[T]):
    """One page of a listing; pass ``next_cursor`` as ``cursor`` for the next (None: the last)."""

    model_config = ConfigDict(extra="ignore", frozen=True)
    items: list[T]
    next_cursor: str | None = None


class Token(Model):
    """An access token from ``POST /oauth/token``."""

    __schema__ = "TokenOut"
    access_token: str
    token_type: str = "Bearer"  # noqa: S105 - the scheme, not a secret
    expires_in: int


class Me(Model):
    """The caller: member, agency, roles."""

    __schema__ = "MeOut"
    member_id: UUID
    agency_id: UUID
    kind: MemberKind
    roles: list[Role]
    status: MemberStatus
    bound_by_secrecy: bool
    clearance: str


class CellSeat(Model):
    """A member's seat in a cell."""

    __schema__ = "CellSeatOut"
    member_id: UUID
    seat: Seat


class Cell(Model):
    """A local security cell (LIVC-R case or strategic cell, or an LTF)."""

    __schema__ = "CellOut"
    id: UUID
    kind: CellKind
    name: str
    municipality: str
    chair_member_id: UUID | None
    agency_ids: list[UUID]
    member_ids: list[UUID]
    members: list[CellSeat]
    created_at: datetime


class Subject(Model):
    """A person a case is about, by pseudonym."""

    __schema__ = "SubjectOut"
    id: UUID
    pseudonym: str
    is_minor: bool
    created_at: datetime


class SubjectIdentifiers(Model):
    """A subject with its identifiers (only for those allowed to see them)."""

    __schema__ = "SubjectIdentifiersOut"
    id: UUID
    pseudonym: str
    is_minor: bool
    created_at: datetime
    name: str
    date_of_birth: date
    national_register_number: str | None = None


class Case(Model):
    """A case of a cell about one subject."""

    __schema__ = "CaseOut"
    id: UUID
    cell_id: UUID
    subject_id: UUID
    subject_pseudonym: str
    subject_is_minor: bool
    working_group_id: UUID | None
    status: CaseStatus
    created_at: datetime
    updated_at: datetime


class Note(Model):
    """One version of a note with its values; ``etag`` goes in ``If-Match`` to edit it."""

    __schema__ = "NoteOut"
    id: UUID
    case_id: UUID
    template_id: UUID
    owner_agency_id: UUID
    version: int
    current_version: int
    author_id: UUID
    etag: str
    fields: dict[str, Any]
    created_at: datetime
    updated_at: datetime


class NoteSummary(Model):
    """A note in a case's listing (no values)."""

    __schema__ = "NoteSummary"
    id: UUID
    case_id: UUID
    template_id: UUID
    owner_agency_id: UUID
    current_version: int
    created_at: datetime
    updated_at: datetime


class NoteVersion(Model):
    """One saved version of a note (no values)."""

    __schema__ = "NoteVersionOut"
    version: int
    author_id: UUID
    created_at: datetime
    etag: str


class TemplateAuthors(Model):
    """Who may write notes with a template."""

    __schema__ = "AuthorsOut"
    roles: list[Role]
    agency_kinds: list[AgencyKind]


class PartSpec(Model):
    """A part of a ``record`` or ``records`` field."""

    __schema__ = "PartSpecOut"
    name: str
    label: str
    labels: dict[str, str]
    type: FieldType
    required: bool
    choices: list[str]
    choice_labels: dict[str, dict[str, str]]


class FieldSpec(Model):
    """A field of a template."""

    __schema__ = "FieldSpecOut"
    name: str
    label: str
    labels: dict[str, str]
    type: FieldType
    sensitivity: Sensitivity
    classification: str | None
    required: bool
    choices: list[str]
    choice_labels: dict[str, dict[str, str]]
    parts: list[PartSpec]
    max_items: int


class Template(Model):
    """A version of a note template."""

    __schema__ = "TemplateOut"
    id: UUID
    key: str
    version: int
    title: str
    titles: dict[str, str]
    language: Language | None
    origin: Literal["shipped", "hub"]
    authors: TemplateAuthors | None
    fields: list[FieldSpec]
    created_at: datetime


class Exchange(Model):
    """An exchange: a time-boxed consultation on a case with a purpose and legal basis."""

    __schema__ = "ExchangeOut"
    id: UUID
    cell_id: UUID
    case_id: UUID
    working_group_id: UUID | None
    purpose: str
    legal_basis: str
    opens_at: datetime
    expires_at: datetime
    closed_at: datetime | None
    open: bool
    you_chair: bool
    you_participate: bool


class Participant(Model):
    """A participant of an exchange."""

    __schema__ = "ParticipantOut"
    member_id: UUID
    invited_at: datetime
    guest: bool = False
    # None for a guest who has not yet accepted the cell's declaration (and after an invitation).
    display_name: str | None = None
    agency_id: UUID | None = None
    agency_name: str | None = None


class Release(Model):
    """A field (or sensitivity class) of a note that its owner released into an exchange."""

    __schema__ = "ReleaseOut"
    id: UUID
    note_id: UUID
    owner_agency_id: UUID
    version: int | None
    field: str | None
    sensitivity: str | None
    released_at: datetime
    template_id: UUID  # the released note's template: its field labels name the fields


class Grant(Model):
    """The chair's grant of a released field to a member or a role."""

    __schema__ = "GrantOut"
    id: UUID
    member_id: UUID | None
    role: str | None
    note_id: UUID | None
    field: str | None
    sensitivity: str | None
    granted_at: datetime


class SharedNote(Model):
    """The fields of one note that the caller may see in an exchange."""

    __schema__ = "SharedNoteOut"
    note_id: UUID
    version: int
    template_id: UUID
    owner_agency_id: UUID
    fields: dict[str, Any]


class View(Model):
    """What the caller sees in an exchange."""

    __schema__ = "ViewOut"
    exchange: Exchange
    case_id: UUID
    subject_pseudonym: str
    notes: list[SharedNote]


class FieldVerdict(Model):
    """Whether a released field is visible, and the rules' reasons (never the value)."""

    __schema__ = "FieldVerdictOut"
    note_id: UUID
    version: int
    field: str
    sensitivity: str
    visible: bool
    reasons: list[str]


class ParticipantVerdicts(Model):
    """A participant's verdicts (shown to the chair)."""

    __schema__ = "ParticipantVerdictsOut"
    member_id: UUID
    fields: list[FieldVerdict]


class Explanation(Model):
    """Why each released field is or is not visible."""

    __schema__ = "ExplainOut"
    exchange_id: UUID
    yours: list[FieldVerdict]
    participants: list[ParticipantVerdicts]
    exchange: Exchange


class AuditEntry(Model):
    """An entry of the access log."""

    __schema__ = "EntryOut"
    seq: int
    at: str
    actor: str | None
    actor_agency: str | None
    action: str
    decision: str
    reason: str
    cell: str | None
    case: str | None
    subject: str | None
    exchange: str | None
    note: str | None
    object: str | None
    fields: list[str]
    denied: list[str]
    purpose: str | None
    request_id: str
    prev: str
    owners: list[str]
    count: int | None = None
    hash: str


class Quote(Model):
    """A field of a note quoted by a feedback sheet."""

    __schema__ = "QuoteOut"
    note_id: UUID
    field: str


class Vote(Model):
    """An approval or refusal of a feedback sheet."""

    __schema__ = "VoteOut"
    member_id: UUID
    agency_id: UUID
    decision: Literal["approve", "refuse"]
    reason: RefusalReason | None
    at: datetime
    comment: str | None = None


class FeedbackSheet(Model):
    """A feedback sheet to the police, approved by consensus."""

    __schema__ = "FeedbackSheetOut"
    id: UUID
    exchange_id: UUID
    police_agency_id: UUID
    template_id: UUID
    drafted_by: UUID
    drafted_at: datetime
    status: Literal["open", "approved", "refused"]
    ended_at: datetime | None
    note_id: UUID | None
    quotes: list[Quote]
    required_approvers: list[UUID]
    approved_by: list[UUID]
    votes: list[Vote]
    fields: dict[str, Any] | None = None


class AgendaItem(Model):
    """An item of a meeting's agenda."""

    __schema__ = "AgendaItemOut"
    position: int
    case_id: UUID | None
    exchange_id: UUID | None
    pseudonym: str


class Invitee(Model):
    """An invitee of a meeting and their attendance."""

    __schema__ = "InviteeOut"
    member_id: UUID
    attendance: Attendance | None


class MinutesRef(Model):
    """The minutes note of a case discussed at a meeting."""

    __schema__ = "MinutesRef"
    case_id: UUID
    note_id: UUID


class Meeting(Model):
    """A meeting of a cell."""

    __schema__ = "MeetingOut"
    id: UUID
    cell_id: UUID
    series_id: UUID | None
    starts_at: datetime
    ends_at: datetime
    starts_at_local: str
    status: Literal["scheduled", "cancelled"]
    sequence: int
    invited: bool
    agenda: list[AgendaItem] | None = None
    invitees: list[Invitee] | None = None
    minutes: list[MinutesRef] | None = None


class WorkingGroup(Model):
    """A working group of a cell: its own members, its own exchanges."""

    __schema__ = "WorkingGroupOut"
    id: UUID
    cell_id: UUID
    name: str


class WorkingGroupMember(Model):
    """A member of a working group (chosen by the chair among the cell's seated)."""

    __schema__ = "WorkingGroupMemberOut"
    member_id: UUID
    added_at: datetime


class WorkingGroupExchange(Model):
    """An exchange on a working group's agenda."""

    __schema__ = "WorkingGroupExchangeOut"
    id: UUID
    case_id: UUID
    case_status: str
    subject_pseudonym: str
    purpose: str
    opens_at: datetime
    expires_at: datetime
    closed_at: datetime | None
    open: bool
    created_at: datetime


class Declaration(Model):
    """A version of a cell's confidentiality declaration (art. 458ter §2), in Dutch and French."""

    __schema__ = "DeclarationOut"
    id: UUID
    cell_id: UUID
    version: int
    text_nl: str
    text_fr: str
    set_by: UUID
    set_at: datetime


class ExchangeDeclaration(Model):
    """The declaration as a participant of an exchange sees it: must they accept it, did they."""

    __schema__ = "ExchangeDeclarationOut"
    exchange_id: UUID
    declaration: Declaration | None
    required: bool
    accepted_at: datetime | None
    accepted_version: int | None
    accept: str


class CountRow(Model):
    """One count of the strategic table: a number, "<5", or nothing when suppressed."""

    __schema__ = "CountOut"
    period: str
    value: str
    count: int | None
    shown: Literal["count", "<5", "suppressed", "withheld"]


class Counts(Model):
    """The municipality's case counts by one dimension, per quarter or year (no person)."""

    __schema__ = "CountsOut"
    cell_id: UUID
    municipality: str
    dimension: Dimension
    granularity: Granularity
    from_year: int
    to_year: int
    rows: list[CountRow]


class Priority(Model):
    """A priority of the year: a theme and its text by language (``{"nl": ..., "fr": ...}``).

    Also what :meth:`~livc_hub_client.Client.set_priorities` sends: a version read can be sent
    back changed.
    """

    __schema__ = "PriorityOut"
    theme: Theme
    text: dict[str, str]


class Priorities(Model):
    """A version of a strategic cell's priorities for a year."""

    __schema__ = "PrioritiesOut"
    cell_id: UUID
    year: int
    version: int
    author_member_id: UUID
    created_at: datetime
    introduction: dict[str, str]
    priorities: list[Priority]


class Agency(Model):
    """A partner agency of the hub."""

    __schema__ = "AgencyOut"
    id: UUID
    name: str
    kind: AgencyKind
    secrecy_regime: SecrecyRegime
    approver_role: Role
    created_at: datetime


class Member(Model):
    """A member of an agency: a person or a service account (``client_id``)."""

    __schema__ = "MemberOut"
    id: UUID
    agency_id: UUID
    display_name: str
    kind: MemberKind
    roles: list[Role]
    bound_by_secrecy: bool
    clearance: str
    status: MemberStatus
    client_id: str | None = None
    created_at: datetime
    username: str | None = None
    has_password: bool = False


class ProposalRef(Model):
    """The four-eyes proposal a change awaits (None: it took effect at once)."""

    __schema__ = "ProposalRef"
    id: UUID
    state: str
    expires_at: datetime


class NewMember(Member):
    """A member just created; with rights to grant, ``pending`` until ``proposal`` is approved."""

    __schema__ = "NewMemberOut"
    proposal: ProposalRef | None = None


class ChangedMember(Member):
    """A member after a change: narrowing at once, widening awaits ``proposal``."""

    __schema__ = "ChangedMemberOut"
    proposal: ProposalRef | None = None


class ProposedChange(Model):
    """What a proposal would grant."""

    __schema__ = "ProposedChange"
    roles_add: list[Role]
    clearance: str | None = None
    bound_by_secrecy: bool = False
    activate: bool = False
    reset_password: bool = False


class Proposal(Model):
    """A four-eyes proposal: one admin proposes, a second person approves or refuses."""

    __schema__ = "ProposalOut"
    id: UUID
    agency_id: UUID
    member_id: UUID
    kind: str
    changes: ProposedChange
    state: ProposalState
    proposed_by: UUID
    proposed_at: datetime
    expires_at: datetime
    decided_by: UUID | None = None
    decided_at: datetime | None = None


class Decision(Model):
    """The second person's decision on a proposal, and the member as it now is.

    ``client_secret``: a service account's secret, and ``initial_password``: a person's one-time
    password after a reset, each shown once to the approver; kept out of the model's ``repr`` so
    that logging the decision does not log them.
    """

    __schema__ = "DecisionOut"
    proposal: Proposal
    member: Member
    client_secret: str | None = Field(default=None, repr=False)
    initial_password: str | None = Field(default=None, repr=False)


MODELS: tuple[type[Model], ...] = (
    Token,
    Me,
    CellSeat,
    Cell,
    Subject,
    SubjectIdentifiers,
    Case,
    Note,
    NoteSummary,
    NoteVersion,
    TemplateAuthors,
    PartSpec,
    FieldSpec,
    Template,
    Exchange,
    Participant,
    Release,
    Grant,
    SharedNote,
    View,
    FieldVerdict,
    ParticipantVerdicts,
    Explanation,
    AuditEntry,
    Quote,
    Vote,
    FeedbackSheet,
    AgendaItem,
    Invitee,
    MinutesRef,
    Meeting,
    WorkingGroup,
    WorkingGroupMember,
    WorkingGroupExchange,
    Declaration,
    ExchangeDeclaration,
    CountRow,
    Counts,
    Priority,
    Priorities,
    Agency,
    Member,
    ProposalRef,
    NewMember,
    ChangedMember,
    ProposedChange,
    Proposal,
    Decision,
)
