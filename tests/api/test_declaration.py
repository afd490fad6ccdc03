"""The confidentiality declaration (art. 458ter §2) and guests of one exchange, through the API.

The chair sets the cell's declaration in Dutch and French (each version kept) and may invite into
one exchange someone not seated in the cell; that guest reads nothing before accepting the
declaration, and the refusal says what to do. Standing members need no acceptance.
"""

from __future__ import annotations

import uuid
from typing import Any

import httpx
import pytest

from tests.support.casework import Casework, casework
from tests.support.live import LiveHub
from tests.support.world import agency, member, ok, suspend

PROBLEM = "urn:livc-hub:problem:confidentiality-declaration-required"
TEXT = {
    "text_nl": "Ik bewaar het geheim van wat hier gedeeld wordt en gebruik het enkel voor dit doel.",
    "text_fr": "Je garde le secret de ce qui est partagé ici et ne l'utilise qu'à cette fin.",
}


@pytest.fixture(scope="module")
def auditor(hub: LiveHub) -> httpx.Client:
    return hub.client(member(hub, agency(hub, "municipality", "livc_458ter"), "hub_auditor"))


def logged(auditor: httpx.Client, **params: str) -> list[dict[str, Any]]:
    return list(ok(auditor.get("/api/v1/audit/entries", params={**params, "limit": 200}))["items"])


def _guest(hub: LiveHub) -> str:
    return member(hub, agency(hub, "youth", "professional"), "case_worker", secrecy=True)


def _cell(w: Casework) -> str:
    return f"/api/v1/cells/{w.ids['cell']}"


def test_a_guest_cannot_be_invited_before_the_cell_has_a_declaration(
    hub: LiveHub, auditor: httpx.Client
) -> None:
    w = casework(hub)
    guest = _guest(hub)
    r = w.as_("mayor").post(f"{w.x}/participants", json={"member_id": guest, "guest": True})
    assert (r.status_code, r.json()["reason"]) == (409, "no_declaration")
    assert "chair must set one first" in r.json()["detail"]
    assert guest not in {p["member_id"] for p in ok(w.as_("mayor").get(f"{w.x}/participants"))}
    assert w.as_("mayor").get(f"{_cell(w)}/declaration").status_code == 404
    [entry] = logged(auditor, exchange=w.ids["exchange"], action="exchange:invite", decision="deny")
    assert (entry["object"], entry["reason"]) == (guest, "no_declaration")


def test_the_chair_sets_the_declaration_and_every_version_is_kept(
    hub: LiveHub, auditor: httpx.Client
) -> None:
    w = casework(hub)
    mayor = w.as_("mayor")
    first = ok(mayor.put(f"{_cell(w)}/declaration", json=TEXT))
    changed = {**TEXT, "text_nl": TEXT["text_nl"] + " (herzien)"}
    second = ok(mayor.put(f"{_cell(w)}/declaration", json=changed))
    assert (first["version"], second["version"]) == (1, 2)
    assert ok(w.as_("sofie").get(f"{_cell(w)}/declaration"))["text_nl"] == changed["text_nl"]
    versions = ok(w.as_("sofie").get(f"{_cell(w)}/declaration/versions"))
    assert [(v["version"], v["text_nl"]) for v in versions] == [
        (1, TEXT["text_nl"]),
        (2, changed["text_nl"]),
    ]
    entries = logged(auditor, member=w.ids["mayor"], action="cell:set_declaration")
    assert [(e["object"], e["fields"]) for e in entries] == [
        (first["id"], ["v1"]),
        (second["id"], ["v2"]),
    ]
    assert TEXT["text_nl"] not in str(entries)
    # Only the chair: the hub admin sets cells up, not their rules of operation.
    r = hub.admin.put(f"{_cell(w)}/declaration", json=TEXT)
    assert (r.status_code, r.json()["reason"]) == (403, "not_chair")
    for bad in ({"text_nl": "x"}, {**TEXT, "text_fr": ""}, {**TEXT, "text_nl": "a\x00b"}):
        assert mayor.put(f"{_cell(w)}/declaration", json=bad).status_code == 422
    assert len(ok(mayor.get(f"{_cell(w)}/declaration/versions"))) == 2


@pytest.fixture(scope="module")
def guested(hub: LiveHub) -> tuple[Casework, str]:
    w = casework(hub)
    ok(w.as_("mayor").put(f"{_cell(w)}/declaration", json=TEXT))
    w.release("sofie", "ocmw_note", fields=["household"])
    guest = _guest(hub)
    w.ids["guest"] = guest
    body = {"member_id": guest, "guest": True}
    invited = ok(w.as_("mayor").post(f"{w.x}/participants", json=body), 201)
    assert invited["guest"] is True
    w.grant(member="guest", field="household")
    return w, guest


