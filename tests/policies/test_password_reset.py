"""A password (re)set is a four-eyes change: who proposes it, who may approve it (pure rules)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from app.policies.administration import (
    AdminActor,
    AdminReason,
    AgencyFacts,
    MemberState,
    ProposalFacts,
    ProposalState,
    Target,
    Widening,
    may_decide,
    plan_password_reset,
)
from app.policies.vocabulary import MemberKind, MemberStatus, Role

R = AdminReason
NOW = datetime(2026, 11, 26, 9, 0, tzinfo=UTC)
A1 = AgencyFacts("a1", has_agency_admin=True)
RESET = Widening(password=True)


def actor(*roles: Role, agency: str = "a1", member: str = "admin") -> AdminActor:
    return AdminActor(member, agency, frozenset(roles), MemberStatus.ACTIVE)


def target(*roles: Role, kind: MemberKind = MemberKind.PERSON, member: str = "m1") -> Target:
    return Target(member, kind, MemberState(frozenset(roles)))


AGENCY_ADMIN = actor(Role.AGENCY_ADMIN)
HUB_ADMIN = actor(Role.HUB_ADMIN, agency="hub")


@pytest.mark.parametrize(
    ("who", "whom", "expected"),
    [
        (AGENCY_ADMIN, target(Role.CASE_WORKER), R.FOUR_EYES),
        (AGENCY_ADMIN, target(Role.AGENCY_ADMIN, member="admin"), R.SELF_CHANGE),
        (
            AGENCY_ADMIN,
            target(Role.SERVICE_ACCOUNT, kind=MemberKind.SERVICE),
            R.SERVICE_NO_PASSWORD,
        ),
        (AGENCY_ADMIN, target(Role.HUB_AUDITOR), R.HUB_ONLY_ROLE),
        (actor(Role.AGENCY_ADMIN, agency="a2"), target(Role.CASE_WORKER), R.NOT_AN_ADMIN),
        (actor(Role.CASE_WORKER), target(Role.CASE_WORKER), R.NOT_AN_ADMIN),
        (HUB_ADMIN, target(Role.AGENCY_ADMIN), R.FOUR_EYES),
        (HUB_ADMIN, target(Role.HUB_AUDITOR), R.FOUR_EYES),
        (HUB_ADMIN, target(Role.CASE_WORKER), R.HUB_ADMIN_NO_CONTENT),
        (
            AdminActor("x", "a1", frozenset({Role.AGENCY_ADMIN}), MemberStatus.SUSPENDED),
            target(Role.CASE_WORKER),
            R.ACTOR_NOT_ACTIVE,
        ),
    ],
)
def test_who_may_propose_a_password_reset(
    who: AdminActor, whom: Target, expected: AdminReason
) -> None:
    plan = plan_password_reset(who, A1, whom)
    assert plan.reason is expected
    assert plan.allowed is (expected is R.FOUR_EYES)
    if plan.allowed:
        assert plan.waits == RESET
        assert plan.now == whom.state


def _proposal(proposer: str = "admin") -> ProposalFacts:
    return ProposalFacts(
        proposer, "m1", MemberKind.PERSON, "a1", RESET, ProposalState.PENDING, NOW + timedelta(1)
    )


@pytest.mark.parametrize(
    ("who", "member_roles", "expected"),
    [
        (actor(Role.AGENCY_ADMIN, member="admin2"), {Role.CASE_WORKER}, R.APPROVED_BY_AGENCY),
        (AGENCY_ADMIN, {Role.CASE_WORKER}, R.PROPOSER_CANNOT_APPROVE),
        # The approver receives the one-time password: a hub admin never for a content member.
        (actor(Role.HUB_ADMIN, agency="hub", member="h2"), {Role.CASE_WORKER}, R.NOT_AN_APPROVER),
        (
            actor(Role.HUB_ADMIN, agency="hub", member="h2"),
            {Role.AGENCY_ADMIN},
            R.APPROVED_BY_HUB_ADMIN,
        ),
        # ... and an agency's approver never for a holder of a hub-wide role.
        (actor(Role.AGENCY_ADMIN, member="admin2"), {Role.HUB_AUDITOR}, R.NOT_AN_APPROVER),
    ],
)
def test_who_may_approve_a_password_reset(
    who: AdminActor, member_roles: set[Role], expected: AdminReason
) -> None:
    member = MemberState(frozenset(member_roles))
    verdict = may_decide(who, A1, _proposal(), member, NOW, approve=True)
    assert verdict.reason is expected


def test_a_reset_widens_nothing_but_is_logged_as_a_reset() -> None:
    member = MemberState(frozenset({Role.CASE_WORKER}))
    assert RESET.apply(member) == member
    assert bool(RESET)
    assert RESET.describe() == ("password:reset",)
