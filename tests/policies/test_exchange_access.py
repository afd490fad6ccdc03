"""Exchange permissions: who may know an exchange, convene, chair, take part, release, grant.

One scenario per rule (each must change when its rule is taken out), then the permissions as
the exchange services apply them today, case by case.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta

import pytest

from app.policies.engine import Decision, decide
from app.policies.sharing import (
    EXCHANGE_PERMISSIONS,
    AccessReason,
    Caller,
    CellFacts,
    ExchangeAction,
    ExchangeAsk,
    Participation,
    chairs,
    hides,
)
from tests.policies.sharing_world import EXCHANGE, NOW, T0

A = ExchangeAction
R = AccessReason
MAYOR = Caller("mayor", "city", frozenset({"chair"}), "active")
DELEGATE = Caller("deputy", "city", frozenset({"chair_delegate"}), "active")
WORKER = Caller("sofie", "ocmw", frozenset({"case_worker"}), "active")
CELL = CellFacts("c1", "livc_case", chair_member_id="mayor")
INVITED = Participation(invited_at=T0)
GUEST = Participation(invited_at=T0, guest=True)


def ask(action: ExchangeAction, caller: Caller = WORKER, **facts: object) -> ExchangeAsk:
    base: dict[str, object] = {
        "action": action,
        "caller": caller,
        "cell": CELL,
        "seated": True,
        "participation": INVITED if caller.member_id == WORKER.member_id else None,
        "exchange": None if action is A.CONVENE else EXCHANGE,
        "now": NOW,
        "note_owner_agency_id": caller.agency_id,
    }
    base.update(facts)
    return ExchangeAsk(**base)  # type: ignore[arg-type]


def may(question: ExchangeAsk, rules=EXCHANGE_PERMISSIONS) -> Decision:  # type: ignore[no-untyped-def]
    return decide(question, rules)


# (rule, question, the decision with every rule, the decision with that rule taken out)
SCENARIOS = {
    "known_only_inside": (
        ask(A.SEE, participation=None),
        (False, R.NOT_PARTICIPANT),
        "no_rule_allows",
    ),
    "chairs_the_cell": (ask(A.CHAIR, MAYOR), (True, R.CHAIR), "no_rule_allows"),
    "takes_part": (ask(A.VIEW), (True, R.PARTICIPANT), "no_rule_allows"),
    "chair_only": (ask(A.CHAIR), (False, R.NOT_CHAIR), "no_rule_allows"),
    "participants_release": (
        ask(A.RELEASE, MAYOR),
        (False, R.NOT_PARTICIPANT),
        R.ROLE_NOT_PERMITTED,
    ),
    "own_agency_releases": (
        ask(A.RELEASE, note_owner_agency_id="police"),
        (False, R.NOT_OWN_NOTE),
        "participant",
    ),
    "releasing_role": (
        ask(A.RELEASE, replace(WORKER, roles=frozenset({"chair", "hub_auditor"}))),
        (False, R.ROLE_NOT_PERMITTED),
        "participant",
    ),
    "open_for_changes": (
        ask(A.RELEASE, exchange=replace(EXCHANGE, closed_at=T0)),
        (False, R.EXCHANGE_CLOSED),
        "participant",
    ),
    "seated_in_cell": (ask(A.TAKE_PART, seated=False), (False, R.NOT_IN_CELL), "no_rule_allows"),
    "grants_to_participants": (
        ask(A.GRANT, MAYOR, grantee_participates=False),
        (False, R.GRANTEE_NOT_PARTICIPANT),
        "chair",
    ),
    "guests_are_active": (
        ask(A.TAKE_PART, replace(WORKER, status="suspended"), seated=False, guest_invite=True),
        (False, R.GUEST_NOT_ACTIVE),
        R.GUEST,
    ),
    "seat_keeps_participation": (
        ask(A.VIEW, seated=False),
        (False, R.LEFT_THE_CELL),
        R.PARTICIPANT,
    ),
    "working_group_only": (
        ask(A.TAKE_PART, in_working_group=False),
        (False, R.NOT_IN_WORKING_GROUP),
        R.SEATED,
    ),
    "guests_accept_the_declaration": (
        ask(A.VIEW, seated=False, participation=GUEST),
        (False, R.DECLARATION_REQUIRED),
        R.PARTICIPANT,
    ),
}


def test_every_permission_rule_has_a_scenario() -> None:
    assert set(SCENARIOS) == {rule.name for rule in EXCHANGE_PERMISSIONS}


@pytest.mark.parametrize("rule", sorted(SCENARIOS))
def test_each_rule_decides_its_scenario(rule: str) -> None:
    question, (allowed, reason), _ = SCENARIOS[rule]
    decision = may(question)
    assert (decision.allowed, decision.reason) == (allowed, reason)


@pytest.mark.parametrize("rule", sorted(SCENARIOS))
def test_taking_a_rule_out_changes_its_scenario(rule: str) -> None:
    question, _, without_it = SCENARIOS[rule]
    rules = tuple(r for r in EXCHANGE_PERMISSIONS if r.name != rule)
    assert may(question, rules).reason == without_it


def test_an_empty_table_denies() -> None:
    assert may(ask(A.SEE, MAYOR), ()).reasons == ("no_rule_allows",)


# ---- chairs_cell -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("caller", "seated", "expected"),
    [
        (MAYOR, False, R.CHAIR),
        (replace(MAYOR, status="suspended"), False, None),
        (DELEGATE, True, R.CHAIR_DELEGATE),
        (DELEGATE, False, None),
        (replace(DELEGATE, status="suspended"), True, None),
        (WORKER, True, None),
    ],
)
def test_chairs_is_the_active_chair_or_a_seated_delegate(
    caller: Caller, seated: bool, expected: AccessReason | None
) -> None:
    assert chairs(ask(A.SEE, caller, seated=seated, participation=None)) == expected


# ---- reach: who knows the exchange -------------------------------------------------------------

KNOWING = [A.SEE, A.VIEW, A.EXPLAIN]


@pytest.mark.parametrize("action", KNOWING)
@pytest.mark.parametrize(
    ("caller", "participation", "expected"),
    [
        (MAYOR, None, (True, (R.CHAIR,))),
        (MAYOR, INVITED, (True, (R.CHAIR, R.PARTICIPANT))),
        (DELEGATE, None, (True, (R.CHAIR_DELEGATE,))),
        (WORKER, INVITED, (True, (R.PARTICIPANT,))),
        (WORKER, None, (False, (R.NOT_PARTICIPANT,))),
        (WORKER, Participation(T0, removed_at=NOW), (False, (R.NOT_PARTICIPANT,))),
        (WORKER, Participation(NOW + timedelta(1)), (False, (R.NOT_PARTICIPANT,))),
        (replace(WORKER, status="suspended"), INVITED, (False, (R.MEMBER_SUSPENDED,))),
        (replace(MAYOR, status="suspended"), None, (False, (R.NOT_PARTICIPANT,))),
        (replace(MAYOR, status="suspended"), INVITED, (False, (R.MEMBER_SUSPENDED,))),
    ],
)
def test_only_the_chair_and_active_participants_know_an_exchange(
    action: ExchangeAction,
    caller: Caller,
    participation: Participation | None,
    expected: tuple[bool, tuple[str, ...]],
) -> None:
    decision = may(ask(action, caller, participation=participation))
    assert (decision.allowed, decision.reasons) == expected
    assert hides(decision) is not decision.allowed


def test_an_unseated_delegate_does_not_know_an_exchange_of_the_cell() -> None:
    decision = may(ask(A.SEE, DELEGATE, seated=False, participation=None))
    assert decision.reasons == (R.NOT_PARTICIPANT,)


# ---- the chair's actions ---------------------------------------------------------------------


@pytest.mark.parametrize("action", [A.CONVENE, A.CHAIR, A.GRANT])
def test_the_chair_and_a_seated_delegate_run_the_exchange(action: ExchangeAction) -> None:
    assert may(ask(action, MAYOR)).reasons == (R.CHAIR,)
    assert may(ask(action, DELEGATE)).reasons == (R.CHAIR_DELEGATE,)


@pytest.mark.parametrize("action", [A.CHAIR, A.GRANT])
def test_a_participant_who_does_not_chair_is_refused_not_hidden(action: ExchangeAction) -> None:
    decision = may(ask(action))
    assert decision.reasons == (R.NOT_CHAIR,)
    assert not hides(decision)


@pytest.mark.parametrize("action", [A.CHAIR, A.GRANT])
def test_an_outsider_asking_the_chairs_actions_is_hidden(action: ExchangeAction) -> None:
    decision = may(ask(action, participation=None))
    assert decision.reasons == (R.NOT_PARTICIPANT,)
    assert hides(decision)


def test_convening_needs_chairing_the_cell() -> None:
    assert may(ask(A.CONVENE, participation=None)).reasons == (R.NOT_CHAIR,)
    assert may(ask(A.CONVENE, DELEGATE, seated=False)).reasons == (R.NOT_CHAIR,)


def test_the_chair_closes_and_removes_once_shut_but_grants_only_while_open() -> None:
    shut = replace(EXCHANGE, closed_at=T0)
    assert may(ask(A.CHAIR, MAYOR, exchange=shut)).allowed
    assert may(ask(A.GRANT, MAYOR, exchange=shut)).reasons == (R.EXCHANGE_CLOSED,)
    early = replace(EXCHANGE, opens_at=NOW + timedelta(1))
    assert may(ask(A.GRANT, MAYOR, exchange=early)).reasons == (R.EXCHANGE_NOT_OPEN,)


def test_a_grant_goes_to_a_participant_or_to_a_role() -> None:
    assert may(ask(A.GRANT, MAYOR, grantee_participates=True)).allowed
    assert may(ask(A.GRANT, MAYOR, grantee_participates=None)).allowed


# ---- taking part -----------------------------------------------------------------------------


def test_a_member_seated_in_the_cell_may_be_invited_while_the_exchange_is_open() -> None:
    invitee = replace(WORKER, member_id="pieter")
    assert may(ask(A.TAKE_PART, invitee, participation=None)).reasons == (R.SEATED,)
    shut = replace(EXCHANGE, expires_at=NOW)
    decision = may(ask(A.TAKE_PART, invitee, participation=None, exchange=shut))
    assert decision.reasons == (R.EXCHANGE_CLOSED,)


# ---- releases --------------------------------------------------------------------------------


def test_a_participant_releases_their_own_agencys_note_while_open() -> None:
    assert may(ask(A.RELEASE)).reasons == (R.PARTICIPANT,)


def test_the_chair_who_takes_part_and_may_release_does_so_as_a_participant() -> None:
    both = replace(MAYOR, roles=frozenset({"chair", "case_worker"}))
    assert may(ask(A.RELEASE, both, participation=INVITED)).reasons == (R.PARTICIPANT,)


def test_a_release_is_withdrawn_by_its_agency_even_once_shut_by_chair_or_participant() -> None:
    shut = replace(EXCHANGE, closed_at=T0)
    assert may(ask(A.WITHDRAW_RELEASE, exchange=shut)).reasons == (R.PARTICIPANT,)
    clerk = replace(MAYOR, roles=frozenset({"chair", "case_worker"}))
    assert may(ask(A.WITHDRAW_RELEASE, clerk)).reasons == (R.CHAIR,)
    other = may(ask(A.WITHDRAW_RELEASE, note_owner_agency_id="police"))
    assert other.reasons == (R.NOT_OWN_NOTE,)
    assert may(ask(A.WITHDRAW_RELEASE, MAYOR)).reasons == (R.ROLE_NOT_PERMITTED,)
    assert may(ask(A.WITHDRAW_RELEASE, participation=None)).reasons[0] == R.NOT_PARTICIPANT


def test_an_unknown_role_carries_no_release_right() -> None:
    odd = replace(WORKER, roles=frozenset({"astrologer"}))
    assert may(ask(A.RELEASE, odd)).reasons == (R.ROLE_NOT_PERMITTED,)


def test_hiding_is_decided_by_the_reasons_only_of_a_denial() -> None:
    assert not hides(Decision(True, (R.PARTICIPANT,)))
    assert hides(Decision(False, (R.NOT_OWN_NOTE, R.MEMBER_SUSPENDED)))
    assert not hides(Decision(False, (R.NOT_CHAIR,)))


# ---- guests and working groups ---------------------------------------------------------------


def test_the_chair_may_invite_an_active_member_without_a_seat_as_a_guest() -> None:
    assert may(ask(A.TAKE_PART, seated=False, guest_invite=True)).reason == R.GUEST
    assert may(ask(A.TAKE_PART, seated=False)).reason == R.NOT_IN_CELL
    # Someone seated invited "as a guest" is simply seated.
    assert may(ask(A.TAKE_PART, guest_invite=True)).reason == R.SEATED


def test_only_a_guest_invitation_asks_whether_the_invitee_is_active() -> None:
    # Written for mutants of `make mutate` (decision 125): guests_are_active judges guests only.
    suspended = replace(WORKER, status="suspended")
    # Not seated and not invited as a guest: refused for the seat, not as a guest.
    decision = may(ask(A.TAKE_PART, suspended, seated=False))
    assert (decision.allowed, decision.reasons) == (False, (R.NOT_IN_CELL,))
    # Seated: invited on the seat (a suspended participant then sees nothing until active).
    for guest in (False, True):
        decision = may(ask(A.TAKE_PART, suspended, guest_invite=guest))
        assert (decision.allowed, decision.reasons) == (True, (R.SEATED,))


def test_a_guest_reads_after_accepting_and_a_seated_member_needs_no_acceptance() -> None:
    accepted = may(ask(A.VIEW, seated=False, participation=GUEST, declaration_accepted=True))
    assert (accepted.allowed, accepted.reason) == (True, R.PARTICIPANT)
    for action in (A.VIEW, A.EXPLAIN):
        refused = may(ask(action, seated=False, participation=GUEST))
        assert (refused.allowed, refused.reason) == (False, R.DECLARATION_REQUIRED)
        assert not hides(refused)
    # The header (to find the declaration) is readable before accepting.
    assert may(ask(A.SEE, seated=False, participation=GUEST)).allowed
    assert may(ask(A.VIEW)).allowed


def test_a_participant_who_left_the_cell_does_not_know_the_exchange() -> None:
    for action in (A.SEE, A.VIEW, A.EXPLAIN, A.RELEASE):
        decision = may(ask(action, seated=False))
        assert hides(decision), action
        assert R.LEFT_THE_CELL in decision.reasons


def test_a_group_exchange_invites_the_groups_members_only() -> None:
    assert may(ask(A.TAKE_PART, in_working_group=True)).allowed
    assert may(ask(A.TAKE_PART, in_working_group=None)).allowed
    refused = may(ask(A.TAKE_PART, seated=False, guest_invite=True, in_working_group=False))
    assert (refused.allowed, refused.reason) == (False, R.NOT_IN_WORKING_GROUP)
