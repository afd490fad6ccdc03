"""The strategic LIVC's counts (DOMAIN.md rule 12): what is counted, over which periods, and how
every query is answered from one publication, so no two queries can be played against each other.

A case counts once, in the calendar quarter it was signalled (and in that quarter's year), by
OCAD category of its subject, by status, by the kind of the agency that signalled it, in the
total, and, once closed, by the outcome it recorded on each intervention axis. The lattice of
cells (every dimension's values over every quarter and year since the LIVC law) does not depend
on the data or on the query: a query picks cells from the one publication that
``app.policies.disclosure`` makes of the whole lattice. No person and no pseudonym is in it.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field, replace
from datetime import datetime
from enum import StrEnum
from functools import cache

from app.policies.cartography import OcadCategory
from app.policies.casework import AxisOutcome, InterventionAxis
from app.policies.disclosure import Label, Move, Publication, suppress
from app.policies.vocabulary import AgencyKind, CaseStatus

# The law of 30 July 2018 created the LIVC-R: nothing is counted before its first year.
FIRST_YEAR = 2018


class Dimension(StrEnum):
    """What a query breaks the counts down by."""

    TOTAL = "total"
    OCAD_CATEGORY = "ocad_category"
    CASE_STATUS = "case_status"
    AGENCY_KIND = "agency_kind"
    OUTCOME = "outcome"


class Granularity(StrEnum):
    """Periods snap to calendar quarters or years."""

    QUARTER = "quarter"
    YEAR = "year"


def _values() -> dict[Dimension, tuple[str, ...]]:
    outcomes = tuple(f"{a.value}:{o.value}" for a in InterventionAxis for o in AxisOutcome)
    return {
        Dimension.TOTAL: ("all",),
        Dimension.OCAD_CATEGORY: tuple(c.value for c in OcadCategory),
        Dimension.CASE_STATUS: tuple(s.value for s in CaseStatus),
        Dimension.AGENCY_KIND: tuple(k.value for k in AgencyKind),
        Dimension.OUTCOME: outcomes,
    }


VALUES: dict[Dimension, tuple[str, ...]] = _values()


@dataclass(frozen=True, order=True)
class Period:
    """A calendar year (``quarter`` None) or one of its quarters (1-4)."""

    year: int
    quarter: int | None = None

    # Kept: the suppression hashes periods, cells and records millions of times.
    _hash: int = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "_hash", hash((self.year, self.quarter)))

    def __hash__(self) -> int:
        return self._hash

    def __str__(self) -> str:
        return str(self.year) if self.quarter is None else f"{self.year}-Q{self.quarter}"

    @property
    def whole_year(self) -> Period:
        """The year this period lies in."""
        return Period(self.year)


def quarter_of(at: datetime) -> Period:
    """The calendar quarter of a moment (before the first year: that year's first quarter)."""
    if at.year < FIRST_YEAR:
        return Period(FIRST_YEAR, 1)
    return Period(at.year, (at.month - 1) // 3 + 1)


@dataclass(frozen=True, order=True)
class Cell:
    """One count: a dimension's value in a period."""

    dimension: Dimension
    value: str
    period: Period

    _hash: int = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "_hash", hash((self.dimension, self.value, self.period)))

    def __hash__(self) -> int:
        return self._hash


@dataclass(frozen=True, order=True)
class CaseRecord:
    """What the count knows of a case: no person, no pseudonym, no id."""

    category: str
    status: str
    agency_kind: str
    quarter: Period
    # (axis, outcome) for each axis, only when closed.
    outcomes: tuple[tuple[str, str], ...] = ()

    _hash: int = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(
            self,
            "_hash",
            hash((self.category, self.status, self.agency_kind, self.quarter, self.outcomes)),
        )

    def __hash__(self) -> int:
        return self._hash


def _dimension_values(record: CaseRecord) -> Iterator[tuple[Dimension, str]]:
    yield Dimension.TOTAL, "all"
    yield Dimension.OCAD_CATEGORY, record.category
    yield Dimension.CASE_STATUS, record.status
    yield Dimension.AGENCY_KIND, record.agency_kind
    for axis, outcome in record.outcomes:
        yield Dimension.OUTCOME, f"{axis}:{outcome}"


# One object per cell: the suppression looks cells up in dicts millions of times, and a lookup
# that finds the very same object never runs the dataclass's (Python) __eq__.
_CELLS: dict[Cell, Cell] = {}


def _cell(dimension: Dimension, value: str, period: Period) -> Cell:
    cell = Cell(dimension, value, period)
    return _CELLS.setdefault(cell, cell)


@cache
def cells_of(record: CaseRecord) -> tuple[Cell, ...]:
    """The cells a case counts in: each of its values, in its quarter and in its year."""
    periods = (record.quarter, record.quarter.whole_year)
    return tuple(_cell(d, v, p) for d, v in _dimension_values(record) for p in periods)


@cache
def _cell_set(record: CaseRecord) -> frozenset[Cell]:
    return frozenset(cells_of(record))


def periods(first_year: int, last_year: int) -> list[Period]:
    """Every year and quarter from ``first_year`` to ``last_year``."""
    out: list[Period] = []
    for year in range(first_year, last_year + 1):
        out.append(Period(year))
        out.extend(Period(year, q) for q in range(1, 5))
    return out


def lattice(last_year: int, first_year: int = FIRST_YEAR) -> list[Cell]:
    """Every cell a query can ask for."""
    return [
        _cell(d, v, p)
        for p in periods(first_year, last_year)
        for d, values in VALUES.items()
        for v in values
    ]


ALL_NOT_APPLICABLE = tuple((a.value, AxisOutcome.NOT_APPLICABLE.value) for a in InterventionAxis)


def _with(record: CaseRecord, dimension: Dimension, value: str) -> Iterator[CaseRecord]:
    """``record`` with one dimension set to ``value`` (status changes add or drop outcomes)."""
    if dimension is Dimension.OCAD_CATEGORY:
        yield replace(record, category=value)
    elif dimension is Dimension.AGENCY_KIND:
        yield replace(record, agency_kind=value)
    elif dimension is Dimension.CASE_STATUS:
        closing = value == CaseStatus.CLOSED.value
        if closing and not record.outcomes:
            yield replace(record, status=value, outcomes=ALL_NOT_APPLICABLE)
        else:
            yield replace(record, status=value, outcomes=record.outcomes if closing else ())
    elif dimension is Dimension.OUTCOME:
        axis, _, outcome = value.partition(":")
        # A case not closed yet gets there by closing, with nothing on the other axes.
        closed = record.outcomes or ALL_NOT_APPLICABLE
        yield replace(
            record,
            status=CaseStatus.CLOSED.value,
            outcomes=tuple((a, outcome if a == axis else o) for a, o in closed),
        )


def _holds(record: CaseRecord, cell: Cell) -> bool:
    return cell in _cell_set(record)


def _quarters(period: Period) -> tuple[Period, ...]:
    if period.quarter is not None:
        return (period,)
    return tuple(Period(period.year, q) for q in range(1, 5))


def _seed(cell: Cell) -> CaseRecord:
    """A plain case counted in ``cell`` (to add where nothing is)."""
    plain = CaseRecord(
        OcadCategory.NONE.value,
        CaseStatus.SIGNALLED.value,
        AgencyKind.OTHER.value,
        _quarters(cell.period)[0],
    )
    if cell.dimension is Dimension.OUTCOME:
        plain = replace(plain, status=CaseStatus.CLOSED.value, outcomes=ALL_NOT_APPLICABLE)
    return next(iter(_with(plain, cell.dimension, cell.value)), plain)


class LivcMoves:
    """The changes worth trying to witness a cell: relabel, shift in time, add, remove, swap."""

    def __init__(self, last_year: int, first_year: int = FIRST_YEAR) -> None:
        self.quarters = [p for p in periods(first_year, last_year) if p.quarter is not None]

    def __call__(self, cell: Cell, records: Counter[CaseRecord]) -> Iterator[Move[CaseRecord]]:
        inside = [r for r in records if _holds(r, cell)]
        yield Move(added=(_seed(cell),))
        yield from (Move(removed=(r,)) for r in inside)
        yield from self._relabel(cell, records, inside)
        yield from self._shift(cell, records, inside)
        yield from self._swap(cell, records, inside)

    def _relabel(
        self, cell: Cell, records: Counter[CaseRecord], inside: list[CaseRecord]
    ) -> Iterator[Move[CaseRecord]]:
        if cell.dimension is Dimension.TOTAL:
            return
        for r in inside:  # out of the cell: another value, same quarter
            for value in VALUES[cell.dimension]:
                if value != cell.value:
                    yield from (Move((r,), (moved,)) for moved in _with(r, cell.dimension, value))
        quarters = set(_quarters(cell.period))
        for r in records:  # into the cell: this value, same quarter
            if r.quarter in quarters and not _holds(r, cell):
                yield from (Move((r,), (moved,)) for moved in _with(r, cell.dimension, cell.value))
        for r in records:  # added here, copied from a case elsewhere
            for q in quarters:
                for moved in _with(replace(r, quarter=q), cell.dimension, cell.value):
                    yield Move(added=(moved,))

    def _shift(
        self, cell: Cell, records: Counter[CaseRecord], inside: list[CaseRecord]
    ) -> Iterator[Move[CaseRecord]]:
        for r in inside:  # another quarter, same year first
            for q in sorted(self.quarters, key=lambda q: (q.year != r.quarter.year, q)):
                if q != r.quarter:
                    yield Move((r,), (replace(r, quarter=q),))
        quarters = _quarters(cell.period)
        for r in records:
            if r.quarter not in quarters:
                for q in quarters:
                    yield Move((r,), (replace(r, quarter=q),))

    def _swap(
        self, cell: Cell, records: Counter[CaseRecord], inside: list[CaseRecord]
    ) -> Iterator[Move[CaseRecord]]:
        """Two relabels in two quarters of one year that cancel out in the year's counts."""
        if cell.dimension is Dimension.TOTAL or cell.period.quarter is None:
            return
        here = [r for r in records if r.quarter == cell.period]
        there = [
            r for r in records if r.quarter.year == cell.period.year and r.quarter != cell.period
        ]
        for a in here:
            for b in there:
                a_value = _value(a, cell.dimension, cell.value)
                b_value = _value(b, cell.dimension, cell.value)
                if a_value is None or b_value is None or a_value == b_value:
                    continue
                if cell.value not in (a_value, b_value):
                    continue
                # a takes b's value here and b takes a's there: each value's year count stays.
                for a_moved in _with(a, cell.dimension, b_value):
                    for b_moved in _with(b, cell.dimension, a_value):
                        yield Move((a, b), (a_moved, b_moved))


def _value(record: CaseRecord, dimension: Dimension, like: str) -> str | None:
    """The record's value in ``dimension`` (for outcomes: on the axis of ``like``)."""
    if dimension is Dimension.OUTCOME:
        axis = like.partition(":")[0]
        return next((f"{a}:{o}" for a, o in record.outcomes if a == axis), None)
    # Every record has one value in each other dimension.
    return next(v for d, v in _dimension_values(record) if d is dimension)


def _order(cell: Cell) -> tuple[bool, Period, Dimension, str]:
    # Quarters before years, in time order: a year's witnesses then often exist already.
    return (cell.period.quarter is None, cell.period, cell.dimension, cell.value)


def publish(
    records: Iterable[CaseRecord], last_year: int, first_year: int = FIRST_YEAR
) -> Publication[Cell, CaseRecord]:
    """Every count of the lattice, small cells and what would give them away hidden."""
    return suppress(
        records,
        cells_of,
        lattice(last_year, first_year),
        LivcMoves(last_year, first_year),
        _order,
    )


@dataclass(frozen=True)
class Query:
    """What a strategic reader asks: one breakdown, at one granularity, over whole years."""

    dimension: Dimension
    granularity: Granularity
    from_year: int
    to_year: int


@dataclass(frozen=True)
class Answer:
    """One row of an answer: a count, or "<5", or "suppressed"."""

    period: Period
    value: str
    count: int | None
    label: Label


def answer(publication: Publication[Cell, CaseRecord], query: Query) -> list[Answer]:
    """The query's cells, read from the one publication (never counted again)."""
    rows: list[Answer] = []
    for period in periods(query.from_year, query.to_year):
        if (period.quarter is None) != (query.granularity is Granularity.YEAR):
            continue
        for value in VALUES[query.dimension]:
            cell = Cell(query.dimension, value, period)
            label = publication.labels[cell]
            rows.append(Answer(period, value, publication.shown(cell), label))
    return rows
