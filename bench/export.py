"""`export`: the hub auditor streams the whole access log through a real `livc-hub serve`.

The world is the demo (1,000 notes) with LIVC_BENCH_EXPORT_SIZE more entries (default 200,000;
the figure of BENCH.md is 1,000,000) appended through the hub's own append path, with its
signed checkpoints. The hub's `GET /api/v1/audit/export` is streamed to a file while the
server's resident memory is sampled from /proc: its growth must stay bounded (the export reads
and writes batches). Baseline in the same run, served by uvicorn with the same loop and parser:
a minimal app streaming the same table as NDJSON with raw sqlite3, no auth, no scope, no
canonical form. Interleaved rounds; medians of per-round ratios. The last export is then
verified offline (hash chain, Merkle roots, signatures) as a correctness check, not timed:
`verify` is the benchmark of verification speed.
"""

from __future__ import annotations

import os
import sys
import threading
import time
from contextlib import ExitStack
from pathlib import Path

import httpx

from bench.harness import (
    ROUNDS,
    median,
    median_ratio,
    pick_port,
    rss_kib,
    serving,
    uvicorn_argv,
)
from bench.report import Row, emit
from bench.world import chain_row, sqlite_world, verify_log

SIZE = int(os.environ.get("LIVC_BENCH_EXPORT_SIZE", "200000"))
AUDITOR = "hub-dpo"


class _Sampler(threading.Thread):
    """A process's peak resident memory while a download runs (KiB)."""

    def __init__(self, pid: int) -> None:
        super().__init__(daemon=True)
        self.pid, self.peak, self.running = pid, 0, True

    def run(self) -> None:
        while self.running:
            self.peak = max(self.peak, rss_kib(self.pid))
            time.sleep(0.02)


def download(url: str, token: str | None, pid: int, target: Path) -> tuple[float, int, int]:
    """Stream ``url`` to ``target``: entries per second, and the server's RSS growth (KiB)."""
    headers = {} if token is None else {"Authorization": f"Bearer {token}"}
    before = rss_kib(pid)
    sampler = _Sampler(pid)
    sampler.start()
    lines = 0
    start = time.perf_counter()
    try:
        with (
            httpx.stream("GET", url, headers=headers, timeout=600) as r,
            target.open("wb") as out,
        ):
            r.raise_for_status()
            for chunk in r.iter_bytes():
                lines += chunk.count(b"\n")
                out.write(chunk)
        seconds = time.perf_counter() - start
    finally:
        sampler.running = False
        sampler.join()
    return lines / seconds, max(0, sampler.peak - before), lines


def main(rounds: int = ROUNDS) -> list[Row]:
    """Serve the hub and the baseline, download in interleaved rounds, verify, report."""
    with sqlite_world(1000, log_entries=SIZE) as world, ExitStack() as stack:
        token = world.token(AUDITOR)
        logs = world.folder / "logs"
        argv = [sys.executable, "-m", "app.cli", "serve", "--host", "127.0.0.1"]
        hub = stack.enter_context(
            serving(
                "livc-hub serve",
                [*argv, "--port", str(pick_port())],
                world.env,
                logs / "hub.log",
                "/healthz",
                cwd=world.folder,
            )
        )
        env = {**world.env, "LIVC_BENCH_DB": str(world.database_file)}
        raw = stack.enter_context(
            serving(
                "ndjson",
                uvicorn_argv("bench.baselines:ndjson", pick_port(), factory=True),
                env,
                logs / "ndjson.log",
                "/hello",
            )
        )
        ours: list[float] = []
        theirs: list[float] = []
        growth: list[int] = []
        raw_growth: list[int] = []
        exported = world.folder / "export.ndjson"
        for number in range(rounds):
            rate, grew, _ = download(raw.base_url + "/export", None, raw.pid, world.folder / "raw")
            theirs.append(rate)
            raw_growth.append(grew)
            rate, grew, entries = download(
                hub.base_url + "/api/v1/audit/export", token, hub.pid, exported
            )
            ours.append(rate)
            growth.append(grew)
            print(
                f"  round {number + 1}/{rounds} ndjson {theirs[-1]:10,.0f} entries/s   "
                f"hub {ours[-1]:10,.0f} entries/s, RSS +{grew / 1024:.1f} MiB",
                flush=True,
            )
        ok, verified, problem = verify_log(hub.base_url, token, world.folder, exported)
        export_mb = exported.stat().st_size / 1e6
    peak = max(growth) / 1024
    rows = [
        Row(
            "export entries/s vs raw sqlite3 NDJSON",
            median(ours),
            median(theirs),
            median_ratio(ours, theirs),
            "entries/s over HTTP; ratio = hub/baseline, median of per-round ratios",
            ">= 0.5",
            median_ratio(ours, theirs) >= 0.5,
        ),
        Row(
            "server RSS growth during export",
            peak,
            max(raw_growth) / 1024,
            float("nan"),
            f"MiB, peak over rounds; the export is {export_mb:.0f} MB",
            "< 64 MiB",
            peak < 64,
        ),
        chain_row("export verifies offline", ok, verified, problem),
    ]
    emit(
        "export",
        rows,
        {
            "entries": entries,
            "export_mb": round(export_mb, 1),
            "rounds": rounds,
            "hub_per_s": ours,
            "raw_sqlite_per_s": theirs,
            "hub_rss_growth_kib": growth,
            "raw_rss_growth_kib": raw_growth,
        },
    )
    return rows
