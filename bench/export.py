"""`export`: a hub auditor streams the whole access log (1,000,000 entries) and verifies it.

The log is filled through the hub's own append path (AccessLog.append in batches, with a signed
checkpoint every 1,000 entries) in a SQLite file. A real `livc-hub serve` (one uvicorn process on
127.0.0.1) then streams `GET /api/v1/audit/export` to a file while the server's resident memory
is sampled from /proc: the growth during the export must stay bounded (the export is read and
written in batches of 1,000). The file is then checked with the offline verifier.

Baselines in the same run: for the export, the standard library's sqlite3 reading the same
table into NDJSON in-process (the ceiling of reading the rows, without HTTP, auth or scope);
for verification, `sha256sum` over the same export. Interleaved rounds; medians reported.
Size: LIVC_BENCH_EXPORT_SIZE (default 1,000,000).
"""

from __future__ import annotations

import asyncio
import json
import os
import secrets
import shutil
import socket
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

import httpx

from app.audit.log import AuditEvent, Outcome
from app.audit.verify import load_public_key, verify
from bench.report import Row, emit

SIZE = int(os.environ.get("LIVC_BENCH_EXPORT_SIZE", "1000000"))
BATCH = 2000


def _env(folder: Path) -> dict[str, str]:
    return {
        **os.environ,
        "LIVC_MODE": "development",
        "LIVC_DATABASE_URL": f"sqlite:///{folder / 'hub.db'}",
        "LIVC_KEYS_KEYRING_PATH": str(folder / "keyring.json"),
        "LIVC_KEYS_MASTER_KEY": secrets.token_urlsafe(32),
        "LIVC_AUTH_LOCAL_ISSUER_KEY_PATH": str(folder / "issuer.pem"),
        "LIVC_AUDIT_KEY_PATH": str(folder / "audit-key.pem"),
        "LIVC_AUDIT_CHECKPOINT_EVERY": "1000",
    }


def _cli(env: dict[str, str], *args: str) -> str:
    done = subprocess.run(  # noqa: S603 - our own CLI, fixed arguments
        [sys.executable, "-m", "app.cli", *args],
        env=env,
        capture_output=True,
        text=True,
        check=True,
    )
    return done.stdout.strip()


async def _fill(env: dict[str, str], size: int) -> str:
    """Bootstrap, make a hub auditor, append ``size`` entries in all; return the auditor's id."""
    from sqlalchemy import select

    from app.api.app import build_keys, build_log
    from app.db.engine import make_async_engine, make_sessionmaker
    from app.db.models import AuditHead
    from app.policies.vocabulary import Clearance, MemberKind, Role
    from app.services import orgs
    from app.services.authz import Authorizer
    from app.services.bootstrap import bootstrap_hub_admin, cli_context
    from app.services.hub import Hub
    from app.settings import Settings

    os.environ.update(env)
    settings = Settings()
    keys, log = build_keys(settings), build_log(settings)
    engine = make_async_engine(settings.database)
    sessions = make_sessionmaker(engine)
    async with sessions() as session:
        admin = await bootstrap_hub_admin(
            session, keys, log, agency_name="Bench hub", admin_name="Bench admin"
        )
        hub = Hub(keys=keys, log=log, authz=Authorizer())
        made = await orgs.create_member(
            session,
            cli_context(admin),
            hub,
            agency_id=admin.agency_id,
            display_name="Bench auditor",
            kind=MemberKind.PERSON,
            roles=[Role.HUB_AUDITOR],
            bound_by_secrecy=False,
            clearance=Clearance.NONE,
        )
        await session.commit()
        auditor = str(made.member.id)
        agency = str(admin.agency_id)
        start = int(await session.scalar(select(AuditHead.size)) or 0)
    for first in range(start, size, BATCH):
        events = [
            AuditEvent(
                action="exchange:view",
                outcome=Outcome.ALLOW,
                reason="need_to_know",
                actor_member_id=f"{i % 97:08d}-0000-4000-8000-000000000000",
                actor_agency_id=agency,
                case_id=f"{i % 500:08d}-0000-4000-8000-000000000001",
                exchange_id=f"{i % 50:08d}-0000-4000-8000-000000000002",
                fields=("n1/1/household", "n1/1/housing"),
                denied=("n1/1/health=secrecy_regime",),
                purpose="Casusoverleg",
            )
            for i in range(first, min(first + BATCH, size))
        ]
        async with sessions() as session:
            await log.append(session, events, request_id=f"fill-{first}")
            await session.commit()
    await engine.dispose()
    return auditor


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _rss_kib(pid: int) -> int:
    try:
        status = Path(f"/proc/{pid}/status").read_text()
    except FileNotFoundError:  # the server is gone; the download will say why
        return 0
    for line in status.splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
    return 0


class _Sampler(threading.Thread):
    """The server's peak resident memory while a download runs."""

    def __init__(self, pid: int) -> None:
        super().__init__(daemon=True)
        self.pid, self.peak, self.running = pid, 0, True

    def run(self) -> None:
        while self.running:
            self.peak = max(self.peak, _rss_kib(self.pid))
            time.sleep(0.05)


def _export(base: str, token: str, pid: int, target: Path) -> tuple[float, int, int]:
    """Stream the export to ``target``; seconds, server RSS before and peak during (KiB)."""
    before = _rss_kib(pid)
    sampler = _Sampler(pid)
    sampler.start()
    start = time.perf_counter()
    with (
        httpx.stream(
            "GET",
            f"{base}/api/v1/audit/export",
            headers={"Authorization": f"Bearer {token}"},
            timeout=600,
        ) as r,
        target.open("wb") as out,
    ):
        r.raise_for_status()
        for chunk in r.iter_bytes():
            out.write(chunk)
    seconds = time.perf_counter() - start
    sampler.running = False
    sampler.join()
    return seconds, before, sampler.peak


