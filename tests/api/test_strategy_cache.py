"""The strategic publication kept between reads is never stale (decision 120).

Each worker keeps the publication per municipality and year under the municipality's data
version, the tokens of its case cells that database triggers replace on any change of what is
counted. These tests read through one worker, so it keeps the publication, then change an input
through a second worker on the same database (sharing nothing in memory) or by an operator's
SQL, and read again through the first: the change shows at once. A read of unchanged data does
not count again.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

import pytest

from tests.support.live import LiveHub, another_worker
from tests.support.statements import statements
from tests.support.strategic import Town, town
from tests.support.world import ok

SUPPRESSED = "suppressed"


@pytest.fixture
def second(hub: LiveHub) -> Iterator[LiveHub]:
    other = another_worker(hub)
    try:
        yield other
    finally:
        other.stop()


def _counts(t: Town, dimension: str, on: LiveHub | None = None) -> dict[str, Any]:
    body = ok(t.as_(t.reader, on).get(t.path("counts"), params={"dimension": dimension}))
    return {r["value"]: r["count"] if r["shown"] == "count" else r["shown"] for r in body["rows"]}


def _made(hub: LiveHub) -> int:
    made: int = hub.server.config.app.state.hub.hub.publications.made
    return made


def _sql_id(hub: LiveHub, value: str) -> str:
    return value.replace("-", "") if hub.database.backend == "sqlite" else value


def test_cases_opened_and_closed_through_another_worker_show_at_once(
    hub: LiveHub, second: LiveHub
) -> None:
    # Small worlds: every count of 5 or more is "suppressed" (it protects the empty quarters),
    # so a change shows as a count crossing 5.
    t = town(hub, 4)
    assert _counts(t, "total") == {"all": "withheld"}  # kept by `hub` now
    t.add_cases(2, on=second)
    assert _counts(t, "total") == {"all": SUPPRESSED}
    assert _counts(t, "case_status")["closed"] == "<5"
    for case_id in t.cases[:5]:
        t.close(case_id, on=second)
    status = _counts(t, "case_status")
    assert (status["closed"], status["signalled"]) == (SUPPRESSED, "<5")


def test_a_category_set_through_another_worker_shows_at_once(hub: LiveHub, second: LiveHub) -> None:
    t = town(hub, 5)
    assert _counts(t, "ocad_category")["none"] == SUPPRESSED
    officer = _information_officer(t)
    for case_id in t.cases:
        case = ok(t.as_(t.worker).get(f"/api/v1/cases/{case_id}"))
        path = f"/api/v1/subjects/{case['subject_id']}/ocad-category"
        ok(t.as_(officer, second).put(path, json={"category": "PVE"}))
    categories = _counts(t, "ocad_category")
    assert (categories["PVE"], categories["none"]) == (SUPPRESSED, "<5")


def _information_officer(t: Town) -> str:
    from tests.support.world import member

    officer = member(t.hub, t.stad, "information_officer", secrecy=True, clearance="secret")
    cell = t.case_cell
    ok(t.hub.admin.post(f"/api/v1/cells/{cell}/agencies", json={"agency_id": t.stad}), 201)
    ok(t.hub.admin.post(f"/api/v1/cells/{cell}/members", json={"member_id": officer}), 201)
    return officer


def test_an_operators_sql_on_agency_kinds_cases_and_outcomes_shows_at_once(hub: LiveHub) -> None:
    t = town(hub, 5)
    assert _counts(t, "agency_kind")["social_service"] == SUPPRESSED
    ocmw, cell = _sql_id(hub, t.ocmw), _sql_id(hub, t.case_cell)
    hub.database.execute(f"UPDATE agencies SET kind = 'youth' WHERE id = '{ocmw}'")  # noqa: S608
    kinds = _counts(t, "agency_kind")
    assert (kinds["youth"], kinds["social_service"]) == (SUPPRESSED, "<5")
    stad = _sql_id(hub, t.stad)
    hub.database.execute(
        f"UPDATE subjects SET owner_agency_id = '{stad}' WHERE id IN "  # noqa: S608
        f"(SELECT subject_id FROM cases WHERE cell_id = '{cell}')"
    )
    kinds = _counts(t, "agency_kind")
    assert (kinds["municipality"], kinds["youth"]) == (SUPPRESSED, "<5")
    hub.database.execute(
        f"UPDATE cases SET status = 'follow_up' WHERE cell_id = '{cell}'"  # noqa: S608
    )
    assert _counts(t, "case_status")["follow_up"] == SUPPRESSED
    hub.database.execute(
        f"UPDATE cases SET status = 'closed' WHERE cell_id = '{cell}'"  # noqa: S608
    )
    for case_id in t.cases:
        hub.database.execute(
            "INSERT INTO case_outcomes (case_id, axis, outcome, recorded_by, recorded_at) "
            f"VALUES ('{_sql_id(hub, case_id)}', 'primary_prevention', 'achieved', "  # noqa: S608
            f"'{_sql_id(hub, t.worker)}', CURRENT_TIMESTAMP)"
        )
    assert _counts(t, "outcome")["primary_prevention:achieved"] == SUPPRESSED
    hub.database.execute(
        f"DELETE FROM case_outcomes WHERE case_id IN "  # noqa: S608
        f"(SELECT id FROM cases WHERE cell_id = '{cell}')"
    )
    assert _counts(t, "outcome")["primary_prevention:achieved"] == "<5"


def test_a_case_cell_moved_to_another_municipality_leaves_its_counts(hub: LiveHub) -> None:
    t = town(hub, 5)
    assert _counts(t, "total") == {"all": SUPPRESSED}
    cell = _sql_id(hub, t.case_cell)
    hub.database.execute(
        f"UPDATE cells SET municipality = 'Elders' WHERE id = '{cell}'"  # noqa: S608
    )
    assert _counts(t, "total") != {"all": SUPPRESSED}


def test_an_unchanged_municipality_is_not_counted_again(hub: LiveHub) -> None:
    t = town(hub, 5)
    assert _counts(t, "total") == {"all": SUPPRESSED}
    made = _made(hub)
    with statements(hub) as seen:
        for dimension in ("total", "case_status", "agency_kind"):
            _counts(t, dimension)
        assert t.as_(t.reader).get(t.path("diagnosis.csv")).status_code == 200
    assert _made(hub) == made
    loads = [s for s in seen if re.search(r"\bFROM (cases|case_outcomes)\b", s)]
    assert loads == [], loads
    # Another municipality's change leaves this one's publication as it was.
    town(hub, 1)
    _counts(t, "total")
    assert _made(hub) == made
