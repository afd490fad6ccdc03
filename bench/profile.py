"""`profile`: where a view's CPU goes, by layer, and its CPU per request against `heavy`.

The hub (the `read` world) serves the 60-field view under wrk -t1 -c32. A first run reads the
server's CPU time from /proc before and after: milliseconds of CPU per request, against the same
figure for `heavy` (JWT verify + 60 decrypts + one insert), the baseline. A second run is
sampled by py-spy with --gil: only the thread holding the GIL is sampled, so the samples are the
Python CPU time of the process (C code that releases the GIL, such as SQLite executing a
statement or an fsync, is not in them). Each sample's innermost frame names the layer that spent
the time ("self"); a layer's inclusive share counts the samples it appears in at all. The shares
times the CPU per request give milliseconds per view by layer.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from collections import Counter
from collections.abc import Iterable
from contextlib import ExitStack
from pathlib import Path

from bench.harness import (
    SECONDS,
    Load,
    Server,
    lua_script,
    pick_port,
    preflight,
    serving,
    uvicorn_argv,
    write_script,
    wrk,
)
from bench.read import READER, SIZE, check_view, view_path
from bench.report import Row, emit
from bench.world import sqlite_world

# The first pattern found in a frame's file names its layer; the order matters (app.* first).
LAYERS = (
    ("app/policies/", "policy engine"),
    ("app/audit/", "access log"),
    ("app/crypto/", "sealing (app)"),
    ("app/auth/", "token verification (app)"),
    ("app/services/", "use cases"),
    ("app/db/", "data layer (app)"),
    ("app/api/", "routers and middleware"),
    ("sqlalchemy/", "SQLAlchemy"),
    ("aiosqlite/", "database driver"),
    ("sqlite3/", "database driver"),
    ("psycopg", "database driver"),
    ("jose/", "python-jose"),
    ("ecdsa/", "python-jose"),
    ("cryptography/", "cryptography"),
    ("rfc8785", "canonical JSON"),
    ("json/", "json"),
    ("pydantic", "framework"),
    ("fastapi/", "framework"),
    ("starlette/", "framework"),
    ("anyio/", "event loop and threads"),
    ("asyncio/", "event loop and threads"),
    ("threading.py", "event loop and threads"),
    ("concurrent/", "event loop and threads"),
    ("uvicorn/", "server"),
    ("greenlet", "SQLAlchemy"),
)


def layer(frame: str) -> str:
    """The layer of one py-spy frame, 'function (path:line)'."""
    where = frame.rpartition(" (")[2]
    for pattern, name in LAYERS:
        if pattern in where:
            return name
    return "other"


def shares(lines: Iterable[str]) -> tuple[int, Counter[str], Counter[str], Counter[str]]:
    """From py-spy's raw output: samples, self and inclusive counts per layer, top functions."""
    total, own, inclusive, top = 0, Counter[str](), Counter[str](), Counter[str]()
    for line in lines:
        stack, _, count = line.strip().rpartition(" ")
        if not stack or not count.isdigit():
            continue
        n = int(count)
        frames = stack.split(";")
        total += n
        own[layer(frames[-1])] += n
        top[frames[-1]] += n
        for name in {layer(f) for f in frames}:
            inclusive[name] += n
    return total, own, inclusive, top


def cpu_seconds(pid: int) -> float:
    """User + system CPU time of a process (all its threads), from /proc."""
    fields = Path(f"/proc/{pid}/stat").read_text().rpartition(")")[2].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def _load_with_cpu(server: Server, script: Path, seconds: float) -> tuple[Load, float]:
    before = cpu_seconds(server.pid)
    load = wrk(server.base_url, script, seconds)
    return load, (cpu_seconds(server.pid) - before) / max(load.requests, 1) * 1e3


def main(seconds: float = SECONDS) -> list[Row]:
    """Profile the view under load; CPU per request against heavy; report by layer."""
    preflight()
    beside = Path(sys.executable).with_name("py-spy")  # the venv's, when it is not on PATH
    spy = str(beside) if beside.exists() else shutil.which("py-spy")
    if spy is None:
        raise SystemExit("py-spy missing: pip install -e '.[bench]' (make bench)")
    with sqlite_world(SIZE) as world, ExitStack() as stack:
        token = world.token(READER)
        env = {
            **world.env,
            "LIVC_BENCH_DB": str(world.folder / "heavy.db"),
            "LIVC_BENCH_ISSUER_KEY": world.env["LIVC_AUTH_LOCAL_ISSUER_KEY_PATH"],
        }
        heavy = stack.enter_context(
            serving(
                "heavy",
                uvicorn_argv("bench.baselines:heavy", pick_port(), factory=True),
                env,
                world.folder / "logs" / "heavy.log",
                "/hello",
            )
        )
        hub = stack.enter_context(world.hub())
        check_view(hub.base_url, world, token)
        view = write_script(world.folder, "view", lua_script([view_path(world)], token=token))
        heavy_script = write_script(world.folder, "heavy", lua_script(["/heavy"], token=token))
        wrk(heavy.base_url, heavy_script, 1)
        wrk(hub.base_url, view, 1)
        base_load, base_cpu = _load_with_cpu(heavy, heavy_script, seconds)
        load, cpu = _load_with_cpu(hub, view, seconds)
        raw = world.folder / "view.pyspy"
        argv = [spy, "record", "-p", str(hub.pid), "-d", str(round(seconds)), "--gil"]
        sampler = subprocess.Popen(  # noqa: S603 - py-spy on the server we started
            [*argv, "-r", "200", "-f", "raw", "-o", str(raw)],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
            text=True,
        )
        wrk(hub.base_url, view, seconds)
        _, err = sampler.communicate(timeout=seconds + 60)
        if sampler.returncode != 0 or not raw.exists():
            raise SystemExit(f"profile: py-spy could not sample the hub: {err[-500:]}")
        total, own, inclusive, top = shares(raw.read_text().splitlines())
    rows = [
        Row(
            "view CPU per request vs heavy",
            cpu,
            base_cpu,
            cpu / base_cpu if base_cpu else float("nan"),
            f"ms of server CPU per request ({load.rps:.0f} vs {base_load.rps:.0f} req/s)",
            "-",
            None,
        )
    ]
    for name, count in own.most_common():
        rows.append(
            Row(
                f"  in {name}",
                cpu * count / total,
                cpu * inclusive[name] / total,
                count / total,
                "ms of CPU per view spent in the layer itself; baseline column: with what it "
                "calls; ratio: share of the samples",
                "-",
                None,
            )
        )
    emit(
        "profile",
        rows,
        {
            "seconds": seconds,
            "samples": total,
            "cpu_ms_per_view": cpu,
            "cpu_ms_per_heavy": base_cpu,
            "self_share": {k: v / total for k, v in own.most_common()},
            "inclusive_share": {k: v / total for k, v in inclusive.most_common()},
            "top_functions": [(f, n / total) for f, n in top.most_common(30)],
        },
    )
    return rows
