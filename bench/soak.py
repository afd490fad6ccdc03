"""`soak`: 64 clients for a minute of mixed reads and writes on each database; the log verified.

Issue 10: no request answers 5xx because another request holds a lock. For each database (the
SQLite world, and a throwaway PostgreSQL database with 1 and then 2 uvicorn workers) the real hub
is served and wrk runs 64 keep-alive connections for LIVC_BENCH_SOAK_SECONDS (default 60) with a
script that rotates over a fixed mix of requests by three members with their own tokens: the
reader's exchange view (3 notes x 20 fields), each writer reading one of their own notes, note
creation on the benchmark case, and new versions (If-Match: *) of the writers' notes. The
rotation is long enough (288 requests) that no two requests in flight edit the same note.
The script counts answers by status (2xx, 4xx, 5xx, other) and, apart, connections that failed,
reads and writes that failed and timeouts (30 s); it keeps the first few 4xx and 5xx bodies
(the problem type says why) for the report.

After the load, the whole access log is exported as the hub auditor and verified offline (hash
chain, Merkle roots, signed checkpoints), and the entries the run added must be at least as many
as the 2xx answers: every answered request left its entry. There is no baseline: the target is
0 5xx and a valid log; req/s and latency are shown for information.
"""

from __future__ import annotations

import json
import os
from collections.abc import Sequence
from dataclasses import dataclass, field

import httpx

from bench.harness import preflight, write_script, wrk_output
from bench.read import READER, check_view, view_path
from bench.report import Row, emit
from bench.world import World, chain_row, postgres_world, sqlite_world, verify_chain
from bench.write import edited_notes, note_body, version_body

SECONDS = float(os.environ.get("LIVC_BENCH_SOAK_SECONDS", "60"))
CONNECTIONS = int(os.environ.get("LIVC_BENCH_SOAK_CONNECTIONS", "64"))
SIZE = int(os.environ.get("LIVC_BENCH_SOAK_SIZE", "1000"))
PG_WORKERS = tuple(int(n) for n in os.environ.get("LIVC_BENCH_SOAK_PG_WORKERS", "1,2").split(","))
WRITERS = ("sofie", "pieter", "prevention")  # the benchmark case's three authors
AUDITOR = "hub-dpo"
EDITED_EACH = 24  # notes per writer that new versions go to: 72 in all, each once per rotation
# One block of the rotation: 3 views, 2 own-note reads, 1 creation, 2 new versions.
BLOCK = ("view", "read", "create", "view", "version", "read", "view", "version")
SAMPLES = 3  # problem bodies kept per status class
MARK, SAMPLE = "SOAK_JSON ", "SOAK_SAMPLE "

_LUA = """
local entries = {entries}
local requests = {{}}
local i = 0
local threads = {{}}

function setup(thread)
  table.insert(threads, thread)
end

function init(args)
  codes = {{}}
  samples = ""
  kept4, kept5 = 0, 0
  for n, e in ipairs(entries) do
    requests[n] = wrk.format(e[1], e[2], e[3], e[4])
  end
end

function request()
  i = i % #requests + 1
  return requests[i]
end

local function keep(status, body)
  local line = string.gsub(string.sub(body or "", 1, 600), "[\\r\\n]", " ")
  samples = samples .. "{sample}" .. status .. " " .. line .. "\\n"
end

function response(status, headers, body)
  codes[status] = (codes[status] or 0) + 1
  if status >= 500 and kept5 < {keep} then
    kept5 = kept5 + 1
    keep(status, body)
  elseif status >= 400 and status < 500 and kept4 < {keep} then
    kept4 = kept4 + 1
    keep(status, body)
  end
end

function done(summary, latency, requests)
  local all = {{}}
  local kept = ""
  for _, thread in ipairs(threads) do
    for status, n in pairs(thread:get("codes")) do
      all[status] = (all[status] or 0) + n
    end
    kept = kept .. thread:get("samples")
  end
  local parts = {{}}
  for status, n in pairs(all) do
    table.insert(parts, string.format('"%d":%d', status, n))
  end
  local e = summary.errors
  io.write(kept)
  io.write(string.format(
    '{mark}{{"requests":%d,"duration_us":%d,"p50_us":%d,"p99_us":%d,"max_us":%d,' ..
    '"connect":%d,"read":%d,"write":%d,"timeout":%d,"codes":{{%s}}}}\\n',
    summary.requests, summary.duration, latency:percentile(50), latency:percentile(99),
    latency.max, e.connect, e.read, e.write, e.timeout, table.concat(parts, ",")))
end
"""


@dataclass(frozen=True)
class Call:
    """One request of the rotation."""

    kind: str
    method: str
    path: str
    token: str
    body: str | None = None
    headers: dict[str, str] = field(default_factory=dict)


def _lua(value: str) -> str:
    return f"[==[{value}]==]"


