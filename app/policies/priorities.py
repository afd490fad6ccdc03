"""The strategic LIVC's priorities for a year, and who reads the strategic cell's documents.

The mayor's strategic LIVC sets direction and priorities from the municipal diagnosis (DOMAIN.md,
the cell section). Its chair writes the year's priorities; the people invited into the strategic
cell read them, as they read its counts (decision 104). The document is policy text: a short
list of priorities, each with a theme from a closed list and a text in Dutch and French; it
names no person and no case. Pure: facts in, a verdict with its reason code out.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

# At most this many priorities in a year's document, and characters in any one text.
MAX_PRIORITIES = 12
MAX_TEXT = 2000


class Theme(StrEnum):
    """What a priority is about (a closed list, so that years can be compared)."""

    PRIMARY_PREVENTION = "primary_prevention"
    YOUTH_AND_FAMILIES = "youth_and_families"
    SCHOOLS_AND_EDUCATION = "schools_and_education"
    ONLINE_POLARISATION = "online_polarisation"
    COMMUNITY_RESILIENCE = "community_resilience"
    PSYCHOSOCIAL_CARE = "psychosocial_care"
    RETURNEES_AND_RELEASE = "returnees_and_release"
    INFORMATION_SHARING = "information_sharing"
    TRAINING_OF_PROFESSIONALS = "training_of_professionals"


class StrategicReason(StrEnum):
    """Why a strategic cell's document is read or written, or refused."""

    INVITED = "invited_to_strategic_cell"
    CHAIR = "chair_of_strategic_cell"
    NOT_STRATEGIC = "not_a_strategic_cell"
    NOT_INVITED = "not_invited_to_strategic_cell"
    NOT_CHAIR = "not_chair_of_strategic_cell"


@dataclass(frozen=True)
class StrategicVerdict:
    """Allowed or not, with the reason code."""

    allowed: bool
    reason: StrategicReason


def may_read(*, strategic: bool, invited: bool) -> StrategicVerdict:
    """The strategic cell's counts, diagnosis and priorities: for the people invited into it."""
    if not strategic:
        return StrategicVerdict(False, StrategicReason.NOT_STRATEGIC)
    if not invited:
        return StrategicVerdict(False, StrategicReason.NOT_INVITED)
    return StrategicVerdict(True, StrategicReason.INVITED)


def may_write_priorities(*, strategic: bool, chair: bool, invited: bool) -> StrategicVerdict:
    """The year's priorities: written by the strategic cell's chair only."""
    if not strategic:
        return StrategicVerdict(False, StrategicReason.NOT_STRATEGIC)
    if not chair:
        reason = StrategicReason.NOT_CHAIR if invited else StrategicReason.NOT_INVITED
        return StrategicVerdict(False, reason)
    return StrategicVerdict(True, StrategicReason.CHAIR)
