"""Shipped templates through the API: listed and read by version in Dutch and French, filled in
as notes (structured fields checked part by part), written only by their authors, and never
changed under the notes written with them."""

from __future__ import annotations

import uuid
from typing import Any

import httpx
import pytest

from tests.support.live import LiveHub
from tests.support.shipped import shipped
from tests.support.world import Team, agency, member, ok, team, template, unique


def _note(client: httpx.Client, case_id: str, template_id: str, fields: dict[str, Any]) -> Any:
    body = {"template_id": template_id, "fields": fields}
    return client.post(f"/api/v1/cases/{case_id}/notes", json=body)


def _seat(hub: LiveHub, t: Team, kind: str, regime: str) -> str:
    other = agency(hub, kind=kind, regime=regime)
    ok(hub.admin.post(f"/api/v1/cells/{t.cell_id}/agencies", json={"agency_id": other}), 201)
    return other


def test_templates_are_listed_in_dutch_french_or_english(hub: LiveHub) -> None:
    worker = team(hub).worker
    english = shipped(worker, "signals")
    assert "ideals adrift" in english["title"]
    assert english["language"] is None
    assert english["titles"]["nl"].startswith("Signalenkader")
    dutch = ok(worker.get("/api/v1/templates", params={"key": "signals", "lang": "nl"}))["items"][0]
    assert dutch["title"] == "Signalenkader: jongeren met idealen op drift"
    assert dutch["language"] == "nl"
    labels = {f["name"]: f["label"] for f in dutch["fields"]}
    assert labels["social_isolation"] == "Sociaal isolement"
    status = dutch["fields"][1]["parts"][0]
    assert status["label"] == "Waarneming"
    assert status["choice_labels"]["not_observed"]["fr"] == "Non observé"
    french = ok(
        worker.get(
            f"/api/v1/templates/{english['id']}",
            headers={"Accept-Language": "de-DE, fr-BE;q=0.9, nl;q=0.8"},
        )
    )
    assert french["title"] == "Cadre de signaux : jeunes aux idéaux à la dérive"
    assert french["language"] == "fr"
    assert {f["name"]: f["label"] for f in french["fields"]}["travel_plans"] == "Projets de voyage"
    wrong = worker.get("/api/v1/templates", params={"lang": "de"})
    assert wrong.status_code == 422
    assert wrong.headers["content-type"].startswith("application/problem+json")


def test_one_version_by_key_and_number(hub: LiveHub) -> None:
    worker = team(hub).worker
    latest = shipped(worker, "ltf_information")
    by_key = ok(worker.get(f"/api/v1/templates/ltf_information/versions/{latest['version']}"))
    assert by_key == ok(worker.get(f"/api/v1/templates/{latest['id']}"))
    assert by_key["authors"] == {"roles": ["information_officer"], "agency_kinds": []}
    assert {f["classification"] for f in by_key["fields"]} >= {"secret", "restricted"}
    missing = worker.get("/api/v1/templates/ltf_information/versions/999999")
    assert missing.status_code == 404
    assert missing.headers["content-type"].startswith("application/problem+json")
    assert worker.get("/api/v1/templates/Not A Key/versions/1").status_code == 422


def test_shipped_keys_get_new_versions_only_from_files(hub: LiveHub) -> None:
    body = {
        "key": "signals",
        "title": "Mine",
        "fields": [{"name": "a", "label": "a", "type": "text", "sensitivity": "free_text"}],
    }
    refused = hub.admin.post("/api/v1/templates", json=body)
    assert refused.status_code == 409, refused.text
    assert "template file" in refused.json()["detail"]


OBSERVED = {"status": "observed", "date": "2026-10-01", "source": "youth_work", "comment": "x"}


def test_a_signals_instrument_is_filled_part_by_part(hub: LiveHub) -> None:
    t = team(hub)
    signals = shipped(t.worker, "signals")
    fields = {
        "context": "Gesprek in het jeugdhuis.",
        "social_isolation": OBSERVED,
        "travel_plans": {"status": "unknown"},
        "trusted_adult": {"status": "observed", "source": "own_observation"},
    }
    note = ok(_note(t.worker, t.case_id, signals["id"], fields), 201)
    assert note["template_id"] == signals["id"]
    assert ok(t.worker.get(f"/api/v1/notes/{note['id']}"))["fields"] == fields
    for bad, names in [
        ({"social_isolation": {"status": "maybe-secret-word"}}, "social_isolation.status"),
        ({"social_isolation": {"comment": "x"}}, "required parts are missing"),
        ({"social_isolation": {"status": "observed", "mood": "x"}}, "parts not in the template"),
        ({"social_isolation": "observed"}, "expected an object"),
        ({"social_isolation": {"status": "observed", "date": "yesterday"}}, "YYYY-MM-DD"),
    ]:
        refused = _note(t.worker, t.case_id, signals["id"], bad)
        assert refused.status_code == 422, refused.text
        assert names in refused.json()["detail"]
        assert "maybe-secret-word" not in refused.text


