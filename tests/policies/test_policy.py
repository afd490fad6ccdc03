"""The compiled policy: what it remembers across reads, and that nothing it remembers goes stale.

A ``SharingPolicy`` remembers what flow rules said per profile and kind of field. Withdrawal,
removal, suspension and expiry are exchange and index facts, asked afresh at every read: each
test below warms the policy with a visible read, changes one fact, and reads again.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta

import pytest

from app.policies.engine import Decision
from app.policies.local import LocalPolicy
from app.policies.sharing import (
    SHARING_RULES,
    ExchangeFacts,
    FieldFacts,
    GrantFacts,
    ParticipantFacts,
    ReleaseFacts,
    Scope,
    ShareReason,
    SharingPolicy,
    field_key,
    flow_kind,
    policy_for,
    profile,
)
from tests.policies.sharing_world import EXCHANGE, FIELD, GRANT, NOW, RELEASE, WORKER

LATER = NOW + timedelta(minutes=1)
HEALTH = replace(FIELD, name="diagnosis", sensitivity="health")
INTEL = replace(FIELD, name="report", sensitivity="intelligence", classification=3)
JUDICIAL = replace(FIELD, name="file", sensitivity="judicial")
FIELDS = (FIELD, HEALTH, INTEL, JUDICIAL)
RELEASES = tuple(replace(RELEASE, field=f.name) for f in FIELDS)
GRANTS = tuple(replace(GRANT, field=f.name) for f in FIELDS)
OFFICER = replace(WORKER, agency_kind="local_police", clearance=3)


def read(
    policy: SharingPolicy,
    who: ParticipantFacts = OFFICER,
    exchange: ExchangeFacts = EXCHANGE,
    releases: tuple[ReleaseFacts, ...] = RELEASES,
    grants: tuple[GrantFacts, ...] = GRANTS,
    now: object = LATER,
    fields: tuple[FieldFacts, ...] = FIELDS,
) -> dict[object, Decision]:
    reading = policy.read(who, exchange, releases, grants, now)  # type: ignore[arg-type]
    return dict(reading.decide_all(fields))


def visible(decisions: dict[object, Decision]) -> set[str]:
    return {key[2] for key, d in decisions.items() if d.allowed}  # type: ignore[index]


@pytest.fixture
def warm() -> SharingPolicy:
    policy = SharingPolicy()
    assert visible(read(policy)) == {"housing", "diagnosis", "report", "file"}
    return policy


def test_a_withdrawn_release_hides_its_field_at_the_next_read(warm: SharingPolicy) -> None:
    withdrawn = (replace(RELEASES[0], withdrawn_at=LATER), *RELEASES[1:])
    decisions = read(warm, releases=withdrawn)
    assert decisions[field_key(FIELD)].reasons == (ShareReason.NOT_RELEASED,)
    assert visible(decisions) == {"diagnosis", "report", "file"}


def test_a_withdrawn_grant_hides_its_field_at_the_next_read(warm: SharingPolicy) -> None:
    withdrawn = (*GRANTS[:3], replace(GRANTS[3], withdrawn_at=LATER))
    assert visible(read(warm, grants=withdrawn)) == {"housing", "diagnosis", "report"}


@pytest.mark.parametrize(
    ("change", "reason"),
    [
        ({"removed_at": LATER}, ShareReason.NOT_PARTICIPANT),
        ({"status": "suspended"}, ShareReason.MEMBER_SUSPENDED),
    ],
)
def test_removal_and_suspension_hide_everything_at_the_next_read(
    warm: SharingPolicy, change: dict[str, object], reason: ShareReason
) -> None:
    decisions = read(warm, who=replace(OFFICER, **change))  # type: ignore[arg-type]
    assert not visible(decisions)
    assert {d.reason for d in decisions.values()} == {reason}


@pytest.mark.parametrize(
    ("exchange", "reason"),
    [
        (replace(EXCHANGE, expires_at=LATER), ShareReason.EXCHANGE_CLOSED),
        (replace(EXCHANGE, closed_at=LATER), ShareReason.EXCHANGE_CLOSED),
        (replace(EXCHANGE, opens_at=LATER + timedelta(seconds=1)), ShareReason.EXCHANGE_NOT_OPEN),
    ],
)
def test_expiry_and_closing_hide_everything_at_the_next_read(
    warm: SharingPolicy, exchange: ExchangeFacts, reason: ShareReason
) -> None:
    decisions = read(warm, exchange=exchange)
    assert not visible(decisions)
    assert {d.reason for d in decisions.values()} == {reason}


@pytest.mark.parametrize(
    ("change", "hidden"),
    [
        ({"clearance": 2}, "report"),
        ({"bound_by_secrecy": False}, "diagnosis"),
        ({"agency_kind": "social_service"}, "file"),
    ],
)
def test_a_changed_profile_is_decided_afresh(
    warm: SharingPolicy, change: dict[str, object], hidden: str
) -> None:
    assert hidden not in visible(read(warm, who=replace(OFFICER, **change)))  # type: ignore[arg-type]
    assert hidden in visible(read(warm))


def test_the_profile_is_what_flow_rules_may_read() -> None:
    x = EXCHANGE
    assert profile(OFFICER, x) == ("local_police", OFFICER.roles, True, 3, "livc_case")
    assert profile(replace(OFFICER, status="suspended", member_id="x"), x) == profile(OFFICER, x)
    assert flow_kind(INTEL) == ("intelligence", 3, "local_police", False)


def test_the_policy_forgets_the_oldest_profile_beyond_its_bound() -> None:
    policy = SharingPolicy(max_profiles=2)
    first = policy.table(OFFICER, EXCHANGE)
    policy.table(replace(OFFICER, clearance=1), EXCHANGE)
    assert policy.table(OFFICER, EXCHANGE) is first
    policy.table(replace(OFFICER, clearance=2), EXCHANGE)
    assert policy.table(OFFICER, EXCHANGE) is not first
    assert len(policy._profiles) == 2


def test_a_profile_forgets_its_kinds_beyond_their_bound() -> None:
    policy = SharingPolicy(max_kinds=2)
    kinds = [replace(FIELD, name=f"f{i}", classification=i) for i in range(3)]
    releases = tuple(replace(RELEASE, field=f.name) for f in kinds)
    grants = tuple(replace(GRANT, field=f.name) for f in kinds)
    for f in kinds:
        read(policy, releases=releases, grants=grants, fields=(f,))
    table = policy.table(OFFICER, EXCHANGE)
    assert len(table.flows) == 1
    assert len(table.slots) == 1
    assert visible(read(policy, releases=releases, grants=grants, fields=tuple(kinds))) == {
        "f0",
        "f1",
        "f2",
    }


def test_policy_for_compiles_a_table_once_and_tells_tables_apart() -> None:
    assert policy_for(SHARING_RULES) is policy_for(SHARING_RULES)
    assert policy_for(SHARING_RULES).rules == SHARING_RULES
    local = LocalPolicy.from_mapping({"withheld_classes": ["health"]}).rules()
    assert policy_for(local) is not policy_for(SHARING_RULES)
    same_rules = tuple(SHARING_RULES)
    assert policy_for(list(same_rules)) is not policy_for(list(same_rules))


def test_policy_for_holds_a_bounded_number_of_tables() -> None:
    from app.policies.sharing import evaluate

    tables = [tuple(SHARING_RULES) + () for _ in range(70)]
    for t in [list(t) for t in tables]:
        policy_for(t)
    assert len(evaluate._POLICIES) <= 64


def test_rules_sort_into_their_scopes() -> None:
    policy = SharingPolicy()
    names = {s: [r.name for _, r in getattr(policy, attr)] for s, attr in _ATTRS.items()}
    assert names[Scope.EXCHANGE] == [
        "exchange_open",
        "participates",
        "active_member",
        "admins_see_no_content",
    ]
    assert names[Scope.FLOW] == [
        "known_sensitivity",
        "secrecy_flows",
        "classified",
        "judicial_police_only",
        "ltf_bridge",
        "minors_under_secrecy",
    ]
    assert names[Scope.FIELD] == []
    assert policy.index_said(0) == (
        (5, _verdict("deny", "not_released")),
        (6, _verdict("deny", "not_granted")),
    )
    assert policy.index_said(3) == (
        (5, _verdict("allow", "released")),
        (6, _verdict("allow", "granted")),
    )


_ATTRS = {Scope.EXCHANGE: "exchange", Scope.FLOW: "flow", Scope.FIELD: "per_field"}


def _verdict(effect: str, reason: str):  # type: ignore[no-untyped-def]
    from app.policies.engine import Effect, Verdict

    return Verdict(Effect(effect), reason)


def test_an_index_scoped_rule_without_given_is_asked_per_field() -> None:
    from dataclasses import dataclass

    from app.policies.engine import Effect, Verdict
    from app.policies.sharing import ShareRequest

    @dataclass(frozen=True)
    class OddName:
        name: str = "odd"
        scope: Scope = Scope.INDEX

        def evaluate(self, request: ShareRequest) -> Verdict | None:
            return Verdict(Effect.DENY, "odd") if request.field.name == "report" else None

    policy = SharingPolicy((*SHARING_RULES, OddName()))
    assert [r.name for _, r in policy.per_field] == ["odd"]
    assert visible(read(policy)) == {"housing", "diagnosis", "file"}
    assert read(policy)[field_key(INTEL)].reasons == ("odd",)


def test_decisions_of_a_field_kind_are_remembered_not_recomputed() -> None:
    policy = SharingPolicy()
    first = read(policy)
    again = read(policy)
    assert all(first[k] is again[k] for k in first)
