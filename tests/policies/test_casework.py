"""The case workflow's rule, the minor flag's arithmetic and the cartography's permissions."""

from __future__ import annotations

from datetime import date

import pytest

from app.policies.cartography import (
    CartographyReason,
    CartographyVerdict,
    may_read_register,
    may_set_category,
)
from app.policies.casework import (
    TRANSITIONS,
    AxisOutcome,
    CaseFacts,
    CaseReason,
    InterventionAxis,
    opening,
    transition,
)
from app.policies.engine import Actor
from app.policies.minors import adult_on, adult_on_if_minor, minor_on
from app.policies.vocabulary import CaseStatus, Clearance, MemberStatus, Role

OWNER = "agency-ocmw"
ALL_AXES = {a: AxisOutcome.ACHIEVED for a in InterventionAxis}


def _actor(
    *roles: Role,
    agency: str = OWNER,
    member: str = "m1",
    status: MemberStatus = MemberStatus.ACTIVE,
    clearance: Clearance = Clearance.NONE,
) -> Actor:
    return Actor(member, agency, frozenset(roles), status, clearance=clearance)


def _case(status: CaseStatus = CaseStatus.SIGNALLED, chair: str | None = "chair") -> CaseFacts:
    return CaseFacts(OWNER, chair, status)


def test_the_owning_agencys_case_worker_moves_the_case() -> None:
    verdict = transition(_actor(Role.CASE_WORKER), _case(), CaseStatus.UNDER_DISCUSSION, None)
    assert (verdict.allowed, verdict.reason) == (True, CaseReason.OWNER_CASE_WORKER)


def test_the_cells_chair_moves_the_case() -> None:
    chair = _actor(Role.CHAIR, agency="stad", member="chair")
    verdict = transition(chair, _case(), CaseStatus.UNDER_DISCUSSION, None)
    assert (verdict.allowed, verdict.reason) == (True, CaseReason.CELL_CHAIR)


@pytest.mark.parametrize(
    "actor",
    [
        _actor(Role.CASE_WORKER, agency="another-agency"),
        _actor(Role.POLICE_REFERENCE),
        _actor(Role.INFORMATION_OFFICER),
        _actor(Role.CHAIR, agency="stad", member="another-chair"),
        _actor(Role.CHAIR_DELEGATE, agency="stad"),
        _actor(Role.AGENCY_ADMIN),
    ],
)
def test_nobody_else_moves_a_case(actor: Actor) -> None:
    verdict = transition(actor, _case(), CaseStatus.UNDER_DISCUSSION, None)
    assert (verdict.allowed, verdict.reason) == (False, CaseReason.NOT_CASE_WORKER_OR_CHAIR)


def test_a_cell_without_chair_has_only_case_workers() -> None:
    chairless = _case(chair=None)
    chair = _actor(Role.CHAIR, agency="stad", member="chair")
    assert not transition(chair, chairless, CaseStatus.UNDER_DISCUSSION, None).allowed


def test_a_suspended_member_moves_nothing() -> None:
    actor = _actor(Role.CASE_WORKER, status=MemberStatus.SUSPENDED)
    verdict = transition(actor, _case(), CaseStatus.UNDER_DISCUSSION, None)
    assert verdict.reason is CaseReason.MEMBER_SUSPENDED


def test_the_whole_transition_table() -> None:
    worker = _actor(Role.CASE_WORKER)
    for source in CaseStatus:
        for target in CaseStatus:
            outcomes = ALL_AXES if target is CaseStatus.CLOSED else None
            verdict = transition(worker, _case(source), target, outcomes)
            if source is target:
                assert verdict.reason is CaseReason.STATUS_UNCHANGED
            elif target in TRANSITIONS[source]:
                assert verdict.allowed, (source, target)
            else:
                assert verdict.reason is CaseReason.TRANSITION_NOT_ALLOWED, (source, target)
    assert TRANSITIONS[CaseStatus.CLOSED] == frozenset()
    assert CaseStatus.FOLLOW_UP not in TRANSITIONS[CaseStatus.SIGNALLED]


def test_closing_needs_an_outcome_on_every_axis() -> None:
    worker = _actor(Role.CASE_WORKER)
    case = _case(CaseStatus.FOLLOW_UP)
    assert transition(worker, case, CaseStatus.CLOSED, None).reason is CaseReason.OUTCOMES_REQUIRED
    two = {
        InterventionAxis.PRIMARY_PREVENTION: AxisOutcome.ACHIEVED,
        InterventionAxis.SECONDARY_PREVENTION: AxisOutcome.REFERRED,
    }
    assert transition(worker, case, CaseStatus.CLOSED, two).reason is CaseReason.OUTCOMES_REQUIRED
    assert transition(worker, case, CaseStatus.CLOSED, ALL_AXES).allowed