def test_a_family_guidance_plan_names_agencies_the_hub_knows(hub: LiveHub) -> None:
    t = team(hub)
    plan = shipped(t.worker, "family_guidance_plan")
    action = {
        "axis": "psychosocial_guidance",
        "action": "Wekelijks gesprek met het gezin.",
        "owner_agency": t.agency_id,
        "start_date": "2026-11-01",
        "status": "ongoing",
    }
    fields = {"needs": "Rust thuis.", "actions": [action, {**action, "axis": "primary_prevention"}]}
    note = ok(_note(t.worker, t.case_id, plan["id"], fields), 201)
    assert note["fields"]["actions"][0]["owner_agency"] == t.agency_id
    unknown = _note(
        t.worker,
        t.case_id,
        plan["id"],
        {"actions": [{**action, "owner_agency": str(uuid.uuid4())}]},
    )
    assert unknown.status_code == 422
    assert "no such agency" in unknown.json()["detail"]
    for bad in (
        [{**action, "axis": "tertiary"}],
        [{**action, "owner_agency": "the OCMW"}],
        [action] * 51,
        action,
    ):
        assert _note(t.worker, t.case_id, plan["id"], {"actions": bad}).status_code == 422


def test_templates_with_authors_refuse_everyone_else(hub: LiveHub) -> None:
    t = team(hub)  # a social service
    police = _seat(hub, t, "local_police", "police")
    officer = hub.client(member(hub, police, "information_officer", clearance="secret"))
    police_worker = hub.client(member(hub, police, "case_worker"))
    town = _seat(hub, t, "municipality", "livc_458ter")
    clerk = hub.client(member(hub, town, "case_worker"))
    ltf = shipped(t.worker, "ltf_information")["id"]
    fiche = shipped(t.worker, "police_information")["id"]
    minutes = shipped(t.worker, "meeting_minutes")["id"]
    cases: list[tuple[httpx.Client, str, dict[str, Any], int]] = [
        (police_worker, ltf, {"summary": "x"}, 403),
        (t.worker, ltf, {"summary": "x"}, 403),
        (t.worker, fiche, {"known_facts": "x"}, 403),
        (clerk, fiche, {"known_facts": "x"}, 403),
        (t.worker, minutes, {"meeting_date": "2026-11-20"}, 403),
        (police_worker, minutes, {"meeting_date": "2026-11-20"}, 403),
        (officer, ltf, {"summary": "x"}, 201),
        (police_worker, fiche, {"known_facts": "x"}, 201),
        (clerk, minutes, {"meeting_date": "2026-11-20"}, 201),
    ]
    for client, template_id, fields, status in cases:
        r = _note(client, t.case_id, template_id, fields)
        assert r.status_code == status, (template_id, r.text)
        if status == 403:
            assert "written only by its authors" in r.json()["detail"]
    # A colleague of the officer may not write a new version of the fiche either.
    note = ok(_note(officer, t.case_id, ltf, {"summary": "v1"}), 201)
    edit = police_worker.put(
        f"/api/v1/notes/{note['id']}", headers={"If-Match": note["etag"]}, json={"fields": {}}
    )
    assert edit.status_code == 403


def _writable(client: httpx.Client) -> set[str]:
    keys, cursor = set(), None
    while True:
        params = {"writable": "true", "limit": 7, **({"cursor": cursor} if cursor else {})}
        page = ok(client.get("/api/v1/templates", params=params))
        keys |= {t["key"] for t in page["items"]}
        if not (cursor := page["next_cursor"]):
            return keys


