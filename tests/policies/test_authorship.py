"""Who may write with a template (rule 8 for the LTF fiche; police and municipal fiches)."""

from __future__ import annotations

import pytest

from app.policies.authorship import Authors, AuthorshipReason, authorship_refusal
from app.policies.vocabulary import AgencyKind, Role

LTF = Authors(roles=frozenset({Role.INFORMATION_OFFICER}))
POLICE = Authors(agency_kinds=frozenset({AgencyKind.LOCAL_POLICE, AgencyKind.FEDERAL_POLICE}))
BOTH = Authors(
    roles=frozenset({Role.INFORMATION_OFFICER}), agency_kinds=frozenset({AgencyKind.LOCAL_POLICE})
)


def test_no_authors_restricts_nothing() -> None:
    anyone = Authors()
    assert anyone.to_json() is None
    assert authorship_refusal(anyone, roles={Role.CASE_WORKER}, agency_kind=None) is None


@pytest.mark.parametrize(
    ("roles", "refused"),
    [
        ({Role.INFORMATION_OFFICER}, None),
        ({Role.CASE_WORKER, Role.INFORMATION_OFFICER}, None),
        ({Role.CASE_WORKER}, AuthorshipReason.ROLE),
        ({Role.POLICE_REFERENCE}, AuthorshipReason.ROLE),
        (set(), AuthorshipReason.ROLE),
    ],
)
def test_the_ltf_fiche_only_by_the_information_officer(
    roles: set[Role], refused: AuthorshipReason | None
) -> None:
    assert authorship_refusal(LTF, roles=roles, agency_kind="local_police") is refused


@pytest.mark.parametrize(
    ("kind", "refused"),
    [
        ("local_police", None),
        ("federal_police", None),
        ("social_service", AuthorshipReason.AGENCY_KIND),
        ("municipality", AuthorshipReason.AGENCY_KIND),
        (None, AuthorshipReason.AGENCY_KIND),
    ],
)
def test_agency_kinds(kind: str | None, refused: AuthorshipReason | None) -> None:
    assert authorship_refusal(POLICE, roles={Role.CASE_WORKER}, agency_kind=kind) is refused


def test_both_conditions_must_hold() -> None:
    officer = {Role.INFORMATION_OFFICER}
    assert authorship_refusal(BOTH, roles=officer, agency_kind="local_police") is None
    assert (
        authorship_refusal(BOTH, roles=officer, agency_kind="ocad") is AuthorshipReason.AGENCY_KIND
    )
    assert (
        authorship_refusal(BOTH, roles={Role.CASE_WORKER}, agency_kind="local_police")
        is AuthorshipReason.ROLE
    )


def test_stored_form_round_trips() -> None:
    stored = BOTH.to_json()
    assert stored == {"roles": ["information_officer"], "agency_kinds": ["local_police"]}
    assert Authors.from_json(stored) == BOTH
    assert Authors.from_json(None) == Authors()


def test_a_restriction_on_roles_or_on_agency_kinds_alone_is_stored() -> None:
    # Written for a mutant of `make mutate` (decision 125): one restriction is enough to store.
    assert LTF.to_json() == {"roles": ["information_officer"], "agency_kinds": []}
    assert POLICE.to_json() == {"roles": [], "agency_kinds": ["federal_police", "local_police"]}
    assert Authors.from_json(LTF.to_json()) == LTF
    assert Authors.from_json(POLICE.to_json()) == POLICE
