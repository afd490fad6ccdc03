"""Coverage, written once: one release or grant at a time and as an index agree everywhere."""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from app.policies.sharing import (
    GRANTED,
    RELEASED,
    FieldFacts,
    GrantFacts,
    Names,
    ParticipantFacts,
    ReleaseFacts,
    ShareIndex,
    addressed_to,
    field_grant_places,
    field_places,
    grant_covers,
    grant_names,
    grant_released,
    in_force,
    release_covers,
)
from tests.policies.sharing_world import FIELD, GRANT, NOW, RELEASE, T0, WORKER
from tests.policies.test_sharing import EXAMPLES, fields_, grants, minutes, participants, releases


@settings(max_examples=EXAMPLES, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    participants,
    st.lists(fields_, min_size=1, max_size=4),
    st.lists(releases, max_size=5),
    st.lists(grants, max_size=5),
    minutes,
)
def test_the_index_answers_as_each_release_and_grant_does(
    who: ParticipantFacts,
    fields: list[FieldFacts],
    rs: list[ReleaseFacts],
    gs: list[GrantFacts],
    now: object,
) -> None:
    index = ShareIndex.build(who, rs, gs, now)  # type: ignore[arg-type]
    for f in fields:
        released = any(release_covers(r, f, now) for r in rs)  # type: ignore[arg-type]
        granted = any(grant_covers(g, who, f, now) for g in gs)  # type: ignore[arg-type]
        assert index.is_released(f) is released
        assert index.is_granted(f) is granted
        assert index.standing(f) == RELEASED * released + GRANTED * granted


@settings(max_examples=EXAMPLES, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(grants, st.lists(fields_, max_size=4), st.lists(releases, max_size=4), minutes)
def test_grant_released_is_a_named_field_some_release_covers(
    g: GrantFacts, fields: list[FieldFacts], rs: list[ReleaseFacts], now: object
) -> None:
    expected = any(
        grant_names(g, f) and any(release_covers(r, f, now) for r in rs)  # type: ignore[arg-type]
        for f in fields
    )
    assert grant_released(g, fields, rs, now) is expected  # type: ignore[arg-type]


def test_in_force_starts_at_its_start_and_ends_before_its_end() -> None:
    assert in_force(T0, None, T0)
    assert not in_force(T0, None, T0 - timedelta(microseconds=1))
    assert in_force(T0, NOW, NOW - timedelta(microseconds=1))
    assert not in_force(T0, NOW, NOW)


def test_a_release_reaches_its_version_or_the_latest_only() -> None:
    old = replace(FIELD, version=1, is_latest=False)
    latest = replace(FIELD, version=2, is_latest=True)
    assert field_places(old) == (("n1", 1),)
    assert field_places(latest) == (("n1", 2), ("n1", None))
    assert release_covers(replace(RELEASE, version=1), old, NOW)
    assert not release_covers(replace(RELEASE, version=1), latest, NOW)
    assert not release_covers(RELEASE, old, NOW)  # "the latest" does not reach an old version
    assert release_covers(RELEASE, latest, NOW)
    assert not release_covers(replace(RELEASE, note_id="n2"), latest, NOW)


def test_a_release_names_a_field_by_name_or_class_and_nothing_else() -> None:
    assert release_covers(replace(RELEASE, field=None, sensitivity=FIELD.sensitivity), FIELD, NOW)
    assert not release_covers(replace(RELEASE, field="other"), FIELD, NOW)
    assert not release_covers(replace(RELEASE, field=None, sensitivity=None), FIELD, NOW)
    assert not release_covers(replace(RELEASE, released_at=NOW + timedelta(seconds=1)), FIELD, NOW)
    assert not release_covers(replace(RELEASE, withdrawn_at=NOW), FIELD, NOW)


def test_a_grant_reaches_its_note_or_any_and_its_grantee_or_role() -> None:
    assert field_grant_places(FIELD) == ("n1", None)
    assert grant_covers(GRANT, WORKER, FIELD, NOW)
    assert grant_covers(replace(GRANT, note_id="n1"), WORKER, FIELD, NOW)
    assert not grant_covers(replace(GRANT, note_id="n2"), WORKER, FIELD, NOW)
    by_role = replace(GRANT, member_id=None, role="case_worker")
    assert addressed_to(by_role, WORKER)
    assert not addressed_to(replace(by_role, role="chair"), WORKER)
    assert not addressed_to(replace(GRANT, member_id="someone"), WORKER)
    assert not addressed_to(replace(GRANT, member_id=None), WORKER)
    assert not grant_covers(replace(GRANT, withdrawn_at=NOW), WORKER, FIELD, NOW)
    assert not grant_covers(replace(GRANT, granted_at=NOW + timedelta(1)), WORKER, FIELD, NOW)


@pytest.mark.parametrize(
    ("named", "marks"),
    [
        ([(RELEASED, ("housing", None))], RELEASED),
        ([(GRANTED, (None, "social_situation"))], GRANTED),
        ([(RELEASED, ("housing", None)), (GRANTED, ("housing", None))], RELEASED | GRANTED),
        ([(RELEASED, (None, "social_situation")), (GRANTED, ("housing", None))], 3),
        ([(RELEASED, ("household", "family"))], 0),
        ([(RELEASED, (None, None))], 0),
        ([], 0),
    ],
)
def test_names_carry_the_marks_of_all_that_named_a_field(
    named: list[tuple[int, tuple[str | None, str | None]]], marks: int
) -> None:
    assert Names.of(named).marks(FIELD) == marks


def test_the_index_only_counts_this_participants_grants_in_force() -> None:
    someone_elses = replace(GRANT, member_id="pieter")
    index = ShareIndex.build(WORKER, [RELEASE], [someone_elses], NOW)
    assert index.is_released(FIELD)
    assert not index.is_granted(FIELD)
    assert ShareIndex.build_releases([RELEASE], NOW).granted == ()
