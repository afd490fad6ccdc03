"""What every HTTP benchmark shares: ports, servers, wrk, and the arithmetic of ratios (BENCH.md).

Servers are real uvicorn processes on 127.0.0.1, started on a port this harness picks from a fixed
range, waited for by polling, and stopped by their PID. Load comes from wrk (one thread, 32
connections, keep-alive) with a generated Lua script that sends the bearer token and cycles
through the paths; the script's ``done`` prints one JSON line this module parses.
"""

from __future__ import annotations

import importlib.util
import json
import os
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import time
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import httpx

from bench.report import Row

ROOT = Path(__file__).resolve().parent.parent
WORK = Path(os.environ.get("LIVC_BENCH_DIR", ROOT / "var" / "bench"))
SECONDS = float(os.environ.get("LIVC_BENCH_SECONDS", "5"))
ROUNDS = int(os.environ.get("LIVC_BENCH_ROUNDS", "3"))
WARMUP_SECONDS = 1.0
CONNECTIONS = 32
_low, _, _high = os.environ.get("LIVC_BENCH_PORTS", "18700-18799").partition("-")
PORTS = range(int(_low), int(_high or _low) + 1)
WRK_INSTALL = "wrk is not installed; as root: apt-get update && apt-get install -y wrk"
# BENCH.md: uvloop and httptools for the hub and every baseline alike (the `bench` extra).
LOOP, HTTP = "uvloop", "httptools"


# --- arithmetic ---------------------------------------------------------------------------------


def median(values: Sequence[float]) -> float:
    """The median; NaN for no values (a run that measured nothing shows as such)."""
    return statistics.median(values) if values else float("nan")


def ratios(numerators: Sequence[float], denominators: Sequence[float]) -> list[float]:
    """Per-round ratios (round i of the project over round i of its baseline)."""
    if len(numerators) != len(denominators):
        raise ValueError("a ratio needs as many project rounds as baseline rounds")
    return [n / d if d else float("nan") for n, d in zip(numerators, denominators, strict=True)]


def median_ratio(numerators: Sequence[float], denominators: Sequence[float]) -> float:
    """The median of per-round ratios: each round's pair saw the same machine weather."""
    return median(ratios(numerators, denominators))


# --- wrk ----------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Load:
    """One wrk run: throughput, latency percentiles, and what did not answer 2xx."""

    requests: int
    seconds: float
    p50_ms: float
    p99_ms: float
    non2xx: int
    socket_errors: int

    @property
    def rps(self) -> float:
        """Completed requests per second."""
        return self.requests / self.seconds if self.seconds else 0.0

    @property
    def failed(self) -> int:
        """Responses other than 2xx, and requests that got none (timeouts, resets)."""
        return self.non2xx + self.socket_errors


MARK = "WRK_JSON "

_LUA = """
local paths = {paths}
local method = {method}
local body = {body}
local headers = {headers}
local requests = {{}}
local i = 0
local threads = {{}}

function setup(thread)
  table.insert(threads, thread)
end

function init(args)
  non2xx = 0
  for n, path in ipairs(paths) do
    requests[n] = wrk.format(method, path, headers, body)
  end
end

function request()
  i = i % #requests + 1
  return requests[i]
end

function response(status, headers, body)
  if status < 200 or status > 299 then
    non2xx = non2xx + 1
  end
end

function done(summary, latency, requests)
  local bad = 0
  for _, thread in ipairs(threads) do
    bad = bad + thread:get("non2xx")
  end
  local e = summary.errors
  io.write(string.format(
    '{mark}{{"requests":%d,"duration_us":%d,"p50_us":%d,"p99_us":%d,"non2xx":%d,' ..
    '"socket_errors":%d}}\\n',
    summary.requests, summary.duration, latency:percentile(50), latency:percentile(99), bad,
    e.connect + e.read + e.write + e.timeout))
end
"""


def _lua_string(value: str) -> str:
    # A Lua long string cannot be closed early by anything inside a JSON body or a token.
    return f"[==[{value}]==]"


def lua_script(
    paths: Sequence[str],
    *,
    token: str | None = None,
    method: str = "GET",
    body: str | None = None,
    headers: Mapping[str, str] | None = None,
) -> str:
    """A wrk script: ``method`` on each path in turn, with the bearer token and the headers."""
    if not paths:
        raise ValueError("wrk needs at least one path")
    sent = dict(headers or {})
    if token is not None:
        sent["Authorization"] = f"Bearer {token}"
    if body is not None:
        sent.setdefault("Content-Type", "application/json")
    table = ", ".join(f"[ {_lua_string(k)} ] = {_lua_string(v)}" for k, v in sent.items())
    return _LUA.format(
        paths="{" + ", ".join(_lua_string(p) for p in paths) + "}",
        method=_lua_string(method),
        body="nil" if body is None else _lua_string(body),
        headers="{" + table + "}",
        mark=MARK,
    )


