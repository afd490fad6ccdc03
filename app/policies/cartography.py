"""Cartography: the OCAD category of followed persons, and who may see the register of them.

The information officer bridges the LTF and the LIVC (DOMAIN.md rule 8) and is the one who
records a subject's OCAD category. The register of persons by category is seen only by people
invited into the cell, or into an LTF of the same municipality, who hold a clearance of at least
"secret" (law of 11 December 1998); everyone else sees counts only, through the strategic view.
Pure: facts in, a verdict with its reason code out.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from app.policies.engine import Actor
from app.policies.vocabulary import Clearance, MemberStatus, Role


class OcadCategory(StrEnum):
    """OCAD's categories of the common database (DOMAIN.md glossary); ``none`` when not listed."""

    FTF = "FTF"
    HTF = "HTF"
    HP = "HP"
    PVE = "PVE"
    TV = "TV"
    NONE = "none"


class CartographyReason(StrEnum):
    """Why a cartography action is allowed or refused."""

    INFORMATION_OFFICER = "information_officer"
    CLEARED_CELL_MEMBER = "cleared_cell_member"
    CLEARED_LTF_MEMBER = "cleared_ltf_member"
    MEMBER_SUSPENDED = "member_suspended"
    NOT_INFORMATION_OFFICER = "not_information_officer"
    NOT_IN_CELL = "not_in_case_cell"
    CLEARANCE_BELOW_SECRET = "clearance_below_secret"  # noqa: S105 - a reason code
    NOT_CELL_OR_LTF_MEMBER = "not_cell_or_ltf_member"


REGISTER_CLEARANCE = Clearance.SECRET


@dataclass(frozen=True)
class CartographyVerdict:
    """Allowed or not, with the reason code."""

    allowed: bool
    reason: CartographyReason


def may_set_category(actor: Actor, *, invited_to_case_cell: bool) -> CartographyVerdict:
    """The information officer invited into a cell where the subject has a case sets it."""
    if actor.status is not MemberStatus.ACTIVE:
        return CartographyVerdict(False, CartographyReason.MEMBER_SUSPENDED)
    if Role.INFORMATION_OFFICER not in actor.roles:
        return CartographyVerdict(False, CartographyReason.NOT_INFORMATION_OFFICER)
    if not invited_to_case_cell:
        return CartographyVerdict(False, CartographyReason.NOT_IN_CELL)
    return CartographyVerdict(True, CartographyReason.INFORMATION_OFFICER)


def may_read_register(
    actor: Actor, *, invited_to_cell: bool, invited_to_ltf: bool
) -> CartographyVerdict:
    """A member of the cell, or of the municipality's LTF, cleared at least "secret"."""
    if actor.status is not MemberStatus.ACTIVE:
        return CartographyVerdict(False, CartographyReason.MEMBER_SUSPENDED)
    if not (invited_to_cell or invited_to_ltf):
        return CartographyVerdict(False, CartographyReason.NOT_CELL_OR_LTF_MEMBER)
    if actor.clearance < REGISTER_CLEARANCE:
        return CartographyVerdict(False, CartographyReason.CLEARANCE_BELOW_SECRET)
    if invited_to_cell:
        return CartographyVerdict(True, CartographyReason.CLEARED_CELL_MEMBER)
    return CartographyVerdict(True, CartographyReason.CLEARED_LTF_MEMBER)
