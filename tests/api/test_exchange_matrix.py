"""Every exchange endpoint, called by every role, with ids of other exchanges (OWASP API1/API3).

Outsiders get 404 and nothing else; insiders using another exchange's ids get 404 too; no
response ever carries a value or an id of the other world.
"""

from __future__ import annotations

import uuid

import httpx
import pytest

from tests.support.casework import Casework, casework
from tests.support.live import LiveHub
from tests.support.world import ok


@pytest.fixture(scope="module")
def worlds(hub: LiveHub) -> tuple[Casework, Casework]:
    pair = []
    for _ in range(2):
        w = casework(hub)
        [rel] = w.release("sofie", "ocmw_note", fields=["household"])
        g = w.grant(member="pieter", field="household")
        w.ids["release"], w.ids["grant"] = rel["id"], g["id"]
        pair.append(w)
    return pair[0], pair[1]


def _calls(a: Casework, b: Casework) -> list[tuple[str, str, dict[str, object] | None]]:
    """Exchange A's endpoints, with B's objects wherever an id goes."""
    x = a.x
    return [
        ("GET", x, None),
        ("GET", f"{x}/view", None),
        ("GET", f"{x}/explain", None),
        ("GET", f"{x}/releases", None),
        ("GET", f"{x}/grants", None),
        ("GET", f"{x}/participants", None),
        ("POST", f"{x}/releases", {"note_id": b.ids["ocmw_note"], "fields": ["household"]}),
        ("POST", f"{x}/grants", {"member_id": b.ids["pieter"], "field": "household"}),
        (
            "POST",
            f"{x}/grants",
            {"role": "case_worker", "field": "household", "note_id": b.ids["ocmw_note"]},
        ),
        ("POST", f"{x}/participants", {"member_id": b.ids["pieter"]}),
        ("DELETE", f"{x}/participants/{b.ids['pieter']}", None),
        ("DELETE", f"{x}/releases/{b.ids['release']}", None),
        ("DELETE", f"{x}/grants/{b.ids['grant']}", None),
    ]


def _forbidden_text(w: Casework) -> list[str]:
    return [*w.values.values(), w.ids["ocmw_note"], w.ids["release"], w.ids["grant"]]


CAST = ["mayor", "sofie", "pieter", "els", "karim", "ocmw_admin", "colleague"]


@pytest.mark.parametrize("who", [*CAST, "hub_admin"])
def test_outsiders_learn_nothing_about_another_exchange(
    hub: LiveHub, worlds: tuple[Casework, Casework], who: str
) -> None:
    a, b = worlds
    client = hub.admin if who == "hub_admin" else b.as_(who)
    for method, path, body in [*_calls(a, b), ("POST", f"{a.x}/close", None)]:
        r = client.request(method, path, json=body)
        assert r.status_code == 404, (who, method, path, r.status_code, r.text)
        for text in _forbidden_text(a):
            if text not in path:
                assert text not in r.text, (who, method, path)


@pytest.mark.parametrize("who", ["mayor", "sofie", "pieter", "els", "karim"])
def test_insiders_cannot_reach_another_exchanges_objects(
    hub: LiveHub, worlds: tuple[Casework, Casework], who: str
) -> None:
    a, b = worlds
    client = a.as_(who)
    for method, path, body in _calls(a, b):
        r = client.request(method, path, json=body)
        if method == "GET":
            assert r.status_code in (200, 403), (who, path, r.text)
        else:
            assert r.status_code in (403, 404, 409), (who, method, path, r.status_code, r.text)
        for text in _forbidden_text(b):
            if text not in path:  # the problem's "instance" echoes the path the caller sent
                assert text not in r.text, (who, method, path)


def test_participants_outside_the_chair_cannot_steer(
    hub: LiveHub, worlds: tuple[Casework, Casework]
) -> None:
    a, _ = worlds
    for who in ("sofie", "pieter", "els", "karim"):
        client = a.as_(who)
        assert (
            client.post(
                f"{a.x}/grants", json={"member_id": a.ids[who], "field": "household"}
            ).status_code
            == 403
        )
        assert (
            client.post(f"{a.x}/participants", json={"member_id": a.ids["colleague"]}).status_code
            == 403
        )
        assert client.delete(f"{a.x}/grants/{a.ids['grant']}").status_code == 403
        assert client.get(f"{a.x}/grants").status_code == 403
        assert client.post(f"{a.x}/close").status_code == 403


def test_unknown_ids_are_404(hub: LiveHub, worlds: tuple[Casework, Casework]) -> None:
    a, _ = worlds
    nobody = str(uuid.uuid4())
    mayor: httpx.Client = a.as_("mayor")
    assert mayor.get(f"/api/v1/exchanges/{nobody}/view").status_code == 404
    assert mayor.delete(f"{a.x}/grants/{nobody}").status_code == 404
    assert a.as_("sofie").delete(f"{a.x}/releases/{nobody}").status_code == 404
    assert ok(mayor.get("/api/v1/exchanges"))
