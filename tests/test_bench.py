"""The benchmark harness works: its arithmetic, its scripts and rows, and one tiny run.

This checks the harness, never the hub's speed (BENCH.md: a benchmark never runs inside the
test suite). The tiny run seeds a 30-note world with `livc-hub demo --size`, serves the hub with
the harness's uvicorn command and reads the 60-field view; with wrk installed it also runs wrk
for a second against it.
"""

from __future__ import annotations

import importlib.util
import json
import math
import shutil
import sqlite3
from pathlib import Path

import httpx
import pytest

from bench import harness, soak, world
from bench.harness import (
    Load,
    Target,
    failures_row,
    interleave,
    latency_row,
    lua_script,
    median_ratio,
    parse_wrk,
    ratios,
    serving,
    throughput_row,
    uvicorn_argv,
    write_script,
)
from bench.profile import layer, shares
from bench.read import READER, check_view, view_path
from bench.report import Row, emit, table
from tests.support.timing import scaled


def _load(rps: float, p50: float = 1.0, p99: float = 2.0, failed: int = 0) -> Load:
    return Load(int(rps * 10), 10.0, p50, p99, failed, 0)


def test_the_ratio_is_the_median_of_per_round_ratios_not_the_ratio_of_medians() -> None:
    hub, baseline = [10.0, 20.0, 30.0], [10.0, 40.0, 10.0]
    assert ratios(hub, baseline) == [1.0, 0.5, 3.0]
    assert median_ratio(hub, baseline) == 1.0  # the ratio of the medians would be 2.0


def test_a_ratio_needs_as_many_rounds_on_each_side() -> None:
    with pytest.raises(ValueError, match="as many"):
        median_ratio([1.0, 2.0], [1.0])
    assert math.isnan(median_ratio([1.0], [0.0]))


def test_rows_pass_and_fail_at_their_targets() -> None:
    hub, base = [_load(30), _load(31), _load(29)], [_load(100)] * 3
    assert throughput_row("x", hub, base, 0.30).passed is True
    assert throughput_row("x", hub[2:], base[2:], 0.30).passed is False
    assert throughput_row("x", hub, base, None).passed is None
    assert latency_row("x", [_load(1, p99=25.0)], [_load(1)], 99, 25).passed is True
    assert latency_row("x", [_load(1, p99=25.5)], [_load(1)], 99, 25).passed is False
    assert latency_row("x", [_load(1, p50=4.0)], [_load(1, p50=2.0)], 50).ratio == 2.0
    assert failures_row("x", [_load(1), _load(1, failed=1)], base).passed is False
    assert failures_row("x", [_load(1)], base).passed is True


def test_wrk_output_is_read_from_the_scripts_result_line() -> None:
    out = (
        "Running 5s test @ http://127.0.0.1:18700\n"
        'WRK_JSON {"requests":500,"duration_us":5000000,"p50_us":1500,"p99_us":25000,'
        '"non2xx":3,"socket_errors":2}\n'
    )
    load = parse_wrk(out)
    assert (load.rps, load.p50_ms, load.p99_ms, load.failed) == (100.0, 1.5, 25.0, 5)
    with pytest.raises(ValueError, match="no result line"):
        parse_wrk("Running 5s test\n  Non-2xx or 3xx responses: 18042\n")


def test_the_lua_script_carries_token_paths_and_body_verbatim() -> None:
    body = json.dumps({"fields": {"f01": 'a ]] b " c'}})
    script = lua_script(
        ["/a", "/b"], token="t.o.k", method="PUT", body=body, headers={"If-Match": "*"}
    )
    assert "[ [==[Authorization]==] ] = [==[Bearer t.o.k]==]" in script
    assert "{[==[/a]==], [==[/b]==]}" in script
    assert f"[==[{body}]==]" in script
    assert "[ [==[Content-Type]==] ] = [==[application/json]==]" in script
    with pytest.raises(ValueError, match="at least one path"):
        lua_script([])


def test_profile_samples_are_attributed_to_the_innermost_frames_layer() -> None:
    raw = [
        "run (uvicorn/server.py:1);view (app/services/views.py:9);execute (sqlalchemy/x.py:3) 6",
        "run (uvicorn/server.py:1);view (app/services/views.py:9);decide (app/policies/s.py:2) 3",
        "run (uvicorn/server.py:1);dumps (json/encoder.py:5) 1",
        "garbage line",
    ]
    total, own, inclusive, top = shares(raw)
    assert total == 10
    assert own == {"SQLAlchemy": 6, "policy engine": 3, "json": 1}
    assert inclusive["use cases"] == 9
    assert inclusive["server"] == 10
    assert top.most_common(1) == [("execute (sqlalchemy/x.py:3)", 6)]
    assert layer("f (somewhere/else.py:1)") == "other"


def test_emit_prints_the_table_and_writes_json_without_nan(tmp_path: Path) -> None:
    rows = [
        Row("view req/s vs hello", 30.0, 100.0, 0.3, "req/s", ">= 0.3", True),
        Row("view non-2xx", 0.0, 0.0, float("nan"), "count", "0", True),
        Row("info", 1.0, 2.0, 0.5, "ms", "-", None),
    ]
    path = emit("smoke", rows, {"rounds": 3}, results=tmp_path)
    data = json.loads(path.read_text())
    assert [r["verdict"] for r in data["rows"]] == ["PASS", "PASS", "info"]
    assert data["rows"][1]["ratio"] is None
    assert data["nproc"] >= 1
    assert "view req/s vs hello" in table(rows)


