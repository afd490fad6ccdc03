"""The typed methods of working groups, declarations, strategy and administration: what each
sends (method, path, query, body, headers) through a MockTransport, from both clients, and how
the answers are read.

Each request is answered with a 418 problem, so no answer body is needed to check the request;
the last tests answer with real bodies.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import Callable
from typing import Any

import httpx
import pytest
from livc_hub_client import (
    NO_RETRY,
    AsyncClient,
    Client,
    ProblemError,
    RetryPolicy,
    ServiceUnavailable,
    models,
)

BASE = "http://hub.test"
C, G, M, X, A, P = "cell-1", "group-1", "member-1", "exchange-1", "agency-1", "proposal-1"
CELL = f"/api/v1/cells/{C}"
NL_FR = {"nl": "Tekst", "fr": "Texte"}
PRIORITY = models.Priority(theme="youth_and_families", text=NL_FR)

Sent = tuple[str, str, dict[str, str], Any]
# (name, args, kwargs, the request expected: method, path, query, JSON body or None)
CASES: list[tuple[str, tuple[Any, ...], dict[str, Any], Sent]] = [
    # Working groups
    (
        "create_working_group",
        (C,),
        {"name": "Jeugd"},
        ("POST", f"{CELL}/working-groups", {}, {"name": "Jeugd"}),
    ),
    ("list_working_groups", (C,), {}, ("GET", f"{CELL}/working-groups", {}, None)),
    ("working_group_members", (C, G), {}, ("GET", f"{CELL}/working-groups/{G}/members", {}, None)),
    (
        "add_working_group_member",
        (C, G),
        {"member_id": M},
        ("POST", f"{CELL}/working-groups/{G}/members", {}, {"member_id": M}),
    ),
    (
        "remove_working_group_member",
        (C, G, M),
        {},
        ("DELETE", f"{CELL}/working-groups/{G}/members/{M}", {}, None),
    ),
    (
        "working_group_exchanges",
        (C, G),
        {},
        ("GET", f"{CELL}/working-groups/{G}/exchanges", {}, None),
    ),
    # Declarations
    (
        "set_declaration",
        (C,),
        {"text_nl": "nl", "text_fr": "fr"},
        ("PUT", f"{CELL}/declaration", {}, {"text_nl": "nl", "text_fr": "fr"}),
    ),
    ("get_declaration", (C,), {}, ("GET", f"{CELL}/declaration", {}, None)),
    ("declaration_versions", (C,), {}, ("GET", f"{CELL}/declaration/versions", {}, None)),
    ("exchange_declaration", (X,), {}, ("GET", f"/api/v1/exchanges/{X}/declaration", {}, None)),
    (
        "accept_declaration",
        (X,),
        {},
        ("POST", f"/api/v1/exchanges/{X}/declaration/accept", {}, None),
    ),
    # Strategy
    ("strategy_counts", (C,), {}, ("GET", f"{CELL}/strategy/counts", {}, None)),
    (
        "strategy_counts",
        (C,),
        {"dimension": "case_status", "granularity": "quarter", "from_year": 2024, "to_year": 2026},
        (
            "GET",
            f"{CELL}/strategy/counts",
            {
                "dimension": "case_status",
                "granularity": "quarter",
                "from_year": "2024",
                "to_year": "2026",
            },
            None,
        ),
    ),
    (
        "set_priorities",
        (C, 2026),
        {"introduction": NL_FR, "priorities": [PRIORITY]},
        (
            "PUT",
            f"{CELL}/strategy/priorities/2026",
            {},
            {"introduction": NL_FR, "priorities": [{"theme": "youth_and_families", "text": NL_FR}]},
        ),
    ),
    ("get_priorities", (C, 2026), {}, ("GET", f"{CELL}/strategy/priorities/2026", {}, None)),
    (
        "priorities_versions",
        (C, 2026),
        {},
        ("GET", f"{CELL}/strategy/priorities/2026/versions", {}, None),
    ),
    ("diagnosis_csv", (C,), {}, ("GET", f"{CELL}/strategy/diagnosis.csv", {}, None)),
    (
        "diagnosis_html",
        (C,),
        {"year": 2025, "lang": "fr"},
        ("GET", f"{CELL}/strategy/diagnosis.html", {"year": "2025", "lang": "fr"}, None),
    ),
    # Agencies
    (
        "create_agency",
        (),
        {"name": "OCMW", "kind": "social_service", "secrecy_regime": "professional"},
        (
            "POST",
            "/api/v1/agencies",
            {},
            {"name": "OCMW", "kind": "social_service", "secrecy_regime": "professional"},
        ),
    ),
    (
        "list_agencies",
        (),
        {"limit": 5, "cursor": "k"},
        ("GET", "/api/v1/agencies", {"limit": "5", "cursor": "k"}, None),
    ),
    ("get_agency", (A,), {}, ("GET", f"/api/v1/agencies/{A}", {}, None)),
    (
        "update_agency",
        (A,),
        {"approver_role": "chair"},
        ("PATCH", f"/api/v1/agencies/{A}", {}, {"approver_role": "chair"}),
    ),
    # Members and proposals
    (
        "create_member",
        (A,),
        {"display_name": "Svc", "roles": ["service_account"], "kind": "service"},
        (
            "POST",
            f"/api/v1/agencies/{A}/members",
            {},
            {"display_name": "Svc", "roles": ["service_account"], "kind": "service"},
        ),
    ),
    (
        "create_member",
        (A,),
        {
            "display_name": "W",
            "roles": ("case_worker",),
            "bound_by_secrecy": False,
            "clearance": "none",
        },
        (
            "POST",
            f"/api/v1/agencies/{A}/members",
            {},
            {
                "display_name": "W",
                "roles": ["case_worker"],
                "bound_by_secrecy": False,
                "clearance": "none",
            },
        ),
    ),
    ("list_members", (A,), {}, ("GET", f"/api/v1/agencies/{A}/members", {}, None)),
    ("get_member", (M,), {}, ("GET", f"/api/v1/members/{M}", {}, None)),
    (
        "update_member",
        (M,),
        {"status": "suspended"},
        ("PATCH", f"/api/v1/members/{M}", {}, {"status": "suspended"}),
    ),
    (
        "update_member",
        (M,),
        {"roles": ["chair"], "bound_by_secrecy": True},
        ("PATCH", f"/api/v1/members/{M}", {}, {"roles": ["chair"], "bound_by_secrecy": True}),
    ),
    (
        "list_proposals",
        (A,),
        {"state": "pending", "limit": 10},
        ("GET", f"/api/v1/agencies/{A}/proposals", {"state": "pending", "limit": "10"}, None),
    ),
    ("get_proposal", (P,), {}, ("GET", f"/api/v1/proposals/{P}", {}, None)),
    ("approve_proposal", (P,), {}, ("POST", f"/api/v1/proposals/{P}/approve", {}, None)),
    ("refuse_proposal", (P,), {}, ("POST", f"/api/v1/proposals/{P}/refuse", {}, None)),
    ("withdraw_proposal", (P,), {}, ("POST", f"/api/v1/proposals/{P}/withdraw", {}, None)),
    # Cells and membership
    (
        "create_cell",
        (),
        {"kind": "livc_case", "name": "LIVC-R", "municipality": "Gent"},
        (
            "POST",
            "/api/v1/cells",
            {},
            {"kind": "livc_case", "name": "LIVC-R", "municipality": "Gent"},
        ),
    ),
    ("set_chair", (C,), {"member_id": M}, ("PUT", f"{CELL}/chair", {}, {"member_id": M})),
    ("add_cell_agency", (C,), {"agency_id": A}, ("POST", f"{CELL}/agencies", {}, {"agency_id": A})),
    ("remove_cell_agency", (C, A), {}, ("DELETE", f"{CELL}/agencies/{A}", {}, None)),
    (
        "add_cell_member",
        (C,),
        {"member_id": M, "seat": "ltf_contact"},
        ("POST", f"{CELL}/members", {}, {"member_id": M, "seat": "ltf_contact"}),
    ),
    ("remove_cell_member", (C, M), {}, ("DELETE", f"{CELL}/members/{M}", {}, None)),
]


def _teapot(requests: list[httpx.Request]) -> Callable[[httpx.Request], httpx.Response]:
    def handler(request: httpx.Request) -> httpx.Response:
        requests.append(request)
        body = {"type": "urn:livc-hub:problem:teapot", "title": "t", "status": 418}
        return httpx.Response(418, json=body, headers={"Content-Type": "application/problem+json"})

    return handler


def _sent(request: httpx.Request) -> Sent:
    body = json.loads(request.content) if request.content else None
    return request.method, request.url.path, dict(request.url.params), body


def _ids(case: tuple[str, tuple[Any, ...], dict[str, Any], Sent]) -> str:
    return f"{case[0]}-{'-'.join(sorted(case[2]))}" if case[2] else case[0]


@pytest.mark.parametrize("case", CASES, ids=[_ids(c) for c in CASES])
def test_each_method_sends_its_request_from_both_clients(
    case: tuple[str, tuple[Any, ...], dict[str, Any], Sent],
) -> None:
    name, args, kwargs, expected = case
    requests: list[httpx.Request] = []
    transport = httpx.MockTransport(_teapot(requests))
    with Client(BASE, auth="t", transport=transport, retry=NO_RETRY) as client:
        with pytest.raises(ProblemError):
            getattr(client, name)(*args, **kwargs)

    async def run() -> None:
        async with AsyncClient(BASE, auth="t", transport=transport, retry=NO_RETRY) as client:
            with pytest.raises(ProblemError):
                await getattr(client, name)(*args, **kwargs)

    asyncio.run(run())
    assert [_sent(r) for r in requests] == [expected, expected]
    assert all(r.headers["Authorization"] == "Bearer t" for r in requests)


def test_every_new_method_is_covered() -> None:
    """A typed method added to these groups without a request-shape case fails here."""
    covered = {name for name, *_ in CASES}
    new = {
        name
        for name in vars(Client)
        if not name.startswith(("_", "iter_"))
        and any(
            word in name
            for word in (
                "working_group",
                "declaration",
                "strategy",
                "priorities",
                "diagnosis",
                "agenc",
                "member",
                "proposal",
                "chair",
                "create_cell",
            )
        )
    }
    assert new == covered


def test_the_diagnosis_asks_for_its_format_and_returns_the_text() -> None:
    sent: list[httpx.Request] = []

    def handler(request: httpx.Request) -> httpx.Response:
        sent.append(request)
        if request.url.path.endswith(".csv"):
            return httpx.Response(
                200, text="periode;waarde\n2026;<5\n", headers={"Content-Type": "text/csv"}
            )
        return httpx.Response(200, html="<!doctype html><title>Diagnose</title>")

    with Client(BASE, auth="t", transport=httpx.MockTransport(handler)) as client:
        assert client.diagnosis_csv(C, year=2026) == "periode;waarde\n2026;<5\n"
        assert client.diagnosis_html(C).startswith("<!doctype html>")
    assert [r.headers["Accept"] for r in sent] == ["text/csv", "text/html"]


DECISION = {
    "proposal": {
        "id": "3f1d2a4e-8d7c-4b5a-9e6f-0a1b2c3d4e5f",
        "agency_id": "0a6f4a2e-1b63-4c3f-9d41-1a5c1f6f2a77",
        "member_id": "8f9a52cf-5d1c-4a5e-9a57-b7e5ad1b3d10",
        "kind": "create",
        "changes": {"roles_add": ["service_account"], "activate": True},
        "state": "approved",
        "proposed_by": "5b7c6d8e-1f2a-4b3c-8d9e-0f1a2b3c4d5e",
        "proposed_at": "2026-11-26T10:00:00Z",
        "expires_at": "2026-12-03T10:00:00Z",
        "decided_by": "6c8d7e9f-2a3b-4c5d-9e0f-1a2b3c4d5e6f",
        "decided_at": "2026-11-26T10:05:00Z",
    },
    "member": {
        "id": "8f9a52cf-5d1c-4a5e-9a57-b7e5ad1b3d10",
        "agency_id": "0a6f4a2e-1b63-4c3f-9d41-1a5c1f6f2a77",
        "display_name": "Koppeling dossiersysteem",
        "kind": "service",
        "roles": ["service_account"],
        "bound_by_secrecy": False,
        "clearance": "none",
        "status": "active",
        "client_id": "svc-1",
        "created_at": "2026-11-26T10:00:00Z",
    },
    "client_secret": "shown-once-to-the-approver",
}


def test_an_approval_carries_the_service_accounts_secret_but_not_in_its_repr() -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        return httpx.Response(200, json=DECISION)

    with Client(BASE, auth="t", transport=httpx.MockTransport(handler)) as client:
        decision = client.approve_proposal(P)
    assert isinstance(decision, models.Decision)
    assert decision.client_secret == DECISION["client_secret"]
    assert decision.member.client_id == "svc-1"
    assert decision.proposal.changes.roles_add == ["service_account"]
    assert DECISION["client_secret"] not in repr(decision)
    assert DECISION["client_secret"] not in str(decision)


def test_versioned_puts_are_retried_and_decisions_never() -> None:
    """Decision 173: a declaration or priorities PUT is repeated after a 503 (at worst one
    identical version more); approving, refusing or withdrawing a proposal is sent once."""
    attempts: list[httpx.Request] = []

    def unavailable(request: httpx.Request) -> httpx.Response:
        attempts.append(request)
        body = {"type": "urn:livc-hub:problem:storage-unavailable", "title": "t", "status": 503}
        return httpx.Response(503, json=body)

    fast = RetryPolicy(retries=2, backoff=0.0)
    with Client(BASE, auth="t", transport=httpx.MockTransport(unavailable), retry=fast) as client:
        calls: list[Callable[[], object]] = [
            lambda: client.set_declaration(C, text_nl="nl", text_fr="fr"),
            lambda: client.set_priorities(C, 2026, introduction=NL_FR, priorities=[PRIORITY]),
            lambda: client.set_chair(C, member_id=M),
            lambda: client.approve_proposal(P),
            lambda: client.refuse_proposal(P),
            lambda: client.withdraw_proposal(P),
            lambda: client.create_member(A, display_name="x", roles=["case_worker"]),
            lambda: client.update_member(M, status="suspended"),
        ]
        counts = []
        for call in calls:
            attempts.clear()
            with pytest.raises(ServiceUnavailable):
                call()
            counts.append(len(attempts))
    assert counts == [3, 3, 3, 1, 1, 1, 1, 1]


def _page(items: list[dict[str, Any]], nxt: str | None) -> httpx.Response:
    return httpx.Response(200, json={"items": items, "next_cursor": nxt})


def test_members_and_proposals_iterate_through_every_page() -> None:
    member = DECISION["member"]
    proposal = DECISION["proposal"]
    sent: list[httpx.Request] = []

    def handler(request: httpx.Request) -> httpx.Response:
        sent.append(request)
        item = member if request.url.path.endswith("/members") else proposal
        cursor = request.url.params.get("cursor")
        return _page([item], None if cursor == "2" else str(int(cursor or 0) + 1))

    async def run() -> list[models.Proposal]:
        transport = httpx.MockTransport(handler)
        async with AsyncClient(BASE, auth="t", transport=transport) as client:
            return [p async for p in client.iter_proposals(A, state="approved", limit=1)]

    with Client(BASE, auth="t", transport=httpx.MockTransport(handler)) as client:
        members = list(client.iter_members(A, limit=1))
    assert [m.display_name for m in members] == [member["display_name"]] * 3
    proposals = asyncio.run(run())
    assert [p.state for p in proposals] == ["approved"] * 3
    assert [r.url.params.get("cursor") for r in sent] == [None, "1", "2"] * 2
    assert {r.url.params.get("state") for r in sent[3:]} == {"approved"}
