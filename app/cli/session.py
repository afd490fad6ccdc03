"""Who the people's commands speak to the hub as: the credential ``livc-hub login`` stores.

``$XDG_CONFIG_HOME/livc-hub/credentials.json`` (else ``~/.config/...``), 0600 in a 0700 directory,
holds one credential per hub URL and which hub is the default. A token or secret is never printed
or logged: only the hub URL, the kind of credential and, for client credentials, the client id.

A person's token from the identity provider is renewed with its refresh token when it is about to
expire or the hub refuses it (the SDK's ``RefreshingBearer``); the new tokens replace the old ones
in the file at once, since a provider that rotates refresh tokens takes the old one back
(decision 201). A renewal the provider refuses exits 3: sign in again.
"""

from __future__ import annotations

import json
import os
import tempfile
import time
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import httpx
from livc_hub_client import (
    BearerToken,
    Client,
    ClientCredentials,
    RefreshedTokens,
    RefreshingBearer,
)

from app.cli.common import CliError, Exit, secure

HUB_VARIABLE = "LIVC_HUB_URL"
SECRET_VARIABLE = "LIVC_CLIENT_SECRET"  # noqa: S105 - the variable's name, not a secret
TIMEOUT = 60.0


def config_dir() -> Path:
    """Where the credentials live (XDG base directory specification)."""
    base = os.environ.get("XDG_CONFIG_HOME") or str(Path.home() / ".config")
    return Path(base) / "livc-hub"


def credentials_path() -> Path:
    """The credentials file."""
    return config_dir() / "credentials.json"


def hub_url(given: str | None) -> str:
    """The hub's base URL, checked: https, or plain http only to this machine."""
    raw = (given or "").strip()
    if not raw:
        raise CliError(f"give --hub URL (or set {HUB_VARIABLE})", Exit.USAGE)
    try:
        httpx.URL(raw)
    except httpx.InvalidURL:
        raise CliError("--hub is not a URL", Exit.USAGE) from None
    if not secure(raw):
        raise CliError(
            "--hub must be an https:// URL (plain http only to this machine)", Exit.USAGE
        )
    return raw.rstrip("/")


@dataclass(frozen=True)
class Credential:
    """A bearer token, or a client id and secret (the client credentials grant).

    A bearer token from the identity provider also names its ``issuer``, the public
    ``client_id`` it was given to, the ``token_url`` and the ``refresh_token`` if one came with
    it, so that it can be renewed there, and ``expires_at`` (seconds since the epoch) when the
    provider said how long the token lasts.
    """

    kind: str  # "bearer" or "client_credentials"
    token: str | None = field(default=None, repr=False)  # never in a repr, a log, a traceback
    client_id: str | None = None
    client_secret: str | None = field(default=None, repr=False)
    refresh_token: str | None = field(default=None, repr=False)
    issuer: str | None = None
    token_url: str | None = None
    expires_at: float | None = None

    def auth(self, hub: str, *, renew: bool = True) -> httpx.Auth:
        """The SDK's auth flow for this credential; with ``renew``, a token the provider can
        renew (a refresh token, where and for whom) is renewed, and the new tokens stored."""
        token, refresh, url, client = self.token, self.refresh_token, self.token_url, self.client_id
        if renew and self.kind == "bearer" and token and refresh and url and client:
            return RefreshingBearer(
                token,
                refresh,
                token_url=url,
                client_id=client,
                expires_at=self.expires_at,
                on_refresh=lambda tokens: renewed(hub, self, tokens),
            )
        if self.kind == "bearer" and self.token:
            return BearerToken(self.token)
        if self.kind == "client_credentials" and self.client_id and self.client_secret:
            # Absolute: a hub served under a path prefix has its token endpoint there too.
            return ClientCredentials(
                self.client_id, self.client_secret, token_url=f"{hub}/oauth/token"
            )
        raise CliError("the stored credential is unusable: sign in again", Exit.NOT_SIGNED_IN)

    def as_json(self) -> dict[str, str | float]:
        """What is stored."""
        fields: dict[str, str | float | None] = {
            "kind": self.kind,
            "token": self.token,
            "client_id": self.client_id,
            "client_secret": self.client_secret,
            "refresh_token": self.refresh_token,
            "issuer": self.issuer,
            "token_url": self.token_url,
            "expires_at": self.expires_at,
        }
        return {k: v for k, v in fields.items() if v is not None}

    def describe(self) -> str:
        """A line naming the credential without its secret."""
        if self.kind == "client_credentials":
            return f"client credentials of {self.client_id}"
        if self.issuer:
            return f"a bearer token from {self.issuer}"
        return "a bearer token"


