"""Rule 12: no count under 5 can be recovered from any strategic query or pair of queries.

Over generated case populations: every query the API allows (each dimension, quarters and
years, every span of years) is answered; nothing under 5 is ever shown; and every hidden count
has a witness, another population that every query (and so every pair of queries, every total,
margin and difference of them) answers exactly as it answers this one, while the hidden count
differs. The counts of the witness are made here from the records, independently of the module.
"""

from __future__ import annotations

from collections import Counter
from itertools import combinations

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from app.policies.casework import AxisOutcome, InterventionAxis
from app.policies.disclosure import Label, within
from app.policies.strategy import (
    VALUES,
    CaseRecord,
    Cell,
    Dimension,
    Granularity,
    Period,
    Query,
    answer,
    publish,
)
from app.policies.vocabulary import CaseStatus

FIRST, LAST = 2024, 2025
QUERIES = [
    Query(d, g, a, b)
    for d in Dimension
    for g in Granularity
    for a in range(FIRST, LAST + 1)
    for b in range(a, LAST + 1)
]


@st.composite
def case_records(draw: st.DrawFn) -> CaseRecord:
    status = draw(st.sampled_from(list(CaseStatus)))
    outcomes: tuple[tuple[str, str], ...] = ()
    if status is CaseStatus.CLOSED:
        # Few outcome values, so that some outcome counts reach 5.
        pick = st.sampled_from(
            [AxisOutcome.ACHIEVED, AxisOutcome.NOT_APPLICABLE, AxisOutcome.REFERRED]
        )
        outcomes = tuple((a.value, draw(pick).value) for a in InterventionAxis)
    return CaseRecord(
        category=draw(st.sampled_from(["none", "none", "FTF", "PVE", "HP"])),
        status=status.value,
        agency_kind=draw(st.sampled_from(["social_service", "local_police", "youth"])),
        quarter=Period(draw(st.integers(FIRST, LAST)), draw(st.integers(1, 4))),
        outcomes=outcomes,
    )


def _own_cells(r: CaseRecord) -> list[Cell]:
    """The cells a case counts in, written from the definition, not from the module."""
    values = [
        (Dimension.TOTAL, "all"),
        (Dimension.OCAD_CATEGORY, r.category),
        (Dimension.CASE_STATUS, r.status),
        (Dimension.AGENCY_KIND, r.agency_kind),
    ] + [(Dimension.OUTCOME, f"{axis}:{outcome}") for axis, outcome in r.outcomes]
    periods = (r.quarter, Period(r.quarter.year))
    return [Cell(d, v, p) for d, v in values for p in periods]


def _counts(records: Counter[CaseRecord], lattice: list[Cell]) -> dict[Cell, int]:
    out = dict.fromkeys(lattice, 0)
    for record, n in records.items():
        for cell in _own_cells(record):
            out[cell] += n
    return out


_EMPTY = publish([], LAST, FIRST)
CELLS_OF_QUERY = {
    q: frozenset(Cell(q.dimension, row.value, row.period) for row in answer(_EMPTY, q))
    for q in QUERIES
}


@settings(
    max_examples=40,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
@given(st.lists(case_records(), max_size=45))
def test_no_count_under_5_is_derivable_from_any_query_or_pair_of_queries(
    records: list[CaseRecord],
) -> None:
    pub = publish(records, LAST, FIRST)
    population = Counter(records)
    lattice = list(pub.labels)
    truth = _counts(population, lattice)
    labels = dict(pub.labels)

    # Nothing under 5 is shown, and what is shown is the true count.
    for q in QUERIES:
        for row in answer(pub, q):
            true = truth[Cell(q.dimension, row.value, row.period)]
            if row.label is Label.SHOWN:
                assert row.count == true
                assert true >= 5
            else:
                assert row.count is None
                assert within(row.label, true)

    for cell in lattice:
        if labels[cell] is Label.SHOWN:
            continue
        move = pub.witnesses[cell]
        world = population.copy()
        world.subtract(move.removed)
        assert min(world.values(), default=0) >= 0
        world.update(move.added)
        other = _counts(+world, lattice)
        assert other[cell] != truth[cell], cell
        # What a reader sees of a cell: its count if shown, else its label (and the label holds).
        told_apart = {
            c
            for c in lattice
            if (
                other[c] != truth[c]
                if labels[c] is Label.SHOWN
                else not within(labels[c], other[c])
            )
        }
        differs = {q: bool(CELLS_OF_QUERY[q] & told_apart) for q in QUERIES}
        assert not any(differs.values()), (cell, sorted(told_apart))
        for q1, q2 in combinations(QUERIES, 2):  # so no pair (total, margin, difference) either
            assert not (differs[q1])
            assert not (differs[q2])


def test_every_query_reads_the_same_publication() -> None:
    records = [CaseRecord("none", "signalled", "youth", Period(2025, 1))] * 7 + [
        CaseRecord("FTF", "signalled", "youth", Period(2025, 1))
    ] * 2
    pub = publish(records, LAST, FIRST)
    by_year = answer(pub, Query(Dimension.OCAD_CATEGORY, Granularity.YEAR, 2025, 2025))
    by_quarter = answer(pub, Query(Dimension.OCAD_CATEGORY, Granularity.QUARTER, 2025, 2025))
    shown = {(str(r.period), r.value): r.count for r in by_year + by_quarter if r.count is not None}
    assert all(n >= 5 for n in shown.values())
    # FTF (2) is "<5" in the quarter and the year; "none" cannot be shown in both, or the
    # total minus "none" would give FTF back.
    ftf = [
        r
        for r in by_year + by_quarter
        if r.value == "FTF" and r.period in (Period(2025), Period(2025, 1))
    ]
    assert {r.label for r in ftf} == {Label.SMALL}
    total = answer(pub, Query(Dimension.TOTAL, Granularity.YEAR, 2025, 2025))[0]
    none_year = next(r for r in by_year if r.value == "none")
    assert total.count is None or none_year.count is None


def test_the_lattice_covers_every_value_of_every_dimension() -> None:
    assert len(VALUES[Dimension.OUTCOME]) == len(InterventionAxis) * len(AxisOutcome)
    assert set(VALUES[Dimension.CASE_STATUS]) == {s.value for s in CaseStatus}
    assert len(CELLS_OF_QUERY[Query(Dimension.TOTAL, Granularity.QUARTER, FIRST, LAST)]) == 8
    everything = frozenset().union(*CELLS_OF_QUERY.values())
    assert everything == frozenset(_EMPTY.labels)  # the queries reach every cell
