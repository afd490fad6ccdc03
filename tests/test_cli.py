"""The livc-hub command: refuses to start without keys, migrates, loads the demo, issues tokens."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from app.cli import main


@pytest.fixture
def env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.chdir(tmp_path)
    for name in ("LIVC_KEYS_MASTER_KEY", "LIVC_KEYS_MASTER_KEY_FILE"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("LIVC_DATABASE_URL", f"sqlite:///{tmp_path}/cli.db")
    return tmp_path


def test_serve_refuses_to_start_without_a_master_key_outside_demo(
    env: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("LIVC_MODE", "production")
    assert main(["serve"]) == 1
    assert "a master key is required outside demo mode" in capsys.readouterr().err
    assert not (env / "var" / "keyring.json").exists()


def test_demo_is_refused_outside_demo_mode(
    env: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("LIVC_MODE", "development")
    monkeypatch.setenv("LIVC_KEYS_MASTER_KEY", "ab" * 32)
    assert main(["migrate"]) == 0
    assert main(["demo"]) == 1
    assert "only loaded in demo mode" in capsys.readouterr().err


def test_quick_start_path_migrate_demo_token(
    env: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("LIVC_MODE", "demo")
    assert main(["migrate"]) == 0
    assert main(["demo", "--if-empty"]) == 0
    handles = json.loads((env / "var" / "demo-members.json").read_text())
    assert {"admin", "mayor", "sofie", "pieter", "ltf"} <= set(handles)
    assert main(["demo", "--if-empty"]) == 0
    assert "already present" in capsys.readouterr().out
    assert main(["token", "--member", "sofie"]) == 0
    token = capsys.readouterr().out.strip()
    assert token.count(".") == 2
    assert main(["token", "--member", "nobody"]) == 1
    stored = b"".join(p.read_bytes() for p in env.glob("cli.db*"))
    assert b"Woont bij moeder" not in stored


def test_openapi_and_new_master_key(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["openapi"]) == 0
    assert capsys.readouterr().out.startswith("openapi: 3.1.0")
    assert main(["keys", "new-master"]) == 0
    assert len(capsys.readouterr().out.strip()) >= 43


def test_serve_refuses_a_local_policy_that_loosens_the_law(
    env: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    policy = env / "policy.yaml"
    policy.write_text("sharing:\n  secrecy_bound_classes: [health]\n")
    monkeypatch.setenv("LIVC_MODE", "demo")
    monkeypatch.setenv("LIVC_POLICY_FILE", str(policy))
    assert main(["serve"]) == 1
    assert "would loosen" in capsys.readouterr().err
    policy.write_text("sharing:\n  withheld_classes: [intelligence]\n")
    from app.api.app import build_authorizer
    from app.settings import Settings

    rules = build_authorizer(Settings()).sharing_rules
    assert rules[-1].name == "locally_withheld"


def test_check_entry_reads_an_entry_holding_a_unicode_line_separator(tmp_path: Path) -> None:
    from app.cli.audit import _one_entry

    line = '{"seq":0,"purpose":"a\u2028b\u0085c"}'
    source = tmp_path / "entry.ndjson"
    source.write_text(line + "\n", encoding="utf-8")
    assert _one_entry(str(source)) == line


def test_a_command_prints_no_library_warning() -> None:
    """Every command imports the sign-in flows; Authlib's httpx2 notice is not for the people
    using the CLI (app/auth/oauth_client.py)."""
    import subprocess
    import sys

    done = subprocess.run(
        [sys.executable, "-m", "app.cli", "login", "--help"],
        capture_output=True,
        text=True,
        check=False,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr
    assert "Warning" not in done.stderr, done.stderr
