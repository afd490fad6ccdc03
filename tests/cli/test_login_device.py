"""``livc-hub login --device`` against the real hub (uvicorn on 127.0.0.1, SQLite and PostgreSQL).

The command runs in a thread, as the console script would, while the member approves (or denies)
on /ui/device with a real web session. The command's sleep is the test's: it records what the
command asked for and moves the hub's device clock by as much (or by less, to provoke slow_down),
so nothing waits for real.
"""

from __future__ import annotations

import io
import json
import re
import socket
import threading
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

from app.cli import device as device_flow
from app.cli import main
from tests.support.device import DeviceHub, device_hub
from tests.support.live import LiveHub
from tests.support.timing import scaled, wait_until
from tests.support.world import agency, member, ok

SHOWN_CODE = re.compile(r"\b[BCDFGHJKLMNPQRSTVWXZ]{4}-[BCDFGHJKLMNPQRSTVWXZ]{4}\b")


@pytest.fixture
def flow(hub: LiveHub) -> Iterator[DeviceHub]:
    with device_hub(hub) as controlled:
        yield controlled


@pytest.fixture
def config(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    config = tmp_path / "config"
    monkeypatch.setenv("XDG_CONFIG_HOME", str(config))
    monkeypatch.setenv("COLUMNS", "240")  # rich folds narrow boxes; tests read whole lines
    for name in ("LIVC_HUB_URL", "LIVC_CLIENT_SECRET"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setattr("sys.stdin", io.StringIO(""))
    return config / "livc-hub"


@dataclass
class Waiter:
    """The command's sleep: records each wait, moves the hub's clock, stops at the gate."""

    flow: DeviceHub
    advances: Sequence[float] = ()  # how far each sleep moves the hub's clock (default: as asked)
    gate: int = 0  # the sleep that waits for the test (the person in the browser)
    asked: list[float] = field(default_factory=list)
    at_gate: threading.Event = field(default_factory=threading.Event)
    go: threading.Event = field(default_factory=threading.Event)

    def sleep(self, seconds: float) -> None:
        index = len(self.asked)
        self.asked.append(seconds)
        if index == self.gate:
            self.at_gate.set()
            if not self.go.wait(scaled(30)):
                raise AssertionError("the test never let the command go on")
        self.flow.clock.advance(self.advances[index] if index < len(self.advances) else seconds)


@dataclass
class Login:
    """One ``livc-hub login --device`` running in a thread."""

    waiter: Waiter
    thread: threading.Thread
    result: dict[str, Any]

    def code_shown(self, capsys: pytest.CaptureFixture[str]) -> tuple[str, str]:
        """Once the command waits: the user code it showed, and all it wrote on stderr."""
        waiting = self.waiter.at_gate.is_set
        wait_until(
            lambda: waiting() or not self.thread.is_alive(), "the command to wait for approval", 30
        )
        assert waiting(), (self.result, capsys.readouterr())
        out, err = capsys.readouterr()
        assert out == ""
        found = SHOWN_CODE.search(err)
        assert found is not None, err
        return found.group(0), err

    def finish(self) -> int:
        """Let the command go on; its exit code."""
        self.waiter.go.set()
        self.thread.join(scaled(60))
        assert not self.thread.is_alive()
        assert "error" not in self.result, self.result.get("error")
        code: int = self.result["code"]
        return code


@contextmanager
def login(
    hub: LiveHub, waiter: Waiter, monkeypatch: pytest.MonkeyPatch, *args: str
) -> Iterator[Login]:
    monkeypatch.setattr(device_flow, "WAIT", device_flow.Waiting(sleep=waiter.sleep))
    result: dict[str, Any] = {}

    def work() -> None:
        try:
            result["code"] = main(["login", "--hub", hub.base_url, "--device", *args])
        except BaseException as exc:  # reported by finish()
            result["error"] = exc

    thread = threading.Thread(target=work, name="livc-hub login --device", daemon=True)
    thread.start()
    try:
        yield Login(waiter, thread, result)
    finally:
        waiter.go.set()
        thread.join(scaled(60))


def person(hub: LiveHub) -> str:
    return member(hub, agency(hub), "case_worker")


def stored(config: Path) -> dict[str, Any]:
    data: dict[str, Any] = json.loads((config / "credentials.json").read_text())
    return data


def run(main_args: Sequence[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, str, str]:
    code = main(list(main_args))
    out, err = capsys.readouterr()
    return code, out, err


def test_a_member_approves_in_the_browser_and_the_command_holds_their_token(
    flow: DeviceHub,
    config: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    hub = flow.hub
    member_id = person(hub)
    with login(hub, Waiter(flow), monkeypatch, "--json") as running:
        user_code, err = running.code_shown(capsys)
        assert f"{hub.base_url}/ui/device?user_code={user_code}" in err
        page = flow.decide(member_id, user_code)
        assert 'data-device-outcome="approved"' in page.text
        assert running.finish() == 0
        assert running.waiter.asked == [5]  # the hub's interval, once
    out, err = capsys.readouterr()
    assert json.loads(out) == {
        "hub": hub.base_url,
        "member_id": member_id,
        "roles": ["case_worker"],
    }
    data = stored(config)
    assert data["default"] == hub.base_url
    credential = data["hubs"][hub.base_url]
    assert credential["kind"] == "bearer"
    token = credential["token"]
    # The token acts as the member, and the command line uses it.
    listed_code, listed, listed_err = run(["exchanges", "list", "--json"], capsys)
    assert listed_code == 0, listed_err
    assert json.loads(listed) == ok(hub.client(token=token).get("/api/v1/exchanges"))
    who_code, who, _ = run(["whoami", "--json"], capsys)
    assert who_code == 0
    assert json.loads(who)["member_id"] == member_id
    assert all(token not in said for said in (out, err, listed, listed_err, who))
    # The device's token is the one the hub logged for this member's approval.
    assert ("auth:device_token", "allow", "device_grant", member_id) in flow.log_of_actor(member_id)


def test_a_denied_sign_in_exits_4_and_stores_nothing(
    flow: DeviceHub,
    config: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    member_id = person(flow.hub)
    with login(flow.hub, Waiter(flow), monkeypatch) as running:
        user_code, _ = running.code_shown(capsys)
        assert 'data-device-outcome="denied"' in flow.decide(member_id, user_code, "deny").text
        assert running.finish() == 4
    _, err = capsys.readouterr()
    assert "denied" in err
    assert not (config / "credentials.json").exists()


def test_an_expired_code_exits_3_and_stores_nothing(
    flow: DeviceHub,
    config: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    member_id = person(flow.hub)
    # Nobody approves within the code's life: the hub's clock passes its 600 seconds.
    with login(flow.hub, Waiter(flow, advances=[601]), monkeypatch) as running:
        user_code, _ = running.code_shown(capsys)
        assert running.finish() == 3
    _, err = capsys.readouterr()
    assert "expired" in err
    assert not (config / "credentials.json").exists()
    assert flow.decide(member_id, user_code).status_code == 400  # too late for the page too


def test_slow_down_adds_five_seconds_to_the_interval(
    flow: DeviceHub,
    config: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    member_id = person(flow.hub)
    # The second wait is cut short (1 s of 5): the hub answers slow_down and now wants 10 s.
    waiter = Waiter(flow, advances=[5, 1], gate=2)
    with login(flow.hub, waiter, monkeypatch) as running:
        user_code, _ = running.code_shown(capsys)
        flow.decide(member_id, user_code)
        assert running.finish() == 0
    assert waiter.asked == [5, 5, 10]
    assert stored(config)["hubs"][flow.hub.base_url]["kind"] == "bearer"


def test_the_local_deadline_ends_the_wait_without_the_hub(
    flow: DeviceHub,
    config: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    ticks = iter([0.0, 601.0])  # the command's own clock: the code's life has passed
    waiter = Waiter(flow, gate=-1)
    monkeypatch.setattr(
        device_flow, "WAIT", device_flow.Waiting(sleep=waiter.sleep, clock=lambda: next(ticks))
    )
    code, out, err = run(["login", "--hub", flow.hub.base_url, "--device"], capsys)
    assert code == 3
    assert "expired" in err
    assert waiter.asked == [5]
    assert not (config / "credentials.json").exists()


def test_a_hub_that_does_not_know_the_client_exits_3(
    flow: DeviceHub, config: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    auth = flow.state.settings.auth
    clients = auth.device_clients
    auth.device_clients = "another-client"
    try:
        code, _, err = run(["login", "--hub", flow.hub.base_url, "--device"], capsys)
    finally:
        auth.device_clients = clients
    assert code == 3
    assert "invalid_client" in err or "unauthenticated" in err
    assert not (config / "credentials.json").exists()


def test_device_excludes_the_other_ways_and_browser_needs_a_provider(
    hub: LiveHub, config: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    with pytest.raises(SystemExit) as both:
        main(["login", "--hub", hub.base_url, "--device", "--token-stdin"])
    assert both.value.code == 2
    assert "one of --browser, --device" in capsys.readouterr().err
    # This hub names no identity provider (its metadata names itself): nothing to open.
    code, _, err = run(["login", "--hub", hub.base_url, "--browser"], capsys)
    assert code == 2
    assert "names no identity provider" in err
    assert not (config / "credentials.json").exists()


def test_a_hub_out_of_reach_exits_8_and_stores_nothing(
    config: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    with socket.socket() as closed:  # a port on this machine that nothing listens on
        closed.bind(("127.0.0.1", 0))
        port = closed.getsockname()[1]
    code, _, err = run(["login", "--hub", f"http://127.0.0.1:{port}", "--device"], capsys)
    assert code == 8
    assert "cannot reach the hub" in err
    assert not (config / "credentials.json").exists()
