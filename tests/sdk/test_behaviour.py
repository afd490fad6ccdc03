"""The SDK's own behaviour against httpx MockTransports: retries, problems, tokens, pages.

No hub here: each transport answers what the test needs (a failure first, a 429, a token that
expires) and counts what it was sent.
"""

from __future__ import annotations

import asyncio
import inspect
import json
import random
from collections.abc import Callable
from typing import Any

import httpx
import pytest
from livc_hub_client import (
    NO_RETRY,
    AsyncClient,
    Client,
    ClientCredentials,
    ConfidentialityDeclarationRequired,
    Conflict,
    FeedbackContainsSecret,
    Forbidden,
    NotFound,
    PreconditionFailed,
    ProblemError,
    RetryPolicy,
    ServerError,
    ServiceUnavailable,
    TooManyRequests,
    Unauthenticated,
    ValidationProblem,
)

BASE = "http://hub.test"
ME = {
    "member_id": "8f9a52cf-5d1c-4a5e-9a57-b7e5ad1b3d10",
    "agency_id": "0a6f4a2e-1b63-4c3f-9d41-1a5c1f6f2a77",
    "kind": "service",
    "roles": ["service_account"],
    "status": "active",
    "bound_by_secrecy": False,
    "clearance": "none",
}
FAST = RetryPolicy(retries=3, backoff=0.0)
Handler = Callable[[httpx.Request], httpx.Response]


def problem(status: int, kind: str, **extra: Any) -> httpx.Response:
    body = {"type": f"urn:livc-hub:problem:{kind}", "title": kind, "status": status, **extra}
    headers = {"Content-Type": "application/problem+json", **extra.pop("headers", {})}
    body.pop("headers", None)
    return httpx.Response(status, content=json.dumps(body), headers=headers)


class Counting:
    """A transport handler that answers from a script, then 200, and counts the requests."""

    def __init__(self, *script: httpx.Response | type[Exception]) -> None:
        self.script = list(script)
        self.requests: list[httpx.Request] = []

    def __call__(self, request: httpx.Request) -> httpx.Response:
        self.requests.append(request)
        if self.script:
            step = self.script.pop(0)
            if isinstance(step, type):
                raise step("down", request=request)  # type: ignore[call-arg]
            return step
        if request.method == "DELETE":
            return httpx.Response(204)
        return httpx.Response(200, json=ME if request.url.path.endswith("/me") else {})


def sync(handler: Handler, **kwargs: Any) -> Client:
    kwargs.setdefault("retry", FAST)
    return Client(BASE, auth="t", transport=httpx.MockTransport(handler), **kwargs)


def asyn(handler: Handler, **kwargs: Any) -> AsyncClient:
    kwargs.setdefault("retry", FAST)
    return AsyncClient(BASE, auth="t", transport=httpx.MockTransport(handler), **kwargs)


# Retries: idempotent calls only


@pytest.mark.parametrize(
    "failure",
    [
        httpx.ConnectError,
        problem(503, "storage-unavailable"),
        problem(429, "too-many-requests", headers={"Retry-After": "0"}),
    ],
    ids=["connect-error", "503", "429"],
)
def test_a_get_is_retried_after_a_failure(failure: Any) -> None:
    handler = Counting(failure, failure)
    with sync(handler) as client:
        assert str(client.me().member_id) == ME["member_id"]
    assert len(handler.requests) == 3


def test_put_and_delete_are_retried() -> None:
    handler = Counting(httpx.ConnectError, problem(503, "audit-unavailable"))
    with sync(handler) as client:
        client.withdraw_grant("x", "g")
    assert [r.method for r in handler.requests] == ["DELETE"] * 3
    handler = Counting(problem(503, "storage-unavailable"))
    with sync(handler) as client:
        client.request("PUT", "/api/v1/notes/n", json={"fields": {}})
    assert len(handler.requests) == 2


