"""Tokens and the caller."""

from __future__ import annotations

import uuid

from pydantic import BaseModel

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


class MeOut(BaseModel):
    """Who the token says the caller is, as the hub knows them."""

    member_id: uuid.UUID
    agency_id: uuid.UUID
    kind: MemberKind
    roles: list[Role]
    status: MemberStatus
    bound_by_secrecy: bool
    clearance: str
