"""`livc-hub demo` gives the demo people web sign-ins: usernames = handles, random passwords in
var/demo-logins.json (0600), printed, and stored only as argon2id hashes."""

from __future__ import annotations

import json
import stat
from pathlib import Path

import pytest

from app.cli import main


def test_demo_people_can_sign_in_with_the_printed_passwords(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.chdir(tmp_path)
    for name in ("LIVC_KEYS_MASTER_KEY", "LIVC_KEYS_MASTER_KEY_FILE"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("LIVC_DATABASE_URL", f"sqlite:///{tmp_path}/demo.db")
    monkeypatch.setenv("LIVC_MODE", "demo")
    assert main(["migrate"]) == 0
    assert main(["demo", "--if-empty"]) == 0
    printed = capsys.readouterr().out
    logins_file = tmp_path / "var" / "demo-logins.json"
    assert stat.S_IMODE(logins_file.stat().st_mode) == 0o600
    logins = json.loads(logins_file.read_text())
    assert {"pieter", "sofie", "mayor", "admin"} <= set(logins)
    assert "http://127.0.0.1:8000/ui" in printed
    assert "pieter" in printed
    assert logins["pieter"] in printed
    assert len(set(logins.values())) == len(logins)
    assert all(len(p) >= 12 for p in logins.values())
    stored = b"".join(p.read_bytes() for p in tmp_path.glob("demo.db*"))
    assert logins["pieter"].encode() not in stored
    assert b"$argon2id$" in stored
