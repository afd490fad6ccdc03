"""An agency auditor's witness as it runs for real (its own process), and a witness endpoint.

Every process and server here talks only to 127.0.0.1, is bounded in time, and is stopped by the
test that started it.
"""

from __future__ import annotations

import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

from app.api.app import create_app
from tests.support.live import LiveHub, serve_in_thread

# How long a test waits for something that happens in the background (a push, a server).
WAIT_SECONDS = 60.0


def until(check: Callable[[], bool], what: str, seconds: float = WAIT_SECONDS) -> None:
    """Poll ``check`` until it holds; fail naming ``what`` after the deadline."""
    deadline = time.monotonic() + seconds
    while not check():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        time.sleep(0.02)


def restart(old: LiveHub) -> LiveHub:
    """Stop the hub and serve it again with the same settings, files and database."""
    old.stop()
    server, thread, port = serve_in_thread(
        create_app(old.settings), name="livc-hub-test-server", what="the hub, again", lifespan="on"
    )
    return LiveHub(
        database=old.database,
        settings=old.settings,
        base_url=f"http://127.0.0.1:{port}",
        issuer=old.issuer,
        admin_id=old.admin_id,
        server=server,
        thread=thread,
    )


def run_witness(
    hub_url: str,
    folder: Path,
    token_file: Path,
    *extra: str,
) -> subprocess.CompletedProcess[str]:
    """``livc-hub audit witness --once`` in a process of its own."""
    args = [
        "audit",
        "witness",
        "--hub",
        hub_url,
        "--token-file",
        str(token_file),
        "--dir",
        str(folder),
        *extra,
    ]
    return subprocess.run(  # noqa: S603 - our own CLI, fixed arguments
        [sys.executable, "-m", "app.cli", *args],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


@dataclass
class Endpoint:
    """A witness's HTTP endpoint: keeps the bodies it was sent; can hang until released."""

    url: str
    received: list[str] = field(default_factory=list)  # as they arrive
    bodies: list[str] = field(default_factory=list)  # once answered
    hang: threading.Event = field(default_factory=threading.Event)
    release: threading.Event = field(default_factory=threading.Event)


@contextmanager
def endpoint() -> Iterator[Endpoint]:
    """Serve a witness endpoint on 127.0.0.1 for the duration of the block."""
    state: list[Endpoint] = []

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:  # noqa: N802 - the http.server API
            me = state[0]
            body = self.rfile.read(int(self.headers.get("Content-Length", 0))).decode()
            me.received.append(body)
            if me.hang.is_set():
                me.release.wait(WAIT_SECONDS)
            me.bodies.append(body)
            self.send_response(204)
            self.end_headers()

        def log_message(self, *args: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    state.append(Endpoint(url=f"http://127.0.0.1:{server.server_address[1]}/checkpoints"))
    thread = threading.Thread(target=server.serve_forever, name="witness-endpoint", daemon=True)
    thread.start()
    try:
        yield state[0]
    finally:
        state[0].release.set()
        server.shutdown()
        server.server_close()
        thread.join(timeout=15)
