"""Tokens and the caller."""

from __future__ import annotations

import uuid

from pydantic import BaseModel, Field

from app.policies.vocabulary import MemberKind, MemberStatus, Role


class TokenOut(BaseModel):
    """An OAuth 2.0 access token response (RFC 6749 section 5.1)."""

    access_token: str
    token_type: str = "Bearer"  # noqa: S105 - the RFC 6749 token type, not a secret
    expires_in: int


class DeviceAuthorizationOut(BaseModel):
    """The codes of a device authorization request (RFC 8628 section 3.2)."""

    device_code: str
    user_code: str
    verification_uri: str
    verification_uri_complete: str
    expires_in: int
    interval: int


class ProtectedResourceOut(BaseModel):
    """The hub as an OAuth protected resource (RFC 9728 section 2), for clients to discover
    where to get a token: no personal data."""

    resource: str = Field(description="the hub's URL, as the client reached it")
    authorization_servers: list[str] = Field(
        description="issuer of the identity provider whose tokens the hub accepts; the hub's own "
        "URL when it has none (its device grant and client credentials)"
    )
    bearer_methods_supported: list[str] = Field(default_factory=lambda: ["header"])
    livc_hub_cli_client_id: str = Field(
        description="the public client id of `livc-hub login` at the authorization server"
    )


class MeOut(BaseModel):
    """Who the token says the caller is, as the hub knows them."""

    member_id: uuid.UUID
    agency_id: uuid.UUID
    kind: MemberKind
    roles: list[Role]
    status: MemberStatus
    bound_by_secrecy: bool
    clearance: str
