"""The guard under normal use (no false alarms), its pushes to witnesses, and an operator's clear.

Each test runs on a hub of its own, on SQLite and PostgreSQL.
"""

from __future__ import annotations

import json
import logging
import secrets
import stat
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest

from app.audit.trust import StateFile
from app.cli import main
from tests.support import forgery
from tests.support.audit import run_verifier
from tests.support.databases import ThrowawayDatabase, create_database
from tests.support.live import LiveHub, start_hub
from tests.support.witnessing import Endpoint, endpoint, restart, run_witness, until
from tests.support.world import Team, member, ok, team


@dataclass
class Running:
    """A hub of the test's own, a team in it, and the files around it."""

    hub: LiveHub
    team: Team
    auditor_id: str  # a hub auditor
    auditor: httpx.Client
    auditor_token: Path  # an agency auditor's, for the witness
    pushed: Path
    tmp: Path
    master: str

    def restart(self) -> None:
        self.hub = restart(self.hub)
        self.team.hub = self.hub
        self.auditor = self.hub.client(self.auditor_id)

    def witness(self, folder: str = "witness") -> tuple[int, str]:
        done = run_witness(
            self.hub.base_url, self.tmp / folder, self.auditor_token, "--file", str(self.pushed)
        )
        return done.returncode, done.stdout + done.stderr

    def listed(self) -> list[str]:
        return self.auditor.get("/api/v1/audit/checkpoints").text.splitlines()

    def alarm_entries(self) -> list[dict[str, object]]:
        params = {"action": "audit:integrity_alarm"}
        return list(ok(self.auditor.get("/api/v1/audit/entries", params=params))["items"])


def _start(
    database: ThrowawayDatabase, tmp: Path, monkeypatch: pytest.MonkeyPatch, *witnesses: str
) -> Running:
    pushed = tmp / "pushed.ndjson"
    monkeypatch.setenv("LIVC_AUDIT_WITNESSES", ",".join([str(pushed), *witnesses]))
    monkeypatch.setenv("LIVC_AUDIT_WITNESS_TIMEOUT_SECONDS", "2")
    for folder in ("db", "hub"):
        (tmp / folder).mkdir()
    db = create_database(database.backend, tmp / "db")
    db.migrate()
    master = secrets.token_urlsafe(32)
    hub = start_hub(db, tmp / "hub", master_key=master)
    t = team(hub)
    auditor_id = member(hub, t.agency_id, "hub_auditor")
    token = tmp / "agency-auditor.token"
    token.write_text(hub.token(member(hub, t.agency_id, "auditor")))
    return Running(hub, t, auditor_id, hub.client(auditor_id), token, pushed, tmp, master)


