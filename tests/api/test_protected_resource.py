"""``GET /.well-known/oauth-protected-resource`` (RFC 9728): where the command line gets a token.

Public, no personal data: the hub's URL, the authorization server (the identity provider whose
JWKS the hub trusts, else the hub itself), bearer tokens in the header, and the command line's
public client id. The JWKS client the hub made for the provider is closed at shut-down.
"""

from __future__ import annotations

import asyncio
from typing import Any

import httpx

from app.api.app import create_app
from app.auth import JwksKeySource
from app.settings import AuthSettings, Settings
from tests.support.live import LiveHub
from tests.support.timing import http_timeout

PATH = "/.well-known/oauth-protected-resource"


def test_without_an_identity_provider_the_hub_is_its_own_authorization_server(
    hub: LiveHub,
) -> None:
    with httpx.Client(base_url=hub.base_url, timeout=http_timeout()) as anonymous:
        answer = anonymous.get(PATH)
    assert answer.status_code == 200
    assert answer.headers["content-type"] == "application/json"
    assert answer.json() == {
        "resource": hub.base_url,
        "authorization_servers": [hub.base_url],
        "bearer_methods_supported": ["header"],
        "livc_hub_cli_client_id": "livc-hub-cli",
    }
    # A public document: no token needed, and a token changes nothing.
    assert hub.admin.get(PATH).json() == answer.json()


def _with_provider(hub: LiveHub, auth: AuthSettings) -> Settings:
    s = hub.settings
    return s.but(auth=auth)


def _serve_once(settings: Settings) -> tuple[dict[str, Any], Any]:
    """The metadata from an app started with ``settings``, and its state after shut-down."""
    app = create_app(settings)

    async def run() -> dict[str, Any]:
        async with app.router.lifespan_context(app):
            transport = httpx.ASGITransport(app=app)
            async with httpx.AsyncClient(
                transport=transport, base_url="https://hub.example.org"
            ) as client:
                answer = await client.get(PATH)
                assert answer.status_code == 200
                data: dict[str, Any] = answer.json()
                return data

    return asyncio.run(run()), app.state.hub


def test_with_an_identity_provider_it_names_the_provider_and_the_cli_client(
    hub: LiveHub,
) -> None:
    auth = AuthSettings(
        local_issuer_key_path=hub.settings.auth.local_issuer_key_path,
        jwks_url="https://idp.example.org/keys",
        jwks_issuer="https://idp.example.org/realms/livc",
        cli_client_id="livc-cli-at-the-idp",
    )
    metadata, state = _serve_once(_with_provider(hub, auth))
    assert metadata == {
        "resource": "https://hub.example.org",
        "authorization_servers": ["https://idp.example.org/realms/livc"],
        "bearer_methods_supported": ["header"],
        "livc_hub_cli_client_id": "livc-cli-at-the-idp",
    }
    # Shut down: the provider's JWKS client is closed (never fetched from: nothing verified).
    jwks = [s for s in state.verifier._sources if isinstance(s, JwksKeySource)]
    assert len(jwks) == 1
    assert jwks[0]._client.is_closed


def test_the_issuer_setting_names_the_provider_when_no_jwks_issuer_is_given(
    hub: LiveHub,
) -> None:
    auth = AuthSettings(
        local_issuer_enabled=False,
        issuer="https://idp.example.org",
        jwks_url="https://idp.example.org/keys",
    )
    metadata, _ = _serve_once(_with_provider(hub, auth))
    assert metadata["authorization_servers"] == ["https://idp.example.org"]
    assert metadata["livc_hub_cli_client_id"] == "livc-hub-cli"
