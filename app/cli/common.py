"""What the command's parts share: the error they report, exit codes, a hub for the command."""

from __future__ import annotations

import ipaddress
from enum import IntEnum
from typing import Any

import httpx
from rich.console import Console
from rich.text import Text

from app.settings import Settings


class Exit(IntEnum):
    """The exit codes scripts can rely on (docs/cli.md)."""

    OK = 0
    OTHER = 1
    USAGE = 2
    NOT_SIGNED_IN = 3
    FORBIDDEN = 4
    NOT_FOUND = 5
    CONFLICT = 6
    INVALID = 7
    UNAVAILABLE = 8


class CliError(Exception):
    """A failure to report as one clear line and an exit code (1 unless another is given)."""

    def __init__(self, message: str, code: Exit = Exit.OTHER) -> None:
        super().__init__(message)
        self.code = code


async def with_hub(settings: Settings, work: Any) -> Any:
    """Run ``work(session, hub)`` in one committed transaction, as the command line."""
    from app.api.app import build_keys, build_log
    from app.db.engine import make_async_engine, make_sessionmaker
    from app.services.authz import Authorizer
    from app.services.hub import Hub

    hub = Hub(keys=build_keys(settings), log=build_log(settings), authz=Authorizer())
    engine = make_async_engine(settings.database)
    try:
        async with make_sessionmaker(engine)() as session:
            result = await work(session, hub)
            await session.commit()
            return result
    finally:
        await engine.dispose()


def _loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def secure(url: str) -> bool:
    """Whether a URL may carry a code or a token: https, or plain http to this machine."""
    try:
        parsed = httpx.URL(url)
    except (httpx.InvalidURL, TypeError):
        return False
    if not parsed.host:
        return False
    return parsed.scheme == "https" or (parsed.scheme == "http" and _loopback(parsed.host))


def stderr() -> Console:
    """Where commands talk to the person: standard error, no highlighting of what they print."""
    return Console(stderr=True, highlight=False)


def inert(value: str) -> Text:
    """What a server sends, shown as plain text without control characters (decision 167)."""
    return Text("".join(c if c.isprintable() else "\N{REPLACEMENT CHARACTER}" for c in value))
