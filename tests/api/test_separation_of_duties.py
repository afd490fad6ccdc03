"""The people who run the hub cannot reach content, through HTTP (issue 9, part 1).

One test per escalation path (each fails if its guard is removed), the four-eyes flow, its
access-log trail, and an endpoint x role x (self / same agency / other agency) matrix.
"""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from tests.support.live import LiveHub
from tests.support.world import (
    agency,
    agency_admins,
    approve,
    member,
    ok,
    second_hub_admin,
    suspend,
    team,
    unique,
)

CASE_WORKER = {"display_name": "Nieuwe collega", "roles": ["case_worker"], "bound_by_secrecy": True}


def refused(response: httpx.Response, reason: str, status: int = 403) -> None:
    """A problem response that names the rule that refused."""
    assert response.status_code == status, response.text
    assert response.headers["content-type"] == "application/problem+json"
    assert response.json()["reason"] == reason, response.json()


def entries(hub: LiveHub, auditor: str, **params: str) -> list[dict[str, Any]]:
    page = ok(hub.client(auditor).get("/api/v1/audit/entries", params={**params, "limit": 200}))
    return list(page["items"])


def test_an_agency_admin_cannot_make_themselves_a_reader(hub: LiveHub) -> None:
    t = team(hub)
    note = ok(t.note(), 201)
    first, second = agency_admins(hub, t.agency_id)
    admin = hub.client(first)
    me = f"/api/v1/members/{first}"
    refused(admin.patch(me, json={"roles": ["agency_admin", "case_worker"]}), "self_change")
    refused(admin.patch(me, json={"roles": ["case_worker"]}), "self_change")
    refused(admin.patch(me, json={"clearance": "top_secret"}), "self_change")
    refused(admin.patch(me, json={"bound_by_secrecy": True}), "self_change")
    # Nor through a colleague: an admin never also holds a content role, even with approval.
    refused(
        hub.client(second).patch(me, json={"roles": ["agency_admin", "case_worker"]}),
        "admin_and_content_roles",
    )
    assert admin.get(f"/api/v1/notes/{note['id']}").status_code == 404
    assert ok(admin.get("/api/v1/me"))["roles"] == ["agency_admin"]


def test_a_hub_admin_cannot_provision_a_reader_inside_an_agency(hub: LiveHub) -> None:
    t = team(hub)
    path = f"/api/v1/agencies/{t.agency_id}/members"
    refused(hub.admin.post(path, json=CASE_WORKER), "hub_admin_no_content_members")
    service = {"display_name": "Systeem", "kind": "service", "roles": ["service_account"]}
    refused(hub.admin.post(path, json=service), "hub_admin_no_content_members")
    worker = f"/api/v1/members/{t.worker_id}"
    for change in (
        {"clearance": "top_secret"},
        {"bound_by_secrecy": False},
        {"status": "suspended"},
    ):
        refused(hub.admin.patch(worker, json=change), "hub_admin_no_content_members")
    # An agency's first agency admin, yes; the next one is the agency's own business.
    agency_admins(hub, t.agency_id)
    admin = {"display_name": unique("Beheerder"), "roles": ["agency_admin"]}
    refused(hub.admin.post(path, json=admin), "hub_admin_first_agency_admin_only")
    refused(
        hub.admin.post(path, json={"display_name": "DPO", "roles": ["auditor"]}),
        "hub_admin_first_agency_admin_only",
    )
    assert ok(hub.admin.get(worker))["clearance"] == "none"


