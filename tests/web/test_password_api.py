"""The four-eyes password API: proposed by one admin, approved by another, shown once."""

from __future__ import annotations

import json
import uuid

from tests.support.live import LiveHub
from tests.support.web_client import Browser, person, signed_in, username
from tests.support.world import agency, agency_admins, approve, ok, unique


def test_the_one_time_password_is_shown_once_to_the_approver_and_never_a_hash(
    hub: LiveHub,
) -> None:
    who = person(hub)
    first, second = who.admins
    reset = ok(hub.client(first).post(f"/api/v1/members/{who.member_id}/password-reset"), 201)
    assert reset["kind"] == "password"
    assert reset["changes"]["reset_password"] is True
    # The proposer cannot approve their own proposal.
    refused = hub.client(first).post(f"/api/v1/proposals/{reset['id']}/approve")
    assert refused.status_code == 403
    assert refused.json()["reason"] == "proposer_cannot_approve"
    decided = approve(hub.client(second), reset["id"])
    password = decided["initial_password"]
    assert isinstance(password, str)
    assert len(password) >= 16
    again = hub.client(second).post(f"/api/v1/proposals/{reset['id']}/approve")
    assert again.status_code == 409
    # Nothing else shows the password or a hash.
    seen = [
        hub.client(first).get(f"/api/v1/members/{who.member_id}").text,
        hub.client(second).get(f"/api/v1/proposals/{reset['id']}").text,
        hub.client(who.member_id).get(f"/api/v1/members/{who.member_id}").text,
        hub.client(first).get(f"/api/v1/agencies/{who.agency_id}/members").text,
        again.text,
    ]
    for text in seen:
        assert password not in text
        assert "argon2" not in text
    member = json.loads(seen[0])
    assert member["has_password"] is True
    assert member["username"] == who.username
    # The new one-time password replaced the old and must be changed at sign-in.
    browser = Browser(hub)
    assert Browser(hub).sign_in(who.username, who.password).status_code == 401
    assert browser.sign_in(who.username, password).status_code == 303
    assert browser.get("/ui/login").headers["location"] == "/ui/password"


def test_a_reset_ends_the_members_web_sessions(hub: LiveHub) -> None:
    who = person(hub)
    browser, _ = signed_in(hub, who)
    first, second = who.admins
    reset = ok(hub.client(first).post(f"/api/v1/members/{who.member_id}/password-reset"), 201)
    assert browser.get("/ui/password").status_code == 200  # proposing changes nothing yet
    approve(hub.client(second), reset["id"])
    assert browser.get("/ui/password").headers["location"] == "/ui/login"


def test_nobody_resets_their_own_password_and_a_hub_admin_not_a_content_members(
    hub: LiveHub,
) -> None:
    who = person(hub)
    first, _ = who.admins
    own = hub.client(first).post(f"/api/v1/members/{first}/password-reset")
    assert own.status_code == 403
    assert own.json()["reason"] == "self_change"
    by_hub_admin = hub.admin.post(f"/api/v1/members/{who.member_id}/password-reset")
    assert by_hub_admin.status_code == 403
    assert by_hub_admin.json()["reason"] == "hub_admin_no_content_members"
    by_member = hub.client(who.member_id).post(f"/api/v1/members/{first}/password-reset")
    assert by_member.status_code in (403, 404)


def test_a_member_without_a_username_gets_no_password(hub: LiveHub) -> None:
    agency_id = agency(hub)
    first, second = agency_admins(hub, agency_id)
    body = {"display_name": unique("P"), "roles": ["case_worker"]}
    created = ok(hub.client(first).post(f"/api/v1/agencies/{agency_id}/members", json=body), 201)
    approve(hub.client(second), created["proposal"]["id"])
    answer = hub.client(first).post(f"/api/v1/members/{created['id']}/password-reset")
    assert answer.status_code == 409
    assert answer.json()["reason"] == "no_username"


def test_usernames_are_unique_lower_case_and_not_for_service_accounts(hub: LiveHub) -> None:
    agency_id = agency(hub)
    first, _ = agency_admins(hub, agency_id)
    path = f"/api/v1/agencies/{agency_id}/members"
    name = username()
    body = {"display_name": unique("P"), "roles": ["case_worker"], "username": name}
    ok(hub.client(first).post(path, json=body), 201)
    clash = hub.client(first).post(path, json={**body, "display_name": unique("Q")})
    assert clash.status_code == 409
    assert clash.json()["reason"] == "username_taken"
    upper = hub.client(first).post(path, json={**body, "username": "Upper.Case"})
    assert upper.status_code == 422
    service = {
        "display_name": unique("S"),
        "kind": "service",
        "roles": ["service_account"],
        "username": username(),
    }
    assert hub.client(first).post(path, json=service).status_code == 422


def test_the_member_changes_their_own_password_through_the_api(hub: LiveHub) -> None:
    who = person(hub)
    me = hub.client(who.member_id)
    wrong = me.post(
        "/api/v1/me/password",
        json={"current_password": "not it at all", "new_password": "a brand new secret"},
    )
    assert wrong.status_code == 403
    assert wrong.json()["reason"] == "current_password_wrong"
    weak = me.post(
        "/api/v1/me/password", json={"current_password": who.password, "new_password": "short"}
    )
    assert weak.status_code == 422
    assert weak.json()["reason"] == "password_too_short"
    done = me.post(
        "/api/v1/me/password",
        json={"current_password": who.password, "new_password": "a brand new secret"},
    )
    assert done.status_code == 204
    browser = Browser(hub)
    assert browser.sign_in(who.username, "a brand new secret").status_code == 303
    assert browser.get("/ui/login").headers["location"] == "/ui"  # no longer must change


def test_password_changes_and_resets_are_in_the_access_log(hub: LiveHub) -> None:
    who = person(hub)
    signed_in(hub, who)
    rows = hub.database.rows(
        "SELECT action, decision, fields FROM access_log "
        f"WHERE object_id = '{who.member_id}' ORDER BY seq"
    )
    actions = [r[0] for r in rows]
    assert "member:propose" in actions
    assert "member:approve" in actions
    assert "auth:sign_in" in actions
    assert "member:password_change" in actions
    assert any("password:reset" in str(r[2]) for r in rows)


def test_another_agencys_admin_and_a_plain_member_learn_nothing(hub: LiveHub) -> None:
    who = person(hub)
    elsewhere, _ = agency_admins(hub, agency(hub))
    foreign = hub.client(elsewhere).post(f"/api/v1/members/{who.member_id}/password-reset")
    colleague = person(hub, agency_id=who.agency_id)
    plain = hub.client(colleague.member_id).post(f"/api/v1/members/{who.member_id}/password-reset")
    unknown = hub.client(elsewhere).post(f"/api/v1/members/{uuid.uuid4()}/password-reset")
    for answer in (foreign, plain, unknown):
        assert answer.status_code == 404, answer.text
        assert who.username not in answer.text
