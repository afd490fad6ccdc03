"""Authorisation by role, through HTTP: each rule has a test that fails if the rule is removed."""

from __future__ import annotations

import uuid

import pytest

from tests.support.live import LiveHub
from tests.support.world import agency, agency_admins, change, member, ok, suspend, team, unique


@pytest.mark.parametrize("role", ["agency_admin", "hub_admin", "chair", "auditor", "hub_auditor"])
def test_admins_chairs_and_auditors_see_no_note_content_of_their_own_agency(
    hub: LiveHub, role: str
) -> None:
    t = team(hub)
    note = ok(t.note(), 201)
    other = member(hub, t.agency_id, role)
    client = hub.client(other)
    assert client.get(f"/api/v1/notes/{note['id']}").status_code == 404
    assert client.get(f"/api/v1/subjects/{t.subject_id}").status_code == 404
    write = client.post(
        f"/api/v1/cases/{t.case_id}/notes",
        json={"template_id": t.template_id, "fields": {"summary": "x"}},
    )
    assert write.status_code in (403, 404)


@pytest.mark.parametrize(
    "role", ["case_worker", "police_reference", "information_officer", "service_account"]
)
def test_content_roles_read_their_agency_notes(hub: LiveHub, role: str) -> None:
    t = team(hub)
    note = ok(t.note(), 201)
    colleague = member(
        hub, t.agency_id, role, kind="service" if role == "service_account" else "person"
    )
    assert ok(hub.client(colleague).get(f"/api/v1/notes/{note['id']}"))["id"] == note["id"]


def test_suspended_member_sees_nothing_from_the_next_request(hub: LiveHub) -> None:
    t = team(hub)
    note = ok(t.note(), 201)
    client = t.worker
    assert client.get(f"/api/v1/notes/{note['id']}").status_code == 200
    suspend(hub, t.worker_id)
    assert client.get(f"/api/v1/notes/{note['id']}").status_code == 401
    assert (
        client.post(
            f"/api/v1/cases/{t.case_id}/notes",
            json={"template_id": t.template_id, "fields": {"summary": "x"}},
        ).status_code
        == 401
    )
    assert client.get("/api/v1/me").status_code == 401
    change(hub, t.worker_id, status="active")  # reactivating widens: four-eyes
    assert client.get(f"/api/v1/notes/{note['id']}").status_code == 200


def test_case_is_hidden_from_agencies_outside_its_cell(hub: LiveHub) -> None:
    t = team(hub)
    outsider = team(hub)  # another cell
    assert outsider.worker.get(f"/api/v1/cases/{t.case_id}").status_code == 404
    listed = ok(outsider.worker.get("/api/v1/cases"))["items"]
    assert t.case_id not in {c["id"] for c in listed}
    write = outsider.worker.post(
        f"/api/v1/cases/{t.case_id}/notes",
        json={"template_id": t.template_id, "fields": {"summary": "x"}},
    )
    assert write.status_code == 404
    neighbour = team(hub, cell_id=t.cell_id)
    assert ok(neighbour.worker.get(f"/api/v1/cases/{t.case_id}"))["subject_pseudonym"].startswith(
        "S-"
    )


def test_subject_identifiers_only_for_the_owning_agency(hub: LiveHub) -> None:
    t = team(hub)
    mine = ok(t.worker.get(f"/api/v1/subjects/{t.subject_id}"))
    assert mine["name"].startswith("Persoon")
    assert mine["date_of_birth"] == "2001-02-03"
    neighbour = team(hub, cell_id=t.cell_id)
    assert neighbour.worker.get(f"/api/v1/subjects/{t.subject_id}").status_code == 404
    case = ok(neighbour.worker.get(f"/api/v1/cases/{t.case_id}"))
    assert "name" not in case


def test_case_cannot_be_opened_for_another_agencys_subject(hub: LiveHub) -> None:
    t = team(hub)
    neighbour = team(hub, cell_id=t.cell_id)
    r = neighbour.worker.post(
        "/api/v1/cases", json={"cell_id": t.cell_id, "subject_id": t.subject_id}
    )
    assert r.status_code == 404


