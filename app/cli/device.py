"""``livc-hub login --device``: the device authorization grant (RFC 8628), command side.

At the identity provider when its metadata has a device authorization endpoint
(app/cli/provider.py, decision 198), else at the hub itself. The command asks for a pair of codes,
shows the person the page to open and the short code to check there, and polls the token endpoint
until the person approved (or denied, or the code expired). The polls are Authlib's OAuth 2
client (``fetch_token`` with the device_code grant, a public client): Authlib reads the token
answer and raises the OAuth error of a refusal; the command only decides what each error means
(decision 185). The token is returned, never printed.

How the command waits is ``WAIT`` (a sleep and a monotonic clock), so tests replace it and wait
for nothing.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Final

import httpx
from livc_hub_client.errors import problem_from
from pydantic import BaseModel, ValidationError
from rich.text import Text

from app.auth.oauth_client import OAuth2Client, OAuthError
from app.cli import session
from app.cli.common import CliError, Exit, inert, stderr
from app.cli.provider import Provider, unavailable

CLIENT_ID: Final = "livc-hub-cli"  # the hub's default public client (LIVC_AUTH_DEVICE_CLIENTS)
DEVICE_GRANT: Final = "urn:ietf:params:oauth:grant-type:device_code"
SLOW_DOWN_STEP: Final = 5  # seconds added at each slow_down (RFC 8628 section 3.5)
TIMEOUT: Final = 30.0


@dataclass
class Waiting:
    """How the command waits: tests replace both (``app.cli.device.WAIT``)."""

    sleep: Callable[[float], None] = time.sleep
    clock: Callable[[], float] = time.monotonic


WAIT = Waiting()


@dataclass(frozen=True)
class Endpoints:
    """Where the grant runs: the hub (``issuer`` None) or the identity provider."""

    device_authorization: str
    token: str
    client_id: str = CLIENT_ID
    issuer: str | None = None

    @classmethod
    def of_hub(cls, hub: str, client_id: str | None = None) -> Endpoints:
        """The hub's own device grant (decisions 180-187)."""
        return cls(
            f"{hub}/oauth/device_authorization", f"{hub}/oauth/token", client_id or CLIENT_ID
        )

    @classmethod
    def of_provider(cls, provider: Provider) -> Endpoints:
        """The identity provider's device grant (its metadata names the endpoint)."""
        if provider.device_authorization_endpoint is None:
            raise ValueError("the provider has no device authorization endpoint")
        return cls(
            provider.device_authorization_endpoint,
            provider.token_endpoint,
            provider.client_id,
            provider.issuer,
        )

    @property
    def who(self) -> str:
        """How messages name the server."""
        return "the hub" if self.issuer is None else "the identity provider"


class DeviceAuthorization(BaseModel):
    """The hub's answer to a device authorization request (RFC 8628 section 3.2)."""

    device_code: str
    user_code: str
    verification_uri: str
    verification_uri_complete: str | None = None
    expires_in: int
    interval: int = 5


def start(client: OAuth2Client, at: Endpoints) -> DeviceAuthorization:
    """Ask for a device code and a user code; a refusal raises the hub's problem (or exits)."""
    try:
        response = client.request(
            "POST",
            at.device_authorization,
            data={"client_id": at.client_id},
            withhold_token=True,  # no token yet: this request is how the flow starts
        )
    except httpx.TransportError as exc:
        if at.issuer is None:
            raise  # the hub out of reach: exit 8, as every command
        raise unavailable(exc=exc) from None
    if response.status_code >= 400:
        if at.issuer is None:
            raise problem_from(response)
        if response.status_code >= 500 or response.status_code == 429:
            raise unavailable()
        raise _failure(_oauth_error(response), at)
    try:
        return DeviceAuthorization.model_validate_json(response.content)
    except ValidationError:
        raise CliError(
            f"{at.who}'s device authorization answer is not RFC 8628's", Exit.NOT_SIGNED_IN
        ) from None


