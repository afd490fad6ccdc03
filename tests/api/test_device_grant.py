"""The device authorization grant (RFC 8628) through the front door: the command line's sign-in.

A device asks for codes, the member approves on /ui/device (stand-in session), the device's poll
gets one token that works as that member. The flow's clock is the test's (``device_hub``).
"""

from __future__ import annotations

import hashlib
import threading
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor

import httpx
import pytest

from tests.support.device import CLI, USER_CODE, DeviceHub, device_hub
from tests.support.live import LiveHub
from tests.support.world import agency, member, ok, suspend


@pytest.fixture
def flow(hub: LiveHub) -> Iterator[DeviceHub]:
    with device_hub(hub) as controlled:
        yield controlled


def person(hub: LiveHub) -> str:
    return member(hub, agency(hub), "case_worker", secrecy=True)


def error(response: httpx.Response, status: int = 400) -> str:
    assert response.status_code == status, response.text
    assert response.headers["content-type"].startswith("application/problem+json")
    return str(response.json()["error"])


def approved(flow: DeviceHub, member_id: str) -> dict[str, str]:
    started = flow.start()
    assert flow.decide(member_id, started["user_code"]).status_code == 200
    return started


def test_the_whole_flow_gives_a_token_that_acts_as_the_member(flow: DeviceHub) -> None:
    member_id = person(flow.hub)
    started = flow.start()
    assert USER_CODE.match(started["user_code"])
    assert started["verification_uri"] == f"{flow.hub.base_url}/ui/device"
    assert started["verification_uri_complete"] == (
        f"{flow.hub.base_url}/ui/device?user_code={started['user_code']}"
    )
    assert started["expires_in"] == 600
    assert started["interval"] == 5
    assert len(started["device_code"]) >= 43
    assert error(flow.poll(started["device_code"])) == "authorization_pending"
    page = flow.decide(member_id, started["user_code"])
    assert page.status_code == 200
    assert 'data-device-outcome="approved"' in page.text
    flow.clock.advance(5)
    token = ok(flow.poll(started["device_code"]))
    assert token["token_type"] == "Bearer"
    assert token["expires_in"] == flow.hub.settings.auth.token_ttl_seconds
    me = ok(flow.hub.client(token=token["access_token"]).get("/api/v1/me"))
    assert me["member_id"] == member_id


def test_a_device_code_gives_one_token_only(flow: DeviceHub) -> None:
    started = approved(flow, person(flow.hub))
    ok(flow.poll(started["device_code"]))
    flow.clock.advance(60)
    assert error(flow.poll(started["device_code"])) == "invalid_grant"


def test_polling_faster_than_the_interval_slows_the_device_down(flow: DeviceHub) -> None:
    started = flow.start()
    code = started["device_code"]
    assert error(flow.poll(code)) == "authorization_pending"
    flow.clock.advance(4)
    slow = flow.poll(code)
    assert error(slow) == "slow_down"
    assert "10 seconds" in slow.json()["detail"]  # the interval grew by 5
    flow.clock.advance(9)
    assert error(flow.poll(code)) == "slow_down"  # 9 < 10; and now 15
    flow.clock.advance(15)
    assert error(flow.poll(code)) == "authorization_pending"


def test_a_denied_request_is_access_denied(flow: DeviceHub) -> None:
    member_id = person(flow.hub)
    started = flow.start()
    page = flow.decide(member_id, started["user_code"], "deny")
    assert 'data-device-outcome="denied"' in page.text
    assert error(flow.poll(started["device_code"])) == "access_denied"
    # Denied is final: no second decision turns it into a token.
    again = flow.decide(member_id, started["user_code"])
    assert again.status_code == 400
    assert error(flow.poll(started["device_code"])) == "access_denied"


def test_an_expired_code_is_expired_token_and_cannot_be_approved(flow: DeviceHub) -> None:
    member_id = person(flow.hub)
    started = flow.start()
    flow.clock.advance(600)
    assert error(flow.poll(started["device_code"])) == "expired_token"
    assert flow.decide(member_id, started["user_code"]).status_code == 400
    # Approved in time but fetched too late: expired all the same.
    late = approved(flow, member_id)
    flow.clock.advance(601)
    assert error(flow.poll(late["device_code"])) == "expired_token"


