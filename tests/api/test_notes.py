"""Notes through the front door: write, read back, edit with If-Match, history, isolation."""

from __future__ import annotations

import uuid

from tests.support.live import LiveHub
from tests.support.world import ok, team

FULL = {
    "summary": "Gesprek met moeder.",
    "health": "Slaapproblemen.",
    "intel": "Niets bekend.",
    "next_contact": "2026-12-01",
    "visits": 3,
    "consent": True,
    "level": "medium",
    "signals": ["travel", "isolation"],
}


def test_case_worker_writes_and_reads_back_every_field_type(hub: LiveHub) -> None:
    t = team(hub)
    created = t.note(FULL)
    note = ok(created, 201)
    assert created.headers["ETag"] == note["etag"]
    assert created.headers["Location"] == f"/api/v1/notes/{note['id']}"
    read = t.worker.get(f"/api/v1/notes/{note['id']}")
    body = ok(read)
    assert body["fields"] == {**FULL, "signals": ["isolation", "travel"]}
    assert body["version"] == 1
    assert body["owner_agency_id"] == t.agency_id
    assert read.headers["ETag"] == note["etag"]


def test_other_agency_gets_404_exactly_like_a_missing_note(hub: LiveHub) -> None:
    owner = team(hub)
    note = ok(owner.note(), 201)
    stranger = team(hub, cell_id=owner.cell_id)  # same cell, other agency
    theirs = stranger.worker.get(f"/api/v1/notes/{note['id']}")
    missing = stranger.worker.get(f"/api/v1/notes/{uuid.uuid4()}")
    assert theirs.status_code == missing.status_code == 404
    strip = lambda r: {k: v for k, v in r.json().items() if k not in ("instance", "request_id")}  # noqa: E731
    assert strip(theirs) == strip(missing)
    assert set(theirs.headers) == set(missing.headers)
    edit = stranger.worker.put(
        f"/api/v1/notes/{note['id']}",
        json={"fields": {"summary": "x"}},
        headers={"If-Match": note["etag"]},
    )
    assert edit.status_code == 404
    assert stranger.worker.get(f"/api/v1/notes/{note['id']}/versions").status_code == 404
    assert stranger.worker.get(f"/api/v1/notes/{note['id']}/versions/1").status_code == 404


def test_case_notes_list_counts_only_own_agency(hub: LiveHub) -> None:
    owner = team(hub)
    ok(owner.note(), 201)
    other = team(hub, cell_id=owner.cell_id)
    ok(
        other.hub.client(other.worker_id).post(
            f"/api/v1/cases/{owner.case_id}/notes",
            json={"template_id": other.template_id, "fields": {"summary": "Ons verslag."}},
        ),
        201,
    )
    mine = ok(owner.worker.get(f"/api/v1/cases/{owner.case_id}/notes"))
    assert len(mine["items"]) == 1
    assert all(n["owner_agency_id"] == owner.agency_id for n in mine["items"])


def test_edit_creates_a_version_and_needs_if_match(hub: LiveHub) -> None:
    t = team(hub)
    note = ok(t.note(), 201)
    url = f"/api/v1/notes/{note['id']}"
    missing = t.worker.put(url, json={"fields": {"summary": "Tweede."}})
    assert missing.status_code == 428
    assert missing.headers["content-type"] == "application/problem+json"
    edited = t.worker.put(
        url, json={"fields": {"summary": "Tweede."}}, headers={"If-Match": note["etag"]}
    )
    second = ok(edited)
    assert second["version"] == 2
    assert second["etag"] != note["etag"]
    stale = t.worker.put(
        url, json={"fields": {"summary": "Derde."}}, headers={"If-Match": note["etag"]}
    )
    assert stale.status_code == 412
    assert stale.json()["type"] == "urn:livc-hub:problem:precondition-failed"
    assert stale.headers["ETag"] == second["etag"]
    assert ok(t.worker.get(url))["fields"] == {"summary": "Tweede."}
    history = ok(t.worker.get(f"{url}/versions"))
    assert [v["version"] for v in history] == [1, 2]
    first = ok(t.worker.get(f"{url}/versions/1"))
    assert first["fields"] == {"summary": "Eerste gesprek."}
    assert first["current_version"] == 2


