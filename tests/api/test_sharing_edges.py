"""Sharing edge cases through the running hub (issue 9, part 4).

- a grant that names no released field is refused (409, ``not_released``), by field and by class,
  to a participant and to a role, and the refusal is logged;
- a release rule 8 would never show (an LTF source's note in a LIVC exchange) is refused at
  release time with the engine's reason, and accepted in an LTF exchange;
- once closed or expired, explain, releases, participants and grants answer like the view: the
  exchange's header and status, nothing else, for the chair, an owner and a participant, and
  each call is logged with the reason.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest

from tests.support.casework import LTF, Casework, casework, set_chair
from tests.support.live import LiveHub
from tests.support.world import agency, cell, member, ok, template, unique


def _auditor(hub: LiveHub, w: Casework) -> httpx.Client:
    return hub.client(member(hub, w.ids["stad"], "hub_auditor"))


def _entries(auditor: httpx.Client, **params: str) -> list[dict[str, Any]]:
    page = ok(auditor.get("/api/v1/audit/entries", params={**params, "limit": 200}))
    assert page["next_cursor"] is None
    return list(page["items"])


# -- grants of what was not released --------------------------------------------------------


@pytest.fixture(scope="module")
def released(hub: LiveHub) -> Casework:
    """Sofie released `household` by name and the class `social_situation` (her `housing`)."""
    w = casework(hub)
    w.release("sofie", "ocmw_note", fields=["household"], sensitivities=["social_situation"])
    return w


ACCEPTED = [
    {"member": "pieter", "field": "household"},  # released by name
    {"member": "pieter", "field": "housing"},  # released through its class
    {"member": "pieter", "sensitivity": "family"},  # the class of a field released by name
    {"role": "police_reference", "sensitivity": "social_situation"},
    {"role": "information_officer", "field": "household", "note": "ocmw_note"},
]
REFUSED = [
    {"member": "pieter", "field": "health"},  # a field of the note, not released
    {"member": "pieter", "sensitivity": "health"},
    {"role": "case_worker", "field": "psych"},
    {"role": "police_reference", "sensitivity": "psychological"},
    {"member": "els", "field": "risk"},  # another agency's note, nothing of it released
    {"role": "information_officer", "sensitivity": "judicial"},
    {"member": "els", "field": "household", "note": "police_note"},  # released, but not there
    {"role": "police_reference", "sensitivity": "family", "note": "police_note"},
]


@pytest.mark.parametrize("body", ACCEPTED, ids=lambda b: "-".join(map(str, b.values())))
def test_a_grant_of_a_released_field_or_class_is_accepted(
    released: Casework, body: dict[str, str]
) -> None:
    released.grant(**dict(body))


@pytest.mark.parametrize("body", REFUSED, ids=lambda b: "-".join(map(str, b.values())))
def test_a_grant_of_what_was_not_released_is_refused(
    hub: LiveHub, released: Casework, body: dict[str, str]
) -> None:
    w = released
    payload: dict[str, str] = {}
    for key, value in body.items():
        payload[{"member": "member_id", "note": "note_id"}.get(key, key)] = (
            w.ids[value] if key in ("member", "note") else value
        )
    rid = "grant-" + unique("r").split()[1]
    r = w.as_("mayor").post(f"{w.x}/grants", json=payload, headers={"X-Request-ID": rid})
    assert r.status_code == 409, r.text
    problem = r.json()
    assert problem["type"] == "urn:livc-hub:problem:conflict"
    assert problem["reason"] == "not_released"
    assert not any(g for g in ok(w.as_("mayor").get(f"{w.x}/grants")) if _same(g, payload))
    [entry] = [
        e
        for e in _entries(_auditor(hub, w), exchange=w.ids["exchange"], action="grant:create")
        if e["request_id"] == rid
    ]
    assert (entry["decision"], entry["reason"]) == ("deny", "not_released")


def _same(grant: dict[str, Any], payload: dict[str, str]) -> bool:
    return all(grant.get(k) == v for k, v in payload.items())


def test_a_grant_is_refused_once_its_release_is_withdrawn(hub: LiveHub) -> None:
    w = casework(hub)
    [rel] = w.release("sofie", "ocmw_note", fields=["household"])
    w.grant(member="pieter", field="household")
    assert w.as_("sofie").delete(f"{w.x}/releases/{rel['id']}").status_code == 204
    r = w.as_("mayor").post(
        f"{w.x}/grants", json={"role": "police_reference", "field": "household"}
    )
    assert (r.status_code, r.json()["reason"]) == (409, "not_released")


def test_a_release_of_a_pinned_version_counts_for_that_version(hub: LiveHub) -> None:
    w = casework(hub)
    note = ok(w.as_("sofie").get(f"/api/v1/notes/{w.ids['ocmw_note']}"))
    ok(
        w.as_("sofie").put(
            f"/api/v1/notes/{w.ids['ocmw_note']}",
            headers={"If-Match": note["etag"]},
            json={"fields": {"household": "Nieuw gezin"}},
        )
    )
    w.release("sofie", "ocmw_note", fields=["health"], version=1)
    w.grant(member="sofie", field="health")
    assert w.seen("sofie") == {"health": w.values["health"]}


# -- releases rule 8 would never show --------------------------------------------------------


@pytest.mark.parametrize("body", [{"fields": ["context"]}, {"sensitivities": ["free_text"]}])
def test_an_ltf_sources_release_into_a_livc_is_refused_with_the_engines_reason(
    hub: LiveHub, body: dict[str, list[str]]
) -> None:
    w = casework(hub)
    rid = "ltf-" + unique("r").split()[1]
    r = w.as_("karim").post(
        f"{w.x}/releases",
        json={"note_id": w.ids["ltf_note"], **body},
        headers={"X-Request-ID": rid},
    )
    assert r.status_code == 403, r.text
    assert r.json()["type"] == "urn:livc-hub:problem:forbidden"
    assert r.json()["reason"] == "ltf_via_information_officer"
    assert ok(w.as_("karim").get(f"{w.x}/releases")) == []
    assert ok(w.as_("mayor").get(f"{w.x}/releases")) == []
    [entry] = [
        e
        for e in _entries(_auditor(hub, w), exchange=w.ids["exchange"], action="release:create")
        if e["request_id"] == rid
    ]
    assert (entry["decision"], entry["reason"]) == ("deny", "ltf_via_information_officer")
    assert entry["note"] == w.ids["ltf_note"]
    assert w.values["context"] not in str(entry)
    # The information officer's own police note is the way in.
    w.release("pieter", "police_note", fields=["risk"])


def test_the_same_release_is_accepted_in_an_ltf_exchange(hub: LiveHub) -> None:
    vsse = agency(hub, "state_security", "classified")
    politie = agency(hub, "local_police", "police")
    karim = member(hub, vsse, "information_officer", clearance="top_secret")
    els = member(hub, politie, "information_officer", clearance="secret")
    chair = member(hub, politie, "chair", clearance="secret")
    ltf_cell = cell(hub, vsse, politie, kind="ltf")
    for who in (karim, els, chair):
        ok(hub.admin.post(f"/api/v1/cells/{ltf_cell}/members", json={"member_id": who}), 201)
    set_chair(hub, ltf_cell, chair)
    k = hub.client(karim)
    subject = ok(
        k.post("/api/v1/subjects", json={"name": unique("Persoon"), "date_of_birth": "1990-01-02"}),
        201,
    )
    case = ok(k.post("/api/v1/cases", json={"cell_id": ltf_cell, "subject_id": subject["id"]}), 201)
    value = unique("Context")
    note = ok(
        k.post(
            f"/api/v1/cases/{case['id']}/notes",
            json={"template_id": template(hub, LTF), "fields": {"context": value}},
        ),
        201,
    )
    x = ok(
        hub.client(chair).post(
            "/api/v1/exchanges",
            json={
                "case_id": case["id"],
                "purpose": "LTF-overleg",
                "legal_basis": "omzendbrief LTF",
                "expires_at": (datetime.now(UTC) + timedelta(hours=2)).isoformat(),
            },
        ),
        201,
    )
    for who in (karim, els):
        ok(
            hub.client(chair).post(
                f"/api/v1/exchanges/{x['id']}/participants", json={"member_id": who}
            ),
            201,
        )
    base = f"/api/v1/exchanges/{x['id']}"
    ok(k.post(f"{base}/releases", json={"note_id": note["id"], "fields": ["context"]}), 201)
    ok(hub.client(chair).post(f"{base}/grants", json={"member_id": els, "field": "context"}), 201)
    [shared] = ok(hub.client(els).get(f"{base}/view"))["notes"]
    assert shared["fields"] == {"context": value}


# -- after closing or expiry -----------------------------------------------------------------

READS = ("view", "explain", "releases", "participants", "grants")
ACTIONS = {
    "view": "exchange:view",
    "explain": "exchange:explain",
    "releases": "release:list",
    "participants": "exchange:participants",
    "grants": "grant:list",
}
CALLERS = {"mayor": READS, "sofie": READS[:4], "pieter": READS[:4]}


def _shared(hub: LiveHub) -> Casework:
    w = casework(hub)
    w.release("sofie", "ocmw_note", fields=["household", "health"])
    w.grant(member="pieter", field="household")
    w.grant(member="pieter", field="health")
    return w


def _read(w: Casework, who: str, what: str, tag: str = "open") -> Any:
    return ok(w.as_(who).get(f"{w.x}/{what}", headers={"X-Request-ID": f"{who}-{what}-{tag}"}))


def _forbidden(w: Casework) -> list[str]:
    others = [w.ids[p] for p in ("sofie", "pieter", "els", "karim")]
    return [*w.values.values(), "household", "health", w.ids["ocmw_note"], *others]


def _expire(hub: LiveHub, w: Casework) -> None:
    # The clock cannot be moved inside the hub; the stored window can (as if time had passed).
    hex_id = w.ids["exchange"].replace("-", "")
    key = hex_id if hub.database.backend == "sqlite" else w.ids["exchange"]
    hub.database.execute(f"UPDATE exchanges SET expires_at = opens_at WHERE id = '{key}'")


@pytest.mark.parametrize("how", ["closed", "expired"])
def test_a_shut_exchange_answers_its_header_and_status_only(hub: LiveHub, how: str) -> None:
    w = _shared(hub)
    # Open, every one of these reads shows something: the guards below are what empties them.
    assert _read(w, "mayor", "explain")["participants"]
    assert _read(w, "sofie", "releases")
    assert _read(w, "mayor", "releases")
    assert _read(w, "pieter", "participants")
    assert _read(w, "mayor", "grants")
    assert _read(w, "pieter", "explain")["yours"]
    if how == "closed":
        ok(w.as_("mayor").post(f"{w.x}/close"))
    else:
        _expire(hub, w)
    tag = unique("shut").split()[1]
    for who, reads in CALLERS.items():
        for what in reads:
            body = _read(w, who, what, tag)
            if what == "view":
                assert body["notes"] == [], who
                assert body["exchange"]["open"] is False
            elif what == "explain":
                assert (body["yours"], body["participants"]) == ([], []), who
                assert body["exchange"]["open"] is False
                assert body["exchange"]["id"] == w.ids["exchange"]
            else:
                assert body == [], (who, what)
            for text in _forbidden(w):
                assert text not in str(body), (who, what)
        header = ok(w.as_(who).get(w.x))
        assert header["open"] is False
        assert (header["closed_at"] is not None) is (how == "closed")
    auditor = _auditor(hub, w)
    for who, reads in CALLERS.items():
        for what in reads:
            rid = f"{who}-{what}-{tag}"
            [entry] = [
                e
                for e in _entries(auditor, exchange=w.ids["exchange"], action=ACTIONS[what])
                if e["request_id"] == rid
            ]
            assert (entry["decision"], entry["reason"]) == ("allow", "exchange_closed"), rid
            assert entry["fields"] == [], rid
            assert entry["actor"] == w.ids[who]
