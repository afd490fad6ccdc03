"""The strategic counts' building blocks, each against its definition (DOMAIN.md rule 12).

Written for mutants that survived `make mutate` (docs/decisions.md 125): the property test of
``test_strategic_suppression.py`` holds the publication safe, these pin what is counted where.
"""

from __future__ import annotations

from datetime import UTC, datetime

from app.policies.strategy import (
    FIRST_YEAR,
    VALUES,
    CaseRecord,
    Cell,
    Dimension,
    Period,
    _value,
    _values,
    cells_of,
    lattice,
    periods,
    quarter_of,
)


def test_a_moment_counts_in_its_calendar_quarter() -> None:
    assert quarter_of(datetime(2026, 1, 1, tzinfo=UTC)) == Period(2026, 1)
    assert quarter_of(datetime(2026, 3, 31, 23, 59, tzinfo=UTC)) == Period(2026, 1)
    assert quarter_of(datetime(2026, 4, 1, tzinfo=UTC)) == Period(2026, 2)
    assert quarter_of(datetime(2026, 9, 30, tzinfo=UTC)) == Period(2026, 3)
    assert quarter_of(datetime(2026, 12, 31, tzinfo=UTC)) == Period(2026, 4)
    assert quarter_of(datetime(FIRST_YEAR, 8, 1, tzinfo=UTC)) == Period(FIRST_YEAR, 3)
    # Before the LIVC law: the first year's first quarter.
    assert quarter_of(datetime(FIRST_YEAR - 1, 11, 5, tzinfo=UTC)) == Period(FIRST_YEAR, 1)


def test_periods_print_as_years_and_quarters() -> None:
    assert str(Period(2025)) == "2025"
    assert str(Period(2025, 3)) == "2025-Q3"
    assert Period(2025, 3).whole_year == Period(2025)
    assert periods(2024, 2025) == [
        Period(2024),
        *(Period(2024, q) for q in range(1, 5)),
        Period(2025),
        *(Period(2025, q) for q in range(1, 5)),
    ]


def test_every_dimension_has_its_closed_list_of_values() -> None:
    axes = ("primary_prevention", "secondary_prevention", "psychosocial_guidance")
    outcomes = ("not_applicable", "achieved", "partly_achieved", "not_achieved", "referred")
    expected = {
        Dimension.TOTAL: ("all",),
        Dimension.OCAD_CATEGORY: ("FTF", "HTF", "HP", "PVE", "TV", "none"),
        Dimension.CASE_STATUS: ("signalled", "under_discussion", "follow_up", "closed"),
        Dimension.AGENCY_KIND: (
            "municipality",
            "local_police",
            "federal_police",
            "social_service",
            "prevention",
            "youth",
            "education",
            "justice_house",
            "state_security",
            "ocad",
            "health",
            "other",
        ),
        Dimension.OUTCOME: tuple(f"{a}:{o}" for a in axes for o in outcomes),
    }
    # Worked out again here, not only read from the module's import.
    assert _values() == expected
    assert VALUES == expected


def test_a_case_counts_once_per_value_in_its_quarter_and_its_year() -> None:
    q = Period(2025, 2)
    record = CaseRecord(
        "FTF",
        "closed",
        "youth",
        q,
        (("primary_prevention", "achieved"), ("secondary_prevention", "referred")),
    )
    values = [
        (Dimension.TOTAL, "all"),
        (Dimension.OCAD_CATEGORY, "FTF"),
        (Dimension.CASE_STATUS, "closed"),
        (Dimension.AGENCY_KIND, "youth"),
        (Dimension.OUTCOME, "primary_prevention:achieved"),
        (Dimension.OUTCOME, "secondary_prevention:referred"),
    ]
    assert cells_of(record) == tuple(Cell(d, v, p) for d, v in values for p in (q, Period(2025)))
    cells = lattice(2019)
    per_period = sum(len(v) for v in VALUES.values())
    assert len(cells) == 2 * 5 * per_period
    assert cells[0] == Cell(Dimension.TOTAL, "all", Period(FIRST_YEAR))
    assert cells[-1] == Cell(Dimension.OUTCOME, VALUES[Dimension.OUTCOME][-1], Period(2019, 4))
    assert len(lattice(2019, 2019)) == 5 * per_period


def test_a_records_value_in_a_dimension_and_on_an_axis() -> None:
    closed = CaseRecord(
        "PVE",
        "closed",
        "youth",
        Period(2025, 1),
        (("primary_prevention", "achieved"), ("psychosocial_guidance", "referred")),
    )
    like = "psychosocial_guidance:not_achieved"
    assert _value(closed, Dimension.OUTCOME, like) == "psychosocial_guidance:referred"
    assert (
        _value(closed, Dimension.OUTCOME, "primary_prevention:x") == "primary_prevention:achieved"
    )
    assert _value(closed, Dimension.OUTCOME, "secondary_prevention:achieved") is None
    assert _value(closed, Dimension.OCAD_CATEGORY, "FTF") == "PVE"
    assert _value(closed, Dimension.AGENCY_KIND, "police") == "youth"
    assert _value(closed, Dimension.CASE_STATUS, "signalled") == "closed"
    open_case = CaseRecord("PVE", "signalled", "youth", Period(2025, 1))
    assert _value(open_case, Dimension.OUTCOME, like) is None
