"""The feedback sheet to the police (terugkoppelingsfiche, rule 11; judgment 52/2021 (c)).

A sheet is drafted inside an open exchange by a participant or its chair, addressed to a police
agency seated in the exchange's cell. It needs the approval of every member who must agree (the
current participants and the cell's chair); any of them may refuse, which ends the draft. It may
not contain, nor quote, a field whose regime is professional secrecy: which regime that is, the
sharing engine's own rule table says (``secrecy_regime``), so a municipality's regulation that
widens the secrecy-bound classes widens this rule with it. Pure: facts in, a verdict out.

Invitations and removals while a draft is open (decision 116): an approval counts only if given
after the last invitation into the exchange (a newcomer may bring what makes others reconsider,
so everyone approves again); a removed participant is no longer asked, and the others' approvals
stand (the text they approved did not change).
"""

from __future__ import annotations

import unicodedata
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from typing import Any

from app.policies.engine import RuleOf
from app.policies.sharing import MinorsUnderSecrecy, SecrecyFlows, ShareRequest
from app.policies.vocabulary import AgencyKind, MemberStatus


class SheetStatus(StrEnum):
    """Where a sheet stands: drafting until approved by all or refused by one."""

    OPEN = "open"
    APPROVED = "approved"
    REFUSED = "refused"


class FeedbackReason(StrEnum):
    """Reason codes of the feedback sheet's decisions (stable: access log and problems)."""

    PARTICIPANT = "participant"
    CHAIR = "chair"
    APPROVED_BY_ALL = "approved_by_all"
    AWAITING_APPROVALS = "awaiting_approvals"
    MEMBER_SUSPENDED = "member_suspended"
    NOT_PARTICIPANT_OR_CHAIR = "not_participant_or_chair"
    EXCHANGE_SHUT = "exchange_shut"
    RECIPIENT_NOT_POLICE = "recipient_not_police"
    RECIPIENT_NOT_IN_CELL = "recipient_not_in_cell"
    CONTAINS_SECRET = "feedback_contains_secret"  # noqa: S105 - a reason code
    SHEET_NOT_OPEN = "sheet_not_open"
    ALREADY_APPROVED = "already_approved"


class RefusalReason(StrEnum):
    """Why a member refuses a draft: a closed list (a short text may add to it)."""

    CONTAINS_SECRET_INFORMATION = "contains_secret_information"  # noqa: S105 - a reason code
    INACCURATE = "inaccurate"
    NOT_NEEDED = "not_needed"
    PREMATURE = "premature"
    OTHER = "other"


# The police agencies a sheet may be addressed to (DOMAIN.md, "Who takes part").
POLICE_KINDS = frozenset({AgencyKind.LOCAL_POLICE.value, AgencyKind.FEDERAL_POLICE.value})
ACTIVE = MemberStatus.ACTIVE.value

# A copied run of at least this many normalised characters of a secret value is a copy.
MIN_RUN = 24
# A secret value shorter than MIN_RUN counts when it appears whole, as whole words, if it has at
# least this many normalised characters; shorter ones ("ja", "3") are too common to mean a copy.
MIN_WHOLE = 6


@dataclass(frozen=True)
class FeedbackVerdict:
    """Allowed or not, with the reason code."""

    allowed: bool
    reason: FeedbackReason


def _deny(reason: FeedbackReason) -> FeedbackVerdict:
    return FeedbackVerdict(False, reason)


@dataclass(frozen=True)
class Member:
    """The member asking: status, and standing in the exchange (participant, chair)."""

    member_id: str
    status: str
    participates: bool
    chairs: bool


@dataclass(frozen=True)
class Recipient:
    """The agency the sheet is addressed to: its kind and whether it sits in the cell."""

    agency_kind: str
    seated: bool


@dataclass(frozen=True)
class Panel:
    """Who must agree: the current participants, the cell's chair, and the last invitation."""

    participants: frozenset[str]
    chair_member_id: str | None
    last_invited_at: datetime | None


def _standing(who: Member) -> FeedbackVerdict:
    if who.status != ACTIVE:
        return _deny(FeedbackReason.MEMBER_SUSPENDED)
    if who.participates:
        return FeedbackVerdict(True, FeedbackReason.PARTICIPANT)
    if who.chairs:
        return FeedbackVerdict(True, FeedbackReason.CHAIR)
    return _deny(FeedbackReason.NOT_PARTICIPANT_OR_CHAIR)


def may_draft(who: Member, *, shut: bool, recipient: Recipient) -> FeedbackVerdict:
    """Whether the member may draft a sheet to ``recipient`` in the exchange now."""
    verdict = _standing(who)
    if not verdict.allowed:
        return verdict
    if shut:
        return _deny(FeedbackReason.EXCHANGE_SHUT)
    if recipient.agency_kind not in POLICE_KINDS:
        return _deny(FeedbackReason.RECIPIENT_NOT_POLICE)
    if not recipient.seated:
        return _deny(FeedbackReason.RECIPIENT_NOT_IN_CELL)
    return verdict


def required(panel: Panel) -> frozenset[str]:
    """Who must approve: every current participant and the cell's chair."""
    chair = frozenset() if panel.chair_member_id is None else frozenset({panel.chair_member_id})
    return panel.participants | chair


