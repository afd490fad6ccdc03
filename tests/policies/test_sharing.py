"""The sharing engine: one scenario per rule, the rule table as a whole, and the naive model."""

from __future__ import annotations

import os
from dataclasses import replace
from datetime import timedelta

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from app.policies.engine import decide
from app.policies.sharing import (
    SHARING_RULES,
    ExchangeFacts,
    FieldFacts,
    GrantFacts,
    ParticipantFacts,
    ReleaseFacts,
    ShareReason,
    ShareRequest,
    decide_fields,
)
from tests.policies.sharing_world import (
    EXCHANGE,
    FIELD,
    GRANT,
    NOW,
    RELEASE,
    T0,
    WORKER,
    naive_visible,
    world,
)


def ask(facts: dict[str, object], rules=SHARING_RULES):  # type: ignore[no-untyped-def]
    return decide(ShareRequest(**facts), rules)  # type: ignore[arg-type]


# One scenario per rule: (name, world, reason). Each must be denied with that reason.
SCENARIOS = {
    "exchange_open": (
        world(exchange=replace(EXCHANGE, closed_at=T0 + timedelta(minutes=30))),
        ShareReason.EXCHANGE_CLOSED,
    ),
    "participates": (
        world(participant=replace(WORKER, removed_at=T0 + timedelta(minutes=5))),
        ShareReason.NOT_PARTICIPANT,
    ),
    "active_member": (
        world(participant=replace(WORKER, status="suspended")),
        ShareReason.MEMBER_SUSPENDED,
    ),
    "admins_see_no_content": (
        world(participant=replace(WORKER, roles=frozenset({"agency_admin"}))),
        ShareReason.ADMIN_NO_CONTENT,
    ),
    "known_sensitivity": (
        world(
            field=replace(FIELD, sensitivity="horoscope"),
            releases=(replace(RELEASE, field=None, sensitivity="horoscope"),),
            grants=(replace(GRANT, field=None, sensitivity="horoscope"),),
        ),
        ShareReason.UNKNOWN_SENSITIVITY,
    ),
    "owner_released": (world(releases=()), ShareReason.NOT_RELEASED),
    "chair_granted": (world(grants=()), ShareReason.NOT_GRANTED),
    "secrecy_flows": (
        world(
            field=replace(FIELD, name="health", sensitivity="health"),
            releases=(replace(RELEASE, field="health"),),
            grants=(replace(GRANT, field="health"),),
            participant=replace(WORKER, bound_by_secrecy=False),
        ),
        ShareReason.SECRECY_REGIME,
    ),
    "classified": (
        world(field=replace(FIELD, sensitivity="intelligence", classification=3)),
        ShareReason.CLEARANCE_TOO_LOW,
    ),
    "judicial_police_only": (
        world(field=replace(FIELD, sensitivity="judicial")),
        ShareReason.JUDICIAL_POLICE_ONLY,
    ),
    "ltf_bridge": (
        world(field=replace(FIELD, owner_agency_kind="state_security")),
        ShareReason.LTF_VIA_INFORMATION_OFFICER,
    ),
    "minors_under_secrecy": (
        world(
            field=replace(FIELD, subject_is_minor=True),
            participant=replace(WORKER, bound_by_secrecy=False),
        ),
        ShareReason.MINOR_SECRECY,
    ),
}


def test_the_reference_world_is_visible() -> None:
    decision = ask(world())
    assert decision.allowed
    assert set(decision.reasons) == {ShareReason.RELEASED, ShareReason.GRANTED}


def test_every_rule_has_a_scenario() -> None:
    assert set(SCENARIOS) == {rule.name for rule in SHARING_RULES}


@pytest.mark.parametrize("rule", sorted(SCENARIOS))
def test_each_rule_denies_its_scenario_with_its_reason(rule: str) -> None:
    facts, reason = SCENARIOS[rule]
    decision = ask(facts)
    assert not decision.allowed
    assert reason in decision.reasons


@pytest.mark.parametrize("rule", sorted(SCENARIOS))
def test_taking_a_rule_out_makes_its_scenario_leak(rule: str) -> None:
    facts, _ = SCENARIOS[rule]
    without = tuple(r for r in SHARING_RULES if r.name != rule)
    assert ask(facts, without).allowed, f"removing {rule} should let its scenario through"


