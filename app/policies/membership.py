"""Who seats and removes whom in a cell (law of 30 July 2018, art. 3: on the mayor's invitation).

The hub admin sets cells up and names their chairs; the cell's active chair (the mayor, or the
representative chairing) seats and removes the agencies and people of that cell, manages its
working groups and sets its confidentiality declaration. A seat has a standing: the chief of the
local police's representative must be a member of a local police agency cleared at least "secret"
(art. 3 §1). Pure: facts in, a verdict with its reason code out.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from app.policies.vocabulary import AgencyKind, Clearance, MemberStatus


class Seat(StrEnum):
    """A person's standing in a cell (DOMAIN.md, who takes part; the Liège practice)."""

    MEMBER = "member"
    KORPSCHEF_REPRESENTATIVE = "korpschef_representative"
    PREVENTION_COORDINATOR = "prevention_coordinator"
    RADICALISM_REFERENCE = "radicalism_reference"
    LTF_CONTACT = "ltf_contact"


class MembershipAction(StrEnum):
    """What is asked of a cell's membership."""

    SEAT_AGENCY = "cell:add_agency"
    REMOVE_AGENCY = "cell:remove_agency"
    SEAT_MEMBER = "cell:add_member"
    REMOVE_MEMBER = "cell:remove_member"
    SET_DECLARATION = "cell:set_declaration"
    CREATE_WORKING_GROUP = "cell:add_working_group"
    ADD_TO_WORKING_GROUP = "working_group:add_member"
    REMOVE_FROM_WORKING_GROUP = "working_group:remove_member"


class MembershipReason(StrEnum):
    """Reason codes of membership decisions (stable: they go into the access log)."""

    CELL_MANAGER = "cell_manager"
    CHAIR = "chair"
    NOT_CHAIR = "not_chair"
    MEMBER_SUSPENDED = "member_suspended"
    AGENCY_NOT_SEATED = "agency_not_seated"
    MEMBER_NOT_SEATED = "member_not_seated"
    AGENCY_HAS_MEMBERS = "agency_has_members"
    CHAIR_SEAT = "chair_seat"
    KORPSCHEF_NOT_LOCAL_POLICE = "korpschef_not_local_police"
    KORPSCHEF_CLEARANCE_BELOW_SECRET = "korpschef_clearance_below_secret"  # noqa: S105
    # Logged, not decided: a participation ended because its member left the cell.
    LEFT_THE_CELL = "left_the_cell"


KORPSCHEF_CLEARANCE = Clearance.SECRET
KORPSCHEF_AGENCY_KINDS = frozenset({AgencyKind.LOCAL_POLICE.value})
# Refusals of who asks (403) as opposed to refusals of what is asked (409).
ACTOR_REASONS = frozenset({MembershipReason.NOT_CHAIR, MembershipReason.MEMBER_SUSPENDED})


@dataclass(frozen=True, slots=True)
class Manager:
    """Who asks: a member, whether they manage cells (hub admin), and whether they chair it."""

    member_id: str
    status: str
    manages_cells: bool
    chairs_cell: bool


@dataclass(frozen=True, slots=True)
class Seated:
    """The member or agency to seat or remove, as the cell sees it.

    ``agency_kind``/``clearance``: of the member (for a seat with a standing). ``agency_seated``:
    the (member's) agency sits in the cell. ``is_chair``: the member chairs the cell.
    ``seated_members``: for an agency, how many of its people sit in the cell.
    ``member_seated``: the member sits in the cell (to join one of its working groups).
    """

    agency_kind: str = ""
    clearance: int = 0
    agency_seated: bool = True
    is_chair: bool = False
    seated_members: int = 0
    member_seated: bool = True


@dataclass(frozen=True, slots=True)
class MembershipAsk:
    """One question about a cell's membership."""

    action: MembershipAction
    manager: Manager
    target: Seated = Seated()
    seat: Seat = Seat.MEMBER


@dataclass(frozen=True, slots=True)
class MembershipVerdict:
    """Allowed or not, with the reason code."""

    allowed: bool
    reason: MembershipReason

    @property
    def about_the_caller(self) -> bool:
        """True if the caller may not do this at all (403); else the change is refused (409)."""
        return self.reason in ACTOR_REASONS


def _deny(reason: MembershipReason) -> MembershipVerdict:
    return MembershipVerdict(False, reason)


def who_manages(manager: Manager, *, admin: bool = True) -> MembershipVerdict:
    """The hub admin (unless ``admin`` is False), or the cell's chair while active, manages the
    cell's membership."""
    if admin and manager.manages_cells:
        return MembershipVerdict(True, MembershipReason.CELL_MANAGER)
    if not manager.chairs_cell:
        return _deny(MembershipReason.NOT_CHAIR)
    if manager.status != MemberStatus.ACTIVE.value:
        return _deny(MembershipReason.MEMBER_SUSPENDED)
    return MembershipVerdict(True, MembershipReason.CHAIR)


def seat_standing(seat: Seat, target: Seated) -> MembershipReason | None:
    """Why the member cannot hold this seat, or None (art. 3 §1: the korpschef's
    representative is of the local police and cleared at least "secret")."""
    if seat is Seat.KORPSCHEF_REPRESENTATIVE:
        if target.agency_kind not in KORPSCHEF_AGENCY_KINDS:
            return MembershipReason.KORPSCHEF_NOT_LOCAL_POLICE
        if target.clearance < KORPSCHEF_CLEARANCE:
            return MembershipReason.KORPSCHEF_CLEARANCE_BELOW_SECRET
    return None


def decide_membership(ask: MembershipAsk) -> MembershipVerdict:
    """May the manager do this to the cell's membership? The first reason that refuses wins.

    The declaration is the chair's alone (the cell's rules of operation are set locally); the
    rest the hub admin may also do.
    """
    allowed = who_manages(ask.manager, admin=ask.action is not MembershipAction.SET_DECLARATION)
    if not allowed.allowed:
        return allowed
    target = ask.target
    if ask.action is MembershipAction.SEAT_MEMBER:
        if not target.agency_seated:
            return _deny(MembershipReason.AGENCY_NOT_SEATED)
        standing = seat_standing(ask.seat, target)
        if standing is not None:
            return _deny(standing)
    if ask.action is MembershipAction.REMOVE_MEMBER and target.is_chair:
        return _deny(MembershipReason.CHAIR_SEAT)
    if ask.action is MembershipAction.REMOVE_AGENCY and target.seated_members > 0:
        return _deny(MembershipReason.AGENCY_HAS_MEMBERS)
    if ask.action is MembershipAction.ADD_TO_WORKING_GROUP and not target.member_seated:
        return _deny(MembershipReason.MEMBER_NOT_SEATED)
    return allowed


class AgendaReason(StrEnum):
    """Why a working group's agenda is shown or not."""

    CHAIR = "chair"
    WORKING_GROUP_MEMBER = "working_group_member"
    NOT_IN_WORKING_GROUP = "not_in_working_group"
    MEMBER_SUSPENDED = "member_suspended"


def may_see_agenda(*, status: str, chairs_cell: bool, in_group: bool) -> tuple[bool, AgendaReason]:
    """The group's members and the cell's chair, while active, see the group's agenda."""
    if status != MemberStatus.ACTIVE.value:
        return False, AgendaReason.MEMBER_SUSPENDED
    if chairs_cell:
        return True, AgendaReason.CHAIR
    if in_group:
        return True, AgendaReason.WORKING_GROUP_MEMBER
    return False, AgendaReason.NOT_IN_WORKING_GROUP