def standing_approvals(approvals: Mapping[str, datetime], panel: Panel) -> frozenset[str]:
    """The approvals that count: by someone still asked, given after the last invitation."""
    since = panel.last_invited_at
    return frozenset(
        m for m, at in approvals.items() if m in required(panel) and (since is None or at >= since)
    )


def may_vote(
    who: Member,
    *,
    status: SheetStatus,
    shut: bool,
    panel: Panel,
    approvals: Mapping[str, datetime],
    approving: bool,
) -> FeedbackVerdict:
    """Whether the member may approve (``approving``) or refuse the open sheet now."""
    if who.status != ACTIVE:
        return _deny(FeedbackReason.MEMBER_SUSPENDED)
    if who.member_id not in required(panel):
        return _deny(FeedbackReason.NOT_PARTICIPANT_OR_CHAIR)
    if status is not SheetStatus.OPEN:
        return _deny(FeedbackReason.SHEET_NOT_OPEN)
    if shut:
        return _deny(FeedbackReason.EXCHANGE_SHUT)
    if approving and who.member_id in standing_approvals(approvals, panel):
        return _deny(FeedbackReason.ALREADY_APPROVED)
    chair = who.member_id == panel.chair_member_id and who.member_id not in panel.participants
    return FeedbackVerdict(True, FeedbackReason.CHAIR if chair else FeedbackReason.PARTICIPANT)


def completion(approvals: Mapping[str, datetime], panel: Panel) -> FeedbackVerdict:
    """Complete when everyone who must approve has an approval that counts (consensus)."""
    needed = required(panel)
    if needed and needed <= standing_approvals(approvals, panel):
        return FeedbackVerdict(True, FeedbackReason.APPROVED_BY_ALL)
    return _deny(FeedbackReason.AWAITING_APPROVALS)


# --- what professional secrecy covers, and what counts as containing it ---------------------


@dataclass(frozen=True)
class SecrecyRegime:
    """What the sharing rules let flow only to secrecy-bound participants."""

    classes: frozenset[str]
    minors: bool

    def covers(self, sensitivity: str, *, subject_is_minor: bool) -> bool:
        """Whether a field of this class (of a subject minor or not) is under secrecy."""
        return sensitivity in self.classes or (self.minors and subject_is_minor)


def secrecy_regime(rules: Iterable[RuleOf[ShareRequest]]) -> SecrecyRegime:
    """The regime as the configured sharing rules define it (rules 5 and 13, locally tightened)."""
    classes: set[str] = set()
    minors = False
    for rule in rules:
        if isinstance(rule, SecrecyFlows):
            classes |= rule.classes
        elif isinstance(rule, MinorsUnderSecrecy):
            minors = True
    return SecrecyRegime(frozenset(classes), minors)


@dataclass(frozen=True, order=True)
class Finding:
    """A field under secrecy the draft contains: its note (None: the draft's own) and name."""

    note_id: str | None
    field: str
    how: str  # "contained", "quoted" or "copied"


@dataclass(frozen=True)
class SourceField:
    """A field of the case under secrecy, with its text values (opened by the service)."""

    note_id: str
    field: str
    texts: tuple[str, ...]


def normalise(text: str) -> str:
    """Case, accents and punctuation folded away; words separated by one space."""
    folded = unicodedata.normalize("NFKD", text).casefold()
    kept = "".join(c if c.isalnum() else " " for c in folded if not unicodedata.combining(c))
    return " ".join(kept.split())


def _runs(text: str) -> set[str]:
    """Every run of MIN_RUN characters in the text."""
    return {text[i : i + MIN_RUN] for i in range(len(text) - MIN_RUN + 1)}


def copied(secret: str, draft: str) -> bool:
    """Whether the draft holds the secret value, or a run of MIN_RUN characters of it."""
    s, d = normalise(secret), normalise(draft)
    if len(s) < MIN_WHOLE:
        return False
    if len(s) <= MIN_RUN:
        return f" {s} " in f" {d} "
    return not _runs(s).isdisjoint(_runs(d))


def texts_of(value: Any) -> Iterator[str]:
    """Every text in a field's value (records and lists included)."""
    if isinstance(value, str):
        yield value
    elif isinstance(value, Mapping):
        for item in value.values():
            yield from texts_of(item)
    elif isinstance(value, list | tuple):
        for item in value:
            yield from texts_of(item)


def secrecy_findings(
    *,
    own_secret_fields: Iterable[str],
    quoted_secret_fields: Iterable[tuple[str, str]],
    draft_texts: Iterable[str],
    sources: Iterable[SourceField],
) -> list[Finding]:
    """Every way the draft contains secrecy: its own fields of a secrecy class, quotes of such
    fields, and text copied from their values. Empty: the draft may go on."""
    found = {Finding(None, name, "contained") for name in own_secret_fields}
    found |= {Finding(note, name, "quoted") for note, name in quoted_secret_fields}
    draft = " \n ".join(draft_texts)
    for source in sources:
        if any(copied(text, draft) for text in source.texts):
            found.add(Finding(source.note_id, source.field, "copied"))
    return sorted(found, key=lambda f: (f.note_id or "", f.field, f.how))
