"""A cell's practice from the first seat to the strategic view, through HTTP, as its people would
use it (issue 11's scenario; the README's second worked example).

The mayor seats the cell and its working group; the cell meets every two months with an agenda;
a social worker takes in a request for help and fills a signals instrument and a family guidance
plan; the mayor shares part of it in an exchange of the working group; a feedback sheet carrying a
secrecy field is refused and one without it passes only after every participant approved; the
strategic cell sees counts, never a person, and no count under 5.
"""

from __future__ import annotations

import csv
import io
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx

from tests.support.live import LiveHub
from tests.support.shipped import shipped
from tests.support.world import agency, member, ok, unique

OBSERVED = {"status": "observed", "date": "2026-10-01", "source": "youth_work", "comment": "c"}
SECRET = "urn:livc-hub:problem:feedback-contains-secret"


def _refused(response: httpx.Response, status: int, reason: str) -> dict[str, Any]:
    assert response.status_code == status, response.text
    assert response.headers["content-type"] == "application/problem+json"
    body = dict(response.json())
    assert body["reason"] == reason, body
    return body


def test_a_cell_seats_meets_takes_in_shares_and_feeds_back(hub: LiveHub) -> None:
    town = unique("Gemeente")
    stad = agency(hub, "municipality", "livc_458ter")
    ocmw = agency(hub, "social_service", "professional")
    politie = agency(hub, "local_police", "police")
    people = {
        "mayor": member(hub, stad, "chair", secrecy=True),
        "coordinator": member(hub, stad, "case_worker", secrecy=True),
        "sofie": member(hub, ocmw, "case_worker", secrecy=True),
        "pieter": member(hub, politie, "police_reference", clearance="secret"),
        "inspector": member(hub, politie, "police_reference", clearance="confidential"),
        "youth_worker": member(hub, ocmw, "case_worker", secrecy=True),
    }
    as_ = {who: hub.client(member_id) for who, member_id in people.items()}
    mayor = as_["mayor"]

    # 1. The hub admin opens the cell with the mayor in the chair; the mayor seats the rest.
    body = {"kind": "livc_case", "name": unique("LIVC-R"), "municipality": town}
    cell_id = ok(
        hub.admin.post("/api/v1/cells", json={**body, "chair_member_id": people["mayor"]}), 201
    )["id"]
    cell = f"/api/v1/cells/{cell_id}"
    for agency_id in (ocmw, politie):
        ok(mayor.post(f"{cell}/agencies", json={"agency_id": agency_id}), 201)
    korpschef = {"member_id": people["inspector"], "seat": "korpschef_representative"}
    _refused(mayor.post(f"{cell}/members", json=korpschef), 409, "korpschef_clearance_below_secret")
    korpschef["member_id"] = people["pieter"]
    ok(mayor.post(f"{cell}/members", json=korpschef), 201)
    for who in ("coordinator", "sofie", "youth_worker"):
        ok(mayor.post(f"{cell}/members", json={"member_id": people[who]}), 201)
    group = ok(mayor.post(f"{cell}/working-groups", json={"name": "Jongeren"}), 201)["id"]
    for who in ("sofie", "pieter", "coordinator"):
        ok(
            mayor.post(f"{cell}/working-groups/{group}/members", json={"member_id": people[who]}),
            201,
        )

    # 2. A meeting every two months, the first one begun an hour ago.
    start = (datetime.now(UTC) - timedelta(hours=1)).replace(microsecond=0)
    series = {
        "starts_at": start.isoformat(),
        "duration_minutes": 120,
        "recurrence": {"frequency": "monthly", "interval": 2, "count": 6},
        "member_ids": [people[who] for who in ("sofie", "pieter", "coordinator")],
    }
    occurrences = ok(mayor.post(f"{cell}/meeting-series", json=series), 201)["occurrences"]
    assert len(occurrences) == 6
    first = f"/api/v1/meetings/{occurrences[0]['id']}"

    # 3. Sofie takes in a mother's request for help: it opens a case in the working group.
    intake = {
        "cell_id": cell_id,
        "working_group_id": group,
        "person": {"name": unique("Jongere"), "date_of_birth": "2004-05-06"},
        "fields": {
            "received_on": "2026-11-20",
            "term": "long_term",
            "channel": "phone",
            "request": "Mijn zoon trekt zich terug en praat over zuiverheid.",
        },
    }
    case = ok(as_["sofie"].post("/api/v1/intakes", json=intake), 201)["case"]
    notes = f"/api/v1/cases/{case['id']}/notes"

    def write(key: str, fields: dict[str, Any]) -> str:
        template_id = shipped(as_["sofie"], key)["id"]
        body = {"template_id": template_id, "fields": fields}
        return str(ok(as_["sofie"].post(notes, json=body), 201)["id"])

    signals = write(
        "signals", {"social_isolation": OBSERVED, "family_bonds": {"status": "unknown"}}
    )
    action = {
        "axis": "secondary_prevention",
        "action": "Wekelijks gesprek met een jeugdwerker",
        "owner_agency": ocmw,
        "start_date": "2026-12-01",
        "status": "planned",
    }
    plan = write(
        "family_guidance_plan",
        {"needs": "Structuur en een vertrouwenspersoon", "actions": [action]},
    )
    health = "Slaapt slecht sinds de zomer en neemt medicatie"
    assessment = write("social_assessment", {"health": health})

    # 4. The case on the first meeting's agenda; attendance; the coordinator keeps the minutes.
    ok(mayor.put(f"{first}/agenda", json={"items": [{"case_id": case["id"]}]}))
    shown = ok(as_["pieter"].get(first))
    assert [item["pseudonym"] for item in shown["agenda"]] == [case["subject_pseudonym"]]
    present = [
        {"member_id": people["sofie"], "attendance": "present"},
        {"member_id": people["pieter"], "attendance": "present"},
        {"member_id": people["coordinator"], "attendance": "excused"},
    ]
    ok(mayor.put(f"{first}/attendance", json={"entries": present}))
    minutes = {"case_id": case["id"], "fields": {"meeting_date": start.date().isoformat()}}
    ok(as_["coordinator"].post(f"{first}/minutes", json=minutes), 201)
    calendar = as_["pieter"].get(f"{cell}/meetings.ics")
    assert calendar.headers["content-type"].startswith("text/calendar")
    assert intake["person"]["name"] not in calendar.text
    assert case["subject_pseudonym"] in calendar.text

    # 5. An exchange of the working group: only its members can be invited.
    expires = (datetime.now(UTC) + timedelta(hours=2)).isoformat()
    exchange = ok(
        mayor.post(
            "/api/v1/exchanges",
            json={
                "case_id": case["id"],
                "working_group_id": group,
                "purpose": "Casusoverleg: begeleiding",
                "legal_basis": "Wet 30 juli 2018, art. 458ter Sw.",
                "expires_at": expires,
            },
        ),
        201,
    )["id"]
    x = f"/api/v1/exchanges/{exchange}"
    _refused(
        mayor.post(f"{x}/participants", json={"member_id": people["youth_worker"]}),
        409,
        "not_in_working_group",
    )
    for who in ("sofie", "pieter"):
        ok(mayor.post(f"{x}/participants", json={"member_id": people[who]}), 201)
    agenda = ok(as_["coordinator"].get(f"{cell}/working-groups/{group}/exchanges"))
    assert [e["id"] for e in agenda] == [exchange]
    _refused(
        as_["youth_worker"].get(f"{cell}/working-groups/{group}/exchanges"),
        403,
        "not_in_working_group",
    )

    # 6. Sofie releases the plan's actions and one observation; the mayor grants them to Pieter.
    ok(as_["sofie"].post(f"{x}/releases", json={"note_id": plan, "fields": ["actions"]}), 201)
    ok(
        as_["sofie"].post(
            f"{x}/releases", json={"note_id": signals, "fields": ["social_isolation"]}
        ),
        201,
    )
    for note_id, field in ((plan, "actions"), (signals, "social_isolation")):
        grant = {"member_id": people["pieter"], "note_id": note_id, "field": field}
        ok(mayor.post(f"{x}/grants", json=grant), 201)
    view = ok(as_["pieter"].get(f"{x}/view"))
    seen = {k: v for note in view["notes"] for k, v in note["fields"].items()}
    assert seen == {"actions": [action], "social_isolation": OBSERVED}  # not the needs, not health

    # 7. A feedback sheet to the police: quoting or copying the health field is refused...
    sheet = {
        "police_agency_id": politie,
        "fields": {
            "sheet_date": "2026-11-26",
            "follow_up": "followed_by_livc",
            "message": "De LIVC volgt op met een wekelijks gesprek.",
        },
    }
    quoted = {**sheet, "quotes": [{"note_id": assessment, "field": "health"}]}
    problem = _refused(
        as_["sofie"].post(f"{x}/feedback-sheets", json=quoted), 422, "feedback_contains_secret"
    )
    assert problem["type"] == SECRET
    assert [(f["note_id"], f["field"]) for f in problem["fields"]] == [(assessment, "health")]
    copied = {**sheet, "fields": {**sheet["fields"], "message": f"Let op: {health.lower()}."}}
    problem = _refused(
        as_["sofie"].post(f"{x}/feedback-sheets", json=copied), 422, "feedback_contains_secret"
    )
    assert health not in problem.get("detail", "")
    # ...one without it passes only once Sofie, Pieter and the mayor all approved.
    drafted = ok(as_["sofie"].post(f"{x}/feedback-sheets", json=sheet), 201)
    vote = f"/api/v1/feedback-sheets/{drafted['id']}/approve"
    assert ok(as_["sofie"].post(vote))["status"] == "open"
    assert ok(as_["pieter"].post(vote))["status"] == "open"
    done = ok(mayor.post(vote))
    assert done["status"] == "approved"
    police_note = ok(as_["pieter"].get(f"/api/v1/notes/{done['note_id']}"))
    assert police_note["owner_agency_id"] == politie

    # 8. The strategic cell of the town sees counts, never a person, and nothing under 5.
    strategic_body = {"kind": "livc_strategic", "name": unique("Strategisch"), "municipality": town}
    strategic = ok(hub.admin.post("/api/v1/cells", json=strategic_body), 201)["id"]
    ok(hub.admin.post(f"/api/v1/cells/{strategic}/agencies", json={"agency_id": stad}), 201)
    ok(
        hub.admin.post(
            f"/api/v1/cells/{strategic}/members", json={"member_id": people["coordinator"]}
        ),
        201,
    )
    strategy = f"/api/v1/cells/{strategic}/strategy"
    counts = as_["coordinator"].get(f"{strategy}/counts", params={"dimension": "case_status"})
    for row in ok(counts)["rows"]:
        assert row["count"] is None or row["count"] >= 5
        assert set(row) == {"period", "value", "count", "shown"}
    exported = as_["coordinator"].get(
        f"{strategy}/diagnosis.csv", params={"year": datetime.now(UTC).year, "lang": "nl"}
    )
    table = list(csv.reader(io.StringIO(ok_text(exported))))
    numbers = [int(cell_) for row in table for cell_ in row if cell_.isdigit() and len(cell_) < 4]
    assert all(n >= 5 for n in numbers), numbers
    assert any("<5" in row for row in table)  # one case: what is counted is shown as "<5"
    for text in (counts.text, exported.text):
        assert case["subject_pseudonym"] not in text
        assert case["id"] not in text
        assert intake["person"]["name"] not in text
    assert as_["sofie"].get(f"{strategy}/counts").status_code == 404  # not a cell she may know


def ok_text(response: httpx.Response) -> str:
    assert response.status_code == 200, response.text
    return response.text
