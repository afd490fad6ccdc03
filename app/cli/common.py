"""What the command's parts share: the error they report and a hub for command-line work."""

from __future__ import annotations

from typing import Any

from app.settings import Settings


class CliError(Exception):
    """A failure to report as one clear line and exit code 1."""


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
