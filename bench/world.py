"""A hub with data in it, for a benchmark: seeded by ``livc-hub demo --size N``, served by uvicorn.

Seeding 50,000 notes through the use cases takes minutes, and it is not what is measured, so a
seeded SQLite world is kept under var/bench/worlds/ (its key names the size, the seed, the extra
log entries and a hash of the migrations and of the demo code; LIVC_BENCH_FRESH=1 rebuilds it)
and each run works on a copy of it, which is deleted afterwards. A PostgreSQL world is a
throwaway database on 127.0.0.1:5432, dropped afterwards.
"""

from __future__ import annotations

import asyncio
import hashlib
import json
import os
import random
import secrets
import shutil
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import httpx

from bench.harness import ROOT, WORK, Server, pick_port, serving, uvicorn_argv
from bench.report import Row

PG_ADMIN_URL = os.environ.get("LIVC_BENCH_PG_URL", "postgresql://root@127.0.0.1:5432/postgres")
PG_LOGIN = "livc_bench_hub"
HANDLES = Path("var") / "demo-members.json"
SEED = int(os.environ.get("LIVC_BENCH_SEED", "1"))


@dataclass
class World:
    """A hub's folder (keys, SQLite file, demo handles), its environment and its demo handles."""

    folder: Path
    env: dict[str, str]
    handles: dict[str, str]

    def cli(
        self,
        *args: str,
        database_url: str | None = None,
        show: bool = False,
        timeout: float = 300,
    ) -> str:
        """Run ``livc-hub ARGS`` in the world's folder, within ``timeout``; its standard output.

        ``show`` lets its standard error through (the demo's progress) instead of keeping it
        for the message if the command fails.
        """
        env = dict(self.env)
        if database_url is not None:
            env["LIVC_DATABASE_URL"] = database_url
        done = subprocess.run(  # noqa: S603 - our own command with fixed arguments
            [sys.executable, "-m", "app.cli", *args],
            env=env,
            cwd=self.folder,
            stdout=subprocess.PIPE,
            stderr=None if show else subprocess.PIPE,
            text=True,
            check=False,
            timeout=timeout,
        )
        if done.returncode != 0:
            raise RuntimeError(f"livc-hub {' '.join(args)} failed:\n{(done.stderr or '')[-3000:]}")
        return done.stdout.strip()

    def token(self, handle: str) -> str:
        """A bearer token from the hub's local issuer for a demo member."""
        return self.cli("token", "--member", handle, "--ttl", "7200")

    def reload_handles(self) -> None:
        """Read the demo's handles file again (after ``demo --size``)."""
        self.handles = json.loads((self.folder / HANDLES).read_text())

    @property
    def database_file(self) -> Path:
        """The SQLite file (SQLite worlds only)."""
        return self.folder / "hub.db"

    @contextmanager
    def hub(self, name: str = "hub", workers: int = 1) -> Iterator[Server]:
        """The hub under uvicorn (the command line of every baseline), ready at /healthz."""
        argv = uvicorn_argv("app.api.app:create_app", pick_port(), factory=True, workers=workers)
        log = self.folder / "logs" / f"{name}.log"
        with serving(name, argv, self.env, log, "/healthz", cwd=self.folder) as server:
            yield server


def hub_env(folder: Path, database_url: str) -> dict[str, str]:
    """The hub's settings for a world: its own keys, a master key of its own, demo mode."""
    master = folder / "master-key"
    if not master.exists():
        master.write_text(secrets.token_urlsafe(32))
        master.chmod(0o600)
    return {
        **os.environ,
        "LIVC_MODE": "demo",
        "LIVC_DATABASE_URL": database_url,
        "LIVC_KEYS_KEYRING_PATH": str(folder / "keyring.json"),
        "LIVC_KEYS_MASTER_KEY": master.read_text().strip(),
        "LIVC_AUTH_LOCAL_ISSUER_KEY_PATH": str(folder / "issuer.pem"),
        "LIVC_AUDIT_KEY_PATH": str(folder / "audit-key.pem"),
        "LIVC_LOG_LEVEL": "warning",
    }


# Bump when fill_log changes what it writes: cached worlds with extra log entries are rebuilt.
FILL_VERSION = 1


def _code_hash() -> str:
    """What a seeded world depends on: the schema, the demo's code, the log filler's version."""
    digest = hashlib.sha256(f"fill-{FILL_VERSION}".encode())
    files = [*sorted((ROOT / "migrations" / "versions").glob("*.py"))]
    files.append(ROOT / "app" / "services" / "demo.py")
    for path in files:
        digest.update(path.name.encode())
        digest.update(path.read_bytes())
    return digest.hexdigest()[:12]


def _new_folder(kind: str) -> Path:
    folder = WORK / "runs" / f"{kind}-{os.getpid()}-{uuid.uuid4().hex[:6]}"
    folder.mkdir(parents=True, mode=0o700)
    folder.chmod(0o700)
    return folder