def _sqlite_baseline(db: Path, target: Path) -> float:
    start = time.perf_counter()
    conn = sqlite3.connect(db)
    try:
        with target.open("w") as out:
            cursor = conn.execute("SELECT * FROM access_log ORDER BY position")
            names = [d[0] for d in cursor.description]
            while rows := cursor.fetchmany(1000):
                out.write(
                    "".join(json.dumps(dict(zip(names, r, strict=True))) + "\n" for r in rows)
                )
    finally:
        conn.close()
    return time.perf_counter() - start


def main(rounds: int = 3) -> None:
    """Fill, serve, export in rounds against the baseline, verify; report."""
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        env = _env(folder)
        _cli(env, "migrate")
        fill_start = time.perf_counter()
        auditor = asyncio.run(_fill(env, SIZE))
        fill_seconds = time.perf_counter() - fill_start
        token = _cli(env, "token", "--member", auditor)
        port = _free_port()
        server_log = (folder / "server.log").open("w")
        server = subprocess.Popen(  # noqa: S603 - our own CLI on 127.0.0.1
            [sys.executable, "-m", "app.cli", "serve", "--host", "127.0.0.1", "--port", str(port)],
            env={**env, "LIVC_LOG_LEVEL": "warning"},
            stderr=server_log,
            stdout=subprocess.DEVNULL,
        )
        try:
            base = f"http://127.0.0.1:{port}"
            deadline = time.monotonic() + 30
            while True:
                try:
                    if httpx.get(f"{base}/healthz").status_code == 200:
                        break
                except httpx.TransportError:
                    pass
                if time.monotonic() > deadline or server.poll() is not None:
                    server_log.flush()
                    log = (folder / "server.log").read_text()[-2000:]
                    raise SystemExit(f"export: the hub did not start:\n{log}")
                time.sleep(0.2)
            auth = {"Authorization": f"Bearer {token}"}
            heads = folder / "checkpoints.ndjson"
            heads.write_text(httpx.get(f"{base}/api/v1/audit/checkpoints", headers=auth).text)
            pem = httpx.get(f"{base}/.well-known/livc-hub/audit-key").json()["public_key_pem"]
            ours: list[float] = []
            theirs: list[float] = []
            growth: list[int] = []
            export = folder / "export.ndjson"
            for _ in range(rounds):
                theirs.append(SIZE / _sqlite_baseline(folder / "hub.db", folder / "raw.ndjson"))
                seconds, before, peak = _export(base, token, server.pid, export)
                ours.append(SIZE / seconds)
                growth.append(peak - before)
            entries = sum(1 for _ in export.open())
            # Proofs recompute the leaves from the rows: one proof over the whole log, timed.
            start = time.perf_counter()
            proof = httpx.get(
                f"{base}/api/v1/audit/proofs/inclusion",
                params={"seq": 0, "size": SIZE},
                headers=auth,
                timeout=600,
            )
            proof.raise_for_status()
            proof_seconds = time.perf_counter() - start
        finally:
            server.terminate()
            server.wait(timeout=30)
            server_log.close()
        verify_rates, sha_rates = [], []
        sha256sum = shutil.which("sha256sum") or "sha256sum"
        for _ in range(rounds):
            start = time.perf_counter()
            subprocess.run([sha256sum, str(export)], check=True, stdout=subprocess.DEVNULL)  # noqa: S603
            sha_rates.append(entries / (time.perf_counter() - start))
            start = time.perf_counter()
            with export.open() as e, heads.open() as h:
                report = verify(e, load_public_key(pem.encode()), h)
            verify_rates.append(entries / (time.perf_counter() - start))
            if not report.ok:
                raise SystemExit(f"export: the export did not verify: {report.problems}")
        export_mb = export.stat().st_size / 1e6
    p, b = statistics.median(ours), statistics.median(theirs)
    v, s = statistics.median(verify_rates), statistics.median(sha_rates)
    peak_growth_mib = max(growth) / 1024
    emit(
        "export",
        [
            Row(
                "export entries/s (HTTP, streamed)",
                p,
                b,
                p / b,
                "entries per second; ratio = hub/raw sqlite3 to NDJSON",
                "bounded memory",
                peak_growth_mib < 64,
            ),
            Row(
                "server RSS growth during export MiB",
                peak_growth_mib,
                export_mb,
                peak_growth_mib / export_mb,
                "MiB; baseline = size of the export in MB",
                "< 64 MiB",
                peak_growth_mib < 64,
            ),
            Row(
                f"verify entries/s ({entries:,} exported)",
                v,
                s,
                v / s,
                "entries per second; ratio = ours/sha256sum",
                ">= 300,000/s",
                v >= 300_000,
            ),
        ],
        {
            "entries": entries,
            "export_mb": round(export_mb, 1),
            "fill_seconds": round(fill_seconds, 1),
            "inclusion_proof_seconds": round(proof_seconds, 2),
            "rounds": rounds,
            "export_per_s": ours,
            "raw_sqlite_per_s": theirs,
            "server_rss_growth_kib": growth,
            "verify_per_s": verify_rates,
            "sha256sum_per_s": sha_rates,
        },
    )