def parse_wrk(output: str) -> Load:
    """The numbers the script's ``done`` printed."""
    for line in output.splitlines():
        if line.startswith(MARK):
            data = json.loads(line[len(MARK) :])
            return Load(
                requests=int(data["requests"]),
                seconds=data["duration_us"] / 1e6,
                p50_ms=data["p50_us"] / 1e3,
                p99_ms=data["p99_us"] / 1e3,
                non2xx=int(data["non2xx"]),
                socket_errors=int(data["socket_errors"]),
            )
    raise ValueError(f"wrk printed no result line:\n{output[-2000:]}")


def wrk_binary() -> str:
    """The wrk executable, or a clear message saying how to install it."""
    found = shutil.which("wrk")
    if found is None:
        raise SystemExit(WRK_INSTALL)
    return found


def preflight() -> None:
    """wrk, uvloop and httptools are there, or say how to get them."""
    wrk_binary()
    missing = [m for m in (LOOP, HTTP) if importlib.util.find_spec(m) is None]
    if missing:
        raise SystemExit(f"{', '.join(missing)} missing: pip install -e '.[bench]' (make bench)")


def wrk(
    base_url: str, script: Path, seconds: float = SECONDS, connections: int = CONNECTIONS
) -> Load:
    """One wrk run: one thread, ``connections`` keep-alive connections, for ``seconds``."""
    return parse_wrk(wrk_output(base_url, script, seconds, connections))


def wrk_output(
    base_url: str, script: Path, seconds: float = SECONDS, connections: int = CONNECTIONS
) -> str:
    """What one wrk run printed (for a script that prints its own result lines)."""
    argv = [
        wrk_binary(),
        "-t1",
        f"-c{connections}",
        f"-d{max(1, round(seconds))}s",
        "--timeout",
        "30s",
        "-s",
        str(script),
        base_url,
    ]
    done = subprocess.run(  # noqa: S603 - wrk with our own arguments, on 127.0.0.1
        argv, capture_output=True, text=True, timeout=seconds + 60, check=False
    )
    if done.returncode != 0:
        raise RuntimeError(f"wrk failed ({done.returncode}): {done.stderr[-1000:]}")
    return done.stdout


@dataclass(frozen=True)
class Target:
    """What wrk is aimed at: a running server and a script for it."""

    name: str
    base_url: str
    script: Path


def write_script(folder: Path, name: str, text: str) -> Path:
    """Save a Lua script for wrk; returns its path."""
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"{name}.lua"
    path.write_text(text)
    return path


def interleave(
    targets: Sequence[Target],
    rounds: int = ROUNDS,
    seconds: float = SECONDS,
    between: Callable[[], None] | None = None,
) -> dict[str, list[Load]]:
    """Each target once per round, in order (baselines first), after a short warm-up each."""
    for target in targets:
        warm = wrk(target.base_url, target.script, WARMUP_SECONDS)
        if warm.failed and warm.failed >= warm.requests:
            raise SystemExit(f"{target.name}: every warm-up request failed; nothing to measure")
    out: dict[str, list[Load]] = {t.name: [] for t in targets}
    for number in range(rounds):
        for target in targets:
            load = wrk(target.base_url, target.script, seconds)
            out[target.name].append(load)
            print(
                f"  round {number + 1}/{rounds} {target.name:<14} {load.rps:9.1f} req/s  "
                f"p50 {load.p50_ms:8.1f} ms  p99 {load.p99_ms:8.1f} ms  failed {load.failed}",
                flush=True,
            )
            if between is not None:
                between()
    return out


# --- servers ------------------------------------------------------------------------------------

_handed_out: set[int] = set()


def pick_port() -> int:
    """A free port of the fixed range on 127.0.0.1, not handed out before by this process."""
    for port in PORTS:
        if port in _handed_out:
            continue
        with socket.socket() as s:
            try:
                s.bind(("127.0.0.1", port))
            except OSError:
                continue
        _handed_out.add(port)
        return port
    raise SystemExit(f"no free port in {PORTS.start}-{PORTS.stop - 1} (LIVC_BENCH_PORTS)")


def uvicorn_argv(
    target: str,
    port: int,
    *,
    factory: bool = False,
    workers: int = 1,
) -> list[str]:
    """The same uvicorn command line for the hub and every baseline."""
    argv = [sys.executable, "-m", "uvicorn", target, "--host", "127.0.0.1", "--port", str(port)]
    argv += ["--workers", str(workers), "--loop", LOOP, "--http", HTTP]
    argv += ["--no-access-log", "--log-level", "warning", "--no-server-header"]
    return argv + (["--factory"] if factory else [])


