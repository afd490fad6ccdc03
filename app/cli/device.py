"""``livc-hub login --device``: the hub's device authorization grant (RFC 8628), command side.

The command asks the hub for a pair of codes, shows the person the page to open and the short
code to check there, and polls the token endpoint until the member approved (or denied, or the
code expired). The polls are Authlib's OAuth 2 client (``fetch_token`` with the device_code
grant, a public client): Authlib reads the token answer and raises the OAuth error of a refusal;
the command only decides what each error means (decision 185). The token is returned, never
printed.

How the command waits is ``WAIT`` (a sleep and a monotonic clock), so tests replace it and wait
for nothing.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Final

import httpx
from authlib.integrations.httpx_client import OAuth2Client, OAuthError
from livc_hub_client.errors import problem_from
from pydantic import BaseModel, ValidationError
from rich.console import Console
from rich.text import Text

from app.cli.common import CliError, Exit

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


class DeviceAuthorization(BaseModel):
    """The hub's answer to a device authorization request (RFC 8628 section 3.2)."""

    device_code: str
    user_code: str
    verification_uri: str
    verification_uri_complete: str | None = None
    expires_in: int
    interval: int = 5


def _stderr() -> Console:
    return Console(stderr=True, highlight=False)


def _inert(value: str) -> Text:
    # What the hub sends is shown as plain text, without control characters (decision 167).
    return Text("".join(c if c.isprintable() else "\N{REPLACEMENT CHARACTER}" for c in value))


def start(client: OAuth2Client, hub: str) -> DeviceAuthorization:
    """Ask the hub for a device code and a user code; a refusal raises the hub's problem."""
    response = client.request(
        "POST",
        f"{hub}/oauth/device_authorization",
        data={"client_id": CLIENT_ID},
        withhold_token=True,  # no token yet: this request is how the flow starts
    )
    if response.status_code >= 400:
        raise problem_from(response)
    try:
        return DeviceAuthorization.model_validate_json(response.content)
    except ValidationError:
        raise CliError("the hub's device authorization answer is not RFC 8628's") from None


def show(started: DeviceAuthorization) -> None:
    """The page to open and the code to compare, on stderr."""
    err = _stderr()
    err.print(Text("To sign in, open this page in a browser where you are signed in to the hub:"))
    # Never folded: the link is copied or clicked whole.
    err.print(_inert(started.verification_uri_complete or started.verification_uri), soft_wrap=True)
    err.print(Text.assemble("and check that it shows the code ", (started.user_code, "bold")))
    minutes = max(1, started.expires_in // 60)
    err.print(Text(f"(the code is valid for {minutes} minutes)"))


def poll(client: OAuth2Client, hub: str, started: DeviceAuthorization) -> str:
    """Poll the token endpoint until the member decided; the access token of an approval."""
    interval = max(1, started.interval)
    ends = WAIT.clock() + started.expires_in
    with _stderr().status("waiting for your approval in the browser..."):
        while True:
            WAIT.sleep(interval)
            if WAIT.clock() >= ends:
                raise _failure("expired_token")  # the hub would say so too
            try:
                token = client.fetch_token(
                    f"{hub}/oauth/token", grant_type=DEVICE_GRANT, device_code=started.device_code
                )
            except OAuthError as refused:
                if refused.error == "authorization_pending":
                    continue
                if refused.error == "slow_down":
                    interval += SLOW_DOWN_STEP
                    continue
                raise _failure(refused.error) from None
            except httpx.HTTPStatusError as failed:
                raise problem_from(failed.response) from None
            access = token.get("access_token")
            if not isinstance(access, str) or not access:
                raise CliError("the hub's token answer holds no access token")
            return access


def _failure(error: str | None) -> CliError:
    """The command's error for an OAuth error that ends the wait (docs/cli.md, decision 186)."""
    if error == "access_denied":
        return CliError("the sign-in was denied in the browser; nothing stored", Exit.FORBIDDEN)
    if error == "expired_token":
        return CliError(
            "the code expired before it was approved: run login again", Exit.NOT_SIGNED_IN
        )
    if error == "invalid_client":
        return CliError(
            f"the hub does not let {CLIENT_ID} use the device grant (LIVC_AUTH_DEVICE_CLIENTS)",
            Exit.NOT_SIGNED_IN,
        )
    return CliError(f"the hub refused the device code ({error}): run login again")


def sign_in(hub: str) -> str:
    """The whole device flow against ``hub``: an access token for the member who approved."""
    with OAuth2Client(
        client_id=CLIENT_ID,
        token_endpoint_auth_method="none",  # noqa: S106 - a public client: its id in the form
        timeout=TIMEOUT,
        follow_redirects=False,
    ) as client:
        started = start(client, hub)
        show(started)
        return poll(client, hub, started)
