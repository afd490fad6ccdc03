"""The tamper-evident log through the front door: export, checkpoints, offline verification,
and tampering done with raw SQL on the database, each case found by the verifier (then undone)."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import httpx
import pytest

from tests.support.audit import run_verifier
from tests.support.live import LiveHub
from tests.support.tamper import reguard, unguard
from tests.support.world import member, ok, team


@pytest.fixture(scope="module")
def auditor(hub: LiveHub) -> httpx.Client:
    t = team(hub)
    for _ in range(3):
        ok(t.note(), 201)
    return hub.client(member(hub, t.agency_id, "hub_auditor"))


def _export(auditor: httpx.Client, tmp: Path) -> tuple[Path, Path, Path]:
    ok(auditor.post("/api/v1/audit/checkpoints"), 201)
    # Checkpoints first, then the export: the export then covers every checkpoint fetched.
    heads = tmp / "checkpoints.ndjson"
    heads.write_text(auditor.get("/api/v1/audit/checkpoints").text)
    export = tmp / "export.ndjson"
    with auditor.stream("GET", "/api/v1/audit/export") as r:
        assert r.status_code == 200
        assert r.headers["content-type"].startswith("application/x-ndjson")
        export.write_bytes(b"".join(r.iter_bytes()))
    key = tmp / "audit-key.json"
    key.write_text(auditor.get("/.well-known/livc-hub/audit-key").text)
    return export, heads, key


def _verify(files: tuple[Path, Path, Path]) -> subprocess.CompletedProcess[str]:
    export, heads, key = files
    return run_verifier(export, key, heads)


def test_an_export_verifies_offline(hub: LiveHub, auditor: httpx.Client, tmp_path: Path) -> None:
    files = _export(auditor, tmp_path)
    result = _verify(files)
    assert result.returncode == 0, result.stderr
    assert "verified:" in result.stdout
    lines = files[0].read_text().splitlines()
    assert [json.loads(line)["seq"] for line in lines] == list(range(len(lines)))
    assert "audit:export" in lines[-1] or any("audit:export" in line for line in lines[-3:])


def test_the_hub_writes_each_line_as_its_canonical_bytes_and_hash(
    hub: LiveHub, auditor: httpx.Client, tmp_path: Path
) -> None:
    # The layout the verifier hashes as given (decision 75): what precedes the hash, closed, is the
    # entry's RFC 8785 bytes, and the hash is theirs.
    import hashlib
    import json

    from app.audit.entry import canonical

    export, _, _ = _export(auditor, tmp_path)
    lines = export.read_bytes().splitlines()
    assert lines
    for line in lines:
        head = line[: line.index(b',"hash":"')] + b"}"
        item = json.loads(line)
        assert head == canonical(item)
        assert hashlib.sha256(head).hexdigest() == item["hash"]


def test_the_export_as_csv_has_every_entry(hub: LiveHub, auditor: httpx.Client) -> None:
    import csv
    import io

    text = auditor.get("/api/v1/audit/export", params={"format": "csv"}).text
    rows = list(csv.DictReader(io.StringIO(text)))
    assert [int(r["seq"]) for r in rows] == list(range(len(rows)))
    assert {"prev", "hash", "fields", "purpose"} <= set(rows[0])
    assert auditor.get("/api/v1/audit/export", params={"format": "xml"}).status_code == 422


def test_only_auditors_read_the_log(hub: LiveHub, auditor: httpx.Client) -> None:
    t = team(hub)
    for client in (t.worker, hub.admin):
        assert client.get("/api/v1/audit/export").status_code == 403
        assert client.post("/api/v1/audit/checkpoints").status_code == 403


def _row(hub: LiveHub, position: int) -> dict[str, object]:
    from sqlalchemy import create_engine, text

    from tests.support.databases import _sync

    engine = create_engine(_sync(hub.database.url))
    with engine.connect() as conn:
        row = conn.execute(
            text("SELECT * FROM access_log WHERE position = :p"), {"p": position}
        ).one()
    engine.dispose()
    return dict(row._mapping)


# Inserting an entry and cutting the tail cannot be undone in place: they run on hubs of their
# own in tests/api/test_audit_tamper.py.
TAMPERING = ["edit", "delete", "swap", "signature", "other_key"]


@pytest.mark.parametrize("kind", TAMPERING)
def test_tampering_with_raw_sql_is_found(
    hub: LiveHub, auditor: httpx.Client, tmp_path: Path, kind: str
) -> None:
    (tmp_path / "before").mkdir()
    _export(auditor, tmp_path / "before")
    victim = 3
    row = _row(hub, victim)
    seq = row["seq"]
    steps: dict[str, tuple[list[str], list[str], str]] = {
        "edit": (
            [f"UPDATE access_log SET action = 'note:list' WHERE seq = {seq}"],
            [f"UPDATE access_log SET action = '{row['action']}' WHERE seq = {seq}"],
            f"entry {victim} ",
        ),
        "delete": (
            [f"UPDATE access_log SET position = -1 - position WHERE seq = {seq}"],
            [f"UPDATE access_log SET position = {victim} WHERE seq = {seq}"],
            f"entry {victim} ",
        ),
        "swap": (
            [
                f"UPDATE access_log SET position = -5 WHERE position = {victim}",
                f"UPDATE access_log SET position = {victim} WHERE position = {victim + 1}",
                f"UPDATE access_log SET position = {victim + 1} WHERE position = -5",
            ],
            [
                f"UPDATE access_log SET position = -5 WHERE position = {victim}",
                f"UPDATE access_log SET position = {victim} WHERE position = {victim + 1}",
                f"UPDATE access_log SET position = {victim + 1} WHERE position = -5",
            ],
            f"entry {victim} ",
        ),
        "signature": ([], [], "signature does not verify"),
        "other_key": ([], [], "another key"),
    }
    do, undo, expected = steps[kind]
    saved = unguard(hub.database)  # off with the SQLite triggers, as whoever has the file can
    for statement in do:
        hub.database.execute(statement)
    try:
        # The head still says `size`: export what the table now holds up to it.
        export, heads, key = _export_raw(auditor, tmp_path / "after")
        if kind == "signature":
            lines = heads.read_text().splitlines()
            first, last = json.loads(lines[0]), json.loads(lines[-1])
            last["signature"] = first["signature"]
            heads.write_text("\n".join([*lines[:-1], json.dumps(last)]) + "\n")
        if kind == "other_key":
            key.write_text(_other_key_pem())
        result = _verify((export, heads, key))
        assert result.returncode == 1, result.stdout
        assert expected in result.stderr, result.stderr
    finally:
        for statement in undo:
            hub.database.execute(statement)
        reguard(hub.database, saved)
    (tmp_path / "restored").mkdir()
    restored = _verify(_export(auditor, tmp_path / "restored"))
    assert restored.returncode == 0, restored.stderr


def _export_raw(auditor: httpx.Client, tmp: Path) -> tuple[Path, Path, Path]:
    tmp.mkdir()
    heads = tmp / "checkpoints.ndjson"
    heads.write_text(auditor.get("/api/v1/audit/checkpoints").text)
    export = tmp / "export.ndjson"
    with auditor.stream("GET", "/api/v1/audit/export") as r:
        export.write_bytes(b"".join(r.iter_bytes()))
    key = tmp / "audit-key.json"
    key.write_text(auditor.get("/.well-known/livc-hub/audit-key").text)
    return export, heads, key


def _other_key_pem() -> str:
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

    from app.audit.signing import public_pem

    return public_pem(Ed25519PrivateKey.generate().public_key())