def _seed(world: World, size: int, log_entries: int) -> None:
    start = time.monotonic()
    print(f"  seeding: livc-hub demo --size {size:,} (seed {SEED})", flush=True)
    # Bounded: about 5 ms a note on a busy machine today, with a wide margin.
    limit = 120 + size * 0.05
    world.cli("demo", "--size", str(size), "--seed", str(SEED), show=size >= 10_000, timeout=limit)
    world.reload_handles()
    if log_entries:
        print(f"  seeding: {log_entries:,} more access-log entries", flush=True)
        asyncio.run(fill_log(world, log_entries))
    print(f"  seeded in {time.monotonic() - start:.0f} s", flush=True)


def _cached_sqlite(size: int, log_entries: int) -> Path:
    """The seeded world's cache folder, built if missing (from a smaller one if there is one)."""
    worlds = WORK / "worlds"
    key = f"sqlite-n{size}-log{log_entries}-seed{SEED}-{_code_hash()}"
    cache = worlds / key
    if (cache / "ready").exists() and os.environ.get("LIVC_BENCH_FRESH") != "1":
        return cache
    shutil.rmtree(cache, ignore_errors=True)
    building = worlds / f"{key}.building-{os.getpid()}"
    shutil.rmtree(building, ignore_errors=True)
    smaller = _smaller(worlds, size, log_entries)
    if smaller is not None:
        shutil.copytree(smaller, building)
    else:
        building.mkdir(parents=True, mode=0o700)
    building.chmod(0o700)
    world = World(building, hub_env(building, f"sqlite:///{building / 'hub.db'}"), {})
    if smaller is None:
        world.cli("migrate")
    _seed(world, size, log_entries)
    (building / "ready").write_text(json.dumps({"size": size, "log_entries": log_entries}))
    building.rename(cache)
    return cache


def _smaller(worlds: Path, size: int, log_entries: int) -> Path | None:
    """A cached world of this code with fewer notes and no extra log entries, to grow from."""
    best: tuple[int, Path] | None = None
    suffix = f"-seed{SEED}-{_code_hash()}"
    for folder in worlds.glob(f"sqlite-n*-log0{suffix}"):
        if not (folder / "ready").exists():
            continue
        notes = int(folder.name.split("-")[1][1:])
        if notes <= size and (best is None or notes > best[0]):
            best = (notes, folder)
    if best is None or (best[0] == size and log_entries == 0):
        return None
    return best[1]


@contextmanager
def sqlite_world(size: int, log_entries: int = 0) -> Iterator[World]:
    """A copy of the seeded SQLite world, deleted afterwards (kept if LIVC_BENCH_KEEP=1)."""
    cache = _cached_sqlite(size, log_entries)
    folder = _new_folder(f"sqlite-{size}")
    shutil.copytree(cache, folder, dirs_exist_ok=True)
    world = World(folder, hub_env(folder, f"sqlite:///{folder / 'hub.db'}"), {})
    world.reload_handles()
    try:
        yield world
    finally:
        if os.environ.get("LIVC_BENCH_KEEP") != "1":
            shutil.rmtree(folder, ignore_errors=True)


# --- PostgreSQL ---------------------------------------------------------------------------------

_LOGIN_SQL = """
DO $$
BEGIN
  IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = '{group}') THEN
    BEGIN
      CREATE ROLE "{group}" NOLOGIN;
    EXCEPTION WHEN duplicate_object OR unique_violation THEN NULL;
    END;
  END IF;
  IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = '{login}') THEN
    BEGIN
      CREATE ROLE "{login}" LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE INHERIT;
    EXCEPTION WHEN duplicate_object OR unique_violation THEN NULL;
    END;
  END IF;
  IF NOT pg_has_role('{login}', '{group}', 'MEMBER') THEN
    BEGIN
      GRANT "{group}" TO "{login}";
    EXCEPTION WHEN duplicate_object OR unique_violation THEN NULL;
    END;
  END IF;
END $$
"""


def _pg_admin(statement: str) -> None:
    from sqlalchemy import create_engine
    from sqlalchemy.engine import make_url

    url = make_url(PG_ADMIN_URL).set(drivername="postgresql+psycopg")
    engine = create_engine(url, isolation_level="AUTOCOMMIT")
    try:
        with engine.connect() as conn:
            conn.exec_driver_sql(statement)
    finally:
        engine.dispose()


