"""Authentication: a bearer token as given, or OAuth 2.0 client credentials with refresh.

Both are ``httpx.Auth`` flows, so they work with the sync and the async client alike.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Generator

import httpx

from livc_hub_client.errors import HubError, problem_from
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
