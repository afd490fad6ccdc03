"""Bad input is a 422 naming the field, and nothing is written: never a 5xx, on either database.

PostgreSQL refuses NUL characters and no database stores a lone surrogate; a naive datetime
cannot be compared with the hub's aware ones; cursors, strings and integers beyond what the
columns hold overflowed. Each class is sent here through the running hub.
"""

from __future__ import annotations

import base64
import json
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import httpx
import pytest

from tests.support.live import LiveHub
from tests.support.world import Team, agency, cell, ok, team, unique

NUL, SURROGATE = "\x00", "\ud800"
TABLES = ("agencies", "cells", "note_templates", "notes", "exchanges", "access_log")


@pytest.fixture(scope="module")
def world(hub: LiveHub) -> Team:
    return team(hub)


def counts(hub: LiveHub) -> dict[str, object]:
    return {t: hub.database.scalar(f"SELECT count(*) FROM {t}") for t in TABLES}


@contextmanager
def nothing_written(hub: LiveHub) -> Iterator[None]:
    before = counts(hub)
    yield
    assert counts(hub) == before


def refused(response: httpx.Response, *loc: str | int) -> dict[str, Any]:
    """The response is a 422 problem whose errors name ``loc``."""
    assert response.status_code == 422, (response.status_code, response.text)
    assert response.headers["content-type"] == "application/problem+json"
    problem = response.json()
    assert problem["type"] == "urn:livc-hub:problem:validation"
    locs = [e["loc"] for e in problem["errors"]]
    assert [str(p) for p in loc] in locs, locs
    return problem


def raw_json(client: httpx.Client, method: str, url: str, body: str) -> httpx.Response:
    # json.dumps escapes a lone surrogate as \ud800, which JSON allows and Python decodes.
    return client.request(
        method, url, content=body.encode(), headers={"content-type": "application/json"}
    )


@pytest.mark.parametrize("bad", [NUL, SURROGATE], ids=["nul", "surrogate"])
def test_unstorable_text_in_a_body_is_a_422_naming_the_field(
    hub: LiveHub, world: Team, bad: str
) -> None:
    admin = hub.admin
    with nothing_written(hub):
        body = json.dumps({"name": f"A{bad}B", "kind": "other", "secrecy_regime": "none"})
        problem = refused(raw_json(admin, "POST", "/api/v1/agencies", body), "body", "name")
        # pydantic refuses a surrogate in a str field itself (string_unicode); the hub's own
        # check covers NULs and text in fields of any type.
        assert problem["errors"][0]["type"] in ("string_unstorable", "string_unicode")
        assert bad not in json.dumps(problem["errors"], ensure_ascii=False)  # never echoed
        cell_body = {"kind": "ltf", "name": "C", "municipality": f"Gent{bad}"}
        refused(
            raw_json(admin, "POST", "/api/v1/cells", json.dumps(cell_body)), "body", "municipality"
        )
        label = {"name": "a", "label": f"x{bad}", "type": "text", "sensitivity": "free_text"}
        template = {"key": "k", "title": "t", "fields": [label]}
        refused(
            raw_json(admin, "POST", "/api/v1/templates", json.dumps(template)),
            "body",
            "fields",
            0,
            "label",
        )
        # A note's fields are a mapping of anything: its values and its keys are checked too.
        url = f"/api/v1/cases/{world.case_id}/notes"
        for fields in ({"summary": f"x{bad}"}, {f"sum{bad}": "x"}):
            note = json.dumps({"template_id": world.template_id, "fields": fields})
            refused(raw_json(world.worker, "POST", url, note), "body", "fields")


def test_a_nul_in_the_query_string_is_a_422_naming_the_parameter(hub: LiveHub) -> None:
    admin = hub.admin
    with nothing_written(hub):
        refused(admin.get("/api/v1/audit/entries", params={"action": "a\x00b"}), "query", "action")
        refused(admin.get("/api/v1/cells", params={"cursor": "\x00"}), "query", "cursor")
        refused(admin.get("/healthz?x=%00"), "query", "x")
        nameless = admin.get("/api/v1/cells?a%00=1")
        assert refused(nameless, "query")["errors"][0]["loc"] == ["query"]


def _form(**fields: str) -> bytes:
    # Percent-encoded UTF-8 (surrogates passed through), as a client could send it.
    return "&".join(
        f"{k}={''.join(f'%{b:02X}' for b in v.encode('utf-8', 'surrogatepass'))}"
        for k, v in fields.items()
    ).encode()