def test_a_guest_reads_nothing_before_accepting_and_is_told_how(
    hub: LiveHub, guested: tuple[Casework, str], auditor: httpx.Client
) -> None:
    w, guest = guested
    client = w.as_("guest")
    for url in (f"{w.x}/view", f"{w.x}/explain"):
        r = client.get(url)
        assert r.status_code == 403, r.text
        problem = r.json()
        assert problem["type"] == PROBLEM
        assert problem["reason"] == "declaration_required"
        assert f"{w.x}/declaration/accept" in problem["detail"]
        assert problem["accept"] == f"{w.x}/declaration/accept"
        assert w.values["household"] not in r.text
    # The header and the declaration itself are readable, to find what to accept.
    assert ok(client.get(w.x))["id"] == w.ids["exchange"]
    shown = ok(client.get(f"{w.x}/declaration"))
    assert shown["required"] is True
    assert shown["accepted_at"] is None
    assert shown["declaration"]["text_fr"] == TEXT["text_fr"]
    denied = logged(auditor, member=guest, action="exchange:view", decision="deny")
    assert [e["reason"] for e in denied] == ["declaration_required"]
    invited = logged(auditor, exchange=w.ids["exchange"], action="exchange:invite")
    [entry] = [e for e in invited if e["object"] == guest]
    assert (entry["decision"], entry["reason"]) == ("allow", "guest")


def test_after_accepting_the_guest_reads_what_was_granted(
    hub: LiveHub, guested: tuple[Casework, str], auditor: httpx.Client
) -> None:
    w, guest = guested
    client = w.as_("guest")
    accepted = ok(client.post(f"{w.x}/declaration/accept"))
    assert accepted["accepted_version"] == 1
    again = ok(client.post(f"{w.x}/declaration/accept"))
    assert again["accepted_at"] == accepted["accepted_at"]
    assert w.seen("guest") == {"household": w.values["household"]}
    ok(client.get(f"{w.x}/explain"))
    entries = logged(auditor, member=guest, action="exchange:accept_declaration")
    assert len(entries) == 1
    assert entries[0]["exchange"] == w.ids["exchange"]
    assert entries[0]["fields"] == ["v1"]


def test_standing_members_need_no_declaration(guested: tuple[Casework, str]) -> None:
    w, _ = guested
    ok(w.as_("sofie").get(f"{w.x}/view"))
    assert ok(w.as_("sofie").get(f"{w.x}/declaration"))["required"] is False
    r = w.as_("sofie").post(f"{w.x}/declaration/accept")
    assert (r.status_code, r.json()["reason"]) == (409, "not_a_guest")


def test_a_guest_is_invited_only_as_such_and_only_when_active(
    hub: LiveHub, guested: tuple[Casework, str]
) -> None:
    w, _ = guested
    mayor = w.as_("mayor")
    other = _guest(hub)
    r = mayor.post(f"{w.x}/participants", json={"member_id": other})
    assert (r.status_code, r.json()["detail"]) == (
        409,
        "only members of the cell can take part; invite them into the cell first",
    )
    suspended = _guest(hub)
    suspend(hub, suspended)
    r = mayor.post(f"{w.x}/participants", json={"member_id": suspended, "guest": True})
    assert (r.status_code, r.json()["detail"]) == (409, "a guest must be an active member")
    assert r.json()["reason"] == "guest_not_active"
    unknown = str(uuid.uuid4())
    r = mayor.post(f"{w.x}/participants", json={"member_id": unknown, "guest": True})
    assert r.status_code == 409
    # Only the chair invites a guest: a participant is refused.
    r = w.as_("sofie").post(f"{w.x}/participants", json={"member_id": other, "guest": True})
    assert r.status_code == 403
    r = mayor.post(f"{w.x}/participants", json={"member_id": other, "guest": "yes please"})
    assert r.status_code == 422
    current = {p["member_id"] for p in ok(mayor.get(f"{w.x}/participants"))}
    assert not {other, suspended, unknown} & current


def test_a_guest_knows_this_exchange_only_and_outsiders_get_404(
    hub: LiveHub, guested: tuple[Casework, str]
) -> None:
    w, _ = guested
    elsewhere = casework(hub)
    client = w.as_("guest")
    assert client.get(f"{elsewhere.x}/declaration").status_code == 404
    assert client.post(f"{elsewhere.x}/declaration/accept").status_code == 404
    assert client.get(_cell(w)).status_code == 404  # a guest is not seated in the cell
    outsider = elsewhere.as_("sofie")
    unknown = f"/api/v1/exchanges/{uuid.uuid4()}"
    for base in (w.x, unknown):
        assert outsider.get(f"{base}/declaration").status_code == 404
        assert outsider.post(f"{base}/declaration/accept").status_code == 404
    for path in (_cell(w), f"/api/v1/cells/{uuid.uuid4()}"):
        assert outsider.get(f"{path}/declaration").status_code == 404
        assert outsider.get(f"{path}/declaration/versions").status_code == 404
        assert outsider.put(f"{path}/declaration", json=TEXT).status_code == 404
    # The colleague of a participant, who did not take part, does not know it either.
    assert w.as_("colleague").get(f"{w.x}/declaration").status_code == 404