@pytest.fixture
def bench_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Worlds and runs under tmp_path; the event loop and parser this venv has."""
    monkeypatch.setattr(world, "WORK", tmp_path)
    for option, fallback in (("LOOP", "asyncio"), ("HTTP", "h11")):
        if importlib.util.find_spec(getattr(harness, option)) is None:
            monkeypatch.setattr(harness, option, fallback)
    return tmp_path


def test_a_server_is_started_on_the_fixed_range_and_stopped_by_its_pid(bench_dir: Path) -> None:
    port = harness.pick_port()
    assert port in harness.PORTS
    argv = uvicorn_argv("bench.baselines:hello", port, factory=True)
    with serving("hello", argv, {}, bench_dir / "hello.log", "/hello") as server:
        assert httpx.get(server.base_url + "/hello").json() == {"hello": "world"}
        process = server.process
    assert process.poll() is not None


def test_a_tiny_world_is_seeded_served_and_read(bench_dir: Path) -> None:
    with world.sqlite_world(30) as w:
        folder = w.folder
        conn = sqlite3.connect(w.database_file)
        try:
            assert conn.execute("SELECT count(*) FROM notes").fetchone() == (30,)
        finally:
            conn.close()
        token = w.token(READER)
        with w.hub() as hub:
            check_view(hub.base_url, w, token)  # 60 fields or SystemExit
            if shutil.which("wrk") is not None:
                script = write_script(folder, "view", lua_script([view_path(w)], token=token))
                # Long enough for a loaded machine: the deadline setting scales it (no speed check).
                target = Target("view", hub.base_url, script)
                loads = interleave([target], rounds=1, seconds=scaled(2))
                assert loads["view"][0].requests > 0
                assert loads["view"][0].failed == 0
    assert not folder.exists()
    assert len(list((bench_dir / "worlds").glob("sqlite-n30-*"))) == 1


def test_the_soak_script_sends_each_call_with_its_own_token_and_is_parsed() -> None:
    calls = [
        soak.Call("view", "GET", "/v", "t.reader"),
        soak.Call("version", "PUT", "/n/1", "t.writer", '{"fields": {}}', {"If-Match": "*"}),
    ]
    script = soak.soak_script(calls)
    assert "[==[Bearer t.reader]==]" in script
    assert "[==[Bearer t.writer]==]" in script
    assert '[==[{"fields": {}}]==]' in script
    assert "[==[If-Match]==]" in script
    out = (
        'SOAK_SAMPLE 503 {"type":"urn:livc-hub:problem:unavailable"}\n'
        'SOAK_JSON {"requests":10,"duration_us":2000000,"p50_us":1000,"p99_us":9000,'
        '"max_us":12000,"connect":1,"read":2,"write":0,"timeout":3,'
        '"codes":{"200":5,"201":2,"412":1,"503":1,"302":1}}\n'
    )
    load = soak.parse_soak(out)
    assert (load.ok, load.client_errors, load.server_errors) == (7, 1, 1)
    assert (load.socket_errors, load.timeouts, load.rps) == (3, 3, 5.0)
    assert load.samples == ('503 {"type":"urn:livc-hub:problem:unavailable"}',)
    with pytest.raises(ValueError, match="no soak result line"):
        soak.parse_soak("Running 2s test\n")


def test_the_soak_rotation_mixes_every_kind_and_keeps_edits_of_a_note_apart() -> None:
    own = {w: [f"/notes/{w}-{n}" for n in range(soak.EDITED_EACH)] for w in soak.WRITERS}
    tokens = {h: f"t.{h}" for h in (READER, *soak.WRITERS)}
    calls = soak.rotation("/view", own, "/create", "{}", "{}", tokens)
    assert {c.kind for c in calls} == {"view", "read", "create", "version"}
    assert all(c.token == tokens[READER] for c in calls if c.kind == "view")
    edits = [c.path for c in calls if c.kind == "version"]
    assert sorted(edits) == sorted(p for paths in own.values() for p in paths)
    # Each note is edited once per rotation, which is longer than the connections in flight.
    assert len(calls) > soak.CONNECTIONS
    for call in calls:
        if call.kind in ("read", "version"):
            assert call.path in own[call.token.removeprefix("t.")]


@pytest.mark.skipif(shutil.which("wrk") is None, reason="wrk is not installed")
def test_a_short_soak_completes_and_its_log_verifies(bench_dir: Path) -> None:
    with world.sqlite_world(30) as w:
        run = soak.soak(w, "sqlite", seconds=2, connections=8, edited_each=2)
    assert run.load.requests > 0
    assert sum(run.load.codes.values()) > 0
    assert run.verified, run.problem
    assert run.added >= run.load.ok
    assert {r.metric for r in run.rows()} >= {"sqlite 1w 5xx", "sqlite 1w log verifies after"}
