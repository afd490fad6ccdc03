"""Working groups with their own members, through the API.

The chair chooses a group's members among the people seated in the cell; an exchange of the group
invites only them; they (and the chair) see the group's agenda, others in the cell get 403 and
anyone who may not know the cell 404.
"""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest

from tests.support.casework import Casework, casework
from tests.support.live import LiveHub
from tests.support.world import agency, member, ok


@pytest.fixture(scope="module")
def auditor(hub: LiveHub) -> httpx.Client:
    return hub.client(member(hub, agency(hub, "municipality", "livc_458ter"), "hub_auditor"))


def logged(auditor: httpx.Client, **params: str) -> list[dict[str, Any]]:
    return list(ok(auditor.get("/api/v1/audit/entries", params={**params, "limit": 200}))["items"])


def _group_of(w: Casework, name: str = "Jeugd") -> str:
    path = f"/api/v1/cells/{w.ids['cell']}/working-groups"
    return str(ok(w.as_("mayor").post(path, json={"name": name}), 201)["id"])


def _path(w: Casework, group: str | None = None) -> str:
    return f"/api/v1/cells/{w.ids['cell']}/working-groups/{group or w.ids['group']}"


def _members(w: Casework, client: httpx.Client | None = None) -> set[str]:
    rows = ok((client or w.as_("mayor")).get(f"{_path(w)}/members"))
    return {r["member_id"] for r in rows}


def _convene(w: Casework, group: str) -> str:
    body = {
        "case_id": w.ids["case"],
        "working_group_id": group,
        "purpose": "Werkgroep jeugd: opvolging",
        "legal_basis": "Wet 30 juli 2018, art. 458ter Sw.",
        "expires_at": (datetime.now(UTC) + timedelta(hours=2)).isoformat(),
    }
    return str(ok(w.as_("mayor").post("/api/v1/exchanges", json=body), 201)["id"])


@pytest.fixture(scope="module")
def grouped(hub: LiveHub) -> Casework:
    w = casework(hub)
    w.ids["group"] = _group_of(w)
    for who in ("sofie", "pieter"):
        ok(w.as_("mayor").post(f"{_path(w)}/members", json={"member_id": w.ids[who]}), 201)
    w.ids["group_exchange"] = _convene(w, w.ids["group"])
    return w


def test_the_chair_chooses_the_groups_members_among_the_seated(
    hub: LiveHub, grouped: Casework, auditor: httpx.Client
) -> None:
    w = grouped
    assert _members(w) == {w.ids["sofie"], w.ids["pieter"]}
    assert _members(w, w.as_("els")) == _members(w)  # whoever knows the cell
    unseated = member(hub, w.ids["ocmw"], "case_worker", secrecy=True)
    r = w.as_("mayor").post(f"{_path(w)}/members", json={"member_id": unseated})
    assert (r.status_code, r.json()["reason"]) == (409, "member_not_seated")
    r = w.as_("mayor").post(f"{_path(w)}/members", json={"member_id": str(uuid.uuid4())})
    assert r.status_code == 422
    for bad in ({"member_id": "x"}, {}, {"member_id": w.ids["els"], "role": "x"}):
        assert w.as_("mayor").post(f"{_path(w)}/members", json=bad).status_code == 422
    assert _members(w) == {w.ids["sofie"], w.ids["pieter"]}
    added = logged(auditor, member=w.ids["mayor"], action="working_group:add_member")
    allowed = [(e["object"], e["owners"], e["fields"]) for e in added if e["decision"] == "allow"]
    assert allowed == [
        (w.ids["sofie"], [w.ids["ocmw"]], [f"working_group/{w.ids['group']}"]),
        (w.ids["pieter"], [w.ids["politie"]], [f"working_group/{w.ids['group']}"]),
    ]


def test_only_the_chair_manages_a_groups_members(grouped: Casework) -> None:
    w = grouped
    sofie = w.as_("sofie")
    for r in (
        sofie.post(f"{_path(w)}/members", json={"member_id": w.ids["els"]}),
        sofie.delete(f"{_path(w)}/members/{w.ids['pieter']}"),
        sofie.post(f"/api/v1/cells/{w.ids['cell']}/working-groups", json={"name": "Eigen"}),
    ):
        assert (r.status_code, r.json()["reason"]) == (403, "not_chair")
    assert _members(w) == {w.ids["sofie"], w.ids["pieter"]}