def test_empty_rule_table_denies() -> None:
    assert ask(world(), ()).reasons == ("no_rule_allows",)


def test_time_window_and_withdrawals_take_effect_at_once() -> None:
    later = NOW + timedelta(seconds=1)
    assert not ask(world(now=EXCHANGE.expires_at)).allowed
    assert not ask(world(now=T0 - timedelta(seconds=1))).allowed
    assert ask(world(now=T0 - timedelta(seconds=1))).reasons[0] == ShareReason.EXCHANGE_NOT_OPEN
    assert not ask(world(releases=(replace(RELEASE, withdrawn_at=NOW),), now=later)).allowed
    assert not ask(world(grants=(replace(GRANT, withdrawn_at=NOW),), now=later)).allowed


def test_release_and_grant_by_class_by_role_and_by_version() -> None:
    by_class = world(
        releases=(replace(RELEASE, field=None, sensitivity="social_situation"),),
        grants=(
            replace(
                GRANT,
                member_id=None,
                role="case_worker",
                field=None,
                sensitivity="social_situation",
            ),
        ),
    )
    assert ask(by_class).allowed
    pinned = world(releases=(replace(RELEASE, version=1),), field=replace(FIELD, is_latest=False))
    assert ask(pinned).allowed
    latest_only = world(field=replace(FIELD, is_latest=False))
    assert not ask(latest_only).allowed
    other_note = world(grants=(replace(GRANT, note_id="n2"),))
    assert not ask(other_note).allowed
    other_role = world(grants=(replace(GRANT, member_id=None, role="police_reference"),))
    assert not ask(other_role).allowed


def test_decide_fields_keys_every_field() -> None:
    fields = [replace(FIELD, name=f"f{i}") for i in range(20)]
    decisions = decide_fields(WORKER, EXCHANGE, fields, (RELEASE,), (GRANT,), NOW)
    assert len(decisions) == 20
    assert not any(d.allowed for d in decisions.values())


# ---- random worlds against the naive model -------------------------------------------------

minutes = st.integers(-120, 24 * 60).map(lambda m: T0 + timedelta(minutes=m))
maybe_minutes = st.none() | minutes
classes = st.sampled_from(
    [
        "identity",
        "family",
        "social_situation",
        "health",
        "psychological",
        "judicial",
        "intelligence",
        "free_text",
        "unknown_class",
    ]
)
names = st.sampled_from(["a", "b", "c", "health", "intel"])
notes = st.sampled_from(["n1", "n2"])
roles = st.sampled_from(
    [
        "case_worker",
        "police_reference",
        "chair",
        "agency_admin",
        "hub_admin",
        "auditor",
        "hub_auditor",
        "information_officer",
    ]
)

participants = st.builds(
    ParticipantFacts,
    member_id=st.sampled_from(["m1", "m2"]),
    agency_id=st.just("a"),
    agency_kind=st.sampled_from(
        ["social_service", "local_police", "justice_house", "municipality", "state_security"]
    ),
    roles=st.frozensets(roles, max_size=3),
    status=st.sampled_from(["active", "suspended"]),
    bound_by_secrecy=st.booleans(),
    clearance=st.integers(0, 4),
    invited_at=maybe_minutes,
    removed_at=maybe_minutes,
)
exchanges = st.builds(
    ExchangeFacts,
    exchange_id=st.just("x"),
    cell_kind=st.sampled_from(["livc_case", "livc_strategic", "ltf"]),
    opens_at=minutes,
    expires_at=minutes,
    closed_at=maybe_minutes,
)
fields_ = st.builds(
    FieldFacts,
    note_id=notes,
    version=st.integers(1, 3),
    is_latest=st.booleans(),
    name=names,
    sensitivity=classes,
    classification=st.none() | st.integers(1, 4),
    owner_agency_id=st.just("o"),
    owner_agency_kind=st.sampled_from(["social_service", "local_police", "state_security", "ocad"]),
    subject_is_minor=st.booleans(),
)
releases = st.builds(
    ReleaseFacts,
    note_id=notes,
    version=st.none() | st.integers(1, 3),
    field=st.none() | names,
    sensitivity=st.none() | classes,
    released_at=minutes,
    withdrawn_at=maybe_minutes,
)
grants = st.builds(
    GrantFacts,
    member_id=st.none() | st.sampled_from(["m1", "m2"]),
    role=st.none() | roles,
    note_id=st.none() | notes,
    field=st.none() | names,
    sensitivity=st.none() | classes,
    granted_at=minutes,
    withdrawn_at=maybe_minutes,
)