def soak_script(calls: Sequence[Call]) -> str:
    """A wrk script that sends the calls in turn, each with its own token, and counts statuses."""
    if not calls:
        raise ValueError("the rotation needs at least one request")
    rows = []
    for call in calls:
        headers = {**call.headers, "Authorization": f"Bearer {call.token}"}
        if call.body is not None:
            headers.setdefault("Content-Type", "application/json")
        table = ", ".join(f"[ {_lua(k)} ] = {_lua(v)}" for k, v in headers.items())
        body = "nil" if call.body is None else _lua(call.body)
        rows.append(f"{{ {_lua(call.method)}, {_lua(call.path)}, {{ {table} }}, {body} }}")
    return _LUA.format(
        entries="{\n  " + ",\n  ".join(rows) + "\n}", mark=MARK, sample=SAMPLE, keep=SAMPLES
    )


@dataclass(frozen=True)
class Soak:
    """What wrk saw: answers by status, requests that got none, latency."""

    requests: int
    seconds: float
    codes: dict[int, int]
    connect_errors: int
    read_errors: int
    write_errors: int
    timeouts: int
    p50_ms: float
    p99_ms: float
    max_ms: float
    samples: tuple[str, ...]

    def count(self, low: int, high: int) -> int:
        """Answers with a status in [low, high)."""
        return sum(n for status, n in self.codes.items() if low <= status < high)

    @property
    def ok(self) -> int:
        """2xx answers."""
        return self.count(200, 300)

    @property
    def client_errors(self) -> int:
        """4xx answers."""
        return self.count(400, 500)

    @property
    def server_errors(self) -> int:
        """5xx answers."""
        return self.count(500, 600)

    @property
    def socket_errors(self) -> int:
        """Connections, reads and writes that failed (not timeouts)."""
        return self.connect_errors + self.read_errors + self.write_errors

    @property
    def rps(self) -> float:
        """Completed requests per second."""
        return self.requests / self.seconds if self.seconds else 0.0


def parse_soak(output: str) -> Soak:
    """The result line and the kept problem bodies the script printed."""
    samples = tuple(x[len(SAMPLE) :] for x in output.splitlines() if x.startswith(SAMPLE))
    for line in output.splitlines():
        if line.startswith(MARK):
            data = json.loads(line[len(MARK) :])
            return Soak(
                requests=int(data["requests"]),
                seconds=data["duration_us"] / 1e6,
                codes={int(k): int(v) for k, v in data["codes"].items()},
                connect_errors=int(data["connect"]),
                read_errors=int(data["read"]),
                write_errors=int(data["write"]),
                timeouts=int(data["timeout"]),
                p50_ms=data["p50_us"] / 1e3,
                p99_ms=data["p99_us"] / 1e3,
                max_ms=data["max_us"] / 1e3,
                samples=samples,
            )
    raise ValueError(f"wrk printed no soak result line:\n{output[-2000:]}")