@contextmanager
def postgres_world(size: int) -> Iterator[World]:
    """A throwaway database, migrated and seeded; the hub connects as a member of the app role."""
    from sqlalchemy.engine import make_url

    from app.settings import DatabaseSettings

    name = f"livc_bench_{uuid.uuid4().hex[:10]}"
    try:
        _pg_admin(f'CREATE DATABASE "{name}"')
    except Exception as exc:  # noqa: BLE001 - any failure means no PostgreSQL to measure
        raise SystemExit(
            f"postgres: cannot create a database at {PG_ADMIN_URL} ({type(exc).__name__}); "
            "start PostgreSQL on 127.0.0.1:5432 (trust auth) or set LIVC_BENCH_PG_URL"
        ) from None
    folder = _new_folder("postgres")
    try:
        _pg_admin(_LOGIN_SQL.format(group=DatabaseSettings().app_role, login=PG_LOGIN))
        admin = make_url(PG_ADMIN_URL).set(database=name)
        app = admin.set(username=PG_LOGIN, password=None)
        world = World(folder, hub_env(folder, app.render_as_string(hide_password=False)), {})
        world.cli("migrate", database_url=admin.render_as_string(hide_password=False))
        _seed(world, size, 0)
        yield world
    finally:
        _pg_admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        if os.environ.get("LIVC_BENCH_KEEP") != "1":
            shutil.rmtree(folder, ignore_errors=True)


# --- the access log -----------------------------------------------------------------------------


async def fill_log(world: World, count: int, batch: int = 2000, hot_share: float = 0.05) -> None:
    """Append ``count`` entries through the hub's own append path, in batches.

    Reads of the demo's notes by its members; ``hot_share`` of them name the benchmark subject,
    so that an auditor's query by that subject has many entries to page through.
    """
    from sqlalchemy import select

    from app.api.app import build_log
    from app.audit.log import AuditEvent, Outcome
    from app.db.engine import make_async_engine, make_sessionmaker
    from app.db.models import Case
    from app.settings import AuditSettings, DatabaseSettings, Settings

    settings = Settings(
        database=DatabaseSettings(url=world.env["LIVC_DATABASE_URL"]),
        audit=AuditSettings(key_path=Path(world.env["LIVC_AUDIT_KEY_PATH"])),
    )
    log = build_log(settings)
    engine = make_async_engine(settings.database)
    sessions = make_sessionmaker(engine)
    rng = random.Random(SEED)
    hot = world.handles["_bench_subject"]
    actors = [world.handles[h] for h in ("sofie", "pieter", "prevention", "mayor")]
    try:
        async with sessions() as session:
            found = await session.execute(select(Case.id, Case.subject_id))
            cases = [(str(c), str(s)) for c, s in found]
        for first in range(0, count, batch):
            events = []
            for _ in range(min(batch, count - first)):
                case, subject = rng.choice(cases)
                if rng.random() < hot_share:
                    case, subject = world.handles["_bench_case"], hot
                events.append(
                    AuditEvent(
                        action="case:read",
                        outcome=Outcome.ALLOW,
                        reason="need_to_know",
                        actor_member_id=rng.choice(actors),
                        actor_agency_id=None,
                        case_id=case,
                        subject_id=subject,
                        fields=(),
                    )
                )
            async with sessions() as session:
                await log.append(session, events, request_id=f"bench-fill-{first}")
                await session.commit()
    finally:
        await engine.dispose()


def verify_log(base_url: str, token: str, folder: Path, export: Path) -> tuple[bool, int, str]:
    """Verify an export offline against the hub's checkpoints: (ok, entries, first problem)."""
    from app.audit.verify import load_public_key, verify

    auth = {"Authorization": f"Bearer {token}"}
    with httpx.Client(base_url=base_url, headers=auth, timeout=600) as client:
        heads = folder / "checkpoints.ndjson"
        heads.write_text(client.get("/api/v1/audit/checkpoints").text)
        pem = client.get("/.well-known/livc-hub/audit-key").json()["public_key_pem"]
    with export.open() as e, heads.open() as h:
        report = verify(e, load_public_key(pem.encode()), h)
    return report.ok, report.entries, "; ".join(report.problems[:2])


def verify_chain(base_url: str, token: str, folder: Path) -> tuple[bool, int, str]:
    """Sign a checkpoint now, export the whole log as the hub auditor, verify it offline."""
    auth = {"Authorization": f"Bearer {token}"}
    export = folder / "export.ndjson"
    with httpx.Client(base_url=base_url, headers=auth, timeout=600) as client:
        client.post("/api/v1/audit/checkpoints").raise_for_status()
        with client.stream("GET", "/api/v1/audit/export") as r, export.open("wb") as out:
            r.raise_for_status()
            for chunk in r.iter_bytes():
                out.write(chunk)
    return verify_log(base_url, token, folder, export)


def chain_row(metric: str, ok: bool, entries: int, problem: str) -> Row:
    """The verifier's answer as a row: the entries it checked, valid or not."""
    unit = "entries checked (chain, Merkle roots, signatures)"
    return Row(
        metric,
        float(entries),
        float("nan"),
        float("nan"),
        unit + (f": {problem}" if problem else ""),
        "valid",
        ok,
    )