@st.composite
def coherent_worlds(draw: st.DrawFn) -> dict[str, object]:
    """Worlds that start visible (released, granted, open, invited) and are then perturbed.

    Purely random facts are almost never visible; these exercise both sides of every rule.
    """
    now = draw(minutes)
    before = now - timedelta(minutes=draw(st.integers(1, 600)))
    after = now + timedelta(minutes=draw(st.integers(1, 600)))
    p = draw(participants)
    if draw(st.integers(0, 3)):
        p = replace(p, invited_at=before, removed_at=None, status="active")
    if draw(st.integers(0, 3)):
        p = replace(p, roles=p.roles | {"case_worker"}, bound_by_secrecy=True)
    if draw(st.integers(0, 3)):
        p = replace(p, clearance=4, agency_kind="local_police")
    x = draw(exchanges)
    if draw(st.integers(0, 3)):
        x = replace(x, opens_at=before, expires_at=after, closed_at=None)
    f = draw(fields_)
    if draw(st.integers(0, 3)):
        f = replace(
            f,
            subject_is_minor=False,
            owner_agency_kind="social_service",
            sensitivity=draw(st.sampled_from(["family", "identity", "health", "judicial"])),
        )
    rs = list(draw(st.lists(releases, max_size=2)))
    if draw(st.integers(0, 3)):
        by_class = draw(st.booleans())
        rs.append(
            ReleaseFacts(
                f.note_id,
                None if f.is_latest and draw(st.booleans()) else f.version,
                None if by_class else f.name,
                f.sensitivity if by_class else None,
                before,
                draw(st.none() | st.just(after) | st.just(now)),
            )
        )
    gs = list(draw(st.lists(grants, max_size=2)))
    if draw(st.integers(0, 3)):
        role = draw(st.none() | st.sampled_from(sorted(p.roles) or ["case_worker"]))
        gs.append(
            GrantFacts(
                None if role else p.member_id,
                role,
                draw(st.none() | st.just(f.note_id)),
                f.name,
                None,
                before,
                draw(st.none() | st.just(after) | st.just(now)),
            )
        )
    return {
        "participant": p,
        "exchange": x,
        "field": f,
        "releases": tuple(rs),
        "grants": tuple(gs),
        "now": now,
    }


EXAMPLES = int(os.environ.get("LIVC_HYPOTHESIS_EXAMPLES", "2000"))


@settings(max_examples=EXAMPLES, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    participants,
    exchanges,
    fields_,
    st.lists(releases, max_size=4).map(tuple),
    st.lists(grants, max_size=4).map(tuple),
    minutes,
)
def test_engine_agrees_with_the_naive_model(
    p: ParticipantFacts,
    x: ExchangeFacts,
    f: FieldFacts,
    rs: tuple[ReleaseFacts, ...],
    gs: tuple[GrantFacts, ...],
    now: object,
) -> None:
    facts = {"participant": p, "exchange": x, "field": f, "releases": rs, "grants": gs, "now": now}
    assert ask(facts).allowed is naive_visible(p, x, f, rs, gs, now)  # type: ignore[arg-type]


@settings(
    max_examples=max(EXAMPLES // 4, 200),
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow],
)
@given(coherent_worlds(), st.lists(fields_, max_size=6))
def test_decide_fields_agrees_with_the_naive_model_field_by_field(
    facts: dict[str, object], more: list[FieldFacts]
) -> None:
    p, x, now = facts["participant"], facts["exchange"], facts["now"]
    rs, gs = facts["releases"], facts["grants"]
    fields = {(f.note_id, f.version, f.name): f for f in [facts["field"], *more]}  # type: ignore[list-item]
    decisions = decide_fields(p, x, list(fields.values()), rs, gs, now)  # type: ignore[arg-type]
    for key, f in fields.items():
        assert decisions[key].allowed is naive_visible(p, x, f, rs, gs, now)  # type: ignore[arg-type]