def test_an_etag_of_another_note_does_not_match(hub: LiveHub) -> None:
    t = team(hub)
    a = ok(t.note(), 201)
    b = ok(t.note(), 201)
    put = t.worker.put(
        f"/api/v1/notes/{a['id']}",
        json={"fields": {"summary": "x"}},
        headers={"If-Match": b["etag"]},
    )
    assert put.status_code == 412


def test_bad_note_input_is_a_problem_and_changes_nothing(hub: LiveHub) -> None:
    t = team(hub)
    bad = [
        {"template_id": t.template_id, "fields": {"nope": "x", "summary": "y"}},
        {"template_id": t.template_id, "fields": {"health": "no summary"}},
        {"template_id": t.template_id, "fields": {"summary": "x", "visits": "three"}},
        {"template_id": t.template_id, "fields": {"summary": "x", "next_contact": "31/12/2026"}},
        {"template_id": t.template_id, "fields": {"summary": "x", "level": "extreme"}},
        {"template_id": t.template_id, "fields": {"summary": "x", "consent": "yes"}},
        {"template_id": str(uuid.uuid4()), "fields": {"summary": "x"}},
        {"template_id": "not-a-uuid", "fields": {}},
        {"fields": {"summary": "x"}},
    ]
    for body in bad:
        r = t.worker.post(f"/api/v1/cases/{t.case_id}/notes", json=body)
        assert r.status_code == 422, (body, r.text)
        assert r.headers["content-type"] == "application/problem+json"
        assert r.json()["type"] == "urn:livc-hub:problem:validation"
    garbage = t.worker.post(
        f"/api/v1/cases/{t.case_id}/notes",
        content=b"{not json",
        headers={"content-type": "application/json"},
    )
    assert garbage.status_code == 422
    assert ok(t.worker.get(f"/api/v1/cases/{t.case_id}/notes"))["items"] == []


def test_validation_problems_never_echo_the_submitted_value(hub: LiveHub) -> None:
    t = team(hub)
    secret = "VERTROUWELIJK-" + uuid.uuid4().hex
    r = t.worker.post(
        f"/api/v1/cases/{t.case_id}/notes",
        json={"template_id": t.template_id, "fields": {"summary": "x", "visits": secret}},
    )
    assert r.status_code == 422
    assert secret not in r.text
    r = t.worker.post("/api/v1/subjects", json={"name": "x", "date_of_birth": secret})
    assert r.status_code == 422
    assert secret not in r.text


def test_pagination_walks_every_note_once(hub: LiveHub) -> None:
    t = team(hub)
    ids = {ok(t.note(), 201)["id"] for _ in range(5)}
    seen: list[str] = []
    cursor = None
    while True:
        params = {"limit": 2, **({"cursor": cursor} if cursor else {})}
        page = ok(t.worker.get(f"/api/v1/cases/{t.case_id}/notes", params=params))
        seen += [n["id"] for n in page["items"]]
        cursor = page["next_cursor"]
        if cursor is None:
            break
    assert sorted(seen) == sorted(ids)
    bad = t.worker.get(f"/api/v1/cases/{t.case_id}/notes", params={"cursor": "%%%"})
    assert bad.status_code == 400


def test_concurrent_edits_of_one_version_exactly_one_wins(hub: LiveHub) -> None:
    from concurrent.futures import ThreadPoolExecutor

    t = team(hub)
    note = ok(t.note(), 201)
    url = f"/api/v1/notes/{note['id']}"

    def edit(i: int) -> int:
        with hub.client(t.worker_id) as client:
            r = client.put(
                url, json={"fields": {"summary": f"versie {i}"}}, headers={"If-Match": note["etag"]}
            )
            return r.status_code

    with ThreadPoolExecutor(max_workers=6) as pool:
        codes = sorted(pool.map(edit, range(6)))
    assert codes.count(200) == 1, codes
    assert set(codes) <= {200, 412}, codes
    assert [v["version"] for v in ok(t.worker.get(f"{url}/versions"))] == [1, 2]
