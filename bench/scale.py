"""`scale`: the view's p50 with 1,000 vs 50,000 notes in the hub, and an auditor's query by subject.

Both worlds come from `livc-hub demo --size N` (seeded through the use cases, cached under
var/bench/worlds/). The two hubs run side by side and wrk reads the same 60-field view from
each in interleaved rounds: the ratio is the median of per-round p50 ratios (the baseline is the
small hub itself). The large world's log also holds LIVC_BENCH_SCALE_LOG more entries (default
100,000; BENCH.md's figure is 1,000,000: set it by hand), a twentieth of them about the
benchmark subject; the hub auditor's query by that subject (first page of 100) is timed against
the same query by raw sqlite3 on the same file, alternating.
Sizes: LIVC_BENCH_SCALE_SIZES (default "1000,50000").
"""

from __future__ import annotations

import os
import sqlite3
import time
from contextlib import ExitStack
from pathlib import Path

import httpx

from bench.harness import (
    ROUNDS,
    SECONDS,
    Target,
    interleave,
    latency_row,
    loads_json,
    lua_script,
    median,
    median_ratio,
    preflight,
    throughput_row,
    write_script,
)
from bench.read import READER, check_view, view_path
from bench.report import Row, emit
from bench.world import World, sqlite_world

_small, _, _large = os.environ.get("LIVC_BENCH_SCALE_SIZES", "1000,50000").partition(",")
SMALL, LARGE = int(_small), int(_large)
LOG = int(os.environ.get("LIVC_BENCH_SCALE_LOG", "100000"))
QUERIES = 30
AUDITOR = "hub-dpo"


def _raw_query(db: Path, subject: str) -> float:
    """The same first page with raw sqlite3 (seconds)."""
    start = time.perf_counter()
    conn = sqlite3.connect(db)
    try:
        conn.execute(
            "SELECT * FROM access_log WHERE subject_id = ? ORDER BY position LIMIT 101", (subject,)
        ).fetchall()
    finally:
        conn.close()
    return time.perf_counter() - start


def auditor_query(base_url: str, world: World) -> tuple[list[float], list[float], int, int]:
    """Hub and raw sqlite3 latencies (ms), alternating; the subject's and the log's entries."""
    subject = world.handles["_bench_subject"]
    auth = {"Authorization": f"Bearer {world.token(AUDITOR)}"}
    ours, theirs = [], []
    params: dict[str, str | int] = {"subject": subject, "limit": 100}
    with httpx.Client(base_url=base_url, headers=auth, timeout=60) as client:
        for _ in range(QUERIES):
            theirs.append(_raw_query(world.database_file, subject) * 1e3)
            start = time.perf_counter()
            answer = client.get("/api/v1/audit/entries", params=params)
            ours.append((time.perf_counter() - start) * 1e3)
            if answer.status_code != 200 or len(answer.json()["items"]) == 0:
                raise SystemExit(f"scale: the auditor's query answered {answer.status_code}")
    conn = sqlite3.connect(world.database_file)
    try:
        about = conn.execute(
            "SELECT count(*) FROM access_log WHERE subject_id = ?", (subject,)
        ).fetchone()[0]
        total = conn.execute("SELECT count(*) FROM access_log").fetchone()[0]
    finally:
        conn.close()
    return ours, theirs, int(about), int(total)


def main(seconds: float = SECONDS, rounds: int = ROUNDS) -> list[Row]:
    """Serve both hubs, read the view from each in interleaved rounds, query the log; report."""
    preflight()
    with (
        sqlite_world(SMALL) as small,
        sqlite_world(LARGE, log_entries=LOG) as large,
        ExitStack() as stack,
    ):
        targets = []
        for name, world in ((f"view-{SMALL}", small), (f"view-{LARGE}", large)):
            hub = stack.enter_context(world.hub(name))
            token = world.token(READER)
            check_view(hub.base_url, world, token)
            script = lua_script([view_path(world)], token=token)
            targets.append(Target(name, hub.base_url, write_script(world.folder, name, script)))
        loads = interleave(targets, rounds, seconds)
        ours, theirs, about, total = auditor_query(targets[1].base_url, large)
    few, many = loads[targets[0].name], loads[targets[1].name]
    p50 = latency_row(f"view p50, {LARGE:,} vs {SMALL:,} notes", many, few, 50)
    rows = [
        Row(
            p50.metric,
            p50.project,
            p50.baseline,
            p50.ratio,
            "ms; baseline = the same view with fewer notes; median of per-round ratios",
            "<= 1.1",
            p50.ratio <= 1.1,
        ),
        throughput_row(f"view req/s, {LARGE:,} vs {SMALL:,} notes", many, few, None),
        Row(
            "auditor query by subject p50",
            median(ours),
            median(theirs),
            median_ratio(ours, theirs),
            f"ms, first page of 100 of the subject's {about:,} entries ({total:,} in the log) "
            "over HTTP; baseline = raw sqlite3, same query",
            "<= 100 ms",
            median(ours) <= 100,
        ),
    ]
    emit(
        "scale",
        rows,
        {
            "seconds": seconds,
            "rounds": rounds,
            "sizes": [SMALL, LARGE],
            "log_entries": total,
            "subject_entries": about,
            "query_ms": ours,
            "raw_query_ms": theirs,
            "loads": loads_json(loads),
        },
    )
    return rows
