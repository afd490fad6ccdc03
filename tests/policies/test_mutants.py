"""Tests written for mutants that survived ``make mutate`` (docs/decisions.md 63).

Each pins a behaviour the other tests left open: an allow's reason, a verdict's ``allowed``
flag, a boundary, a message naming its setting, a remembered answer not asked twice.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta

import pytest

from app.policies import (
    AccessRequest,
    Actor,
    Permission,
    Reason,
    Resource,
    ResourceKind,
    decide,
    permissions_of,
)
from app.policies.administration import (
    AdminActor,
    AdminReason,
    AgencyFacts,
    MemberState,
    ProposalFacts,
    ProposalState,
    Target,
    Widening,
    after_patch,
    may_decide,
    may_withdraw,
    plan_change,
    shown_state,
)
from app.policies.engine import Effect, Verdict
from app.policies.local import LocalPolicy, PolicyConfigError
from app.policies.rules import DEFAULT_RULES
from app.policies.sharing import (
    NO_CONTENT_ROLES,
    SHARING_RULES,
    Scope,
    ShareIndex,
    ShareReason,
    ShareRequest,
    SharingPolicy,
    evaluate,
    field_key,
    policy_for,
)
from app.policies.vocabulary import Clearance, MemberKind, MemberStatus, Role
from tests.policies.sharing_world import EXCHANGE, FIELD, GRANT, NOW, RELEASE, WORKER, world

T = datetime(2026, 11, 26, 9, 0, tzinfo=UTC)
ACTIVE, SUSPENDED = MemberStatus.ACTIVE, MemberStatus.SUSPENDED

# ---- the foundation's rules: every allow names its rule -------------------------------------


def _actor(*roles: Role, agency: str = "a1") -> Actor:
    return Actor("m1", agency, frozenset(roles), ACTIVE)


@pytest.mark.parametrize(
    ("who", "action", "resource", "reason"),
    [
        (
            _actor(Role.CASE_WORKER),
            Permission.CASE_READ,
            Resource(ResourceKind.CASE, cell_agency_ids=frozenset({"a1"})),
            Reason.CELL_AGENCY,
        ),
        (
            _actor(Role.HUB_ADMIN, agency="hub"),
            Permission.CELL_MANAGE,
            Resource(ResourceKind.CELL),
            Reason.HUB_ADMIN,
        ),
        (
            _actor(Role.AUDITOR),
            Permission.AUDIT_READ,
            Resource(ResourceKind.AUDIT_LOG, owner_agency_id="a1"),
            Reason.AUDITOR,
        ),
        (
            _actor(Role.HUB_AUDITOR, agency="hub"),
            Permission.AUDIT_READ_HUB,
            Resource(ResourceKind.AUDIT_LOG),
            Reason.HUB_AUDITOR,
        ),
    ],
)
def test_each_allow_names_its_rule(
    who: Actor, action: Permission, resource: Resource, reason: Reason
) -> None:
    decision = decide(AccessRequest(who, action, resource, T), DEFAULT_RULES)
    assert decision.allowed
    assert decision.reasons == (reason,)


def test_an_unknown_role_carries_no_permission() -> None:
    assert permissions_of(["astrologer"]) == frozenset()  # type: ignore[list-item]
    assert permissions_of([Role.AUDITOR, "astrologer"]) == {Permission.AUDIT_READ}  # type: ignore[list-item]


# ---- administration: verdict flags, boundaries, the small functions ---------------------------


def _admin(*roles: Role, member: str = "admin", agency: str = "a1", status=ACTIVE) -> AdminActor:  # type: ignore[no-untyped-def]
    return AdminActor(member, agency, frozenset(roles), status)


def _proposal(widening: Widening, **changes: object) -> ProposalFacts:
    base = ProposalFacts(
        "admin", "m1", MemberKind.PERSON, "a1", widening, ProposalState.PENDING, T + timedelta(1)
    )
    return replace(base, **changes)  # type: ignore[arg-type]


CONTENT = Widening(roles=frozenset({Role.CASE_WORKER}), activate=True)
SECOND = _admin(Role.AGENCY_ADMIN, member="admin2")
A1 = AgencyFacts("a1", has_agency_admin=True)
NOTHING = MemberState(frozenset(), status=MemberStatus.PENDING)


@pytest.mark.parametrize(
    ("who", "proposal"),
    [
        (_admin(Role.AGENCY_ADMIN, member="x", status=SUSPENDED), _proposal(CONTENT)),
        (SECOND, _proposal(CONTENT, state=ProposalState.APPROVED)),
        (SECOND, _proposal(CONTENT, expires_at=T)),
        (_admin(Role.AGENCY_ADMIN, member="m1"), _proposal(CONTENT)),
        (_admin(Role.AGENCY_ADMIN), _proposal(CONTENT)),
        (_admin(Role.CASE_WORKER, member="cw"), _proposal(CONTENT)),
    ],
)
def test_a_refusal_to_decide_is_false_for_approval_and_refusal_alike(
    who: AdminActor, proposal: ProposalFacts
) -> None:
    for approve in (True, False):
        assert may_decide(who, A1, proposal, NOTHING, T, approve=approve).allowed is False


def test_an_approval_that_would_make_invalid_roles_is_false() -> None:
    admin_now = MemberState(frozenset({Role.AGENCY_ADMIN}))
    verdict = may_decide(SECOND, A1, _proposal(CONTENT), admin_now, T, approve=True)
    assert verdict.allowed is False
    assert verdict.reason is AdminReason.ADMIN_AND_CONTENT
    assert may_decide(SECOND, A1, _proposal(CONTENT), NOTHING, T, approve=True).allowed is True


def test_a_service_account_is_activated_on_approval() -> None:
    service = MemberState(frozenset({Role.SERVICE_ACCOUNT}), status=MemberStatus.PENDING)
    p = _proposal(Widening(activate=True), member_kind=MemberKind.SERVICE)
    verdict = may_decide(SECOND, A1, p, service, T, approve=True)
    assert (verdict.allowed, verdict.reason) == (True, AdminReason.APPROVED_BY_AGENCY)


def test_a_hub_admin_approves_every_admin_role_at_once() -> None:
    every = frozenset({Role.HUB_ADMIN, Role.AGENCY_ADMIN, Role.HUB_AUDITOR})
    p = _proposal(Widening(roles=every), proposer_id="hub1")
    verdict = may_decide(
        _admin(Role.HUB_ADMIN, member="hub2", agency="hub"), A1, p, NOTHING, T, approve=False
    )
    assert verdict.reason is AdminReason.APPROVED_BY_HUB_ADMIN


def test_a_hub_admin_narrows_a_member_holding_every_admin_role() -> None:
    every = MemberState(frozenset({Role.HUB_ADMIN, Role.AGENCY_ADMIN, Role.HUB_AUDITOR}))
    target = Target("m1", MemberKind.PERSON, every)
    after = MemberState(frozenset({Role.HUB_ADMIN}))
    plan = plan_change(_admin(Role.HUB_ADMIN, agency="hub"), A1, target, after)
    assert (plan.allowed, plan.reason) == (True, AdminReason.NARROWING)


def test_only_the_proposer_withdraws_and_only_while_pending() -> None:
    pending = _proposal(CONTENT)
    assert may_withdraw(_admin(Role.AGENCY_ADMIN), pending).allowed is True
    other = may_withdraw(SECOND, pending)
    assert (other.allowed, other.reason) == (False, AdminReason.NOT_AN_APPROVER)
    closed = may_withdraw(_admin(Role.AGENCY_ADMIN), replace(pending, state=ProposalState.REFUSED))
    assert (closed.allowed, closed.reason) == (False, AdminReason.PROPOSAL_NOT_PENDING)


def test_a_widening_keeps_the_status_unless_it_activates() -> None:
    suspended = MemberState(frozenset({Role.CHAIR}), status=SUSPENDED)
    assert Widening(roles=frozenset({Role.CASE_WORKER})).apply(suspended).status is SUSPENDED
    assert Widening(activate=True).apply(suspended).status is ACTIVE
    assert Widening(bound_by_secrecy=True).describe() == ("bound_by_secrecy:true",)


@pytest.mark.parametrize(
    ("state", "now", "shown"),
    [
        (ProposalState.PENDING, T - timedelta(seconds=1), ProposalState.PENDING),
        (ProposalState.PENDING, T, ProposalState.EXPIRED),
        (ProposalState.APPROVED, T + timedelta(1), ProposalState.APPROVED),
        (ProposalState.REFUSED, T - timedelta(1), ProposalState.REFUSED),
    ],
)
def test_a_pending_proposal_past_its_expiry_shows_as_expired(
    state: ProposalState, now: datetime, shown: ProposalState
) -> None:
    assert shown_state(state, T, now) is shown


def test_a_patch_changes_what_it_names_and_keeps_the_rest() -> None:
    before = MemberState(frozenset({Role.CHAIR}), Clearance.SECRET, True, ACTIVE)
    same = after_patch(before, roles=None, clearance=None, bound_by_secrecy=None, status=None)
    assert same == before
    changed = after_patch(
        before,
        roles=frozenset({Role.CASE_WORKER}),
        clearance=Clearance.NONE,
        bound_by_secrecy=False,
        status=SUSPENDED,
    )
    assert changed == MemberState(frozenset({Role.CASE_WORKER}), Clearance.NONE, False, SUSPENDED)


# ---- a municipality's policy: every message names its setting --------------------------------


@pytest.mark.parametrize(
    ("mapping", "message"),
    [
        ({"nonsense": [], "other": []}, "unknown policy settings: nonsense, other"),
        ({"withheld_classes": [1]}, "withheld_classes must be a list of names"),
        ({"ltf_sources": "ocad"}, "ltf_sources must be a list of names"),
        ({"withheld_classes": ["x", "y"]}, "withheld_classes: unknown names x, y"),
        (
            {"secrecy_bound_classes": ["health", "psychological", "x"]},
            "secrecy_bound_classes: unknown",
        ),
        ({"judicial_classes": ["judicial", "x"]}, "judicial_classes: unknown"),
        ({"judicial_receivers": ["x"]}, "judicial_receivers: unknown"),
        ({"ltf_sources": ["ocad", "state_security", "x"]}, "ltf_sources: unknown"),
        ({"secrecy_bound_classes": ["health"]}, "secrecy_bound_classes would loosen"),
        ({"judicial_classes": []}, "judicial_classes would loosen"),
        ({"judicial_receivers": ["local_police", "youth"]}, "judicial_receivers would loosen"),
        ({"ltf_sources": ["ocad"]}, "ltf_sources would loosen"),
    ],
)
def test_a_refused_policy_names_the_setting(mapping: dict[str, object], message: str) -> None:
    with pytest.raises(PolicyConfigError) as refused:
        LocalPolicy.from_mapping(mapping)
    assert str(refused.value).startswith(message)


def test_more_judicial_classes_are_kept_to_police_and_justice() -> None:
    rules = LocalPolicy.from_mapping({"judicial_classes": ["judicial", "risk_assessment"]}).rules()
    facts = world(field=replace(FIELD, sensitivity="risk_assessment"))
    decision = decide(ShareRequest(**facts), rules)  # type: ignore[arg-type]
    assert ShareReason.JUDICIAL_POLICE_ONLY in decision.reasons


# ---- sharing rules: boundaries ---------------------------------------------------------------


def test_an_exchange_is_readable_from_the_instant_it_opens() -> None:
    facts = world(now=EXCHANGE.opens_at)
    assert decide(ShareRequest(**facts), SHARING_RULES).allowed  # type: ignore[arg-type]


def test_a_member_holding_every_administrative_role_still_sees_no_content() -> None:
    facts = world(participant=replace(WORKER, roles=NO_CONTENT_ROLES))
    decision = decide(ShareRequest(**facts), SHARING_RULES)  # type: ignore[arg-type]
    assert decision.reasons == (ShareReason.ADMIN_NO_CONTENT,)


def test_intelligence_without_a_level_needs_a_clearance() -> None:
    intel = replace(FIELD, sensitivity="intelligence", classification=None)
    decision = decide(ShareRequest(**world(field=intel)), SHARING_RULES)  # type: ignore[arg-type]
    assert decision.reasons == (ShareReason.CLEARANCE_TOO_LOW,)
    cleared = replace(WORKER, clearance=1)
    assert decide(ShareRequest(**world(field=intel, participant=cleared)), SHARING_RULES).allowed  # type: ignore[arg-type]


@pytest.mark.parametrize("change", [{}, {"releases": ()}, {"grants": ()}])
def test_rules_answer_the_same_with_the_reads_index(change: dict[str, object]) -> None:
    facts = world(**change)
    index = ShareIndex.build(WORKER, facts["releases"], facts["grants"], NOW)  # type: ignore[arg-type]
    plain = decide(ShareRequest(**facts), SHARING_RULES)  # type: ignore[arg-type]
    assert decide(ShareRequest(**facts, index=index), SHARING_RULES) == plain  # type: ignore[arg-type]


# ---- the compiled policy -------------------------------------------------------------------


@dataclass(frozen=True)
class Counted:
    """A flow rule that counts how often it is asked (and never says anything)."""

    asked: list[int]
    name: str = "counted"
    scope: Scope = Scope.FLOW

    def evaluate(self, request: ShareRequest) -> Verdict | None:
        self.asked.append(1)
        return None


def test_flow_rules_are_asked_once_per_kind_across_reads() -> None:
    asked: list[int] = []
    policy = SharingPolicy((*SHARING_RULES, Counted(asked)))
    other = replace(FIELD, name="other")
    for _ in range(3):
        policy.read(WORKER, EXCHANGE, (RELEASE,), (GRANT,), NOW).decide_all([FIELD, other])
    assert len(asked) == 1


@dataclass(frozen=True)
class OnlyWithTwoReleases:
    """A regulation's rule (no scope: per field) that reads the read's releases and grants."""

    name: str = "two_releases"

    def evaluate(self, request: ShareRequest) -> Verdict | None:
        if len(request.releases) < 2 or len(request.grants) < 1:
            return Verdict(Effect.DENY, "local_rule")
        return None


def test_field_rules_see_the_reads_releases_and_grants() -> None:
    policy = SharingPolicy((*SHARING_RULES, OnlyWithTwoReleases()))
    assert [r.name for _, r in policy.per_field] == ["two_releases"]
    one = policy.read(WORKER, EXCHANGE, (RELEASE,), (GRANT,), NOW).decide(FIELD)
    assert one.reasons == ("local_rule",)
    two = policy.read(WORKER, EXCHANGE, (RELEASE, RELEASE), (GRANT,), NOW).decide(FIELD)
    assert two.allowed


def test_the_policys_bounds_are_as_documented() -> None:
    policy = SharingPolicy()
    assert (policy.max_profiles, policy.max_kinds) == (512, 4096)


def test_policy_for_remembers_64_tables_then_starts_afresh(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(evaluate, "_POLICIES", {})
    tables = [list(SHARING_RULES) for _ in range(65)]
    first = policy_for(tables[0])
    assert policy_for(tables[0]) is first
    for table in tables[1:64]:
        policy_for(table)
    assert len(evaluate._POLICIES) == 64
    assert policy_for(tables[0]) is first
    policy_for(tables[64])
    assert len(evaluate._POLICIES) == 1
    assert policy_for(tables[0]) is not first


def test_a_reads_key_is_note_version_and_name() -> None:
    assert field_key(FIELD) == ("n1", 1, "housing")
