"""The engine's exchange permissions through HTTP: each rule's answer and its logged reason.

One test per rule of ``EXCHANGE_PERMISSIONS`` (``app/policies/sharing/access.py``), each of which
fails if its rule is taken out of the table: the status changes, or the reason in the access log
does (a hiding 404 without its rule would still be 404, logged ``no_rule_allows``). The cast is
``tests.support.casework``'s, plus a chair delegate seated in the cell and one who is not.
"""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest

from tests.support.casework import Casework, casework
from tests.support.live import LiveHub
from tests.support.world import cell, member, ok, suspend


def _answer(
    w: Casework, client: httpx.Client, method: str, path: str, body: Any = None
) -> tuple[int, list[str]]:
    """The status, and the reasons of the denials logged for this one request."""
    rid = "perm-" + uuid.uuid4().hex[:12]
    r = client.request(method, path, json=body, headers={"X-Request-ID": rid})
    rows = w.hub.database.rows(
        f"SELECT reason FROM access_log WHERE request_id = '{rid}' AND decision = 'deny'"
    )
    return r.status_code, [str(reason) for (reason,) in rows]


def _delegate(w: Casework, *, seated: bool, roles: tuple[str, ...] = ("chair_delegate",)) -> str:
    """A chair delegate of the mayor's agency, invited into the cell or not."""
    who = member(w.hub, w.ids["stad"], *roles)
    if seated:
        ok(w.hub.admin.post(f"/api/v1/cells/{w.ids['cell']}/members", json={"member_id": who}), 201)
    return who


def _body(w: Casework, **extra: Any) -> dict[str, Any]:
    """A request to convene an exchange on the casework's case."""
    return {
        "case_id": w.ids["case"],
        "purpose": "Casusoverleg",
        "legal_basis": "Wet 30 juli 2018",
        "expires_at": (datetime.now(UTC) + timedelta(hours=1)).isoformat(),
        **extra,
    }


def _shared(hub: LiveHub) -> Casework:
    """A consultation with Sofie's `household` released and granted to Pieter."""
    w = casework(hub)
    [rel] = w.release("sofie", "ocmw_note", fields=["household"])
    w.ids["release"] = rel["id"]
    w.ids["grant"] = w.grant(member="pieter", field="household")["id"]
    return w


@pytest.fixture(scope="module")
def world(hub: LiveHub) -> Casework:
    """One shared consultation whose state no test here changes."""
    return _shared(hub)


def _knowing_calls(w: Casework) -> list[tuple[str, str, Any]]:
    x = w.x
    return [
        ("GET", x, None),
        ("GET", f"{x}/view", None),
        ("GET", f"{x}/explain", None),
        ("GET", f"{x}/participants", None),
        ("GET", f"{x}/releases", None),
        ("GET", f"{x}/grants", None),
        ("POST", f"{x}/participants", {"member_id": w.ids["colleague"]}),
        ("POST", f"{x}/grants", {"member_id": w.ids["els"], "field": "household"}),
        ("POST", f"{x}/releases", {"note_id": w.ids["ocmw_note"], "fields": ["housing"]}),
        ("DELETE", f"{x}/releases/{w.ids['release']}", None),
        ("DELETE", f"{x}/grants/{w.ids['grant']}", None),
        ("POST", f"{x}/close", None),
    ]


# -- known_only_inside ---------------------------------------------------------------------


def test_known_only_inside_hides_the_exchange_from_everyone_else(
    hub: LiveHub, world: Casework
) -> None:
    other = casework(hub)  # its participants sit in another cell
    removed = _shared(hub)
    assert (
        removed.as_("mayor").delete(f"{removed.x}/participants/{removed.ids['pieter']}").status_code
        == 204
    )
    outsiders = {
        "seated, not invited": world.as_("colleague"),
        "a delegate not seated in the cell": hub.client(_delegate(world, seated=False)),
        "a participant of another cell": other.as_("sofie"),
        "the chair of another cell": other.as_("mayor"),
    }
    for label, client in outsiders.items():
        for method, path, body in _knowing_calls(world):
            assert _answer(world, client, method, path, body) == (404, ["not_participant"]), (
                label,
                method,
                path,
            )
    gone = removed.as_("pieter")
    for method, path, body in _knowing_calls(removed):
        status, reasons = _answer(removed, gone, method, path, body)
        assert (status, reasons) == (404, ["not_participant"]), ("removed", method, path)


def test_a_suspended_participant_reaches_nothing(hub: LiveHub) -> None:
    w = _shared(hub)
    suspend(hub, w.ids["sofie"])
    for method, path, body in _knowing_calls(w):
        r = w.as_("sofie").request(method, path, json=body)
        assert r.status_code == 401, (method, path, r.text)


