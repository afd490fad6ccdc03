"""Membership on the mayor's invitation (law of 30 July 2018, art. 3), through the API.

The chair seats and removes the cell's agencies and people, each with a seat; the korpschef's
representative is a local police member cleared "secret"; every change is logged; a person
removed from the cell sees nothing of its exchanges from the next read on.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from typing import Any

import httpx
import pytest

from tests.support.casework import casework, set_chair
from tests.support.live import LiveHub
from tests.support.world import agency, cell, member, ok


@dataclass
class Town:
    hub: LiveHub
    cell_id: str
    stad: str
    politie: str
    ocmw: str
    mayor: str
    chief: str  # local police, cleared secret
    officer: str  # local police, no clearance
    worker: str  # social service, seated later

    def as_(self, who: str) -> httpx.Client:
        return self.hub.client(who)

    @property
    def chair(self) -> httpx.Client:
        return self.hub.client(self.mayor)

    @property
    def path(self) -> str:
        return f"/api/v1/cells/{self.cell_id}"

    def seats(self) -> dict[str, str]:
        body = ok(self.hub.admin.get(self.path))
        return {m["member_id"]: m["seat"] for m in body["members"]}

    def agencies(self) -> set[str]:
        return set(ok(self.hub.admin.get(self.path))["agency_ids"])


def town(hub: LiveHub) -> Town:
    stad = agency(hub, "municipality", "livc_458ter")
    politie = agency(hub, "local_police", "police")
    ocmw = agency(hub, "social_service", "professional")
    mayor = member(hub, stad, "chair", secrecy=True)
    cell_id = cell(hub)
    set_chair(hub, cell_id, mayor)
    return Town(
        hub,
        cell_id,
        stad,
        politie,
        ocmw,
        mayor,
        member(hub, politie, "police_reference", clearance="secret"),
        member(hub, politie, "police_reference"),
        member(hub, ocmw, "case_worker", secrecy=True),
    )


@pytest.fixture(scope="module")
def here(hub: LiveHub) -> Town:
    return town(hub)


@pytest.fixture(scope="module")
def auditor(hub: LiveHub) -> httpx.Client:
    return hub.client(member(hub, agency(hub, "municipality", "livc_458ter"), "hub_auditor"))


def logged(auditor: httpx.Client, actor: str, action: str) -> list[dict[str, Any]]:
    params = {"member": actor, "action": action, "limit": 200}
    return list(ok(auditor.get("/api/v1/audit/entries", params=params))["items"])


def test_the_chair_seats_agencies_and_people_with_their_seat(
    here: Town, auditor: httpx.Client
) -> None:
    ok(here.chair.post(f"{here.path}/agencies", json={"agency_id": here.politie}), 201)
    body = {"member_id": here.chief, "seat": "korpschef_representative"}
    out = ok(here.chair.post(f"{here.path}/members", json=body), 201)
    assert {"member_id": here.chief, "seat": "korpschef_representative"} in out["members"]
    assert here.chief in out["member_ids"]
    assert here.seats()[here.mayor] == "member"
    # Seated again without a seat keeps it; with another one changes it.
    ok(here.chair.post(f"{here.path}/members", json={"member_id": here.chief}), 201)
    assert here.seats()[here.chief] == "korpschef_representative"
    entries = logged(auditor, here.mayor, "cell:add_member")
    mine = [e for e in entries if e["object"] == here.chief]
    assert mine
    assert all(e["owners"] == [here.politie] for e in mine)
    assert mine[0]["reason"] == "korpschef_representative"
    added = logged(auditor, here.mayor, "cell:add_agency")
    assert [e["owners"] for e in added if e["object"] == here.politie] == [[here.politie]]


def test_the_korpschefs_representative_is_local_police_cleared_secret(here: Town) -> None:
    ok(here.chair.post(f"{here.path}/agencies", json={"agency_id": here.politie}), 201)
    ok(here.chair.post(f"{here.path}/agencies", json={"agency_id": here.ocmw}), 201)
    before = here.seats()
    for who, reason in (
        (here.officer, "korpschef_clearance_below_secret"),
        (here.worker, "korpschef_not_local_police"),
    ):
        body = {"member_id": who, "seat": "korpschef_representative"}
        r = here.chair.post(f"{here.path}/members", json=body)
        assert r.status_code == 409, r.text
        assert r.json()["reason"] == reason
        assert "art. 3" in r.json()["detail"]
    assert here.seats() == before
    # As an ordinary member the same officer may sit in the cell.
    ok(here.chair.post(f"{here.path}/members", json={"member_id": here.officer}), 201)
    assert here.seats()[here.officer] == "member"
    # The rule holds for the hub admin too.
    body = {"member_id": here.officer, "seat": "korpschef_representative"}
    assert here.hub.admin.post(f"{here.path}/members", json=body).status_code == 409


def test_a_member_of_an_agency_not_seated_is_refused(hub: LiveHub) -> None:
    t = town(hub)
    r = t.chair.post(f"{t.path}/members", json={"member_id": t.worker})
    assert (r.status_code, r.json()["reason"]) == (409, "agency_not_seated")
    assert t.worker not in t.seats()


def test_only_the_chair_or_the_hub_admin_manages_membership(hub: LiveHub) -> None:
    t = town(hub)
    ok(t.chair.post(f"{t.path}/agencies", json={"agency_id": t.ocmw}), 201)
    ok(t.chair.post(f"{t.path}/members", json={"member_id": t.worker}), 201)
    seated = t.as_(t.worker)  # knows the cell, may not manage it
    for method, url, body in (
        ("POST", f"{t.path}/agencies", {"agency_id": t.politie}),
        ("POST", f"{t.path}/members", {"member_id": t.worker, "seat": "ltf_contact"}),
        ("DELETE", f"{t.path}/members/{t.worker}", None),
        ("DELETE", f"{t.path}/agencies/{t.ocmw}", None),
        ("PUT", f"{t.path}/declaration", {"text_nl": "x", "text_fr": "x"}),
    ):
        r = seated.request(method, url, json=body)
        assert (r.status_code, r.json().get("reason")) == (403, "not_chair"), (url, r.text)
    assert t.seats()[t.worker] == "member"
    assert t.agencies() == {t.stad, t.ocmw}
    # The hub admin keeps setting cells up.
    ok(hub.admin.post(f"{t.path}/agencies", json={"agency_id": t.politie}), 201)
    assert hub.admin.delete(f"{t.path}/agencies/{t.politie}").status_code == 204


def test_another_cells_chair_and_another_municipality_get_404(here: Town, hub: LiveHub) -> None:
    there = town(hub)
    someone = str(uuid.uuid4())
    for client in (there.chair, there.as_(there.worker)):
        for cell_id in (here.cell_id, str(uuid.uuid4())):
            base = f"/api/v1/cells/{cell_id}"
            answers = [
                client.post(f"{base}/agencies", json={"agency_id": there.ocmw}),
                client.post(f"{base}/members", json={"member_id": there.worker}),
                client.delete(f"{base}/members/{here.mayor}"),
                client.delete(f"{base}/agencies/{here.stad}"),
                client.delete(f"{base}/members/{someone}"),
            ]
            assert [r.status_code for r in answers] == [404] * 5
            assert {r.json()["detail"] for r in answers} == {"Not found"}


def test_an_agency_leaves_only_once_its_people_have(hub: LiveHub, auditor: httpx.Client) -> None:
    t = town(hub)
    ok(t.chair.post(f"{t.path}/agencies", json={"agency_id": t.ocmw}), 201)
    ok(t.chair.post(f"{t.path}/members", json={"member_id": t.worker}), 201)
    r = t.chair.delete(f"{t.path}/agencies/{t.ocmw}")
    assert (r.status_code, r.json()["reason"]) == (409, "agency_has_members")
    assert "remove the members first" in r.json()["detail"]
    assert t.ocmw in t.agencies()
    assert t.chair.delete(f"{t.path}/members/{t.worker}").status_code == 204
    assert t.worker not in t.seats()
    assert t.chair.delete(f"{t.path}/agencies/{t.ocmw}").status_code == 204
    assert t.ocmw not in t.agencies()
    # Gone already: as an unknown id.
    assert t.chair.delete(f"{t.path}/agencies/{t.ocmw}").status_code == 404
    assert t.chair.delete(f"{t.path}/members/{t.worker}").status_code == 404
    removed = logged(auditor, t.mayor, "cell:remove_member")
    assert [(e["object"], e["decision"], e["owners"]) for e in removed] == [
        (t.worker, "allow", [t.ocmw]),
        (t.worker, "deny", []),
    ]
    left = logged(auditor, t.mayor, "cell:remove_agency")
    assert [(e["decision"], e["reason"]) for e in left if e["object"] == t.ocmw] == [
        ("deny", "agency_has_members"),
        ("allow", ""),
        ("deny", "not_found"),
    ]


def test_the_chair_is_not_removed(hub: LiveHub) -> None:
    t = town(hub)
    r = t.chair.delete(f"{t.path}/members/{t.mayor}")
    assert (r.status_code, r.json()["reason"]) == (409, "chair_seat")
    assert t.mayor in t.seats()
    r = t.chair.delete(f"{t.path}/agencies/{t.stad}")
    assert (r.status_code, r.json()["reason"]) == (409, "agency_has_members")


def test_bad_input_is_422_and_changes_nothing(here: Town) -> None:
    before = here.seats()
    for body in (
        {"member_id": here.worker, "seat": "boss"},
        {"member_id": "nope"},
        {"member_id": here.worker, "extra": 1},
    ):
        r = here.chair.post(f"{here.path}/members", json=body)
        assert r.status_code == 422, r.text
        assert r.headers["content-type"].startswith("application/problem+json")
    assert here.chair.delete(f"{here.path}/members/nope").status_code == 422
    assert here.chair.delete(f"{here.path}/agencies/nope").status_code == 422
    assert here.seats() == before


def test_a_person_removed_from_the_cell_sees_nothing_of_its_exchanges(
    hub: LiveHub, auditor: httpx.Client
) -> None:
    w = casework(hub)
    w.release("sofie", "ocmw_note", fields=["household"])
    w.grant(member="pieter", field="household")
    assert w.values["household"] in str(ok(w.as_("pieter").get(f"{w.x}/view")))
    mayor = w.as_("mayor")
    assert (
        mayor.delete(f"/api/v1/cells/{w.ids['cell']}/members/{w.ids['pieter']}").status_code == 204
    )
    pieter = w.as_("pieter")
    for url in (f"{w.x}/view", w.x, f"{w.x}/explain", f"{w.x}/participants"):
        assert pieter.get(url).status_code == 404, url
    listed = ok(mayor.get(f"{w.x}/participants"))
    assert w.ids["pieter"] not in {p["member_id"] for p in listed}
    assert w.ids["exchange"] not in {x["id"] for x in ok(pieter.get("/api/v1/exchanges"))}
    ended = logged(auditor, w.ids["mayor"], "exchange:remove")
    assert [(e["exchange"], e["object"], e["reason"]) for e in ended] == [
        (w.ids["exchange"], w.ids["pieter"], "left_the_cell")
    ]
