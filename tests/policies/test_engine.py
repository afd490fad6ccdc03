"""The decision engine and the foundation's rule table, without I/O."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from hypothesis import given
from hypothesis import strategies as st

from app.policies import (
    DEFAULT_RULES,
    ROLE_PERMISSIONS,
    AccessRequest,
    Actor,
    Permission,
    Reason,
    Resource,
    ResourceKind,
    decide,
    permissions_of,
)
from app.policies.vocabulary import MemberStatus, Role

NOW = datetime(2026, 11, 25, 9, 0, tzinfo=UTC)


def actor(*roles: Role, agency: str = "a1", status: MemberStatus = MemberStatus.ACTIVE) -> Actor:
    return Actor(member_id="m1", agency_id=agency, roles=frozenset(roles), status=status)


def ask(a: Actor, action: Permission, resource: Resource, rules=DEFAULT_RULES):  # type: ignore[no-untyped-def]
    return decide(AccessRequest(a, action, resource, NOW), rules)


NOTE_A1 = Resource(ResourceKind.NOTE, owner_agency_id="a1")
NOTE_A2 = Resource(ResourceKind.NOTE, owner_agency_id="a2")
CASE_IN_A1_CELL = Resource(ResourceKind.CASE, cell_agency_ids=frozenset({"a1", "a3"}))

# The reference scenarios: (name, actor, action, resource, expected allowed).
REFERENCE = [
    ("worker reads own note", actor(Role.CASE_WORKER), Permission.NOTE_READ, NOTE_A1, True),
    (
        "worker reads other agency note",
        actor(Role.CASE_WORKER),
        Permission.NOTE_READ,
        NOTE_A2,
        False,
    ),
    (
        "suspended worker reads own note",
        actor(Role.CASE_WORKER, status=MemberStatus.SUSPENDED),
        Permission.NOTE_READ,
        NOTE_A1,
        False,
    ),
    ("agency admin reads own note", actor(Role.AGENCY_ADMIN), Permission.NOTE_READ, NOTE_A1, False),
    ("hub admin reads own note", actor(Role.HUB_ADMIN), Permission.NOTE_READ, NOTE_A1, False),
    (
        "worker sees case of own cell",
        actor(Role.CASE_WORKER),
        Permission.CASE_READ,
        CASE_IN_A1_CELL,
        True,
    ),
    (
        "worker of another agency sees case",
        actor(Role.CASE_WORKER, agency="a9"),
        Permission.CASE_READ,
        CASE_IN_A1_CELL,
        False,
    ),
    (
        "hub admin manages cells",
        actor(Role.HUB_ADMIN),
        Permission.CELL_MANAGE,
        Resource(ResourceKind.CELL),
        True,
    ),
    (
        "worker manages cells",
        actor(Role.CASE_WORKER),
        Permission.CELL_MANAGE,
        Resource(ResourceKind.CELL),
        False,
    ),
    (
        "agency admin manages own members",
        actor(Role.AGENCY_ADMIN),
        Permission.MEMBER_MANAGE,
        Resource(ResourceKind.MEMBER, owner_agency_id="a1"),
        True,
    ),
    (
        "agency admin manages other members",
        actor(Role.AGENCY_ADMIN),
        Permission.MEMBER_MANAGE,
        Resource(ResourceKind.MEMBER, owner_agency_id="a2"),
        False,
    ),
    (
        "auditor reads own agency's part of the log",
        actor(Role.AUDITOR),
        Permission.AUDIT_READ,
        Resource(ResourceKind.AUDIT_LOG, owner_agency_id="a1"),
        True,
    ),
    (
        "auditor reads another agency's part of the log",
        actor(Role.AUDITOR),
        Permission.AUDIT_READ,
        Resource(ResourceKind.AUDIT_LOG, owner_agency_id="a2"),
        False,
    ),
    (
        "auditor reads the whole log",
        actor(Role.AUDITOR),
        Permission.AUDIT_READ,
        Resource(ResourceKind.AUDIT_LOG),
        False,
    ),
    (
        "agency auditor reads the whole log hub-wide",
        actor(Role.AUDITOR),
        Permission.AUDIT_READ_HUB,
        Resource(ResourceKind.AUDIT_LOG),
        False,
    ),
    (
        "hub auditor reads the whole log",
        actor(Role.HUB_AUDITOR),
        Permission.AUDIT_READ_HUB,
        Resource(ResourceKind.AUDIT_LOG),
        True,
    ),
    (
        "suspended hub admin manages cells",
        actor(Role.HUB_ADMIN, status=MemberStatus.SUSPENDED),
        Permission.CELL_MANAGE,
        Resource(ResourceKind.CELL),
        False,
    ),
]


@pytest.mark.parametrize(
    ("name", "who", "action", "resource", "expected"), REFERENCE, ids=[r[0] for r in REFERENCE]
)
def test_reference_scenarios(
    name: str, who: Actor, action: Permission, resource: Resource, expected: bool
) -> None:
    assert ask(who, action, resource).allowed is expected


@pytest.mark.parametrize("removed", [r.name for r in DEFAULT_RULES])
def test_removing_any_rule_changes_a_reference_scenario(removed: str) -> None:
    rules = tuple(r for r in DEFAULT_RULES if r.name != removed)
    changed = [
        name
        for name, who, action, res, expected in REFERENCE
        if ask(who, action, res, rules).allowed is not expected
    ]
    assert changed, f"no reference scenario depends on rule {removed!r}"


def test_reasons_name_the_rule_that_decided() -> None:
    assert ask(actor(Role.CASE_WORKER), Permission.NOTE_READ, NOTE_A1).reason is Reason.OWN_AGENCY
    assert (
        ask(actor(Role.CASE_WORKER), Permission.NOTE_READ, NOTE_A2).reason is Reason.NO_RULE_ALLOWS
    )
    suspended = actor(Role.CASE_WORKER, status=MemberStatus.SUSPENDED)
    assert ask(suspended, Permission.NOTE_READ, NOTE_A1).reason is Reason.MEMBER_SUSPENDED
    assert (
        ask(actor(Role.AUDITOR), Permission.NOTE_READ, NOTE_A1).reason is Reason.ROLE_NOT_PERMITTED
    )


roles = st.frozensets(st.sampled_from(list(Role)))
agencies = st.sampled_from(["a1", "a2", "a3"])
resources = st.builds(
    Resource,
    kind=st.sampled_from(list(ResourceKind)),
    owner_agency_id=st.none() | agencies,
    cell_agency_ids=st.frozensets(agencies),
)
actors = st.builds(
    Actor,
    member_id=st.just("m"),
    agency_id=agencies,
    roles=roles,
    status=st.sampled_from(list(MemberStatus)),
)


@given(actors, st.sampled_from(list(Permission)), resources)
def test_empty_rule_table_denies_everything(a: Actor, action: Permission, r: Resource) -> None:
    decision = ask(a, action, r, rules=())
    assert not decision.allowed
    assert decision.reason is Reason.NO_RULE_ALLOWS


@given(actors, st.sampled_from(list(Permission)), resources)
def test_engine_matches_a_naive_reading_of_the_rules(
    a: Actor, action: Permission, r: Resource
) -> None:
    # Written straight from the rules' prose, independent of the engine's structure.
    allowed = (
        a.status is MemberStatus.ACTIVE
        and any(action in ROLE_PERMISSIONS[role] for role in a.roles)
        and (
            (
                r.kind
                in {
                    ResourceKind.NOTE,
                    ResourceKind.SUBJECT,
                    ResourceKind.MEMBER,
                    ResourceKind.AGENCY,
                }
                and r.owner_agency_id == a.agency_id
            )
            or (r.kind is ResourceKind.CASE and a.agency_id in r.cell_agency_ids)
            or (
                Role.HUB_ADMIN in a.roles
                and action
                in {
                    Permission.AGENCY_MANAGE,
                    Permission.CELL_MANAGE,
                    Permission.TEMPLATE_MANAGE,
                    Permission.MEMBER_MANAGE,
                }
            )
            or (
                r.kind is ResourceKind.AUDIT_LOG
                and action is Permission.AUDIT_READ
                and r.owner_agency_id is not None
                and r.owner_agency_id == a.agency_id
            )
            or (r.kind is ResourceKind.AUDIT_LOG and action is Permission.AUDIT_READ_HUB)
        )
    )
    assert ask(a, action, r).allowed is allowed


def test_role_permission_table_as_a_whole() -> None:
    content = {Permission.NOTE_READ, Permission.NOTE_WRITE, Permission.SUBJECT_READ}
    for role in (
        Role.HUB_ADMIN,
        Role.AGENCY_ADMIN,
        Role.CHAIR,
        Role.CHAIR_DELEGATE,
        Role.AUDITOR,
        Role.HUB_AUDITOR,
    ):
        assert not content & ROLE_PERMISSIONS[role], role
    for role in (
        Role.CASE_WORKER,
        Role.POLICE_REFERENCE,
        Role.INFORMATION_OFFICER,
        Role.SERVICE_ACCOUNT,
    ):
        assert content <= ROLE_PERMISSIONS[role], role
    assert set(ROLE_PERMISSIONS) == set(Role)
    hub_wide = {r for r, p in ROLE_PERMISSIONS.items() if Permission.AUDIT_READ_HUB in p}
    assert hub_wide == {Role.HUB_AUDITOR}
    assert permissions_of([]) == frozenset()
