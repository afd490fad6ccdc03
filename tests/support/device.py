"""The device authorization grant in tests: a device's calls, the member's page, the hub's clock."""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
from sqlalchemy import create_engine, text

from app.api.throttle import Throttle
from tests.support.databases import _sync
from tests.support.live import LiveHub
from tests.support.timing import http_timeout
from tests.support.web import csrf, web_client

CLI = "livc-hub-cli"
DEVICE_GRANT = "urn:ietf:params:oauth:grant-type:device_code"
USER_CODE = re.compile(r"^[BCDFGHJKLMNPQRSTVWXZ]{4}-[BCDFGHJKLMNPQRSTVWXZ]{4}$")
OPEN = "100000/minute"


class Clock:
    """The device flow's "now", moved by the test."""

    def __init__(self) -> None:
        self.now = datetime.now(UTC)

    def __call__(self) -> datetime:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += timedelta(seconds=seconds)


@dataclass
class DeviceHub:
    """The session's hub with the device flow's clock and attempt limits under the test's control."""

    hub: LiveHub
    clock: Clock

    @property
    def state(self) -> Any:
        return self.hub.app.state.hub

    def limits(self, **limits: str) -> None:
        """Replace the hub's attempt limits (all others open) for the rest of the test."""
        names = ("token_address", "token_client", "device_address", "device_member")
        specs = {name: OPEN for name in (*names, "device_wrong")}
        specs.update(limits)
        self.state.guards.throttle = Throttle("memory://", specs)

    def device(self) -> httpx.Client:
        """An anonymous client: the command line on another device."""
        client = httpx.Client(base_url=self.hub.base_url, timeout=http_timeout())
        self.hub.clients.append(client)
        return client

    def start(self, client_id: str = CLI, **form: str) -> dict[str, Any]:
        """A new device authorization request; its answer."""
        response = self.device().post(
            "/oauth/device_authorization", data={"client_id": client_id, **form}
        )
        assert response.status_code == 200, response.text
        body: dict[str, Any] = response.json()
        return body

    def poll(self, device_code: str, client_id: str = CLI) -> httpx.Response:
        """The device's poll at the token endpoint."""
        return self.device().post(
            "/oauth/token",
            data={"grant_type": DEVICE_GRANT, "device_code": device_code, "client_id": client_id},
        )

    def decide(
        self,
        member_id: str,
        user_code: str,
        decision: str | None = "approve",
        *,
        web: httpx.Client | None = None,
    ) -> httpx.Response:
        """The member types the code on /ui/device (and approves or denies, unless None)."""
        web = web or web_client(self.hub, member_id)
        form = {"csrf_token": csrf(web), "user_code": user_code}
        if decision is not None:
            form["decision"] = decision
        return web.post("/ui/device", data=form)

    def rows(self) -> list[dict[str, Any]]:
        """The device_grants table, as stored."""
        engine = create_engine(_sync(self.hub.database.url))
        try:
            with engine.connect() as conn:
                result = conn.execute(text("SELECT * FROM device_grants"))
                return [dict(r._mapping) for r in result]
        finally:
            engine.dispose()

    def grant_id(self, device_code: str) -> str:
        """The id of the grant of a device code (found by its digest)."""
        digest = hashlib.sha256(device_code.encode()).hexdigest()
        found = [r for r in self.rows() if r["device_code_hash"] == digest]
        assert len(found) == 1
        return str(found[0]["id"]).replace("-", "")

    def log_of_actor(self, member_id: str) -> list[tuple[str, str, str, str | None]]:
        """(action, decision, reason, actor) of the access log's entries by a member, in order."""
        return self._entries("actor_member_id = :id", member_id)

    def log(self, object_id: str) -> list[tuple[str, str, str, str | None]]:
        """(action, decision, reason, actor) of the access log's entries on a grant, in order."""
        return self._entries("replace(object_id, '-', '') = :id", object_id)

    def _entries(self, where: str, value: str) -> list[tuple[str, str, str, str | None]]:
        engine = create_engine(_sync(self.hub.database.url))
        query = "SELECT action, decision, reason, actor_member_id FROM access_log WHERE "
        try:
            with engine.connect() as conn:
                rows = conn.execute(text(query + where + " ORDER BY seq"), {"id": value}).all()
        finally:
            engine.dispose()
        return [(r[0], r[1], r[2], r[3]) for r in rows]


@contextmanager
def device_hub(hub: LiveHub) -> Iterator[DeviceHub]:
    """The hub with a test clock and open limits; both put back afterwards."""
    state = hub.app.state.hub
    clock, throttle = state.device.clock, state.guards.throttle
    controlled = DeviceHub(hub, Clock())
    state.device.clock = controlled.clock
    controlled.limits()
    try:
        yield controlled
    finally:
        state.device.clock, state.guards.throttle = clock, throttle