def test_unstorable_credentials_are_a_422(hub: LiveHub) -> None:
    form = {"content-type": "application/x-www-form-urlencoded"}
    with httpx.Client(base_url=hub.base_url) as client, nothing_written(hub):
        body = _form(grant_type="client_credentials", client_id="svc\x00", client_secret="s")
        refused(client.post("/oauth/token", content=body, headers=form), "body", "client_id")
        basic = base64.b64encode(b"svc\x00:secret").decode()
        refused(
            client.post(
                "/oauth/token",
                data={"grant_type": "client_credentials"},
                headers={"Authorization": f"Basic {basic}"},
            ),
            "header",
            "authorization",
        )
    # A surrogate's bytes are not UTF-8: the form decodes them as Latin-1, a plain wrong id.
    with httpx.Client(base_url=hub.base_url) as client:
        body = _form(
            grant_type="client_credentials", client_id=f"svc{SURROGATE}", client_secret="s"
        )
        assert client.post("/oauth/token", content=body, headers=form).status_code == 401


def test_naive_and_out_of_range_datetimes_are_a_422(hub: LiveHub, world: Team) -> None:
    admin = hub.admin
    with nothing_written(hub):
        body = {
            "case_id": world.case_id,
            "purpose": "p",
            "legal_basis": "b",
            "expires_at": "2030-01-01T00:00:00",
        }
        refused(admin.post("/api/v1/exchanges", json=body), "body", "expires_at")
        body |= {"expires_at": "2030-01-01T00:00:00Z", "opens_at": "2029-12-01T00:00:00"}
        refused(admin.post("/api/v1/exchanges", json=body), "body", "opens_at")
        refused(
            admin.get("/api/v1/audit/entries", params={"since": "2026-01-01T00:00:00"}),
            "query",
            "since",
        )
        refused(
            admin.get("/api/v1/audit/entries", params={"until": "0001-01-01T00:00:00+01:00"}),
            "query",
            "until",
        )


@pytest.mark.parametrize(
    "cursor", ["é", "a b", "x" * 201], ids=["non-ascii", "not-printable", "oversized"]
)
def test_cursors_not_printable_ascii_or_too_long_are_a_422(hub: LiveHub, cursor: str) -> None:
    with nothing_written(hub):
        refused(hub.admin.get("/api/v1/cells", params={"cursor": cursor}), "query", "cursor")


@pytest.mark.parametrize("cursor", ["²", "١٢", "9" * 19], ids=["superscript", "arabic", "huge"])
def test_audit_cursors_are_ascii_positions(hub: LiveHub, cursor: str) -> None:
    with nothing_written(hub):
        refused(
            hub.admin.get("/api/v1/audit/entries", params={"cursor": cursor}), "query", "cursor"
        )


def test_a_printable_cursor_the_hub_did_not_write_is_a_400(hub: LiveHub) -> None:
    # Base64 of a naive time: it decoded, then failed comparing with aware times (503).
    naive = base64.urlsafe_b64encode(
        json.dumps(["2026-01-01T00:00:00", str(uuid.uuid4())]).encode()
    )
    for cursor in (naive.decode().rstrip("="), "ab/cd"):
        r = hub.admin.get("/api/v1/cells", params={"cursor": cursor})
        assert r.status_code == 400, r.text
        assert r.json()["type"] == "urn:livc-hub:problem:bad-request"


def test_strings_and_integers_beyond_their_columns_are_a_422(hub: LiveHub, world: Team) -> None:
    admin = hub.admin
    with nothing_written(hub):
        body = {"kind": "ltf", "name": unique("C"), "municipality": "G" * 121}
        refused(admin.post("/api/v1/cells", json=body), "body", "municipality")
        refused(
            admin.post("/api/v1/agencies", json={"name": "A" * 201, "kind": "other"}),
            "body",
            "name",
        )
        release = {"note_id": str(uuid.uuid4()), "version": 2**31, "fields": ["summary"]}
        refused(
            world.worker.post(f"/api/v1/exchanges/{uuid.uuid4()}/releases", json=release),
            "body",
            "version",
        )


def test_the_longest_accepted_values_are_stored(hub: LiveHub) -> None:
    # The limits are the columns' own: the longest value a schema lets through fits.
    agency_id = agency(hub)
    body = {"kind": "ltf", "name": "N" * 200, "municipality": "M" * 120}
    created = ok(hub.admin.post("/api/v1/cells", json=body), 201)
    assert created["municipality"] == "M" * 120
    cell(hub, agency_id)
