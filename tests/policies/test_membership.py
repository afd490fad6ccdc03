"""Who seats and removes whom in a cell: one scenario per rule, and properties over all facts."""

from __future__ import annotations

from dataclasses import replace

from hypothesis import given
from hypothesis import strategies as st

from app.policies.membership import (
    ACTOR_REASONS,
    Manager,
    MembershipAction,
    MembershipAsk,
    MembershipReason,
    MembershipVerdict,
    Seat,
    Seated,
    decide_membership,
    may_see_agenda,
    seat_standing,
    who_manages,
)
from app.policies.vocabulary import AgencyKind, Clearance

A = MembershipAction
R = MembershipReason
CHAIR = Manager("mayor", "active", manages_cells=False, chairs_cell=True)
ADMIN = Manager("admin", "active", manages_cells=True, chairs_cell=False)
WORKER = Manager("sofie", "active", manages_cells=False, chairs_cell=False)
CHIEF = Seated(agency_kind=AgencyKind.LOCAL_POLICE.value, clearance=Clearance.SECRET)


def pair(verdict: MembershipVerdict) -> tuple[bool, MembershipReason]:
    return verdict.allowed, verdict.reason


def test_the_active_chair_and_the_hub_admin_manage_membership() -> None:
    assert pair(who_manages(CHAIR)) == (True, R.CHAIR)
    assert pair(who_manages(ADMIN)) == (True, R.CELL_MANAGER)
    assert pair(who_manages(WORKER)) == (False, R.NOT_CHAIR)
    assert pair(who_manages(replace(CHAIR, status="suspended"))) == (False, R.MEMBER_SUSPENDED)


def test_the_korpschefs_representative_is_local_police_cleared_secret() -> None:
    seat = Seat.KORPSCHEF_REPRESENTATIVE
    assert seat_standing(seat, CHIEF) is None
    assert seat_standing(seat, replace(CHIEF, clearance=Clearance.TOP_SECRET)) is None
    below = replace(CHIEF, clearance=Clearance.CONFIDENTIAL)
    assert seat_standing(seat, below) is R.KORPSCHEF_CLEARANCE_BELOW_SECRET
    federal = replace(CHIEF, agency_kind=AgencyKind.FEDERAL_POLICE.value)
    assert seat_standing(seat, federal) is R.KORPSCHEF_NOT_LOCAL_POLICE
    # Any other seat has no standing to check.
    assert seat_standing(Seat.LTF_CONTACT, Seated()) is None


def ask(action: MembershipAction, manager: Manager = CHAIR, **facts: object) -> MembershipAsk:
    seat = facts.pop("seat", Seat.MEMBER)
    return MembershipAsk(action, manager, Seated(**facts), seat)  # type: ignore[arg-type]


# (scenario, expected verdict): each fails if its rule is taken out of decide_membership.
SCENARIOS = [
    (ask(A.SEAT_MEMBER, WORKER), (False, R.NOT_CHAIR)),
    (ask(A.SEAT_MEMBER, agency_seated=False), (False, R.AGENCY_NOT_SEATED)),
    (
        ask(A.SEAT_MEMBER, seat=Seat.KORPSCHEF_REPRESENTATIVE, agency_kind="local_police"),
        (False, R.KORPSCHEF_CLEARANCE_BELOW_SECRET),
    ),
    (ask(A.SEAT_MEMBER, seat=Seat.KORPSCHEF_REPRESENTATIVE), (False, R.KORPSCHEF_NOT_LOCAL_POLICE)),
    (ask(A.REMOVE_MEMBER, ADMIN, is_chair=True), (False, R.CHAIR_SEAT)),
    (ask(A.REMOVE_AGENCY, seated_members=1), (False, R.AGENCY_HAS_MEMBERS)),
    (ask(A.ADD_TO_WORKING_GROUP, member_seated=False), (False, R.MEMBER_NOT_SEATED)),
    (ask(A.SET_DECLARATION, ADMIN), (False, R.NOT_CHAIR)),
    (ask(A.SET_DECLARATION), (True, R.CHAIR)),
    (ask(A.REMOVE_AGENCY, ADMIN), (True, R.CELL_MANAGER)),
    (MembershipAsk(A.SEAT_MEMBER, CHAIR, CHIEF, Seat.KORPSCHEF_REPRESENTATIVE), (True, R.CHAIR)),
]