@pytest.mark.parametrize(
    "failure",
    [httpx.ConnectError, problem(503, "storage-unavailable"), problem(429, "too-many-requests")],
    ids=["connect-error", "503", "429"],
)
@pytest.mark.parametrize("method", ["POST", "PATCH"])
def test_post_and_patch_are_never_retried(failure: Any, method: str) -> None:
    handler = Counting(failure)
    with sync(handler) as client, pytest.raises((httpx.ConnectError, ProblemError)):
        client.request(method, "/api/v1/cases", json={})
    assert len(handler.requests) == 1


def test_retries_stop_after_the_policy_and_raise_the_last_problem() -> None:
    handler = Counting(*[problem(503, "storage-unavailable")] * 10)
    with sync(handler) as client, pytest.raises(ServiceUnavailable) as raised:
        client.me()
    assert len(handler.requests) == 4  # the first attempt and three retries
    assert raised.value.type == "urn:livc-hub:problem:storage-unavailable"
    handler = Counting(problem(503, "storage-unavailable"))
    with sync(handler, retry=NO_RETRY) as client, pytest.raises(ServiceUnavailable):
        client.me()
    assert len(handler.requests) == 1


def test_other_errors_are_not_retried() -> None:
    for answer in (problem(500, "internal"), problem(404, "not-found"), problem(409, "conflict")):
        handler = Counting(answer)
        with sync(handler) as client, pytest.raises(ProblemError):
            client.me()
        assert len(handler.requests) == 1


def test_backoff_is_exponential_with_full_jitter_and_respects_retry_after() -> None:
    policy = RetryPolicy(retries=4, backoff=0.5, max_backoff=3.0, rng=random.Random(7))
    for attempt, ceiling in enumerate([0.5, 1.0, 2.0, 3.0]):
        delays = [policy.delay(attempt) for _ in range(200)]
        assert all(d is not None and 0 <= d <= ceiling for d in delays)
        assert max(d for d in delays if d is not None) > ceiling * 0.8  # jitter spans the range
    assert policy.delay(4) is None
    later = problem(429, "too-many-requests", headers={"Retry-After": "7"})
    assert policy.delay(0, later) == 7.0
    too_late = problem(429, "too-many-requests", headers={"Retry-After": "3600"})
    assert policy.delay(0, too_late) is None  # longer than max_retry_after: raise instead
    assert policy.delay(0, problem(500, "internal")) is None


# Problems as typed exceptions


@pytest.mark.parametrize(
    ("answer", "cls", "reason"),
    [
        (problem(404, "not-found"), NotFound, None),
        (problem(403, "forbidden", reason="not_chair"), Forbidden, "not_chair"),
        (
            problem(
                403,
                "confidentiality-declaration-required",
                reason="declaration_required",
                declaration="/api/v1/exchanges/x/declaration",
                accept="/api/v1/exchanges/x/declaration/accept",
            ),
            ConfidentialityDeclarationRequired,
            "declaration_required",
        ),
        (problem(409, "conflict", reason="not_released"), Conflict, "not_released"),
        (
            problem(422, "feedback-contains-secret", reason="feedback_contains_secret", fields=[]),
            FeedbackContainsSecret,
            "feedback_contains_secret",
        ),
        (problem(401, "unauthenticated", error="invalid_client"), Unauthenticated, None),
        (problem(418, "teapot-of-the-future"), ProblemError, None),
        (problem(409, "a-new-conflict", reason="new"), Conflict, "new"),
        (httpx.Response(502, text="bad gateway"), ServerError, None),
    ],
)
def test_problems_become_typed_exceptions(
    answer: httpx.Response, cls: type[ProblemError], reason: str | None
) -> None:
    with sync(Counting(answer), retry=NO_RETRY) as client, pytest.raises(cls) as raised:
        client.get_case("c")
    error = raised.value
    assert type(error) is cls
    assert error.status == answer.status_code
    assert error.reason == reason
    assert isinstance(error.title, str)
    assert error.title


