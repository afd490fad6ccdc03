"""At start-up the hub checks that its own connection cannot rewrite the access log.

Production refuses to start (the app's lifespan and `livc-hub serve`), with a message that says
how to fix it; other modes log a warning. The "bad" connection: on PostgreSQL the superuser that
owns the tables, on SQLite a file whose log triggers were dropped.
"""

from __future__ import annotations

import asyncio
import logging
import secrets
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

from app.api.app import create_app
from app.audit.signing import AuditSigner
from app.auth import LocalIssuer
from app.cli import main
from app.db.guards import LogNotAppendOnly
from app.settings import (
    AuditSettings,
    AuthSettings,
    DatabaseSettings,
    KeySettings,
    Mode,
    ServerSettings,
    Settings,
)
from tests.support.databases import APP_ROLE, ThrowawayDatabase
from tests.support.tamper import unguarded

MASTER_KEY = secrets.token_urlsafe(32)


def _settings(url: str, tmp: Path, mode: Mode) -> Settings:
    keys = tmp / "keys"
    settings = Settings(
        database=DatabaseSettings(url=url),
        keys=KeySettings(keyring_path=tmp / "keyring.json", master_key=MASTER_KEY),
        auth=AuthSettings(local_issuer_key_path=keys / "issuer.pem"),
        audit=AuditSettings(key_path=keys / "audit.pem"),
        server=ServerSettings(mode=mode),
    )
    if not settings.audit.key_path.exists():
        AuditSigner.create(settings.audit.key_path)
        auth = settings.auth
        LocalIssuer.create(auth.local_issuer_key_path, issuer=auth.issuer, audience=auth.audience)
    return settings


def start(settings: Settings) -> None:
    """Run the app's start-up and shut-down, as uvicorn would."""
    app = create_app(settings)

    async def run() -> None:
        async with app.router.lifespan_context(app):
            pass

    asyncio.run(run())


@contextmanager
def rewritable(db: ThrowawayDatabase) -> Iterator[str]:
    """A URL through which the log could be rewritten."""
    if db.backend == "postgresql":
        yield db.url  # the superuser that owns the tables
    else:
        with unguarded(db):
            yield db.url


def test_production_refuses_a_connection_that_can_rewrite_the_log(
    database: ThrowawayDatabase, tmp_path: Path
) -> None:
    with rewritable(database) as url, pytest.raises(LogNotAppendOnly) as refused:
        start(_settings(url, tmp_path, Mode.PRODUCTION))
    if database.backend == "postgresql":
        assert "can UPDATE access_log" in str(refused.value)
        assert f"GRANT {APP_ROLE} TO" in str(refused.value)
    else:
        assert "access_log_no_update" in str(refused.value)
        assert "livc-hub migrate" in str(refused.value)
    start(_settings(database.app_url, tmp_path, Mode.PRODUCTION))  # the narrow way in starts


def test_other_modes_warn(
    database: ThrowawayDatabase, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    with caplog.at_level(logging.WARNING), rewritable(database) as url:
        start(_settings(url, tmp_path, Mode.DEVELOPMENT))
    assert "production mode would refuse to start" in caplog.text
    caplog.clear()
    with caplog.at_level(logging.WARNING):
        start(_settings(database.app_url, tmp_path, Mode.DEVELOPMENT))
    assert "append-only" not in caplog.text


def test_serve_refuses_in_production_with_one_clear_line(
    database: ThrowawayDatabase,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    with rewritable(database) as url:
        settings = _settings(url, tmp_path, Mode.PRODUCTION)
        master = settings.keys.master_key
        assert master is not None
        for name, value in {
            "LIVC_MODE": "production",
            "LIVC_DATABASE_URL": url,
            "LIVC_KEYS_KEYRING_PATH": str(settings.keys.keyring_path),
            "LIVC_KEYS_MASTER_KEY": master.get_secret_value(),
            "LIVC_AUDIT_KEY_PATH": str(settings.audit.key_path),
            "LIVC_AUTH_LOCAL_ISSUER_KEY_PATH": str(settings.auth.local_issuer_key_path),
        }.items():
            monkeypatch.setenv(name, value)
        assert main(["serve"]) == 1
    err = capsys.readouterr().err
    assert err.startswith("livc-hub: error: refusing to start in production:"), err
    assert err.count("\n") == 1


def test_a_database_that_cannot_be_reached_is_refused_in_production(tmp_path: Path) -> None:
    url = "postgresql://nobody@127.0.0.1:1/none"
    with pytest.raises(LogNotAppendOnly, match="cannot check"):
        start(_settings(url, tmp_path, Mode.PRODUCTION))
    start(_settings(url, tmp_path, Mode.DEVELOPMENT))  # elsewhere: a warning, and it starts
