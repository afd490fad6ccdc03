"""Authentication: a bearer token as given, one the identity provider renews with its refresh
token, or OAuth 2.0 client credentials with refresh.

All are ``httpx.Auth`` flows, so they work with the sync and the async client alike.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable, Generator
from dataclasses import dataclass, field
from typing import Any

import httpx

from livc_hub_client.errors import HubError, RefreshRefused, problem_from
from livc_hub_client.models import Token


class BearerToken(httpx.Auth):
    """A token obtained elsewhere (e.g. from the agency's identity provider), sent as it is."""

    def __init__(self, token: str) -> None:
        self._token = token

    def auth_flow(self, request: httpx.Request) -> Generator[httpx.Request, httpx.Response, None]:
        """Add the header."""
        request.headers["Authorization"] = f"Bearer {self._token}"
        yield request


class ClientCredentials(httpx.Auth):
    """The client credentials grant (RFC 6749 4.4) against the hub's ``POST /oauth/token``.

    A token is fetched on first use and again ``leeway`` seconds before it expires; a request
    answered 401 is sent once more with a fresh token (the hub may have restarted with a new key,
    or the token was revoked). ``token_url`` is resolved against the request's URL: give an
    absolute URL when the hub is served under a path prefix.
    """

    requires_response_body = True

    def __init__(
        self,
        client_id: str,
        client_secret: str,
        *,
        token_url: str = "/oauth/token",  # noqa: S107 - a path, not a secret
        leeway: float = 30.0,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.client_id = client_id
        self._secret = client_secret
        self.token_url = token_url
        self.leeway = leeway
        self._clock = clock
        self._token: str | None = None
        self._expires_at = 0.0
        self.fetched = 0  # how many tokens this auth has fetched (for monitoring and tests)

    def __repr__(self) -> str:
        return f"ClientCredentials(client_id={self.client_id!r})"

    def _fresh(self) -> bool:
        return self._token is not None and self._clock() < self._expires_at

    def _token_request(self, request: httpx.Request) -> httpx.Request:
        return httpx.Request(
            "POST",
            request.url.join(self.token_url),
            data={
                "grant_type": "client_credentials",
                "client_id": self.client_id,
                "client_secret": self._secret,
            },
            headers={"Accept": "application/json"},
        )

    def _store(self, response: httpx.Response) -> str:
        if response.status_code != 200:
            raise problem_from(response)
        try:
            token = Token.model_validate_json(response.content)
        except ValueError as exc:
            raise HubError("the token endpoint answered something that is not a token") from exc
        # Refresh ahead of expiry, but never earlier than half the token's life.
        ahead = min(self.leeway, token.expires_in / 2)
        self._token = token.access_token
        self._expires_at = self._clock() + token.expires_in - ahead
        self.fetched += 1
        return token.access_token

    def auth_flow(self, request: httpx.Request) -> Generator[httpx.Request, httpx.Response, None]:
        """Fetch or refresh the token, send, and retry once after a 401 with a new token."""
        if self._fresh():
            assert self._token is not None  # noqa: S101 - narrowed by _fresh
            token = self._token
        else:
            token = self._store((yield self._token_request(request)))
        request.headers["Authorization"] = f"Bearer {token}"
        response = yield request
        if response.status_code == 401:
            token = self._store((yield self._token_request(request)))
            request.headers["Authorization"] = f"Bearer {token}"
            yield request


@dataclass(frozen=True)
class RefreshedTokens:
    """What a renewal gave: hand it to storage (``RefreshingBearer``'s ``on_refresh``).

    ``refresh_token`` is the provider's new one when it rotates them, else the one used;
    ``expires_at`` is when the access token expires (seconds since the epoch, by the auth's
    clock), None when the provider did not say. The tokens are never in the repr.
    """

    access_token: str = field(repr=False)
    refresh_token: str = field(repr=False)
    expires_at: float | None = None


class RefreshingBearer(httpx.Auth):
    """A person's access token from the identity provider, renewed with its refresh token.

    The token is renewed (``grant_type=refresh_token``, RFC 6749 section 6, as a public client:
    its ``client_id`` in the form, no secret) ``leeway`` seconds before ``expires_at`` when that is
    known, and after a 401 answer, which is then sent once more with the new token (the expiry
    may be unknown, or the clocks disagree). A request is renewed for at most once. ``on_refresh``
    is called with the new :class:`RefreshedTokens` so that the owner can store them (a provider
    that rotates refresh tokens takes the old one back). A refused renewal raises
    :class:`~livc_hub_client.errors.RefreshRefused`: sign in again. ``token_url`` is the
    provider's token endpoint, an absolute URL; ``expires_at`` is seconds since the epoch by
    ``clock`` (give ``expires_in`` instead for a token just received).
    """

    requires_response_body = True

    def __init__(
        self,
        access_token: str,
        refresh_token: str,
        *,
        token_url: str,
        client_id: str,
        expires_at: float | None = None,
        expires_in: float | None = None,
        leeway: float = 30.0,
        on_refresh: Callable[[RefreshedTokens], None] | None = None,
        clock: Callable[[], float] = time.time,
    ) -> None:
        if expires_at is not None and expires_in is not None:
            raise ValueError("give expires_at or expires_in, not both")
        try:
            absolute = httpx.URL(token_url).is_absolute_url
        except httpx.InvalidURL:
            absolute = False
        if not absolute:
            raise ValueError("token_url must be an absolute URL (the provider's token endpoint)")
        self.token_url = token_url
        self.client_id = client_id
        self.leeway = leeway
        self._clock = clock
        self._on_refresh = on_refresh
        self._access = access_token
        self._refresh = refresh_token
        self._renew_at: float | None = None
        if expires_in is not None:
            self._renew_at = self._ahead(clock() + expires_in, expires_in)
        elif expires_at is not None:
            self._renew_at = self._ahead(expires_at, None)
        self.refreshed = 0  # how many times this auth renewed its token (monitoring, tests)

    def __repr__(self) -> str:
        return f"RefreshingBearer(client_id={self.client_id!r}, token_url={self.token_url!r})"

    def _ahead(self, expires_at: float, lifetime: float | None) -> float:
        # Ahead of expiry, but never earlier than half the token's life when that is known.
        ahead = self.leeway if lifetime is None else min(self.leeway, lifetime / 2)
        return expires_at - ahead

    def _due(self) -> bool:
        return self._renew_at is not None and self._clock() >= self._renew_at

    def _refresh_request(self) -> httpx.Request:
        return httpx.Request(
            "POST",
            self.token_url,
            data={
                "grant_type": "refresh_token",
                "refresh_token": self._refresh,
                "client_id": self.client_id,
            },
            headers={"Accept": "application/json"},
        )

    def _store(self, response: httpx.Response) -> str:
        status = response.status_code
        if status >= 500 or status == 429:
            raise problem_from(response)  # the provider is unavailable: the token may still do
        if status != 200:
            raise RefreshRefused(_oauth_error(response), status)
        body = _json(response)
        access = body.get("access_token")
        if not isinstance(access, str) or not access:
            raise HubError("the token endpoint answered something that is not a token")
        rotated = body.get("refresh_token")
        lifetime = _seconds(body.get("expires_in"))
        now = self._clock()
        self._access = access
        if isinstance(rotated, str) and rotated:
            self._refresh = rotated
        expires_at = None if lifetime is None else now + lifetime
        self._renew_at = None if expires_at is None else self._ahead(expires_at, lifetime)
        self.refreshed += 1
        if self._on_refresh is not None:
            self._on_refresh(RefreshedTokens(self._access, self._refresh, expires_at))
        return access

    def auth_flow(self, request: httpx.Request) -> Generator[httpx.Request, httpx.Response, None]:
        """Renew the token when due, send, and after a 401 renew and send once more."""
        renewed = False
        if self._due():
            self._store((yield self._refresh_request()))
            renewed = True
        sent = self._access
        request.headers["Authorization"] = f"Bearer {sent}"
        response = yield request
        if response.status_code != 401 or renewed:
            return
        if self._access == sent:  # else another request renewed it meanwhile: use that one
            self._store((yield self._refresh_request()))
        request.headers["Authorization"] = f"Bearer {self._access}"
        yield request


def _json(response: httpx.Response) -> dict[str, Any]:
    try:
        body = json.loads(response.content)
    except ValueError:
        body = None
    if not isinstance(body, dict):
        raise HubError("the token endpoint answered something that is not a token")
    return body


def _oauth_error(response: httpx.Response) -> str | None:
    try:
        body = json.loads(response.content)
    except ValueError:
        return None
    error = body.get("error") if isinstance(body, dict) else None
    return error if isinstance(error, str) else None


def _seconds(value: Any) -> float | None:
    """``expires_in`` as seconds (a number, or a string of one as some providers send)."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int | float):
        seconds = float(value)
    elif isinstance(value, str):
        try:
            seconds = float(value)
        except ValueError:
            return None
    else:
        return None
    return seconds if seconds >= 0 else None