def test_a_service_account_needs_two_admins_and_only_the_approver_sees_its_secret(
    hub: LiveHub,
) -> None:
    t = team(hub)
    note = ok(t.note(), 201)
    first, second = agency_admins(hub, t.agency_id)
    body = {"display_name": "OCMW dossiersysteem", "kind": "service", "roles": ["service_account"]}
    created = ok(hub.client(first).post(f"/api/v1/agencies/{t.agency_id}/members", json=body), 201)
    assert created["status"] == "pending"
    assert created["roles"] == []
    assert "client_secret" not in created
    with httpx.Client(base_url=hub.base_url) as anonymous:
        token = anonymous.post(
            "/oauth/token",
            data={"grant_type": "client_credentials", "client_id": created["client_id"]}
            | {"client_secret": "guess"},
        )
        assert token.status_code == 401
    proposal = created["proposal"]["id"]
    refused(
        hub.client(first).post(f"/api/v1/proposals/{proposal}/approve"), "proposer_cannot_approve"
    )
    refused(hub.admin.post(f"/api/v1/proposals/{proposal}/approve"), "not_an_approver")
    decided = approve(hub.client(second), proposal)
    assert decided["member"]["status"] == "active"
    assert decided["member"]["roles"] == ["service_account"]
    with httpx.Client(base_url=hub.base_url) as anonymous:
        issued = ok(
            anonymous.post(
                "/oauth/token",
                data={
                    "grant_type": "client_credentials",
                    "client_id": created["client_id"],
                    "client_secret": decided["client_secret"],
                },
            )
        )
    system = hub.client(token=issued["access_token"])
    assert ok(system.get(f"/api/v1/notes/{note['id']}"))["id"] == note["id"]
    # Shown once: a second decision on the same proposal is refused, and shows nothing.
    again = hub.client(second).post(f"/api/v1/proposals/{proposal}/approve")
    refused(again, "proposal_not_pending", status=409)
    assert "client_secret" not in again.text


def test_widening_waits_for_a_second_person_and_narrowing_takes_effect_at_once(
    hub: LiveHub,
) -> None:
    t = team(hub)
    first, second = agency_admins(hub, t.agency_id)
    worker = f"/api/v1/members/{t.worker_id}"
    changed = ok(hub.client(first).patch(worker, json={"clearance": "secret"}))
    assert changed["clearance"] == "none"
    assert changed["proposal"]["state"] == "pending"
    assert ok(t.worker.get("/api/v1/me"))["clearance"] == "none"
    decided = approve(hub.client(second), changed["proposal"]["id"])
    assert decided["member"]["clearance"] == "secret"
    assert ok(t.worker.get("/api/v1/me"))["clearance"] == "secret"
    lowered = ok(hub.client(first).patch(worker, json={"clearance": "restricted"}))
    assert lowered["clearance"] == "restricted"
    assert lowered["proposal"] is None
    # Mixed: the role that goes goes now; the one that comes waits.
    mixed = ok(hub.client(first).patch(worker, json={"roles": ["police_reference"]}))
    assert mixed["roles"] == []
    assert mixed["proposal"] is not None
    assert t.worker.get("/api/v1/cases").status_code in (403, 404)


def test_the_member_concerned_cannot_approve_and_a_refusal_changes_nothing(hub: LiveHub) -> None:
    a = agency(hub)
    first, second = agency_admins(hub, a)
    third = member(hub, a, "agency_admin")
    proposed = ok(
        hub.client(first).patch(
            f"/api/v1/members/{second}", json={"roles": ["agency_admin", "auditor"]}
        )
    )
    proposal = proposed["proposal"]["id"]
    refused(hub.client(second).post(f"/api/v1/proposals/{proposal}/approve"), "self_change")
    refused(hub.client(second).post(f"/api/v1/proposals/{proposal}/refuse"), "self_change")
    refused(
        hub.client(first).post(f"/api/v1/proposals/{proposal}/refuse"), "proposer_cannot_approve"
    )
    decided = ok(hub.client(third).post(f"/api/v1/proposals/{proposal}/refuse"))
    assert decided["proposal"]["state"] == "refused"
    assert decided["member"]["roles"] == ["agency_admin"]
    refused(
        hub.client(third).post(f"/api/v1/proposals/{proposal}/approve"),
        "proposal_not_pending",
        status=409,
    )
    # The proposer may withdraw a pending proposal; nobody else may.
    again = ok(
        hub.client(first).patch(
            f"/api/v1/members/{second}", json={"roles": ["agency_admin", "auditor"]}
        )
    )
    again_id = again["proposal"]["id"]
    refused(hub.client(third).post(f"/api/v1/proposals/{again_id}/withdraw"), "not_an_approver")
    assert (
        ok(hub.client(first).post(f"/api/v1/proposals/{again_id}/withdraw"))["state"] == "withdrawn"
    )