def test_a_group_exchange_invites_only_the_groups_members(
    grouped: Casework, auditor: httpx.Client
) -> None:
    w = grouped
    x = f"/api/v1/exchanges/{w.ids['group_exchange']}"
    mayor = w.as_("mayor")
    ok(mayor.post(f"{x}/participants", json={"member_id": w.ids["sofie"]}), 201)
    r = mayor.post(f"{x}/participants", json={"member_id": w.ids["els"]})
    assert (r.status_code, r.json()["reason"]) == (409, "not_in_working_group")
    assert "working group" in r.json()["detail"]
    assert w.ids["els"] not in {p["member_id"] for p in ok(mayor.get(f"{x}/participants"))}
    denied = logged(auditor, exchange=w.ids["group_exchange"], decision="deny")
    assert [(e["object"], e["reason"]) for e in denied] == [(w.ids["els"], "not_in_working_group")]
    # The exchange without a group still invites anyone seated.
    ok(mayor.post(f"{w.x}/participants", json={"member_id": w.ids["colleague"]}), 201)


def test_the_groups_members_and_the_chair_see_its_agenda(
    hub: LiveHub, grouped: Casework, auditor: httpx.Client
) -> None:
    w = grouped
    for who in ("sofie", "mayor"):
        rows = ok(w.as_(who).get(f"{_path(w)}/exchanges"))
        [row] = [r for r in rows if r["id"] == w.ids["group_exchange"]]
        assert row["case_id"] == w.ids["case"]
        assert row["subject_pseudonym"].startswith("S-")
        assert row["open"] is True
        assert row["case_status"]
        assert w.ids["exchange"] not in {r["id"] for r in rows}  # not the group's
    for who in ("els", "colleague", "karim"):
        r = w.as_(who).get(f"{_path(w)}/exchanges")
        assert (r.status_code, r.json()["reason"]) == (403, "not_in_working_group"), who
    r = hub.admin.get(f"{_path(w)}/exchanges")
    assert r.status_code == 403  # the hub admin sees no case content
    seen = logged(auditor, member=w.ids["sofie"], action="working_group:agenda")
    assert [(e["object"], e["reason"], e["owners"]) for e in seen] == [
        (w.ids["group"], "working_group_member", [w.ids["ocmw"]])
    ]


def test_outsiders_and_other_cells_groups_get_404(hub: LiveHub, grouped: Casework) -> None:
    w = grouped
    elsewhere = casework(hub)
    elsewhere.ids["group"] = _group_of(elsewhere)
    outsider = elsewhere.as_("mayor")
    someone = w.ids["sofie"]
    paths = [
        _path(w),  # a group of a cell they may not know
        f"/api/v1/cells/{w.ids['cell']}/working-groups/{uuid.uuid4()}",
        f"/api/v1/cells/{uuid.uuid4()}/working-groups/{w.ids['group']}",
    ]
    for base in paths:
        answers = [
            outsider.get(f"{base}/members"),
            outsider.post(f"{base}/members", json={"member_id": someone}),
            outsider.delete(f"{base}/members/{someone}"),
            outsider.get(f"{base}/exchanges"),
        ]
        assert [r.status_code for r in answers] == [404] * 4, base
    # Their own chair asking for our group through their own cell: unknown there.
    theirs = f"/api/v1/cells/{elsewhere.ids['cell']}/working-groups/{w.ids['group']}"
    assert outsider.get(f"{theirs}/members").status_code == 404
    assert outsider.get(f"{theirs}/exchanges").status_code == 404
    # Our chair, for their group through our cell.
    ours = f"/api/v1/cells/{w.ids['cell']}/working-groups/{elsewhere.ids['group']}"
    assert w.as_("mayor").get(f"{ours}/exchanges").status_code == 404


def test_leaving_the_group_or_the_cell_ends_group_membership(
    hub: LiveHub, auditor: httpx.Client
) -> None:
    w = casework(hub)
    w.ids["group"] = _group_of(w)
    mayor = w.as_("mayor")
    for who in ("sofie", "pieter"):
        ok(mayor.post(f"{_path(w)}/members", json={"member_id": w.ids[who]}), 201)
    assert mayor.delete(f"{_path(w)}/members/{w.ids['sofie']}").status_code == 204
    assert mayor.delete(f"{_path(w)}/members/{w.ids['sofie']}").status_code == 404
    r = w.as_("sofie").get(f"{_path(w)}/exchanges")
    assert (r.status_code, r.json()["reason"]) == (403, "not_in_working_group")
    cell = f"/api/v1/cells/{w.ids['cell']}"
    assert mayor.delete(f"{cell}/members/{w.ids['pieter']}").status_code == 204
    assert _members(w) == set()
    removed = logged(auditor, member=w.ids["mayor"], action="working_group:remove_member")
    assert [(e["object"], e["decision"], e["owners"]) for e in removed] == [
        (w.ids["sofie"], "allow", [w.ids["ocmw"]]),
        (w.ids["sofie"], "deny", []),
    ]
