"""The contract and the edges: openapi.yaml equals what is served; health; problems for junk."""

from __future__ import annotations

import json
from pathlib import Path

import httpx
import yaml

from app.api.app import create_app
from tests.support.live import LiveHub
from tests.support.timing import http_timeout

ROOT = Path(__file__).resolve().parents[2]


def test_openapi_yaml_is_what_the_app_serves(hub: LiveHub) -> None:
    committed = yaml.safe_load((ROOT / "openapi.yaml").read_text())
    generated = json.loads(json.dumps(create_app().openapi()))
    assert committed == generated, "openapi.yaml is stale: run `livc-hub openapi > openapi.yaml`"
    with httpx.Client(base_url=hub.base_url, timeout=http_timeout()) as client:
        served = client.get("/openapi.json").json()
    assert served == committed


def test_every_api_operation_requires_a_bearer_token() -> None:
    spec = create_app().openapi()
    public = {
        "/healthz",
        "/readyz",
        "/oauth/token",
        "/oauth/device_authorization",
        "/.well-known/jwks.json",
        "/.well-known/livc-hub/audit-key",
        "/.well-known/oauth-protected-resource",
    }
    for path, operations in spec["paths"].items():
        if path in public:
            continue
        for method, operation in operations.items():
            assert operation.get("security") == [{"HTTPBearer": []}], f"{method} {path}"


def test_healthz(hub: LiveHub) -> None:
    with httpx.Client(base_url=hub.base_url, timeout=http_timeout()) as client:
        r = client.get("/healthz")
    assert r.status_code == 200
    assert r.json() == {"status": "ok"}
    assert r.headers["x-request-id"]


def test_unknown_route_method_and_oversized_body_are_problems(hub: LiveHub) -> None:
    client = hub.admin
    unknown = client.get("/api/v1/nothing-here")
    assert unknown.status_code == 404
    assert unknown.headers["content-type"] == "application/problem+json"
    method = client.delete("/api/v1/agencies")
    assert method.status_code == 405
    assert method.json()["type"] == "urn:livc-hub:problem:method-not-allowed"
    big = client.post(
        "/api/v1/agencies", content=b"x" * 2_000_000, headers={"content-type": "application/json"}
    )
    assert big.status_code == 413
    assert big.json()["type"] == "urn:livc-hub:problem:payload-too-large"


def test_jwks_publishes_the_local_issuer_key(hub: LiveHub) -> None:
    with httpx.Client(base_url=hub.base_url, timeout=http_timeout()) as client:
        keys = client.get("/.well-known/jwks.json").json()["keys"]
    assert [k["kid"] for k in keys] == [hub.issuer.public_jwk()["kid"]]
    assert all("d" not in k for k in keys)