def test_each_rule_decides_its_scenario() -> None:
    for question, expected in SCENARIOS:
        assert pair(decide_membership(question)) == expected, question


managers = st.builds(
    Manager,
    member_id=st.sampled_from(["mayor", "admin", "sofie"]),
    status=st.sampled_from(["active", "suspended", "pending"]),
    manages_cells=st.booleans(),
    chairs_cell=st.booleans(),
)
targets = st.builds(
    Seated,
    agency_kind=st.sampled_from([k.value for k in AgencyKind] + [""]),
    clearance=st.sampled_from(list(Clearance)),
    agency_seated=st.booleans(),
    is_chair=st.booleans(),
    seated_members=st.integers(min_value=0, max_value=3),
    member_seated=st.booleans(),
)
asks = st.builds(
    MembershipAsk,
    action=st.sampled_from(list(MembershipAction)),
    manager=managers,
    target=targets,
    seat=st.sampled_from(list(Seat)),
)


@given(asks)
def test_nobody_but_the_active_chair_or_the_hub_admin_changes_anything(q: MembershipAsk) -> None:
    verdict = decide_membership(q)
    if verdict.allowed:
        m = q.manager
        assert (m.chairs_cell and m.status == "active") or (
            m.manages_cells and q.action is not A.SET_DECLARATION
        )
    else:
        assert verdict.about_the_caller == (verdict.reason in ACTOR_REASONS)


@given(asks)
def test_a_korpschef_representative_is_never_seated_without_secret_local_police(
    q: MembershipAsk,
) -> None:
    if q.action is A.SEAT_MEMBER and q.seat is Seat.KORPSCHEF_REPRESENTATIVE:
        if decide_membership(q).allowed:
            assert q.target.agency_kind == AgencyKind.LOCAL_POLICE.value
            assert q.target.clearance >= Clearance.SECRET


@given(asks)
def test_no_agency_leaves_with_people_seated_and_the_chair_stays(q: MembershipAsk) -> None:
    allowed = decide_membership(q).allowed
    if q.action is A.REMOVE_AGENCY and q.target.seated_members > 0:
        assert not allowed
    if q.action is A.REMOVE_MEMBER and q.target.is_chair:
        assert not allowed
    if q.action is A.SEAT_MEMBER and not q.target.agency_seated:
        assert not allowed
    if q.action is A.ADD_TO_WORKING_GROUP and not q.target.member_seated:
        assert not allowed


@given(st.sampled_from(["active", "suspended"]), st.booleans(), st.booleans())
def test_the_agenda_is_for_the_groups_members_and_the_chair(
    status: str, chairs: bool, in_group: bool
) -> None:
    allowed, _ = may_see_agenda(status=status, chairs_cell=chairs, in_group=in_group)
    assert allowed == (status == "active" and (chairs or in_group))


# ---- written for mutants that survived `make mutate` (docs/decisions.md 125) ----------------


def test_a_hub_admin_who_chairs_the_cell_sets_its_declaration_as_its_chair() -> None:
    both = replace(CHAIR, manages_cells=True)
    assert pair(decide_membership(ask(A.SET_DECLARATION, both))) == (True, R.CHAIR)
    suspended = replace(both, status="suspended")
    assert pair(decide_membership(ask(A.SET_DECLARATION, suspended))) == (
        False,
        R.MEMBER_SUSPENDED,
    )
    # Only the declaration sets the hub admin's standing aside.
    assert pair(who_manages(ADMIN, admin=False)) == (False, R.NOT_CHAIR)
    assert pair(decide_membership(ask(A.CREATE_WORKING_GROUP, ADMIN))) == (True, R.CELL_MANAGER)


def test_the_chairs_seat_and_a_member_not_yet_seated_refuse_only_their_own_actions() -> None:
    # The chair joins a working group; a chair is only kept from being removed from the cell.
    assert pair(decide_membership(ask(A.ADD_TO_WORKING_GROUP, is_chair=True))) == (True, R.CHAIR)
    # Whether the member already sits in the cell matters only to join a working group: a member
    # not seated yet is seated (and a seat removed) without it.
    for action in (A.SEAT_MEMBER, A.REMOVE_MEMBER, A.REMOVE_FROM_WORKING_GROUP):
        assert pair(decide_membership(ask(action, member_seated=False))) == (True, R.CHAIR)
