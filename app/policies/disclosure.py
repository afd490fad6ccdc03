"""Small-cell suppression with a proof: every hidden count comes with a second, possible world.

A table of counts is published cell by cell. A count below the threshold is shown as "<5"
(primary suppression). Totals, margins and the difference of two queries could still give a
hidden count back, so more cells are hidden (complementary suppression) until, for every hidden
cell, there is a *witness*: a change to the underlying records (some removed, some added) that
leaves every shown count as it is and every hidden count within what its label says ("<5":
0 to 4; "suppressed": 5 or more), while the hidden cell's own count changes. Whoever combines any
number of shown counts, from any number of queries, sees the same thing in both worlds, so the
hidden count cannot be recovered from them.

Generic: a cell is any hashable key and a record any hashable value; the caller says which cells
a record counts in and proposes the changes worth trying (``Moves``). Pure: no I/O, no clock.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Hashable, Iterable, Iterator, Mapping
from dataclasses import dataclass
from enum import StrEnum
from typing import Any, Generic, TypeVar

THRESHOLD = 5

C = TypeVar("C", bound=Hashable)
R = TypeVar("R", bound=Hashable)


class Label(StrEnum):
    """How a cell is shown."""

    SHOWN = "shown"
    # Below the threshold: shown as "<5".
    SMALL = "small"
    # Hidden to protect a small cell: shown as "suppressed" (and so known to be 5 or more).
    COMPLEMENTARY = "complementary"
    # Nothing of the table is published, because no witness was found for some small cell.
    WITHHELD = "withheld"


@dataclass(frozen=True)
class Move(Generic[R]):
    """A change to the records: ``removed`` must exist; ``added`` may be any valid records."""

    removed: tuple[R, ...] = ()
    added: tuple[R, ...] = ()


@dataclass(frozen=True)
class Publication(Generic[C, R]):
    """Every cell's count and label, and each hidden cell's witness."""

    counts: Mapping[C, int]
    labels: Mapping[C, Label]
    witnesses: Mapping[C, Move[R]]

    def shown(self, cell: C) -> int | None:
        """The count as published: None when hidden."""
        return self.counts[cell] if self.labels[cell] is Label.SHOWN else None


def count(
    records: Iterable[R], cells_of: Callable[[R], Iterable[C]], lattice: Iterable[C]
) -> dict[C, int]:
    """How many records count in each cell of the lattice (cells outside it are ignored)."""
    counts = dict.fromkeys(lattice, 0)
    for record in records:
        for cell in cells_of(record):
            if cell in counts:
                counts[cell] += 1
    return counts


def delta(move: Move[R], cells_of: Callable[[R], Iterable[C]]) -> dict[C, int]:
    """How much each cell changes under the move (cells that do not change are left out)."""
    change: Counter[C] = Counter()
    for record in move.removed:
        for cell in cells_of(record):
            change[cell] -= 1
    for record in move.added:
        for cell in cells_of(record):
            change[cell] += 1
    return {cell: d for cell, d in change.items() if d}


def within(label: Label, value: int, threshold: int = THRESHOLD) -> bool:
    """Whether a count agrees with what a hidden cell's label tells about it (a shown cell:
    as if hidden as complementary, which is what a witness touching it makes of it)."""
    if label is Label.SMALL:
        return 0 <= value < threshold
    if label is Label.WITHHELD:
        return value >= 0
    return value >= threshold


def _removable(move: Move[R], records: Counter[R]) -> bool:
    return all(records[r] >= n for r, n in Counter(move.removed).items())


class Suppressor(Generic[C, R]):
    """Finds, for each small cell, the cheapest witness and hides what it touches."""

    def __init__(
        self,
        records: Iterable[R],
        cells_of: Callable[[R], Iterable[C]],
        lattice: Iterable[C],
        moves: Callable[[C, Counter[R]], Iterable[Move[R]]],
        threshold: int = THRESHOLD,
    ) -> None:
        self.records: Counter[R] = Counter(records)
        self.cells_of = cells_of
        self.moves = moves
        self.threshold = threshold
        self.counts = count(self.records.elements(), cells_of, lattice)
        self.labels = {
            c: Label.SMALL if n < threshold else Label.SHOWN for c, n in self.counts.items()
        }
        self.witnesses: dict[C, Move[R]] = {}
        # The same move is proposed for many targets: its change is worked out once.
        self._deltas: dict[Move[R], dict[C, int]] = {}

    def delta(self, move: Move[R]) -> dict[C, int]:
        """``delta(move, cells_of)``, kept for the run (records and cells_of do not change)."""
        change = self._deltas.get(move)
        if change is None:
            change = self._deltas[move] = delta(move, self.cells_of)
        return change

    def cost(self, move: Move[R], target: C) -> tuple[int, int] | None:
        """(cells newly hidden, their counts) if ``move`` witnesses ``target``, else None."""
        if not _removable(move, self.records):
            return None
        change = self.delta(move)
        if target not in change:
            return None
        newly, weight = 0, 0
        for cell, d in change.items():
            if cell not in self.counts:
                return None  # a record outside the lattice: not a world the publication shows
            # A shown cell the move touches is hidden as complementary: ``within`` holds it to
            # five or more, as it does a complementary cell.
            label = self.labels[cell]
            if label is Label.SHOWN:
                newly, weight = newly + 1, weight + self.counts[cell]
            if not within(label, self.counts[cell] + d, self.threshold):
                return None
        return newly, weight

    def _cheapest(self, target: C, moves: Iterable[Move[R]]) -> Move[R] | None:
        best: tuple[tuple[int, int], Move[R]] | None = None
        for move in moves:
            cost = self.cost(move, target)
            if cost is not None and (best is None or cost < best[0]):
                best = (cost, move)
                if cost == (0, 0):
                    break
        return None if best is None else best[1]

    def _broken(self, move: Move[R]) -> list[tuple[C, int]] | None:
        """The cells whose label the move would contradict, with the change it makes there;
        None if the move reaches outside the lattice (beyond repair)."""
        out = []
        for cell, d in self.delta(move).items():
            label = self.labels.get(cell)
            if label is None:
                return None
            if not within(label, self.counts[cell] + d, self.threshold):
                out.append((cell, d))
        return out

    def _repaired(self, target: C, limit: int) -> Iterator[Move[R]]:
        """Moves that break one label, each joined with a second move that mends it."""
        tried = 0
        for move in self.moves(target, self.records):
            if target not in self.delta(move):
                continue
            broken = self._broken(move)
            if broken is None or len(broken) != 1:
                continue
            cell, d = broken[0]
            for mend in self.moves(cell, self.records):
                change = self.delta(mend)
                if change.get(cell, 0) * d < 0 and target not in change:
                    yield Move(move.removed + mend.removed, move.added + mend.added)
            tried += 1
            if tried >= limit:
                return

    def protect(self, target: C) -> bool:
        """Find the cheapest witness for ``target`` and hide every cell it touches."""
        move = self._cheapest(target, self.moves(target, self.records))
        if move is None:
            move = self._cheapest(target, self._repaired(target, limit=20))
        if move is None:
            return False
        for cell in self.delta(move):
            if self.labels[cell] is Label.SHOWN:
                self.labels[cell] = Label.COMPLEMENTARY
            self.witnesses.setdefault(cell, move)
        return True

    def run(self, order: Callable[[C], Any]) -> Publication[C, R]:
        """Protect every small cell (in ``order``); if one cannot be, withhold every cell."""
        for cell in sorted(self.counts, key=order):
            if self.labels[cell] is Label.SMALL and cell not in self.witnesses:
                if not self.protect(cell):
                    return self._withhold(order)
        return Publication(dict(self.counts), dict(self.labels), dict(self.witnesses))

    def _withhold(self, order: Callable[[C], Any]) -> Publication[C, R]:
        # Nothing is published, not even which counts are small: any count is possible.
        self.labels = dict.fromkeys(self.counts, Label.WITHHELD)
        self.witnesses = {}
        for cell in sorted(self.counts, key=order):
            if cell not in self.witnesses:
                self.protect(cell)
        return Publication(dict(self.counts), dict(self.labels), dict(self.witnesses))


def suppress(
    records: Iterable[R],
    cells_of: Callable[[R], Iterable[C]],
    lattice: Iterable[C],
    moves: Callable[[C, Counter[R]], Iterable[Move[R]]],
    order: Callable[[C], Any],
    threshold: int = THRESHOLD,
) -> Publication[C, R]:
    """The publication of ``records`` counted over ``lattice``, small cells protected."""
    return Suppressor(records, cells_of, lattice, moves, threshold).run(order)
