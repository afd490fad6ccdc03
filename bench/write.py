"""`write`: a 20-field note created, and a new version of a note, against `hello-insert`.

Both go through the whole write path: authentication, the decision, sealing 20 fields under the
agency's key, the version row, the access-log entry, commit (SQLite WAL, synchronous=FULL). The
new versions rotate over 64 notes of the writer's agency (If-Match: *), so that concurrent edits
do not race for one note. Baseline in the same run, same uvicorn command: `hello-insert` takes
the same JSON body and inserts one row the size of a sealed version with stdlib sqlite3 (same
journal and synchronous settings) and commits. wrk -t1 -c32, interleaved rounds.
"""

from __future__ import annotations

import json
import os
import random
import sqlite3
from contextlib import ExitStack

import httpx

from app.services.demo import bench_values
from bench.harness import (
    ROUNDS,
    SECONDS,
    Target,
    failures_row,
    interleave,
    latency_row,
    loads_json,
    lua_script,
    pick_port,
    preflight,
    serving,
    throughput_row,
    uvicorn_argv,
    write_script,
)
from bench.report import Row, emit
from bench.world import World, sqlite_world

SIZE = int(os.environ.get("LIVC_BENCH_READ_SIZE", "1000"))
WRITER = "sofie"
EDITED = 64


def note_body(world: World) -> str:
    """The JSON body of a 20-field note on the benchmark case (deterministic values)."""
    values = bench_values(random.Random(7))
    return json.dumps({"template_id": world.handles["_bench_template"], "fields": values})


def version_body() -> str:
    """The JSON body of a new version: all 20 fields again, other values."""
    return json.dumps({"fields": bench_values(random.Random(8))})


def edited_notes(
    base_url: str, world: World, token: str, body: str, count: int = EDITED
) -> list[str]:
    """Create ``count`` notes for the new versions to go to; their paths."""
    auth = {"Authorization": f"Bearer {token}", "Content-Type": "application/json"}
    path = f"/api/v1/cases/{world.handles['_bench_case']}/notes"
    out = []
    with httpx.Client(base_url=base_url, headers=auth, timeout=60) as client:
        for _ in range(count):
            made = client.post(path, content=body)
            if made.status_code != 201:
                raise SystemExit(f"write: creating a note answered {made.status_code}")
            out.append(f"/api/v1/notes/{made.json()['id']}")
    return out


def version_bytes(world: World) -> int:
    """The average size of a sealed note version in the seeded database (the row to insert)."""
    conn = sqlite3.connect(world.database_file)
    try:
        found = conn.execute(
            "SELECT avg(length(sealed) + length(wrapped_key)) FROM note_versions"
        ).fetchone()
    finally:
        conn.close()
    return int(found[0] or 4000)


def main(seconds: float = SECONDS, rounds: int = ROUNDS) -> list[Row]:
    """Serve the hub and the baseline, run interleaved rounds, report."""
    preflight()
    with sqlite_world(SIZE) as world, ExitStack() as stack:
        token = world.token(WRITER)
        body = note_body(world)
        row_bytes = version_bytes(world)
        env = {
            **world.env,
            "LIVC_BENCH_DB": str(world.folder / "insert.db"),
            "LIVC_BENCH_ROW_BYTES": str(row_bytes),
        }
        baseline = stack.enter_context(
            serving(
                "hello-insert",
                uvicorn_argv("bench.baselines:hello_insert", pick_port(), factory=True),
                env,
                world.folder / "logs" / "hello-insert.log",
                "/hello",
            )
        )
        hub = stack.enter_context(world.hub())
        paths = edited_notes(hub.base_url, world, token, body)
        scripts = world.folder / "scripts"
        create = f"/api/v1/cases/{world.handles['_bench_case']}/notes"
        targets = [
            Target(
                "hello-insert",
                baseline.base_url,
                write_script(scripts, "insert", lua_script(["/insert"], method="POST", body=body)),
            ),
            Target(
                "create",
                hub.base_url,
                write_script(
                    scripts, "create", lua_script([create], token=token, method="POST", body=body)
                ),
            ),
            Target(
                "version",
                hub.base_url,
                write_script(
                    scripts,
                    "version",
                    lua_script(
                        paths,
                        token=token,
                        method="PUT",
                        body=version_body(),
                        headers={"If-Match": "*"},
                    ),
                ),
            ),
        ]
        loads = interleave(targets, rounds, seconds)
    base, create_loads, version = loads["hello-insert"], loads["create"], loads["version"]
    rows = [
        throughput_row("create note req/s vs hello-insert", create_loads, base, 0.5),
        latency_row("create note p50 vs hello-insert", create_loads, base, 50),
        latency_row("create note p99 vs hello-insert", create_loads, base, 99),
        failures_row("create note non-2xx", create_loads, base),
        throughput_row("new version req/s vs hello-insert", version, base, 0.5),
        latency_row("new version p50 vs hello-insert", version, base, 50),
        latency_row("new version p99 vs hello-insert", version, base, 99),
        failures_row("new version non-2xx", version, base),
    ]
    emit(
        "write",
        rows,
        {
            "seconds": seconds,
            "rounds": rounds,
            "connections": 32,
            "fields": 20,
            "body_bytes": len(body),
            "baseline_row_bytes": row_bytes,
            "loads": loads_json(loads),
        },
    )
    return rows