def test_problem_members_are_carried() -> None:
    errors = [{"loc": ["body", "fields"], "msg": "required", "type": "missing"}]
    answer = problem(422, "validation", detail="bad", errors=errors, request_id="r1")
    with sync(Counting(answer)) as client, pytest.raises(ValidationProblem) as raised:
        client.create_note("c", template_id="t", fields={})
    assert raised.value.errors == errors
    assert raised.value.detail == "bad"
    assert raised.value.request_id == "r1"
    assert raised.value.extra["errors"] == errors
    limited = problem(429, "too-many-requests", limit="token_client", headers={"Retry-After": "12"})
    with sync(Counting(limited)) as client, pytest.raises(TooManyRequests) as too_many:
        client.request("POST", "/oauth/token")
    assert too_many.value.retry_after == 12.0
    assert too_many.value.limit == "token_client"
    stale = problem(412, "precondition-failed", headers={"ETag": '"v2"'})
    with sync(Counting(stale)) as client, pytest.raises(PreconditionFailed) as raised_stale:
        client.update_note("n", fields={}, etag='"v1"')
    assert raised_stale.value.etag == '"v2"'


# Client credentials


class TokenEndpoint:
    """A hub that issues numbered tokens and accepts only the latest."""

    def __init__(self, expires_in: int = 300) -> None:
        self.expires_in = expires_in
        self.issued = 0
        self.revoked: set[str] = set()
        self.forms: list[dict[str, list[str]]] = []

    def __call__(self, request: httpx.Request) -> httpx.Response:
        if request.url.path == "/oauth/token":
            from urllib.parse import parse_qs

            self.forms.append(parse_qs(request.content.decode()))
            self.issued += 1
            body = {"access_token": f"tok{self.issued}", "expires_in": self.expires_in}
            return httpx.Response(200, json={**body, "token_type": "Bearer"})
        if request.headers.get("Authorization", "").removeprefix("Bearer ") in self.revoked:
            return problem(401, "unauthenticated")
        return httpx.Response(200, json=ME)


def test_client_credentials_fetch_once_and_refresh_before_expiry() -> None:
    now = [1000.0]
    hub = TokenEndpoint(expires_in=300)
    auth = ClientCredentials("svc-1", "s3cret", clock=lambda: now[0], leeway=30)
    with Client(BASE, auth=auth, transport=httpx.MockTransport(hub)) as client:
        client.me()
        client.me()
        assert hub.issued == 1
        assert hub.forms[0] == {
            "grant_type": ["client_credentials"],
            "client_id": ["svc-1"],
            "client_secret": ["s3cret"],
        }
        now[0] += 269  # still 31 s to go: the token is kept
        client.me()
        assert hub.issued == 1
        now[0] += 2  # within the leeway: a new token before the old one expires
        client.me()
        assert hub.issued == 2
    assert "s3cret" not in repr(auth)


def test_client_credentials_retry_once_after_a_401_with_a_fresh_token() -> None:
    hub = TokenEndpoint()
    auth = ClientCredentials("svc-1", "s3cret")
    with Client(BASE, auth=auth, transport=httpx.MockTransport(hub)) as client:
        client.me()
        hub.revoked.add("tok1")
        assert str(client.me().member_id) == ME["member_id"]
        assert hub.issued == 2
        hub.revoked.update({"tok2", "tok3"})  # the fresh token refused too: one retry only
        with pytest.raises(Unauthenticated):
            client.me()
        assert hub.issued == 3


def test_refused_credentials_raise_the_token_endpoint_problem() -> None:
    def refuse(request: httpx.Request) -> httpx.Response:
        assert request.url.path == "/oauth/token"
        return problem(401, "unauthenticated", error="invalid_client")

    with (
        Client(
            BASE, auth=ClientCredentials("svc", "bad"), transport=httpx.MockTransport(refuse)
        ) as client,
        pytest.raises(Unauthenticated) as raised,
    ):
        client.me()
    assert raised.value.extra["error"] == "invalid_client"


# Pagination


def pages(total: int, size: int) -> Handler:
    def handler(request: httpx.Request) -> httpx.Response:
        limit = int(request.url.params.get("limit", size))
        start = int(request.url.params.get("cursor") or 0)
        items = [{"pos": i} for i in range(start, min(start + limit, total))]
        after = start + limit
        nxt = str(after) if after < total else None
        return httpx.Response(200, json={"items": items, "next_cursor": nxt})

    return handler


