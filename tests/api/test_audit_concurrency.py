"""The chain stays linear with 4 API processes and 64 concurrent clients on one database.

Four uvicorn processes (started here, on 127.0.0.1, stopped by their PIDs) serve the same
database as the test hub; 64 clients read notes at once, each read appending to the log; the
export then verifies offline. Bounded: 320 requests, 120 s at most on an idle machine. Every wait
polls and takes its allowance from LIVC_TEST_TIME_SCALE (tests/support/timing.py).
"""

from __future__ import annotations

import asyncio
import os
import socket
import subprocess
import sys
from pathlib import Path

import httpx

from app.audit.verify import load_public_key, verify
from tests.support.live import LiveHub
from tests.support.timing import http_timeout, scaled, wait_until
from tests.support.world import member, ok, team

PROCESSES, CLIENTS, READS_EACH = 4, 64, 5


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _env(hub: LiveHub) -> dict[str, str]:
    s = hub.settings
    master = s.keys.master_key.get_secret_value() if s.keys.master_key else ""
    return {
        **os.environ,
        "LIVC_MODE": "development",
        "LIVC_DATABASE_URL": s.database.url,
        "LIVC_KEYS_KEYRING_PATH": str(s.keys.keyring_path),
        "LIVC_KEYS_MASTER_KEY": master,
        "LIVC_AUTH_LOCAL_ISSUER_KEY_PATH": str(s.auth.local_issuer_key_path),
        "LIVC_AUDIT_KEY_PATH": str(s.audit.key_path),
        "LIVC_AUDIT_CHECKPOINT_EVERY": "50",
    }


def _start(hub: LiveHub, port: int, log: Path) -> subprocess.Popen[bytes]:
    argv = [
        sys.executable,
        "-m",
        "uvicorn",
        "app.api.app:create_app",
        "--factory",
        "--host",
        "127.0.0.1",
        "--port",
        str(port),
        "--log-level",
        "warning",
    ]
    with log.open("wb") as sink:
        # Our own app on loopback; the child keeps its own copy of the log file's descriptor.
        return subprocess.Popen(argv, env=_env(hub), stdout=subprocess.DEVNULL, stderr=sink)  # noqa: S603


def _ready(ports: list[int], procs: list[subprocess.Popen[bytes]], logs: list[Path]) -> bool:
    """Whether every process answers /healthz; a process that exited fails the test at once."""
    for proc, log in zip(procs, logs, strict=True):
        if proc.poll() is not None:
            raise RuntimeError(f"API process exited: {log.read_text()[-500:]}")
    return all(_healthy(port) for port in ports)


def _healthy(port: int) -> bool:
    try:
        response = httpx.get(f"http://127.0.0.1:{port}/healthz", timeout=http_timeout(2))
    except httpx.HTTPError:
        return False
    return response.status_code == 200


async def _load(ports: list[int], token: str, note_id: str) -> list[int]:
    async def client(i: int) -> list[int]:
        port = ports[i % len(ports)]
        async with httpx.AsyncClient(
            base_url=f"http://127.0.0.1:{port}",
            timeout=http_timeout(60),
            headers={"Authorization": f"Bearer {token}"},
        ) as c:
            return [
                (await c.get(f"/api/v1/notes/{note_id}")).status_code for _ in range(READS_EACH)
            ]

    results = await asyncio.wait_for(
        asyncio.gather(*(client(i) for i in range(CLIENTS))), scaled(120)
    )
    return [code for codes in results for code in codes]


def test_four_processes_and_64_clients_keep_one_linear_chain(hub: LiveHub, tmp_path: Path) -> None:
    t = team(hub)
    note = ok(t.note(), 201)
    auditor = hub.client(member(hub, t.agency_id, "hub_auditor"))
    ports = [_free_port() for _ in range(PROCESSES)]
    logs = [tmp_path / f"api-{port}.log" for port in ports]
    procs = [_start(hub, port, log) for port, log in zip(ports, logs, strict=True)]
    try:
        wait_until(lambda: _ready(ports, procs, logs), f"{PROCESSES} API processes to serve", 60)
        codes = asyncio.run(_load(ports, hub.token(t.worker_id), note["id"]))
    finally:
        for proc in procs:
            proc.terminate()
        for proc in procs:
            try:
                proc.wait(timeout=scaled(15))
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()
    assert codes.count(200) == CLIENTS * READS_EACH, sorted(set(codes))
    heads = auditor.get("/api/v1/audit/checkpoints").text.splitlines()
    with auditor.stream("GET", "/api/v1/audit/export") as r:
        lines = [line for line in r.iter_lines() if line]
    key = auditor.get("/.well-known/livc-hub/audit-key").json()["public_key_pem"]
    report = verify(lines, load_public_key(key.encode()), heads)
    assert report.ok, report.problems
    assert report.checkpoints >= 6
    reads = [line for line in lines if '"action":"note:read"' in line and note["id"] in line]
    assert len(reads) == CLIENTS * READS_EACH
