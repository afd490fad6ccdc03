"""The suppression engine on a table small enough to check by hand."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator

from app.policies.disclosure import Label, Move, delta, suppress, within

# Records are row names; each counts in its row and in the total.
ROWS = ("a", "b", "c")


def _cells(record: str) -> tuple[str, ...]:
    return (record, "total")


def _moves(cell: str, records: Counter[str]) -> Iterator[Move[str]]:
    for source in sorted(records):
        for target in ROWS:
            if target != source:
                yield Move((source,), (target,))
    yield Move(added=(cell if cell in ROWS else "a",))


def _publish(counts: dict[str, int]) -> tuple[dict[str, Label], dict[str, Move[str]]]:
    records = [row for row, n in counts.items() for _ in range(n)]
    pub = suppress(records, _cells, (*ROWS, "total"), _moves, order=str)
    return dict(pub.labels), dict(pub.witnesses)


def test_a_lone_small_row_takes_the_smallest_other_row_with_it() -> None:
    labels, witnesses = _publish({"a": 3, "b": 12, "c": 20})
    assert labels == {
        "a": Label.SMALL,
        "b": Label.COMPLEMENTARY,
        "c": Label.SHOWN,
        "total": Label.SHOWN,
    }
    move = witnesses["a"]
    change = delta(move, _cells)
    assert set(change) == {"a", "b"}  # the total and the shown row stay as they are


def test_two_small_rows_protect_each_other_unless_their_sum_gives_them_away() -> None:
    labels, _ = _publish({"a": 2, "b": 3, "c": 20})
    assert labels["c"] is Label.SHOWN
    assert labels["total"] is Label.SHOWN
    # Both zero: their known sum (0) would give both away; a shown row must join them.
    labels, witnesses = _publish({"a": 0, "b": 0, "c": 20})
    assert labels["c"] is Label.COMPLEMENTARY or labels["total"] is Label.COMPLEMENTARY
    assert set(witnesses) == {c for c, label in labels.items() if label is not Label.SHOWN}


def test_a_complementary_cell_keeps_five_or_more_in_every_witness() -> None:
    # a (0) can only grow, so another row must give a unit: b at exactly 5 cannot and still
    # be "5 or more", so c (6) is taken although b is smaller.
    labels, witnesses = _publish({"a": 0, "b": 5, "c": 6})
    assert labels["b"] is Label.SHOWN
    assert labels["c"] is Label.COMPLEMENTARY
    assert delta(witnesses["a"], _cells) == {"a": 1, "c": -1}
    # a (1) can give a unit away: b, the smaller, takes it.
    labels, witnesses = _publish({"a": 1, "b": 5, "c": 6})
    assert (labels["b"], labels["c"]) == (Label.COMPLEMENTARY, Label.SHOWN)
    assert delta(witnesses["a"], _cells) == {"a": -1, "b": 1}


def test_labels_bound_what_a_hidden_count_can_be() -> None:
    assert within(Label.SMALL, 0)
    assert within(Label.SMALL, 4)
    assert not within(Label.SMALL, 5)
    assert not within(Label.SMALL, -1)
    assert within(Label.COMPLEMENTARY, 5)
    assert not within(Label.COMPLEMENTARY, 4)
    # A shown cell a witness touches becomes complementary: it is held to the same bound.
    for n in range(-1, 8):
        assert within(Label.SHOWN, n) is within(Label.COMPLEMENTARY, n) is (n >= 5)


def test_when_no_witness_exists_nothing_is_shown() -> None:
    def stuck(cell: str, records: Counter[str]) -> Iterator[Move[str]]:
        return iter(())

    pub = suppress(["a", "b"] * 6, _cells, (*ROWS, "total"), stuck, order=str)
    assert set(pub.labels.values()) == {Label.WITHHELD}
    assert pub.shown("total") is None
    assert within(Label.WITHHELD, 0)
    assert within(Label.WITHHELD, 99)


# ---- written for mutants that survived `make mutate` (docs/decisions.md 125) ----------------


def test_a_withheld_table_keeps_its_counts_and_a_witness_for_every_cell_it_can() -> None:
    def no_witness_for_c(cell: str, records: Counter[str]) -> Iterator[Move[str]]:
        if cell != "c":
            yield from _moves(cell, records)

    def backwards(cell: str) -> tuple[int, ...]:
        return tuple(-ord(ch) for ch in cell)

    records = ["a"] * 3 + ["b"] * 6 + ["c"]
    pub = suppress(records, _cells, (*ROWS, "total"), no_witness_for_c, order=backwards)
    # "total" first, then c, which no move can witness: the table is withheld.
    assert set(pub.labels.values()) == {Label.WITHHELD}
    assert pub.counts == {"a": 3, "b": 6, "c": 1, "total": 10}
    # Witnesses are still looked for in the caller's order, each cell's first one kept.
    assert pub.witnesses == {
        "total": Move(added=("a",)),
        "a": Move(added=("a",)),
        "b": Move(("a",), ("b",)),
    }


def test_a_move_that_breaks_one_label_is_mended_by_a_second() -> None:
    # a (3) can only take a unit from b, which would leave b (5) under 5; a unit from c (6)
    # into b mends it, so a is witnessed by both moves together, and b stays shown.
    def one_way(cell: str, records: Counter[str]) -> Iterator[Move[str]]:
        if cell == "a":
            yield Move(("b",), ("a",))
        if cell == "b":
            yield Move(("c",), ("b",))

    records = ["a"] * 3 + ["b"] * 5 + ["c"] * 6
    pub = suppress(records, _cells, (*ROWS, "total"), one_way, order=str)
    assert pub.labels == {
        "a": Label.SMALL,
        "b": Label.SHOWN,
        "c": Label.COMPLEMENTARY,
        "total": Label.SHOWN,
    }
    both = Move(("b", "c"), ("a", "b"))
    assert pub.witnesses == {"a": both, "c": both}
    assert delta(both, _cells) == {"a": 1, "c": -1}


def test_a_move_out_of_the_lattice_is_no_witness_even_mended() -> None:
    def outward(cell: str, records: Counter[str]) -> Iterator[Move[str]]:
        if cell == "a":
            yield Move(("a",), ("z",))  # "z" is no row of the table

    pub = suppress(["a"] * 3 + ["b"] * 6, _cells, (*ROWS, "total"), outward, order=str)
    assert set(pub.labels.values()) == {Label.WITHHELD}
    assert pub.witnesses == {}


def test_the_threshold_given_is_the_one_every_step_uses() -> None:
    # Threshold 3: b (3) may take a's unit and stay "3 or more"; c (4) is left shown.
    records = ["a"] + ["b"] * 3 + ["c"] * 4
    pub = suppress(records, _cells, (*ROWS, "total"), _moves, order=str, threshold=3)
    assert (pub.labels["b"], pub.labels["c"]) == (Label.COMPLEMENTARY, Label.SHOWN)
    assert pub.witnesses["a"] == Move(("a",), ("b",))

    # Mending too: a takes b's unit and adds to c (3 -> 4, still shown at threshold 3, where it
    # would break a threshold of 5); b's loss is mended from c.
    def one_way(cell: str, records: Counter[str]) -> Iterator[Move[str]]:
        if cell == "a":
            yield Move(("b",), ("a", "c"))
        if cell == "b":
            yield Move(("c",), ("b",))

    records = ["a"] + ["b"] * 3 + ["c"] * 3
    pub = suppress(records, _cells, (*ROWS, "total"), one_way, order=str, threshold=3)
    assert pub.labels == {
        "a": Label.SMALL,
        "b": Label.SHOWN,
        "c": Label.SHOWN,
        "total": Label.COMPLEMENTARY,
    }
    assert pub.witnesses["a"] == Move(("b", "c"), ("a", "c", "b"))


def test_twenty_broken_moves_are_tried_for_a_mend() -> None:
    # Each of r01..r20 (5, shown) would give a (1) a unit and drop under 5; only r20's loss can
    # be mended (from c): the twentieth move tried is the one that witnesses a.
    rows = tuple(f"r{i:02}" for i in range(1, 21))

    def cells(record: str) -> tuple[str, ...]:
        return (record, "total")

    def moves(cell: str, records: Counter[str]) -> Iterator[Move[str]]:
        if cell == "a":
            yield Move(("r01",), ("r02",))  # leaves a as it is: passed over, not counted
            yield from (Move((row,), ("a",)) for row in rows)
        if cell == "r20":
            yield Move(("c",), ("r20",))

    records = ["a"] + [row for row in rows for _ in range(5)] + ["c"] * 6
    pub = suppress(records, cells, ("a", "c", *rows, "total"), moves, order=str)
    assert pub.labels["a"] is Label.SMALL
    assert pub.witnesses["a"] == Move(("r20", "c"), ("a", "r20"))


def test_the_witness_that_hides_fewer_cells_is_preferred() -> None:
    def two_ways(cell: str, records: Counter[str]) -> Iterator[Move[str]]:
        if cell == "a":
            yield Move(("b",), ("a", "c"))  # would hide b, c and the total
            yield Move(("a",), ("b",))  # hides b only

    pub = suppress(["a"] * 3 + ["b"] * 12 + ["c"] * 20, _cells, (*ROWS, "total"), two_ways, str)
    assert pub.witnesses == {"a": Move(("a",), ("b",)), "b": Move(("a",), ("b",))}