def test_a_pending_or_suspended_member_is_unauthenticated_everywhere(hub: LiveHub) -> None:
    t = team(hub)
    first, _ = agency_admins(hub, t.agency_id)
    pending = ok(
        hub.client(first).post(f"/api/v1/agencies/{t.agency_id}/members", json=CASE_WORKER), 201
    )
    auditor = member(hub, t.agency_id, "auditor")
    suspend(hub, t.worker_id)
    suspend(hub, auditor)
    for who in (pending["id"], t.worker_id, auditor):
        client = hub.client(who)
        for path in (
            "/api/v1/me",
            "/api/v1/cases",
            "/api/v1/exchanges",
            "/api/v1/audit/entries",
            "/api/v1/agencies",
        ):
            r = client.get(path)
            assert r.status_code == 401, (path, r.text)
            assert r.headers["content-type"] == "application/problem+json"
    reasons = hub.database.scalar(
        "SELECT count(*) FROM access_log WHERE action = 'auth:authenticate'"
        f" AND actor_member_id = '{t.worker_id}' AND reason = 'member_suspended'"
    )
    assert isinstance(reasons, int)
    assert reasons >= 5


def test_livc_hub_token_refuses_a_member_who_is_not_active(
    hub: LiveHub, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    from app.cli import main

    t = team(hub)
    monkeypatch.setenv("LIVC_DATABASE_URL", hub.database.url)
    monkeypatch.setenv(
        "LIVC_AUTH_LOCAL_ISSUER_KEY_PATH", str(hub.settings.auth.local_issuer_key_path)
    )
    assert main(["token", "--member", t.worker_id]) == 0
    assert capsys.readouterr().out.count(".") == 2
    suspend(hub, t.worker_id)
    assert main(["token", "--member", t.worker_id]) == 1
    assert "suspended" in capsys.readouterr().err
    assert main(["token", "--member", "00000000-0000-4000-8000-000000000000"]) == 1
    assert "no member" in capsys.readouterr().err


def test_the_agency_names_its_approvers(hub: LiveHub) -> None:
    a = agency(hub)
    first, second = agency_admins(hub, a)
    dpo = member(hub, a, "auditor")
    by_dpo = ok(hub.admin.patch(f"/api/v1/agencies/{a}", json={"approver_role": "auditor"}))
    assert by_dpo["approver_role"] == "auditor"
    # Only a hub admin names them: an agency admin cannot make itself the only approver.
    denied = hub.client(first).patch(
        f"/api/v1/agencies/{a}", json={"approver_role": "agency_admin"}
    )
    assert denied.status_code == 403
    bad = hub.admin.patch(f"/api/v1/agencies/{a}", json={"approver_role": "case_worker"})
    assert bad.status_code == 422
    created = ok(hub.client(first).post(f"/api/v1/agencies/{a}/members", json=CASE_WORKER), 201)
    proposal = created["proposal"]["id"]
    refused(hub.client(second).post(f"/api/v1/proposals/{proposal}/approve"), "not_an_approver")
    assert approve(hub.client(dpo), proposal)["member"]["status"] == "active"


def test_every_step_is_logged_and_the_agencys_auditor_lists_the_proposals(hub: LiveHub) -> None:
    a = agency(hub)
    other = agency(hub)
    first, second = agency_admins(hub, a)
    dpo = member(hub, a, "auditor")
    other_dpo = member(hub, other, "auditor")
    created = ok(hub.client(first).post(f"/api/v1/agencies/{a}/members", json=CASE_WORKER), 201)
    approve(hub.client(second), created["proposal"]["id"])
    refused(
        hub.client(first).patch(f"/api/v1/members/{first}", json={"clearance": "secret"}),
        "self_change",
    )
    listed = ok(hub.client(dpo).get(f"/api/v1/agencies/{a}/proposals"))["items"]
    assert created["proposal"]["id"] in {p["id"] for p in listed}
    mine = next(p for p in listed if p["id"] == created["proposal"]["id"])
    assert mine["state"] == "approved"
    assert mine["changes"]["roles_add"] == ["case_worker"]
    assert mine["proposed_by"] == first
    assert mine["decided_by"] == second
    assert hub.client(other_dpo).get(f"/api/v1/agencies/{a}/proposals").status_code == 404
    assert hub.client(created["id"]).get(f"/api/v1/agencies/{a}/proposals").status_code == 404
    trail = {
        (e["action"], e["decision"], e["reason"])
        for e in entries(hub, dpo, member=first) + entries(hub, dpo, member=second)
    }
    assert ("member:create", "allow", "four_eyes") in trail
    assert ("member:propose", "allow", "four_eyes") in trail
    assert ("member:approve", "allow", "four_eyes_approved") in trail
    assert ("member:update", "allow", "four_eyes_approved") in trail
    assert ("member:update", "deny", "self_change") in trail
    proposed = entries(hub, dpo, action="member:propose")
    assert any("+role:case_worker" in e["fields"] for e in proposed)
    theirs = entries(hub, other_dpo, action="member:propose")
    assert theirs  # the other agency's own proposals...
    assert all(a not in e["owners"] and e["actor_agency"] != a for e in theirs)  # ...only


# The matrix -------------------------------------------------------------------------------------

ACTORS = (
    "hub_admin",
    "agency_admin",
    "case_worker",
    "chair",
    "auditor",
    "hub_auditor",
    "service_account",
)
RELATIONS = ("self", "same_agency", "other_agency")
ENDPOINTS = ("create", "widen", "narrow", "approve", "approver_role")


def expected(endpoint: str, actor: str, relation: str) -> int | tuple[int, str]:
    """What each caller gets: the status, and the reason of a separation-of-duties refusal."""
    if endpoint == "approver_role":
        return 200 if actor == "hub_admin" else 403
    if endpoint == "create":
        if actor == "hub_admin":
            return (403, "hub_admin_no_content_members")
        return 201 if actor == "agency_admin" and relation != "other_agency" else 404
    if endpoint in ("widen", "narrow"):
        if relation == "self":
            return (403, "self_change")
        if actor == "hub_admin":
            return (403, "hub_admin_no_content_members")
        return 200 if actor == "agency_admin" and relation == "same_agency" else 404
    # approve: a proposal about the target, made by the target agency's first admin.
    sees = actor in ("hub_admin", "hub_auditor") or (
        actor in ("agency_admin", "auditor") and relation != "other_agency"
    )
    if not sees:
        return 404
    if relation == "self":
        return (403, "self_change")
    if actor == "agency_admin" and relation == "same_agency":
        return 200
    return (403, "not_an_approver")


@pytest.fixture(scope="module")
def agencies(hub: LiveHub) -> dict[str, Any]:
    own, other = agency(hub), agency(hub)
    actors = {}
    for role in ACTORS:
        if role == "hub_admin":
            actors[role] = hub.admin_id
        else:
            kind = "service" if role == "service_account" else "person"
            actors[role] = member(hub, own, role, kind=kind)
    return {"own": own, "other": other, "actors": actors, "admins": agency_admins(hub, own)}


def _target(hub: LiveHub, world: dict[str, Any], actor: str, relation: str) -> tuple[str, str]:
    if relation == "self":
        return world["actors"][actor], world["own"]
    where = world["own"] if relation == "same_agency" else world["other"]
    return member(hub, where, "case_worker"), where


def _proposal_about(hub: LiveHub, target: str, where: str) -> str:
    """A pending proposal to raise the target's clearance, made by an admin other than them:
    a hub admin for holders of hub-wide roles, else the agency's first admin."""
    roles = set(ok(hub.admin.get(f"/api/v1/members/{target}"))["roles"])
    if roles & {"hub_admin", "hub_auditor"}:
        proposer = second_hub_admin(hub) if target == hub.admin_id else hub.admin_id
    else:
        proposer = agency_admins(hub, where)[0]
    body = {"clearance": "confidential"}
    made = ok(hub.client(proposer).patch(f"/api/v1/members/{target}", json=body))
    return str(made["proposal"]["id"])


@pytest.mark.parametrize("endpoint", ENDPOINTS)
def test_endpoint_role_relation_matrix(
    hub: LiveHub, agencies: dict[str, Any], endpoint: str
) -> None:
    world = agencies
    seen = set()
    for actor in ACTORS:
        client = hub.client(world["actors"][actor])
        for relation in RELATIONS:
            if endpoint == "create" and relation == "self":
                continue  # nobody creates themselves
            r = _call(hub, world, client, endpoint, actor, relation)
            want = expected(endpoint, actor, relation)
            status, reason = want if isinstance(want, tuple) else (want, None)
            assert r.status_code == status, (endpoint, actor, relation, r.status_code, r.text)
            assert r.headers["content-type"].startswith("application/"), r.headers
            if reason is not None:
                assert r.json()["reason"] == reason, (endpoint, actor, relation, r.json())
            seen.add(status)
    # The matrix is not all one answer.
    assert len(seen) >= 2, seen


def _call(
    hub: LiveHub,
    world: dict[str, Any],
    client: httpx.Client,
    endpoint: str,
    actor: str,
    relation: str,
) -> httpx.Response:
    if endpoint == "create":
        where = world["own"] if relation == "same_agency" else world["other"]
        return client.post(f"/api/v1/agencies/{where}/members", json=CASE_WORKER)
    target, where = _target(hub, world, actor, relation)
    if endpoint == "widen":
        return client.patch(f"/api/v1/members/{target}", json={"clearance": "secret"})
    if endpoint == "narrow":
        return client.patch(f"/api/v1/members/{target}", json={"status": "suspended"})
    if endpoint == "approve":
        return client.post(f"/api/v1/proposals/{_proposal_about(hub, target, where)}/approve")
    return client.patch(f"/api/v1/agencies/{where}", json={"approver_role": "agency_admin"})


def test_a_proposal_past_its_expiry_cannot_be_approved(hub: LiveHub) -> None:
    a = agency(hub)
    first, second = agency_admins(hub, a)
    created = ok(hub.client(first).post(f"/api/v1/agencies/{a}/members", json=CASE_WORKER), 201)
    proposal = created["proposal"]["id"]
    # Stored UUIDs are 32 hex digits on SQLite; PostgreSQL reads that form too.
    hub.database.execute(
        "UPDATE member_proposals SET expires_at = '2020-01-01 00:00:00'"
        f" WHERE id = '{proposal.replace('-', '')}'"
    )
    listed = ok(
        hub.client(first).get(f"/api/v1/agencies/{a}/proposals", params={"state": "expired"})
    )
    assert [p["id"] for p in listed["items"]] == [proposal]
    pending = ok(
        hub.client(first).get(f"/api/v1/agencies/{a}/proposals", params={"state": "pending"})
    )
    assert proposal not in {p["id"] for p in pending["items"]}
    refused(
        hub.client(second).post(f"/api/v1/proposals/{proposal}/approve"),
        "proposal_expired",
        status=409,
    )
    assert ok(hub.admin.get(f"/api/v1/members/{created['id']}"))["status"] == "pending"