def test_iterators_follow_the_cursor_to_the_last_page() -> None:
    requests: list[httpx.Request] = []
    inner = pages(7, 3)

    def handler(request: httpx.Request) -> httpx.Response:
        requests.append(request)
        return inner(request)

    with sync(handler) as client:
        got = list(client._pages(lambda cursor: _raw_page(cursor, 3)))
    assert [g["pos"] for g in got] == list(range(7))
    assert [r.url.params.get("cursor") for r in requests] == [None, "3", "6"]


def _raw_page(cursor: str | None, limit: int) -> Any:
    from livc_hub_client import _calls, models

    parse = lambda r: models.Page[dict[str, int]].model_validate_json(r.content)  # noqa: E731
    return _calls.Call("GET", "/api/v1/things", parse, _calls.query(limit=limit, cursor=cursor))


# The async client: the same methods, the same behaviour


def _public(cls: type) -> dict[str, inspect.Signature]:
    return {
        name: inspect.signature(fn)
        for name, fn in vars(cls).items()
        if callable(fn) and not name.startswith("_") and name not in {"close", "aclose"}
    }


def test_async_client_has_every_method_with_the_same_signature() -> None:
    sync_api, async_api = _public(Client), _public(AsyncClient)
    assert set(sync_api) == set(async_api)
    assert len(sync_api) > 40
    for name, signature in sync_api.items():
        assert list(signature.parameters) == list(async_api[name].parameters), name
        other = async_api[name]
        for param in signature.parameters.values():
            twin = other.parameters[param.name]
            assert (param.kind, param.default, param.annotation) == (
                twin.kind,
                twin.default,
                twin.annotation,
            ), (name, param.name)
        expected = str(signature.return_annotation).replace("Iterator[", "AsyncIterator[")
        assert str(other.return_annotation) == expected, name
        is_iter = name.startswith("iter_")
        assert inspect.iscoroutinefunction(getattr(AsyncClient, name)) is not is_iter, name


def test_async_client_retries_and_raises_alike() -> None:
    async def run() -> None:
        handler = Counting(httpx.ConnectError, problem(503, "storage-unavailable"))
        async with asyn(handler) as client:
            assert str((await client.me()).member_id) == ME["member_id"]
        assert len(handler.requests) == 3
        posted = Counting(problem(503, "storage-unavailable"))
        async with asyn(posted) as client:
            with pytest.raises(ServiceUnavailable):
                await client.create_note("c", template_id="t", fields={})
        assert len(posted.requests) == 1
        refused = Counting(problem(409, "conflict", reason="not_released"))
        async with asyn(refused) as client:
            with pytest.raises(Conflict) as raised:
                await client.grant("x", member_id="m", field="f")
        assert raised.value.reason == "not_released"
        now = [0.0]
        hub = TokenEndpoint(expires_in=60)
        auth = ClientCredentials("svc", "s", clock=lambda: now[0])
        async with AsyncClient(BASE, auth=auth, transport=httpx.MockTransport(hub)) as client:
            await client.me()
            now[0] += 31  # past half its life (leeway capped at half): refreshed
            await client.me()
            hub.revoked.add("tok2")
            await client.me()
        assert hub.issued == 3
        seen: list[int] = []
        async with asyn(pages(5, 2)) as client:
            async for item in client._pages(lambda cursor: _raw_page(cursor, 2)):
                seen.append(item["pos"])
        assert seen == [0, 1, 2, 3, 4]

    asyncio.run(run())


def test_naive_datetimes_are_refused_before_sending() -> None:
    from datetime import datetime

    handler = Counting()
    with sync(handler) as client, pytest.raises(ValueError, match="time zone"):
        client.create_exchange(
            case_id="c",
            purpose="p",
            legal_basis="l",
            expires_at=datetime(2026, 12, 1),  # noqa: DTZ001 - naive on purpose
        )
    assert handler.requests == []
