"""First-line intake: a citizen's request for help (any age, short or long term) starts a case,
owned by the receiving agency, with who took it in and when; its content is sealed."""

from __future__ import annotations

import logging
import uuid
from typing import Any

import httpx
import pytest

from tests.api.test_no_plaintext import _database_bytes
from tests.support.live import LiveHub
from tests.support.world import Team, agency, member, ok, team

REQUEST = {"received_on": "2026-11-20", "term": "long_term", "channel": "phone"}


def _intake(client: httpx.Client, t: Team, **body: Any) -> httpx.Response:
    body.setdefault("cell_id", t.cell_id)
    body.setdefault("fields", {**REQUEST, "request": "Mijn zoon trekt zich terug."})
    if "subject_id" not in body:
        body.setdefault("person", {"name": "Persoon X", "date_of_birth": "2009-05-06"})
    return client.post("/api/v1/intakes", json=body)


def _cases(client: httpx.Client, cell_id: str) -> set[str]:
    items = ok(client.get("/api/v1/cases", params={"cell_id": cell_id, "limit": 200}))["items"]
    return {c["id"] for c in items}


@pytest.mark.parametrize(("born", "minor"), [("2011-03-04", True), ("1958-09-10", False)])
def test_a_request_for_help_starts_a_case_at_any_age(hub: LiveHub, born: str, minor: bool) -> None:
    t = team(hub)
    person = {"name": f"Burger {uuid.uuid4().hex[:6]}", "date_of_birth": born}
    r = _intake(t.worker, t, person=person)
    made = ok(r, 201)
    case, note = made["case"], made["note"]
    assert r.headers["Location"] == f"/api/v1/cases/{case['id']}"
    assert case["status"] == "signalled"
    assert case["cell_id"] == t.cell_id
    assert made["template_key"] == "intake"
    assert made["receiving_agency_id"] == t.agency_id == note["owner_agency_id"]
    assert made["taken_in_by"] == t.worker_id == note["author_id"]
    assert made["taken_in_at"] == note["created_at"]
    assert ok(t.worker.get(f"/api/v1/notes/{note['id']}"))["fields"]["term"] == "long_term"
    subject = ok(t.worker.get(f"/api/v1/subjects/{case['subject_id']}"))
    assert (subject["name"], subject["is_minor"]) == (person["name"], minor)
    listed = ok(t.worker.get(f"/api/v1/cases/{case['id']}/notes"))["items"]
    assert [n["id"] for n in listed] == [note["id"]]


def test_a_known_person_is_named_by_subject(hub: LiveHub) -> None:
    t = team(hub)
    fields = {**REQUEST, "term": "short_term", "request": "Vraag om een gesprek."}
    made = ok(_intake(t.worker, t, subject_id=t.subject_id, fields=fields), 201)
    assert made["case"]["subject_id"] == t.subject_id
    neighbour = team(hub, cell_id=t.cell_id)  # another agency's subject: unknown to it
    assert _intake(neighbour.worker, t, subject_id=t.subject_id).status_code == 404


def test_a_bad_request_changes_nothing(hub: LiveHub) -> None:
    t = team(hub)
    before = _cases(t.worker, t.cell_id)
    person = {"name": "P", "date_of_birth": "2000-01-01"}
    for body, says in [
        ({"fields": {**REQUEST}}, "required fields are missing"),
        ({"fields": {**REQUEST, "request": "x", "term": "urgent"}}, "field 'term'"),
        ({"fields": {**REQUEST, "request": "x", "mood": "x"}}, "fields not in the template"),
        ({"subject_id": t.subject_id, "person": person}, "either subject_id or person"),
        ({"person": None}, "either subject_id or person"),
        (
            {"fields": {**REQUEST, "request": "x", "referred_to": str(uuid.uuid4())}},
            "no such agency",
        ),
    ]:
        r = _intake(t.worker, t, **body)
        assert r.status_code == 422, (body, r.text)
        assert r.headers["content-type"].startswith("application/problem+json")
        assert says in r.json()["detail"], r.json()
    assert _cases(t.worker, t.cell_id) == before


def test_only_an_agency_seated_in_the_cell_takes_in(hub: LiveHub) -> None:
    here, there = team(hub), team(hub)  # two municipalities
    unknown = _intake(there.worker, here, cell_id=str(uuid.uuid4()))
    hidden = _intake(there.worker, here)
    assert unknown.status_code == hidden.status_code == 404
    assert unknown.json()["detail"] == hidden.json()["detail"]
    assert unknown.json()["type"] == hidden.json()["type"]
    outsider = agency(hub)
    for who in (
        member(hub, here.agency_id, "agency_admin"),
        member(hub, here.agency_id, "auditor"),
        member(hub, outsider, "case_worker"),
        hub.admin_id,
    ):
        r = _intake(hub.client(who), here)
        assert r.status_code in (403, 404), r.text
    # A working group of another cell is refused too.
    group = ok(
        hub.admin.post(f"/api/v1/cells/{there.cell_id}/working-groups", json={"name": "WG"}), 201
    )
    assert _intake(here.worker, here, working_group_id=group["id"]).status_code == 422
    assert _cases(here.worker, here.cell_id) == {here.case_id}


def test_the_request_is_sealed_and_logged_without_content(
    hub: LiveHub, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    logging.getLogger("sqlalchemy.engine").setLevel(logging.INFO)
    try:
        t = team(hub)
        marker = f"MARKER-intake-{uuid.uuid4().hex}"
        name = f"MARKER-name-{uuid.uuid4().hex}"
        fields = {**REQUEST, "request": marker, "first_response": marker + "-answer"}
        made = ok(
            _intake(
                t.worker, t, person={"name": name, "date_of_birth": "1999-01-02"}, fields=fields
            ),
            201,
        )
        stored = _database_bytes(hub)
        logs = "\n".join(f"{r.getMessage()} {r.args!r}" for r in caplog.records)
        for value in (marker, name):
            assert value.encode() not in stored
            assert value not in logs
    finally:
        logging.getLogger("sqlalchemy.engine").setLevel(logging.WARNING)
    entries = hub.database.rows(
        "SELECT action, actor_member_id, note_id, owners, fields FROM access_log "  # noqa: S608
        f"WHERE case_id = '{made['case']['id']}' ORDER BY seq"
    )
    actions = [e[0] for e in entries]
    assert actions == ["case:create", "note:create", "intake:create"]
    intake = entries[-1]
    assert intake[1] == t.worker_id
    assert intake[2] == made["note"]["id"]
    assert t.agency_id in str(intake[3])
    assert "request" in str(entries[1][4])  # field names are logged, never values
