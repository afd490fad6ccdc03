"""The hub served by a real uvicorn on 127.0.0.1, in a thread of the test process."""

from __future__ import annotations

import asyncio
import concurrent.futures
import ssl
import threading
import uuid
from collections.abc import Coroutine
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypeVar

import httpx
import uvicorn

from app.api.app import create_app
from app.auth import LocalIssuer
from app.settings import (
    AuditSettings,
    AuthSettings,
    DatabaseSettings,
    KeySettings,
    Mode,
    ServerSettings,
    Settings,
    WebSettings,
)
from tests.support.databases import ThrowawayDatabase
from tests.support.timing import http_timeout, scaled, wait_until

# One TLS context for every test client. The hub is served over plain HTTP on 127.0.0.1, but
# httpx builds a context per client by default and loads the CA bundle into it: about 20 ms and
# 0.8 MB a client, which over the suite's thousands of clients was minutes of CPU and gigabytes of
# memory in the test process (where the hub's server thread runs too).
_TLS = ssl.create_default_context()

T = TypeVar("T")


def run_coroutine(coroutine: Coroutine[Any, Any, T]) -> T:
    """``asyncio.run`` in a thread of its own: it works where this thread already has an event
    loop running, as it has in the browser tests while Playwright's sync API is started."""
    with concurrent.futures.ThreadPoolExecutor(1, thread_name_prefix="livc-test-async") as pool:
        return pool.submit(asyncio.run, coroutine).result()


@dataclass
class LiveHub:
    """A running hub and what a test needs to talk to it."""

    database: ThrowawayDatabase
    settings: Settings
    base_url: str
    issuer: LocalIssuer
    admin_id: str
    server: uvicorn.Server
    thread: threading.Thread
    clients: list[httpx.Client] = field(default_factory=list)

    def token(self, member_id: str, **kwargs: Any) -> str:
        """A valid token for a member, from the hub's own local issuer."""
        return self.issuer.issue(member_id, **kwargs)

    def client(self, member_id: str | None = None, *, token: str | None = None) -> httpx.Client:
        """An HTTP client, authenticated as ``member_id`` (or with ``token``), or anonymous."""
        headers = {}
        if member_id is not None:
            token = self.token(member_id)
        if token is not None:
            headers["Authorization"] = f"Bearer {token}"
        client = httpx.Client(
            base_url=self.base_url, headers=headers, timeout=http_timeout(), verify=_TLS
        )
        self.clients.append(client)
        return client

    @property
    def app(self) -> Any:
        """The served FastAPI app (its ``state.hub`` once started): for injecting a clock."""
        return self.server.config.app

    @property
    def admin(self) -> httpx.Client:
        """A client for the bootstrapped hub admin."""
        return self.client(self.admin_id)

    def stop(self) -> None:
        """Stop the server we started and close clients."""
        for client in self.clients:
            client.close()
        self.server.should_exit = True
        self.thread.join(timeout=scaled(15))


def _settings(database: ThrowawayDatabase, workdir: Path, master_key: str) -> Settings:
    return Settings(
        database=DatabaseSettings(url=database.app_url),
        keys=KeySettings(keyring_path=workdir / "keyring.json", master_key=master_key),
        auth=AuthSettings(local_issuer_key_path=workdir / "issuer.pem"),
        audit=AuditSettings(key_path=workdir / "audit-key.pem", checkpoint_every=25),
        server=ServerSettings(mode=Mode.DEVELOPMENT),
        # Every web test signs in from 127.0.0.1: the per-address limit is tested on its own hub.
        web=WebSettings(login_per_address="1000/minute"),
    )


def bootstrap_admin(settings: Settings) -> str:
    """A hub admin made from the command line (up to two exist this way)."""
    return _bootstrap(settings)


def _bootstrap(settings: Settings) -> str:
    from app.cli import _with_hub
    from app.services.bootstrap import bootstrap_hub_admin

    async def work(session: Any, hub: Any) -> str:
        admin = await bootstrap_hub_admin(
            session,
            hub.keys,
            hub.log,
            agency_name=f"Hub operator {uuid.uuid4().hex[:6]}",
            admin_name="Test hub admin",
        )
        return str(admin.id)

    result: str = run_coroutine(_with_hub(settings, work))
    return result


def serve_in_thread(
    app: Any, *, name: str, what: str, **options: Any
) -> tuple[uvicorn.Server, threading.Thread, int]:
    """Serve an ASGI app with uvicorn on a free port of 127.0.0.1 in a daemon thread; wait (by
    polling, within the scaled deadline) until it listens. Returns the server, thread and port."""
    config = uvicorn.Config(
        app, host="127.0.0.1", port=0, log_level="warning", access_log=False, **options
    )
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, name=name, daemon=True)
    thread.start()

    def started() -> bool:
        if server.started:
            return True
        if not thread.is_alive():
            raise RuntimeError(f"{what}: the server thread exited before it started")
        return False

    wait_until(started, what + " to start", 30)
    return server, thread, server.servers[0].sockets[0].getsockname()[1]


def _serve(settings: Settings) -> tuple[uvicorn.Server, threading.Thread, int]:
    return serve_in_thread(
        create_app(settings),
        name="livc-hub-test-server",
        what="the test hub",
        server_header=False,
        lifespan="on",
    )


def start_hub(database: ThrowawayDatabase, workdir: Path, *, master_key: str) -> LiveHub:
    """Bootstrap an admin, then serve the app on a free port of 127.0.0.1."""
    settings = _settings(database, workdir, master_key)
    admin_id = _bootstrap(settings)
    server, thread, port = _serve(settings)
    issuer = LocalIssuer.load_or_create(
        settings.auth.local_issuer_key_path,
        issuer=settings.auth.issuer,
        audience=settings.auth.audience,
    )
    return LiveHub(
        database=database,
        settings=settings,
        base_url=f"http://127.0.0.1:{port}",
        issuer=issuer,
        admin_id=admin_id,
        server=server,
        thread=thread,
    )


def another_worker(hub: LiveHub) -> LiveHub:
    """A second app on the same database, keys and settings: what a second worker process is.

    It shares nothing in memory with ``hub``; stop it with ``stop()``.
    """
    server, thread, port = _serve(hub.settings)
    return LiveHub(
        database=hub.database,
        settings=hub.settings,
        base_url=f"http://127.0.0.1:{port}",
        issuer=hub.issuer,
        admin_id=hub.admin_id,
        server=server,
        thread=thread,
    )
