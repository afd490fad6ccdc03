"""The case workflow: which status moves are allowed, who may make them, what closing records.

A case goes signalled -> under discussion -> follow-up -> closed (DESIGN.md section 3). Moving it
is a decision of the agency whose subject it is (its case worker) or of the cell's chair, who
leads the consultation (law of 30 July 2018, art. 2-3). Closing records an outcome on each of the
three intervention axes from a closed list, so the strategic view can count them and nobody
writes free text about the person there (DOMAIN.md rule 12). Pure: facts in, a verdict out.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from enum import StrEnum

from app.policies.engine import Actor
from app.policies.vocabulary import CaseStatus, MemberStatus, Role


class InterventionAxis(StrEnum):
    """The three intervention axes of family guidance (DOMAIN.md, the practice)."""

    PRIMARY_PREVENTION = "primary_prevention"
    SECONDARY_PREVENTION = "secondary_prevention"
    PSYCHOSOCIAL_GUIDANCE = "psychosocial_guidance"


class AxisOutcome(StrEnum):
    """How an axis ended when the case closed: a closed list, never free text."""

    NOT_APPLICABLE = "not_applicable"
    ACHIEVED = "achieved"
    PARTLY_ACHIEVED = "partly_achieved"
    NOT_ACHIEVED = "not_achieved"
    REFERRED = "referred"


class CaseReason(StrEnum):
    """Why a move is allowed or refused; goes into the access log and the problem response."""

    OWNER_CASE_WORKER = "owning_agency_case_worker"
    CELL_CHAIR = "cell_chair"
    MEMBER_SUSPENDED = "member_suspended"
    NOT_CASE_WORKER_OR_CHAIR = "not_case_worker_or_chair"
    STATUS_UNCHANGED = "status_unchanged"
    TRANSITION_NOT_ALLOWED = "transition_not_allowed"
    OUTCOMES_REQUIRED = "outcomes_required"
    OUTCOMES_ONLY_WHEN_CLOSING = "outcomes_only_when_closing"
    NOT_AN_OPENING_STATUS = "not_an_opening_status"


# A case is opened when it is signalled, or straight onto the table of the next consultation.
OPENING_STATUSES = frozenset({CaseStatus.SIGNALLED, CaseStatus.UNDER_DISCUSSION})

# Closed is final: a new signal about the same person opens a new case.
TRANSITIONS: Mapping[CaseStatus, frozenset[CaseStatus]] = {
    CaseStatus.SIGNALLED: frozenset({CaseStatus.UNDER_DISCUSSION, CaseStatus.CLOSED}),
    CaseStatus.UNDER_DISCUSSION: frozenset({CaseStatus.FOLLOW_UP, CaseStatus.CLOSED}),
    CaseStatus.FOLLOW_UP: frozenset({CaseStatus.UNDER_DISCUSSION, CaseStatus.CLOSED}),
    CaseStatus.CLOSED: frozenset(),
}


@dataclass(frozen=True)
class CaseFacts:
    """What the rule reads of a case: whose subject it is, who chairs its cell, where it stands."""

    owner_agency_id: str
    chair_member_id: str | None
    status: CaseStatus


@dataclass(frozen=True)
class CaseVerdict:
    """Allowed or not, with the reason code."""

    allowed: bool
    reason: CaseReason


def _deny(reason: CaseReason) -> CaseVerdict:
    return CaseVerdict(False, reason)


def mover(actor: Actor, case: CaseFacts) -> CaseVerdict:
    """Whether the actor may move the case at all: its owner's case worker or the cell's chair."""
    if actor.status is not MemberStatus.ACTIVE:
        return _deny(CaseReason.MEMBER_SUSPENDED)
    if case.chair_member_id is not None and actor.member_id == case.chair_member_id:
        return CaseVerdict(True, CaseReason.CELL_CHAIR)
    if Role.CASE_WORKER in actor.roles and actor.agency_id == case.owner_agency_id:
        return CaseVerdict(True, CaseReason.OWNER_CASE_WORKER)
    return _deny(CaseReason.NOT_CASE_WORKER_OR_CHAIR)


def transition(
    actor: Actor,
    case: CaseFacts,
    to: CaseStatus,
    outcomes: Mapping[InterventionAxis, AxisOutcome] | None,
) -> CaseVerdict:
    """Whether the actor may move the case to ``to`` (with ``outcomes`` when closing)."""
    who = mover(actor, case)
    if not who.allowed:
        return who
    if to is case.status:
        return _deny(CaseReason.STATUS_UNCHANGED)
    if to not in TRANSITIONS[case.status]:
        return _deny(CaseReason.TRANSITION_NOT_ALLOWED)
    if to is CaseStatus.CLOSED:
        if outcomes is None or set(outcomes) != set(InterventionAxis):
            return _deny(CaseReason.OUTCOMES_REQUIRED)
    elif outcomes:
        return _deny(CaseReason.OUTCOMES_ONLY_WHEN_CLOSING)
    return who


def opening(status: CaseStatus) -> CaseVerdict | None:
    """None if a case may open in this status, else the refusal."""
    if status in OPENING_STATUSES:
        return None
    return _deny(CaseReason.NOT_AN_OPENING_STATUS)
