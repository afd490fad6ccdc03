"""The engine's checks at write time: a release rule 8 would never show, a grant naming nothing.

Both must give the answer the read would give, from the same rule: each property below holds
the write-time check to ``decide`` on generated worlds.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace
from datetime import timedelta
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from app.policies.engine import RuleOf, decide
from app.policies.local import LocalPolicy
from app.policies.sharing import (
    LIVC_CELLS,
    LTF_SOURCES,
    SHARING_RULES,
    ChairGranted,
    GrantFacts,
    LtfBridge,
    OwnerReleased,
    ReleaseFacts,
    ShareReason,
    ShareRequest,
    grant_released,
    release_refusal,
)
from app.policies.vocabulary import AgencyKind, CellKind
from tests.policies.sharing_world import EXCHANGE, FIELD, NOW, RELEASE, T0, world
from tests.policies.test_sharing import EXAMPLES, coherent_worlds, grants, releases

LTF = ShareReason.LTF_VIA_INFORMATION_OFFICER


def _refusal(rules: Sequence[RuleOf[ShareRequest]], cell: str, owner: str) -> ShareReason | None:
    return release_refusal(rules, cell_kind=cell, owner_agency_kind=owner)


@pytest.mark.parametrize("cell", [k.value for k in CellKind])
@pytest.mark.parametrize("owner", [k.value for k in AgencyKind])
def test_a_release_is_refused_exactly_where_rule_8_denies_every_reader(
    cell: str, owner: str
) -> None:
    expected = LTF if cell in LIVC_CELLS and owner in LTF_SOURCES else None
    assert _refusal(SHARING_RULES, cell, owner) is expected
    facts: dict[str, Any] = world(
        exchange=replace(EXCHANGE, cell_kind=cell), field=replace(FIELD, owner_agency_kind=owner)
    )
    decision = decide(ShareRequest(**facts), SHARING_RULES)
    assert (LTF in decision.reasons) is (expected is not None)


def test_the_refusal_follows_the_rule_table_not_a_copy() -> None:
    without = tuple(r for r in SHARING_RULES if not isinstance(r, LtfBridge))
    assert _refusal(without, "livc_case", "state_security") is None
    local = LocalPolicy.from_mapping({"ltf_sources": ["state_security", "ocad", "other"]})
    assert _refusal(local.rules(), "livc_case", "other") is LTF
    assert _refusal(SHARING_RULES, "livc_case", "other") is None
    assert _refusal(local.rules(), "ltf", "other") is None


@settings(max_examples=EXAMPLES, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(coherent_worlds())
def test_a_refused_release_is_one_no_reader_would_ever_see(facts: dict[str, Any]) -> None:
    exchange, field = facts["exchange"], facts["field"]
    refused = _refusal(SHARING_RULES, exchange.cell_kind, field.owner_agency_kind)
    decision = decide(ShareRequest(**facts), SHARING_RULES)
    if refused is not None:
        assert not decision.allowed
        assert refused in decision.reasons
    else:
        assert LTF not in decision.reasons


# -- grants -------------------------------------------------------------------------------


def _grant(**changes: object) -> GrantFacts:
    base = GrantFacts("sofie", None, None, None, None, granted_at=NOW)
    return replace(base, **changes)


HOUSING = FIELD  # note n1, "housing", class social_situation, latest version 1
HOUSEHOLD = replace(FIELD, name="household", sensitivity="family")


@pytest.mark.parametrize(
    ("grant", "released"),
    [
        (_grant(field="housing"), True),  # released by name
        (_grant(sensitivity="social_situation"), True),  # the class of a field released by name
        (_grant(field="housing", note_id="n1"), True),
        (_grant(role="case_worker", member_id=None, field="housing"), True),
        (_grant(field="household"), False),  # a field of the note that was not released
        (_grant(sensitivity="family"), False),
        (_grant(field="housing", note_id="n2"), False),  # another note's field
        (_grant(role="case_worker", member_id=None, sensitivity="health"), False),
    ],
)
def test_a_grant_is_released_when_it_names_a_field_a_release_covers(
    grant: GrantFacts, released: bool
) -> None:
    assert grant_released(grant, [HOUSING, HOUSEHOLD], [RELEASE], NOW) is released


def test_a_class_release_covers_field_grants_of_its_class_only() -> None:
    by_class = ReleaseFacts("n1", None, None, "family", released_at=T0)
    fields = [HOUSING, HOUSEHOLD]
    assert grant_released(_grant(field="household"), fields, [by_class], NOW)
    assert grant_released(_grant(sensitivity="family"), fields, [by_class], NOW)
    assert not grant_released(_grant(field="housing"), fields, [by_class], NOW)


def test_a_withdrawn_or_pinned_away_release_covers_nothing() -> None:
    withdrawn = replace(RELEASE, withdrawn_at=NOW - timedelta(minutes=1))
    assert not grant_released(_grant(field="housing"), [HOUSING], [withdrawn], NOW)
    pinned = replace(RELEASE, version=2)  # the fields known are those of version 1
    assert not grant_released(_grant(field="housing"), [HOUSING], [pinned], NOW)
    assert grant_released(_grant(field="housing"), [replace(HOUSING, version=2)], [pinned], NOW)
    assert not grant_released(_grant(field="housing"), [], [RELEASE], NOW)


INDEX_RULES = (OwnerReleased(), ChairGranted())


@settings(max_examples=EXAMPLES, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(coherent_worlds(), grants, st.lists(releases, max_size=3))
def test_a_grant_refused_as_not_released_could_show_nothing(
    facts: dict[str, Any], grant: GrantFacts, more: list[ReleaseFacts]
) -> None:
    field, now, who = facts["field"], facts["now"], facts["participant"]
    rs = (*facts["releases"], *more)
    # The grant in force and addressed to the reader: then "released and granted" by the
    # engine's own rules is exactly what the grant-time check says, for any field.
    grant = replace(grant, member_id=who.member_id, granted_at=now, withdrawn_at=None)
    request = ShareRequest(**{**facts, "releases": rs, "grants": (grant,)})
    assert decide(request, INDEX_RULES).allowed is grant_released(grant, [field], rs, now)
