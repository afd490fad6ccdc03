"""Where ``livc-hub login --browser`` (or ``--device``) gets a token: discovery, command side.

First the hub's protected resource metadata (RFC 9728, ``/.well-known/oauth-protected-resource``)
names the authorization server and the command line's public client id there; then that
server's own metadata (OpenID Connect Discovery, else RFC 8414) gives its endpoints. ``--issuer``
skips the hub's part. A hub that names itself (or predates the metadata) has no identity
provider: ``--device`` then uses the hub's own device grant and ``--browser`` has nothing to open
(exit 2).

Exit codes (docs/cli.md, decision 197): the provider out of reach or failing exits 8; an answer
that is not the metadata it should be (another issuer, plain http to another machine) exits 3.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Final

import httpx
from livc_hub_client.errors import problem_from
from pydantic import BaseModel, ValidationError

from app.cli.common import CliError, Exit, secure

RESOURCE_PATH: Final = "/.well-known/oauth-protected-resource"
OPENID_PATH: Final = "/.well-known/openid-configuration"
OAUTH_PATH: Final = "/.well-known/oauth-authorization-server"
DEFAULT_CLIENT_ID: Final = "livc-hub-cli"
TIMEOUT: Final = 10.0


class ResourceMetadata(BaseModel):
    """What the command reads of the hub's RFC 9728 document."""

    resource: str
    authorization_servers: list[str] = []
    livc_hub_cli_client_id: str = DEFAULT_CLIENT_ID


class ServerMetadata(BaseModel):
    """What the command reads of the provider's metadata (RFC 8414 section 2)."""

    issuer: str
    authorization_endpoint: str | None = None
    token_endpoint: str
    device_authorization_endpoint: str | None = None
    jwks_uri: str | None = None
    code_challenge_methods_supported: list[str] | None = None


@dataclass(frozen=True)
class Provider:
    """The identity provider's endpoints and the command line's public client id there."""

    issuer: str
    client_id: str
    token_endpoint: str
    authorization_endpoint: str | None = None
    device_authorization_endpoint: str | None = None
    jwks_uri: str | None = None


def _same(one: str, other: str) -> bool:
    return one.rstrip("/") == other.rstrip("/")


def unavailable(what: str = "", exc: Exception | None = None) -> CliError:
    """The provider out of reach or failing (exit 8): what failed, and the error's class."""
    said = f": {what}" if what else ""
    why = f" ({type(exc).__name__})" if exc is not None else ""
    return CliError(f"the identity provider is unavailable{said}{why}", Exit.UNAVAILABLE)


def _bad(what: str) -> CliError:
    return CliError(f"the identity provider's answer is not usable: {what}", Exit.NOT_SIGNED_IN)


def resource_metadata(client: httpx.Client, hub: str) -> ResourceMetadata | None:
    """The hub's protected resource metadata; None when the hub does not publish it."""
    try:
        answer = client.get(f"{hub}{RESOURCE_PATH}")
    except httpx.TransportError as exc:
        raise CliError(f"cannot reach the hub ({type(exc).__name__})", Exit.UNAVAILABLE) from None
    if answer.status_code == 404:
        return None
    if answer.status_code != 200:
        raise problem_from(answer)
    try:
        return ResourceMetadata.model_validate_json(answer.content)
    except ValidationError:
        raise CliError(
            "the hub's protected resource metadata is not RFC 9728's", Exit.NOT_SIGNED_IN
        ) from None


def _metadata_urls(issuer: str) -> list[str]:
    """OpenID Connect Discovery's URL, then RFC 8414's (the well-known part before the path)."""
    url = httpx.URL(issuer)
    path = url.path.rstrip("/")
    return [
        issuer.rstrip("/") + OPENID_PATH,
        str(url.copy_with(path=OAUTH_PATH + path, query=None, fragment=None)),
    ]


def server_metadata(client: httpx.Client, issuer: str) -> ServerMetadata:
    """The provider's metadata, checked: its own issuer, endpoints over https (or loopback)."""
    for url in _metadata_urls(issuer):
        try:
            answer = client.get(url)
        except httpx.TransportError as exc:
            raise unavailable(issuer, exc) from None
        if answer.status_code == 404:
            continue
        if answer.status_code >= 500 or answer.status_code == 429:
            raise unavailable(f"{issuer} answered {answer.status_code}")
        if answer.status_code != 200:
            raise _bad(f"its metadata answered {answer.status_code}")
        try:
            found = ServerMetadata.model_validate_json(answer.content)
        except ValidationError:
            raise _bad("its metadata is not OAuth authorization server metadata") from None
        # RFC 8414 section 3.3 and OpenID Connect Discovery 4.3: another issuer is an impostor.
        if not _same(found.issuer, issuer):
            raise _bad(f"its metadata names another issuer than {issuer}")
        endpoints = (
            found.token_endpoint,
            found.authorization_endpoint,
            found.device_authorization_endpoint,
            found.jwks_uri,
        )
        if not all(secure(e) for e in endpoints if e is not None):
            raise _bad("an endpoint is not https:// (plain http only to this machine)")
        return found
    raise _bad(f"{issuer} publishes no authorization server metadata")


def discover(hub: str, *, issuer: str | None, client_id: str | None) -> Provider | None:
    """The identity provider for this hub (or ``issuer``); None if the hub signs in itself."""
    with httpx.Client(timeout=TIMEOUT, follow_redirects=False) as client:
        public_client = client_id
        if issuer is None:
            metadata = resource_metadata(client, hub)
            if metadata is None or not metadata.authorization_servers:
                return None
            issuer = metadata.authorization_servers[0]
            if _same(issuer, hub) or _same(issuer, metadata.resource):
                return None
            if not secure(issuer):
                raise _bad(f"the hub names {issuer}, which is not https://")
            public_client = client_id or metadata.livc_hub_cli_client_id
        elif not secure(issuer):
            raise CliError(
                "--issuer must be an https:// URL (plain http only to this machine)", Exit.USAGE
            )
        found = server_metadata(client, issuer)
    return Provider(
        issuer=found.issuer,
        client_id=public_client or DEFAULT_CLIENT_ID,
        token_endpoint=found.token_endpoint,
        authorization_endpoint=found.authorization_endpoint,
        device_authorization_endpoint=found.device_authorization_endpoint,
        jwks_uri=found.jwks_uri,
    )