def test_outcomes_only_when_closing() -> None:
    worker = _actor(Role.CASE_WORKER)
    verdict = transition(worker, _case(), CaseStatus.UNDER_DISCUSSION, ALL_AXES)
    assert verdict.reason is CaseReason.OUTCOMES_ONLY_WHEN_CLOSING


def test_a_case_opens_signalled_or_under_discussion() -> None:
    assert opening(CaseStatus.SIGNALLED) is None
    assert opening(CaseStatus.UNDER_DISCUSSION) is None
    for status in (CaseStatus.FOLLOW_UP, CaseStatus.CLOSED):
        refusal = opening(status)
        assert refusal is not None
        assert refusal.reason is CaseReason.NOT_AN_OPENING_STATUS


def test_minor_until_the_eighteenth_birthday_and_not_a_day_longer() -> None:
    born = date(2008, 6, 15)
    majority = adult_on(born)
    assert majority == date(2026, 6, 15)
    assert minor_on(majority, date(2026, 6, 14))
    assert not minor_on(majority, date(2026, 6, 15))
    assert not minor_on(None, date(2000, 1, 1))


def test_born_on_29_february_comes_of_age_on_1_march() -> None:
    assert adult_on(date(2008, 2, 29)) == date(2026, 3, 1)
    assert adult_on(date(2004, 2, 29)) == date(2022, 3, 1)  # 2022 has no 29 February


def test_only_a_minors_day_of_majority_is_kept() -> None:
    today = date(2026, 11, 26)
    assert adult_on_if_minor(date(2012, 3, 4), today) == date(2030, 3, 4)
    assert adult_on_if_minor(date(2008, 11, 26), today) is None  # 18 today
    assert adult_on_if_minor(date(1999, 3, 4), today) is None


def test_the_information_officer_of_the_cell_sets_the_category() -> None:
    # Whole verdicts: a refusal that kept ``allowed`` True, or an allow without its reason, fails.
    officer = _actor(Role.INFORMATION_OFFICER, clearance=Clearance.SECRET)
    assert may_set_category(officer, invited_to_case_cell=True) == CartographyVerdict(
        True, CartographyReason.INFORMATION_OFFICER
    )
    refused = may_set_category(officer, invited_to_case_cell=False)
    assert refused == CartographyVerdict(False, CartographyReason.NOT_IN_CELL)
    worker = may_set_category(_actor(Role.CASE_WORKER), invited_to_case_cell=True)
    assert worker == CartographyVerdict(False, CartographyReason.NOT_INFORMATION_OFFICER)
    chair = may_set_category(_actor(Role.CHAIR), invited_to_case_cell=True)
    assert chair == CartographyVerdict(False, CartographyReason.NOT_INFORMATION_OFFICER)
    gone = _actor(Role.INFORMATION_OFFICER, status=MemberStatus.SUSPENDED)
    assert may_set_category(gone, invited_to_case_cell=True) == CartographyVerdict(
        False, CartographyReason.MEMBER_SUSPENDED
    )


@pytest.mark.parametrize(
    ("clearance", "cell", "ltf", "reason"),
    [
        (Clearance.SECRET, True, False, CartographyReason.CLEARED_CELL_MEMBER),
        (Clearance.TOP_SECRET, False, True, CartographyReason.CLEARED_LTF_MEMBER),
        (Clearance.CONFIDENTIAL, True, True, CartographyReason.CLEARANCE_BELOW_SECRET),
        (Clearance.NONE, True, False, CartographyReason.CLEARANCE_BELOW_SECRET),
        (Clearance.TOP_SECRET, False, False, CartographyReason.NOT_CELL_OR_LTF_MEMBER),
    ],
)
def test_the_register_is_for_cleared_members_of_the_cell_or_its_ltf(
    clearance: Clearance, cell: bool, ltf: bool, reason: CartographyReason
) -> None:
    actor = _actor(Role.CASE_WORKER, clearance=clearance)
    verdict = may_read_register(actor, invited_to_cell=cell, invited_to_ltf=ltf)
    assert verdict.reason is reason
    assert verdict.allowed is reason.value.startswith("cleared")


def test_a_suspended_member_reads_no_register() -> None:
    actor = _actor(Role.CASE_WORKER, clearance=Clearance.TOP_SECRET, status=MemberStatus.SUSPENDED)
    verdict = may_read_register(actor, invited_to_cell=True, invited_to_ltf=True)
    assert verdict == CartographyVerdict(False, CartographyReason.MEMBER_SUSPENDED)
