"""`livc-hub demo --size N`: the benchmark world, grown through the use cases, demo mode only."""

from __future__ import annotations

import json
import sqlite3
import uuid
from pathlib import Path

import pytest

from app.cli import main


@pytest.fixture
def demo(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("LIVC_MODE", "demo")
    monkeypatch.setenv("LIVC_KEYS_MASTER_KEY", "ab" * 32)
    monkeypatch.setenv("LIVC_DATABASE_URL", f"sqlite:///{tmp_path}/demo.db")
    monkeypatch.setenv("LIVC_KEYS_KEYRING_PATH", str(tmp_path / "keyring.json"))
    monkeypatch.setenv("LIVC_AUDIT_KEY_PATH", str(tmp_path / "audit.pem"))
    monkeypatch.setenv("LIVC_AUTH_LOCAL_ISSUER_KEY_PATH", str(tmp_path / "issuer.pem"))
    assert main(["migrate"]) == 0
    return tmp_path


def _count(db: Path, sql: str) -> int:
    conn = sqlite3.connect(db)
    try:
        return int(conn.execute(sql).fetchone()[0])
    finally:
        conn.close()


def test_size_builds_the_benchmark_exchange_and_grows_to_n_notes(demo: Path) -> None:
    db = demo / "demo.db"
    assert main(["demo", "--size", "12"]) == 0
    handles = json.loads((demo / "var" / "demo-members.json").read_text())
    assert {"_bench_exchange", "_bench_case", "_bench_note", "_bench_subject"} <= set(handles)
    assert _count(db, "SELECT count(*) FROM notes") == 12
    # 3 notes x 20 fields, each field released by its owner and granted to the reader, note-pinned
    # (the filler's one exchange releases classes and grants one class to a role), beside the
    # demo's own consultation: 3 fields released, 2 granted to the police reference person.
    bench = f"exchange_id = '{uuid.UUID(handles['_bench_exchange']).hex}'"
    released = "SELECT count(*) FROM exchange_releases WHERE field IS NOT NULL"
    assert _count(db, f"{released} AND {bench}") == 60
    assert _count(db, released) == 63
    pinned = "SELECT count(*) FROM exchange_grants WHERE note_id IS NOT NULL AND field IS NOT NULL"
    assert _count(db, f"{pinned} AND {bench}") == 60
    assert _count(db, pinned) == 62
    assert main(["demo", "--size", "25"]) == 0  # grows the same world
    assert _count(db, "SELECT count(*) FROM notes") == 25
    again = json.loads((demo / "var" / "demo-members.json").read_text())
    assert again["_bench_exchange"] == handles["_bench_exchange"]


def test_size_is_refused_outside_demo_mode_and_below_one(
    demo: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["demo", "--size", "0"]) == 1
    assert "at least 1" in capsys.readouterr().err
    monkeypatch.setenv("LIVC_MODE", "development")
    assert main(["demo", "--size", "10"]) == 1
    assert "only loaded in demo mode" in capsys.readouterr().err
