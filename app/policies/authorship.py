"""Who may write with a template: some templates are kept by one role or one kind of agency.

The LTF information fiche is written only by the information officer, who owns inside the hub
what the LTF contributes (DOMAIN.md rule 8); a police information fiche only by a police agency;
meeting minutes only by the municipality that chairs the cell. A template that names no authors
leaves the decision to the note rules alone.

Pure: facts in, a refusal reason (or None) out.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping
from dataclasses import dataclass
from enum import StrEnum

from app.policies.vocabulary import AgencyKind, Role


class AuthorshipReason(StrEnum):
    """Why a member may not write a note with a template."""

    ROLE = "template_author_role"
    AGENCY_KIND = "template_author_agency_kind"


@dataclass(frozen=True)
class Authors:
    """The roles (any of them) and agency kinds (any of them) a template's authors must have;
    an empty set does not restrict."""

    roles: frozenset[Role] = frozenset()
    agency_kinds: frozenset[AgencyKind] = frozenset()

    @classmethod
    def from_json(cls, data: Mapping[str, Collection[str]] | None) -> Authors:
        """From the stored form (None: anyone)."""
        data = data or {}
        return cls(
            roles=frozenset(Role(r) for r in data.get("roles", ())),
            agency_kinds=frozenset(AgencyKind(k) for k in data.get("agency_kinds", ())),
        )

    def to_json(self) -> dict[str, list[str]] | None:
        """The stored form (None when it restricts nothing)."""
        if not self.roles and not self.agency_kinds:
            return None
        return {
            "roles": sorted(r.value for r in self.roles),
            "agency_kinds": sorted(k.value for k in self.agency_kinds),
        }


def authorship_refusal(
    authors: Authors, *, roles: Collection[Role], agency_kind: str | None
) -> AuthorshipReason | None:
    """None if a member with these roles, of an agency of this kind, may write; else why not."""
    if authors.roles and not authors.roles.intersection(roles):
        return AuthorshipReason.ROLE
    if authors.agency_kinds and agency_kind not in {k.value for k in authors.agency_kinds}:
        return AuthorshipReason.AGENCY_KIND
    return None