def _oauth_error(response: httpx.Response) -> str | None:
    try:
        body = response.json()
    except ValueError:
        return None
    error = body.get("error") if isinstance(body, dict) else None
    return error if isinstance(error, str) else None


def show(started: DeviceAuthorization, at: Endpoints | None = None) -> None:
    """The page to open and the code to compare, on stderr."""
    err = stderr()
    if at is None or at.issuer is None:
        err.print(
            Text("To sign in, open this page in a browser where you are signed in to the hub:")
        )
    else:
        err.print(Text(f"To sign in, open this page of {at.issuer} in a browser:"))
    # Never folded: the link is copied or clicked whole.
    err.print(inert(started.verification_uri_complete or started.verification_uri), soft_wrap=True)
    err.print(Text.assemble("and check that it shows the code ", (started.user_code, "bold")))
    minutes = max(1, started.expires_in // 60)
    err.print(Text(f"(the code is valid for {minutes} minutes)"))


def poll(client: OAuth2Client, at: Endpoints, started: DeviceAuthorization) -> dict[str, Any]:
    """Poll the token endpoint until the person decided; the token answer of an approval."""
    interval = max(1, started.interval)
    ends = WAIT.clock() + started.expires_in
    with stderr().status("waiting for your approval in the browser..."):
        while True:
            WAIT.sleep(interval)
            if WAIT.clock() >= ends:
                raise _failure("expired_token", at)  # the server would say so too
            try:
                token = client.fetch_token(
                    at.token, grant_type=DEVICE_GRANT, device_code=started.device_code
                )
            except OAuthError as refused:
                if refused.error == "authorization_pending":
                    continue
                if refused.error == "slow_down":
                    interval += SLOW_DOWN_STEP
                    continue
                raise _failure(refused.error, at) from None
            except httpx.HTTPStatusError as failed:
                if at.issuer is not None:
                    raise unavailable() from None
                raise problem_from(failed.response) from None
            except httpx.TransportError as exc:
                if at.issuer is None:
                    raise
                raise unavailable(exc=exc) from None
            access = token.get("access_token")
            if not isinstance(access, str) or not access:
                raise CliError(f"{at.who}'s token answer holds no access token")
            return dict(token)


def _failure(error: str | None, at: Endpoints) -> CliError:
    """The command's error for an OAuth error that ends the wait (docs/cli.md, decision 186)."""
    if error == "access_denied":
        return CliError("the sign-in was denied in the browser; nothing stored", Exit.FORBIDDEN)
    if error == "expired_token":
        return CliError(
            "the code expired before it was approved: run login again", Exit.NOT_SIGNED_IN
        )
    if error == "invalid_client":
        where = (
            "the hub does not let {id} use the device grant (LIVC_AUTH_DEVICE_CLIENTS)"
            if at.issuer is None
            else "the identity provider does not let {id} use the device grant"
        )
        return CliError(where.format(id=at.client_id), Exit.NOT_SIGNED_IN)
    return CliError(f"{at.who} refused the device code ({error}): run login again")


def sign_in(at: Endpoints) -> session.Credential:
    """The whole device flow: a bearer credential for the person who approved."""
    with OAuth2Client(
        client_id=at.client_id,
        token_endpoint_auth_method="none",  # noqa: S106 - a public client: its id in the form
        timeout=TIMEOUT,
        follow_redirects=False,
    ) as client:
        started = start(client, at)
        show(started, at)
        token = poll(client, at, started)
    refresh = token.get("refresh_token")
    return session.Credential(
        "bearer",
        token=str(token["access_token"]),
        refresh_token=refresh if at.issuer is not None and isinstance(refresh, str) else None,
        issuer=at.issuer,
        client_id=at.client_id if at.issuer is not None else None,
        token_url=at.token if at.issuer is not None else None,
        expires_at=session.expires_at(token) if at.issuer is not None else None,
    )
