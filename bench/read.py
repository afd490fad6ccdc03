"""`read`: a participant's view of an exchange, and an own note, against `hello` and `heavy`.

The view is 1 case, 3 notes x 20 fields, all 60 fields released, granted and visible to the
reader (the demo's OCMW social worker): decided, logged durably, decrypted. The own-note read is
one of the reader's agency's notes. Baselines in the same run, same uvicorn command: `hello` (the
ceiling of the web stack) and `heavy` (ES256 JWT verify + 60 AES-GCM decrypts + one sqlite3
insert and commit, WAL and synchronous=FULL). wrk -t1 -c32, interleaved rounds.
"""

from __future__ import annotations

import os
from contextlib import ExitStack

import httpx

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
READER = "sofie"


def view_path(world: World) -> str:
    """The benchmark exchange's view."""
    return f"/api/v1/exchanges/{world.handles['_bench_exchange']}/view"


def note_path(world: World) -> str:
    """The reader's own note."""
    return f"/api/v1/notes/{world.handles['_bench_note']}"


def check_view(base_url: str, world: World, token: str) -> None:
    """The view answers 200 with all 60 fields, the note 200: else there is nothing to measure."""
    auth = {"Authorization": f"Bearer {token}"}
    view = httpx.get(base_url + view_path(world), headers=auth, timeout=60)
    shown = sum(len(n["fields"]) for n in view.json().get("notes", [])) if view.is_success else 0
    note = httpx.get(base_url + note_path(world), headers=auth, timeout=60)
    if shown != 60 or not note.is_success:
        raise SystemExit(
            f"read: view {view.status_code} with {shown} fields, note {note.status_code}"
        )


def main(seconds: float = SECONDS, rounds: int = ROUNDS) -> list[Row]:
    """Serve the hub and the baselines, run interleaved rounds, report."""
    preflight()
    with sqlite_world(SIZE) as world, ExitStack() as stack:
        token = world.token(READER)
        scripts = world.folder / "scripts"
        env = {
            **world.env,
            "LIVC_BENCH_DB": str(world.folder / "heavy.db"),
            "LIVC_BENCH_ISSUER_KEY": world.env["LIVC_AUTH_LOCAL_ISSUER_KEY_PATH"],
        }
        logs = world.folder / "logs"
        hello = stack.enter_context(
            serving(
                "hello",
                uvicorn_argv("bench.baselines:hello", pick_port(), factory=True),
                env,
                logs / "hello.log",
                "/hello",
            )
        )
        heavy = stack.enter_context(
            serving(
                "heavy",
                uvicorn_argv("bench.baselines:heavy", pick_port(), factory=True),
                env,
                logs / "heavy.log",
                "/hello",
            )
        )
        hub = stack.enter_context(world.hub())
        check_view(hub.base_url, world, token)
        targets = [
            Target("hello", hello.base_url, write_script(scripts, "hello", lua_script(["/hello"]))),
            Target(
                "heavy",
                heavy.base_url,
                write_script(scripts, "heavy", lua_script(["/heavy"], token=token)),
            ),
            Target(
                "view",
                hub.base_url,
                write_script(scripts, "view", lua_script([view_path(world)], token=token)),
            ),
            Target(
                "note",
                hub.base_url,
                write_script(scripts, "note", lua_script([note_path(world)], token=token)),
            ),
        ]
        loads = interleave(targets, rounds, seconds)
    view, note, hi, hv = loads["view"], loads["note"], loads["hello"], loads["heavy"]
    rows = [
        throughput_row("view req/s vs hello", view, hi, 0.30),
        throughput_row("view req/s vs heavy", view, hv, 1.0),
        latency_row("view p50 vs heavy", view, hv, 50),
        latency_row("view p99 vs heavy", view, hv, 99, 25),
        failures_row("view non-2xx (heavy)", view, hv),
        throughput_row("note req/s vs hello", note, hi, 0.30),
        latency_row("note p50 vs hello", note, hi, 50),
        latency_row("note p99 vs hello", note, hi, 99, 25),
        failures_row("note non-2xx (hello)", note, hi),
    ]
    emit(
        "read",
        rows,
        {
            "seconds": seconds,
            "rounds": rounds,
            "connections": 32,
            "notes_in_hub": SIZE,
            "visible_fields": 60,
            "loads": loads_json(loads),
        },
    )
    return rows
