"""``RefreshingBearer``: a person's provider token renewed with its refresh token (decision 200).

No hub and no provider here: one MockTransport answers both the hub's ``/me`` (accepting only
the access tokens the test says are valid) and the provider's token endpoint, and counts what
each was sent.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field
from urllib.parse import parse_qsl

import httpx
import pytest
from livc_hub_client import (
    AsyncClient,
    Client,
    HubError,
    RefreshedTokens,
    RefreshingBearer,
    RefreshRefused,
    ServiceUnavailable,
)

BASE = "http://hub.test"
TOKEN_URL = "https://idp.test/token"
ME = {
    "member_id": "8f9a52cf-5d1c-4a5e-9a57-b7e5ad1b3d10",
    "agency_id": "0a6f4a2e-1b63-4c3f-9d41-1a5c1f6f2a77",
    "kind": "person",
    "roles": ["case_worker"],
    "status": "active",
    "bound_by_secrecy": False,
    "clearance": "none",
}


@dataclass
class World:
    """The hub accepts ``valid``; the provider renews ``refresh`` (and rotates it if asked)."""

    valid: set[str] = field(default_factory=lambda: {"a1"})
    refresh: str = "r1"
    rotate: bool = True
    expires_in: object = 300
    refuse: tuple[int, str] | None = None
    issued: int = 0
    sent: list[str | None] = field(default_factory=list)
    renewals: list[dict[str, str]] = field(default_factory=list)
    renewal_headers: list[httpx.Headers] = field(default_factory=list)

    def __call__(self, request: httpx.Request) -> httpx.Response:
        if str(request.url) == TOKEN_URL:
            return self.token(request)
        header = request.headers.get("Authorization")
        self.sent.append(header)
        if header is None or header.removeprefix("Bearer ") not in self.valid:
            return httpx.Response(
                401,
                json={
                    "type": "urn:livc-hub:problem:unauthenticated",
                    "status": 401,
                    "title": "Unauthorized",
                },
                headers={"Content-Type": "application/problem+json"},
            )
        return httpx.Response(200, json=ME)

    def token(self, request: httpx.Request) -> httpx.Response:
        form = dict(parse_qsl(request.content.decode()))
        self.renewals.append(form)
        self.renewal_headers.append(request.headers)
        if self.refuse is not None:
            status, error = self.refuse
            return httpx.Response(status, json={"error": error, "error_description": "no"})
        if form.get("refresh_token") != self.refresh or form.get("client_id") != "cli":
            return httpx.Response(400, json={"error": "invalid_grant"})
        self.issued += 1
        access = f"a{self.issued + 1}"
        self.valid = {access}
        answer: dict[str, object] = {"access_token": access, "token_type": "Bearer"}
        if self.expires_in is not None:
            answer["expires_in"] = self.expires_in
        if self.rotate:
            self.refresh = f"r{self.issued + 1}"
            answer["refresh_token"] = self.refresh
        return httpx.Response(200, json=answer)


def bearer(
    world: World, saved: list[RefreshedTokens], now: list[float], **kwargs: object
) -> RefreshingBearer:
    return RefreshingBearer(
        "a1",
        "r1",
        token_url=TOKEN_URL,
        client_id="cli",
        on_refresh=saved.append,
        clock=lambda: now[0],
        **kwargs,  # type: ignore[arg-type]
    )


def test_no_renewal_while_the_token_is_valid() -> None:
    world, saved, now = World(), [], [1000.0]
    auth = bearer(world, saved, now, expires_at=2000.0)
    with Client(BASE, auth=auth, transport=httpx.MockTransport(world)) as client:
        client.me()
        now[0] = 1969.0  # 31 s before expiry: not yet
        client.me()
    assert world.renewals == []
    assert saved == []
    assert world.sent == ["Bearer a1", "Bearer a1"]


def test_renewed_ahead_of_expiry_and_the_rotated_refresh_token_handed_over() -> None:
    world, saved, now = World(), [], [1000.0]
    auth = bearer(world, saved, now, expires_in=300, leeway=30)
    with Client(BASE, auth=auth, transport=httpx.MockTransport(world)) as client:
        now[0] = 1271.0  # 29 s before expiry
        client.me()
        client.me()  # the new token is good for another 300 s
    assert world.renewals == [
        {"grant_type": "refresh_token", "refresh_token": "r1", "client_id": "cli"}
    ]
    assert "authorization" not in world.renewal_headers[0]  # a public client: no secret
    assert world.sent == ["Bearer a2", "Bearer a2"]  # the old token was never sent again
    assert saved == [RefreshedTokens("a2", "r2", 1571.0)]
    assert auth.refreshed == 1


def test_a_401_renews_and_sends_once_more() -> None:
    world, saved, now = World(valid=set()), [], [1000.0]  # the token expired; nobody knew when
    auth = bearer(world, saved, now)
    with Client(BASE, auth=auth, transport=httpx.MockTransport(world)) as client:
        assert str(client.me().member_id) == ME["member_id"]
    assert world.sent == ["Bearer a1", "Bearer a2"]
    assert len(world.renewals) == 1
    assert saved == [RefreshedTokens("a2", "r2", 1300.0)]


def test_a_provider_that_does_not_rotate_keeps_the_refresh_token() -> None:
    world, saved, now = World(valid=set(), rotate=False, expires_in=None), [], [1000.0]
    auth = bearer(world, saved, now)
    with Client(BASE, auth=auth, transport=httpx.MockTransport(world)) as client:
        client.me()
        world.valid = set()
        client.me()  # no expiry known: the next 401 renews again, with the same refresh token
    assert [r["refresh_token"] for r in world.renewals] == ["r1", "r1"]
    assert saved == [RefreshedTokens("a2", "r1", None), RefreshedTokens("a3", "r1", None)]


def test_a_token_renewed_ahead_and_still_refused_is_not_renewed_twice() -> None:
    world, saved, now = World(), [], [5000.0]

    def hub_refusing(request: httpx.Request) -> httpx.Response:
        answer = world(request)
        world.valid = set()  # the hub takes no token at all, not even a renewed one
        return answer

    auth = bearer(world, saved, now, expires_at=1000.0)
    with (
        Client(BASE, auth=auth, transport=httpx.MockTransport(hub_refusing)) as client,
        pytest.raises(HubError) as refused,
    ):
        client.me()
    assert refused.value.status == 401  # type: ignore[attr-defined]
    assert len(world.renewals) == 1
    assert world.sent == ["Bearer a2"]


@pytest.mark.parametrize(
    ("status", "error"), [(400, "invalid_grant"), (401, "invalid_client"), (400, "x\n<b>")]
)
def test_a_refused_renewal_says_sign_in_again_without_a_token(status: int, error: str) -> None:
    world, saved, now = World(valid=set(), refuse=(status, error)), [], [1000.0]
    auth = bearer(world, saved, now)
    with (
        Client(BASE, auth=auth, transport=httpx.MockTransport(world)) as client,
        pytest.raises(RefreshRefused) as refused,
    ):
        client.me()
    assert "sign in again" in str(refused.value)
    assert refused.value.status == status
    assert refused.value.error == "".join(c for c in error if c.isalnum() or c in "_-.")
    for text in (str(refused.value), repr(refused.value), repr(auth)):
        assert "a1" not in text
        assert "r1" not in text
    assert saved == []
    assert world.sent == ["Bearer a1"]  # the request is not sent again


def test_a_provider_that_is_down_is_not_a_refusal() -> None:
    world, saved, now = World(valid=set(), refuse=(503, "temporarily_unavailable")), [], [0.0]
    with (
        Client(
            BASE, auth=bearer(world, saved, now), transport=httpx.MockTransport(world)
        ) as client,
        pytest.raises(ServiceUnavailable),
    ):
        client.me()


def test_an_answer_without_an_access_token_is_an_error() -> None:
    def provider(request: httpx.Request) -> httpx.Response:
        if str(request.url) == TOKEN_URL:
            return httpx.Response(200, json={"token_type": "Bearer"})
        return httpx.Response(401, json={})

    auth = bearer(World(), [], [0.0])
    with (
        Client(BASE, auth=auth, transport=httpx.MockTransport(provider)) as client,
        pytest.raises(HubError, match="not a token"),
    ):
        client.me()


def test_construction_is_checked_and_the_repr_holds_no_token() -> None:
    with pytest.raises(ValueError, match="absolute"):
        RefreshingBearer("a", "r", token_url="/token", client_id="cli")
    with pytest.raises(ValueError, match="not both"):
        RefreshingBearer(
            "a", "r", token_url=TOKEN_URL, client_id="cli", expires_at=1.0, expires_in=1.0
        )
    auth = RefreshingBearer("secret-access", "secret-refresh", token_url=TOKEN_URL, client_id="c")
    assert "secret" not in repr(auth)
    assert "secret" not in repr(RefreshedTokens("secret-a", "secret-r", 1.0))


def test_the_async_client_renews_ahead_and_after_a_401() -> None:
    async def scenario() -> tuple[World, list[RefreshedTokens]]:
        world, saved, now = World(), [], [1000.0]
        auth = bearer(world, saved, now, expires_in=300)
        async with AsyncClient(BASE, auth=auth, transport=httpx.MockTransport(world)) as client:
            await client.me()  # valid: nothing renewed
            now[0] = 1290.0
            await client.me()  # due: renewed ahead
            world.valid = set()  # revoked at the provider
            await client.me()  # 401: renewed and sent again
        return world, saved

    world, saved = asyncio.run(scenario())
    assert world.sent == ["Bearer a1", "Bearer a2", "Bearer a2", "Bearer a3"]
    assert [r["refresh_token"] for r in world.renewals] == ["r1", "r2"]
    assert [t.refresh_token for t in saved] == ["r2", "r3"]


def test_the_async_client_raises_a_refused_renewal() -> None:
    async def scenario() -> None:
        world = World(valid=set(), refuse=(400, "invalid_grant"))
        auth = bearer(world, [], [0.0])
        async with AsyncClient(BASE, auth=auth, transport=httpx.MockTransport(world)) as client:
            await client.me()

    with pytest.raises(RefreshRefused, match="sign in again"):
        asyncio.run(scenario())
