"""The participant list names people, through the API (decisions 190, 191, 192).

The chair and the participants see each participant's display name and agency, read in one
statement whatever their number; a guest stays unnamed (all three null) until they accepted the
cell's confidentiality declaration for this exchange, and the answer to an invitation names
nobody. Who may list is unchanged: the chair and current participants; 404 for anyone else.
A release says its note's template, so that a client labels the released fields.
"""

from __future__ import annotations

import re
import uuid
from typing import Any

import pytest

from tests.support.casework import Casework, casework
from tests.support.live import LiveHub
from tests.support.statements import statements
from tests.support.world import agency, member, ok

DECLARATION = {
    "text_nl": "Ik bewaar het geheim van wat hier gedeeld wordt.",
    "text_fr": "Je garde le secret de ce qui est partagé ici.",
}
NAMES = ("display_name", "agency_id", "agency_name")
MEMBERS = re.compile(r"\bmembers\b")


def _expected(hub: LiveHub, member_id: str) -> dict[str, Any]:
    """Who a member is, as the hub admin reads it."""
    found = ok(hub.admin.get(f"/api/v1/members/{member_id}"))
    agency_name = ok(hub.admin.get(f"/api/v1/agencies/{found['agency_id']}"))["name"]
    return {
        "display_name": found["display_name"],
        "agency_id": found["agency_id"],
        "agency_name": agency_name,
    }


def _listed(w: Casework, who: str) -> dict[str, dict[str, Any]]:
    return {p["member_id"]: p for p in ok(w.as_(who).get(f"{w.x}/participants"))}


@pytest.fixture(scope="module")
def world(hub: LiveHub) -> Casework:
    w = casework(hub)
    ok(w.as_("mayor").put(f"/api/v1/cells/{w.ids['cell']}/declaration", json=DECLARATION))
    return w


def test_the_chair_and_participants_see_who_takes_part(hub: LiveHub, world: Casework) -> None:
    w = world
    for who in ("mayor", "sofie", "karim"):
        listed = _listed(w, who)
        for person in ("sofie", "pieter", "els", "karim"):
            entry = listed[w.ids[person]]
            assert {k: entry[k] for k in NAMES} == _expected(hub, w.ids[person]), (who, person)
            assert entry["guest"] is False
    # Two people of one agency carry its one name.
    pieter, els = _listed(w, "mayor")[w.ids["pieter"]], _listed(w, "mayor")[w.ids["els"]]
    assert pieter["agency_id"] == els["agency_id"] == w.ids["politie"]
    assert pieter["display_name"] != els["display_name"]


def test_who_may_list_is_unchanged(hub: LiveHub, world: Casework) -> None:
    w = world
    # A colleague seated in the cell who does not take part, and an outsider: 404, no names.
    for client in (w.as_("colleague"), w.as_("ocmw_admin"), hub.client(_outsider(hub))):
        r = client.get(f"{w.x}/participants")
        assert r.status_code == 404, r.text
        assert _expected(hub, w.ids["sofie"])["display_name"] not in r.text
    unknown = w.as_("mayor").get(f"/api/v1/exchanges/{uuid.uuid4()}/participants")
    assert unknown.status_code == 404


def _outsider(hub: LiveHub) -> str:
    return member(hub, agency(hub, "social_service", "professional"), "case_worker")


def test_a_guest_is_named_only_once_they_accepted_the_declaration(
    hub: LiveHub, world: Casework
) -> None:
    w = world
    guest = member(hub, agency(hub, "youth", "professional"), "case_worker", secrecy=True)
    w.ids["guest"] = guest
    invited = ok(
        w.as_("mayor").post(f"{w.x}/participants", json={"member_id": guest, "guest": True}), 201
    )
    assert invited["guest"] is True
    assert {k: invited[k] for k in NAMES} == dict.fromkeys(NAMES)
    real = _expected(hub, guest)
    for who in ("mayor", "sofie", "guest"):
        r = w.as_(who).get(f"{w.x}/participants")
        entry = {p["member_id"]: p for p in ok(r)}[guest]
        assert entry["guest"] is True
        assert {k: entry[k] for k in NAMES} == dict.fromkeys(NAMES), who
        assert real["display_name"] not in r.text
        assert real["agency_name"] not in r.text
    ok(w.as_("guest").post(f"{w.x}/declaration/accept"))
    for who in ("mayor", "guest"):
        entry = _listed(w, who)[guest]
        assert {k: entry[k] for k in NAMES} == real, who


def test_an_invitation_names_nobody_even_a_member_of_the_cell(world: Casework) -> None:
    w = world
    body = {"member_id": w.ids["colleague"]}
    invited = ok(w.as_("mayor").post(f"{w.x}/participants", json=body), 201)
    assert {k: invited[k] for k in NAMES} == dict.fromkeys(NAMES)
    assert _listed(w, "mayor")[w.ids["colleague"]]["display_name"] is not None
    removed = w.as_("mayor").delete(f"{w.x}/participants/{w.ids['colleague']}")
    assert removed.status_code == 204
    assert w.ids["colleague"] not in _listed(w, "mayor")


def test_the_list_is_read_in_one_statement_whatever_its_length(hub: LiveHub) -> None:
    w = casework(hub)
    mayor = w.as_("mayor")
    ok(mayor.get(f"{w.x}/participants"))  # warm
    with statements(hub) as four:
        assert len(ok(mayor.get(f"{w.x}/participants"))) == 4
    ok(mayor.post(f"{w.x}/participants", json={"member_id": w.ids["ocmw_admin"]}), 201)
    ok(mayor.post(f"{w.x}/participants", json={"member_id": w.ids["colleague"]}), 201)
    with statements(hub) as six:
        assert len(ok(mayor.get(f"{w.x}/participants"))) == 6

    def named(seen: list[str]) -> list[str]:
        return [s for s in seen if "exchange_participants" in s and MEMBERS.search(s)]

    assert len(named(four)) == len(named(six)) == 1
    assert len(four) == len(six)


def test_a_release_says_its_notes_template(hub: LiveHub) -> None:
    w = casework(hub)
    template_id = ok(w.as_("sofie").get(f"/api/v1/notes/{w.ids['ocmw_note']}"))["template_id"]
    released = w.release("sofie", "ocmw_note", fields=["household"], sensitivities=["health"])
    assert {r["template_id"] for r in released} == {template_id}
    listed = ok(w.as_("mayor").get(f"{w.x}/releases"))
    assert {(r["field"], r["sensitivity"], r["template_id"]) for r in listed} == {
        ("household", None, template_id),
        (None, "health", template_id),
    }
    labels = {
        f["name"]: f["label"]
        for f in ok(w.as_("mayor").get(f"/api/v1/templates/{template_id}"))["fields"]
    }
    assert labels["household"] == "Gezin"
