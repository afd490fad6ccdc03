"""The batched evaluation (``SharingPolicy``) against ``decide`` per field, on generated reads.

The policies live as long as the module, so their remembered flow answers carry over from one
generated read to the next, as they do in a hub: a profile key that left out something a rule
reads would show up here as a wrong decision.
"""

from __future__ import annotations

import os
from collections import Counter
from dataclasses import dataclass

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from app.policies.engine import Decision, Effect, RuleOf, Verdict, decide
from app.policies.local import LocalPolicy
from app.policies.sharing import (
    SHARING_RULES,
    Scope,
    ShareRequest,
    SharingPolicy,
    decide_fields,
    field_key,
    grant_covers,
)
from tests.policies.share_worlds import World, worlds


@dataclass(frozen=True)
class FieldNamedF3IsWithheld:
    """A regulation's rule with no scope: asked for every field."""

    name: str = "f3_withheld"

    def evaluate(self, request: ShareRequest) -> Verdict | None:
        return Verdict(Effect.DENY, "local_rule") if request.field.name == "f3" else None


@dataclass(frozen=True)
class OpenExchangesSayAllow:
    """An exchange rule that allows: the read leaves the fast path and must say so in reasons."""

    name: str = "open_says_allow"
    scope: Scope = Scope.EXCHANGE

    def evaluate(self, request: ShareRequest) -> Verdict | None:
        x = request.exchange
        return Verdict(Effect.ALLOW, "open") if x.closed_at is None else None


LOCAL = LocalPolicy.from_mapping(
    {
        "withheld_classes": ["free_text"],
        "secrecy_bound_classes": ["health", "psychological", "family"],
    }
)
TABLES: dict[str, tuple[RuleOf[ShareRequest], ...]] = {
    "law": SHARING_RULES,
    "local": LOCAL.rules(),
    "reversed": tuple(reversed(SHARING_RULES)),
    "per_field": (*SHARING_RULES, FieldNamedF3IsWithheld()),
    "exchange_allows": (OpenExchangesSayAllow(), *SHARING_RULES),
    "empty": (),
}
POLICIES = {name: SharingPolicy(rules) for name, rules in TABLES.items()}
EXAMPLES = int(os.environ.get("LIVC_HYPOTHESIS_EXAMPLES", "2000"))


def _reference(world: World, rules: tuple[RuleOf[ShareRequest], ...]) -> dict[object, Decision]:
    w = world
    return {
        field_key(f): decide(
            ShareRequest(w.participant, w.exchange, f, w.releases, w.grants, w.now), rules
        )
        for f in w.fields
    }


def _tally(world: World, expected: dict[object, Decision], tally: Counter[str]) -> None:
    w = world
    for f in w.fields:
        decision = expected[field_key(f)]
        tally["fields"] += 1
        if not decision.allowed:
            continue
        tally["visible"] += 1
        tally["old_version"] += not f.is_latest
        covering = [g for g in w.grants if grant_covers(g, w.participant, f, w.now)]
        tally["only_pinned_grants"] += all(g.note_id is not None for g in covering)
        tally["only_role_grants"] += all(g.role is not None for g in covering)


def test_batched_decisions_are_decide_per_field_reasons_and_all() -> None:
    tally: Counter[str] = Counter()
    answers: set[tuple[bool, tuple[str, ...]]] = set()

    @settings(
        max_examples=max(EXAMPLES // 4, 100),
        deadline=None,
        suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
    )
    @given(worlds(), st.sampled_from(sorted(set(TABLES) - {"law"})))
    def check(world: World, other: str) -> None:
        w = world
        for table in ("law", other):
            expected = _reference(w, TABLES[table])
            reading = POLICIES[table].read(w.participant, w.exchange, w.releases, w.grants, w.now)
            assert reading.decide_all(w.fields) == expected
            one = w.fields[len(w.fields) // 2]
            assert reading.decide(one) == expected[field_key(one)]
            answers.update((d.allowed, tuple(map(str, d.reasons))) for d in expected.values())
        expected = _reference(w, SHARING_RULES)
        _tally(w, expected, tally)
        assert (
            decide_fields(w.participant, w.exchange, w.fields, w.releases, w.grants, w.now)
            == expected
        )

    check()
    # The fast path was reached: a third of the law's fields visible, through every coverage.
    assert tally["visible"] >= tally["fields"] / 3, tally
    assert tally["old_version"] > 0, tally
    assert tally["only_pinned_grants"] > 0, tally
    assert tally["only_role_grants"] > 0, tally
    assert len(answers) >= 10, answers


def test_an_empty_read_decides_nothing() -> None:
    reading = POLICIES["law"].read(*_some_read())
    assert reading.decide_all([]) == {}


def _some_read():  # type: ignore[no-untyped-def]
    from tests.policies.sharing_world import EXCHANGE, GRANT, NOW, RELEASE, WORKER

    return WORKER, EXCHANGE, (RELEASE,), (GRANT,), NOW