def rotation(
    view: str,
    own: dict[str, list[str]],
    create: str,
    create_body: str,
    new_version_body: str,
    tokens: dict[str, str],
) -> list[Call]:
    """The mix: blocks of BLOCK until every writer's edited note had one new version.

    Reads and creations rotate over the writers; new versions walk each writer's notes, so two
    edits of one note are a whole rotation apart.
    """
    writers = list(own)
    longest = max(len(paths) for paths in own.values())
    edits = [(w, own[w][n]) for n in range(longest) for w in writers if n < len(own[w])]
    per_block = BLOCK.count("version")
    blocks = max(1, -(-len(edits) // per_block))
    calls: list[Call] = []
    turn = edit = 0
    for _ in range(blocks):
        for kind in BLOCK:
            writer = writers[turn % len(writers)]
            if kind == "view":
                calls.append(Call(kind, "GET", view, tokens[READER]))
                continue
            turn += 1
            if kind == "read":
                path = own[writer][turn % len(own[writer])]
                calls.append(Call(kind, "GET", path, tokens[writer]))
            elif kind == "create":
                calls.append(Call(kind, "POST", create, tokens[writer], create_body))
            else:
                writer, path = edits[edit % len(edits)]
                edit += 1
                calls.append(
                    Call(kind, "PUT", path, tokens[writer], new_version_body, {"If-Match": "*"})
                )
    return calls


def count_entries(base_url: str, token: str) -> int:
    """Entries in the whole log now, from the hub auditor's export."""
    lines = 0
    auth = {"Authorization": f"Bearer {token}"}
    with httpx.stream("GET", base_url + "/api/v1/audit/export", headers=auth, timeout=600) as r:
        r.raise_for_status()
        for chunk in r.iter_bytes():
            lines += chunk.count(b"\n")
    return lines


@dataclass(frozen=True)
class Run:
    """One database's soak: the load, and the log checked after it."""

    name: str
    workers: int
    load: Soak
    entries_before: int
    entries_after: int
    verified: bool
    problem: str

    @property
    def added(self) -> int:
        """Entries the run added (the load's, and the auditor's own export and checkpoint)."""
        return self.entries_after - self.entries_before

    def rows(self) -> list[Row]:
        """The run as report rows: 5xx and unanswered must be 0, the log valid and complete."""
        x, nan, tag = self.load, float("nan"), f"{self.name} {self.workers}w"
        return [
            Row(f"{tag} req/s", x.rps, nan, nan, f"req/s over {x.seconds:.0f} s", "-", None),
            Row(f"{tag} 2xx", float(x.ok), nan, nan, f"of {x.requests:,} requests", "-", None),
            Row(f"{tag} 4xx", float(x.client_errors), nan, nan, "answers", "-", None),
            Row(
                f"{tag} 5xx",
                float(x.server_errors),
                nan,
                nan,
                "answers",
                "0",
                x.server_errors == 0,
            ),
            Row(
                f"{tag} socket errors / timeouts",
                float(x.socket_errors + x.timeouts),
                nan,
                nan,
                f"connect {x.connect_errors}, read {x.read_errors}, write {x.write_errors}, "
                f"timeout {x.timeouts}",
                "0",
                x.socket_errors + x.timeouts == 0,
            ),
            Row(
                f"{tag} p99",
                x.p99_ms,
                nan,
                nan,
                f"ms (p50 {x.p50_ms:.1f}, max {x.max_ms:.0f})",
                "-",
                None,
            ),
            chain_row(f"{tag} log verifies after", self.verified, self.entries_after, self.problem),
            Row(
                f"{tag} entries added vs 2xx",
                float(self.added),
                float(x.ok),
                self.added / x.ok if x.ok else nan,
                "entries the run added; baseline = 2xx answers",
                ">= 2xx",
                self.added >= x.ok,
            ),
        ]

    def as_json(self) -> dict[str, object]:
        """The raw figures for the JSON file."""
        x = self.load
        return {
            "database": self.name,
            "workers": self.workers,
            "requests": x.requests,
            "seconds": x.seconds,
            "rps": round(x.rps, 1),
            "codes": {str(k): v for k, v in sorted(x.codes.items())},
            "2xx": x.ok,
            "4xx": x.client_errors,
            "5xx": x.server_errors,
            "connect_errors": x.connect_errors,
            "read_errors": x.read_errors,
            "write_errors": x.write_errors,
            "timeouts": x.timeouts,
            "p50_ms": x.p50_ms,
            "p99_ms": x.p99_ms,
            "max_ms": x.max_ms,
            "problem_samples": list(x.samples),
            "entries_before": self.entries_before,
            "entries_after": self.entries_after,
            "entries_added": self.added,
            "log_valid": self.verified,
            "log_problem": self.problem,
        }


def soak(
    world: World,
    name: str,
    workers: int = 1,
    seconds: float = SECONDS,
    connections: int = CONNECTIONS,
    edited_each: int = EDITED_EACH,
) -> Run:
    """Serve the hub, prepare the writers' notes, load it, then export and verify the log."""
    tokens = {h: world.token(h) for h in {READER, *WRITERS, AUDITOR}}
    case = world.handles["_bench_case"]
    create, body = f"/api/v1/cases/{case}/notes", note_body(world)
    with world.hub(f"hub-{name}-{workers}w", workers=workers) as hub:
        check_view(hub.base_url, world, tokens[READER])
        own = {w: edited_notes(hub.base_url, world, tokens[w], body, edited_each) for w in WRITERS}
        calls = rotation(view_path(world), own, create, body, version_body(), tokens)
        script = write_script(
            world.folder / "scripts", f"soak-{name}-{workers}w", soak_script(calls)
        )
        before = count_entries(hub.base_url, tokens[AUDITOR])
        load = parse_soak(wrk_output(hub.base_url, script, seconds, connections))
        print(
            f"  {name} {workers} worker(s): {load.requests:,} requests in {load.seconds:.0f} s "
            f"({load.rps:.1f} req/s), 2xx {load.ok:,}, 4xx {load.client_errors}, "
            f"5xx {load.server_errors}, socket errors {load.socket_errors}, "
            f"timeouts {load.timeouts}",
            flush=True,
        )
        for sample in load.samples:
            print(f"    {sample}", flush=True)
        ok, entries, problem = verify_chain(hub.base_url, tokens[AUDITOR], world.folder)
    return Run(name, workers, load, before, entries, ok, problem)


def main(seconds: float = SECONDS) -> list[Row]:
    """SQLite with 1 worker, then PostgreSQL with each worker count; report."""
    preflight()
    runs: list[Run] = []
    with sqlite_world(SIZE) as world:
        runs.append(soak(world, "sqlite", 1, seconds))
    with postgres_world(SIZE) as world:
        for workers in PG_WORKERS:
            runs.append(soak(world, "postgres", workers, seconds))
    rows = [row for run in runs for row in run.rows()]
    emit(
        "soak",
        rows,
        {
            "seconds": seconds,
            "connections": CONNECTIONS,
            "notes_in_hub": SIZE,
            "mix": list(BLOCK),
            "runs": [run.as_json() for run in runs],
        },
    )
    return rows