def test_only_registered_public_clients_may_use_the_grant(flow: DeviceHub) -> None:
    device = flow.device()
    for client_id in ("svc-unknown", ""):
        refused = device.post("/oauth/device_authorization", data={"client_id": client_id})
        assert error(refused, 401) == "invalid_client"
    started = approved(flow, person(flow.hub))
    assert error(flow.poll(started["device_code"], client_id="svc-unknown"), 401) == (
        "invalid_client"
    )
    # Another registered client cannot take a code issued to the command line.
    auth = flow.state.settings.auth
    clients = auth.device_clients
    auth.device_clients = f"{CLI},livc-hub-other"
    try:
        stolen = flow.poll(started["device_code"], client_id="livc-hub-other")
        assert error(stolen) == "invalid_grant"
    finally:
        auth.device_clients = clients
    ok(flow.poll(started["device_code"]))


def test_unknown_or_missing_device_codes_are_refused(flow: DeviceHub) -> None:
    assert error(flow.poll("not-a-device-code")) == "invalid_grant"
    assert error(flow.poll("")) == "invalid_request"


def test_a_member_suspended_after_approving_gets_no_token(flow: DeviceHub) -> None:
    member_id = person(flow.hub)
    started = approved(flow, member_id)
    suspend(flow.hub, member_id)
    assert error(flow.poll(started["device_code"])) == "access_denied"
    assert error(flow.poll(started["device_code"])) == "invalid_grant"  # consumed
    grant = flow.grant_id(started["device_code"])
    assert ("auth:device_token", "deny", "member_suspended", member_id) in flow.log(grant)


def test_codes_are_not_stored_in_clear(flow: DeviceHub) -> None:
    started = flow.start()
    device_code, user_code = started["device_code"], started["user_code"]
    plain = user_code.replace("-", "")
    digests = [r for r in flow.rows() if r["device_code_hash"] == _sha(device_code)]
    assert len(digests) == 1
    row = digests[0]
    assert row["user_code_hash"] == _sha(plain)
    assert row["state"] == "pending"
    assert row["client_id"] == CLI
    for stored in flow.rows():
        values = " ".join(str(v) for v in stored.values())
        assert device_code not in values
        assert plain not in values
        assert user_code not in values


def test_concurrent_polls_give_one_token(flow: DeviceHub) -> None:
    started = approved(flow, person(flow.hub))
    polls = 8
    barrier = threading.Barrier(polls)

    def poll(_: int) -> httpx.Response:
        barrier.wait()
        return flow.poll(started["device_code"])

    with ThreadPoolExecutor(polls) as pool:
        answers = list(pool.map(poll, range(polls)))
    assert sorted(a.status_code for a in answers) == [200] + [400] * (polls - 1)
    assert {a.json()["error"] for a in answers if a.status_code == 400} == {"invalid_grant"}
    grant = flow.grant_id(started["device_code"])
    tokens = [e for e in flow.log(grant) if e[0] == "auth:device_token"]
    assert tokens == [("auth:device_token", "allow", "device_grant", tokens[0][3])]


def test_approval_denial_and_issuance_are_in_the_access_log(flow: DeviceHub) -> None:
    member_id = person(flow.hub)
    started = approved(flow, member_id)
    ok(flow.poll(started["device_code"]))
    grant = flow.grant_id(started["device_code"])
    assert flow.log(grant) == [
        ("auth:device_approve", "allow", "member_decided", member_id),
        ("auth:device_token", "allow", "device_grant", member_id),
    ]
    denied = flow.start()
    flow.decide(member_id, denied["user_code"], "deny")
    assert flow.log(flow.grant_id(denied["device_code"])) == [
        ("auth:device_deny", "allow", "member_decided", member_id)
    ]


def test_device_authorization_requests_are_limited_per_address(flow: DeviceHub) -> None:
    flow.limits(device_address="2/minute")
    flow.start()
    flow.start()
    refused = flow.device().post("/oauth/device_authorization", data={"client_id": CLI})
    assert refused.status_code == 429
    assert refused.json()["limit"] == "device_address"
    assert int(refused.headers["retry-after"]) > 0


def _sha(value: str) -> str:
    return hashlib.sha256(value.encode()).hexdigest()
