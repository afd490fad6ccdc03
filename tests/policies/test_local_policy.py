"""A municipality's local policy: configuration that only ever tightens the law's rules."""

from __future__ import annotations

from dataclasses import replace

import pytest

from app.policies.engine import decide
from app.policies.local import LOCAL_RULE, LocalPolicy, PolicyConfigError
from app.policies.sharing import SHARING_RULES, ShareRequest
from tests.policies.sharing_world import FIELD, WORKER, world


def ask(facts: dict[str, object], rules):  # type: ignore[no-untyped-def]
    return decide(ShareRequest(**facts), rules)  # type: ignore[arg-type]


def test_the_default_policy_is_the_law() -> None:
    assert LocalPolicy().rules() == SHARING_RULES


def test_withheld_classes_are_never_shared() -> None:
    rules = LocalPolicy.from_mapping({"withheld_classes": ["social_situation"]}).rules()
    decision = ask(world(), rules)
    assert not decision.allowed
    assert LOCAL_RULE in decision.reasons
    assert ask(world(), SHARING_RULES).allowed  # the same world without the local rule


def test_more_classes_can_require_professional_secrecy() -> None:
    rules = LocalPolicy.from_mapping(
        {"secrecy_bound_classes": ["health", "psychological", "social_situation"]}
    ).rules()
    outsider = world(participant=replace(WORKER, bound_by_secrecy=False))
    assert ask(outsider, SHARING_RULES).allowed
    assert "secrecy_regime" in ask(outsider, rules).reasons


def test_judicial_content_can_be_kept_to_fewer_receivers() -> None:
    rules = LocalPolicy.from_mapping({"judicial_receivers": ["local_police"]}).rules()
    judicial = world(
        field=replace(FIELD, sensitivity="judicial"),
        participant=replace(WORKER, agency_kind="justice_house"),
    )
    assert ask(judicial, SHARING_RULES).allowed
    assert "judicial_police_only" in ask(judicial, rules).reasons


@pytest.mark.parametrize(
    "loosening",
    [
        {"secrecy_bound_classes": ["health"]},
        {"judicial_receivers": ["local_police", "social_service"]},
        {"ltf_sources": ["ocad"]},
        {"judicial_classes": []},
    ],
)
def test_a_local_policy_cannot_loosen_the_law(loosening: dict[str, list[str]]) -> None:
    with pytest.raises(PolicyConfigError, match="loosen"):
        LocalPolicy.from_mapping(loosening)


@pytest.mark.parametrize(
    "bad",
    [
        {"nonsense": ["x"]},
        {"withheld_classes": ["horoscope"]},
        {"ltf_sources": "ocad"},
        {"judicial_receivers": ["police"]},
    ],
)
def test_malformed_policies_are_refused(bad: dict[str, object]) -> None:
    with pytest.raises(PolicyConfigError):
        LocalPolicy.from_mapping(bad)
