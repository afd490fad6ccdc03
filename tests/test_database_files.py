"""A SQLite database, its -wal and -shm files are created 0600, in a directory created 0700."""

from __future__ import annotations

import asyncio
import logging
import os
import stat
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import text

from app.cli import main
from app.db.engine import make_async_engine, make_sync_engine
from app.settings import DatabaseSettings


def _mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


@pytest.fixture
def usual_umask() -> Iterator[None]:
    """The common umask (022), under which SQLite would make its files 0644."""
    previous = os.umask(0o022)
    try:
        yield
    finally:
        os.umask(previous)


@pytest.mark.usefixtures("usual_umask")
def test_the_database_and_its_wal_files_are_private(tmp_path: Path) -> None:
    path = tmp_path / "var" / "data" / "hub.db"
    engine = make_sync_engine(DatabaseSettings(url=f"sqlite:///{path}"))
    try:
        # Before SQLite opens anything: the file is there, private, in private directories.
        assert (_mode(path), _mode(path.parent), _mode(path.parent.parent)) == (0o600, 0o700, 0o700)
        with engine.connect() as conn:
            conn.execute(text("CREATE TABLE t (x INTEGER)"))
            conn.execute(text("INSERT INTO t VALUES (1)"))
            conn.commit()
            wal, shm = Path(f"{path}-wal"), Path(f"{path}-shm")
            assert (_mode(path), _mode(wal), _mode(shm)) == (0o600, 0o600, 0o600)
    finally:
        engine.dispose()


@pytest.mark.usefixtures("usual_umask")
def test_the_apps_async_engine_makes_the_file_private_too(tmp_path: Path) -> None:
    path = tmp_path / "hub.db"
    engine = make_async_engine(DatabaseSettings(url=f"sqlite:///{path}"))
    asyncio.run(engine.dispose())
    assert _mode(path) == 0o600


@pytest.mark.usefixtures("usual_umask")
def test_migrate_makes_var_private(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("LIVC_DATABASE_URL", "sqlite:///var/livc-hub.db")
    assert main(["migrate"]) == 0
    assert (_mode(tmp_path / "var"), _mode(tmp_path / "var" / "livc-hub.db")) == (0o700, 0o600)


def test_an_existing_file_others_can_read_is_reported(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    path = tmp_path / "hub.db"
    path.touch(mode=0o644)
    os.chmod(path, 0o644)
    with caplog.at_level(logging.WARNING):
        make_sync_engine(DatabaseSettings(url=f"sqlite:///{path}")).dispose()
    assert f"{path} is accessible to other users (mode 0644)" in caplog.text