# -- chairs_the_cell -----------------------------------------------------------------------


def test_a_seated_chair_delegate_runs_the_exchange(hub: LiveHub) -> None:
    w = casework(hub)
    w.release("sofie", "ocmw_note", fields=["household"])
    deputy = hub.client(_delegate(w, seated=True))
    header = ok(deputy.get(w.x))
    assert (header["you_chair"], header["you_participate"]) == (True, False)
    assert ok(deputy.get(f"{w.x}/grants")) == []
    ok(deputy.post(f"{w.x}/participants", json={"member_id": w.ids["colleague"]}), 201)
    body = {"member_id": w.ids["colleague"], "field": "household"}
    grant = ok(deputy.post(f"{w.x}/grants", json=body), 201)
    assert deputy.delete(f"{w.x}/grants/{grant['id']}").status_code == 204
    assert deputy.delete(f"{w.x}/participants/{w.ids['colleague']}").status_code == 204
    assert ok(deputy.post("/api/v1/exchanges", json=_body(w)), 201)["you_chair"] is True
    assert ok(deputy.post(f"{w.x}/close"))["open"] is False


def test_the_chair_of_the_cell_knows_the_exchange_without_taking_part(world: Casework) -> None:
    header = ok(world.as_("mayor").get(world.x))
    assert (header["you_chair"], header["you_participate"]) == (True, False)


# -- takes_part ----------------------------------------------------------------------------


def test_a_participant_knows_the_exchange_and_does_not_chair_it(world: Casework) -> None:
    header = ok(world.as_("sofie").get(world.x))
    assert (header["you_chair"], header["you_participate"]) == (False, True)
    assert ok(world.as_("sofie").get(f"{world.x}/participants"))


# -- chair_only ----------------------------------------------------------------------------


def test_a_participant_is_refused_the_chairs_actions_with_not_chair(world: Casework) -> None:
    x = world.x
    calls = [
        ("GET", f"{x}/grants", None),
        ("POST", f"{x}/participants", {"member_id": world.ids["colleague"]}),
        ("DELETE", f"{x}/participants/{world.ids['els']}", None),
        ("POST", f"{x}/grants", {"member_id": world.ids["els"], "field": "household"}),
        ("DELETE", f"{x}/grants/{world.ids['grant']}", None),
        ("POST", f"{x}/close", None),
    ]
    for method, path, body in calls:
        answer = _answer(world, world.as_("pieter"), method, path, body)
        assert answer == (403, ["not_chair"]), (method, path)


def test_only_the_chair_or_a_seated_delegate_convenes(world: Casework) -> None:
    for client in (world.as_("sofie"), world.hub.client(_delegate(world, seated=False))):
        answer = _answer(world, client, "POST", "/api/v1/exchanges", _body(world))
        assert answer == (403, ["not_chair"])


# -- participants_release ------------------------------------------------------------------


def test_the_chair_does_not_release_without_taking_part(hub: LiveHub) -> None:
    w = casework(hub)
    # A delegate who also works for the note's agency and may release: only taking part is
    # missing, and that alone refuses the release (as for an unknown exchange).
    ocmw_deputy = member(hub, w.ids["ocmw"], "chair_delegate", "case_worker", secrecy=True)
    seat = {"member_id": ocmw_deputy}
    ok(hub.admin.post(f"/api/v1/cells/{w.ids['cell']}/members", json=seat), 201)
    body = {"note_id": w.ids["ocmw_note"], "fields": ["household"]}
    deputy = hub.client(ocmw_deputy)
    assert _answer(w, deputy, "POST", f"{w.x}/releases", body) == (404, ["not_participant"])
    ok(w.as_("mayor").post(f"{w.x}/participants", json={"member_id": ocmw_deputy}), 201)
    assert len(ok(deputy.post(f"{w.x}/releases", json=body), 201)) == 1


# -- own_agency_releases -------------------------------------------------------------------


def test_only_the_owning_agency_releases_and_withdraws(world: Casework) -> None:
    body = {"note_id": world.ids["ocmw_note"], "fields": ["housing"]}
    pieter = world.as_("pieter")
    assert _answer(world, pieter, "POST", f"{world.x}/releases", body) == (404, ["not_own_note"])
    path = f"{world.x}/releases/{world.ids['release']}"
    assert _answer(world, pieter, "DELETE", path) == (404, ["not_own_note"])


# -- releasing_role ------------------------------------------------------------------------