def test_writable_lists_only_the_templates_whose_authors_include_the_caller(hub: LiveHub) -> None:
    """The list a form offers follows the rule notes are written under: a social worker is not
    offered the LTF fiche, the police fiche or the minutes; each of their authors is."""
    t = team(hub)  # a social service
    police = _seat(hub, t, "local_police", "police")
    officer = hub.client(member(hub, police, "information_officer", clearance="secret"))
    police_worker = hub.client(member(hub, police, "case_worker"))
    town = _seat(hub, t, "municipality", "livc_458ter")
    clerk = hub.client(member(hub, town, "case_worker"))
    kept = {"ltf_information", "police_information", "meeting_minutes"}
    every = {
        i["key"] for i in ok(t.worker.get("/api/v1/templates", params={"limit": 200}))["items"]
    }
    assert kept | {"signals", "social_assessment"} <= every
    writable = {
        "social worker": _writable(t.worker),
        "police worker": _writable(police_worker),
        "officer": _writable(officer),
        "clerk": _writable(clerk),
    }
    assert {who: keys & kept for who, keys in writable.items()} == {
        "social worker": set(),
        "police worker": {"police_information"},
        "officer": {"ltf_information", "police_information"},
        "clerk": {"meeting_minutes"},
    }
    for keys in writable.values():
        assert every - kept <= keys  # templates without authors are everyone's
    # What the list offers is what writing allows.
    fiche = shipped(t.worker, "police_information")["id"]
    assert _note(t.worker, t.case_id, fiche, {"known_facts": "x"}).status_code == 403
    assert _note(police_worker, t.case_id, fiche, {"known_facts": "x"}).status_code == 201


def test_a_new_version_never_changes_the_notes_written_with_the_old(hub: LiveHub) -> None:
    key = "k-" + uuid.uuid4().hex[:8]
    v1 = [{"name": "summary", "label": "Summary", "type": "text", "sensitivity": "free_text"}]
    first = ok(
        hub.admin.post("/api/v1/templates", json={"key": key, "title": "T", "fields": v1}), 201
    )
    t = team(hub, template_id=first["id"])
    old = ok(t.note({"summary": "Eerste gesprek."}), 201)
    v2 = [
        {**v1[0], "label": "Samenvatting"},
        {
            "name": "axis",
            "label": "Axis",
            "type": "text",
            "sensitivity": "intervention",
            "required": True,
        },
    ]
    second = ok(
        hub.admin.post("/api/v1/templates", json={"key": key, "title": "T", "fields": v2}), 201
    )
    assert second["version"] == first["version"] + 1
    assert ok(hub.admin.get(f"/api/v1/templates/{key}/versions/1")) == first
    edited = ok(
        t.worker.put(
            f"/api/v1/notes/{old['id']}",
            headers={"If-Match": old["etag"]},
            json={"fields": {"summary": "Tweede gesprek."}},
        )
    )
    assert edited["template_id"] == first["id"]  # still validated against version 1
    new = _note(t.worker, t.case_id, second["id"], {"summary": "x"})
    assert new.status_code == 422  # version 2 asks for its required field


def test_a_hub_admin_defines_structured_fields(hub: LiveHub) -> None:
    part = {"name": "when", "label": "When", "type": "date"}
    record = {"name": "visit", "label": "Visit", "type": "record", "sensitivity": "intervention"}
    key = "r-" + uuid.uuid4().hex[:8]
    for fields, status in [
        ([record], 422),
        ([{**record, "parts": [{**part, "type": "record"}]}], 422),
        ([{**record, "parts": [part, part]}], 422),
        ([{**record, "type": "text", "parts": [part]}], 422),
        ([{**record, "type": "records", "parts": [part], "max_items": 3}], 201),
    ]:
        body = {"key": key, "title": unique("T"), "fields": fields}
        r = hub.admin.post("/api/v1/templates", json=body)
        assert r.status_code == status, (fields, r.text)
    made = ok(hub.admin.get(f"/api/v1/templates/{key}/versions/1"))
    assert made["origin"] == "hub"
    assert made["fields"][0]["parts"][0]["name"] == "when"
    t = team(hub, template_id=made["id"])
    assert t.note({"visit": [{"when": "2026-01-01"}] * 4}).status_code == 422
    assert t.note({"visit": [{"when": "2026-01-01"}] * 3}).status_code == 201


@pytest.mark.parametrize("role", ["case_worker", "agency_admin", "auditor", "chair"])
def test_every_member_may_read_templates_none_may_write_them(hub: LiveHub, role: str) -> None:
    t = team(hub)
    client = hub.client(member(hub, t.agency_id, role))
    assert ok(client.get("/api/v1/templates", params={"key": "intake"}))["items"]
    assert ok(client.get("/api/v1/templates/intake/versions/1"))["key"] == "intake"
    field = {"name": "a", "label": "a", "type": "text", "sensitivity": "free_text"}
    body = {"key": unique("k").replace(" ", "-"), "title": "t", "fields": [field]}
    assert client.post("/api/v1/templates", json=body).status_code == 403
    assert template(hub)  # the hub admin may