def _read() -> dict[str, Any]:
    path = credentials_path()
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        return {"default": None, "hubs": {}}
    except ValueError:
        raise CliError(f"{path} is not JSON: sign in again after removing it") from None
    if not isinstance(data, dict) or not isinstance(data.get("hubs"), dict):
        raise CliError(f"{path} is not a credentials file: sign in again after removing it")
    return data


def _write(data: dict[str, Any]) -> None:
    """Replace the file atomically; 0600 from the start, in a 0700 directory."""
    folder = config_dir()
    folder.mkdir(mode=0o700, parents=True, exist_ok=True)
    folder.chmod(0o700)
    handle, temporary = tempfile.mkstemp(dir=folder, prefix=".credentials-", suffix=".json")
    try:
        os.fchmod(handle, 0o600)
        with os.fdopen(handle, "w", encoding="utf-8") as out:
            json.dump(data, out, indent=2)
            out.write("\n")
        os.replace(temporary, credentials_path())
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise


def store(hub: str, credential: Credential) -> None:
    """Remember the credential for this hub and make the hub the default."""
    data = _read()
    data["hubs"][hub] = credential.as_json()
    data["default"] = hub
    _write(data)


def renewed(hub: str, credential: Credential, tokens: RefreshedTokens) -> None:
    """Store the provider's renewed tokens in place of the old ones (decision 201).

    Only while the file still holds a credential of the same provider and client for the hub:
    after a logout, or a sign-in elsewhere, nothing is written back. The default hub stays.
    """
    data = _read()
    stored = data["hubs"].get(hub)
    if (
        not isinstance(stored, dict)
        or stored.get("kind") != "bearer"
        or stored.get("issuer") != credential.issuer
        or stored.get("client_id") != credential.client_id
    ):
        return
    fresh = replace(
        credential,
        token=tokens.access_token,
        refresh_token=tokens.refresh_token,
        expires_at=tokens.expires_at,
    )
    data["hubs"][hub] = fresh.as_json()
    _write(data)


def expires_at(token: Mapping[str, Any], now: float | None = None) -> float | None:
    """When a token answer's access token expires (seconds since the epoch), if it says."""
    lifetime = token.get("expires_in")
    if isinstance(lifetime, bool) or not isinstance(lifetime, int | float | str):
        return None
    try:
        seconds = float(lifetime)
    except ValueError:
        return None
    if seconds < 0:
        return None
    return (time.time() if now is None else now) + seconds


def forget(hub: str | None) -> str | None:
    """Forget the credential of a hub (default: the default hub); the hub forgotten, if any."""
    data = _read()
    chosen = hub or data.get("default")
    if not chosen or chosen not in data["hubs"]:
        return None
    del data["hubs"][chosen]
    if data.get("default") == chosen:
        data["default"] = next(iter(data["hubs"]), None)
    if data["hubs"]:
        _write(data)
    else:
        credentials_path().unlink(missing_ok=True)
    return str(chosen)


def signed_in(given_hub: str | None) -> tuple[str, Credential]:
    """The hub to speak to and the credential stored for it; exit 3 when there is none."""
    data = _read()
    chosen = given_hub or os.environ.get(HUB_VARIABLE) or data.get("default")
    if not chosen:
        raise CliError("not signed in: run `livc-hub login` first", Exit.NOT_SIGNED_IN)
    hub = hub_url(chosen)
    stored = data["hubs"].get(hub)
    if not isinstance(stored, dict):
        # Never send one hub's credential to another.
        raise CliError(f"not signed in to {hub}: run `livc-hub login`", Exit.NOT_SIGNED_IN)
    return hub, Credential(
        kind=str(stored.get("kind")),
        token=stored.get("token"),
        client_id=stored.get("client_id"),
        client_secret=stored.get("client_secret"),
        refresh_token=stored.get("refresh_token"),
        issuer=stored.get("issuer"),
        token_url=stored.get("token_url"),
        expires_at=_number(stored.get("expires_at")),
    )


def _number(value: Any) -> float | None:
    if isinstance(value, bool) or not isinstance(value, int | float):
        return None
    return float(value)


def client_for(hub: str, credential: Credential, *, renew: bool = True) -> Client:
    """An SDK client of the hub with the credential (``renew``: see ``Credential.auth``)."""
    return Client(hub, auth=credential.auth(hub, renew=renew), timeout=TIMEOUT)


def connect(given_hub: str | None) -> Client:
    """An SDK client of the hub the caller signed in to (or the one ``--hub`` names)."""
    hub, credential = signed_in(given_hub)
    return client_for(hub, credential)