@pytest.fixture
def running(
    database: ThrowawayDatabase, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> Iterator[Running]:
    r = _start(database, tmp_path, monkeypatch)
    try:
        yield r
    finally:
        r.hub.stop()
        r.hub.database.drop()


def _ready(r: Running) -> None:
    ready = httpx.get(f"{r.hub.base_url}/readyz", timeout=30)
    assert (ready.status_code, ready.json()) == (200, {"status": "ready"}), ready.text


def _reads(r: Running, note_id: str, clients: int = 16, each: int = 6) -> list[int]:
    worker = r.hub.token(r.team.worker_id)

    def read(_: int) -> list[int]:
        with httpx.Client(
            base_url=r.hub.base_url, headers={"Authorization": f"Bearer {worker}"}, timeout=60
        ) as c:
            return [c.get(f"/api/v1/notes/{note_id}").status_code for _ in range(each)]

    with ThreadPoolExecutor(clients) as pool:
        return [code for codes in pool.map(read, range(clients)) for code in codes]


def test_normal_use_restarts_and_concurrency_never_alarm(running: Running) -> None:
    r = running
    note = ok(r.team.note(), 201)
    for round_ in range(3):
        for _ in range(12):
            ok(r.team.note(), 201)
        ok(r.auditor.post("/api/v1/audit/checkpoints"), 201)
        assert set(_reads(r, note["id"])) == {200}
        _ready(r)
        code, out = r.witness()
        assert code == 0, (round_, out)
    state = r.hub.settings.audit.state_file
    assert stat.S_IMODE(state.stat().st_mode) == 0o600
    stored = StateFile(state).read()
    assert stored is not None
    assert stored.alarm is None
    sizes = [json.loads(line)["tree_size"] for line in r.listed()]
    assert stored.head.size == max(sizes)
    assert len(sizes) >= 6  # automatic ones every N and the on-demand ones

    r.restart()  # with its state file
    _ready(r)
    ok(r.auditor.post("/api/v1/audit/checkpoints"), 201)
    state.unlink()
    r.restart()  # without it: the guard recomputes the log from the first entry
    for _ in range(30):
        ok(r.team.note(), 201)
    ok(r.auditor.post("/api/v1/audit/checkpoints"), 201)
    _ready(r)
    code, out = r.witness()
    assert code == 0, out
    assert r.alarm_entries() == []

    # Every checkpoint was pushed, in the listed format.
    until(lambda: set(r.listed()) <= set(r.pushed.read_text().splitlines()), "every push")
    export = r.tmp / "export.ndjson"
    heads = r.tmp / "heads.ndjson"
    heads.write_text("\n".join(r.listed()) + "\n")
    export.write_text("".join(json.dumps(e) + "\n" for e in forgery.export(r.auditor)))
    key = r.tmp / "key.json"
    key.write_text(httpx.get(f"{r.hub.base_url}/.well-known/livc-hub/audit-key").text)
    verified = run_verifier(export, key, heads)
    assert verified.returncode == 0, verified.stderr


def test_checkpoints_reach_url_witnesses_without_delaying_requests(
    database: ThrowawayDatabase,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.WARNING, logger="app.audit.push")
    dead = "http://127.0.0.1:9/refused"  # the discard port: nobody listens
    with endpoint() as good, endpoint() as slow:
        r = _start(database, tmp_path, monkeypatch, good.url, slow.url, dead)
        try:
            slow.hang.set()
            made = ok(r.auditor.post("/api/v1/audit/checkpoints"), 201)
            line = f'"tree_size":{made["tree_size"]},'
            until(lambda: any(line in b for b in slow.received), "the slow witness to be called")
            # The slow witness has not answered, and requests are served all the same.
            more = ok(r.auditor.post("/api/v1/audit/checkpoints"), 201)
            ok(r.team.note(), 201)
            assert not any(line in b for b in slow.bodies)
            slow.release.set()
            _pushed(good, made["tree_size"], more["tree_size"])
            _pushed(slow, more["tree_size"])
            assert next(x for x in r.listed() if line in x) in good.bodies
            until(lambda: _failures(caplog) >= 3, "the dead witness's bounded retries")
        finally:
            r.hub.stop()
            r.hub.database.drop()
    messages = [rec.getMessage() for rec in caplog.records if rec.name == "app.audit.push"]
    assert any("witness 4: push failed (ConnectError)" in m for m in messages), messages
    assert not any("127.0.0.1" in m or "refused" in m for m in messages)


def _pushed(e: Endpoint, *sizes: object) -> None:
    def arrived() -> bool:
        got = {json.loads(b)["tree_size"] for b in e.bodies}
        return set(sizes) <= got

    until(arrived, f"checkpoints {sizes} at a witness endpoint")


def _failures(caplog: pytest.LogCaptureFixture) -> int:
    return sum("witness 4: push failed" in rec.getMessage() for rec in caplog.records)


def test_agency_auditors_read_checkpoints_and_proofs_and_are_logged(running: Running) -> None:
    r = running
    ok(r.auditor.post("/api/v1/audit/checkpoints"), 201)
    agency_auditor = r.hub.client(token=r.auditor_token.read_text())
    listed = agency_auditor.get("/api/v1/audit/checkpoints")
    assert listed.status_code == 200
    assert set(listed.text.splitlines()) <= set(r.listed())  # the same list (it may grow)
    last = json.loads(listed.text.splitlines()[-1])
    params = {"from": 1, "to": last["tree_size"]}
    proof = ok(agency_auditor.get("/api/v1/audit/proofs/consistency", params=params))
    assert proof["new_root"] == last["root_hash"]
    me = ok(agency_auditor.get("/api/v1/me"))["member_id"]
    for action in ("audit:checkpoints", "audit:proof"):
        params = {"action": action, "member": me}
        [entry] = ok(r.auditor.get("/api/v1/audit/entries", params=params))["items"]
        assert (entry["decision"], entry["reason"]) == ("allow", "agency")
    # A case worker may not.
    assert r.team.worker.get("/api/v1/audit/checkpoints").status_code == 403


def _cli_env(r: Running, monkeypatch: pytest.MonkeyPatch) -> None:
    s = r.hub.settings
    monkeypatch.setenv("LIVC_DATABASE_URL", r.hub.database.url)
    monkeypatch.setenv("LIVC_KEYS_KEYRING_PATH", str(s.keys.keyring_path))
    monkeypatch.setenv("LIVC_KEYS_MASTER_KEY", r.master)
    monkeypatch.setenv("LIVC_AUTH_LOCAL_ISSUER_KEY_PATH", str(s.auth.local_issuer_key_path))
    monkeypatch.setenv("LIVC_AUDIT_KEY_PATH", str(s.audit.key_path))


def test_an_operator_clears_the_alarm_only_by_a_logged_command(
    running: Running, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    r = running
    made = ok(r.auditor.post("/api/v1/audit/checkpoints"), 201)
    entries = forgery.export(r.auditor)
    forgery.rewrite(r.hub.database, entries, int(made["tree_size"]) - 3, reason="forged")
    assert r.auditor.post("/api/v1/audit/checkpoints").status_code == 503
    _cli_env(r, monkeypatch)

    # Cleared without a reset: the next checkpoint looks again, and finds the same forgery.
    assert main(["audit", "clear-alarm"]) == 0
    assert "cleared (was: chain_broken)" in capsys.readouterr().out
    _ready(r)
    again = r.auditor.post("/api/v1/audit/checkpoints")
    assert (again.status_code, again.json()["reason"]) == (503, "chain_broken")
    assert len(r.alarm_entries()) == 2

    # Reset: the operator takes the database as it is; the hub signs again, all of it logged.
    assert main(["audit", "clear-alarm", "--reset"]) == 0
    ok(r.auditor.post("/api/v1/audit/checkpoints"), 201)
    _ready(r)
    for action in ("audit:alarm_cleared", "audit:alarm_reset"):
        params = {"action": action}
        [entry] = ok(r.auditor.get("/api/v1/audit/entries", params=params))["items"]
        assert (entry["reason"], entry["actor"]) == ("chain_broken", None)
    assert main(["audit", "clear-alarm"]) == 0
    assert "no integrity alarm is raised" in capsys.readouterr().out
