"""Inserting an entry and cutting the tail, done with raw SQL by someone who knows the format.

Each test runs on a hub of its own (the damage is not undone). The attacker keeps the database
consistent so the hub keeps working: positions shifted, forged hashes recomputed, the chain head
rewound. The auditor kept the signed checkpoints fetched before; the verifier still finds both.
"""

from __future__ import annotations

import json
import secrets
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from app.audit.entry import canonical, entry_hash, leaf
from app.audit.merkle import Frontier
from tests.support.audit import run_verifier
from tests.support.databases import ThrowawayDatabase, create_database
from tests.support.live import LiveHub, start_hub
from tests.support.tamper import unguard
from tests.support.world import member, ok, team


@pytest.fixture
def victim(database: ThrowawayDatabase, tmp_path: Path) -> Iterator[tuple[LiveHub, httpx.Client]]:
    (tmp_path / "db").mkdir()
    (tmp_path / "hub").mkdir()
    db = create_database(database.backend, tmp_path / "db")
    hub: LiveHub | None = None
    try:
        db.migrate()
        hub = start_hub(db, tmp_path / "hub", master_key=secrets.token_urlsafe(32))
        t = team(hub)
        for _ in range(4):
            ok(t.note(), 201)
        unguard(db)  # the attacker has the database: off with the SQLite triggers first
        yield hub, hub.client(member(hub, t.agency_id, "hub_auditor"))
    finally:
        if hub is not None:
            hub.stop()
        db.drop()


def _export(auditor: httpx.Client) -> list[dict[str, Any]]:
    with auditor.stream("GET", "/api/v1/audit/export") as r:
        assert r.status_code == 200
        body = b"".join(r.iter_bytes()).decode()
    return [json.loads(line) for line in body.splitlines()]


def _kept_checkpoints(auditor: httpx.Client, tmp: Path) -> tuple[int, Path, Path]:
    """What a careful auditor keeps: a fresh signed checkpoint, the list, the public key."""
    size = int(ok(auditor.post("/api/v1/audit/checkpoints"), 201)["tree_size"])
    heads = tmp / "kept-checkpoints.ndjson"
    heads.write_text(auditor.get("/api/v1/audit/checkpoints").text)
    key = tmp / "audit-key.json"
    key.write_text(auditor.get("/.well-known/livc-hub/audit-key").text)
    return size, heads, key


def _verify(export: list[dict[str, Any]], heads: Path, key: Path, tmp: Path) -> str:
    path = tmp / "export.ndjson"
    path.write_text("".join(json.dumps(e) + "\n" for e in export))
    result = run_verifier(path, key, heads)
    assert result.returncode == 1, result.stdout
    return result.stderr


def test_an_inserted_entry_is_found(victim: tuple[LiveHub, httpx.Client], tmp_path: Path) -> None:
    hub, auditor = victim
    size, heads, key = _kept_checkpoints(auditor, tmp_path)
    before = _export(auditor)
    at = 5
    # Make room at position `at`, forge an entry chained to the one before, keep the head valid.
    hub.database.execute(
        f"UPDATE access_log SET position = -position - 1 WHERE position >= {at}",
        "UPDATE access_log SET position = -position WHERE position < 0",
        "INSERT INTO access_log (at, request_id, actor_member_id, actor_agency_id, action,"
        " decision, reason, fields, position, prev_hash, entry_hash)"
        f" VALUES ('2026-11-25 08:00:00+00:00', 'forged', NULL, NULL, 'note:list', 'allow',"
        f" 'own_agency', '[]', {at}, '{before[at - 1]['hash']}', 'x')",
        "UPDATE audit_head SET size = size + 1 WHERE id = 1",
    )
    forged = next(e for e in _export(auditor) if e["request_id"] == "forged")
    good = entry_hash(canonical(forged))
    hub.database.execute(f"UPDATE access_log SET entry_hash = '{good}' WHERE position = {at}")
    after = _export(auditor)
    assert after[at]["hash"] == entry_hash(canonical(after[at]))  # the forgery holds locally
    problem = _verify(after, heads, key, tmp_path)
    assert f"entry {at + 1} " in problem
    assert f"entry {at} or {at + 1} was inserted" in problem
    assert size > at


def test_a_cut_tail_is_found(victim: tuple[LiveHub, httpx.Client], tmp_path: Path) -> None:
    hub, auditor = victim
    size, heads, key = _kept_checkpoints(auditor, tmp_path)
    before = _export(auditor)
    keep = size - 3
    frontier = Frontier()
    for entry in before[:keep]:
        frontier.append(leaf(canonical(entry)))
    # Remove the last entries and their checkpoints, and rewind the head so the hub goes on.
    nodes = json.dumps([n.hex() for n in frontier.nodes])
    hub.database.execute(
        f"DELETE FROM access_log WHERE position >= {keep}",
        f"DELETE FROM audit_checkpoints WHERE tree_size > {keep}",
        f"UPDATE audit_head SET size = {keep}, last_hash = '{before[keep - 1]['hash']}',"
        f" frontier = '{nodes}' WHERE id = 1",
    )
    after = _export(auditor)  # the hub appends the export itself: the chain looks whole
    assert [e["seq"] for e in after] == list(range(keep + 1))
    assert after[keep]["prev"] == before[keep - 1]["hash"]
    problem = _verify(after, heads, key, tmp_path)
    assert "removed from the end" in problem
    assert f"covers {size}" in problem
    # Against the checkpoints the hub serves now, the cut would not show: keep what you fetch.
    served = auditor.get("/api/v1/audit/checkpoints").text.splitlines()
    assert size not in {json.loads(line)["tree_size"] for line in served}
