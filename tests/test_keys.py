"""Signing keys are made deliberately: `livc-hub keys init`, never implicitly in production."""

from __future__ import annotations

import asyncio
import logging
import stat
from pathlib import Path

import pytest

from app.api.app import create_app
from app.audit.signing import AuditKeyMissing, AuditSigner
from app.auth import LocalIssuer
from app.auth.local_issuer import IssuerKeyMissing
from app.cli import main
from app.settings import Settings

MASTER_KEY = "ab" * 32


@pytest.fixture
def env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Keys outside var/, in a directory that does not exist yet."""
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("LIVC_DATABASE_URL", f"sqlite:///{tmp_path}/hub.db")
    monkeypatch.setenv("LIVC_KEYS_MASTER_KEY", MASTER_KEY)
    monkeypatch.setenv("LIVC_AUDIT_KEY_PATH", str(tmp_path / "etc" / "livc" / "audit.pem"))
    monkeypatch.setenv(
        "LIVC_AUTH_LOCAL_ISSUER_KEY_PATH", str(tmp_path / "etc" / "livc" / "iss.pem")
    )
    return tmp_path


def _mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def _keys(env: Path) -> tuple[Path, Path]:
    return env / "etc" / "livc" / "audit.pem", env / "etc" / "livc" / "iss.pem"


def test_keys_init_creates_both_keys_privately_and_never_overwrites(
    env: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    audit, issuer = _keys(env)
    assert main(["keys", "init"]) == 0
    out = capsys.readouterr().out
    assert (_mode(audit), _mode(issuer)) == (0o600, 0o600)
    assert (_mode(audit.parent), _mode(audit.parent.parent)) == (0o700, 0o700)
    settings = Settings()
    kid = LocalIssuer.load(issuer, issuer=settings.auth.issuer, audience=settings.auth.audience).kid
    assert f"{audit} (key id {AuditSigner.load(audit).key_id})" in out
    assert f"{issuer} (key id {kid})" in out
    before = audit.read_bytes(), issuer.read_bytes()
    assert main(["keys", "init"]) == 1
    assert "never overwrites" in capsys.readouterr().err
    assert (audit.read_bytes(), issuer.read_bytes()) == before


def test_keys_init_adds_a_missing_key_and_keeps_the_other(
    env: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    audit, issuer = _keys(env)
    AuditSigner.create(audit)
    kept = audit.read_bytes()
    assert main(["keys", "init"]) == 0
    out = capsys.readouterr().out
    assert "kept the existing audit signing key" in out
    assert "created the token issuer key" in out
    assert audit.read_bytes() == kept
    assert issuer.exists()


def test_production_refuses_to_start_or_bootstrap_without_the_keys(
    env: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    audit, issuer = _keys(env)
    monkeypatch.setenv("LIVC_MODE", "production")
    assert main(["migrate"]) == 0
    for command in (["serve"], ["bootstrap", "--agency", "Hub", "--admin", "Admin"]):
        assert main(command) == 1
        err = capsys.readouterr().err
        assert f"the audit signing key {audit} does not exist" in err
        assert "`livc-hub keys init`" in err
    AuditSigner.create(audit)
    assert main(["serve"]) == 1
    assert f"the token issuer key {issuer} does not exist" in capsys.readouterr().err
    assert not issuer.exists()


def _start(settings: Settings) -> None:
    app = create_app(settings)

    async def run() -> None:
        async with app.router.lifespan_context(app):
            pass

    asyncio.run(run())


def test_the_app_refuses_to_start_in_production_without_either_key(
    env: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    audit, issuer = _keys(env)
    monkeypatch.setenv("LIVC_MODE", "production")
    with pytest.raises(AuditKeyMissing, match="livc-hub keys init"):
        _start(Settings())
    assert not audit.exists()
    AuditSigner.create(audit)
    with pytest.raises(IssuerKeyMissing, match="livc-hub keys init"):
        _start(Settings())
    assert not issuer.exists()


@pytest.mark.parametrize("mode", ["development", "demo"])
def test_development_and_demo_create_the_keys_with_a_warning(
    env: Path, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture, mode: str
) -> None:
    audit, issuer = _keys(env)
    monkeypatch.setenv("LIVC_MODE", mode)
    assert main(["migrate"]) == 0
    with caplog.at_level(logging.WARNING):
        _start(Settings())
    assert (_mode(audit), _mode(issuer)) == (0o600, 0o600)
    assert caplog.text.count("there, run `livc-hub keys init`") == 2
