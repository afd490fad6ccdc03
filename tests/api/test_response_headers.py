"""Headers every response carries, the ones personal data and tokens add, and the docs switch."""

from __future__ import annotations

import uuid

import anyio
import httpx
import pytest

from app.api.app import create_app
from app.settings import Mode, ServerSettings, Settings
from tests.support.live import LiveHub
from tests.support.world import agency


def _check(response: httpx.Response, *, no_store: bool) -> None:
    where = (response.request.method, response.request.url.path, response.status_code)
    assert response.headers.get("x-content-type-options") == "nosniff", where
    assert "server" not in response.headers, where
    if no_store:
        assert response.headers.get("cache-control") == "no-store", where
    else:
        assert "no-store" not in response.headers.get("cache-control", ""), where


def test_personal_data_and_tokens_are_no_store_everything_nosniff(hub: LiveHub) -> None:
    admin = hub.admin
    agency_id = agency(hub)
    private = [
        admin.get("/api/v1/me"),
        admin.get(f"/api/v1/agencies/{agency_id}"),
        admin.get(f"/api/v1/cells/{uuid.uuid4()}"),  # 404
        admin.delete("/api/v1/agencies"),  # 405
        admin.get("/api/v1/cells", params={"limit": 0}),  # 422
        admin.get("/api/v1/cells?cursor=%00"),  # 422 before the app
        admin.post(
            "/api/v1/agencies", content=b"x" * 2_000_000, headers={"content-type": "text/plain"}
        ),  # 413 before the app
        hub.client(token="not-a-token").get("/api/v1/me"),  # 401
        admin.get("/nothing-here"),  # 404 outside the API
    ]
    with httpx.Client(base_url=hub.base_url) as anonymous:
        private.append(
            anonymous.post("/oauth/token", data={"grant_type": "client_credentials"})  # 401
        )
        public = [
            anonymous.get("/healthz"),
            anonymous.get("/.well-known/jwks.json"),
            anonymous.get("/.well-known/livc-hub/audit-key"),
            anonymous.get("/openapi.json"),
        ]
    assert [r.status_code for r in private] == [200, 200, 404, 405, 422, 422, 413, 401, 404, 401]
    for response in private:
        _check(response, no_store=True)
    assert {r.status_code for r in public} == {200}
    for response in public:
        _check(response, no_store=False)


def test_a_server_error_carries_the_headers_too() -> None:
    app = create_app()

    @app.get("/api/v1/boom")
    async def boom() -> None:
        raise RuntimeError("a fault")

    async def call() -> httpx.Response:
        # In process, without the lifespan: the route touches nothing.
        transport = httpx.ASGITransport(app=app, raise_app_exceptions=False)
        async with httpx.AsyncClient(transport=transport, base_url="http://hub") as client:
            return await client.get("/api/v1/boom")

    r = anyio.run(call)
    assert r.status_code == 500
    assert r.json()["type"] == "urn:livc-hub:problem:internal"
    assert r.headers["x-content-type-options"] == "nosniff"
    assert r.headers["cache-control"] == "no-store"


DOCS = ("/docs", "/redoc", "/openapi.json")


def _served(settings: Settings) -> set[str]:
    app = create_app(settings)
    return {p for p in DOCS if any(getattr(r, "path", None) == p for r in app.routes)}


@pytest.mark.parametrize(
    ("mode", "enabled", "served"),
    [
        (Mode.PRODUCTION, None, set()),
        (Mode.PRODUCTION, True, set(DOCS)),
        (Mode.DEVELOPMENT, None, set(DOCS)),
        (Mode.DEVELOPMENT, False, set()),
        (Mode.DEMO, None, set(DOCS)),
    ],
)
def test_docs_are_off_in_production_unless_enabled(
    mode: Mode, enabled: bool | None, served: set[str]
) -> None:
    settings = Settings(server=ServerSettings(mode=mode, api_docs=enabled))
    assert _served(settings) == served
    # The contract is still built from the app object (`livc-hub openapi`, the contract test).
    assert create_app(settings).openapi()["paths"]
