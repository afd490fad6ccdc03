"""A cell is known to the hub admin, its seated agencies and its invited members; others get 404.

An existing cell of another municipality answers exactly as an id that does not exist, on the
cell and on everything under it; the list shows only the cells the caller may know.
"""

from __future__ import annotations

import uuid

import httpx
import pytest

from tests.support.live import LiveHub
from tests.support.world import Team, member, ok, team


@pytest.fixture(scope="module")
def two_towns(hub: LiveHub) -> tuple[Team, Team]:
    return team(hub), team(hub)


def _requests(cell_id: str, someone: str) -> list[tuple[str, str, dict[str, str] | None]]:
    return [
        ("GET", f"/api/v1/cells/{cell_id}", None),
        ("GET", f"/api/v1/cells/{cell_id}/working-groups", None),
        ("POST", f"/api/v1/cells/{cell_id}/working-groups", {"name": "WG"}),
        ("POST", f"/api/v1/cells/{cell_id}/agencies", {"agency_id": someone}),
        ("POST", f"/api/v1/cells/{cell_id}/members", {"member_id": someone}),
        ("PUT", f"/api/v1/cells/{cell_id}/chair", {"member_id": someone}),
    ]


def _answers(client: httpx.Client, cell_id: str, someone: str) -> list[tuple[int, str, str]]:
    out = []
    for method, url, body in _requests(cell_id, someone):
        r = client.request(method, url, json=body)
        problem = r.json() if r.status_code >= 400 else {}
        out.append((r.status_code, problem.get("type", ""), problem.get("detail", "")))
    return out


def test_another_municipality_gets_404_for_the_cell_and_all_under_it(
    hub: LiveHub, two_towns: tuple[Team, Team]
) -> None:
    here, there = two_towns
    outsider = here.worker
    unknown = _answers(outsider, str(uuid.uuid4()), here.worker_id)
    hidden = _answers(outsider, there.cell_id, here.worker_id)
    assert {a[0] for a in hidden} == {404}
    assert hidden == unknown  # the same answer, word for word
    listed = ok(outsider.get("/api/v1/cells", params={"limit": 200}))
    ids = {c["id"] for c in listed["items"]}
    assert here.cell_id in ids
    assert there.cell_id not in ids


def test_a_seated_agency_knows_the_cell_and_is_refused_managing_it(
    hub: LiveHub, two_towns: tuple[Team, Team]
) -> None:
    here, _ = two_towns
    assert ok(here.worker.get(f"/api/v1/cells/{here.cell_id}"))["id"] == here.cell_id
    ok(here.worker.get(f"/api/v1/cells/{here.cell_id}/working-groups"))
    colleague = hub.client(member(hub, here.agency_id, "agency_admin"))
    assert ok(colleague.get(f"/api/v1/cells/{here.cell_id}"))["id"] == here.cell_id
    managing = _answers(here.worker, here.cell_id, here.worker_id)[2:]
    assert {a[0] for a in managing} == {403}


def test_the_hub_admin_sees_every_cell(hub: LiveHub, two_towns: tuple[Team, Team]) -> None:
    for town in two_towns:
        assert ok(hub.admin.get(f"/api/v1/cells/{town.cell_id}"))["id"] == town.cell_id


def test_an_intake_into_another_municipalitys_cell_answers_as_an_unknown_cell(
    hub: LiveHub, two_towns: tuple[Team, Team]
) -> None:
    here, there = two_towns
    body = {
        "person": {"name": "Persoon", "date_of_birth": "2001-01-01"},
        "fields": {"received_on": "2026-11-20", "term": "short_term", "request": "x"},
    }
    answers = []
    for cell_id in (str(uuid.uuid4()), there.cell_id):
        r = here.worker.post("/api/v1/intakes", json={**body, "cell_id": cell_id})
        answers.append((r.status_code, r.json()["type"], r.json()["detail"]))
    assert answers[0] == answers[1]
    assert answers[0][0] == 404
    # Templates are not cell content: every member reads them, whatever the cell.
    assert ok(here.worker.get("/api/v1/templates/intake/versions/1"))["origin"] == "shipped"