def test_only_hub_admins_manage_agencies_cells_and_templates(hub: LiveHub) -> None:
    t = team(hub)
    admin_of_agency = hub.client(member(hub, t.agency_id, "agency_admin"))
    for client in (t.worker, admin_of_agency):
        assert (
            client.post(
                "/api/v1/agencies",
                json={"name": unique("A"), "kind": "other", "secrecy_regime": "none"},
            ).status_code
            == 403
        )
        assert (
            client.post(
                "/api/v1/cells", json={"kind": "ltf", "name": unique("C"), "municipality": "X"}
            ).status_code
            == 403
        )
        assert (
            client.post(
                "/api/v1/templates",
                json={
                    "key": "k",
                    "title": "t",
                    "fields": [
                        {"name": "a", "label": "a", "type": "text", "sensitivity": "free_text"}
                    ],
                },
            ).status_code
            == 403
        )
        assert (
            client.post(
                f"/api/v1/cells/{t.cell_id}/agencies", json={"agency_id": t.agency_id}
            ).status_code
            == 403
        )


def test_agency_admin_manages_own_members_only_and_cannot_escalate(hub: LiveHub) -> None:
    own = agency(hub)
    other = agency(hub)
    first, _ = agency_admins(hub, own)
    admin = hub.client(first)
    created = ok(
        admin.post(
            f"/api/v1/agencies/{own}/members",
            json={
                "display_name": "Nieuwe collega",
                "roles": ["case_worker"],
                "bound_by_secrecy": True,
            },
        ),
        201,
    )
    assert created["agency_id"] == own
    assert created["status"] == "pending"
    assert created["proposal"]["state"] == "pending"
    assert (
        admin.post(
            f"/api/v1/agencies/{other}/members",
            json={"display_name": "x", "roles": ["case_worker"]},
        ).status_code
        == 404
    )
    for hub_role in ("hub_admin", "hub_auditor"):
        assert (
            admin.post(
                f"/api/v1/agencies/{own}/members", json={"display_name": "x", "roles": [hub_role]}
            ).status_code
            == 403
        )
        assert (
            admin.patch(f"/api/v1/members/{created['id']}", json={"roles": [hub_role]}).status_code
            == 403
        )
    hub_auditor = member(hub, own, "hub_auditor")
    assert (
        admin.patch(f"/api/v1/members/{hub_auditor}", json={"status": "suspended"}).status_code
        == 403
    )
    outsider = member(hub, other)
    assert (
        admin.patch(f"/api/v1/members/{outsider}", json={"status": "suspended"}).status_code == 404
    )
    assert admin.get(f"/api/v1/agencies/{other}/members").status_code == 404


def test_member_sees_self_but_not_colleagues(hub: LiveHub) -> None:
    t = team(hub)
    colleague = member(hub, t.agency_id)
    assert ok(t.worker.get(f"/api/v1/members/{t.worker_id}"))["id"] == t.worker_id
    assert t.worker.get(f"/api/v1/members/{colleague}").status_code == 404
    me = ok(t.worker.get("/api/v1/me"))
    assert me["member_id"] == t.worker_id
    assert me["roles"] == ["case_worker"]


def test_unknown_ids_everywhere_are_404_problems(hub: LiveHub) -> None:
    t = team(hub)
    nobody = str(uuid.uuid4())
    for path in (
        f"/api/v1/notes/{nobody}",
        f"/api/v1/cases/{nobody}",
        f"/api/v1/subjects/{nobody}",
        f"/api/v1/cells/{nobody}",
        f"/api/v1/agencies/{nobody}",
        f"/api/v1/templates/{nobody}",
        f"/api/v1/members/{nobody}",
    ):
        r = t.worker.get(path)
        assert r.status_code == 404, path
        assert r.headers["content-type"] == "application/problem+json"
