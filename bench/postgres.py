"""`postgres`: the view and a note write on PostgreSQL with 1, 2 and 4 uvicorn workers.

A throwaway database on 127.0.0.1:5432 (trust auth), migrated as the superuser and served as a
login role of the app's group role, as in production; seeded by `livc-hub demo --size N`
(LIVC_BENCH_PG_SIZE, default 1,000) and dropped afterwards. Each round starts the hub with
each worker count in turn, in alternating order (only one runs at a time, so the connection
pools never add up),
warms it up, and runs wrk on the view and on note creation. The baseline is the hub itself with
one worker: ratios are medians of per-round ratios. After the rounds the whole log is exported
and verified offline: the chain must stay linear and valid with several processes appending.
"""

from __future__ import annotations

import os

from bench.harness import (
    ROUNDS,
    SECONDS,
    WARMUP_SECONDS,
    Load,
    failures_row,
    loads_json,
    lua_script,
    preflight,
    throughput_row,
    write_script,
    wrk,
)
from bench.read import READER, check_view, view_path
from bench.report import Row, emit
from bench.world import chain_row, postgres_world, verify_chain
from bench.write import note_body

SIZE = int(os.environ.get("LIVC_BENCH_PG_SIZE", "1000"))
WORKERS = (1, 2, 4)


def main(seconds: float = SECONDS, rounds: int = ROUNDS) -> list[Row]:
    """Rounds over the worker counts, then the chain check; report."""
    preflight()
    loads: dict[str, list[Load]] = {
        f"{what}-{n}w": [] for n in WORKERS for what in ("view", "create")
    }
    with postgres_world(SIZE) as world:
        token = world.token(READER)
        create = f"/api/v1/cases/{world.handles['_bench_case']}/notes"
        scripts = {
            "view": write_script(world.folder, "view", lua_script([view_path(world)], token=token)),
            "create": write_script(
                world.folder,
                "create",
                lua_script([create], token=token, method="POST", body=note_body(world)),
            ),
        }
        for number in range(rounds):
            # The database grows with every run: alternate the order so no count always goes last.
            for workers in WORKERS if number % 2 == 0 else WORKERS[::-1]:
                with world.hub(f"hub-{workers}w", workers=workers) as hub:
                    if number == 0:
                        check_view(hub.base_url, world, token)
                    for what, script in scripts.items():
                        wrk(hub.base_url, script, WARMUP_SECONDS)
                        load = wrk(hub.base_url, script, seconds)
                        loads[f"{what}-{workers}w"].append(load)
                        print(
                            f"  round {number + 1}/{rounds} {what:<6} {workers} worker(s) "
                            f"{load.rps:8.1f} req/s  p50 {load.p50_ms:7.1f} ms  "
                            f"p99 {load.p99_ms:7.1f} ms  failed {load.failed}",
                            flush=True,
                        )
        with world.hub("hub-verify") as hub:
            ok, entries, problem = verify_chain(hub.base_url, world.token("hub-dpo"), world.folder)
    rows = []
    for what in ("view", "create"):
        one = loads[f"{what}-1w"]
        rows.append(throughput_row(f"{what} req/s, 2 vs 1 workers", loads[f"{what}-2w"], one, 1.6))
        rows.append(throughput_row(f"{what} req/s, 4 vs 1 workers", loads[f"{what}-4w"], one, None))
        every = [x for n in WORKERS for x in loads[f"{what}-{n}w"]]
        rows.append(failures_row(f"{what} non-2xx, all worker counts", every, one))
    rows.append(chain_row("chain verifies after the runs", ok, entries, problem))
    emit(
        "postgres",
        rows,
        {
            "seconds": seconds,
            "rounds": rounds,
            "workers": list(WORKERS),
            "notes_in_hub": SIZE,
            "loads": loads_json(loads),
        },
    )
    return rows