class Server:
    """A server process we started: its PID, its URL and its log file."""

    def __init__(
        self,
        name: str,
        argv: list[str],
        env: Mapping[str, str],
        log: Path,
        cwd: Path | None = None,
    ) -> None:
        self.name, self.log = name, log
        log.parent.mkdir(parents=True, exist_ok=True)
        self._log = log.open("w")
        # The checkout first on the path: bench.baselines is not an installed package.
        path = os.pathsep.join(p for p in (str(ROOT), env.get("PYTHONPATH", "")) if p)
        self.process = subprocess.Popen(  # noqa: S603 - our own server command, on 127.0.0.1
            argv,
            env={**env, "PYTHONPATH": path},
            cwd=cwd,
            stdout=self._log,
            stderr=subprocess.STDOUT,
            start_new_session=True,  # its own process group: uvicorn's workers stop with it
        )
        self.port = int(argv[argv.index("--port") + 1])
        self.base_url = f"http://127.0.0.1:{self.port}"

    @property
    def pid(self) -> int:
        """The PID of the process we started."""
        return self.process.pid

    def wait_ready(self, path: str, timeout: float = 60.0) -> None:
        """Poll ``path`` until it answers 200; fail with the server's log if it dies or hangs."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                break
            try:
                if httpx.get(self.base_url + path, timeout=2).status_code == 200:
                    return
            except httpx.TransportError:
                pass
            time.sleep(0.1)
        self.stop()
        tail = self.log.read_text()[-3000:]
        raise RuntimeError(f"{self.name} did not become ready on {self.base_url}{path}:\n{tail}")

    def stop(self, timeout: float = 20.0) -> None:
        """SIGTERM to our process (its group: the workers it forked), then SIGKILL if it lingers."""
        if self.process.poll() is None:
            with _gone():
                os.killpg(self.process.pid, signal.SIGTERM)
            try:
                self.process.wait(timeout=timeout)
            except subprocess.TimeoutExpired:
                with _gone():
                    os.killpg(self.process.pid, signal.SIGKILL)
                self.process.wait(timeout=timeout)
        self._log.close()


@contextmanager
def _gone() -> Iterator[None]:
    try:
        yield
    except ProcessLookupError:
        pass


@contextmanager
def serving(
    name: str,
    argv: list[str],
    env: Mapping[str, str],
    log: Path,
    ready: str,
    cwd: Path | None = None,
) -> Iterator[Server]:
    """A started, ready server, stopped by its PID on the way out."""
    server = Server(name, argv, env, log, cwd)
    try:
        server.wait_ready(ready)
        yield server
    finally:
        server.stop()


def rss_kib(pid: int) -> int:
    """Resident memory of a process, from /proc (0 once it is gone)."""
    try:
        status = Path(f"/proc/{pid}/status").read_text()
    except (FileNotFoundError, ProcessLookupError):
        return 0
    for line in status.splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
    return 0


# --- rows ---------------------------------------------------------------------------------------


def throughput_row(
    metric: str, hub: Sequence[Load], base: Sequence[Load], at_least: float | None
) -> Row:
    """Requests per second, hub over baseline (median of per-round ratios)."""
    ratio = median_ratio([x.rps for x in hub], [x.rps for x in base])
    return Row(
        metric,
        median([x.rps for x in hub]),
        median([x.rps for x in base]),
        ratio,
        "req/s; ratio = hub/baseline, median of per-round ratios",
        "-" if at_least is None else f">= {at_least:g}",
        None if at_least is None else ratio >= at_least,
    )


def latency_row(
    metric: str,
    hub: Sequence[Load],
    base: Sequence[Load],
    percentile: int,
    at_most_ms: float | None = None,
) -> Row:
    """A latency percentile in ms, hub over baseline; the target is on the hub's own figure."""

    def pick(x: Load) -> float:
        return x.p50_ms if percentile == 50 else x.p99_ms

    value = median([pick(x) for x in hub])
    return Row(
        metric,
        value,
        median([pick(x) for x in base]),
        median_ratio([pick(x) for x in hub], [pick(x) for x in base]),
        f"ms (p{percentile}, median of rounds); ratio = hub/baseline",
        "-" if at_most_ms is None else f"<= {at_most_ms:g} ms",
        None if at_most_ms is None else value <= at_most_ms,
    )


def failures_row(metric: str, hub: Sequence[Load], base: Sequence[Load]) -> Row:
    """Non-2xx answers and requests with no answer, summed over the rounds; the target is 0."""
    mine = sum(x.failed for x in hub)
    return Row(
        metric,
        float(mine),
        float(sum(x.failed for x in base)),
        float("nan"),
        "non-2xx + timeouts/resets, all rounds",
        "0",
        mine == 0,
    )


def loads_json(loads: dict[str, list[Load]]) -> dict[str, list[dict[str, float]]]:
    """Every round's raw figures, for the JSON file."""
    return {
        name: [
            {
                "rps": round(x.rps, 1),
                "p50_ms": x.p50_ms,
                "p99_ms": x.p99_ms,
                "requests": x.requests,
                "seconds": x.seconds,
                "non2xx": x.non2xx,
                "socket_errors": x.socket_errors,
            }
            for x in runs
        ]
        for name, runs in loads.items()
    }