def test_releasing_needs_a_role_that_may_release(hub: LiveHub) -> None:
    w = casework(hub)
    [rel] = w.release("sofie", "ocmw_note", fields=["household"])
    for who in ("ocmw_admin", "colleague"):
        ok(w.as_("mayor").post(f"{w.x}/participants", json={"member_id": w.ids[who]}), 201)
    admin = w.as_("ocmw_admin")
    body = {"note_id": w.ids["ocmw_note"], "fields": ["housing"]}
    assert _answer(w, admin, "POST", f"{w.x}/releases", body) == (404, ["role_not_permitted"])
    path = f"{w.x}/releases/{rel['id']}"
    assert _answer(w, admin, "DELETE", path) == (404, ["role_not_permitted"])
    # A colleague of the same agency who may release withdraws the agency's release.
    assert w.as_("colleague").delete(path).status_code == 204


# -- open_for_changes ----------------------------------------------------------------------


def test_nothing_is_invited_released_or_granted_once_closed(hub: LiveHub) -> None:
    w = casework(hub)
    [rel] = w.release("sofie", "ocmw_note", fields=["household"])
    grant = w.grant(member="pieter", field="household")
    ok(w.as_("mayor").post(f"{w.x}/close"))
    mayor, sofie = w.as_("mayor"), w.as_("sofie")
    release = {"note_id": w.ids["ocmw_note"], "fields": ["housing"]}
    refused = [
        (sofie, "POST", f"{w.x}/releases", release),
        (mayor, "POST", f"{w.x}/grants", {"member_id": w.ids["els"], "field": "household"}),
        (mayor, "POST", f"{w.x}/grants", {"role": "case_worker", "field": "household"}),
        (mayor, "POST", f"{w.x}/participants", {"member_id": w.ids["colleague"]}),
    ]
    for client, method, path, body in refused:
        answer = _answer(w, client, method, path, body)
        assert answer == (409, ["exchange_closed"]), (method, path, body)
    # Withdrawing and removing are not changes that need the exchange open.
    assert mayor.delete(f"{w.x}/grants/{grant['id']}").status_code == 204
    assert sofie.delete(f"{w.x}/releases/{rel['id']}").status_code == 204
    assert mayor.delete(f"{w.x}/participants/{w.ids['els']}").status_code == 204


def test_nobody_is_invited_nor_anything_granted_before_it_opens(hub: LiveHub) -> None:
    w = casework(hub)
    opens = datetime.now(UTC) + timedelta(hours=1)
    body = _body(w, opens_at=opens.isoformat(), expires_at=(opens + timedelta(hours=1)).isoformat())
    later = ok(w.as_("mayor").post("/api/v1/exchanges", json=body), 201)
    x = f"/api/v1/exchanges/{later['id']}"
    mayor = w.as_("mayor")
    invite = {"member_id": w.ids["sofie"]}
    assert _answer(w, mayor, "POST", f"{x}/participants", invite) == (409, ["exchange_not_open"])
    grant = {"role": "case_worker", "field": "household"}
    assert _answer(w, mayor, "POST", f"{x}/grants", grant) == (409, ["exchange_not_open"])


# -- seated_in_cell ------------------------------------------------------------------------


def test_only_members_of_the_cell_are_invited(hub: LiveHub, world: Casework) -> None:
    elsewhere = member(hub, world.ids["ocmw"], "case_worker")
    other_cell = cell(hub, world.ids["ocmw"])
    ok(hub.admin.post(f"/api/v1/cells/{other_cell}/members", json={"member_id": elsewhere}), 201)
    mayor = world.as_("mayor")
    for who in (elsewhere, str(uuid.uuid4())):
        answer = _answer(world, mayor, "POST", f"{world.x}/participants", {"member_id": who})
        assert answer == (409, ["not_in_cell"]), who


# -- grants_to_participants ----------------------------------------------------------------


def test_grants_go_to_current_participants_only(hub: LiveHub) -> None:
    w = casework(hub)
    w.release("sofie", "ocmw_note", fields=["household"])
    mayor = w.as_("mayor")
    assert mayor.delete(f"{w.x}/participants/{w.ids['els']}").status_code == 204
    for who in ("colleague", "els"):  # seated but never invited; removed
        body = {"member_id": w.ids[who], "field": "household"}
        answer = _answer(w, mayor, "POST", f"{w.x}/grants", body)
        assert answer == (409, ["grantee_not_participant"]), who
    assert ok(
        mayor.post(f"{w.x}/grants", json={"member_id": w.ids["pieter"], "field": "household"}), 201
    )
